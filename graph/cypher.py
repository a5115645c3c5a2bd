"""Cypher generated from the schema: batched UNWIND upserts and provenance bookkeeping.

Labels, types and property names are taken from graph.schema and checked there; every value travels
in the `$rows` / `$prov` parameters. The generated text is the same for FalkorDB and Neo4j, and the
tests lint every variant with Neo4j's own linter.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from .errors import SchemaError
from .rows import NodeRow, Provenance, RelRow
from .schema import NodeType, RelType, check_endpoints, node_type, rel_type


# -- parameters: the only place that knows the names the statements below read ---------------------
def prov_params(prov: Provenance) -> dict[str, Any]:
    """$prov of every statement here."""
    return {"source": prov.source, "run": prov.run, "seen": prov.seen, "cause": prov.cause}


def _given(props: dict[str, Any]) -> dict[str, Any]:
    # Neither store keeps a null property; sending one would erase what another source set. A property
    # the source leaves out is withdrawn instead, by the claim (_claims_set).
    return {k: v for k, v in props.items() if v is not None and v != ""}


@functools.lru_cache(maxsize=4096)
def _claim(names: tuple[str, ...]) -> str:
    """The names of what a row asserts, ",a,b," (schema names: no "," or "=" in them). The rows of one
    type give few distinct sets of names: each string is built once, not once a row."""
    return "," + "".join(f"{name}," for name in names)


def node_params(rows: Sequence[NodeRow], *, claims: bool = True) -> list[dict[str, Any]]:
    """$rows of upsert_nodes_cypher; `claims` False for a type without properties, whose upsert reads
    no claim."""
    out = []
    for r in rows:
        props = _given(r.props)
        row: dict[str, Any] = {"key": r.key, "record_id": r.record_id, "props": props}
        if claims:
            row["claim"] = _claim(tuple(props))
        out.append(row)
    return out


def rel_params(rows: Sequence[RelRow], *, claims: bool = True) -> list[dict[str, Any]]:
    """$rows of upsert_relationships_cypher; `claims` as in node_params."""
    out = []
    for r in rows:
        props = _given(r.props)
        row: dict[str, Any] = {"start": r.start, "end": r.end, "rel_key": r.rel_key, "record_id": r.record_id,
                               "props": props}
        if claims:
            row["claim"] = _claim(tuple(props))
        out.append(row)
    return out


def endpoint_params(pairs: Sequence[tuple[Any, Any]], offset: int = 0) -> list[dict[str, Any]]:
    """$rows of missing_endpoints_cypher (row.i: the position, to name the rows missing an end) and of
    delete_relationships_cypher."""
    return [{"i": offset + i, "start": s, "end": e} for i, (s, e) in enumerate(pairs)]


def derived_set(x: str, param: str = "$prov") -> str:
    """A SET item recording on `x` that the job whose Provenance is `param` wrote to it, because of the
    load it names as cause: the job's entry in derived_by ("<job source>=<cause run>", one per job, the
    latest) replaced. What a job derives on a loaded node or relationship (roles, merged_into, supernode,
    a catalogue match) is not a claim of any source: no reload withdraws it, and this says where it
    came from."""
    return (f"{x}.derived_by = [d IN coalesce({x}.derived_by, []) WHERE NOT d STARTS WITH ({param}.source + '=')]"
            f" + [{derived_entry(param)}]")


def derived_entry(param: str = "$prov") -> str:
    """The job's entry in derived_by, "<job source>=<cause run>" (rows.Provenance.derived_entry in Python)."""
    return f"{param}.source + '=' + coalesce({param}.cause, {param}.run)"


def of_source(run: str) -> str:
    """True when the run tag `run` (an expression) belongs to the source being loaded: the source's
    exact name, then "@", then a digest (which has no "@"). Never a prefix match: source "customs" must
    not claim the runs of "customs@eu" ("customs@eu@<digest>")."""
    return (f"({run} STARTS WITH ($prov.source + '@') "
            f"AND NOT (substring({run}, size($prov.source) + 1) CONTAINS '@'))")


OF_SOURCE = of_source("s")


