"""Conveyor installs as one top-level package, `conveyor`, with its layers mapped from the repository's
root folders (graph/ -> conveyor.graph, ...; pyproject.toml [tool.setuptools]), and the tests run against
that installed tree, so a module or data file left out of the package fails here."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import conveyor.graph.schema
import conveyor.queries.saved
import pytest

import conveyor

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {"conveyor": "conveyor", "conveyor.graph": "graph", "conveyor.loaders": "loaders",
          "conveyor.queries": "queries", "conveyor.jobs": "jobs"}


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def _source_packages() -> set[str]:
    """Every folder of the package tree holding Python modules or data files, as a dotted name."""
    found = set()
    for package, folder in LAYERS.items():
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                relative = path.parent.relative_to(ROOT / folder).parts
                found.add(".".join((package, *relative)))
    return found


def test_the_mapping_names_every_layer_and_every_folder() -> None:
    config = _config()
    assert config["package-dir"] == LAYERS
    missing = _source_packages() - set(config["packages"])
    assert not missing, f"add these to [tool.setuptools] packages in pyproject.toml: {sorted(missing)}"


def test_the_tests_import_the_installed_package_not_the_source_folders() -> None:
    location = Path(conveyor.__file__).resolve().parent
    if location == ROOT / "conveyor":
        pytest.skip("conveyor is installed in editable mode (pip install -e .): the installed tree is not "
                    "under test; scripts/setup.sh installs it as a package")
    assert "site-packages" in location.parts, location
    assert Path(conveyor.graph.schema.__file__).resolve().is_relative_to(location)
    assert sorted(p.name for p in conveyor.queries.saved.SAVED_DIR.glob("*.cypher")) == \
        sorted(p.name for p in (ROOT / "queries" / "saved").glob("*.cypher"))


def test_the_wheel_installs_only_conveyor_at_top_level_with_its_data(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    for folder in LAYERS.values():
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w",
                            str(tmp_path / "dist"), str(source)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("conveyor-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"conveyor"}, top
    for data in ("conveyor/py.typed", "conveyor/data/reference/colonies.csv",
                 "conveyor/queries/saved/code-switchers.cypher", "conveyor/loaders/data/elf-codes.csv",
                 "conveyor/graph/schema.py", "conveyor/jobs/trade.py"):
        assert data in names, data
    # Every file of the source folders is in the wheel (a new data folder not in package-data would not be).
    expected = {f"{'conveyor/' if folder != 'conveyor' else ''}{p.relative_to(ROOT).as_posix()}"
                for folder in LAYERS.values() for p in (ROOT / folder).rglob("*")
                if p.is_file() and "__pycache__" not in p.parts}
    assert not expected - set(names), sorted(expected - set(names))


def test_the_layers_never_name_the_cli_package() -> None:
    # graph/, loaders/, queries/ and jobs/ reach each other relatively (`from ..graph.rows import ...`):
    # they never name `conveyor`, the CLI's package, and the CLI package's __init__ imports nothing, so
    # importing a layer never runs CLI code (import-linter checks the CLI modules themselves).
    import ast

    named = []
    for folder in ("graph", "loaders", "queries", "jobs"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                modules = ([node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else
                           [a.name for a in node.names] if isinstance(node, ast.Import) else [])
                named += [f"{path.relative_to(ROOT)}: {m}" for m in modules if m.split(".")[0] == "conveyor"]
    assert named == []
    init = ast.parse((ROOT / "conveyor" / "__init__.py").read_text(encoding="utf-8"))
    assert not [n for n in ast.walk(init) if isinstance(n, ast.Import | ast.ImportFrom)]
