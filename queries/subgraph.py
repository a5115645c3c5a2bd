"""What an export draws: a set of routes, an owners answer, a saved query's result or the neighbourhood
of given entities, as one networkx MultiDiGraph with the same attribute names whatever it came from.

Node keys are "Label:id". Node attributes: label (the name people read), name, entity_id, entity (the
graph label: Company, Person, Colony, Sanction, Address), role (what colours it: Colony, Producer,
Dealer, Intermediary, Buyer, Company, Person, Sanction, Address, Subject), country, and extras.
Edge attributes: relationship (OWNS, SHIPPED, ...; never `type`, which GEXF reserves), label (the text
drawn on the edge), and the evidence: source_file / source_row for a shipment, sources / record_ids
for a registry link. Parallel relationships stay separate edges (one per shipment hop or record).

Every Cypher statement here is in STATEMENTS (linted against Neo4j 5); labels, relationship types and
property names come from graph/schema.py, values only as parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from ..graph.schema import COMPANY_ROLES, NODES, RELATIONSHIPS
from ..graph.store.base import GraphStore
from ..graph.values import to_jsonable
from .merged import MergedView
from .routes import DIRECT_EXPORT, SWITCH_TEXT, Route
from .saved import QueryError

# Labels whose key is `id`: what an entity id given on the command line or found in a result can name.
ENTITY_LABELS = tuple(label for label in ("Company", "Person", "Colony", "Sanction", "Address")
                      if NODES[label].key == "id")
_NAME = {"Address": "n.full", "Sanction": "coalesce(n.program, n.authority, n.id)"}

ENTITIES_BY_ID = {
    label: f"""
MATCH (n:{label})
WHERE n.id IN $ids
RETURN n.id AS id, labels(n) AS labels, {_NAME.get(label, 'n.name')} AS name, n.country AS country,
       coalesce(n.synthetic, false) AS synthetic, coalesce(n.supernode, false) AS supernode
"""
    for label in ENTITY_LABELS
}

# The neighbourhood walk follows who-is-who and who-trades-with-whom links, not the HS tree or countries.
AROUND_TYPES = ("OWNS", "DIRECTS", "CONSOLIDATED_BY", "ASSOCIATE", "SUPPLIES", "NOTIFIES", "OPERATES", "SANCTIONED",
                "HEADS", "REGISTERED_AT")
assert set(AROUND_TYPES) <= set(RELATIONSHIPS)

NEIGHBOURS = {
    label: f"""
MATCH (a:{label})-[r]-(b)
WHERE a.id IN $ids AND type(r) IN $types
RETURN a.id AS from_id, type(r) AS type, startNode(r) = a AS forward, properties(r) AS props,
       b.id AS id, labels(b) AS labels
LIMIT $limit
"""
    for label in ENTITY_LABELS
}

# Relationships among a set of entities (what a saved query's result names), per start label.
AMONG = {
    label: f"""
MATCH (a:{label})-[r]->(b)
WHERE a.id IN $ids AND b.id IN $ids AND type(r) IN $types
RETURN a.id AS from_id, type(r) AS type, true AS forward, properties(r) AS props, b.id AS id, labels(b) AS labels
LIMIT $limit
"""
    for label in ENTITY_LABELS
}

# Relationship types around an entity's records, by direction: why an owners answer is empty.
LINKS_AROUND = {
    label: f"""
MATCH (n:{label})-[r]-()
WHERE n.id IN $ids
RETURN type(r) AS type, startNode(r) = n AS outgoing, count(r) AS n
"""
    for label in ("Company", "Person")
}

# "Did you mean": ids that start like the one given, and names that start like it (name_norm is indexed).
IDS_LIKE = {
    label: f"MATCH (n:{label}) WHERE n.id STARTS WITH $prefix RETURN n.id AS id, n.name AS name LIMIT $limit"
    for label in ("Company", "Person")
}
# name_norm is the folded name with its words sorted (loaders.names.normalise_name): a name typed in
# another case, order or legal form meets it exactly; a beginning of it may meet its prefix.
NAMES_LIKE = {
    label: f"MATCH (n:{label}) WHERE n.name_norm = $name OR n.name_norm STARTS WITH $prefix "
           "RETURN n.id AS id, n.name AS name LIMIT $limit"
    for label in ("Company", "Person")
}

STATEMENTS: dict[str, str] = {
    **{f"entities {k}": v for k, v in ENTITIES_BY_ID.items()},
    **{f"around {k}": v for k, v in NEIGHBOURS.items()},
    **{f"among {k}": v for k, v in AMONG.items()},
    **{f"links around {k}": v for k, v in LINKS_AROUND.items()},
    **{f"ids like {k}": v for k, v in IDS_LIKE.items()},
    **{f"names like {k}": v for k, v in NAMES_LIKE.items()},
}


@dataclass
class Selection:
    """One thing to export: its graph, its table (rows with fixed columns, so that an empty result
    still has a header), its JSON document, how to lay it out, and notes on what was left out."""

    title: str
    graph: nx.MultiDiGraph
    rows: list[dict[str, Any]]
    columns: Sequence[str]
    document: Any
    layout: str = "force"  # "hierarchical" (left to right: routes, chains) or "force"
    notes: list[str] = field(default_factory=list)


# -- nodes -------------------------------------------------------------------------------------------
def role_of(labels: Iterable[str], entity: str) -> str:
    """The role that colours a node: a company's trade role when it has one, else its label."""
    labels = list(labels)
    for role in COMPANY_ROLES:
        if role in labels:
            return role
    return entity


