"""Values that used to abort a whole file or crash the embedded server: a NUL byte (FalkorDB refused the
whole write batch), NaN / inf / 1e400 amounts, and keys over ~4 KB (MERGE on a 5,000-character key
killed the server). Each is now one reject naming the row and field, or a hashed key; nothing else in
the file is lost, and read = loaded + rejected."""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner

from conveyor.cli import cli
from graph.keys import HASHED_PREFIX, MAX_INDEXED_BYTES, bounded
from graph.store import open_store

FIX = Path(__file__).parent / "fixtures" / "trade"


def _rejects(folder: Path, name: str) -> list[dict]:
    with open(folder / f"{name}.rejects.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_hostile_values_in_a_shipments_file_are_rejected_row_by_row(tmp_path: Path) -> None:
    with open(FIX / "shipments-fictional.csv", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, base = reader.fieldnames, next(reader)
    cases = [("exporter_name", "Nul\x00Co (fictional)"), ("value", "nan"), ("value", "1e400"),
             ("quantity", "-inf"), ("exporter_name", "Long Exporter (fictional) " + "L" * 6000),
             ("importer_id", "id-" + "9" * 5000), ("description", "fine (fictional)")]
    path = tmp_path / "hostile-shipments.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=[*header, "importer_id"])
        writer.writeheader()
        for i, (field, value) in enumerate(cases):
            writer.writerow({**base, "shipment_id": f"H{i}", field: value})
    db, rejects = tmp_path / "g.db", tmp_path / "rejects"
    result = CliRunner().invoke(cli, ["--db", str(db), "load", "trade", str(path), "--rejects", str(rejects)])
    assert result.exit_code == 0, result.output
    assert "read 7 = loaded 3 + rejected 4" in result.output
    found = {(r["row"], r["field"]) for r in _rejects(rejects, path.name)}
    assert found == {("2", "exporter_name"), ("3", "value"), ("4", "value"), ("5", "quantity")}
    store = open_store(str(db))
    try:
        ids = [r["id"] for r in store.run("MATCH (c:Company) RETURN c.id AS id")]
        names = [r["n"] for r in store.run("MATCH (c:Company) WHERE c.id STARTS WITH $p RETURN c.name AS n",
                                           {"p": HASHED_PREFIX})]
    finally:
        store.close()
    assert all(len(i.encode()) <= MAX_INDEXED_BYTES for i in ids)
    assert bounded("id-" + "9" * 5000) in ids
    assert any(n and n.endswith("L" * 100) for n in names)  # the long name itself is kept whole


def test_bounded_keeps_short_values_and_hashes_long_ones_stably() -> None:
    assert bounded("co:by:short") == "co:by:short"
    long = "я" * 600  # 1,200 bytes in UTF-8
    assert bounded(long).startswith(HASHED_PREFIX) and bounded(long) == bounded(long)
    assert bounded(long) != bounded(long + "x")
