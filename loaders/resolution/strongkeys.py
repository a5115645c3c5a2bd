"""Candidates from identifiers: the same LEI, UNP, OGRN, INN, IMO or registration number in the same
jurisdiction is the same entity, whatever the names say."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from .entities import Entity


def strong_key_pairs(entities: Sequence[Entity]) -> dict[tuple[int, int], list[str]]:
    """(i, j) index pairs (i < j) with the reasons ['lei=...', ...]. Members of a group are linked to
    the group's first member (a star, not all pairs): the component is the same, the edges linear."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, e in enumerate(entities):
        for k, v in e.keys.items():
            groups[(k, v)].append(i)
    pairs: dict[tuple[int, int], list[str]] = defaultdict(list)
    for (k, v), members in groups.items():
        head = members[0]
        for other in members[1:]:
            pair = (min(head, other), max(head, other))
            pairs[pair].append(f"{k}={v}")
    return dict(pairs)
