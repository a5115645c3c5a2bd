"""FollowTheMoney entities as JSON lines (OpenSanctions and Aleph exports): one `{id, schema,
properties}` object per line, read line by line with the `followthemoney` package.

Legal entities become Company / Person / Address nodes; the FtM "interval" entities (Ownership,
Directorship, Family, Associate, UnknownLink, Sanction) become relationships.

Decisions worth knowing:
- Row numbers are physical line numbers (1-based); blank lines are not records and are not counted.
- A record is either loaded or rejected as a whole: an unknown schema, a schema Conveyor does not
  model (Vessel, Passport, ...), a missing id or name, an invalid date or a line that is not JSON is a
  Reject naming the line and field.
- Dates may be partial as FtM allows ('2019', '2019-05'); they are kept as given. A timestamp keeps its
  date part. Every value of a date property is checked; one that is not a date is a Reject.
- The same id on two lines with the same kind of node is one node (FtM fragments of one entity):
  both lines count as loaded and a later line's values win (name lists of one chunk are united). The
  same id used for a Person and then a Company is a Reject of the later line.
- Relationships whose endpoints were already seen go out with their chunk; the others wait (small
  rows, no entity bodies) until the end of the file, so forward references work. Kept for the whole
  file: id -> node label, the waiting links, and the ids of sanctioned entities.
- Cross-file links: an endpoint the file never defines is looked up by key in the graph, once at the
  end of the file, in batches (UNWIND $ids, one query per label per batch), under each label the FtM
  range of the property allows (Ownership.owner is a LegalEntity: Company or Person; Ownership.asset
  an Asset: Company; Family.relative: Person; Sanction.entity: Company or Person). It is never assumed
  to be a Company. A link whose endpoint exists nowhere is one Reject with that reason; an id found
  under two labels is a Reject too (ambiguous).
- An entity whose `addressEntity` names an Address found neither in the file nor in the graph is
  loaded without it: the missing address is a note (listed in `<file>.notes.csv`, counted in the
  report), not a reject, so read = loaded + rejected stays true.
- UnknownLink from a Company to a Person is turned around (ASSOCIATE only allows Person -> Company).
- Names follow FtM's caption rules: the display name is `proxy.caption` over the name-type properties
  (name, alias, previousName, weakAlias, abbreviation; several `name` values: FtM's pick_name); a
  Person with none of them is named from firstName/middleName/fatherName/lastName. `aliases` keeps
  every other strong name (other names, alias, previousName: resolution compares them),
  `previous_names` says which were former names, `weak_aliases` keeps weakAlias and abbreviation
  (searched, not compared). On companies, `search_keys` are the transliteration-blind forms of all of
  them (loaders.names.search_keys), what `company-search` matches (people are not searched by it and a
  key costs about 0.1 ms a name, so they have none).
- Identifiers: the scalar columns (inn, ogrn, lei, registration_number, imo) keep the first value as
  published (the indexed key every loader shares and resolution compares); `identifiers` keeps every
  value as 'property:value' (two INNs are both kept, and a query can find either).
- Sanctions: `topics` are kept as published. Only the topic `sanction` means designated
  (`sanction.linked`, `sanction.control`, `sanction.counter` do not). An entity with that topic and
  no Sanction entity in the same file gets a Sanction node of its own (id `ftm-topic:<source>:<entity
  id>`, program from its `program` / `programId`, reason "FtM topic sanction") at the end of the file,
  so a file that lists the Sanction entity on a later line gives one designation, not two. A Sanction
  entity's several values are kept: program, authority and programId joined with '; ' (display
  text); `listed` is the earliest of all listingDate and startDate values; `end_date` the latest
  endDate (a designation ends when its last stated end passes).
- Ownership shares are percent, as FtM's "Percentage held" says ('0.3' is 0.3 %, not 30 %): '30',
  '30%', '33,3' -> share; '25-50', '25 - 50%', '25 to 50', 'between 25 and 50' -> share_min/share_max;
  '<25', 'up to 25' -> 0..25; '>75', 'more than 75' -> 75..100; several values that differ -> their
  range; none -> unknown (no share). Without a percentage, a UK PSC nature of control in `role`
  ('Ownership of shares 25 to 50 percent') gives the range. A percentage that is none of these loads
  the link with an unknown share and a note. sharesCount / sharesValue / sharesCurrency are kept as
  published (they cannot become a share without the company's total).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from followthemoney import model
from followthemoney.exc import InvalidData
from followthemoney.proxy import EntityProxy

from ..graph.errors import RowProblem
from ..graph.rows import NodeRow, RelRow
from ..graph.schema import node_type, rel_type
from ..graph.store.base import GraphStore
from ..graph.types import PARTIAL_DATE, SHARE
from .base import Chunk, NodeBatch, Reject, RelBatch, SourceError, chunked
from .csvfile import check_readable
from .names import normalise_country, normalise_name, search_keys
from .parse import json_nesting_problem
from .records import country_row

CHUNK_LINES = 5000
LOOKUP_BATCH = 10_000  # ids per endpoint lookup query

COMPANY_SCHEMATA = frozenset({"Company", "Organization", "LegalEntity", "PublicBody"})
NODE_LABELS = {**{s: "Company" for s in COMPANY_SCHEMATA}, "Person": "Person", "Address": "Address"}
PARTY_LABELS = ("Company", "Person")
# FtM schema -> (relationship type, start property, end property)
LINKS = {
    "Ownership": ("OWNS", "owner", "asset"),
    "Directorship": ("DIRECTS", "director", "organization"),
    "Family": ("ASSOCIATE", "person", "relative"),
    "Associate": ("ASSOCIATE", "person", "associate"),
    "UnknownLink": ("ASSOCIATE", "subject", "object"),
    "Sanction": ("SANCTIONED", "entity", None),
}
# Date properties that reach the graph, per schema; every value is checked before anything is kept.
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
# Name-type properties in FtM's caption order for legal entities; strong ones are compared by resolution.
STRONG_NAMES = ("name", "alias", "previousName")
WEAK_NAMES = ("weakAlias", "abbreviation")
PERSON_NAME_PARTS = ("firstName", "secondName", "middleName", "fatherName", "lastName")
# Identifier properties kept in full in `identifiers` (the scalar columns keep the first value).
IDENTIFIERS = ("registrationNumber", "innCode", "ogrnCode", "leiCode", "imoNumber", "taxNumber", "vatCode",
               "okpoCode", "swiftBic", "uniqueEntityId", "npiCode", "bikCode", "dunsCode", "idNumber")
DESIGNATED_TOPIC = "sanction"  # OpenSanctions: listed; sanction.linked / .control / .counter are not
TOPIC_REASON = "FtM topic sanction"
MISSING_ADDRESS = "address not found"

def allowed_labels(schema_name: str, prop: str) -> tuple[str, ...]:
    """The node labels an FtM entity property may point at, from the property's range: a Company for
    an Asset or Organization, a Person for a Person, either for a LegalEntity or a Thing."""
    target = model.schemata[schema_name].properties[prop].range
    return tuple(label for label in PARTY_LABELS
                 if any(model.schemata[s].is_a(target) for s, mapped in NODE_LABELS.items() if mapped == label))


def read_ftm(path: str | Path, *, source: str, mapping: Path | None = None) -> Iterator[Chunk]:
    p = check_readable(path)
    if mapping is not None:
        raise SourceError(p, "FollowTheMoney files carry their own schema: --mapping does not apply")
    _check_shape(p)
    return _read(p, source)


def _check_shape(path: Path) -> None:
    """A file that is not entity lines at all (a CSV, a JSON array) is one error, not a reject per line."""
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        for line_no, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                first = None if json_nesting_problem(raw) else json.loads(raw)
            except json.JSONDecodeError:
                first = None
            if not isinstance(first, dict) or "schema" not in first:
                raise SourceError(path, "is not FollowTheMoney entity lines: the first entity line is not a "
                                        "JSON object with a 'schema'", row=line_no, field="schema")
            return


@dataclass
class _Link:
    """A relationship row before its endpoint labels are known. start_ok / end_ok: the labels the FtM
    range allows; end_label: an end the loader creates itself (Country, Sanction)."""

    rel: str
    row: RelRow
    start_ok: tuple[str, ...]
    end_ok: tuple[str, ...]
    end_label: str | None = None
    schema: str = ""
    start_prop: str = "start"
    end_prop: str = "end"

    def what(self) -> str:
        return f"{self.row.start} -> {self.row.end}"


@dataclass
class _TopicListing:
    line_no: int
    record_id: str
    program: list[str]
    program_id: list[str]
    source_url: str | None


class _State:
    """What outlives a chunk: id -> label, links waiting for an endpoint, and what sanctions need."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.labels: dict[str, str] = {}
        self.waiting: list[_Link] = []
        self.sanction_entities: set[str] = set()  # ids some Sanction entity of this file designates
        self.topic_listed: dict[str, _TopicListing] = {}  # ids with topic 'sanction'

    def label_of(self, entity_id: str, end_label: str | None = None) -> str | None:
        return end_label or self.labels.get(entity_id)


