"""Index DDL comes from one declaration (graph.schema.index_specs): the embedded FalkorDB creates exactly
those indexes and uniqueness rules, and the Neo4j DDL names exactly the same (label, property) pairs."""

from __future__ import annotations

import re

from conveyor.graph.schema import NODES, index_specs
from conveyor.graph.store.neo4j_store import schema_statements


def _declared() -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    specs = index_specs()
    return {(s.label, s.property) for s in specs}, {(s.label, s.property) for s in specs if s.unique}


def test_specs_cover_every_key_and_indexed_property():
    indexed, unique = _declared()
    assert unique == {(nt.label, nt.key) for nt in NODES.values()}
    assert indexed == unique | {(nt.label, p) for nt in NODES.values() for p in nt.indexed}


def test_falkordb_creates_the_declared_indexes(falkor):
    falkor.ensure_schema()
    indexed, unique = _declared()
    assert falkor._existing_indexes() == indexed
    assert falkor._existing_unique_constraints() == unique


def test_neo4j_ddl_names_the_same_pairs():
    indexed, unique = _declared()
    constraints, indexes = set(), set()
    for statement in schema_statements():
        label, prop = re.search(r"FOR \(n:(\w+)\) (?:REQUIRE |ON \()n\.(\w+)", statement).groups()
        (constraints if "CONSTRAINT" in statement else indexes).add((label, prop))
    assert constraints == unique  # a uniqueness constraint brings its own index in Neo4j
    assert indexes == indexed - unique
    assert len(schema_statements()) == len(index_specs())
