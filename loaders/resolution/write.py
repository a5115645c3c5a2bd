"""Resolution into the store: every run recomputes candidates from the nodes and the judgements file,
writes them as SAME_AS (source 'derived:resolve', a run of its own each time), retires the SAME_AS edges
this run no longer asserts (a deleted accept line or a new reject undoes a merge) and rewrites
merged_into, which the job's entry in derived_by dates. All in one atomic()."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...graph import cypher
from ...graph.rows import Provenance, RelRow
from ...graph.schema import node_type
from ...graph.store import GraphStore
from .entities import read_entities
from .judgements import read_judgements
from .resolve import DEFAULT_THRESHOLD, Resolution, resolve_entities

JOB = "resolve"
LEGACY_SOURCE = "resolution"
LABELS = ("Company", "Person")


def provenance() -> Provenance:
    # A fresh run tag every time: whatever this run does not re-assert is retired.
    return Provenance.derived(JOB)


def _clear_merged(label: str) -> str:
    node_type(label)
    return (f"MATCH (n:{label}) WHERE n.merged_into IS NOT NULL\n"
            "SET n.merged_into = null,\n"
            "    n.derived_by = [d IN coalesce(n.derived_by, []) WHERE NOT d STARTS WITH ($prov.source + '=')]\n"
            "RETURN count(n) AS cleared")


def _set_merged(label: str) -> str:
    key = node_type(label).key
    return (f"UNWIND $rows AS row MATCH (n:{label} {{{key}: row.id}})\n"
            f"SET n.merged_into = row.canonical, {cypher.derived_set('n')}\n"
            "RETURN count(n) AS written")


def resolve_store(
    store: GraphStore, judgements_path: str | Path, *, threshold: float = DEFAULT_THRESHOLD, write: bool = True,
    **options: Any,
) -> dict[str, Resolution]:
    """Resolve Company and Person nodes; write the result unless `write` is False (review only)."""
    judgements = read_judgements(judgements_path)
    results = {label: resolve_entities(read_entities(store, label), judgements, label=label, threshold=threshold,
                                       **options) for label in LABELS}
    if not write:
        return results
    prov = provenance()
    params = {"prov": cypher.prov_params(prov)}
    with store.atomic():
        for label, res in results.items():
            rows = [RelRow(c.left, c.right, {"score": c.score, "method": c.method, "reasons": c.reasons,
                                             "judgement": c.judgement}) for c in res.candidates]
            store.upsert_relationships("SAME_AS", label, label, rows, prov)
        store.run(cypher.retire_relationships_cypher("SAME_AS"), params)
        # SAME_AS written before resolution ran as a job (source "resolution") is this run's to replace
        store.run(cypher.retire_relationships_cypher("SAME_AS"),
                  {"prov": cypher.prov_params(Provenance(LEGACY_SOURCE, f"{LEGACY_SOURCE}@none", prov.seen))})
        for label, res in results.items():
            store.run(_clear_merged(label), params)
            merged = [{"id": m, "canonical": c} for m, c in res.merged_into.items()]
            for offset in range(0, len(merged), store.batch_size):
                store.run(_set_merged(label), {"rows": merged[offset: offset + store.batch_size], **params})
    return results


def unknown_pairs(results: dict[str, Resolution]) -> set[tuple[str, str]]:
    """Judged pairs that are not two nodes of one label (ids mistyped, or entities since removed)."""
    sets = [r.unknown_ids for r in results.values()]
    return set.intersection(*sets) if sets else set()
