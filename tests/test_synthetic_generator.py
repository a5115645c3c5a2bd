"""The synthetic network generator (loaders/synthetic.py, `conveyor synth`): every company fictional.

The route engine's tests (test_routes_synth.py) trust truth.csv; these check that truth.csv is true (every
planted route is a chain of real rows in date order within the window, goods continuous) and that the
file is what the loaders expect, at every shape the generator offers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter, defaultdict
from pathlib import Path

import conveyor.loaders.synthetic as synthetic
import pytest
from click.testing import CliRunner
from conveyor.loaders.synthetic import HOME, PRODUCTS, SHIPMENT_COLUMNS, generate_network, read_truth
from conveyor.queries.routes import RouteSettings, Shipment, search_routes

from conveyor.commands.synth import synth

WINDOW = 180


def _rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _net(tmp_path: Path, name: str = "net", seed: int = 3, **kw) -> tuple[dict[str, Path], list[dict]]:
    paths = generate_network(seed, tmp_path / name, **{"n_shipments": 3000, "n_routes": 12, **kw})
    return paths, _rows(paths["shipments"])


def test_same_seed_same_bytes_other_seed_other_network(tmp_path):
    a = generate_network(5, tmp_path / "a", n_shipments=2000, n_routes=8, max_transit=3)
    b = generate_network(5, tmp_path / "b", n_shipments=2000, n_routes=8, max_transit=3)
    c = generate_network(6, tmp_path / "c", n_shipments=2000, n_routes=8, max_transit=3)
    for name in a:
        assert a[name].read_bytes() == b[name].read_bytes(), name
    assert a["shipments"].read_bytes() != c["shipments"].read_bytes()


def test_block_size_does_not_change_the_file(tmp_path, monkeypatch):
    whole = generate_network(8, tmp_path / "whole", n_shipments=2500)
    monkeypatch.setattr(synthetic, "BLOCK_ROWS", 333)  # many blocks, the last one short
    blocks = generate_network(8, tmp_path / "blocks", n_shipments=2500)
    assert whole["shipments"].read_bytes() == blocks["shipments"].read_bytes()


@pytest.mark.parametrize("n", [1000, 2345, 20_000])
def test_exactly_the_rows_asked_for_numbered_in_sort_order(tmp_path, n):
    paths, rows = _net(tmp_path, n_shipments=n)
    assert len(rows) == n
    assert [r["shipment_id"] for r in rows] == [f"SYN3-{i:07d}" for i in range(1, n + 1)]
    keys = [(r["date"], r["exporter_id"], r["importer_id"]) for r in rows]
    assert keys == sorted(keys)


def test_planted_rows_beyond_a_small_target_are_kept(tmp_path):
    # The target is a target: planted routes and noise are never cut to fit it.
    paths, rows = _net(tmp_path, n_shipments=100, n_routes=20)
    assert len(rows) > 100 and len(read_truth(paths["truth"])) == 20


def test_every_company_fictional_every_row_synthetic(tmp_path):
    paths, rows = _net(tmp_path, n_hubs=3, rows_per_seller=3)
    for r in rows:
        assert r["synthetic"] == "true"
        assert r["exporter_name"].endswith("(fictional)") and r["importer_name"].endswith("(fictional)")
        assert r["exporter_id"].startswith("syn:") and r["importer_id"].startswith("syn:")
        assert not r["exporter_address"] or r["exporter_address"].endswith("(fictional)")
    for r in _rows(paths["colonies"]):
        assert r["name"].startswith("Synthetic Colony") and r["name"].endswith("(fictional)")
        assert r["operator_enterprise"].endswith("(fictional)") and r["source_url"] == "synthetic://conveyor"
    # One name per id: the bulk-made companies are named once, like the planted ones.
    names = defaultdict(set)
    for r in rows:
        for side in ("exporter", "importer"):
            names[r[f"{side}_id"]].add((r[f"{side}_name"], r[f"{side}_country"]))
    assert all(len(v) == 1 for v in names.values())


def test_formats_are_what_csv_dictwriter_wrote(tmp_path):
    """Block-written CSV, byte for byte as csv.DictWriter renders the same values (CRLF, minimal quoting,
    floats as repr of the rounded value)."""
    paths, rows = _net(tmp_path)
    for r in rows:
        assert re.fullmatch(r"\d{4}\.\d{2}", r["hs_code"])
        assert dt.date.fromisoformat(r["date"]).isoformat() == r["date"]
        assert repr(round(float(r["value"]), 2)) == r["value"]
        assert repr(round(float(r["weight_kg"]), 1)) == r["weight_kg"]
        assert 20 <= int(r["quantity"]) <= 2000 and r["unit"] == "pcs" and r["currency"] == "EUR"
    assert any("," in r["exporter_address"] for r in rows)  # quoted fields are exercised
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=SHIPMENT_COLUMNS)
    writer.writeheader()
    for r in rows:
        writer.writerow({**r, "quantity": int(r["quantity"]), "value": round(float(r["value"]), 2),
                         "weight_kg": round(float(r["weight_kg"]), 1)})
    assert out.getvalue().encode() == paths["shipments"].read_bytes()


def _check_truth(paths: dict[str, Path], rows: list[dict]) -> list[dict]:
    """Every planted route: rows for each hop, picked in date order with each gap inside the window, the
    colony's goods (its code or a planted relabeling of it), origin switched from BY at the first transit."""
    truth = read_truth(paths["truth"])
    bases = {c["colony_id"]: c["hs_codes"] for c in _rows(paths["colonies"])}
    by_pair = defaultdict(list)
    for r in rows:
        by_pair[(r["exporter_id"], r["importer_id"])].append(r)
    for t in truth:
        base = next(b for b in PRODUCTS if b[:4] == bases[t["colony_id"]])
        goods = {base, *(c for lvl in ("HS4", "HS2", "concordance") for c in PRODUCTS[base][lvl])}
        companies = t["companies"]
        assert t["hops"] == len(companies) - 1 and companies[0].startswith("syn:producer")
        assert companies[1].startswith("syn:dealer") and companies[-1].startswith("syn:buyer")
        assert all(c.startswith("syn:transit") for c in companies[2:-1])
        # Dates each hop can be reached on (a dealer on several routes has several colony purchases).
        reached: set[dt.date] | None = None
        for k, (seller, buyer) in enumerate(zip(companies, companies[1:], strict=False)):
            dates = {dt.date.fromisoformat(r["date"]) for r in by_pair[(seller, buyer)]
                     if r["hs_code"].replace(".", "") in goods and (k > 0 or r["hs_code"].startswith(base[:4]))}
            reached = dates if reached is None else {
                d for d in dates if any(p <= d <= p + dt.timedelta(days=WINDOW) for p in reached)}
            assert reached, (t["route_id"], seller, buyer)
        last = by_pair[(companies[-2], companies[-1])]
        assert any(r["origin_country"] != HOME for r in last), t["route_id"]
    return truth


