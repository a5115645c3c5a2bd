"""Ownership and control: ultimate owners with aggregated shares, proximity to sanctioned entities and
colonies, shared directors and addresses, shortest control paths, and supernodes.

Cypher fetches one hop at a time (parameterised, indexed on the frontier's keys); the walking happens
here, because what we need is not expressible in portable Cypher: shares multiplied along every path
and summed over paths, variable depth as an argument (Cypher bounds must be literals), undirected
shortest paths (FalkorDB's shortestPath is directed only), and skipping supernodes while counting them.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from graph.store.base import GraphStore
from graph.values import primary_label

from .saved import QueryError

MAX_DEPTH = 10
MAX_PATHS = 10_000
PARTY_LABELS = ("Company", "Person")
CONTROL_TYPES = ("OWNS", "DIRECTS")
PATH_TYPES = ("OWNS", "DIRECTS", "CONSOLIDATED_BY", "ASSOCIATE")
DEGREE_TYPES = ("OWNS", "DIRECTS", "REGISTERED_AT", "ASSOCIATE")
# Nominee placeholders that registries record as if they were owners; matched case-insensitively.
SUPERNODE_NAMES = ("bearer", "nominee", "to the bearer", "на предъявителя", "au porteur")
CLOSED_STATUSES = frozenset({"closed", "ended"})
HOP_PROPS = ("share", "share_min", "share_max", "start", "end", "direct", "kind", "status", "role", "record")

_ENTITY = "coalesce({v}.supernode, false) AS {p}supernode, {v}.id AS {p}id, labels({v}) AS {p}labels, " \
          "{v}.name AS {p}name, {v}.country AS {p}country"

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
MATCH (e)-[:SANCTIONED]->(s:Sanction)
WHERE e:Company OR e:Person
RETURN s.id AS sanction, coalesce(s.program, s.authority, s.id) AS reason, {_ENTITY.format(v='e', p='')}
"""

COLONY_SEEDS = f"""
MATCH (col:Colony)-[:OPERATES]->(e:Company)
RETURN col.id AS colony, coalesce(col.name, col.id) AS reason, {_ENTITY.format(v='e', p='')}
"""

SHARED_DIRECTORS = f"""
MATCH (a:Company {{id: $a}})<-[ra:DIRECTS]-(d)-[rb:DIRECTS]->(b:Company {{id: $b}})
RETURN properties(ra) AS via_a, properties(rb) AS via_b, {_ENTITY.format(v='d', p='')}
"""

SHARED_ADDRESSES = """
MATCH (a:Company {id: $a})-[ra:REGISTERED_AT]->(d:Address)<-[rb:REGISTERED_AT]-(b:Company {id: $b})
RETURN properties(ra) AS via_a, properties(rb) AS via_b, coalesce(d.supernode, false) AS supernode,
       d.id AS id, labels(d) AS labels, d.full AS name, d.country AS country
"""

FLAG_BY_DEGREE = {
    label: f"""
MATCH (n:{label})-[r]-()
WHERE type(r) IN $types
WITH n, count(r) AS degree
WHERE degree >= $min_degree
SET n.supernode = true
RETURN count(n) AS flagged
"""
    for label in ("Company", "Person", "Address")
}

FLAG_BY_NAME = {
    label: f"""
MATCH (n:{label})
WHERE n.name IS NOT NULL AND any(p IN $patterns WHERE toLower(n.name) CONTAINS p)
SET n.supernode = true
RETURN count(n) AS flagged
"""
    for label in PARTY_LABELS
}


# -- values ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Entity:
    id: str
    label: str
    name: str | None
    country: str | None
    supernode: bool  # flagged in the graph or named like a nominee placeholder

    @property
    def key(self) -> str:
        return f"{self.label}:{self.id}"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "name": self.name, "country": self.country,
                "supernode": self.supernode}


@dataclass(frozen=True)
class Hop:
    """One relationship on a path, in its stored direction, with the evidence behind it."""

    type: str
    start: str  # entity keys (Label:id)
    end: str
    properties: dict[str, Any]
    sources: tuple[str, ...]
    record_ids: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "start": self.start, "end": self.end, "properties": self.properties,
                "sources": list(self.sources), "record_ids": list(self.record_ids)}


@dataclass
class OwnershipPath:
    nodes: list[str]
    hops: list[Hop]
    share: float | None  # percent; None when some hop's share is unknown
    share_min: float
    share_max: float


@dataclass
class UltimateOwner:
    entity: Entity
    share: float | None  # percent summed over paths; None = unknown (some path has an unknown share)
    share_min: float
    share_max: float
    paths: list[OwnershipPath]

    @property
    def share_text(self) -> str:
        return "unknown" if self.share is None else _pct(self.share)

    @property
    def range_text(self) -> str:
        return _pct(self.share_min) if self.share_min == self.share_max else \
            f"{_pct(self.share_min)}-{_pct(self.share_max)}"