Grouped = dict[tuple[str, str, str], list[RelRow]]


def _read(path: Path, source: str) -> Iterator[Chunk]:
    state = _State(source)
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
    if chunk.read or chunk.rejects or chunk.notes:
        yield builder.finish(chunk)
    yield _end_of_file(state)


def _end_of_file(state: _State) -> Chunk:
    """Topic-only designations, the links whose endpoints came later in the file, and a step that
    looks the rest up in the graph (endpoints from other files)."""
    final = Chunk()
    sanctions = _topic_sanctions(state)
    if sanctions:
        final.nodes.append(NodeBatch("Sanction", [row for row, _ in sanctions]))
    grouped: Grouped = {}
    for _, link in sanctions:
        _place(link, state.labels[link.row.start], "Sanction", grouped, final.rejects)
    unresolved: list[_Link] = []
    for link in state.waiting:
        start, end = state.label_of(link.row.start), state.label_of(link.row.end, link.end_label)
        if start and end:
            _place(link, start, end, grouped, final.rejects)
        else:
            unresolved.append(link)
    state.waiting = []
    final.relationships = _batches(grouped)
    if unresolved:
        final.then = lambda store: [_from_graph(store, unresolved, state)]
    return final


def _topic_sanctions(state: _State) -> list[tuple[NodeRow, _Link]]:
    out = []
    for entity_id, listing in state.topic_listed.items():
        if entity_id in state.sanction_entities:
            continue  # the file's own Sanction entity is the designation: no second seed
        key = f"ftm-topic:{state.source}:{entity_id}"
        program, program_id = _joined(listing.program), _joined(listing.program_id)
        node = NodeRow(key, {
            "program": program or program_id, "program_id": program_id, "authority": None, "listed": None,
            "end_date": None, "reason": TOPIC_REASON, "source_url": listing.source_url}, listing.record_id,
            listing.line_no)
        link = _Link("SANCTIONED", RelRow(entity_id, key, {"program": program or program_id, "authority": None,
                                                           "listed": None}, None, listing.record_id, listing.line_no),
                     PARTY_LABELS, ("Sanction",), "Sanction", "Thing")
        out.append((node, link))
    state.topic_listed.clear()
    return out


