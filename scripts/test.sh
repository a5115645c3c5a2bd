#!/usr/bin/env bash
# Runs the whole test suite (sets up first if needed). Extra arguments go to pytest.
# Before pytest: ruff, the import-layering contract ([tool.importlinter]) and mypy on the whole package
# ([tool.mypy]; both configured in pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
.venv/bin/ruff check .
# From .venv/, not the repository root: the source folder conveyor/ would hide the installed package's layers.
(cd .venv && bin/lint-imports --no-cache --config ../pyproject.toml)
(cd .venv && bin/mypy --config-file ../pyproject.toml)
# -P: the repository root is not put on sys.path, so the tests import the installed conveyor package.
exec .venv/bin/python -P -m pytest "$@"
