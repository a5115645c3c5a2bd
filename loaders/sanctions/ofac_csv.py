"""The OFAC SDN list as CSV (sdn.csv, or cons_prim.csv for the consolidated non-SDN lists): no header,
twelve columns (ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type, Tonnage, GRT,
Vess_flag, Vess_owner, Remarks), "-0-" for an empty cell, several programmes as "A] [B".

Optional companions in the same folder are read when present: alt.csv (ent_num, alt_num, alt_type,
alt_name, alt_remarks) adds aliases; add.csv (ent_num, add_num, address, city/state/postal, country,
add_remarks) adds the address and country. Birth dates, identifiers and "a.k.a." names that sdn.csv
keeps in Remarks ("DOB 01 Jan 1960; alt. DOB 1961; Tax ID No. 7701234567 (Russia); ...") are read
from there. The classic files give no listing date: `listed` stays empty for OFAC.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ...graph.errors import RowProblem
from ..base import Chunk, SourceError
from .files import csv_records
from .model import COMPANY, PERSON, Listed, identifier_kind, partial_date, to_chunks

AUTHORITY = "US OFAC"
SDN_COLUMNS = ["ent_num", "SDN_Name", "SDN_Type", "Program", "Title", "Call_Sign", "Vess_type", "Tonnage", "GRT",
               "Vess_flag", "Vess_owner", "Remarks"]
ALT_COLUMNS = ["ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks"]
ADD_COLUMNS = ["ent_num", "add_num", "address", "city_state_postal", "country", "add_remarks"]
COMPANIONS = {"sdn": ("alt", "add"), "cons_prim": ("cons_alt", "cons_add")}
NOT_MODELLED = {"vessel", "aircraft"}

# Remarks items with an identifier: "<label> <number> (<country>)"; the label vocabulary is OFAC's.
_ID_LABELS = (r"Tax ID No\.|Registration Number|Registration ID|Business Registration Number|Company Number|"
              r"Government Gazette Number|Legal Entity Number|Passport|National ID No\.|Identification Number|"
              r"Cedula No\.|SSN|NIT #|RFC|C\.U\.R\.P\.|UK Company Number|Commercial Registry Number|"
              r"Public Registration Number|Chinese Commercial Code|Vessel Registration Identification|"
              r"Unified Social Credit Code \(USCC\)|Trade License No\.|Enterprise Number|Residency Number")
_ID_ITEM = re.compile(rf"^(?:alt\. )?({_ID_LABELS})\s+(.+?)(?:\s+\(([^()]*)\))?(?:\s+issued .*|\s+expires .*)?$")
_AKA = re.compile(r"^(?:a\.k\.a\.|f\.k\.a\.|n\.k\.a\.)\s+'(.+)'$")
_DOB = re.compile(r"^(?:alt\. )?DOB (.+)$")
_COUNTRY_ITEM = re.compile(r"^(?:alt\. )?(?:nationality|citizen) (.+)$")


def read_ofac_csv(path: str | Path, *, source: str, mapping: str | Path | None = None,
            notes: list[str] | None = None) -> Iterator[Chunk]:
    """`path` is sdn.csv (companions beside it are read) or a folder holding sdn.csv / cons_prim.csv."""
    if mapping is not None:
        raise SourceError(mapping, "--format ofac-csv reads OFAC's own columns; it takes no --mapping")
    main = _main_file(Path(path))
    entities: dict[str, Listed] = {}
    for row, cells in csv_records(main, header=SDN_COLUMNS):
        assert isinstance(cells, list)
        if len(cells) != len(SDN_COLUMNS):
            raise SourceError(main, f"has {len(cells)} fields where sdn.csv has {len(SDN_COLUMNS)} "
                                    f"({', '.join(SDN_COLUMNS)}): is this OFAC's sdn.csv?", row=row)
        rec = dict(zip(SDN_COLUMNS, (_cell(c) for c in cells), strict=True))
        _entry(entities, row, rec)
    notes = [] if notes is None else notes
    alt_name, add_name = COMPANIONS.get(main.stem.lower(), ("", ""))
    for name, columns, apply in ((alt_name, ALT_COLUMNS, _alt), (add_name, ADD_COLUMNS, _add)):
        companion = main.with_name(f"{name}.csv")
        if name and companion.is_file():
            for _, cells in csv_records(companion, header=columns):
                rec = dict(zip(columns, (_cell(c) for c in cells), strict=False))
                e = entities.get(f"ofac:{rec['ent_num']}")
                if e is not None:
                    apply(e, rec)
            notes.append(f"also read {companion.name}")
    yield from to_chunks(entities.values(), file=main.name, authority=AUTHORITY, notes=notes)


def _main_file(p: Path) -> Path:
    if p.is_dir():
        for stem in COMPANIONS:
            for candidate in (p / f"{stem}.csv", p / f"{stem.upper()}.CSV"):
                if candidate.is_file():
                    return candidate
        raise SourceError(p, "is a folder without sdn.csv or cons_prim.csv")
    return p  # any name works; companions are looked for only beside a file named as OFAC names it


def _cell(text: str) -> str:
    text = text.strip()
    return "" if text == "-0-" else text


def _entry(entities: dict[str, Listed], row: int, rec: dict[str, str]) -> None:
    key = f"ofac:{rec['ent_num']}" if rec["ent_num"] else f"ofac:row-{row}"
    e = entities.get(key)
    if e is None:
        e = entities[key] = Listed(key, row, raw=rec)
    if not rec["ent_num"]:
        e.fail(RowProblem(field="ent_num", reason="line without ent_num: cannot tell which entry it is"))
    sdn_type = rec["SDN_Type"].casefold()
    if sdn_type in NOT_MODELLED:
        e.fail(RowProblem(field="SDN_Type", value=sdn_type,
                          reason=f"{sdn_type}: not modelled (the graph has no Vessel or Aircraft node)"))
    e.kind = e.kind or (PERSON if sdn_type == "individual" else COMPANY)
    e.name(display_name(rec["SDN_Name"], e.kind), primary=True)
    if e.kind == PERSON and "," in rec["SDN_Name"]:
        e.name(rec["SDN_Name"])  # as OFAC writes it, "SURNAME, Given", kept as an alias
    e.position = e.position or rec["Title"] or None
    for program in programs(rec["Program"]) or [""]:
        e.designate(program, None)
    remarks(e, rec["Remarks"])


def display_name(name: str, kind: str | None) -> str:
    """OFAC writes people "SURNAME, Given Names": shown as "Given Names SURNAME"."""
    if kind == PERSON and name.count(",") == 1:
        surname, given = (x.strip() for x in name.split(","))
        return f"{given} {surname}".strip()
    return name


def programs(text: str) -> list[str]:
    return [p.strip(" []") for p in text.split("] [") if p.strip(" []")]


def remarks(e: Listed, text: str) -> None:
    for item in (x.strip() for x in text.rstrip(".").split(";")):
        if not item:
            continue
        if m := _AKA.match(item):
            e.name(m.group(1))
        elif m := _DOB.match(item):
            e.add("birth_dates", partial_date(m.group(1)) or m.group(1))
        elif m := _COUNTRY_ITEM.match(item):
            e.country(m.group(1), nationality=True)
        elif m := _ID_ITEM.match(item):
            label, number, country = m.group(1), m.group(2), m.group(3)
            e.identifier(identifier_kind(label, country, number), number, country)
            if country and label != "Passport":
                e.country(country)


def _alt(e: Listed, rec: dict[str, str]) -> None:
    e.name(display_name(rec.get("alt_name", ""), e.kind))


def _add(e: Listed, rec: dict[str, str]) -> None:
    e.country(rec.get("country"))
    if not e.address:
        parts = (rec.get("address"), rec.get("city_state_postal"), rec.get("country"))
        e.address = ", ".join(x for x in parts if x) or None