_LOOKUP: dict[str, str] = {
    label: f"UNWIND $ids AS id\nMATCH (n:{label} {{{node_type(label).key}: id}})\nRETURN id"
    for label in (*PARTY_LABELS, "Address")
}


def _from_graph(store: GraphStore, links: list[_Link], state: _State) -> Chunk:
    """Endpoints no line of the file defined, looked up by key under each label their range allows."""
    wanted: dict[str, set[str]] = {}
    for link in links:
        for key, allowed in ((link.row.start, link.start_ok), (link.row.end, link.end_ok)):
            if key not in state.labels and not (link.end_label and key == link.row.end):
                # every party label, not only the allowed ones: a reject can then say what the id is
                for label in (allowed if allowed == ("Address",) else PARTY_LABELS):
                    wanted.setdefault(label, set()).add(key)
    found: dict[str, set[str]] = {}
    for label, ids in wanted.items():
        hits = found.setdefault(label, set())
        for batch in chunked(sorted(ids), LOOKUP_BATCH):
            hits.update(r["id"] for r in store.run(_LOOKUP[label], {"ids": batch}))
    chunk, grouped = Chunk(), Grouped()
    for link in links:
        labels: list[list[str]] = []
        for key, own in ((link.row.start, None), (link.row.end, link.end_label)):
            known = state.label_of(key, own)
            labels.append([known] if known else [label for label in found if key in found[label]])
        problem = _endpoint_problem(link, labels)
        if problem is None:
            _place(link, labels[0][0], labels[1][0], grouped, chunk.rejects)
        elif link.rel == "REGISTERED_AT":
            chunk.notes.append(Reject(link.row.row or 0, "addressEntity", link.row.end,
                                      f"{MISSING_ADDRESS}: no Address {link.row.end!r} in this file or the "
                                      "graph; the entity is loaded without it", {"id": link.row.start}))
        else:
            chunk.rejects.append(Reject(link.row.row or 0, link.rel, link.what(), problem,
                                        {"id": link.row.rel_key, "schema": link.schema}))
    chunk.relationships = _batches(grouped)
    return chunk


