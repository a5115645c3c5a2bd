"""Ownership and control: ultimate owners with aggregated shares, proximity to sanctioned entities and
colonies, shared directors and addresses, shortest control paths, and supernodes.

Cypher fetches one hop at a time (parameterised, indexed on the frontier's keys); the walking happens
here, because what we need is not expressible in portable Cypher: shares multiplied along every path
and summed over paths, variable depth as an argument (Cypher bounds must be literals), undirected
shortest paths (FalkorDB's shortestPath is directed only), and skipping supernodes while counting them.

Merged entities (queries/merged.py): every function answers for an entity, not a record. An id is
read as its canonical entity, each hop is fetched for all of the entity's merged records, and the
results name canonical entities (with their merged record ids) while each hop keeps the records it
was stored between (`recorded_start` / `recorded_end`).

Shares (percent) carry their basis: "stated" (as the source published it, for one link: exact, or a
range), "computed" (multiplied along a chain of links) or "unknown". An interest the publisher states
as indirect (BODS directOrIndirect = indirect, OWNS.direct = false) is the answer for that owner and
company: chains between the same two parties are not added on top (they are listed as covered).

Dates: every link is taken as in force on `as_of` (default today) when it has started by then and
not ended before it; sanctions are seeds when listed by then and not ended before it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from ..graph import cypher, supernode
from ..graph.rows import Provenance
from ..graph.store.base import GraphStore
from ..graph.values import primary_label
from .merged import MergedView
from .saved import QueryError

MAX_DEPTH = 10
MAX_PATHS = 10_000
PARTY_LABELS = ("Company", "Person")
CONTROL_TYPES = ("OWNS", "DIRECTS")
PATH_TYPES = ("OWNS", "DIRECTS", "CONSOLIDATED_BY", "ASSOCIATE")
DEGREE_TYPES = ("OWNS", "DIRECTS", "REGISTERED_AT", "ASSOCIATE")
SUPERNODE_JOB = "supernode"
CLOSED_STATUSES = frozenset({"closed", "ended"})
HOP_PROPS = ("share", "share_min", "share_max", "start", "end", "direct", "component", "kind", "status", "role",
             "record")

_ENTITY = "coalesce({v}.supernode, false) AS {p}supernode, {v}.supernode_reasons AS {p}supernode_reasons, " \
          "{v}.id AS {p}id, labels({v}) AS {p}labels, {v}.name AS {p}name, {v}.country AS {p}country"

OWNERS_OF = f"""
MATCH (o)-[r:OWNS]->(c:Company)
WHERE c.id IN $ids
RETURN c.id AS owned, properties(r) AS props, {_ENTITY.format(v='o', p='')}
"""

# One per label so that the frontier lookup uses the label's key index.
NEIGHBOURS = {
    label: f"""
MATCH (a:{label})-[r:OWNS|DIRECTS|CONSOLIDATED_BY|ASSOCIATE]-(b)
WHERE a.id IN $ids AND type(r) IN $types AND (b:Company OR b:Person)
RETURN a.id AS from_id, type(r) AS type, startNode(r) = a AS forward, properties(r) AS props,
       {_ENTITY.format(v='b', p='')}
"""
    for label in PARTY_LABELS
}

ENTITY_BY_ID = {
    label: f"MATCH (n:{label} {{id: $id}})\nRETURN {_ENTITY.format(v='n', p='')}" for label in PARTY_LABELS
}

SANCTIONED_SEEDS = f"""
MATCH (e)-[r:SANCTIONED]->(s:Sanction)
WHERE e:Company OR e:Person
RETURN s.id AS sanction, coalesce(s.program, s.authority, s.id) AS reason,
       coalesce(s.listed, r.listed) AS listed, s.end_date AS end_date, {_ENTITY.format(v='e', p='')}
"""

COLONY_SEEDS = f"""
MATCH (col:Colony)-[:OPERATES]->(e:Company)
RETURN col.id AS colony, coalesce(col.name, col.id) AS reason, {_ENTITY.format(v='e', p='')}
"""

SHARED_DIRECTORS = f"""
MATCH (a:Company)<-[ra:DIRECTS]-(d)-[rb:DIRECTS]->(b:Company)
WHERE a.id IN $a AND b.id IN $b
RETURN a.id AS a_id, b.id AS b_id, properties(ra) AS via_a, properties(rb) AS via_b,
       {_ENTITY.format(v='d', p='')}
