"""`conveyor shipments`: the shipment rows behind a company, a pair or a route hop, with file and row."""

from __future__ import annotations

import click

from conveyor.queries.evidence import shipment_rows

from ..context import evidence_from, store_from
from .query import render


@click.command()
@click.option("--company", help="Rows where this company (or any id merged into it) is seller or buyer.")
@click.option("--seller", help="Rows sold by this company.")
@click.option("--buyer", help="Rows bought by this company.")
@click.option("--id", "shipment", help="One shipment (declaration) id.")
@click.option("--limit", type=click.IntRange(1, 10_000_000), default=200, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.pass_context
def shipments(ctx: click.Context, company: str | None, seller: str | None, buyer: str | None,
              shipment: str | None, limit: int, fmt: str) -> None:
    """Shipment rows from the evidence store (oldest first): every route hop's evidence is one call away,
    e.g. `conveyor shipments --seller A --buyer B`."""
    if not any((company, seller, buyer, shipment)):
        raise click.UsageError("give --company, --seller and/or --buyer, or --id")
    with store_from(ctx) as store:
        rows = shipment_rows(store, evidence_from(ctx), company=company, seller=seller, buyer=buyer,
                             shipment=shipment, limit=limit)
    click.echo(render(rows, fmt))
