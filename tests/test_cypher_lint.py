"""Every Cypher string that may reach Neo4j, checked by Neo4j's own linter.

Every statement any test actually sends to a store is linted once at the end of the session by
tests/conftest.py (pytest_sessionfinish), which fails the run on a problem; the last test here checks
that it does. The tests here lint what is generated from the schema, the saved queries, and what the
main paths (demo load, every saved query, route search) send.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import RECORDED, recorded_for_neo4j
from conveyor.graph import cypher
from conveyor.graph.rows import Provenance
from conveyor.graph.schema import NODES, RELATIONSHIPS
from conveyor.graph.store import schema_statements
from conveyor.queries.saved import saved_queries
from cypher_lint import lint, problems


def _example_params(q) -> dict:
    examples = {"string": "x", "int": 1, "float": 1.0, "bool": True, "list": ["x"]}
    return {p.name: examples[p.type] for p in q.params}


def generated_statements() -> list[tuple[str, str, dict]]:
    prov = {"prov": cypher.prov_params(Provenance("s", "s@1", "2026-01-01")), "rows": []}
    job = cypher.prov_params(Provenance.derived("job", "s@1"))
    out = []
    for label, nt in NODES.items():
        for n in range(len(nt.roles) + 1):
            for roles in itertools.combinations(nt.roles, n):
                out.append((f"upsert {label} {roles}", cypher.upsert_nodes_cypher(label, roles), prov))
        out.append((f"upsert {label} first load", cypher.upsert_nodes_cypher(label, first=True), prov))
        out.append((f"retire {label}", cypher.retire_nodes_cypher(label), prov))
    for rel in RELATIONSHIPS.values():
        for start, end in rel.endpoints:
            out.append((f"upsert {rel.type} {start}->{end}", cypher.upsert_relationships_cypher(rel.type, start, end),
                        prov))
            out.append((f"upsert {rel.type} {start}->{end} derived",
                        cypher.upsert_relationships_cypher(rel.type, start, end, derived=True),
                        {**prov, "derived": job}))
            out.append((f"upsert {rel.type} {start}->{end} first load",
                        cypher.upsert_relationships_cypher(rel.type, start, end, first=True), prov))
            out.append((f"missing {start}->{end}", cypher.missing_endpoints_cypher(start, end), {"rows": []}))
        out.append((f"retire {rel.type}", cypher.retire_relationships_cypher(rel.type), prov))
    derived = {"prov": job, "rows": [], "sources": []}
    for rel in ("SUPPLIES", "NOTIFIES"):
        for create in (True, False):
            out.append((f"derived {rel} create={create}",
                        cypher.write_derived_relationships_cypher(rel, "Company", "Company", create=create), derived))
        out.append((f"delete {rel}", cypher.delete_relationships_cypher(rel, "Company", "Company"), {"rows": []}))
    for label in ("Company", "Person", "Address"):
        out.append((f"flag supernodes {label}", cypher.flag_supernodes_cypher(label),
                    {"rows": cypher.flag_params([("x", "degree 9 >= 1")], "degree"), "prov": job}))
    roles = NODES["Company"].roles
    out.append(("roles", cypher.set_roles_cypher("Company", roles[:1], roles[1:]), {"ids": [], "prov": job}))
    out += [("current runs", cypher.CURRENT_RUNS, {"format": "shipments"}),
            ("merged companies", cypher.MERGED_COMPANIES, {})]
    out += [(f"neo4j ddl {i}", s, {}) for i, s in enumerate(schema_statements())]
    out += [("count labels", cypher.COUNT_LABELS, {}), ("count types", cypher.COUNT_TYPES, {}),
            ("delete batch", cypher.DELETE_BATCH, {"limit": 1})]
    return out


def test_generated_upserts_and_ddl_lint_clean():
    statements = generated_statements()
    assert len(statements) > 60
    assert problems(lint(statements)) == []


def test_saved_queries_lint_clean():
    queries = saved_queries()
    assert queries, "no saved queries found"
    results = lint([(f"saved {q.name}", q.cypher, _example_params(q)) for q in queries.values()])
    assert problems(results) == []


def test_the_linter_really_rejects_bad_cypher():
    results = lint([("broken", "MATCH (n:Company RETURN n", {}), ("unknown label", "MATCH (n:Compnay) RETURN n", {}),
                    ("undeclared param", "MATCH (n:Company {id: $nope}) RETURN n", {})])
    found = problems(results)
    assert any("broken: ERROR" in p for p in found)
    assert any("unknown label: SCHEMA" in p for p in found)
    assert any("undeclared param: ERROR" in p for p in found)


def test_main_paths_send_lint_clean_cypher(run_cli):
    # What the main paths send; everything any test sent is linted again at the session's end.
    before = set(RECORDED)
    run_cli("demo", "--out", "demo-out")
    for q in saved_queries().values():
        params = [x for p in q.params if p.required for x in ("-p", f"{p.name}=x")]
        run_cli("query", "run", q.name, *params, "--format", "json")
    run_cli("routes", "--format", "json")
    recorded = [item for item in recorded_for_neo4j() if item[1] not in before]
    if not recorded:
        pytest.fail("no Cypher was recorded")
    found = problems(lint(recorded))
    assert found == [], "\n".join(found[:20])



ROOT = Path(__file__).resolve().parent.parent


def _pytest_with_our_hooks(tmp_path: Path, cypher_text: str) -> subprocess.CompletedProcess:
    # A separate pytest run with tests/conftest.py as a plugin, one test that sends `cypher_text` to a
    # real embedded FalkorDB store (which runs it: an unknown label just matches nothing).
    (tmp_path / "test_sends.py").write_text(
        "from conveyor.graph.store import open_store\n\n"
        "def test_sends(tmp_path):\n"
        "    store = open_store(str(tmp_path / 'g.db'))\n"
        "    try:\n"
        f"        store.run({cypher_text!r})\n"
        "    finally:\n"
        "        store.close()\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tests")}  # conftest and cypher_lint, not the repo root
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "conftest", "-q", "-p", "no:cacheprovider",
                           "--rootdir", str(tmp_path), str(tmp_path / "test_sends.py")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


def test_the_session_fails_when_a_test_sent_cypher_neo4j_rejects(tmp_path: Path) -> None:
    bad = _pytest_with_our_hooks(tmp_path, "MATCH (n:Compnay) RETURN count(n) AS n")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "1 passed" in bad.stdout  # the test itself passed: the session hook failed the run
    assert "Neo4j's linter rejects" in bad.stdout and "Compnay" in bad.stdout, bad.stdout
    good = _pytest_with_our_hooks(tmp_path, "MATCH (n:Company) RETURN count(n) AS n")
    assert good.returncode == 0, good.stdout + good.stderr
