#!/usr/bin/env bash
# Set up, lint and format-check (ruff), type-check (mypy), then run the whole test suite headless
# (Qt offscreen, CPU only). Any failing step fails the run. Settings: pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "test: ruff check, ruff format --check"
.venv/bin/ruff check --no-cache
.venv/bin/ruff format --no-cache --check
echo "test: mypy"
.venv/bin/mypy
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest -q -ra "$@"
