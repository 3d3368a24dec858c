#!/usr/bin/env bash
# Remove what install.sh put in place (same --prefix). Settings and the feature cache in
# ~/.config and ~/.cache are kept; delete them by hand if you want.
set -euo pipefail
PREFIX=${XDG_DATA_HOME:-$HOME/.local/share}/..
PREFIX=$(cd "$PREFIX" && pwd)
[ "${1:-}" = "--prefix" ] && PREFIX=$2
rm -f "$PREFIX/bin/trim-desktop" "$PREFIX/bin/trim-summarize" \
  "$PREFIX/share/applications/trim-desktop.desktop" \
  "$PREFIX/share/icons/hicolor/256x256/apps/trim-desktop.png" \
  "$PREFIX/share/icons/hicolor/scalable/apps/trim-desktop.svg"
rm -rf "$PREFIX/opt/TRIM-Desktop"
echo "TRIM Desktop removed from $PREFIX"
