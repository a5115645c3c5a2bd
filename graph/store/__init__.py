"""Open a store from a location: a file path (embedded FalkorDB), a FalkorDB server URI (redis://,
rediss://, falkordb://) or a Bolt URI (Neo4j)."""

from __future__ import annotations

import os
from typing import Any

from .base import GraphStore, StoreError, redact
from .falkor import FalkorStore
from .falkor_base import FalkorBase
from .falkor_server import SERVER_PREFIXES, FalkorServerStore, ServerAddress, parse_server_uri
from .neo4j_store import Neo4jStore, schema_statements

NEO4J_SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")
DEFAULT_DB = "conveyor.db"


def default_location() -> str:
    return os.environ.get("CONVEYOR_DB") or DEFAULT_DB


def open_store(location: str | None = None, batch_size: int | None = None) -> GraphStore:
    location = location or default_location()
    kwargs: dict[str, Any] = {"batch_size": batch_size} if batch_size else {}
    scheme = location.partition("://")[0].lower() + "://" if "://" in location else ""
    if scheme in NEO4J_SCHEMES:
        return Neo4jStore(location, **kwargs)
    if scheme in SERVER_PREFIXES:
        return FalkorServerStore(location, **kwargs)
    if scheme:
        raise StoreError(
            f"unknown store address {redact(location)!r}: give a file path for the embedded store, "
            f"a FalkorDB server ({', '.join(SERVER_PREFIXES)}) or Neo4j ({', '.join(NEO4J_SCHEMES)})"
        )
    return FalkorStore(location, **kwargs)


__all__ = [
    "FalkorBase", "FalkorServerStore", "FalkorStore", "GraphStore", "Neo4jStore", "ServerAddress", "StoreError",
    "default_location", "open_store", "parse_server_uri", "redact", "schema_statements",
]
