"""Sanctions lists as published (EU, OFAC, UK OFSI) or any list CSV through a mapping: designated people
and organisations as Person / Company nodes, each SANCTIONED by one Sanction node per programme.
See model.py for what every format shares (merging, multi-valued fields, listing dates)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

from ..base import Chunk

# format -> (module, reader); each reader is read_X(path, *, source, mapping=None, notes=None).
SANCTION_FORMATS: dict[str, tuple[str, str]] = {
    "eu": ("conveyor.loaders.sanctions.eu", "read_eu"),
    "ofac-csv": ("conveyor.loaders.sanctions.ofac_csv", "read_ofac_csv"),
    "ofac-xml": ("conveyor.loaders.sanctions.ofac_xml", "read_ofac_xml"),
    "ofsi": ("conveyor.loaders.sanctions.ofsi", "read_ofsi"),
    "csv": ("conveyor.loaders.sanctions.mapped", "read_sanctions_csv"),
}


def read_sanctions(fmt: str, path: Path, *, source: str, mapping: Path | None = None,
                   notes: list[str] | None = None) -> Iterator[Chunk]:
    module_name, function = SANCTION_FORMATS[fmt]
    reader = getattr(importlib.import_module(module_name), function)
    return reader(path, source=source, mapping=mapping, notes=notes)