def add_entity(graph: nx.MultiDiGraph, entity: str, entity_id: str, name: str | None, *,
               role: str | None = None, country: str | None = None, synthetic: bool | None = None,
               supernode: bool | None = None) -> str:
    """Add (or enrich) a node and return its key; the first non-empty value of an attribute wins, except
    a role given explicitly. The flags (synthetic, supernode) are set only when given."""
    key = f"{entity}:{entity_id}"
    data = graph.nodes[key] if key in graph else {}
    flags = {k: v for k, v in (("synthetic", synthetic), ("supernode", supernode)) if v is not None}
    values = {"label": name or entity_id, "name": name or "", "entity_id": entity_id, "entity": entity,
              "role": role or entity, "country": country or "", **flags}
    if key not in graph:
        graph.add_node(key, **values)
        return key
    for k, v in values.items():
        if k == "role" and role:
            data[k] = role if data.get(k) in (None, "", entity, "Company") else data[k]
        elif data.get(k) in (None, "") and v not in (None, ""):
            data[k] = v
    return key


def entities(store: GraphStore, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Name, country, labels and flags of entities by key ("Label:id"), read by key index."""
    by_label: dict[str, list[str]] = {}
    for key in keys:
        label, _, entity_id = key.partition(":")
        if label in ENTITIES_BY_ID:
            by_label.setdefault(label, []).append(entity_id)
    found: dict[str, dict[str, Any]] = {}
    for label, ids in by_label.items():
        for offset in range(0, len(ids), 5000):
            for row in store.run(ENTITIES_BY_ID[label], {"ids": ids[offset:offset + 5000]}):
                found[f"{label}:{row['id']}"] = row
    return found


def _add_row_entity(graph: nx.MultiDiGraph, label: str, row: dict[str, Any]) -> str:
    return add_entity(graph, label, str(row["id"]), row.get("name"), role=role_of(row.get("labels") or [], label),
                      country=row.get("country"), synthetic=bool(row.get("synthetic")),
                      supernode=bool(row.get("supernode")))


# -- edges -------------------------------------------------------------------------------------------
_EDGE_PROPS = {"start": "start_date", "end": "end_date", "type": "link_type", "id": "link_id",
               "label": "link_label", "weight": "link_weight", "key": "link_key"}


def edge_properties(props: dict[str, Any]) -> dict[str, Any]:
    """A stored relationship's properties under export-safe names (GEXF reserves start, end, type, id,
    label and weight), without the bookkeeping of loads (runs, claims)."""
    skip = {"source_runs", "record_runs", "claims"}
    return {_EDGE_PROPS.get(k, k): v for k, v in to_jsonable(props).items() if k not in skip and v is not None}


def _share_text(props: dict[str, Any]) -> str:
    share, low, high = props.get("share"), props.get("share_min"), props.get("share_max")
    if share is not None:
        return f"{_num(share)}%"
    if low is not None or high is not None:
        return f"{_num(low or 0)}-{_num(100 if high is None else high)}%"
    return "share unknown"


def _num(value: Any) -> str:
    try:
        return f"{round(float(value), 2):g}"
    except (TypeError, ValueError):
        return str(value)


def link_label(rel: str, props: dict[str, Any]) -> str:
    if rel == "OWNS":
        return f"owns {_share_text(props)}"
    if rel == "SUPPLIES":
        codes = props.get("hs_codes") or []
        return f"supplies HS {', '.join(map(str, codes[:3]))}{' ...' if len(codes) > 3 else ''}".strip()
    if rel == "DIRECTS":
        return str(props.get("role") or "directs")
    return rel.lower().replace("_", " ")


def add_link(graph: nx.MultiDiGraph, a: str, b: str, rel: str, props: dict[str, Any]) -> None:
    clean = edge_properties(props)
    graph.add_edge(a, b, relationship=rel, label=link_label(rel, props), **clean)


# -- routes ------------------------------------------------------------------------------------------
HOP_COLUMNS = (
    "route", "kind", "score", "synthetic", "colony", "colony_name", "hop", "seller", "seller_name", "seller_country",
    "buyer", "buyer_name", "buyer_country", "date", "hs_code", "code_switch", "origin_country", "value",
    "shipment_id", "source_file", "source_row", "evidence_shipments", "reasons",
)


def route_rows(routes: Sequence[Route]) -> list[dict[str, Any]]:
    rows = []
    for n, route in enumerate(routes, start=1):
        for i, hop in enumerate(route.hops, start=1):
            s = hop.shipment
            rows.append({
                "route": n, "kind": route.kind, "score": route.score, "synthetic": route.synthetic,
                "colony": route.colony, "colony_name": route.colony_name, "hop": i,
                "seller": hop.seller["id"], "seller_name": hop.seller["name"],
                "seller_country": hop.seller["country"], "buyer": hop.buyer["id"],
                "buyer_name": hop.buyer["name"], "buyer_country": hop.buyer["country"],
                "date": s.date, "hs_code": s.hs_code, "code_switch": hop.code_switch or "",
                "origin_country": s.origin or "", "value": s.value, "shipment_id": s.id,
                "source_file": s.source_file, "source_row": s.source_row,
                "evidence_shipments": ";".join(e.id for e in hop.evidence),
                "reasons": " | ".join(route.reasons),
            })
    return rows


def routes_document(routes: Sequence[Route]) -> list[dict[str, Any]]:
    return [{"kind": r.kind, "colony": r.colony, "colony_name": r.colony_name, "synthetic": r.synthetic,
             "score": r.score, "reasons": r.reasons, "hops": route_rows([r])} for r in routes]


def routes_graph(routes: Sequence[Route]) -> nx.MultiDiGraph:
    """Colony -> producer -> ... -> buyer, one SHIPPED edge per hop of every route (parallel hops kept:
    two routes over the same pair are two edges, each with its own shipment and evidence)."""
    graph = nx.MultiDiGraph()
    for n, route in enumerate(routes, start=1):
        colony = add_entity(graph, "Colony", route.colony, route.colony_name, synthetic=route.synthetic)
        first = route.hops[0].seller
        producer = add_entity(graph, "Company", first["id"], first["name"], role="Producer",
                              country=first["country"], synthetic=route.synthetic)
        if not graph.has_edge(colony, producer):
            graph.add_edge(colony, producer, relationship="OPERATES", label="operates")
        for i, hop in enumerate(route.hops, start=1):
            b = hop.buyer
            seller = add_entity(graph, "Company", hop.seller["id"], hop.seller["name"],
                                country=hop.seller["country"], role="Intermediary")
            buyer = add_entity(graph, "Company", b["id"], b["name"], country=b["country"],
                               role="Buyer" if i == len(route.hops) else "Intermediary",
                               synthetic=route.synthetic)
            if i == len(route.hops) and graph.nodes[buyer]["role"] == "Intermediary":
                graph.nodes[buyer]["role"] = "Buyer"  # the end of a route is a buyer even if it resold elsewhere
            s = hop.shipment
            switch = SWITCH_TEXT.get(hop.code_switch, hop.code_switch) if hop.code_switch else ""
            graph.add_edge(
                seller, buyer, relationship="SHIPPED", label=f"{s.date} HS {s.hs_code}" + (" *switched*" if switch
                                                                                          else ""),
                route=n, route_kind=route.kind, route_score=route.score, hop=i, date=s.date, hs_code=s.hs_code,
                code_switch=hop.code_switch or "", code_switch_text=switch, origin_country=s.origin or "",
                value=s.value, shipment_id=s.id, source_file=s.source_file or "", source_row=s.source_row,
                evidence=f"{s.source_file} row {s.source_row}", evidence_shipments=[e.id for e in hop.evidence],
                reasons=route.reasons, synthetic=route.synthetic,
            )
    return graph


def routes_selection(routes: Sequence[Route], title: str = "Routes") -> Selection:
    kinds = {r.kind for r in routes}
    if kinds == {DIRECT_EXPORT}:
        title = f"{title} (direct exports of colony goods)"
    return Selection(title, routes_graph(routes), route_rows(routes), HOP_COLUMNS, routes_document(routes),
                     layout="hierarchical")


# -- neighbourhood -----------------------------------------------------------------------------------
def around_selection(store: GraphStore, ids: Sequence[str], hops: int = 1, *, max_nodes: int = 500,
                     per_node: int = 200, view: MergedView | None = None) -> Selection:
    """Entities within `hops` links of the given ids (any label keyed by id), over AROUND_TYPES in both
    directions. A node with more than `per_node` links is drawn but not walked through (a registered
    agent would pull in thousands); the walk stops at `max_nodes`. Both limits are reported in notes."""
    view = view if view is not None else MergedView.load(store)
    graph = nx.MultiDiGraph()
    notes: list[str] = []
    start = _find_any(store, [i for x in ids for i in view.members(x)])
    missing = [i for i in ids if not any(m in start.values() for m in view.members(i))]
    if missing:
        raise QueryError(f"no entity with id {', '.join(map(repr, missing))} in the graph")
    found = entities(store, start)
    for key in start:
        _add_row_entity(graph, key.split(":", 1)[0], found[key])
        graph.nodes[key]["role"] = "Subject"
    frontier = list(start)
    seen_edges: set[tuple[str, str, str, str]] = set()
    for _depth in range(hops):
        if not frontier:
            break
        rows = _neighbour_rows(store, frontier, AROUND_TYPES, per_node, notes)
        new: list[str] = []
        wanted: dict[str, list[str]] = {}
        for row in rows:
            other = f"{_entity_label(row['labels'])}:{row['id']}"
            if other not in graph and other not in new:
                if len(graph) + len(new) >= max_nodes:
                    notes.append(f"stopped at {max_nodes} nodes (--max-nodes); links beyond were not drawn")
                    break
                new.append(other)
            wanted.setdefault(other, []).append(row["from_key"])
        more = entities(store, new)
        for key in new:
            if key in more:
                _add_row_entity(graph, key.split(":", 1)[0], more[key])
        for row in rows:
            here, other = row["from_key"], f"{_entity_label(row['labels'])}:{row['id']}"
            if other not in graph:
                continue
            a, b = (here, other) if row["forward"] else (other, here)
            record = str((row["props"] or {}).get("record") or "")
            if (a, b, row["type"], record) in seen_edges:
                continue
            seen_edges.add((a, b, row["type"], record))
            add_link(graph, a, b, row["type"], row["props"] or {})
        frontier = [k for k in new if k in graph]
    title = f"Within {hops} link(s) of {', '.join(ids)}"
    rows = [_link_row(graph, a, b, d) for a, b, d in graph.edges(data=True)]
    document = {"nodes": [{"key": k, **d} for k, d in graph.nodes(data=True)],
                "links": [{"from": a, "to": b, **d} for a, b, d in graph.edges(data=True)]}
    return Selection(title, graph, rows, LINK_COLUMNS, document, layout="force", notes=sorted(set(notes)))


LINK_COLUMNS = ("from_id", "from_name", "from_country", "relationship", "to_id", "to_name", "to_country", "details",
                "sources", "record_ids")


def _link_row(graph: nx.MultiDiGraph, a: str, b: str, d: dict[str, Any]) -> dict[str, Any]:
    na, nb = graph.nodes[a], graph.nodes[b]
    details = "; ".join(f"{k}={_flat(v)}" for k, v in d.items()
                        if k not in ("relationship", "label", "sources", "record_ids", "first_seen", "last_seen",
                                     "record") and v not in (None, "", []))
    return {"from_id": na["entity_id"], "from_name": na["name"], "from_country": na["country"],
            "relationship": d.get("relationship"), "to_id": nb["entity_id"], "to_name": nb["name"],
            "to_country": nb["country"], "details": details, "sources": _flat(d.get("sources")),
            "record_ids": _flat(d.get("record_ids"))}


def _flat(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "; ".join(map(str, value))
    return "" if value is None else str(value)


def _entity_label(labels: Sequence[str]) -> str:
    for label in labels or ():
        if label in ENTITY_LABELS:
            return label
    return labels[0] if labels else "node"


def _find_any(store: GraphStore, ids: Sequence[str]) -> dict[str, str]:
    """key -> id for every entity label holding one of `ids`."""
    out: dict[str, str] = {}
    for label in ENTITY_LABELS:
        for row in store.run(ENTITIES_BY_ID[label], {"ids": list(ids)}):
            out[f"{label}:{row['id']}"] = str(row["id"])
    return out


def _neighbour_rows(store: GraphStore, frontier: list[str], types: Sequence[str], per_node: int,
                    notes: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for key in frontier:
        label, _, entity_id = key.partition(":")
        if label not in NEIGHBOURS:
            continue
        found = store.run(NEIGHBOURS[label], {"ids": [entity_id], "types": list(types), "limit": per_node + 1})
        if len(found) > per_node:
            notes.append(f"{key} has more than {per_node} links: drawn, not walked through (--per-node)")
            continue
        rows += [{**r, "from_key": key} for r in found]
    return rows


# -- saved query results -----------------------------------------------------------------------------
def _id_values(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Every value of a column named id, *_id or *_ids (lists flattened): what a result names."""
    out: dict[str, None] = {}
    for row in rows:
        for column, value in row.items():
            if column == "id" or column.endswith(("_id", "_ids")) or column in ("colony", "seller", "buyer"):
                for v in value if isinstance(value, list) else [value]:
                    if isinstance(v, str | int) and str(v):
                        out[str(v)] = None
    return list(out)


