"""A newer version of a registry over the older one: what replacing a source's facts costs.

Writes two versions of a synthetic FtM file (every company "... (fictional)"): v1 with N entities
(~80 % companies, ~20 % ownerships), and v2 where 10 % of the companies lost their registration
number, 10 % of the ownerships their percentage, 2 % of the companies and 2 % of the ownerships are
gone. Then, each in a fresh subprocess on the CLI's load path (loaders.formats.read ->
loaders.base.load) into embedded FalkorDB: a fresh load of v1, v2 loaded over it, and a fresh load of
v2 into another graph. Only the load call is timed (not opening or saving the store); the CPU seconds
of the FalkorDB server and of the loader during it are printed too, steadier than wall time on a
machine shared with other work.

    .venv/bin/python bench/bench_reload.py [--n 100000] [--python PATH]

--python runs another installation of the code with the same data (e.g. a clone at the commit before a
change, set up with its scripts/setup.sh: pass its .venv/bin/python).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COUNTRIES = ("by", "lt", "pl", "de", "nl", "lv", "ee", "ru", "kz", "ae")


def write_versions(v1: Path, v2: Path, n: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    companies = 0
    with open(v1, "w", encoding="utf-8") as one, open(v2, "w", encoding="utf-8") as two:
        dropped: set[int] = set()
        for line in range(n):
            if companies > 10 and rng.random() < 0.2:
                owner, asset = rng.randrange(companies), rng.randrange(companies)
                props = {"owner": [f"bench-co-{owner}"], "asset": [f"bench-co-{asset}"],
                         "percentage": [str(rng.randint(1, 100))], "startDate": [f"20{rng.randint(0, 23):02d}"]}
                record = {"id": f"bench-own-{line}", "schema": "Ownership", "properties": props}
                one.write(json.dumps(record, separators=(",", ":")) + "\n")
                roll = rng.random()
                if roll < 0.02 or owner in dropped or asset in dropped:
                    continue
                if roll < 0.12:
                    record = {**record, "properties": {k: v for k, v in props.items() if k != "percentage"}}
                two.write(json.dumps(record, separators=(",", ":")) + "\n")
            else:
                props = {"name": [f"Bench Trading {companies:07d} (fictional)"], "country": [rng.choice(COUNTRIES)],
                         "registrationNumber": [f"{100000000 + companies}"]}
                record = {"id": f"bench-co-{companies}", "schema": "Company", "properties": props}
                one.write(json.dumps(record, separators=(",", ":")) + "\n")
                roll = rng.random()
                if roll < 0.02:
                    dropped.add(companies)
                else:
                    if roll < 0.12:
                        record = {**record, "properties": {k: v for k, v in props.items()
                                                           if k != "registrationNumber"}}
                    two.write(json.dumps(record, separators=(",", ":")) + "\n")
                companies += 1


def _cpu(process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def worker(path: Path, db: Path) -> dict:
    import psutil
    from conveyor.graph.store import FalkorStore
    from conveyor.loaders.base import load
    from conveyor.loaders.formats import REGISTRY_FORMATS, read

    store = FalkorStore(db)
    try:
        source = "ftm:bench-registry"  # both versions are one source
        server = psutil.Process(store._db.client.pid)
        started, server_cpu, own_cpu = time.perf_counter(), _cpu(server), time.process_time()
        chunks = read(REGISTRY_FORMATS, "ftm", path, source=source)
        report = load(store, chunks, source=source, path=path, fmt="ftm", rejects_dir=db.parent / "rejects")
        seconds = time.perf_counter() - started
        server_cpu, own_cpu = _cpu(server) - server_cpu, time.process_time() - own_cpu
        counts = store.counts()
    finally:
        store.close()
    return {"seconds": seconds, "server_cpu": server_cpu, "loader_cpu": own_cpu, "read": report.read,
            "rejected": report.rejected, "retired": report.retired,
            "nodes": sum(counts["nodes"].values()), "relationships": sum(counts["relationships"].values())}


def _spawn(python: str, path: Path, db: Path) -> dict:
    done = subprocess.run([python, __file__, "--worker", str(path), str(db)], capture_output=True,
                          text=True, cwd=db.parent.parent)
    if done.returncode:
        raise SystemExit(f"worker failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--python", default=sys.executable, help="interpreter whose installed conveyor loads the files")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(Path(args.worker[0]), Path(args.worker[1]))))
        return
    with tempfile.TemporaryDirectory(prefix="conveyor-bench-reload-") as tmp:
        work = Path(tmp)
        v1, v2 = work / "registry-v1.ftm.json", work / "registry-v2.ftm.json"
        write_versions(v1, v2, args.n)
        steps = {"fresh v1": _spawn(args.python, v1, work / "a" / "g.db"),
                 "v2 over v1": _spawn(args.python, v2, work / "a" / "g.db"),
                 "fresh v2": _spawn(args.python, v2, work / "b" / "g.db")}
    print(f"Reload of a newer version, {args.n:,} FtM records, code installed for {args.python}\n")
    print("| step | load s | FalkorDB CPU s | loader CPU s | records/s | nodes | relationships | retired |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in steps.items():
        print(f"| {name} | {r['seconds']:.1f} | {r['server_cpu']:.1f} | {r['loader_cpu']:.1f} "
              f"| {r['read'] / r['seconds']:,.0f} | {r['nodes']:,} "
              f"| {r['relationships']:,} | {r['retired']:,} |")


if __name__ == "__main__":
    main()