def _provenance_set(x: str) -> str:
    """Provenance of `x` (a node or relationship being upserted) after one row of a load, continuing
    the SET clause the upsert opened (one SET is one update step for FalkorDB, cheaper than two). `$prov`
    carries source, run (source@content-hash) and seen (ISO date); the row an optional record id.
    record_runs runs parallel to record_ids, so a newer version of a source drops the record ids its
    older versions cited and keeps every other source's; a reload of the same run changes nothing."""
    stale = of_source("coalesce(id_runs[i], '')")
    return f""",
    {x}.first_seen = coalesce({x}.first_seen, $prov.seen),
    {x}.last_seen = $prov.seen,
    {x}.sources = CASE WHEN $prov.source IN coalesce({x}.sources, []) THEN {x}.sources
                  ELSE coalesce({x}.sources, []) + [$prov.source] END,
    {x}.source_runs = CASE WHEN $prov.run IN coalesce({x}.source_runs, []) THEN {x}.source_runs
                      ELSE [s IN coalesce({x}.source_runs, []) WHERE NOT {OF_SOURCE}] + [$prov.run] END
WITH {x}, row, coalesce({x}.record_ids, []) AS ids, coalesce({x}.record_runs, []) AS id_runs
WITH {x}, row, ids, id_runs,
     [i IN range(0, size(ids) - 1) WHERE coalesce(id_runs[i], '') = $prov.run OR NOT {stale}] AS keep
WITH {x}, row, ids, id_runs, keep,
     row.record_id IS NULL OR any(i IN keep WHERE ids[i] = row.record_id AND id_runs[i] = $prov.run) AS known
SET {x}.record_ids = [i IN keep | ids[i]] + CASE WHEN known THEN [] ELSE [row.record_id] END,
    {x}.record_runs = [i IN keep | coalesce(id_runs[i], '')] + CASE WHEN known THEN [] ELSE [$prov.run] END"""


# Which properties each source asserted, on every node and relationship with properties: `claims` holds
# one entry per source, "<source>=<props>" with <props> = ",name,country," (the row's non-null property
# names, which never contain "="; a source's name may, so <props> is what follows the last "="). Only
# claimed properties are ever withdrawn, so what jobs derive (merged_into, supernode, SUPPLIES, role
# labels) is never touched by a reload.
CLAIM_SEP = "="
_MINE = (f"(c STARTS WITH ($prov.source + '{CLAIM_SEP}') "
         f"AND NOT (substring(c, size($prov.source) + 1) CONTAINS '{CLAIM_SEP}'))")
_MY_NAMES = "reduce(s = '', c IN claims | CASE WHEN {mine} THEN s + substring(c, size($prov.source) + 1) ELSE s END)"
_HELD = f"reduce(s = '', c IN claims | CASE WHEN {_MINE} THEN s ELSE s + last(split(c, '{CLAIM_SEP}')) END)"


def _withdraw(x: str, props: tuple[str, ...]) -> str:
    """Remove from `x` each property named in `gone` (static names from the schema, no dynamic keys);
    only rows that withdraw something pay for the SET."""
    sets = ",\n    ".join(f"{x}.{p} = CASE WHEN '{p}' IN gone THEN null ELSE {x}.{p} END" for p in props)
    return f"FOREACH (w IN CASE WHEN size(gone) > 0 THEN [1] ELSE [] END |\n  SET {sets})"


