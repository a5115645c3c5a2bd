"""A graph file the user protected stays as it was, through the real CLI.

redis saves by writing a new file and renaming it over the graph: that needs no write permission on the
file itself, so a graph made read-only with chmod 444 was silently replaced by a load (as any user, in a
folder they can write), and every save left the file world-readable (0644) whatever its mode was. An
immutable file (chattr +i) failed the save with "the server answered" and no reason."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from conveyor.cli import cli

COLONIES = (
    "colony_id,name,country,operator_enterprise,operator_id,products,hs_codes,source_url,source_title,source_date\n"
    "FX-COL-1,Fictional Colony 1 (fictional),BY,Fictional Woodworks (fictional),fx:woodworks,furniture,9403,"
    "https://example.org/fictional,Fictional source,2024-01-01\n"
)
MORE = COLONIES.replace("FX-COL-1,Fictional Colony 1", "FX-COL-2,Fictional Colony 2").replace("fx:woodworks",
                                                                                                  "fx:sawmill")


@pytest.fixture()
def graph(tmp_path: Path) -> tuple[Path, Path]:
    first, second = tmp_path / "colonies.csv", tmp_path / "more.csv"
    first.write_text(COLONIES, encoding="utf-8")
    second.write_text(MORE, encoding="utf-8")
    db = tmp_path / "g.db"
    result = run_cli(["--db", str(db), "load", "colonies", "--rejects", str(tmp_path / "rejects"), str(first)])
    assert result.exit_code == 0, result.output
    return db, second


def run_cli(args: list[str]):
    return CliRunner().invoke(cli, args)


def _load(db: Path, file: Path):
    return run_cli(["--db", str(db), "load", "colonies", "--rejects", str(db.parent / "rejects"), str(file)])


def _no_traceback(result) -> None:
    assert "Traceback" not in result.output and not isinstance(result.exception, AssertionError | TypeError | KeyError)


def test_a_read_only_graph_file_is_not_replaced_by_a_load(graph):
    db, more = graph
    db.chmod(0o444)
    before = db.read_bytes()
    result = _load(db, more)
    assert result.exit_code == 1, result.output
    assert "read-only" in result.output and str(db) in result.output and "chmod u+w" in result.output
    _no_traceback(result)
    assert db.read_bytes() == before and stat.S_IMODE(db.stat().st_mode) == 0o444
    # Reading a read-only graph is fine.
    stats = run_cli(["--db", str(db), "db", "stats"])
    assert stats.exit_code == 0, stats.output
    assert db.read_bytes() == before


def test_a_save_keeps_the_graph_files_mode(graph):
    db, more = graph
    db.chmod(0o600)  # private: a save must not make it readable by everyone
    result = _load(db, more)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


@contextlib.contextmanager
def _immutable(path: Path) -> Iterator[None]:
    if os.geteuid() != 0 or not shutil.which("chattr"):
        pytest.skip("chattr +i needs root and chattr")
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"chattr +i is not supported here: {done.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_an_immutable_graph_file_fails_the_load_with_the_cause(graph):
    db, more = graph
    before = db.read_bytes()
    with _immutable(db):
        result = _load(db, more)
        assert result.exit_code == 1, result.output
        assert str(db) in result.output and "Operation not permitted" in result.output, result.output
        _no_traceback(result)
        assert db.read_bytes() == before


@contextlib.contextmanager
def _small_disk(folder: Path, size: str) -> Iterator[Path]:
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        if subprocess.run(["umount", str(folder)]).returncode:
            subprocess.run(["umount", "-l", str(folder)], check=True)


def test_a_full_disk_while_writing_the_shipment_rows_is_one_line_and_leaves_nothing(tmp_path: Path):
    synth = run_cli(["synth", "--seed", "3", "--shipments", "20000", "--out", str(tmp_path / "synth")])
    assert synth.exit_code == 0, synth.output
    with _small_disk(tmp_path / "small", "256k") as small:
        db = small / "g.db"
        result = run_cli(["--db", str(db), "load", "trade", "--rejects", str(tmp_path / "rejects"),
                          str(tmp_path / "synth" / "shipments.csv")])
        assert result.exit_code == 1, result.output
        assert not isinstance(result.exception, OSError), result.exception  # it was a traceback
        last = result.output.strip().splitlines()[-1]
        assert last.startswith("Error: ") and "No space left on device" in last and str(small) in last, last
        # Nothing left but the (empty) graph the load started: no half-written evidence file, no folder.
        assert [p.name for p in small.rglob("*") if p.is_file()] in ([], ["g.db"])
        assert [p for p in (small / "g.db.evidence").rglob("*")] == []
