"""Load throughput: FtM JSON lines and a mapped registry CSV into embedded FalkorDB, against reading the
same file with pandas/pyarrow alone, in the same run.

Every company is synthetic and named "... (fictional)". For each format and each size (N/4 and N) the
script writes the file once, then runs two fresh subprocesses: one that only reads it (pd.read_json
lines=True / pd.read_csv engine='pyarrow') and one that loads it through the CLI's path
(loaders.formats.read -> loaders.base.load) into a new embedded FalkorDB. Each subprocess reports its
own wall time and peak RSS (resource.getrusage), so the two never share memory. "Bounded" compares the
loader process's peak RSS at N with N/4: a streaming loader stays near-flat; the graph itself lives in
the FalkorDB server process, whose RSS is reported separately (the graph must grow with N).

    .venv/bin/python bench/bench_load.py [--n 1000000] [--quick] [--formats ftm,csv] [--profile]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

COUNTRIES = ("BY", "LT", "PL", "DE", "NL", "LV", "EE", "RU", "KZ", "AE")
OWNERSHIP_SHARE = 0.2  # of FtM records; CSV rows name a parent at the same rate
MAPPING = """\
# Synthetic benchmark registry (fictional companies).
format: csv
key: "bench:{id}"
parent_key: "bench:{parent_id}"
columns:
  id: company_id
  name: company_name
  country: country_code
  registration_number: reg_no
  incorporation_date: incorporated
  parent_id: parent_company_id
  parent_share: parent_pct
  synthetic: synthetic