def query_selection(store: GraphStore, name: str, rows: list[dict[str, Any]], *, max_nodes: int = 2000) -> Selection:
    """A saved query's rows as a table, and as a graph of the entities its id columns name with the
    links among them (a query returning only names or counts draws no graph: the table is the answer)."""
    columns = list(rows[0]) if rows else []
    graph = nx.MultiDiGraph()
    notes: list[str] = []
    ids = _id_values(rows)
    keys = _find_any(store, ids[:max_nodes]) if ids else {}
    if len(ids) > max_nodes:
        notes.append(f"drew the first {max_nodes} of {len(ids)} ids the result names")
    found = entities(store, keys)
    for key in keys:
        _add_row_entity(graph, key.split(":", 1)[0], found[key])
    by_label: dict[str, list[str]] = {}
    for key in keys:
        label, _, entity_id = key.partition(":")
        by_label.setdefault(label, []).append(entity_id)
    every = list(keys.values())
    for label in by_label:
        for row in store.run(AMONG[label], {"ids": every, "types": list(AROUND_TYPES), "limit": 50_000}):
            a = f"{label}:{row['from_id']}"
            b = f"{_entity_label(row['labels'])}:{row['id']}"
            if a in graph and b in graph and by_label.get(label) and row["from_id"] in by_label[label]:
                add_link(graph, a, b, row["type"], row["props"] or {})
    if not ids and rows:
        notes.append(f"the result of {name} has no id columns: graph formats draw nothing, the table is the answer")
    return Selection(f"Saved query {name}", graph, rows, columns, rows, notes=notes)


