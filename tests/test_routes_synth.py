"""The route engine against synthetic networks with planted routes (every company fictional).

A reported route matches a planted one when it has the same colony and the same ordered company ids
(truth.csv); every other reported route is a false positive. Seeds here were not used to tune the engine."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import random
from pathlib import Path

import pytest
from conveyor.graph.evidence import EvidenceStore, evidence_location
from conveyor.graph.store import open_store
from conveyor.loaders.synthetic import generate_network, read_truth
from conveyor.queries.routes import RouteSettings, find_routes

SEEDS = (11, 29)


def _load(run_cli, tmp_path: Path, seed: int, **kw) -> dict[str, Path]:
    paths = generate_network(seed, tmp_path / f"net{seed}", **kw)
    run_cli("load", "colonies", str(paths["colonies"]))
    run_cli("load", "trade", str(paths["shipments"]))
    return paths


def _found(routes) -> set[tuple[str, tuple[str, ...]]]:
    """Relabeled routes only: direct exports of colony goods are findings of another kind."""
    return {(r["colony"], (r["hops"][0]["seller"], *(h["buyer"] for h in r["hops"]))) for r in routes
            if r["kind"] == "relabeled route"}


@pytest.mark.parametrize("seed", SEEDS)
def test_planted_routes_found_noise_not_reported(run_cli, tmp_path, seed):
    paths = _load(run_cli, tmp_path, seed, n_shipments=1000, n_routes=10, n_colonies=3)
    truth = read_truth(paths["truth"])
    planted = {(t["colony_id"], tuple(t["companies"])) for t in truth}
    result = run_cli("routes", "--format", "json")
    routes = json.loads(result.stdout)
    found = _found(routes)
    recall = len(found & planted) / len(planted)
    precision = len(found & planted) / len(found)
    assert recall >= 0.95 and precision >= 0.90, (recall, precision, found ^ planted)
    # Noise companies (other dealers, wholesalers, hubs, makers that are not colonies) are never on a route.
    on_routes = {c for _, companies in found for c in companies}
    assert not {c for c in on_routes if c.startswith(("syn:hub", "syn:wholesaler", "syn:maker"))}
    # Every hop's evidence is a real row of the shipments file, with the same facts.
    with open(paths["shipments"], newline="", encoding="utf-8") as fh:
        rows = {n: r for n, r in enumerate(csv.DictReader(fh), start=2)}
    for route in routes:
        for hop in route["hops"]:
            row = rows[hop["source_row"]]
            assert hop["source_file"] == "shipments.csv"
            assert row["shipment_id"] == hop["shipment_id"]
            assert (row["exporter_id"], row["importer_id"]) == (hop["seller"], hop["buyer"])
            assert row["date"] == hop["date"]
            assert row["hs_code"].replace(".", "") == hop["hs_code"]


def test_generator_is_deterministic_and_fictional(tmp_path):
    a = generate_network(5, tmp_path / "a", n_shipments=800, n_routes=6)
    b = generate_network(5, tmp_path / "b", n_shipments=800, n_routes=6)
    for name in a:
        assert a[name].read_bytes() == b[name].read_bytes()
    with open(a["shipments"], newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            assert row["synthetic"] == "true"
            assert row["exporter_name"].endswith("(fictional)") and row["importer_name"].endswith("(fictional)")
    with open(a["colonies"], newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            assert row["name"].startswith("Synthetic Colony") and row["source_url"] == "synthetic://conveyor"


def test_limits_reported_when_they_cut(run_cli, tmp_path):
    paths = _load(run_cli, tmp_path, 41, n_shipments=1000, n_routes=10, n_colonies=3)
    truth = read_truth(paths["truth"])
    longest = max(t["hops"] for t in truth)
    cut = run_cli("routes", "--max-hops", str(longest - 1), "--format", "json")
    assert f"limit: max_hops={longest - 1}" in cut.stderr
    few = run_cli("routes", "--max-routes", "2", "--format", "json")
    assert len(json.loads(few.stdout)) == 2
    assert "limit: max_routes=2" in few.stderr
    full = run_cli("routes", "--format", "json")
    assert "limit: supernode" in full.stderr  # hubs bought colony goods: the cut is reported
    assert "max_hops" not in full.stderr and "max_routes" not in full.stderr


def test_find_routes_on_store_with_flags(run_cli, tmp_path):
    paths = _load(run_cli, tmp_path, 53, n_shipments=1000, n_routes=10, n_colonies=3)
    truth = {(t["colony_id"], tuple(t["companies"])): t for t in read_truth(paths["truth"])}
    with open_store(str(run_cli.db)) as store:
        search = find_routes(store, EvidenceStore(evidence_location(store.location)), RouteSettings())
        loose = find_routes(store, EvidenceStore(evidence_location(store.location)),
                            RouteSettings(min_score=0.0, maximal_only=False))
    assert search.colonies_searched == 3 and search.shipments_considered == 1000
    assert len(loose.routes) > len(search.routes)  # the knob trades recall for precision
    matched = [r for r in search.routes if (r.colony, tuple(r.companies)) in truth]
    assert matched
    for route in matched:
        signals = truth[(route.colony, tuple(route.companies))]["signals"]
        text = " ".join(route.reasons)
        if "shared_address" in signals:
            assert "shares address" in text
        if "triangle" in signals:
            assert "rerouting triangle" in text
        if "origin:" in signals:
            assert "declared origin changed" in text
        assert all(h.evidence and h.shipment in h.evidence or h.evidence for h in route.hops)


# --- A second, independent generator ------------------------------------------------------------------
# Written apart from loaders/synthetic.py so the engine is not only checked against the generator it was
# tuned on: a customs-declaration layout loaded through a mapping (other column names, dd.mm.yyyy dates,
# 8- and 10-digit commodity codes, no company ids: companies are known by name and country), value noise,
# hub traders, and decoys that are not relabeled routes. Every company is fictional and named so.

_STEMS = ("Aster", "Boreal", "Cobalt", "Dunmore", "Elbrus", "Fjord", "Granit", "Helio", "Ister", "Jantar",
          "Kestrel", "Lumen", "Moravia", "Nimbus", "Orbis", "Pallas", "Quarta", "Rhodon", "Sarmat", "Tavria")
_FORMS = {"BY": "OOO", "KZ": "TOO", "AM": "LLC", "AE": "FZCO", "TR": "A.S.", "GE": "LLC", "UZ": "MChJ",
          "RS": "d.o.o.", "CN": "Co. Ltd", "DE": "GmbH", "PL": "Sp. z o.o.", "LT": "UAB", "NL": "B.V.",
          "IT": "S.p.A.", "CZ": "a.s.", "SE": "AB", "FI": "Oy", "ES": "S.L."}
_TRANSIT = ("KZ", "AM", "AE", "TR", "GE", "UZ", "RS")
_EU = ("DE", "PL", "LT", "NL", "IT", "CZ", "SE", "FI", "ES")
# Per colony: its heading, the codes it ships (10 and 8 digits) and what they get re-declared as.
_GOODS = (
    {"heading": "9403", "price": 160.0, "base": ("9403601000", "94036090"), "switch": ("94039010", "9403909000",
                                                                                          "94016100", "44219999")},
    {"heading": "6110", "price": 8.0, "base": ("6110209100", "61102099"), "switch": ("61103099", "61091000",
                                                                                        "6205200000")},
    {"heading": "8708", "price": 35.0, "base": ("8708999799", "87089997"), "switch": ("87082990", "87169090",
                                                                                         "84099900")},
)
_OTHER_CODES = ("39011010", "2710194300", "30049000", "85171300", "10019900")
_DAY0 = dt.date(2020, 3, 1)
_COLUMNS = ("Declaration No", "Acceptance Date", "Consignor Name", "Consignor Country", "Consignee Name",
            "Consignee Country", "Commodity Code", "Goods Description", "Net Mass", "Supplementary Units",
            "Statistical Value", "Country of Origin", "Fictional")
_MAPPING = """columns:
  shipment_id: "Declaration No"
  date: "Acceptance Date"
  exporter_name: "Consignor Name"
  exporter_country: "Consignor Country"
  importer_name: "Consignee Name"
  importer_country: "Consignee Country"
  hs_code: "Commodity Code"
  description: "Goods Description"
  weight_kg: "Net Mass"
  quantity: "Supplementary Units"
  value: "Statistical Value"
  origin_country: "Country of Origin"
  synthetic: "Fictional"
