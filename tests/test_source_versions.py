"""A newer version of a source replaces what the older one asserted (issue 8, item 6).

Each test loads version 1 of a registry, then version 2 of the same file (same name: the same source),
through the CLI into a real embedded FalkorDB, and compares the graph with a fresh load of version 2:
a property deleted, a percentage withdrawn, an entity, a link and an address dropped, and every record
id shifted by a new first line. A second source asserting one of the withdrawn properties on the same
company keeps it. Files follow the FollowTheMoney schema (Company, Person, Ownership, Directorship)
and the registry CSV mapping; every company and person is fictional.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from conftest import Cli
from conveyor.graph.rows import NodeRow, Provenance, RelRow
from conveyor.graph.store import open_store

DATES = {"first_seen", "last_seen", "loaded_at"}


def _ftm(path: Path, entities: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in entities) + "\n", encoding="utf-8")
    return path


def _entity(entity_id: str, schema: str, **props: Any) -> dict:
    return {"id": entity_id, "schema": schema,
            "properties": {k: v if isinstance(v, list) else [v] for k, v in props.items()}}


ALPHA_V1 = _entity("fx-co-1", "Company", name="Alpha Trading LLC (fictional)", country="by",
                   registrationNumber="190000001", incorporationDate="2001-02-03", dissolutionDate="2020-01-01",
                   legalForm="LLC")
ALPHA_V2 = _entity("fx-co-1", "Company", name="Alpha Trading LLC (fictional)", country="by",
                   incorporationDate="2001-02-03")
BRAVO = _entity("fx-co-2", "Company", name="Bravo Holding LLC (fictional)", country="by")
CHARLIE = _entity("fx-co-3", "Company", name="Charlie Logistics UAB (fictional)", country="lt")
DANA = _entity("fx-pe-1", "Person", name="Dana Example (fictional)", nationality="by")
REGISTRY_V1 = [
    ALPHA_V1, BRAVO, CHARLIE, DANA,
    _entity("fx-own-1", "Ownership", owner="fx-pe-1", asset="fx-co-1", percentage="51", startDate="2015-01-01",
            endDate="2019-05-01"),
    _entity("fx-own-2", "Ownership", owner="fx-co-2", asset="fx-co-1", percentage="25", startDate="2016"),
    _entity("fx-own-3", "Ownership", owner="fx-co-3", asset="fx-co-2", percentage="10"),
    _entity("fx-dir-1", "Directorship", director="fx-pe-1", organization="fx-co-2", role="director"),
]
REGISTRY_V2 = [
    _entity("fx-co-4", "Company", name="Delta Shipping LLP (fictional)", country="kz"),  # every line moves
    ALPHA_V2, BRAVO, DANA,
    _entity("fx-own-1", "Ownership", owner="fx-pe-1", asset="fx-co-1", percentage="51", startDate="2015-01-01"),
    _entity("fx-own-2", "Ownership", owner="fx-co-2", asset="fx-co-1", startDate="2016"),
]
# A second source on the same company: it also gives the registration number that version 2 drops.
OTHER = [
    _entity("fx-co-1", "Company", name="Alpha Trading LLC (fictional)", country="by", registrationNumber="190000001"),
    _entity("ox-co-9", "Company", name="Bravo Holding (fictional)", country="by"),
]


def dump(db: Path) -> dict[str, list]:
    """Every node and relationship with its properties, dates left out, lists sorted (their order says
    when, not what), record ids paired with their runs, and resolution's random run tags
    (derived:resolve@...) masked."""
    def clean(props: dict[str, Any]) -> str:
        props = {k: v for k, v in props.items() if k not in DATES}
        ids, runs = props.pop("record_ids", None), props.pop("record_runs", None)
        if ids is not None:
            props["records"] = sorted(zip(ids, runs, strict=True))
        props = {k: sorted(v) if isinstance(v, list) else v for k, v in props.items()}
        return re.sub(r"derived:resolve@[0-9a-f]+", "derived:resolve@RUN", json.dumps(props, sort_keys=True))

    key = "coalesce({v}.id, {v}.code, {v}.hs_code, {v}.name)"
    with open_store(str(db)) as store:
        nodes = store.run(f"MATCH (n) RETURN labels(n) AS labels, {key.format(v='n')} AS key, "
                          "properties(n) AS props")
        rels = store.run(f"MATCH (a)-[r]->(b) RETURN type(r) AS type, {key.format(v='a')} AS a, "
                         f"{key.format(v='b')} AS b, properties(r) AS props")
    return {"nodes": sorted((sorted(n["labels"]), n["key"], clean(n["props"])) for n in nodes),
            "relationships": sorted((r["type"], r["a"], r["b"], clean(r["props"])) for r in rels)}


def _load(cli: Cli, path: Path, fmt: str, *extra: str) -> dict:
    out = cli("load", "registry", "--format", fmt, str(path), "--json", *extra).output
    report = json.loads(out[out.index("{"): out.rindex("}") + 1])
    assert report["read"] == report["loaded"] + report["rejected"]
    return report


def _props(db: Path, cypher: str) -> list[dict]:
    with open_store(str(db)) as store:
        return store.run(cypher)


def test_ftm_v2_over_v1_equals_a_fresh_load_of_v2(tmp_path: Path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    other = _ftm(tmp_path / "other.json", OTHER)
    judgements = tmp_path / "judgements.csv"

    # A: the other source, version 1, a resolution (a derived merged_into), then version 2 over it.
    a = Cli(tmp_path / "a" / "g.db", tmp_path / "a")
    registry = tmp_path / "a" / "registry.json"
    _load(a, other, "ftm")
    _load(a, _ftm(registry, REGISTRY_V1), "ftm")
    a("resolve", "--judgements", str(judgements), "--judge", "fx-co-2", "ox-co-9", "accept", "--note", "same")
    a("resolve", "--judgements", str(judgements))
    _load(a, _ftm(registry, REGISTRY_V2), "ftm")

    alpha = _props(a.db, "MATCH (c:Company {id: 'fx-co-1'}) RETURN properties(c) AS p")[0]["p"]
    assert "dissolution_date" not in alpha and "legal_form" not in alpha  # deleted in version 2
    assert alpha["registration_number"] == "190000001"  # version 2 dropped it, the other source still gives it
    owns = {r["id"]: r["p"] for r in _props(a.db, "MATCH ()-[r:OWNS]->() RETURN r.record AS id, properties(r) AS p")}
    assert set(owns) == {"fx-own-1", "fx-own-2"}  # fx-own-3 went with its owner
    assert "end" not in owns["fx-own-1"] and owns["fx-own-1"]["status"] == "open"  # endDate deleted
    assert "share" not in owns["fx-own-2"]  # percentage withdrawn
    assert _props(a.db, "MATCH ()-[r:DIRECTS]->() RETURN count(r) AS n")[0]["n"] == 0
    assert _props(a.db, "MATCH (c:Company {id: 'fx-co-3'}) RETURN count(c) AS n")[0]["n"] == 0
    merged = {r["id"] for r in _props(a.db, "MATCH (c:Company) WHERE c.merged_into IS NOT NULL RETURN c.id AS id")}
    assert merged & {"fx-co-2", "ox-co-9"}  # what resolution derived is not the registry's to withdraw
    a("resolve", "--judgements", str(judgements))

    # B: the other source and version 2 only.
    b = Cli(tmp_path / "b" / "g.db", tmp_path / "b")
    _load(b, other, "ftm")
    _load(b, _ftm(tmp_path / "b" / "registry.json", REGISTRY_V2), "ftm")
    b("resolve", "--judgements", str(judgements))

    assert dump(a.db) == dump(b.db)


MAPPING = """\
# A fictional registry export; canonical field: column.
key: "unp:{unp}"
parent_key: "unp:{parent_id}"
columns:
  unp: unp
  name: name
  country: country
  legal_form: form
  status: status
  incorporation_date: registered
  dissolution_date: dissolved
  parent_id: parent_unp
  parent_share: parent_pct
  director_name: director
