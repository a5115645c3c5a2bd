"""The evidence store (graph/evidence.py) on its own: one immutable Parquet file per source run, written
through a temporary file, read column-wise with an optional filter, swept to the current run. Every
company named here is fictional."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pyarrow as pa
import pytest
from click.testing import CliRunner
from conveyor.graph.evidence import COLUMNS, SCHEMA, EvidenceError, EvidenceStore, current_runs, evidence_location
from conveyor.graph.store import open_store

from conveyor.cli import cli


def table(*rows: tuple[str, str, str], source: str = "src") -> pa.Table:
    """Evidence rows from (id, seller, buyer); every other column empty or a plain default."""
    data = {name: [None] * len(rows) for name in COLUMNS}
    data["id"] = [r[0] for r in rows]
    data["seller"] = [r[1] for r in rows]
    data["buyer"] = [r[2] for r in rows]
    data["date"] = ["2024-01-02"] * len(rows)
    data["hs_code"] = ["940360"] * len(rows)
    data["value"] = [float(i + 1) for i in range(len(rows))]
    data["synthetic"] = [True] * len(rows)
    data["source"] = [source] * len(rows)
    data["source_row"] = list(range(2, len(rows) + 2))
    return pa.table(data, schema=SCHEMA)


def files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


ROWS = (("S-1", "fic:seller-a", "fic:buyer-x"), ("S-2", "fic:seller-b", "fic:buyer-x"),
        ("S-3", "fic:seller-a", "fic:buyer-y"))


def test_writer_publish_is_all_or_nothing(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "ev")
    writer = store.writer("src", "src@1")
    writer.write(table(*ROWS[:2]))
    writer.write(table(ROWS[2]))
    target = store.path("src", "src@1")
    assert not target.exists() and not store.has("src", "src@1")  # nothing under the final name yet
    assert [p.suffix for p in files(tmp_path / "ev")] == [".partial"]
    writer.close()
    assert writer.rows == 3
    assert writer.publish() == target
    assert files(tmp_path / "ev") == [target], "publish leaves exactly the final file"
    assert store.read({"src": "src@1"})["id"].to_pylist() == ["S-1", "S-2", "S-3"]


def test_writer_discard_leaves_nothing(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "ev")
    writer = store.writer("src", "src@1")
    writer.write(table(*ROWS))
    writer.discard()  # before close: the open Parquet writer is closed and its file removed
    assert files(tmp_path / "ev") == []
    writer = store.writer("src", "src@2")
    writer.write(table(*ROWS))
    writer.close()
    writer.discard()  # after close, before publish
    assert files(tmp_path / "ev") == []
    assert not store.has("src", "src@2")


def test_writer_failing_mid_write_then_discarded_leaves_nothing(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "ev")
    writer = store.writer("src", "src@1")
    writer.write(table(ROWS[0]))
    bad = pa.table({name: pa.array(["x"], pa.string()) for name in COLUMNS})  # not castable (value, source_row)
    with pytest.raises((pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError)):
        writer.write(bad)
    writer.discard()
    assert files(tmp_path / "ev") == []


def test_republishing_the_same_run_gives_the_same_bytes(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "ev")
    contents = []
    for _ in range(2):
        writer = store.writer("src", "src@1")
        writer.write(table(*ROWS))
        writer.close()
        contents.append(writer.publish().read_bytes())
    assert contents[0] == contents[1]
    assert files(tmp_path / "ev") == [store.path("src", "src@1")]


def _published(store: EvidenceStore, source: str, run: str, *rows: tuple[str, str, str]) -> Path:
    writer = store.writer(source, run)
    writer.write(table(*rows, source=source))
    writer.close()
    return writer.publish()


def test_read_columns_and_where(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "ev")
    _published(store, "src-a", "src-a@1", *ROWS)
    _published(store, "src-b", "src-b@7", ("T-1", "fic:seller-a", "fic:buyer-z"),
               ("T-2", "fic:seller-c", "fic:buyer-x"))
    runs = {"src-a": "src-a@1", "src-b": "src-b@7"}
    everything = store.read(runs)
    assert everything.schema == SCHEMA and everything.num_rows == 5
    picked = store.read(runs, columns=["id", "seller"], where=("seller", {"fic:seller-a"}))
    assert picked.column_names == ["id", "seller"]
    assert sorted(picked["id"].to_pylist()) == ["S-1", "S-3", "T-1"]
    by_buyer = store.read(runs, columns=["id", "buyer"], where=("buyer", ["fic:buyer-x", "fic:nobody"]))
    assert sorted(by_buyer["id"].to_pylist()) == ["S-1", "S-2", "T-2"]
    assert store.read(runs, columns=["id", "seller"], where=("seller", set())).num_rows == 0
    assert store.read({"src-a": "src-a@1"}, columns=["id"])["id"].to_pylist() == ["S-1", "S-2", "S-3"]
    # the filter column need not be read
    assert sorted(store.read(runs, columns=["id"], where=("seller", {"fic:seller-a"}))["id"].to_pylist()) == [
        "S-1", "S-3", "T-1"]
    either = store.read(runs, columns=["id"], any_of=[("seller", ["fic:seller-c"]), ("buyer", ["fic:buyer-y"])])
    assert sorted(either["id"].to_pylist()) == ["S-3", "T-2"]
    empty = store.read({}, columns=["id", "seller"])
    assert empty.num_rows == 0 and empty.column_names == ["id", "seller"]


def test_sweep_keeps_only_the_current_run(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "ev")
    old = _published(store, "src", "src@1", ROWS[0])
    current = _published(store, "src", "src@2", ROWS[1])
    failed = _published(store, "src", "src@3", ROWS[2])  # a load whose graph work failed
    abandoned = store.writer("src", "src@4")  # a load killed while reading
    abandoned.write(table(ROWS[0]))
    other = _published(store, "src-other", "src-other@1", ROWS[0])
    assert store.sweep("src", "src@2") == 3
    assert files(tmp_path / "ev") == sorted([current, other])
    assert not old.exists() and not failed.exists() and not abandoned.tmp.exists()
    assert store.sweep("src", "src@2") == 0  # nothing left to do
    assert store.sweep("never-loaded", "never-loaded@1") == 0
    assert store.sweep("src", None) == 1  # no current run: everything goes, and the folder too
    assert files(tmp_path / "ev") == [other] and not current.parent.exists()


def test_missing_current_file_is_a_clear_evidence_error(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "ev")
    path = _published(store, "customs (fictional)", "customs (fictional)@abc", *ROWS)
    path.unlink()
    with pytest.raises(EvidenceError) as missing:
        store.read({"customs (fictional)": "customs (fictional)@abc"}, columns=["id"])
    text = str(missing.value)
    assert "customs (fictional)" in text and str(path) in text and "missing" in text
    path.write_bytes(b"not parquet at all")
    with pytest.raises(EvidenceError, match="cannot read evidence file"):
        store.read({"customs (fictional)": "customs (fictional)@abc"})


def test_missing_evidence_file_is_one_clear_line_on_the_command_line(tmp_path: Path) -> None:
    # EvidenceError is not one of the errors the CLI shows as a message (conveyor/errors.py USER_ERRORS
    # lists SourceError, StoreError, QueryError, SchemaError, FileNotFoundError): a deleted or moved
    # evidence folder makes `conveyor shipments` / `conveyor routes` end in a Python traceback.
    shipments = tmp_path / "s.csv"
    with open(shipments, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["shipment_id", "date", "exporter_name", "exporter_id", "importer_name", "hs_code"])
        writer.writerow(["M-1", "2024-01-02", "Gone Evidence Works (fictional)", "fic:gone", "Buyer (fictional)",
                         "940360"])
    db = tmp_path / "g.db"
    runner = CliRunner()
    env = {"CONVEYOR_EVIDENCE": ""}
    assert runner.invoke(cli, ["--db", str(db), "load", "trade", str(shipments), "--rejects", str(tmp_path / "r")],
                         env=env).exit_code == 0
    with open_store(str(db)) as store:
        runs = current_runs(store)
    for path in EvidenceStore(evidence_location(str(db))).folder.rglob("*.parquet"):
        path.unlink()
    for args in (["shipments", "--company", "fic:gone"], ["routes", "--format", "json"]):
        result = runner.invoke(cli, ["--db", str(db), *args], env=env)
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), (
            f"{args}: {type(result.exception).__name__}: {result.exception}")
        assert "is missing" in result.output and list(runs)[0] in result.output


@pytest.mark.parametrize("source", [
    "../../escape", "a/b/c", "/etc/passwd", "..", ".", "src@eu@2024", "x" * 500, "ünïcödé (fictional)",
    "tab\tand\nnewline", "",
], ids=["dotdot", "slashes", "absolute", "parent", "dot", "at-signs", "500-chars", "unicode", "control", "empty"])
def test_source_names_never_escape_the_folder(tmp_path: Path, source: str) -> None:
    folder = tmp_path / "ev"
    store = EvidenceStore(folder)
    run = f"{source}@0123456789abcdef"
    path = store.path(source, run)
    assert path.resolve().is_relative_to(folder.resolve())
    assert path.parent.parent == folder and len(path.name) < 100 and len(path.parent.name) < 100
    written = _published(store, source, run, *ROWS)
    assert written == path and store.read({source: run}, columns=["id"]).num_rows == 3
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [path]
    # another source whose name begins with this one's is another folder, swept on its own
    neighbour = _published(store, source + "/x", source + "/x@0123456789abcdef", ROWS[0])
    assert neighbour.parent != path.parent
    assert store.sweep(source, None) == 1
    assert files(folder) == [neighbour]


def test_evidence_location_beside_the_graph_or_named_after_the_server(monkeypatch: pytest.MonkeyPatch,
                                                                        tmp_path: Path) -> None:
    monkeypatch.delenv("CONVEYOR_EVIDENCE", raising=False)
    assert evidence_location(str(tmp_path / "my.db")) == tmp_path / "my.db.evidence"
    server = evidence_location("redis://:s3cret-pass@127.0.0.1:6390/conveyor")
    assert "s3cret" not in str(server) and len(server.parts) == 2
    assert server.parent == Path("conveyor-evidence") and "6390" in server.name
    sneaky = evidence_location("neo4j://user:pw@host:7687/../../../../tmp")
    assert "pw" not in str(sneaky) and ".." not in sneaky.parts and len(sneaky.parts) == 2
    monkeypatch.setenv("CONVEYOR_EVIDENCE", str(tmp_path / "elsewhere"))
    assert evidence_location("anything.db") == tmp_path / "elsewhere"


def test_size_and_has(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "ev")
    assert store.size_bytes() == 0
    path = _published(store, "src", "src@1", *ROWS)
    assert store.has("src", "src@1") and not store.has("src", "src@2")
    assert store.size_bytes() == os.path.getsize(path)
