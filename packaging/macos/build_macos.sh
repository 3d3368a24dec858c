#!/usr/bin/env bash
# Build TRIM Desktop for macOS: "dist/TRIM Desktop.app" and dist/TRIM-Desktop-<version>-macos-<arch>.dmg
#   bash packaging/macos/build_macos.sh [--no-dmg]
# Needs: Python 3.11 venv in .venv with the project: pip install -e '.[gui,research,package]' pyinstaller-hooks-contrib
# (macOS torch wheels are CPU/MPS builds: no CUDA libraries, nothing to stub), Xcode command
# line tools (iconutil, hdiutil, codesign). Signing: set TRIM_SIGN_IDENTITY="Developer ID
# Application: ..." for a signed app (notarize with xcrun notarytool); default ad-hoc.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
PY=${PYTHON:-$ROOT/.venv/bin/python}
DMG=1
[ "${1:-}" = "--no-dmg" ] && DMG=0
[ "$(uname -s)" = Darwin ] || { echo "build_macos.sh runs on macOS only" >&2; exit 1; }
"$PY" -c "import PyInstaller" || { echo "PyInstaller missing in $PY" >&2; exit 1; }
VERSION=$("$PY" -c "import sys; sys.path.insert(0, 'packaging'); import bundle_meta; print(bundle_meta.version())")
ARCH=$(uname -m)
mkdir -p build/pyinstaller dist

"$PY" packaging/make_icon.py --iconset build/icon.iconset
iconutil -c icns -o build/icon.icns build/icon.iconset

cat > build/pyinstaller/build_info.json <<JSON
{"version": "$VERSION", "variant": "cpu", "built": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "platform": "macos-$ARCH"}
JSON
export TRIM_VARIANT=cpu TRIM_BUILD_INFO=$ROOT/build/pyinstaller/build_info.json
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller \
  packaging/trim_desktop.spec

APP="dist/TRIM Desktop.app"
[ -d "$APP" ] || { echo "no $APP" >&2; exit 1; }
plutil -lint "$APP/Contents/Info.plist"
if [ -n "${TRIM_SIGN_IDENTITY:-}" ]; then
  codesign --force --deep --options runtime --timestamp -s "$TRIM_SIGN_IDENTITY" "$APP"
else
  codesign --force --deep -s - "$APP"
fi
codesign --verify --deep --strict "$APP"

# smoke: the bundle's own checks, offscreen
QT_QPA_PLATFORM=offscreen "$APP/Contents/MacOS/trim-summarize" --self-check
QT_QPA_PLATFORM=offscreen "$APP/Contents/MacOS/trim-summarize" --smoke
"$APP/Contents/MacOS/trim-summarize" "$APP/Contents/Resources/resources/sample.mp4" \
  -o build/smoke-summary.mp4 --force --quiet

if [ "$DMG" = 1 ]; then
  STAGE=build/dmg
  rm -rf "$STAGE" && mkdir -p "$STAGE"
  cp -R "$APP" "$STAGE/"
  ln -s /Applications "$STAGE/Applications"
  OUT=dist/TRIM-Desktop-$VERSION-macos-$ARCH.dmg
  rm -f "$OUT"
  hdiutil create -volname "TRIM Desktop" -srcfolder "$STAGE" -ov -format UDZO "$OUT"
  [ -n "${TRIM_SIGN_IDENTITY:-}" ] && codesign -s "$TRIM_SIGN_IDENTITY" "$OUT"
  echo "dmg: $(du -h "$OUT" | cut -f1)  $OUT"
fi
