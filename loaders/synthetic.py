"""A synthetic trade network with planted relabeling routes and the truth about them.

Everything written here is fictional and labelled so: every company name ends '(fictional)', colonies
are 'Synthetic Colony N (fictional)' citing 'synthetic://conveyor', every row has synthetic=true.

What the network holds (all deterministic for a seed):
- planted routes: colony producer -> domestic dealer -> 1-2 transit companies -> buyer in the EU, each
  hop within the window, goods continuous through code switches (HS4, HS2 or concordance chapters),
  declared origin switched from BY at a transit, some quick re-exports, shared addresses, unit-value
  outliers and rerouting triangles (the dealer sold to the buyer directly, long before);
- noise that a correct engine must not report: onward sales in unrelated chapters, onward sales before
  the colony purchase (wrong time order) or far outside the window, domestic-only chains, relabeling
  chains from producers that are not colonies, hubs (supernodes) that buy colony goods and sell the
  same goods to everyone, honest exports (declared BY origin, same code, no transit) and a heavy-tailed
  background trade (few large hubs, many small buyers).

truth.csv lists the planted routes by company id (exporter_id / importer_id), in order.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import random
from dataclasses import dataclass, field
from pathlib import Path

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


@dataclass
class Company:
    id: str
    name: str
    country: str
    address: str = ""


@dataclass
class _Net:
    rng: random.Random
    seed: int
    companies: dict[str, Company] = field(default_factory=dict)
    rows: list[dict] = field(default_factory=list)
    n: int = 0

    def company(self, kind: str, country: str, address: str = "") -> Company:
        self.n += 1
        word = "".join(self.rng.choice(_SYL) for _ in range(2)).capitalize()
        trade = self.rng.choice(("Trade", "Import", "Export", "Logistics", "Commerce", "Group", "Holding"))
        name = f"{word} {trade} {_FORMS.get(country, 'Ltd')} {self.n} (fictional)"
        c = Company(f"syn:{kind}-{self.n}", name, country, address)
        self.companies[c.id] = c
        return c

    def ship(self, seller: Company, buyer: Company, day: dt.date, hs6: str, origin: str,
             price_factor: float = 1.0) -> None:
        price = ALL_CODES.get(hs6, 50.0) * self.rng.lognormvariate(0, 0.2) * price_factor
        qty = self.rng.randint(20, 2000)
        self.rows.append({
            "date": day.isoformat(), "exporter_name": seller.name, "exporter_country": seller.country,
            "exporter_id": seller.id, "exporter_address": seller.address, "importer_name": buyer.name,
            "importer_country": buyer.country, "importer_id": buyer.id, "importer_address": buyer.address,
            "hs_code": f"{hs6[:4]}.{hs6[4:6]}", "description": _desc(hs6), "quantity": qty, "unit": "pcs",
            "weight_kg": round(qty * self.rng.uniform(0.5, 30), 1), "value": round(qty * price, 2),
            "currency": "EUR", "origin_country": origin, "port_lading": "", "port_unlading": "",
            "synthetic": "true",
        })

    def day(self, lo: int = 0, hi: int = SPAN_DAYS) -> dt.date:
        return START + dt.timedelta(days=self.rng.randint(lo, hi))


def _desc(hs6: str) -> str:
    for base, p in PRODUCTS.items():
        if hs6 == base:
            return p["desc"]
        if any(hs6 in p[lvl] for lvl in ("HS4", "HS2", "concordance")):
            return f"goods declared under {hs6[:4]}"
    return f"general goods {hs6[:4]}"


def generate_network(seed: int, out_dir: str | Path, n_shipments: int = 5000, n_colonies: int = 4,
                     n_routes: int = 20, n_hubs: int | None = None, window_days: int = 180) -> dict[str, Path]:
    """Write colonies.csv, shipments.csv and truth.csv into out_dir; returns their paths.

    n_shipments is a target: planted routes and noise come first, background trade fills the rest."""
    rng = random.Random(seed)
    net = _Net(rng, seed)
    # Hubs are few and large at every size: about one per 500 shipments, at most 6.
    n_hubs = n_hubs or max(2, min(6, n_shipments // 500))
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
    n_buyers = max(50, n_shipments // 8)
    buyers = [net.company("buyer", rng.choice(TARGETS + OTHER + TRANSIT)) for _ in range(n_buyers)]
    # Cumulative weights once: rng.choices with plain weights re-sums all of them on every draw
    # (O(buyers) per shipment, hours at 1M shipments); the draws are the same either way.
    buyer_weights = list(itertools.accumulate(1.0 / (k + 1) ** 1.1 for k in range(n_buyers)))
    sellers = [net.company("seller", rng.choice(TARGETS + OTHER + TRANSIT + (HOME,)))
               for _ in range(max(20, n_shipments // 40))]
    truth = []
    route_buyers = [b for b in buyers[10:] if b.country in TARGETS]  # never the few biggest buyers
    dealers_by_colony: dict[str, list[Company]] = {}
    for r in range(1, n_routes + 1):
        colony_id, producer, base = producers[(r - 1) % len(producers)]
        truth.append(_plant_route(net, r, colony_id, producer, base, route_buyers, dealers_by_colony,
                                  window_days))
    for _colony_id, producer, base in producers:
        _plant_noise(net, producer, base, hubs, buyers, window_days)
    for _ in range(max(3, n_routes // 3)):  # relabeling chains from producers that are not colonies
        fake = net.company("maker", HOME)
        base = rng.choice(list(PRODUCTS))
        _chain(net, [fake, net.company("dealer", HOME), net.company("transit", rng.choice(TRANSIT)),
                     rng.choice(route_buyers)], base, window_days)
        for hub in rng.sample(hubs, 2):
            net.ship(fake, hub, net.day(), base, HOME)
    while len(net.rows) < n_shipments:
        roll = rng.random()
        if roll < 0.35:  # hubs trade with everyone, in every chapter
            hub = rng.choice(hubs)
            other = rng.choices(buyers, cum_weights=buyer_weights)[0]
            net.ship(hub, other, net.day(), rng.choice(list(ALL_CODES)), rng.choice(TRANSIT + OTHER))
        else:
            seller = rng.choice(sellers + hubs[:2])
            buyer = rng.choices(buyers, cum_weights=buyer_weights)[0]
            net.ship(seller, buyer, net.day(), rng.choice(list(ALL_CODES)), seller.country)
    rows = sorted(net.rows, key=lambda x: (x["date"], x["exporter_id"], x["importer_id"]))
    for i, row in enumerate(rows, start=1):
        row["shipment_id"] = f"SYN{seed}-{i:07d}"
    paths = {"colonies": out / "colonies.csv", "shipments": out / "shipments.csv", "truth": out / "truth.csv"}
    _write(paths["colonies"], COLONY_COLUMNS, colonies)
    _write(paths["shipments"], SHIPMENT_COLUMNS, rows)
    _write(paths["truth"], TRUTH_COLUMNS, truth)
    return paths


def _plant_route(net: _Net, r: int, colony_id: str, producer: Company, base: str, route_buyers: list[Company],
                 dealers_by_colony: dict[str, list[Company]], window_days: int) -> dict:
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
    transits = [net.company("transit", rng.choice(TRANSIT)) for _ in range(rng.choice((1, 1, 2)))]
    if rng.random() < 0.3:
        transits[0].address = dealer.address
        signals.append("shared_address")
    final = rng.choice(route_buyers)
    while final.id in {t.id for t in transits}:
        final = rng.choice(route_buyers)
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
    t0 = net.day(460, SPAN_DAYS - 3 * window_days - 40)
    days = [t0]
    for k in range(1, len(path) - 1):
        quick = rng.random() < 0.3
        gap = rng.randint(3, 30) if quick else rng.randint(31, window_days - 20)
        if quick:
            signals.append(f"quick_reexport@{k + 1}")
        days.append(days[-1] + dt.timedelta(days=gap))
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
            net.ship(seller, buyer, days[k] + dt.timedelta(days=rng.randint(1, 20)), codes[k], origin)
    if triangle:  # rerouting triangle: the dealer sold to the buyer directly, before
        for _ in range(rng.randint(1, 3)):
            net.ship(dealer, final, t0 - dt.timedelta(days=rng.randint(250, 450)), base, HOME)
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
        day += dt.timedelta(days=net.rng.randint(5, window_days - 20))


def _plant_noise(net: _Net, producer: Company, base: str, hubs: list[Company], buyers: list[Company],
                 window_days: int) -> None:
    rng = net.rng
    abroad = [b for b in buyers if b.country != HOME]
    for _ in range(3):
        # Onward sale in an unrelated chapter.
        d = net.company("dealer", HOME)
        t = net.day(0, SPAN_DAYS - 200)
        net.ship(producer, d, t, base, HOME)
        unrelated = [c for c in UNRELATED if c[:2] != base[:2] and {c[:2], base[:2]} not in RELATED]
        net.ship(d, rng.choice(abroad), t + dt.timedelta(days=rng.randint(5, 90)), rng.choice(unrelated), HOME)
        # Onward sale before the colony purchase (wrong time order).
        d = net.company("dealer", HOME)
        t = net.day(200, SPAN_DAYS)
        net.ship(producer, d, t, base, HOME)
        net.ship(d, net.company("transit", rng.choice(TRANSIT)), t - dt.timedelta(days=rng.randint(5, 150)),
                 PRODUCTS[base]["HS4"][0], HOME)
        # Onward sale far outside the window.
        d = net.company("dealer", HOME)
        t = net.day(0, SPAN_DAYS - 2 * window_days - 200)
        net.ship(producer, d, t, base, HOME)
        net.ship(d, rng.choice(abroad), t + dt.timedelta(days=window_days + rng.randint(60, 200)), base, "KZ")
        # Domestic-only chain.
        a, b = net.company("dealer", HOME), net.company("buyer", HOME)
        t = net.day(0, SPAN_DAYS - 100)
        net.ship(producer, a, t, base, HOME)
        net.ship(a, b, t + dt.timedelta(days=rng.randint(5, 60)), PRODUCTS[base]["HS4"][0], HOME)
        # Honest export: declared BY origin, same code, no transit, no quick turnaround.
        w = net.company("wholesaler", HOME)
        t = net.day(0, SPAN_DAYS - 200)
        net.ship(producer, w, t, base, HOME)
        net.ship(w, rng.choice([b for b in buyers if b.country in TARGETS]),
                 t + dt.timedelta(days=rng.randint(40, window_days - 20)), base, HOME)
    for hub in hubs:  # hubs buy colony goods and sell the same goods everywhere
        for _ in range(2):
            net.ship(producer, hub, net.day(0, SPAN_DAYS - 100), base, HOME)
        for _ in range(5):
            net.ship(hub, rng.choice(abroad), net.day(), PRODUCTS[base]["HS4"][0], hub.country)


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