"""

SHARED_ADDRESSES = """
MATCH (a:Company)-[ra:REGISTERED_AT]->(d:Address)<-[rb:REGISTERED_AT]-(b:Company)
WHERE a.id IN $a AND b.id IN $b
RETURN a.id AS a_id, b.id AS b_id, properties(ra) AS via_a, properties(rb) AS via_b,
       coalesce(d.supernode, false) AS supernode, d.supernode_reasons AS supernode_reasons, d.id AS id,
       labels(d) AS labels, d.full AS name,
       d.country AS country
"""

# Nodes with at least $min_degree links of $types (graph/supernode.at_least), flagged with the reason.
DEGREES_AT_LEAST = {
    label: f"""
MATCH (n:{label})-[r]-()
WHERE type(r) IN $types
WITH n, count(r) AS degree
WHERE degree >= $min_degree
RETURN n.id AS id, degree
"""
    for label in ("Company", "Person", "Address")
}

# Merged entities: the degree of an entity is the sum over its records (read for merged records only).
DEGREE_OF = {
    label: f"""
MATCH (n:{label})-[r]-()
WHERE n.id IN $ids AND type(r) IN $types
RETURN n.id AS id, count(r) AS degree
"""
    for label in PARTY_LABELS
}

FLAG = {label: cypher.flag_supernodes_cypher(label) for label in ("Company", "Person", "Address")}

NAMED_LIKE_NOMINEES = {
    label: f"""
MATCH (n:{label})
WHERE n.name IS NOT NULL AND any(p IN $patterns WHERE toLower(n.name) CONTAINS p)
RETURN n.id AS id
"""
    for label in PARTY_LABELS
}

# Every statement above, for the Cypher linter.
STATEMENTS: dict[str, str] = {
    "owners of": OWNERS_OF, "sanctioned seeds": SANCTIONED_SEEDS, "colony seeds": COLONY_SEEDS,
    "shared directors": SHARED_DIRECTORS, "shared addresses": SHARED_ADDRESSES,
    **{f"neighbours {k}": v for k, v in NEIGHBOURS.items()}, **{f"entity {k}": v for k, v in ENTITY_BY_ID.items()},
    **{f"degrees {k}": v for k, v in DEGREES_AT_LEAST.items()}, **{f"degree of {k}": v for k, v in DEGREE_OF.items()},
    **{f"flag {k}": v for k, v in FLAG.items()}, **{f"named like {k}": v for k, v in NAMED_LIKE_NOMINEES.items()},
}


# -- values ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Entity:
    id: str  # the canonical id when records were merged
    label: str
    name: str | None
    country: str | None
    supernode: bool  # flagged in the graph or named like a nominee placeholder (graph/supernode.py)
    merged_ids: tuple[str, ...] = ()  # the entity's other records, merged into it by `conveyor resolve`
    supernode_reasons: tuple[str, ...] = ()  # why it is one: stored on the node, or its name

    @property
    def key(self) -> str:
        return f"{self.label}:{self.id}"

    @property
    def ids_text(self) -> str:
        """The id, and the merged record ids after it: 'co:a (= co:b, co:c)'."""
        return self.id + (f" (= {', '.join(self.merged_ids)})" if self.merged_ids else "")

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "name": self.name, "country": self.country,
                "supernode": self.supernode, "supernode_reasons": list(self.supernode_reasons),
                "merged_ids": list(self.merged_ids)}


@dataclass(frozen=True)
class Hop:
    """One relationship on a path, in its stored direction, with the evidence behind it. start / end
    are the entities' keys (canonical); recorded_start / recorded_end the records it was stored between."""

    type: str
    start: str  # entity keys (Label:id)
    end: str
    properties: dict[str, Any]
    sources: tuple[str, ...]
    record_ids: tuple[str, ...]
    recorded_start: str = ""
    recorded_end: str = ""

    @property
    def indirect(self) -> bool:
        """The publisher states this interest as held indirectly (through intermediaries)."""
        return self.type == "OWNS" and self.properties.get("direct") is False

    @property
    def share_basis(self) -> str:
        if self.type != "OWNS":
            return ""
        p = self.properties
        return "stated" if any(_share(p.get(k)) is not None for k in ("share", "share_min", "share_max")) \
            else "unknown"

    @property
    def share_text(self) -> str:
        """'30% stated', '30% stated indirect', '25-50% stated', 'unknown' ('' for non-ownership links)."""
        if self.type != "OWNS":
            return ""
        p = self.properties
        share, low, high = _share(p.get("share")), _share(p.get("share_min")), _share(p.get("share_max"))
        if share is None and low is None and high is None:
            return "share unknown"
        value = _pct(share) if share is not None else f"{_pct(low or 0.0)}-{_pct(100.0 if high is None else high)}"
        return f"{value}% stated" + (" indirect" if self.indirect else "")

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "start": self.start, "end": self.end,
                "recorded_start": self.recorded_start or self.start, "recorded_end": self.recorded_end or self.end,
                "properties": self.properties, "share_basis": self.share_basis or None,
                "share_text": self.share_text or None,
                "sources": list(self.sources), "record_ids": list(self.record_ids)}


