"""FollowTheMoney and BODS registry loaders, through the real CLI and a real embedded FalkorDB.

Fixtures (tests/fixtures/registry/ftm-*, bods-*) are hand-written from the published FtM schema and
the BODS 0.2/0.3/0.4 schemas; every company and person in them is fictional and labelled so.

Every CLI load opens and closes the embedded store (about 4 s on close, FalkorDB saving its file), so
the loads run once per module into one db: FtM, BODS 0.4, BODS 0.3 and a small registry that a newer
version then shrinks. Sources and ids do not overlap, so each test reads its own part of the graph.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import Cli
from conveyor.graph.errors import RowProblem
from conveyor.graph.store import open_store
from conveyor.graph.types import PARTIAL_DATE

FIXTURES = Path(__file__).parent / "fixtures" / "registry"
FTM = FIXTURES / "ftm-fictional.jsonl"
BODS04 = FIXTURES / "bods-04-fictional.json"
BODS03 = FIXTURES / "bods-03-fictional.jsonl"


def _report(result) -> dict:
    out = result.output
    return json.loads(out[out.index("{"): out.rindex("}") + 1])


def _write_ftm(path: Path, entities: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in entities) + "\n", encoding="utf-8")
    return path


def _co(entity_id: str, name: str) -> dict:
    return {"id": entity_id, "schema": "Company", "properties": {"name": [f"{name} (fictional)"], "country": ["by"]}}


class Scenario:
    def __init__(self, tmp: Path):
        self.cli = Cli(tmp / "cli.db", tmp)
        self.reports: dict[str, dict] = {}
        self.failures: dict[str, object] = {}
        self.v1 = _write_ftm(tmp / "v1.jsonl", [
            _co("r-a", "Alpha"), _co("r-b", "Bravo"), _co("r-c", "Charlie"),
            {"id": "r-own", "schema": "Ownership", "properties": {"owner": ["r-b"], "asset": ["r-a"]}},
        ])
        self.other = _write_ftm(tmp / "other.jsonl", [_co("r-c", "Charlie")])
        self.v2 = _write_ftm(tmp / "v2.jsonl", [_co("r-a", "Alpha")])

    def load(self, name: str, fmt: str, path: Path, *extra: str) -> dict:
        report = _report(self.cli("load", "registry", "--format", fmt, str(path), "--json", *extra))
        self.reports[name] = report
        return report

    def fail(self, name: str, fmt: str, path: Path) -> None:
        self.failures[name] = self.cli("load", "registry", "--format", fmt, str(path), ok=False)

    def snapshot(self) -> tuple[dict, list[dict]]:
        store = open_store(str(self.cli.db))
        try:
            return store.counts(), store.run("MATCH (c:Company) WHERE c.id STARTS WITH 'r-' "
                                             "OPTIONAL MATCH (c)-[r:OWNS]->() "
                                             "RETURN c.id AS id, c.sources AS sources, count(r) AS owns ORDER BY id")
        finally:
            store.close()


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    sc = Scenario(tmp_path_factory.mktemp("registry"))
    sc.load("ftm", "ftm", FTM)
    sc.load("bods04", "bods", BODS04)
    sc.load("bods03", "bods", BODS03)
    sc.load("v1", "ftm", sc.v1, "--source", "fict-registry")
    sc.load("other", "ftm", sc.other, "--source", "other-registry")
    sc.counts_before, sc.registry_before = sc.snapshot()
    sc.load("ftm_again", "ftm", FTM)
    sc.load("bods04_again", "bods", BODS04)
    sc.load("v2", "ftm", sc.v2, "--source", "fict-registry")
    # whole-file failures: nothing may change
    sc.fail("ftm_empty", "ftm", FIXTURES / "ftm-empty.jsonl")
    sc.fail("ftm_missing", "ftm", FIXTURES / "no-such-file.jsonl")
    sc.fail("bods_broken", "bods", FIXTURES / "bods-04-broken.json")
    sc.fail("bods_empty", "bods", FIXTURES / "ftm-empty.jsonl")
    sc.store = open_store(str(sc.cli.db))
    sc.counts_after = sc.store.counts()
    yield sc
    sc.store.close()


def _rejected_rows(sc: Scenario, report: dict) -> dict[int, str]:
    with open(sc.cli.cwd / report["rejects_path"], encoding="utf-8") as fh:
        return {int(r["row"]): r["field"] for r in csv.DictReader(fh)}


# -- FollowTheMoney -----------------------------------------------------------------------------
def test_ftm_every_line_accounted_for(scenario):
    report = scenario.reports["ftm"]
    # 21 physical lines (BOM, CRLF), one blank: 20 records
    assert report["read"] == 20
    assert report["read"] == report["loaded"] + report["rejected"]
    assert _rejected_rows(scenario, report) == {
        13: "incorporationDate",  # 2019-13-45
        14: "schema",  # Spaceship: not an FtM schema
        15: "name",  # Company without a name
        16: "OWNS",  # owner id defined nowhere: load()'s missing-endpoint reject
        18: "id",  # same id as a Person, now as a Company
        19: "schema",  # Vessel: valid FtM, not modelled
        21: "line",  # broken JSON
    }


def test_ftm_owners_sanctions_and_links_queryable(scenario):
    run = scenario.store.run
    owners = run("MATCH (o)-[r:OWNS]->(c:Company {id: $id}) RETURN o.id AS owner, r.share AS share, "
                 "r.share_min AS lo, r.share_max AS hi, r.status AS status, r.start AS start, "
                 "r.end AS end, r.record AS record ORDER BY owner", {"id": "ftm-co-1"})
    assert owners == [
        {"owner": "ftm-co-2", "share": None, "lo": 25.0, "hi": 50.0, "status": "closed", "start": "2018",
         "end": "2022-03-01", "record": "ftm-own-2"},
        # defined on the line after the Ownership that names it: forward references work
        {"owner": "ftm-pe-1", "share": 51.0, "lo": None, "hi": None, "status": "open", "start": "2020-01-15",
         "end": None, "record": "ftm-own-1"},
    ]
    assert run("MATCH (p:Person {id: 'ftm-pe-1'}) RETURN p.birth_date AS b, p.aliases AS a") == [
        {"b": "1970", "a": ["Иван Петров (fictional)"]}]
    sanctions = run("MATCH (c:Company)-[r:SANCTIONED]->(s:Sanction) RETURN c.id AS c, s.id AS s, "
                    "s.program AS program, s.listed AS listed, s.source_url AS url, r.authority AS auth")
    assert sanctions == [{"c": "ftm-co-1", "s": "ftm-san-1", "program": "Fictional sanctions programme",
                          "listed": "2022-06-02", "url": "https://example.org/fictional",
                          "auth": "Fictional Authority"}]
    company = run("MATCH (c:Company {id: 'ftm-co-1'}) RETURN c AS c")[0]["c"].properties
    # the two lines with this id are one node: the first brought the INN, the second the OGRN and status
    assert (company["inn"], company["ogrn"], company["status"]) == ("7700000001", "1027700000001", "active")
    assert company["incorporation_date"] == "2019-05" and company["schema"] == "Company"
    assert company["name_norm"] and company["country"] == "BY"
    assert run("MATCH (:Company {id: 'ftm-co-1'})-[:REGISTERED_AT]->(a:Address) RETURN a.full AS f") == [
        {"f": "1 Fictional Street, Minsk (fictional)"}]
    assert run("MATCH (:Company {id: 'ftm-co-5'})-[:IN]->(k:Country) RETURN k.code AS k, k.name AS n") == [
        {"k": "BY", "n": "Belarus"}]
    directs = run("MATCH (p:Person)-[r:DIRECTS]->(c:Company) WHERE p.id STARTS WITH 'ftm-' "
                  "RETURN p.id AS p, c.id AS c, r.role AS role")
    assert directs == [{"p": "ftm-pe-1", "c": "ftm-co-2", "role": "Managing director"}]
    links = run("MATCH (a)-[r:ASSOCIATE]->(b) RETURN a.id AS a, b.id AS b, r.kind AS kind ORDER BY kind")
    # the Company -> Person UnknownLink is turned round: ASSOCIATE allows Person -> Company only
    assert links == [{"a": "ftm-pe-1", "b": "ftm-pe-2", "kind": "Family"},
                     {"a": "ftm-pe-2", "b": "ftm-co-2", "kind": "UnknownLink"}]


def test_reload_is_idempotent_and_failed_files_change_nothing(scenario):
    for first, again in (("ftm", "ftm_again"), ("bods04", "bods04_again")):
        a, b = scenario.reports[first], scenario.reports[again]
        assert (a["read"], a["loaded"], a["rejected"]) == (b["read"], b["loaded"], b["rejected"])
        assert b["retired"] == 0
    # between the two snapshots only the v2 registry load changed the graph: Bravo, its OWNS and IN went
    before, after = scenario.counts_before, scenario.counts_after
    assert after["nodes"]["Company"] == before["nodes"]["Company"] - 1
    assert after["relationships"]["OWNS"] == before["relationships"]["OWNS"] - 1
    assert after["relationships"]["IN"] == before["relationships"]["IN"] - 1
    assert {k: v for k, v in after["nodes"].items() if k != "Company"} == {
        k: v for k, v in before["nodes"].items() if k != "Company"}
    assert {k: v for k, v in after["relationships"].items() if k not in ("OWNS", "IN")} == {
        k: v for k, v in before["relationships"].items() if k not in ("OWNS", "IN")}
    failures = scenario.failures
    assert all(r.exit_code != 0 for r in failures.values())
    assert "empty (0 bytes)" in failures["ftm_empty"].output
    assert "file not found" in failures["ftm_missing"].output
    assert "broken JSON array" in failures["bods_broken"].output
    assert "empty (0 bytes)" in failures["bods_empty"].output
    assert scenario.store.counts() == after  # the failed loads ran after this snapshot... and wrote nothing


def test_new_version_retires_what_it_dropped_but_keeps_other_sources(scenario):
    assert scenario.registry_before == [
        {"id": "r-a", "sources": ["fict-registry"], "owns": 0},
        {"id": "r-b", "sources": ["fict-registry"], "owns": 1},
        {"id": "r-c", "sources": ["fict-registry", "other-registry"], "owns": 0},
    ]
    assert scenario.reports["v2"]["retired"] >= 2  # Bravo and its OWNS edge
    rows = scenario.store.run("MATCH (c:Company) WHERE c.id STARTS WITH 'r-' RETURN c.id AS id, "
                              "c.sources AS sources ORDER BY id")
    assert rows == [{"id": "r-a", "sources": ["fict-registry"]}, {"id": "r-c", "sources": ["other-registry"]}]


def test_partial_dates():
    assert [PARTIAL_DATE.clean(t) for t in ("2019", "2019-05", "2019-05-01", "2019-05-01T10:00:00Z")] == [
        "2019", "2019-05", "2019-05-01", "2019-05-01"]
    for bad in ("2019-13", "2019-02-30", "19", "May 2019", "2019-05T10:00"):
        with pytest.raises(RowProblem):
            PARTIAL_DATE.clean(bad)


# -- BODS ---------------------------------------------------------------------------------------
def test_bods_04_array_loaded_and_accounted(scenario):
    report, run = scenario.reports["bods04"], scenario.store.run
    assert report["read"] == 10 and report["read"] == report["loaded"] + report["rejected"]
    assert _rejected_rows(scenario, report) == {7: "interestedParty", 8: "birthDate", 9: "names", 10: "OWNS"}
    company = run("MATCH (c:Company {id: 'ent-1'}) RETURN c AS c")[0]["c"].properties
    assert (company["unp"], company["lei"], company["country"]) == ("190000002", "5299000FICTIONAL0002", "BY")
    assert company["name"] == "ОАО «Берёзовый Двор» (fictional)" and company["incorporation_date"] == "2001-02-03"
    assert "Invented Avenue" in company["address"]
    assert run("MATCH (c:Company {id: 'ent-2'}) RETURN c.registration_number AS n") == [{"n": "00000001"}]
    owners = run("MATCH (o)-[r:OWNS]->(:Company {id: 'ent-1'}) RETURN o.id AS o, r.kind AS kind, "
                 "r.share AS share, r.share_min AS lo, r.share_max AS hi, r.direct AS direct, "
                 "r.status AS status, r.end AS end, r.record AS record ORDER BY o")
    assert owners == [
        {"o": "ent-2", "kind": "votingRights", "share": None, "lo": 25.0, "hi": 50.0, "direct": False,
         "status": "open", "end": None, "record": "rel-2#0"},
        # stated before its endpoints, then closed by a later statement of the same record: one edge, closed
        {"o": "per-1", "kind": "shareholding", "share": 60.0, "lo": None, "hi": None, "direct": True,
         "status": "closed", "end": "2024-03-01", "record": "rel-1#0"},
    ]
    assert run("MATCH (o)-[r:DIRECTS]->(c:Company {id: 'ent-1'}) RETURN o.id AS o, r.role AS role") == [
        {"o": "ent-2", "role": "boardMember"}]
    assert run("MATCH (p:Person {id: 'per-1'})-[:IN]->(k:Country) RETURN p.birth_date AS b, k.code AS k") == [
        {"b": "1980-04", "k": "BY"}]


def test_bods_03_lines_replacements_fold_into_one_live_edge(scenario):
    report, run = scenario.reports["bods03"], scenario.store.run
    # 8 lines (BOM, CRLF): broken JSON, unspecified party, nameless entity rejected; replaced ones folded
    assert report["read"] == 8 and report["read"] == report["loaded"] + report["rejected"]
    assert _rejected_rows(scenario, report) == {4: "line", 7: "interestedParty", 8: "name"}
    companies = run("MATCH (c:Company) WHERE c.id STARTS WITH 'st-' "
                    "RETURN c.id AS id, c.name AS name, c.inn AS inn, c.country AS k")
    assert companies == [{"id": "st-e-2", "name": "Lesopilka Zapad OOO (fictional, renamed)", "inn": "7700000002",
                          "k": "RU"}]
    edges = run("MATCH (p:Person)-[r]->(c:Company) WHERE p.id STARTS WITH 'st-' RETURN type(r) AS t, "
                "r.record AS record, r.kind AS kind, r.role AS role, r.share AS share, r.end AS end, "
                "p.name AS who ORDER BY record")
    assert [e["record"] for e in edges] == ["st-o-2#0", "st-o-2#1", "st-o-2#2"]  # nothing left of st-o-1
    assert edges[0]["t"] == "OWNS" and edges[0]["share"] == 75.0 and edges[0]["kind"] == "shareholding"
    assert edges[1]["t"] == "OWNS" and edges[1]["kind"] == "appointment-of-board"
    assert edges[2]["t"] == "DIRECTS" and edges[2]["role"] == "senior-managing-official"
    assert edges[2]["end"] == "2022-12-31"
    assert edges[0]["who"] == "Алексей Smirnov (fictional)"


def test_a_file_that_is_not_entity_lines_is_one_error(run_cli, tmp_path):
    not_ftm = tmp_path / "companies.csv"
    not_ftm.write_text("id,name\n1,Alpha (fictional)\n2,Beta (fictional)\n", encoding="utf-8")
    result = run_cli("load", "registry", "--format", "ftm", str(not_ftm), ok=False)
    assert result.exit_code != 0
    assert f"{not_ftm}, row 1, field 'schema': is not FollowTheMoney entity lines" in result.output
    assert not (tmp_path / "conveyor-rejects").exists()
