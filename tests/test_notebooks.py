"""The worked investigations in notebooks/: each is committed with the outputs of a full run (pictures
included), and each runs again here from top to bottom in a fresh kernel without an error."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
LOAD_REPORT = re.compile(r"read [\d,]+ = loaded [\d,]+ \+ rejected [\d,]+")


def _outputs(notebook: nbformat.NotebookNode) -> list[dict]:
    return [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]


def _pictures(notebook: nbformat.NotebookNode) -> int:
    return sum("image/png" in o.get("data", {}) for o in _outputs(notebook))


def _text(notebook: nbformat.NotebookNode) -> str:
    return "\n".join(o.get("text", "") if isinstance(o.get("text", ""), str) else "".join(o["text"])
                     for o in _outputs(notebook))


def test_there_are_the_three_investigations():
    assert len(NOTEBOOKS) >= 3, [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_with_the_outputs_of_one_full_run(path: Path):
    """Outputs are committed (a reader on GitHub sees the tables and pictures without running anything):
    every code cell was executed, in order, in one kernel, and none ended in an error."""
    notebook = nbformat.read(path, as_version=4)
    counts = [cell.get("execution_count") for cell in notebook.cells if cell.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: re-run it with notebooks/execute.py"
    assert not [o for o in _outputs(notebook) if o.get("output_type") == "error"]
    assert _pictures(notebook) >= 1, f"{path.name} has no picture (image/png output) committed"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    source = path.read_text(encoding="utf-8")
    assert "../shared" not in source and "/work/shared" not in source  # runs from a clean clone
    before = sorted(p.name for p in NOTEBOOK_DIR.iterdir())
    notebook = nbformat.read(path, as_version=4)
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the kernel inherits it: its temp folder goes with ours
    # Working folder notebooks/, as for a reader who opens it in Jupyter; a cell that raises fails here.
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK_DIR)}}).execute()
    assert not [o for o in _outputs(notebook) if o.get("output_type") == "error"]
    assert _pictures(notebook) >= 1, f"{path.name} drew no picture"
    assert LOAD_REPORT.search(_text(notebook)), "every load reports read = loaded + rejected"
    assert sorted(p.name for p in NOTEBOOK_DIR.iterdir()) == before, "a notebook wrote into notebooks/"
    assert any(tmp_path.glob("conveyor-notebook-*")), "the notebook's own files go to a temporary folder"
