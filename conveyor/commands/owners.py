"""`conveyor owners`: ultimate owners, proximity to sanctions and colonies, shared directors and
addresses, control paths, and supernode flagging.

Every subcommand answers for entities as `conveyor resolve` merged them (queries/merged.py): either
record id of a merged company gives the same answer, results name the canonical id and list the merged
record ids. Shares show their basis: stated (as published, for one link), computed (along a chain) or
unknown. Tables are laid out for 80 columns; csv and json carry every field."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from conveyor.graph.store.base import GraphStore
from conveyor.graph.supernode import shown
from conveyor.loaders.names import normalise_name
from conveyor.queries import owners_view as view
from conveyor.queries.ownership import (
    Entity,
    ProximityResult,
    check_date,
    flag_supernodes,
    near,
    shared,
    shortest_path,
    ultimate_owners,
)
from conveyor.queries.saved import QueryError
from conveyor.queries.subgraph import similar_ids

from ..context import store_from
from ..exports import export_flags, export_targets, write_targets
from ..render import csv_text, near_text, path_text, shared_text, ultimate_text

FORMAT = click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
                      show_default=True)
SUPERNODES = click.option("--include-supernodes", is_flag=True,
                          help="Go through registered agents, mass-registration addresses and nominee "
                               "('bearer') entities instead of leaving them out.")
ENDED = click.option("--include-ended", is_flag=True,
                     help="Also follow links not in force on the --as-of day (ended, closed or not yet started).")
AS_OF = click.option("--as-of", "as_of", metavar="YYYY-MM-DD", default=None,
                     help="Answer for this day: links (and sanctions) in force then. Default: today.")


def _as_of(value: str | None) -> str:
    try:
        return check_date(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--as-of") from None


@click.group()
def owners() -> None:
    """Ownership and control: who owns a company, who is near sanctions or colonies."""


@contextlib.contextmanager
def _known_ids(store: GraphStore) -> Iterator[None]:
    """An unknown entity id is an error that offers ids and names like it ("did you mean")."""
    try:
        yield
    except QueryError as exc:
        text = str(exc)
        if "no Company or Person with id" not in text:
            raise
        missing = text.split("id ", 1)[1].split(" in the graph", 1)[0].strip("'\"")
        found = similar_ids(store, missing, fold=normalise_name)
        if found:
            text += "; did you mean: " + ", ".join(f"{i} ({n})" if n else i for i, n in found) + "?"
        else:
            text += " (conveyor query run company-search -p text=NAME finds companies by name)"
        raise click.ClickException(text) from exc


def _output(fmt: str, text: str, rows: list[dict[str, Any]], columns: tuple[str, ...], document: Any) -> None:
    if fmt == "json":
        click.echo(_json(document))
    elif fmt == "csv":
        click.echo(csv_text(rows, columns))
    else:
        click.echo(text)


@owners.command()
@click.argument("company_id")
@click.option("--min-share", type=click.FloatRange(0, 100), default=0.0, show_default=True,
              help="Leave out owners below this percentage (unknown shares are kept if they could reach it).")
@click.option("--max-depth", type=click.IntRange(1, 20), default=10, show_default=True)
@AS_OF
@ENDED
@SUPERNODES
@FORMAT
@export_flags()
@click.pass_context
def ultimate(ctx: click.Context, company_id: str, min_share: float, max_depth: int, as_of: str | None,
             include_ended: bool, include_supernodes: bool, fmt: str, force: bool, bom: bool,
             export_files: dict[str, Path]) -> None:
    """Ultimate owners of COMPANY_ID, shares multiplied along each chain and summed over chains, with
    the names, countries, and the source and record of every hop.

    An interest the publisher states as indirect is that owner's answer: the chain it summarises is
    listed as covered, not added on top."""
    targets = export_targets(ctx, export_files, force)
    with store_from(ctx) as store, _known_ids(store):
        result = ultimate_owners(store, company_id, min_share=min_share, include_ended=include_ended,
                                 include_supernodes=include_supernodes, max_depth=max_depth, as_of=_as_of(as_of))
        names = view.names_for_ultimate(store, result)
        why = [] if result.owners else view.why_no_owners(store, result, min_share=min_share)
    write_targets(view.ultimate_selection(result, names), targets, bom=bom)
    _output(fmt, ultimate_text(result, names, why), view.ultimate_rows(result, names), view.ULTIMATE_COLUMNS,
            view.ultimate_document(result, names))
    if fmt != "table" and why:
        for reason in why:
            click.echo(f"no owners: {reason}", err=True)
    _notes(result.skipped_supernodes, result.ended_excluded, result.not_started_excluded, result.as_of, [
        *(f"limit: {text}" for text in result.limits_hit),
        *([f"{len(result.cycles)} ownership cycle(s) found; each was followed once"] if result.cycles else []),
    ])


def _proximity(ctx: click.Context, kind: str, *, hops: int, consolidation: bool, as_of: str | None,
               include_ended: bool, include_supernodes: bool, include_expired: bool, fmt: str, force: bool,
               bom: bool, files: dict[str, Path]) -> None:
    """near-sanctioned and near-colony. Keyword-only: five of these are flags, easy to pass in the wrong order."""
    targets = export_targets(ctx, files, force)
    with store_from(ctx) as store:
        result: ProximityResult = near(store, kind, hops=hops, include_consolidation=consolidation,
                                       include_ended=include_ended, include_supernodes=include_supernodes,
                                       as_of=_as_of(as_of), include_expired=include_expired)
        names = view.names_for_near(store, result)
    write_targets(view.near_selection(result, names), targets, bom=bom)
    _output(fmt, near_text(result, names), view.near_rows(result, names), view.NEAR_COLUMNS,
            view.near_document(result, names))
    extra = [f"{result.seeds} {kind} seed(s) searched"]
    if result.expired_sanctions:
        extra.append(f"left out {result.expired_sanctions} expired designation(s) (ended before {result.as_of}); "
                     "--include-expired to use them")
    if result.future_sanctions:
        extra.append(f"left out {result.future_sanctions} designation(s) listed after {result.as_of}; "
                     "--include-expired to use them")
    _notes(result.skipped_supernodes, result.ended_excluded, result.not_started_excluded, result.as_of, extra)


@owners.command("near-sanctioned")
@click.option("--hops", type=click.IntRange(0, 10), default=3, show_default=True)
@click.option("--consolidation", is_flag=True, help="Also follow GLEIF accounting consolidation.")
@click.option("--include-expired", is_flag=True,
              help="Also start from designations that ended before (or were listed after) the --as-of day.")
@AS_OF
@ENDED
@SUPERNODES
@FORMAT
@export_flags()
@click.pass_context
def near_sanctioned(ctx: click.Context, hops: int, consolidation: bool, include_expired: bool, as_of: str | None,
                    include_ended: bool, include_supernodes: bool, fmt: str, force: bool, bom: bool,
                    export_files: dict[str, Path]) -> None:
    """Companies within --hops ownership/control links of a sanctioned company or person."""
    _proximity(ctx, "sanctioned", hops=hops, consolidation=consolidation, as_of=as_of, include_ended=include_ended,
               include_supernodes=include_supernodes, include_expired=include_expired, fmt=fmt, force=force, bom=bom,
               files=export_files)


@owners.command("near-colony")
@click.option("--hops", type=click.IntRange(0, 10), default=3, show_default=True)
@click.option("--consolidation", is_flag=True, help="Also follow GLEIF accounting consolidation.")
@AS_OF
@ENDED
@SUPERNODES
@FORMAT
@export_flags()
@click.pass_context
def near_colony(ctx: click.Context, hops: int, consolidation: bool, as_of: str | None, include_ended: bool,
                include_supernodes: bool, fmt: str, force: bool, bom: bool, export_files: dict[str, Path]) -> None:
    """Companies within --hops ownership/control links of an enterprise a colony operates."""
    _proximity(ctx, "colony", hops=hops, consolidation=consolidation, as_of=as_of, include_ended=include_ended,
               include_supernodes=include_supernodes, include_expired=False, fmt=fmt, force=force, bom=bom,
               files=export_files)


@owners.command("shared")
@click.argument("company_a")
@click.argument("company_b")
@AS_OF
@ENDED
@SUPERNODES
@FORMAT
@export_flags()
@click.pass_context
def shared_cmd(ctx: click.Context, company_a: str, company_b: str, as_of: str | None, include_ended: bool,
               include_supernodes: bool, fmt: str, force: bool, bom: bool, export_files: dict[str, Path]) -> None:
    """Directors and registered addresses COMPANY_A and COMPANY_B have in common."""
    targets = export_targets(ctx, export_files, force)
    with store_from(ctx) as store, _known_ids(store):
        result = shared(store, company_a, company_b, include_supernodes=include_supernodes,
                        include_ended=include_ended, as_of=_as_of(as_of))
        names = view.names_for_shared(store, result)
    write_targets(view.shared_selection(result, names), targets, bom=bom)
    _output(fmt, shared_text(result, names), view.shared_rows(result), view.SHARED_COLUMNS,
            view.shared_document(result, names))
    _notes(result.skipped_supernodes, result.ended_excluded, result.not_started_excluded, result.as_of, [])


@owners.command()
@click.argument("from_id")
@click.argument("to_id")
@click.option("--max-hops", type=click.IntRange(1, 20), default=10, show_default=True)
@AS_OF
@ENDED
@SUPERNODES
@FORMAT
@export_flags()
@click.pass_context
def path(ctx: click.Context, from_id: str, to_id: str, max_hops: int, as_of: str | None, include_ended: bool,
         include_supernodes: bool, fmt: str, force: bool, bom: bool, export_files: dict[str, Path]) -> None:
    """Shortest ownership-or-control chain between two entities, in any direction, with evidence per hop."""
    targets = export_targets(ctx, export_files, force)
    with store_from(ctx) as store, _known_ids(store):
        result = shortest_path(store, from_id, to_id, max_hops=max_hops, include_ended=include_ended,
                               include_supernodes=include_supernodes, as_of=_as_of(as_of))
        names = view.names_for_path(store, result)
    write_targets(view.path_selection(result, names), targets, bom=bom)
    _output(fmt, path_text(result, names, max_hops), view.path_rows(result, names), view.PATH_COLUMNS,
            view.path_document(result, names))
    _notes(result.skipped_supernodes, result.ended_excluded, result.not_started_excluded, result.as_of, [])


@owners.command("flag-supernodes")
@click.option("--min-degree", type=click.IntRange(1), default=500, show_default=True,
              help="Ownership, directorship, association and address links at which a node is a supernode "
                   "(a merged entity: summed over its records).")
@click.pass_context
def flag(ctx: click.Context, min_degree: int) -> None:
    """Mark registered agents, mass-registration addresses and nominee placeholders as supernodes."""
    with store_from(ctx) as store:
        counts = flag_supernodes(store, min_degree)
    for rule, n in counts.items():
        click.echo(f"{rule}: {n} flagged")


def _notes(skipped: list[Entity], ended: int, not_started: int, as_of: str, extra: list[str]) -> None:
    # Said on stderr so that csv/json on stdout stay machine-readable.
    if skipped:
        names = "; ".join(f"{e.name or e.id}: {shown(e.supernode_reasons) or 'flagged'}" for e in skipped[:5]) + (
            " ..." if len(skipped) > 5 else "")
        click.echo(f"skipped {len(skipped)} supernode(s) ({names}); --include-supernodes to follow them", err=True)
    if ended:
        click.echo(f"left out {ended} ended relationship(s) (as of {as_of}); --include-ended to follow them",
                   err=True)
    if not_started:
        click.echo(f"left out {not_started} relationship(s) starting after {as_of}; --include-ended to follow them",
                   err=True)
    for text in extra:
        click.echo(text, err=True)


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)
