"""Sanctions lists as published (EU CSV, OFAC SDN CSV and XML, UK OFSI CSV) and any list CSV through a
mapping, loaded through the real CLI into embedded FalkorDB. Fixtures under tests/fixtures/sanctions/
are fictional entities in the published shapes (see SOURCE.md there)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conveyor.graph.store import open_store
from conveyor.loaders.sanctions.model import partial_date

FIX = Path(__file__).parent / "fixtures" / "sanctions"

ENTITY = """
MATCH (n {id: $id}) WHERE n:Person OR n:Company
OPTIONAL MATCH (n)-[r:SANCTIONED]->(s:Sanction)
RETURN labels(n) AS labels, properties(n) AS n, collect(properties(s)) AS sanctions,
       collect(properties(r)) AS edges
"""


def _report(result) -> dict:
    return json.loads(result.output[result.output.index("{"):result.output.rindex("}") + 1])


def _load(run_cli, path: Path, fmt: str, *extra: str) -> dict:
    return _report(run_cli("load", "sanctions", str(path), "--format", fmt, "--json", *extra))


def _rejects(tmp_path: Path, name: str) -> dict[int, dict]:
    with open(tmp_path / "conveyor-rejects" / f"{name}.rejects.csv", encoding="utf-8") as fh:
        return {int(r["row"]): r for r in csv.DictReader(fh)}


def _entities(tmp_path: Path, *ids: str) -> dict[str, dict]:
    store = open_store(str(tmp_path / "cli.db"))
    try:
        out = {}
        for key in ids:
            rows = store.run(ENTITY, {"id": key})
            assert rows and rows[0]["labels"], f"{key} not loaded"
            row = rows[0]
            out[key] = {"label": row["labels"][0], **row["n"],
                        "sanctions": {s["program"]: s for s in row["sanctions"]}, "edges": row["edges"]}
        return out
    finally:
        store.close()


def _counts(tmp_path: Path) -> dict:
    store = open_store(str(tmp_path / "cli.db"))
    try:
        return store.counts()
    finally:
        store.close()


def test_partial_dates_as_lists_write_them():
    assert partial_date("03 Feb 1970") == "1970-02-03"
    assert partial_date("00/00/1962") == "1962"
    assert partial_date("00/05/1962") == "1962-05"
    assert partial_date("1970-01-02") == "1970-01-02"
    assert partial_date("circa 1960") is None  # kept as given by the caller
    assert partial_date("31/02/1970") is None


def test_eu_list_people_companies_earliest_listing_and_idempotent_reload(run_cli, tmp_path):
    report = _load(run_cli, FIX / "eu-fictional.csv", "eu")
    # 15 lines, 4 entities: one of them has a listing date that is not a date
    assert (report["read"], report["loaded"], report["rejected"]) == (4, 3, 1)
    rejects = _rejects(tmp_path, "eu-fictional.csv")
    assert list(rejects) == [15]  # the first line of entity 9004's group
    assert rejects[15]["field"] == "Entity_Regulation_PublicationDate" and "not a full date" in rejects[15]["reason"]

    got = _entities(tmp_path, "eu-fsf:9001", "eu-fsf:9002", "eu-fsf:9003")
    person, company = got["eu-fsf:9001"], got["eu-fsf:9002"]
    assert person["label"] == "Person" and company["label"] == "Company" and got["eu-fsf:9003"]["label"] == "Person"
    assert person["name"] == "Ivan Petrovich FICTIONALOV"
    assert person["aliases"] == ["Иван Петрович ФИКЦИОНАЛОВ"]  # six lines, one node
    assert person["birth_dates"] == ["1970-01-02", "1971"] and person["birth_date"] == "1970-01-02"
    assert person["nationality"] == "RU" and "passport:4500123456" in person["identifiers"]
    # the amendment lines come first in the file: listed is the earliest date, not the first written
    rus = person["sanctions"]["RUS"]
    assert rus["listed"] == "2022-03-15" and rus["authority"] == "European Union" and rus.get("end_date") is None
    [edge] = person["edges"]
    assert (edge["program"], edge["authority"], edge["listed"]) == ("RUS", "European Union", "2022-03-15")
    # several INNs: the first is the strong key resolution compares, every one is kept
    assert company["inn"] == "7701234567" and company["ogrn"] == "1027700000001"
    assert company["identifiers"] == ["inn:7701234567", "inn:7709876543", "ogrn:1027700000001"]
    assert company["country"] == "RU" and "Arkhangelsk" in company["address"]
    assert got["eu-fsf:9003"]["sanctions"]["BLR"]["listed"] == "2021-06-21"  # Entity_DesignationDate

    before = _counts(tmp_path)
    again = _load(run_cli, FIX / "eu-fictional.csv", "eu")
    assert (again["read"], again["loaded"], again["rejected"]) == (4, 3, 1)
    assert _counts(tmp_path) == before


def test_ofac_csv_with_companions_and_xml_give_the_same_entities(run_cli, tmp_path):
    report = _load(run_cli, FIX / "ofac" / "sdn.csv", "ofac-csv")
    # four lines: uid 90001 listed twice (merged), one vessel (not modelled); the DOS end-of-file line skipped
    assert (report["read"], report["loaded"], report["rejected"]) == (3, 2, 1)
    rejects = _rejects(tmp_path, "sdn.csv")
    assert rejects[3]["field"] == "SDN_Type" and "not modelled" in rejects[3]["reason"]
    got = _entities(tmp_path, "ofac:90001", "ofac:90002")
    person, company = got["ofac:90001"], got["ofac:90002"]
    assert person["label"] == "Person" and person["name"] == "Pyotr Ivanovich FICTIONALOV"
    assert set(person["sanctions"]) == {"RUSSIA-EO14024", "UKRAINE-EO13662", "CYBER2"}
    assert {s["authority"] for s in person["sanctions"].values()} == {"US OFAC"}
    assert person["birth_dates"] == ["1965-03-12", "1966"]
    assert {"PETYA FICTIONAL", "Petr FIKTSIONALOV"} <= set(person["aliases"])  # remarks and alt.csv
    assert person["identifiers"] == ["passport:720000001", "passport:720000002"] and person["nationality"] == "RU"
    assert company["label"] == "Company" and company["inn"] == "7812345678" and company["ogrn"] == "1157800000007"
    assert "inn:7812345679" in company["identifiers"]
    assert company["aliases"] == ["BALTIC TRADE FICTIONAL"] and company["address"].startswith("Fictional Prospekt 1")

    xml = _load(run_cli, FIX / "ofac-sdn-fictional.xml", "ofac-xml")
    assert (xml["read"], xml["loaded"], xml["rejected"]) == (3, 2, 1)
    again = _entities(tmp_path, "ofac:90001", "ofac:90002")
    for key in ("ofac:90001", "ofac:90002"):
        for prop in ("name", "inn", "ogrn", "birth_dates", "identifiers", "country"):
            assert again[key].get(prop) == got[key].get(prop), (key, prop)
        assert set(again[key]["sanctions"]) == set(got[key]["sanctions"])


def test_ofsi_groups_aliases_keeps_every_value_and_rejects_ships(run_cli, tmp_path):
    report = _load(run_cli, FIX / "ConList-fictional.csv", "ofsi")
    assert (report["read"], report["loaded"], report["rejected"]) == (5, 3, 2)
    rejects = _rejects(tmp_path, "ConList-fictional.csv")
    assert rejects[9]["field"] == "Group Type" and "not modelled" in rejects[9]["reason"]
    assert rejects[10]["field"] == "Listed On" and "31/02/2022" in rejects[10]["value"]
    got = _entities(tmp_path, "gb-ofsi:99001", "gb-ofsi:99002", "gb-ofsi:99003")
    person = got["gb-ofsi:99001"]
    assert person["label"] == "Person" and person["name"] == "Maria Sergeevna FICTIONALOVA"
    assert set(person["aliases"]) == {"Мария Сергеевна ФИКЦИОНАЛОВА", "Mariya Sergeevna FICTIONALOVA",
                                      "Maria Sergeevna FIKTSIONALOVA"}
    assert person["birth_dates"] == ["1960-03-12", "1961"]
    assert person["identifiers"] == ["passport:MP0000001", "passport:MP0000002"]
    regime = person["sanctions"]["Russia"]
    assert regime["listed"] == "2022-03-10" and regime["authority"] == "UK OFSI"  # the AKA line's, earliest
    assert regime["reason"].startswith("FICTIONAL TEST ENTRY")
    assert got["gb-ofsi:99002"]["unp"] == "100000009" and got["gb-ofsi:99002"]["country"] == "BY"
    ural = got["gb-ofsi:99003"]
    assert ural["inn"] == "7701234567" and ural["ogrn"] == "1027700000001" and ural["country"] == "RU"


def test_mapped_list_kind_column_merges_rows_and_keeps_end_dates(run_cli, tmp_path):
    report = _load(run_cli, FIX / "national-list-fictional.csv", "csv",
                   "--mapping", str(FIX / "national-list-mapping.yml"), "--source", "fx-list")
    assert (report["read"], report["loaded"], report["rejected"]) == (5, 2, 3)
    rejects = _rejects(tmp_path, "national-list-fictional.csv")
    assert rejects[5]["field"] == "subject_type" and "not modelled" in rejects[5]["reason"]
    assert rejects[6]["field"] == "date_listed"
    assert rejects[7]["field"] == "subject_type" and "'trust'" in rejects[7]["reason"]
    got = _entities(tmp_path, "fx-list:FX-1", "fx-list:FX-2")
    grain, person = got["fx-list:FX-1"], got["fx-list:FX-2"]
    assert grain["label"] == "Company" and person["label"] == "Person"
    assert grain["identifiers"] == ["inn:7701111111", "inn:7702222222"] and grain["inn"] == "7701111111"
    sanction = grain["sanctions"]["Fictional regime A"]
    assert sanction["listed"] == "2022-03-15"  # the second row's, earlier than the first row's
    assert sanction["authority"] == "Fictional Ministry of Finance"
    assert person["sanctions"]["Fictional regime A"]["end_date"] == "2021-05-05"
    assert person["birth_dates"] == ["1975-02-01", "1976"]


def test_near_sanctioned_finds_loaded_list_entities_as_seeds(run_cli, tmp_path):
    _load(run_cli, FIX / "eu-fictional.csv", "eu")
    _load(run_cli, FIX / "ConList-fictional.csv", "ofsi")
    result = run_cli("owners", "near-sanctioned", "--hops", "1", "--format", "json")
    found = json.loads(result.output[:result.output.rindex("}") + 1])
    companies = {c["company"]["id"]: c for c in found["companies"]}
    assert {"eu-fsf:9002", "gb-ofsi:99002", "gb-ofsi:99003"} <= set(companies)
    assert companies["eu-fsf:9002"]["hops"] == 0 and companies["eu-fsf:9002"]["reason"] == "RUS"
    assert found["seeds"] >= 6  # three EU entities and three OFSI ones, people included


def test_resolve_merges_a_listed_company_with_its_registry_record_by_inn(run_cli, tmp_path):
    registry = tmp_path / "registry.csv"
    registry.write_text("inn,name,country\n7701234567,OOO Fictional Timber Export,RU\n", encoding="utf-8")
    mapping = tmp_path / "registry.yml"
    mapping.write_text('key: "inn:{inn}"\ncolumns: {inn: inn, name: name, country: country}\n', encoding="utf-8")
    run_cli("load", "registry", str(registry), "--format", "csv", "--mapping", str(mapping))
    _load(run_cli, FIX / "eu-fictional.csv", "eu")
    run_cli("resolve")
    store = open_store(str(tmp_path / "cli.db"))
    try:
        rows = store.run("MATCH (a:Company {id: $a})-[s:SAME_AS]-(b:Company {id: $b}) RETURN s.reasons AS reasons",
                         {"a": "eu-fsf:9002", "b": "inn:7701234567"})
    finally:
        store.close()
    assert rows and any("inn=7701234567" in str(r["reasons"]) for r in rows)


@pytest.mark.parametrize(("fixture", "fmt", "message"), [
    ("ConList-fictional.csv", "eu", "is not the EU consolidated list CSV"),
    ("eu-fictional.csv", "ofsi", "is not the OFSI consolidated list CSV"),
    ("eu-fictional.csv", "ofac-xml", "is not well-formed XML"),
])
def test_a_file_in_another_format_is_one_clear_error(run_cli, fixture, fmt, message):
    result = run_cli("load", "sanctions", str(FIX / fixture), "--format", fmt, ok=False)
    assert result.exit_code != 0 and message in result.output and fixture in result.output


def test_mapping_must_say_what_the_rows_are(run_cli, tmp_path):
    mapping = tmp_path / "m.yml"
    mapping.write_text("columns: {id: list_id, name: subject_name}\n", encoding="utf-8")
    result = run_cli("load", "sanctions", str(FIX / "national-list-fictional.csv"), "--format", "csv",
                     "--mapping", str(mapping), ok=False)
    assert result.exit_code != 0 and "kind: person|company" in result.output and "m.yml" in result.output