@dataclass
class OwnershipPath:
    nodes: list[str]
    hops: list[Hop]
    share: float | None  # percent; None when some hop's share is unknown
    share_min: float
    share_max: float

    @property
    def basis(self) -> str:
        """'stated' (one link, as published), 'computed' (multiplied along a chain) or 'unknown'."""
        if any(h.share_basis == "unknown" for h in self.hops):
            return "unknown"
        return "stated" if len(self.hops) == 1 else "computed"

    def to_dict(self) -> dict[str, Any]:
        return {"nodes": self.nodes, "share": "unknown" if self.share is None else self.share,
                "share_min": self.share_min, "share_max": self.share_max, "basis": self.basis,
                "hops": [h.to_dict() for h in self.hops]}


@dataclass
class UltimateOwner:
    entity: Entity
    share: float | None  # percent summed over paths; None = unknown (some path has an unknown share)
    share_min: float
    share_max: float
    paths: list[OwnershipPath]
    # Chains the publisher's stated indirect interest already accounts for: listed, not added.
    covered: list[OwnershipPath] = field(default_factory=list)

    @property
    def share_text(self) -> str:
        return "unknown" if self.share is None else _pct(self.share)

    @property
    def range_text(self) -> str:
        return _pct(self.share_min) if self.share_min == self.share_max else \
            f"{_pct(self.share_min)}-{_pct(self.share_max)}"

    @property
    def basis(self) -> str:
        """'stated' when every counted path is one published link (a direct and a stated indirect
        interest add up and stay stated), 'unknown' when a link's share is not known at all, else
        'computed' (multiplied along a chain)."""
        bases = {p.basis for p in self.paths}
        if "unknown" in bases:
            return "unknown"
        return "stated" if bases == {"stated"} else "computed"

    @property
    def stated_indirect(self) -> bool:
        return any(len(p.hops) == 1 and p.hops[0].indirect for p in self.paths)

    @property
    def basis_text(self) -> str:
        return self.basis + (" indirect" if self.basis == "stated" and self.stated_indirect else "")


@dataclass
class OwnershipResult:
    company: Entity
    owners: list[UltimateOwner]
    skipped_supernodes: list[Entity] = field(default_factory=list)
    ended_excluded: int = 0
    cycles: list[list[str]] = field(default_factory=list)
    limits_hit: list[str] = field(default_factory=list)
    not_started_excluded: int = 0
    as_of: str = ""


@dataclass
class Nearby:
    company: Entity
    hops: int
    seed: Entity  # the sanctioned entity or the colony-operated company it is nearest to
    reason: str  # sanction programme or colony name
    path: list[Hop]


@dataclass
class ProximityResult:
    kind: str  # "sanctioned" or "colony"
    hops: int
    seeds: int
    companies: list[Nearby]
    skipped_supernodes: list[Entity] = field(default_factory=list)
    ended_excluded: int = 0
    not_started_excluded: int = 0
    expired_sanctions: int = 0  # designations ended before as_of: not seeds
    future_sanctions: int = 0  # designations listed after as_of: not seeds
    as_of: str = ""


@dataclass
class SharedLink:
    kind: str  # "director" or "address"
    entity: Entity
    via_a: Hop
    via_b: Hop


@dataclass
class SharedResult:
    a: str
    b: str
    links: list[SharedLink]
    skipped_supernodes: list[Entity] = field(default_factory=list)
    company_a: Entity | None = None
    company_b: Entity | None = None
    ended_excluded: int = 0
    not_started_excluded: int = 0
    as_of: str = ""


@dataclass
class PathResult:
    start: Entity
    end: Entity
    nodes: list[Entity] | None  # None: no path within max_hops
    hops: list[Hop]
    skipped_supernodes: list[Entity] = field(default_factory=list)
    ended_excluded: int = 0
    not_started_excluded: int = 0
    as_of: str = ""


# -- helpers -----------------------------------------------------------------------------------------
def _entity(row: dict[str, Any]) -> Entity:
    name = row.get("name")
    reasons = supernode.reasons(name, stored=row.get("supernode_reasons") or (), flagged=bool(row.get("supernode")))
    return Entity(str(row["id"]), primary_label(row.get("labels") or []), name, row.get("country"),
                  bool(reasons), supernode_reasons=reasons)


