"""`conveyor owners`: ultimate owners, proximity to sanctions and colonies, shared directors and
addresses, control paths, and supernode flagging.

Every subcommand answers for entities as `conveyor resolve` merged them (queries/merged.py): either
record id of a merged company gives the same answer, results name the canonical id and list the merged
record ids. Shares show their basis: stated (as published, for one link), computed (along a chain) or
unknown. Tables are laid out for 80 columns; csv and json carry every field."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import click

from queries.ownership import (
    Entity,
    Hop,
    ProximityResult,
    UltimateOwner,
    check_date,
    flag_supernodes,
    near,
    shared,
    shortest_path,
    ultimate_owners,
)

from ..context import store_from
from .query import render

WIDTH = 80
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


@owners.command()
@click.argument("company_id")
@click.option("--min-share", type=click.FloatRange(0, 100), default=0.0, show_default=True,
              help="Leave out owners below this percentage (unknown shares are kept if they could reach it).")
@click.option("--max-depth", type=click.IntRange(1, 20), default=10, show_default=True)
@AS_OF
@ENDED
@SUPERNODES
@FORMAT
@click.pass_context
def ultimate(ctx: click.Context, company_id: str, min_share: float, max_depth: int, as_of: str | None,
             include_ended: bool, include_supernodes: bool, fmt: str) -> None:
    """Ultimate owners of COMPANY_ID, shares multiplied along each chain and summed over chains.

    An interest the publisher states as indirect is that owner's answer: the chain it summarises is
    listed as covered, not added on top."""
    with store_from(ctx) as store:
        result = ultimate_owners(store, company_id, min_share=min_share, include_ended=include_ended,
                                 include_supernodes=include_supernodes, max_depth=max_depth, as_of=_as_of(as_of))
    if fmt == "json":
        click.echo(_json({
            "company": result.company.to_dict(), "as_of": result.as_of,
            "owners": [{"entity": o.entity.to_dict(), "share": "unknown" if o.share is None else o.share,
                        "share_min": o.share_min, "share_max": o.share_max, "basis": o.basis,
                        "stated_indirect": o.stated_indirect,
                        "paths": [p.to_dict() for p in o.paths],
                        "covered_by_stated_indirect": [p.to_dict() for p in o.covered]}
                       for o in result.owners],
            "skipped_supernodes": [e.to_dict() for e in result.skipped_supernodes],
            "ended_excluded": result.ended_excluded, "not_started_excluded": result.not_started_excluded,
            "cycles": result.cycles, "limits": result.limits_hit,
        }))
    elif fmt == "csv":
        click.echo(render([{
            "owner_id": o.entity.id, "owner": o.entity.name, "type": o.entity.label, "country": o.entity.country,
            "share": o.share_text, "range": o.range_text, "basis": o.basis_text, "paths": len(o.paths),
            "chain": " | ".join(" > ".join(p.nodes) for p in o.paths),
            "covered_chains": " | ".join(" > ".join(p.nodes) for p in o.covered),
            "merged_ids": "; ".join(o.entity.merged_ids)} for o in result.owners], "csv"))
    else:
        click.echo(_title(f"Ultimate owners of {_entity_text(result.company)}", result.as_of))
        click.echo(render([{"owner": _entity_text(o.entity), "share %": _share_cell(o), "basis": o.basis_text,
                            "chain": "\n".join(_chain(p.nodes) for p in o.paths)
                            + "".join(f"\n(covered: {_chain(p.nodes)})" for p in o.covered)}
                           for o in result.owners], "table", width=WIDTH))
    _notes(result.skipped_supernodes, result.ended_excluded, result.not_started_excluded, result.as_of, [
        *(f"limit: {text}" for text in result.limits_hit),
        *([f"{len(result.cycles)} ownership cycle(s) found; each was followed once"] if result.cycles else []),
    ])


def _share_cell(owner: UltimateOwner) -> str:
    return owner.share_text if owner.share is not None else owner.range_text


def _proximity(ctx: click.Context, kind: str, hops: int, consolidation: bool, as_of: str | None,
               include_ended: bool, include_supernodes: bool, include_expired: bool, fmt: str) -> None:
    with store_from(ctx) as store:
        result: ProximityResult = near(store, kind, hops=hops, include_consolidation=consolidation,
                                       include_ended=include_ended, include_supernodes=include_supernodes,
                                       as_of=_as_of(as_of), include_expired=include_expired)
    if fmt == "json":
        click.echo(_json({
            "kind": result.kind, "hops": result.hops, "seeds": result.seeds, "as_of": result.as_of,
            "companies": [{"company": n.company.to_dict(), "hops": n.hops, "nearest": n.seed.to_dict(),
                           "reason": n.reason, "path": [h.to_dict() for h in n.path]} for n in result.companies],
            "skipped_supernodes": [e.to_dict() for e in result.skipped_supernodes],
            "ended_excluded": result.ended_excluded, "not_started_excluded": result.not_started_excluded,
            "expired_sanctions_excluded": result.expired_sanctions,
            "not_yet_listed_sanctions_excluded": result.future_sanctions,
        }))
    elif fmt == "csv":
        click.echo(render([{"company_id": n.company.id, "company": n.company.name, "country": n.company.country,
                            "hops": n.hops, "nearest": n.seed.id, "reason": n.reason,
                            "via": "; ".join(_hop_text(h) for h in n.path),
                            "merged_ids": "; ".join(n.company.merged_ids),
                            "nearest_merged_ids": "; ".join(n.seed.merged_ids)} for n in result.companies], "csv"))
    else:
        what = "sanctioned entities" if kind == "sanctioned" else "colony-operated companies"
        click.echo(_title(f"Companies within {hops} hop(s) of {what}", result.as_of))
        click.echo(render([{"company": _entity_text(n.company), "hops": n.hops,
                            "nearest": f"{_entity_text(n.seed)}\n{n.reason}",
                            "via": "\n".join(_hop_text(h) for h in reversed(n.path))}
                           for n in result.companies], "table", width=WIDTH))
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
@click.pass_context
def near_sanctioned(ctx: click.Context, hops: int, consolidation: bool, include_expired: bool, as_of: str | None,
                    include_ended: bool, include_supernodes: bool, fmt: str) -> None:
    """Companies within --hops ownership/control links of a sanctioned company or person."""
    _proximity(ctx, "sanctioned", hops, consolidation, as_of, include_ended, include_supernodes, include_expired,
               fmt)


@owners.command("near-colony")
@click.option("--hops", type=click.IntRange(0, 10), default=3, show_default=True)
@click.option("--consolidation", is_flag=True, help="Also follow GLEIF accounting consolidation.")
@AS_OF
@ENDED
@SUPERNODES
@FORMAT
@click.pass_context
def near_colony(ctx: click.Context, hops: int, consolidation: bool, as_of: str | None, include_ended: bool,
                include_supernodes: bool, fmt: str) -> None:
    """Companies within --hops ownership/control links of an enterprise a colony operates."""
    _proximity(ctx, "colony", hops, consolidation, as_of, include_ended, include_supernodes, False, fmt)


@owners.command("shared")
@click.argument("company_a")
@click.argument("company_b")
@AS_OF
@ENDED
@SUPERNODES
@FORMAT
@click.pass_context
def shared_cmd(ctx: click.Context, company_a: str, company_b: str, as_of: str | None, include_ended: bool,
               include_supernodes: bool, fmt: str) -> None:
    """Directors and registered addresses COMPANY_A and COMPANY_B have in common."""
    with store_from(ctx) as store:
        result = shared(store, company_a, company_b, include_supernodes=include_supernodes,
                        include_ended=include_ended, as_of=_as_of(as_of))
    a, b = result.company_a, result.company_b
    if fmt == "json":
        click.echo(_json({"a": result.a, "b": result.b, "as_of": result.as_of,
                          "company_a": a.to_dict() if a else None, "company_b": b.to_dict() if b else None,
                          "links": [{"kind": x.kind, "entity": x.entity.to_dict(), "via_a": x.via_a.to_dict(),
                                     "via_b": x.via_b.to_dict()} for x in result.links],
                          "skipped_supernodes": [e.to_dict() for e in result.skipped_supernodes],
                          "ended_excluded": result.ended_excluded,
                          "not_started_excluded": result.not_started_excluded}))
    else:
        rows = [{"kind": x.kind, "id": x.entity.id, "name": x.entity.name,
                 "records_a": "; ".join(x.via_a.record_ids), "records_b": "; ".join(x.via_b.record_ids),
                 "merged_ids": "; ".join(x.entity.merged_ids)} for x in result.links]
        if fmt == "table" and a and b:
            click.echo(_title(f"Shared by {_entity_text(a)} and {_entity_text(b)}", result.as_of))
            rows = [{"kind": r["kind"], "shared": _entity_text(x.entity), "records a": r["records_a"],
                     "records b": r["records_b"]} for r, x in zip(rows, result.links, strict=True)]
        click.echo(render(rows, fmt, width=WIDTH))
    _notes(result.skipped_supernodes, result.ended_excluded, result.not_started_excluded, result.as_of, [])


@owners.command()
@click.argument("from_id")
@click.argument("to_id")
@click.option("--max-hops", type=click.IntRange(1, 20), default=10, show_default=True)
@AS_OF
@ENDED
@SUPERNODES
@FORMAT
@click.pass_context
def path(ctx: click.Context, from_id: str, to_id: str, max_hops: int, as_of: str | None, include_ended: bool,
         include_supernodes: bool, fmt: str) -> None:
    """Shortest ownership-or-control chain between two entities, in any direction, with evidence per hop."""
    with store_from(ctx) as store:
        result = shortest_path(store, from_id, to_id, max_hops=max_hops, include_ended=include_ended,
                               include_supernodes=include_supernodes, as_of=_as_of(as_of))
    if fmt == "json":
        click.echo(_json({"from": result.start.to_dict(), "to": result.end.to_dict(), "as_of": result.as_of,
                          "nodes": None if result.nodes is None else [n.to_dict() for n in result.nodes],
                          "hops": [h.to_dict() for h in result.hops],
                          "skipped_supernodes": [e.to_dict() for e in result.skipped_supernodes],
                          "ended_excluded": result.ended_excluded,
                          "not_started_excluded": result.not_started_excluded}))
    elif result.nodes is None:
        click.echo(f"no ownership or control path between {from_id} and {to_id} within {max_hops} hops "
                   f"(as of {result.as_of})")
    elif not result.hops:
        click.echo(f"{from_id} and {to_id} are records of one merged entity: {_entity_text(result.start)}")
    else:
        rows = [{"hop": i, "type": h.type, "from": h.start, "to": h.end, "share": h.share_text,
                 "details": ", ".join(f"{k}={v}" for k, v in h.properties.items()
                                      if k not in ("record", "share", "share_min", "share_max")),
                 "sources": "; ".join(h.sources), "record_ids": "; ".join(h.record_ids),
                 "recorded_from": h.recorded_start, "recorded_to": h.recorded_end}
                for i, h in enumerate(result.hops, start=1)]
        if fmt == "table":
            click.echo(_title(f"Path {_entity_text(result.start)} .. {_entity_text(result.end)}", result.as_of))
            rows = [{"hop": r["hop"], "link": _hop_text(h, first=True), "details": r["details"],
                     "evidence": f"{r['sources']}\n{r['record_ids']}"} for r, h in zip(rows, result.hops, strict=True)]
        click.echo(render(rows, fmt, width=WIDTH))
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


def _entity_text(e: Entity) -> str:
    name = f" {e.name}" if e.name else ""
    return f"{e.ids_text}{name}"


def _chain(nodes: list[str]) -> str:
    return " > ".join(n.split(":", 1)[1] for n in nodes)  # keys without their label


def _hop_text(hop: Hop, first: bool = True) -> str:
    """'a -OWNS 30% stated-> b'; with first=False only the link and its far end (for chains)."""
    share = f" {hop.share_text}" if hop.share_text else ""
    start, end = hop.start.split(":", 1)[1], hop.end.split(":", 1)[1]
    text = f"{start} -{hop.type}{share}-> {end}" if first else f"-{hop.type}{share}-> {end}"
    recorded = (hop.recorded_start or hop.start, hop.recorded_end or hop.end)
    if recorded != (hop.start, hop.end):  # stored on merged records: say which
        text += f" (recorded {recorded[0].split(':', 1)[1]} -> {recorded[1].split(':', 1)[1]})"
    return text


def _title(text: str, as_of: str) -> str:
    return textwrap.fill(text, WIDTH, break_on_hyphens=False) + f"\nas of {as_of}"


def _notes(skipped: list[Entity], ended: int, not_started: int, as_of: str, extra: list[str]) -> None:
    # Said on stderr so that csv/json on stdout stay machine-readable.
    if skipped:
        names = ", ".join(f"{e.name or e.id}" for e in skipped[:5]) + (" ..." if len(skipped) > 5 else "")
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
