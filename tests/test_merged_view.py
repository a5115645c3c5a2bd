"""One merged view everywhere (issue 8, item 1), end to end through the CLI.

Two records of one FICTIONAL company from two sources: a sanctions-style FtM file (record ftm-co-a,
with a Sanction and a subsidiary) and a BODS 0.4 registry file (record bods-co-b, with its owners and a
director who also sits on another board). Both carry the same INN, so `conveyor resolve` merges them
(bods-co-b is canonical: same number of identifiers and sources, smaller id). Then every owners query
and the entity-id saved queries answer the same for either id, cross the merge, and report the
canonical id with the merged record ids.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conveyor.graph.rows import NodeRow, Provenance
from cypher_lint import lint, problems

INN = "7700000099"
FTM = [
    {"id": "ftm-co-a", "schema": "Company", "properties": {
        "name": ["Fictional Sawmill Export LLC (fictional)"], "country": ["ru"], "innCode": [INN]}},
    {"id": "ftm-sanc-a", "schema": "Sanction", "properties": {
        "entity": ["ftm-co-a"], "program": ["FICTIONAL-PROGRAM"], "authority": ["Fictional Authority"],
        "startDate": ["2022-03-01"]}},
    {"id": "ftm-co-sub", "schema": "Company", "properties": {
        "name": ["Fictional Sawmill Subsidiary (fictional)"], "country": ["ru"]}},
    {"id": "ftm-own-sub", "schema": "Ownership", "properties": {
        "owner": ["ftm-co-a"], "asset": ["ftm-co-sub"], "percentage": ["100"], "startDate": ["2021-01-01"]}},
]
PUB = {"publicationDate": "2024-05-01", "bodsVersion": "0.4", "publisher": {"name": "Conveyor tests (fictional)"}}


def _record(record: str, kind: str, details: dict) -> dict:
    return {"statementId": f"s-{record}", "statementDate": "2024-01-10", "recordId": record, "recordType": kind,
            "recordStatus": "new", "recordDetails": {"isComponent": False, **details}, "publicationDetails": PUB}


def _entity(record: str, name: str, country: str, identifiers: list | None = None) -> dict:
    return _record(record, "entity", {"entityType": {"type": "registeredEntity"}, "name": name,
                                      "jurisdiction": {"name": country, "code": country},
                                      **({"identifiers": identifiers} if identifiers else {})})


def _person(record: str, name: str) -> dict:
    return _record(record, "person", {"personType": "knownPerson",
                                      "names": [{"type": "individual", "fullName": name}]})


def _rel(record: str, subject: str, party: str, interest: dict) -> dict:
    return _record(record, "relationship", {"subject": subject, "interestedParty": party,
                                            "interests": [{"beneficialOwnershipOrControl": False, **interest}]})


BODS = [
    _entity("bods-co-b", "Fictional Sawmill Export (fictional)", "RU", [{"scheme": "RU-INN", "id": INN}]),
    _person("bods-pe-olga", "Olga Example (fictional)"),
    _entity("bods-co-parent", "Fictional Parent Holding (fictional)", "CY"),
    _person("bods-pe-dir", "Dmitri Director (fictional)"),
    _entity("bods-co-other", "Fictional Other Trading (fictional)", "KZ"),
    _rel("rel-olga-b", "bods-co-b", "bods-pe-olga",
         {"type": "shareholding", "directOrIndirect": "direct", "share": {"exact": 75}}),
    _rel("rel-parent-b", "bods-co-b", "bods-co-parent",
         {"type": "shareholding", "directOrIndirect": "direct", "share": {"exact": 25}}),
    _rel("rel-dir-b", "bods-co-b", "bods-pe-dir", {"type": "boardMember", "directOrIndirect": "direct"}),
    _rel("rel-dir-other", "bods-co-other", "bods-pe-dir", {"type": "boardMember", "directOrIndirect": "direct"}),
]
IDS = ("ftm-co-a", "bods-co-b")


@pytest.fixture
def merged(run_cli, tmp_path: Path):
    ftm, bods = tmp_path / "sanctions-fictional.ftm.json", tmp_path / "registry-fictional.bods.json"
    ftm.write_text("\n".join(json.dumps(e) for e in FTM) + "\n", encoding="utf-8")
    bods.write_text(json.dumps(BODS, indent=1), encoding="utf-8")
    run_cli("load", "registry", "--format", "ftm", str(ftm))
    run_cli("load", "registry", "--format", "bods", str(bods))
    run_cli("resolve", "--judgements", str(tmp_path / "judgements.csv"))
    return run_cli


def _json(run_cli, *args: str):
    return json.loads(run_cli(*args, "--format", "json").stdout)


def test_every_owners_query_answers_across_the_merge_for_either_id(merged):
    members = _json(merged, "query", "run", "merged-entity", "-p", "id=ftm-co-a")  # the saved query still works
    assert {r["member"] for r in members} == set(IDS) and {r["canonical"] for r in members} == {"bods-co-b"}

    answers = []
    for given in IDS:
        data = _json(merged, "owners", "ultimate", given)
        assert data["company"]["id"] == "bods-co-b" and data["company"]["merged_ids"] == ["ftm-co-a"]
        owners = {o["entity"]["id"]: (o["share"], o["basis"]) for o in data["owners"]}
        assert owners == {"bods-pe-olga": (pytest.approx(75.0), "stated"),
                          "bods-co-parent": (pytest.approx(25.0), "stated")}
        answers.append(data)
    assert answers[0] == answers[1]

    # The sanctioned record (FtM) reaches the registry record's owners, each once, under the canonical id.
    near = _json(merged, "owners", "near-sanctioned", "--hops", "1", "--as-of", "2024-06-01")
    assert near["seeds"] == 1
    found = {n["company"]["id"]: n for n in near["companies"]}
    assert set(found) == {"bods-co-b", "ftm-co-sub", "bods-co-parent"}
    assert found["bods-co-b"]["hops"] == 0 and found["bods-co-b"]["company"]["merged_ids"] == ["ftm-co-a"]
    assert found["bods-co-parent"]["nearest"]["id"] == "bods-co-b"
    hop = found["bods-co-parent"]["path"][0]
    assert (hop["start"], hop["end"]) == ("Company:bods-co-parent", "Company:bods-co-b")
    assert found["ftm-co-sub"]["path"][0]["recorded_start"] == "Company:ftm-co-a"  # the record behind the hop

    # A path through the merge: the registry's owner to the sanctioned record's subsidiary.
    path = _json(merged, "owners", "path", "bods-pe-olga", "ftm-co-sub")
    assert [n["id"] for n in path["nodes"]] == ["bods-pe-olga", "bods-co-b", "ftm-co-sub"]
    same = _json(merged, "owners", "path", "ftm-co-a", "bods-co-b")
    assert same["hops"] == [] and [n["id"] for n in same["nodes"]] == ["bods-co-b"]

    for given in IDS:
        both = _json(merged, "owners", "shared", given, "bods-co-other")
        assert [(x["kind"], x["entity"]["id"]) for x in both["links"]] == [("director", "bods-pe-dir")]
        assert both["company_a"]["id"] == "bods-co-b"
        rows = _json(merged, "query", "run", "direct-owners", "-p", f"company_id={given}")
        assert {r["owner_id"] for r in rows} == {"bods-pe-olga", "bods-co-parent"}
        pairs = _json(merged, "query", "run", "shared-directors", "-p", f"company_id={given}")
        assert [(r["company_a"], r["company_b"], r["director_id"]) for r in pairs] == [
            ("bods-co-b", "bods-co-other", "bods-pe-dir")]

    # Each record alone has fewer than 4 links (1 and 3); the merged entity has 4.
    flagged = merged("owners", "flag-supernodes", "--min-degree", "4").stdout
    assert "Company by degree: 0 flagged" in flagged
    assert "Company merged entities by degree: 2 flagged" in flagged


def test_merged_view_is_read_by_index_and_maps_both_ways(falkor):
    from conveyor.queries.merged import MERGED_MEMBERS, MergedView

    falkor.ensure_schema()  # what `db init` and every load do: the merged_into index among the rest
    falkor.upsert_nodes("Company", [NodeRow(key=k, props={"name": f"{k} (fictional)"}, record_id=k)
                                    for k in ("c1", "c2", "c3", "c4")],
                        Provenance("t", "t@1", "2026-01-01"))
    falkor.run("UNWIND $ids AS id MATCH (c:Company {id: id}) SET c.merged_into = 'c2'", {"ids": ["c1", "c2", "c3"]})
    view = MergedView.load(falkor)
    assert view.canonical("c1") == "c2" and view.canonical("c4") == "c4"
    assert view.members("c3") == ("c2", "c1", "c3") and view.members("c4") == ("c4",)
    assert view.expand(["c1", "c4"]) == ["c2", "c1", "c3", "c4"] and len(view) == 3
    plan = "\n".join(str(line) for line in falkor._graph.explain(MERGED_MEMBERS["Company"]))
    assert "Index Scan" in plan and "Label Scan" not in plan, plan


def test_ownership_and_merged_view_cypher_lint_clean():
    from conveyor.graph.cypher import flag_params, prov_params
    from conveyor.graph.rows import Provenance
    from conveyor.queries.merged import MERGED_MEMBERS
    from conveyor.queries.ownership import STATEMENTS

    # The flag statements write through the provenance path: a row list and a job's provenance.
    flagged = {"rows": flag_params([("x", "degree 9 >= 1")], "degree"),
               "prov": prov_params(Provenance.derived("supernode"))}
    statements = [(f"ownership {k}", v, {"ids": ["x"], "types": ["OWNS"], "id": "x", "a": ["x"], "b": ["x"],
                                         "min_degree": 1, "patterns": ["x"], **flagged})
                  for k, v in STATEMENTS.items()]
    statements += [(f"merged {k}", v, {}) for k, v in MERGED_MEMBERS.items()]
    found = problems(lint(statements))
    assert found == [], "\n".join(found)
