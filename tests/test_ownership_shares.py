"""Ownership shares as published (issue 8, item 4), loaded through the CLI from BODS files written
after the standard's own examples (openownership/data-standard examples/indirect-ownership, 0.3
statement shape; and the 0.4 record shape with isComponent / componentRecords). Every company and
person is FICTIONAL.

    Person 1 --indirect 30% (stated)--> Company A      the publisher's answer for Person 1
    Person 1 --(share not given)--> Company B --60%--> Company A      its components

Before: Person 1's share was "unknown", 30-90 % (the stated 30 % plus the component chain on top).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

PUB03 = {"publicationDate": "2024-05-01", "bodsVersion": "0.3", "publisher": {"name": "Conveyor tests (fictional)"}}
PUB04 = {**PUB03, "bodsVersion": "0.4"}


def _entity03(sid: str, name: str, component: bool) -> dict:
    return {"statementID": sid, "statementType": "entityStatement", "statementDate": "2024-01-10",
            "isComponent": component, "entityType": "registeredEntity", "name": name,
            "incorporatedInJurisdiction": {"name": "Belarus", "code": "BY"}, "publicationDetails": PUB03}


def _ownership03(sid: str, subject: str, party: str, party_kind: str, interests: list, component: bool,
                 components: list[str] | None = None) -> dict:
    stmt = {"statementID": sid, "statementType": "ownershipOrControlStatement", "statementDate": "2024-01-10",
            "isComponent": component, "subject": {"describedByEntityStatement": subject},
            "interestedParty": {party_kind: party}, "interests": interests, "publicationDetails": PUB03}
    if components:
        stmt["componentStatementIDs"] = components
    return stmt


def bods03() -> list[dict]:
    return [
        _entity03("st-co-a", "Company A Sawmill (fictional)", False),
        _entity03("st-co-b", "Company B Holding (fictional)", True),
        {"statementID": "st-pe-1", "statementType": "personStatement", "statementDate": "2024-01-10",
         "isComponent": False, "personType": "knownPerson",
         "names": [{"type": "individual", "fullName": "Person One (fictional)"}],
         "nationalities": [{"name": "Belarus", "code": "BY"}], "publicationDetails": PUB03},
        _ownership03("st-rel-b-a", "st-co-a", "st-co-b", "describedByEntityStatement",
                     [{"type": "shareholding", "directOrIndirect": "direct", "beneficialOwnershipOrControl": False,
                       "share": {"exact": 60, "minimum": 60, "maximum": 60}, "startDate": "2017-11-01"}], True),
        _ownership03("st-rel-1-b", "st-co-b", "st-pe-1", "describedByPersonStatement",
                     [{"directOrIndirect": "unknown", "beneficialOwnershipOrControl": False}], True),
        _ownership03("st-rel-1-a", "st-co-a", "st-pe-1", "describedByPersonStatement",
                     [{"type": "shareholding", "directOrIndirect": "indirect", "beneficialOwnershipOrControl": True,
                       "share": {"exact": 30, "minimum": 30, "maximum": 30}, "startDate": "2017-11-01"}], False,
                     ["st-co-b", "st-rel-b-a", "st-rel-1-b"]),
    ]


def _record04(record: str, kind: str, details: dict) -> dict:
    return {"statementId": f"s-{record}", "statementDate": "2024-01-10", "recordId": record, "recordType": kind,
            "recordStatus": "new", "recordDetails": details, "publicationDetails": PUB04}


def _share(exact: float) -> dict:
    return {"exact": exact, "minimum": exact, "maximum": exact}


def _rel04(record: str, subject: str, party: str, interests: list, component: bool,
           components: list[str] | None = None) -> dict:
    details = {"isComponent": component, "subject": subject, "interestedParty": party, "interests": interests}
    if components:
        details["componentRecords"] = components
    return _record04(record, "relationship", details)


def bods04() -> list[dict]:
    """Person Two: 10 % direct plus a stated indirect 20 % (through Company C, components); Person
    Three: only a chain (50 % of D, D holds 20 % of A): 10 % computed."""
    def entity(record: str, name: str, component: bool) -> dict:
        return _record04(record, "entity", {"isComponent": component, "entityType": {"type": "registeredEntity"},
                                            "name": name, "jurisdiction": {"name": "Belarus", "code": "BY"}})

    def person(record: str, name: str) -> dict:
        return _record04(record, "person", {"isComponent": False, "personType": "knownPerson",
                                            "names": [{"type": "individual", "fullName": name}]})

    holding = {"type": "shareholding", "beneficialOwnershipOrControl": False}
    return [
        entity("rec-co-a", "Company A Sawmill 04 (fictional)", False),
        entity("rec-co-c", "Company C Holding 04 (fictional)", True),
        entity("rec-co-d", "Company D Holding 04 (fictional)", False),
        person("rec-pe-2", "Person Two (fictional)"), person("rec-pe-3", "Person Three (fictional)"),
        _rel04("rec-rel-c-a", "rec-co-a", "rec-co-c", [{**holding, "directOrIndirect": "direct",
                                                         "share": _share(40)}], True),
        _rel04("rec-rel-2-c", "rec-co-c", "rec-pe-2", [{**holding, "directOrIndirect": "direct",
                                                         "share": _share(50)}], True),
        _rel04("rec-rel-2-a", "rec-co-a", "rec-pe-2",
               [{**holding, "directOrIndirect": "direct", "share": _share(10)},
                {**holding, "directOrIndirect": "indirect", "share": _share(20)}], False,
               ["rec-rel-c-a", "rec-rel-2-c"]),
        _rel04("rec-rel-d-a", "rec-co-a", "rec-co-d", [{**holding, "directOrIndirect": "direct",
                                                         "share": _share(20)}], False),
        _rel04("rec-rel-3-d", "rec-co-d", "rec-pe-3", [{**holding, "directOrIndirect": "direct",
                                                         "share": _share(50)}], False),
    ]


def _load(run_cli, tmp_path: Path, name: str, statements: list[dict]) -> None:
    path = tmp_path / name
    path.write_text(json.dumps(statements, indent=1), encoding="utf-8")
    out = run_cli("load", "registry", "--format", "bods", str(path)).output
    assert f"read {len(statements)} = loaded {len(statements)} + rejected 0" in out, out


def test_bods_03_stated_indirect_share_is_the_answer_not_added_to_its_components(run_cli, tmp_path: Path):
    _load(run_cli, tmp_path, "indirect-03-fictional.json", bods03())
    data = json.loads(run_cli("owners", "ultimate", "st-co-a", "--format", "json").stdout)
    owners = {o["entity"]["id"]: o for o in data["owners"]}
    assert set(owners) == {"st-pe-1"}
    one = owners["st-pe-1"]
    assert one["share"] == pytest.approx(30.0)
    assert (one["share_min"], one["share_max"]) == (pytest.approx(30.0), pytest.approx(30.0))  # not 30-90
    assert one["basis"] == "stated" and one["stated_indirect"] is True
    assert [p["nodes"] for p in one["paths"]] == [["Person:st-pe-1", "Company:st-co-a"]]
    assert [p["nodes"] for p in one["covered_by_stated_indirect"]] == [
        ["Person:st-pe-1", "Company:st-co-b", "Company:st-co-a"]]
    hop = one["paths"][0]["hops"][0]
    assert hop["share_basis"] == "stated" and hop["share_text"] == "30% stated indirect"

    table = run_cli("owners", "ultimate", "st-co-a").stdout
    assert "stated indirect" in table and "30-90" not in table and "covered" in table
    assert all(len(line) <= 80 for line in table.splitlines())

    # The component links are marked as the publisher marked them, and the saved query shows it.
    rows = json.loads(run_cli("query", "run", "direct-owners", "-p", "company_id=st-co-a", "--format", "json").stdout)
    by_owner = {r["owner_id"]: r for r in rows}
    assert by_owner["st-co-b"]["component"] is True and by_owner["st-co-b"]["share_basis"] == "stated"
    assert by_owner["st-pe-1"]["direct"] is False and by_owner["st-pe-1"]["component"] is None


def test_bods_04_direct_plus_stated_indirect_and_a_computed_chain(run_cli, tmp_path: Path):
    _load(run_cli, tmp_path, "indirect-04-fictional.json", bods04())
    data = json.loads(run_cli("owners", "ultimate", "rec-co-a", "--format", "json").stdout)
    owners = {o["entity"]["id"]: o for o in data["owners"]}
    assert set(owners) == {"rec-pe-2", "rec-pe-3"}
    two, three = owners["rec-pe-2"], owners["rec-pe-3"]
    # 10 % direct + 20 % stated indirect; the 50 % x 40 % component chain is not added (it would be 50 %)
    assert two["share"] == pytest.approx(30.0) and two["basis"] == "stated" and two["stated_indirect"] is True
    assert len(two["covered_by_stated_indirect"]) == 1
    assert three["share"] == pytest.approx(10.0) and three["basis"] == "computed"
    assert three["stated_indirect"] is False and three["covered_by_stated_indirect"] == []

    csv_lines = run_cli("owners", "ultimate", "rec-co-a", "--format", "csv").stdout.splitlines()
    assert csv_lines[0].split(",")[:7] == ["owner_id", "owner", "type", "country", "share", "range", "basis"]
    assert {line.split(",")[0]: line.split(",")[6] for line in csv_lines[1:]} == {
        "rec-pe-2": "stated indirect", "rec-pe-3": "computed"}
