"""Loading through the real CLI: accounting, idempotence, clear errors, atomic failure."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conveyor.graph.rows import NodeRow
from conveyor.graph.store import open_store
from conveyor.loaders.base import Chunk, NodeBatch
from conveyor.loaders.base import load as run_load

from conveyor.data import HS_FILE

_COUNTS = re.compile(r"read ([\d,]+) = loaded ([\d,]+) \+ rejected ([\d,]+)")


def _accounting(output: str) -> tuple[int, int, int]:
    read, loaded, rejected = (int(x.replace(",", "")) for x in _COUNTS.search(output).groups())
    assert read == loaded + rejected
    return read, loaded, rejected


def _stats(run_cli) -> dict:
    return json.loads(run_cli("db", "stats", "--json").stdout)


def test_hs_load_accounts_for_every_row_and_is_idempotent(run_cli):
    first = _accounting(run_cli("load", "hs", str(HS_FILE)).output)
    assert first == (6940, 6940, 0)
    stats = _stats(run_cli)
    assert stats["nodes"]["Product"] == 6940
    assert stats["relationships"]["CHILD_OF"] == 6939  # every code but the TOTAL root has a parent
    second = _accounting(run_cli("load", "hs", str(HS_FILE)).output)
    assert second == first
    assert _stats(run_cli) == stats


def test_bad_rows_go_to_rejects_with_reasons(run_cli, tmp_path: Path):
    bad = tmp_path / "hs-bad.csv"
    bad.write_text(
        "\ufeffsection,hscode,description,parent,level\r\n"
        "XX,94,Furniture,TOTAL,2\r\n"
        "XX,9403,Other furniture,94,4\r\n"
        "XX,94X3,Broken code,94,4\r\n"
        "XX,940360,Wooden furniture,9403,6\r\n"
        "XX,940399,Orphan,9499,6\r\n"
        "XX,9401,Seats,94,6\r\n",
        encoding="utf-8",
    )
    result = run_cli("load", "hs", str(bad), "--rejects", str(tmp_path / "rej"))
    assert _accounting(result.output) == (6, 3, 3)
    rejects = (tmp_path / "rej" / "hs-bad.csv.rejects.csv").read_text(encoding="utf-8").splitlines()
    assert rejects[0] == "row,field,value,reason,record"
    assert [line.split(",")[0:2] for line in rejects[1:]] == [["4", "hscode"], ["6", "parent"], ["7", "hscode"]]


@pytest.mark.parametrize("content, expected", [
    (None, "file not found"),
    (b"", "is empty (0 bytes)"),
    (b"code,text\n01,Animals\n", "missing required column(s) ['section', 'hscode', 'description', 'parent', 'level']"),
    (b"section,hscode,description,parent,level\nI,01,\xff\xfe bad bytes,TOTAL,2\n", "is not UTF-8 text"),
])
def test_unloadable_files_fail_clearly_and_change_nothing(run_cli, tmp_path: Path, content, expected):
    run_cli("load", "hs", str(HS_FILE))
    before = _stats(run_cli)
    path = tmp_path / "input.csv"
    if content is not None:
        path.write_bytes(content)
    result = run_cli("load", "hs", str(path), ok=False)
    assert result.exit_code != 0
    assert str(path) in result.output and expected in result.output
    assert "Traceback" not in result.output
    assert _stats(run_cli) == before


def test_a_load_that_fails_half_way_leaves_the_graph_as_it_was(tmp_path: Path):
    with open_store(str(tmp_path / "g.db")) as store:
        run_load(store, iter([Chunk(read=1, nodes=[NodeBatch("Product", [NodeRow("01", {"level": 2})])])]),
                 source="first", path=HS_FILE, fmt="hs", rejects_dir=tmp_path)
        before = store.counts()

        def chunks():
            yield Chunk(read=1, nodes=[NodeBatch("Product", [NodeRow("02", {"level": 2})])])
            raise OSError("disk went away half way")

        with pytest.raises(OSError):
            run_load(store, chunks(), source="second", path=HS_FILE, fmt="hs", rejects_dir=tmp_path)
        assert store.counts() == before
        assert store.run("MATCH (p:Product {hs_code: '02'}) RETURN p") == []


def test_shipments_ugly_cases(run_cli, tmp_path: Path):
    path = tmp_path / "ship.csv"
    path.write_text(
        "shipment_id,date,exporter_name,exporter_country,importer_name,importer_country,hs_code,value,origin_country\n"
        "S1,2024-01-05,Alpha Timber (fictional),BY,Beta Holz (fictional),DE,9403.60.10,100,BY\n"
        "S2,05.02.2024,Alpha Timber (fictional),BY,Beta Holz (fictional),DE,9403 60,0,\n"
        "S3,20240301,Alpha Timber (fictional),Belarus,Beta Holz (fictional),DEU,940360,50,BY\n"
        "S4,2024-13-01,Alpha Timber (fictional),BY,Beta Holz (fictional),DE,940360,50,BY\n"
        "S5,2024-03-01,Alpha Timber (fictional),BY,Beta Holz (fictional),DE,940360,-5,BY\n"
        "S1,2024-01-05,Alpha Timber (fictional),BY,Beta Holz (fictional),DE,9403.60.10,100,BY\n"
        "S7,2024-03-01,Alpha Timber (fictional),BY,Beta Holz (fictional),Atlantis,940360,5,BY\n",
        encoding="utf-8",
    )
    result = run_cli("load", "trade", str(path), "--rejects", str(tmp_path / "rej"))
    assert _accounting(result.output) == (7, 3, 4)
    reasons = (tmp_path / "rej" / "ship.csv.rejects.csv").read_text(encoding="utf-8")
    assert "not a date" in reasons and "must be positive" in reasons
    assert "duplicate declaration: same as row 2" in reasons and "Atlantis" in reasons
    stats = _stats(run_cli)
    assert stats["evidence"]["shipment_rows"] == 3 and stats["relationships"]["SUPPLIES"] == 1
    shown = json.loads(run_cli("shipments", "--company", "co:by:alpha-fictional-timber", "--format", "json").output)
    assert [(r["id"], r["date"], r["hs_code"]) for r in shown] == [
        ("S1", "2024-01-05", "94036010"), ("S2", "2024-02-05", "940360"), ("S3", "2024-03-01", "940360")]
    with open_store(str(run_cli.db)) as store:
        supplies = store.run("MATCH (:Company)-[r:SUPPLIES]->(:Company) RETURN r.shipments AS n, r.first AS first, "
                             "r.last AS last, r.hs_codes AS codes, r.value AS value, r.origins AS origins")
    assert supplies == [{"n": 3, "first": "2024-01-05", "last": "2024-03-01", "codes": ["940360", "94036010"],
                         "value": 150.0, "origins": ["BY"]}]


def test_wrong_mapping_is_a_clear_error(run_cli, tmp_path: Path):
    data = tmp_path / "bl.csv"
    data.write_text("DATE,SHIPPER,CONSIGNEE,HS\n2024-01-01,A (fictional),B (fictional),940360\n", encoding="utf-8")
    mapping = tmp_path / "map.yml"
    mapping.write_text("columns:\n  date: DATE\n  exporter_name: SHIPPER\n  importer_name: CONSIGNEE\n"
                       "  hs_code: HS_CODE\n", encoding="utf-8")
    result = run_cli("load", "trade", str(data), "--mapping", str(mapping), ok=False)
    assert result.exit_code != 0 and "HS_CODE" in result.output and "row 1" in result.output
    mapping.write_text("columns:\n  date: DATE\n  exporter_name: SHIPPER\n  importer_name: CONSIGNEE\n"
                       "  hs_code: HS\n", encoding="utf-8")
    assert _accounting(run_cli("load", "trade", str(data), "--mapping", str(mapping)).output) == (1, 1, 0)


def test_a_new_mapping_for_the_same_file_retires_what_the_old_one_asserted(run_cli, tmp_path: Path):
    data = tmp_path / "bl.csv"
    data.write_text("DATE,SHIPPER,CONSIGNEE,NOTIFY,HS\n"
                    "2024-01-01,A (fictional),B (fictional),C (fictional),940360\n", encoding="utf-8")
    base = "columns:\n  date: DATE\n  exporter_name: SHIPPER\n  importer_name: CONSIGNEE\n  hs_code: HS\n"
    with_notify, without = tmp_path / "notify.yml", tmp_path / "plain.yml"
    with_notify.write_text(base + "  notify_name: NOTIFY\n", encoding="utf-8")
    without.write_text(base, encoding="utf-8")
    run_cli("load", "trade", str(data), "--mapping", str(with_notify), "--source", "bl")
    assert _stats(run_cli)["relationships"]["NOTIFIES"] == 1
    second = json.loads(run_cli("load", "trade", str(data), "--mapping", str(without), "--source", "bl",
                                "--json").stdout)
    assert second["retired"] >= 1  # company C, asserted only under the old mapping
    stats = _stats(run_cli)
    # The NOTIFIES edge is withdrawn by the derivation: no current row names C as notify party.
    assert "NOTIFIES" not in stats["relationships"] and stats["nodes"]["Company"] == 2


def test_commands_on_a_missing_graph_or_a_folder_say_so(tmp_path: Path):
    from conftest import Cli

    missing = Cli(tmp_path / "typo.db", tmp_path)
    for args in (("routes",), ("db", "stats"), ("shipments", "--company", "x")):
        result = missing(*args, ok=False)
        assert result.exit_code != 0 and "no graph at" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "typo.db").exists()  # asking created nothing
    (tmp_path / "adir").mkdir()
    folder = Cli(tmp_path / "adir", tmp_path)
    result = folder("db", "stats", ok=False)
    assert result.exit_code != 0 and "is a folder" in result.output
    assert not (tmp_path / "adir.settings").exists()


def test_reloading_the_same_shipments_file_writes_nothing_and_says_so(run_cli, tmp_path: Path):
    path = tmp_path / "ship.csv"
    path.write_text("shipment_id,date,exporter_name,importer_name,hs_code\n"
                    "S1,2024-01-05,Alpha Timber (fictional),Beta Holz (fictional),940360\n"
                    "S2,2024-01-06,Alpha Timber (fictional),Beta Holz (fictional),94X360\n", encoding="utf-8")
    first = json.loads(run_cli("load", "trade", str(path), "--json").stdout)
    again = run_cli("load", "trade", str(path))
    assert "unchanged" in again.output and "nothing was written" in again.output
    assert _accounting(again.output) == (first["read"], first["loaded"], first["rejected"]) == (2, 1, 1)
    # The rejected row is still listed: the report points at the first load's rejects file...
    again_json = json.loads(run_cli("load", "trade", str(path), "--json").stdout)
    rejects = tmp_path / first["rejects_path"]  # relative to the folder the command ran in
    assert again_json["rejects_path"] == first["rejects_path"] and rejects.is_file()
    # ...and says where it is not, when that file has gone.
    rejects.unlink()
    gone = json.loads(run_cli("load", "trade", str(path), "--json").stdout)
    assert gone["rejects_path"] is None and gone["rejected"] == 1
    assert any("rejected row(s) were listed by the load that first read it" in n for n in gone["notes"])
