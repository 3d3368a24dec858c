#!/usr/bin/env bash
# Create .venv and install TRIM Desktop with its GUI, test and research extras (idempotent).
# Also installs the system libraries Qt needs for a window and for video on a bare
# Debian/Ubuntu (root only; otherwise it prints the apt-get line to run).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

# System libraries Qt needs on a bare Debian/Ubuntu: "soname:package". Qt Multimedia and
# the offscreen platform need the first block; a real window (the xcb platform plugin,
# plugins/platforms/libqxcb.so with libQt6XcbQpa and the xcb GL integrations) needs all of
# the xcb ones: check with `ldd .venv/lib/python3*/site-packages/PySide6/Qt/plugins/platforms/libqxcb.so`.
# Qt's own error names only xcb-cursor0; icccm4 and keysyms1 are missing on Debian 12 too.
QT_LIBS="
libpulse.so.0:libpulse0 libEGL.so.1:libegl1 libGL.so.1:libgl1 libxkbcommon.so.0:libxkbcommon0
libfontconfig.so.1:libfontconfig1 libfreetype.so.6:libfreetype6 libdbus-1.so.3:libdbus-1-3
libglib-2.0.so.0:libglib2.0-0 libgthread-2.0.so.0:libglib2.0-0
libX11.so.6:libx11-6 libX11-xcb.so.1:libx11-xcb1 libxkbcommon-x11.so.0:libxkbcommon-x11-0
libxcb.so.1:libxcb1 libxcb-cursor.so.0:libxcb-cursor0 libxcb-icccm.so.4:libxcb-icccm4
libxcb-util.so.1:libxcb-util1 libxcb-image.so.0:libxcb-image0 libxcb-keysyms.so.1:libxcb-keysyms1
libxcb-randr.so.0:libxcb-randr0 libxcb-render.so.0:libxcb-render0
libxcb-render-util.so.0:libxcb-render-util0 libxcb-shape.so.0:libxcb-shape0
libxcb-shm.so.0:libxcb-shm0 libxcb-sync.so.1:libxcb-sync1 libxcb-xfixes.so.0:libxcb-xfixes0
libxcb-xkb.so.1:libxcb-xkb1 libxcb-glx.so.0:libxcb-glx0
"
need_pkgs=()
for pair in $QT_LIBS; do
  lib=${pair%%:*} pkg=${pair##*:}
  if ! ldconfig -p 2>/dev/null | grep -q "[[:space:]]$lib "; then
    case " ${need_pkgs[*]-} " in *" $pkg "*) ;; *) need_pkgs+=("$pkg") ;; esac
  fi
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing system libraries for Qt (${need_pkgs[*]})"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      "${need_pkgs[@]}" >/dev/null
  else
    echo "setup: warning: the app window needs these system packages: ${need_pkgs[*]}" >&2
    echo "setup:          install them with: sudo apt-get install ${need_pkgs[*]}" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  # torch with its CUDA libraries makes the environment about 7 GB (measured: 6.7 GB);
  # a full disk half-way through pip leaves a broken .venv and a confusing OSError.
  free_kb=$(df -Pk . | awk 'NR==2 {print $4}')
  if [ -n "$free_kb" ] && [ "$free_kb" -lt $((8 * 1024 * 1024)) ]; then
    echo "setup: only $((free_kb / 1024)) MB free here; the environment needs about 8 GB" \
         "(torch with its CUDA libraries). Free some space and run this again." >&2
    exit 1
  fi
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.trim-setup-stamp
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing dependencies (first time: a few minutes)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[gui,test,research]"
  touch "$stamp"
fi
