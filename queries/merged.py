"""The merged view: one place that knows which records `conveyor resolve` merged into one entity.

`conveyor resolve` sets `merged_into` = the canonical id on every member of a merged cluster (the
canonical record included) of Company and Person. Every query that takes or reports an entity id goes
through a MergedView: `members(id)` is what to look up (all records of the entity, whichever id was
given), `canonical(id)` is what to report. Ids that were never merged map to themselves, so an
unresolved graph answers exactly as before.

The view is read once per query run, by the `merged_into` index (a range predicate, which FalkorDB and
Neo4j both answer from the index): its cost grows with the number of merged records, not with the
graph. Routes, exports and any other query module can use it the same way:

    view = MergedView.load(store)
    rows = store.run(CYPHER, {"ids": view.expand([given_id])})
    report = view.canonical(row["id"])
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..graph.schema import node_type
from ..graph.store.base import GraphStore

MERGED_LABELS = ("Company", "Person")


def merged_members_cypher(label: str) -> str:
    # `>= ''` rather than IS NOT NULL: FalkorDB answers a range predicate from the index but scans
    # every node of the label for IS NOT NULL.
    key = node_type(label).key
    return (f"MATCH (n:{label}) WHERE n.merged_into >= '' "
            f"RETURN n.{key} AS id, n.merged_into AS canonical")


MERGED_MEMBERS = {label: merged_members_cypher(label) for label in MERGED_LABELS}


@dataclass
class MergedView:
    """member id -> canonical id, and canonical id -> every member id (the canonical first)."""

    canonical_of: dict[str, str] = field(default_factory=dict)
    members_of: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def load(cls, store: GraphStore, labels: Iterable[str] = MERGED_LABELS) -> MergedView:
        pairs: dict[str, str] = {}
        for label in labels:
            for row in store.run(MERGED_MEMBERS[label]):
                pairs[str(row["id"])] = str(row["canonical"])
        return cls.from_pairs(pairs)

    @classmethod
    def from_pairs(cls, pairs: dict[str, str]) -> MergedView:
        groups: dict[str, set[str]] = {}
        for member, canonical in pairs.items():
            groups.setdefault(canonical, {canonical}).add(member)
        members = {c: (c, *sorted(m - {c})) for c, m in groups.items()}
        canonical_of = {m: c for c, ms in members.items() for m in ms}
        return cls(canonical_of, members)

    def __len__(self) -> int:
        return len(self.canonical_of)

    def canonical(self, entity_id: str) -> str:
        return self.canonical_of.get(entity_id, entity_id)

    def members(self, entity_id: str) -> tuple[str, ...]:
        """Every record id of the entity `entity_id` belongs to, the canonical id first."""
        return self.members_of.get(self.canonical(entity_id), (entity_id,))

    def others(self, entity_id: str) -> tuple[str, ...]:
        """The merged records other than the canonical one (empty when nothing was merged)."""
        return self.members(entity_id)[1:]

    def expand(self, ids: Iterable[str]) -> list[str]:
        """All member ids of the given ids' entities, each once, in a stable order."""
        out: dict[str, None] = {}
        for i in ids:
            for m in self.members(i):
                out.setdefault(m, None)
        return list(out)

    def same(self, a: str, b: str) -> bool:
        return self.canonical(a) == self.canonical(b)