@dataclass
class OwnershipResult:
    company: Entity
    owners: list[UltimateOwner]
    skipped_supernodes: list[Entity] = field(default_factory=list)
    ended_excluded: int = 0
    cycles: list[list[str]] = field(default_factory=list)
    limits_hit: list[str] = field(default_factory=list)


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


@dataclass
class PathResult:
    start: Entity
    end: Entity
    nodes: list[Entity] | None  # None: no path within max_hops
    hops: list[Hop]
    skipped_supernodes: list[Entity] = field(default_factory=list)
    ended_excluded: int = 0


# -- helpers -----------------------------------------------------------------------------------------
def is_supernode_name(name: str | None) -> bool:
    text = (name or "").casefold()
    return any(p in text for p in SUPERNODE_NAMES)


def _entity(row: dict[str, Any]) -> Entity:
    name = row.get("name")
    return Entity(str(row["id"]), primary_label(row.get("labels") or []), name, row.get("country"),
                  bool(row.get("supernode")) or is_supernode_name(name))


def _hop(rel_type: str, start: str, end: str, props: dict[str, Any]) -> Hop:
    return Hop(rel_type, start, end, {k: props[k] for k in HOP_PROPS if props.get(k) is not None},
               tuple(props.get("sources") or ()), tuple(props.get("record_ids") or ()))


def is_active(props: dict[str, Any], as_of: str) -> bool:
    """An interest is over when its status says closed or its end date is before `as_of` (ISO dates)."""
    if str(props.get("status") or "").strip().lower() in CLOSED_STATUSES:
        return False
    end = props.get("end")
    return not (end and str(end)[:10] < as_of)


def _today() -> str:
    return dt.date.today().isoformat()


def _pct(value: float) -> str:
    return f"{round(value, 4):g}"


def _share(value: Any) -> float | None:
    try:
        return None if value is None or value == "" else float(value)
    except (TypeError, ValueError):
        return None


def find_entity(store: GraphStore, entity_id: str) -> Entity:
    for label in PARTY_LABELS:
        rows = store.run(ENTITY_BY_ID[label], {"id": entity_id})
        if rows:
            return _entity(rows[0])
    raise QueryError(f"no Company or Person with id {entity_id!r} in the graph")


def _add_skipped(skipped: dict[str, Entity], entity: Entity) -> None:
    skipped.setdefault(entity.key, entity)


# -- ultimate owners ---------------------------------------------------------------------------------
def ultimate_owners(store: GraphStore, company_id: str, *, min_share: float = 0.0, include_ended: bool = False,
                    include_supernodes: bool = False, max_depth: int = MAX_DEPTH, max_paths: int = MAX_PATHS,
                    as_of: str | None = None) -> OwnershipResult:
    """Owners at the top of every ownership chain above a company, each with its share aggregated over
    all paths (shares multiply along a chain and add across distinct chains).

    A chain with a hop of unknown share makes the owner's share unknown (None, never 0); share_min and
    share_max still bound it using share_min/share_max where given (0 and 100 where not). Several OWNS
    records between the same pair count once (the largest share), since sources often repeat a holding.
    """
    as_of = as_of or _today()
    company = find_entity(store, company_id)
    if company.label != "Company":
        raise QueryError(f"{company_id!r} is a {company.label}, not a Company")
    entities = {company.key: company}
    edges: dict[tuple[str, str], Hop] = {}
    skipped: dict[str, Entity] = {}
    ended = 0
    seen, frontier, limits = {company.id}, [company.id], []
    for depth in itertools.count():
        if not frontier:
            break
        if depth >= max_depth:
            limits.append(f"ownership chains cut at depth {max_depth}")
            break
        next_frontier: list[str] = []
        for row in store.run(OWNERS_OF, {"ids": frontier}):
            owner = _entity(row)
            if not include_ended and not is_active(row["props"], as_of):
                ended += 1
                continue
            if owner.supernode and not include_supernodes:
                _add_skipped(skipped, owner)
                continue
            entities[owner.key] = owner
            pair = (owner.key, f"Company:{row['owned']}")
            hop = _hop("OWNS", *pair, row["props"])
            if pair not in edges or _better(hop, edges[pair]):
                edges[pair] = hop
            if owner.label == "Company" and owner.id not in seen:
                seen.add(owner.id)
                next_frontier.append(owner.id)
        frontier = next_frontier

    graph = nx.DiGraph()
    graph.add_node(company.key)
    for (a, b), hop in edges.items():
        graph.add_edge(a, b, hop=hop)
    cycles = [c for c in itertools.islice(nx.simple_cycles(graph), 100)]
    tops = [n for n in graph if n != company.key and graph.in_degree(n) == 0]
    owners, budget = [], max_paths
    for top in sorted(tops):
        paths = []
        for nodes in nx.all_simple_paths(graph, top, company.key, cutoff=max_depth):
            if budget == 0:
                limits.append(f"stopped after {max_paths} ownership paths")
                break
            budget -= 1
            paths.append(_ownership_path(graph, nodes))
        if not paths:
            continue
        owner = _aggregate(entities[top], paths)
        visible = owner.share if owner.share is not None else owner.share_max
        if visible >= min_share:
            owners.append(owner)
    owners.sort(key=lambda o: (-(o.share if o.share is not None else o.share_max), o.entity.key))
    return OwnershipResult(company, owners, list(skipped.values()), ended, cycles, sorted(set(limits)))


