"""`conveyor owners`: ultimate owners, proximity to sanctions and colonies, shared directors and
addresses, control paths, and supernode flagging."""

from __future__ import annotations

import json
from typing import Any

import click

from queries.ownership import (
    Entity,
    Hop,
    ProximityResult,
    flag_supernodes,
    near,
    shared,
    shortest_path,
    ultimate_owners,
)

from ..context import store_from
from .query import render

FORMAT = click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
                      show_default=True)
SUPERNODES = click.option("--include-supernodes", is_flag=True,
                          help="Go through registered agents, mass-registration addresses and nominee "
                               "('bearer') entities instead of leaving them out.")
ENDED = click.option("--include-ended", is_flag=True,
                     help="Also follow interests that have ended (end date past or status closed).")


@click.group()
def owners() -> None:
    """Ownership and control: who owns a company, who is near sanctions or colonies."""


@owners.command()
@click.argument("company_id")
@click.option("--min-share", type=click.FloatRange(0, 100), default=0.0, show_default=True,
              help="Leave out owners below this percentage (unknown shares are kept if they could reach it).")
@click.option("--max-depth", type=click.IntRange(1, 20), default=10, show_default=True)
@ENDED
@SUPERNODES
@FORMAT
@click.pass_context
def ultimate(ctx: click.Context, company_id: str, min_share: float, max_depth: int, include_ended: bool,
             include_supernodes: bool, fmt: str) -> None:
    """Ultimate owners of COMPANY_ID, shares multiplied along each chain and summed over chains."""
    with store_from(ctx) as store:
        result = ultimate_owners(store, company_id, min_share=min_share, include_ended=include_ended,
                                 include_supernodes=include_supernodes, max_depth=max_depth)
    rows = [{"owner_id": o.entity.id, "owner": o.entity.name, "type": o.entity.label, "country": o.entity.country,
             "share": o.share_text, "range": o.range_text, "paths": len(o.paths),
             "chain": " | ".join(" > ".join(p.nodes) for p in o.paths)} for o in result.owners]
    if fmt == "json":
        click.echo(_json({
            "company": result.company.to_dict(),
            "owners": [{"entity": o.entity.to_dict(), "share": "unknown" if o.share is None else o.share,
                        "share_min": o.share_min, "share_max": o.share_max,
                        "paths": [{"nodes": p.nodes, "share": "unknown" if p.share is None else p.share,
                                   "hops": [h.to_dict() for h in p.hops]} for p in o.paths]}
                       for o in result.owners],
            "skipped_supernodes": [e.to_dict() for e in result.skipped_supernodes],
            "ended_excluded": result.ended_excluded, "cycles": result.cycles, "limits": result.limits_hit,
        }))
    else:
        click.echo(render(rows, fmt))
    _notes(result.skipped_supernodes, result.ended_excluded, [
        *(f"limit: {text}" for text in result.limits_hit),
        *([f"{len(result.cycles)} ownership cycle(s) found; each was followed once"] if result.cycles else []),
    ])


def _proximity(ctx: click.Context, kind: str, hops: int, consolidation: bool, include_ended: bool,
               include_supernodes: bool, fmt: str) -> None:
    with store_from(ctx) as store:
        result: ProximityResult = near(store, kind, hops=hops, include_consolidation=consolidation,
                                       include_ended=include_ended, include_supernodes=include_supernodes)
    if fmt == "json":
        click.echo(_json({
            "kind": result.kind, "hops": result.hops, "seeds": result.seeds,
            "companies": [{"company": n.company.to_dict(), "hops": n.hops, "nearest": n.seed.to_dict(),
                           "reason": n.reason, "path": [h.to_dict() for h in n.path]} for n in result.companies],
            "skipped_supernodes": [e.to_dict() for e in result.skipped_supernodes],
            "ended_excluded": result.ended_excluded,
        }))
    else:
        click.echo(render([{"company_id": n.company.id, "company": n.company.name, "country": n.company.country,
                            "hops": n.hops, "nearest": n.seed.id, "reason": n.reason,
                            "via": " ".join(_hop_text(h) for h in n.path)} for n in result.companies], fmt))
    _notes(result.skipped_supernodes, result.ended_excluded, [f"{result.seeds} {kind} seed(s) searched"])


@owners.command("near-sanctioned")
@click.option("--hops", type=click.IntRange(0, 10), default=3, show_default=True)
@click.option("--consolidation", is_flag=True, help="Also follow GLEIF accounting consolidation.")
@ENDED
@SUPERNODES
@FORMAT
@click.pass_context
def near_sanctioned(ctx: click.Context, hops: int, consolidation: bool, include_ended: bool,
                    include_supernodes: bool, fmt: str) -> None:
    """Companies within --hops ownership/control links of a sanctioned company or person."""
    _proximity(ctx, "sanctioned", hops, consolidation, include_ended, include_supernodes, fmt)