date_formats: ["%Y-%m-%d"]
"""


def _company_name(i: int) -> str:
    return f"Bench Trading {i:07d} (fictional)"


def write_ftm(path: Path, n: int, seed: int = 7) -> None:
    """n lines: ~80 % Company entities, ~20 % Ownership entities between companies defined earlier."""
    rng = random.Random(seed)
    companies = 0
    with open(path, "w", encoding="utf-8") as fh:
        for line in range(n):
            if companies > 10 and rng.random() < OWNERSHIP_SHARE:
                owner, asset = rng.randrange(companies), rng.randrange(companies)
                record = {"id": f"bench-own-{line}", "schema": "Ownership", "properties": {
                    "owner": [f"bench-co-{owner}"], "asset": [f"bench-co-{asset}"],
                    "percentage": [str(rng.randint(1, 100))], "startDate": [f"20{rng.randint(0, 23):02d}"]}}
            else:
                record = {"id": f"bench-co-{companies}", "schema": "Company", "properties": {
                    "name": [_company_name(companies)], "country": [rng.choice(COUNTRIES).lower()],
                    "registrationNumber": [f"{100000000 + companies}"]}}
                companies += 1
            fh.write(json.dumps(record, separators=(",", ":")) + "\n")


def write_csv(path: Path, mapping: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    mapping.write_text(MAPPING, encoding="utf-8")
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("company_id,company_name,country_code,reg_no,incorporated,parent_company_id,parent_pct,synthetic\n")
        for i in range(n):
            parent, pct = ("", "")
            if i > 10 and rng.random() < OWNERSHIP_SHARE:
                parent, pct = str(rng.randrange(i)), str(rng.randint(1, 100))
            date = f"{rng.randint(1995, 2023)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            fh.write(f"{i},\"{_company_name(i)}\",{rng.choice(COUNTRIES)},{100000000 + i},{date},{parent},{pct},"
                     "true\n")


# -- the subprocess workers ----------------------------------------------------------------------------
def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def worker_read(fmt: str, path: Path) -> dict:
    import pandas as pd

    started = time.perf_counter()
    frame = pd.read_json(path, lines=True) if fmt == "ftm" else pd.read_csv(path, engine="pyarrow")
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": len(frame), "peak_rss_mb": _peak_rss_mb()}


def worker_load(fmt: str, path: Path, mapping: Path | None, db: Path, profile: Path | None) -> dict:
    import psutil
    from conveyor.graph.store import FalkorStore
    from conveyor.loaders.base import load
    from conveyor.loaders.formats import REGISTRY_FORMATS, read

    store = FalkorStore(db)
    try:
        source = f"{fmt}:{path.stem}"
        started = time.perf_counter()
        chunks = read(REGISTRY_FORMATS, fmt, path, source=source, mapping=mapping)
        call = lambda: load(store, chunks, source=source, path=path, fmt=fmt,  # noqa: E731
                            rejects_dir=db.parent / "rejects")
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            report = profiler.runcall(call)
            profiler.dump_stats(str(profile))
        else:
            report = call()
        seconds = time.perf_counter() - started
        server = psutil.Process(store._db.client.pid).memory_info().rss / 2**20
        counts = store.counts()
    finally:
        store.close()
    return {"seconds": seconds, "read": report.read, "loaded": report.loaded, "rejected": report.rejected,
            "nodes": sum(counts["nodes"].values()), "relationships": sum(counts["relationships"].values()),
            "peak_rss_mb": _peak_rss_mb(), "server_rss_mb": server}


def _spawn(*args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--worker", *args], capture_output=True, text=True,
                          cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"worker {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench(fmt: str, n: int, work: Path, profile: bool) -> dict:
    data = work / (f"bench-{n}.ftm.json" if fmt == "ftm" else f"bench-{n}.csv")
    mapping = work / "bench-mapping.yml"
    started = time.perf_counter()
    write_ftm(data, n) if fmt == "ftm" else write_csv(data, mapping, n)
    print(f"  wrote {data.name} ({data.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - started:.0f}s",
          file=sys.stderr)
    read = _spawn("read", fmt, str(data))
    args = ["load", fmt, str(data), str(mapping) if fmt == "csv" else "-", str(work / f"db-{fmt}-{n}" / "g.db")]
    if profile:
        args.append(str(Path(tempfile.gettempdir()) / f"conveyor-bench-load-{fmt}.prof"))
    loaded = _spawn(*args)
    data.unlink()
    return {"fmt": fmt, "n": n, "read": read, "load": loaded}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000, help="records at the largest size")
    parser.add_argument("--quick", action="store_true", help="50k records (a smoke run)")
    parser.add_argument("--formats", default="ftm,csv")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the load at N into $TMPDIR/conveyor-bench-load-FMT.prof")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, fmt, path, *rest = args.worker
        if kind == "read":
            result = worker_read(fmt, Path(path))
        else:
            mapping = None if rest[0] == "-" else Path(rest[0])
            result = worker_load(fmt, Path(path), mapping, Path(rest[1]), Path(rest[2]) if len(rest) > 2 else None)
        print(json.dumps(result))
        return
    n = 50_000 if args.quick else args.n
    results = []
    with tempfile.TemporaryDirectory(prefix="conveyor-bench-load-") as tmp:
        for fmt in args.formats.split(","):
            for size in (n // 4, n):
                print(f"{fmt} N={size:,} ...", file=sys.stderr)
                results.append(bench(fmt, size, Path(tmp), args.profile and size == n))
                r = results[-1]
                print(f"  read {r['read']['seconds']:.1f}s, load {r['load']['seconds']:.1f}s", file=sys.stderr)
    print_table(results)


def print_table(results: list[dict]) -> None:
    print(f"Load throughput, embedded FalkorDB, {os.cpu_count()} cores (synthetic fictional records)\n")
    print("| format | records | read (pandas/pyarrow) | load (conveyor) | load rec/s | load/read | "
          "loader peak RSS | FalkorDB RSS | loaded + rejected |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        rd, ld = r["read"], r["load"]
        print(f"| {'FtM JSON lines' if r['fmt'] == 'ftm' else 'registry CSV + mapping'} | {r['n']:,} "
              f"| {rd['seconds']:.1f} s ({rd['peak_rss_mb']:.0f} MiB) | {ld['seconds']:.1f} s "
              f"| {r['n'] / ld['seconds']:,.0f} | {ld['seconds'] / rd['seconds']:.1f}x "
              f"| {ld['peak_rss_mb']:.0f} MiB | {ld['server_rss_mb']:.0f} MiB "
              f"| {ld['loaded']:,} + {ld['rejected']:,} |")
    print()
    for fmt in dict.fromkeys(r["fmt"] for r in results):
        small, big = [r for r in results if r["fmt"] == fmt][:2]
        growth = big["load"]["peak_rss_mb"] / small["load"]["peak_rss_mb"]
        print(f"{fmt}: loader peak RSS {small['load']['peak_rss_mb']:.0f} MiB at {small['n']:,} -> "
              f"{big['load']['peak_rss_mb']:.0f} MiB at {big['n']:,} records (x{growth:.2f} for x4 records): "
              f"{'bounded' if growth < 1.5 else 'NOT bounded'}")


if __name__ == "__main__":
    main()
