"""Cypher generated from the schema: batched UNWIND upserts and provenance bookkeeping.

Labels, types and property names are taken from graph.schema and checked there; every value travels
in the `$rows` / `$prov` parameters. The generated text is the same for FalkorDB and Neo4j, and the
tests lint every variant with Neo4j's own linter.
"""

from __future__ import annotations

from .schema import NodeType, RelType, check_endpoints, node_type, rel_type

# Shared by nodes and relationships: `x` is the variable being upserted, `$prov` carries
# source, run (source@content-hash), seen (ISO date) and each row carries an optional record id.
_PROVENANCE_SET = """
SET {x}.first_seen = coalesce({x}.first_seen, $prov.seen),
    {x}.last_seen = $prov.seen,
    {x}.sources = CASE WHEN $prov.source IN coalesce({x}.sources, []) THEN {x}.sources
                  ELSE coalesce({x}.sources, []) + [$prov.source] END,
    {x}.source_runs = [s IN coalesce({x}.source_runs, []) WHERE NOT s STARTS WITH $prov.source_prefix]
                      + [$prov.run],
    {x}.record_ids = CASE WHEN row.record_id IS NULL OR row.record_id IN coalesce({x}.record_ids, [])
                     THEN {x}.record_ids ELSE coalesce({x}.record_ids, []) + [row.record_id] END"""


def upsert_nodes_cypher(label: str, roles: tuple[str, ...] = ()) -> str:
    """MERGE nodes of `label` on their key; `roles` are extra labels the schema allows on it."""
    nt: NodeType = node_type(label)
    bad = [r for r in roles if r not in nt.roles]
    if bad:
        raise ValueError(f"{label} cannot carry role labels {bad}; allowed: {list(nt.roles)}")
    role_set = "".join(f"\nSET n:{r}" for r in roles)
    return (
        f"UNWIND $rows AS row\nMERGE (n:{label} {{{nt.key}: row.key}})\nSET n += row.props"
        f"{role_set}{_PROVENANCE_SET.format(x='n')}\nRETURN count(n) AS written"
    )


def upsert_relationships_cypher(rel: str, start: str, end: str) -> str:
    """MERGE relationships between existing nodes, matched by their keys.

    Rows whose endpoints are missing produce nothing; callers find them first with
    missing_endpoints_cypher so that they can be reported as rejects rather than lost.
    """
    rt: RelType = rel_type(rel)
    check_endpoints(rt, start, end)
    a, b = node_type(start), node_type(end)
    merge_props = f" {{{rt.key}: row.rel_key}}" if rt.key else ""
    return (
        f"UNWIND $rows AS row\n"
        f"MATCH (a:{start} {{{a.key}: row.start}})\n"
        f"MATCH (b:{end} {{{b.key}: row.end}})\n"
        f"MERGE (a)-[r:{rel}{merge_props}]->(b)\n"
        f"SET r += row.props{_PROVENANCE_SET.format(x='r')}\n"
        f"RETURN count(r) AS written"
    )


def missing_endpoints_cypher(start: str, end: str) -> str:
    """Rows (by position) whose start or end node does not exist."""
    a, b = node_type(start), node_type(end)
    return (
        "UNWIND $rows AS row\n"
        f"OPTIONAL MATCH (a:{start} {{{a.key}: row.start}})\n"
        f"OPTIONAL MATCH (b:{end} {{{b.key}: row.end}})\n"
        "WITH row, a, b WHERE a IS NULL OR b IS NULL\n"
        "RETURN row.i AS i, a IS NULL AS start_missing, b IS NULL AS end_missing"
    )


def retire_nodes_cypher(label: str) -> str:
    """Drop one source's claim from nodes it no longer asserts; delete nodes no source asserts."""
    node_type(label)
    return (
        f"MATCH (n:{label})\n"
        "WHERE any(s IN coalesce(n.source_runs, []) WHERE s STARTS WITH $prov.source_prefix)\n"
        "  AND NOT $prov.run IN n.source_runs\n"
        "SET n.source_runs = [s IN n.source_runs WHERE NOT s STARTS WITH $prov.source_prefix],\n"
        "    n.sources = [s IN n.sources WHERE s <> $prov.source]\n"
        "WITH n WHERE size(n.source_runs) = 0\n"
        "DETACH DELETE n\n"
        "RETURN count(*) AS deleted"
    )


def retire_relationships_cypher(rel: str) -> str:
    rel_type(rel)
    return (
        f"MATCH ()-[r:{rel}]->()\n"
        "WHERE any(s IN coalesce(r.source_runs, []) WHERE s STARTS WITH $prov.source_prefix)\n"
        "  AND NOT $prov.run IN r.source_runs\n"
        "SET r.source_runs = [s IN r.source_runs WHERE NOT s STARTS WITH $prov.source_prefix],\n"
        "    r.sources = [s IN r.sources WHERE s <> $prov.source]\n"
        "WITH r WHERE size(r.source_runs) = 0\n"
        "DELETE r\n"
        "RETURN count(*) AS deleted"
    )


COUNT_LABELS = "MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS count ORDER BY label"
COUNT_TYPES = "MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS count ORDER BY type"
DELETE_BATCH = "MATCH (n) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted"
