"""The trade path through the CLI on a FalkorDB server (`--db redis://...`), the step between the
embedded file and Neo4j: same loads, same derivations, same routes as the embedded store, and the
password never printed."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Cli

from conveyor.data import DEMO_COLONIES, DEMO_SHIPMENTS


def _routes(run_cli: Cli) -> list[tuple]:
    found = json.loads(run_cli("routes", "--format", "json").stdout)
    return sorted((r["colony"], tuple(h["buyer"] for h in r["hops"]), r["score"]) for r in found)


def _trade(run_cli: Cli) -> list[str]:
    outputs = [run_cli("load", "colonies", str(DEMO_COLONIES)).output,
               run_cli("load", "trade", str(DEMO_SHIPMENTS), "--source", "demo").output]
    return outputs


def test_trade_and_routes_on_a_falkordb_server_match_the_embedded_store(falkordb_server, tmp_path: Path,
                                                                        monkeypatch):
    embedded = Cli(tmp_path / "embedded.db", tmp_path)
    _trade(embedded)
    expected = _routes(embedded)
    # A server has no file to put the evidence beside: the folder is named here (or a default per server).
    monkeypatch.setenv("CONVEYOR_EVIDENCE", str(tmp_path / "server-evidence"))
    on_server = Cli(falkordb_server.uri("trade_cli"), tmp_path)  # type: ignore[arg-type]
    printed = _trade(on_server)
    assert expected and _routes(on_server) == expected
    rows = json.loads(on_server("shipments", "--company", "demo:demo-woodworks", "--format", "json").stdout)
    assert [r["id"] for r in rows] == ["DEMO-0001", "DEMO-0004", "DEMO-0010"]
    stats = json.loads(on_server("db", "stats", "--json").stdout)
    assert stats["evidence"]["shipment_rows"] == 9 and stats["relationships"]["SUPPLIES"] == 7
    assert (tmp_path / "server-evidence").is_dir()
    for text in (*printed, json.dumps(stats)):
        assert falkordb_server.password not in text
    with falkordb_server.client() as client:
        client.execute_command("GRAPH.DELETE", "trade_cli")
