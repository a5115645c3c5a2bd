"""Neo4j over Bolt with the official driver: managed write transactions with retries, or one explicit
transaction for a whole load (atomic)."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from typing import Any

from ..schema import index_specs
from ..values import Node, Path, Relationship, node_key
from .base import GraphStore, Row, StoreError, redact

_WRITE = re.compile(r"\b(CREATE|MERGE|SET|DELETE|REMOVE|DROP)\b", re.IGNORECASE)

# Rows per UNWIND statement: 10k keeps round trips few while one statement's
# working memory on the server stays small. Outside atomic() each batch is its own managed write
# transaction (execute_write), which the driver retries on transient errors: harmless, the upserts are
# MERGEs. Inside atomic() every batch joins the load's one explicit transaction: all or nothing, and no
# automatic retry, since half a load cannot be re-run safely from inside the driver.
NEO4J_BATCH_SIZE = 10_000


def schema_statements() -> list[str]:
    """Neo4j DDL for graph.schema.index_specs: a uniqueness constraint (which brings its index) per key,
    an index per indexed property."""
    return [
        f"CREATE CONSTRAINT {spec.label.lower()}_{spec.property}_unique IF NOT EXISTS "
        f"FOR (n:{spec.label}) REQUIRE n.{spec.property} IS UNIQUE" if spec.unique else
        f"CREATE INDEX {spec.label.lower()}_{spec.property} IF NOT EXISTS FOR (n:{spec.label}) ON (n.{spec.property})"
        for spec in index_specs()
    ]


class Neo4jStore(GraphStore):
    kind = "neo4j"

    def __init__(
        self,
        uri: str,
        user: str | None = None,
        password: str | None = None,
        database: str | None = None,
        batch_size: int = NEO4J_BATCH_SIZE,
    ) -> None:
        super().__init__(batch_size)
        import neo4j

        if "@" in uri.partition("://")[2]:
            # The driver would echo the whole address, password included, in its error messages.
            raise StoreError(f"{redact(uri)}: a user or password in the address is not used; "
                             "set NEO4J_USER and NEO4J_PASSWORD in the environment instead")
        self._uri = uri
        user = user if user is not None else os.environ.get("NEO4J_USER", "neo4j")
        password = password if password is not None else os.environ.get("NEO4J_PASSWORD")
        if password is None:
            raise StoreError(
                f"no password for {redact(uri)}: set NEO4J_PASSWORD (and NEO4J_USER) in the environment"
            )
        self._database = database or os.environ.get("NEO4J_DATABASE") or None
        try:
            # Any: close() sets it to None, and every other use follows a successful connect.
            self._driver: Any = neo4j.GraphDatabase.driver(uri, auth=(user, password))
            self._driver.verify_connectivity()
        except Exception as exc:
            raise StoreError(f"cannot connect to Neo4j at {redact(uri)}: "
                             f"{_scrubbed(str(exc), uri, password)}") from None
        self._tx: Any = None

    @property
    def location(self) -> str:
        return redact(self._uri)

    def _execute(self, cypher_text: str, params: dict[str, Any]) -> list[Row]:
        import neo4j

        def work(tx: Any) -> list[Row]:
            result = tx.run(cypher_text, params)
            return [{k: _plain(v) for k, v in record.items()} for record in result]

        try:
            if self._tx is not None:
                return work(self._tx)
            with self._driver.session(database=self._database) as session:
                if _WRITE.search(cypher_text):
                    return session.execute_write(work)  # retried by the driver on transient errors
                return session.execute_read(work)
        except neo4j.exceptions.Neo4jError as exc:
            raise StoreError(f"Neo4j: {exc.code}: {exc.message}") from exc

    def _execute_read_only(self, cypher_text: str, params: dict[str, Any]) -> list[Row]:
        import neo4j

        def work(tx: Any) -> list[Row]:
            return [{k: _plain(v) for k, v in record.items()} for record in tx.run(cypher_text, params)]

        if self._tx is not None:
            raise StoreError("a read-only statement cannot join the load's write transaction")
        try:  # a READ session: the server refuses any write in it (single instance and cluster alike)
            with self._driver.session(database=self._database, default_access_mode=neo4j.READ_ACCESS) as session:
                return session.execute_read(work)
        except neo4j.exceptions.Neo4jError as exc:
            raise StoreError(f"Neo4j: {exc.code}: {exc.message}") from exc

    def ensure_schema(self) -> None:
        for statement in schema_statements():
            self.run(statement)

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        if self._tx is not None:  # nested: the outer transaction decides
            yield
            return
        session = self._driver.session(database=self._database)
        self._tx = session.begin_transaction()
        try:
            yield
        except BaseException:
            self._tx.rollback()
            raise
        else:
            self._tx.commit()
        finally:
            self._tx = None
            session.close()

    def save(self) -> None:
        """Nothing to do: every committed transaction is already durable on the server."""

    def close(self) -> None:
        driver = getattr(self, "_driver", None)
        if driver is not None:
            driver.close()
            self._driver = None


def _plain(value: Any) -> Any:
    import neo4j.graph
    import neo4j.time

    if isinstance(value, neo4j.graph.Node):
        return _node(value)
    if isinstance(value, neo4j.graph.Relationship):
        return _relationship(value)
    if isinstance(value, neo4j.graph.Path):
        return Path(tuple(_node(n) for n in value.nodes), tuple(_relationship(r) for r in value.relationships))
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, neo4j.time.Date | neo4j.time.DateTime):
        return value.to_native()
    return value


def _node(n: Any) -> Node:
    labels = tuple(sorted(n.labels))
    props = dict(n.items())
    return Node(node_key(labels, props, n.element_id), labels, props)


def _relationship(r: Any) -> Relationship:
    return Relationship(r.type, _node(r.start_node).key, _node(r.end_node).key, dict(r.items()))


def _scrubbed(message: str, uri: str, password: str) -> str:
    """A driver message without the address as given (it may carry a query string) or the password."""
    message = message.replace(uri, redact(uri))
    return message.replace(password, "***") if password else message