class _Entities:
    """Rows -> canonical entities through the merged view; the canonical record's name and country are
    fetched once per merged entity met (by key index)."""

    def __init__(self, store: GraphStore, view: MergedView) -> None:
        self.store, self.view = store, view
        self._cache: dict[str, Entity] = {}

    def of_row(self, row: dict[str, Any]) -> Entity:
        record = _entity(row)
        return self.canonical(record)

    def canonical(self, record: Entity) -> Entity:
        if record.label not in PARTY_LABELS or len(self.view.members(record.id)) == 1:
            return record  # never merged
        cid = self.view.canonical(record.id)
        key = f"{record.label}:{cid}"
        if key not in self._cache:
            rows = self.store.run(ENTITY_BY_ID[record.label], {"id": cid})
            head = _entity(rows[0]) if rows else record
            members = self.view.members(cid)
            reasons = tuple(dict.fromkeys([*head.supernode_reasons, *record.supernode_reasons]))
            self._cache[key] = Entity(cid, record.label, head.name, head.country,
                                      head.supernode or record.supernode, tuple(m for m in members if m != cid),
                                      reasons)
        return self._cache[key]

    def key_of(self, label: str, record_id: str) -> str:
        return f"{label}:{self.view.canonical(record_id)}"


def _hop(rel_type: str, start: str, end: str, props: dict[str, Any], recorded: tuple[str, str] | None = None) -> Hop:
    rs, re_ = recorded or (start, end)
    return Hop(rel_type, start, end, {k: props[k] for k in HOP_PROPS if props.get(k) is not None},
               tuple(props.get("sources") or ()), tuple(props.get("record_ids") or ()), rs, re_)


def in_force(props: dict[str, Any], as_of: str) -> str | None:
    """None when a link is in force on `as_of` (ISO date); else why not: 'ended' (end date before it,
    or closed without an end date) or 'not started' (start date after it)."""
    start, end = props.get("start"), props.get("end")
    if start and str(start)[:10] > as_of:
        return "not started"
    if end:
        return "ended" if str(end)[:10] < as_of else None
    if str(props.get("status") or "").strip().lower() in CLOSED_STATUSES:
        return "ended"  # closed, date unknown: not in force now, and when it ended is not said
    return None


def is_active(props: dict[str, Any], as_of: str) -> bool:
    """An interest is in force on `as_of` when it has started by then and not ended before it."""
    return in_force(props, as_of) is None


class _Skips:
    """Counts links left out as not in force on the day asked about."""

    def __init__(self, include_ended: bool, as_of: str) -> None:
        self.include_ended, self.as_of = include_ended, as_of
        self.ended = self.not_started = 0

    def skip(self, props: dict[str, Any]) -> bool:
        if self.include_ended:
            return False
        why = in_force(props, self.as_of)
        if why == "ended":
            self.ended += 1
        elif why == "not started":
            self.not_started += 1
        return why is not None


def _today() -> str:
    return dt.date.today().isoformat()


def check_date(value: str | None) -> str:
    """An ISO date (YYYY-MM-DD) or today; anything else is a clear error."""
    if value is None or value == "":
        return _today()
    try:
        return dt.date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        raise QueryError(f"--as-of must be a date as YYYY-MM-DD, got {value!r}") from None


def _pct(value: float) -> str:
    return f"{round(value, 4):g}"


def _share(value: Any) -> float | None:
    try:
        return None if value is None or value == "" else float(value)
    except (TypeError, ValueError):
        return None


def find_entity(store: GraphStore, entity_id: str, view: MergedView | None = None) -> Entity:
    """The entity `entity_id` names: its canonical record when it was merged, with the merged ids."""
    view = view if view is not None else MergedView()
    for candidate in dict.fromkeys((entity_id, view.canonical(entity_id))):
        for label in PARTY_LABELS:
            rows = store.run(ENTITY_BY_ID[label], {"id": candidate})
            if rows:
                return _Entities(store, view).canonical(_entity(rows[0]))
    raise QueryError(f"no Company or Person with id {entity_id!r} in the graph")


def _add_skipped(skipped: dict[str, Entity], entity: Entity) -> None:
    skipped.setdefault(entity.key, entity)