"""
CSV_HEADER = "unp,name,country,form,status,registered,dissolved,parent_unp,parent_pct,director\n"
CSV_V1 = CSV_HEADER + (
    "190000011,Echo Mebel OOO (fictional),BY,OOO,liquidated,2003-04-05,2021-06-30,,,\n"
    "190000012,Foxtrot Les OAO (fictional),BY,OAO,active,1999-01-01,,190000011,60,Ivan Example (fictional)\n"
    "190000013,Golf Drev ChUP (fictional),BY,ChUP,active,2010-10-10,,190000012,100,\n"
)
CSV_V2 = CSV_HEADER + (
    "190000014,Hotel Trade OOO (fictional),BY,OOO,active,2022-02-02,,,,\n"
    "190000011,Echo Mebel OOO (fictional),BY,OOO,,2003-04-05,,,,\n"
    "190000012,Foxtrot Les OAO (fictional),BY,OAO,active,1999-01-01,,190000011,,\n"
)
# The other source: the same company (same key) with the status the registry's version 2 leaves empty.
OTHER_ECHO = [_entity("unp:190000011", "Company", name="Echo Mebel OOO (fictional)", country="by",
                      status="liquidated")]


def test_registry_csv_v2_over_v1_equals_a_fresh_load_of_v2(tmp_path: Path):
    mapping = tmp_path / "mapping.yml"
    mapping.write_text(MAPPING, encoding="utf-8")
    other = _ftm(tmp_path / "other.json", OTHER_ECHO)
    clis = {}
    for name, versions in (("a", (CSV_V1, CSV_V2)), ("b", (CSV_V2,))):
        (tmp_path / name).mkdir()
        cli = clis[name] = Cli(tmp_path / name / "g.db", tmp_path / name)
        _load(cli, other, "ftm")
        for text in versions:
            path = tmp_path / name / "registry.csv"
            path.write_text(text, encoding="utf-8")
            _load(cli, path, "csv", "--mapping", str(mapping))
    db = clis["a"].db

    echo = _props(db, "MATCH (c:Company {id: 'unp:190000011'}) RETURN properties(c) AS p")[0]["p"]
    assert "dissolution_date" not in echo  # deleted in version 2
    assert echo["status"] == "liquidated"  # version 2 left it empty; the other source gives it
    share = _props(db, "MATCH (:Company {id: 'unp:190000011'})-[r:OWNS]->(:Company {id: 'unp:190000012'}) "
                       "RETURN properties(r) AS p")
    assert len(share) == 1 and "share" not in share[0]["p"]  # percentage withdrawn
    assert _props(db, "MATCH (c:Company {id: 'unp:190000013'}) RETURN count(c) AS n")[0]["n"] == 0
    assert dump(db) == dump(clis["b"].db)


# -- the same rules on every store, through the store's own upserts ------------------------------------
def _prov(source: str, run: int) -> Provenance:
    return Provenance(source, f"{source}@{run:016x}", "2026-01-01")


def _company_props(store, key: str) -> dict:
    return store.run("MATCH (c:Company {id: $id}) RETURN properties(c) AS p", {"id": key})[0]["p"]


def test_rows_of_one_run_add_up_and_the_next_run_withdraws_what_it_leaves_out(store):
    """Two chunks of one file may each give part of a company; a newer version that gives less takes
    the rest off, but not what a job derived."""
    registry = _prov("registry:fictional", 1)
    store.upsert_nodes("Company", [NodeRow(key="k1", props={"name": "Kilo Trade (fictional)", "lei": "L1"})], registry)
    store.upsert_nodes("Company", [NodeRow(key="k1", props={"inn": "7700000001", "name": "Kilo Trade (fictional)"})],
                       registry)
    assert {"name", "lei", "inn"} <= set(_company_props(store, "k1"))
    store.run("MATCH (c:Company {id: 'k1'}) SET c.supernode = true")  # what a job derives
    store.upsert_nodes("Company", [NodeRow(key="k1", props={"name": "Kilo Trade (fictional)", "lei": "L1"})],
                       _prov("registry:fictional", 2))
    props = _company_props(store, "k1")
    assert props["lei"] == "L1" and "inn" not in props and props["supernode"] is True
    assert props["claims"] == ["registry:fictional=,name,lei,"]


def test_a_first_load_only_adds_its_claims_and_the_next_run_withdraws_as_after_any_run(store):
    """A source's first load (Provenance.first) takes the short bookkeeping: its entry is added beside
    the other sources' (a node written twice in the run with other names gets two entries), nothing is
    withdrawn; the next version reads both entries as the source's claim and withdraws what it leaves out."""
    other = _prov("gleif:fictional", 1)
    store.upsert_nodes("Company", [NodeRow(key="k3", props={"name": "Mike Ports (fictional)", "lei": "L3"})], other)
    first = Provenance("registry:fictional", "registry:fictional@1", "2026-01-01", first=True)
    for props in ({"name": "Mike Ports (fictional)", "inn": "7700000003"},
                  {"name": "Mike Ports (fictional)", "inn": "7700000003"},
                  {"name": "Mike Ports (fictional)", "status": "active"}):
        store.upsert_nodes("Company", [NodeRow(key="k3", props=props)], first)
    props = _company_props(store, "k3")
    assert props["claims"] == ["gleif:fictional=,name,lei,", "registry:fictional=,name,inn,",
                               "registry:fictional=,name,status,"]
    assert {"lei", "inn", "status"} <= set(props)
    store.upsert_nodes("Company", [NodeRow(key="k3", props={"name": "Mike Ports (fictional)", "status": "active"})],
                       _prov("registry:fictional", 2))
    props = _company_props(store, "k3")
    assert "inn" not in props and props["lei"] == "L3" and props["status"] == "active"
    assert props["claims"] == ["gleif:fictional=,name,lei,", "registry:fictional=,name,status,"]


