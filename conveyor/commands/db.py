"""`conveyor db init|stats|clear`."""

from __future__ import annotations

import json

import click

from queries.evidence import evidence_counts

from ..context import evidence_from, store_from


@click.group()
def db() -> None:
    """Create, inspect or empty the graph."""


@db.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the indexes and uniqueness rules of the schema (safe to repeat)."""
    with store_from(ctx, create=True) as store:
        store.ensure_schema()
        click.echo(f"schema ready in {store.kind} at {store.location}")


@db.command()
@click.option("--json", "as_json", is_flag=True, help="Counts as JSON.")
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Nodes by label and relationships by type."""
    with store_from(ctx) as store:
        counts = store.counts()
        evidence = evidence_counts(store, evidence_from(ctx))
        if as_json:
            click.echo(json.dumps({"store": store.kind, "location": store.location, **counts,
                                   "evidence": evidence}, indent=2))
            return
        click.echo(f"{store.kind} at {store.location}")
        click.echo(f"shipment rows (evidence store at {evidence['location']}): {evidence['shipment_rows']:,}")
        for section in ("nodes", "relationships"):
            click.echo(f"{section}:")
            for name, n in counts[section].items():
                click.echo(f"  {name:<20} {n:>10,}")
            if not counts[section]:
                click.echo("  (none)")


@db.command()
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def clear(ctx: click.Context, yes: bool) -> None:
    """Delete every node and relationship."""
    with store_from(ctx) as store:
        if not yes:
            click.confirm(f"Delete everything in {store.location}?", abort=True)
        deleted = store.clear()
        click.echo(f"deleted {deleted:,} nodes from {store.location}")
