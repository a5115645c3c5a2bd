"""Answers as text people read: routes hop by hop (company, country, HS code, date, value and the rows
behind each hop), owners answers with names, countries, shares with their basis and the source and
record of every hop, and CSV with a header even when there are no rows."""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Sequence
from typing import Any

from conveyor.queries.export import cell
from conveyor.queries.owners_view import Names, evidence_text
from conveyor.queries.ownership import Hop, OwnershipResult, PathResult, ProximityResult, SharedResult
from conveyor.queries.routes import DIRECT_EXPORT, SWITCH_TEXT, Route, RouteSearch

WIDTH = 80


def money(value: Any) -> str:
    """A money amount rounded for reading: whole units with thousands separators (12,346), cents only
    under 100 (12.35); '' when unknown."""
    try:
        amount = float(value)
    except (TypeError, ValueError):
        return ""
    return f"{amount:,.2f}" if abs(amount) < 100 else f"{amount:,.0f}"


def csv_text(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """CSV for stdout with the header always written: an empty answer is still a table."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(c)) for c in columns])
    return out.getvalue().rstrip("\n")


def route_text(n: int, route: Route) -> str:
    tag = " [SYNTHETIC DATA: fictional companies]" if route.synthetic else ""
    title = "Direct export" if route.kind == DIRECT_EXPORT else "Route"
    lines = [f"{title} {n} (score {route.score}) from colony {route.colony_name} [{route.colony}]{tag}"]
    first = route.hops[0].seller
    lines.append(f"  0. {first['name']} ({first['country'] or '??'})  <- operated by the colony")
    for i, hop in enumerate(route.hops, start=1):
        s = hop.shipment
        switch = f", code switched {SWITCH_TEXT[hop.code_switch]}" if hop.code_switch else ""
        origin = f", declared origin {s.origin}" if s.origin else ", no declared origin"
        value = f", value {money(s.value)}" if money(s.value) else ""
        lines.append(
            f"  {i}. -> {hop.buyer['name']} ({hop.buyer['country'] or '??'})  "
            f"{s.date}, HS {s.hs_code}{switch}{origin}{value}  "
            f"[evidence: {s.source_file} row {s.source_row}; {len(hop.evidence)} shipment(s) on this hop]"
        )
    lines.append("  why: " + "; ".join(route.reasons))
    return "\n".join(lines)


def routes_text(search: RouteSearch, limit: int | None = None) -> str:
    """Relabeled routes (or the best `limit`), then direct exports of colony goods in a section of their
    own, then one summary line. Limits that cut results are reported by the caller, on stderr."""
    shown: Sequence[Route] = search.routes[:limit] if limit else search.routes
    direct: Sequence[Route] = search.direct_exports[:limit] if limit else search.direct_exports
    parts = [f"Relabeled routes ({len(search.routes)})"]
    parts += [route_text(n, r) for n, r in enumerate(shown, start=1)] or ["  none found"]
    parts.append(f"{DIRECT_EXPORT[0].upper()}{DIRECT_EXPORT[1:]} to buyers abroad, declared origin kept and "
                 f"HS code unchanged ({len(search.direct_exports)})")
    parts += [route_text(n, r) for n, r in enumerate(direct, start=1)] or ["  none found"]
    without = (f"; {search.producers_without_trade} other listed colony producer(s) have no shipments loaded"
               if search.producers_without_trade else "")
    summary = (f"{len(search.routes)} relabeled route(s) and {len(search.direct_exports)} direct export(s) "
               f"from {search.producers_searched} colony producer(s) with trade, over "
               f"{search.shipments_considered:,} shipments{without}")
    if limit and (len(search.routes) > limit or len(search.direct_exports) > limit):
        summary += f" (showing the best {limit} of each)"
    first = next(iter([*shown, *direct]), None)
    if first:
        hop = first.hops[0]
        which = "route 1" if shown else "direct export 1"
        summary += ("\nevery shipment row behind a hop: conveyor shipments --seller SELLER_ID --buyer BUYER_ID "
                    f"({which}, hop 1: --seller {hop.seller['id']} --buyer {hop.buyer['id']})")
    parts.append(summary)
    return "\n\n".join(parts)


# -- owners ----------------------------------------------------------------------------------------------
_BASIS = {"stated": "stated (as the source published it)", "stated indirect": "stated by the source as held "
          "indirectly", "computed": "computed (shares multiplied along the chain)",
          "unknown": "unknown (a link on the chain has no share)"}


def _wrap(text: str, indent: int, hang: int = 4) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=" " * indent, subsequent_indent=" " * (indent + hang),
                         break_on_hyphens=False, break_long_words=False) or [" " * indent]


def _title(text: str, as_of: str) -> str:
    return "\n".join(_wrap(text, 0)) + f"\nas of {as_of}"


def _link(hop: Hop, names: Names, forward: bool = True) -> str:
    """'-owns 30% stated-> Name [CC] (id)' in the stored direction of the hop."""
    share = f" {hop.share_text}" if hop.share_text else ""
    rel = hop.type.lower().replace("_", " ")
    recorded = (hop.recorded_start or hop.start, hop.recorded_end or hop.end)
    merged = ""
    if recorded != (hop.start, hop.end):  # stored on merged records: say which
        merged = f" (recorded {recorded[0].split(':', 1)[1]} -> {recorded[1].split(':', 1)[1]})"
    if forward:
        return f"-{rel}{share}-> {names[hop.end].text}{merged}"
    return f"<-{rel}{share}- {names[hop.start].text}{merged}"


def _hop_lines(hops: Sequence[Hop], names: Names, start: str, indent: int) -> list[str]:
    """A chain from `start`, one hop a line, each followed by its evidence (source; record ids)."""
    lines = _wrap(names[start].text, indent)
    here = start
    for hop in hops:
        forward = hop.start == here
        lines += _wrap(_link(hop, names, forward), indent + 2)
        lines += _wrap(f"evidence: {evidence_text(hop)}", indent + 6)
        here = hop.end if forward else hop.start
    return lines


def ultimate_text(result: OwnershipResult, names: Names, why_empty: Sequence[str] = ()) -> str:
    lines = [_title(f"Ultimate owners of {names[result.company.key].text}", result.as_of), ""]
    if not result.owners:
        lines.append("No owners found.")
        lines += [w for reason in why_empty for w in _wrap(f"- {reason}", 0, 2)]
        return "\n".join(lines)
    for n, o in enumerate(result.owners, start=1):
        share = f"{o.share_text}%" if o.share is not None else f"between {o.range_text}%"
        if o.share is not None and o.range_text != o.share_text:
            share += f" (range {o.range_text}%)"
        lines += _wrap(f"{n}. {names[o.entity.key].text}, {o.entity.label.lower()}", 0, 3)
        lines += _wrap(f"share {share}, {_BASIS.get(o.basis_text, o.basis_text)}", 3)
        if o.entity.merged_ids:
            lines += _wrap(f"merged records: {', '.join(o.entity.merged_ids)}", 3)
        for i, p in enumerate(o.paths, start=1):
            part = f" ({p.share:g}% along it)" if p.share is not None and len(o.paths) > 1 else ""
            lines.append(f"   chain {i}{part}:")
            lines += _hop_lines(p.hops, names, p.nodes[0], 5)
        for p in o.covered:
            lines.append("   covered by the stated indirect interest (not added):")
            lines += _hop_lines(p.hops, names, p.nodes[0], 5)
        lines.append("")
    lines.append(f"{len(result.owners)} owner(s)")
    return "\n".join(lines)


def near_text(result: ProximityResult, names: Names) -> str:
    what = "sanctioned entities" if result.kind == "sanctioned" else "colony-operated companies"
    lines = [_title(f"Companies within {result.hops} hop(s) of {what}", result.as_of), ""]
    if not result.companies:
        reason = (f"no {what} in force on {result.as_of} are loaded" if not result.seeds else
                  f"{result.seeds} seed(s) searched; none is a company and no company is linked to one within "
                  f"{result.hops} ownership or control hop(s)")
        lines += _wrap(f"No companies found: {reason}.", 0, 2)
        return "\n".join(lines)
    for n, near in enumerate(result.companies, start=1):
        lines += _wrap(f"{n}. {names[near.company.key].text}: {near.hops} hop(s) from "
                       f"{names[near.seed.key].text} ({near.reason})", 0, 3)
        if near.path:
            lines += _hop_lines(list(reversed(near.path)), names, near.seed.key, 3)
        lines.append("")
    lines.append(f"{len(result.companies)} company(ies)")
    return "\n".join(lines)


def path_text(result: PathResult, names: Names, max_hops: int) -> str:
    start, end = names[result.start.key], names[result.end.key]
    if result.nodes is None:
        return "\n".join(_wrap(f"No ownership or control path between {start.text} and {end.text} within "
                                f"{max_hops} hops (as of {result.as_of}).", 0, 2))
    if not result.hops:
        return f"{result.start.id} and {result.end.id} are records of one merged entity: {start.text}"
    lines = [_title(f"Path {start.text} .. {end.text}", result.as_of), ""]
    lines += _hop_lines(result.hops, names, result.start.key, 0)
    for h in result.hops:
        details = ", ".join(f"{k}={v}" for k, v in h.properties.items()
                            if k not in ("record", "share", "share_min", "share_max"))
        if details:
            lines += _wrap(f"{names[h.start].name or h.start} -{h.type}-> {names[h.end].name or h.end}: "
                           f"{details}", 0, 4)
    lines.append(f"{len(result.hops)} hop(s)")
    return "\n".join(lines)


def shared_text(result: SharedResult, names: Names) -> str:
    a, b = result.company_a, result.company_b
    head = f"Shared by {names[a.key].text} and {names[b.key].text}" if a and b else \
        f"Shared by {result.a} and {result.b}"
    lines = [_title(head, result.as_of), ""]
    if not result.links:
        lines.append("No shared directors or registered addresses.")
        return "\n".join(lines)
    for n, x in enumerate(result.links, start=1):
        lines += _wrap(f"{n}. {x.kind}: {names[x.entity.key].text}", 0, 3)
        for side, hop in (("a", x.via_a), ("b", x.via_b)):
            lines += _wrap(f"{side}: {hop.type.lower()} {evidence_text(hop)}", 3)
    lines.append(f"{len(result.links)} shared")
    return "\n".join(lines)
