"""Sanctions lists as published (EU, OFAC, UK OFSI) or any list CSV through a mapping: designated people
and organisations as Person / Company nodes, each SANCTIONED by one Sanction node per programme.
See model.py for what every format shares (merging, multi-valued fields, listing dates)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..base import Chunk
from ..formats import reader_for

# format -> (module relative to conveyor.loaders, as formats.reader_for reads it; reader); each reader is
# read_X(path, *, source, mapping=None, notes=None).
SANCTION_FORMATS: dict[str, tuple[str, str]] = {
    "eu": (".sanctions.eu", "read_eu"),
    "ofac-csv": (".sanctions.ofac_csv", "read_ofac_csv"),
    "ofac-xml": (".sanctions.ofac_xml", "read_ofac_xml"),
    "ofsi": (".sanctions.ofsi", "read_ofsi"),
    "csv": (".sanctions.mapped", "read_sanctions_csv"),
}


def read_sanctions(fmt: str, path: Path, *, source: str, mapping: Path | None = None,
                   notes: list[str] | None = None) -> Iterator[Chunk]:
    reader = reader_for(SANCTION_FORMATS, fmt)
    return reader(path, source=source, mapping=mapping, notes=notes)
