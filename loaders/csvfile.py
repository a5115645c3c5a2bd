"""Reading CSV sources in bounded memory, with errors that name the file, the row and the field.

Row numbers are the file's line numbers as a spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd

from .base import SourceError

DEFAULT_CHUNK_ROWS = 50_000


def check_readable(path: str | Path) -> Path:
    """Any source file (CSV or JSON): exists, is a file, can be read, is not 0 bytes."""
    p = Path(path)
    if not p.exists():
        raise SourceError(p, "file not found")
    if p.is_dir():
        raise SourceError(p, "is a folder, expected a file")
    try:
        with open(p, "rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise SourceError(p, f"cannot be read: {exc.strerror}") from exc
    if not head:
        raise SourceError(p, "is empty (0 bytes)")
    return p


def read_header(path: Path) -> list[str]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), None)
    except UnicodeDecodeError as exc:
        line, column = _first_bad_byte(path)
        where = "in the header" if line == 1 else f"at byte {column} of line {line}"
        raise SourceError(path, f"is not UTF-8 text ({where}): save it as UTF-8", row=line) from exc
    if not header or not any(h.strip() for h in header):
        raise SourceError(path, "has no header line", row=1)
    return [h.strip() for h in header]


def _first_bad_byte(path: Path, limit: int = 1 << 20) -> tuple[int, int]:
    """Line and byte within it (1-based) of the first byte that is not UTF-8, in the file's first MiB.
    The text reader decodes a whole block at once, so its error does not say which line is at fault."""
    with open(path, "rb") as fh:
        raw = fh.read(limit)
    try:
        raw.decode("utf-8")
        return 1, 1
    except UnicodeDecodeError as exc:
        start = exc.start
    line_start = raw.rfind(b"\n", 0, start) + 1
    return raw.count(b"\n", 0, start) + 1, start - line_start + 1


def require_columns(path: Path, header: Sequence[str], required: Sequence[str]) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        raise SourceError(
            path, f"missing required column(s) {missing}; the file has {list(header)}", row=1, field=missing[0]
        )


def read_csv_chunks(
    path: str | Path, required: Sequence[str] = (), chunk_rows: int = DEFAULT_CHUNK_ROWS
) -> Iterator[pd.DataFrame]:
    """DataFrames of strings ('' for empty) with a `_row` column; the header is checked first."""
    p = check_readable(path)
    header = read_header(p)
    require_columns(p, header, required)
    first_row = 2
    try:
        reader = pd.read_csv(
            p, dtype=str, keep_default_na=False, encoding="utf-8-sig", chunksize=chunk_rows,
            skipinitialspace=False, on_bad_lines="error",
        )
        for frame in reader:
            frame.columns = [str(c).strip() for c in frame.columns]
            frame["_row"] = range(first_row, first_row + len(frame))
            first_row += len(frame)
            yield frame
    except UnicodeDecodeError as exc:
        raise SourceError(p, f"is not UTF-8 text (near row {first_row}): {exc.reason}", row=first_row) from exc
    except pd.errors.ParserError as exc:
        raise SourceError(p, f"is not well-formed CSV: {exc}", row=first_row) from exc
