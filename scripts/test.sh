#!/usr/bin/env bash
# Runs the whole test suite (sets up first if needed). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
