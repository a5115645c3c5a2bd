"""GLEIF golden copy: level 1 (who is who, LEI-CDF) and level 2 (who consolidates whom, RR-CDF).

Reads the flattened CSV golden copy (headers like `Entity.LegalName`) and the XML it is derived from;
the XML is flattened to the same dotted names so one mapping serves both. A GLEIF parent is the
entity that consolidates the child's accounts: it is loaded as CONSOLIDATED_BY, never as OWNS.
"""

from __future__ import annotations

import csv
import functools
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..graph.errors import RowProblem
from ..graph.rows import NodeRow, RelRow
from ..graph.types import COUNTRY, DATE
from .base import Chunk, NodeBatch, Reject, RelBatch, SourceError, chunked
from .csvfile import check_readable, read_csv_chunks, read_header
from .records import company_row, country_row

LEVEL1_REQUIRED: tuple[str, ...] = ("LEI", "Entity.LegalName")
LEVEL2_REQUIRED: tuple[str, ...] = ("Relationship.StartNode.NodeID", "Relationship.EndNode.NodeID",
                                     "Relationship.RelationshipType")
XML_CHUNK = 5_000

# Level 2 types: consolidation is CONSOLIDATED_BY; branch and fund links are declared associations.
CONSOLIDATION = {"IS_DIRECTLY_CONSOLIDATED_BY": "direct", "IS_ULTIMATELY_CONSOLIDATED_BY": "ultimate"}
ASSOCIATION = {
    "IS_INTERNATIONAL_BRANCH_OF": "international_branch_of",
    "IS_FUND-MANAGED_BY": "fund_managed_by",
    "IS_SUBFUND_OF": "subfund_of",
    "IS_FEEDER_TO": "feeder_to",
}
_LEI = re.compile(r"^[0-9A-Z]{18}[0-9]{2}$")
_ELF_FILE = Path(__file__).parent / "data" / "elf-codes.csv"
# 8888 / 9999 are "no code yet" placeholders: the free-text OtherLegalForm says more.
_ELF_PLACEHOLDERS = {"8888", "9999"}


def lei_problem(value: str) -> str | None:
    """Why `value` is not a valid ISO 17442 LEI (20 chars, mod-97 check digits as in IBAN), or None."""
    if len(value) != 20 or not value.isalnum():
        return f"{value!r} is not 20 alphanumeric characters"
    if not _LEI.match(value):
        return f"{value!r} must be 18 letters/digits followed by 2 check digits"
    if int("".join(str(int(c, 36)) for c in value)) % 97 != 1:
        return f"{value!r} fails the ISO 17442 check digits (mod 97)"
    return None


@functools.lru_cache(maxsize=1)
def _elf_abbreviations() -> dict[str, str]:
    """ELF code -> local abbreviation (or local name) from GLEIF's ISO 20275 list shipped in loaders/data."""
    table: dict[str, str] = {}
    chosen: set[str] = set()
    if not _ELF_FILE.exists():
        return table
    with open(_ELF_FILE, encoding="utf-8-sig", newline="") as fh:
        for rec in csv.DictReader(fh):
            code = (rec.get("ELF Code") or "").strip()
            abbr = (rec.get("Abbreviations Local language") or "").split(";")[0].strip()
            label = abbr or (rec.get("Entity Legal Form name Local name") or "").strip()
            # One code has a row per language; Russian/English rows win over others (Belarus records
            # are mostly in Russian), otherwise the first row does.
            preferred = (rec.get("Language Code (ISO 639-1)") or "") in ("ru", "en")
            if code and label and (code not in table or (preferred and code not in chosen)):
                table[code] = label
                if preferred:
                    chosen.add(code)
    return table


def legal_form(code: str, other: str) -> str | None:
    if code and code not in _ELF_PLACEHOLDERS:
        return _elf_abbreviations().get(code, code)
    return other or code or None


