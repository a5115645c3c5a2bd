"""Reading list files as published: UTF-8 (with or without a byte-order mark) or, for files saved on
Windows, Windows-1252; CSV records numbered as a spreadsheet shows them (row 1 is the first line)."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from pathlib import Path

from ..base import SourceError
from ..csvfile import check_readable

csv.field_size_limit(1 << 24)  # a remarks cell of a long designation can pass csv's 128 KB default


def encoding_of(path: Path) -> str:
    """'utf-8-sig' if the whole file decodes as UTF-8, else 'cp1252' (every byte is a character there,
    except five unused ones, which are then a clear error)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as fh:
        try:
            for block in iter(lambda: fh.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def csv_records(path: Path, delimiter: str = ",", skip: int = 0,
                header: list[str] | None = None) -> Iterator[tuple[int, dict[str, str] | list[str]]]:
    """(row, record) for every non-empty record after `skip` leading lines. With `header` given the file
    has none and records are lists; otherwise the first record after `skip` is the header and records
    are dicts keyed by its (stripped) names. A row is the record's number as a spreadsheet shows it."""
    p = check_readable(path)
    encoding = encoding_of(p)
    row = 0
    try:
        with open(p, encoding=encoding, newline="") as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            names = header
            for cells in reader:
                row += 1
                if row <= skip:
                    continue
                if names is None:
                    names = [c.strip() for c in cells]
                    if not any(names):
                        raise SourceError(p, "has no header line", row=row)
                    yield row, names  # the header itself, so the caller can check its columns
                    continue
                if not any(c.strip() for c in cells) or cells[0].strip() == "\x1a":  # blank, or DOS end-of-file
                    continue
                if header is not None:
                    yield row, cells
                else:
                    yield row, {n: (cells[i] if i < len(cells) else "") for i, n in enumerate(names)}
    except UnicodeDecodeError as exc:
        raise SourceError(p, f"is neither UTF-8 nor Windows-1252 text: {exc.reason}", row=row + 1) from exc
    except csv.Error as exc:
        raise SourceError(p, f"is not well-formed CSV: {exc}", row=row + 1) from exc


def require(path: Path, header: list[str], columns: tuple[str, ...], what: str, row: int = 1) -> None:
    missing = [c for c in columns if c not in header]
    if missing:
        raise SourceError(path, f"is not {what}: missing column(s) {missing}; the file has {header[:12]}"
                                f"{' ...' if len(header) > 12 else ''}", row=row, field=missing[0])
