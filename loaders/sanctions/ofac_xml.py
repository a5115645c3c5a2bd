"""The OFAC SDN list as classic XML (sdn.xml / SDN.XML, or consolidated.xml; schema sdnList.xsd):
<sdnList> with one <sdnEntry> per party: uid, firstName, lastName, title, sdnType (Individual, Entity,
Vessel, Aircraft), programList/program, idList/id (idType, idNumber, idCountry), akaList/aka,
addressList/address, nationalityList, citizenshipList, dateOfBirthList/dateOfBirthItem, remarks.
Streamed with iterparse; a "row" is the entry's position in the file (1-based). The classic file gives
no listing date: `listed` stays empty for OFAC."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from ...graph.errors import RowProblem
from ..base import Chunk, SourceError
from ..csvfile import check_readable
from .model import COMPANY, PERSON, Listed, identifier_kind, partial_date, to_chunks
from .ofac_csv import AUTHORITY, NOT_MODELLED, remarks

ROOTS = ("sdnList",)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(elem: ET.Element, name: str) -> str:
    for child in elem:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def _items(elem: ET.Element, list_name: str) -> list[ET.Element]:
    for child in elem:
        if _local(child.tag) == list_name:
            return list(child)
    return []


def read_ofac_xml(path: str | Path, *, source: str, mapping: str | Path | None = None,
            notes: list[str] | None = None) -> Iterator[Chunk]:
    if mapping is not None:
        raise SourceError(mapping, "--format ofac-xml reads OFAC's own elements; it takes no --mapping")
    p = check_readable(path)
    entities: dict[str, Listed] = {}
    n = 0
    root_seen = False
    try:
        for event, elem in ET.iterparse(p, events=("start", "end")):
            tag = _local(elem.tag)
            if event == "start":
                if not root_seen:
                    root_seen = True
                    if tag not in ROOTS:
                        raise SourceError(p, f"root element {tag!r} is not sdnList (OFAC's classic SDN XML)", row=1)
                continue
            if tag == "sdnEntry":
                n += 1
                _entry(entities, n, elem)
                elem.clear()
    except ET.ParseError as exc:
        raise SourceError(p, f"is not well-formed XML: {exc}", row=exc.position[0]) from exc
    yield from to_chunks(entities.values(), file=p.name, authority=AUTHORITY, notes=[] if notes is None else notes)


def _entry(entities: dict[str, Listed], n: int, elem: ET.Element) -> None:
    uid = _text(elem, "uid")
    key = f"ofac:{uid}" if uid else f"ofac:entry-{n}"
    first, last, sdn_type = _text(elem, "firstName"), _text(elem, "lastName"), _text(elem, "sdnType").casefold()
    e = entities.get(key)
    if e is None:
        e = entities[key] = Listed(key, n, raw={"uid": uid, "firstName": first, "lastName": last, "sdnType": sdn_type})
    if not uid:
        e.fail(RowProblem(field="uid", reason="sdnEntry without uid: cannot tell which entry it is"))
    if sdn_type in NOT_MODELLED:
        e.fail(RowProblem(field="sdnType", value=sdn_type,
                          reason=f"{sdn_type}: not modelled (the graph has no Vessel or Aircraft node)"))
    e.kind = e.kind or (PERSON if sdn_type == "individual" else COMPANY)
    e.name(" ".join(x for x in (first, last) if x), primary=True)
    e.position = e.position or _text(elem, "title") or None
    for program in [(_p.text or "").strip() for _p in _items(elem, "programList")] or [""]:
        e.designate(program, None)
    for aka in _items(elem, "akaList"):
        e.name(" ".join(x for x in (_text(aka, "firstName"), _text(aka, "lastName")) if x))
    for item in _items(elem, "dateOfBirthList"):
        text = _text(item, "dateOfBirth")
        if text:
            e.add("birth_dates", partial_date(text) or text)
    for item in _items(elem, "nationalityList") + _items(elem, "citizenshipList"):
        e.country(_text(item, "country"), nationality=True)
    for item in _items(elem, "idList"):
        number, country = _text(item, "idNumber"), _text(item, "idCountry")
        label = _text(item, "idType")
        e.identifier(identifier_kind(label, country, number), number, country)
        if country and "passport" not in label.casefold():
            e.country(country)
    for item in _items(elem, "addressList"):
        e.country(_text(item, "country"))
        if not e.address:
            parts = [_text(item, f) for f in ("address1", "address2", "address3", "city", "stateOrProvince",
                                               "postalCode", "country")]
            e.address = ", ".join(x for x in parts if x) or None
    remarks(e, _text(elem, "remarks"))
