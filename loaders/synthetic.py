"""A synthetic trade network with planted relabeling routes and the truth about them.

Everything written here is fictional and labelled so: every company name ends '(fictional)', colonies
are 'Synthetic Colony N (fictional)' citing 'synthetic://conveyor', every row has synthetic=true.

What the network holds (all deterministic for a seed):
- planted routes: colony producer -> domestic dealer -> 1..max_transit transit companies (default 1-2)
  -> buyer in the EU, each hop within the window, goods continuous through code switches (HS4, HS2 or
  concordance chapters), declared origin switched from BY at a transit, some quick re-exports, shared
  addresses, unit-value outliers and rerouting triangles (the dealer sold to the buyer directly, long
  before);
- noise that a correct engine must not report: onward sales in unrelated chapters, onward sales before
  the colony purchase (wrong time order) or far outside the window, domestic-only chains, relabeling
  chains from producers that are not colonies, hubs (supernodes) that buy colony goods and sell the
  same goods to everyone, honest exports (declared BY origin, same code, no transit) and a heavy-tailed
  background trade (few large hubs, many small buyers).

truth.csv lists the planted routes by company id (exporter_id / importer_id), in order.

Scale: routes and noise are few rows, drawn one by one (random.Random). The background trade, the bulk
of every large network, is drawn with numpy (np.random.default_rng(seed)) into compact integer arrays
(a row is ~26 bytes: day, seller, buyer, code, origin, quantity, weight in tenths, value in cents), its
many buyers and sellers are arrow string arrays rather than objects, and shipments.csv is formatted and
written in blocks by arrow compute. Time is linear in rows and memory a few hundred MB per 10M rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..graph.errors import SettingError

HOME = "BY"
TRANSIT = ("KZ", "AM", "KG", "TR", "AE", "UZ", "GE", "RS")
TARGETS = ("DE", "PL", "LT", "LV", "SE", "NL", "IT", "FR", "CZ", "FI")
OTHER = ("CN", "US", "IN", "BR", "RU", "UA", "GB", "ES")
START = dt.date(2021, 1, 1)
SPAN_DAYS = 4 * 365

# Colony goods and the codes they get relabeled to, with a typical unit price (EUR per unit).
PRODUCTS: dict[str, dict] = {
    "940360": {"desc": "wooden furniture", "price": 180.0, "HS4": ["940390", "940350"], "HS2": ["940161"],
               "concordance": ["442199", "442090"]},
    "611020": {"desc": "knitted jumpers", "price": 9.0, "HS4": ["611030"], "HS2": ["610910"],
               "concordance": ["620520", "620342"]},
    "870899": {"desc": "vehicle parts", "price": 40.0, "HS4": ["870829", "870880"], "HS2": ["871690"],
               "concordance": ["840999", "848390"]},
    "730890": {"desc": "steel structures", "price": 900.0, "HS4": ["730820"], "HS2": ["732690"],
               "concordance": ["940320"]},
    "441820": {"desc": "wooden doors", "price": 120.0, "HS4": ["441899"], "HS2": ["442199"],
               "concordance": ["940360"]},
}
# Chapter pairs whose goods turn into each other (the route engine's default concordances): noise
# "in an unrelated chapter" must avoid them too.
RELATED = ({"94", "44"}, {"87", "84"}, {"61", "62"}, {"73", "94"})
UNRELATED = {"847130": 400.0, "300490": 25.0, "271019": 0.8, "100199": 0.25, "390110": 1.3, "030389": 3.0}
ALL_CODES = {**{k: v["price"] for k, v in PRODUCTS.items()}, **UNRELATED,
             **{c: v["price"] for v in PRODUCTS.values() for lvl in ("HS4", "HS2", "concordance")
                for c in v[lvl]}}

_SYL = ("bel", "var", "nor", "sta", "lin", "tor", "mar", "vel", "kas", "dor", "ren", "sil", "tam", "bor",
        "gal", "zen", "ost", "rav", "mir", "pol")
_TRADES = ("Trade", "Import", "Export", "Logistics", "Commerce", "Group", "Holding")
_FORMS = {"BY": "ODO", "KZ": "LLP", "AM": "LLC", "KG": "OsOO", "TR": "Ltd Sti", "AE": "FZE", "UZ": "MChJ",
          "GE": "LLC", "RS": "d.o.o.", "DE": "GmbH", "PL": "Sp. z o.o.", "LT": "UAB", "LV": "SIA", "SE": "AB",
          "NL": "B.V.", "IT": "S.r.l.", "FR": "SARL", "CZ": "s.r.o.", "FI": "Oy"}

SHIPMENT_COLUMNS = ("shipment_id", "date", "exporter_name", "exporter_country", "exporter_id", "exporter_address",
                    "importer_name", "importer_country", "importer_id", "importer_address", "hs_code",
                    "description", "quantity", "unit", "weight_kg", "value", "currency", "origin_country",
                    "port_lading", "port_unlading", "synthetic")
COLONY_COLUMNS = ("colony_id", "name", "name_local", "city", "region", "country", "operator_enterprise",
                  "operator_id", "products", "hs_codes", "source_url", "source_title", "source_date", "synthetic")
TRUTH_COLUMNS = ("route_id", "colony_id", "companies", "final_country", "hops", "signals")

# Rows are held as small integers: countries and codes by their index in these tables.
COUNTRIES = (HOME, *TRANSIT, *TARGETS, *OTHER)
_COUNTRY = {c: i for i, c in enumerate(COUNTRIES)}
CODES = tuple(ALL_CODES)
_CODE = {c: i for i, c in enumerate(CODES)}

HUB_SHARE = 0.35  # share of background rows sold by hubs
ROWS_PER_SELLER = 40.0
ROWS_PER_BUYER = 8.0
BUYER_SKEW = 1.1  # buyer k (0-based) is picked with weight 1 / (k + 1) ** BUYER_SKEW
# Up to four transits: a planted route's five gaps of at most window - 20 days must still start after
# its triangle (t0 >= 460) and end inside the four years at the default 180-day window.
MAX_TRANSIT = 4
BLOCK_ROWS = 500_000  # shipments.csv is formatted and written this many rows at a time
_DRAW_ROWS = 1 << 20  # background rows drawn per numpy call: bounds the float temporaries


@dataclass
class Company:
    idx: int  # position in creation order; id and name carry idx + 1
    id: str
    name: str
    country: str
    address: str = ""


@dataclass
class _Bulk:
    """Many companies of one kind made at once (background buyers, sellers): arrow strings, no objects."""
    start: int
    ids: pa.Array
    names: pa.Array
    countries: np.ndarray  # int8 index into COUNTRIES


@dataclass
class _Rows:
    """Shipment rows as parallel arrays (one element per row)."""
    day: np.ndarray  # int16 days since START
    seller: np.ndarray  # int32 company idx
    buyer: np.ndarray  # int32 company idx
    code: np.ndarray  # int8 index into CODES
    origin: np.ndarray  # int8 index into COUNTRIES
    qty: np.ndarray  # int16
    weight10: np.ndarray  # int32 weight_kg in tenths (round(weight, 1) exactly)
    cents: np.ndarray  # int64 value in cents (round(value, 2) exactly)

    @classmethod
    def of(cls, rows: list[tuple[int, ...]]) -> _Rows:
        cols = list(zip(*rows, strict=True)) if rows else [()] * 8
        dtypes = (np.int16, np.int32, np.int32, np.int8, np.int8, np.int16, np.int32, np.int64)
        return cls(*(np.asarray(c, dtype=t) for c, t in zip(cols, dtypes, strict=True)))

    @classmethod
    def concat(cls, parts: list[_Rows]) -> _Rows:
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in cls.__dataclass_fields__))

    def __len__(self) -> int:
        return len(self.day)


@dataclass
class _Net:
    rng: random.Random
    seed: int
    # Companies in creation order: runs of single companies (lists) and bulk blocks.
    segments: list[list[Company] | _Bulk] = field(default_factory=list)
    rows: list[tuple[int, ...]] = field(default_factory=list)
    n: int = 0
    _materialised: dict[int, Company] = field(default_factory=dict)

    def company(self, kind: str, country: str, address: str = "") -> Company:
        self.n += 1
        word = "".join(self.rng.choice(_SYL) for _ in range(2)).capitalize()
        trade = self.rng.choice(_TRADES)
        name = f"{word} {trade} {_FORMS.get(country, 'Ltd')} {self.n} (fictional)"
        c = Company(self.n - 1, f"syn:{kind}-{self.n}", name, country, address)
        if not self.segments or isinstance(self.segments[-1], _Bulk):
            self.segments.append([])
        self.segments[-1].append(c)  # type: ignore[union-attr]
        return c

    def bulk(self, g: np.random.Generator, kind: str, count: int,
             countries: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """count companies named by the same rules as company(), drawn with numpy; their idx and country."""
        start, self.n = self.n, self.n + count
        number = pc.cast(pa.array(np.arange(start + 1, start + count + 1)), pa.string())
        country = np.asarray([_COUNTRY[c] for c in countries], np.int8)[g.integers(0, len(countries), count)]
        syl = g.integers(0, len(_SYL), (2, count))
        trade = g.integers(0, len(_TRADES), count)
        word = pc.binary_join_element_wise(_SYL_CAP.take(syl[0]), _SYL_LOW.take(syl[1]), "")
        names = pc.binary_join_element_wise(word, _TRADE_ARR.take(trade), _FORM_ARR.take(country), number,
                                            "(fictional)", " ")
        ids = pc.binary_join_element_wise(f"syn:{kind}-", number, "")
        self.segments.append(_Bulk(start, ids, names, country))
        return np.arange(start, start + count, dtype=np.int32), country

    def get(self, idx: int) -> Company:
        """The company at idx; bulk companies become objects only here, for the few rows planted by hand."""
        idx = int(idx)
        if idx in self._materialised:
            return self._materialised[idx]
        for seg in self.segments:
            if isinstance(seg, _Bulk):
                if seg.start <= idx < seg.start + len(seg.ids):
                    k = idx - seg.start
                    c = Company(idx, seg.ids[k].as_py(), seg.names[k].as_py(), COUNTRIES[seg.countries[k]])
                    self._materialised[idx] = c
                    return c
            elif seg[0].idx <= idx <= seg[-1].idx:
                return seg[idx - seg[0].idx]
        raise IndexError(idx)

    def pick(self, idx: np.ndarray) -> Company:
        return self.get(self.rng.choice(idx))

    def ship(self, seller: Company, buyer: Company, day: int, hs6: str, origin: str,
             price_factor: float = 1.0) -> None:
        price = ALL_CODES[hs6] * self.rng.lognormvariate(0, 0.2) * price_factor
        qty = self.rng.randint(20, 2000)
        weight10 = round(qty * self.rng.uniform(0.5, 30) * 10)
        self.rows.append((day, seller.idx, buyer.idx, _CODE[hs6], _COUNTRY[origin], qty, weight10,
                          round(qty * price * 100)))

    def day(self, lo: int = 0, hi: int = SPAN_DAYS) -> int:
        return self.rng.randint(lo, hi)

    def tables(self) -> tuple[pa.Array, pa.Array, np.ndarray, pa.Array]:
        """ids, names, country index and addresses of every company, in idx order."""
        ids, names, countries, addresses = [], [], [], []
        for seg in self.segments:
            if isinstance(seg, _Bulk):
                ids.append(seg.ids)
                names.append(seg.names)
                countries.append(seg.countries)
                addresses.append(pa.nulls(len(seg.ids), pa.string()).fill_null(""))
            else:
                ids.append(pa.array([c.id for c in seg], pa.string()))
                names.append(pa.array([c.name for c in seg], pa.string()))
                countries.append(np.asarray([_COUNTRY[c.country] for c in seg], np.int8))
                addresses.append(pa.array([c.address for c in seg], pa.string()))
        return (pa.concat_arrays(ids), pa.concat_arrays(names), np.concatenate(countries),
                pa.concat_arrays(addresses))


_SYL_CAP = pa.array([s.capitalize() for s in _SYL])
_SYL_LOW = pa.array(_SYL)
_TRADE_ARR = pa.array(_TRADES)
_FORM_ARR = pa.array([_FORMS.get(c, "Ltd") for c in COUNTRIES])


def _desc(hs6: str) -> str:
    for base, p in PRODUCTS.items():
        if hs6 == base:
            return p["desc"]
        if any(hs6 in p[lvl] for lvl in ("HS4", "HS2", "concordance")):
            return f"goods declared under {hs6[:4]}"
    return f"general goods {hs6[:4]}"


def generate_network(seed: int, out_dir: str | Path, n_shipments: int = 5000, n_colonies: int = 4,  # noqa: PLR0913  the generator's documented knobs, one per `conveyor synth` option
                     n_routes: int = 20, n_hubs: int | None = None, window_days: int = 180, *,
                     hub_share: float | None = None, rows_per_seller: float = ROWS_PER_SELLER,
                     rows_per_buyer: float = ROWS_PER_BUYER, buyer_skew: float = BUYER_SKEW,
                     max_transit: int = 2, resale: float = 0.0) -> dict[str, Path]:
    """Write colonies.csv, shipments.csv and truth.csv into out_dir; returns their paths.

    n_shipments is a target: planted routes and noise come first, background trade fills the rest (so
    the file has exactly n_shipments rows unless the planted rows alone are more).
    Shape: n_hubs hubs (None: about one per 500 shipments, 2 to 6; 0: none) sell hub_share of the
    background rows (default 0.35; must be 0 without hubs); one seller per rows_per_seller rows and one
    buyer per rows_per_buyer rows (smaller: many small traders); buyer popularity 1 / (k + 1) ** buyer_skew
    (0: uniform); planted routes pass through 1..max_transit transit companies (1 to 4). resale: the share
    of planted routes whose buyer sells the goods on inside its own country afterwards (distribution, as
    importers do; not part of the route): realistic noise for how far a search should walk."""
    if not 1 <= max_transit <= MAX_TRANSIT:
        raise SettingError(f"max_transit must be 1..{MAX_TRANSIT}, not {max_transit}")
    if n_hubs is not None and n_hubs < 0:
        raise SettingError(f"n_hubs must be >= 0, not {n_hubs}")
    # Hubs are few and large at every size: about one per 500 shipments, at most 6.
    n_hubs = max(2, min(6, n_shipments // 500)) if n_hubs is None else n_hubs
    if hub_share is None:
        hub_share = HUB_SHARE if n_hubs else 0.0
    if not 0.0 <= hub_share <= 1.0 or (hub_share > 0 and not n_hubs):
        raise SettingError(f"hub_share must be in [0, 1] and 0 without hubs, not {hub_share} with {n_hubs} hubs")
    if not 0.0 <= resale <= 1.0:
        raise SettingError(f"resale must be in [0, 1], not {resale}")
    if rows_per_seller <= 0 or rows_per_buyer <= 0 or buyer_skew < 0:
        raise SettingError("rows_per_seller and rows_per_buyer must be > 0, buyer_skew >= 0")
    rng = random.Random(seed)
    g = np.random.default_rng(seed)
    net = _Net(rng, seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    colonies, producers = [], []
    for i in range(1, n_colonies + 1):
        base = list(PRODUCTS)[(i - 1 + seed) % len(PRODUCTS)]
        producer = net.company("producer", HOME, f"{i} Prison Road, Synthetic Town (fictional)")
        producers.append((f"SYN-COLONY-{i}", producer, base))
        colonies.append({
            "colony_id": f"SYN-COLONY-{i}", "name": f"Synthetic Colony {i} (fictional)", "name_local": "",
            "city": "", "region": "", "country": HOME, "operator_enterprise": producer.name,
            "operator_id": producer.id, "products": PRODUCTS[base]["desc"], "hs_codes": base[:4],
            "source_url": "synthetic://conveyor", "source_title": "Conveyor synthetic network: not a real facility",
            "source_date": "2026-01-01", "synthetic": "true",
        })
    hubs = [net.company("hub", rng.choice(TRANSIT + TARGETS)) for _ in range(n_hubs)]
    # Background buyers are many and small; their popularity is heavy-tailed (Zipf-like weights).
    buyers, buyer_country = net.bulk(g, "buyer", max(50, int(n_shipments / rows_per_buyer)),
                                     TARGETS + OTHER + TRANSIT)
    sellers, _ = net.bulk(g, "seller", max(20, int(n_shipments / rows_per_seller)),
                          TARGETS + OTHER + TRANSIT + (HOME,))
    targets = np.isin(buyer_country, [_COUNTRY[c] for c in TARGETS])
    net_buyers = {
        "route": buyers[10:][targets[10:]],  # never the few biggest buyers
        "abroad": buyers[buyer_country != _COUNTRY[HOME]],
        "target": buyers[targets],
    }
    truth = []
    dealers_by_colony: dict[str, list[Company]] = {}
    for r in range(1, n_routes + 1):
        colony_id, producer, base = producers[(r - 1) % len(producers)]
        truth.append(_plant_route(net, r, colony_id, producer, base, net_buyers["route"], dealers_by_colony,
                                  window_days, max_transit, resale))
    for _colony_id, producer, base in producers:
        _plant_noise(net, producer, base, hubs, net_buyers, window_days)
    for _ in range(max(3, n_routes // 3)):  # relabeling chains from producers that are not colonies
        fake = net.company("maker", HOME)
        base = rng.choice(list(PRODUCTS))
        _chain(net, [fake, net.company("dealer", HOME), net.company("transit", rng.choice(TRANSIT)),
                     net.pick(net_buyers["route"])], base, window_days)
        for hub in rng.sample(hubs, min(2, len(hubs))):
            net.ship(fake, hub, net.day(), base, HOME)
    ids, names, country_of, addresses = net.tables()
    hub_idx = np.asarray([h.idx for h in hubs], np.int32)
    # Non-hub rows come from the sellers and the two biggest hubs, which also trade like ordinary firms.
    pool = np.concatenate([sellers, hub_idx[:2]])
    weights = 1.0 / np.arange(1, len(buyers) + 1, dtype=np.float64) ** buyer_skew
    background = _background(g, max(0, n_shipments - len(net.rows)), hub_idx, hub_share, pool, buyers,
                             np.cumsum(weights), country_of)
    rows = _Rows.concat([_Rows.of(net.rows), background])
    del background
    paths = {"colonies": out / "colonies.csv", "shipments": out / "shipments.csv", "truth": out / "truth.csv"}
    _write(paths["colonies"], COLONY_COLUMNS, colonies)
    _write_shipments(paths["shipments"], seed, rows, ids, names, country_of, addresses)
    _write(paths["truth"], TRUTH_COLUMNS, truth)
    return paths


def _background(g: np.random.Generator, n: int, hubs: np.ndarray, hub_share: float, pool: np.ndarray,
                buyers: np.ndarray, buyer_cum: np.ndarray, country_of: np.ndarray) -> _Rows:
    """n background rows: hubs trade with everyone in every chapter; the rest are sellers' own goods."""
    prices = np.asarray([ALL_CODES[c] for c in CODES])
    hub_origins = np.asarray([_COUNTRY[c] for c in TRANSIT + OTHER], np.int8)
    parts = []
    for done in range(0, n, _DRAW_ROWS):
        m = min(_DRAW_ROWS, n - done)
        from_hub = g.random(m) < hub_share
        seller = pool[g.integers(0, len(pool), m)]
        if len(hubs):
            seller = np.where(from_hub, hubs[g.integers(0, len(hubs), m)], seller)
        # Same draw as random.choices(buyers, cum_weights=...): bisect_right on the cumulative weights.
        pick = np.searchsorted(buyer_cum, g.random(m) * buyer_cum[-1], side="right")
        buyer = buyers[np.minimum(pick, len(buyers) - 1)]
        origin = np.where(from_hub, hub_origins[g.integers(0, len(hub_origins), m)], country_of[seller])
        code = g.integers(0, len(CODES), m, dtype=np.int8)
        qty = g.integers(20, 2001, m, dtype=np.int16)
        price = prices[code] * np.exp(0.2 * g.standard_normal(m))  # lognormvariate(0, 0.2)
        parts.append(_Rows(
            day=g.integers(0, SPAN_DAYS + 1, m, dtype=np.int16), seller=seller.astype(np.int32),
            buyer=buyer.astype(np.int32), code=code, origin=origin.astype(np.int8), qty=qty,
            weight10=np.rint(qty * g.uniform(0.5, 30, m) * 10).astype(np.int32),
            cents=np.rint(qty * price * 100).astype(np.int64)))
    return _Rows.concat(parts) if parts else _Rows.of([])


