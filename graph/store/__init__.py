"""Open a store from a location: a file path (embedded FalkorDB) or a Bolt URI (Neo4j)."""

from __future__ import annotations

import os

from .base import GraphStore, StoreError
from .falkor import FalkorStore
from .neo4j_store import Neo4jStore, redact, schema_statements

NEO4J_SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")
DEFAULT_DB = "conveyor.db"


def default_location() -> str:
    return os.environ.get("CONVEYOR_DB") or DEFAULT_DB


def open_store(location: str | None = None, batch_size: int | None = None) -> GraphStore:
    location = location or default_location()
    kwargs = {"batch_size": batch_size} if batch_size else {}
    if location.startswith(NEO4J_SCHEMES):
        return Neo4jStore(location, **kwargs)
    if "://" in location:
        raise StoreError(
            f"unknown store address {redact(location)!r}: give a file path for the embedded store "
            f"or one of {', '.join(NEO4J_SCHEMES)}"
        )
    return FalkorStore(location, **kwargs)


__all__ = [
    "FalkorStore", "GraphStore", "Neo4jStore", "StoreError", "default_location", "open_store", "redact",
    "schema_statements",
]
