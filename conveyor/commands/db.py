"""`conveyor db init|stats|clear|doctor`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from conveyor.graph.store.embedded_guard import (
    lock_holder,
    registered_servers,
    settings_path,
    stop_orphans,
    stop_server_left_for,
)
from conveyor.queries.evidence import evidence_counts

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


@db.command()
@click.option("--clean", is_flag=True, help="Stop servers whose command was killed and remove their folders.")
@click.pass_context
def doctor(ctx: click.Context, clean: bool) -> None:
    """What killed commands left behind: embedded FalkorDB servers still running, their folders, and who
    holds the graph now. Any command on an embedded graph also cleans this up when it starts."""
    location = ctx.obj.location
    if "://" not in location:
        graph_file = Path(location).expanduser().resolve()
        holder = lock_holder(graph_file)
        click.echo(f"graph {graph_file}: " + (f"in use by {holder}" if holder else "not in use"))
        if settings_path(graph_file).exists() and not holder:
            click.echo(f"  {settings_path(graph_file).name} names a server left running by a killed command")
    records = registered_servers()
    orphans = [r for r in records if not r.owner_alive]
    click.echo(f"embedded servers started by Conveyor: {len(records)} ({len(orphans)} left by killed commands)")
    for r in records:
        state = "owner running" if r.owner_alive else ("ORPHAN, running" if r.server_alive else "orphan, stopped")
        click.echo(f"  pid {r.server_pid} for {r.graph} (owner pid {r.owner_pid}): {state}")
    if clean:
        done = stop_orphans()
        if "://" not in location:
            left = stop_server_left_for(Path(location).expanduser().resolve()) if not lock_holder(
                Path(location).expanduser().resolve()) else None
            done += [left] if left else []
        for line in done:
            click.echo(line)
        click.echo(f"cleaned: {len(done)} server(s) stopped")
    elif orphans:
        click.echo("run `conveyor db doctor --clean` (or any command on a graph) to stop them")
