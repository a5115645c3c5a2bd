"""Plain Python values for query results, the same whichever store produced them.

A node is identified by its schema key (`Company:co:acme`), not by a store's internal id, so that the
same entity has the same identity in FalkorDB, Neo4j and every export.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .schema import NODES


@dataclass(frozen=True)
class Node:
    key: str
    labels: tuple[str, ...]
    properties: dict[str, Any] = field(hash=False, compare=False)

    @property
    def label(self) -> str:
        return primary_label(self.labels)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "labels": list(self.labels), "properties": self.properties}


@dataclass(frozen=True)
class Relationship:
    type: str
    start: str
    end: str
    properties: dict[str, Any] = field(hash=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "start": self.start, "end": self.end, "properties": self.properties}


@dataclass(frozen=True)
class Path:
    nodes: tuple[Node, ...]
    relationships: tuple[Relationship, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": [n.to_dict() for n in self.nodes],
            "relationships": [r.to_dict() for r in self.relationships],
        }


def primary_label(labels: tuple[str, ...] | list[str]) -> str:
    for label in labels:
        if label in NODES:
            return label
    return labels[0] if labels else ""


def node_key(labels: tuple[str, ...] | list[str], properties: dict[str, Any], fallback: Any) -> str:
    label = primary_label(labels)
    nt = NODES.get(label)
    if nt is not None and properties.get(nt.key) is not None:
        return f"{label}:{properties[nt.key]}"
    return f"{label or 'node'}#{fallback}"


def to_jsonable(value: Any) -> Any:
    """Nodes, relationships and paths as dicts, recursively, for JSON and CSV output."""
    if isinstance(value, Node | Relationship | Path):
        return value.to_dict()
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
