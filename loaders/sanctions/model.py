"""What every sanctions list becomes: one `Listed` entity per designated person or organisation, merged
from all the lines (or the repeated entries) that name it, then written as Person / Company nodes with
one Sanction node per programme.

Decisions shared by every list format:
- A person becomes a Person node, an organisation a Company node; vessels and aircraft are rejected
  with the reason "not modelled" (the schema has no Vessel node), so read = loaded + rejected holds.
- `read` counts listed entities (groups of lines), not lines: a rejected entity is one reject, reported
  at the first line of its group.
- The same entity met again (another alias line, the same id twice) is merged: one node, every other
  name in `aliases`, every birth date in `birth_dates`, every identifier in `identifiers`.
- Multi-valued identifiers: the first valid INN / OGRN / UNP / LEI / IMO / registration number goes to
  the schema's single-valued property (what `conveyor resolve` compares as a strong key); every value
  of every kind, passports and national ids too, is kept in `identifiers` as "kind:value".
- A Sanction is one (entity, programme) designation: `listed` is the EARLIEST listing date any line
  gives for it; `end_date` is empty unless every line that lists it gives one (then the latest).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ...graph.errors import RowProblem
from ...graph.rows import NodeRow, RelRow
from ...graph.types import country_code
from ..base import Chunk, NodeBatch, Reject, RelBatch, chunked
from ..gleif import lei_problem
from ..names import normalise_name, search_keys
from ..records import country_row

PERSON, COMPANY = "Person", "Company"
SANCTION_TOPIC = "sanction"  # the OpenSanctions topic for a designated entity, as the FtM loader keeps it
ENTITIES_PER_CHUNK = 5_000

# Identifier kinds that have a schema property of their own (strong keys for resolution).
STRONG = ("inn", "ogrn", "unp", "lei", "imo", "registration_number")
_SHAPES = {
    "inn": re.compile(r"^(\d{10}|\d{12})$", re.ASCII),  # ASCII digits only
    "ogrn": re.compile(r"^(\d{13}|\d{15})$", re.ASCII),
    "unp": re.compile(r"^\d{9}$", re.ASCII),
    "imo": re.compile(r"^\d{7}$", re.ASCII),
}


@dataclass
class Designation:
    listed: set[str] = field(default_factory=set)
    ends: list[str | None] = field(default_factory=list)  # one per line that listed it; None = open
    reason: str | None = None
    source_url: str | None = None
    authority: str | None = None  # when the list names it per line (a mapped CSV); else the list's publisher


@dataclass
class Listed:
    key: str
    row: int  # first line of the entity in the file
    kind: str | None = None
    names: list[str] = field(default_factory=list)
    birth_dates: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)  # ISO alpha-2, address / registration first
    nationalities: list[str] = field(default_factory=list)
    identifiers: dict[str, list[str]] = field(default_factory=dict)
    jurisdiction: str | None = None
    address: str | None = None
    position: str | None = None
    designations: dict[str, Designation] = field(default_factory=dict)
    problem: RowProblem | None = None  # the first reason the entity cannot load; kept so merging can go on
    raw: dict[str, Any] = field(default_factory=dict)  # the first line, for the rejects file

    def name(self, value: str | None, primary: bool = False) -> None:
        value = " ".join((value or "").split())
        if not value or value in self.names:
            if value and primary:  # a primary name seen after an alias still becomes the display name
                self.names.remove(value)
                self.names.insert(0, value)
            return
        if primary:
            self.names.insert(0, value)
        else:
            self.names.append(value)

    def add(self, attr: str, value: str | None) -> None:
        values: list[str] = getattr(self, attr)
        if value and value not in values:
            values.append(value)

    def country(self, text: str | None, nationality: bool = False) -> None:
        code = country_code(text)
        self.add("nationalities" if nationality else "countries", code)

    def identifier(self, kind: str, value: str | None, country: str | None = None) -> None:
        value = " ".join((value or "").split()).strip(" .;,")
        if kind in ("inn", "ogrn", "unp", "imo"):  # 'IMO 9876543', '7707 083 893': the digits are the key
            value = re.sub(r"^imo\s*", "", value, flags=re.IGNORECASE).replace(" ", "")
        if not value:
            return
        values = self.identifiers.setdefault(kind, [])
        if value not in values:
            values.append(value)
        if kind == "registration_number" and country and not self.jurisdiction:
            self.jurisdiction = country_code(country)

    def designate(self, program: str | None, listed: str | None, end: str | None = None,
                  reason: str | None = None, source_url: str | None = None, authority: str | None = None) -> None:
        d = self.designations.setdefault((program or "").strip(), Designation())
        d.authority = d.authority or authority or None
        if listed:
            d.listed.add(listed)
        d.ends.append(end)
        d.reason = d.reason or reason or None
        d.source_url = d.source_url or source_url or None

    def fail(self, bad: RowProblem) -> None:
        self.problem = self.problem or bad


def identifier_kind(description: str, country: str | None, number: str) -> str:
    """Which identifier a list's own label names: 'Tax ID No.' in Russia is an INN, a 'Registration
    Number' there an OGRN; a Belarus registration or tax number is a UNP; anything else keeps its
    lower-cased label ('passport', 'national_id', ...)."""
    text = description.casefold()
    iso = country_code(country)
    digits = re.sub(r"\D", "", number)
    if "lei" in text.split() or "legal entity number" in text or "legal entity identifier" in text:
        return "lei"
    if "imo" in text:
        return "imo"
    if "inn" in text.split() or (iso == "RU" and ("tax" in text or "tin" in text.split())):
        return "inn"
    if "ogrn" in text or (iso == "RU" and "registration" in text and len(digits) in (13, 15)):
        return "ogrn"
    if "unp" in text.split() or (iso == "BY" and ("registration" in text or "tax" in text) and len(digits) == 9):
        return "unp"
    if "registration" in text or text in ("regnumber", "company number"):
        return "registration_number"
    if "passport" in text:
        return "passport"
    if "national id" in text or text in ("id", "nationalid", "national identification number"):
        return "national_id"
    if "tax" in text or text in ("tin", "fiscalcode"):
        return "tax_id"
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_") or "other"


_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}


def partial_date(text: str | None) -> str | None:
    """A date as lists write it, to ISO at the precision given: '1970-02-03', '03/02/1970', '03 Feb 1970'
    -> '1970-02-03'; '00/00/1962', '1962' -> '1962'; 'Feb 1962', '00/02/1962' -> '1962-02'. None if it is
    none of these (the caller keeps the text as given)."""
    text = (text or "").strip()
    if not text:
        return None
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", text)
    if m:
        year, month, day = m.group(1), int(m.group(2) or 0), int(m.group(3) or 0)
    else:
        m = re.fullmatch(r"(\d{1,2}|-{1,2})[/.](\d{1,2}|-{1,2})[/.](\d{4})", text)
        if m:
            day, month = (int(g) if g.isdigit() else 0 for g in m.groups()[:2])
            year = m.group(3)
        else:
            m = re.fullmatch(r"(?:(\d{1,2}) )?([A-Za-z]{3})[a-z]* (\d{4})", text)
            if not m or m.group(2).casefold() not in _MONTHS:
                return None
            day, month, year = int(m.group(1) or 0), _MONTHS[m.group(2).casefold()], m.group(3)
    if not month:
        return year if not day else None
    if not 1 <= month <= 12:
        return None
    if not day:
        return f"{year}-{month:02d}"
    try:
        return dt.date(int(year), month, day).isoformat()
    except ValueError:
        return None


def listing_date(text: str | None, field_name: str) -> str | None:
    """A listing or end date must be a full date: it decides what is a seed on a given day."""
    if not (text or "").strip():
        return None
    value = partial_date(text)
    if value is None or len(value) != 10:
        raise RowProblem(field=field_name, value=text, reason=f"{text!r} is not a full date (day, month and year)")
    return value


def grouped(records: Iterable[tuple[int, Any]], id_column: str, prefix: str, what: str,
            add_line: Callable[[Listed, dict[str, str]], None]) -> dict[str, Listed]:
    """Lists that spread one entity over several lines (one per alias, address, date…) sharing an id
    column: each line, its cells stripped, goes to `add_line` with the entity keyed `prefix:<id>`. A line
    without the id is an entity of its own that fails, naming the column."""
    entities: dict[str, Listed] = {}
    for row, rec in records:
        assert isinstance(rec, dict)
        rec = {k: v.strip() for k, v in rec.items()}
        group = rec[id_column]
        key = f"{prefix}:{group}" if group else f"{prefix}:row-{row}"
        e = entities.get(key)
        if e is None:
            e = entities[key] = Listed(key, row, raw=rec)
            if not group:
                e.fail(RowProblem(field=id_column, reason=f"line without {id_column}: cannot tell which {what} it is"))
        add_line(e, rec)
    return entities


def to_chunks(entities: Iterable[Listed], *, file: str, authority: str, notes: list[str]) -> Iterator[Chunk]:
    """Listed entities -> chunks of nodes and relationships, in bounded batches."""
    shapes_dropped = 0
    for batch in chunked(entities, ENTITIES_PER_CHUNK):
        chunk = Chunk(read=len(batch))
        rows: dict[str, list[NodeRow]] = {PERSON: [], COMPANY: []}
        located: dict[str, list[RelRow]] = {PERSON: [], COMPANY: []}
        sanctioned: dict[str, list[RelRow]] = {PERSON: [], COMPANY: []}
        sanctions: list[NodeRow] = []
        countries: dict[str, NodeRow] = {}
        for e in batch:
            if e.problem is None and not e.names:
                e.fail(RowProblem(field="name", reason="no name given for this entity"))
            if e.problem is None and e.kind not in (PERSON, COMPANY):
                e.fail(RowProblem(field="kind",
                                  reason="the list does not say whether this is a person or an organisation"))
            if e.problem is not None:
                chunk.rejects.append(Reject(e.row, e.problem.field, e.problem.value, e.problem.reason, e.raw))
                continue
            record_id = f"{file}:{e.row}"
            props, dropped = _props(e)
            shapes_dropped += dropped
            rows[e.kind].append(NodeRow(e.key, props, record_id, e.row))
            if props.get("country"):
                countries[props["country"]] = country_row(props["country"])
                located[e.kind].append(RelRow(e.key, props["country"], row=e.row))
            for program, d in (e.designations or {"": Designation()}).items():
                listed = min(d.listed) if d.listed else None
                end = None if not d.ends or None in d.ends else max(x for x in d.ends if x)
                by = d.authority or authority
                sanction_key = f"{e.key}|{program or by}"
                sanctions.append(NodeRow(sanction_key, {
                    "program": program or None, "authority": by, "listed": listed, "end_date": end,
                    "reason": d.reason, "source_url": d.source_url}, record_id, e.row))
                sanctioned[e.kind].append(RelRow(e.key, sanction_key, {"program": program or None, "authority": by,
                                                                       "listed": listed}, None, record_id, e.row))
        chunk.nodes += [NodeBatch("Country", list(countries.values())), NodeBatch(PERSON, rows[PERSON]),
                        NodeBatch(COMPANY, rows[COMPANY]), NodeBatch("Sanction", sanctions)]
        for kind in (PERSON, COMPANY):
            chunk.relationships += [RelBatch("IN", kind, "Country", located[kind]),
                                    RelBatch("SANCTIONED", kind, "Sanction", sanctioned[kind])]
        yield chunk
    if shapes_dropped:
        notes.append(f"{shapes_dropped:,} identifier value(s) of a wrong shape kept only in `identifiers`, "
                     f"not as a registry key")


def _props(e: Listed) -> tuple[dict[str, Any], int]:
    name = e.names[0]
    props: dict[str, Any] = {
        "name": name, "name_norm": normalise_name(name), "aliases": e.names[1:] or None,
        "search_keys": search_keys(e.names) or None, "topics": [SANCTION_TOPIC],
        "country": next(iter(e.countries or e.nationalities), None),
        "identifiers": [f"{k}:{v}" for k, values in e.identifiers.items() for v in values] or None,
    }
    dropped = 0
    if e.kind == PERSON:
        props.update({"birth_date": e.birth_dates[0] if e.birth_dates else None,
                      "birth_dates": e.birth_dates or None,
                      "nationality": e.nationalities[0] if e.nationalities else None, "position": e.position})
        return props, dropped
    for kind in STRONG:
        values = e.identifiers.get(kind, [])
        good = [v for v in values if _fits(kind, v)]
        dropped += len(values) - len(good)
        props[kind] = good[0] if good else None
    if props.get("registration_number"):
        props["jurisdiction"] = e.jurisdiction
    props["address"] = e.address
    return props, dropped


def _fits(kind: str, value: str) -> bool:
    if kind == "lei":
        return lei_problem(value.upper()) is None
    shape = _SHAPES.get(kind)
    return shape is None or bool(shape.match(value))
