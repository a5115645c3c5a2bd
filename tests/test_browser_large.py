"""A large route network (the shape of 200 planted routes: a few colonies, hundreds of traders and buyers)
opened in headless chromium: the page must open on something a reader can see, not on a screen of white
space above a drawing taller than the screen, and the names on that first view must be drawn large
enough to read. Skipped like tests/test_browser.py when chromium is absent."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
from conveyor.queries.export_html import write_html
from conveyor.queries.subgraph import add_entity
from test_browser import Watched, artifacts, browser, network_nodes, painted_pixels  # noqa: F401 (fixtures)

VIEWPORT_HEIGHT = 900  # the browser fixture's viewport
# vis-network draws no label smaller than 5 px on screen (scaling.label.drawThreshold); names are 16 px.
READABLE_SCALE = 0.5


def large_routes_graph(routes: int = 200) -> nx.MultiDiGraph:
    """Colony -> producer -> dealer -> transit -> buyer, four colonies, `routes` routes (fictional)."""
    graph = nx.MultiDiGraph()
    for r in range(routes):
        c = r % 4
        colony = add_entity(graph, "Colony", f"FX-COL-{c}", f"Fictional Colony {c}")
        producer = add_entity(graph, "Company", f"fx:producer-{c}", f"Producer {c} (fictional)", role="Producer")
        if not graph.has_edge(colony, producer):
            graph.add_edge(colony, producer, relationship="OPERATES", label="operates")
        chain = [producer,
                 add_entity(graph, "Company", f"fx:dealer-{r}", f"Dealer {r} (fictional)", role="Intermediary"),
                 add_entity(graph, "Company", f"fx:transit-{r}", f"Transit {r} (fictional)", role="Intermediary"),
                 add_entity(graph, "Company", f"fx:buyer-{r}", f"Buyer {r} (fictional)", role="Buyer")]
        for hop, (a, b) in enumerate(zip(chain, chain[1:], strict=False), start=1):
            graph.add_edge(a, b, relationship="SHIPPED", label=f"2024-01-{hop:02d} HS 940360", route=r + 1, hop=hop,
                           date=f"2024-01-{hop:02d}", hs_code="940360", shipment_id=f"FX-{r}-{hop}",
                           source_file="fictional.csv", source_row=r * 3 + hop)
    return graph


def _settled(frame) -> None:
    frame.wait_for_function("() => window.cvSettled === true", timeout=60_000)


def _nodes_in_view(frame) -> int:
    return frame.evaluate("""() => {
        const box = document.getElementById('mynetwork').getBoundingClientRect();
        const pos = network.getPositions();
        return Object.keys(pos).filter(id => {
            const p = network.canvasToDOM(pos[id]);
            return p.x >= 0 && p.y >= 0 && p.x <= box.width && p.y <= box.height;
        }).length;
    }""")


def test_a_large_route_network_opens_on_readable_nodes(browser, artifacts: Path, tmp_path: Path):  # noqa: F811
    graph = large_routes_graph()
    page = Watched(browser).open(write_html(graph, tmp_path / "large.html", "200 fictional routes"))
    frame = page.page.main_frame
    assert len(network_nodes(frame)) == len(graph)
    # The drawing area is on the screen the page opens on, not a strip somewhere down a 12,000 px page.
    box = page.page.locator("#mynetwork").bounding_box()
    assert box["y"] + box["height"] <= VIEWPORT_HEIGHT, box
    _settled(frame)
    # ... and what it shows first is nodes with their names drawn, not dots too small to label.
    assert frame.evaluate("() => network.getScale()") >= READABLE_SCALE
    assert _nodes_in_view(frame) >= 5
    assert painted_pixels(frame) > 1000
    assert page.page.locator("#cv-zoom-note").is_visible()
    page.page.wait_for_timeout(1000)  # pyvis's loading bar fades out
    page.page.screenshot(path=str(artifacts / "large-routes-opened.png"))
    # One click shows the whole network.
    page.page.locator("#cv-whole").click()
    page.page.wait_for_timeout(500)
    assert _nodes_in_view(frame) == len(graph)
    page.page.screenshot(path=str(artifacts / "large-routes-whole.png"))
    assert page.errors == []


def test_a_small_network_still_opens_whole(browser, tmp_path: Path):  # noqa: F811
    graph = large_routes_graph(routes=3)
    page = Watched(browser).open(write_html(graph, tmp_path / "small.html", "3 fictional routes"))
    frame = page.page.main_frame
    _settled(frame)
    assert _nodes_in_view(frame) == len(graph)
    assert frame.evaluate("() => network.getScale()") >= READABLE_SCALE
    assert not page.page.locator("#cv-zoom-note").is_visible()
    assert page.errors == []
