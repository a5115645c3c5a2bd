"""Routes as text, hop by hop: company, country, HS code, date, and the rows behind each hop."""

from __future__ import annotations

from collections.abc import Sequence

from queries.routes import DIRECT_EXPORT, SWITCH_TEXT, Route, RouteSearch


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
        lines.append(
            f"  {i}. -> {hop.buyer['name']} ({hop.buyer['country'] or '??'})  "
            f"{s.date}, HS {s.hs_code}{switch}{origin}  "
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
