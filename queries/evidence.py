"""Shipment rows from the evidence store: the rows behind a company, a pair of companies or one hop,
read on the merged view (a company's rows under any of its merged ids)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..graph.cypher import MERGED_COMPANIES
from ..graph.evidence import EvidenceStore, current_runs
from ..graph.store.base import GraphStore

SHOWN = ["id", "date", "exporter_name", "exporter_country", "importer_name", "importer_country", "hs_code",
         "description", "origin_country", "quantity", "unit", "value", "currency", "seller", "buyer",
         "source", "source_file", "source_row"]


def members(store: GraphStore, company: str, merged: dict[str, str] | None = None) -> set[str]:
    """A company id and every id merged into it (or, for a merged id, its canonical one and siblings)."""
    if merged is None:
        merged = {r["id"]: r["merged_into"] for r in store.run(MERGED_COMPANIES)}
    canonical = merged.get(company, company)
    return {canonical, *(member for member, target in merged.items() if target == canonical)}


def shipment_rows(store: GraphStore, evidence: EvidenceStore, *, company: str | None = None,
                  seller: str | None = None, buyer: str | None = None, shipment: str | None = None,
                  limit: int | None = 200) -> list[dict[str, Any]]:
    """Rows where `company` is seller or buyer, or sold by `seller` to `buyer`, or with one `shipment` id;
    oldest first, plain Python values. Every test runs inside the evidence scan."""
    merged = {r["id"]: r["merged_into"] for r in store.run(MERGED_COMPANIES)}
    required: list[tuple[str, Iterable[str]]] = [
        (column, members(store, value, merged)) for column, value in (("seller", seller), ("buyer", buyer)) if value]
    if shipment:
        required.append(("id", [shipment]))
    either: list[tuple[str, Iterable[str]]] = []
    if company:
        ids = members(store, company, merged)
        either = [("seller", ids), ("buyer", ids)]
    picked = evidence.read(current_runs(store), all_of=required, any_of=either)
    picked = picked.sort_by([("date", "ascending"), ("source_row", "ascending")])
    if limit is not None:
        picked = picked.slice(0, limit)
    return picked.select(SHOWN).to_pylist()


def evidence_counts(store: GraphStore, evidence: EvidenceStore) -> dict[str, Any]:
    """Rows per current shipments source, from Parquet metadata (no rows read)."""
    import pyarrow.parquet as pq

    sources = {}
    for source, run in current_runs(store).items():
        path = evidence.path(source, run)
        sources[source] = pq.ParquetFile(path).metadata.num_rows if path.is_file() else None
    return {"location": str(evidence.folder), "shipment_rows": sum(v or 0 for v in sources.values()),
            "sources": sources}
