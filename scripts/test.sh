#!/usr/bin/env bash
# Runs the whole test suite (sets up first if needed). Extra arguments go to pytest.
# Before pytest: ruff, the import-layering contract ([tool.importlinter]) and mypy on the packages
# [tool.mypy] lists (all in pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
.venv/bin/ruff check .
.venv/bin/lint-imports --no-cache
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
