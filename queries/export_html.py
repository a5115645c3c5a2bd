"""An interactive network page (pyvis / vis-network 9, everything inline: it opens offline and calls
no third party).

Escaping, decided once: vis-network draws labels on a canvas and shows a string `title` with innerText
(vis-network 9 `Popup.setText`), so names are given to it as the text they are, never HTML-escaped
(escaping them showed `Smith &amp; Sons`). They reach the page inside a <script> as JSON written by
Jinja's `tojson`, which encodes <, >, & and ' as \\u003c..., so no name can close the script. What we
write into the HTML ourselves (heading, notes, legend) is escaped with html.escape, once; the search
box script writes only with textContent.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import networkx as nx

from ..graph.files import write_text_atomic

# pyvis inlines vis.js but still links Bootstrap from a CDN; an investigator's page must not call out
# to third parties when opened, and nothing on it needs Bootstrap.
_REMOTE_ASSETS = re.compile(r"<link[^>]*https?://[^>]*/>|<script[^>]*src=\"https?://[^>]*>\s*</script>", re.S)
# pyvis prints its own (unescaped) heading in <center><h1>; we pass none and write ours.
_PYVIS_HEADING = re.compile(r"<center>\s*<h1>\s*</h1>\s*</center>", re.S)

DEFAULT_MAX_NODES = 1500
# The drawing area fits on the screen the page opens on, below the heading and legend, whatever the
# network's size: sized to the layout (12,000 px for 200 routes) it opened on a screen of white space
# above a strip of dots far down the page. A large network opens zoomed in (see _SCRIPT).
CANVAS_HEIGHT = 700
# Smallest zoom at which the page opens: names are 16 px and vis-network draws none under 5 px on screen;
# at 0.6 they read as about 10 px.
READABLE_SCALE = 0.6

# role -> (colour, vis-network shape, legend text)
ROLES: dict[str, tuple[str, str, str]] = {
    "Subject": ("#8e44ad", "star", "entity asked about"),
    "Colony": ("#8b0000", "box", "penal colony"),
    "Producer": ("#d9534f", "dot", "producer (operated by a colony)"),
    "Dealer": ("#e67e22", "diamond", "dealer"),
    "Intermediary": ("#f0ad4e", "diamond", "intermediary"),
    "Buyer": ("#337ab7", "square", "buyer"),
    "Company": ("#7f8c8d", "dot", "company"),
    "Person": ("#27ae60", "triangle", "person"),
    "Sanction": ("#111111", "hexagon", "sanctions designation"),
    "Address": ("#b0b7bd", "dot", "address"),
}
_OTHER = ("#777777", "dot", "other")

# relationship -> (colour, dashed, legend text)
LINKS: dict[str, tuple[str, bool, str]] = {
    "SHIPPED": ("#888888", False, "shipment hop (label: date, HS code)"),
    "SWITCHED": ("#d9534f", False, "shipment hop where the HS code switched"),
    "SUPPLIES": ("#888888", False, "supplies (all shipments of the pair)"),
    "OPERATES": ("#8b0000", True, "colony operates"),
    "OWNS": ("#2c6fbb", False, "owns (share)"),
    "DIRECTS": ("#27ae60", False, "directs"),
    "CONSOLIDATED_BY": ("#9b59b6", True, "consolidated by (accounts, not ownership)"),
    "SANCTIONED": ("#111111", True, "sanctioned"),
    "ASSOCIATE": ("#16a085", True, "associate"),
}
_OTHER_LINK = ("#aaaaaa", True, "other link")

_SKIP_IN_TOOLTIP = {"label", "relationship", "first_seen", "last_seen"}


def _options(layout: str) -> dict[str, Any]:
    base: dict[str, Any] = {
        "nodes": {"font": {"size": 16, "face": "sans-serif", "color": "#222222"},
                  "widthConstraint": {"maximum": 240}},  # long names wrap instead of running off the canvas
        "edges": {"font": {"size": 11, "align": "middle", "strokeWidth": 3}, "arrows": {"to": {"enabled": True}}},
        "interaction": {"hover": True, "tooltipDelay": 150, "navigationButtons": False},
    }
    if layout == "hierarchical":
        # Left to right from the colony: the order of a route is the story an investigator reads.
        base["layout"] = {"hierarchical": {"enabled": True, "direction": "LR", "sortMethod": "directed",
                                           "levelSeparation": 320, "nodeSpacing": 110, "treeSpacing": 140}}
        base["physics"] = {"enabled": True, "solver": "hierarchicalRepulsion",
                           "hierarchicalRepulsion": {"nodeDistance": 130, "avoidOverlap": 1},
                           "stabilization": {"enabled": True, "iterations": 300, "fit": True}}
        base["edges"]["smooth"] = {"type": "cubicBezier", "forceDirection": "horizontal", "roundness": 0.4}
    else:
        base["physics"] = {"enabled": True, "solver": "forceAtlas2Based",
                           "forceAtlas2Based": {"gravitationalConstant": -80, "springLength": 160,
                                                "avoidOverlap": 0.6},
                           "stabilization": {"enabled": True, "iterations": 400, "fit": True}}
        base["edges"]["smooth"] = {"type": "dynamic"}
    return base


def _cap(graph: nx.MultiDiGraph, max_nodes: int) -> tuple[nx.MultiDiGraph, str]:
    """`max_nodes` nodes, nearest the graph's first ones (subjects and best routes first), and a note
    saying what was cut; the other formats keep everything."""
    if len(graph) <= max_nodes:
        return graph, ""
    # Breadth-first from the first nodes (subjects, colonies, best routes), links in either direction,
    # so that what is kept hangs together rather than being scattered dots.
    order: dict[str, None] = {}
    undirected = graph.to_undirected(as_view=True)
    for start in graph:
        if len(order) >= max_nodes:
            break
        if start not in order:
            order.update(dict.fromkeys(nx.bfs_tree(undirected, start)))
    keep = list(order)[:max_nodes]
    sub = graph.subgraph(keep).copy()
    cut = Counter(graph.nodes[n].get("role", "") for n in graph if n not in sub)
    what = ", ".join(f"{n} {role or 'other'}" for role, n in cut.most_common())
    note = (f"Showing {len(sub)} of {len(graph)} nodes and {sub.number_of_edges()} of {graph.number_of_edges()} "
            f"links (size cap {max_nodes}); cut: {what}. The CSV, JSON, GEXF and GraphML exports hold everything.")
    return sub, note


def _node_title(key: str, data: dict[str, Any]) -> str:
    role = data.get("role") or data.get("entity") or ""
    lines = [f"{ROLES.get(role, _OTHER)[2]}: {data.get('name') or data.get('entity_id') or key}"]
    if data.get("country"):
        lines.append(f"country: {data['country']}")
    lines.append(f"id: {data.get('entity_id') or key} ({data.get('entity') or ''})")
    if data.get("synthetic"):
        lines.append("SYNTHETIC: fictional data")
    if data.get("supernode"):
        lines.append("flagged as a supernode (registered agent, mass address or nominee)")
    return "\n".join(lines)


def _hop_text(d: dict[str, Any]) -> str:
    rel = d.get("relationship") or ""
    if rel == "SHIPPED":
        head = f"route {d.get('route')} hop {d.get('hop')}: {d.get('date')}, HS {d.get('hs_code')}"
        if d.get("code_switch"):
            head += f", CODE SWITCHED {d.get('code_switch_text') or d['code_switch']}"
        if d.get("origin_country"):
            head += f", declared origin {d['origin_country']}"
        lines = [head, f"evidence: {d.get('source_file')} row {d.get('source_row')} (shipment {d.get('shipment_id')})"]
        more = [s for s in d.get("evidence_shipments") or [] if s != d.get("shipment_id")]
        if more:
            lines.append(f"also on this hop: {len(more)} more shipment(s)")
        return "\n".join(lines)
    lines = [f"{rel}: {d.get('label') or ''}".rstrip(": ")]
    for k, v in d.items():
        if k in _SKIP_IN_TOOLTIP or v in (None, "", []):
            continue
        lines.append(f"{k}: {'; '.join(map(str, v)) if isinstance(v, list | tuple) else v}")
    return "\n".join(lines)


def _edge_label(hops: list[dict[str, Any]]) -> str:
    texts = list(dict.fromkeys(str(d.get("label") or "") for d in hops if d.get("label")))
    shown = texts[:3]
    return "\n".join(shown) + (f"\n+{len(texts) - 3} more" if len(texts) > 3 else "")


def _legend(roles: set[str], links: set[str]) -> str:
    items = []
    for role, (colour, shape, text) in ROLES.items():
        if role in roles:
            radius = "0" if shape in ("box", "square") else "50%"
            items.append(f'<span class="cv-item"><span class="cv-dot" style="background:{colour};'
                         f'border-radius:{radius}"></span>{html.escape(text)}</span>')
    for rel, (colour, dashed, text) in LINKS.items():
        if rel in links:
            style = "dashed" if dashed else "solid"
            items.append(f'<span class="cv-item"><span class="cv-line" style="border-top:3px {style} {colour}">'
                         f'</span>{html.escape(text)}</span>')
    return '<div id="cv-legend">' + "".join(items) + "</div>"


_CONTROLS = """
<div id="cv-controls">
  <label>Find a name: <input id="cv-search" type="search" placeholder="part of a name or id" autocomplete="off"></label>
  <label><input id="cv-only" type="checkbox"> show only matches and their links</label>
  <button id="cv-whole" type="button">Show the whole network</button>
  <span id="cv-count"></span>
  <span id="cv-zoom-note" hidden>Large network: opened zoomed in on its start so the names can be read; scroll
    to zoom out, drag to move, or find a name.</span>
