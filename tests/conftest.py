"""Shared fixtures. Stores are real: embedded FalkorDB always, Neo4j when NEO4J_URI is set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from conveyor.cli import cli
from graph.store import GraphStore, open_store

NEO4J_URI = os.environ.get("NEO4J_URI")
RECORDED: dict[str, dict] = {}  # every Cypher text sent to any store during the run, with its params
_neo4j_skips: list[str] = []


def _record(cypher_text: str, params: dict) -> None:
    RECORDED.setdefault(cypher_text, params)


GraphStore.query_hooks.append(_record)


@pytest.fixture(params=["falkordb", "neo4j"])
def store(request, tmp_path: Path):
    """The store contract runs on both; the Neo4j leg is skipped, loudly, without NEO4J_URI."""
    if request.param == "neo4j":
        if not NEO4J_URI:
            _neo4j_skips.append(request.node.nodeid)
            pytest.skip("NEO4J_URI not set: Neo4j leg not run")
        s = open_store(NEO4J_URI)
        s.clear()
    else:
        s = open_store(str(tmp_path / "graph.db"))
    yield s
    if request.param == "neo4j":
        s.clear()
    s.close()


@pytest.fixture
def falkor(tmp_path: Path):
    s = open_store(str(tmp_path / "graph.db"))
    yield s
    s.close()


class Cli:
    def __init__(self, db: Path, cwd: Path):
        self.db, self.cwd = db, cwd
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: bool = True):
        old = os.getcwd()
        os.chdir(self.cwd)
        try:
            result = self.runner.invoke(cli, ["--db", str(self.db), *args], catch_exceptions=False)
        finally:
            os.chdir(old)
        if ok:
            assert result.exit_code == 0, result.output
        return result


@pytest.fixture
def run_cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "cli.db", tmp_path)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if NEO4J_URI:
        terminalreporter.write_line(f"Neo4j store tests ran against {NEO4J_URI.split('@')[-1]}")
    else:
        terminalreporter.write_line(
            f"NOTE: {len(_neo4j_skips)} Neo4j store-contract tests were SKIPPED (NEO4J_URI not set): "
            "they did not run and are not passes. Cypher for Neo4j was checked by Neo4j's linter only.",
            yellow=True, bold=True,
        )
