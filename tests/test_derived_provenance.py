"""Derived facts carry provenance like loaded ones (graph/rows.Provenance.derived): what a job wrote
names the job ("derived:<job>") and the run of the load that caused it. Fictional trade rows from
test_trade_incremental; the real CLI and the embedded FalkorDB."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conveyor.graph.evidence import current_runs
from conveyor.graph.rows import Provenance
from conveyor.graph.store import open_store
from conveyor.loaders.base import SourceError, provenance
from test_trade_incremental import BUYER, DEALER, PRODUCER, TRANSIT, rows_a, write_colony, write_rows


def test_derived_supplies_roles_and_matches_name_the_job_and_the_load(run_cli, tmp_path: Path):
    run_cli("load", "colonies", str(write_colony(tmp_path / "colony.csv")))
    run_cli("load", "trade", str(write_rows(tmp_path / "a.csv", rows_a())), "--source", "src-a")
    with open_store(str(run_cli.db)) as store:
        run = current_runs(store)["src-a"]
        job = Provenance.derived("trade", run)
        edge = store.run("MATCH (:Company {id: $a})-[r:SUPPLIES]->(:Company {id: $b}) RETURN properties(r) AS p",
                         {"a": TRANSIT[2], "b": BUYER[2]})[0]["p"]
        assert edge["sources"] == ["src-a"]  # the evidence behind it
        assert edge["source_runs"] == [job.run] and job.run.startswith("derived:trade@")
        assert edge["derived_by"] == [f"derived:trade={run}"]  # the job, and the load that caused it
        assert edge["first_seen"] and edge["last_seen"]
        dealer = store.run("MATCH (c:Company {id: $id}) RETURN labels(c) AS labels, c.derived_by AS d",
                           {"id": DEALER[2]})[0]
        assert "Dealer" in dealer["labels"] and f"derived:trade={run}" in dealer["d"]
        producer = store.run("MATCH (c:Company {id: $id}) RETURN c.derived_by AS d", {"id": PRODUCER[2]})[0]
        # the colony's own operator is loaded, not derived: the trade job only recomputed its roles
        assert all(d.startswith("derived:trade=") for d in producer["d"] or [])
    # the CLI says where a company's derived facts came from (saved query derived-facts)
    shown = run_cli("query", "run", "derived-facts", "-p", f"id={TRANSIT[2]}", "--format", "json").output
    facts = {(r["relationship"], r["other_id"]): r for r in json.loads(shown)}
    assert facts[("SUPPLIES", BUYER[2])]["derived_by"] == [f"derived:trade={run}"]
    assert facts[("SUPPLIES", BUYER[2])]["company_derived_by"] == [f"derived:trade={run}"]


def test_a_loaded_source_may_not_take_a_job_name(tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(SourceError, match="derived:"):
        provenance("derived:trade", path)
