"""`conveyor demo`: the main job end to end on the embedded store, on shipped data."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from conveyor.graph.evidence import EvidenceStore, evidence_location
from conveyor.graph.store import open_store
from conveyor.jobs.trade import derive_trade
from conveyor.loaders.base import load as run_load
from conveyor.loaders.colonies import read_colonies
from conveyor.loaders.hs import read_hs
from conveyor.loaders.reference import reference_steps
from conveyor.loaders.shipments_load import load_shipments
from conveyor.queries.export import HOP_COLUMNS, route_rows, routes_graph, write_csv, write_gexf, write_html
from conveyor.queries.routes import RouteSettings, find_routes

from ..data import DEMO_COLONIES, DEMO_SHIPMENTS, HS_FILE, REFERENCE_COLONIES
from ..render import routes_text

BANNER = (
    "Conveyor demo. The trade network below is SYNTHETIC: the demo colony and every company in it are\n"
    "fictional. The real colonies loaded alongside are reference data as published in the cited sources;\n"
    "no trade is attached to them."
)


@click.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("conveyor-demo"),
              show_default=True, help="Folder for the routes CSV, the HTML network and the demo graph.")
@click.pass_context
def demo(ctx: click.Context, out: Path) -> None:
    """Load HS codes, cited colonies and a synthetic trade network; trace and export the routes."""
    out.mkdir(parents=True, exist_ok=True)
    own_graph = ctx.obj.db is None
    location = str(out / "demo.db") if own_graph else ctx.obj.db
    click.echo(BANNER + "\n")
    with open_store(location, ctx.obj.batch_size) as store:
        if own_graph:
            store.clear()  # the demo's own graph: start from nothing so the run is reproducible
        rejects = out / "rejects"
        steps = (
            ("hs", read_hs(HS_FILE), HS_FILE, "hs", None),
            *((s.source, s.chunks, s.path, s.fmt, None) for s in reference_steps(REFERENCE_COLONIES.parent)),
            ("colonies:demo", read_colonies(DEMO_COLONIES), DEMO_COLONIES, "colonies", None),
        )
        for source, chunks, path, fmt, finish in steps:
            report = run_load(store, chunks, source=source, path=path, fmt=fmt, rejects_dir=rejects,
                              finish=finish)
            click.echo(report.summary())
        evidence = EvidenceStore(ctx.obj.evidence or evidence_location(location))
        report = load_shipments(store, evidence, DEMO_SHIPMENTS, source="shipments:demo", rejects_dir=rejects,
                                derive=derive_trade)
        click.echo(report.summary())
        search = find_routes(store, evidence, RouteSettings(colony="all"))
    click.echo("\n" + routes_text(search) + "\n")
    csv_path = write_csv(route_rows(search.findings), out / "routes.csv", HOP_COLUMNS)
    graph = routes_graph(search.findings)
    html_path = write_html(graph, out / "routes.html",
                           "Conveyor demo routes (SYNTHETIC network, fictional companies)")
    gexf_path = write_gexf(graph, out / "routes.gexf")
    click.echo(f"wrote {csv_path} (one row per hop, with its kind and the source file and row behind it)")
    click.echo(f"wrote {html_path} (interactive network: open it in a browser)")
    click.echo(f"wrote {gexf_path} (for Gephi)")
    db = shlex.quote(location)
    click.echo(
        "\nTry next:\n"
        f"  conveyor --db {db} db stats\n"
        f"  conveyor --db {db} query list\n"
        f"  conveyor --db {db} query run colony-supply-paths --format table\n"
        f"  conveyor --db {db} routes --from-colony DEMO-COLONY-1 --to-country SE,DE --window-days 90\n"
        "  conveyor load trade YOUR_SHIPMENTS.csv --mapping YOUR_MAPPING.yml   (then: conveyor routes)"
    )
