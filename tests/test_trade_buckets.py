"""Derivations in seller groups (how 10M-row loads stay in bounded memory) give the same graph as one
group: a pair's rows all share its seller, so groups are independent."""

from __future__ import annotations

from pathlib import Path

import conveyor.jobs.trade
from conveyor.graph.store import open_store
from conveyor.loaders.synthetic import generate_network

DUMP = ("MATCH (a:Company)-[r:SUPPLIES]->(b:Company) RETURN a.id AS a, b.id AS b, r.shipments AS n, "
        "r.first AS first, r.last AS last, r.value AS value, r.hs_codes AS codes, r.hs_first AS hs_first, "
        "r.hs_last AS hs_last, r.origins AS origins, r.sources AS sources ORDER BY a, b")
ROLES = "MATCH (c:Company) RETURN c.id AS id, labels(c) AS labels ORDER BY id"


def _load(run_cli, paths: dict[str, Path]) -> tuple[list[dict], list[dict]]:
    run_cli("load", "colonies", str(paths["colonies"]))
    run_cli("load", "trade", str(paths["shipments"]))
    with open_store(str(run_cli.db)) as store:
        return store.run(DUMP), [{**r, "labels": sorted(r["labels"])} for r in store.run(ROLES)]


def test_seller_groups_give_the_same_supplies_as_one_group(tmp_path: Path, monkeypatch):
    from conftest import Cli

    paths = generate_network(5, tmp_path / "net", n_shipments=3000, n_colonies=2, n_routes=6)
    one = _load(Cli(tmp_path / "one.db", tmp_path), paths)
    monkeypatch.setattr(conveyor.jobs.trade, "ROWS_PER_BUCKET", 400)  # ~7 groups for 3,000 rows
    grouped = _load(Cli(tmp_path / "grouped.db", tmp_path), paths)
    assert one[0] and len(one[0]) > 100
    assert grouped == one
