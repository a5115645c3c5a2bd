"""The merged view: connected components of merge edges, never joining two entities a person rejected
(a cannot-link), each with a canonical id."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .entities import Entity


def components(n: int, edges: Iterable[tuple[int, int]], cannot: set[tuple[int, int]]) -> list[list[int]]:
    """Union-find over `edges` in the order given (best first), skipping a union that would put a
    rejected pair in one component. Returns components of two or more members."""
    parent = list(range(n))
    members: dict[int, set[int]] = {}
    banned: dict[int, set[int]] = {}
    for a, b in cannot:
        banned.setdefault(a, set()).add(b)
        banned.setdefault(b, set()).add(a)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        ma, mb = members.get(ra, {ra}), members.get(rb, {rb})
        if banned and _conflict(ma, mb, banned):
            continue
        if len(ma) < len(mb):
            ra, rb, ma, mb = rb, ra, mb, ma
        parent[rb] = ra
        ma |= mb
        members[ra] = ma
        members.pop(rb, None)
    return [sorted(m) for m in members.values() if len(m) > 1]


def _conflict(ma: set[int], mb: set[int], banned: dict[int, set[int]]) -> bool:
    small, other = (ma, mb) if len(ma) <= len(mb) else (mb, ma)
    return any(banned.get(x, set()) & other for x in small)


def canonical(entities: Sequence[Entity], member_ids: list[int]) -> str:
    """The member with most identifiers, then most sources, then the smallest id: stable across runs."""
    best = min(member_ids, key=lambda i: (-len(entities[i].keys), -len(entities[i].sources), entities[i].id))
    return entities[best].id