def read_gleif(path: str | Path, *, source: str, mapping: str | Path | None = None) -> Iterator[Chunk]:
    """Level 1 or level 2, CSV or XML, detected from the header (or the XML root element)."""
    p = check_readable(path)
    if mapping is not None:
        raise SourceError(mapping, "--format gleif reads the golden copy's own columns; it takes no --mapping")
    if p.suffix.lower() == ".xml":
        yield from _read_xml(p)
        return
    header = read_header(p)
    if LEVEL2_REQUIRED[0] in header:
        level, required = 2, LEVEL2_REQUIRED
    elif LEVEL1_REQUIRED[0] in header:
        level, required = 1, LEVEL1_REQUIRED
    else:
        missing = [c for c in (*LEVEL1_REQUIRED, *LEVEL2_REQUIRED) if c not in header]
        raise SourceError(p, f"is neither a GLEIF level 1 (LEI) nor level 2 (relationship) CSV: missing column(s) "
                             f"{missing}; the file has {header[:12]}", row=1, field=missing[0])
    seen: dict[str, int] = {}
    for frame in read_csv_chunks(p, required):
        records = frame.to_dict("records")
        yield _chunk(p.name, level, [(rec.pop("_row"), rec) for rec in records], seen)


def _chunk(file: str, level: int, records: list[tuple[int, dict[str, Any]]], seen: dict[str, int]) -> Chunk:
    chunk = Chunk(read=len(records))
    build = _level1 if level == 1 else _level2
    for row, rec in records:
        rec = {k: (v or "").strip() if isinstance(v, str) or v is None else str(v) for k, v in rec.items()}
        try:
            build(chunk, file, row, rec, seen)
        except RowProblem as bad:
            chunk.rejects.append(Reject(row, bad.field, rec.get(bad.field, ""), bad.reason, rec))
    return chunk


def _lei(rec: dict[str, str], field: str) -> str:
    value = rec.get(field, "").upper()
    if not value:
        raise RowProblem(field, reason=f"{field} is missing")
    problem = lei_problem(value)
    if problem:
        raise RowProblem(field, reason=f"invalid LEI: {problem}")
    return value


def _date(rec: dict[str, str], field: str) -> str | None:
    date: str | None = DATE.clean(rec.get(field, ""), field=field)
    return date


def _batch(chunk: Chunk, label: str, row: NodeRow) -> None:
    for nb in chunk.nodes:
        if nb.label == label:
            nb.rows.append(row)
            return
    chunk.nodes.append(NodeBatch(label, [row]))


def _rel(chunk: Chunk, rel: str, start: str, end: str, row: RelRow) -> None:
    for rb in chunk.relationships:
        if (rb.type, rb.start, rb.end) == (rel, start, end):
            rb.rows.append(row)
            return
    chunk.relationships.append(RelBatch(rel, start, end, [row]))


def _level1(chunk: Chunk, file: str, row: int, rec: dict[str, str], seen: dict[str, int]) -> None:
    lei = _lei(rec, "LEI")
    if lei in seen:
        raise RowProblem("LEI", reason=f"duplicate LEI {lei} (first at row {seen[lei]})")
    name = rec.get("Entity.LegalName", "")
    if not name:
        raise RowProblem("Entity.LegalName", reason="Entity.LegalName is missing")
    raw_country = rec.get("Entity.LegalAddress.Country", "")
    country = COUNTRY.clean(raw_country, field="Entity.LegalAddress.Country", what="country")
    created = _date(rec, "Entity.EntityCreationDate")
    seen[lei] = row
    aliases = [v for k, v in rec.items() if v and re.match(
        r"^Entity\.(Transliterated)?OtherEntityNames\.(Transliterated)?OtherEntityName\.\d+$", k)]
    address = ", ".join(v for v in (
        rec.get("Entity.LegalAddress.FirstAddressLine"), rec.get("Entity.LegalAddress.PostalCode"),
        rec.get("Entity.LegalAddress.City"), raw_country) if v)
    company = company_row(
        name, country, record_id=f"{file}:{row}", key=f"lei:{lei}", lei=lei,
        jurisdiction=rec.get("Entity.LegalJurisdiction") or None,
        legal_form=legal_form(rec.get("Entity.LegalForm.EntityLegalFormCode", ""),
                              rec.get("Entity.LegalForm.OtherLegalForm", "")),
        status=rec.get("Entity.EntityStatus") or None,
        registration_number=rec.get("Entity.RegistrationAuthority.RegistrationAuthorityEntityID") or None,
        incorporation_date=created, address=address or None, aliases=aliases or None,
    )
    _batch(chunk, "Company", company)
    if country:
        _batch(chunk, "Country", country_row(country))
        _rel(chunk, "IN", "Company", "Country", RelRow(company.key, country, row=row))