# -- explanations and suggestions ----------------------------------------------------------------------
def links_around(store: GraphStore, label: str, ids: Sequence[str]) -> dict[tuple[str, bool], int]:
    """(relationship type, outgoing) -> count, over an entity's records."""
    counts: dict[tuple[str, bool], int] = {}
    if label not in LINKS_AROUND:
        return counts
    for row in store.run(LINKS_AROUND[label], {"ids": list(ids)}):
        k = (str(row["type"]), bool(row["outgoing"]))
        counts[k] = counts.get(k, 0) + int(row["n"])
    return counts


def similar_ids(store: GraphStore, text: str, fold: Any = None, limit: int = 5) -> list[tuple[str, str]]:
    """(id, name) of companies and persons whose id starts like `text` (as typed, then its first two
    thirds) or whose folded name starts like it."""
    found: dict[str, str] = {}
    # The id as typed, then its first two thirds (a mistyped end): two look-ups per label at most.
    for prefix in dict.fromkeys((text, text[:max(4, len(text) * 2 // 3)])):
        if found or len(prefix) < 4:
            break
        for label in IDS_LIKE:
            for row in store.run(IDS_LIKE[label], {"prefix": prefix, "limit": limit}):
                found.setdefault(str(row["id"]), str(row.get("name") or ""))
    folded = fold(text) if fold else text.casefold()
    if folded and len(found) < limit:
        for label in NAMES_LIKE:
            for row in store.run(NAMES_LIKE[label], {"name": folded, "prefix": folded, "limit": limit}):
                found.setdefault(str(row["id"]), str(row.get("name") or ""))
    return list(found.items())[:limit]
