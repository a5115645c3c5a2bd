"""What an investigation report says, gathered from the graph and the evidence store: the subject (a
colony, a company or a person), the routes that touch it with the shipment rows behind every hop, the
ownership around the key companies, the sanctions on or near them, and the sources behind it all.

Nothing here renders: queries/report/html.py turns a Report into one self-contained page. The cost is
bounded by the subject's neighbourhood (its routes, at most `max_companies` key companies, walks of a
few hops from them), except the route search itself, which is `conveyor routes`' own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from ...graph.evidence import EvidenceStore, current_runs
from ...graph.store.base import GraphStore, redact
from ..evidence import SHOWN
from ..merged import MergedView
from ..ownership import CONTROL_TYPES, Entity, Hop, OwnershipResult, _trail, _walk, check_date, find_entity
from ..ownership import ultimate_owners as _ultimate_owners
from ..routes import ALL_COLONIES, RELABELED, Route, RouteSearch, RouteSettings, find_routes
from ..saved import QueryError

SUBJECT_KINDS = ("colony", "company", "person")


@dataclass(frozen=True)
class ReportSettings:
    """What a report looks into beyond its subject. The defaults and ranges are declared here only: the
    CLI options read them (conveyor/commands/report.py).

    routes: the route search (its colony is the subject's for a colony report, every colony otherwise);
    max_companies: key companies looked into for ownership and sanctions (the subject's, then those on its
    routes, in route order); sanction_hops: ownership or control links from a key company to a sanctioned
    entity that still count; as_of: links and sanctions in force on this day (None: today)."""

    routes: RouteSettings = field(default_factory=RouteSettings)
    max_companies: int = 200  # each costs a few indexed lookups (bench: 319 companies in < 1 s)
    sanction_hops: int = 3
    as_of: str | None = None

    # The accepted ranges (inclusive), also the CLI options' ranges.
    MAX_COMPANIES: ClassVar[tuple[int, int]] = (1, 10_000)
    SANCTION_HOPS: ClassVar[tuple[int, int]] = (0, 6)

    def __post_init__(self) -> None:
        for name, (low, high) in (("max_companies", self.MAX_COMPANIES), ("sanction_hops", self.SANCTION_HOPS)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise QueryError(f"report settings: {name} must be a whole number from {low} to {high}, "
                                 f"not {value!r}")

COLONY = "MATCH (c:Colony {id: $id}) RETURN properties(c) AS props"

COLONY_OPERATORS = """
MATCH (c:Colony {id: $id})-[r:OPERATES]->(p:Company)
RETURN p.id AS id, p.name AS name, p.country AS country, r.basis AS basis, r.score AS score,
       r.judgement AS judgement, r.source_url AS source_url, r.sources AS sources
ORDER BY id
"""

COLONY_HEADS = """
MATCH (p:Person)-[r:HEADS]->(c:Colony {id: $id})
RETURN p.id AS id, p.name AS name, r.position AS position, r.basis AS basis, r.source_url AS source_url
ORDER BY id
"""

# The companies a person owns or directs, read for every record of the (merged) person.
PERSON_COMPANIES = """
MATCH (p:Person)-[r:OWNS|DIRECTS]->(c:Company)
WHERE p.id IN $ids
RETURN c.id AS id, type(r) AS type, properties(r) AS props
"""

COMPANIES = """
MATCH (c:Company)
WHERE c.id IN $ids
RETURN c.id AS id, c.name AS name, c.country AS country, labels(c) AS labels,
       coalesce(c.synthetic, false) AS synthetic, c.source_url AS source_url, c.sources AS sources,
       c.record_ids AS record_ids, c.incorporation_date AS incorporation_date
"""

PERSON = """
MATCH (p:Person {id: $id})
RETURN p.id AS id, p.name AS name, p.country AS country, p.nationality AS nationality,
       p.birth_date AS birth_date, p.position AS position, coalesce(p.synthetic, false) AS synthetic,
       p.source_url AS source_url, p.sources AS sources, p.record_ids AS record_ids
"""

# Sanctions on given entities, one statement per label so each lookup uses the label's id index.
SANCTIONS_OF = {
    label: f"""
MATCH (e:{label})-[r:SANCTIONED]->(s:Sanction)
WHERE e.id IN $ids
RETURN e.id AS entity, s.id AS sanction, coalesce(s.program, r.program) AS program,
       coalesce(s.authority, r.authority) AS authority, coalesce(s.listed, r.listed) AS listed,
       s.end_date AS end_date, s.reason AS reason, coalesce(s.source_url, r.source_url) AS source_url,
       s.sources AS sources
"""
    for label in ("Company", "Person", "Colony")
}

SOURCES = """
MATCH (s:Source)
RETURN s.name AS name, s.path AS path, s.format AS format, s.loaded_at AS loaded_at, s.read AS read,
       s.loaded AS loaded, s.rejected AS rejected
ORDER BY name
"""

# Every statement above, for the Cypher linter (tests/test_report.py).
STATEMENTS: dict[str, str] = {
    "colony": COLONY, "colony operators": COLONY_OPERATORS, "colony heads": COLONY_HEADS,
    "person companies": PERSON_COMPANIES, "companies": COMPANIES, "person": PERSON, "sources": SOURCES,
    **{f"sanctions of {k}": v for k, v in SANCTIONS_OF.items()},
}


@dataclass
class Subject:
    kind: str  # colony, company or person
    id: str
    name: str
    country: str | None
    synthetic: bool
    details: dict[str, Any]  # what the graph says about it (colony: the catalogue's fields)
    operators: list[dict[str, Any]] = field(default_factory=list)  # colony: OPERATES, with basis
    heads: list[dict[str, Any]] = field(default_factory=list)  # colony: HEADS, with source
    holdings: list[dict[str, Any]] = field(default_factory=list)  # person: companies owned or directed
    merged_ids: tuple[str, ...] = ()


@dataclass
class SanctionFinding:
    entity: Entity | dict[str, Any]  # the designated entity (a colony is a dict)
    hops: int  # 0: a key entity itself is designated
    near: str  # the key entity it is nearest to (entity key), itself when hops == 0
    designation: dict[str, Any]
    path: list[Hop]  # from the designated entity to `near`
    in_force: bool


@dataclass
class Report:
    subject: Subject
    generated: str  # UTC, ISO
    graph: str  # the graph location, without credentials
    as_of: str
    settings: RouteSettings  # the route search as run
    search: RouteSearch
    routes: list[Route]  # the findings that touch the subject, best first
    evidence_rows: dict[tuple[str, int], dict[str, Any]]  # (source file, row) -> the shipment row
    companies: dict[str, dict[str, Any]]  # key companies, id -> graph record
    key_companies: list[str]
    companies_cut: int  # key companies beyond max_companies, not looked into
    ownership: dict[str, OwnershipResult]
    sanctions: list[SanctionFinding]
    sanction_hops: int
    sources: list[dict[str, Any]]
    citations: list[dict[str, Any]]  # cited catalogue and registry sources: what, title, url, date
    notes: list[str] = field(default_factory=list)  # limits hit, skipped supernodes

    @property
    def synthetic(self) -> bool:
        return (self.subject.synthetic or any(r.synthetic for r in self.routes)
                or any(c.get("synthetic") for c in self.companies.values()))


def build_report(store: GraphStore, evidence: EvidenceStore, *, location: str, colony: str | None = None,
                 company: str | None = None, person: str | None = None,
                 settings: ReportSettings | None = None) -> Report:
    """Everything a report shows, for exactly one of colony / company / person."""
    settings = settings or ReportSettings()
    given = [(k, v) for k, v in (("colony", colony), ("company", company), ("person", person)) if v]
    if len(given) != 1:
        raise QueryError("a report is about one colony, one company or one person: give exactly one id")
    kind, subject_id = given[0]
    as_of = check_date(settings.as_of)
    max_companies, sanction_hops = settings.max_companies, settings.sanction_hops
    view = MergedView.load(store)
    subject = _subject(store, view, kind, subject_id)

    routes_settings = replace(settings.routes, colony=subject.id if kind == "colony" else ALL_COLONIES)
    search = find_routes(store, evidence, routes_settings)
    if kind == "colony":
        routes = search.findings
        start = [o["id"] for o in subject.operators]
    else:
        start = [subject.id] if kind == "company" else [h["id"] for h in subject.holdings]
        wanted = set(start)
        routes = [r for r in search.findings if wanted & set(r.companies)]
    routes = sorted(routes, key=lambda r: (r.kind != RELABELED, -r.score))  # relabeled first, best first

    key = list(dict.fromkeys([*start, *(c for r in routes for c in r.companies)]))
    looked, cut = key[:max_companies], max(0, len(key) - max_companies)
    companies = _companies(store, view, looked)
    ownership = {}
    for cid in looked:
        if cid in companies:
            ownership[cid] = _ultimate_owners(store, cid, as_of=as_of, view=view)
    seeds: list[Entity] = [_company_entity(cid, companies[cid]) for cid in looked if cid in companies]
    if kind == "person":
        seeds.insert(0, Entity(subject.id, "Person", subject.name, subject.country, False, subject.merged_ids))
    sanctions = _sanctions(store, view, seeds, sanction_hops, as_of)
    if kind == "colony":
        sanctions = _colony_sanctions(store, subject, as_of) + sanctions

    notes = [f"route search: {text}" for text in search.limits_hit]
    if cut:
        notes.append(f"{cut} more compan(ies) on these routes were not looked into for ownership and sanctions "
                     f"(the first {max_companies} were; raise --max-companies)")
    for cid, result in ownership.items():
        notes += [f"ownership of {cid}: {text}" for text in result.limits_hit]
        notes += [f"ownership of {cid}: supernode {e.name or e.id} ({e.id}; {'; '.join(e.supernode_reasons)}) "
                  "not followed" for e in result.skipped_supernodes]
    return Report(
        subject=subject, generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        graph=redact(location), as_of=as_of, settings=routes_settings, search=search, routes=routes,
        evidence_rows=_evidence_rows(store, evidence, routes), companies=companies, key_companies=looked,
        companies_cut=cut, ownership=ownership, sanctions=sanctions, sanction_hops=sanction_hops,
        sources=store.run(SOURCES), citations=_citations(subject, companies, sanctions), notes=notes,
    )


def _subject(store: GraphStore, view: MergedView, kind: str, subject_id: str) -> Subject:
    if kind == "colony":
        rows = store.run(COLONY, {"id": subject_id})
        if not rows:
            raise QueryError(f"no Colony with id {subject_id!r} in the graph (conveyor query run colonies lists them)")
        props = _plain(rows[0]["props"])
        operators = [{**r, "id": view.canonical(r["id"])} for r in store.run(COLONY_OPERATORS, {"id": subject_id})]
        return Subject("colony", subject_id, props.get("name") or subject_id, props.get("country"),
                       bool(props.get("synthetic")), props, operators=operators,
                       heads=store.run(COLONY_HEADS, {"id": subject_id}))
    entity = find_entity(store, subject_id, view)
    if kind == "company" and entity.label != "Company":
        raise QueryError(f"{subject_id!r} is a {entity.label}: use --person")
    if kind == "person" and entity.label != "Person":
        raise QueryError(f"{subject_id!r} is a {entity.label}: use --company")
    if kind == "company":
        record = _companies(store, view, [entity.id]).get(entity.id, {})
        details = {k: record.get(k) for k in ("country", "incorporation_date", "source_url")}
        details["roles"] = _roles(record)
        return Subject("company", entity.id, entity.name or entity.id, entity.country,
                       bool(record.get("synthetic")), details, merged_ids=entity.merged_ids)
    rows = store.run(PERSON, {"id": entity.id})
    record = rows[0] if rows else {}
    holdings: dict[str, dict[str, Any]] = {}
    for row in store.run(PERSON_COMPANIES, {"ids": list(view.members(entity.id))}):
        cid = view.canonical(str(row["id"]))
        held = holdings.setdefault(cid, {"id": cid, "links": []})
        held["links"].append(Hop(row["type"], entity.key, f"Company:{cid}", _plain(row["props"]),
                                 tuple(row["props"].get("sources") or ()), tuple(row["props"].get("record_ids") or ())))
    details = {k: record.get(k) for k in ("nationality", "birth_date", "position", "source_url")}
    return Subject("person", entity.id, entity.name or entity.id, entity.country, bool(record.get("synthetic")),
                   details, holdings=sorted(holdings.values(), key=lambda h: h["id"]), merged_ids=entity.merged_ids)


def _plain(props: dict[str, Any]) -> dict[str, Any]:
    """Properties without the bookkeeping a reader does not need (claims, run tags)."""
    return {k: v for k, v in props.items() if k not in ("claims", "source_runs", "record_runs")}


def _roles(record: dict[str, Any]) -> list[str]:
    return [label for label in record.get("labels") or () if label != "Company"]


def _companies(store: GraphStore, view: MergedView, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Canonical ids -> the canonical record (name, country, roles, provenance)."""
    out: dict[str, dict[str, Any]] = {}
    for row in store.run(COMPANIES, {"ids": list(ids)}):
        out[row["id"]] = {**row, "roles": _roles(row), "merged_ids": view.others(row["id"])}
    return out


def _company_entity(cid: str, record: dict[str, Any]) -> Entity:
    return Entity(cid, "Company", record.get("name"), record.get("country"), False, tuple(record["merged_ids"]))


def _in_force(designation: dict[str, Any], as_of: str) -> bool:
    ended, listed = designation.get("end_date"), designation.get("listed")
    return not (ended and str(ended)[:10] < as_of) and not (listed and str(listed)[:10] > as_of)


def _sanctions(store: GraphStore, view: MergedView, seeds: list[Entity], hops: int,
               as_of: str) -> list[SanctionFinding]:
    """Designations on the key entities (hops 0) and on entities within `hops` ownership or control
    links of them (walked outwards from the key entities, so the cost is their neighbourhood's)."""
    if not seeds:
        return []
    walk = _walk(store, view, seeds, CONTROL_TYPES, hops, include_ended=False, include_supernodes=False,
                 as_of=as_of)
    by_label: dict[str, list[str]] = {}
    for entity in walk.entities.values():
        by_label.setdefault(entity.label, []).append(entity.id)
    found = []
    for label, ids in by_label.items():
        for row in store.run(SANCTIONS_OF[label], {"ids": view.expand(ids)}):
            key = f"{label}:{view.canonical(str(row['entity']))}"
            if key not in walk.dist:
                continue
            nodes, path = _trail(walk.parent, key)
            found.append(SanctionFinding(walk.entities[key], walk.dist[key], nodes[-1], dict(row), path,
                                         _in_force(row, as_of)))
    found.sort(key=lambda f: (f.hops, f.near, str(f.designation.get("sanction"))))
    return found


def _colony_sanctions(store: GraphStore, subject: Subject, as_of: str) -> list[SanctionFinding]:
    rows = store.run(SANCTIONS_OF["Colony"], {"ids": [subject.id]})
    colony = {"id": subject.id, "label": "Colony", "name": subject.name, "country": subject.country}
    return [SanctionFinding(colony, 0, f"Colony:{subject.id}", dict(r), [], _in_force(r, as_of)) for r in rows]


def _evidence_rows(store: GraphStore, evidence: EvidenceStore,
                   routes: Iterable[Route]) -> dict[tuple[str, int], dict[str, Any]]:
    """The shipment rows behind every hop shown, in one filtered scan of the evidence store."""
    ids = {e.id for r in routes for h in r.hops for e in (h.shipment, *h.evidence)}
    if not ids:
        return {}
    table = evidence.read(current_runs(store), columns=SHOWN, all_of=[("id", sorted(ids))])
    return {(str(row["source_file"]), int(row["source_row"])): row for row in table.to_pylist()}


def _citations(subject: Subject, companies: dict[str, dict[str, Any]],
               sanctions: list[SanctionFinding]) -> list[dict[str, Any]]:
    """The published sources the report rests on, each once: what cites it, title, address, date."""
    out: dict[str, dict[str, Any]] = {}

    def cite(url: Any, what: str, title: Any = None, date: Any = None) -> None:
        if not url:
            return
        entry = out.setdefault(str(url), {"url": str(url), "title": title, "date": date, "cited_for": []})
        entry["title"] = entry["title"] or title
        entry["date"] = entry["date"] or date
        if what not in entry["cited_for"]:
            entry["cited_for"].append(what)

    d = subject.details
    if subject.kind == "colony":
        cite(d.get("source_url"), f"colony {subject.name}", d.get("source_title"), d.get("source_date"))
        for o in subject.operators:
            cite(o.get("source_url"), f"operated by {o.get('name') or o['id']}")
        for h in subject.heads:
            cite(h.get("source_url"), f"head: {h.get('name') or h['id']}")
    else:
        cite(d.get("source_url"), f"{subject.kind} {subject.name}")
    for company in companies.values():
        cite(company.get("source_url"), f"company {company.get('name') or company['id']}")
    for s in sanctions:
        cite(s.designation.get("source_url"), f"sanction {s.designation.get('program') or s.designation['sanction']}",
             date=s.designation.get("listed"))
    return list(out.values())
