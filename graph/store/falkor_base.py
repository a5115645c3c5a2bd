"""What both FalkorDB stores share, the embedded file (falkor.py) and a server (falkor_server.py): Cypher
through falkordb-py, plain values back, tracking of unsaved writes, explicit saves, and atomic loads
made of a snapshot copy of the graph."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from ..schema import NODES, index_specs
from ..values import Node, Path, Relationship, node_key
from .base import DEFAULT_BATCH_SIZE, GraphStore, Row, StoreError

GRAPH_NAME = "conveyor"
SNAPSHOT_SUFFIX = "__before_load"
LOCK_SUFFIX = "__load_lock"

# Query statistics that mean the statement changed the graph (falkordb-py QueryResult properties).
_WRITE_STATS = (
    "labels_added", "labels_removed", "nodes_created", "nodes_deleted", "properties_set", "properties_removed",
    "relationships_created", "relationships_deleted", "indices_created", "indices_deleted",
)


def client_options(client_name: str) -> dict[str, Any]:
    """redis-py settings for talking to FalkorDB.

    redis-py's defaults (a 5 s socket read timeout, then up to 10 retries) turn every statement over
    5 s into "Timeout reading from socket" after ~2 minutes, and re-send a write while the server may
    still be running the first copy. So: wait as long as a statement runs, and never re-send anything.
    The name tells other clients which connections belong to a store (see _client_alive).
    """
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return {
        "socket_timeout": None,
        "retry": Retry(NoBackoff(), 0),
        "decode_responses": True,
        "protocol": 2,  # the reply format falkordb-py parses
        "client_name": client_name,
    }


def new_client_name() -> str:
    return f"conveyor-{uuid.uuid4().hex}"


class FalkorBase(GraphStore):
    """A FalkorDB graph reached through a redis client; subclasses connect and disconnect.

    FalkorDB keeps the graph in memory: what is written is durable only after a SAVE. `dirty` says
    whether this store wrote anything since it opened or last saved, so a store that only read never
    pays for a save.
    """

    kind = "falkordb"  # the same Cypher on both flavours: saved queries declare "falkordb" once
    parallel_writes = True
    internal_ids = True

    def __init__(self, graph_name: str = GRAPH_NAME, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        super().__init__(batch_size)
        self.graph_name = graph_name
        self._snapshot = graph_name + SNAPSHOT_SUFFIX
        self._lock_key = graph_name + LOCK_SUFFIX
        self._client_name = new_client_name()
        self._dirty = False
        self._in_load = False
        self._client: Any = None  # a redis.Redis, set by the subclass before _connected()
        self._graph: Any = None

    def _connected(self) -> None:
        """Called by subclasses once self._client answers."""
        self._select()
        self._recover_abandoned_load()

    def _select(self) -> None:
        # A fresh Graph object each time the graph is replaced: falkordb-py caches label and property
        # ids per object, and a restored copy may number them differently.
        from falkordb import Graph

        self._graph = Graph(self._client, self.graph_name)

    # -- unsaved writes -------------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        return self._dirty

    def save(self) -> None:
        """SAVE, synchronously: redis writes a temporary file and renames it over the graph file, so a
        failed save (read-only folder, full disk) leaves the previous file as it was."""
        import redis

        try:
            self._client.save()
        except redis.RedisError as exc:
            raise StoreError(self._scrub(
                f"could not save the graph at {self.location}: {self._save_failure_cause(exc)}; "
                "the previous saved copy is unchanged"
            )) from exc
        self._dirty = False

    def _save_then_release(self, save: bool, release: Callable[[], None]) -> None:
        """Save (if `save`), then release the server or connection whatever the save did; a failed save
        is raised after the release, so closing never leaves a process or a connection behind."""
        try:
            if save:
                self.save()
        finally:
            release()

    def _save_failure_cause(self, exc: Exception) -> str:
        return str(exc)

    def _scrub(self, message: str) -> str:
        """The message with any secret this store knows removed (servers with a password)."""
        return message

    # -- queries --------------------------------------------------------------------------------
    def _execute_read_only(self, cypher_text: str, params: dict[str, Any]) -> list[Row]:
        return self._execute(cypher_text, params, read_only=True)  # GRAPH.RO_QUERY: the server refuses writes

    def _execute(self, cypher_text: str, params: dict[str, Any], read_only: bool = False) -> list[Row]:
        import redis

        try:
            send = self._graph.ro_query if read_only else self._graph.query
            result = send(cypher_text, params)
        except Exception as exc:
            message = str(exc)
            if "empty key" in message.lower():
                return []  # a read on a graph that has never been written
            if not isinstance(exc, redis.ResponseError):
                # No answer (connection lost, interrupted): the statement may have run. A ResponseError
                # means the server refused or rolled it back, which FalkorDB does on any runtime error.
                self._dirty = True
            raise StoreError(self._scrub(f"FalkorDB: {message}")) from exc
        if not self._dirty and any(getattr(result, stat, 0) for stat in _WRITE_STATS):
            self._dirty = True
        columns = [h[1] for h in result.header] if result.header else []
        known = self._endpoint_nodes(result.result_set)
        return [
            dict(zip(columns, (_plain(v, known) for v in row), strict=True)) for row in result.result_set
        ]

    def _command(self, *args: Any) -> Any:
        """A redis command that changes the graph (GRAPH.COPY, GRAPH.DELETE, GRAPH.CONSTRAINT ...)."""
        import redis

        self._dirty = True  # counted before sending: a failed or unanswered one may still have written
        try:
            return self._client.execute_command(*args)
        except redis.RedisError as exc:
            raise StoreError(self._scrub(f"FalkorDB: {args[0]} failed: {exc}")) from exc

    def _read_command(self, *args: Any) -> Any:
        import redis

        try:
            return self._client.execute_command(*args)
        except redis.RedisError as exc:
            raise StoreError(self._scrub(f"FalkorDB: {args[0]} failed: {exc}")) from exc

    def _endpoint_nodes(self, rows: list[list[Any]]) -> dict[int, Node]:
        # FalkorDB gives a bare relationship's endpoints as internal ids; we key nodes by schema key.
        ids = {i for row in rows for i in _edge_endpoint_ids(row)}
        if not ids:
            return {}
        found = self._graph.query("MATCH (n) WHERE id(n) IN $ids RETURN id(n), n", {"ids": sorted(ids)})
        return {row[0]: _node(row[1]) for row in found.result_set}

    def _graphs(self) -> list[str]:
        return list(self._read_command("GRAPH.LIST") or [])

    # -- schema ---------------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        """graph.schema.index_specs in FalkorDB's terms: every spec is an index (a uniqueness constraint
        needs one on its property), and a unique one also a GRAPH.CONSTRAINT. Only what is missing is
        sent: every load calls this, and a command sent is a write to save."""
        specs = index_specs()
        existing = self._existing_indexes()
        for spec in specs:
            if (spec.label, spec.property) not in existing:
                self.run(f"CREATE INDEX FOR (n:{spec.label}) ON (n.{spec.property})")
        constrained = self._existing_unique_constraints()
        for spec in specs:
            if not spec.unique or (spec.label, spec.property) in constrained:
                continue
            with contextlib.suppress(StoreError):  # created meanwhile by another client
                self._command(
                    "GRAPH.CONSTRAINT", "CREATE", self.graph_name, "UNIQUE", "NODE", spec.label,
                    "PROPERTIES", "1", spec.property,
                )

    def _existing_indexes(self) -> set[tuple[str, str]]:
        try:
            rows = self._graph.query("CALL db.indexes()").result_set
        except Exception:
            return set()
        return {(row[0], prop) for row in rows for prop in row[1]}

    def _existing_unique_constraints(self) -> set[tuple[str, str]]:
        # Rows: type, label, properties, entity type, status.
        try:
            rows = self._graph.query("CALL db.constraints()").result_set
        except Exception:
            return set()
        return {(row[1], row[2][0]) for row in rows if row[0] == "UNIQUE" and row[3] == "NODE" and len(row[2]) == 1}

    # -- atomic loads ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        # FalkorDB runs each query atomically but has no multi-query transaction, so a load works on the
        # live graph with a copy taken first; on any failure (or Ctrl-C) the copy is put back. A lock
        # key names the client doing it: one load at a time per graph, and a load whose client is gone
        # (process killed) is undone by the next store that opens or loads this graph.
        if self._in_load:  # nested: the outer load's copy covers this one
            yield
            return
        self._begin_load()
        self._in_load = True
        try:
            yield
        except BaseException:
            self._in_load = False
            self._undo_load()
            raise
        self._in_load = False
        # "done" first: should we die before the copy is gone, recovery drops it instead of restoring it.
        self._set_lock_state("done")
        self._drop(self._snapshot)
        self._client.delete(self._lock_key)

    def _begin_load(self) -> None:
        if not self._client.set(self._lock_key, f"{self._client_name} pending", nx=True):
            holder = self._recover_abandoned_load()
            if holder or not self._client.set(self._lock_key, f"{self._client_name} pending", nx=True):
                raise StoreError(
                    f"another load is writing graph {self.graph_name!r} at {self.location} "
                    f"({holder or 'just started'}); one writer at a time: run this one when it has finished"
                )
        try:
            self._drop(self._snapshot)  # nobody held the lock, so a copy left over can only be stale
            self._set_lock_state(self._take_snapshot())
            self._dirty = True
        except BaseException:
            self._undo_load()  # e.g. no memory left for the copy: give the lock back
            raise

    def _take_snapshot(self) -> str:
        """Keep what a failed load must come back to; returns how (the lock's state): "fresh" when the
        graph did not exist (undoing means deleting it), "copy" for a GRAPH.COPY of it."""
        if self.graph_name not in self._graphs():
            return "fresh"
        self._command("GRAPH.COPY", self.graph_name, self._snapshot)
        return "copy"

    def _set_lock_state(self, state: str) -> None:
        self._client.set(self._lock_key, f"{self._client_name} {state}", xx=True)

    def _undo_load(self) -> None:
        holder = self._client.get(self._lock_key) or ""
        self._put_back(holder.rpartition(" ")[2])
        self._client.delete(self._lock_key)

    def _put_back(self, state: str) -> None:
        if self._snapshot in self._graphs():
            self._drop(self.graph_name)
            self._command("GRAPH.COPY", self._snapshot, self.graph_name)
            self._drop(self._snapshot)
        elif state == "fresh":
            self._drop(self.graph_name)
        self._select()

    def _recover_abandoned_load(self) -> str | None:
        """Undo a load whose client is gone. Returns a description of the load still running, if any."""
        holder = self._client.get(self._lock_key)
        if holder is None and self._snapshot not in self._graphs():
            return None
        name, _, state = (holder or "").partition(" ")
        if holder is not None and name != self._client_name:
            alive = self._client_alive(name)
            if alive is None:
                return (f"client {name} holds the load lock and this server does not let us check whether "
                        "it is still connected (CLIENT LIST refused)")
            if alive:
                return f"client {name}"
        if state == "done":  # it finished; only its copy was left to drop
            self._drop(self._snapshot)
        else:  # its client disconnected mid-load (or it predates the lock): the copy is the good state
            self._put_back(state)
        self._client.delete(self._lock_key)
        return None

    def _client_alive(self, name: str) -> bool | None:
        import redis

        try:
            clients = self._client.client_list()
        except redis.RedisError:
            return None
        return any(c.get("name") == name for c in clients)

    def _drop(self, name: str) -> None:
        if name in self._graphs():
            self._command("GRAPH.DELETE", name)
            if name == self.graph_name:
                self._select()

    def clear(self) -> int:
        counts = self.counts()
        self._drop(self.graph_name)
        return sum(v for k, v in counts["nodes"].items() if k in NODES)


def _edge_endpoint_ids(value: Any) -> Iterator[int]:
    from falkordb.edge import Edge
    from falkordb.path import Path as FPath

    if isinstance(value, Edge):
        yield from (ref for ref in (value.src_node, value.dest_node) if isinstance(ref, int))
    elif isinstance(value, list) and not isinstance(value, FPath):
        for item in value:
            yield from _edge_endpoint_ids(item)


def _plain(value: Any, known: dict[int, Node]) -> Any:
    from falkordb.edge import Edge
    from falkordb.node import Node as FNode
    from falkordb.path import Path as FPath

    if isinstance(value, FNode):
        return _node(value)
    if isinstance(value, Edge):
        return _relationship(value, known)
    if isinstance(value, FPath):
        nodes = [_node(n) for n in value.nodes()]
        by_id = {n.id: node for n, node in zip(value.nodes(), nodes, strict=True)}
        return Path(tuple(nodes), tuple(_relationship(e, by_id) for e in value.edges()))
    if isinstance(value, list):
        return [_plain(v, known) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v, known) for k, v in value.items()}
    return value


def _node(n: Any) -> Node:
    labels = tuple(n.labels or ())
    return Node(node_key(labels, n.properties, n.id), labels, dict(n.properties))


def _relationship(e: Any, by_id: dict[int, Node]) -> Relationship:
    def end_key(ref: Any) -> str:
        if hasattr(ref, "labels"):
            return _node(ref).key
        node = by_id.get(ref)
        return node.key if node else f"node#{ref}"

    return Relationship(e.relation, end_key(e.src_node), end_key(e.dest_node), dict(e.properties))