@owners.command("near-colony")
@click.option("--hops", type=click.IntRange(0, 10), default=3, show_default=True)
@click.option("--consolidation", is_flag=True, help="Also follow GLEIF accounting consolidation.")
@ENDED
@SUPERNODES
@FORMAT
@click.pass_context
def near_colony(ctx: click.Context, hops: int, consolidation: bool, include_ended: bool,
                include_supernodes: bool, fmt: str) -> None:
    """Companies within --hops ownership/control links of an enterprise a colony operates."""
    _proximity(ctx, "colony", hops, consolidation, include_ended, include_supernodes, fmt)


@owners.command("shared")
@click.argument("company_a")
@click.argument("company_b")
@SUPERNODES
@FORMAT
@click.pass_context
def shared_cmd(ctx: click.Context, company_a: str, company_b: str, include_supernodes: bool, fmt: str) -> None:
    """Directors and registered addresses COMPANY_A and COMPANY_B have in common."""
    with store_from(ctx) as store:
        result = shared(store, company_a, company_b, include_supernodes=include_supernodes)
    if fmt == "json":
        click.echo(_json({"a": result.a, "b": result.b,
                          "links": [{"kind": x.kind, "entity": x.entity.to_dict(), "via_a": x.via_a.to_dict(),
                                     "via_b": x.via_b.to_dict()} for x in result.links],
                          "skipped_supernodes": [e.to_dict() for e in result.skipped_supernodes]}))
    else:
        click.echo(render([{"kind": x.kind, "id": x.entity.id, "name": x.entity.name,
                            "records_a": "; ".join(x.via_a.record_ids), "records_b": "; ".join(x.via_b.record_ids)}
                           for x in result.links], fmt))
    _notes(result.skipped_supernodes, 0, [])


@owners.command()
@click.argument("from_id")
@click.argument("to_id")
@click.option("--max-hops", type=click.IntRange(1, 20), default=10, show_default=True)
@ENDED
@SUPERNODES
@FORMAT
@click.pass_context
def path(ctx: click.Context, from_id: str, to_id: str, max_hops: int, include_ended: bool,
         include_supernodes: bool, fmt: str) -> None:
    """Shortest ownership-or-control chain between two entities, in any direction, with evidence per hop."""
    with store_from(ctx) as store:
        result = shortest_path(store, from_id, to_id, max_hops=max_hops, include_ended=include_ended,
                               include_supernodes=include_supernodes)
    if fmt == "json":
        click.echo(_json({"from": result.start.to_dict(), "to": result.end.to_dict(),
                          "nodes": None if result.nodes is None else [n.to_dict() for n in result.nodes],
                          "hops": [h.to_dict() for h in result.hops],
                          "skipped_supernodes": [e.to_dict() for e in result.skipped_supernodes],
                          "ended_excluded": result.ended_excluded}))
    elif result.nodes is None:
        click.echo(f"no ownership or control path between {from_id} and {to_id} within {max_hops} hops")
    else:
        click.echo(render([{"hop": i, "type": h.type, "from": h.start, "to": h.end,
                            "details": ", ".join(f"{k}={v}" for k, v in h.properties.items() if k != "record"),
                            "sources": "; ".join(h.sources), "record_ids": "; ".join(h.record_ids)}
                           for i, h in enumerate(result.hops, start=1)], fmt))
    _notes(result.skipped_supernodes, result.ended_excluded, [])


@owners.command("flag-supernodes")
@click.option("--min-degree", type=click.IntRange(1), default=500, show_default=True,
              help="Ownership, directorship, association and address links at which a node is a supernode.")
@click.pass_context
def flag(ctx: click.Context, min_degree: int) -> None:
    """Mark registered agents, mass-registration addresses and nominee placeholders as supernodes."""
    with store_from(ctx) as store:
        counts = flag_supernodes(store, min_degree)
    for rule, n in counts.items():
        click.echo(f"{rule}: {n} flagged")


def _hop_text(hop: Hop) -> str:
    return f"{hop.start} -{hop.type}-> {hop.end}"


def _notes(skipped: list[Entity], ended: int, extra: list[str]) -> None:
    # Said on stderr so that csv/json on stdout stay machine-readable.
    if skipped:
        names = ", ".join(f"{e.name or e.id}" for e in skipped[:5]) + (" ..." if len(skipped) > 5 else "")
        click.echo(f"skipped {len(skipped)} supernode(s) ({names}); --include-supernodes to follow them", err=True)
    if ended:
        click.echo(f"left out {ended} ended relationship(s); --include-ended to follow them", err=True)
    for text in extra:
        click.echo(text, err=True)


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)
