#!/usr/bin/env bash
# Build the Linux bundle: dist/TRIM-Desktop/ (one folder) and dist/TRIM-Desktop-linux-x86_64.tar.gz
#
#   bash packaging/build_linux.sh [--cpu-only | --gpu] [--no-archive] [--python PATH]
#
# --cpu-only (default): NVIDIA CUDA libraries replaced by small stubs (2.9 GB less;
#     than... see docs/packaging.md); torch runs on the CPU only.
# --gpu: ship the CUDA libraries from the nvidia-* wheels (about 3 GB more); uses an
#     NVIDIA GPU when the user's driver supports CUDA 13.
# Needs: the project's venv with pyinstaller (pip install -e '.[gui,research,package]'), a C
# compiler (cc, for the stubs), readelf (binutils), tar, gzip.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-$ROOT/.venv/bin/python}
VARIANT=cpu
ARCHIVE=1
while [ $# -gt 0 ]; do
  case "$1" in
    --cpu-only) VARIANT=cpu ;;
    --gpu) VARIANT=gpu ;;
    --no-archive) ARCHIVE=0 ;;
    --python) PY=$2; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done

die() { echo "build_linux.sh: $*" >&2; exit 1; }
[ -x "$PY" ] || die "no Python at $PY (create .venv first: bash scripts/setup.sh)"
"$PY" -c "import PyInstaller" 2>/dev/null || die "PyInstaller missing: $PY -m pip install pyinstaller pyinstaller-hooks-contrib"
command -v readelf >/dev/null || die "readelf missing (apt-get install binutils)"
SITE=$("$PY" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
VERSION=$("$PY" -c "import sys; sys.path.insert(0, 'packaging'); import bundle_meta; print(bundle_meta.version())")
WORK=$ROOT/build/pyinstaller
mkdir -p "$WORK" dist

[ -f resources/sample.mp4 ] || die "resources/sample.mp4 missing (python resources/make_sample.py)"
[ -f resources/icon.png ] || "$PY" packaging/make_icon.py

export TRIM_VARIANT=$VARIANT
CUDA_BUILD=$("$PY" -c "import importlib.util as u, os; s=u.find_spec('torch'); print(os.path.isfile(os.path.join(os.path.dirname(s.origin), 'lib', 'libtorch_cuda.so')))")
if [ "$VARIANT" = cpu ] && [ "$CUDA_BUILD" = True ]; then
  command -v cc >/dev/null || die "a C compiler is needed for the CUDA stubs (apt-get install gcc)"
  rm -rf "$WORK/cuda-stubs"
  "$PY" packaging/cuda_stubs.py "$SITE" "$WORK/cuda-stubs" > "$WORK/cuda-stubs.jsonl"
  export TRIM_STUBS_JSON=$WORK/cuda-stubs.jsonl
  echo "CUDA stubs: $(grep -c '"stub": true' "$TRIM_STUBS_JSON") stubbed, $(grep -c '"stub": false' "$TRIM_STUBS_JSON") real"
elif [ "$VARIANT" = cpu ]; then
  # a CPU-only torch wheel (no libtorch_cuda.so): nothing to stub
  : > "$WORK/cuda-stubs.jsonl"; export TRIM_STUBS_JSON=$WORK/cuda-stubs.jsonl
fi

cat > "$WORK/build_info.json" <<JSON
{"version": "$VERSION", "variant": "$VARIANT", "built": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
 "git": "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)", "platform": "linux-x86_64"}
JSON
export TRIM_BUILD_INFO=$WORK/build_info.json

echo "== PyInstaller ($VARIANT build; log: $WORK/pyinstaller.log)"
START=$(date +%s)
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$ROOT/dist" --workpath "$WORK" packaging/trim_desktop.spec 2>&1 | tee "$WORK/pyinstaller.log" \
  | grep -E "^trim spec|ERROR|Error|WARNING: (Hidden import|Library not found)" || true
[ "${PIPESTATUS[0]}" -eq 0 ] || die "PyInstaller failed; see $WORK/pyinstaller.log"
echo "PyInstaller took $(( $(date +%s) - START )) s"

B=dist/TRIM-Desktop
# the command line: the same executable under another name (launcher.py dispatches on it)
ln -sf trim-desktop "$B/trim-summarize"
# Linux desktop integration files inside the bundle folder
cp resources/trim-desktop.desktop resources/icon.png resources/icon.svg "$B/"
cp packaging/linux/install.sh packaging/linux/uninstall.sh "$B/"
chmod +x "$B/install.sh" "$B/uninstall.sh"
cp packaging/linux/README.txt "$B/README.txt"
echo "bundle: $(du -sh "$B" | cut -f1)  ($B)"

if [ "$ARCHIVE" = 1 ]; then
  SUFFIX=""; [ "$VARIANT" = gpu ] && SUFFIX="-gpu"
  TAR=dist/TRIM-Desktop-linux-x86_64$SUFFIX.tar.gz
  echo "== archive $TAR"
  tar -C dist -cf - TRIM-Desktop | gzip -6 > "$TAR.part" && mv "$TAR.part" "$TAR"
  echo "archive: $(du -h "$TAR" | cut -f1)  ($TAR)"
fi
