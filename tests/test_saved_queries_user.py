"""Saved queries analysts add themselves (--queries-dir, $CONVEYOR_QUERIES, ~/.config/conveyor/queries),
`query show`, `query list` when piped, "did you mean", and ad-hoc `query cypher` (read-only unless
--write). Everything through the real CLI on a real embedded graph; companies are fictional."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conveyor.graph.store import StoreError
from conveyor.queries.adhoc import write_clauses
from conveyor.queries.saved import SAVED_DIR, saved_queries

from conveyor.cli import cli

FICTIONAL = [("fictional:1", "Aurora Test Timber LLC (fictional)", "KZ"),
             ("fictional:2", "Borealis Test Furniture AB (fictional)", "SE")]

COMPANIES_IN = """// name: companies-in
// description: Companies registered in one country (an analyst's own query)
// category: analyst
// param: country string
// param: limit int = 10
// stores: falkordb, neo4j
MATCH (c:Company) WHERE c.country = $country
RETURN c.id AS id, c.name AS name ORDER BY id LIMIT $limit
"""


def _query(folder: Path, filename: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def graph(run_cli, monkeypatch, tmp_path):
    """A graph with two fictional companies, written through `query cypher --write`; no user folders
    but the ones each test sets (the config folder points into tmp_path)."""
    monkeypatch.delenv("CONVEYOR_QUERIES", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    run_cli("db", "init")
    for key, name, country in FICTIONAL:
        run_cli("query", "cypher", "--write", "CREATE (:Company {id: $id, name: $name, country: $country})",
                "-p", f"id={key}", "-p", f"name={name}", "-p", f"country={country}")
    return run_cli


def test_a_query_in_queries_dir_is_listed_shown_and_run(graph, tmp_path):
    folder = tmp_path / "mine"
    _query(folder, "companies-in.cypher", COMPANIES_IN)
    listed = graph("query", "--queries-dir", str(folder), "list")
    assert "companies-in" in listed.stdout and "yours" in listed.stdout

    shown = graph("query", "--queries-dir", str(folder), "show", "companies-in").stdout
    assert "Companies registered in one country (an analyst's own query)" in shown
    assert "country  string  required" in shown
    assert "limit    int     optional, default 10" in shown
    assert "falkordb, neo4j" in shown and str(folder / "companies-in.cypher") in shown
    assert "MATCH (c:Company) WHERE c.country = $country" in shown
    assert graph("query", "--queries-dir", str(folder), "show", "companies-in", "--cypher").stdout.startswith(
        "MATCH (c:Company)")

    ran = graph("query", "--queries-dir", str(folder), "run", "companies-in", "-p", "country=SE",
                "--format", "json")
    assert json.loads(ran.stdout) == [{"id": "fictional:2", "name": "Borealis Test Furniture AB (fictional)"}]
    # Without the folder the query is unknown.
    missing = graph("query", "run", "companies-in", "-p", "country=SE", ok=False)
    assert missing.exit_code != 0 and "no saved query 'companies-in'" in missing.output


def test_environment_and_config_folders_first_one_wins(graph, tmp_path, monkeypatch):
    first, second = tmp_path / "first", tmp_path / "second"
    config = tmp_path / "config" / "conveyor" / "queries"
    _query(first, "a.cypher", COMPANIES_IN)
    _query(second, "b.cypher", COMPANIES_IN.replace("ORDER BY id", "ORDER BY id DESC"))
    _query(config, "only-in-config.cypher", COMPANIES_IN.replace("companies-in", "only-in-config"))
    monkeypatch.setenv("CONVEYOR_QUERIES", os.pathsep.join([str(first), "", str(second)]))
    done = graph("query", "list", "--format", "json")
    names = {q["name"]: q for q in json.loads(done.stdout)}
    assert names["companies-in"]["path"] == str(first / "a.cypher")
    assert "only-in-config" in names and names["only-in-config"]["from"] == "yours"
    assert f"skipped {second / 'b.cypher'}: name 'companies-in' is also used by {first / 'a.cypher'}" in done.stderr
    # --queries-dir comes before the environment.
    third = _query(tmp_path / "third", "c.cypher", COMPANIES_IN.replace("LIMIT $limit", "LIMIT 1"))
    done = graph("query", "--queries-dir", str(third.parent), "show", "companies-in")
    assert "LIMIT 1" in done.stdout and f"skipped {first / 'a.cypher'}" in done.stderr
    # A folder named in the environment that does not exist is said, not silently ignored.
    monkeypatch.setenv("CONVEYOR_QUERIES", str(tmp_path / "nowhere"))
    assert f"skipped {tmp_path / 'nowhere'}: not a folder" in graph("query", "list").stderr


def test_a_user_query_named_like_a_shipped_one_replaces_it_with_a_notice(graph, tmp_path):
    shipped = SAVED_DIR / "colony-catalogue.cypher"
    mine = _query(tmp_path / "mine", "my-catalogue.cypher",
                  "// name: colony-catalogue\n// description: My own catalogue view\n"
                  "MATCH (c:Company) RETURN count(c) AS companies\n")
    done = graph("query", "--queries-dir", str(mine.parent), "run", "colony-catalogue", "--format", "json")
    assert json.loads(done.stdout) == [{"companies": 2}]
    assert f"saved query 'colony-catalogue' is your {mine}, which replaces the shipped {shipped}" in done.stderr
    listed = graph("query", "--queries-dir", str(mine.parent), "list", "--format", "csv").stdout
    row = next(r for r in csv.DictReader(io.StringIO(listed)) if r["name"] == "colony-catalogue")
    assert row["from"] == "yours, replaces shipped" and row["path"] == str(mine)


BAD_FILES = {
    "no-name.cypher": ("// description: no name line\nMATCH (n) RETURN n\n", "header line '// name: ...' is missing"),
    "bad-type.cypher": ("// name: bad-type\n// description: d\n// param: when date\nMATCH (n) RETURN n\n",
                        "bad parameter line 'when date'"),
    "bad-default.cypher": ("// name: bad-default\n// description: d\n// param: limit int = ten\nRETURN 1\n",
                           "default of parameter 'limit' must be int, got 'ten'"),
    "typo.cypher": ("// name: typo\n// descripton: d\nRETURN 1\n", "did you mean '// description:'?"),
    "no-cypher.cypher": ("// name: no-cypher\n// description: d\n", "no Cypher after the header"),
    "twice.cypher": ("// name: twice\n// description: d\n// param: a int\n// param: a int\nRETURN $a\n",
                     "parameter(s) ['a'] declared twice"),
    "spaces.cypher": ("// name: has spaces\n// description: d\nRETURN 1\n", "must be letters, digits"),
    "zz-duplicate.cypher": (COMPANIES_IN, "name 'companies-in' is also used by"),
}


def test_bad_files_are_skipped_with_a_warning_naming_them_and_the_rest_still_work(graph, tmp_path):
    folder = tmp_path / "mixed"
    _query(folder, "companies-in.cypher", COMPANIES_IN)
    for filename, (text, _) in BAD_FILES.items():
        _query(folder, filename, text)
    (folder / "latin1.cypher").write_bytes("// name: latin1\n// description: caf\xe9\nRETURN 1\n".encode("latin-1"))
    done = graph("query", "--queries-dir", str(folder), "list", "--format", "json")
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning: skipped ")]
    for filename, (_, reason) in BAD_FILES.items():
        assert any(str(folder / filename) in w and reason in w for w in warnings), (filename, warnings)
    assert any(str(folder / "latin1.cypher") in w and "not UTF-8" in w for w in warnings)
    assert len(warnings) == len(BAD_FILES) + 1
    names = {q["name"] for q in json.loads(done.stdout)}
    assert "companies-in" in names and set(saved_queries()) <= names
    ran = graph("query", "--queries-dir", str(folder), "run", "companies-in", "-p", "country=KZ", "--format", "csv")
    assert "fictional:1,Aurora Test Timber LLC (fictional)" in ran.stdout


def test_list_stays_readable_when_piped(graph):
    """Not a terminal (CliRunner, a pipe): one line per query, its name and whole description on it."""
    lines = graph("query", "list").stdout.splitlines()
    assert lines[0].split()[:3] == ["name", "category", "from"]
    for q in saved_queries().values():
        assert any(line.startswith(q.name + " ") and line.endswith(q.description) for line in lines), q.name
    assert len(lines) == len(saved_queries()) + 1


def test_list_json_and_csv_give_every_parameter(graph):
    entries = {q["name"]: q for q in json.loads(graph("query", "list", "--format", "json").stdout)}
    assert entries["colony-supply-paths"]["parameters"][0] == {
        "name": "colony_id", "type": "string", "default": "", "required": False}
    assert entries["colony-supply-paths"]["stores"] == ["falkordb", "neo4j"]
    rows = list(csv.DictReader(io.StringIO(graph("query", "list", "--format", "csv").stdout)))
    assert {r["name"] for r in rows} == set(saved_queries())
    assert next(r for r in rows if r["name"] == "company-trade")["parameters"].startswith("company_id:list")


def test_unknown_names_suggest_the_closest(graph):
    done = graph("query", "run", "colony-suply-paths", ok=False)
    assert done.exit_code != 0 and "did you mean colony-supply-paths?" in done.output
    done = graph("query", "show", "company-serch", ok=False)
    assert "did you mean company-search?" in done.output
    done = graph("query", "run", "colony-supply-paths", "-p", "contry=SE", ok=False)
    assert "'contry': did you mean 'country'?" in done.output


def test_query_cypher_reads_with_typed_parameters(graph):
    done = graph("query", "cypher", "MATCH (c:Company) WHERE c.country IN $countries AND $n > 0 "
                 "RETURN c.name AS name ORDER BY name", "-p", "countries:list=SE,NO", "-p", "n:int=1",
                 "--format", "json")
    assert json.loads(done.stdout) == [{"name": "Borealis Test Furniture AB (fictional)"}]
    # A write word inside a string, a comment, a property or a parameter is not a write.
    done = graph("query", "cypher", "// CREATE nothing\nMATCH (c:Company) WHERE c.name <> 'DELETE me' "
                 "RETURN count(c) AS n, $set AS set", "-p", "set=x", "--format", "json")
    assert json.loads(done.stdout) == [{"n": 2, "set": "x"}]
    done = graph("query", "cypher", "MATCH (c:Company) RETURN c", "-p", "n:date=1", ok=False)
    assert "unknown type 'date'" in done.output


@pytest.mark.parametrize("statement", [
    "MATCH (c:Company) DETACH DELETE c",
    "MATCH (c:Company) SET c.name = 'changed'",
    "MERGE (c:Company {id: 'fictional:3'})",
    "MATCH (c:Company)\nREMOVE c.country",
    "CALL apoc.create.node(['Company'], {id: 'x'})",
    "LOAD CSV FROM 'file:///x.csv' AS row RETURN row",
])
def test_query_cypher_refuses_writes_without_write_flag(graph, statement):
    before = graph("query", "cypher", "MATCH (c:Company) RETURN c.id AS id, c.name AS name, c.country AS country "
                   "ORDER BY id", "--format", "json").stdout
    done = graph("query", "cypher", statement, ok=False)
    assert done.exit_code != 0 and "runs read-only, and this statement writes" in done.output
    assert "add --write" in done.output
    after = graph("query", "cypher", "MATCH (c:Company) RETURN c.id AS id, c.name AS name, c.country AS country "
                  "ORDER BY id", "--format", "json").stdout
    assert after == before


def test_query_cypher_write_flag_writes(graph):
    graph("query", "cypher", "--write", "MATCH (c:Company {id: $id}) SET c.name = $name", "-p", "id=fictional:1",
          "-p", "name=Renamed Test LLC (fictional)")
    done = graph("query", "cypher", "MATCH (c:Company {id: 'fictional:1'}) RETURN c.name AS name", "--format", "csv")
    assert done.stdout.splitlines() == ["name", "Renamed Test LLC (fictional)"]


def test_query_cypher_reads_names_in_any_script_from_stdin(graph):
    """Cypher names may be letters of any script: the write check reads them as names, never a traceback
    ("-": the statement from stdin). The store decides whether it takes them: Neo4j does, FalkorDB says
    in one line that it does not."""
    def from_stdin(statement: str):
        return CliRunner().invoke(cli, ["--db", str(graph.db), "query", "cypher", "-", "--format", "json"],
                                  input=statement, catch_exceptions=False)

    done = from_stdin("MATCH (cafe:Company) RETURN count(cafe) AS n")
    assert done.exit_code == 0 and json.loads(done.stdout) == [{"n": 2}], done.output
    done = from_stdin("MATCH (café:Company) RETURN count(café) AS n")
    assert done.exit_code != 0 and done.output.startswith("Error: FalkorDB:") and len(done.output.splitlines()) == 1
    done = graph("query", "cypher", "MATCH (café:Company) SET café.name = 'x'", ok=False)
    assert "runs read-only, and this statement writes (SET at line 1, column 22)" in done.output


def test_query_cypher_on_a_missing_graph_says_so(run_cli):
    done = run_cli("query", "cypher", "MATCH (n) RETURN n", ok=False)
    assert done.exit_code != 0 and "no graph at" in done.output


def test_the_store_itself_refuses_a_write_in_read_only_mode(store):
    """Second line of defence, for what a text check could miss: GRAPH.RO_QUERY / a Neo4j READ session."""
    store.run("CREATE (:Company {id: 'fictional:ro', name: 'Read Only Test (fictional)'})")
    assert store.run_read_only("MATCH (c:Company {id: 'fictional:ro'}) RETURN c.name AS name") == [
        {"name": "Read Only Test (fictional)"}]
    with pytest.raises(StoreError):
        store.run_read_only("MATCH (c:Company {id: 'fictional:ro'}) SET c.name = 'changed'")
    with pytest.raises(StoreError):
        store.run_read_only("CREATE (:Company {id: 'fictional:other'})")
    assert store.run("MATCH (c:Company) RETURN c.id AS id, c.name AS name") == [
        {"id": "fictional:ro", "name": "Read Only Test (fictional)"}]


@pytest.mark.parametrize(("statement", "found"), [
    ("MATCH (n) RETURN n", []),
    ("match (n) detach delete n", ["DETACH", "DELETE"]),
    ("MATCH (n:Delete)-[:CREATE]->(m) RETURN n.set, $merge, {remove: 1}, `drop`", []),
    ("RETURN 'SET \\' CREATE', \"MERGE\" /* DELETE */ // REMOVE", []),
    ("MATCH (n) /* a comment */ SET n.x = 1", ["SET"]),
    ("LOAD CSV WITH HEADERS FROM $url AS row RETURN row", ["LOAD CSV"]),
    ("CALL db.labels() YIELD label RETURN label", []),
    ("CALL db.index.fulltext.createNodeIndex('x', ['A'], ['b'])", ["CALL db.index.fulltext.createNodeIndex"]),
    ("MATCH (n) CALL { WITH n RETURN n.id AS id } RETURN id", []),
    ("MATCH (n) CALL (n) { CREATE (m) } RETURN n", ["CREATE"]),
    ("UNWIND [1] AS x FOREACH (y IN [x] | CREATE (:A))", ["FOREACH", "CREATE"]),
    ("INSERT (:A)", ["INSERT"]),
    ("DROP INDEX x", ["DROP"]),
    ("MATCH (café) SET café.x = 1 RETURN café.ändert", ["SET"]),  # names in any script
])
def test_write_clauses_read_cypher_as_its_lexer_does(statement, found):
    assert [c.word for c in write_clauses(statement)] == found
