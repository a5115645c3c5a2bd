"""Aggregate flows (Comtrade, Comext), mirror gaps, code switching, the sanctions gap report and the
saved-query library, through the real CLI on the embedded FalkorDB store.

Fixtures: tests/fixtures/trade/ (country-level numbers SYNTHETIC, companies fictional; see README.md).
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
from conftest import Cli
from conveyor.graph.evidence import EvidenceStore, current_runs, evidence_location
from conveyor.graph.store import open_store
from conveyor.loaders.base import SourceError
from conveyor.loaders.base import load as run_load
from conveyor.loaders.comtrade import read_comtrade
from conveyor.queries.analysis import mirror_gaps, to_records
from conveyor.queries.gaps import gap_report, read_sanctions
from conveyor.queries.saved import QueryError, saved_queries

FIX = Path(__file__).parent / "fixtures" / "trade"
NEW_QUERIES = ("routes-from-colony", "buyers-of-dealer", "re-exporters-within-days", "code-switchers",
               "new-companies-in-transit-countries", "origin-switchers", "triangles", "top-flows-by-code",
               "colony-products-in-trade")


def load_json(run_cli, *args: str) -> dict:
    out = run_cli("load", *args, "--json").stdout
    return json.loads(out[out.index("{"):])


def rejects(run_cli, name: str) -> list[dict]:
    with open(run_cli.cwd / "conveyor-rejects" / f"{name}.rejects.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def data_rows(path: Path) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines()[1:] if line.strip())


# Every CLI call opens and closes the embedded store (about 5 s to close on this machine), so the
# fixture data is loaded once per module through the real CLI and the analyses' CLI output is kept.
@pytest.fixture(scope="module")
def trade_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("trade")
    run_cli = Cli(folder / "cli.db", folder)
    reports = {
        "comtrade": load_json(run_cli, "trade", "--format", "comtrade", str(FIX / "comtrade-synthetic.csv")),
        "comext": load_json(run_cli, "trade", "--format", "comext", str(FIX / "comext-synthetic.csv")),
        "colonies": load_json(run_cli, "colonies", str(FIX / "colonies-fictional.csv")),
        "shipments": load_json(run_cli, "trade", str(FIX / "shipments-fictional.csv")),
    }
    mirror_csv = folder / "mirror.csv"
    reports["mirror"] = json.loads(run_cli("mirror", "--period", "2023", "--format", "json", "--out",
                                           str(mirror_csv)).output)
    with open(mirror_csv, encoding="utf-8") as fh:
        reports["mirror_csv"] = list(csv.DictReader(fh))
    reports["switching"] = json.loads(run_cli("switching", "--sanctions-date", "2022-06-01", "--format",
                                              "json").output)
    reports["gaps"] = json.loads(run_cli("gaps", "--codes", str(FIX / "sanctions-synthetic.csv"), "--format",
                                         "json").output)
    return run_cli, reports


@pytest.fixture(scope="module")
def trade_store(trade_db):
    run_cli, _ = trade_db
    with open_store(str(run_cli.db)) as store:
        yield store


def test_comtrade_every_row_accounted_for(trade_db, trade_store):
    run_cli, reports = trade_db
    rep = reports["comtrade"]
    assert rep["read"] == data_rows(FIX / "comtrade-synthetic.csv") == 24
    assert rep["read"] == rep["loaded"] + rep["rejected"]
    assert (rep["loaded"], rep["rejected"]) == (15, 9)
    reasons = {r["row"]: (r["field"], r["reason"]) for r in rejects(run_cli, "comtrade-synthetic.csv")}
    assert len(reasons) == 9
    assert "duplicate flow" in reasons["16"][1] and "row 12" in reasons["16"][1]
    assert reasons["17"] == ("primaryValue", "value must be positive, got -500")
    assert "18" not in reasons  # a published 0 is a value
    assert "not a number" in reasons["19"][1]
    assert reasons["20"][0] == "reporterISO" and "XXX" in reasons["20"][1]
    assert "World" in reasons["21"][1]
    assert reasons["22"][0] == "cmdCode"
    assert "month 13" in reasons["23"][1]
    assert reasons["24"][0] == "flowCode"
    assert reasons["25"][0] == "qty"
    store = trade_store
    n = store.run("MATCH (t:TradeFlow {source_kind: 'comtrade'})-[:OF]->(:Product) RETURN count(t) AS n")
    codes = store.run("MATCH (t:TradeFlow) WHERE t.source_kind = 'comtrade' "
                      "RETURN DISTINCT t.hs_code AS code, t.period AS period ORDER BY code, period")
    cif = store.run("MATCH (t:TradeFlow {period: '2023-06'}) RETURN t.value AS v, t.partner2 AS p2")
    w00 = store.run("MATCH (t:TradeFlow {reporter: 'LT'}) RETURN t.partner2 AS p2, t.partner AS p")
    assert n[0]["n"] == 15
    assert {c["code"] for c in codes} == {"940360", "940390"}  # dots and spaces cleaned
    assert {c["period"] for c in codes} >= {"2021", "2023", "2023-05", "2023-06", "2023-07"}  # YYYY, YYYYMM, YYYY-MM
    assert cif == [{"v": 7000.0, "p2": None}]  # primaryValue empty: the CIF value of an import
    assert w00 == [{"p2": None, "p": "BY"}]  # second partner World = none


def test_reload_is_idempotent(trade_store, tmp_path):
    # The same file again, through the loader and load() the CLI uses, under the CLI's source name.
    count = "MATCH (t:TradeFlow) RETURN count(t) AS n"
    before = trade_store.run(count)[0]["n"]
    path, source = FIX / "comtrade-synthetic.csv", "comtrade:comtrade-synthetic"
    report = run_load(trade_store, read_comtrade(path, source=source), source=source, path=path, fmt="comtrade",
                      rejects_dir=tmp_path)
    assert before == trade_store.run(count)[0]["n"] == 15 + 4
    assert (report.read, report.loaded, report.retired) == (24, 15, 0)


def test_comext_codes_and_quirks(trade_db, trade_store):
    run_cli, reports = trade_db
    rep = reports["comext"]
    assert (rep["read"], rep["loaded"], rep["rejected"]) == (9, 4, 5)
    reasons = {r["row"]: (r["field"], r["reason"]) for r in rejects(run_cli, "comext-synthetic.csv")}
    assert "confidential" in reasons["6"][1]
    assert reasons["7"][0] == "REPORTER"
    assert reasons["8"][0] == "FLOW"
    assert reasons["9"][0] == "VALUE_EUR"
    assert reasons["10"][0] == "PRODUCT_NC"
    rows = trade_store.run("MATCH (t:TradeFlow {source_kind: 'comext'})-[:OF]->(p:Product) RETURN t.reporter AS r, "
                           "t.flow AS f, t.hs_code AS code, p.hs_code AS product, t.period AS period, t.value AS v "
                           "ORDER BY v")
    assert [(r["r"], r["f"], r["product"], r["period"]) for r in rows] == [
        ("GB", "M", "940360", "2023-01"), ("GB", "M", "940360", "2023-01"),  # XI and GB: both the UK
        ("GR", "M", "940360", "2023-01"), ("DE", "M", "940390", "2023")]  # EL = Greece; month 52 = annual
    assert rows[-1]["code"] == "94039010"  # the CN8 code is kept on the flow, its HS6 is the product


def test_bad_files_fail_whole(run_cli):
    with pytest.raises(SourceError, match="empty"):
        list(read_comtrade(FIX / "empty.csv", source="x"))
    out = run_cli("load", "trade", "--format", "comext", str(FIX / "comtrade-synthetic.csv"), ok=False)
    assert out.exit_code != 0 and "missing required column" in out.output


def test_shipments_ugly_cases_accounted_for(trade_db, trade_store):
    run_cli, reports = trade_db
    rep = reports["shipments"]
    assert (rep["read"], rep["loaded"], rep["rejected"]) == (7, 4, 3)
    reasons = {r["row"]: r["reason"] for r in rejects(run_cli, "shipments-fictional.csv")}
    assert "duplicate" in reasons["5"] and "must be positive" in reasons["6"] and "Atlantis" in reasons["8"]
    evidence = EvidenceStore(evidence_location(trade_store.location))
    dates = sorted(evidence.read(current_runs(trade_store)).to_pylist(), key=lambda r: r["id"])
    assert [(r["date"], r["hs_code"][:6]) for r in dates] == [("2023-07-01", "940360"), ("2023-08-01", "940390"),
                                                 ("2023-09-05", "940390"), ("2023-09-11", "442199")]


def test_mirror_gaps_known_example(trade_db, trade_store):
    _, reports = trade_db
    rows = reports["mirror"]
    by = {(r["source_kind"], r["hs_code"], r["exporter"], r["importer"], r["period"]): r for r in rows}
    lt = by[("comtrade", "940360", "BY", "LT", "2023")]
    assert lt["exports_reported"] == 1_000_000 and lt["imports_reported"] == 2_000_000
    assert lt["gap"] == 1_000_000 and math.isclose(lt["log_ratio"], math.log(2), abs_tol=1e-6)
    assert lt["flagged"] is True
    kz = by[("comtrade", "940360", "BY", "KZ", "2023")]
    assert math.isclose(kz["log_ratio"], math.log(1.05), abs_tol=1e-6) and kz["flagged"] is False
    de = by[("comtrade", "940390", "BY", "DE", "2023")]
    # DE's own imports are not loaded: nothing to compare, not a gap (tests/test_trade_codes.py has both cases)
    assert de["imports_reported"] is None and not de["flagged"]
    assert de["status"] == "partner did not report / not loaded"
    assert len(reports["mirror_csv"]) == len(rows)  # --out wrote the same table
    # A tighter threshold flags the KZ pair too; a looser one clears LT.
    tight = to_records(mirror_gaps(trade_store, period="2023", threshold=0, cif_fob=0))
    assert any(r["importer"] == "KZ" and r["flagged"] for r in tight)
    loose = to_records(mirror_gaps(trade_store, period="2023", threshold=1))
    assert not any(r["importer"] == "LT" and r["flagged"] for r in loose)
    level4 = mirror_gaps(trade_store, level=4)
    assert set(level4["hs_code"]) == {"9403"}


def test_switching_detected_on_planted_example(trade_db, run_cli):
    _, reports = trade_db
    rows = reports["switching"]
    switched = [r for r in rows if r["finding"] == "code switching" and r["flagged"]]
    assert [(r["reporter"], r["partner"], r["code"], r["siblings"]) for r in switched] == [
        ("PL", "BY", "940360", "940390")]
    s = switched[0]
    # Monthly averages: 2021 covers 12 months before; 2023 (+ 2023-05, 2023-06 inside it) 12 after.
    assert math.isclose(s["code_before"], 800_000 / 12) and math.isclose(s["code_after"], 100_000 / 12)
    assert math.isclose(s["siblings_after"], 612_000 / 12)
    transit = [r for r in rows if r["finding"] == "transit shift" and r["flagged"]]
    assert [(r["reporter"], r["partner"], r["family"]) for r in transit] == [("PL", "KZ", "9403")]
    bad = run_cli("switching", "--sanctions-date", "01.06.2022", ok=False)
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output


def test_gaps_report_lists_unsanctioned_siblings_with_trade(trade_db, trade_store, tmp_path):
    _, reports = trade_db
    by = {(r["kind"], r["code"]): r for r in reports["gaps"]}
    assert ("HS4 sibling", "940360") not in by  # the listed code itself is covered
    sib = by[("HS4 sibling", "940390")]
    assert sib["status"] == "not sanctioned" and sib["sanctioned_nearby"] == "940360"
    assert (sib["shipments"], sib["shipment_value"]) == (2, 65_000)
    # comtrade 940390 flows: 500,000 + 50,000 + 600,000 + 5,000 + 7,000; comext 940390: 55,000 EUR
    assert (sib["flows"], sib["comtrade_value_usd"], sib["comext_value_eur"]) == (6, 1_162_000, 55_000)
    group = by[("colony product group", "9403")]
    assert group["status"] == "partly sanctioned" and group["colonies"] == "FIXTURE-COLONY-1"
    assert by[("colony product group", "4421")]["status"] == "not sanctioned"
    whole = tmp_path / "whole.csv"
    whole.write_text("hs_code,program\n94,TEST (synthetic)\n44.21,TEST (synthetic)\n", encoding="utf-8")
    evidence = EvidenceStore(evidence_location(trade_store.location))
    assert gap_report(trade_store, read_sanctions(whole), evidence).empty  # whole groups sanctioned: no gap left
    bad = tmp_path / "bad.csv"
    bad.write_text("hs_code\n94X3\n", encoding="utf-8")
    with pytest.raises(QueryError, match="row 2"):
        read_sanctions(bad)


def test_saved_library_runs_on_embedded_store(run_cli):
    queries = saved_queries()
    assert len(queries) >= 12
    assert set(NEW_QUERIES) <= set(queries)
    run_cli("demo", "--out", "d")
    with open_store(str(run_cli.db)) as store:
        run_load(store, read_comtrade(FIX / "comtrade-synthetic.csv", source="comtrade:t"), source="comtrade:t",
                 path=FIX / "comtrade-synthetic.csv", fmt="comtrade", rejects_dir=run_cli.cwd / "rejects")
        results = {name: queries[name].run(store, {}) for name in NEW_QUERIES}
        short = queries["re-exporters-within-days"].run(store, {"days": "26"})
    assert results["routes-from-colony"] and all(r["hops"] >= 1 for r in results["routes-from-colony"])
    assert {(r["company"], r["received_hs6"], r["shipped_hs6"]) for r in results["code-switchers"]} == {
        ("Steppe Timber Export LLP (fictional)", "940360", "940390")}
    days = {(r["company"], r["days_between"]) for r in results["re-exporters-within-days"]}
    assert ("Steppe Timber Export LLP (fictional)", 27) in days  # 2024-02-20 -> 2024-03-18, leap February
    assert {r["days_between"] for r in short} == {26}
    assert {r["declared_origin"] for r in results["origin-switchers"]} == {"KZ", "LT"}
    assert results["top-flows-by-code"][0]["value"] == 2_000_000
    assert len(results["triangles"]) == 3
    assert results["buyers-of-dealer"]
    assert results["colony-products-in-trade"]
    assert results["new-companies-in-transit-countries"] == []  # the demo has no incorporation dates
