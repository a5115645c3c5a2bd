"""Values that used to abort a whole file or crash the embedded server: a NUL byte (FalkorDB refused the
whole write batch), NaN / inf / 1e400 amounts, and keys over ~4 KB (MERGE on a 5,000-character key
killed the server). Each is now one reject naming the row and field, or a hashed key; nothing else in
the file is lost, and read = loaded + rejected."""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner
from conveyor.graph.keys import HASHED_PREFIX, MAX_INDEXED_BYTES, bounded
from conveyor.graph.store import open_store

from conveyor.cli import cli

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


REGISTRY = Path(__file__).parent / "fixtures" / "registry"
EGR_MAPPING = Path(__file__).parent.parent / "loaders" / "mappings" / "by-egr.yml"


def test_a_nul_byte_in_a_registry_row_rejects_that_row_only(tmp_path: Path) -> None:
    lines = (REGISTRY / "egr-extract.csv").read_text(encoding="utf-8-sig").splitlines()
    path = tmp_path / "egr-nul.csv"
    path.write_text("\n".join([lines[0], "100000011,Nul\x00Name (fictional),,ООО,06.05.1995,,,,,,,", *lines[1:]])
                    + "\n", encoding="utf-8")
    def load(file: Path, db: str) -> dict:
        import json

        result = CliRunner().invoke(cli, ["--db", str(tmp_path / db), "load", "registry", "--format", "csv",
                                          str(file), "--mapping", str(EGR_MAPPING), "--rejects", str(tmp_path / "r"),
                                          "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout[result.stdout.index("{"):])

    before, after = load(REGISTRY / "egr-extract.csv", "a.db"), load(path, "b.db")
    assert (after["read"], after["loaded"], after["rejected"]) == (
        before["read"] + 1, before["loaded"], before["rejected"] + 1)
    assert any(r["row"] == "2" and "NUL byte" in r["reason"] for r in _rejects(tmp_path / "r", path.name))


def test_a_long_ftm_id_is_hashed_and_its_links_still_meet_it(tmp_path: Path) -> None:
    import json

    long_id = "ftm-" + "a" * 5000
    lines = [
        {"id": long_id, "schema": "Company", "properties": {"name": ["Long Id Holdings (fictional)"]}},
        {"id": "p1", "schema": "Person", "properties": {"name": ["Ann Example (fictional)"]}},
        {"id": "o1", "schema": "Ownership", "properties": {"owner": ["p1"], "asset": [long_id],
                                                           "percentage": ["40"]}},
    ]
    path = tmp_path / "long.ftm.json"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    db = tmp_path / "g.db"
    result = CliRunner().invoke(cli, ["--db", str(db), "load", "registry", "--format", "ftm", str(path),
                                      "--rejects", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "rejected 0" in result.output
    store = open_store(str(db))
    try:
        rows = store.run("MATCH (:Person {id: 'p1'})-[:OWNS]->(c:Company) RETURN c.id AS id, c.name AS name")
    finally:
        store.close()
    assert rows == [{"id": bounded(long_id), "name": "Long Id Holdings (fictional)"}]


def test_a_fifo_or_a_device_is_refused_in_one_line(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "in.csv"
    os.mkfifo(fifo)
    for args in (["load", "trade", str(fifo)], ["load", "registry", "--format", "ftm", "/dev/zero"]):
        result = CliRunner().invoke(cli, ["--db", str(tmp_path / "g.db"), *args])
        assert result.exit_code == 2 and "not a file" in result.output and "Traceback" not in result.output


def test_a_broken_shipments_record_with_a_line_break_is_refused_in_one_line(tmp_path: Path) -> None:
    """Arrow's parse error quotes the broken record; a quoted line break in it made the error two lines
    (found by test_loader_properties)."""
    path = tmp_path / "shipments.csv"
    path.write_text("shipment_id,date,exporter_name,exporter_country,importer_name,hs_code,value\n"
                    'FX-1,2023-07-01,Fixture Woodworks (fictional),BY,"\r\n"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "g.db"), "load", "trade", str(path)])
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code != 0 and "well-formed" in lines[-1] and lines[-1].startswith("Error: "), lines
