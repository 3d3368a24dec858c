#!/usr/bin/env bash
# Set up, then open TRIM Desktop on the bundled sample video (resources/sample.mp4).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/trim-desktop --sample "$@"
