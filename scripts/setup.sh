#!/usr/bin/env bash
# Create .venv and install TRIM Desktop with its GUI and test extras (idempotent).
# Also installs the few system libraries Qt Multimedia needs on a bare Linux (root only).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

need_libs=()
for lib in libpulse.so.0 libEGL.so.1 libGL.so.1 libxkbcommon.so.0 libfontconfig.so.1 libdbus-1.so.3; do
  ldconfig -p 2>/dev/null | grep -q "$lib" || need_libs+=("$lib")
done
if [ ${#need_libs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing system libraries for Qt (${need_libs[*]})"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      libpulse0 libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 >/dev/null
  else
    echo "setup: warning: missing system libraries ${need_libs[*]} (install libpulse0 libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3)" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.trim-setup-stamp
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing dependencies (first time: a few minutes)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[gui,test]"
  touch "$stamp"
fi
