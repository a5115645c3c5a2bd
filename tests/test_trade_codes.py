"""Trade codes at the precision sources publish, published zeros, and mirror rows whose partner did not
report - through the real CLI on the embedded FalkorDB store.

Fixtures (tests/fixtures/trade/, values SYNTHETIC, companies fictional; see README.md):
- comext-full-v2-fictional.csv: the columns of Eurostat's bulk full_v2 files (REPORTER, PARTNER,
  TRADE_TYPE, PRODUCT_NC, ..., STAT_PROCEDURE, ..., VALUE_EUR, VALUE_NAC, QUANTITY_KG, ...);
- comext-bulk-2020-fictional.csv: the older bulk columns (DECLARANT numeric beside DECLARANT_ISO, ...);
- comtrade-tariffline-fictional.csv: the Comtrade API's CSV columns, Japan's 9-digit national codes;
- shipments-codes-fictional.csv, uk-declarations-fictional.csv (+ uk-declarations.yml): declarations
  with a 9-digit Japanese code, and 10-digit UK commodity codes that a spreadsheet stored as numbers;
- sanctions-cn8-full.csv / -partial.csv: CN8 lists in the form of the EU annexes (fictional listing);
- cn8-nomenclature-fictional.csv: a CN8 slice of the nomenclature for `conveyor load hs`.
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

FIX = Path(__file__).parent / "fixtures" / "trade"


def load_json(run_cli: Cli, *args: str) -> dict:
    out = run_cli("load", *args, "--json").stdout
    return json.loads(out[out.index("{"):])


def cli_json(run_cli: Cli, *args: str) -> list[dict]:
    return json.loads(run_cli(*args, "--format", "json").output)


def rejects(run_cli: Cli, name: str) -> dict[str, tuple[str, str]]:
    path = run_cli.cwd / "conveyor-rejects" / f"{name}.rejects.csv"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as fh:
        return {r["row"]: (r["field"], r["reason"]) for r in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def codes_db(tmp_path_factory):
    """Every file loaded once, every report run once (each CLI call opens and closes the store)."""
    folder = tmp_path_factory.mktemp("codes")
    run_cli = Cli(folder / "cli.db", folder)
    out: dict = {"loads": {
        "full": load_json(run_cli, "trade", "--format", "comext", str(FIX / "comext-full-v2-fictional.csv")),
        "old": load_json(run_cli, "trade", "--format", "comext", str(FIX / "comext-bulk-2020-fictional.csv")),
        "tariffline": load_json(run_cli, "trade", "--format", "comtrade",
                                str(FIX / "comtrade-tariffline-fictional.csv")),
        "switching": load_json(run_cli, "trade", "--format", "comtrade", str(FIX / "comtrade-synthetic.csv")),
        "colonies": load_json(run_cli, "colonies", str(FIX / "colonies-fictional.csv")),
        "shipments": load_json(run_cli, "trade", str(FIX / "shipments-codes-fictional.csv")),
    }}
    out["mirror"] = cli_json(run_cli, "mirror", "--period", "2023-01", "--level", "8")
    out["mirror_flagged"] = cli_json(run_cli, "mirror", "--period", "2023-01", "--level", "8", "--flagged-only")
    out["switching6"] = cli_json(run_cli, "switching", "--sanctions-date", "2022-06-01", "--codes", "940360")
    out["switching8"] = cli_json(run_cli, "switching", "--sanctions-date", "2022-06-01", "--codes", "9403.60.10")
    out["gaps_full"] = cli_json(run_cli, "gaps", "--codes", str(FIX / "sanctions-cn8-full.csv"))
    out["gaps_partial"] = cli_json(run_cli, "gaps", "--codes", str(FIX / "sanctions-cn8-partial.csv"))
    out["hs"] = load_json(run_cli, "hs", str(FIX / "cn8-nomenclature-fictional.csv"))
    out["gaps_full_nomenclature"] = cli_json(run_cli, "gaps", "--codes", str(FIX / "sanctions-cn8-full.csv"))
    return run_cli, out


def _flows(run_cli: Cli, source_file: str) -> list[dict]:
    with open_store(str(run_cli.db)) as store:
        return store.run("MATCH (t:TradeFlow {source_file: $f})-[:OF]->(p:Product) RETURN t.reporter AS r, "
                         "t.partner AS p, t.hs_code AS code, p.hs_code AS hs6, t.value AS v, t.period AS period "
                         "ORDER BY t.source_row", {"f": source_file})


def test_comext_full_file_codes_zeros_and_procedures(codes_db):
    run_cli, out = codes_db
    rep = out["loads"]["full"]
    # Two rows of one flow split by statistical procedure are two flows, not a duplicate; 0 is a value.
    assert (rep["read"], rep["loaded"], rep["rejected"]) == (12, 10, 2)
    why = rejects(run_cli, "comext-full-v2-fictional.csv")
    assert set(why) == {"12", "13"}
    assert why["12"][0] == "PRODUCT_NC" and "lost leading zero" in why["12"][1]  # 7 digits: CN8 without its 0
    assert why["13"][0] == "PRODUCT_NC" and "9 digits" in why["13"][1] and "lost" not in why["13"][1]
    flows = _flows(run_cli, "comext-full-v2-fictional.csv")
    assert [f["v"] for f in flows if f["code"] == "94036090"] == [0.0]
    assert [f["v"] for f in flows if f["code"] == "94036010" and f["r"] == "DE" and f["p"] == "BY"] == [12000, 3000]
    assert {f["hs6"] for f in flows if f["code"] == "01012100"} == {"010121"}  # text codes keep their zero


def test_comext_old_bulk_columns_read_iso_codes(codes_db):
    run_cli, out = codes_db
    rep = out["loads"]["old"]
    why = rejects(run_cli, "comext-bulk-2020-fictional.csv")
    assert (rep["read"], rep["loaded"], rep["rejected"]) == (3, 3, 0), why
    flows = _flows(run_cli, "comext-bulk-2020-fictional.csv")
    assert [(f["r"], f["p"], f["v"]) for f in flows] == [("DE", "BY", 5000), ("DE", "BY", 1500), ("BE", "BY", 0)]


def test_comtrade_national_nine_digit_codes_and_zero_values(codes_db):
    run_cli, out = codes_db
    rep = out["loads"]["tariffline"]
    assert (rep["read"], rep["loaded"], rep["rejected"]) == (3, 2, 1)
    why = rejects(run_cli, "comtrade-tariffline-fictional.csv")
    assert why["4"][0] == "cmdCode" and "lost leading zero" in why["4"][1]
    flows = _flows(run_cli, "comtrade-tariffline-fictional.csv")
    assert [(f["code"], f["hs6"], f["v"]) for f in flows] == [
        ("940360000", "940360", 54000), ("940390000", "940390", 0)]


def test_shipments_nine_digit_codes_kept_and_seven_digit_flagged(codes_db):
    run_cli, out = codes_db
    rep = out["loads"]["shipments"]
    assert (rep["read"], rep["loaded"], rep["rejected"]) == (3, 2, 1)
    why = rejects(run_cli, "shipments-codes-fictional.csv")
    assert why["4"][0] == "hs_code" and "lost leading zero" in why["4"][1]
    with open_store(str(run_cli.db)) as store:
        rows = EvidenceStore(evidence_location(store.location)).read(current_runs(store)).to_pylist()
    assert sorted((r["id"], r["hs_code"], r["hs6"], r["value"]) for r in rows) == [
        ("JP-1", "940360000", "940360", 30000), ("JP-2", "940390000", "940390", 0)]


def test_declared_numeric_codes_get_their_zero_back(run_cli, tmp_path):
    rep = load_json(run_cli, "trade", str(FIX / "uk-declarations-fictional.csv"), "--mapping",
                    str(FIX / "uk-declarations.yml"))
    assert (rep["read"], rep["loaded"], rep["rejected"]) == (3, 3, 0)
    with open_store(str(run_cli.db)) as store:
        rows = EvidenceStore(evidence_location(store.location)).read(current_runs(store)).to_pylist()
    assert sorted((r["hs_code"], r["hs6"], r["importer_country"]) for r in rows) == [
        ("0101210000", "010121", "GB"), ("0901210000", "090121", "GB"), ("9403601000", "940360", "GB")]
    # The same lengths declared, but not as numbers: a 9-digit code is one short of 10, a lost zero.
    strict = tmp_path / "strict.yml"
    strict.write_text((FIX / "uk-declarations.yml").read_text(encoding="utf-8").replace(
        "codes_lose_leading_zero: true", "codes_lose_leading_zero: false"), encoding="utf-8")
    rep = load_json(run_cli, "trade", str(FIX / "uk-declarations-fictional.csv"), "--mapping", str(strict),
                    "--source", "strict", "--rejects", str(tmp_path / "rej"))
    assert (rep["read"], rep["loaded"], rep["rejected"]) == (3, 1, 2)
    bad = tmp_path / "bad.yml"
    bad.write_text((FIX / "uk-declarations.yml").read_text(encoding="utf-8").replace(
        "code_digits: [10]", "code_digits: ten"), encoding="utf-8")
    result = run_cli("load", "trade", str(FIX / "uk-declarations-fictional.csv"), "--mapping", str(bad), ok=False)
    assert result.exit_code != 0 and "bad.yml" in result.output and "code_digits" in result.output


def test_mirror_partner_not_reporting_is_its_own_status(codes_db):
    _, out = codes_db
    rows = [r for r in out["mirror"] if r["source_kind"] == "comext"]
    by = {(r["hs_code"], r["exporter"], r["importer"]): r for r in rows}
    # BY is not a Comext reporter: DE's imports from BY have nothing to mirror, and are no gap.
    for code in ("94036010", "94036090", "94039010", "01012100"):
        row = by[(code, "BY", "DE")]
        assert row["status"] == "partner did not report / not loaded" and row["flagged"] is False, row
        assert row["exports_reported"] is None and "BY" in row["reason"]
    assert by[("94036010", "BY", "DE")]["imports_reported"] == 15_000  # both procedures
    both = by[("94036010", "LT", "DE")]
    assert both["status"] == "both report" and both["flagged"] is False
    assert math.isclose(both["log_ratio"], math.log(4000 / 3900), abs_tol=1e-6)
    # DE's imports for 2023-01 are loaded, but not this one LT reports sending: a real gap.
    gap = by[("94039010", "LT", "DE")]
    assert gap["status"] == "only the exporter reports" and gap["flagged"] is True
    nil = by[("94016100", "LT", "DE")]  # 0 against 0: both report nothing, no gap and no error
    assert nil["status"] == "both report" and nil["flagged"] is False and nil["gap"] == 0
    flagged = [(r["hs_code"], r["exporter"], r["importer"]) for r in out["mirror_flagged"]
               if r["source_kind"] == "comext"]
    assert flagged == [("94039010", "LT", "DE")]


def test_switching_with_a_cn8_code_works_like_its_hs6(codes_db):
    _, out = codes_db

    def flagged(rows):
        return [(r["finding"], r["reporter"], r["partner"], r["code"]) for r in rows if r["flagged"]]

    assert flagged(out["switching6"])  # the planted PL/BY switch from 940360 to 940390
    assert flagged(out["switching8"]) == flagged(out["switching6"])


def test_gaps_with_a_cn8_list(codes_db):
    _, out = codes_db
    full = {(r["kind"], r["code"]): r for r in out["gaps_full"]}
    # Every CN8 known under 940360 is listed: not "partly sanctioned"; without the CN8 nomenclature the
    # report cannot know 940360 has no other codes and says so.
    hs6 = full[("HS4 sibling", "940360")]
    assert hs6["status"] == "listed as far as known" and "load hs" in hs6["advice"]
    assert (hs6["shipments"], hs6["flows"], hs6["comext_value_eur"]) == (0, 0, 0)
    group = full[("colony product group", "9403")]
    assert group["status"] == "partly sanctioned"
    # Open trade: only what is not under a listed code. Comext 94039010: DE 8,000 + LT 2,500 EUR; the
    # 9-digit Japanese codes count at their HS6 (940360000 listed, 940390000 open, value 0).
    assert group["comext_value_eur"] == 10_500
    assert (group["shipments"], group["shipment_value"]) == (1, 0)
    sib = full[("HS4 sibling", "940390")]
    assert sib["status"] == "not sanctioned" and sib["comext_value_eur"] == 10_500
    assert not any(r["code"].startswith("94036") and r["status"] == "partly sanctioned" for r in out["gaps_full"])
    # With the CN8 nomenclature loaded, 940360 is known to be listed whole: no row at all.
    assert out["hs"]["rejected"] == 0
    assert not [r for r in out["gaps_full_nomenclature"] if r["code"].startswith("940360")]
    partial = {(r["kind"], r["code"]): r for r in out["gaps_partial"]}
    part = partial[("HS4 sibling", "940360")]
    assert part["status"] == "partly sanctioned"
    # 94036090 is the escape route at the list's own precision, with its (0-valued) Comext flow.
    assert partial[("HS4 sibling", "94036090")]["status"] == "not sanctioned"
    assert partial[("HS4 sibling", "94036090")]["flows"] == 1


def test_sanctions_list_codes_of_six_to_ten_digits(run_cli, tmp_path):
    listed = tmp_path / "list.csv"
    listed.write_text("hs_code,program\n9403 60 10,TEST\n940360000,TEST\n9403.60.10.00,TEST\n", encoding="utf-8")
    run_cli("load", "colonies", str(FIX / "colonies-fictional.csv"))
    rows = cli_json(run_cli, "gaps", "--codes", str(listed))
    assert {r["code"] for r in rows} >= {"9403"}
    lost = tmp_path / "lost.csv"
    lost.write_text("hs_code\n94036\n", encoding="utf-8")
    result = run_cli("gaps", "--codes", str(lost), ok=False)
    assert result.exit_code != 0 and "row 2" in result.output and "leading zero" in result.output
