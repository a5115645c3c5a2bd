"""Routes and subgraphs out of Conveyor: CSV (one row per hop), JSON, GEXF and an interactive HTML
network (pyvis). Every name that came from a data file is HTML-escaped before it reaches the page."""

from __future__ import annotations

import csv
import html
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import networkx as nx

from graph.files import atomic_output, write_text_atomic

from .routes import Route

# pyvis inlines vis.js but still links Bootstrap from a CDN; an investigator's page must not call out
# to third parties when opened, and nothing on it needs Bootstrap.
_REMOTE_ASSETS = re.compile(r"<link[^>]*https?://[^>]*/>|<script[^>]*src=\"https?://[^>]*>\s*</script>", re.S)

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


def write_csv(rows: Sequence[dict[str, Any]], path: Path, columns: Sequence[str] | None = None) -> Path:
    columns = list(columns or (rows[0].keys() if rows else []))
    with atomic_output(path) as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def routes_json(routes: Sequence[Route]) -> str:
    return json.dumps([
        {"kind": r.kind, "colony": r.colony, "colony_name": r.colony_name, "synthetic": r.synthetic,
         "score": r.score, "reasons": r.reasons, "hops": [row for row in route_rows([r])]}
        for r in routes
    ], indent=2, default=str, ensure_ascii=False)


def routes_graph(routes: Sequence[Route]) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    for n, route in enumerate(routes, start=1):
        colony = f"Colony:{route.colony}"
        graph.add_node(colony, kind="Colony", name=route.colony_name, country="")
        first = route.hops[0].seller
        graph.add_node(f"Company:{first['id']}", kind="Producer", name=first["name"], country=first["country"])
        if not graph.has_edge(colony, f"Company:{first['id']}"):
            graph.add_edge(colony, f"Company:{first['id']}", type="OPERATES")
        for i, hop in enumerate(route.hops, start=1):
            b = hop.buyer
            kind = "Buyer" if i == len(route.hops) else "Intermediary"
            if graph.nodes.get(f"Company:{b['id']}", {}).get("kind") not in ("Producer",):
                graph.add_node(f"Company:{b['id']}", kind=kind, name=b["name"], country=b["country"])
            s = hop.shipment
            graph.add_edge(
                f"Company:{hop.seller['id']}", f"Company:{b['id']}", type="SHIPPED", route=n, hop=i,
                date=s.date, hs_code=s.hs_code, origin=s.origin or "", code_switch=hop.code_switch or "",
                evidence=f"{s.source_file}:{s.source_row}",
            )
    return graph


_COLORS = {"Colony": "#8b0000", "Producer": "#d9534f", "Intermediary": "#f0ad4e", "Buyer": "#337ab7"}


def write_html(graph: nx.MultiDiGraph, path: Path, heading: str) -> Path:
    from pyvis.network import Network

    # pyvis prints its `heading` twice; the page gets one heading of ours instead (see below).
    net = Network(height="800px", width="100%", directed=True, cdn_resources="in_line")
    # Left to right from the colony: the order of a route is the story an investigator reads.
    net.set_options(json.dumps({
        "layout": {"hierarchical": {"enabled": True, "direction": "LR", "sortMethod": "directed",
                                    "levelSeparation": 260, "nodeSpacing": 140}},
        "physics": {"enabled": False},
        "edges": {"smooth": {"type": "cubicBezier", "forceDirection": "horizontal"}, "font": {"size": 11}},
    }))
    for key, data in graph.nodes(data=True):
        name = str(data.get("name") or key)
        country = str(data.get("country") or "")
        kind = str(data.get("kind") or "")
        net.add_node(
            key, label=html.escape(f"{name} ({country})" if country else name),
            title=html.escape(f"{kind}: {name}\ncountry: {country}\nkey: {key}"),
            color=_COLORS.get(kind, "#777777"), shape="box" if kind == "Colony" else "dot",
            font={"color": "#ffffff"} if kind == "Colony" else {"color": "#222222"},
        )
    # One drawn edge per pair: parallel shipments would be painted on top of each other.
    for (a, b), hops in _edges_by_pair(graph).items():
        details = "\n\n".join("\n".join(f"{k}: {v}" for k, v in d.items() if v not in ("", None)) for d in hops)
        label = "\n".join(sorted({f"{d['date']} HS {d['hs_code']}" for d in hops if d.get("hs_code")}))
        switched = any(d.get("code_switch") for d in hops)
        net.add_edge(a, b, title=html.escape(details), label=html.escape(label),
                     color="#d9534f" if switched else "#999999")
    page = _REMOTE_ASSETS.sub("", net.generate_html(notebook=False))
    page = page.replace("<body>", f"<body>\n<h2 style=\"font-family:sans-serif\">{html.escape(heading)}</h2>", 1)
    return write_text_atomic(path, page)


def _edges_by_pair(graph: nx.MultiDiGraph) -> dict[tuple[str, str], list[dict[str, Any]]]:
    pairs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for a, b, data in graph.edges(data=True):
        pairs.setdefault((a, b), []).append(data)
    return pairs


def write_gexf(graph: nx.MultiDiGraph, path: Path) -> Path:
    with atomic_output(path, "wb") as fh:
        nx.write_gexf(graph, fh)
    return path
