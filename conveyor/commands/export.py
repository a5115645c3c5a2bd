"""`conveyor export neo4j-admin`: the whole graph as bulk-import files for a new Neo4j database.

`conveyor export html|gexf|graphml|csv|json|ftm OUT`: a set of routes (the `routes` options), an owners
answer (--owners ID), a saved query's result (--query NAME -p k=v) or the neighbourhood of entities
(--around ID --hops N), as one file for a browser, Gephi, yEd/Cytoscape, a spreadsheet or FtM tools."""

from __future__ import annotations

from pathlib import Path

import click

from conveyor.graph.values import to_jsonable
from conveyor.queries import owners_view
from conveyor.queries.export import FORMATS, write_selection
from conveyor.queries.export_html import DEFAULT_MAX_NODES
from conveyor.queries.neo4j_admin import (
    DEFAULT_DATABASE,
    DEFAULT_PAGE_SIZE,
    ExportRefused,
    Neo4jAdminExport,
    export_neo4j_admin,
)
from conveyor.queries.ownership import check_date, ultimate_owners
from conveyor.queries.routes import RouteSettings
from conveyor.queries.subgraph import Selection, around_selection, query_selection, routes_selection

from ..context import evidence_from, store_from
from ..outputs import checked_output
from .query import given_params, saved_query
from .routes import route_options, routes_title, search_routes


@click.group()
def export() -> None:
    """Write the graph out for other tools."""


@export.command("neo4j-admin")
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="Folder for the CSV files (created if missing; never the graph's own folder).")
@click.option("--force", is_flag=True, help="Replace export files already in --out.")
@click.option("--database", default=DEFAULT_DATABASE, show_default=True,
              help="Name of the new Neo4j database in the printed command.")
@click.option("--page-size", type=click.IntRange(1, 1_000_000), default=DEFAULT_PAGE_SIZE, show_default=True,
              help="Nodes or relationships read from the graph per query.")
@click.pass_context
def neo4j_admin(ctx: click.Context, out: Path, force: bool, database: str, page_size: int) -> None:
    """Files for `neo4j-admin database import full` (Neo4j 5): one nodes CSV per label, one relationships
    CSV per type and endpoint pair, typed headers; prints the command to run.

    Shipment rows are not graph nodes: they stay in the Parquet evidence store, listed after the command.
    """
    location = ctx.obj.location
    # Only the embedded store has a graph file that --out must not hit; a server's graph lives elsewhere.
    graph_file = None if "://" in location else Path(location)
    with store_from(ctx) as store:
        try:
            result = export_neo4j_admin(store, out, graph_file=graph_file, evidence=evidence_from(ctx),
                                        database=database, force=force, page_size=page_size)
        except ExportRefused as exc:
            raise click.ClickException(str(exc)) from exc
    _report(result)


def _report(result: Neo4jAdminExport) -> None:
    click.echo(f"wrote {len(result.files)} files to {result.out}:")
    width = max((len(f.name) for f in result.files), default=0)
    for f in result.files:
        what = "nodes" if f.kind == "nodes" else "relationships"
        click.echo(f"  {f.name:<{width}}  {f.rows:>12,} {what}")
    for path in result.removed:
        click.echo(f"  removed {path.name} (from an earlier export; the graph has none of these now)")
    if result.notes:
        click.echo("notes:")
        for note in result.notes:
            click.echo(f"  - {note}")
    click.echo("")
    click.echo(f"To load them into a new Neo4j 5 database {result.database!r}, on the Neo4j server with the "
               "files copied there (same paths, or edit them), run:")
    click.echo("")
    click.echo(result.command())
    click.echo("")
    click.echo(f"then, in Cypher: CREATE DATABASE `{result.database}`  (Community edition has one database: "
               "export with --database neo4j and add --overwrite-destination=true, with Neo4j stopped)")
    evidence = result.evidence
    if evidence is None:
        return
    click.echo("")
    click.echo(f"# Shipment rows are not graph nodes and are not in these files: {evidence.rows:,} rows live in "
               f"the Parquet evidence store at {evidence.folder}/")
    if evidence.files:
        click.echo("# current evidence files, for anyone who wants them as well:")
        for path in evidence.files:
            click.echo(f"#   {path}")
    for path in evidence.missing:
        click.echo(f"# missing (reload its source to restore it): {path}")


