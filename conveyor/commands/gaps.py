"""`conveyor gaps`: what a sanctions list of HS codes leaves open, with the trade still flowing."""

from __future__ import annotations

from pathlib import Path

import click

from conveyor.queries.gaps import gap_report, read_sanctions

from ..context import evidence_from, store_from
from ..inputs import input_file
from .analysis import emit, out_options, out_target


@click.command()
@click.option("--codes", "codes_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              callback=input_file,
              help="CSV with a column hs_code (optional program, listed).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@out_options
@click.pass_context
def gaps(ctx: click.Context, codes_file: Path, fmt: str, out: Path | None, force: bool) -> None:
    """Colony product groups and sibling codes a sanctions list leaves unsanctioned, with their trade."""
    target = out_target(ctx, out, force, inputs=(codes_file,))
    sanctions = read_sanctions(codes_file)
    with store_from(ctx) as store:
        frame = gap_report(store, sanctions, evidence_from(ctx))
    emit(frame, fmt, target)
