"""The relabeling route engine: time-respecting paths of shipments from colony production to buyers
in target markets, with goods continuity through the HS tree and the evidence behind every hop.

Cypher fetches the facts (colonies, their producers, shipments); the search runs here, because a
route is valid only if some choice of shipments, one per hop, is in date order within the window and
carries the same goods (allowing the code switches that relabeling is) — a constraint over sets of
shipments per hop that variable-length Cypher patterns cannot express.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import enum
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..graph import supernode as supernodes
from ..graph.errors import RowProblem
from ..graph.evidence import EvidenceStore, current_runs
from ..graph.store.base import GraphStore
from ..graph.types import HS_CHAPTER
from .merged import MergedView
from .saved import QueryError

# Companies are read on the merged view (queries/merged.py): after `conveyor resolve`, the records of
# one entity in different sources are one company on a route, so a chain broken by a name variant joins
# and the evidence rows of every member count as the one company's.
COLONY_PRODUCERS = """
MATCH (c:Colony)-[:OPERATES]->(p:Company)
RETURN c.id AS colony, c.name AS colony_name, c.country AS colony_country,
       coalesce(c.synthetic, false) AS synthetic, c.hs_codes AS hs_codes, p.id AS producer
"""

FLAGGED_SUPERNODES = "MATCH (c:Company) WHERE c.supernode = true RETURN c.id AS id"

# Looked up only for the companies a search can reach (never the whole graph): $ids are canonical ids.
COMPANIES = """
UNWIND $ids AS id
MATCH (c:Company {id: id})
RETURN c.id AS id, c.name AS name, c.country AS country, labels(c) AS labels,
       coalesce(c.supernode, false) AS supernode, c.supernode_reasons AS supernode_reasons,
       c.incorporation_date AS incorporation_date,
       c.address AS address
