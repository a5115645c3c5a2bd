"""The UK OFSI consolidated list of financial sanctions targets, CSV (ConList.csv, 2022 format): line 1
is "Last Updated,<date>", line 2 the header (Name 6 = surname or entity name, Name 1..5 = other names,
Title, DOB, ..., Group Type = Individual / Entity / Ship, Alias Type, Regime, Listed On, UK Sanctions
List Date Designated, Last Updated, Group ID). One target spans a line per name (its primary name and
each alias), the lines sharing Group ID. Dates are dd/mm/yyyy, unknown parts written 00 ("00/00/1962");
a cell with several values numbers them: "(1) 12/03/1960 (2) 1961".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ...graph.errors import RowProblem
from ..base import Chunk, SourceError
from .files import csv_records, require
from .model import COMPANY, PERSON, Listed, grouped, identifier_kind, listing_date, partial_date, to_chunks

AUTHORITY = "UK OFSI"
REQUIRED = ("Name 6", "Group Type", "Regime", "Listed On", "Group ID")
NAME_PARTS = ("Name 1", "Name 2", "Name 3", "Name 4", "Name 5", "Name 6")
ADDRESS = ("Address 1", "Address 2", "Address 3", "Address 4", "Address 5", "Address 6", "Post/Zip Code", "Country")
KINDS = {"individual": PERSON, "entity": COMPANY}
_NUMBERED = re.compile(r"\(\d+\)\s*")
_REASONS = re.compile(r"\(UK Statement of Reasons\):\s*(.+?)(?=\s*\([A-Z][^()]*\):|$)", re.S)
# Registry numbers OFSI writes inside Other Information / National Identification: "INN: 7701234567".
_RU_IDS = re.compile(r"\b(INN|OGRN|KPP|OKPO|UNP)\b\W{0,3}(\d{9,15})", re.I)


def read_ofsi(path: str | Path, *, source: str, mapping: str | Path | None = None,
            notes: list[str] | None = None) -> Iterator[Chunk]:
    p = Path(path)
    if mapping is not None:
        raise SourceError(mapping, "--format ofsi reads the list's own columns; it takes no --mapping")
    records = csv_records(p, skip=_preamble(p))
    header_row, header = next(records, (1, []))
    require(p, list(header), REQUIRED, "the OFSI consolidated list CSV (ConList.csv)", row=header_row)
    entities = grouped(records, "Group ID", "gb-ofsi", "target", _line)
    yield from to_chunks(entities.values(), file=p.name, authority=AUTHORITY, notes=[] if notes is None else notes)


def _preamble(p: Path) -> int:
    """1 if the file starts with OFSI's "Last Updated,<date>" line before the header, else 0."""
    with open(p, "rb") as fh:
        first = fh.readline().lstrip(b"\xef\xbb\xbf").strip().strip(b'"').lower()
    return 1 if first.startswith(b"last updated") else 0


def values(cell: str | None) -> list[str]:
    """'(1) a (2) b' -> ['a', 'b']; 'a' -> ['a']."""
    return [v.strip(" ,;") for v in _NUMBERED.split(cell or "") if v.strip(" ,;")]


def _line(e: Listed, rec: dict[str, str]) -> None:
    group_type = rec.get("Group Type", "")
    kind = KINDS.get(group_type.casefold())
    if kind is None:
        e.fail(RowProblem(field="Group Type", value=group_type,
                          reason=f"{group_type or 'an empty group type'}: not modelled (only Individual and Entity "
                                 f"are; the graph has no Ship node)"))
    e.kind = e.kind or kind
    parts = [rec.get(f, "") for f in NAME_PARTS]
    e.name(" ".join(x for x in parts if x), primary=rec.get("Alias Type", "").casefold() == "primary name")
    e.name(rec.get("Name Non-Latin Script"))
    e.position = e.position or rec.get("Position") or None
    try:
        listed = listing_date(rec.get("Listed On"), "Listed On")
    except RowProblem as bad:
        e.fail(bad)
        listed = None
    reason = _REASONS.search(rec.get("Other Information", ""))
    e.designate(rec.get("Regime"), listed, reason=reason.group(1).strip() if reason else None)
    for dob in values(rec.get("DOB")):
        e.add("birth_dates", partial_date(dob) or dob)
    for nat in values(rec.get("Nationality")):
        e.country(nat, nationality=True)
    for number in values(rec.get("Passport Number")):
        e.identifier("passport", number)
    for number in values(rec.get("National Identification Number")):
        e.identifier("national_id", number)
    details = " ".join((rec.get("Other Information", ""), rec.get("National Identification Details", "")))
    for m in _RU_IDS.finditer(details):
        e.identifier(m.group(1).casefold(), m.group(2))
    for m in re.finditer(r"\(Business Reg No\):\s*([^()]+?)(?=\s*\(|$)", rec.get("Other Information", "")):
        number = m.group(1).strip(" .;,")
        e.identifier(identifier_kind("registration", rec.get("Country"), number), number, rec.get("Country"))
    e.country(rec.get("Country"))
    if not e.address:
        address = [rec.get(f, "") for f in ADDRESS]
        e.address = ", ".join(x for x in address if x) or None