def _endpoint_problem(link: _Link, labels: list[list[str]]) -> str | None:
    """Why an endpoint cannot be used (None if both can): missing, of a kind the FtM range does not
    allow, or under two labels in the graph."""
    ends = ((link.row.start, link.start_ok, link.start_prop), (link.row.end, link.end_ok, link.end_prop))
    for (key, allowed, prop), found in zip(ends, labels, strict=True):
        kinds = " or ".join(allowed)
        if not found:
            return f"{link.schema}.{prop} {key!r} is neither in this file nor in the graph (as {kinds})"
        if len(found) > 1:
            return f"{link.schema}.{prop} {key!r} is ambiguous: the graph has it as {' and '.join(found)}"
        if found[0] not in allowed:
            return f"{link.schema}.{prop} {key!r} is a {found[0]} in the graph; it must be a {kinds}"
    return None


def _place(link: _Link, start: str, end: str, grouped: Grouped, rejects: list[Reject]) -> None:
    """Check that the schema allows the pair; an impossible pair is a Reject rather than a failed load."""
    row = link.row
    if link.rel == "ASSOCIATE" and start == "Company" and end == "Person":
        row = dataclasses.replace(row, start=row.end, end=row.start)
        start, end = end, start
    if (start, end) not in rel_type(link.rel).endpoints:
        rejects.append(Reject(row.row or 0, link.rel, f"{row.start} -> {row.end}",
                              f"{link.rel} cannot link a {start} to a {end}"))
        return
    grouped.setdefault((link.rel, start, end), []).append(row)


def _batches(grouped: Grouped) -> list[RelBatch]:
    return [RelBatch(rel, start, end, rows) for (rel, start, end), rows in grouped.items()]


_LIST_PROPS = ("aliases", "previous_names", "weak_aliases", "search_keys", "topics", "identifiers")


class _ChunkBuilder:
    def __init__(self, state: _State) -> None:
        self.state = state
        self.nodes: dict[str, dict[str, NodeRow]] = {"Country": {}, "Company": {}, "Person": {},
                                                     "Address": {}, "Sanction": {}}
        self.links: list[_Link] = []

    def node(self, label: str, row: NodeRow) -> None:
        # Fragments of one id in a chunk merge as they would in the store: later non-empty values win;
        # name and identifier lists are united (each fragment may bring its own aliases).
        held = self.nodes[label].get(row.key)
        if held is None:
            self.nodes[label][row.key] = row
            return
        props = held.props
        for k, v in row.props.items():
            if k in _LIST_PROPS and props.get(k) and v:
                props[k] = list(dict.fromkeys([*props[k], *v]))
            elif v not in (None, "", []):
                props[k] = v

    def rel(self, link: _Link) -> None:
        known = link.row.start in self.state.labels and (link.end_label or link.row.end in self.state.labels)
        (self.links if known else self.state.waiting).append(link)

    def finish(self, chunk: Chunk) -> Chunk:
        for label in ("Country", "Address", "Company", "Person", "Sanction"):
            if self.nodes[label]:
                chunk.nodes.append(NodeBatch(label, list(self.nodes[label].values())))
        grouped: Grouped = {}
        for link in self.links:
            start = self.state.labels[link.row.start]
            end = self.state.label_of(link.row.end, link.end_label)
            _place(link, start, end, grouped, chunk.rejects)  # type: ignore[arg-type]
        chunk.relationships = _batches(grouped)
        return chunk


Rejecter = Callable[[str, Any, str], None]