def _claims_set(x: str, props: tuple[str, ...], first: bool = False) -> str:
    """Opens the upsert's SET: the row's properties on `x`, after what the source no longer asserts is
    taken off.

    `row.claim` lists the row's property names (",a,b,"). If the source already wrote `x` in this run
    (an earlier row or chunk of the same file, or a reload of it: its run is in source_runs), the names
    are added to its entry. Otherwise the properties its entry named and this row does not are
    withdrawn, unless another source claims them too: then the value stays (it is that source's, or,
    when this source wrote last, this source's older one: a value overwritten is not kept anywhere to
    restore).

    Cost: FalkorDB evaluates every branch of a CASE and both sides of AND / OR, but a FOREACH body
    only for the elements of its list. So the common case, `plain` (a first write, or one entry
    naming exactly the row's properties: a reload where nothing was withdrawn), is decided with two
    comparisons, and the parsing runs inside a FOREACH taken only by the other rows (whose claims
    the FOREACH writes; the SET after it reads them back). `claims` is read once where it can be
    (FalkorDB clones a list property on each read), and a SET is one update step per row: one more
    for `plain` would cost more than the expressions it saves.

    `first`: the source's first load (Provenance.first), where nothing can be withdrawn and the entry is
    simply added (a 1.4 kB Company statement instead of 5.4 kB; 30k new companies: server CPU 1.49 ->
    1.33 s). A node written twice in that run with other property names gets a second entry of the
    source; every reader above takes the union of a source's entries."""
    if not props:
        return f"\nSET {x} += row.props"
    if first:
        entry = f"$prov.source + '{CLAIM_SEP}' + row.claim"
        return (f"\nSET {x} += row.props,\n"
                f"    {x}.claims = [c IN coalesce({x}.claims, []) WHERE c <> ({entry})] + [{entry}]")
    mine = _MY_NAMES.format(mine=_MINE)
    union = (f"reduce(s = {mine}, p IN split(row.claim, ',') | "
             "CASE WHEN p = '' OR (s CONTAINS (',' + p + ',')) THEN s ELSE s + p + ',' END)")
    others = f"[c IN claims WHERE NOT {_MINE}]"
    gone = (f"[p IN split({mine}, ',') WHERE p <> '' AND NOT (row.claim CONTAINS (',' + p + ','))\n"
            f"         AND NOT ({_HELD} CONTAINS (',' + p + ','))]")
    withdraw = _withdraw(x, props).replace("\n", "\n      ")
    return f"""
WITH {x}, row, coalesce({x}.claims, []) AS claims
WITH {x}, row, claims, size(claims) = 0 OR (size(claims) = 1 AND (claims[0] ENDS WITH ('{CLAIM_SEP}' + row.claim)))
     AS plain
FOREACH (_ IN CASE WHEN plain THEN [] ELSE [1] END |
  FOREACH (again IN [$prov.run IN coalesce({x}.source_runs, [])] |
    SET {x}.claims = {others} + [$prov.source + '{CLAIM_SEP}' + CASE WHEN again THEN {union} ELSE row.claim END]
    FOREACH (gone IN CASE WHEN again THEN [] ELSE [{gone}] END |
      {withdraw})))
SET {x} += row.props,
    {x}.claims = CASE WHEN plain THEN {others} + [$prov.source + '{CLAIM_SEP}' + row.claim] ELSE {x}.claims END"""


def _retire_claims(x: str, props: tuple[str, ...]) -> str:
    """Drop the source's entry from `x`.claims and withdraw what it alone claimed."""
    if not props:
        return ""
    return (
        f"WITH {x}, coalesce({x}.claims, []) AS claims\n"
        f"WITH {x}, [c IN claims WHERE NOT {_MINE}] AS others,\n"
        f"     [p IN split({_MY_NAMES.format(mine=_MINE)}, ',') WHERE p <> ''\n"
        f"       AND NOT ({_HELD} CONTAINS (',' + p + ','))] AS gone\n"
        f"SET {x}.claims = CASE WHEN size(others) = 0 THEN null ELSE others END\n"
        f"{_withdraw(x, props)}\n"
    )


def _retire_set(x: str) -> str:
    """Drop one source's claim (runs, name, record ids) from `x`, computed from the values before."""
    mine = of_source("coalesce(id_runs[i], '')")
    return (
        f"WITH {x}, coalesce({x}.record_ids, []) AS ids, coalesce({x}.record_runs, []) AS id_runs\n"
        f"WITH {x}, ids, id_runs, [i IN range(0, size(ids) - 1) WHERE NOT {mine}] AS keep\n"
        f"SET {x}.source_runs = [s IN {x}.source_runs WHERE NOT {OF_SOURCE}],\n"
        f"    {x}.sources = [s IN {x}.sources WHERE s <> $prov.source],\n"
        f"    {x}.record_ids = [i IN keep | ids[i]], {x}.record_runs = [i IN keep | coalesce(id_runs[i], '')]\n"
    )


def upsert_nodes_cypher(label: str, roles: tuple[str, ...] = (), *, first: bool = False) -> str:
    """MERGE nodes of `label` on their key; `roles` are extra labels the schema allows on it; `first`: for
    a source's first load (_claims_set)."""
    nt: NodeType = node_type(label)
    bad = [r for r in roles if r not in nt.roles]
    if bad:
        raise SchemaError(f"{label} cannot carry role labels {bad}; allowed: {list(nt.roles)}")
    role_set = "".join(f", n:{r}" for r in roles)
    return (
        f"UNWIND $rows AS row\nMERGE (n:{label} {{{nt.key}: row.key}})"
        f"{_claims_set('n', nt.properties, first)}{role_set}{_provenance_set('n')}\nRETURN count(n) AS written"
    )


