"""Re-execute the notebooks in place and save them with their outputs, as they are committed.

    .venv/bin/python notebooks/execute.py            # every notebook
    .venv/bin/python notebooks/execute.py 02-*.ipynb # some

Each runs in a fresh kernel of this Python with notebooks/ as its working folder, as the tests run
them; a notebook that raises stops the script with the error and is not saved.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent


def execute(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    started = time.monotonic()
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(HERE)}}).execute()
    nbformat.write(notebook, path)
    print(f"{path.name}: executed and saved in {time.monotonic() - started:.1f}s")


def main(names: list[str]) -> None:
    paths = sorted(p for name in names for p in HERE.glob(name)) if names else sorted(HERE.glob("*.ipynb"))
    if not paths:
        sys.exit(f"no notebook matches {' '.join(names)} in {HERE}")
    for path in paths:
        execute(path)


if __name__ == "__main__":
    main(sys.argv[1:])