def _one_line(text: str, line_no: int, name: str, state: _State, chunk: Chunk, builder: _ChunkBuilder) -> None:  # noqa: C901  one FtM line: a flat dispatch over schemata, each branch small
    summary: dict[str, Any] = {}

    def reject(field: str, value: Any, reason: str) -> None:
        chunk.rejects.append(Reject(line_no, field, value, reason, summary))

    def note(field: str, value: Any, reason: str) -> None:
        chunk.notes.append(Reject(line_no, field, value, reason, summary))

    too_deep = json_nesting_problem(text)
    if too_deep:
        reject("line", text[:80], f"not read: {too_deep}")
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        reject("line", text[:80], f"not valid JSON ({exc.msg} at column {exc.colno})")
        return
    if not isinstance(data, dict):
        reject("line", text[:80], "not a JSON object")
        return
    summary.update({"id": data.get("id"), "schema": data.get("schema")})
    schema_name = data.get("schema")
    schema = model.get(schema_name) if isinstance(schema_name, str) else None
    if schema is None:
        reject("schema", schema_name, "not a FollowTheMoney schema")
        return
    entity_id = data.get("id")
    if not isinstance(entity_id, str) or not entity_id.strip():
        reject("id", entity_id, "entity has no id")
        return
    props = data.get("properties")
    if props is not None and not isinstance(props, dict):
        reject("properties", str(props)[:80], "properties must be an object of lists")
        return
    mapped = NODE_LABELS.get(schema.name) or (schema.name if schema.name in LINKS else None)
    if mapped is None:
        reject("schema", schema.name, f"FtM schema {schema.name} is not modelled in the Conveyor graph")
        return
    # Dates are checked on the raw values: FtM's own cleaning would drop a bad one silently.
    dates: dict[str, list[str]] = {}
    for prop in DATES.get("Company" if schema.name in COMPANY_SCHEMATA else schema.name, ()):
        dates[prop] = []
        for value in _as_list((props or {}).get(prop)):
            try:
                dates[prop].append(PARTIAL_DATE.clean(value, field=prop, required=True))
            except RowProblem as problem:
                reject(prop, value, problem.reason)
                return
    try:
        proxy = model.get_proxy({"id": entity_id, "schema": schema.name, "properties": props or {}}, cleaned=False)
    except (InvalidData, TypeError, ValueError) as exc:
        reject("properties", str(props)[:80], f"FtM could not read the entity: {exc}")
        return
    record_id = f"{name}:{line_no}"
    if schema.name in LINKS:
        _link(proxy, dates, line_no, record_id, state, builder, reject, note)
        return
    label = NODE_LABELS[schema.name]
    previous = state.labels.get(entity_id)
    if previous is not None and previous != label:
        reject("id", entity_id, f"id already used for a {previous} earlier in the file")
        return
    if label == "Address":
        row = _address(proxy, record_id)
    else:
        row = _party(proxy, label, dates, record_id, props or {}, data.get("caption"))
    if row is None:
        reject("name", None, f"{schema.name} has no name")
        return
    state.labels[entity_id] = label
    builder.node(label, row)
    for code in _countries(proxy):
        builder.node("Country", country_row(code))
        builder.rel(_Link("IN", RelRow(entity_id, code, {}, None, record_id, line_no), (label,), ("Country",),
                          "Country", schema.name))
    if label == "Address":
        return
    for address_id in proxy.get("addressEntity"):
        builder.rel(_Link("REGISTERED_AT", RelRow(entity_id, address_id, {}, None, record_id, line_no), (label,),
                          ("Address",), None, schema.name))
    if DESIGNATED_TOPIC in proxy.get("topics"):
        held = state.topic_listed.get(entity_id)
        listing = _TopicListing(line_no, record_id, proxy.get("program"), proxy.get("programId"),
                                _first(proxy, "sourceUrl"))
        if held is not None:  # fragments: keep the first line, unite the programs
            listing = _TopicListing(held.line_no, held.record_id, [*held.program, *listing.program],
                                    [*held.program_id, *listing.program_id], held.source_url or listing.source_url)
        state.topic_listed[entity_id] = listing


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value if v not in (None, "")]
    return [str(value)]


def _values(proxy: EntityProxy, *props: str) -> list[str]:
    out: list[str] = []
    for prop in props:
        if prop in proxy.schema.properties:
            out.extend(v for v in proxy.get(prop) if v.strip() and v not in out)
    return out


def _first(proxy: EntityProxy, *props: str) -> str | None:
    values = _values(proxy, *props)
    return values[0] if values else None


def _joined(values: Iterable[str]) -> str | None:
    unique = list(dict.fromkeys(v.strip() for v in values if v and v.strip()))
    return "; ".join(unique) if unique else None


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


def _raw_all(raw: dict[str, Any], prop: str) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in _as_list(raw.get(prop)) if v.strip()))


def _raw(raw: dict[str, Any], prop: str) -> str | None:
    values = _raw_all(raw, prop)
    return values[0] if values else None


