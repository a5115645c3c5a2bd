"""A real browser: Debian's chromium, driven headless by Playwright's Python package (never Playwright's
own browser download), opens the demo's routes.html, a route network and reports with hostile names.

What it checks is what a reader sees: the network has nodes and the canvas is drawn; names are text (a
name with `&`, quotes, `<img src=x onerror=...>` and `</script>` reads exactly as written in the page, in
node labels and in the tooltip, and runs nothing: no dialog opens and no flag set by injected script
appears); the report prints to PDF with the network replaced and no table wider than the page.
Screenshots and the PDF are kept in tests/artifacts/browser/ (or $CONVEYOR_TEST_ARTIFACTS), printed.

Without /usr/bin/chromium (scripts/setup.sh installs it when apt-get is usable) every test here is
SKIPPED, with the reason, never passed silently."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_report import HOSTILE, OWNER, PROGRAMME, invoke, write_scenario

from conveyor.cli import cli

CHROMIUM = Path(os.environ.get("CONVEYOR_CHROMIUM", "/usr/bin/chromium"))
# As the machine notes give them for chromium as root on a closed network: no sandbox (root), no GPU, and
# none of the background calls to Google's services.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(os.environ.get("CONVEYOR_TEST_ARTIFACTS", Path(__file__).parent / "artifacts" / "browser"))
# A second hostile name: closes a script element and sets a flag if any of it ever runs as markup.
SCRIPTED = 'Evil "Quote" Ltd </script><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'

if not CHROMIUM.is_file():
    pytest.skip(f"browser tests NOT RUN: no chromium at {CHROMIUM} (scripts/setup.sh installs Debian's chromium "
                "with apt-get when it runs as root or with passwordless sudo)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests NOT RUN: Playwright's Python package "
                               "is not installed (pip install -e '.[dev]')")


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator:
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as p:
        # A fresh, empty profile each run, as the machine notes advise.
        context = p.chromium.launch_persistent_context(str(profile), executable_path=str(CHROMIUM), args=ARGS,
                                                       headless=True, viewport={"width": 1280, "height": 900})
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"\nbrowser test artefacts (screenshots, PDF): {ARTIFACTS}")
    return ARTIFACTS


class Watched:
    """A page whose dialogs are recorded (and dismissed): any dialog at all means script ran."""

    def __init__(self, context) -> None:
        self.page = context.new_page()
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, path: Path) -> Watched:
        self.page.goto(path.resolve().as_uri())
        return self


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(cli, ["demo", "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    files = write_scenario(folder, buyer=SCRIPTED)
    db = folder / "g.db"
    invoke(db, "load", "colonies", str(files["colonies"]))
    invoke(db, "load", "trade", str(files["shipments"]))
    invoke(db, "load", "registry", "--format", "ftm", str(files["ftm"]))
    return db


def network_nodes(frame) -> list[dict]:
    """The network's nodes as vis-network holds them, once it has drawn them."""
    frame.wait_for_function("() => typeof network !== 'undefined' && network && network.body"
                            " && network.body.data.nodes.length > 0", timeout=20_000)
    return frame.evaluate("() => network.body.data.nodes.get().map(n => ({id: n.id, label: n.label,"
                          " title: typeof n.title === 'string' ? n.title : null}))")


def painted_pixels(frame) -> int:
    """Pixels the network canvas painted (not transparent): 0 for a blank canvas."""
    return frame.evaluate("""() => {
        const c = document.querySelector('canvas');
        if (!c) return -1;
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
        return n;
    }""")


def scroll_to_network(page: Watched) -> None:
    # Chromium does not paint a cross-origin frame (the sandboxed network is one) until it is on screen.
    page.page.locator("iframe.network-frame").scroll_into_view_if_needed()
    page.page.wait_for_timeout(1500)


def not_pwned(page: Watched) -> None:
    for frame in page.page.frames:
        assert frame.evaluate("() => window.__pwned === undefined"), f"injected script ran in {frame.url}"
        assert frame.evaluate("() => document.querySelectorAll('img[src=\"x\"]').length") == 0
    assert page.dialogs == [], f"a dialog opened: {page.dialogs}"


def test_the_demo_network_renders_its_nodes(browser, demo: Path, artifacts: Path):
    page = Watched(browser).open(demo / "routes.html")
    nodes = network_nodes(page.page.main_frame)
    assert len(nodes) >= 5
    assert all(n["label"] for n in nodes)
    assert any("(fictional" in n["label"] for n in nodes)
    page.page.wait_for_timeout(1500)  # let the layout settle before looking at the canvas
    assert painted_pixels(page.page.main_frame) > 1000
    shot = artifacts / "demo-routes.png"
    page.page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert page.errors == []
    not_pwned(page)


