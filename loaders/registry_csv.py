"""Any company-registry CSV through a declarative YAML mapping (canonical field: source column).

The mapping also says how a company's key is built (`key: "unp:{unp}"`,
`key: "oc:{jurisdiction}:{registration_number}"`)
and, if the file names parents, how a parent's key is built (`parent_key: "unp:{parent_id}"`). Identifiers with a
known shape (UNP, INN, OGRN, LEI) are checked; a bad one rejects the row, naming the field.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..graph.errors import RowProblem
from ..graph.rows import NodeRow, RelRow
from ..graph.schema import COMPANY_ROLES
from ..graph.types import COUNTRY, DATE, SHARE, Date, country_code
from .base import Chunk, NodeBatch, Reject, RelBatch, SourceError
from .csvfile import check_readable, read_csv_chunks, read_header
from .gleif import lei_problem
from .mapping import Mapping, load_mapping, template_fields
from .names import normalise_name
from .records import company_row, country_row

FIELDS = (
    "id", "name", "name_local", "aliases", "legal_form", "country", "jurisdiction", "registration_number", "unp",
    "inn", "ogrn", "lei", "incorporation_date", "dissolution_date", "status", "address", "parent_id",
    "parent_share", "director_name", "director_role", "synthetic",
)
REQUIRED = ("name",)
OPTIONS = ("key", "parent_key", "roles")
_DATES = ("incorporation_date", "dissolution_date")
# Registry identifiers whose shape is fixed by law: a wrong one is a typo or a shifted column.
_ID_SHAPES = {
    "unp": (re.compile(r"^\d{9}$", re.ASCII), "a Belarus UNP has 9 digits"),
    "inn": (re.compile(r"^(\d{10}|\d{12})$", re.ASCII), "a Russian INN has 10 (company) or 12 (person) digits"),
    "ogrn": (re.compile(r"^(\d{13}|\d{15})$", re.ASCII), "a Russian OGRN has 13 (OGRN) or 15 (OGRNIP) digits"),
}


def _template_fields(mapping_path: Path, option: str, template: object) -> list[str]:
    names = template_fields(mapping_path, option, template)
    for name in names:
        if name not in FIELDS:
            raise SourceError(mapping_path, f"{option} uses {{{name}}}, which is not a known field; known fields: "
                                            f"{list(FIELDS)}", field=option)
    if not names:
        raise SourceError(mapping_path, f"{option} {template!r} uses no field: every row would get one key",
                          field=option)
    return names


def read_registry_csv(path: str | Path, *, source: str, mapping: str | Path | None = None) -> Iterator[Chunk]:
    p = check_readable(path)
    if mapping is None:
        raise SourceError(p, "--format csv needs --mapping (a YAML file mapping canonical fields to this file's "
                             "columns; see loaders/mappings/)")
    mp = Path(mapping)
    m = load_mapping(mp, FIELDS, REQUIRED, OPTIONS, fmt="csv")
    m.check_against(p, read_header(p), str(mp))
    _check_used(mp, m)
    key_template = str(m.options.get("key") or "{id}")
    key_fields = _template_fields(mp, "key", key_template)
    parent_template = m.options.get("parent_key")
    parent_fields = _template_fields(mp, "parent_key", parent_template) if parent_template else []
    for name in key_fields + parent_fields:
        if name not in m.columns and name not in m.defaults:
            raise SourceError(mp, f"the key template uses {{{name}}}, which is not mapped", field=name)
    roles = _roles(mp, m.options.get("roles"))
    yield from _read(p, m, key_template, str(parent_template or ""), roles)


def _read(p: Path, m: Mapping, key_template: str, parent_template: str, roles: tuple[str, ...]) -> Iterator[Chunk]:
    date = DATE.with_formats(m.date_formats)
    owns: list[RelRow] = []  # emitted after every company, so a parent later in the file is found
    seen: dict[str, int] = {}
    for frame in read_csv_chunks(p, tuple(m.columns.values())):
        chunk = Chunk(read=len(frame))
        companies, people, countries, located, directs = [], [], {}, [], []
        for raw in frame.to_dict("records"):
            row = raw.pop("_row")
            rec = m.apply(raw)
            try:
                props = _props(rec, date)
                key = _key(key_template, rec)
                if key in seen:
                    raise RowProblem(next(iter(_fields(key_template))),
                                     reason=f"duplicate key {key} (first at row {seen[key]})")
                parent = _key(parent_template, rec, optional=True) if parent_template else None
                share = SHARE.clean(rec.get("parent_share", ""), field="parent_share") if parent else None
            except RowProblem as bad:
                chunk.rejects.append(Reject(row, m.columns.get(bad.field, bad.field), rec.get(bad.field, ""),
                                            bad.reason, raw))
                continue
            assert key is not None  # _key returns None only when optional
            seen[key] = row
            country = props.pop("country")
            company = company_row(rec["name"], country, record_id=f"{p.name}:{row}", key=key, **props)
            companies.append(company)
            if country:
                countries[country] = country_row(country)
                located.append(RelRow(key, country, row=row))
            if parent:
                owns.append(RelRow(parent, key, {"share": share, "direct": True}, f"{parent}|{key}", f"{p.name}:{row}",
                                   row))
            if rec.get("director_name"):
                person = f"person:{normalise_name(rec['director_name']).replace(' ', '-')}@{key}"
                people.append(NodeRow(person, {
                    "name": rec["director_name"], "name_norm": normalise_name(rec["director_name"]),
                    "position": rec.get("director_role") or None}, f"{p.name}:{row}", row))
                directs.append(RelRow(person, key, {"role": rec.get("director_role") or "director"}, f"{person}|{key}",
                                      row=row))
        chunk.nodes += [NodeBatch("Country", list(countries.values())), NodeBatch("Company", companies, roles),
                        NodeBatch("Person", people)]
        chunk.relationships += [RelBatch("IN", "Company", "Country", located),
                                RelBatch("DIRECTS", "Person", "Company", directs)]
        yield chunk
    if owns:
        yield Chunk(relationships=[RelBatch("OWNS", "Company", "Company", owns)])


def _check_used(mp: Path, m: Mapping) -> None:
    """A field the mapping gives that this loader would not use is an error naming it, not silence."""
    given = set(m.columns) | set(m.defaults)
    key_uses = set(_fields(str(m.options.get("key") or "{id}"))) | set(_fields(str(m.options.get("parent_key") or "")))
    needs = {"parent_id": "parent_key (how a parent's key is built, e.g. 'unp:{parent_id}')",
             "parent_share": "parent_key (a share belongs to a parent link)",
             "director_role": "director_name (a role belongs to a director)"}
    for name, what in needs.items():
        wanted = what.split(" ")[0]
        if name in given and wanted not in given and wanted not in m.options:
            raise SourceError(mp, f"gives {name!r} but not {what}: it would be ignored", field=name)
    if "id" in given and "id" not in key_uses:
        raise SourceError(mp, f"maps 'id' but the key template ({m.options.get('key')}) does not use {{id}}: it "
                              "would be ignored", field="id")


def _roles(mp: Path, value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    roles = [value] if isinstance(value, str) else value
    if not isinstance(roles, list) or not all(r in COMPANY_ROLES for r in roles):
        raise SourceError(mp, f"roles must be a list of {list(COMPANY_ROLES)}, got {value!r}", field="roles")
    return tuple(roles)


def _fields(template: str) -> list[str]:
    return [f for _, f, _, _ in string.Formatter().parse(template) if f]


def _key(template: str, rec: dict[str, str], optional: bool = False) -> str | None:
    values = {}
    for name in _fields(template):
        value = rec.get(name, "")
        if not value:
            if optional:
                return None
            raise RowProblem(name, reason=f"{name} is needed for the key ({template}) but is empty")
        values[name] = value.lower() if name == "jurisdiction" else value
    return template.format(**values)


def _props(rec: dict[str, str], date: Date) -> dict[str, Any]:
    if not rec.get("name"):
        raise RowProblem("name", reason="name is missing")
    for name, (shape, why) in _ID_SHAPES.items():
        if rec.get(name) and not shape.match(rec[name]):
            raise RowProblem(name, reason=f"{rec[name]!r} is not a valid {name.upper()}: {why}")
    if rec.get("lei"):
        rec["lei"] = rec["lei"].upper()
        problem = lei_problem(rec["lei"])
        if problem:
            raise RowProblem("lei", reason=f"invalid LEI: {problem}")
    if rec.get("parent_id") and "unp" in rec and not _ID_SHAPES["unp"][0].match(rec["parent_id"]):
        raise RowProblem("parent_id", reason=f"{rec['parent_id']!r} is not a valid UNP: {_ID_SHAPES['unp'][1]}")
    dates: dict[str, str | None] = {}
    for name in _DATES:
        dates[name] = date.clean(rec.get(name), field=name)
    country = COUNTRY.clean(rec.get("country"), field="country")
    if country is None and rec.get("jurisdiction"):  # OpenCorporates 'gb', 'us_de': the part before '_'
        country = country_code(re.split(r"[_\-]", rec["jurisdiction"])[0])
    aliases = [a.strip() for a in rec.get("aliases", "").split(";") if a.strip()]
    if rec.get("name_local") and rec["name_local"] != rec["name"]:
        aliases.append(rec["name_local"])
    return {
        "country": country, "legal_form": rec.get("legal_form") or None,
        "jurisdiction": rec.get("jurisdiction") or None,
        "registration_number": rec.get("registration_number") or rec.get("unp") or rec.get("ogrn") or None,
        "unp": rec.get("unp") or None, "inn": rec.get("inn") or None, "ogrn": rec.get("ogrn") or None,
        "lei": rec.get("lei") or None, "status": rec.get("status") or None, "address": rec.get("address") or None,
        "aliases": aliases or None, "synthetic": rec.get("synthetic", "").lower() in ("true", "1", "yes") or None,
        **dates,
    }
