"""The report's network: the routes (queries/subgraph.routes_graph), with the ownership chains above the
key companies and the sanctions on or near them drawn on the same graph, as the page queries/export_html
writes it (returned as a string for the report to embed)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import networkx as nx

from ..export import write_html
from ..ownership import Entity, Hop
from ..subgraph import add_entity, add_link, routes_graph
from .gather import Report


def report_graph(report: Report) -> nx.MultiDiGraph:
    graph = routes_graph(report.routes)
    entities: dict[str, Entity] = {}
    hops: dict[tuple[str, str, str, tuple[str, ...]], Hop] = {}
    for result in report.ownership.values():
        entities[result.company.key] = result.company
        for owner in result.owners:
            entities[owner.entity.key] = owner.entity
            for path in owner.paths:
                for hop in path.hops:
                    hops[(hop.start, hop.end, hop.type, hop.record_ids)] = hop
    for finding in report.sanctions:
        if isinstance(finding.entity, Entity):
            entities[finding.entity.key] = finding.entity
        for hop in finding.path:
            hops[(hop.start, hop.end, hop.type, hop.record_ids)] = hop
    names = {key: e for key, e in entities.items()}
    for key in {k for h in hops.values() for k in (h.start, h.end)} | set(names):
        e = names.get(key)
        label, _, entity_id = key.partition(":")
        add_entity(graph, label, entity_id, e.name if e else None, country=e.country if e else None)
    for hop in hops.values():
        add_link(graph, hop.start, hop.end, hop.type, {**hop.properties, "sources": list(hop.sources),
                                                       "record_ids": list(hop.record_ids)})
    for finding in report.sanctions:
        d = finding.designation
        who = finding.entity.key if isinstance(finding.entity, Entity) else f"Colony:{finding.entity['id']}"
        sanction = add_entity(graph, "Sanction", str(d["sanction"]), str(d.get("program") or d["sanction"]))
        add_link(graph, who, sanction, "SANCTIONED", {k: d.get(k) for k in ("program", "authority", "listed",
                                                                            "end_date", "source_url")})
    return graph


def network_page(report: Report, heading: str) -> tuple[str, int] | None:
    """The interactive network page for the report and the height (px) it needs to show whole, or None
    when there is nothing to draw."""
    graph = report_graph(report)
    if graph.number_of_edges() == 0:
        return None
    with tempfile.TemporaryDirectory(prefix="conveyor-report-") as folder:
        path = write_html(graph, Path(folder) / "network.html", heading, layout="hierarchical")
        page = Path(path).read_text(encoding="utf-8")
    # The page sizes its drawing area to the layout (taller for more routes); the frame that holds it
    # takes that height plus the heading and legend above, so the reader scrolls the report, not a frame.
    sized = _CANVAS_HEIGHT.search(page)
    return page, (int(sized.group(1)) if sized else 800) + 260


_CANVAS_HEIGHT = re.compile(r"#mynetwork\s*\{[^}]*?height:\s*(\d+)px", re.S)
