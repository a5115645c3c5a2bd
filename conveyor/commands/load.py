"""`conveyor load hs|colonies|reference|registry|sanctions|trade FILE`: every load reports read = loaded + rejected."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

import click

from conveyor.jobs.trade import roles_after_colony_load
from conveyor.loaders.base import DEFAULT_MAX_SHRINK, Chunk, LoadReport
from conveyor.loaders.base import load as run_load
from conveyor.loaders.colonies import read_colonies
from conveyor.loaders.formats import REGISTRY_FORMATS, TRADE_FORMATS, read
from conveyor.loaders.hs import read_hs
from conveyor.loaders.reference import reference_steps
from conveyor.loaders.sanctions import SANCTION_FORMATS, read_sanctions
from conveyor.loaders.shipments_load import load_shipments

from ..context import evidence_from, load_progress, staged_progress, store_from
from ..data import REFERENCE_COLONIES
from ..inputs import input_file, input_file_or_folder
from ..outputs import checked_folder
from .colonies import derive_trade_and_match, match_everything

_file = click.argument("file", type=click.Path(dir_okay=False, path_type=Path), callback=input_file)
_rejects = click.option("--rejects", "rejects_dir", type=click.Path(file_okay=False, path_type=Path),
                        default=Path("conveyor-rejects"), show_default=True, callback=checked_folder,
                        help="Folder for the rejects CSV (row, field, value, reason, record).")
_source = click.option("--source", help="Source name for provenance (default: derived from the file).")
_json = click.option("--json", "as_json", is_flag=True, help="Print the load report as JSON.")


@click.group()
@click.option("--allow-shrink", is_flag=True,
              help="Let a new version of a source retire more than half of what the source asserted (by "
                   "default refused: a truncated export must not delete most of a source).")
@click.pass_context
def load(ctx: click.Context, allow_shrink: bool) -> None:
    """Load a source file into the graph (atomic: a failed load changes nothing)."""
    ctx.meta["max_shrink"] = None if allow_shrink else DEFAULT_MAX_SHRINK


def run_loader(ctx: click.Context, chunks: Iterable[Chunk], *, source: str, file: Path, fmt: str,
               rejects_dir: Path, as_json: bool, retire: bool = True,
               finish: Callable | None = None, mapping: Path | None = None) -> LoadReport:
    # The progress display outlives the store, so the save on closing is shown as a stage too.
    with load_progress(f"loading {file.name}", file) as (rows, stage), store_from(ctx, create=True) as store:
        report = run_load(store, chunks, source=source, path=file, fmt=fmt, rejects_dir=rejects_dir,
                          retire=retire, finish=finish, progress=rows, mapping=mapping, stage=stage,
                          max_shrink=ctx.meta.get("max_shrink", DEFAULT_MAX_SHRINK))
        if store.dirty:
            stage("saving")
            store.save()
    click.echo(json.dumps(report.to_dict(), indent=2) if as_json else report.summary())
    return report


def load_format(ctx: click.Context, formats: dict, fmt: str, file: Path, mapping: Path | None,
                rejects_dir: Path, source: str | None, as_json: bool, finish: Callable | None = None) -> None:
    """The registry and trade commands: a reader chosen by --format, the same load and report."""
    name = source or f"{fmt}:{file.stem}"
    chunks = read(formats, fmt, file, source=name, mapping=mapping)
    run_loader(ctx, chunks, source=name, file=file, fmt=fmt, rejects_dir=rejects_dir, as_json=as_json,
               finish=finish, mapping=mapping)


@load.command()
@_file
@_rejects
@_source
@_json
@click.pass_context
def hs(ctx: click.Context, file: Path, rejects_dir: Path, source: str | None, as_json: bool) -> None:
    """The HS nomenclature (section, hscode, description, parent, level)."""
    run_loader(ctx, read_hs(file), source=source or "hs", file=file, fmt="hs", rejects_dir=rejects_dir,
               as_json=as_json)


@load.command()
@_file
@_rejects
@_source
@_json
@click.pass_context
def colonies(ctx: click.Context, file: Path, rejects_dir: Path, source: str | None, as_json: bool) -> None:
    """A colony catalogue: facility, operating enterprise, products, HS codes, cited source."""
    evidence = evidence_from(ctx)
    run_loader(ctx, read_colonies(file), source=source or f"colonies:{file.stem}", file=file,
               fmt="colonies", rejects_dir=rejects_dir, as_json=as_json,
               finish=lambda store, prov: roles_after_colony_load(store, evidence, prov))


@load.command()
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path),
                default=REFERENCE_COLONIES.parent)
@_rejects
@click.option("--source", "prefix", default="reference", show_default=True,
              help="Source name prefix: each file loads as PREFIX:<file stem>.")
@_json
@click.pass_context
def reference(ctx: click.Context, folder: Path, rejects_dir: Path, prefix: str, as_json: bool) -> None:
    """The cited reference catalogue (default: the one shipped, conveyor/data/reference/): colonies, the
    DEP, enterprises, branches, sales enterprise and brands with every published name, sanctioned heads;
    then current trade rows are matched to it (see `conveyor colonies matches`)."""
    evidence = evidence_from(ctx)
    steps = reference_steps(folder, prefix)
    for i, step in enumerate(steps):
        last = i == len(steps) - 1
        run_loader(ctx, step.chunks, source=step.source, file=step.path, fmt=step.fmt, rejects_dir=rejects_dir,
                   as_json=as_json,
                   finish=(lambda store, prov: match_everything(store, evidence, cause=prov)) if last else None)


@load.command()
# FILE may be a folder too: ICIJ's set of CSV files
@click.argument("file", type=click.Path(path_type=Path), callback=input_file_or_folder)
@click.option("--format", "fmt", type=click.Choice(sorted(REGISTRY_FORMATS)), required=True,
              help="ftm (FollowTheMoney JSON lines), bods (Open Ownership statements), gleif (level 1/2 "
                   "CSV), icij (Offshore Leaks CSV), csv (any registry CSV through --mapping).")
@click.option("--mapping", type=click.Path(dir_okay=False, path_type=Path), callback=input_file,
              help="YAML column mapping (required for --format csv).")
@_rejects
@_source
@_json
@click.pass_context
def registry(ctx: click.Context, file: Path, fmt: str, mapping: Path | None, rejects_dir: Path,
             source: str | None, as_json: bool) -> None:
    """Company registries: companies, people, owners, directors, addresses, sanctions."""
    load_format(ctx, REGISTRY_FORMATS, fmt, file, mapping, rejects_dir, source, as_json)


@load.command()
# FILE may be a folder too: OFAC's sdn.csv with alt.csv, add.csv
@click.argument("file", type=click.Path(path_type=Path), callback=input_file_or_folder)
@click.option("--format", "fmt", type=click.Choice(sorted(SANCTION_FORMATS)), required=True,
              help="eu (EU consolidated list CSV v1.1), ofac-csv (sdn.csv, with alt.csv / add.csv beside it), "
                   "ofac-xml (sdn.xml), ofsi (UK ConList.csv), csv (any list through --mapping).")
@click.option("--mapping", type=click.Path(dir_okay=False, path_type=Path), callback=input_file,
              help="YAML mapping for --format csv: columns, the entity kind, the sanction fields.")
@_rejects
@_source
@_json
@click.pass_context
def sanctions(ctx: click.Context, file: Path, fmt: str, mapping: Path | None, rejects_dir: Path,
              source: str | None, as_json: bool) -> None:
    """Sanctions lists: listed people and organisations, each with its designations (programme,
    authority, earliest listing date, end date). Vessels and aircraft are rejected as not modelled."""
    name = source or f"{fmt}:{file.stem}"
    notes: list[str] = []  # filled while the file is read; reported once it is written
    chunks = read_sanctions(fmt, file, source=name, mapping=mapping, notes=notes)
    run_loader(ctx, chunks, source=name, file=file, fmt=f"sanctions-{fmt}", rejects_dir=rejects_dir,
               as_json=as_json, finish=lambda store, prov: notes, mapping=mapping)


@load.command()
@_file
@click.option("--format", "fmt", type=click.Choice(sorted(TRADE_FORMATS)), default="shipments",
              show_default=True, help="shipments (declarations, bills of lading), comtrade, comext.")
@click.option("--mapping", type=click.Path(dir_okay=False, path_type=Path), callback=input_file,
              help="YAML column mapping (canonical field: source column).")
@_rejects
@_source
@_json
@click.pass_context
def trade(ctx: click.Context, file: Path, fmt: str, mapping: Path | None, rejects_dir: Path,
          source: str | None, as_json: bool) -> None:
    """Trade records; shipments also keep the derived SUPPLIES edges and roles in step."""
    if fmt != "shipments":
        load_format(ctx, TRADE_FORMATS, fmt, file, mapping, rejects_dir, source, as_json)
        return
    name = source or f"{fmt}:{file.stem}"
    progress = staged_progress(f"loading {file.name}", file)
    with store_from(ctx, create=True) as store, progress as (rows, stage):
        report = load_shipments(store, evidence_from(ctx), file, source=name, mapping=mapping,
                                rejects_dir=rejects_dir, derive=derive_trade_and_match, progress=rows, stage=stage,
                                max_shrink=ctx.meta.get("max_shrink", DEFAULT_MAX_SHRINK))
    click.echo(json.dumps(report.to_dict(), indent=2) if as_json else report.summary())
