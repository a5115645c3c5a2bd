"""Progress of every load: stage names, the share of the file read with the time left, and a line every
few seconds on stderr when it is not a terminal (CI, a pipe, a log); a live bar on a terminal.

The period is set small through CONVEYOR_PROGRESS_SECONDS so that short loads of small real files print
periodic lines. Inputs: the shipped HS nomenclature (a real published file) and the fictional fixtures."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conveyor.context import LoadProgress, estimated_rows

HS = Path(__file__).parents[1] / "conveyor" / "data" / "hs" / "harmonized-system.csv"
FIX = Path(__file__).parent / "fixtures"
CONVEYOR = [sys.executable, "-P", "-c", "from conveyor.cli import main; main()"]
PERIODIC = re.compile(r"^loading (?P<file>\S+): (?P<stage>[^,]+(?:, writing companies)?), (?P<rows>[\d,]+) rows done, "
                      r"(?:(?P<share>\d+)% of the file, )?(?:~\S+ left, )?\S+ elapsed$")


@pytest.fixture
def quick_progress(monkeypatch):
    monkeypatch.setenv("CONVEYOR_PROGRESS_SECONDS", "0.05")


def _stages(stderr: str, name: str) -> list[str]:
    prefix = f"loading {name}: "
    return [line.removeprefix(prefix) for line in stderr.splitlines()
            if line.startswith(prefix) and not PERIODIC.match(line)]


def _periodic(stderr: str) -> list[re.Match]:
    return [m for line in stderr.splitlines() if (m := PERIODIC.match(line))]


LOADS = {
    "hs": (["hs"], HS, ["reading", "writing nodes", "writing relationships", "saving"]),
    "colonies": (["colonies"], FIX / "trade" / "colonies-fictional.csv",
                 ["reading", "writing nodes", "writing relationships", "derivations", "saving"]),
    "registry-ftm": (["registry", "--format", "ftm"], FIX / "registry" / "ftm-fictional.jsonl",
                     ["reading", "writing nodes", "writing relationships", "saving"]),
    "sanctions-eu": (["sanctions", "--format", "eu"], FIX / "sanctions" / "eu-fictional.csv",
                     ["reading", "writing nodes", "writing relationships", "derivations", "saving"]),
    "sanctions-ofac-xml": (["sanctions", "--format", "ofac-xml"], FIX / "sanctions" / "ofac-sdn-fictional.xml",
                           ["reading", "writing nodes", "writing relationships", "derivations", "saving"]),
    "comtrade": (["trade", "--format", "comtrade"], FIX / "trade" / "comtrade-synthetic.csv",
                 ["reading", "writing nodes", "writing relationships", "saving"]),
    "comext": (["trade", "--format", "comext"], FIX / "trade" / "comext-synthetic.csv",
               ["reading", "writing nodes", "writing relationships", "saving"]),
    "shipments": (["trade"], FIX / "trade" / "shipments-fictional.csv",
                  ["reading", "reading, writing companies", "deriving SUPPLIES and roles", "saving"]),
}


@pytest.mark.parametrize("kind", sorted(LOADS))
def test_a_load_not_on_a_terminal_prints_its_stages_and_periodic_lines(run_cli, quick_progress, kind):
    args, path, stages = LOADS[kind]
    done = run_cli("load", *args, str(path))
    assert "read " in done.stdout and "loading " not in done.stdout  # progress goes to stderr only
    seen = _stages(done.stderr, path.name)
    assert seen == stages, done.stderr  # each stage once, in order, though chunks alternate them
    periodic = _periodic(done.stderr)
    assert periodic, done.stderr
    assert {m["file"] for m in periodic} == {path.name}
    # While reading, the share of the file is given; it never goes back.
    shares = [int(m["share"]) for m in periodic if m["share"] is not None]
    assert shares and shares == sorted(shares) and all(0 <= s <= 100 for s in shares), done.stderr


def test_a_reload_of_a_changed_file_shows_retiring(run_cli, quick_progress, tmp_path):
    lines = HS.read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / "v1").mkdir()
    (tmp_path / "v2").mkdir()
    first, second = tmp_path / "v1" / "hs.csv", tmp_path / "v2" / "hs.csv"
    first.write_text("".join(lines[:60]), encoding="utf-8")
    second.write_text("".join(lines[:50]), encoding="utf-8")
    run_cli("load", "hs", str(first))
    done = run_cli("load", "hs", str(second))
    assert _stages(done.stderr, "hs.csv") == ["reading", "writing nodes", "writing relationships", "retiring",
                                              "saving"], done.stderr
    assert "retired" in done.stdout


def test_the_share_is_the_bytes_the_reader_has_read_and_the_time_left_follows():
    progress = LoadProgress("loading hs", HS)
    assert progress.share() == 0.0 or progress.share() is None or progress.share() < 0.01
    size = HS.stat().st_size
    with open(HS, "rb") as reader:  # any reader holding the file open: its position is what it has read
        reader.seek(size // 2)
        time.sleep(0.05)
        share = progress.share()
        assert share == pytest.approx(0.5, abs=0.001)
        left = progress.eta(share)
        assert left is not None and left == pytest.approx(time.monotonic() - progress.started, rel=0.2)
        assert "50% of the file" in progress.line() and " left, " in progress.line()
    assert progress.share() == pytest.approx(0.5, abs=0.001)  # closed: the share never goes back
    progress.stage("derivations")
    assert progress.eta(0.5) is None and "% of the file" not in progress.line()


def test_without_bytes_the_share_is_of_the_rows_the_file_size_suggests():
    expected = estimated_rows(HS)
    assert abs(expected - 6940) < 700  # the real file has 6,940 rows
    progress = LoadProgress("loading hs", HS, by_bytes=False)
    progress.rows(expected // 4)
    assert progress.share() == pytest.approx(0.25, abs=0.01)


def test_a_folder_source_has_no_share_but_still_counts(tmp_path):
    progress = LoadProgress("loading ofac", FIX / "sanctions" / "ofac")
    progress.rows(12)
    assert progress.share() is None
    assert progress.line().startswith("loading ofac: reading, 12 rows done, ") and "%" not in progress.line()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a pseudo-terminal")
def test_on_a_terminal_a_live_line_shows_stage_and_share(tmp_path):
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen([*CONVEYOR, "--db", str(tmp_path / "g.db"), "load", "hs", str(HS)], cwd=tmp_path,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=follower,
                            env={**os.environ, "COLUMNS": "160", "TERM": "xterm"})
    os.close(follower)
    seen = b""
    try:
        while proc.poll() is None or select.select([leader], [], [], 0.1)[0]:
            if select.select([leader], [], [], 0.2)[0]:
                try:
                    seen += os.read(leader, 65536)
                except OSError:
                    break
        out = proc.stdout.read().decode() if proc.stdout else ""
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(leader)
    text = seen.decode("utf-8", "replace")
    assert proc.returncode == 0, text[-800:]
    assert "hs: read 6,940" in out
    assert "loading harmonized-system.csv: writing nodes" in text
    assert re.search(r"\b\d{1,3}%", text), text[-800:]
    assert "loading harmonized-system.csv: reading, " not in text  # no plain lines on a terminal
