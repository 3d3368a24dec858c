#!/usr/bin/env bash
# Install TRIM Desktop for the current user (no root needed):
#   ~/.local/opt/TRIM-Desktop/            the program (this folder, copied)
#   ~/.local/bin/trim-desktop, trim-summarize   commands
#   ~/.local/share/applications/trim-desktop.desktop, ~/.local/share/icons/.../trim-desktop.png|svg
# Run it from the unpacked folder: ./install.sh   (./install.sh --prefix DIR to choose)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PREFIX=${XDG_DATA_HOME:-$HOME/.local/share}/..
PREFIX=$(cd "$PREFIX" && pwd)
[ "${1:-}" = "--prefix" ] && PREFIX=$2
DEST=$PREFIX/opt/TRIM-Desktop
BIN=$PREFIX/bin
APPS=$PREFIX/share/applications
ICONS=$PREFIX/share/icons/hicolor

[ -x "$HERE/trim-desktop" ] || { echo "install.sh: run me from the unpacked TRIM-Desktop folder" >&2; exit 1; }
mkdir -p "$BIN" "$APPS" "$ICONS/256x256/apps" "$ICONS/scalable/apps" "$(dirname "$DEST")"
if [ "$HERE" != "$DEST" ]; then
  rm -rf "$DEST.new"
  cp -a "$HERE" "$DEST.new"
  rm -rf "$DEST"
  mv "$DEST.new" "$DEST"
fi
ln -sf "$DEST/trim-desktop" "$BIN/trim-desktop"
ln -sf "$DEST/trim-summarize" "$BIN/trim-summarize"
install -m 644 "$DEST/icon.png" "$ICONS/256x256/apps/trim-desktop.png"
install -m 644 "$DEST/icon.svg" "$ICONS/scalable/apps/trim-desktop.svg"
sed -e "s|^Exec=.*|Exec=\"$DEST/trim-desktop\" %f|" -e "s|^TryExec=.*|TryExec=$DEST/trim-desktop|" \
  "$DEST/trim-desktop.desktop" > "$APPS/trim-desktop.desktop"
chmod 644 "$APPS/trim-desktop.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$APPS" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$ICONS" || true
echo "TRIM Desktop installed in $DEST"
echo "Start it from your applications menu, or run: trim-desktop  (command line: trim-summarize --help)"
case ":$PATH:" in *":$BIN:"*) ;; *) echo "note: $BIN is not on your PATH" ;; esac
