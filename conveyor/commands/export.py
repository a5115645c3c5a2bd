"""`conveyor export neo4j-admin`: the whole graph as bulk-import files for a new Neo4j database."""

from __future__ import annotations

from pathlib import Path

import click

from queries.neo4j_admin import (
    DEFAULT_DATABASE,
    DEFAULT_PAGE_SIZE,
    ExportRefused,
    Neo4jAdminExport,
    export_neo4j_admin,
)

from ..context import evidence_from, store_from


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