def display_name(proxy: EntityProxy, published: Any = None) -> str | None:
    """The publisher's `caption` when it is one of the entity's names (OpenSanctions computes it with its own
    FtM version: recomputing here picked "LIMITED LIABILITY COMPANY CST" over the published "LLC CST"),
    else FtM's caption over the name-type properties; a Person without any is named from its parts."""
    names = _values(proxy, *STRONG_NAMES, *WEAK_NAMES)
    if isinstance(published, str) and published in names:
        return published
    if names:
        return proxy.caption
    if proxy.schema.is_a("Person"):
        return " ".join(_values(proxy, *PERSON_NAME_PARTS)) or None
    return None


def _party(proxy: EntityProxy, label: str, dates: dict[str, list[str]], record_id: str,
           raw: dict[str, Any], caption: Any = None) -> NodeRow | None:
    name = display_name(proxy, caption)
    if not name:
        return None
    aliases = [n for n in _values(proxy, *STRONG_NAMES) if n != name]
    previous = _values(proxy, "previousName")
    weak = [n for n in _values(proxy, *WEAK_NAMES) if n != name and n not in aliases]
    countries = _countries(proxy)
    props: dict[str, Any] = {
        "name": name, "name_norm": normalise_name(name), "aliases": aliases or None,
        "previous_names": previous or None, "weak_aliases": weak or None,
        "topics": _values(proxy, "topics") or None, "country": countries[0] if countries else None,
    }
    if label == "Company":
        identifiers = [f"{prop}:{v}" for prop in IDENTIFIERS if prop in raw for v in _raw_all(raw, prop)]
        props.update({
            # what company-search matches; people are not searched by it, and a key costs ~0.1 ms a name
            "search_keys": search_keys([name, *aliases, *weak]) or None,
            "jurisdiction": _first(proxy, "jurisdiction"),
            # Identifiers as published: FtM drops INN/OGRN/LEI values whose checksum fails, silently.
            "registration_number": _raw(raw, "registrationNumber"), "lei": _raw(raw, "leiCode"),
            "inn": _raw(raw, "innCode"), "ogrn": _raw(raw, "ogrnCode"), "imo": _raw(raw, "imoNumber"),
            "identifiers": identifiers or None,
            "legal_form": _first(proxy, "legalForm"),
            "incorporation_date": _earliest(dates.get("incorporationDate")),
            "dissolution_date": _earliest(dates.get("dissolutionDate")),
            "status": _first(proxy, "status"), "address": _first(proxy, "address"),
            "schema": proxy.schema.name,
        })
    else:
        births = dates.get("birthDate") or []
        props.update({"birth_date": births[0] if births else None, "nationality": _first(proxy, "nationality"),
                      "position": _first(proxy, "position")})
    return NodeRow(proxy.id, props, record_id)


def _earliest(values: list[str] | None) -> str | None:
    return min(values) if values else None


def _address(proxy: EntityProxy, record_id: str) -> NodeRow | None:
    full = _first(proxy, "full") or ", ".join(
        v for v in (_first(proxy, p) for p in ("street", "city", "postalCode", "region")) if v)
    if not full:
        return None
    countries = _countries(proxy)
    return NodeRow(proxy.id, {"full": full, "country": countries[0] if countries else None}, record_id)


