"""Routes as text, hop by hop: company, country, HS code, date, and the rows behind each hop."""

from __future__ import annotations

from collections.abc import Sequence

from queries.routes import SWITCH_TEXT, Route, RouteSearch


def route_text(n: int, route: Route) -> str:
    tag = " [SYNTHETIC DATA: fictional companies]" if route.synthetic else ""
    lines = [f"Route {n} (score {route.score}) from colony {route.colony_name} [{route.colony}]{tag}"]
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
    """Every route (or the first `limit`), then one summary line. Limits that cut results are
    reported by the caller, on stderr."""
    shown: Sequence[Route] = search.routes[:limit] if limit else search.routes
    summary = (f"{len(search.routes)} route(s) from {search.colonies_searched} colony producer(s) "
               f"over {search.shipments_considered:,} shipments")
    if limit and len(search.routes) > limit:
        summary += f" (showing the best {limit})"
    if shown:
        hop = shown[0].hops[0]
        summary += ("\nevery shipment row behind a hop: conveyor shipments --seller SELLER_ID --buyer BUYER_ID "
                    f"(route 1, hop 1: --seller {hop.seller['id']} --buyer {hop.buyer['id']})")
    return "\n\n".join([*(route_text(n, r) for n, r in enumerate(shown, start=1)), summary])