# -- ultimate owners ---------------------------------------------------------------------------------
def ultimate_owners(store: GraphStore, company_id: str, *, min_share: float = 0.0, include_ended: bool = False,  # noqa: C901, PLR0913  keyword-only walk settings; to become a settings type (issue 11 item 3)
                    include_supernodes: bool = False, max_depth: int = MAX_DEPTH, max_paths: int = MAX_PATHS,
                    as_of: str | None = None, view: MergedView | None = None) -> OwnershipResult:
    """Owners at the top of every ownership chain above a company, each with its share aggregated over
    all paths (shares multiply along a chain and add across distinct chains).

    A chain with a hop of unknown share makes the owner's share unknown (None, never 0); share_min and
    share_max still bound it using share_min/share_max where given (0 and 100 where not). Several OWNS
    records between the same two entities count once (the largest share), since sources (and merged
    records) often repeat a holding; an interest stated as indirect is kept beside a direct one (they
    add up), and replaces the chains between the same two entities (see the module docstring).
    """
    as_of = check_date(as_of)
    view = view if view is not None else MergedView.load(store)
    resolve = _Entities(store, view)
    company = find_entity(store, company_id, view)
    if company.label != "Company":
        raise QueryError(f"{company_id!r} is a {company.label}, not a Company")
    entities = {company.key: company}
    # (owner key, owned key) -> {"indirect" | "other": best hop}
    links: dict[tuple[str, str], dict[str, Hop]] = {}
    skipped: dict[str, Entity] = {}
    skips = _Skips(include_ended, as_of)
    seen, frontier, limits = {company.id}, [company.id], []
    for depth in itertools.count():
        if not frontier:
            break
        if depth >= max_depth:
            limits.append(f"ownership chains cut at depth {max_depth}")
            break
        next_frontier: list[str] = []
        for row in store.run(OWNERS_OF, {"ids": view.expand(frontier)}):
            owner = resolve.of_row(row)
            owned = resolve.key_of("Company", str(row["owned"]))
            if owner.key == owned:
                continue  # a record owning another record of the same merged entity
            if skips.skip(row["props"]):
                continue
            if owner.supernode and not include_supernodes:
                _add_skipped(skipped, owner)
                continue
            entities[owner.key] = owner
            recorded = (f"{owner.label}:{row['id']}", f"Company:{row['owned']}")
            hop = _hop("OWNS", owner.key, owned, row["props"], recorded)
            slot = links.setdefault((owner.key, owned), {})
            kind = "indirect" if hop.indirect else "other"
            if kind not in slot or _better(hop, slot[kind]):
                slot[kind] = hop
            if owner.label == "Company" and owner.id not in seen:
                seen.add(owner.id)
                next_frontier.append(owner.id)
        frontier = next_frontier

    graph = nx.DiGraph()
    graph.add_node(company.key)
    for (a, b), slot in links.items():
        graph.add_edge(a, b, hops=[slot[k] for k in ("other", "indirect") if k in slot])
    stated_indirect = {pair for pair, slot in links.items() if "indirect" in slot}
    cycles = [c for c in itertools.islice(nx.simple_cycles(graph), 100)]
    tops = [n for n in graph if n != company.key and graph.in_degree(n) == 0]
    owners: list[UltimateOwner] = []
    budget = max_paths
    for top in sorted(tops):
        paths: list[OwnershipPath] = []
        covered: list[OwnershipPath] = []
        for nodes in nx.all_simple_paths(graph, top, company.key, cutoff=max_depth):
            for path in _ownership_paths(graph, nodes):
                if budget == 0:
                    limits.append(f"stopped after {max_paths} ownership paths")
                    break
                budget -= 1
                (covered if _covered(nodes, stated_indirect) else paths).append(path)
        if not paths:
            continue
        found = _aggregate(entities[top], paths, covered)
        visible = found.share if found.share is not None else found.share_max
        if visible >= min_share:
            owners.append(found)
    owners.sort(key=lambda o: (-(o.share if o.share is not None else o.share_max), o.entity.key))
    return OwnershipResult(company, owners, list(skipped.values()), skips.ended, cycles, sorted(set(limits)),
                           skips.not_started, as_of)


def _better(new: Hop, old: Hop) -> bool:
    a, b = _share(new.properties.get("share")), _share(old.properties.get("share"))
    if a is not None or b is not None:
        return a is not None and (b is None or a > b)
    # Neither exact: the one with a stated range beats none at all.
    return new.share_basis == "stated" and old.share_basis != "stated"


def _covered(nodes: list[str], stated_indirect: set[tuple[str, str]]) -> bool:
    """A chain with two entities on it that the publisher links by a stated indirect interest: that
    interest is the published result of this chain (BODS components), so the chain is not added."""
    return any((nodes[i], nodes[j]) in stated_indirect
               for i in range(len(nodes)) for j in range(i + 2, len(nodes)))


def _ownership_paths(graph: nx.DiGraph, nodes: list[str]) -> list[OwnershipPath]:
    """One path per choice of link at each step (a stated indirect interest beside a direct one)."""
    choices = [graph.edges[a, b]["hops"] for a, b in itertools.pairwise(nodes)]
    return [_ownership_path(nodes, list(hops)) for hops in itertools.product(*choices)]


