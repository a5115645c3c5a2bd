"""`conveyor resolve`: entity resolution with a reviewable, undoable judgements file."""

from __future__ import annotations

import json

import click

from conveyor.loaders.resolution import append_judgement, resolve_store
from conveyor.loaders.resolution.judgements import DEFAULT_PATH, VERDICTS
from conveyor.loaders.resolution.resolve import DEFAULT_THRESHOLD
from conveyor.loaders.resolution.write import unknown_pairs

from ..context import store_from


@click.command()
@click.option("--threshold", type=click.FloatRange(0.0, 1.0), default=DEFAULT_THRESHOLD, show_default=True,
              help="Candidates at or above this score are merged automatically (unless judged otherwise).")
@click.option("--judgements", "judgements_path", type=click.Path(dir_okay=False), default=DEFAULT_PATH,
              show_default=True, help="CSV of accept/reject/unsure decisions, applied on every run.")
@click.option("--review", is_flag=True, help="List open candidates best-first for a person to judge; writes nothing.")
@click.option("--judge", nargs=3, metavar="LEFT RIGHT VERDICT", default=None,
              help=f"Record a judgement ({'|'.join(VERDICTS)}) in the judgements file, then rerun to apply it.")
@click.option("--note", default="", help="With --judge: why.")
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True, help="Rows listed by --review.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def resolve(ctx: click.Context, threshold: float, judgements_path: str, review: bool,
            judge: tuple[str, str, str] | None, note: str, limit: int, as_json: bool) -> None:
    """Find companies (and people) that are the same entity: strong identifiers first, then names
    (transliteration and legal form ignored) compared inside blocks, with country and address as
    evidence. Writes SAME_AS candidates and Company.merged_into (the merged view)."""
    if judge:
        left, right, verdict = judge
        if verdict not in VERDICTS:
            raise click.BadParameter(f"verdict must be one of {list(VERDICTS)}", param_hint="--judge")
        if left == right:
            raise click.BadParameter("a judgement needs two different ids", param_hint="--judge")
        j = append_judgement(judgements_path, left, right, verdict, note)
        click.echo(f"recorded {j.judgement} {j.left_id} ~ {j.right_id} in {judgements_path}; "
                   "run `conveyor resolve` to apply it")
        return
    with store_from(ctx) as store:
        results = resolve_store(store, judgements_path, threshold=threshold, write=not review)
    unknown = sorted(unknown_pairs(results))
    if review:
        _review(results, limit, as_json, judgements_path)
        return
    summary = {label: r.counts() for label, r in results.items()}
    if as_json:
        click.echo(json.dumps({"threshold": threshold, "judgements": judgements_path, "results": summary,
                               "unknown_judged_pairs": [list(p) for p in unknown]}, indent=2, ensure_ascii=False))
        return
    for label, c in summary.items():
        methods = ", ".join(f"{m} {n:,}" for m, n in c["by_method"].items()) or "none"
        click.echo(f"{label}: {c['candidates']:,} candidates ({methods}); accepted {c['accepted']:,}, "
                   f"auto {c['auto']:,}, rejected {c['rejected']:,}, open {c['open']:,}, unsure {c['unsure']:,}; "
                   f"{c['clusters']:,} merged clusters covering {c['merged_entities']:,} nodes")
        b = c["blocking"]
        click.echo(f"  blocking: {b['comparisons']:,} comparisons in {b['blocks']:,} blocks of {b['records']:,} names"
                   + (f"; {b['skipped_blocks']:,} blocks skipped (too big, or keys of frequent words), e.g. "
                      + ", ".join(f"{s['key']} ({s['size']:,})" for s in b["skipped_examples"][:3])
                      if b["skipped_blocks"] else ""))
    if unknown:
        click.echo(f"warning: {len(unknown)} judged pair(s) name ids not found together in the graph, e.g. "
                   f"{unknown[0][0]} ~ {unknown[0][1]}", err=True)
    click.echo("review open candidates with `conveyor resolve --review`")


def _review(results: dict, limit: int, as_json: bool, judgements_path: str) -> None:
    rows = [c for r in results.values() for c in r.open_candidates()]
    rows.sort(key=lambda c: (-c.score, c.left, c.right))
    rows = rows[:limit]
    if as_json:
        click.echo(json.dumps([c.to_dict() for c in rows], indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("no open candidates")
    for c in rows:
        click.echo(f"{c.score:.3f}  {c.left}  ~  {c.right}  [{c.method}{', unsure' if c.judgement == 'unsure' else ''}]"
                   f"  {'; '.join(c.reasons)}")
    click.echo(f"\nrecord a decision with: conveyor resolve --judge LEFT RIGHT accept|reject|unsure --note TEXT "
               f"(appends to {judgements_path}), then rerun `conveyor resolve` to apply it. "
               "Delete a line from that file and rerun to undo it.")
