"""One error tree: every error class of ours derives from graph.errors.ConveyorError, and the CLI shows
any of them as a single 'Error: ...' line with exit code 1, never a traceback."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conveyor.graph.errors import ConveyorError

from conveyor.cli import ConveyorGroup, cli

PACKAGES = ("conveyor",)  # conveyor.graph, .loaders, .queries, .jobs and the CLI

# Per-row problems: raised by a value type's cleaner or a loader's row check and caught inside the loader,
# which turns them into rejects (file, row, field, reason); they never reach the user as errors, so they
# stay outside the tree. There is one such class: every loader raises it.
INTERNAL = {
    "conveyor.graph.errors.RowProblem",
}


def _error_classes() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for package in PACKAGES:
        root = importlib.import_module(package)
        names = [package] + [m.name for m in pkgutil.walk_packages(root.__path__, package + ".")
                             if not m.name.endswith("__main__")]  # __main__ would run the CLI
        for name in names:
            module = importlib.import_module(name)
            for _, obj in inspect.getmembers(module, inspect.isclass):
                if issubclass(obj, BaseException) and obj.__module__ == name:
                    found[f"{name}.{obj.__qualname__}"] = obj
    return found


ERRORS = _error_classes()
TREE = {name: cls for name, cls in ERRORS.items() if name not in INTERNAL}


def test_every_error_class_of_ours_is_in_the_tree() -> None:
    # The known kinds are all there (source, schema, query, store, evidence, setting errors)...
    for name in ("conveyor.graph.errors.SchemaError", "conveyor.graph.errors.StoreError",
                 "conveyor.graph.errors.EvidenceError", "conveyor.graph.errors.SettingError",
                 "conveyor.loaders.base.SourceError", "conveyor.queries.saved.QueryError",
                 "conveyor.queries.neo4j_admin.ExportRefused"):
        assert name in TREE, sorted(ERRORS)
    # ...and every error class outside the per-row ones derives from ConveyorError.
    outside = sorted(name for name, cls in TREE.items() if not issubclass(cls, ConveyorError))
    assert outside == [], f"error classes outside the ConveyorError tree: {outside}"


def test_old_names_still_import_and_keep_their_old_bases() -> None:
    from conveyor.graph.evidence import EvidenceError
    from conveyor.graph.schema import SchemaError
    from conveyor.graph.store import StoreError
    from conveyor.graph.store.base import StoreError as BaseStoreError
    from conveyor.loaders.base import SourceError
    from conveyor.queries.neo4j_admin import ExportRefused
    from conveyor.queries.saved import QueryError

    assert StoreError is BaseStoreError
    # Callers that catch the old bases still catch them.
    for cls, old in ((SchemaError, ValueError), (StoreError, RuntimeError), (EvidenceError, RuntimeError),
                     (SourceError, ValueError), (QueryError, ValueError), (ExportRefused, ValueError)):
        assert issubclass(cls, ConveyorError) and issubclass(cls, old), cls


def _instance(cls: type[BaseException]) -> BaseException:
    try:
        return cls("something the user can fix")
    except TypeError:  # SourceError(path, message)
        return cls("input.csv", "something the user can fix")


@pytest.mark.parametrize("name", sorted(TREE))
def test_the_cli_shows_every_kind_as_one_line(name: str) -> None:
    # Every class in the tree, raised inside a command of the real CLI group class.
    cls = TREE[name]

    @click.group(cls=ConveyorGroup)
    def group() -> None:
        pass

    @group.command()
    def fail() -> None:
        raise _instance(cls)

    result = CliRunner().invoke(group, ["fail"])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # click's own exit, not the error escaping
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "something the user can fix" in lines[0]
    assert "Traceback" not in result.output


def _one_error_line(args: list[str], expected: str) -> None:
    result = CliRunner().invoke(cli, args, env={"NEO4J_PASSWORD": None, "CONVEYOR_EVIDENCE": None})
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and expected in errors[0], result.output
    assert "Traceback" not in result.output


def test_real_commands_show_source_store_query_and_export_errors_as_one_line(tmp_path: Path) -> None:
    db = str(tmp_path / "g.db")
    bad = tmp_path / "bad.csv"
    bad.write_text("shipment_id,date\nM-1,2024-01-02\n", encoding="utf-8")
    # SourceError: a shipments file without the required columns.
    _one_error_line(["--db", db, "load", "trade", str(bad), "--rejects", str(tmp_path / "rejects")],
                    "missing required column")
    # StoreError: credentials in a Neo4j address are refused before anything connects.
    _one_error_line(["--db", "bolt://someone:secret@127.0.0.1:9", "db", "stats"],
                    "a user or password in the address is not used")
    # QueryError: an unknown saved query.
    _one_error_line(["--db", db, "query", "run", "no-such-query"], "no saved query 'no-such-query'")
    # ExportRefused (a QueryError): an export over the graph file itself.
    _one_error_line(["--db", db, "export", "neo4j-admin", "--out", db], "the graph file")
