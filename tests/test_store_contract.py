"""The GraphStore contract, run on the embedded FalkorDB always and on Neo4j when NEO4J_URI is set."""

from __future__ import annotations

import networkx as nx
import pytest

from graph.schema import SchemaError
from graph.values import Node, Path, Relationship

PROV = {"source": "test", "source_prefix": "test@", "run": "test@1", "seen": "2026-01-02"}


def _companies(store, prov=PROV):
    rows = [
        {"key": "a", "record_id": "f:2", "props": {"name": "Alpha Timber (fictional)", "country": "BY"}},
        {"key": "b", "record_id": "f:3", "props": {"name": "Beta Holz (fictional)", "country": "DE"}},
    ]
    return store.upsert_nodes("Company", rows, prov, roles=("Dealer",))


def _supplies(store, prov=PROV):
    rows = [{"start": "a", "end": "b", "props": {"hs_codes": ["940360"], "shipments": 2}, "record_id": "f:9"}]
    return store.upsert_relationships("SUPPLIES", "Company", "Company", rows, prov)


def test_upsert_is_idempotent_and_counted(store):
    assert _companies(store) == 2
    assert _supplies(store) == 1
    first = store.counts()
    _companies(store)
    _supplies(store)
    assert store.counts() == first
    assert first["nodes"] == {"Company": 2, "Dealer": 2}
    assert first["relationships"] == {"SUPPLIES": 1}


def test_provenance_is_kept_on_nodes_and_relationships(store):
    _companies(store)
    _supplies(store)
    other = {"source": "other", "source_prefix": "other@", "run": "other@7", "seen": "2026-02-01"}
    _companies(store, other)
    node = store.run("MATCH (c:Company {id: $id}) RETURN c", {"id": "a"})[0]["c"]
    assert node.properties["sources"] == ["test", "other"]
    assert node.properties["first_seen"] == "2026-01-02"
    assert node.properties["last_seen"] == "2026-02-01"
    assert sorted(node.properties["source_runs"]) == ["other@7", "test@1"]
    assert node.properties["record_ids"] == ["f:2"]
    rel = store.run("MATCH ()-[r:SUPPLIES]->() RETURN r")[0]["r"]
    assert rel.properties["sources"] == ["test"] and rel.properties["record_ids"] == ["f:9"]


def test_retire_removes_only_what_this_source_no_longer_says(store):
    _companies(store)
    other = {"source": "other", "source_prefix": "other@", "run": "other@1", "seen": "2026-01-02"}
    store.upsert_nodes("Company", [{"key": "a", "props": {"name": "Alpha"}}], other)
    newer = {**PROV, "run": "test@2"}
    store.upsert_nodes("Company", [{"key": "b", "props": {"name": "Beta"}}], newer)
    store.retire(newer)
    ids = {r["id"]: r["sources"] for r in store.run("MATCH (c:Company) RETURN c.id AS id, c.sources AS sources")}
    assert ids == {"a": ["other"], "b": ["test"]}  # a: still asserted by 'other'; b: re-asserted


def test_results_are_plain_values_keyed_by_schema_key(store):
    _companies(store)
    _supplies(store)
    row = store.run("MATCH p = (a:Company)-[r:SUPPLIES]->(b:Company) RETURN p, r, a, b.name AS name")[0]
    assert isinstance(row["a"], Node) and row["a"].key == "Company:a"
    assert set(row["a"].labels) == {"Company", "Dealer"}
    assert isinstance(row["r"], Relationship)
    assert (row["r"].start, row["r"].end, row["r"].type) == ("Company:a", "Company:b", "SUPPLIES")
    assert isinstance(row["p"], Path)
    assert [n.key for n in row["p"].nodes] == ["Company:a", "Company:b"]
    assert row["p"].relationships[0] == row["r"]
    assert row["name"] == "Beta Holz (fictional)"


def test_subgraph_exports_to_networkx(store):
    _companies(store)
    _supplies(store)
    graph = store.to_networkx("MATCH p = (:Company)-[:SUPPLIES]->(:Company) RETURN p")
    assert isinstance(graph, nx.MultiDiGraph)
    assert set(graph.nodes) == {"Company:a", "Company:b"}
    (_, _, data), = graph.edges(data=True)
    assert data["type"] == "SUPPLIES" and data["hs_codes"] == "940360"


def test_atomic_rolls_back_on_failure_and_on_interrupt(store):
    _companies(store)
    before = store.counts()
    for error in (RuntimeError("boom"), KeyboardInterrupt()):
        with pytest.raises(type(error)):
            with store.atomic():
                store.upsert_nodes("Company", [{"key": "c", "props": {"name": "Gamma"}}], PROV)
                store.run("MATCH (c:Company {id: 'a'}) DETACH DELETE c")
                raise error
        assert store.counts() == before


def test_values_travel_as_parameters_only(store):
    _companies(store)
    before = store.counts()
    evil = "x'}) DETACH DELETE n //"
    assert store.run("MATCH (n:Company {id: $id}) RETURN n", {"id": evil}) == []
    store.upsert_nodes("Company", [{"key": evil, "props": {"name": evil}}], PROV)
    assert store.counts()["nodes"]["Company"] == before["nodes"]["Company"] + 1
    assert store.run("MATCH (n:Company {id: $id}) RETURN n.name AS name", {"id": evil}) == [{"name": evil}]


def test_schema_guards_labels_types_and_properties(store):
    with pytest.raises(SchemaError):
        store.upsert_nodes("Evil`) DETACH DELETE n //", [{"key": "x", "props": {}}], PROV)
    with pytest.raises(SchemaError):
        store.upsert_nodes("Company", [{"key": "x", "props": {"not_a_property": 1}}], PROV)
    with pytest.raises(SchemaError):
        store.upsert_relationships("SUPPLIES", "Person", "Company", [], PROV)
    with pytest.raises(ValueError):
        store.upsert_nodes("Company", [], PROV, roles=("Colony",))


def test_missing_endpoints_are_reported_not_lost(store):
    _companies(store)
    missing = store.missing_endpoints("Company", "Company", [("a", "b"), ("a", "nope"), ("nope", "b")])
    assert missing == {1: "Company", 2: "Company"}


def test_clear_and_counts(store):
    _companies(store)
    _supplies(store)
    store.clear()
    assert store.counts() == {"nodes": {}, "relationships": {}}


def test_embedded_server_is_stopped_on_close(falkor):
    import psutil

    pid = falkor._db.client.pid
    assert pid and psutil.pid_exists(pid)
    falkor.run("CREATE (:Company {id: 'kept'})")
    falkor.close()
    alive = psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    assert not alive, "the FalkorDB server outlived its store"