def _plant_route(net: _Net, r: int, colony_id: str, producer: Company, base: str, route_buyers: np.ndarray,  # noqa: C901, PLR0913  one planted route, step by step as the docstring tells
                 dealers_by_colony: dict[str, list[Company]], window_days: int, max_transit: int,
                 resale: float = 0.0) -> dict:
    rng = net.rng
    signals = []
    known = dealers_by_colony.setdefault(colony_id, [])
    # A triangle dealer sold to the final buyer directly before: it carries no other route, or that
    # earlier direct trade could join another route's colony purchase into an unplanted route.
    triangle = rng.random() < 0.3
    if known and not triangle and rng.random() < 0.3:  # a few dealers carry several routes
        dealer = rng.choice(known)
    else:
        dealer = net.company("dealer", HOME, f"{r} Market St, Minsk (fictional)")
        if not triangle:
            known.append(dealer)
    # One transit twice as often as each longer chain: max_transit=2 draws from (1, 1, 2) as always.
    n_transit = rng.choice((1, *range(1, max_transit + 1)))
    transits = [net.company("transit", rng.choice(TRANSIT)) for _ in range(n_transit)]
    if rng.random() < 0.3:
        transits[0].address = dealer.address
        signals.append("shared_address")
    final = net.pick(route_buyers)
    while final.id in {t.id for t in transits}:
        final = net.pick(route_buyers)
    path = [producer, dealer, *transits, final]
    # Goods: the colony code, switched at one or two hops (never in the first, the colony's own sale).
    codes = [base, base]
    p = PRODUCTS[base]
    for _ in path[2:]:
        level = rng.choice(("HS4", "HS2", "concordance", None))
        if level is None or (level != "HS4" and codes[-1] != base):
            codes.append(codes[-1])
        else:
            codes.append(rng.choice(p[level]))
            signals.append(f"code_switch:{level}@{len(codes) - 1}")
    codes = codes[1:]
    # Room for every gap: longer chains start earlier so that they end inside the four years.
    gaps = len(path) - 2
    t0 = net.day(460, max(460, SPAN_DAYS - max(3, gaps) * window_days - 40))
    days = [t0]
    for k in range(1, len(path) - 1):
        quick = rng.random() < 0.3
        gap = rng.randint(3, 30) if quick else rng.randint(31, window_days - 20)
        if quick:
            signals.append(f"quick_reexport@{k + 1}")
        days.append(days[-1] + gap)
    origin = HOME
    for k, (seller, buyer) in enumerate(zip(path, path[1:], strict=False)):
        if seller in transits and origin == HOME:
            origin = seller.country
            signals.append(f"origin:{HOME}->{origin}")
        factor = 1.0
        if k == len(path) - 2 and rng.random() < 0.2:
            factor = rng.choice((0.1, 8.0))
            signals.append("unit_value_outlier")
        net.ship(seller, buyer, days[k], codes[k], origin, factor)
        for _ in range(rng.randint(0, 2)):  # repeat business on the same hop, a little later
            net.ship(seller, buyer, days[k] + rng.randint(1, 20), codes[k], origin)
    # Drawn only when asked for, so networks without resale keep their bytes for a seed.
    if resale and rng.random() < resale:  # the buyer distributes in its own country, goods unchanged
        for _ in range(rng.randint(1, 3)):
            net.ship(final, net.company("retailer", final.country), days[-1] + rng.randint(5, 90), codes[-1],
                     origin)
    if triangle:  # rerouting triangle: the dealer sold to the buyer directly, before
        for _ in range(rng.randint(1, 3)):
            net.ship(dealer, final, t0 - rng.randint(250, 450), base, HOME)
        signals.append("triangle")
    return {"route_id": f"R{r}", "colony_id": colony_id, "companies": ";".join(c.id for c in path),
            "final_country": final.country, "hops": len(path) - 1, "signals": ";".join(signals)}