date_formats: ["%d.%m.%Y"]
"""


class _Foreign:
    """The independent network: rows, and the planted routes as (colony id, company names)."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.rows: list[dict] = []
        self.country: dict[str, str] = {}
        self.truth: set[tuple[str, tuple[str, ...]]] = set()

    def firm(self, country: str, what: str = "Trading") -> str:
        n = len(self.country) + 1
        name = f"{self.rng.choice(_STEMS)} {what} {_FORMS[country]} {n:04d} (fictional)"
        self.country[name] = country
        return name

    def ship(self, seller: str, buyer: str, day: int, code: str, origin: str, price: float) -> None:
        qty = self.rng.randint(10, 3000)
        value = qty * price * self.rng.lognormvariate(0, 0.35)  # declared values are noisy
        self.rows.append({
            "Declaration No": f"MRD/{len(self.rows) + 1:06d}",
            "Acceptance Date": (_DAY0 + dt.timedelta(days=day)).strftime("%d.%m.%Y"),
            "Consignor Name": seller, "Consignor Country": self.country[seller], "Consignee Name": buyer,
            "Consignee Country": self.country[buyer], "Commodity Code": code, "Goods Description": f"goods {code[:4]}",
            "Net Mass": f"{qty * self.rng.uniform(0.3, 20):.1f}", "Supplementary Units": str(qty),
            "Statistical Value": f"{value:.2f}", "Country of Origin": origin, "Fictional": "true"})