def upsert_relationships_cypher(rel: str, start: str, end: str, *, derived: bool = False,
                                first: bool = False) -> str:
    """MERGE relationships between existing nodes, matched by their keys.

    Rows whose endpoints are missing produce nothing; callers find them first with
    missing_endpoints_cypher so that they can be reported as rejects rather than lost. `derived`: a job
    found them in what $prov's source gives (a catalogue match in its shipments), and $derived is the
    job's Provenance (derived_set): the source's provenance makes a newer version of it retire them.
    `first`: for a source's first load (_claims_set).
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
        f"{_claims_set('r', rt.properties, first).lstrip()}{_provenance_set('r')}"
        f"{',' + chr(10) + '    ' + derived_set('r', '$derived') if derived else ''}\n"
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
    """Drop one source's claim from nodes it no longer asserts (and the properties only it claimed);
    delete nodes no source asserts."""
    nt = node_type(label)
    return (
        f"MATCH (n:{label})\n"
        f"WHERE any(s IN coalesce(n.source_runs, []) WHERE {OF_SOURCE})\n"
        "  AND NOT $prov.run IN n.source_runs\n"
        f"{_retire_claims('n', nt.properties)}"
        f"{_retire_set('n')}"
        "WITH n WHERE size(n.source_runs) = 0\n"
        "DETACH DELETE n\n"
        "RETURN count(*) AS deleted"
    )


def source_share_nodes_cypher(label: str) -> str:
    """How many `label` nodes the source asserts, and how many of them only in older runs (what a
    retire would take from it): read before retiring, to refuse a version that drops most of a source."""
    node_type(label)
    return (
        f"MATCH (n:{label})\n"
        f"WHERE any(s IN coalesce(n.source_runs, []) WHERE {OF_SOURCE})\n"
        "RETURN count(n) AS asserted, sum(CASE WHEN $prov.run IN n.source_runs THEN 0 ELSE 1 END) AS stale"
    )


def source_share_relationships_cypher(rel: str) -> str:
    rel_type(rel)
    return (
        f"MATCH ()-[r:{rel}]->()\n"
        f"WHERE any(s IN coalesce(r.source_runs, []) WHERE {OF_SOURCE})\n"
        "RETURN count(r) AS asserted, sum(CASE WHEN $prov.run IN r.source_runs THEN 0 ELSE 1 END) AS stale"
    )


def retire_relationships_cypher(rel: str) -> str:
    rt = rel_type(rel)
    return (
        f"MATCH ()-[r:{rel}]->()\n"
        f"WHERE any(s IN coalesce(r.source_runs, []) WHERE {OF_SOURCE})\n"
        "  AND NOT $prov.run IN r.source_runs\n"
        f"{_retire_claims('r', rt.properties)}"
        f"{_retire_set('r')}"
        "WITH r WHERE size(r.source_runs) = 0\n"
        "DELETE r\n"
        "RETURN count(*) AS deleted"
    )


COUNT_LABELS = "MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS count ORDER BY label"
COUNT_TYPES = "MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS count ORDER BY type"
DELETE_BATCH = "MATCH (n) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted"


def write_derived_relationships_cypher(rel: str, start: str, end: str, *, create: bool) -> str:
    """Derived relationships (SUPPLIES from the evidence store): every declared property is replaced,
    not merged, so a fact the evidence no longer supports disappears. Provenance: `sources` names the
    sources of the evidence behind it; $prov is the job's (rows.Provenance.derived): source_runs holds
    its run (no loaded source's: a derived edge is recomputed from the evidence, never retired by a
    load), derived_by the job and the load that caused this write;
    a row without `sources` takes the batch's `$sources` (most rows share it: one list less to parse).
    `create` for pairs known to be new (CREATE is ~1.5x faster than MERGE here)."""
    rt: RelType = rel_type(rel)
    check_endpoints(rt, start, end)
    a, b = node_type(start), node_type(end)
    props = ",\n    ".join(f"r.{p} = row.{p}" for p in rt.properties)
    return (
        "UNWIND $rows AS row\n"
        f"MATCH (a:{start} {{{a.key}: row.start}})\n"
        f"MATCH (b:{end} {{{b.key}: row.end}})\n"
        f"{'CREATE' if create else 'MERGE'} (a)-[r:{rel}]->(b)\n"
        f"SET {props},\n"
        "    r.sources = coalesce(row.sources, $sources), r.source_runs = [$prov.run],\n"
        f"    r.derived_by = [{derived_entry()}],\n"
        "    r.first_seen = coalesce(r.first_seen, $prov.seen), r.last_seen = $prov.seen\n"
        "RETURN count(r) AS written"
    )


def write_derived_relationships_by_id_cypher(rel: str, start: str, end: str, *, create: bool) -> str:
    """write_derived_relationships_cypher for a store with internal node ids (FalkorDB): endpoints by
    id (row.a, row.b) instead of two index lookups per row, ~20 % less server time per edge. Never
    sent to Neo4j, where id() is deprecated."""
    keyed = write_derived_relationships_cypher(rel, start, end, create=create)
    a, b = node_type(start), node_type(end)
    by_key = f"MATCH (a:{start} {{{a.key}: row.start}})\nMATCH (b:{end} {{{b.key}: row.end}})\n"
    return keyed.replace(by_key, f"MATCH (a:{start}), (b:{end}) WHERE id(a) = row.a AND id(b) = row.b\n")


def node_ids_cypher(label: str) -> str:
    """Internal ids of the nodes keyed in $ids (FalkorDB only)."""
    nt = node_type(label)
    return f"UNWIND $ids AS key\nMATCH (n:{label} {{{nt.key}: key}})\nRETURN key, id(n) AS node_id"


def delete_relationships_cypher(rel: str, start: str, end: str) -> str:
    rt = rel_type(rel)
    check_endpoints(rt, start, end)
    a, b = node_type(start), node_type(end)
    return (
        "UNWIND $rows AS row\n"
        f"MATCH (a:{start} {{{a.key}: row.start}})-[r:{rel}]->(b:{end} {{{b.key}: row.end}})\n"
        "DELETE r\n"
        "RETURN count(*) AS deleted"
    )


def set_roles_cypher(label: str, add: tuple[str, ...], remove: tuple[str, ...]) -> str:
    """Role labels of the nodes keyed in $ids: `remove` taken off, then `add` put on, by the job $prov
    (derived_set)."""
    nt = node_type(label)
    bad = [r for r in (*add, *remove) if r not in nt.roles]
    if bad:
        raise SchemaError(f"{label} cannot carry role labels {bad}; allowed: {list(nt.roles)}")
    parts = ["UNWIND $ids AS id", f"MATCH (n:{label} {{{nt.key}: id}})"]
    if remove:
        parts.append("REMOVE " + ", ".join(f"n:{r}" for r in remove))
    if add:
        parts.append("SET " + ", ".join(f"n:{r}" for r in add))
    parts.append("SET " + derived_set("n"))
    parts.append("RETURN count(n) AS n")
    return "\n".join(parts)


def flag_supernodes_cypher(label: str) -> str:
    """supernode = true on the nodes keyed in $rows, with the row's reason (graph/supernode.py) replacing
    the reasons its rule gave before (those starting row.kind, the rule) and keeping the other rules'; the job
    $prov in derived_by."""
    nt = node_type(label)
    return (
        "UNWIND $rows AS row\n"
        f"MATCH (n:{label} {{{nt.key}: row.id}})\n"
        "SET n.supernode = true,\n"
        "    n.supernode_reasons = [x IN coalesce(n.supernode_reasons, []) WHERE NOT x STARTS WITH row.kind]"
        " + [row.reason],\n"
        f"    {derived_set('n')}\n"
        "RETURN count(n) AS written"
    )


def flag_params(flags: Sequence[tuple[Any, str]], rule: str) -> list[dict[str, Any]]:
    """$rows of flag_supernodes_cypher: (key, reason) pairs of one rule. The key travels as `id` (every
    label a supernode can be on is keyed by id): Neo4j's linter reads `row.key` in a MATCH pattern as a
    property name the schema lacks."""
    return [{"id": key, "kind": rule, "reason": reason} for key, reason in flags]


CURRENT_RUNS = "MATCH (s:Source) WHERE s.format = $format RETURN s.name AS source, s.run AS run"
MERGED_COMPANIES = ("MATCH (c:Company) WHERE c.merged_into IS NOT NULL "
                    "RETURN c.id AS id, c.merged_into AS merged_into")