def _chain(net: _Net, path: list[Company], base: str, window_days: int) -> None:
    day = net.day(0, SPAN_DAYS - 3 * window_days)
    origin = HOME
    code = base
    for seller, buyer in zip(path, path[1:], strict=False):
        if seller.country != HOME:
            origin, code = seller.country, PRODUCTS[base]["HS4"][0]
        net.ship(seller, buyer, day, code, origin)
        day += net.rng.randint(5, window_days - 20)


def _plant_noise(net: _Net, producer: Company, base: str, hubs: list[Company], buyers: dict[str, np.ndarray],
                 window_days: int) -> None:
    rng = net.rng
    abroad = buyers["abroad"]
    for _ in range(3):
        # Onward sale in an unrelated chapter.
        d = net.company("dealer", HOME)
        t = net.day(0, SPAN_DAYS - 200)
        net.ship(producer, d, t, base, HOME)
        unrelated = [c for c in UNRELATED if c[:2] != base[:2] and {c[:2], base[:2]} not in RELATED]
        net.ship(d, net.pick(abroad), t + rng.randint(5, 90), rng.choice(unrelated), HOME)
        # Onward sale before the colony purchase (wrong time order).
        d = net.company("dealer", HOME)
        t = net.day(200, SPAN_DAYS)
        net.ship(producer, d, t, base, HOME)
        net.ship(d, net.company("transit", rng.choice(TRANSIT)), t - rng.randint(5, 150),
                 PRODUCTS[base]["HS4"][0], HOME)
        # Onward sale far outside the window.
        d = net.company("dealer", HOME)
        t = net.day(0, SPAN_DAYS - 2 * window_days - 200)
        net.ship(producer, d, t, base, HOME)
        net.ship(d, net.pick(abroad), t + window_days + rng.randint(60, 200), base, "KZ")
        # Domestic-only chain.
        a, b = net.company("dealer", HOME), net.company("buyer", HOME)
        t = net.day(0, SPAN_DAYS - 100)
        net.ship(producer, a, t, base, HOME)
        net.ship(a, b, t + rng.randint(5, 60), PRODUCTS[base]["HS4"][0], HOME)
        # Honest export: declared BY origin, same code, no transit, no quick turnaround.
        w = net.company("wholesaler", HOME)
        t = net.day(0, SPAN_DAYS - 200)
        net.ship(producer, w, t, base, HOME)
        net.ship(w, net.pick(buyers["target"]), t + rng.randint(40, window_days - 20), base, HOME)
    for hub in hubs:  # hubs buy colony goods and sell the same goods everywhere
        for _ in range(2):
            net.ship(producer, hub, net.day(0, SPAN_DAYS - 100), base, HOME)
        for _ in range(5):
            net.ship(hub, net.pick(abroad), net.day(), PRODUCTS[base]["HS4"][0], hub.country)


