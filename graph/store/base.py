"""The one interface every store implements, and the work they share (batched upserts)."""

from __future__ import annotations

import contextlib
import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import networkx as nx

from .. import cypher
from ..errors import StoreError
from ..rows import NodeRow, Provenance, RelRow
from ..schema import NODES, RELATIONSHIPS, check_endpoints, check_properties, node_type, rel_type
from ..values import Node, Path, Relationship

Row = dict[str, Any]
QueryHook = Callable[[str, dict[str, Any]], None]

DEFAULT_BATCH_SIZE = 5000


def redact(location: str) -> str:
    """The location without a user, password or query string, fit for messages and logs.

    Cuts at the last '@' rather than parsing the address: a password with an unencoded '/', '?' or '@'
    makes a URI parser split it in the wrong place, and it must not leak then either.
    """
    scheme, sep, rest = location.partition("://")
    if not sep:
        return location  # a file path
    rest = rest.rpartition("@")[2]
    rest = rest.split("?", 1)[0].split("#", 1)[0]  # a query string may carry password=...
    return f"{scheme}://{rest}"


class GraphStore(ABC):
    """A property graph that speaks openCypher.

    Implementations convert results to plain values (graph.values), so callers never see a driver's
    types. `query_hooks` see every Cypher string sent, with its parameters: the tests use this to lint
    everything that actually reached a store.
    """

    kind: str = "abstract"
    # Does the store address nodes by internal id (node_ids), cheaper than a key lookup per row?
    internal_ids: bool = False
    # May two threads send independent write batches at once? Not inside a Neo4j transaction (the
    # driver's transactions are not thread-safe); FalkorDB gives each thread its own connection.
    parallel_writes: bool = False
    query_hooks: list[QueryHook] = []

    def __init__(self, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        self.batch_size = batch_size

    # -- what each store provides -------------------------------------------------------------
    @abstractmethod
    def _execute(self, cypher_text: str, params: dict[str, Any]) -> list[Row]:
        """Run one statement and return rows of plain values."""

    @abstractmethod
    def ensure_schema(self) -> None:
        """Create the indexes and uniqueness rules the schema declares (idempotent)."""

    @abstractmethod
    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """Everything written inside either all lands or none does (also on Ctrl-C)."""

    @abstractmethod
    def close(self) -> None: ...

    def save(self) -> None:
        """Make everything written so far durable now; raise StoreError if that fails.

        The default does nothing: a store that persists every commit (Neo4j) has nothing to add. A store
        that keeps the graph in memory (FalkorDB) writes it out, and a failed save leaves the previous
        copy on disk as it was.
        """
        return None

    @property
    def dirty(self) -> bool:
        """True when something written since open (or the last save()) is not yet durable."""
        return False

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the graph lives, safe to print (no credentials)."""

    # -- shared behaviour ---------------------------------------------------------------------
    def run(self, cypher_text: str, params: dict[str, Any] | None = None) -> list[Row]:
        params = params or {}
        for hook in GraphStore.query_hooks:
            hook(cypher_text, params)
        return self._execute(cypher_text, params)

    def run_read_only(self, cypher_text: str, params: dict[str, Any] | None = None) -> list[Row]:
        """Run a statement the store itself refuses to let write (ad-hoc Cypher from a user): a check
        of the text can be fooled, the server's read-only mode cannot."""
        params = params or {}
        for hook in GraphStore.query_hooks:
            hook(cypher_text, params)
        return self._execute_read_only(cypher_text, params)

    def _execute_read_only(self, cypher_text: str, params: dict[str, Any]) -> list[Row]:
        raise StoreError(f"{self.kind} has no read-only mode here: ad-hoc Cypher is not run on it")

    def upsert_nodes(
        self, label: str, rows: Sequence[NodeRow], provenance: Provenance, roles: tuple[str, ...] = ()
    ) -> int:
        """Merge `rows` on their key, with `provenance`. Returns nodes written."""
        nt = node_type(label)
        statement = cypher.upsert_nodes_cypher(label, roles, first=provenance.first)
        # One check per call on every property name used, rather than one per row (same rule, same error).
        check_properties(nt.properties, {name for row in rows for name in row.props}, f"{label} upsert")
        params_of = functools.partial(cypher.node_params, claims=bool(nt.properties))
        return self._write_batches(statement, rows, params_of, {"prov": cypher.prov_params(provenance)})

    def upsert_relationships(
        self, rel: str, start: str, end: str, rows: Sequence[RelRow], provenance: Provenance,
        derived: Provenance | None = None,
    ) -> int:
        """Merge `rows` between existing nodes, with `provenance`; `derived`: the job that found them in
        what `provenance`'s source gives (cypher.upsert_relationships_cypher)."""
        rt = rel_type(rel)
        check_endpoints(rt, start, end)
        statement = cypher.upsert_relationships_cypher(rel, start, end, derived=derived is not None,
                                                       first=provenance.first)
        check_properties(rt.properties, {name for row in rows for name in row.props}, f"{rel} upsert")
        params = {"prov": cypher.prov_params(provenance)}
        if derived is not None:
            params["derived"] = cypher.prov_params(derived)
        params_of = functools.partial(cypher.rel_params, claims=bool(rt.properties))
        return self._write_batches(statement, rows, params_of, params)

    def missing_endpoints(self, start: str, end: str, pairs: Sequence[tuple[Any, Any]]) -> dict[int, str]:
        """Positions in `pairs` whose start or end node is absent, with which one."""
        statement = cypher.missing_endpoints_cypher(start, end)
        missing: dict[int, str] = {}
        for offset in range(0, len(pairs), self.batch_size):
            chunk = cypher.endpoint_params(pairs[offset : offset + self.batch_size], offset)
            for row in self.run(statement, {"rows": chunk}):
                which = [name for name, flag in ((start, row["start_missing"]), (end, row["end_missing"]))
                         if flag]
                missing[row["i"]] = " and ".join(which)
        return missing

    def stale_share(self, provenance: Provenance) -> dict[str, tuple[int, int]]:
        """Per label and type the source asserts: (asserted, only in older runs)."""
        prov = cypher.prov_params(provenance)
        found: dict[str, tuple[int, int]] = {}
        for name, statement in [*((r, cypher.source_share_relationships_cypher(r)) for r in RELATIONSHIPS),
                                *((n, cypher.source_share_nodes_cypher(n)) for n in NODES)]:
            row = self.run(statement, {"prov": prov})[0]
            if row["asserted"]:
                found[name] = (row["asserted"], row["stale"] or 0)
        return found

    def retire(self, provenance: Provenance) -> int:
        """Remove what one source asserted in earlier runs but not in the current one."""
        prov = cypher.prov_params(provenance)
        deleted = 0
        for rel in RELATIONSHIPS:
            deleted += self.run(cypher.retire_relationships_cypher(rel), {"prov": prov})[0]["deleted"]
        for label in NODES:
            deleted += self.run(cypher.retire_nodes_cypher(label), {"prov": prov})[0]["deleted"]
        return deleted

    def counts(self) -> dict[str, dict[str, int]]:
        labels = {r["label"]: r["count"] for r in self.run(cypher.COUNT_LABELS)}
        types = {r["type"]: r["count"] for r in self.run(cypher.COUNT_TYPES)}
        return {"nodes": labels, "relationships": types}

    def clear(self) -> int:
        deleted = 0
        while True:
            n = self.run(cypher.DELETE_BATCH, {"limit": self.batch_size})[0]["deleted"]
            deleted += n
            if n == 0:
                return deleted

    def to_networkx(self, cypher_text: str, params: dict[str, Any] | None = None) -> nx.MultiDiGraph:
        """Every node, relationship and path in the result, as a MultiDiGraph keyed by schema keys."""
        graph = nx.MultiDiGraph()
        for row in self.run(cypher_text, params):
            for value in row.values():
                add_to_networkx(graph, value)
        return graph

    def _write_batches(self, statement: str, rows: Sequence[Any], params_of: Callable[[Sequence[Any]], list[Row]],
                       params: dict[str, Any]) -> int:
        written = 0
        for offset in range(0, len(rows), self.batch_size):
            result = self.run(statement, {"rows": params_of(rows[offset : offset + self.batch_size]), **params})
            written += result[0]["written"] if result else 0
        return written

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def add_to_networkx(graph: nx.MultiDiGraph, value: Any) -> None:
    if isinstance(value, Node):
        graph.add_node(value.key, labels=list(value.labels), **_flat(value.properties))
    elif isinstance(value, Relationship):
        graph.add_edge(value.start, value.end, key=None, type=value.type, **_flat(value.properties))
    elif isinstance(value, Path):
        for node in value.nodes:
            add_to_networkx(graph, node)
        for rel in value.relationships:
            add_to_networkx(graph, rel)
    elif isinstance(value, list | tuple):
        for item in value:
            add_to_networkx(graph, item)


def _flat(props: dict[str, Any]) -> dict[str, Any]:
    # GEXF/GraphML writers want scalars; lists become "a; b".
    return {k: "; ".join(map(str, v)) if isinstance(v, list) else v for k, v in props.items()}
