"""The main job as a new user runs it (a real subprocess), saved queries, and injection safety."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conveyor.queries.export import routes_graph, write_html
from conveyor.queries.routes import CodeMove, Hop, Route, Shipment
from conveyor.queries.saved import QueryError, get_saved_query, saved_queries

from conveyor.data import REFERENCE_COLONIES

CONVEYOR = str(Path(sys.executable).parent / "conveyor")


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    cwd = tmp_path_factory.mktemp("demo")
    done = subprocess.run([CONVEYOR, "demo"], cwd=cwd, capture_output=True, text=True, timeout=600)
    return done, cwd / "conveyor-demo"


def test_demo_traces_a_relabeled_route_to_a_buyer_abroad(demo_run):
    done, out = demo_run
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "SYNTHETIC" in text
    assert "hs: read 6,940 = loaded 6,940 + rejected 0" in text
    assert "shipments:demo: read 10 = loaded 9 + rejected 1" in text
    assert "Route 1" in text and "-> Nordic Home Interiors AB (fictional) (SE)" in text
    assert "code switched within the same heading (HS4)" in text
    assert "declared origin changed on the way (BY -> KZ)" in text
    # A relabeled hop names the code the goods arrived under and the code they were sold on under.
    assert ("received these goods (2024-04-02, shipment DEMO-0004 under HS 9403) with no earlier trade in "
            "HS 4421, the code it sold them under at hop 2") in text
    assert "Try next:" in text
    rows = list(csv.DictReader(open(out / "routes.csv", encoding="utf-8")))
    final_countries = {r["buyer_country"] for r in rows}
    assert final_countries - {"BY"}, "no buyer outside Belarus"
    assert all(r["source_file"] and r["source_row"] for r in rows)
    assert all(r["synthetic"] == "True" for r in rows)
    html_text = (out / "routes.html").read_text(encoding="utf-8")
    assert "Steppe Timber Export LLP (fictional)" in html_text
    # Works offline and calls no third party: vis.js is inlined, no remote stylesheet or script.
    assert not re.search(r'(src|href)="https?://', html_text)


def test_demo_graph_answers_cli_commands(demo_run):
    done, out = demo_run
    db = str(out / "demo.db")
    stats = json.loads(subprocess.run([CONVEYOR, "--db", db, "db", "stats", "--json"], capture_output=True,
                                      text=True, check=True).stdout)
    # The shipped real catalogue (one row per colony) beside the one synthetic demo colony.
    with open(REFERENCE_COLONIES, newline="", encoding="utf-8") as fh:
        real_colonies = sum(1 for _ in csv.DictReader(fh))
    assert stats["nodes"]["Colony"] == real_colonies + 1 and stats["evidence"]["shipment_rows"] == 9
    listed = subprocess.run([CONVEYOR, "--db", db, "query", "list"], capture_output=True, text=True, check=True)
    assert "colony-supply-paths" in listed.stdout
    paths = subprocess.run([CONVEYOR, "--db", db, "query", "run", "colony-supply-paths", "-p", "country=SE",
                            "--format", "json"], capture_output=True, text=True, check=True)
    result = json.loads(paths.stdout)
    assert result and all(r["countries"][-1] == "SE" for r in result)


def test_a_malicious_parameter_is_only_a_string(demo_run):
    _, out = demo_run
    db = str(out / "demo.db")

    def stats() -> dict:
        return json.loads(subprocess.run([CONVEYOR, "--db", db, "db", "stats", "--json"], capture_output=True,
                                         text=True, check=True).stdout)

    before = stats()
    evil = "x'}) DETACH DELETE n //"
    for name, key in (("company-search", "text"), ("company-trade", "company_id"), ("hs-code", "code")):
        done = subprocess.run([CONVEYOR, "--db", db, "query", "run", name, "-p", f"{key}={evil}", "--format",
                               "json"], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) in ([], [{"code": None, "description": None, "level": None,
                                                 "parents": [], "made_by_colonies": []}])
    assert stats() == before


def test_parameters_are_typed_and_checked():
    q = get_saved_query("colony-supply-paths")
    assert q.bind({"limit": "5"})["limit"] == 5
    with pytest.raises(QueryError, match="must be int"):
        q.bind({"limit": "five"})
    with pytest.raises(QueryError, match="has no parameter"):
        q.bind({"nope": "1"})
    with pytest.raises(QueryError, match="needs -p company_id"):
        get_saved_query("company-trade").bind({})


def test_every_saved_query_declares_its_header():
    for q in saved_queries().values():
        assert q.description and q.stores and q.cypher.strip()


def test_names_from_data_are_escaped_in_html(tmp_path: Path):
    evil = '<script>alert("x")</script> & Co (fictional)'
    s = Shipment("S1", "seller", "buyer", "2024-01-01", "940360", "BY", 1.0, "f.csv", 2)
    hop = Hop({"id": "seller", "name": evil, "country": "BY"}, {"id": "buyer", "name": "B", "country": "DE"},
              s, [s], CodeMove.SAME)
    route = Route("C1", evil, True, [hop], 1.0, ["x"])
    page = write_html(routes_graph([route]), tmp_path / "r.html", "routes").read_text(encoding="utf-8")
    assert "<script>alert" not in page
    # Given to vis-network as text (it draws labels on a canvas and shows titles with innerText), inside
    # the page's script as JSON with <, > and & encoded: escaped once, never as &lt; shown on screen.
    assert "\\u003cscript\\u003ealert" in page and "\\u0026lt;" not in page
