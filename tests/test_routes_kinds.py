"""Routes as an investigator reads them: relabeled routes and direct exports of colony goods as two
kinds, where a route ends, how the flags and the summary are worded. Every company here is fictional.

The files follow the shipments loader's own column names (README, `load trade`) and the colony catalogue's."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

COLONIES = [
    {"colony_id": "TK-COL-1", "name": "Test Colony One (fictional)", "country": "BY",
     "operator_enterprise": "Test Works UE (fictional)", "operator_id": "tk:works", "hs_codes": "9403",
     "source_url": "synthetic://tests/kinds", "synthetic": "true"},
    # Listed like a reference colony: an operator with no shipment loaded.
    {"colony_id": "TK-COL-2", "name": "Test Colony Two (fictional)", "country": "BY",
     "operator_enterprise": "Idle Works UE (fictional)", "operator_id": "tk:idle", "hs_codes": "6110",
     "source_url": "synthetic://tests/kinds", "synthetic": "true"},
]
COLUMNS = ("shipment_id", "date", "exporter_id", "exporter_name", "exporter_country", "importer_id",
           "importer_name", "importer_country", "hs_code", "quantity", "value", "origin_country", "synthetic")
NAMES = {"tk:works": ("Test Works UE (fictional)", "BY"), "tk:dealer": ("Test Dealer OOO (fictional)", "BY"),
         "tk:kz": ("Test Steppe TOO (fictional)", "KZ"), "tk:am": ("Test Ararat LLC (fictional)", "AM"),
         "tk:ae": ("Test Gulf FZE (fictional)", "AE"), "tk:tr": ("Test Bosporus Ltd (fictional)", "TR"),
         "tk:ge": ("Test Kartli LLC (fictional)", "GE"), "tk:de": ("Test Moebel GmbH (fictional)", "DE"),
         "tk:de-shop": ("Test Laden GmbH (fictional)", "DE"), "tk:pl": ("Test Meble Sp. z o.o. (fictional)", "PL"),
         "tk:cz": ("Test Nabytek s.r.o. (fictional)", "CZ"), "tk:it": ("Test Mobili S.r.l. (fictional)", "IT"),
         "tk:dealer2": ("Test Second Dealer OOO (fictional)", "BY"), "tk:se": ("Test Hem AB (fictional)", "SE")}
RELABELED, DIRECT = "relabeled route", "direct export of colony goods"


def _row(n: int, date: str, seller: str, buyer: str, code: str, origin: str, value: float = 40000) -> dict:
    return {"shipment_id": f"TK-{n:03d}", "date": date, "exporter_id": seller, "exporter_name": NAMES[seller][0],
            "exporter_country": NAMES[seller][1], "importer_id": buyer, "importer_name": NAMES[buyer][0],
            "importer_country": NAMES[buyer][1], "hs_code": code, "quantity": 200, "value": value,
            "origin_country": origin, "synthetic": "true"}


SHIPMENTS = [
    # A relabeled route with a dealer and four transit traders (six hops), then sold on inside Germany.
    _row(1, "2023-01-10", "tk:works", "tk:dealer", "9403601000", "BY"),
    _row(2, "2023-02-01", "tk:dealer", "tk:kz", "9403601000", "BY"),
    _row(3, "2023-03-15", "tk:kz", "tk:am", "94036010", "KZ"),
    _row(4, "2023-05-02", "tk:am", "tk:ae", "94039010", "KZ"),
    _row(5, "2023-06-20", "tk:ae", "tk:tr", "94039010", "KZ"),
    _row(6, "2023-08-01", "tk:tr", "tk:de", "94039010", "KZ"),
    _row(7, "2023-09-05", "tk:de", "tk:de-shop", "94039010", "KZ"),
    # A direct export of colony goods: straight to a buyer abroad, origin BY, code unchanged.
    _row(8, "2023-04-01", "tk:works", "tk:pl", "9403601000", "BY"),
    # An honest re-export with the origin kept: dealer -> Czechia -> Italy, BY origin, same code, quick.
    _row(9, "2023-10-01", "tk:works", "tk:dealer2", "94036090", "BY"),
    _row(10, "2023-10-20", "tk:dealer2", "tk:cz", "94036090", "BY"),
    _row(11, "2023-10-28", "tk:cz", "tk:it", "94036090", "BY"),
]


def _write(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def loaded(run_cli, tmp_path):
    run_cli("load", "colonies", str(_write(tmp_path / "colonies.csv", COLONIES)))
    run_cli("load", "trade", str(_write(tmp_path / "shipments.csv", SHIPMENTS)))
    return run_cli


def _paths(findings: list[dict], kind: str) -> set[tuple[str, ...]]:
    return {(f["hops"][0]["seller"], *(h["buyer"] for h in f["hops"])) for f in findings if f["kind"] == kind}


def test_direct_exports_are_a_kind_of_their_own(loaded):
    findings = json.loads(loaded("routes", "--format", "json").stdout)
    assert _paths(findings, RELABELED) == {("tk:works", "tk:dealer", "tk:kz", "tk:am", "tk:ae", "tk:tr", "tk:de")}
    # The honest re-export is a direct export at the border (to Czechia), not a relabeled route to Italy.
    assert _paths(findings, DIRECT) == {("tk:works", "tk:pl"), ("tk:works", "tk:dealer2", "tk:cz")}
    assert [f["kind"] for f in findings] == [RELABELED, DIRECT, DIRECT]  # routes first
    direct = next(f for f in findings if _paths([f], DIRECT) == {("tk:works", "tk:pl")})
    assert direct["hops"][0]["kind"] == DIRECT and direct["hops"][0]["shipment_id"] == "TK-008"
    assert direct["reasons"][0].startswith(f"{DIRECT}: sold to Test Meble Sp. z o.o. (fictional) (PL) on 2023-04-01")
    only_routes = json.loads(loaded("routes", "--format", "json", "--no-direct-exports").stdout)
    assert [f["kind"] for f in only_routes] == [RELABELED]


def test_text_has_a_section_per_kind_and_counts_producers_with_trade(loaded):
    text = loaded("routes").stdout
    routes_at, direct_at = text.index("Relabeled routes (1)"), text.index("Direct export of colony goods")
    assert routes_at < text.index("Route 1 (score") < direct_at < text.index("Direct export 1 (score")
    assert "Direct export 2 (score" in text and "Route 2 (score" not in text
    # Two colonies are listed; one operator has no shipment loaded, so one producer was searched.
    assert ("1 relabeled route(s) and 2 direct export(s) from 1 colony producer(s) with trade, over 11 shipments; "
            "1 other listed colony producer(s) have no shipments loaded") in text


def test_no_earlier_trade_names_the_hop_where_the_goods_arrived(loaded):
    route = next(f for f in json.loads(loaded("routes", "--format", "json").stdout) if f["kind"] == RELABELED)
    flags = [r for r in route["reasons"] if "no earlier trade" in r]
    # Steppe TOO received the goods at hop 2 (TK-002) and first sold HS 9403 after that.
    assert ("hop 2: Test Steppe TOO (fictional) received these goods (2023-02-01, shipment TK-002) with no "
            "earlier trade in HS 9403, the code it sold them under at hop 3") in flags
    assert all(r.split(":")[0] != "hop 6" for r in flags)  # the last seller received them at hop 5


def test_a_hop_limit_that_cuts_the_route_says_so(loaded):
    cut = loaded("routes", "--format", "json", "--max-hops", "5")
    assert _paths(json.loads(cut.stdout), RELABELED) == {("tk:works", "tk:dealer", "tk:kz", "tk:am", "tk:ae",
                                                          "tk:tr")}
    assert "limit: max_hops=5: 1 path(s) reached the limit where the goods were sold on across a border" in cut.stderr
    # At the default the sale inside Germany is not a cut: no route ends there.
    assert "max_hops" not in loaded("routes", "--format", "json").stderr


def test_the_demo_says_it_right(run_cli):
    text = run_cli("demo", "--out", "d").stdout
    section = text[text.index("Direct export of colony goods"):]
    assert "Direct export 1 (score" in section and "-> Vltava Domov s.r.o. (fictional) (CZ)" in section
    # Reference colonies are listed with operators but carry no trade: only the demo producer was searched.
    assert "2 relabeled route(s) and 1 direct export(s) from 1 colony producer(s) with trade, over 9 shipments" in text
    assert "other listed colony producer(s) have no shipments loaded" in text
