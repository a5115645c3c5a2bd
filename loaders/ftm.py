"""FollowTheMoney entities as JSON lines (OpenSanctions and Aleph exports): one `{id, schema,
properties}` object per line, read line by line with the `followthemoney` package.

Legal entities become Company / Person / Address nodes; the FtM "interval" entities (Ownership,
Directorship, Family, Associate, UnknownLink, Sanction) become relationships.

Decisions worth knowing:
- Row numbers are physical line numbers (1-based); blank lines are not records and are not counted.
- A record is either loaded or rejected as a whole: an unknown schema, a schema Conveyor does not
  model (Vessel, Passport, ...), a missing id or name, an invalid date or a line that is not JSON is a
  Reject naming the line and field. Relationships whose endpoint is neither in the file nor already in
  the graph are rejected by `load()` (missing endpoint), so they are counted too.
- Dates may be partial as FtM allows ('2019', '2019-05'); they are kept as given. A timestamp keeps its
  date part. Anything else is a Reject.
- The same id on two lines with the same kind of node is one node (FtM fragments of one entity):
  both lines count as loaded and a later line's values win. The same id used for a Person and then a
  Company is a Reject of the later line.
- Relationships whose endpoints were already seen go out with their chunk; the others wait (small
  rows, no entity bodies) and go out in a final chunk, so forward references work. The only thing kept
  for the whole file is id -> node label, needed to pick the endpoint label of relationships.
- An endpoint never defined in the file is assumed to be a Company (cross-source references to
  companies resolve; to people from another source they are rejected as missing endpoints).
- UnknownLink from a Company to a Person is turned around (ASSOCIATE only allows Person -> Company).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from followthemoney import model
from followthemoney.exc import InvalidData
from followthemoney.proxy import EntityProxy

from graph.schema import rel_type

from .base import Chunk, NodeBatch, Reject, RelBatch, SourceError
from .csvfile import check_readable
from .names import normalise_country, normalise_name
from .records import country_row

CHUNK_LINES = 5000

COMPANY_SCHEMATA = frozenset({"Company", "Organization", "LegalEntity", "PublicBody"})
NODE_LABELS = {**{s: "Company" for s in COMPANY_SCHEMATA}, "Person": "Person", "Address": "Address"}
# FtM schema -> (relationship type, start property, end property, what becomes `kind`/`role`)
LINKS = {
    "Ownership": ("OWNS", "owner", "asset"),
    "Directorship": ("DIRECTS", "director", "organization"),
    "Family": ("ASSOCIATE", "person", "relative"),
    "Associate": ("ASSOCIATE", "person", "associate"),
    "UnknownLink": ("ASSOCIATE", "subject", "object"),
    "Sanction": ("SANCTIONED", "entity", None),
}
# Date properties that reach the graph, per schema; each is checked before anything is kept.
DATES = {
    "Company": ("incorporationDate", "dissolutionDate"),
    "Person": ("birthDate",),
    "Ownership": ("startDate", "endDate"),
    "Directorship": ("startDate", "endDate"),
    "Family": ("startDate", "endDate"),
    "Associate": ("startDate", "endDate"),
    "UnknownLink": ("startDate", "endDate"),
    "Sanction": ("startDate", "endDate", "listingDate"),
}

_PARTIAL_DATE = re.compile(
    r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?"  # year, month, day
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"  # an optional time of day
)


class DateProblem(ValueError):
    pass


def parse_partial_date(text: str) -> str:
    """'2019', '2019-05', '2019-05-01' (or a timestamp on that day) -> the date as given; else raise."""
    text = str(text).strip()
    found = _PARTIAL_DATE.match(text)
    if not found:
        raise DateProblem(f"{text!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    year, month, day = found.groups()
    if "T" in text or " " in text:
        if day is None:
            raise DateProblem(f"{text!r} has a time but no full date")
    try:
        dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise DateProblem(f"{text!r} is not a real calendar date") from None
    return "-".join(p for p in (year, month, day) if p)


def read_ftm(path: str | Path, *, source: str, mapping: Path | None = None) -> Iterator[Chunk]:
    p = check_readable(path)
    if mapping is not None:
        raise SourceError(p, "FollowTheMoney files carry their own schema: --mapping does not apply")
    _check_shape(p)
    return _read(p)


def _check_shape(path: Path) -> None:
    """A file that is not entity lines at all (a CSV, a JSON array) is one error, not a reject per line."""
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        for line_no, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                first = json.loads(raw)
            except json.JSONDecodeError:
                first = None
            if not isinstance(first, dict) or "schema" not in first:
                raise SourceError(path, "is not FollowTheMoney entity lines: the first entity line is not a "
                                        "JSON object with a 'schema'", row=line_no, field="schema")
            return


class _State:
    """What outlives a chunk: id -> label, and relationships waiting for an endpoint."""

    def __init__(self) -> None:
        self.labels: dict[str, str] = {}
        self.waiting: list[tuple[str, str | None, dict[str, Any]]] = []


def _read(path: Path) -> Iterator[Chunk]:
    state = _State()
    name = path.name
    chunk, builder = Chunk(), _ChunkBuilder(state)
    with open(path, encoding="utf-8-sig", errors="strict", newline=None) as fh:
        line_no = 0
        while True:
            try:
                raw = fh.readline()
            except UnicodeDecodeError as exc:
                raise SourceError(path, f"is not UTF-8 text (byte {exc.start} of the line)", row=line_no + 1) from exc
            if not raw:
                break
            line_no += 1
            text = raw.strip()
            if not text:
                continue
            chunk.read += 1
            _one_line(text, line_no, name, state, chunk, builder)
            if chunk.read >= CHUNK_LINES:
                yield builder.finish(chunk)
                chunk, builder = Chunk(), _ChunkBuilder(state)
    if chunk.read or chunk.rejects:
        yield builder.finish(chunk)
    # Relationships whose endpoints came later in the file (or never): labels are known now.
    final = Chunk()
    grouped: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for rel, end_label, row in state.waiting:
        _place(rel, end_label, row, state, grouped, final.rejects)
    state.waiting.clear()
    final.relationships = [RelBatch(rel, start, end, rows) for (rel, start, end), rows in grouped.items()]
    if final.relationships or final.rejects:
        yield final


def _place(rel: str, end_label: str | None, row: dict[str, Any], state: _State,
           grouped: dict[tuple[str, str, str], list[dict[str, Any]]], rejects: list[Reject]) -> None:
    """Pick endpoint labels (an id never defined in the file is taken for a Company) and check that
    the schema allows the pair; an impossible pair is a Reject rather than a failed load."""
    start = state.labels.get(row["start"], "Company")
    end = end_label or state.labels.get(row["end"], "Company")
    if rel == "ASSOCIATE" and start == "Company" and end == "Person":
        row = {**row, "start": row["end"], "end": row["start"]}
        start, end = end, start
    if (start, end) not in rel_type(rel).endpoints:
        rejects.append(Reject(row["row"], rel, f"{row['start']} -> {row['end']}",
                              f"{rel} cannot link a {start} to a {end}"))
        return
    grouped.setdefault((rel, start, end), []).append(row)


class _ChunkBuilder:
    def __init__(self, state: _State) -> None:
        self.state = state
        self.nodes: dict[str, dict[str, dict[str, Any]]] = {"Country": {}, "Company": {}, "Person": {},
                                                            "Address": {}, "Sanction": {}}
        self.links: list[tuple[str, str | None, dict[str, Any]]] = []

    def node(self, label: str, row: dict[str, Any]) -> None:
        # Fragments of one id in a chunk merge as they would in the store: later non-empty values win.
        held = self.nodes[label].get(row["key"])
        if held is None:
            self.nodes[label][row["key"]] = row
        else:
            held["props"].update({k: v for k, v in row["props"].items() if v not in (None, "", [])})

    def rel(self, rel: str, row: dict[str, Any], end_label: str | None = None) -> None:
        """end_label is given for ends this chunk creates itself (Country, Sanction)."""
        known = row["start"] in self.state.labels and (end_label or row["end"] in self.state.labels)
        (self.links if known else self.state.waiting).append((rel, end_label, row))

    def finish(self, chunk: Chunk) -> Chunk:
        for label in ("Country", "Address", "Company", "Person", "Sanction"):
            if self.nodes[label]:
                chunk.nodes.append(NodeBatch(label, list(self.nodes[label].values())))
        grouped: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        for rel, end_label, row in self.links:
            _place(rel, end_label, row, self.state, grouped, chunk.rejects)
        chunk.relationships = [RelBatch(rel, start, end, rows) for (rel, start, end), rows in grouped.items()]
        return chunk


def _one_line(text: str, line_no: int, name: str, state: _State, chunk: Chunk, builder: _ChunkBuilder) -> None:
    def reject(field: str, value: Any, reason: str, record: dict[str, Any] | None = None) -> None:
        chunk.rejects.append(Reject(line_no, field, value, reason, record or {}))

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        reject("line", text[:80], f"not valid JSON ({exc.msg} at column {exc.colno})")
        return
    if not isinstance(data, dict):
        reject("line", text[:80], "not a JSON object")
        return
    summary = {"id": data.get("id"), "schema": data.get("schema")}
    schema_name = data.get("schema")
    if not isinstance(schema_name, str) or model.get(schema_name) is None:
        reject("schema", schema_name, "not a FollowTheMoney schema", summary)
        return
    entity_id = data.get("id")
    if not isinstance(entity_id, str) or not entity_id.strip():
        reject("id", entity_id, "entity has no id", summary)
        return
    props = data.get("properties")
    if props is not None and not isinstance(props, dict):
        reject("properties", str(props)[:80], "properties must be an object of lists", summary)
        return
    schema = model.get(schema_name)
    mapped = NODE_LABELS.get(schema.name) or (schema.name if schema.name in LINKS else None)
    if mapped is None:
        reject("schema", schema.name, f"FtM schema {schema.name} is not modelled in the Conveyor graph", summary)
        return
    # Dates are checked on the raw values: FtM's own cleaning would drop a bad one silently.
    dates: dict[str, str | None] = {}
    for prop in DATES.get("Company" if schema.name in COMPANY_SCHEMATA else schema.name, ()):
        values = _as_list((props or {}).get(prop))
        try:
            dates[prop] = parse_partial_date(values[0]) if values else None
        except DateProblem as exc:
            reject(prop, values[0], str(exc), summary)
            return
    try:
        proxy = model.get_proxy({"id": entity_id, "schema": schema.name, "properties": props or {}}, cleaned=False)
    except (InvalidData, TypeError, ValueError) as exc:
        reject("properties", str(props)[:80], f"FtM could not read the entity: {exc}", summary)
        return
    record_id = f"{name}:{line_no}"
    if schema.name in LINKS:
        _link(proxy, dates, line_no, record_id, state, builder, reject, summary)
        return
    label = NODE_LABELS[schema.name]
    previous = state.labels.get(entity_id)
    if previous is not None and previous != label:
        reject("id", entity_id, f"id already used for a {previous} earlier in the file", summary)
        return
    if label == "Address":
        row = _address(proxy, record_id)
    else:
        row = _party(proxy, label, dates, record_id, props or {})
    if row is None:
        reject("name", None, f"{schema.name} has no name", summary)
        return
    state.labels[entity_id] = label
    builder.node(label, row)
    for code in _countries(proxy):
        builder.node("Country", country_row(code))
        builder.rel("IN", {"start": entity_id, "end": code, "props": {}, "row": line_no,
                           "record_id": record_id}, "Country")
    if label != "Address":
        for address_id in proxy.get("addressEntity"):
            builder.rel("REGISTERED_AT", {"start": entity_id, "end": address_id, "props": {},
                                          "row": line_no, "record_id": record_id})


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value if v not in (None, "")]
    return [str(value)]


def _first(proxy: EntityProxy, *props: str) -> str | None:
    for prop in props:
        if prop in proxy.schema.properties:
            values = proxy.get(prop)
            if values:
                return values[0]
    return None


def _countries(proxy: EntityProxy) -> list[str]:
    """ISO codes of country / jurisdiction / nationality; FtM territories like 'suhh' have no node."""
    seen: list[str] = []
    for prop in ("country", "jurisdiction", "mainCountry", "nationality"):
        if prop not in proxy.schema.properties:
            continue
        for value in proxy.get(prop):
            code = normalise_country(value) if len(value) == 2 else None
            if code and code not in seen:
                seen.append(code)
    return seen


def _raw(raw: dict[str, Any], prop: str) -> str | None:
    values = _as_list(raw.get(prop))
    return values[0].strip() if values else None


def _party(proxy: EntityProxy, label: str, dates: dict[str, str | None], record_id: str,
           raw: dict[str, Any]) -> dict[str, Any] | None:
    names = proxy.get("name")
    if not names:
        return None
    name = names[0]
    aliases = [n for n in (*names[1:], *proxy.get("alias"), *proxy.get("previousName")) if n != name]
    countries = _countries(proxy)
    props: dict[str, Any] = {"name": name, "name_norm": normalise_name(name), "aliases": aliases or None,
                             "country": countries[0] if countries else None}
    if label == "Company":
        props.update({
            "jurisdiction": _first(proxy, "jurisdiction"),
            # Identifiers as published: FtM drops INN/OGRN/LEI values whose checksum fails, silently.
            "registration_number": _raw(raw, "registrationNumber"), "lei": _raw(raw, "leiCode"),
            "inn": _raw(raw, "innCode"), "ogrn": _raw(raw, "ogrnCode"), "imo": _raw(raw, "imoNumber"),
            "legal_form": _first(proxy, "legalForm"),
            "incorporation_date": dates.get("incorporationDate"),
            "dissolution_date": dates.get("dissolutionDate"),
            "status": _first(proxy, "status"), "address": _first(proxy, "address"),
            "schema": proxy.schema.name,
        })
    else:
        props.update({"birth_date": dates.get("birthDate"), "nationality": _first(proxy, "nationality"),
                      "position": _first(proxy, "position")})
    return {"key": proxy.id, "record_id": record_id, "props": props}


def _address(proxy: EntityProxy, record_id: str) -> dict[str, Any] | None:
    full = _first(proxy, "full") or ", ".join(
        v for v in (_first(proxy, p) for p in ("street", "city", "postalCode", "region")) if v)
    if not full:
        return None
    countries = _countries(proxy)
    return {"key": proxy.id, "record_id": record_id,
            "props": {"full": full, "country": countries[0] if countries else None}}


def _link(proxy: EntityProxy, dates: dict[str, str | None], line_no: int, record_id: str, state: _State,
          builder: _ChunkBuilder, reject: Any, summary: dict[str, Any]) -> None:
    rel, start_prop, end_prop = LINKS[proxy.schema.name]
    start = _first(proxy, start_prop)
    if not start:
        reject(start_prop, None, f"{proxy.schema.name} without {start_prop}", summary)
        return
    if rel == "SANCTIONED":
        program = _first(proxy, "program")
        authority = _first(proxy, "authority")
        listed = dates.get("startDate") or dates.get("listingDate")
        builder.node("Sanction", {"key": proxy.id, "record_id": record_id, "props": {
            "program": program, "authority": authority, "listed": listed, "end_date": dates.get("endDate"),
            "reason": _first(proxy, "reason"), "source_url": _first(proxy, "sourceUrl")}})
        builder.rel(rel, {"start": start, "end": proxy.id, "row": line_no, "record_id": record_id,
                          "props": {"program": program, "authority": authority, "listed": listed}}, "Sanction")
        return
    end = _first(proxy, end_prop) if end_prop else None
    if not end:
        reject(end_prop, None, f"{proxy.schema.name} without {end_prop}", summary)
        return
    start_date, end_date = dates.get("startDate"), dates.get("endDate")
    if rel == "OWNS":
        try:
            share = _share(_first(proxy, "percentage"))
        except ValueError as exc:
            reject("percentage", _first(proxy, "percentage"), str(exc), summary)
            return
        props = {**share, "start": start_date, "end": end_date, "kind": _first(proxy, "ownershipType", "role"),
                 "status": "closed" if end_date else "open"}
    elif rel == "DIRECTS":
        props = {"role": _first(proxy, "role"), "start": start_date, "end": end_date}
    else:
        props = {"kind": proxy.schema.name, "start": start_date, "end": end_date}
    builder.rel(rel, {"start": start, "end": end, "rel_key": proxy.id, "row": line_no, "record_id": record_id,
                      "props": props})


_RANGE = re.compile(r"^(\d+(?:\.\d+)?)\s*[-\u2013]\s*(\d+(?:\.\d+)?)$")


def _share(text: str | None) -> dict[str, float | None]:
    """FtM's percentage is free text: '25', '25%', '0,5' -> share; '25-50%' -> share_min/share_max."""
    if not text:
        return {}
    clean = text.replace("%", "").replace(",", ".").strip()
    ranged = _RANGE.match(clean)
    try:
        values = [float(v) for v in ranged.groups()] if ranged else [float(clean)]
    except ValueError:
        raise ValueError(f"percentage {text!r} is not a number or a range") from None
    if not all(0 <= v <= 100 for v in values):
        raise ValueError(f"percentage {text!r} is outside 0-100")
    if ranged:
        return {"share_min": values[0], "share_max": values[1]}
    return {"share": values[0]}