def _foreign_network(seed: int, folder: Path, n_routes: int = 24, background: int = 2500) -> _Foreign:
    net = _Foreign(seed)
    rng = net.rng
    colonies, producers = [], []
    for k, goods in enumerate(_GOODS, start=1):
        producer = net.firm("BY", f"Correctional Works No {k}")
        producers.append((f"MRD-COL-{k}", producer, goods))
        colonies.append({"colony_id": f"MRD-COL-{k}", "name": f"Fictional Test Colony {k}", "country": "BY",
                         "operator_enterprise": producer, "hs_codes": goods["heading"],
                         "source_url": "synthetic://tests/meridian", "synthetic": "true"})
    importers = [net.firm(rng.choice(_EU), "Import") for _ in range(40)]
    hubs = [net.firm(c, "Global Forwarding") for c in ("AE", "TR", "NL")]
    for r in range(n_routes):
        colony, producer, goods = producers[r % len(producers)]
        price = goods["price"]
        middle = [net.firm("BY", "Dealer")] if rng.random() < 0.75 else []
        middle += [net.firm(rng.choice(_TRANSIT)) for _ in range(rng.randint(1, 4))]
        final = rng.choice(importers)
        path = [producer, *middle, final]
        relabel_origin = rng.random() < 0.7
        switch_at = rng.randrange(1, len(path) - 1) if rng.random() < 0.5 or not relabel_origin else None
        day = rng.randint(0, 1500 - 6 * 150)
        code, origin = rng.choice(goods["base"]), "BY"
        received = day
        for i, (seller, buyer) in enumerate(itertools.pairwise(path)):
            if net.country[seller] != "BY" and relabel_origin and (origin == "BY" or rng.random() < 0.3):
                origin = net.country[seller]
            if i == switch_at:
                code = rng.choice(goods["switch"])
            if net.country[seller] not in ("BY",) and i > 0 and rng.random() < 0.5:
                # the same company traded these goods with others, but before the colony goods arrived
                net.ship(seller, rng.choice(importers), received - rng.randint(20, 300), code, origin, price)
            net.ship(seller, buyer, day, code, origin, price)
            for _ in range(rng.randint(0, 2)):  # repeat business on the hop
                net.ship(seller, buyer, day + rng.randint(1, 25), code, origin, price)
            received, day = day, day + rng.randint(2, 150)
        if rng.random() < 0.4:  # the importer distributes in its own country, goods unchanged
            for _ in range(rng.randint(1, 2)):
                net.ship(final, net.firm(net.country[final], "Retail"), day + rng.randint(5, 60), code, origin,
                         price)
        net.truth.add((colony, tuple(path)))
    for _colony, producer, goods in producers:
        price, base = goods["price"], goods["base"][0]
        for _ in range(2):
            # honest re-export, origin kept: dealer -> EU importer -> another EU buyer, same code, BY origin
            dealer, first = net.firm("BY", "Dealer"), net.firm("PL", "Import")
            t = rng.randint(0, 1200)
            net.ship(producer, dealer, t, base, "BY", price)
            net.ship(dealer, first, t + rng.randint(5, 60), base, "BY", price)
            net.ship(first, net.firm("DE", "Handel"), t + rng.randint(70, 120), base, "BY", price)
            # a direct export of colony goods, honestly declared
            net.ship(producer, rng.choice(importers), rng.randint(0, 1400), base, "BY", price)
            # onward relabeled trade that happened before the colony goods reached the dealer
            dealer, transit = net.firm("BY", "Dealer"), net.firm(rng.choice(_TRANSIT))
            t = rng.randint(400, 1400)
            net.ship(producer, dealer, t, base, "BY", price)
            net.ship(dealer, transit, t - rng.randint(10, 200), base, "BY", price)
            net.ship(transit, rng.choice(importers), t + rng.randint(5, 40), goods["switch"][0],
                     net.country[transit], price)
            # onward relabeled trade far outside any window
            dealer, transit = net.firm("BY", "Dealer"), net.firm(rng.choice(_TRANSIT))
            t = rng.randint(0, 700)
            net.ship(producer, dealer, t, base, "BY", price)
            net.ship(dealer, transit, t + rng.randint(300, 500), base, "BY", price)
            net.ship(transit, rng.choice(importers), t + rng.randint(520, 600), goods["switch"][0],
                     net.country[transit], price)
            # goods of another chapter sold on, relabeled
            dealer, transit = net.firm("BY", "Dealer"), net.firm(rng.choice(_TRANSIT))
            t = rng.randint(0, 1200)
            net.ship(producer, dealer, t, base, "BY", price)
            net.ship(dealer, transit, t + rng.randint(5, 60), rng.choice(_OTHER_CODES), "BY", 5.0)
            net.ship(transit, rng.choice(importers), t + rng.randint(70, 120), rng.choice(_OTHER_CODES),
                     net.country[transit], 5.0)
            # the producer sells to a hub (which trades with everyone), and a domestic-only chain
            net.ship(producer, rng.choice(hubs), rng.randint(0, 1400), base, "BY", price)
            dealer = net.firm("BY", "Dealer")
            t = rng.randint(0, 1300)
            net.ship(producer, dealer, t, base, "BY", price)
            net.ship(dealer, net.firm("BY", "Retail"), t + rng.randint(5, 60), base, "BY", price)
        # a relabeling chain from a maker that is not a colony
        maker, dealer, transit = net.firm("BY", "Furniture Factory"), net.firm("BY", "Dealer"), net.firm("KZ")
        t = rng.randint(0, 1200)
        net.ship(maker, dealer, t, base, "BY", price)
        net.ship(dealer, transit, t + 20, base, "BY", price)
        net.ship(transit, rng.choice(importers), t + 50, goods["switch"][0], "KZ", price)
    # Unrelated trade in the same codes and in others, with hubs trading with everyone.
    traders = [net.firm(rng.choice((*_EU, *_TRANSIT, "CN", "BY"))) for _ in range(150)]
    customers = [net.firm(rng.choice((*_EU, *_TRANSIT, "CN"))) for _ in range(250)]
    codes = [c for g in _GOODS for c in (*g["base"], *g["switch"])] + list(_OTHER_CODES)
    for _ in range(background):
        seller = rng.choice(hubs) if rng.random() < 0.3 else rng.choice(traders)
        buyer = rng.choice(customers + importers)
        origin = rng.choice((net.country[seller], "CN", "TR"))
        net.ship(seller, buyer, rng.randint(0, 1500), rng.choice(codes), origin, rng.uniform(2, 200))
    rng.shuffle(net.rows)  # a declarations export is not in route order
    folder.mkdir(parents=True, exist_ok=True)
    for name, columns, rows in (("colonies.csv", list(colonies[0]), colonies),
                                ("declarations.csv", _COLUMNS, net.rows)):
        with open(folder / name, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
    (folder / "mapping.yml").write_text(_MAPPING, encoding="utf-8")
    return net


@pytest.mark.parametrize("seed", (3, 17))
def test_an_independent_network_at_default_settings(run_cli, tmp_path, seed):
    net = _foreign_network(seed, tmp_path / "meridian")
    assert max(len(p) - 1 for _, p in net.truth) == 6  # dealer and four transit traders
    run_cli("load", "colonies", str(tmp_path / "meridian" / "colonies.csv"))
    run_cli("load", "trade", str(tmp_path / "meridian" / "declarations.csv"), "--mapping",
            str(tmp_path / "meridian" / "mapping.yml"))
    reported = json.loads(run_cli("routes", "--format", "json").stdout)
    found = {(r["colony"], (r["hops"][0]["seller_name"], *(h["buyer_name"] for h in r["hops"])))
             for r in reported if r["kind"] == "relabeled route"}
    hit = found & net.truth
    recall, precision = len(hit) / len(net.truth), len(hit) / max(len(found), 1)
    assert recall >= 0.95 and precision >= 0.95, (recall, precision, sorted(found ^ net.truth))


def test_buyers_that_resell_at_home_do_not_lengthen_routes(run_cli, tmp_path):
    """Planted buyers that distribute the goods in their own country (--resale): the route still ends at
    the buyer that brought them in, at the default hop limit."""
    paths = _load(run_cli, tmp_path, 61, n_shipments=1500, n_routes=12, n_colonies=3, max_transit=4, resale=0.6)
    with open(paths["shipments"], newline="", encoding="utf-8") as fh:
        assert any(r["importer_id"].startswith("syn:retailer") for r in csv.DictReader(fh))
    planted = {(t["colony_id"], tuple(t["companies"])) for t in read_truth(paths["truth"])}
    found = _found(json.loads(run_cli("routes", "--format", "json").stdout))
    assert found == planted, found ^ planted
