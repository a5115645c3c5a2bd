"""The relabeling route engine: time-respecting paths of shipments from colony production to buyers
in target markets, with goods continuity through the HS tree and the evidence behind every hop.

Cypher fetches the facts (colonies, their producers, shipments); the search runs here, because a
route is valid only if some choice of shipments, one per hop, is in date order within the window and
carries the same goods (allowing the code switches that relabeling is) — a constraint over sets of
shipments per hop that variable-length Cypher patterns cannot express.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from graph.store.base import GraphStore

COLONY_PRODUCERS = """
MATCH (c:Colony)-[:OPERATES]->(p:Company)
RETURN c.id AS colony, c.name AS colony_name, c.country AS colony_country,
       coalesce(c.synthetic, false) AS synthetic, c.hs_codes AS hs_codes, p.id AS producer
"""

SHIPMENT_EDGES = """
MATCH (a:Company)-[:SHIPPED]->(s:Shipment)-[:CONSIGNED_TO]->(b:Company)
RETURN a.id AS seller, b.id AS buyer, s.id AS id, s.date AS date, s.hs_code AS hs_code,
       s.origin_country AS origin, s.value AS value, s.source_file AS source_file,
       s.source_row AS source_row
"""

COMPANIES = """
MATCH (c:Company)
RETURN c.id AS id, c.name AS name, c.country AS country, labels(c) AS labels,
       coalesce(c.supernode, false) AS supernode