def _better(new: Hop, old: Hop) -> bool:
    a, b = _share(new.properties.get("share")), _share(old.properties.get("share"))
    return a is not None and (b is None or a > b)


def _ownership_path(graph: nx.DiGraph, nodes: list[str]) -> OwnershipPath:
    hops = [graph.edges[a, b]["hop"] for a, b in itertools.pairwise(nodes)]
    exact, low, high = 1.0, 1.0, 1.0
    for hop in hops:
        share = _share(hop.properties.get("share"))
        lo = share if share is not None else (_share(hop.properties.get("share_min")) or 0.0)
        hi = share if share is not None else _share(hop.properties.get("share_max"))
        hi = 100.0 if hi is None else hi
        exact = None if exact is None or share is None else exact * share / 100
        low, high = low * lo / 100, high * hi / 100
    return OwnershipPath(nodes, hops, None if exact is None else exact * 100, low * 100, high * 100)


def _aggregate(entity: Entity, paths: list[OwnershipPath]) -> UltimateOwner:
    known = all(p.share is not None for p in paths)
    share = min(100.0, sum(p.share for p in paths)) if known else None  # type: ignore[misc]
    return UltimateOwner(entity, share, min(100.0, sum(p.share_min for p in paths)),
                         min(100.0, sum(p.share_max for p in paths)), paths)


# -- neighbourhoods ----------------------------------------------------------------------------------
def _neighbours(store: GraphStore, frontier: Iterable[Entity], types: tuple[str, ...]) -> list[dict[str, Any]]:
    by_label: dict[str, list[str]] = {}
    for e in frontier:
        by_label.setdefault(e.label, []).append(e.id)
    rows = []
    for label, ids in by_label.items():
        if label in NEIGHBOURS:
            found = store.run(NEIGHBOURS[label], {"ids": ids, "types": list(types)})
            rows += [{**r, "from_label": label} for r in found]
    return rows


def _walk(store: GraphStore, seeds: list[Entity], types: tuple[str, ...], max_hops: int, *, include_ended: bool,
          include_supernodes: bool, as_of: str, stop_at: str | None = None):
    """Breadth-first over `types` in both directions from all seeds at once. Returns the parent of each
    reached entity (with the hop that reached it), its distance, the entities, skipped supernodes and
    the number of ended relationships left out."""
    entities = {s.key: s for s in seeds}
    parent: dict[str, tuple[str, Hop] | None] = {s.key: None for s in seeds}
    dist = {s.key: 0 for s in seeds}
    skipped: dict[str, Entity] = {}
    ended = 0
    frontier = list(seeds)
    for depth in range(1, max_hops + 1):
        if not frontier or (stop_at and stop_at in dist):
            break
        next_frontier = []
        for row in sorted(_neighbours(store, frontier, types), key=lambda r: (r["from_id"], r["id"], r["type"])):
            if not include_ended and not is_active(row["props"], as_of):
                ended += 1
                continue
            other = _entity(row)
            if other.key in dist:
                continue
            if other.supernode and not include_supernodes and other.key != stop_at:
                _add_skipped(skipped, other)
                continue
            here = f"{row['from_label']}:{row['from_id']}"
            start, end = (here, other.key) if row["forward"] else (other.key, here)
            entities[other.key] = other
            parent[other.key] = (here, _hop(row["type"], start, end, row["props"]))
            dist[other.key] = depth
            next_frontier.append(other)
        frontier = next_frontier
    return parent, dist, entities, skipped, ended


def _trail(parent: dict[str, tuple[str, Hop] | None], key: str) -> tuple[list[str], list[Hop]]:
    nodes, hops = [key], []
    while (step := parent[key]) is not None:
        key, hop = step
        nodes.append(key)
        hops.append(hop)
    return nodes, hops  # from `key` back to its seed


