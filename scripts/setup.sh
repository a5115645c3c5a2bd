#!/usr/bin/env bash
# Sets Conveyor up in .venv (Python >= 3.12) and installs Neo4j's Cypher linter for the tests.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
    local candidates=()
    [ -n "${CONVEYOR_PYTHON:-}" ] && candidates+=("$CONVEYOR_PYTHON")
    candidates+=(python3.13 python3.12 python3)
    local root="${PYENV_ROOT:-$HOME/.pyenv}"
    for dir in "$root"/versions/3.1[2-9]*/bin /usr/local/bin /usr/bin; do
        [ -x "$dir/python3" ] && candidates+=("$dir/python3")
    done
    for py in "${candidates[@]}"; do
        if command -v "$py" >/dev/null 2>&1 &&
            "$py" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
            command -v "$py"
            return 0
        fi
    done
    return 1
}

if [ ! -x .venv/bin/python ]; then
    if ! PY=$(find_python); then
        cat >&2 <<'MSG'
Conveyor needs Python 3.12 or newer (its embedded graph store, falkordblite, requires it),
and none was found (looked at CONVEYOR_PYTHON, python3.13, python3.12, python3 and pyenv versions).
Install one, then run this again:
  - Debian/Ubuntu:  sudo apt-get install python3.12 python3.12-venv   (or python3.13)
  - pyenv:          pyenv install 3.12
  - uv:             uv python install 3.12, then CONVEYOR_PYTHON=$(uv python find 3.12)
MSG
        exit 2
    fi
    echo "setup: creating .venv with $PY ($("$PY" --version))"
    "$PY" -m venv .venv
fi

# pip, without the noise of this machine's unused local package folders; pip's own exit code counts.
quiet_pip() {
    local status=0
    .venv/bin/python -m pip --quiet "$@" > .venv/pip.log 2>&1 || status=$?
    grep -a -v -e 'is ignored: it is neither a file' .venv/pip.log >&2 || true
    return "$status"
}

# Conveyor is installed as a package, not in editable mode: what runs (the CLI, the notebooks, the tests)
# is the installed tree, so a module or data file missing from the package fails here, not on a user's
# machine. Any change under the package folders reinstalls it (a few seconds), dependencies only when
# pyproject.toml changed. (For quick experiments, `.venv/bin/pip install -e .` works too.)
stamp=.venv/.conveyor-installed
code_stamp=.venv/.conveyor-code
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "setup: installing Conveyor and its test tools into .venv (first run takes a few minutes)"
    quiet_pip install --upgrade pip
    rm -rf build
    quiet_pip install '.[dev]'
    touch "$stamp" "$code_stamp"
elif [ -n "$(find conveyor graph loaders queries jobs -newer "$code_stamp" ! -path '*/__pycache__*' -print -quit)" ]; then
    echo "setup: reinstalling Conveyor (its code changed)"
    rm -rf build
    touch "$code_stamp.next"
    quiet_pip install --no-deps --force-reinstall .
    mv "$code_stamp.next" "$code_stamp"
fi

# Debian's chromium for the browser tests (tests/test_browser.py drives it with Playwright's Python
# package; Playwright's own browser download is never used). Never fatal: without it those tests skip.
if [ ! -x /usr/bin/chromium ]; then
    as_root=""
    if [ "$(id -u)" != 0 ] && sudo -n true 2>/dev/null; then
        as_root="sudo -n"
    fi
    if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" = 0 ] || [ -n "$as_root" ]; }; then
        echo "setup: installing Debian's chromium for the browser tests (apt-get)"
        if ! { $as_root apt-get update -qq &&
               $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core
             } > .venv/apt.log 2>&1; then
            echo "setup: chromium could not be installed (see .venv/apt.log); the browser tests will be skipped" >&2
        fi
    else
        echo "setup: /usr/bin/chromium is absent and apt-get is not usable as root; the browser tests will be skipped" >&2
    fi
fi

lint_dir=tools/cypher-lint
if [ ! -d "$lint_dir/node_modules/@neo4j-cypher/language-support" ]; then
    if command -v npm >/dev/null 2>&1; then
        echo "setup: installing Neo4j's Cypher linter (npm @neo4j-cypher/language-support)"
        (cd "$lint_dir" && npm ci --silent --no-audit --no-fund)
    else
        echo "setup: npm not found; the Cypher lint tests will fail until Node.js 20+ and npm are installed" >&2
    fi
fi
echo "setup: done (.venv/bin/conveyor is ready)"
