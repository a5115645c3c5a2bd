"""Declarative column mappings (YAML): which source column feeds which canonical field.

A wrong mapping is an error that names the mapping file and the field, never a silent empty column.
Everything a mapping declares is applied by the loader that reads it, or refused: `defaults:` fill
empty and absent fields, `date_formats:` only where the loader reads dates, `format:` must name the
format the mapping is used with, and an option (a loader's own key) only where that loader applies
it. A key given twice, or given no value, is an error too (YAML would keep the last one silently).
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .base import SourceError


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, str]  # canonical field -> source column
    date_formats: tuple[str, ...] = ()
    defaults: dict[str, str] = field(default_factory=dict)
    options: dict[str, object] = field(default_factory=dict)

    def apply(self, raw: dict[str, str]) -> dict[str, str]:
        """One source row as canonical fields: mapped columns, stripped, then defaults where empty."""
        record = {f: (raw.get(col) or "").strip() for f, col in self.columns.items()}
        for f, default in self.defaults.items():
            record[f] = record.get(f) or default
        return record

    def check_against(self, data_path: Path, header: Sequence[str], origin: str) -> None:
        absent = {f: c for f, c in self.columns.items() if c not in header}
        if absent:
            canonical, column = next(iter(absent.items()))
            raise SourceError(
                data_path,
                f"{origin} maps {canonical!r} to column {column!r}, which the file does not have; "
                f"its columns are {list(header)}",
                row=1, field=column,
            )


def identity_mapping(fields: Sequence[str], header: Sequence[str]) -> Mapping:
    """No mapping file: canonical names are used as they are, where the file has them."""
    return Mapping({f: f for f in fields if f in header})


class _StrictLoader(yaml.SafeLoader):
    """safe_load that refuses a key given twice in one section (YAML keeps the last one silently)."""


def _strict_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict:
    seen: dict[object, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} is given twice (first on line {seen[key] + 1})", key_node.start_mark)
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _strict_mapping)


def _section(p: Path, doc: dict, name: str) -> dict[str, str]:
    """A section of field: text pairs; a field given no value is an error, not a silently dropped line."""
    section = doc.get(name) or {}
    if not isinstance(section, dict):
        raise SourceError(p, f"'{name}:' must map field names to values", field=name)
    empty = [str(k) for k, v in section.items() if v is None or (isinstance(v, str) and not v.strip())]
    if empty:
        raise SourceError(p, f"{name}: {empty[0]!r} is given no value (remove the line, or give one)",
                          field=empty[0])
    nested = [str(k) for k, v in section.items() if isinstance(v, (dict, list))]
    if nested:
        raise SourceError(p, f"{name}: {nested[0]!r} must be a single value", field=nested[0])
    return {str(k): str(v) for k, v in section.items()}


def load_mapping(
    path: str | Path, fields: Sequence[str], required: Sequence[str], known_options: Sequence[str] = (), *,
    fmt: str | None = None, takes_dates: bool = True,
) -> Mapping:
    """`fmt`: the format the loader reads (a mapping's `format:` must name it); `takes_dates`: whether
    the loader parses dates with `date_formats:`; `known_options`: the loader's own keys it applies."""
    p = Path(path)
    if not p.is_file():
        raise SourceError(p, "mapping file not found")
    try:
        doc = yaml.load(p.read_text(encoding="utf-8"), Loader=_StrictLoader) or {}  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SourceError(p, f"is not valid YAML: {exc}", row=mark.line + 1 if mark else None) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("columns"), dict):
        raise SourceError(p, "needs a 'columns:' section mapping canonical fields to source columns",
                          field="columns")
    applied = {"columns", "defaults", "format", *known_options} | ({"date_formats"} if takes_dates else set())
    unknown_keys = sorted(str(k) for k in set(doc) - applied)
    if unknown_keys:
        key = unknown_keys[0]
        why = {"source": "name the source with --source when loading",
               "date_formats": "this loader reads no dates"}.get(key, f"this loader applies {sorted(applied)}")
        raise SourceError(p, f"{key!r} is not applied by the {fmt or 'this'} loader ({why}); "
                             f"unknown or unused section(s): {unknown_keys}", field=key)
    if "format" in doc and str(doc["format"]) != fmt:
        raise SourceError(p, f"is a mapping for format {doc['format']!r}, used with "
                             + (f"--format {fmt}" if fmt else "a loader that does not read 'format:'"),
                          field="format")
    columns = _section(p, doc, "columns")
    defaults = _section(p, doc, "defaults")
    for section, names in (("columns", columns), ("defaults", defaults)):
        for name in names:
            if name not in fields:
                raise SourceError(p, f"{section}: {name!r} is not a field this loader knows; known fields: "
                                     f"{list(fields)}", field=name)
    missing = [f for f in required if f not in columns and f not in defaults]
    if missing:
        raise SourceError(p, f"required field(s) {missing} are not mapped", field=missing[0])
    formats = doc.get("date_formats") or []
    if not isinstance(formats, list) or not all(isinstance(f, str) and "%" in f for f in formats):
        raise SourceError(p, "date_formats must be a list of strptime formats like '%m/%d/%Y'",
                          field="date_formats")
    options = {k: doc[k] for k in known_options if k in doc}
    return Mapping(columns, tuple(formats), defaults, options)


def template_fields(mapping_path: Path, option: str, template: object) -> list[str]:
    """The field names of a key template like 'unp:{unp}'. A field may only be named: a conversion
    ('{unp!r}'), a format spec ('{unp:x}' failed on every row; '{unp:>99999999999}' asked for a key of
    100 GB) or an unnamed '{}' is an error naming the mapping, not a traceback."""
    if not isinstance(template, str):
        raise SourceError(mapping_path, f"{option} must be a template like 'unp:{{unp}}'", field=option)
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise SourceError(mapping_path, f"{option} {template!r} is not a valid template: {exc}", field=option) from exc
    names = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name or spec or conversion:
            raise SourceError(mapping_path, f"{option} {template!r}: each {{...}} names one field, with no '!' "
                                            "conversion or ':' format", field=option)
        names.append(name)
    return names