def near(store: GraphStore, kind: str, *, hops: int = 3, include_consolidation: bool = False,
         include_ended: bool = False, include_supernodes: bool = False, as_of: str | None = None) -> ProximityResult:
    """Companies within `hops` ownership/control relationships (either direction) of a sanctioned entity
    (kind="sanctioned") or of a company a colony operates (kind="colony"). Hop 0 is the seed itself."""
    if kind not in ("sanctioned", "colony"):
        raise QueryError(f"unknown proximity kind {kind!r}; use 'sanctioned' or 'colony'")
    rows = store.run(SANCTIONED_SEEDS if kind == "sanctioned" else COLONY_SEEDS)
    reasons: dict[str, list[str]] = {}
    seeds: dict[str, Entity] = {}
    for row in rows:
        e = _entity(row)
        seeds[e.key] = e
        reasons.setdefault(e.key, []).append(str(row["reason"]))
    types = (*CONTROL_TYPES, "CONSOLIDATED_BY") if include_consolidation else CONTROL_TYPES
    parent, dist, entities, skipped, ended = _walk(
        store, sorted(seeds.values(), key=lambda e: e.key), types, hops, include_ended=include_ended,
        include_supernodes=include_supernodes, as_of=as_of or _today())
    found = []
    for key, d in dist.items():
        if entities[key].label != "Company":
            continue
        nodes, path = _trail(parent, key)
        seed = nodes[-1]
        found.append(Nearby(entities[key], d, seeds[seed], "; ".join(sorted(set(reasons[seed]))), path))
    found.sort(key=lambda n: (n.hops, n.company.key))
    return ProximityResult(kind, hops, len(seeds), found, list(skipped.values()), ended)


def shortest_path(store: GraphStore, from_id: str, to_id: str, *, max_hops: int = MAX_DEPTH,
                  include_ended: bool = False, include_supernodes: bool = False,
                  as_of: str | None = None) -> PathResult:
    """The shortest chain of OWNS / DIRECTS / CONSOLIDATED_BY / ASSOCIATE between two entities, in
    any direction; each hop keeps its stored direction and its sources and record ids."""
    start, end = find_entity(store, from_id), find_entity(store, to_id)
    parent, dist, entities, skipped, ended = _walk(
        store, [start], PATH_TYPES, max_hops, include_ended=include_ended, include_supernodes=include_supernodes,
        as_of=as_of or _today(), stop_at=end.key)
    if end.key not in dist:
        return PathResult(start, end, None, [], list(skipped.values()), ended)
    nodes, hops = _trail(parent, end.key)
    return PathResult(start, end, [entities[k] for k in reversed(nodes)], list(reversed(hops)),
                      list(skipped.values()), ended)


def shared(store: GraphStore, company_a: str, company_b: str, *, include_supernodes: bool = False) -> SharedResult:
    """Directors (people or companies) and registered addresses two companies have in common."""
    links, skipped = [], {}
    params = {"a": company_a, "b": company_b}
    for kind, statement, rel in (("director", SHARED_DIRECTORS, "DIRECTS"),
                                 ("address", SHARED_ADDRESSES, "REGISTERED_AT")):
        for row in store.run(statement, params):
            e = _entity(row)
            if e.supernode and not include_supernodes:
                _add_skipped(skipped, e)
                continue
            a, b = f"Company:{company_a}", f"Company:{company_b}"
            via_a = _hop(rel, e.key, a, row["via_a"]) if kind == "director" else _hop(rel, a, e.key, row["via_a"])
            via_b = _hop(rel, e.key, b, row["via_b"]) if kind == "director" else _hop(rel, b, e.key, row["via_b"])
            links.append(SharedLink(kind, e, via_a, via_b))
    links.sort(key=lambda link: (link.kind, link.entity.key))
    return SharedResult(company_a, company_b, links, list(skipped.values()))


# -- supernodes --------------------------------------------------------------------------------------
def flag_supernodes(store: GraphStore, min_degree: int = 500, *, types: tuple[str, ...] = DEGREE_TYPES,
                    by_name: bool = True) -> dict[str, int]:
    """Set supernode=true on companies, persons and addresses with at least `min_degree` relationships
    of `types` (registered agents, mass-registration addresses), and on nominee placeholders by name.
    Returns how many nodes each rule flagged. The flag is only ever added, never cleared."""
    if min_degree < 1:
        raise QueryError("min_degree must be at least 1")
    flagged = {}
    for label, statement in FLAG_BY_DEGREE.items():
        rows = store.run(statement, {"types": list(types), "min_degree": min_degree})
        flagged[f"{label} by degree"] = rows[0]["flagged"] if rows else 0
    if by_name:
        patterns = sorted({p.casefold() for p in SUPERNODE_NAMES})
        for label, statement in FLAG_BY_NAME.items():
            rows = store.run(statement, {"patterns": patterns})
            flagged[f"{label} by name"] = rows[0]["flagged"] if rows else 0
    return flagged