def _ownership_path(nodes: list[str], hops: list[Hop]) -> OwnershipPath:
    exact: float | None = 1.0
    low, high = 1.0, 1.0
    for hop in hops:
        share = _share(hop.properties.get("share"))
        lo = share if share is not None else (_share(hop.properties.get("share_min")) or 0.0)
        given = share if share is not None else _share(hop.properties.get("share_max"))
        hi = 100.0 if given is None else given
        exact = None if exact is None or share is None else exact * share / 100
        low, high = low * lo / 100, high * hi / 100
    return OwnershipPath(nodes, hops, None if exact is None else exact * 100, low * 100, high * 100)


def _aggregate(entity: Entity, paths: list[OwnershipPath], covered: list[OwnershipPath]) -> UltimateOwner:
    known = all(p.share is not None for p in paths)
    share = min(100.0, sum(p.share for p in paths)) if known else None  # type: ignore[misc]
    return UltimateOwner(entity, share, min(100.0, sum(p.share_min for p in paths)),
                         min(100.0, sum(p.share_max for p in paths)), paths, covered)


# -- neighbourhoods ----------------------------------------------------------------------------------
def _neighbours(store: GraphStore, view: MergedView, frontier: Iterable[Entity],
                types: tuple[str, ...]) -> list[dict[str, Any]]:
    by_label: dict[str, list[str]] = {}
    for e in frontier:
        by_label.setdefault(e.label, []).append(e.id)
    rows = []
    for label, ids in by_label.items():
        if label in NEIGHBOURS:
            found = store.run(NEIGHBOURS[label], {"ids": view.expand(ids), "types": list(types)})
            rows += [{**r, "from_label": label} for r in found]
    return rows


@dataclass
class _Walk:
    parent: dict[str, tuple[str, Hop] | None]
    dist: dict[str, int]
    entities: dict[str, Entity]
    skipped: dict[str, Entity]
    skips: _Skips


def _walk(store: GraphStore, view: MergedView, seeds: list[Entity], types: tuple[str, ...], max_hops: int, *,  # noqa: PLR0913  keyword-only walk settings; to become a settings type (issue 11 item 3)
          include_ended: bool, include_supernodes: bool, as_of: str, stop_at: str | None = None) -> _Walk:
    """Breadth-first over `types` in both directions from all seeds at once, entity by entity (a merged
    entity's links are those of all its records)."""
    resolve = _Entities(store, view)
    walk = _Walk({s.key: None for s in seeds}, {s.key: 0 for s in seeds}, {s.key: s for s in seeds}, {},
                 _Skips(include_ended, as_of))
    frontier = list(seeds)
    for depth in range(1, max_hops + 1):
        if not frontier or (stop_at and stop_at in walk.dist):
            break
        next_frontier = []
        rows = _neighbours(store, view, frontier, types)
        for row in sorted(rows, key=lambda r: (view.canonical(r["from_id"]), r["from_id"], r["id"], r["type"])):
            here = resolve.key_of(row["from_label"], str(row["from_id"]))
            other = resolve.of_row(row)
            if other.key == here:
                continue  # a link between two records of one merged entity
            if walk.skips.skip(row["props"]) or other.key in walk.dist:
                continue
            if other.supernode and not include_supernodes and other.key != stop_at:
                _add_skipped(walk.skipped, other)
                continue
            recorded_here, recorded_other = f"{row['from_label']}:{row['from_id']}", f"{other.label}:{row['id']}"
            if row["forward"]:
                hop = _hop(row["type"], here, other.key, row["props"], (recorded_here, recorded_other))
            else:
                hop = _hop(row["type"], other.key, here, row["props"], (recorded_other, recorded_here))
            walk.entities[other.key] = other
            walk.parent[other.key] = (here, hop)
            walk.dist[other.key] = depth
            next_frontier.append(other)
        frontier = next_frontier
    return walk


def _trail(parent: dict[str, tuple[str, Hop] | None], key: str) -> tuple[list[str], list[Hop]]:
    nodes, hops = [key], []
    while (step := parent[key]) is not None:
        key, hop = step
        nodes.append(key)
        hops.append(hop)
    return nodes, hops  # from `key` back to its seed