</div>
"""

# No CDN and no innerHTML: matches are counted with textContent, nodes found through the DataSet.
_SCRIPT = """
<script>
(function () {
  var box = document.getElementById("cv-search"), only = document.getElementById("cv-only");
  var count = document.getElementById("cv-count");
  var whole = document.getElementById("cv-whole"), note = document.getElementById("cv-zoom-note");
  var settled = false;
  function fitAll() {
    network.fit({animation: false});
    // fit() frames the nodes, not their labels: step back so names at the edges are not cut off.
    network.moveTo({scale: network.getScale() * 0.85});
  }
  function settle() {
    if (settled) { return; }
    settled = true;
    network.setOptions({physics: {enabled: false}});  // laid out once, then still: nothing drifts
    fitAll();
    var readable = READABLE_SCALE;
    if (network.getScale() < readable) {
      // Too many nodes to show whole with their names: open at a size that can be read, on the start of
      // the network (the colonies, left, for routes; the first node otherwise), and say so.
      var pos = network.getPositions(), ids = nodes.getIds(), first = pos[ids[0]] || {x: 0, y: 0};
      var x = first.x;
      if (HIERARCHICAL) {
        var left = Infinity;
        ids.forEach(function (id) { if (pos[id]) { left = Math.min(left, pos[id].x); } });
        var width = document.getElementById("mynetwork").clientWidth;
        x = left + (width / 2 - 120) / readable;
      }
      network.moveTo({position: {x: x, y: first.y}, scale: readable, animation: false});
      note.hidden = false;
    }
    window.cvSettled = true;  // for the browser tests
  }
  whole.addEventListener("click", fitAll);
  network.once("stabilizationIterationsDone", settle);
  setTimeout(settle, 20000);  // a very large network: stop anyway
  function apply() {
    var q = box.value.trim().toLowerCase(), hits = [];
    nodes.forEach(function (n) {
      var text = ((n.label || "") + " " + (n.cvId || "")).toLowerCase();
      if (q && text.indexOf(q) >= 0) { hits.push(n.id); }
    });
    var keep = {};
    hits.forEach(function (id) {
      keep[id] = true;
      network.getConnectedNodes(id).forEach(function (m) { keep[m] = true; });
    });
    nodes.update(nodes.map(function (n) { return {id: n.id, hidden: !!(q && only.checked && !keep[n.id])}; }));
    network.selectNodes(hits);
    count.textContent = q ? hits.length + " match(es)" : "";
    if (hits.length) { network.fit({nodes: hits, animation: false}); }
  }
  box.addEventListener("input", apply);
  only.addEventListener("change", apply);
})();
</script>
"""

_STYLE = """
<style>
body { font-family: sans-serif; margin: 0 12px; }
#cv-head h2 { margin: 10px 0 4px; }
#cv-head p { margin: 2px 0; color: #444; }
#cv-legend { margin: 6px 0; line-height: 1.9; }
.cv-item { margin-right: 16px; white-space: nowrap; }
.cv-dot { display: inline-block; width: 12px; height: 12px; margin-right: 5px; vertical-align: middle; }
.cv-line { display: inline-block; width: 24px; margin-right: 5px; vertical-align: middle; }
#cv-controls { margin: 6px 0; }
#cv-controls label, #cv-controls button { margin-right: 14px; }
#cv-zoom-note { color: #8a5a00; }
#mynetwork { border: 1px solid #ddd; }
div.vis-tooltip { white-space: pre-wrap; max-width: 520px; font-family: sans-serif; font-size: 12px; }
</style>
"""


def write_html(graph: nx.MultiDiGraph, path: Path, heading: str, *, layout: str = "hierarchical",
               notes: list[str] | None = None, max_nodes: int = DEFAULT_MAX_NODES) -> Path:
    """The network as one self-contained page: colours and shapes by role with a legend, names as labels,
    edge labels (date and HS code for a shipment hop, share for ownership), tooltips with the evidence
    of every hop, a name search, physics that settles and then stops, at most `max_nodes` nodes."""
    from pyvis.network import Network

    shown, cap_note = _cap(graph, max_nodes)
    net = Network(height=f"{CANVAS_HEIGHT}px", width="100%", directed=True, cdn_resources="in_line", heading="")
    net.set_options(json.dumps(_options(layout)))
    roles: set[str] = set()
    for key, data in shown.nodes(data=True):
        role = str(data.get("role") or data.get("entity") or "")
        roles.add(role)
        colour, shape, _ = ROLES.get(role, _OTHER)
        net.add_node(key, label=str(data.get("label") or data.get("name") or key), title=_node_title(key, data),
                     color=colour, shape=shape, cvId=str(data.get("entity_id") or key),
                     font={"color": "#ffffff"} if shape == "box" else {"color": "#222222"},
                     **({"size": 10} if role == "Address" else {}))
    links: set[str] = set()
    # One drawn edge per pair and relationship: parallel shipments would be painted on top of each
    # other; the label lists their dates and codes and the tooltip every hop with its evidence.
    pairs: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for a, b, d in shown.edges(data=True):
        pairs.setdefault((a, b, str(d.get("relationship") or "")), []).append(d)
    for (a, b, rel), hops in pairs.items():
        hops = list({(d.get("shipment_id"), d.get("route"), d.get("hop"), id(d)): d for d in hops}.values())
        switched = rel == "SHIPPED" and any(d.get("code_switch") for d in hops)
        kind = "SWITCHED" if switched else rel
        links.add(kind)
        colour, dashed, _ = LINKS.get(kind, _OTHER_LINK)
        net.add_edge(a, b, label=_edge_label(hops), title="\n\n".join(_hop_text(d) for d in hops),
                     color=colour, dashes=dashed, width=3 if switched else 1.5)
    page = _REMOTE_ASSETS.sub("", net.generate_html(notebook=False))
    page = _PYVIS_HEADING.sub("", page)
    all_notes = [*(notes or []), *([cap_note] if cap_note else [])]
    head = (f'<div id="cv-head"><h2>{html.escape(heading)}</h2>'
            f"<p>{len(shown)} nodes, {shown.number_of_edges()} links. Hover a node or a link for its "
            "evidence; drag to move, scroll to zoom.</p>"
            + "".join(f'<p class="cv-note">{html.escape(n)}</p>' for n in all_notes)
            + _legend(roles, links) + _CONTROLS + "</div>")
    page = page.replace("<head>", "<head>\n<title>" + html.escape(heading) + "</title>" + _STYLE, 1)
    page = page.replace("<body>", "<body>\n" + head, 1)
    script = (_SCRIPT.replace("READABLE_SCALE", json.dumps(READABLE_SCALE))
              .replace("HIERARCHICAL", json.dumps(layout == "hierarchical")))
    page = page.replace("</body>", script + "</body>", 1)
    return write_text_atomic(path, page)
