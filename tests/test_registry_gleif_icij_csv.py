"""GLEIF, ICIJ Offshore Leaks and mapped registry CSV loaders, through the real CLI and embedded FalkorDB.

Fixtures under tests/fixtures/registry/ are fictional (see gleif-icij-egr-SOURCE.md); the GLEIF XML
under tests/fixtures/gleif/ is real CC0 golden-copy data.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import conveyor.loaders.icij as icij
import pytest
from conveyor.graph.store import open_store
from conveyor.loaders.base import SourceError, load
from conveyor.loaders.gleif import lei_problem, read_gleif
from conveyor.loaders.icij import parse_icij_date, read_icij

FIX = Path(__file__).parent / "fixtures" / "registry"
GLEIF_XML = Path(__file__).parent / "fixtures" / "gleif"
MAPPINGS = Path(__file__).parent.parent / "loaders" / "mappings"


def _report(result) -> dict:
    return json.loads(result.output[result.output.index("{"):])


class _Look:
    """Reads the CLI's database with ONE store open per batch of queries (opening one costs seconds)."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path

    def __enter__(self):
        self.store = open_store(str(self.tmp_path / "cli.db"))
        return self

    def __exit__(self, *exc):
        self.store.close()

    def __call__(self, cypher: str, params: dict | None = None) -> list[dict]:
        return self.store.run(cypher, params or {})

    def counts(self) -> dict:
        return self.store.counts()


def _counts(tmp_path: Path) -> dict:
    with _Look(tmp_path) as look:
        return look.counts()


