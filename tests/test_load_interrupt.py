"""Ctrl-C during a long load: the progress bar was showing (stderr is a terminal) and afterwards the graph
is exactly what it was before the load. The load runs as a real `conveyor load` process on a pseudo-
terminal; SIGINT goes to its whole process group, as a terminal's Ctrl-C does (the embedded FalkorDB
server gets it too). All companies are fictional."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONVEYOR = [sys.executable, "-P", "-c", "from conveyor.cli import main; main()"]


def _write_ftm(path: Path, n: int, prefix: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"{prefix}-{i}", "schema": "Company", "properties": {
                "name": [f"Interrupt Test Works {prefix} {i} (fictional)"], "country": ["by"],
                "registrationNumber": [str(200000000 + i)]}}) + "\n")


def _stats(db: Path) -> dict:
    done = subprocess.run([*CONVEYOR, "--db", str(db), "db", "stats", "--json"], capture_output=True, text=True,
                          cwd=ROOT, timeout=60, check=True)
    stats = json.loads(done.stdout)
    return {"nodes": stats["nodes"], "relationships": stats["relationships"]}


def _interactive_signals() -> None:
    # A job started in the background by a non-interactive shell (as CI may start the suite) inherits
    # SIGINT ignored, and Python then never raises KeyboardInterrupt: give the child a terminal's default.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX process groups")
def test_ctrl_c_mid_load_leaves_graph_as_before(tmp_path: Path) -> None:
    db = tmp_path / "graph.db"
    small, big = tmp_path / "before.ftm.json", tmp_path / "big.ftm.json"
    _write_ftm(small, 50, "before")
    _write_ftm(big, 200_000, "big")  # far more than loads in the few seconds before the interrupt
    subprocess.run([*CONVEYOR, "--db", str(db), "load", "registry", "--format", "ftm", str(small)], cwd=tmp_path,
                   capture_output=True, timeout=60, check=True)
    before = _stats(db)
    assert before["nodes"]["Company"] == 50

    leader, follower = pty.openpty()
    proc = subprocess.Popen([*CONVEYOR, "--db", str(db), "load", "registry", "--format", "ftm", str(big)],
                            cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=follower,
                            start_new_session=True, env={**os.environ, "COLUMNS": "100", "TERM": "xterm"},
                            preexec_fn=_interactive_signals)
    os.close(follower)
    seen = b""
    try:
        # Wait until the progress bar on the terminal counts rows already written (chunks of 5,000).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if select.select([leader], [], [], 0.2)[0]:
                try:
                    seen += os.read(leader, 65536)
                except OSError:
                    break
            if re.search(rb"loading big\.ftm\.json.*?(?:[1-9][\d,]*,000) rows", seen):
                break
        assert proc.poll() is None, f"the load ended before it could be interrupted: {seen[-500:]!r}"
        assert re.search(rb"(?:[1-9][\d,]*,000) rows", seen), f"no progress bar on the terminal: {seen[-500:]!r}"
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        # Keep draining the terminal as a real one does: the progress bar goes on redrawing while the
        # graph is put back, and a full pty buffer would block it (and the process) forever.
        deadline = time.monotonic() + 180
        while proc.poll() is None and time.monotonic() < deadline:
            if select.select([leader], [], [], 0.2)[0]:
                try:
                    seen += os.read(leader, 65536)
                except OSError:
                    break
        proc.wait(timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(leader)
    assert proc.returncode != 0, "an interrupted load must not report success"
    assert _stats(db) == before


def _servers_for(folder: Path) -> list[int]:
    import psutil

    found = []
    for proc in psutil.process_iter(["name", "cwd", "cmdline"]):
        try:
            if proc.info["name"] == "redis-server" and str(folder) in " ".join(
                    [proc.info["cwd"] or "", *(proc.info["cmdline"] or [])]):
                found.append(proc.pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def test_sigterm_mid_trade_load_undoes_it_and_leaves_no_server(tmp_path: Path) -> None:
    from conveyor.loaders.synthetic import generate_network

    db = tmp_path / "graph.db"
    small = generate_network(5, tmp_path / "small", n_shipments=500, n_colonies=2, n_routes=4)
    big = generate_network(6, tmp_path / "big", n_shipments=400_000, n_colonies=2, n_routes=4)
    for args in (("load", "colonies", str(small["colonies"])), ("load", "trade", str(small["shipments"]))):
        subprocess.run([*CONVEYOR, "--db", str(db), *args], cwd=tmp_path, capture_output=True, timeout=120,
                       check=True)
    before = _stats(db)
    proc = subprocess.Popen([*CONVEYOR, "--db", str(db), "load", "trade", str(big["shipments"])], cwd=tmp_path,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # Not a terminal: the load prints its stage names on stderr; wait until it is reading.
        line = proc.stderr.readline() if proc.stderr else b""
        assert b"reading" in line, line
        time.sleep(1.0)
        assert proc.poll() is None, "the load ended before it could be stopped"
        proc.send_signal(signal.SIGTERM)  # to the CLI alone, as `kill PID` or a CI timeout does
        proc.wait(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0, "a terminated load must not report success"
    assert _servers_for(tmp_path) == [], "the embedded FalkorDB server outlived its CLI"
    assert _stats(db) == before