"""

# Chapters whose goods turn into each other in the trade (furniture parts declared as wood and the
# reverse). Switching between them is flagged like a switch within a heading.
DEFAULT_CONCORDANCES: frozenset[frozenset[str]] = frozenset({
    frozenset({"94", "44"}),  # furniture <-> wood articles
    frozenset({"87", "84"}),  # vehicle parts <-> machinery parts
    frozenset({"61", "62"}),  # knitted <-> woven garments
    frozenset({"73", "94"}),  # articles of steel <-> metal furniture
})


SWITCH_TEXT = {
    "HS4": "within the same heading (HS4)",
    "HS2": "within the same chapter (HS2)",
    "concordance": "across related chapters (concordance)",
}


@dataclass(frozen=True)
class Shipment:
    id: str
    seller: str
    buyer: str
    date: str
    hs_code: str
    origin: str | None
    value: float | None
    source_file: str | None
    source_row: int | None


@dataclass
class Hop:
    seller: dict[str, Any]
    buyer: dict[str, Any]
    shipment: Shipment
    evidence: list[Shipment]
    code_switch: str | None  # None, "HS6", "HS4", "HS2" or "concordance": how far the code moved


@dataclass
class Route:
    colony: str
    colony_name: str
    synthetic: bool
    hops: list[Hop]
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)

    @property
    def companies(self) -> list[str]:
        return [self.hops[0].seller["id"], *(h.buyer["id"] for h in self.hops)]


@dataclass
class RouteSearch:
    routes: list[Route]
    limits_hit: list[str]
    colonies_searched: int
    shipments_considered: int


def code_switch(before: str, after: str, concordances: Iterable[frozenset[str]]) -> str | None | bool:
    """None when the goods are the same HS6; the level at which the code moved; False if unrelated."""
    if before[:6] == after[:6]:
        return None
    if before[:4] == after[:4]:
        return "HS4"
    if before[:2] == after[:2]:
        return "HS2"
    if frozenset({before[:2], after[:2]}) in concordances:
        return "concordance"
    return False


def find_routes(
    store: GraphStore,
    *,
    colony: str | None = None,
    to_countries: Iterable[str] | None = None,
    window_days: int = 180,
    max_hops: int = 4,
    max_routes: int = 1000,
    concordances: Iterable[frozenset[str]] = DEFAULT_CONCORDANCES,
    include_supernodes: bool = False,
) -> RouteSearch:
    concordances = frozenset(concordances)
    targets = {c.upper() for c in to_countries} if to_countries else None
    companies = {r["id"]: r for r in store.run(COMPANIES)}
    by_pair: dict[str, dict[str, list[Shipment]]] = defaultdict(lambda: defaultdict(list))
    total = 0
    for r in store.run(SHIPMENT_EDGES):
        if not r["date"] or not r["hs_code"]:
            continue
        by_pair[r["seller"]][r["buyer"]].append(Shipment(**r))
        total += 1
    for buyers in by_pair.values():
        for shipments in buyers.values():
            shipments.sort(key=lambda s: s.date)
    starts = [r for r in store.run(COLONY_PRODUCERS) if colony in (None, "all", r["colony"])]
    search = _Search(companies, by_pair, window_days, max_hops, max_routes, concordances, include_supernodes)
    for start in starts:
        home = start["colony_country"]
        wanted = targets or None
        search.from_producer(start, home, wanted)
    routes = sorted(search.routes, key=lambda r: (-r.score, len(r.hops), r.colony))
    return RouteSearch(routes, search.limits_hit, len(starts), total)


class _Search:
    def __init__(self, companies, by_pair, window_days, max_hops, max_routes, concordances, supernodes):
        self.companies = companies
        self.by_pair = by_pair
        self.window = dt.timedelta(days=window_days)
        self.max_hops = max_hops
        self.max_routes = max_routes
        self.concordances = concordances
        self.include_supernodes = supernodes
        self.routes: list[Route] = []
        self.limits_hit: list[str] = []
        self._skipped_supernodes: set[str] = set()

    def from_producer(self, start: dict, home: str | None, targets: set[str] | None) -> None:
        producer = start["producer"]
        made = [c for c in (start.get("hs_codes") or []) if c]
        first_hops = {}
        for buyer, shipments in self.by_pair.get(producer, {}).items():
            # The colony's own documented products anchor the goods, where the catalogue has them.
            ok = [s for s in shipments if not made or any(s.hs_code.startswith(m) or m.startswith(s.hs_code[:4])
                                                            for m in made)]
            if ok:
                first_hops[buyer] = ok
        for buyer, feasible in first_hops.items():
            self._extend(start, home, targets, [producer, buyer], [feasible])

    def _extend(self, start, home, targets, path: list[str], layers: list[list[Shipment]]) -> None:
        if len(self.routes) >= self.max_routes:
            if f"max_routes={self.max_routes}" not in self.limits_hit:
                self.limits_hit.append(f"max_routes={self.max_routes}: more routes exist than were kept")
            return
        current = path[-1]
        country = self.companies.get(current, {}).get("country")
        if country and country != home and (targets is None or country in targets):
            self.routes.append(self._route(start, path, layers))
        if len(path) - 1 >= self.max_hops:
            if self.by_pair.get(current) and f"max_hops={self.max_hops}" not in self.limits_hit:
                self.limits_hit.append(f"max_hops={self.max_hops}: some routes were not followed further")
            return
        if self._is_supernode(current) and len(path) > 1:
            return
        for nxt, shipments in self.by_pair.get(current, {}).items():
            if nxt in path:
                continue
            feasible = self._feasible(layers[-1], shipments)
            if feasible:
                self._extend(start, home, targets, [*path, nxt], [*layers, feasible])

    def _is_supernode(self, company: str) -> bool:
        if self.include_supernodes or not self.companies.get(company, {}).get("supernode"):
            return False
        if company not in self._skipped_supernodes:
            self._skipped_supernodes.add(company)
            self.limits_hit.append(f"supernode {company} not traversed (use --include-supernodes)")
        return True

    def _feasible(self, previous: list[Shipment], candidates: list[Shipment]) -> list[Shipment]:
        """Candidates that some earlier-hop shipment can precede: same goods, within the window."""
        dates = [p.date for p in previous]
        out = []
        for s in candidates:
            day = dt.date.fromisoformat(s.date)
            lo = bisect.bisect_left(dates, (day - self.window).isoformat())
            hi = bisect.bisect_right(dates, s.date)
            if any(code_switch(p.hs_code, s.hs_code, self.concordances) is not False
                   for p in previous[lo:hi]):
                out.append(s)
        return out

    def _route(self, start: dict, path: list[str], layers: list[list[Shipment]]) -> Route:
        # One concrete chain for the evidence: the earliest final shipment, then walking back the
        # latest compatible shipment at each earlier hop.
        chain = [layers[-1][0]]
        for layer in reversed(layers[:-1]):
            nxt = chain[0]
            day = dt.date.fromisoformat(nxt.date)
            compatible = [p for p in layer if p.date <= nxt.date
                          and dt.date.fromisoformat(p.date) >= day - self.window
                          and code_switch(p.hs_code, nxt.hs_code, self.concordances) is not False]
            chain.insert(0, compatible[-1])
        hops = []
        for i, s in enumerate(chain):
            switch = code_switch(chain[i - 1].hs_code, s.hs_code, self.concordances) if i else None
            evidence = [e for e in layers[i] if e.hs_code[:4] == s.hs_code[:4]][:10]
            hops.append(Hop(self._company(path[i]), self._company(path[i + 1]), s, evidence, switch or None))
        route = Route(start["colony"], start["colony_name"], bool(start["synthetic"]), hops)
        score_route(route, start.get("colony_country"))
        return route

    def _company(self, key: str) -> dict[str, Any]:
        c = self.companies.get(key, {"id": key})
        return {"id": key, "name": c.get("name") or key, "country": c.get("country")}


def score_route(route: Route, home: str | None) -> None:
    """A score with the reasons that made it: each relabeling signal adds its weight."""
    reasons: list[tuple[float, str]] = [(1.0, "time-respecting route from colony production")]
    for i, hop in enumerate(route.hops, start=1):
        if hop.code_switch:
            weight = {"HS4": 2.0, "HS2": 1.5, "concordance": 1.0}.get(hop.code_switch, 1.0)
            reasons.append((weight, f"hop {i}: HS code switched {SWITCH_TEXT[hop.code_switch]} "
                                    f"({route.hops[i - 2].shipment.hs_code} -> {hop.shipment.hs_code})"))
    origins = [h.shipment.origin for h in route.hops if h.shipment.origin]
    if home and home in origins and any(o != home for o in origins[origins.index(home):]):
        changed = next(o for o in origins[origins.index(home):] if o != home)
        reasons.append((2.0, f"declared origin changed on the way ({home} -> {changed})"))
    for i in range(1, len(route.hops)):
        a = dt.date.fromisoformat(route.hops[i - 1].shipment.date)
        b = dt.date.fromisoformat(route.hops[i].shipment.date)
        if (b - a).days <= 30 and route.hops[i].seller.get("country") != home:
            reasons.append((0.5, f"hop {i + 1}: re-exported within {(b - a).days} days of arrival"))
    route.score = round(sum(w for w, _ in reasons), 2)
    route.reasons = [text for _, text in reasons]