def _routes_page(db: Path, out: Path) -> Path:
    """The route network page queries/export.py writes for the routes found in `db`."""
    from conveyor.graph.evidence import EvidenceStore, evidence_location
    from conveyor.graph.store import open_store
    from conveyor.queries.export import routes_graph, write_html
    from conveyor.queries.routes import RouteSettings, find_routes

    with open_store(str(db)) as store:
        search = find_routes(store, EvidenceStore(evidence_location(str(db))), RouteSettings(colony="all"))
    assert search.findings
    return write_html(routes_graph(search.findings), out, "Routes with hostile names (fictional)")


def _hover(page: Watched, frame, node_id: str, box) -> str:
    """Move the mouse onto a node and return the tooltip's text as the reader sees it."""
    point = frame.evaluate("(id) => network.canvasToDOM(network.getPositions([id])[id])", node_id)
    canvas = frame.locator("canvas").first.bounding_box()
    page.page.mouse.move(canvas["x"] + point["x"], canvas["y"] + point["y"])
    tooltip = frame.locator(".vis-tooltip")
    tooltip.wait_for(state="visible", timeout=10_000)
    assert tooltip.locator("img").count() == 0 and tooltip.locator("script").count() == 0
    return tooltip.inner_text()


def test_hostile_names_are_text_in_the_network(browser, hostile: Path, artifacts: Path, tmp_path: Path):
    page = Watched(browser).open(_routes_page(hostile, tmp_path / "routes.html"))
    frame = page.page.main_frame
    nodes = network_nodes(frame)
    labels = " ".join(n["label"] for n in nodes)
    assert HOSTILE in labels and SCRIPTED in labels  # exactly as written: not escaped, not cut
    page.page.wait_for_timeout(1500)
    assert painted_pixels(frame) > 1000
    target = next(n for n in nodes if HOSTILE in n["label"])
    text = _hover(page, frame, target["id"], None)
    assert HOSTILE in text and "&amp;" not in text and "&#x27;" not in text
    page.page.screenshot(path=str(artifacts / "hostile-network-tooltip.png"))
    not_pwned(page)


def test_the_report_shows_names_as_text_runs_nothing_and_prints(browser, hostile: Path, artifacts: Path,
                                                                tmp_path: Path):
    out = tmp_path / "report.html"
    invoke(hostile, "report", "--colony", "FX-COL-9", "--out", str(out))
    page = Watched(browser).open(out)
    body = page.page.inner_text("body")
    for name in (HOSTILE, SCRIPTED, OWNER):
        assert name in body
    assert "&amp;" not in body and "&#x27;" not in body and "&lt;" not in body
    assert page.page.locator("table").count() >= 6
    # The network, in its sandboxed frame, is drawn with the names as labels.
    frame = page.page.frame_locator("iframe.network-frame")
    assert frame.locator("canvas").count() >= 1
    network = next(f for f in page.page.frames if f != page.page.main_frame)
    labels = [n["label"] for n in network_nodes(network)]
    assert {HOSTILE, SCRIPTED, OWNER, PROGRAMME} <= set(labels)  # routes, owner and sanction on one network
    scroll_to_network(page)
    assert painted_pixels(network) > 1000
    page.page.screenshot(path=str(artifacts / "hostile-report.png"), full_page=True)
    not_pwned(page)

    # Printed: the frame gives way to a note, every table fits the page width, one section a page.
    page.page.set_viewport_size({"width": 700, "height": 1000})  # A4 at 96 dpi less the page margins
    page.page.emulate_media(media="print")
    assert page.page.locator("iframe.network-frame").is_hidden()
    assert page.page.locator(".print-only").first.is_visible()
    too_wide = page.page.evaluate("""() => [...document.querySelectorAll('table')]
        .filter(t => t.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .map(t => t.querySelector('th').innerText + ': ' + Math.round(t.getBoundingClientRect().right))""")
    assert too_wide == []
    pdf = artifacts / "hostile-report.pdf"
    page.page.pdf(path=str(pdf), format="A4", print_background=True)
    pages = pdf.read_bytes().count(b"/Type /Page") - pdf.read_bytes().count(b"/Type /Pages")
    assert pages >= 6, pages  # summary, subject, routes, ownership, sanctions, sources, ethics start pages


def test_the_demo_report_renders(browser, demo: Path, artifacts: Path):
    out = demo / "report.html"
    CliRunner().invoke(cli, ["--db", str(demo / "demo.db"), "report", "--colony", "DEMO-COLONY-1", "--out", str(out),
                             "--force"], catch_exceptions=False)
    page = Watched(browser).open(out)
    body = page.page.inner_text("body")
    assert "SYNTHETIC DATA" in body and "Route 1: score" in body and "Data ethics" in body
    network = next(f for f in page.page.frames if f != page.page.main_frame)
    assert len(network_nodes(network)) >= 5
    scroll_to_network(page)
    assert painted_pixels(network) > 1000
    page.page.screenshot(path=str(artifacts / "demo-report.png"), full_page=True)
    assert page.errors == []
    not_pwned(page)


def test_chromium_is_debians_not_a_download():
    # The browser driven above is the system's; Playwright's own download folder is never needed.
    assert CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)
    assert shutil.which("chromium") or CHROMIUM.exists()