def _link(proxy: EntityProxy, dates: dict[str, list[str]], line_no: int, record_id: str, state: _State,
          builder: _ChunkBuilder, reject: Rejecter, note: Rejecter) -> None:
    schema = proxy.schema.name
    rel, start_prop, end_prop = LINKS[schema]
    start = _first(proxy, start_prop)
    if not start:
        reject(start_prop, None, f"{schema} without {start_prop}")
        return
    start_ok = allowed_labels(schema, start_prop)
    if rel == "SANCTIONED":
        program, authority = _joined(proxy.get("program")), _joined(proxy.get("authority"))
        program_id = _joined(proxy.get("programId"))
        listed = _earliest([*dates["listingDate"], *dates["startDate"]])
        ends = dates["endDate"]
        builder.node("Sanction", NodeRow(proxy.id, {
            "program": program or program_id, "program_id": program_id, "authority": authority,
            "listed": listed, "end_date": max(ends) if ends else None, "reason": _joined(proxy.get("reason")),
            "source_url": _first(proxy, "sourceUrl")}, record_id, line_no))
        state.sanction_entities.update(_values(proxy, start_prop))
        # One designation of several entities (FtM allows it): one edge each.
        for entity in _values(proxy, start_prop):
            builder.rel(_Link(rel, RelRow(entity, proxy.id, {"program": program or program_id, "authority": authority,
                                                             "listed": listed}, None, record_id, line_no),
                              start_ok, ("Sanction",), "Sanction", schema, start_prop))
        return
    end = _first(proxy, end_prop) if end_prop else None
    if not end or not end_prop:
        reject(end_prop or "", None, f"{schema} without {end_prop}")
        return
    start_date, end_date = _earliest(dates.get("startDate")), _latest(dates.get("endDate"))
    if rel == "OWNS":
        given = _values(proxy, "percentage")
        try:
            share = shares(given) or _psc_range(_values(proxy, "role"))
        except ValueError as exc:
            note("percentage", "; ".join(given), f"percentage not understood: {exc}; loaded with the share unknown")
            share = {}
        props = {**share, "start": start_date, "end": end_date, "kind": _first(proxy, "ownershipType", "role"),
                 "status": "closed" if end_date else "open",
                 "shares_count": _joined(proxy.get("sharesCount")), "shares_value": _joined(proxy.get("sharesValue")),
                 "shares_currency": _joined(proxy.get("sharesCurrency"))}
    elif rel == "DIRECTS":
        props = {"role": _first(proxy, "role"), "start": start_date, "end": end_date}
    else:
        props = {"kind": schema, "start": start_date, "end": end_date}
    builder.rel(_Link(rel, RelRow(start, end, props, proxy.id, record_id, line_no), start_ok,
                      allowed_labels(schema, end_prop), None, schema, start_prop,
                      end_prop))


def _latest(values: list[str] | None) -> str | None:
    return max(values) if values else None


_NUM = r"(\d+(?:[.,]\d+)?)"
_RANGE = re.compile(rf"^(?:between\s+|from\s+)?{_NUM}\s*(?:-|\u2013|\u2014|to|and|до)\s*{_NUM}$")
_BELOW = re.compile(rf"^(?:<=?|≤|less than|under|below|up to|not more than|до|менее)\s*{_NUM}$")
_ABOVE = re.compile(rf"^(?:>=?|≥|more than|over|above|at least|not less than|свыше|более)\s*{_NUM}$")
_PLAIN = re.compile(rf"^{_NUM}$")
_UNITS = re.compile(r"%|\bper\s?cent\b|\bpercent\b|процент\w*")
# UK PSC natures of control as OpenSanctions writes them into Ownership.role
_PSC = re.compile(r"shares\s+(\d+)\s+to\s+(\d+)\s+percent", re.IGNORECASE)


def _number(text: str) -> float:
    """A percentage figure (RowProblem, a ValueError, when it is not one from 0 to 100)."""
    value: float = SHARE.clean(text, what="share", required=True)
    return value


def share_range(text: str) -> tuple[float, float]:
    """One published percentage -> (low, high) in percent; equal ends for a stated figure."""
    clean = " ".join(_UNITS.sub(" ", text.casefold()).split())
    for pattern, ends in ((_PLAIN, None), (_RANGE, None), (_BELOW, (0.0, None)), (_ABOVE, (None, 100.0))):
        found = pattern.match(clean)
        if not found:
            continue
        values = [_number(v) for v in found.groups()]
        if ends is None:
            low, high = values[0], values[-1]
        else:
            low, high = (ends[0], values[0]) if ends[0] is not None else (values[0], ends[1])
        if low > high:
            raise ValueError(f"percentage {text!r} is a range from high to low")
        return low, high
    raise ValueError(f"percentage {text!r} is not a number or a range")


def shares(values: Iterable[str]) -> dict[str, float]:
    """FtM's percentage values -> share (one figure) or share_min/share_max (a range, or figures that
    differ); {} when none is given. Raises ValueError for a value that is not a percentage."""
    ranges = [share_range(v) for v in values if v and v.strip()]
    if not ranges:
        return {}
    low, high = min(r[0] for r in ranges), max(r[1] for r in ranges)
    return {"share": low} if low == high else {"share_min": low, "share_max": high}


def _psc_range(roles: list[str]) -> dict[str, float]:
    for role in roles:
        found = _PSC.search(role)
        if found:
            return {"share_min": float(found.group(1)), "share_max": float(found.group(2))}
    return {}