def _csv_field(values: pa.Array) -> pa.Array:
    """Quote as csv.writer does (QUOTE_MINIMAL): only values holding a comma, quote or line break."""
    needs = pc.match_substring_regex(values, '[,"\r\n]')
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(values, '"', '""'), '"', "")
    return pc.if_else(needs, quoted, values)


def _write_shipments(path: Path, seed: int, rows: _Rows, ids: pa.Array, names: pa.Array, country_of: np.ndarray,
                     addresses: pa.Array) -> None:
    """Sort by (date, exporter_id, importer_id) and write shipments.csv block by block.

    Same bytes as csv.DictWriter would write (CRLF, minimal quoting, floats as repr of the rounded value),
    but every field is a lookup into a small table or an integer formatted by arrow, so no row is ever a
    Python object."""
    # Ids sort as strings ("syn:buyer-10" < "syn:buyer-9"): rank them once, then sort rows on integers.
    rank = np.empty(len(ids), np.int32)
    rank[pc.sort_indices(ids).to_numpy()] = np.arange(len(ids), dtype=np.int32)
    order = np.lexsort((rank[rows.buyer], rank[rows.seller], rows.day))  # stable: planted rows first on ties
    del rank
    ids, names, addresses = _csv_field(ids), _csv_field(names), _csv_field(addresses)
    countries = pa.array(COUNTRIES)
    dates = pa.array([(START + dt.timedelta(days=d)).isoformat() for d in range(int(rows.day.max(initial=0)) + 1)])
    hs = pa.array([f"{c[:4]}.{c[4:6]}" for c in CODES])
    desc = _csv_field(pa.array([_desc(c) for c in CODES]))
    tenths = pa.array([f".{d}" for d in range(10)])
    # repr(round(x, 2)) drops trailing zeros but keeps one decimal: 12.0, 12.5, 12.05.
    hundredths = pa.array([".0" if k == 0 else f".{k // 10}" if k % 10 == 0 else f".{k:02d}" for k in range(100)])
    tmp = path.with_suffix(".csv.tmp")
    with open(tmp, "wb") as fh:
        fh.write((",".join(SHIPMENT_COLUMNS) + "\r\n").encode())
        for start in range(0, len(order), BLOCK_ROWS):
            idx = order[start:start + BLOCK_ROWS]
            seller, buyer, code = rows.seller[idx], rows.buyer[idx], rows.code[idx]
            weight10, cents = rows.weight10[idx], rows.cents[idx]
            number = pc.cast(pa.array(np.arange(start + 1, start + len(idx) + 1)), pa.string())
            line = pc.binary_join_element_wise(
                pc.binary_join_element_wise(f"SYN{seed}-", pc.utf8_lpad(number, 7, "0"), ""),
                dates.take(rows.day[idx]),
                names.take(seller), countries.take(country_of[seller]), ids.take(seller), addresses.take(seller),
                names.take(buyer), countries.take(country_of[buyer]), ids.take(buyer), addresses.take(buyer),
                hs.take(code), desc.take(code), pc.cast(pa.array(rows.qty[idx]), pa.string()), "pcs",
                pc.binary_join_element_wise(pc.cast(pa.array(weight10 // 10), pa.string()),
                                            tenths.take(weight10 % 10), ""),
                pc.binary_join_element_wise(pc.cast(pa.array(cents // 100), pa.string()),
                                            hundredths.take(cents % 100), ""),
                "EUR", countries.take(rows.origin[idx]), "", "", "true\r\n", ",")
            # The joined lines lie back to back in one buffer: write it as it is.
            offsets = np.frombuffer(line.buffers()[1], np.int32, len(line) + 1, line.offset * 4)
            fh.write(memoryview(line.buffers()[2])[offsets[0]:offsets[-1]])
    tmp.replace(path)


def _write(path: Path, columns: tuple[str, ...], rows: list[dict]) -> None:
    tmp = path.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)


def read_truth(path: str | Path) -> list[dict]:
    """The planted routes: colony id and the ordered company ids."""
    with open(path, newline="", encoding="utf-8") as fh:
        return [{**row, "companies": row["companies"].split(";"), "hops": int(row["hops"])}
                for row in csv.DictReader(fh)]