def test_a_property_another_source_claims_stays_when_one_withdraws_it_or_retires(store):
    a, b = _prov("registry:a=b", 1), _prov("registry:a", 1)  # an "=" in a source's name is still exact
    store.upsert_nodes("Company", [NodeRow(key="k2", props={"name": "Lima Wood (fictional)", "lei": "L2",
                                                           "inn": "7700000002", "status": "active"})], a)
    store.upsert_nodes("Company", [NodeRow(key="k2", props={"name": "Lima Wood (fictional)", "inn": "7700000002"})], b)
    store.upsert_relationships("OWNS", "Company", "Company", [
        RelRow("k2", "k2", {"share": 40.0, "start": "2020-01-01"}, rel_key="own-1")], a)

    store.upsert_nodes("Company", [NodeRow("k2", {"name": "Lima Wood (fictional)"})], _prov("registry:a=b", 2))
    props = _company_props(store, "k2")
    assert "lei" not in props and "status" not in props and props["inn"] == "7700000002"

    store.retire(_prov("registry:a", 2))  # the second source's newer version no longer has the company
    props = _company_props(store, "k2")
    assert "inn" not in props and props["name"] == "Lima Wood (fictional)"  # the first still gives the name
    assert props["claims"] == ["registry:a=b=,name,"] and props["sources"] == ["registry:a=b"]
    own = store.run("MATCH ()-[r:OWNS]->() RETURN properties(r) AS p")[0]["p"]
    assert own["share"] == 40.0  # the other source's newer version said nothing of this link: it stays
