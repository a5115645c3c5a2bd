"""`conveyor load reference`: the shipped catalogue (real, cited) loads whole — colonies, the DEP and its
enterprises, brands, sanctioned heads — every node and edge citing its source and its catalogue row ids;
bad rows of a catalogue folder are rejected with the file, row, field and reason. The real catalogue is
only loaded here, never attached to invented trade (the last test checks that synthetic rows are refused)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from conveyor.graph.store import open_store

from conveyor.data import DATA_DIR

REF = DATA_DIR / "reference"
FICTIONAL = Path(__file__).parent / "fixtures" / "reference-fictional"


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _query(db: Path, text: str, params: dict | None = None) -> list[dict]:
    with open_store(str(db)) as store:
        return store.run(text, params or {})


def test_shipped_catalogue_loads_whole_and_cited(run_cli):
    result = run_cli("load", "reference")
    for name in ("colonies", "organisations", "facts", "people"):
        n = len(_rows(REF / f"{name}.csv"))
        assert f"reference:{name}: read {n} = loaded {n} + rejected 0" in result.output
    db = run_cli.db
    orgs = {r["org_id"]: r for r in _rows(REF / "organisations.csv")}
    companies = _query(db, "MATCH (c:Company) WHERE c.catalogue_kind IS NOT NULL RETURN c.id AS id, "
                           "c.catalogue_kind AS kind, c.source_url AS url, c.record_ids AS ids, c.name AS name")
    assert {c["id"] for c in companies} == set(orgs)
    fact_ids = {r["fact_id"]: r for r in _rows(REF / "facts.csv")}
    for c in companies:
        assert c["kind"] == orgs[c["id"]]["kind"] and c["url"] == orgs[c["id"]]["source_url"]
        assert c["name"] == orgs[c["id"]]["name"]
        # record ids are the catalogue's own row ids: the organisation row and every fact about it
        assert set(c["ids"]) == {c["id"], *(f for f, r in fact_ids.items() if r["entity_id"] == c["id"])}
    odin = _query(db, "MATCH (c:Company {id: 'BY-ORG-ODINNADTSAT'}) RETURN c.aliases AS a, c.weak_aliases AS w")[0]
    assert "Adzinaccać" in odin["a"] and "Odinnadtsat" in odin["w"]  # published vs our transliteration
    yed = _query(db, "MATCH (c:Company {id: 'BY-ORG-YEDINICHKA'}) RETURN c.brands AS b")[0]
    assert set(yed["b"]) == {"eDIN", "еДИН"}

    # Colonies linked to the enterprises a source places there, citing the organisation row and the fact.
    operates = _query(db, "MATCH (c:Colony)-[r:OPERATES]->(p:Company) RETURN c.id AS colony, p.id AS org, "
                          "r.source_url AS url, r.record_ids AS ids")
    expected = {(r["colony_id"], org) for org, r in orgs.items() if r["colony_id"]}
    assert {(o["colony"], o["org"]) for o in operates} == expected
    assert all(o["url"] and o["org"] in o["ids"] for o in operates)

    # Sanctioned heads as published: a Person, a Sanction with authority / programme / listed, HEADS.
    people = {r["person_id"]: r for r in _rows(REF / "people.csv")}
    heads = _query(db, "MATCH (p:Person)-[h:HEADS]->(c:Colony) MATCH (p)-[:SANCTIONED]->(s:Sanction) "
                       "RETURN p.id AS id, p.name AS name, c.id AS colony, h.position AS position, "
                       "s.authority AS authority, s.program AS program, s.listed AS listed, s.source_url AS url")
    assert {h["id"] for h in heads} == set(people)
    for h in heads:
        row = people[h["id"]]
        assert (h["name"], h["colony"], h["position"], h["url"]) == (
            row["name_as_published"], row["linked_entity_id"], row["position_as_published"], row["source_url"])
        assert f"{h['authority']}, {h['program']}" == row["authority"]
        assert h["listed"] == (row["listing_date"] or None)

    # Products with HS codes: the colony's documented codes include those of the enterprise placed there.
    ik11 = _query(db, "MATCH (c:Colony {id: 'BY-IK-11'}) RETURN c.hs_codes AS codes")[0]["codes"]
    assert {"9403", "8310", "9504", "1905"} <= set(ik11)
    made = _query(db, "MATCH (:Colony {id: 'BY-IK-11'})-[m:MAKES]->(p:Product {hs_code: '9504'}) "
                      "RETURN m.record_ids AS ids, m.source_url AS url")
    assert made and "F0064" in made[0]["ids"] and made[0]["url"] == fact_ids["F0064"]["source_url"]

    # Nothing real is synthetic, and no edge from the catalogue lacks its source.
    assert _query(db, "MATCH (n) WHERE n.synthetic = true RETURN count(n) AS n")[0]["n"] == 0
    for rel in ("OPERATES", "MAKES", "HEADS", "SANCTIONED"):
        missing = _query(db, f"MATCH ()-[r:{rel}]->() WHERE any(s IN r.sources WHERE s STARTS WITH 'reference:') "
                             "AND r.source_url IS NULL RETURN count(r) AS n")[0]["n"]
        assert missing == 0, rel


def test_reloading_the_catalogue_changes_nothing(run_cli):
    run_cli("load", "reference")
    before = _query(run_cli.db, "MATCH (n) RETURN count(n) AS n")[0]["n"]
    again = run_cli("load", "reference")
    assert "rejected 0" in again.output
    assert _query(run_cli.db, "MATCH (n) RETURN count(n) AS n")[0]["n"] == before


def test_bad_catalogue_rows_are_rejected_with_file_row_field_and_reason(run_cli, tmp_path):
    folder = tmp_path / "catalogue"
    shutil.copytree(FICTIONAL, folder)
    with open(folder / "facts.csv", "a", encoding="utf-8") as fh:
        fh.write("FX900,FX-NOWHERE,name,X,ru,published,,https://example.org/fictional/penal-production-report,,,,true\n")
        fh.write("FX901,FX-ORG-31,legal_name,Tridtsat odin,ru-Latn,transliterated,,"
                 "https://example.org/fictional/penal-production-report,,,,true\n")
        fh.write("FX902,FX-ORG-31,unp,12345,,published,,https://example.org/fictional/penal-production-report,,,,true\n")
        fh.write("FX903,FX-ORG-31,name,Y,ru,published,,https://example.org/not-registered,,,,true\n")
    with open(folder / "organisations.csv", "a", encoding="utf-8") as fh:
        fh.write("FX-ORG-99,production_enterprise,РУП «99»,ru,FX-IK-99,,"
                 "https://example.org/fictional/penal-production-report,,,,true\n")
    result = run_cli("load", "reference", str(folder), "--rejects", str(tmp_path / "rej"))
    assert "reference:facts: read 21 = loaded 17 + rejected 4" in result.output
    assert "reference:organisations: read 7 = loaded 6 + rejected 1" in result.output
    facts = {r["row"]: r for r in _rows(tmp_path / "rej" / "facts.csv.rejects.csv")}
    assert facts["19"]["field"] == "entity_id" and "no organisation" in facts["19"]["reason"]
    assert facts["20"]["field"] == "basis" and "never a published name" in facts["20"]["reason"]
    assert facts["21"]["field"] == "value" and "9 digits" in facts["21"]["reason"]
    assert facts["22"]["field"] == "source_url" and "sources.csv" in facts["22"]["reason"]
    orgs = _rows(tmp_path / "rej" / "organisations.csv.rejects.csv")
    assert orgs[0]["row"] == "8" and orgs[0]["field"] == "colony_id"


def test_synthetic_trade_is_never_attached_to_the_real_catalogue(run_cli, tmp_path):
    trade = tmp_path / "synthetic.csv"
    trade.write_text(
        "shipment_id,date,exporter_name,exporter_country,importer_name,importer_country,hs_code,synthetic\n"
        "SYN-1,2023-01-10,РУП «Одиннадцать»,BY,Buyer One (fictional),DE,940360,true\n"
        "SYN-2,2023-01-11,Volshebnaya sosna,BY,Buyer One (fictional),DE,940360,true\n", encoding="utf-8")
    run_cli("load", "reference")
    loaded = run_cli("load", "trade", str(trade))
    assert "colony matches" not in loaded.output
    assert "no matches" in run_cli("colonies", "matches").output
    linked = _query(run_cli.db, "MATCH (:Colony)-[r:OPERATES]->(c:Company) WHERE r.party IS NOT NULL "
                                "RETURN count(r) AS n")[0]["n"]
    assert linked == 0