"""


def _is_chapter(code: Any) -> bool:
    """Exactly an HS chapter as written: two ASCII digits (HS_CHAPTER; '٩٤' or '9 4' is not one)."""
    try:
        return isinstance(code, str) and HS_CHAPTER.clean(code) == code
    except RowProblem:
        return False


def _linked(pattern: str, value: str) -> str:
    return f"UNWIND $ids AS id\nMATCH (c:Company {{id: id}}){pattern}\nRETURN id AS company, {value} AS linked"


# Looked up for every member of a merged entity (MergedView.expand), so a merged entity's links all count.
DIRECTORS = _linked("<-[:DIRECTS]-(p)", "p.id")
ADDRESSES = _linked("-[:REGISTERED_AT]->(a:Address)", "a.id")

# The evidence columns a search reads (graph/evidence.py), column-wise, not through Cypher result sets;
# in the order of Shipment's fields.
EVIDENCE_COLUMNS = ["id", "seller", "buyer", "date", "hs_code", "origin_country", "value", "source_file",
                    "source_row", "quantity"]

# Chapters whose goods turn into each other in the trade (furniture parts declared as wood and the
# reverse). Switching between them is flagged like a switch within a heading.
DEFAULT_CONCORDANCES: frozenset[frozenset[str]] = frozenset({
    frozenset({"94", "44"}),  # furniture <-> wood articles
    frozenset({"87", "84"}),  # vehicle parts <-> machinery parts
    frozenset({"61", "62"}),  # knitted <-> woven garments
    frozenset({"73", "94"}),  # articles of steel <-> metal furniture
})

ALL_COLONIES = "all"


@dataclass(frozen=True)
class RouteSettings:
    """What a route search looks for. The defaults are declared here only: the CLI options read them
    (conveyor/commands/routes.py), so help text and code cannot disagree.

    colony: a colony id, or "all" (None means the same); to_countries: the markets a route may end in
    (None: any country other than the colony's); window_days: longest time between a hop and the next;
    supernode_degree: companies with at least this many trade partners are supernodes (None or 0: only
    flagged ones); sanctions_date: a company registered on or after it is flagged on a route;
    maximal_only: report a route at its furthest reach, not its prefixes too; direct_exports: also report
    colony goods sold straight abroad, declared honestly (kind DIRECT_EXPORT)."""

    colony: str | None = ALL_COLONIES
    to_countries: frozenset[str] | None = None
    window_days: int = 180
    # Colony goods often pass a dealer and three or four transit traders before the buyer: producer ->
    # dealer -> up to four transits -> buyer is six hops. Measured (bench/README.md, hop limit): at 4 and 5
    # such routes were cut and their prefixes reported instead; 6 to 10 found every planted route with the
    # same precision (distribution after import is not walked into, see _Search._kind). 8 leaves two hops
    # for chains longer than the benchmark's at no measured cost; 9 and 10 began to cost search time.
    max_hops: int = 8
    max_routes: int = 1000
    concordances: frozenset[frozenset[str]] = DEFAULT_CONCORDANCES
    include_supernodes: bool = False
    # Chosen so a route needs at least one relabeling signal beyond bare continuity (an honest export,
    # declared origin and code unchanged, scores 1.0-1.5) and so that a company trading with dozens of
    # partners (a hub, a port forwarder) is not walked through: every path through it would be a route.
    min_score: float = 2.0
    supernode_degree: int | None = 40
    # EU restrictive measures on Belarus after February 2022 (Council Decision (CFSP) 2022/356, 2 March 2022).
    sanctions_date: str | None = "2022-03-02"
    maximal_only: bool = True
    direct_exports: bool = True

    # The accepted ranges (inclusive), also the CLI options' ranges. Past ten hops the search cost grows
    # with no planted route left to find (bench/README.md).
    WINDOW_DAYS: ClassVar[tuple[int, int]] = (1, 3650)
    MAX_HOPS: ClassVar[tuple[int, int]] = (1, 10)
    MAX_ROUTES: ClassVar[tuple[int, int]] = (1, 1_000_000)

    def __post_init__(self) -> None:
        for name, (low, high) in (("window_days", self.WINDOW_DAYS), ("max_hops", self.MAX_HOPS),
                                  ("max_routes", self.MAX_ROUTES)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise QueryError(f"route settings: {name} must be a whole number from {low} to {high}, "
                                 f"not {value!r}")
        degree = self.supernode_degree
        if degree is not None and (isinstance(degree, bool) or not isinstance(degree, int) or degree < 0):
            raise QueryError(f"route settings: supernode_degree must be a whole number >= 0, not {degree!r}")
        if not isinstance(self.min_score, int | float) or math.isnan(self.min_score):
            raise QueryError(f"route settings: min_score must be a number, not {self.min_score!r}")
        if self.sanctions_date is not None:
            try:
                dt.date.fromisoformat(self.sanctions_date)
            except (TypeError, ValueError):
                raise QueryError(f"route settings: sanctions_date must be YYYY-MM-DD, not "
                                 f"{self.sanctions_date!r}") from None
        for pair in self.concordances:
            if len(pair) != 2 or not all(_is_chapter(c) for c in pair):
                raise QueryError(f"route settings: a concordance is two HS chapters (2 digits), not {set(pair)}")
        # Normal forms, so equal settings compare equal: "all" for every colony, upper-case country codes
        # (None when none are given), None for a supernode degree of 0 (only flagged companies).
        given = (self.to_countries,) if isinstance(self.to_countries, str) else self.to_countries or ()
        countries = frozenset(c.strip().upper() for c in given if c.strip())
        object.__setattr__(self, "colony", self.colony or ALL_COLONIES)
        object.__setattr__(self, "to_countries", countries or None)
        object.__setattr__(self, "supernode_degree", degree or None)
        object.__setattr__(self, "concordances", frozenset(frozenset(p) for p in self.concordances))

    def searches(self, colony: str) -> bool:
        """Whether a search with these settings starts from this colony."""
        return self.colony in (ALL_COLONIES, colony)


# What a finding is. A relabeled route carries evidence that the goods were re-declared on the way (an
# HS code switch or a declared origin other than the colony's country). A direct export is colony goods
# leaving the colony's country straight to a buyer abroad, declared honestly: a finding in itself (the
# goods of forced labour reached that buyer), but not relabeling, so it is reported apart.
RELABELED = "relabeled route"
DIRECT_EXPORT = "direct export of colony goods"


class CodeMove(enum.Enum):
    """How far the HS code moved from one hop's goods to the next's. The value is the string the
    exports write in their code_switch column ("" when the code did not move)."""

    SAME = ""  # the same HS6
    HEADING = "HS4"  # switched within the same heading
    CHAPTER = "HS2"  # switched within the same chapter
    CONCORDANCE = "concordance"  # switched across chapters whose goods turn into each other
    UNRELATED = "unrelated"  # not the same goods: no hop follows another with these codes

    @property
    def switched(self) -> bool:
        """The goods are the same but declared under another code: a relabeling signal."""
        return self in (CodeMove.HEADING, CodeMove.CHAPTER, CodeMove.CONCORDANCE)

    @property
    def related(self) -> bool:
        """The goods can be the same: one hop can follow the other."""
        return self is not CodeMove.UNRELATED


SWITCH_TEXT = {
    CodeMove.HEADING.value: "within the same heading (HS4)",
    CodeMove.CHAPTER.value: "within the same chapter (HS2)",
    CodeMove.CONCORDANCE.value: "across related chapters (concordance)",
}
# What each switch adds to a route's score: the closer the codes, the less innocent the switch.
SWITCH_WEIGHT = {CodeMove.HEADING: 2.0, CodeMove.CHAPTER: 1.5, CodeMove.CONCORDANCE: 1.0}


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
    quantity: float | None = None


@dataclass
class Hop:
    seller: dict[str, Any]
    buyer: dict[str, Any]
    shipment: Shipment
    evidence: list[Shipment]
    move: CodeMove  # how far the code moved from the previous hop's (SAME at the first hop)

    @property
    def code_switch(self) -> str:
        """The move as the exports write it: "" when the code did not move, else "HS4", "HS2" or
        "concordance" (SWITCH_TEXT's keys)."""
        return self.move.value


@dataclass
class Route:
    colony: str
    colony_name: str
    synthetic: bool
    hops: list[Hop]
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)
    kind: str = RELABELED

    @property
    def companies(self) -> list[str]:
        return [self.hops[0].seller["id"], *(h.buyer["id"] for h in self.hops)]


@dataclass
class RouteSearch:
    routes: list[Route]  # relabeled routes only
    limits_hit: list[str]
    colonies_searched: int  # colonies with at least one producer that sold something
    shipments_considered: int
    direct_exports: list[Route] = field(default_factory=list)
    producers_searched: int = 0  # distinct colony producers with sales: the starts of a search
    producers_without_trade: int = 0  # listed operators (reference colonies) with no shipment loaded

    @property
    def findings(self) -> list[Route]:
        """Relabeled routes, then direct exports: every finding, each with its kind."""
        return [*self.routes, *self.direct_exports]


def code_move(before: str, after: str, concordances: Iterable[frozenset[str]]) -> CodeMove:
    """How far the HS code moved from `before` to `after`."""
    if before[:6] == after[:6]:
        return CodeMove.SAME
    if before[:4] == after[:4]:
        return CodeMove.HEADING
    if before[:2] == after[:2]:
        return CodeMove.CHAPTER
    if frozenset({before[:2], after[:2]}) in concordances:
        return CodeMove.CONCORDANCE
    return CodeMove.UNRELATED


def find_routes(store: GraphStore, evidence: EvidenceStore, settings: RouteSettings) -> RouteSearch:
    """Read the shipment rows column-wise from the evidence store, keep those a search from the colony
    producers can reach, look up only the companies on them, then search."""
    frame = evidence.read(current_runs(store), columns=EVIDENCE_COLUMNS).to_pandas()
    view = MergedView.load(store)
    if view.canonical_of:
        for column in ("seller", "buyer"):
            frame[column] = frame[column].map(view.canonical_of).fillna(frame[column])
    producers = [{**r, "producer": view.canonical(r["producer"])} for r in store.run(COLONY_PRODUCERS)]
    flagged = {view.canonical(r["id"]) for r in store.run(FLAGGED_SUPERNODES)}
    facts = trade_facts(frame, with_first_sales=False)
    sellers = _reachable_sellers(frame, producers, facts.degree, flagged, settings)
    frame = frame[frame["seller"].isin(sellers)]
    # A seller's first sale of a heading needs only its own rows, all of which the pruned frame keeps.
    facts = dataclasses.replace(facts, first_sale=first_sales(frame))
    needed = sorted(set(frame["seller"]) | set(frame["buyer"]) | {p["producer"] for p in producers})
    companies = _lookup_companies(store, needed, view)
    for name in flagged & companies.keys():
        companies[name]["supernode"] = True
    return search_routes(_shipments(frame), companies, producers, settings, facts=facts)


def _shipments(frame: pd.DataFrame) -> Iterator[Shipment]:
    columns = [frame[name].tolist() for name in EVIDENCE_COLUMNS]  # plain Python values, not numpy's
    for i in (6, 9):  # value, quantity: a missing number is None (NaN would compare as an outlier)
        columns[i] = [None if v != v else v for v in columns[i]]
    return (Shipment(*row) for row in zip(*columns, strict=True))


@dataclass(frozen=True)
class TradeFacts:
    """What the search needs about the whole trade, not only the reachable part: how many partners a
    company has (supernodes), when a seller first sold a heading, unit-value ranges per HS6."""
    degree: dict[str, int]
    first_sale: dict[tuple[str, str], str]
    unit_values: dict[str, tuple[float, float, float]]
    shipments: int


def trade_facts(frame: pd.DataFrame, with_first_sales: bool = True) -> TradeFacts:
    """TradeFacts column-wise (the same numbers _facts_from_rows computes row by row)."""
    # Distinct trade partners per company, either direction, on integer codes (a million string pairs
    # through drop_duplicates cost a second).
    codes, names = pd.factorize(pd.concat([frame["seller"], frame["buyer"]], ignore_index=True))
    seller, buyer = codes[: len(frame)].astype(np.int64), codes[len(frame):].astype(np.int64)
    low, high = np.minimum(seller, buyer), np.maximum(seller, buyer)
    low, high = np.divmod(np.unique(low * len(names) + high), len(names))
    counts = np.bincount(low, minlength=len(names)) + np.bincount(high[high != low], minlength=len(names))
    degree = dict(zip(names.tolist(), counts.tolist(), strict=True))
    priced = frame[(frame["value"] > 0) & (frame["quantity"] > 0)]
    unit = (priced["value"] / priced["quantity"]).groupby(priced["hs_code"].str.slice(0, 6))
    quartiles = unit.quantile([0.25, 0.5, 0.75], interpolation="lower").unstack()
    sizes = unit.size()
    ranges = {}
    for code, (q1, med, q3) in quartiles[sizes.reindex(quartiles.index) >= 5].iterrows():
        iqr = max(q3 - q1, 0.1 * med)
        ranges[code] = (med, q1 - 3 * iqr, q3 + 3 * iqr)
    return TradeFacts(degree, first_sales(frame) if with_first_sales else {}, ranges, len(frame))


def first_sales(frame: pd.DataFrame) -> dict[tuple[str, str], str]:
    """When each seller first sold each HS4 heading."""
    first = frame.assign(hs4=frame["hs_code"].str.slice(0, 4)).groupby(["seller", "hs4"])["date"].min()
    return first.to_dict()


def _reachable_sellers(frame: pd.DataFrame, producers: list[dict[str, Any]], degree: dict[str, int],
                       flagged: set[str], settings: RouteSettings) -> set[str]:
    """Companies a search can walk on from: producers, then buyers up to max_hops away, not through
    supernodes (unless they are included). Their sales are the only shipments the search can use."""
    threshold = settings.supernode_degree

    def walked(company: str) -> bool:
        return settings.include_supernodes or not (
            company in flagged or supernodes.at_least(degree.get(company, 0), threshold))

    pairs = frame[["seller", "buyer"]].drop_duplicates()
    frontier = {p["producer"] for p in producers if settings.searches(p["colony"])}
    sellers = set(frontier)
    seen = set(frontier)
    for _ in range(settings.max_hops):
        reached = set(pairs.loc[pairs["seller"].isin(frontier), "buyer"]) - seen
        seen |= reached
        frontier = {c for c in reached if walked(c)}
        sellers |= frontier
    return sellers


def _lookup_companies(store: GraphStore, ids: list[str], view: MergedView) -> dict[str, dict[str, Any]]:
    """Canonical ids -> the canonical record, with the directors and addresses of every member."""
    companies: dict[str, dict[str, Any]] = {}
    for offset in range(0, len(ids), 5000):
        chunk = ids[offset:offset + 5000]
        for row in store.run(COMPANIES, {"ids": chunk}):
            companies[row["id"]] = row
        members = {"ids": view.expand(chunk)}
        for key, statement in (("directors", DIRECTORS), ("addresses", ADDRESSES)):
            for row in store.run(statement, members):
                company = view.canonical(row["company"])
                if company in companies:
                    companies[company].setdefault(key, set()).add(view.canonical(row["linked"]))
    return companies


def search_routes(
    shipments: Iterable[Shipment],
    companies: dict[str, dict[str, Any]],
    producers: Iterable[dict[str, Any]],
    settings: RouteSettings,
    *,
    facts: TradeFacts | None = None,
) -> RouteSearch:
    """The search on plain records, no store needed (benchmarks run it on in-memory networks).

    companies: id -> {name, country, supernode?, incorporation_date?, address?, directors?, addresses?};
    producers: rows of COLONY_PRODUCERS. With settings.maximal_only a route is reported at its furthest
    reach: a prefix whose end company sold the goods on (into a reported route) is not reported again.
    facts: TradeFacts of the whole trade when `shipments` is only the reachable part (find_routes);
    without them they are computed from `shipments`."""
    by_pair: dict[str, dict[str, list[Shipment]]] = defaultdict(lambda: defaultdict(list))
    rows: list[Shipment] = []
    for s in shipments:
        if not s.date or not s.hs_code:
            continue
        by_pair[s.seller][s.buyer].append(s)
        rows.append(s)
    for buyers in by_pair.values():
        for pair_rows in buyers.values():
            pair_rows.sort(key=lambda s: s.date)
    facts = facts or _facts_from_rows(rows)
    context = _Context(companies, by_pair, facts.degree, facts.first_sale, facts.unit_values,
                       settings.sanctions_date)
    starts = [r for r in producers if settings.searches(r["colony"])]
    search = _Search(context, settings)
    for start in starts:
        search.from_producer(start, start["colony_country"], settings.to_countries)
    search.report_cuts()
    found = sorted(search.routes, key=lambda r: (-r.score, len(r.hops), r.colony, r.companies))
    # "N routes from M producers" counts the producers a search started from: an operator listed only as
    # reference data, with no shipment loaded, was not searched.
    trading = [s for s in starts if by_pair.get(s["producer"])]
    producers = {s["producer"] for s in starts}
    return RouteSearch([r for r in found if r.kind == RELABELED], search.limits_hit,
                       len({s["colony"] for s in trading}), facts.shipments,
                       direct_exports=[r for r in found if r.kind == DIRECT_EXPORT],
                       producers_searched=len({s["producer"] for s in trading}),
                       producers_without_trade=len(producers - {s["producer"] for s in trading}))


def _facts_from_rows(rows: list[Shipment]) -> TradeFacts:
    partners: dict[str, set[str]] = defaultdict(set)
    first_sale: dict[tuple[str, str], str] = {}
    unit_values: dict[str, list[float]] = defaultdict(list)
    for s in rows:
        partners[s.seller].add(s.buyer)
        partners[s.buyer].add(s.seller)
        key = (s.seller, s.hs_code[:4])
        if key not in first_sale or s.date < first_sale[key]:
            first_sale[key] = s.date
        if s.value and s.quantity:
            unit_values[s.hs_code[:6]].append(s.value / s.quantity)
    return TradeFacts({k: len(v) for k, v in partners.items()}, first_sale, _unit_value_ranges(unit_values),
                      len(rows))


def _unit_value_ranges(values: dict[str, list[float]]) -> dict[str, tuple[float, float, float]]:
    """Per HS6: (median, low fence, high fence) with fences 3 IQR beyond the quartiles; 5+ samples."""
    out = {}
    for code, vs in values.items():
        if len(vs) < 5:
            continue
        vs = sorted(vs)
        q1, med, q3 = (vs[int(q * (len(vs) - 1))] for q in (0.25, 0.5, 0.75))
        iqr = max(q3 - q1, 0.1 * med)
        out[code] = (med, q1 - 3 * iqr, q3 + 3 * iqr)
    return out


@dataclass
class _Context:
    companies: dict[str, dict[str, Any]]
    by_pair: dict[str, dict[str, list[Shipment]]]
    degree: dict[str, int]
    first_sale: dict[tuple[str, str], str]
    unit_values: dict[str, tuple[float, float, float]]
    sanctions_date: str | None


class _Search:
    def __init__(self, ctx: _Context, settings: RouteSettings) -> None:
        self.ctx = ctx
        self.companies = ctx.companies
        self.by_pair = ctx.by_pair
        self.window = dt.timedelta(days=settings.window_days)
        self.max_hops = settings.max_hops
        self.max_routes = settings.max_routes
        self.concordances = settings.concordances
        self.include_supernodes = settings.include_supernodes
        self.supernode_degree = settings.supernode_degree
        self.min_score = settings.min_score
        self.maximal_only = settings.maximal_only
        self.direct_exports = settings.direct_exports
        self.routes: list[Route] = []
        self.limits_hit: list[str] = []
        self._supernode_cuts: dict[str, int] = defaultdict(int)
        self._hop_cuts = 0
        self._below_score = 0
        self._route_cut = False

    def from_producer(self, start: dict, home: str | None, targets: frozenset[str] | None) -> None:
        producer = start["producer"]
        made = [c for c in (start.get("hs_codes") or []) if c]
        for buyer, shipments in self.by_pair.get(producer, {}).items():
            # The colony's own documented products anchor the goods, where the catalogue has them.
            ok = [s for s in shipments if not made or any(s.hs_code.startswith(m) or m.startswith(s.hs_code[:4])
                                                            for m in made)]
            if ok:
                self._extend(start, home, targets, [producer, buyer], [ok])

    def _extend(self, start, home, targets, path: list[str], layers: list[list[Shipment]]) -> bool:
        """Walk on from path[-1]; True when a route was kept here or further on."""
        if len(self.routes) >= self.max_routes:
            self._route_cut = True
            return False
        current = path[-1]
        onward = False
        if len(path) - 1 >= self.max_hops:
            # Cut only where the goods are sold on across a border: a sale inside one country is not where
            # a route ends (see _kind), so a limit that stops one cuts no route.
            here = self.companies.get(current, {}).get("country")
            if any(nxt not in path and self.companies.get(nxt, {}).get("country") != here
                   and self._feasible(layers[-1], shipments)
                   for nxt, shipments in self.by_pair.get(current, {}).items()):
                self._hop_cuts += 1
        elif self._is_supernode(current):
            self._supernode_cuts[current] += 1
        else:
            for nxt, shipments in self.by_pair.get(current, {}).items():
                if nxt in path:
                    continue
                feasible = self._feasible(layers[-1], shipments)
                if feasible and self._extend(start, home, targets, [*path, nxt], [*layers, feasible]):
                    onward = True
        if onward and self.maximal_only:
            return True
        country = self.companies.get(current, {}).get("country")
        if country and country != home and (targets is None or country in targets):
            if len(self.routes) >= self.max_routes:
                self._route_cut = True
                return onward
            route = self._route(start, path, layers)
            kind = self._kind(route, home)
            if kind == DIRECT_EXPORT and self.direct_exports:
                route.kind = DIRECT_EXPORT
                route.reasons.insert(0, _direct_text(route, home))
                self.routes.append(route)
                return True
            if kind == RELABELED:
                if route.score >= self.min_score:
                    self.routes.append(route)
                    return True
                self._below_score += 1
        return onward

    def _kind(self, route: Route, home: str | None) -> str | None:
        """RELABELED, DIRECT_EXPORT, or None when the path's end is not where a finding ends."""
        hops = route.hops
        last = hops[-1]
        country = last.seller.get("country")
        if len(hops) > 1 and country and country == last.buyer.get("country"):
            # A sale inside the market the goods were already brought into crosses no border, so no customs
            # declaration relabels anything there: the route ends at the company that brought the goods
            # in (the shorter path, reported on its own), not at its customers.
            return None
        origins = [h.shipment.origin for h in hops if h.shipment.origin]
        if any(h.move.switched for h in hops) or any(o != home for o in origins):
            return RELABELED
        if all(h.seller.get("country") == home for h in hops):
            return DIRECT_EXPORT  # the goods cross the border at the last hop, declared as they are
        if last.shipment.origin is None:
            # No declared origin where the goods travel on abroad: relabeling can be neither seen nor
            # ruled out, so the score (counterparty signals) decides, as for any candidate.
            return RELABELED
        return None  # re-exported onward with the colony origin kept: no relabeling, nothing new

    def supernode(self, company: str) -> bool:
        return bool(self.supernode_reasons(company))

    def supernode_reasons(self, company: str) -> tuple[str, ...]:
        """graph/supernode.py: flagged in the graph (its stored reasons), or trading with at least
        supernode_degree partners."""
        info = self.companies.get(company, {})
        return supernodes.reasons(stored=info.get("supernode_reasons") or (), flagged=bool(info.get("supernode")),
                                  degree=self.ctx.degree.get(company, 0), limit=self.supernode_degree,
                                  counted="trade partners")

    def _is_supernode(self, company: str) -> bool:
        return not self.include_supernodes and self.supernode(company)

    def report_cuts(self) -> None:
        if self._route_cut:
            self.limits_hit.append(f"max_routes={self.max_routes}: more routes exist than were kept")
        if self._hop_cuts:
            self.limits_hit.append(f"max_hops={self.max_hops}: {self._hop_cuts} path(s) reached the limit where "
                                   "the goods were sold on across a border; longer routes were not followed "
                                   "(raise --max-hops)")
        for company, n in sorted(self._supernode_cuts.items()):
            why = supernodes.shown(self.supernode_reasons(company))
            self.limits_hit.append(f"supernode {company} ({why}) not traversed: {n} path(s) "
                                   "stopped there (use --include-supernodes)")
        if self._below_score:
            self.limits_hit.append(f"min_score={self.min_score}: {self._below_score} candidate route(s) scored "
                                   "below it and were not reported")

    def _feasible(self, previous: list[Shipment], candidates: list[Shipment]) -> list[Shipment]:
        """Candidates that some earlier-hop shipment can precede: same goods, within the window."""
        dates = [p.date for p in previous]
        out = []
        for s in candidates:
            day = dt.date.fromisoformat(s.date)
            lo = bisect.bisect_left(dates, (day - self.window).isoformat())
            hi = bisect.bisect_right(dates, s.date)
            if any(code_move(p.hs_code, s.hs_code, self.concordances).related for p in previous[lo:hi]):
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
                          and code_move(p.hs_code, nxt.hs_code, self.concordances).related]
            chain.insert(0, compatible[-1])
        hops = []
        for i, s in enumerate(chain):
            move = code_move(chain[i - 1].hs_code, s.hs_code, self.concordances) if i else CodeMove.SAME
            evidence = [e for e in layers[i] if e.hs_code[:4] == s.hs_code[:4]][:10]
            hops.append(Hop(self._company(path[i]), self._company(path[i + 1]), s, evidence, move))
        route = Route(start["colony"], start["colony_name"], bool(start["synthetic"]), hops)
        score_route(route, start.get("colony_country"))
        extra = counterparty_flags(route, self.ctx)
        if self.include_supernodes:
            extra += [(-1.0, f"passes through supernode {c} (down-weighted)") for c in path[1:-1]
                      if self.supernode(c)]
        if extra:
            route.score = round(route.score + sum(w for w, _ in extra), 2)
            route.reasons += [text for _, text in extra]
        return route

    def _company(self, key: str) -> dict[str, Any]:
        c = self.companies.get(key, {"id": key})
        return {"id": key, "name": c.get("name") or key, "country": c.get("country")}