@pytest.mark.parametrize("max_transit", [1, 2, 4])
def test_truth_routes_are_real_chains_of_rows(tmp_path, max_transit):
    paths, rows = _net(tmp_path, n_routes=30, max_transit=max_transit)
    truth = _check_truth(paths, rows)
    transits = Counter(t["hops"] - 2 for t in truth)
    assert set(transits) <= set(range(1, max_transit + 1))
    assert max(transits) == max_transit and transits[1] > 0


def test_no_hubs(tmp_path):
    paths, rows = _net(tmp_path, n_hubs=0)
    assert len(rows) == 3000
    assert not [r for r in rows if "syn:hub" in (r["exporter_id"] + r["importer_id"])]
    _check_truth(paths, rows)
    with pytest.raises(ValueError, match="hub_share"):
        generate_network(1, tmp_path / "bad", n_shipments=1000, n_hubs=0, hub_share=0.2)


def test_hub_count_and_share(tmp_path):
    _, default = _net(tmp_path, "default")
    _, rows = _net(tmp_path, "hubby", n_shipments=20_000, n_hubs=9, hub_share=0.8)
    hubs = {r["exporter_id"] for r in rows if r["exporter_id"].startswith("syn:hub")}
    assert len(hubs) == 9
    share = sum(r["exporter_id"].startswith("syn:hub") for r in rows) / len(rows)
    default_share = sum(r["exporter_id"].startswith("syn:hub") for r in default) / len(default)
    assert 0.75 < share < 0.85 and 0.30 < default_share < 0.40


