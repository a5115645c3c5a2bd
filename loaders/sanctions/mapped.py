"""Any sanctions list CSV through a YAML mapping (canonical field: source column), like the registry
mappings, plus what a list needs:

    key: "{id}"                 # how an entity's key is built (default "<source>:{id}"); rows with one
                                # key are one entity, merged
    kind: person                # every row is a person (or company), or take it from a column:
    kinds: {Individual: person, Entity: company, Vessel: not modelled}   # with columns: kind: <column>
    separator: ";"              # several values in one cell (aliases, dates, identifiers, programmes)
    columns: {id: ..., name: ..., program: ..., listed: ..., end_date: ...}
    defaults: {authority: "..."}
    date_formats: ["%d/%m/%Y"]

A row whose kind maps to "not modelled" (a vessel), or whose kind value the mapping does not name, is
rejected with that reason.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from pathlib import Path

from ...graph.errors import RowProblem
from ...graph.types import DATE
from ..base import Chunk, SourceError
from ..mapping import Mapping, load_mapping, template_fields
from .files import csv_records
from .model import COMPANY, PERSON, Listed, partial_date, to_chunks

FIELDS = (
    "id", "name", "aliases", "kind", "birth_date", "nationality", "country", "address", "position",
    "inn", "ogrn", "unp", "lei", "imo", "registration_number", "jurisdiction", "passport", "national_id",
    "program", "authority", "listed", "end_date", "reason", "source_url",
)
REQUIRED = ("name",)
OPTIONS = ("key", "kind", "kinds", "separator")
KIND_VALUES = {"person": PERSON, "company": COMPANY, "not modelled": None}
MULTI = ("aliases", "birth_date", "nationality", "inn", "ogrn", "unp", "lei", "imo", "registration_number",
         "passport", "national_id", "program")
IDENTIFIERS = ("inn", "ogrn", "unp", "lei", "imo", "registration_number", "passport", "national_id")


def read_sanctions_csv(path: str | Path, *, source: str, mapping: str | Path | None = None,
            notes: list[str] | None = None) -> Iterator[Chunk]:
    p = Path(path)
    if mapping is None:
        raise SourceError(p, "--format csv needs --mapping (a YAML file naming this file's columns, the entity kind "
                             "and the sanction fields; see loaders/mappings/sanctions-example.yml)")
    mp = Path(mapping)
    m = load_mapping(mp, FIELDS, REQUIRED, OPTIONS, fmt="csv")
    kinds = _kinds(mp, m)
    template = _template(mp, m, source)
    separator = str(m.options.get("separator") or ";")
    records = csv_records(p)
    _, header = next(records, (1, []))
    m.check_against(p, list(header), str(mp))
    entities: dict[str, Listed] = {}
    for row, raw in records:
        assert isinstance(raw, dict)
        rec = m.apply(raw)
        try:
            key = _key(template, rec)
        except RowProblem as bad:
            e = entities[f"row-{row}"] = Listed(f"row-{row}", row, raw=raw)
            e.fail(RowProblem(field=m.columns.get(bad.field, bad.field), value=bad.value, reason=bad.reason))
            continue
        found = entities.get(key)
        e = found if found is not None else entities.setdefault(key, Listed(key, row, raw=raw))
        _row(e, rec, m, kinds, separator)
    yield from to_chunks(entities.values(), file=p.name, authority=source, notes=[] if notes is None else notes)


def _kinds(mp: Path, m: Mapping) -> dict[str, str | None]:
    fixed, table = m.options.get("kind"), m.options.get("kinds")
    if fixed is not None:
        if str(fixed).casefold() not in ("person", "company"):
            raise SourceError(mp, f"kind must be 'person' or 'company', not {fixed!r}", field="kind")
        if "kind" in m.columns:
            raise SourceError(mp, "give either a fixed kind: or a kind column with kinds:, not both", field="kind")
        return {"": KIND_VALUES[str(fixed).casefold()]}
    if "kind" not in m.columns and "kind" not in m.defaults:
        raise SourceError(mp, "say what the rows are: kind: person|company, or a kind column with a kinds: map",
                          field="kind")
    if table is None:
        table = {"person": "person", "company": "company"}
    if not isinstance(table, dict):
        raise SourceError(mp, "kinds must map the column's values to person, company or 'not modelled'", field="kinds")
    out: dict[str, str | None] = {}
    for value, target in table.items():
        if str(target).casefold() not in KIND_VALUES:
            raise SourceError(mp, f"kinds maps {value!r} to {target!r}; use person, company or 'not modelled'",
                              field="kinds")
        out[str(value).casefold()] = KIND_VALUES[str(target).casefold()]
    return out


def _template(mp: Path, m: Mapping, source: str) -> str:
    template = m.options.get("key")
    if template is None:
        if "id" not in m.columns:
            raise SourceError(mp, "map an id column or give a key: template (rows with one key are one entity)",
                              field="id")
        return f"{source}:{{id}}"
    names = template_fields(mp, "key", template)
    unknown = [n for n in names if n not in m.columns and n not in m.defaults]
    if not names or unknown:
        raise SourceError(mp, f"key {template!r} must use mapped fields; not mapped: {unknown or 'none used'}",
                          field="key")
    return str(template)


def _key(template: str, rec: dict[str, str]) -> str:
    values = {}
    for name in (f for _, f, _, _ in string.Formatter().parse(template) if f):
        if not rec.get(name):
            raise RowProblem(field=name, reason=f"{name} is needed for the key but is empty")
        values[name] = rec[name]
    return template.format(**values)


def _split(rec: dict[str, str], name: str, separator: str) -> list[str]:
    text = rec.get(name, "")
    return [v.strip() for v in text.split(separator) if v.strip()] if name in MULTI else ([text] if text else [])


def _row(e: Listed, rec: dict[str, str], m: Mapping, kinds: dict[str, str | None], separator: str) -> None:
    column = m.columns.get("kind", "kind")
    value = rec.get("kind", "").casefold()
    if "" in kinds:
        kind = kinds[""]
    elif value in kinds:
        kind = kinds[value]
        if kind is None:
            e.fail(RowProblem(field=column, value=rec.get("kind"),
                              reason=f"{rec.get('kind')}: not modelled (the mapping says so)"))
    else:
        e.fail(RowProblem(field=column, value=rec.get("kind"),
                          reason=f"kind {rec.get('kind')!r} is not one the mapping names ({sorted(kinds)})"))
        kind = None
    e.kind = e.kind or kind
    e.name(rec.get("name"), primary=True)
    for alias in _split(rec, "aliases", separator):
        e.name(alias)
    e.position = e.position or rec.get("position") or None
    e.address = e.address or rec.get("address") or None
    for dob in _split(rec, "birth_date", separator):
        e.add("birth_dates", partial_date(dob) or dob)
    for nat in _split(rec, "nationality", separator):
        e.country(nat, nationality=True)
    e.country(rec.get("country"))
    for kind_name in IDENTIFIERS:
        for number in _split(rec, kind_name, separator):
            e.identifier(kind_name, number, rec.get("jurisdiction") or rec.get("country"))
    date = DATE.with_formats(m.date_formats)
    dates: dict[str, str | None] = {}
    for name in ("listed", "end_date"):
        try:
            dates[name] = date.clean(rec.get(name), field=m.columns.get(name, name))
        except RowProblem as problem:
            e.fail(problem)
            dates[name] = None
    for program in _split(rec, "program", separator) or [""]:
        e.designate(program, dates["listed"], dates["end_date"], reason=rec.get("reason"),
                    source_url=rec.get("source_url"), authority=rec.get("authority"))