def counterparty_flags(route: Route, ctx: _Context) -> list[tuple[float, str]]:
    """Who the intermediaries are: new companies, new lines of business, ties to the colony dealer,
    unit values far from the product's range, and rerouting triangles."""
    flags: list[tuple[float, str]] = []
    ids = route.companies
    for i, hop in enumerate(route.hops[1:], start=2):
        seller = hop.seller["id"]
        info = ctx.companies.get(seller, {})
        inc = info.get("incorporation_date")
        if inc and ctx.sanctions_date and str(inc) >= ctx.sanctions_date:
            flags.append((1.0, f"hop {i}: {hop.seller['name']} registered {inc}, after the sanctions "
                               f"date {ctx.sanctions_date}"))
        received = route.hops[i - 2].shipment
        first = ctx.first_sale.get((seller, hop.shipment.hs_code[:4]))
        if first and first >= received.date:
            # Named at the hop where the company received the goods: that is the trade it had none before.
            # The code it received them under may differ (relabeled): both codes are named.
            sold = hop.shipment.hs_code[:4]
            under = "" if received.hs_code[:4] == sold else f" under HS {received.hs_code[:4]}"
            flags.append((0.5, f"hop {i - 1}: {hop.seller['name']} received these goods ({received.date}, "
                               f"shipment {received.id}{under}) with no earlier trade in HS {sold}, the code "
                               f"it sold them under at hop {i}"))
    dealer = ctx.companies.get(ids[1], {}) if len(ids) > 2 else {}
    for cid in ids[2:]:
        other = ctx.companies.get(cid, {})
        shared = []
        if dealer.get("address") and dealer.get("address") == other.get("address"):
            shared.append("address")
        if set(dealer.get("addresses", ())) & set(other.get("addresses", ())):
            shared.append("registered address")
        if set(dealer.get("directors", ())) & set(other.get("directors", ())):
            shared.append("director")
        if shared:
            flags.append((1.5, f"{other.get('name', cid)} shares {' and '.join(dict.fromkeys(shared))} with the "
                               f"colony dealer {dealer.get('name', ids[1])}"))
    for i, hop in enumerate(route.hops, start=1):
        s = hop.shipment
        fence = ctx.unit_values.get(s.hs_code[:6])
        if fence and s.value and s.quantity:
            uv = s.value / s.quantity
            if not fence[1] <= uv <= fence[2]:
                flags.append((1.0, f"hop {i}: unit value {uv:.2f} far outside the HS {s.hs_code[:6]} range "
                                   f"(median {fence[0]:.2f})"))
    for a in range(len(ids) - 2):
        for b in range(a + 2, len(ids)):
            direct = ctx.by_pair.get(ids[a], {}).get(ids[b])
            if direct:
                flags.append((1.5, f"rerouting triangle: {ids[a]} also traded directly with {ids[b]} "
                                   f"({len(direct)} shipment(s) from {direct[0].date})"))
    return flags


def _direct_text(route: Route, home: str | None) -> str:
    last = route.hops[-1]
    origin = last.shipment.origin or "not declared"
    return (f"{DIRECT_EXPORT}: sold to {last.buyer['name']} ({last.buyer.get('country')}) on "
            f"{last.shipment.date}, HS {last.shipment.hs_code} unchanged, declared origin {origin}")


def score_route(route: Route, home: str | None) -> None:
    """A score with the reasons that made it: each relabeling signal adds its weight."""
    reasons: list[tuple[float, str]] = [(1.0, "time-respecting route from colony production")]
    for i, hop in enumerate(route.hops, start=1):
        if hop.move.switched:
            reasons.append((SWITCH_WEIGHT[hop.move], f"hop {i}: HS code switched {SWITCH_TEXT[hop.code_switch]} "
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
