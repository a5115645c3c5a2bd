"""Open Ownership Beneficial Ownership Data Standard (BODS) statements, in both published shapes:

- 0.4: statementId, statementDate, recordId, recordType (entity / person / relationship), recordStatus
  (new / updated / closed) and recordDetails. Node and edge keys are the recordId, so successive
  statements about one record update it; within a file the latest statement of each record
  (statementDate, then position) is the one loaded, earlier ones are read and folded into it.
- 0.2 / 0.3: statementID, statementType (entityStatement / personStatement /
  ownershipOrControlStatement), subject.describedByEntityStatement, interestedParty.describedBy
  PersonStatement / describedByEntityStatement, replacesStatements. Keys are statementIDs. A
  statement named in a later statement's replacesStatements is not loaded: it is read and folded into
  its replacement, and references to it (subject / interestedParty) are redirected along the
  replacement chain, so a replaced ownership statement never stays as a second live edge. A
  replacement in a later file version needs nothing special: the replaced statement is no longer
  asserted by the source and `load()` retires it.

Input is a JSON array (streamed with ijson) or JSON lines, detected from the first character. The file
is read twice, both times streaming: a first pass indexes ids only (node label and position, latest
statement per record, replacements); the second builds chunks. Relationships whose endpoints come later
in the file wait (small rows) for a final chunk.

Row numbers: JSON lines -> line number; array -> position of the statement in the array (1-based).

Interests (decision): being on the board or managing is DIRECTS (role = interest type):
boardMember, boardChair, seniorManagingOfficial / senior-managing-official. Every other interest,
including control rights such as appointment-of-board, voting-rights and other-influence-or-control,
is OWNS with kind = interest type: the schema's OWNS is "ownership or control interest", and the
right to appoint a board is control over the company, not a seat on its board. Each interest is its
own edge (rel_key = record/statement id + '#' + its position). A relationship without interests is
one OWNS with no kind.

Indirect interests (decision): an interest with directOrIndirect 'indirect' is OWNS with direct=false,
as the publisher stated it (its share is the owner's share, queries/ownership.py does not add its
chain on top). A relationship the publisher marks isComponent=true (0.4: recordDetails.isComponent,
0.2/0.3: the statement's isComponent; the primary lists them in componentRecords /
componentStatementIDs) is one link of such an indirect interest: its OWNS edges get component=true.

Closed: recordStatus 'closed' (0.4) or an interest with endDate sets end (endDate, else the
statement date) and status='closed' on OWNS (DIRECTS has no status: end is set). Closed entities get
status='closed'. Share: exact -> share; minimum/exclusiveMinimum -> share_min; maximum/
exclusiveMaximum -> share_max (exclusive bounds kept as the bound; 0.2 used booleans there, ignored).
Addresses become the Company's `address` text (no Address nodes: BODS addresses carry no id).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ijson

from ..graph.errors import RowProblem
from ..graph.rows import NodeRow, RelRow
from ..graph.schema import rel_type
from ..graph.types import PARTIAL_DATE, SHARE
from .base import Chunk, NodeBatch, Reject, RelBatch, SourceError
from .csvfile import check_readable
from .names import normalise_country, normalise_name
from .parse import json_nesting_problem
from .records import country_row

CHUNK_STATEMENTS = 5000

DIRECTS_INTERESTS = frozenset({"boardMember", "boardChair", "seniorManagingOfficial", "senior-managing-official"})
SCHEMES = {"GB-COH": "registration_number", "XI-LEI": "lei", "LEI": "lei", "BY-UNP": "unp", "RU-INN": "inn",
           "RU-OGRN": "ogrn"}
_ORG_ID_SCHEME = re.compile(r"^[A-Z]{2}-[A-Z0-9]+$")  # org-id.guide register prefixes, e.g. DK-CVR
_ANONYMOUS = frozenset({"anonymousEntity", "unknownEntity", "anonymousPerson", "unknownPerson"})


@dataclass
class _Bad:
    text: str
    reason: str


@dataclass
class _Index:
    """Pass 1, ids only: where each node is emitted, its label, and what replaces what."""

    label: dict[str, str] = field(default_factory=dict)
    node_row: dict[str, int] = field(default_factory=dict)
    latest: dict[str, tuple[str, int]] = field(default_factory=dict)  # 0.4 recordId -> (date, row)
    replaced_by: dict[str, str] = field(default_factory=dict)  # 0.2/0.3 statementID -> its replacement

    def resolve(self, statement_id: str) -> str:
        seen = {statement_id}
        while statement_id in self.replaced_by:
            statement_id = self.replaced_by[statement_id]
            if statement_id in seen:  # a replacement cycle: stop rather than loop
                break
            seen.add(statement_id)
        return statement_id


def read_bods(path: str | Path, *, source: str, mapping: Path | None = None) -> Iterator[Chunk]:
    p = check_readable(path)
    if mapping is not None:
        raise SourceError(p, "BODS statements carry their own schema: --mapping does not apply")
    index = _index(p)  # whole-file problems (a broken JSON array) surface here, before anything is written
    return _read(p, index)


# -- reading statements ------------------------------------------------------------------------
def _shape(path: Path) -> tuple[str, int]:
    """('array' | 'lines', bytes to skip for a BOM)."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    skip = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    first = head[skip:].lstrip()[:1]
    if not first:
        raise SourceError(path, "holds no statements (only whitespace)")
    if first == b"[":
        return "array", skip
    if first == b"{":
        return "lines", skip
    raise SourceError(path, "is neither a JSON array of statements nor JSON lines", row=1)


