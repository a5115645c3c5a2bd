"""`conveyor colonies match|matches`: trade parties matched to the reference catalogue and linked to its
colonies, with reviewable judgements (the same CSV format as `conveyor resolve`, its own file).

Matching runs at the end of every `load trade` for that load's names (cost bounded by the load), and
after `load reference` for every current row (a new catalogue may match earlier trade). `colonies match`
reruns it over everything: after a judgement, or to make the links say exactly what the current rows
and catalogue give."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import click

from conveyor.graph.evidence import current_runs
from conveyor.jobs.colony_match import NameFold, evidence_rows, find_matches, match_after_load, match_all
from conveyor.jobs.trade import derive_trade
from conveyor.loaders.resolution.judgements import VERDICTS, append_judgement, read_judgements
from conveyor.loaders.resolution.normal import comparable, fold_token

from ..context import evidence_from, store_from

FOLD = NameFold(comparable, fold_token)
DEFAULT_JUDGEMENTS = "conveyor-colony-judgements.csv"

_judgements = click.option("--judgements", "judgements_path", type=click.Path(dir_okay=False),
                           default=DEFAULT_JUDGEMENTS, show_default=True,
                           help="CSV of accept/reject/unsure decisions (trade company id, catalogue id), "
                                "applied on every run and every trade load.")


def derive_trade_and_match(store: Any, evidence: Any, change: Any) -> Iterator[str]:
    """The `load trade` deriver: colony matches for the load's names first (so the derived roles see
    the new producers), then SUPPLIES, NOTIFIES and roles."""
    yield from match_after_load(store, evidence, change, FOLD, read_judgements(DEFAULT_JUDGEMENTS))
    yield from derive_trade(store, evidence, change)


def match_everything(store: Any, evidence: Any, judgements_path: str = DEFAULT_JUDGEMENTS,
                     cause: Any = None) -> Iterator[str]:
    """After a catalogue load (a `finish` step, inside the load, `cause` its provenance): every current
    row matched again."""
    if not current_runs(store):
        return
    matches, counts = match_all(store, evidence, FOLD, read_judgements(judgements_path), cause)
    yield _summary(matches, counts)


def _summary(matches: list, counts: dict[str, int]) -> str:
    linked = sum(m.linked for m in matches)
    return (f"colony matches: {len(matches):,} ({linked:,} linked: {counts['written']:,} OPERATES written for "
            f"{counts['companies']:,} companies, {counts['deleted']:,} removed; {len(matches) - linked:,} not "
            "linked, see `conveyor colonies matches`)")


@click.group()
def colonies() -> None:
    """Trade parties that match the reference catalogue's enterprises, linked to their colonies."""


@colonies.command()
@_judgements
@click.pass_context
def match(ctx: click.Context, judgements_path: str) -> None:
    """Match every current shipment row to the catalogue and write the links (atomic)."""
    judgements = read_judgements(judgements_path)
    with store_from(ctx) as store:
        evidence = evidence_from(ctx)
        with store.atomic():
            matches, counts = match_all(store, evidence, FOLD, judgements)
        store.save()
    click.echo(_summary(matches, counts))


@colonies.command()
@click.option("--review", is_flag=True, help="Only matches not linked (open or unsure) and rejected ones.")
@click.option("--judge", nargs=3, metavar="COMPANY_ID CATALOGUE_ID VERDICT", default=None,
              help=f"Record a judgement ({'|'.join(VERDICTS)}) and apply it (the links are rewritten).")
@click.option("--note", default="", help="With --judge: why.")
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True, help="Matches listed.")
@click.option("--rows", "per_match", type=click.IntRange(0), default=5, show_default=True,
              help="Shipment rows shown under each match.")
@_judgements
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def matches(ctx: click.Context, review: bool, judge: tuple[str, str, str] | None, note: str, limit: int,
            per_match: int, judgements_path: str, as_json: bool) -> None:
    """List the matches best first, each with its basis, score, status and the shipment rows behind it
    (shipment id, file, row). Writes nothing unless --judge is given."""
    if judge:
        company, catalogue_id, verdict = judge
        if verdict not in VERDICTS:
            raise click.BadParameter(f"verdict must be one of {list(VERDICTS)}", param_hint="--judge")
        append_judgement(judgements_path, company, catalogue_id, verdict, note)
        click.echo(f"recorded {verdict} {company} ~ {catalogue_id} in {judgements_path}")
        ctx.invoke(match, judgements_path=judgements_path)
        return
    with store_from(ctx) as store:
        evidence = evidence_from(ctx)
        runs = current_runs(store)
        found = find_matches(store, evidence, FOLD, read_judgements(judgements_path), runs)
        if review:
            found = [m for m in found if not m.linked]
        found = found[:limit]
        rows = evidence_rows(evidence, runs, found, per_match) if per_match else {}
    listed = [{**m.to_dict(), "rows": rows.get(i, [])} for i, m in enumerate(found)]
    if as_json:
        click.echo(json.dumps(listed, indent=2, ensure_ascii=False))
        return
    if not listed:
        click.echo("no matches" + (" to review" if review else "") + " between the current trade rows and the "
                   "catalogue (load one with `conveyor load reference`)")
        return
    for m in listed:
        colonies_text = ", ".join(m["colonies"]) or "no colony"
        click.echo(f"{m['score']:.3f}  {m['status']:<8} {m['basis']:<10} {m['party']} {m['trade_name']!r} "
                   f"({m['company']}{', ' + m['country'] if m['country'] else ''}) ~ {m['catalogue_id']} "
                   f"{m['matched_name']!r} -> {colonies_text}; {m['shipments']:,} row(s)"
                   + (f"  [{m['reason']}]" if m["reason"] else ""))
        for r in m["rows"]:
            click.echo(f"      shipment {r['id']}  {r['date']}  HS {r['hs_code']}  "
                       f"{r['source_file']} row {r['source_row']}")
    click.echo(f"\njudge with: conveyor colonies matches --judge COMPANY_ID CATALOGUE_ID accept|reject|unsure "
               f"--note TEXT (kept in {judgements_path}; delete the line and run `conveyor colonies match` to undo)")
