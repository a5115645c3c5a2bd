"""Owners answers (queries/ownership.py) as things people read and tools open: the names and countries
of every entity on a chain (the results carry keys for the entities in between), JSON documents, table
rows with fixed columns, export selections, and why an answer is empty."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx

from ..graph.store.base import GraphStore
from .ownership import Entity, Hop, OwnershipResult, PathResult, ProximityResult, SharedResult
from .subgraph import Selection, add_entity, edge_properties, entities, links_around


@dataclass(frozen=True)
class Named:
    key: str
    id: str
    label: str
    name: str
    country: str

    @property
    def text(self) -> str:
        """'Name [CC] (id)' or the id alone when the graph has no name."""
        country = f" [{self.country}]" if self.country else ""
        return f"{self.name}{country} ({self.id})" if self.name else f"{self.id}{country}"


class Names:
    """Names and countries by entity key, read once per answer (by key index)."""

    def __init__(self, store: GraphStore, keys: Iterable[str], known: Iterable[Entity] = ()) -> None:
        self._by_key: dict[str, Named] = {}
        for e in known:
            self._by_key[e.key] = Named(e.key, e.id, e.label, e.name or "", e.country or "")
        missing = [k for k in dict.fromkeys(keys) if k not in self._by_key]
        for key, row in entities(store, missing).items():
            label, _, entity_id = key.partition(":")
            self._by_key[key] = Named(key, entity_id, label, str(row.get("name") or ""), str(row.get("country") or ""))

    def __getitem__(self, key: str) -> Named:
        if key not in self._by_key:
            label, _, entity_id = key.partition(":")
            self._by_key[key] = Named(key, entity_id, label, "", "")
        return self._by_key[key]


def hop_keys(hops: Iterable[Hop]) -> list[str]:
    return [k for h in hops for k in (h.start, h.end)]


def names_for_ultimate(store: GraphStore, result: OwnershipResult) -> Names:
    keys = [k for o in result.owners for p in (*o.paths, *o.covered) for k in p.nodes]
    return Names(store, keys, [result.company, *(o.entity for o in result.owners)])


def names_for_near(store: GraphStore, result: ProximityResult) -> Names:
    keys = [k for n in result.companies for k in hop_keys(n.path)]
    return Names(store, keys, [e for n in result.companies for e in (n.company, n.seed)])


def names_for_path(store: GraphStore, result: PathResult) -> Names:
    return Names(store, hop_keys(result.hops), [result.start, result.end, *(result.nodes or [])])


def names_for_shared(store: GraphStore, result: SharedResult) -> Names:
    keys = [k for x in result.links for k in hop_keys((x.via_a, x.via_b))]
    return Names(store, keys, [e for e in (result.company_a, result.company_b) if e] + [x.entity for x in result.links])


def evidence_text(hop: Hop) -> str:
    """'registry-a, record r-17' for each source and record behind a hop."""
    sources = ", ".join(hop.sources) or "source not recorded"
    records = ", ".join(hop.record_ids)
    return f"{sources}; record {records}" if records else sources


# -- JSON documents ------------------------------------------------------------------------------------
def _hop_dict(hop: Hop, names: Names) -> dict[str, Any]:
    return {**hop.to_dict(), "start_name": names[hop.start].name, "start_country": names[hop.start].country,
            "end_name": names[hop.end].name, "end_country": names[hop.end].country}


def _path_dict(path: Any, names: Names) -> dict[str, Any]:
    d = path.to_dict()
    d["hops"] = [_hop_dict(h, names) for h in path.hops]
    d["names"] = [names[k].name for k in path.nodes]
    return d


def ultimate_document(result: OwnershipResult, names: Names) -> dict[str, Any]:
    return {
        "company": result.company.to_dict(), "as_of": result.as_of,
        "owners": [{"entity": o.entity.to_dict(), "share": "unknown" if o.share is None else o.share,
                    "share_min": o.share_min, "share_max": o.share_max, "basis": o.basis,
                    "stated_indirect": o.stated_indirect,
                    "paths": [_path_dict(p, names) for p in o.paths],
                    "covered_by_stated_indirect": [_path_dict(p, names) for p in o.covered]}
                   for o in result.owners],
        "skipped_supernodes": [e.to_dict() for e in result.skipped_supernodes],
        "ended_excluded": result.ended_excluded, "not_started_excluded": result.not_started_excluded,
        "cycles": result.cycles, "limits": result.limits_hit,
    }


def near_document(result: ProximityResult, names: Names) -> dict[str, Any]:
    return {
        "kind": result.kind, "hops": result.hops, "seeds": result.seeds, "as_of": result.as_of,
        "companies": [{"company": n.company.to_dict(), "hops": n.hops, "nearest": n.seed.to_dict(),
                       "reason": n.reason, "path": [_hop_dict(h, names) for h in n.path]} for n in result.companies],
        "skipped_supernodes": [e.to_dict() for e in result.skipped_supernodes],
        "ended_excluded": result.ended_excluded, "not_started_excluded": result.not_started_excluded,
        "expired_sanctions_excluded": result.expired_sanctions,
        "not_yet_listed_sanctions_excluded": result.future_sanctions,
    }


def path_document(result: PathResult, names: Names) -> dict[str, Any]:
    return {"from": result.start.to_dict(), "to": result.end.to_dict(), "as_of": result.as_of,
            "nodes": None if result.nodes is None else [n.to_dict() for n in result.nodes],
            "hops": [_hop_dict(h, names) for h in result.hops],
            "skipped_supernodes": [e.to_dict() for e in result.skipped_supernodes],
            "ended_excluded": result.ended_excluded, "not_started_excluded": result.not_started_excluded}


def shared_document(result: SharedResult, names: Names) -> dict[str, Any]:
    a, b = result.company_a, result.company_b
    return {"a": result.a, "b": result.b, "as_of": result.as_of,
            "company_a": a.to_dict() if a else None, "company_b": b.to_dict() if b else None,
            "links": [{"kind": x.kind, "entity": x.entity.to_dict(), "via_a": _hop_dict(x.via_a, names),
                       "via_b": _hop_dict(x.via_b, names)} for x in result.links],
            "skipped_supernodes": [e.to_dict() for e in result.skipped_supernodes],
            "ended_excluded": result.ended_excluded, "not_started_excluded": result.not_started_excluded}


# -- table rows (fixed columns: a header even with no rows) ---------------------------------------------
ULTIMATE_COLUMNS = ("owner_id", "owner", "type", "country", "share", "range", "basis", "paths", "chain",
                    "chain_names", "evidence", "covered_chains", "merged_ids")
HOP_COLUMNS = ("owner_id", "owner", "owner_country", "owner_share", "owner_basis", "path", "hop", "relationship",
               "from_id", "from_name", "from_country", "to_id", "to_name", "to_country", "link_share",
               "link_basis", "sources", "record_ids")
NEAR_COLUMNS = ("company_id", "company", "country", "hops", "nearest", "nearest_name", "reason", "via",
                "via_names", "evidence", "merged_ids", "nearest_merged_ids")
SHARED_COLUMNS = ("kind", "id", "name", "country", "records_a", "records_b", "sources_a", "sources_b",
                  "merged_ids")
PATH_COLUMNS = ("hop", "type", "from", "from_name", "from_country", "to", "to_name", "to_country", "share",
                "details", "sources", "record_ids", "recorded_from", "recorded_to")


def _ids(nodes: list[str]) -> str:
    return " > ".join(n.split(":", 1)[1] for n in nodes)


def ultimate_rows(result: OwnershipResult, names: Names) -> list[dict[str, Any]]:
    return [{
        "owner_id": o.entity.id, "owner": o.entity.name, "type": o.entity.label, "country": o.entity.country,
        "share": o.share_text, "range": o.range_text, "basis": o.basis_text, "paths": len(o.paths),
        "chain": " | ".join(_ids(p.nodes) for p in o.paths),
        "chain_names": " | ".join(" > ".join(names[k].name or names[k].id for k in p.nodes) for p in o.paths),
        "evidence": " | ".join(" > ".join(evidence_text(h) for h in p.hops) for p in o.paths),
        "covered_chains": " | ".join(_ids(p.nodes) for p in o.covered),
        "merged_ids": "; ".join(o.entity.merged_ids)} for o in result.owners]


def ultimate_hop_rows(result: OwnershipResult, names: Names) -> list[dict[str, Any]]:
    rows = []
    for o in result.owners:
        for n, p in enumerate(o.paths, start=1):
            for i, h in enumerate(p.hops, start=1):
                a, b = names[h.start], names[h.end]
                rows.append({"owner_id": o.entity.id, "owner": o.entity.name, "owner_country": o.entity.country,
                             "owner_share": o.share_text, "owner_basis": o.basis_text, "path": n, "hop": i,
                             "relationship": h.type, "from_id": a.id, "from_name": a.name,
                             "from_country": a.country, "to_id": b.id, "to_name": b.name, "to_country": b.country,
                             "link_share": h.share_text, "link_basis": h.share_basis,
                             "sources": "; ".join(h.sources), "record_ids": "; ".join(h.record_ids)})
    return rows


def near_rows(result: ProximityResult, names: Names) -> list[dict[str, Any]]:
    return [{"company_id": n.company.id, "company": n.company.name, "country": n.company.country,
             "hops": n.hops, "nearest": n.seed.id, "nearest_name": n.seed.name, "reason": n.reason,
             "via": "; ".join(f"{h.start.split(':', 1)[1]} -{h.type}-> {h.end.split(':', 1)[1]}" for h in n.path),
             "via_names": "; ".join(f"{names[h.start].name} -{h.type}-> {names[h.end].name}" for h in n.path),
             "evidence": " | ".join(evidence_text(h) for h in n.path),
             "merged_ids": "; ".join(n.company.merged_ids),
             "nearest_merged_ids": "; ".join(n.seed.merged_ids)} for n in result.companies]


def shared_rows(result: SharedResult) -> list[dict[str, Any]]:
    return [{"kind": x.kind, "id": x.entity.id, "name": x.entity.name, "country": x.entity.country,
             "records_a": "; ".join(x.via_a.record_ids), "records_b": "; ".join(x.via_b.record_ids),
             "sources_a": "; ".join(x.via_a.sources), "sources_b": "; ".join(x.via_b.sources),
             "merged_ids": "; ".join(x.entity.merged_ids)} for x in result.links]


def path_rows(result: PathResult, names: Names) -> list[dict[str, Any]]:
    return [{"hop": i, "type": h.type, "from": h.start, "from_name": names[h.start].name,
             "from_country": names[h.start].country, "to": h.end, "to_name": names[h.end].name,
             "to_country": names[h.end].country, "share": h.share_text,
             "details": ", ".join(f"{k}={v}" for k, v in h.properties.items()
                                  if k not in ("record", "share", "share_min", "share_max")),
             "sources": "; ".join(h.sources), "record_ids": "; ".join(h.record_ids),
             "recorded_from": h.recorded_start, "recorded_to": h.recorded_end}
            for i, h in enumerate(result.hops, start=1)]


# -- export selections -----------------------------------------------------------------------------------
def _node(graph: nx.MultiDiGraph, named: Named, role: str | None = None) -> str:
    return add_entity(graph, named.label, named.id, named.name, role=role, country=named.country)


def _hops_graph(graph: nx.MultiDiGraph, hops: Iterable[Hop], names: Names) -> None:
    seen: set[tuple[str, str, str, str]] = set()
    for h in hops:
        ident = (h.start, h.end, h.type, str(h.properties.get("record") or h.record_ids))
        if ident in seen:
            continue
        seen.add(ident)
        a, b = _node(graph, names[h.start]), _node(graph, names[h.end])
        label = f"owns {h.share_text}" if h.type == "OWNS" else h.type.lower().replace("_", " ")
        graph.add_edge(a, b, relationship=h.type, label=label, share_text=h.share_text or "",
                       share_basis=h.share_basis or "", sources=list(h.sources), record_ids=list(h.record_ids),
                       recorded_from=h.recorded_start, recorded_to=h.recorded_end,
                       **edge_properties(h.properties))


def ultimate_selection(result: OwnershipResult, names: Names) -> Selection:
    graph = nx.MultiDiGraph()
    _node(graph, names[result.company.key], "Subject")
    _hops_graph(graph, (h for o in result.owners for p in o.paths for h in p.hops), names)
    return Selection(f"Ultimate owners of {names[result.company.key].text} (as of {result.as_of})", graph,
                     ultimate_hop_rows(result, names), HOP_COLUMNS, ultimate_document(result, names),
                     layout="hierarchical")


def near_selection(result: ProximityResult, names: Names) -> Selection:
    graph = nx.MultiDiGraph()
    for n in result.companies:
        _node(graph, names[n.seed.key], "Sanction" if result.kind == "sanctioned" else "Producer")
    _hops_graph(graph, (h for n in result.companies for h in n.path), names)
    for n in result.companies:
        _node(graph, names[n.company.key])
    what = "sanctioned entities" if result.kind == "sanctioned" else "colony-operated companies"
    return Selection(f"Companies within {result.hops} hop(s) of {what} (as of {result.as_of})", graph,
                     near_rows(result, names), NEAR_COLUMNS, near_document(result, names))


def path_selection(result: PathResult, names: Names) -> Selection:
    graph = nx.MultiDiGraph()
    _node(graph, names[result.start.key], "Subject")
    _node(graph, names[result.end.key], "Subject")
    _hops_graph(graph, result.hops, names)
    return Selection(f"Path {names[result.start.key].text} .. {names[result.end.key].text}", graph,
                     path_rows(result, names), PATH_COLUMNS, path_document(result, names))


def shared_selection(result: SharedResult, names: Names) -> Selection:
    graph = nx.MultiDiGraph()
    for e in (result.company_a, result.company_b):
        if e:
            _node(graph, names[e.key], "Subject")
    _hops_graph(graph, (h for x in result.links for h in (x.via_a, x.via_b)), names)
    return Selection(f"Shared by {result.a} and {result.b}", graph, shared_rows(result), SHARED_COLUMNS,
                     shared_document(result, names))


# -- why an answer is empty ------------------------------------------------------------------------------
_LINK_WORDS = {  # (relationship, outgoing) -> (one, several)
    ("OWNS", True): ("holding in another company", "holdings in other companies"),
    ("CONSOLIDATED_BY", True): ("CONSOLIDATED_BY parent, which is not ownership (accounting consolidation)",
                                "CONSOLIDATED_BY parents, which are not ownership (accounting consolidation)"),
    ("CONSOLIDATED_BY", False): ("consolidated subsidiary (CONSOLIDATED_BY), which is not ownership",
                                 "consolidated subsidiaries (CONSOLIDATED_BY), which are not ownership"),
    ("DIRECTS", False): ("director or officer (DIRECTS): control, not ownership",
                         "directors or officers (DIRECTS): control, not ownership"),
    ("ASSOCIATE", True): ("declared associate (ASSOCIATE), not ownership", "declared associates (ASSOCIATE)"),
    ("ASSOCIATE", False): ("declared associate (ASSOCIATE), not ownership", "declared associates (ASSOCIATE)"),
    ("SUPPLIES", True): ("buyer it supplied (trade, not ownership)", "buyers it supplied (trade, not ownership)"),
    ("SUPPLIES", False): ("supplier (trade, not ownership)", "suppliers (trade, not ownership)"),
    ("OPERATES", False): ("colony operating it (OPERATES)", "colonies operating it (OPERATES)"),
}


def why_no_owners(store: GraphStore, result: OwnershipResult, *, min_share: float = 0.0) -> list[str]:
    """Plain reasons an ultimate-owners answer is empty, from what the graph holds around the company."""
    company = result.company
    counts = links_around(store, "Company", (company.id, *company.merged_ids))
    owners_in = counts.get(("OWNS", False), 0)
    reasons = []
    if owners_in == 0:
        reasons.append(f"the graph records no owner (no OWNS link into {company.id})")
    else:
        left = []
        if result.ended_excluded:
            left.append(f"{result.ended_excluded} ended (--include-ended to follow)")
        if result.not_started_excluded:
            left.append(f"{result.not_started_excluded} starting after {result.as_of}")
        if result.skipped_supernodes:
            left.append(f"{len(result.skipped_supernodes)} from supernode(s) (--include-supernodes)")
        if min_share:
            left.append(f"owners below --min-share {min_share:g}%")
        if result.cycles:
            left.append(f"{len(result.cycles)} ownership cycle(s) with no owner above them")
        reasons.append(f"{owners_in} OWNS link(s) into {company.id}, none counted: " + ("; ".join(left) or
                                                                                      "see the notes below"))
    other = []
    for (rel, outgoing), n in sorted(counts.items()):
        if rel == "OWNS" and not outgoing:
            continue
        words = _LINK_WORDS.get((rel, outgoing))
        if words:
            other.append(f"{n} {words[0] if n == 1 else words[1]}")
    if other:
        reasons.append("around it the graph has: " + "; ".join(other))
    elif not counts:
        reasons.append("it has no links at all in the graph (is the registry or ownership source loaded?)")
    return reasons