def _rejects(tmp_path: Path, name: str) -> list[dict]:
    with open(tmp_path / "conveyor-rejects" / f"{name}.rejects.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# -- GLEIF -----------------------------------------------------------------------------------------

def test_lei_check_digits():
    assert lei_problem("001GPB6A9XPE8XJICC14") is None  # real LEI from the golden copy sample
    assert "check digits" in lei_problem("001GPB6A9XPE8XJICC15")
    assert "20 alphanumeric" in lei_problem("001GPB6A9XPE8XJICC1")
    assert "20 alphanumeric" in lei_problem("001GPB6A9XPE8XJ-CC14")


def test_gleif_level1_and_level2_csv(run_cli, tmp_path):
    r1 = _report(run_cli("load", "registry", "--format", "gleif", str(FIX / "gleif-level1.csv"), "--json"))
    assert r1["read"] == 10 and r1["loaded"] == 5 and r1["rejected"] == 5
    assert r1["read"] == r1["loaded"] + r1["rejected"]
    reasons = {int(r["row"]): (r["field"], r["reason"]) for r in _rejects(tmp_path, "gleif-level1.csv")}
    assert reasons[7][0] == "LEI" and "check digits" in reasons[7][1]
    assert reasons[8][0] == "LEI" and "20 alphanumeric" in reasons[8][1]
    assert "duplicate LEI" in reasons[9][1] and "row 2" in reasons[9][1]
    assert reasons[10][0] == "Entity.EntityCreationDate"
    assert reasons[11][0] == "Entity.LegalName"

    look = _Look(tmp_path).__enter__()
    rows = look("MATCH (c:Company {lei: $lei}) RETURN c.id AS id, c.name AS name, c.legal_form AS form, "
                            "c.country AS country, c.registration_number AS reg, c.incorporation_date AS inc, "
                            "c.aliases AS aliases, c.name_norm AS norm", {"lei": "894500LESNAYAMEBEL89"})
    assert rows == [{"id": "lei:894500LESNAYAMEBEL89", "name": "ОАО «Лесная Мебель» (fictional)", "form": "ОАО",
                     "country": "BY", "reg": "100000001", "inc": "1995-05-06",
                     "aliases": ["Lesnaya Mebel OJSC (fictional)", "OAO Lesnaya Mebel (fictional)"],
                     "norm": rows[0]["norm"]}]
    assert rows[0]["norm"] and "оао" not in rows[0]["norm"]
    assert look("MATCH (c:Company {lei: $lei}) RETURN c.legal_form AS f",
                  {"lei": "894500ULTIMATEPRNT93"}) == [{"f": "PLC"}]  # 8888 placeholder -> OtherLegalForm

    look.__exit__()
    r2 = _report(run_cli("load", "registry", "--format", "gleif", str(FIX / "gleif-level2.csv"), "--json"))
    assert (r2["read"], r2["loaded"], r2["rejected"]) == (9, 4, 5)
    reasons2 = {int(r["row"]): (r["field"], r["reason"]) for r in _rejects(tmp_path, "gleif-level2.csv")}
    assert "no Company node" in reasons2[6][1]  # parent LEI not in level 1
    assert reasons2[7][0] == "Relationship.StartNode.NodeID"
    assert reasons2[8][0] == "Relationship.RelationshipType" and "IS_OWNED_BY" in reasons2[8][1]
    assert reasons2[9][0] == "Relationship.Period.1.startDate"
    assert "duplicate relationship" in reasons2[10][1]

    look = _Look(tmp_path).__enter__()
    consolidated = look("MATCH (a:Company)-[r:CONSOLIDATED_BY]->(b:Company) RETURN a.lei AS child, "
                                    "b.lei AS parent, r.kind AS kind, r.start AS start, r.end AS end, "
                                    "r.status AS status ORDER BY child, kind")
    assert consolidated == [
        {"child": "894500LESNAYAMEBEL89", "parent": "894500CONVEYORHOLD87", "kind": "direct", "start": "2016-04-01",
         "end": None, "status": "ACTIVE"},  # the RELATIONSHIP_PERIOD, not the ACCOUNTING_PERIOD
        {"child": "894500LESNAYAMEBEL89", "parent": "894500ULTIMATEPRNT93", "kind": "ultimate",
         "start": "2016-04-01", "end": None, "status": "ACTIVE"},
        {"child": "894500LMTRADEBYOOO06", "parent": "894500LESNAYAMEBEL89", "kind": "direct", "start": "2018-01-01",
         "end": "2022-06-30", "status": "INACTIVE"},
    ]
    assert look("MATCH ()-[r:OWNS]->() RETURN count(r) AS n") == [{"n": 0}]
    assert look("MATCH (:Company)-[r:ASSOCIATE]->(:Company) RETURN r.kind AS kind") == [
        {"kind": "international_branch_of"}]

    before = look.counts()
    look.__exit__()
    again = _report(run_cli("load", "registry", "--format", "gleif", str(FIX / "gleif-level2.csv"), "--json"))
    again1 = _report(run_cli("load", "registry", "--format", "gleif", str(FIX / "gleif-level1.csv"), "--json"))
    assert (again["read"], again["rejected"], again1["loaded"]) == (9, 5, 5)
    assert again["retired"] == 0 and again1["retired"] == 0
    assert _counts(tmp_path) == before


@pytest.mark.parametrize("name, message", [
    ("gleif-empty.csv", "0 bytes"),
    ("gleif-unknown-header.csv", "missing column(s) ['LEI', 'Entity.LegalName'"),
])
def test_gleif_broken_file_changes_nothing(run_cli, tmp_path, name, message):
    run_cli("load", "registry", "--format", "gleif", str(FIX / "gleif-level1.csv"))
    before = _counts(tmp_path)
    result = run_cli("load", "registry", "--format", "gleif", str(FIX / name), ok=False)
    assert result.exit_code != 0
    assert name in result.output and message in result.output
    assert _counts(tmp_path) == before


def test_gleif_real_xml_samples(run_cli, tmp_path):
    r1 = _report(run_cli("load", "registry", "--format", "gleif", str(GLEIF_XML / "lei-data.xml"), "--json"))
    assert (r1["read"], r1["rejected"]) == (13, 0)
    look = _Look(tmp_path).__enter__()
    rows = look("MATCH (c:Company {lei: $lei}) RETURN c.name AS name, c.jurisdiction AS j, "
                            "c.incorporation_date AS inc", {"lei": "001GPB6A9XPE8XJICC14"})
    assert rows == [{"name": "Fidelity Advisor Leveraged Company Stock Fund", "j": "US-MA", "inc": "2012-11-29"}]
    look.__exit__()
    r2 = _report(run_cli("load", "registry", "--format", "gleif", str(GLEIF_XML / "rr-data.xml"), "--json"))
    assert r2["read"] == r2["loaded"] + r2["rejected"] and r2["read"] == 10
    look = _Look(tmp_path).__enter__()
    assert look("MATCH ()-[r:OWNS]->() RETURN count(r) AS n") == [{"n": 0}]
    look.__exit__()
    chunks = list(read_gleif(GLEIF_XML / "rr-data.xml", source="t"))
    types = {rb.type for c in chunks for rb in c.relationships}
    kinds = {r.props["kind"] for c in chunks for rb in c.relationships for r in rb.rows}
    assert types == {"CONSOLIDATED_BY", "ASSOCIATE"} and {"direct", "ultimate", "fund_managed_by"} <= kinds


# -- ICIJ ------------------------------------------------------------------------------------------

def test_icij_dates():
    assert parse_icij_date("23-MAR-2006") == "2006-03-23"
    assert parse_icij_date("23-Mar-2006") == "2006-03-23"
    assert parse_icij_date("2006-03-23") == "2006-03-23"
    with pytest.raises(ValueError):
        parse_icij_date("31-FEB-2010")


def test_icij_files_through_cli(run_cli, tmp_path, monkeypatch):
    monkeypatch.setattr(icij, "SUPERNODE_DEGREE", 2)
    reports = {}
    for name in ("nodes-entities", "nodes-officers", "nodes-intermediaries", "nodes-addresses", "relationships"):
        reports[name] = _report(run_cli("load", "registry", "--format", "icij", str(FIX / "icij" / f"{name}.csv"),
                                        "--json"))
        assert reports[name]["read"] == reports[name]["loaded"] + reports[name]["rejected"]
    assert (reports["nodes-entities"]["read"], reports["nodes-entities"]["rejected"]) == (7, 3)
    reasons = {int(r["row"]): r["field"] for r in _rejects(tmp_path, "nodes-entities.csv")}
    assert reasons == {4: "incorporation_date", 5: "name", 6: "node_id"}
    look = _Look(tmp_path).__enter__()
    assert look("MATCH (c:Company {id: 'icij:10000001'}) RETURN c.incorporation_date AS inc, "
                            "c.dissolution_date AS diss, c.country AS country") == [
        {"inc": "2006-03-23", "diss": "2012-01-15", "country": "VG"}]
    owns = look("MATCH (p:Person)-[r:OWNS]->(c:Company) RETURN p.id AS p, c.id AS c, r.kind AS kind "
                            "ORDER BY p, c")
    assert owns == [{"p": "icij:20000001", "c": "icij:10000001", "kind": "shareholder"},
                    {"p": "icij:20000001", "c": "icij:10000002", "kind": "beneficial_owner"},
                    {"p": "icij:20000003", "c": "icij:10000002", "kind": "nominee"}]
    assert look("MATCH (:Person)-[r:DIRECTS]->(:Company) RETURN r.role AS role, r.start AS s") == [
        {"role": "director of", "s": "2006-04-01"}]
    kinds = look("MATCH ()-[r:ASSOCIATE]->() RETURN r.kind AS kind ORDER BY kind")
    assert [k["kind"] for k in kinds] == ["intermediary"] * 3 + ["protector of", "similar"]
    assert look("MATCH ()-[r:SAME_AS]->() RETURN count(r) AS n") == [{"n": 0}]
    assert look("MATCH (:Company)-[r:REGISTERED_AT]->(:Address) RETURN count(r) AS n") == [{"n": 3}]
    look.__exit__()


def test_icij_folder_nodes_before_relationships(tmp_path, falkor):
    # graph/supernode.py: a supernode has at least this many links (3: more than 2)
    chunks = list(read_icij(FIX / "icij", source="icij:t", supernode_degree=3))
    kinds = ["rel" if c.relationships else "node" for c in chunks]
    assert kinds == sorted(kinds, key=lambda k: k == "rel") and kinds[-1] == "rel"
    flagged = {r.key: r.props for c in chunks for nb in c.nodes for r in nb.rows if r.props.get("supernode")}
    assert set(flagged) == {"icij:10000001", "icij:10000002", "icij:10000005", "icij:30000001", "icij:40000001"}
    # the reason is kept on the node: what was counted, where
    assert all(re.fullmatch(r"degree \d+ >= 3 \(relationships\.csv of icij:t\)", reason)
               for props in flagged.values() for reason in props["supernode_reasons"])
    # The folder knows every endpoint's label: the officer's address and same_name_as load too.
    report = load(falkor, iter(chunks), source="icij:t", path=FIX / "icij" / "relationships.csv", fmt="icij",
                  rejects_dir=tmp_path / "rej")
    assert report.read == 7 + 3 + 1 + 2 + 17 and report.read == report.loaded + report.rejected
    assert report.rejected == 3 + 3  # 3 bad entity rows; bad date, missing endpoint, duplicate relationship
    assert falkor.run("MATCH (:Person)-[r:REGISTERED_AT]->(:Address) RETURN count(r) AS n") == [{"n": 1}]
    assert falkor.run("MATCH (a:Address {supernode: true}) RETURN a.id AS id") == [{"id": "icij:40000001"}]


def test_icij_folder_through_the_cli_is_idempotent(run_cli, tmp_path):
    import json

    first = json.loads(run_cli("load", "registry", "--format", "icij", str(FIX / "icij"), "--json",
                               "--rejects", str(tmp_path / "rej")).stdout)
    assert first["read"] == first["loaded"] + first["rejected"] and first["read"] > 0
    stats = run_cli("db", "stats", "--json").stdout
    second = json.loads(run_cli("load", "registry", "--format", "icij", str(FIX / "icij"), "--json",
                                "--rejects", str(tmp_path / "rej")).stdout)
    assert (second["read"], second["rejected"], second["retired"]) == (first["read"], first["rejected"], 0)
    assert run_cli("db", "stats", "--json").stdout == stats


def test_icij_bad_inputs(tmp_path):
    with pytest.raises(SourceError, match="none of the ICIJ files"):
        list(read_icij(tmp_path, source="t"))
    other = tmp_path / "people.csv"
    other.write_text("node_id,name\n1,x\n", encoding="utf-8")
    with pytest.raises(SourceError, match="not one of the ICIJ"):
        list(read_icij(other, source="t"))
    folder = tmp_path / "icij"
    shutil.copytree(FIX / "icij", folder)
    (folder / "relationships.csv").write_text("start,end\n1,2\n", encoding="utf-8")
    with pytest.raises(SourceError, match="node_id_start") as err:
        list(read_icij(folder, source="t"))
    assert "relationships.csv" in str(err.value) and "row 1" in str(err.value)


# -- mapped registry CSV ---------------------------------------------------------------------------

def test_egr_mapping(run_cli, tmp_path):
    args = ("load", "registry", "--format", "csv", str(FIX / "egr-extract.csv"),
            "--mapping", str(MAPPINGS / "by-egr.yml"), "--json")
    rep = _report(run_cli(*args))
    assert (rep["read"], rep["loaded"], rep["rejected"]) == (8, 2, 6)
    reasons = {int(r["row"]): (r["field"], r["reason"]) for r in _rejects(tmp_path, "egr-extract.csv")}
    assert reasons[5] == ("УНП", "'12345678' is not a valid UNP: a Belarus UNP has 9 digits")
    assert reasons[6][0] == "Дата регистрации"
    assert "duplicate key unp:100000001" in reasons[7][1]
    assert reasons[8][0] == "Наименование"
    assert reasons[9][0] == "Доля учредителя, %"
    assert "no Company node" in reasons[4][1]  # founder 999999999 is not in the extract
    look = _Look(tmp_path).__enter__()
    rows = look("MATCH (c:Company {unp: '200000002'}) RETURN c.id AS id, c.country AS country, "
                            "c.incorporation_date AS inc, c.name AS name")
    assert rows == [{"id": "unp:200000002", "country": "BY", "inc": "2010-07-08",
                     "name": "ООО Lesnaya Mebel Trade (fictional)"}]
    assert look("MATCH (a:Company)-[r:OWNS]->(b:Company) RETURN a.unp AS a, b.unp AS b, r.share AS s") \
        == [{"a": "100000001", "b": "200000002", "s": 75.0}]
    assert look("MATCH (p:Person)-[r:DIRECTS]->(c:Company {unp: '100000001'}) RETURN r.role AS role") \
        == [{"role": "Генеральный директор"}]
    before = look.counts()
    look.__exit__()
    assert _report(run_cli(*args))["loaded"] == 2
    assert _counts(tmp_path) == before


@pytest.mark.parametrize("mapping, names", [
    ("egr-wrong-column.yml", ["egr-wrong-column.yml", "Название"]),
    ("egr-unknown-field.yml", ["egr-unknown-field.yml", "turnover"]),
    ("egr-missing-required.yml", ["egr-missing-required.yml", "'name'"]),
    ("egr-bad-key.yml", ["egr-bad-key.yml", "taxid"]),
    (None, ["needs --mapping"]),
])
def test_wrong_mapping_is_an_error(run_cli, tmp_path, mapping, names):
    run_cli("load", "registry", "--format", "csv", str(FIX / "egr-extract.csv"),
            "--mapping", str(MAPPINGS / "by-egr.yml"))
    before = _counts(tmp_path)
    extra = ("--mapping", str(FIX / mapping)) if mapping else ()
    result = run_cli("load", "registry", "--format", "csv", str(FIX / "egr-extract.csv"), *extra, ok=False)
    assert result.exit_code != 0
    for name in names:
        assert name in result.output
    assert _counts(tmp_path) == before


def test_opencorporates_mapping(run_cli, tmp_path):
    path = tmp_path / "companies.csv"
    path.write_text(
        "company_number,jurisdiction_code,name,company_type,current_status,incorporation_date,dissolution_date,"
        "registered_address.in_full\r\n"
        "01234567,gb,Example Furniture Imports Ltd (fictional),Private Limited Company,Active,2015-02-03,,"
        "\"1 Test Lane, London\"\r\n"
        "0000123,us_de,Example Dealer Inc. (fictional),Corporation,Active,2018-13-01,,\r\n"
        ",gb,No Number Ltd (fictional),,,,,\r\n",
        encoding="utf-8-sig",
    )
    rep = _report(run_cli("load", "registry", "--format", "csv", str(path), "--mapping",
                          str(MAPPINGS / "opencorporates.yml"), "--json"))
    assert (rep["read"], rep["loaded"], rep["rejected"]) == (3, 1, 2)
    look = _Look(tmp_path).__enter__()
    assert look("MATCH (c:Company) RETURN c.id AS id, c.country AS country, c.registration_number AS n") \
        == [{"id": "oc:gb:01234567", "country": "GB", "n": "01234567"}]
    look.__exit__()
    reasons = {int(r["row"]): r["field"] for r in _rejects(tmp_path, "companies.csv")}
    assert reasons == {3: "incorporation_date", 4: "company_number"}
