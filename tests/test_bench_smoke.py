"""bench/bench_trade.py end to end at a tiny size: every step runs through the CLI and the table is whole.

A smoke test, not a measurement: it catches a CLI change (a renamed stage, a new report format, a saved
query gone) that would break the benchmark before someone spends an hour on a 10M run."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "bench" / "bench_trade.py"

# Rows whose names do not depend on the stage names the loader prints (stages are checked separately).
EXPECTED = (
    "synth: generate N + 10 % rows",
    "fresh load: wall (rows/s)",
    "fresh load: read = loaded + rejected",
    "fresh load: peak RSS, CLI python",
    "fresh load: peak RSS, redis-server",
    "fresh load: peak RSS, CLI + redis-server",
    "incremental load: wall (rows/s)",
    "incremental load: read = loaded + rejected",
    "incremental load: peak RSS, CLI python",
    "incremental load: peak RSS, redis-server",
    "incremental load: peak RSS, CLI + redis-server",
    "routes --from-colony all: wall",
    "routes: peak RSS, CLI python",
    "routes: reported",
    "routes: recall of planted routes",
    "routes: precision",
    "query run who-buys-from: wall (rows)",
    "query run buyers-of-dealer: wall (rows)",
    "query run colony-supply-paths: wall (rows)",
    "db stats --json: wall",
    "graph file size",
    "evidence folder size",
    "evidence rows (db stats)",
    "Company nodes (db stats)",
    "SUPPLIES relationships (db stats)",
)


def _number(cell: str) -> float:
    """'1.23 s (4,567/s)' -> 1.23, '12 ms' -> 0.012, '3,000' -> 3000."""
    match = re.match(r"\s*([\d,]+(?:\.\d+)?(?:e[-+]\d+)?)\s*(ms)?", cell)
    assert match, cell
    value = float(match.group(1).replace(",", ""))
    return value / 1000 if match.group(2) else value


def test_bench_trade_tiny(tmp_path):
    results = tmp_path / "results.json"
    done = subprocess.run([sys.executable, str(SCRIPT), "--sizes", "3000", "--nx-budget", "5", "--out",
                           str(tmp_path / "work"), "--json", str(results)],
                          capture_output=True, text=True, cwd=ROOT, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "SYNTHETIC FICTIONAL" in done.stdout
    table = [line for line in done.stdout.splitlines() if line.startswith("| ") and not line.startswith("| measure")]
    rows = {}
    for line in table:
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert len(cells) == 5, line  # measure, baseline is, figure, baseline, ratio
        rows[cells[0]] = cells
    missing = [m for m in EXPECTED if m not in rows]
    assert not missing, (missing, done.stdout)
    stages = [m for m in rows if m.startswith("fresh load: stage ")]
    assert stages and any(m.startswith("incremental load: stage ") for m in rows), done.stdout
    for measure, _, _figure, baseline, ratio in rows.values():
        if ratio == "n/a":  # only where the baseline is zero, e.g. a stage that took 0.0 s in the fresh load
            assert _number(baseline) == 0, (measure, baseline)
            continue
        value = float(ratio)
        assert value == value and value >= 0, (measure, ratio)  # not NaN
    # Figures a tiny run must get right whatever the machine's speed.
    assert rows["fresh load: read = loaded + rejected"][2] == "3,000 = 3,000 + 0"
    assert rows["incremental load: read = loaded + rejected"][2] == "300 = 300 + 0"
    assert float(rows["evidence rows (db stats)"][4]) == 1.0
    raw = json.loads(results.read_text())["results"][0]
    assert raw["routes"]["recall"] >= 0.95 and raw["networkx"]["finished"]
    # Big files are deleted without --keep.
    assert not list((tmp_path / "work").rglob("*.csv")) and not list((tmp_path / "work").rglob("*.db"))
