"""Exports opened by their readers: GEXF and GraphML read back by networkx with every attribute, FtM
lines parsed by followthemoney, CSV with and without a BOM (and a header with no rows), JSON, and the
HTML network with hostile names shown exactly as written (parsed out of the page, and in a real
headless Chromium when the machine has one).

The registry fixture is FollowTheMoney JSON lines written from the published schemata
(followthemoney/schema/*.yaml: Company, Person, Ownership, Directorship, Sanction); every company and
person in it is fictional, and so is every name with hostile punctuation."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from conveyor.graph.errors import ConveyorError
from conveyor.graph.store import open_store
from conveyor.queries.export import scalar_graph
from conveyor.queries.subgraph import HOP_COLUMNS, STATEMENTS, add_entity, around_selection
from cypher_lint import lint, problems
from followthemoney import model

from conveyor.cli import cli

TARGET = "O'Brien & Sons <img src=x onerror=alert(1)> (fictional)"
HOLDING = 'Smith & Sons "Holding" Ltd (fictional)'
PERSON = "Siobhán O'Neill </script> (fictional)"
PROGRAMME = "Fictional programme <b>bold</b>"

ENTITIES = [
    {"id": "hx-target", "schema": "Company", "properties": {"name": [TARGET], "country": ["ie"]}},
    {"id": "hx-hold", "schema": "Company", "properties": {"name": [HOLDING], "country": ["gb"]}},
    {"id": "hx-pe", "schema": "Person", "properties": {"name": [PERSON], "nationality": ["ie"]}},
    {"id": "hx-own-1", "schema": "Ownership",
     "properties": {"owner": ["hx-hold"], "asset": ["hx-target"], "percentage": ["70"], "startDate": ["2019-03-01"]}},
    # Two published interests between the same pair: two edges in every graph format, never one.
    {"id": "hx-own-2", "schema": "Ownership", "properties": {"owner": ["hx-pe"], "asset": ["hx-hold"],
                                                             "percentage": ["60"]}},
    {"id": "hx-own-3", "schema": "Ownership", "properties": {"owner": ["hx-pe"], "asset": ["hx-hold"],
                                                             "percentage": ["5"]}},
    {"id": "hx-dir-1", "schema": "Directorship",
     "properties": {"director": ["hx-pe"], "organization": ["hx-target"], "role": ["director & secretary"]}},
    {"id": "hx-san-1", "schema": "Sanction", "properties": {"entity": ["hx-pe"], "program": [PROGRAMME],
                                                            "authority": ["Fictional authority"],
                                                            "listingDate": ["2022-01-01"]}},
]


class Cli:
    def __init__(self, db: Path, cwd: Path) -> None:
        self.db, self.cwd, self.runner = db, cwd, CliRunner()

    def __call__(self, *args: str, ok: bool = True):
        import os
        old = os.getcwd()
        os.chdir(self.cwd)
        try:
            result = self.runner.invoke(cli, ["--db", str(self.db), *args], catch_exceptions=False)
        finally:
            os.chdir(old)
        if ok:
            assert result.exit_code == 0, result.output
        return result


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Cli:
    folder = tmp_path_factory.mktemp("hostile")
    source = folder / "registry-fictional.jsonl"
    source.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in ENTITIES), encoding="utf-8")
    run = Cli(folder / "graph.db", folder)
    run("load", "registry", "--format", "ftm", str(source))
    return run


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Cli:
    folder = tmp_path_factory.mktemp("demo")
    Cli(folder / "unused.db", folder).runner.invoke(cli, ["demo", "--out", str(folder / "d")], catch_exceptions=False)
    return Cli(folder / "d" / "demo.db", folder)


def _around(run: Cli, fmt: str, name: str, *extra: str) -> Path:
    out = run.cwd / name
    run("export", fmt, str(out), "--around", "hx-pe", "--hops", "2", "--force", *extra)
    return out


# -- GEXF / GraphML ----------------------------------------------------------------------------------
def _expected(run: Cli) -> tuple[dict[str, dict], list[dict]]:
    """Nodes and links as the JSON export writes them, reduced to scalars as GEXF/GraphML hold them."""
    doc = json.loads(_around(run, "json", "around.json").read_text(encoding="utf-8"))
    graph = nx.MultiDiGraph()
    for n in doc["nodes"]:
        graph.add_node(n.pop("key"), **n)
    for link in doc["links"]:
        graph.add_edge(link.pop("from"), link.pop("to"), **link)
    flat = scalar_graph(graph)
    return dict(flat.nodes(data=True)), [{"from": a, "to": b, **d} for a, b, d in flat.edges(data=True)]


def _edge_set(graph: nx.MultiDiGraph) -> list[dict]:
    return sorted(({"from": a, "to": b, **{k: v for k, v in d.items() if k != "id"}}
                   for a, b, d in graph.edges(data=True)), key=lambda d: json.dumps(d, sort_keys=True))


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_gexf_and_graphml_read_back_with_every_attribute(hostile, fmt):
    nodes, links = _expected(hostile)
    path = _around(hostile, fmt, f"around.{fmt}")
    graph = nx.read_gexf(path) if fmt == "gexf" else nx.read_graphml(path, force_multigraph=True)
    assert isinstance(graph, nx.MultiDiGraph)
    assert dict(graph.nodes(data=True)) == nodes  # every attribute, with its type
    assert _edge_set(graph) == sorted(links, key=lambda d: json.dumps(d, sort_keys=True))
    by_key = dict(graph.nodes(data=True))
    # Names as labels, exactly as published.
    assert by_key["Company:hx-target"]["label"] == TARGET and by_key["Person:hx-pe"]["label"] == PERSON
    assert by_key["Person:hx-pe"]["role"] == "Subject" and by_key["Company:hx-hold"]["country"] == "GB"
    # The relationship is an attribute of its own (GEXF's `type` is directed/undirected), the two
    # published interests between the person and the holding are two edges, dates are ISO text.
    rels = [d["relationship"] for _, _, d in graph.edges(data=True)]
    assert "type" not in {k for _, _, d in graph.edges(data=True) for k in d}
    assert sorted(rels) == ["DIRECTS", "OWNS", "OWNS", "OWNS", "SANCTIONED"]
    shares = sorted(d["share"] for a, b, d in graph.edges(data=True) if (a, b) == ("Person:hx-pe", "Company:hx-hold"))
    assert shares == [5.0, 60.0]
    owns = next(d for a, b, d in graph.edges(data=True) if b == "Company:hx-target" and d["relationship"] == "OWNS")
    assert owns["start_date"] == "2019-03-01" and owns["label"] == "owns 70%"
    assert all(not isinstance(v, list | dict) for _, d in graph.nodes(data=True) for v in d.values())


def test_routes_gexf_keeps_every_hop_with_its_evidence(demo):
    demo("routes", "--gexf", "r.gexf", "--graphml", "r.graphml", "--csv", "r.csv", "--format", "json")
    hops = list(csv.DictReader(open(demo.cwd / "r.csv", encoding="utf-8")))
    for graph in (nx.read_gexf(demo.cwd / "r.gexf"), nx.read_graphml(demo.cwd / "r.graphml", force_multigraph=True)):
        shipped = [d for _, _, d in graph.edges(data=True) if d["relationship"] == "SHIPPED"]
        assert len(shipped) == len(hops)  # routes sharing a pair keep one edge per hop
        assert {(d["shipment_id"], d["source_file"], str(d["source_row"]), d["date"], d["hs_code"]) for d in shipped} \
            == {(h["shipment_id"], h["source_file"], h["source_row"], h["date"], h["hs_code"]) for h in hops}
        assert any(d["code_switch"] == "HS4" for d in shipped)
        labels = {d["label"] for _, d in graph.nodes(data=True)}
        assert "Nordic Home Interiors AB (fictional)" in labels


# -- CSV / JSON ----------------------------------------------------------------------------------------
def test_csv_bom_and_a_header_with_no_rows(hostile, demo):
    empty = hostile.cwd / "none.csv"
    hostile("export", "csv", str(empty), "--force")  # no trade at all: no routes
    assert empty.read_text(encoding="utf-8").splitlines() == [",".join(HOP_COLUMNS)]
    bom = _around(hostile, "csv", "links.csv", "--bom")
    raw = bom.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(open(bom, encoding="utf-8-sig")))
    assert {r["from_name"] for r in rows} >= {PERSON, HOLDING} and any(r["to_name"] == TARGET for r in rows)
    plain = _around(hostile, "csv", "links-plain.csv")
    assert not plain.read_bytes().startswith(b"\xef\xbb\xbf")


def test_owners_and_query_exports(hostile):
    doc = json.loads(hostile("owners", "ultimate", "hx-target", "--json", "o.json", "--csv", "o.csv",
                             "--format", "json").stdout)
    written = json.loads((hostile.cwd / "o.json").read_text(encoding="utf-8"))
    assert written == doc and written["owners"][0]["entity"]["name"] == PERSON
    rows = list(csv.DictReader(open(hostile.cwd / "o.csv", encoding="utf-8")))
    assert [(r["from_name"], r["to_name"], r["link_share"], r["sources"]) for r in rows] == [
        (PERSON, HOLDING, "60% stated", "ftm:registry-fictional"),
        (HOLDING, TARGET, "70% stated", "ftm:registry-fictional")]
    hostile("export", "gexf", "q.gexf", "--query", "direct-owners", "-p", "company_id=hx-target", "--force")
    graph = nx.read_gexf(hostile.cwd / "q.gexf")
    assert {d["label"] for _, d in graph.nodes(data=True)} == {TARGET, HOLDING}
    assert [d["relationship"] for *_, d in graph.edges(data=True)] == ["OWNS"]
    hostile("query", "run", "direct-owners", "-p", "company_id=hx-target", "--csv", "q.csv", "--force")
    assert next(csv.DictReader(open(hostile.cwd / "q.csv", encoding="utf-8")))["owner"] == HOLDING


def test_exports_never_overwrite_the_graph_or_an_existing_file(hostile):
    refused = hostile("export", "gexf", str(hostile.db), "--around", "hx-pe", ok=False)
    assert refused.exit_code != 0 and "would overwrite the graph file" in refused.output
    (hostile.cwd / "kept.html").write_text("mine", encoding="utf-8")
    again = hostile("owners", "ultimate", "hx-target", "--html", "kept.html", ok=False)
    assert again.exit_code != 0 and "exists; pass --force" in again.output
    assert (hostile.cwd / "kept.html").read_text(encoding="utf-8") == "mine"


def test_an_unknown_id_around_is_one_line_from_the_cli_and_a_conveyor_error_below_it(hostile):
    unknown = hostile("export", "json", "none.json", "--around", "hx-nobody", ok=False)
    assert unknown.exit_code == 1 and unknown.output == "Error: no entity with id 'hx-nobody' in the graph\n"
    with open_store(str(hostile.db)) as store, pytest.raises(ConveyorError, match="hx-nobody"):
        around_selection(store, ["hx-pe", "hx-nobody"])


def test_a_node_takes_only_the_attributes_exports_know():
    graph = nx.MultiDiGraph()
    key = add_entity(graph, "Company", "c1", None, country="DE")
    assert graph.nodes[key] == {"label": "c1", "name": "", "entity_id": "c1", "entity": "Company",
                                "role": "Company", "country": "DE"}  # no flag unless given
    add_entity(graph, "Company", "c1", "C One", synthetic=True, supernode=False)
    assert graph.nodes[key]["name"] == "C One" and graph.nodes[key]["synthetic"] is True
    with pytest.raises(TypeError):
        add_entity(graph, "Company", "c2", None, synthetc=True)  # a misspelt flag


# -- FollowTheMoney ------------------------------------------------------------------------------------
def _ftm(path: Path) -> list:
    return [model.get_proxy(json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines()]


def test_ftm_lines_parse_with_followthemoney(hostile, demo):
    proxies = _ftm(_around(hostile, "ftm", "around.ftm"))
    by_schema: dict[str, list] = {}
    for p in proxies:
        by_schema.setdefault(p.schema.name, []).append(p)
    assert sorted(by_schema) == ["Company", "Directorship", "Ownership", "Person", "Sanction"]
    names = {p.first("name"): p.id for p in proxies if p.schema.name in ("Company", "Person")}
    assert set(names) == {TARGET, HOLDING, PERSON}
    assert sorted((names_of(p, "owner", names), names_of(p, "asset", names), p.first("percentage"))
                  for p in by_schema["Ownership"]) == sorted([
        (PERSON, HOLDING, "60"), (PERSON, HOLDING, "5"), (HOLDING, TARGET, "70")])
    director = by_schema["Directorship"][0]
    assert director.first("role") == "director & secretary" and director.first("director") == names[PERSON]
    sanction = by_schema["Sanction"][0]
    assert sanction.first("entity") == names[PERSON] and sanction.first("program") == PROGRAMME
    assert sanction.first("listingDate") == "2022-01-01"

    trade = _ftm(demo("export", "ftm", "r.ftm", "--force") and demo.cwd / "r.ftm")
    hops = [p for p in trade if p.schema.name == "EconomicActivity"]
    assert hops and all(p.first("sender") and p.first("receiver") and p.first("vedCode") and p.first("date")
                        for p in hops)
    assert any("shipments-synthetic.csv row" in (p.first("description") or "") for p in hops)
    assert {p.schema.name for p in trade} >= {"PublicBody", "Company", "EconomicActivity", "UnknownLink"}


def names_of(proxy, prop: str, names: dict[str, str]) -> str:
    reverse = {v: k for k, v in names.items()}
    return reverse[proxy.first(prop)]


# -- HTML ----------------------------------------------------------------------------------------------
def _dataset(page: str, which: str) -> list[dict]:
    found = re.search(rf"{which} = new vis\.DataSet\((\[.*?\])\);\n", page, re.S)
    assert found, f"no {which} DataSet in the page"
    return json.loads(found.group(1))


def test_html_shows_hostile_names_as_written_and_offline(hostile):
    hostile("owners", "ultimate", "hx-target", "--html", "owners.html", "--force")
    page = (hostile.cwd / "owners.html").read_text(encoding="utf-8")
    nodes = _dataset(page, "nodes")
    # The data vis-network draws as text: the names themselves, never HTML entities.
    assert {n["label"] for n in nodes} == {TARGET, HOLDING, PERSON}
    assert not any("&amp;" in n["label"] or "&#" in n["title"] or "&lt;" in n["title"] for n in nodes)
    assert any(n["title"].startswith(f"entity asked about: {TARGET}") for n in nodes)
    edges = _dataset(page, "edges")
    assert {e["label"] for e in edges} == {"owns 60% stated", "owns 70% stated"}
    assert all("evidence" not in e["title"] or "record" in e["title"] for e in edges)
    assert any("registry-fictional.jsonl:" in e["title"] for e in edges)  # file and row per hop
    # Nothing a name holds ends the script or becomes markup; our heading is escaped once.
    assert "<img src=x" not in page and "</script> (fictional)" not in page
    assert "O&#x27;Brien &amp; Sons &lt;img src=x onerror=alert(1)&gt; (fictional)" in page
    assert "&amp;amp;" not in page
    assert 'id="cv-legend"' in page and "entity asked about" in page and 'id="cv-search"' in page
    assert "stabilizationIterationsDone" in page and '"direction": "LR"' in page
    assert not re.search(r'(src|href)="https?://', page)


def test_html_size_cap_says_what_was_cut(hostile):
    hostile("export", "html", "capped.html", "--owners", "hx-target", "--max-nodes", "2", "--force")
    page = (hostile.cwd / "capped.html").read_text(encoding="utf-8")
    assert len(_dataset(page, "nodes")) == 2
    assert "Showing 2 of 3 nodes and 1 of 2 links (size cap 2); cut: 1 Person" in page
    walked = hostile("export", "json", "walk.json", "--around", "hx-target", "--hops", "3", "--max-nodes", "2",
                     "--force")
    assert "stopped at 2 nodes (--max-nodes)" in walked.stderr
    assert len(json.loads((hostile.cwd / "walk.json").read_text(encoding="utf-8"))["nodes"]) == 2


def test_routes_html_marks_code_switches_with_dates_and_codes(demo):
    demo("routes", "--html", "routes.html", "--force")
    edges = _dataset((demo.cwd / "routes.html").read_text(encoding="utf-8"), "edges")
    switched = [e for e in edges if "CODE SWITCHED" in e["title"]]
    assert switched and all(e["color"] == "#d9534f" for e in switched)
    assert any(re.search(r"2024-\d\d-\d\d HS \d{6,}", e["label"]) for e in edges)
    assert all("evidence: shipments-synthetic.csv row" in e["title"] for e in edges if "HS" in e["label"])


@pytest.mark.skipif(not shutil.which("chromium"), reason="Debian's chromium is not installed")
def test_html_in_a_real_browser_runs_nothing_from_a_name(hostile):
    path = _around(hostile, "html", "browser.html")
    done = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000",
                           "--dump-dom", path.as_uri()], capture_output=True, text=True, timeout=120)
    dom = done.stdout
    assert "vis-network" in dom and "<canvas" in dom  # the network was drawn
    assert "<img" not in dom  # the name's <img onerror> never became an element
    assert "Within 2 link(s) of hx-pe" in dom


# -- Cypher ----------------------------------------------------------------------------------------------
def test_export_cypher_lints_clean_for_neo4j():
    params = {"ids": ["x"], "types": ["OWNS"], "limit": 1, "prefix": "x", "name": "x"}
    found = problems(lint([(name, text, params) for name, text in STATEMENTS.items()]))
    assert found == [], "\n".join(found)