_WHAT = {"html": "an interactive network page, offline (colours by role, legend, search, evidence tooltips)",
         "gexf": "GEXF for Gephi (names as labels, relationship as an attribute, one edge per hop)",
         "graphml": "GraphML for yEd and Cytoscape", "csv": "CSV, UTF-8 (one row per hop, owner link or "
         "result row)", "json": "JSON", "ftm": "FollowTheMoney entity lines for Aleph and OpenSanctions tools"}


def _owners_selection(ctx: click.Context, company: str, as_of: str | None, include_ended: bool) -> Selection:
    try:
        day = check_date(as_of)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--as-of") from None
    with store_from(ctx) as store:
        result = ultimate_owners(store, company, include_ended=include_ended, as_of=day)
        return owners_view.ultimate_selection(result, owners_view.names_for_ultimate(store, result))


def _query_selection(ctx: click.Context, name: str, params: tuple[str, ...]) -> Selection:
    saved = saved_query(ctx, name)
    given = given_params(saved, params)
    with store_from(ctx) as store:
        rows = [to_jsonable(r) for r in saved.run(store, given)]
        return query_selection(store, name, rows)


def _around_selection(ctx: click.Context, ids: tuple[str, ...], hops: int, per_node: int, max_nodes: int) -> Selection:
    with store_from(ctx) as store:
        return around_selection(store, list(ids), hops, max_nodes=max_nodes, per_node=per_node)


def _routes_selection(ctx: click.Context, route: RouteSettings) -> Selection:
    search = search_routes(ctx, route)
    selection = routes_selection(search.findings, routes_title(route))
    selection.notes += [f"limit: {text}" for text in search.limits_hit]
    return selection


def _format_command(fmt: str) -> click.Command:
    @click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
    @route_options
    @click.option("--owners", metavar="COMPANY_ID", help="The ultimate owners of this company (owners ultimate).")
    @click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="With --owners: links in force on this day.")
    @click.option("--include-ended", is_flag=True, help="With --owners: also follow ended links.")
    @click.option("--query", "query_name", metavar="NAME", help="A saved query's result (conveyor query list).")
    @click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE",
                  help="With --query: a parameter (repeatable).")
    @click.option("--around", multiple=True, metavar="ID", help="The neighbourhood of this entity (repeatable).")
    @click.option("--hops", type=click.IntRange(1, 6), default=1, show_default=True,
                  help="With --around: links to walk out from the entities.")
    @click.option("--per-node", type=click.IntRange(1, 100_000), default=200, show_default=True,
                  help="With --around: a node with more links is drawn, not walked through.")
    @click.option("--max-nodes", type=click.IntRange(1, 1_000_000), default=DEFAULT_MAX_NODES, show_default=True,
                  help="Size cap of the HTML page and of --around (the page says what it cut).")
    @click.option("--bom", is_flag=True, help="CSV: start with a UTF-8 byte-order mark (for spreadsheets).")
    @click.option("--force", is_flag=True, help="Replace OUT if it exists.")
    @click.pass_context
    def command(ctx: click.Context, out: Path, owners: str | None, as_of: str | None, include_ended: bool,
                query_name: str | None, params: tuple[str, ...], around: tuple[str, ...], hops: int, per_node: int,
                max_nodes: int, bom: bool, force: bool, route: RouteSettings) -> None:
        target = checked_output(ctx, out, force=force, option="OUT")
        chosen = [name for name, given in (("--owners", owners), ("--query", query_name), ("--around", around))
                  if given]
        if len(chosen) > 1:
            raise click.UsageError(f"give one of --owners, --query and --around, not {' and '.join(chosen)}")
        if owners:
            selection = _owners_selection(ctx, owners, as_of, include_ended)
        elif query_name:
            selection = _query_selection(ctx, query_name, params)
        elif around:
            selection = _around_selection(ctx, around, hops, per_node, max_nodes)
        else:
            selection = _routes_selection(ctx, route)
        write_selection(selection, fmt, target, bom=bom, max_nodes=max_nodes)
        size = f"{selection.graph.number_of_nodes()} nodes, {selection.graph.number_of_edges()} links" \
            if fmt not in ("csv", "json") else f"{len(selection.rows)} row(s)"
        click.echo(f"wrote {target}: {selection.title} ({size})")
        for note in selection.notes:
            click.echo(f"note: {note}", err=True)

    command.__doc__ = (f"Write {_WHAT[fmt]} to OUT: routes (the routes options; the default), --owners ID, "
                       "--query NAME -p k=v, or --around ID --hops N.")
    return click.command(fmt)(command)


for _fmt in FORMATS:
    export.add_command(_format_command(_fmt))