def _periods(rec: dict[str, str]) -> dict[str, dict[str, tuple[str, str]]]:
    """Relationship periods by number, from CSV (`Relationship.Period.1.startDate`) or flattened XML."""
    periods: dict[str, dict[str, tuple[str, str]]] = {}  # number -> attribute -> (column, value)
    for key, value in rec.items():
        m = re.match(r"^Relationship\.(?:Period|RelationshipPeriods\.RelationshipPeriod)\.(\d+)\.(\w+)$", key)
        if m and value:
            periods.setdefault(m.group(1), {})[m.group(2).lower()] = (key, value)
    return periods


def _level2(chunk: Chunk, file: str, row: int, rec: dict[str, str], seen: dict[str, int]) -> None:
    start = _lei(rec, "Relationship.StartNode.NodeID")
    end = _lei(rec, "Relationship.EndNode.NodeID")
    rtype = rec.get("Relationship.RelationshipType", "").upper()
    if rtype not in CONSOLIDATION and rtype not in ASSOCIATION:
        raise RowProblem("Relationship.RelationshipType", reason=f"unknown relationship type {rtype!r}; "
                         f"expected one of {[*CONSOLIDATION, *ASSOCIATION]}")
    rel_key = f"{start}|{end}|{rtype}"
    if rel_key in seen:
        raise RowProblem("Relationship.StartNode.NodeID",
                         reason=f"duplicate relationship {rel_key} (first at row {seen[rel_key]})")
    period = next((p for p in _periods(rec).values() if p.get("periodtype", ("", ""))[1] == "RELATIONSHIP_PERIOD"),
                  {})
    dates = {}
    for which in ("startdate", "enddate"):
        column, text = period.get(which, ("", ""))
        dates[which] = DATE.clean(text, field=column)
    seen[rel_key] = row
    status = rec.get("Relationship.RelationshipStatus") or None
    if rtype in CONSOLIDATION:
        props = {"kind": CONSOLIDATION[rtype], "start": dates["startdate"], "end": dates["enddate"], "status": status}
        rel = "CONSOLIDATED_BY"
    else:
        props = {"kind": ASSOCIATION[rtype], "start": dates["startdate"], "end": dates["enddate"]}
        rel = "ASSOCIATE"
    _rel(chunk, rel, "Company", "Company", RelRow(f"lei:{start}", f"lei:{end}", props, rel_key, f"{file}:{row}", row))


# -- XML (LEI-CDF 2.1 / RR-CDF 2.1) ---------------------------------------------------------------

def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _flatten(elem: ET.Element, prefix: str, out: dict[str, str]) -> None:
    """Dotted names as in the CSV golden copy; repeated children of a plural container are numbered."""
    children = list(elem)
    counts: dict[str, int] = {}
    for child in children:
        tag = _local(child.tag)
        name = f"{prefix}.{tag}" if prefix else tag
        if _local(elem.tag) == f"{tag}s":  # OtherEntityNames/OtherEntityName, RelationshipPeriods/...
            counts[tag] = counts.get(tag, 0) + 1
            name = f"{name}.{counts[tag]}"
        if len(child):
            _flatten(child, name, out)
        elif name not in out:
            out[name] = (child.text or "").strip()


def _read_xml(p: Path) -> Iterator[Chunk]:
    seen: dict[str, int] = {}
    level: int | None = None
    n = 0

    def records() -> Iterator[tuple[int, dict[str, str]]]:
        nonlocal level, n
        try:
            for event, elem in ET.iterparse(p, events=("start", "end")):
                tag = _local(elem.tag)
                if event == "start":
                    if level is None:
                        level = {"LEIData": 1, "RelationshipData": 2}.get(tag)
                        if level is None:
                            raise SourceError(p, f"root element {tag!r} is neither LEIData (LEI-CDF) nor "
                                                 "RelationshipData (RR-CDF)", row=1)
                    continue
                if tag in ("LEIRecord", "RelationshipRecord"):
                    n += 1
                    flat: dict[str, str] = {}
                    _flatten(elem, "", flat)
                    elem.clear()
                    yield n, flat
        except ET.ParseError as exc:
            raise SourceError(p, f"is not well-formed XML: {exc}", row=exc.position[0]) from exc

    for batch in chunked(records(), XML_CHUNK):
        yield _chunk(p.name, level or 1, batch, seen)
    if n == 0:
        raise SourceError(p, "holds no LEIRecord or RelationshipRecord")
