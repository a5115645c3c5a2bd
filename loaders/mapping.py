"""Declarative column mappings (YAML): which source column feeds which canonical field.

A wrong mapping is an error that names the mapping file and the field, never a silent empty column.
"""

from __future__ import annotations

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


def load_mapping(
    path: str | Path, fields: Sequence[str], required: Sequence[str], known_options: Sequence[str] = ()
) -> Mapping:
    p = Path(path)
    if not p.is_file():
        raise SourceError(p, "mapping file not found")
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SourceError(p, f"is not valid YAML: {exc}", row=mark.line + 1 if mark else None) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("columns"), dict):
        raise SourceError(p, "needs a 'columns:' section mapping canonical fields to source columns",
                          field="columns")
    unknown_keys = set(doc) - {"columns", "date_formats", "defaults", "format", "source", *known_options}
    if unknown_keys:
        raise SourceError(p, f"unknown section(s) {sorted(unknown_keys)}", field=sorted(unknown_keys)[0])
    columns = {str(k): str(v) for k, v in doc["columns"].items() if v is not None}
    defaults = {str(k): str(v) for k, v in (doc.get("defaults") or {}).items()}
    for name in (*columns, *defaults):
        if name not in fields:
            raise SourceError(p, f"{name!r} is not a field this loader knows; known fields: {list(fields)}",
                              field=name)
    missing = [f for f in required if f not in columns and f not in defaults]
    if missing:
        raise SourceError(p, f"required field(s) {missing} are not mapped", field=missing[0])
    formats = doc.get("date_formats") or []
    if not isinstance(formats, list) or not all(isinstance(f, str) and "%" in f for f in formats):
        raise SourceError(p, "date_formats must be a list of strptime formats like '%m/%d/%Y'",
                          field="date_formats")
    options = {k: doc[k] for k in known_options if k in doc}
    return Mapping(columns, tuple(formats), defaults, options)
