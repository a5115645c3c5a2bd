"""The reference catalogue (conveyor/data/reference/, SOURCE.md there): colonies, the DEP and its
enterprises, branches, sales enterprise and brands, one row per fact and source, and sanctioned heads.

One load per file (each its own source, so `read = loaded + rejected` and retiring stay per file), in
the order the links need: colonies, organisations, facts, people. A row whose link names an id that the
folder's colonies.csv / organisations.csv do not hold, or whose source_url is not registered in
sources.csv, is rejected with the reason. Record ids are the catalogue's own row ids (colony_id, org_id,
fact_id, person_id), so every node and edge cites the rows behind it; nothing is inferred beyond what a
row states, except that a colony's `hs_codes` also hold the codes of products a cited source ascribes to
an enterprise a cited source places at that colony (the route engine anchors a colony's goods on them).

The catalogue is small and hand-compiled: each file is read whole (the facts need the organisations and
colonies beside them).
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..graph.errors import RowProblem
from ..graph.rows import NodeRow, RelRow
from ..graph.types import PARTIAL_DATE
from .base import Chunk, NodeBatch, Reject, RelBatch
from .colonies import CODES, read_colonies
from .csvfile import read_csv_chunks
from .names import normalise_name, search_keys
from .records import product_stub

ORG_KINDS = ("authority", "production_enterprise", "branch", "workshop", "sales_enterprise", "brand")
NAME_FIELDS = ("name", "legal_name", "name_latin", "name_variant")
FACT_FIELDS = (*NAME_FIELDS, "brand", "unp", "address", "colony_id", "parent_org_id", "product", "goods_sold",
               "role", "structure", "naming_convention", "city", "nickname")
BASES = ("published", "transliterated", "identified")
FILES = ("colonies.csv", "organisations.csv", "facts.csv", "people.csv")  # load order
_UNP = re.compile(r"^\d{9}$", re.ASCII)  # ASCII digits only


@dataclass(frozen=True)
class ReferenceStep:
    """One file of the catalogue as a load: source name, its chunks, the file, the format tag."""
    source: str
    chunks: Iterator[Chunk]
    path: Path
    fmt: str


def reference_steps(folder: str | Path, prefix: str = "reference") -> list[ReferenceStep]:
    """The loads that bring a catalogue folder into the graph, in order (files absent are skipped,
    except organisations.csv, which the others link to)."""
    folder = Path(folder)
    ctx = _Context.of(folder)
    readers: dict[str, Callable[[Path, _Context], Iterator[Chunk]]] = {
        "colonies.csv": lambda p, _c: _colonies_only(p), "organisations.csv": read_organisations,
        "facts.csv": read_facts, "people.csv": read_people,
    }
    steps = []
    for name in FILES:
        path = folder / name
        if path.is_file() or name == "organisations.csv":
            chunks = readers[name](path, ctx)
            steps.append(ReferenceStep(f"{prefix}:{path.stem}", chunks, path, f"reference-{path.stem}"))
    return steps


@dataclass
class _Context:
    """What rows of one file need from the others: the ids they may link to, registered source URLs,
    each colony's country and codes, each organisation's row."""
    colonies: dict[str, dict[str, str]]
    orgs: dict[str, dict[str, str]]
    source_urls: set[str] | None  # None: no sources.csv beside the files, nothing to check against

    @classmethod
    def of(cls, folder: Path) -> _Context:
        sources = _plain_rows(folder / "sources.csv")
        return cls({r.get("colony_id", ""): r for r in _plain_rows(folder / "colonies.csv")},
                   {r.get("org_id", ""): r for r in _plain_rows(folder / "organisations.csv")},
                   {r.get("source_url", "").strip() for r in sources} if sources else None)

    def colony_of(self, org_id: str) -> str:
        return (self.orgs.get(org_id) or {}).get("colony_id", "").strip()


def _plain_rows(path: Path) -> list[dict[str, str]]:
    """A link table read plainly (errors in it are reported when that file itself is loaded)."""
    if not path.is_file():
        return []
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(fh)]
    except (UnicodeDecodeError, csv.Error):
        return []


def _colonies_only(path: Path) -> Iterator[Chunk]:
    """colonies.csv through the colonies loader, without its operator companies: the catalogue models
    enterprises in organisations.csv, each placed at a colony by a cited fact (the colony row's
    `operator_enterprise` text stays on the Colony node as published)."""
    for chunk in read_colonies(path):
        chunk.nodes = [nb for nb in chunk.nodes if nb.label != "Company"]
        chunk.relationships = [rb for rb in chunk.relationships if rb.type != "OPERATES"]
        for nb in chunk.nodes:
            if nb.label == "Colony":
                for row in nb.rows:
                    row.record_id = row.key
        yield chunk


def _getter(rec: dict[str, Any]) -> Callable[[str], str]:
    return lambda name: (rec.get(name) or "").strip()


def _cited(get: Callable[[str], str], ctx: _Context) -> tuple[str, str] | None:
    url = get("source_url")
    if not url:
        return "source_url", "source_url is required (every catalogue row cites its published source)"
    if ctx.source_urls is not None and url not in ctx.source_urls:
        return "source_url", "not registered in sources.csv"
    return None


def _synthetic(get: Callable[[str], str]) -> bool:
    return get("synthetic").lower() in ("true", "1", "yes")


def read_organisations(path: Path, ctx: _Context) -> Iterator[Chunk]:
    required = ("org_id", "kind", "name", "source_url")
    for frame in read_csv_chunks(path, required):
        chunk = Chunk(read=len(frame))
        companies, operates, parents = [], [], []
        for rec in frame.to_dict("records"):
            row = rec.pop("_row")
            get = _getter(rec)
            problem = _check_org(get, ctx)
            if problem:
                chunk.rejects.append(Reject(row, problem[0], get(problem[0]), problem[1], rec))
                continue
            org_id, colony = get("org_id"), get("colony_id")
            props = {"name": get("name"), "name_norm": normalise_name(get("name")),
                     "catalogue_kind": get("kind"), "source_url": get("source_url"),
                     "country": (ctx.colonies.get(colony) or {}).get("country") or None,
                     "synthetic": _synthetic(get)}
            companies.append(NodeRow(org_id, props, org_id, row))
            if colony:
                operates.append(RelRow(colony, org_id, {"source_url": get("source_url")}, None, org_id, row))
            if get("parent_org_id"):
                parents.append(RelRow(org_id, get("parent_org_id"), {"kind": "parent organisation",
                                                                     "source_url": get("source_url")},
                                      f"{org_id}|parent", org_id, row))
        # Parents may come later in the file: the links are written once every organisation is.
        chunk.nodes.append(NodeBatch("Company", companies, roles=()))
        chunk.relationships += [RelBatch("OPERATES", "Colony", "Company", operates),
                                RelBatch("ASSOCIATE", "Company", "Company", parents)]
        yield chunk


def _check_org(get: Callable[[str], str], ctx: _Context) -> tuple[str, str] | None:
    for name in ("org_id", "kind", "name"):
        if not get(name):
            return name, f"{name} is required"
    if get("kind") not in ORG_KINDS:
        return "kind", f"not one of {list(ORG_KINDS)}"
    if get("colony_id") and get("colony_id") not in ctx.colonies:
        return "colony_id", "no colony with that id in colonies.csv"
    if get("parent_org_id") and get("parent_org_id") not in ctx.orgs:
        return "parent_org_id", "no organisation with that id in organisations.csv"
    return _cited(get, ctx)


@dataclass
class _Entity:
    """Everything the facts say about one organisation or colony."""
    names: list[tuple[str, str]]  # (field, value) in file order
    brands: list[str]
    unps: list[str]
    codes: list[str]
    fact_ids: list[str]


def read_facts(path: Path, ctx: _Context) -> Iterator[Chunk]:
    """Names, brands and UNPs onto the organisation; products with HS codes as MAKES; colony and
    parent links; addresses of colonies. Every accepted fact is cited on its entity (record id = fact_id)
    and on any edge it makes. Facts the graph has no property for (structure, role, city, ...) are
    cited on their entity only."""
    required = ("fact_id", "entity_id", "field", "value", "basis", "source_url")
    chunk = Chunk()
    entities: dict[str, _Entity] = defaultdict(lambda: _Entity([], [], [], [], []))
    makes: dict[str, list[RelRow]] = {"Colony": [], "Company": []}
    operates: list[RelRow] = []
    parents: list[RelRow] = []
    addresses: list[NodeRow] = []
    located: list[RelRow] = []
    products: set[str] = set()
    for frame in read_csv_chunks(path, required):
        chunk.read += len(frame)
        for rec in frame.to_dict("records"):
            row = rec.pop("_row")
            get = _getter(rec)
            problem = _check_fact(get, ctx)
            if problem:
                chunk.rejects.append(Reject(row, problem[0], get(problem[0]), problem[1], rec))
                continue
            fact_id, entity, field, value, url = (get("fact_id"), get("entity_id"), get("field"), get("value"),
                                                  get("source_url"))
            e = entities[entity]
            e.fact_ids.append(fact_id)
            cited = {"source_url": url}
            if field in NAME_FIELDS:
                e.names.append((field if get("basis") != "transliterated" else "transliterated", value))
            elif field == "brand":
                e.brands.append(value)
            elif field == "unp":
                e.unps.append(value)
            elif field == "colony_id":
                operates.append(RelRow(value, entity, cited, None, fact_id, row))
            elif field == "parent_org_id":
                parents.append(RelRow(entity, value, {"kind": "parent organisation", "source_url": url},
                                      f"{entity}|parent", fact_id, row))
            elif field == "address" and entity in ctx.colonies:
                key = f"addr:{fact_id}"
                addresses.append(NodeRow(key, {"full": value}, fact_id, row))
                located.append(RelRow(entity, key, {}, None, fact_id, row))
            if field in ("product", "goods_sold"):
                for code in _codes(get("hs_code")):
                    products.add(code)
                    e.codes.append(code)
                    label = "Colony" if entity in ctx.colonies else "Company"
                    makes[label].append(RelRow(entity, code, cited, None, fact_id, row))
                    # An enterprise a cited fact places at a colony: its products are made there.
                    colony = ctx.colony_of(entity)
                    if label == "Company" and colony:
                        makes["Colony"].append(RelRow(colony, code, cited, None, fact_id, row))
    chunk.nodes += [NodeBatch("Product", [product_stub(c) for c in sorted(products)]),
                    NodeBatch("Address", addresses)]
    for nb in _entity_nodes(entities, ctx):
        chunk.nodes += [NodeBatch(nb.label, part) for part in _rounds(nb.rows, lambda r: r.key)]
    for rb in (RelBatch("MAKES", "Colony", "Product", makes["Colony"]),
               RelBatch("MAKES", "Company", "Product", makes["Company"]),
               RelBatch("OPERATES", "Colony", "Company", operates),
               RelBatch("ASSOCIATE", "Company", "Company", parents),
               RelBatch("REGISTERED_AT", "Colony", "Address", located)):
        chunk.relationships += [RelBatch(rb.type, rb.start, rb.end, part)
                                for part in _rounds(rb.rows, lambda r: (r.start, r.end))]
    yield chunk


def _rounds(rows: list[Any], key: Callable[[Any], Any]) -> list[list[Any]]:
    """Rows split so that no batch names one node or edge twice: a second row for the same node inside
    one UNWIND does not see the record ids the first added (FalkorDB), so each fact citing the same
    node or edge goes in the next batch."""
    parts: list[list[Any]] = []
    seen: list[set[Any]] = []
    for row in rows:
        k = key(row)
        i = next((n for n, keys in enumerate(seen) if k not in keys), len(parts))
        if i == len(parts):
            parts.append([])
            seen.append(set())
        parts[i].append(row)
        seen[i].add(k)
    return parts


def _entity_nodes(entities: dict[str, _Entity], ctx: _Context) -> list[NodeBatch]:
    companies: list[NodeRow] = []
    colonies: list[NodeRow] = []
    codes_at: dict[str, list[str]] = defaultdict(list)
    for entity, e in entities.items():
        colony = entity if entity in ctx.colonies else ctx.colony_of(entity)
        if colony:
            codes_at[colony] += e.codes
    for entity, e in entities.items():
        if entity in ctx.colonies:
            listed = _codes(ctx.colonies[entity].get("hs_codes", ""))
            props: dict[str, Any] = {"hs_codes": list(dict.fromkeys([*listed, *codes_at.get(entity, [])])) or None}
            colonies += [NodeRow(entity, props, f) for f in e.fact_ids]
            continue
        org = ctx.orgs[entity]
        published = [v for f, v in e.names if f != "transliterated" and v != org.get("name")]
        variants = [v for f, v in e.names if f == "transliterated"]
        props = {"aliases": list(dict.fromkeys(published)) or None,
                 "weak_aliases": list(dict.fromkeys(variants)) or None,
                 "brands": list(dict.fromkeys(e.brands)) or None, "unp": e.unps[0] if e.unps else None,
                 "search_keys": search_keys([org.get("name"), *published, *variants, *e.brands]) or None}
        companies += [NodeRow(entity, props, f) for f in e.fact_ids]
    for colony, codes in codes_at.items():  # colonies with no fact of their own but an enterprise's
        if colony not in entities and colony in ctx.colonies:
            listed = _codes(ctx.colonies[colony].get("hs_codes", ""))
            colonies.append(NodeRow(colony, {"hs_codes": list(dict.fromkeys([*listed, *codes]))}))
    return [NodeBatch("Company", companies), NodeBatch("Colony", colonies)]


def _codes(cell: str) -> list[str]:
    """A cell's HS codes, cleaned; a bad one is left out here (its row was rejected naming it: a fact by
    _check_fact, a colony by the colonies loader)."""
    out: list[str] = []
    for code in (cell or "").split(";"):
        try:
            out += CODES.clean(code) or []
        except RowProblem:
            continue
    return out


def _check_fact(get: Callable[[str], str], ctx: _Context) -> tuple[str, str] | None:
    for name in ("fact_id", "entity_id", "field", "value", "basis"):
        if not get(name):
            return name, f"{name} is required"
    entity, field, value = get("entity_id"), get("field"), get("value")
    if entity not in ctx.orgs and entity not in ctx.colonies:
        return "entity_id", "no organisation (organisations.csv) or colony (colonies.csv) with that id"
    if field not in FACT_FIELDS:
        return "field", f"not one of {list(FACT_FIELDS)}"
    if get("basis") not in BASES:
        return "basis", f"not one of {list(BASES)}"
    if get("basis") == "transliterated" and field != "name_variant":
        return "basis", "a transliteration may only be a name_variant, never a published name"
    if field in (*NAME_FIELDS, "brand", "unp") and entity not in ctx.orgs:
        return "field", f"{field} is a fact about an organisation, not a colony"
    if field == "unp" and not _UNP.match(value):
        return "value", "a UNP has 9 digits"
    if field == "colony_id" and value not in ctx.colonies:
        return "value", "no colony with that id in colonies.csv"
    if field == "parent_org_id" and value not in ctx.orgs:
        return "value", "no organisation with that id in organisations.csv"
    if get("hs_code").strip(" ;") and field not in ("product", "goods_sold"):
        return "hs_code", "HS codes belong only on product / goods_sold facts"
    try:
        CODES.clean(get("hs_code"))
    except RowProblem as problem:
        return "hs_code", problem.reason
    return _cited(get, ctx)


def read_people(path: Path, ctx: _Context) -> Iterator[Chunk]:
    """Sanctioned officials: a Person, one Sanction (authority and programme as published: the
    `authority` cell reads "<authority>, <programme>"), SANCTIONED, and HEADS to the colony they head
    (or headed: the position says so) or DIRECTS to the organisation."""
    required = ("person_id", "name_as_published", "authority", "linked_entity_id", "source_url")
    for frame in read_csv_chunks(path, required):
        chunk = Chunk(read=len(frame))
        people, sanctions, sanctioned, heads, directs = [], [], [], [], []
        for rec in frame.to_dict("records"):
            row = rec.pop("_row")
            get = _getter(rec)
            problem = _check_person(get, ctx)
            if problem:
                chunk.rejects.append(Reject(row, problem[0], get(problem[0]), problem[1], rec))
                continue
            pid, url = get("person_id"), get("source_url")
            authority, _, program = get("authority").partition(", ")
            people.append(NodeRow(pid, {
                "name": get("name_as_published"), "name_norm": normalise_name(get("name_as_published")),
                "position": get("position_as_published") or None, "source_url": url,
                "topics": ["sanction"], "synthetic": _synthetic(get)}, pid, row))
            sanction = f"{pid}|{program or authority}"
            listed = get("listing_date") or None
            sanctions.append(NodeRow(sanction, {
                "authority": authority, "program": program or None, "listed": listed, "source_url": url,
                "program_id": get("list_reference") or None}, pid, row))
            sanctioned.append(RelRow(pid, sanction, {
                "authority": authority, "program": program or None, "listed": listed, "source_url": url},
                None, pid, row))
            linked = get("linked_entity_id")
            if linked in ctx.colonies:
                heads.append(RelRow(pid, linked, {
                    "position": get("position_as_published") or None, "basis": get("link_basis") or None,
                    "source_url": url}, None, pid, row))
            else:
                directs.append(RelRow(pid, linked, {"role": get("position_as_published") or None}, f"{pid}|{linked}",
                                      pid, row))
        chunk.nodes += [NodeBatch("Person", people), NodeBatch("Sanction", sanctions)]
        chunk.relationships += [RelBatch("SANCTIONED", "Person", "Sanction", sanctioned),
                                RelBatch("HEADS", "Person", "Colony", heads),
                                RelBatch("DIRECTS", "Person", "Company", directs)]
        yield chunk


def _check_person(get: Callable[[str], str], ctx: _Context) -> tuple[str, str] | None:
    for name in ("person_id", "name_as_published", "authority", "linked_entity_id"):
        if not get(name):
            return name, f"{name} is required"
    linked = get("linked_entity_id")
    if linked not in ctx.colonies and linked not in ctx.orgs:
        return "linked_entity_id", "no colony (colonies.csv) or organisation (organisations.csv) with that id"
    try:
        PARTIAL_DATE.clean(get("listing_date"))
    except RowProblem as problem:
        return "listing_date", problem.reason
    return _cited(get, ctx)