def _statements(path: Path) -> Iterator[tuple[int, Any]]:
    shape, skip = _shape(path)
    if shape == "array":
        with open(path, "rb") as fh:
            fh.seek(skip)
            n = 0
            try:
                for n, item in enumerate(ijson.items(fh, "item", use_float=True), start=1):  # noqa: B007
                    yield n, item
            except ijson.JSONError as exc:
                raise SourceError(path, f"broken JSON array after statement {n}: {str(exc).splitlines()[0]}",
                                  row=n + 1) from exc
        return
    with open(path, encoding="utf-8-sig", newline=None) as fh:
        for line_no, raw in enumerate(fh, start=1):
            text = raw.strip()
            if not text:
                continue
            too_deep = json_nesting_problem(text)
            if too_deep:
                yield line_no, _Bad(text[:80], f"not read: {too_deep}")
                continue
            try:
                yield line_no, json.loads(text)
            except json.JSONDecodeError as exc:
                yield line_no, _Bad(text[:80], f"not valid JSON ({exc.msg} at column {exc.colno})")


def _list(value: Any) -> list[Any]:
    """A field the standard makes an array; any other JSON type is treated as absent (a wrong type must
    not crash the load, and a string must not be read as a list of characters)."""
    return value if isinstance(value, list) else []


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    """A field the standard makes a string (or a number, for ids); objects and arrays are not text."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _shown(value: Any) -> str:
    """A value for a reject, as JSON cut at 80 characters; one nested too deep to write, by its kind."""
    try:
        return json.dumps(value)[:80]
    except RecursionError:  # from a JSON array file, where statements are not screened line by line
        return f"a JSON {'object' if isinstance(value, dict) else 'array'} nested too deep to show"


def _version(stmt: dict[str, Any]) -> str:
    return "0.4" if ("recordType" in stmt or "statementId" in stmt) else "0.2"


def _index(path: Path) -> _Index:
    index = _Index()
    try:
        for row, stmt in _statements(path):
            if not isinstance(stmt, dict):
                continue
            if _version(stmt) == "0.4":
                record, kind = stmt.get("recordId"), stmt.get("recordType")
                if not isinstance(record, str):
                    continue
                when = str(stmt.get("statementDate") or "")
                if record not in index.latest or when >= index.latest[record][0]:
                    index.latest[record] = (when, row)
                    if kind in ("entity", "person"):
                        index.label[record] = "Company" if kind == "entity" else "Person"
                        index.node_row[record] = row
            else:
                sid, kind = stmt.get("statementID"), stmt.get("statementType")
                if not isinstance(sid, str):
                    continue
                for old in _list(stmt.get("replacesStatements")):
                    if isinstance(old, str):
                        index.replaced_by[old] = sid
                if kind in ("entityStatement", "personStatement"):
                    index.label[sid] = "Company" if kind == "entityStatement" else "Person"
                    index.node_row[sid] = row
    except UnicodeDecodeError as exc:
        raise SourceError(path, f"is not UTF-8 text (byte {exc.start})") from exc
    return index


# -- building chunks -------------------------------------------------------------------------
class _Builder:
    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, NodeRow]] = {"Country": {}, "Company": {}, "Person": {}}
        self.rels: dict[tuple[str, str, str], list[RelRow]] = {}

    def finish(self, chunk: Chunk) -> Chunk:
        chunk.nodes = [NodeBatch(label, list(rows.values())) for label, rows in self.nodes.items() if rows]
        chunk.relationships = [RelBatch(t, s, e, rows) for (t, s, e), rows in self.rels.items()]
        return chunk


def _read(path: Path, index: _Index) -> Iterator[Chunk]:
    chunk, builder = Chunk(), _Builder()
    waiting: list[tuple[str, str, str, RelRow]] = []
    for row, stmt in _statements(path):
        chunk.read += 1
        _one(stmt, row, path.name, index, chunk, builder, waiting)
        if chunk.read >= CHUNK_STATEMENTS:
            yield builder.finish(chunk)
            chunk, builder = Chunk(), _Builder()
    if chunk.read:
        yield builder.finish(chunk)
    if waiting:
        final = Chunk()
        grouped: dict[tuple[str, str, str], list[RelRow]] = {}
        for rel, start, end, rel_row in waiting:
            grouped.setdefault((rel, start, end), []).append(rel_row)
        final.relationships = [RelBatch(t, s, e, rows) for (t, s, e), rows in grouped.items()]
        yield final


def _one(stmt: Any, row: int, name: str, index: _Index, chunk: Chunk, builder: _Builder,
         waiting: list[tuple[str, str, str, RelRow]]) -> None:
    def reject(field_name: str, value: Any, reason: str) -> None:
        record = {k: stmt.get(k) for k in ("statementId", "statementID", "recordId", "recordType", "statementType")
                  if isinstance(stmt, dict) and stmt.get(k)}
        chunk.rejects.append(Reject(row, field_name, value, reason, record))

    if isinstance(stmt, _Bad):
        reject("line", stmt.text, stmt.reason)
        return
    if not isinstance(stmt, dict):
        reject("statement", str(stmt)[:80], "a statement must be a JSON object")
        return
    try:
        if _version(stmt) == "0.4":
            _statement_04(stmt, row, name, index, builder, waiting, reject)
        else:
            _statement_02(stmt, row, name, index, builder, waiting, reject)
    except RowProblem as problem:
        reject(problem.field, problem.value, problem.reason)


def _date(value: Any, field_name: str) -> str | None:
    date: str | None = PARTIAL_DATE.clean(value, field=field_name)
    return date


def _statement_04(stmt: dict[str, Any], row: int, name: str, index: _Index, builder: _Builder,
                  waiting: list, reject: Any) -> None:
    record, kind = stmt.get("recordId"), stmt.get("recordType")
    if not isinstance(record, str) or not record:
        reject("recordId", record, "statement has no recordId")
        return
    if kind not in ("entity", "person", "relationship"):
        reject("recordType", kind, "recordType must be entity, person or relationship")
        return
    details = stmt.get("recordDetails")
    if not isinstance(details, dict):
        reject("recordDetails", None, "statement has no recordDetails object")
        return
    stated = _date(stmt.get("statementDate"), "statementDate")
    if index.latest.get(record, ("", row))[1] != row:
        return  # an earlier statement about a record restated later in the file: folded into the latest
    closed = stmt.get("recordStatus") == "closed"
    record_id = f"{name}:{row}"
    if kind == "entity":
        _entity(record, details, details.get("jurisdiction"), closed, record_id, row, builder, reject)
    elif kind == "person":
        _person(record, details, record_id, row, builder, reject)
    else:
        subject, party = details.get("subject"), details.get("interestedParty")
        if not isinstance(subject, str):
            reject("subject", _shown(subject), f"subject unspecified: {_reason(subject)}")
            return
        if not isinstance(party, str):
            reject("interestedParty", _shown(party), f"interested party unspecified: {_reason(party)}")
            return
        _interests(record, subject, party, details.get("interests"), closed, stated, record_id, row,
                   index, builder, waiting, reject, component=details.get("isComponent") is True)


def _statement_02(stmt: dict[str, Any], row: int, name: str, index: _Index, builder: _Builder,
                  waiting: list, reject: Any) -> None:
    sid, kind = stmt.get("statementID"), stmt.get("statementType")
    if not isinstance(sid, str) or not sid:
        reject("statementID", sid, "statement has no statementID")
        return
    if kind not in ("entityStatement", "personStatement", "ownershipOrControlStatement"):
        reject("statementType", kind, "not a BODS 0.2/0.3 statementType")
        return
    stated = _date(stmt.get("statementDate"), "statementDate")
    if sid in index.replaced_by:
        return  # replaced by a later statement in this file: folded into its replacement
    record_id = f"{name}:{row}"
    if kind == "entityStatement":
        _entity(sid, stmt, stmt.get("incorporatedInJurisdiction"), False, record_id, row, builder, reject)
    elif kind == "personStatement":
        _person(sid, stmt, record_id, row, builder, reject)
    else:
        subject = _obj(stmt.get("subject")).get("describedByEntityStatement")
        party_obj = _obj(stmt.get("interestedParty"))
        party = party_obj.get("describedByPersonStatement") or party_obj.get("describedByEntityStatement")
        if not isinstance(subject, str):
            reject("subject", _shown(stmt.get("subject")), "subject has no describedByEntityStatement")
            return
        if not isinstance(party, str):
            reject("interestedParty", _shown(party_obj),
                   f"interested party unspecified: {_reason(party_obj.get('unspecified'))}")
            return
        _interests(sid, index.resolve(subject), index.resolve(party), stmt.get("interests"), False, stated,
                   record_id, row, index, builder, waiting, reject, component=stmt.get("isComponent") is True)


def _reason(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("reason") or value.get("description") or "no reason given")
    return "no reason given"


def _entity(key: str, d: dict[str, Any], jurisdiction: Any, closed: bool, record_id: str, row: int,
            builder: _Builder, reject: Any) -> None:
    entity_type = d.get("entityType")
    entity_type = _text(entity_type.get("type") if isinstance(entity_type, dict) else entity_type)
    entity_name = (d.get("name") or "").strip() if isinstance(d.get("name"), str) else ""
    if not entity_name and entity_type not in _ANONYMOUS:
        reject("name", None, "entity has no name (and is not declared anonymous or unknown)")
        return
    founded = _date(d.get("foundingDate"), "foundingDate")
    dissolved = _date(d.get("dissolutionDate"), "dissolutionDate")
    jur_code = jur_name = None
    if isinstance(jurisdiction, dict):
        jur_code, jur_name = _text(jurisdiction.get("code")), _text(jurisdiction.get("name"))
    country = normalise_country(str(jur_code)[:2]) if jur_code else None
    address, address_country = _address(d.get("addresses"))
    country = country or address_country
    props: dict[str, Any] = {
        "name": entity_name or None, "name_norm": normalise_name(entity_name) or None,
        "aliases": [a for a in _list(d.get("alternateNames")) if isinstance(a, str)] or None,
        "country": country, "jurisdiction": jur_code or jur_name, "incorporation_date": founded,
        "dissolution_date": dissolved, "address": address, "status": "closed" if closed else None,
    }
    props.update(_identifiers(d.get("identifiers")))
    builder.nodes["Company"][key] = NodeRow(key, props, record_id, row)
    _in_country(key, country, record_id, row, builder)


def _in_country(key: str, country: str | None, record_id: str, row: int, builder: _Builder) -> None:
    if country:
        builder.nodes["Country"][country] = country_row(country)
        label = "Company" if key in builder.nodes["Company"] else "Person"
        builder.rels.setdefault(("IN", label, "Country"), []).append(
            RelRow(key, country, {}, None, record_id, row))


def _identifiers(items: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for ident in items if isinstance(items, list) else []:
        ident_id = _text(ident.get("id")) if isinstance(ident, dict) else None
        if not isinstance(ident, dict) or not ident_id:
            continue
        scheme = (_text(ident.get("scheme")) or "").upper()
        target = SCHEMES.get(scheme) or ("registration_number" if _ORG_ID_SCHEME.match(scheme) else None)
        if target and target not in found:
            found[target] = ident_id
    return found


def _address(items: Any) -> tuple[str | None, str | None]:
    """The registered address if there is one, else the first; and its country code."""
    addresses = [a for a in items if isinstance(a, dict)] if isinstance(items, list) else []
    addresses.sort(key=lambda a: a.get("type") != "registered")
    for a in addresses:
        text = ", ".join(v for v in (_text(a.get("address")), _text(a.get("postCode"))) if v)
        country = a.get("country")
        code = _text(country.get("code") if isinstance(country, dict) else country)
        if text or code:
            return text or None, normalise_country(str(code)) if code else None
    return None, None


def _person(key: str, d: dict[str, Any], record_id: str, row: int, builder: _Builder, reject: Any) -> None:
    person_type = _text(d.get("personType"))
    full = None
    for n in _list(d.get("names")):
        if isinstance(n, dict):
            full = _text(n.get("fullName")) or " ".join(
                part for part in (_text(n.get(k)) for k in ("givenName", "patronymicName", "familyName"))
                if part) or None
            if full:
                break
    if not full and person_type not in _ANONYMOUS:
        reject("names", None, "person has no name (and is not declared anonymous or unknown)")
        return
    nationalities = [_text(n.get("code")) for n in _list(d.get("nationalities"))
                     if isinstance(n, dict) and _text(n.get("code"))]
    country = normalise_country(str(nationalities[0])) if nationalities else None
    props = {"name": full, "name_norm": normalise_name(full) or None,
             "birth_date": _date(d.get("birthDate"), "birthDate"),
             "nationality": country or (nationalities[0] if nationalities else None), "country": country}
    builder.nodes["Person"][key] = NodeRow(key, props, record_id, row)
    _in_country(key, country, record_id, row, builder)


def _interests(base: str, subject: str, party: str, interests: Any, closed: bool, stated: str | None,  # noqa: PLR0913  one interest statement's context; to become a type (issue 11 item 1)
               record_id: str, row: int, index: _Index, builder: _Builder, waiting: list, reject: Any, *,
               component: bool = False) -> None:
    start_label, end_label = index.label.get(party, "Company"), index.label.get(subject, "Company")
    items = [i for i in interests if isinstance(i, dict)] if isinstance(interests, list) else []
    rows: list[tuple[str, RelRow]] = []
    for n, interest in enumerate(items or [{}]):
        kind = _text(interest.get("type"))
        start, end = _date(interest.get("startDate"), "startDate"), _date(interest.get("endDate"), "endDate")
        ended = closed or end is not None
        if ended and end is None:
            end = stated
        props: dict[str, Any]
        if kind in DIRECTS_INTERESTS:
            rel, props = "DIRECTS", {"role": kind, "start": start, "end": end}
        else:
            direct = _text(interest.get("directOrIndirect")) or _text(interest.get("interestLevel"))
            props = {**_share(interest.get("share")), "start": start, "end": end, "kind": kind,
                     "direct": {"direct": True, "indirect": False}.get(direct or ""),
                     "component": True if component else None,
                     "status": "closed" if ended else "open"}
            rel = "OWNS"
        rows.append((rel, RelRow(party, subject, props, f"{base}#{n}", record_id, row)))
    for rel, _ in rows:
        if (start_label, end_label) not in rel_type(rel).endpoints:
            reject(rel, f"{party} -> {subject}", f"{rel} cannot link a {start_label} to a {end_label}")
            return
    ready = index.node_row.get(party, row + 1) <= row and index.node_row.get(subject, row + 1) <= row
    for rel, rel_row in rows:
        if ready:
            builder.rels.setdefault((rel, start_label, end_label), []).append(rel_row)
        else:
            waiting.append((rel, start_label, end_label, rel_row))


def _share(share: Any) -> dict[str, float]:
    """The share object -> share / share_min / share_max in percent. A share that is not an object, or a
    bound that is not a number from 0 to 100 (a string, NaN, a negative), is a RowProblem: the
    interest is rejected with the reason rather than loaded with its share silently dropped."""
    if share is None:
        return {}
    if not isinstance(share, dict):
        raise RowProblem("share", _shown(share), "share must be an object (exact, minimum, maximum)")
    out: dict[str, float] = {}
    for field_name, target in (("exact", "share"), ("minimum", "share_min"), ("min", "share_min"),
                               ("exclusiveMinimum", "share_min"), ("maximum", "share_max"), ("max", "share_max"),
                               ("exclusiveMaximum", "share_max")):
        value = share.get(field_name)
        # bool is an int in Python: 0.2's exclusiveMinimum/Maximum flags must not become 1.0 / 0.0
        if value is None or isinstance(value, bool):
            continue
        # a number, as the standard says: a string is refused, not read as one (SHARE would take '30')
        shown = f"share.{field_name}"
        if not isinstance(value, int | float):
            raise RowProblem(shown, _shown(value), f"{shown} {_shown(value)} is not a percentage from 0 to 100")
        try:
            percent = SHARE.clean(value, field=shown, what=shown)
        except RowProblem as problem:
            raise RowProblem(shown, _shown(value), problem.reason) from None
        if target not in out:
            out[target] = percent
    return out
