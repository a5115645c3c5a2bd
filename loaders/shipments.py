"""Shipment-level trade records (customs declarations, bills of lading) through a column mapping.

Each record becomes a Shipment between its exporter and importer companies, of a Product (the HS6 of
its code), with the source file and row kept on it so every route hop leads back to its rows.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .base import Chunk, NodeBatch, Reject, RelBatch, SourceError
from .csvfile import read_csv_chunks, read_header
from .mapping import Mapping, identity_mapping, load_mapping
from .parse import DATE_FORMATS, FieldProblem, parse_amount, parse_country, parse_date, parse_hs
from .records import company_row, country_row, product_stub

FIELDS = (
    "shipment_id", "date", "exporter_name", "exporter_country", "exporter_id", "exporter_address",
    "importer_name", "importer_country", "importer_id", "importer_address", "notify_name", "notify_country",
    "hs_code", "description", "quantity", "unit", "weight_kg", "value", "currency", "origin_country",
    "port_lading", "port_unlading", "place_of_receipt", "synthetic",
)
REQUIRED = ("date", "exporter_name", "importer_name", "hs_code")


def resolve_mapping(path: Path, mapping_path: str | Path | None) -> Mapping:
    header = read_header(path)
    if mapping_path:
        mapping = load_mapping(mapping_path, FIELDS, REQUIRED)
        mapping.check_against(path, header, f"mapping {mapping_path}")
        return mapping
    mapping = identity_mapping(FIELDS, header)
    missing = [f for f in REQUIRED if f not in mapping.columns]
    if missing:
        raise SourceError(path, f"missing required column(s) {missing} (or give --mapping MAP.yml); "
                                f"the file has {list(header)}", row=1, field=missing[0])
    return mapping


def read_shipments(path: str | Path, mapping_path: str | Path | None = None) -> Iterator[Chunk]:
    p = Path(path)
    frames = read_csv_chunks(p)
    first = next(frames)  # checks the file exists, is not empty and has a header, before the mapping
    mapping = resolve_mapping(p, mapping_path)
    seen_ids: dict[str, int] = {}
    for frame in itertools.chain([first], frames):
        yield _chunk(frame, mapping, p.name, seen_ids)


def _chunk(frame, mapping: Mapping, file_name: str, seen_ids: dict[str, int]) -> Chunk:
    chunk = Chunk(read=len(frame))
    companies: dict[str, dict] = {}
    countries: dict[str, dict] = {}
    products: dict[str, dict] = {}
    shipments, shipped, consigned, notify, of, located = [], [], [], [], [], []
    formats = mapping.date_formats or DATE_FORMATS
    for raw in frame.to_dict("records"):
        row = raw.pop("_row")
        rec = mapping.apply(raw)
        try:
            s = _clean(rec, formats)
        except FieldProblem as problem:
            field = problem.args[1] if len(problem.args) > 1 else "?"
            chunk.rejects.append(Reject(row, mapping.columns.get(field, field), rec.get(field, ""),
                                        problem.args[0], raw))
            continue
        sid = rec.get("shipment_id") or _content_id(s, rec)
        if sid in seen_ids:
            chunk.rejects.append(Reject(row, mapping.columns.get("shipment_id", "shipment_id"), sid,
                                        f"duplicate declaration: same as row {seen_ids[sid]}", raw))
            continue
        seen_ids[sid] = row
        parties = {}
        for role in ("exporter", "importer", "notify"):
            name = rec.get(f"{role}_name", "")
            if not name:
                continue
            company = company_row(name, s[f"{role}_country"], record_id=f"{file_name}:{row}",
                                  key=rec.get(f"{role}_id") or None, synthetic=s["synthetic"] or None,
                                  address=rec.get(f"{role}_address") or None)
            companies[company["key"]] = company
            parties[role] = company["key"]
            if s[f"{role}_country"]:
                countries[s[f"{role}_country"]] = country_row(s[f"{role}_country"])
                located.append({"start": company["key"], "end": s[f"{role}_country"], "props": {}})
        hs6 = s["hs_code"][:6]
        products[hs6] = product_stub(hs6)
        shipments.append({"key": sid, "record_id": f"{file_name}:{row}", "props": {
            **{k: v for k, v in s.items() if not k.startswith(("notify",))},
            "hs6": hs6, "source_file": file_name, "source_row": row,
        }})
        shipped.append({"start": parties["exporter"], "end": sid, "props": {}, "row": row})
        consigned.append({"start": sid, "end": parties["importer"], "props": {}, "row": row})
        of.append({"start": sid, "end": hs6, "props": {}, "row": row})
        if "notify" in parties:
            notify.append({"start": sid, "end": parties["notify"], "props": {}, "row": row})
    chunk.nodes += [
        NodeBatch("Country", list(countries.values())),
        NodeBatch("Company", list(companies.values())),
        NodeBatch("Product", list(products.values())),
        NodeBatch("Shipment", shipments),
    ]
    chunk.relationships += [
        RelBatch("IN", "Company", "Country", located),
        RelBatch("SHIPPED", "Company", "Shipment", shipped),
        RelBatch("CONSIGNED_TO", "Shipment", "Company", consigned),
        RelBatch("NOTIFY", "Shipment", "Company", notify),
        RelBatch("OF", "Shipment", "Product", of),
    ]
    return chunk


def _clean(rec: dict[str, str], formats: tuple[str, ...]) -> dict[str, Any]:
    def field(name: str, parse):
        try:
            return parse(rec.get(name, ""))
        except FieldProblem as problem:
            raise FieldProblem(problem.args[0], name) from None

    for name in ("exporter_name", "importer_name"):
        if not rec.get(name):
            raise FieldProblem(f"{name} is missing", name)
    return {
        "date": field("date", lambda t: parse_date(t, formats)),
        "hs_code": field("hs_code", parse_hs),
        "value": field("value", lambda t: parse_amount(t, "value")),
        "quantity": field("quantity", lambda t: parse_amount(t, "quantity")),
        "weight_kg": field("weight_kg", lambda t: parse_amount(t, "weight")),
        "exporter_country": field("exporter_country", lambda t: parse_country(t, "exporter country")),
        "importer_country": field("importer_country", lambda t: parse_country(t, "importer country")),
        "notify_country": field("notify_country", lambda t: parse_country(t, "notify country")),
        "origin_country": field("origin_country", lambda t: parse_country(t, "origin")),
        "description": rec.get("description") or None,
        "unit": rec.get("unit") or None,
        "currency": (rec.get("currency") or "").upper() or None,
        "port_lading": rec.get("port_lading") or None,
        "port_unlading": rec.get("port_unlading") or None,
        "place_of_receipt": rec.get("place_of_receipt") or None,
        "synthetic": rec.get("synthetic", "").lower() in ("true", "1", "yes"),
    }


def _content_id(s: dict[str, Any], rec: dict[str, str]) -> str:
    """Records without a declaration number are identified by what they say, so an exact repeat is
    recognised as a duplicate and a reload merges onto the same node."""
    parties = (rec.get("exporter_name", "").casefold(), rec.get("importer_name", "").casefold())
    facts = (s.get(k) for k in ("date", "exporter_country", "importer_country", "hs_code", "value",
                                "quantity", "weight_kg", "description"))
    text = "|".join(map(str, (*parties, *facts)))
    return "sh:" + hashlib.sha256(text.encode()).hexdigest()[:20]


def read_shipments_source(path: str | Path, *, source: str, mapping: str | Path | None = None) -> Iterator[Chunk]:
    """The common reader signature (see loaders.formats)."""
    return read_shipments(path, mapping)
