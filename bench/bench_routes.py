"""Route engine benchmark on synthetic networks (fictional companies, see loaders/synthetic.py).

(a) precision / recall of planted routes at default settings and at other settings, over several seeds;
(h) the hop limit: recall, precision and the paths a limit cut at max hops 4..10, on networks whose
    planted routes pass a dealer and up to four transit traders, with distribution noise (--resale);
(b) search time and peak memory of search_routes from all colonies vs networkx all_simple_paths with the
    same cutoff on the same shipment graph, in the same run.

Both parts run the search phase on in-memory records read from the generated CSV (search_routes), not
through a graph store: loading a million shipments into FalkorDB is a loader benchmark, not this one.
Matching: a reported route matches a planted route when it has the same colony and the same ordered
company ids; every other reported route is a false positive.

    .venv/bin/python bench/bench_routes.py [--seeds 101,202,303] [--shipments 20000] [--big 1000000]
        [--hops 4-10] [--resale 0.3]
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
import tracemalloc
from pathlib import Path

from conveyor.loaders.synthetic import generate_network, read_truth
from conveyor.queries.routes import RouteSettings, Shipment, search_routes


def read_network(out: Path) -> tuple[list[Shipment], dict, list[dict]]:
    """The generated CSVs as the records find_routes would fetch (ids as the loader keys them)."""
    shipments, companies = [], {}
    with open(out / "shipments.csv", newline="", encoding="utf-8") as fh:
        for row, r in enumerate(csv.DictReader(fh), start=2):
            for side in ("exporter", "importer"):
                companies.setdefault(r[f"{side}_id"], {"name": r[f"{side}_name"], "country": r[f"{side}_country"],
                                                       "address": r.get(f"{side}_address") or None})
            shipments.append(Shipment(
                r["shipment_id"], r["exporter_id"], r["importer_id"], r["date"], r["hs_code"].replace(".", ""),
                r["origin_country"] or None, float(r["value"]), "shipments.csv", row, float(r["quantity"])))
    producers = []
    with open(out / "colonies.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            producers.append({"colony": r["colony_id"], "colony_name": r["name"], "colony_country": r["country"],
                              "synthetic": True, "hs_codes": r["hs_codes"].split(";"), "producer": r["operator_id"]})
    return shipments, companies, producers


def score(routes, truth) -> tuple[float, float, int, int]:
    planted = {(t["colony_id"], tuple(t["companies"])) for t in truth}
    found = {(r.colony, tuple(r.companies)) for r in routes if r.kind == "relabeled route"}
    tp = len(planted & found)
    return tp / len(planted), (tp / len(found) if found else 1.0), len(found - planted), len(planted - found)


SETTINGS = {
    "default": {},
    "window 90": {"window_days": 90},
    "window 365": {"window_days": 365},
    "max_hops 2": {"max_hops": 2},
    "max_hops 6": {"max_hops": 6},
    "min_score 0": {"min_score": 0.0},
    "min_score 4": {"min_score": 4.0},
    "all prefixes": {"maximal_only": False},
    "supernodes on": {"include_supernodes": True},
}


def quality(seeds: list[int], n: int, tmp: Path) -> None:
    print(f"(a) planted-route quality, {n:,} shipments per network, seeds {seeds} (in-memory search)")
    print(f"{'setting':<15} {'recall':>7} {'precision':>9} {'FP':>5} {'FN':>5}")
    nets = []
    for seed in seeds:
        out = tmp / f"q{seed}"
        generate_network(seed, out, n_shipments=n, n_routes=30)
        nets.append((read_network(out), read_truth(out / "truth.csv")))
    for name, kw in SETTINGS.items():
        r = p = 0.0
        fp = fn = 0
        for (ships, comps, prods), truth in nets:
            res = search_routes(ships, comps, prods, RouteSettings(**kw))
            rr, pp, f1, f2 = score(res.routes, truth)
            r, p, fp, fn = r + rr, p + pp, fp + f1, fn + f2
        print(f"{name:<15} {r / len(nets):>7.3f} {p / len(nets):>9.3f} {fp:>5} {fn:>5}")


def hop_limits(seeds: list[int], n: int, tmp: Path, hops: range, resale: float) -> None:
    """Does a longer hop limit cost precision, and how much does a shorter one cut?"""
    print(f"\n(h) hop limit, {n:,} shipments, 30 planted routes (dealer + 1..4 transits: up to 6 hops), "
          f"resale {resale}, seeds {seeds}")
    print(f"{'max hops':>8} {'recall':>7} {'precision':>9} {'FP':>4} {'FN':>4} {'planted longer':>14} "
          f"{'paths cut':>9} {'seconds':>8}")
    nets = []
    for seed in seeds:
        out = tmp / f"h{seed}"
        generate_network(seed, out, n_shipments=n, n_routes=30, max_transit=4, resale=resale)
        nets.append((read_network(out), read_truth(out / "truth.csv")))
    for limit in hops:
        r = p = 0.0
        fp = fn = longer = cut = 0
        t = time.perf_counter()
        for (ships, comps, prods), truth in nets:
            res = search_routes(ships, comps, prods, RouteSettings(max_hops=limit))
            rr, pp, f1, f2 = score(res.routes, truth)
            r, p, fp, fn = r + rr, p + pp, fp + f1, fn + f2
            longer += sum(t["hops"] > limit for t in truth)
            cut += sum(int(x.split(": ")[1].split()[0]) for x in res.limits_hit if x.startswith("max_hops="))
        took = time.perf_counter() - t
        print(f"{limit:>8} {r / len(nets):>7.3f} {p / len(nets):>9.3f} {fp:>4} {fn:>4} {longer:>14} {cut:>9} "
              f"{took:>8.2f}")


def speed(n: int, tmp: Path, nx_seconds: float) -> None:
    import networkx as nx

    out = tmp / "big"
    t = time.perf_counter()
    generate_network(7, out, n_shipments=n, n_colonies=8, n_routes=200)
    gen = time.perf_counter() - t
    ships, comps, prods = read_network(out)
    print(f"\n(b) speed: {len(ships):,} shipments, {len(comps):,} companies, {len(prods)} colonies "
          f"(generated in {gen:.1f}s; search phase on in-memory records, no store)")
    tracemalloc.start()
    t = time.perf_counter()
    res = search_routes(ships, comps, prods, RouteSettings(max_routes=100_000))
    ours = time.perf_counter() - t
    ours_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"search_routes: {ours:.2f}s, peak {ours_peak / 2**20:.0f} MiB, {len(res.routes)} routes, "
          f"limits: {len(res.limits_hit)}")
    tracemalloc.start()
    t = time.perf_counter()
    graph = nx.DiGraph()
    graph.add_edges_from((s.seller, s.buyer) for s in ships)
    paths, finished = 0, True
    deadline = time.perf_counter() + nx_seconds
    for p in prods:
        for _ in nx.all_simple_paths(graph, p["producer"], [c for c in graph if c != p["producer"]], cutoff=4):
            paths += 1
            if paths % 10_000 == 0 and time.perf_counter() > deadline:
                finished = False
                break
        if not finished:
            break
    base = time.perf_counter() - t
    base_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    state = "finished" if finished else f"STOPPED at the {nx_seconds:.0f}s cap (lower bound)"
    print(f"networkx all_simple_paths(cutoff=4), graph build included: {base:.2f}s, peak "
          f"{base_peak / 2**20:.0f} MiB, {paths:,} paths, {state}")
    print(f"ratio networkx / search_routes time: {base / ours:.1f}x{'' if finished else ' (at least)'}; "
          f"memory {base_peak / max(ours_peak, 1):.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="101,202,303")
    ap.add_argument("--shipments", type=int, default=20_000)
    ap.add_argument("--big", type=int, default=1_000_000)
    ap.add_argument("--nx-seconds", type=float, default=60.0)
    ap.add_argument("--hops", default="4-10", help="hop limits for (h), as FIRST-LAST; empty to skip")
    ap.add_argument("--resale", type=float, default=0.3, help="share of planted buyers that resell at home")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.seeds:  # --seeds "" runs the speed part only
            quality([int(s) for s in args.seeds.split(",")], args.shipments, Path(tmp))
            if args.hops:
                first, last = (int(x) for x in args.hops.split("-"))
                hop_limits([int(s) for s in args.seeds.split(",")], args.shipments, Path(tmp),
                           range(first, last + 1), args.resale)
        if args.big:
            speed(args.big, Path(tmp), args.nx_seconds)


if __name__ == "__main__":
    main()