def test_many_small_traders(tmp_path):
    _, default = _net(tmp_path, "default", n_shipments=20_000)
    _, small = _net(tmp_path, "small", n_shipments=20_000, rows_per_seller=4, rows_per_buyer=2)

    def sellers(rows):
        return Counter(r["exporter_id"] for r in rows if r["exporter_id"].startswith("syn:seller"))

    def buyers(rows):
        return {r["importer_id"] for r in rows if r["importer_id"].startswith("syn:buyer")}

    assert len(sellers(default)) <= 20_000 // 40 < 5 * 20_000 // 40 < len(sellers(small))
    assert max(sellers(small).values()) < max(sellers(default).values())
    # Four times the buyer pool; the Zipf tail leaves many of them without a purchase at this size.
    assert len(buyers(small)) > 1.5 * len(buyers(default))


def test_buyer_popularity_is_heavy_tailed(tmp_path):
    _, skewed = _net(tmp_path, "skewed", n_shipments=20_000)
    _, flat = _net(tmp_path, "flat", n_shipments=20_000, buyer_skew=0)
    top = Counter(r["importer_id"] for r in skewed).most_common(1)[0][1]
    assert top > 0.1 * len(skewed)  # the biggest buyer takes a large share, as in real trade
    assert Counter(r["importer_id"] for r in flat).most_common(1)[0][1] < 0.01 * len(flat)


def test_cli_passes_the_shape_options(tmp_path):
    out = tmp_path / "cli"
    result = CliRunner().invoke(synth, ["--seed", "4", "--out", str(out), "--shipments", "1500", "--hubs", "0",
                                        "--max-transit", "3", "--routes", "15", "--rows-per-seller", "5"])
    assert result.exit_code == 0, result.output
    rows = _rows(out / "shipments.csv")
    assert len(rows) == 1500 and not any(r["exporter_id"].startswith("syn:hub") for r in rows)
    assert max(t["hops"] for t in _check_truth({"truth": out / "truth.csv", "colonies": out / "colonies.csv"},
                                               rows)) == 5
    bad = CliRunner().invoke(synth, ["--out", str(tmp_path / "bad"), "--hubs", "0", "--hub-share", "0.3"])
    assert bad.exit_code != 0 and "--hub-share" in bad.output
    assert CliRunner().invoke(synth, ["--out", str(tmp_path / "bad"), "--max-transit", "5"]).exit_code != 0


def test_route_engine_finds_four_transit_routes(tmp_path):
    """Dealer plus four transit traders is six hops: the engine finds them all when allowed six hops."""
    paths, rows = _net(tmp_path, n_shipments=2000, n_routes=12, n_colonies=3, max_transit=4)
    shipments = [Shipment(id=r["shipment_id"], seller=r["exporter_id"], buyer=r["importer_id"], date=r["date"],
                          hs_code=r["hs_code"].replace(".", ""), origin=r["origin_country"] or None,
                          value=float(r["value"]), source_file="shipments.csv", source_row=n,
                          quantity=float(r["quantity"]))
                 for n, r in enumerate(rows, start=2)]
    companies = {r[f"{side}_id"]: {"name": r[f"{side}_name"], "country": r[f"{side}_country"],
                                   "address": r[f"{side}_address"] or None}
                 for r in rows for side in ("exporter", "importer")}
    producers = [{"colony": c["colony_id"], "colony_name": c["name"], "colony_country": c["country"],
                  "synthetic": True, "hs_codes": c["hs_codes"].split(";"), "producer": c["operator_id"]}
                 for c in _rows(paths["colonies"])]
    truth = read_truth(paths["truth"])
    assert any(t["hops"] == 6 for t in truth)
    planted = {(t["colony_id"], tuple(t["companies"])) for t in truth}
    found = {(r.colony, tuple(r.companies)) for r in search_routes(shipments, companies, producers,
                                                                    RouteSettings(max_hops=6)).routes}
    assert planted <= found and len(found - planted) <= 0.1 * len(found), found ^ planted
