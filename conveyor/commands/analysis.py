"""`conveyor mirror` and `conveyor switching`: country-level analyses of aggregate flows."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
import pandas as pd

from conveyor.graph.errors import RowProblem
from conveyor.graph.files import atomic_output
from conveyor.graph.types import HS_CODE
from conveyor.queries.analysis import TRANSIT_COUNTRIES, code_switching, mirror_gaps, to_records, transit_shift

from ..context import store_from
from ..outputs import checked_output
from .query import render

_format = click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
                       show_default=True)
def out_options(command):
    """--out FILE (.json as JSON, anything else as CSV) and --force to replace an existing one."""
    command = click.option("--force", is_flag=True, help="Replace the --out file if it exists.")(command)
    return click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
                        help="Also write the result to this file (.json as JSON, anything else as CSV).")(command)


def out_target(ctx: click.Context, out: Path | None, force: bool, inputs: tuple[Path, ...] = ()) -> Path | None:
    """Checked before any work is done: never the graph, its sidecars or evidence, never an input."""
    return checked_output(ctx, out, force=force, inputs=inputs) if out else None


def write_result(frame: pd.DataFrame, target: Path | None) -> None:
    if target is None:
        return
    with atomic_output(target) as fh:
        if target.suffix.lower() == ".json":
            fh.write(json.dumps(to_records(frame), indent=2, ensure_ascii=False, default=str))
        else:
            frame.to_csv(fh, index=False)


def emit(frame: pd.DataFrame, fmt: str, target: Path | None) -> None:
    write_result(frame, target)
    click.echo(render(to_records(frame), fmt))


def codes_option(text: str) -> list[str]:
    """'9403.60, 4418' -> HS codes (2, 4, 6, 8, 9 or 10 digits: graph.types.HS_CODE), each checked."""
    codes = []
    for part in text.split(","):
        try:
            code = HS_CODE.clean(part)
        except RowProblem as problem:
            raise click.BadParameter(problem.reason, param_hint="--codes") from None
        if code is not None:
            codes.append(code)
    return codes


@click.command()
@click.option("--level", type=click.Choice(["2", "4", "6", "8", "10"]), default="6", show_default=True,
              help="HS digits to compare at.")
@click.option("--period", default="", help="Only periods starting with this, e.g. 2023 or 2023-05.")
@click.option("--threshold", type=click.FloatRange(0, None), default=0.25, show_default=True,
              help="Flag when |ln(imports/exports) - ln(1+cif-fob)| exceeds this.")
@click.option("--cif-fob", type=click.FloatRange(0, 1), default=0.05, show_default=True,
              help="Expected excess of CIF imports over FOB exports.")
@click.option("--annual", is_flag=True, help="Compare by year (monthly periods summed).")
@click.option("--flagged-only", is_flag=True)
@_format
@out_options
@click.pass_context
def mirror(ctx: click.Context, level: str, period: str, threshold: float, cif_fob: float, annual: bool,
           flagged_only: bool, fmt: str, out: Path | None, force: bool) -> None:
    """Mirror gaps: exports an exporter reports vs imports the importer reports (Fisman & Wei 2004)."""
    target = out_target(ctx, out, force)
    with store_from(ctx) as store:
        frame = mirror_gaps(store, level=int(level), period=period, threshold=threshold, cif_fob=cif_fob,
                            annual=annual, flagged_only=flagged_only)
    emit(frame, fmt, target)


@click.command()
@click.option("--sanctions-date", required=True, help="YYYY-MM-DD: flows before vs from this date.")
@click.option("--codes", default="", help="Sanctioned codes/prefixes, e.g. 940360,4421 (default: every code).")
@click.option("--family-level", type=click.Choice(["2", "4"]), default="4", show_default=True,
              help="Siblings share this many leading digits.")
@click.option("--transit", default=",".join(TRANSIT_COUNTRIES), show_default=True,
              help="Transit countries for the shift table.")
@click.option("--drop", type=click.FloatRange(0, 1), default=0.3, show_default=True)
@click.option("--rise", type=click.FloatRange(0, None), default=0.3, show_default=True)
@_format
@out_options
@click.pass_context
def switching(ctx: click.Context, sanctions_date: str, codes: str, family_level: str, transit: str, drop: float,
              rise: float, fmt: str, out: Path | None, force: bool) -> None:
    """Codes whose flows fall after a sanctions date while sibling codes rise; shifts to transit countries."""
    try:
        date = dt.date.fromisoformat(sanctions_date).isoformat()
    except ValueError:
        raise click.BadParameter(f"{sanctions_date!r} is not YYYY-MM-DD", param_hint="--sanctions-date") from None
    prefixes = codes_option(codes)
    countries = [c.strip().upper() for c in transit.split(",") if c.strip()]
    target = out_target(ctx, out, force)
    with store_from(ctx) as store:
        switched = code_switching(store, sanctions_date=date, codes=prefixes, family_level=int(family_level),
                                  drop=drop, rise=rise)
        shifted = transit_shift(store, sanctions_date=date, codes=prefixes, family_level=int(family_level),
                                transit=countries, rise=rise)
    both = pd.concat([switched.assign(finding="code switching"), shifted.assign(finding="transit shift")],
                     ignore_index=True)
    both = both[["finding", *[c for c in both.columns if c != "finding"]]]
    if fmt == "table":
        write_result(both, target)
        click.echo("Code switching (a code falls while its siblings rise):")
        click.echo(render(to_records(switched), "table"))
        click.echo(f"Flows to transit countries ({', '.join(countries)}):")
        click.echo(render(to_records(shifted), "table"))
    else:
        emit(both, fmt, target)