def near(store: GraphStore, kind: str, *, hops: int = 3, include_consolidation: bool = False,  # noqa: PLR0913  keyword-only walk settings; to become a settings type (issue 11 item 3)
         include_ended: bool = False, include_supernodes: bool = False, as_of: str | None = None,
         include_expired: bool = False, view: MergedView | None = None) -> ProximityResult:
    """Companies within `hops` ownership/control relationships (either direction) of a sanctioned entity
    (kind="sanctioned") or of a company a colony operates (kind="colony"). Hop 0 is the seed itself.

    A sanction is a seed on `as_of` when it was listed by then and had not ended before it; the
    designations left out are counted (include_expired keeps them all)."""
    if kind not in ("sanctioned", "colony"):
        raise QueryError(f"unknown proximity kind {kind!r}; use 'sanctioned' or 'colony'")
    as_of = check_date(as_of)
    view = view if view is not None else MergedView.load(store)
    resolve = _Entities(store, view)
    rows = store.run(SANCTIONED_SEEDS if kind == "sanctioned" else COLONY_SEEDS)
    reasons: dict[str, list[str]] = {}
    seeds: dict[str, Entity] = {}
    expired: set[str] = set()
    future: set[str] = set()
    for row in rows:
        if kind == "sanctioned" and not include_expired:
            listed, ended = row.get("listed"), row.get("end_date")
            if ended and str(ended)[:10] < as_of:
                expired.add(str(row["sanction"]))
                continue
            if listed and str(listed)[:10] > as_of:
                future.add(str(row["sanction"]))
                continue
        e = resolve.of_row(row)
        seeds[e.key] = e
        reasons.setdefault(e.key, []).append(str(row["reason"]))
    types = (*CONTROL_TYPES, "CONSOLIDATED_BY") if include_consolidation else CONTROL_TYPES
    walk = _walk(store, view, sorted(seeds.values(), key=lambda e: e.key), types, hops,
                 include_ended=include_ended, include_supernodes=include_supernodes, as_of=as_of)
    found = []
    for key, d in walk.dist.items():
        if walk.entities[key].label != "Company":
            continue
        nodes, path = _trail(walk.parent, key)
        seed = nodes[-1]
        found.append(Nearby(walk.entities[key], d, seeds[seed], "; ".join(sorted(set(reasons[seed]))), path))
    found.sort(key=lambda n: (n.hops, n.company.key))
    return ProximityResult(kind, hops, len(seeds), found, list(walk.skipped.values()), walk.skips.ended,
                           walk.skips.not_started, len(expired), len(future), as_of)


def shortest_path(store: GraphStore, from_id: str, to_id: str, *, max_hops: int = MAX_DEPTH,
                  include_ended: bool = False, include_supernodes: bool = False,
                  as_of: str | None = None, view: MergedView | None = None) -> PathResult:
    """The shortest chain of OWNS / DIRECTS / CONSOLIDATED_BY / ASSOCIATE between two entities, in
    any direction; each hop keeps its stored direction and its sources and record ids. Two ids of one
    merged entity are a path of no hops."""
    as_of = check_date(as_of)
    view = view if view is not None else MergedView.load(store)
    start, end = find_entity(store, from_id, view), find_entity(store, to_id, view)
    walk = _walk(store, view, [start], PATH_TYPES, max_hops, include_ended=include_ended,
                 include_supernodes=include_supernodes, as_of=as_of, stop_at=end.key)
    skipped = list(walk.skipped.values())
    if end.key not in walk.dist:
        return PathResult(start, end, None, [], skipped, walk.skips.ended, walk.skips.not_started, as_of)
    nodes, hops = _trail(walk.parent, end.key)
    return PathResult(start, end, [walk.entities[k] for k in reversed(nodes)], list(reversed(hops)),
                      skipped, walk.skips.ended, walk.skips.not_started, as_of)


def shared(store: GraphStore, company_a: str, company_b: str, *, include_supernodes: bool = False,
           include_ended: bool = False, as_of: str | None = None, view: MergedView | None = None) -> SharedResult:
    """Directors (people or companies) and registered addresses two companies have in common, each once
    per entity (a director recorded twice and merged is one link; its records are all listed)."""
    as_of = check_date(as_of)
    view = view if view is not None else MergedView.load(store)
    resolve = _Entities(store, view)
    a_entity, b_entity = find_entity(store, company_a, view), find_entity(store, company_b, view)
    if a_entity.key == b_entity.key:
        raise QueryError(f"{company_a!r} and {company_b!r} are records of one merged entity ({a_entity.id})")
    skips = _Skips(include_ended, as_of)
    found: dict[tuple[str, str], SharedLink] = {}
    skipped: dict[str, Entity] = {}
    params = {"a": list(view.members(a_entity.id)), "b": list(view.members(b_entity.id))}
    a, b = a_entity.key, b_entity.key
    for kind, statement, rel in (("director", SHARED_DIRECTORS, "DIRECTS"),
                                 ("address", SHARED_ADDRESSES, "REGISTERED_AT")):
        for row in sorted(store.run(statement, params), key=lambda r: (r["id"], r["a_id"], r["b_id"])):
            e = resolve.of_row(row)
            if e.supernode and not include_supernodes:
                _add_skipped(skipped, e)
                continue
            if skips.skip(row["via_a"]) or skips.skip(row["via_b"]):
                continue
            ra, rb, rd = f"Company:{row['a_id']}", f"Company:{row['b_id']}", f"{e.label}:{row['id']}"
            if kind == "director":
                via_a = _hop(rel, e.key, a, row["via_a"], (rd, ra))
                via_b = _hop(rel, e.key, b, row["via_b"], (rd, rb))
            else:
                via_a = _hop(rel, a, e.key, row["via_a"], (ra, rd))
                via_b = _hop(rel, b, e.key, row["via_b"], (rb, rd))
            link = found.get((kind, e.key))
            if link is None:
                found[(kind, e.key)] = SharedLink(kind, e, via_a, via_b)
            else:  # another record of the same entity: one link, every record behind it
                found[(kind, e.key)] = SharedLink(kind, e, _more_records(link.via_a, via_a),
                                                  _more_records(link.via_b, via_b))
    links = sorted(found.values(), key=lambda link: (link.kind, link.entity.key))
    return SharedResult(company_a, company_b, links, list(skipped.values()), a_entity, b_entity, skips.ended,
                        skips.not_started, as_of)


