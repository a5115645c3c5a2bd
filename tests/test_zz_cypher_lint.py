"""Every Cypher string that may reach Neo4j, checked by Neo4j's own linter.

Named test_zz_ so that it runs last and also lints every statement the other tests actually sent to
a store (recorded by conftest). It first drives the main paths itself (demo load, every saved query,
route search), so it is meaningful when run alone too.
"""

from __future__ import annotations

import itertools

import pytest

from graph import cypher
from graph.schema import NODES, RELATIONSHIPS
from graph.store import schema_statements
from queries.saved import saved_queries

from .conftest import RECORDED
from .cypher_lint import lint, problems


def _example_params(q) -> dict:
    examples = {"string": "x", "int": 1, "float": 1.0, "bool": True, "list": ["x"]}
    return {p.name: examples[p.type] for p in q.params}


def generated_statements() -> list[tuple[str, str, dict]]:
    prov = {"prov": {"source": "s", "source_prefix": "s@", "run": "s@1", "seen": "2026-01-01"}, "rows": []}
    out = []
    for label, nt in NODES.items():
        for n in range(len(nt.roles) + 1):
            for roles in itertools.combinations(nt.roles, n):
                out.append((f"upsert {label} {roles}", cypher.upsert_nodes_cypher(label, roles), prov))
        out.append((f"retire {label}", cypher.retire_nodes_cypher(label), prov))
    for rel in RELATIONSHIPS.values():
        for start, end in rel.endpoints:
            out.append((f"upsert {rel.type} {start}->{end}", cypher.upsert_relationships_cypher(rel.type, start, end),
                        prov))
            out.append((f"missing {start}->{end}", cypher.missing_endpoints_cypher(start, end), {"rows": []}))
        out.append((f"retire {rel.type}", cypher.retire_relationships_cypher(rel.type), prov))
    derived = {**prov, "rows": [], "sources": []}
    for rel in ("SUPPLIES", "NOTIFIES"):
        for create in (True, False):
            out.append((f"derived {rel} create={create}",
                        cypher.write_derived_relationships_cypher(rel, "Company", "Company", create=create), derived))
        out.append((f"delete {rel}", cypher.delete_relationships_cypher(rel, "Company", "Company"), {"rows": []}))
    roles = NODES["Company"].roles
    out.append(("roles", cypher.set_roles_cypher("Company", roles[:1], roles[1:]), {"ids": []}))
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


def test_everything_sent_to_a_store_lints_clean(run_cli):
    # Drive the main paths so this file is meaningful alone, then lint all that any test sent.
    run_cli("demo", "--out", "demo-out")
    for q in saved_queries().values():
        params = [x for p in q.params if p.required for x in ("-p", f"{p.name}=x")]
        run_cli("query", "run", q.name, *params, "--format", "json")
    run_cli("routes", "--format", "json")
    recorded = [(f"recorded {i}", text, params) for i, (text, params) in enumerate(RECORDED.items())
                if not _falkordb_only(text)]
    if not recorded:
        pytest.fail("no Cypher was recorded")
    found = problems(lint(recorded))
    assert found == [], "\n".join(found[:20])


def _falkordb_only(text: str) -> bool:
    # FalkorDB's own index DDL and its id() lookups never reach Neo4j (Neo4jStore has its own DDL, and
    # internal_ids is False there, so derived edges are written by key).
    return (text.startswith("CREATE INDEX FOR") or text.startswith("MATCH (n) WHERE id(n) IN $ids")
            or "WHERE id(a) = row.a AND id(b) = row.b" in text or "RETURN key, id(n) AS node_id" in text)