def _more_records(hop: Hop, other: Hop) -> Hop:
    def union(x: tuple[str, ...], y: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*x, *y)))
    return Hop(hop.type, hop.start, hop.end, hop.properties, union(hop.sources, other.sources),
               union(hop.record_ids, other.record_ids), hop.recorded_start, hop.recorded_end)


# -- supernodes --------------------------------------------------------------------------------------
def flag_supernodes(store: GraphStore, min_degree: int = supernode.DEFAULT_MIN_DEGREE, *,
                    types: tuple[str, ...] = DEGREE_TYPES, by_name: bool = True,
                    view: MergedView | None = None) -> dict[str, int]:
    """Flag companies, persons and addresses with at least `min_degree` relationships of `types`
    (registered agents, mass-registration addresses), and nominee placeholders by name: supernode = true,
    the rule's reason in supernode_reasons (graph/supernode.py), the job in derived_by. A merged
    entity's degree is the sum over its records: when it reaches `min_degree`, every record is flagged.
    Returns how many nodes each rule flagged. The flag is only ever added, never cleared; a rule
    flagging again replaces its own reason."""
    if min_degree < 1:
        raise QueryError("min_degree must be at least 1")
    view = view if view is not None else MergedView.load(store)
    job = Provenance.derived(SUPERNODE_JOB)
    counted = f"{', '.join(types)} links"
    flagged = {}
    for label, statement in DEGREES_AT_LEAST.items():
        rows = store.run(statement, {"types": list(types), "min_degree": min_degree})
        flags = [(r["id"], supernode.degree_reason(int(r["degree"]), min_degree, counted)) for r in rows]
        flagged[f"{label} by degree"] = _flag(store, label, flags, supernode.DEGREE, job)
    if len(view):
        for label in PARTY_LABELS:
            merged = [m for ms in view.members_of.values() for m in ms]
            degree: dict[str, int] = {}
            for offset in range(0, len(merged), 5000):
                for row in store.run(DEGREE_OF[label], {"ids": merged[offset:offset + 5000], "types": list(types)}):
                    c = view.canonical(str(row["id"]))
                    degree[c] = degree.get(c, 0) + int(row["degree"])
            flags = [(m, supernode.degree_reason(d, min_degree, f"{counted} of the merged entity {c}"))
                     for c, d in degree.items() if supernode.at_least(d, min_degree) for m in view.members(c)]
            flagged[f"{label} merged entities by degree"] = _flag(store, label, flags, supernode.DEGREE, job)
    if by_name:
        patterns = sorted({p.casefold() for p in supernode.NOMINEE_NAMES})
        for label, statement in NAMED_LIKE_NOMINEES.items():
            rows = store.run(statement, {"patterns": patterns})
            flagged[f"{label} by name"] = _flag(store, label, [(r["id"], supernode.NOMINEE) for r in rows],
                                                supernode.NOMINEE, job)
    return flagged


def _flag(store: GraphStore, label: str, flags: list[tuple[str, str]], rule: str, job: Provenance) -> int:
    """(id, reason) pairs written by cypher.flag_supernodes_cypher; how many nodes were flagged."""
    rows = cypher.flag_params(flags, rule)
    written = 0
    for offset in range(0, len(rows), store.batch_size):
        result = store.run(FLAG[label], {"rows": rows[offset:offset + store.batch_size],
                                         "prov": cypher.prov_params(job)})
        written += result[0]["written"] if result else 0
    return written
