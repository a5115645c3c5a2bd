"""The EU consolidated financial sanctions list, CSV v1.1 ("csvFullSanctionsList_1_1" from the EU
Financial Sanctions Files): `;`-separated, UTF-8 with a byte-order mark, one line per name alias,
address, birth date, identification or citizenship, the Entity_* columns repeated on every line of an
entity; the lines of one entity share Entity_LogicalId."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ...graph.errors import RowProblem
from ..base import Chunk, SourceError
from .files import csv_records, require
from .model import COMPANY, PERSON, Listed, grouped, identifier_kind, listing_date, partial_date, to_chunks

AUTHORITY = "European Union"
REQUIRED = ("Entity_LogicalId", "Entity_SubjectType", "NameAlias_WholeName")
ADDRESS = ("Address_Street", "Address_City", "Address_ZipCode", "Address_CountryDescription")
KINDS = {"p": PERSON, "person": PERSON, "e": COMPANY, "enterprise": COMPANY}


def read_eu(path: str | Path, *, source: str, mapping: str | Path | None = None,
            notes: list[str] | None = None) -> Iterator[Chunk]:
    p = Path(path)
    if mapping is not None:
        raise SourceError(mapping, "--format eu reads the list's own columns; it takes no --mapping")
    records = csv_records(p, delimiter=";")
    _, header = next(records, (1, []))
    require(p, list(header), REQUIRED, "the EU consolidated list CSV (v1.1, ';'-separated)")
    entities = grouped(records, "Entity_LogicalId", "eu-fsf", "entity", _line)
    yield from to_chunks(entities.values(), file=p.name, authority=AUTHORITY, notes=[] if notes is None else notes)


def _line(e: Listed, rec: dict[str, str]) -> None:
    subject = (rec.get("Entity_SubjectType") or rec.get("Entity_SubjectType_ClassificationCode") or "").casefold()
    kind = KINDS.get(subject) or KINDS.get(rec.get("Entity_SubjectType_ClassificationCode", "").casefold())
    if kind is None:
        e.fail(RowProblem(field="Entity_SubjectType", value=subject,
                          reason=f"subject type {subject!r} is not modelled (only persons and enterprises are)"))
    e.kind = e.kind or kind
    whole = rec.get("NameAlias_WholeName") or " ".join(
        x for x in (rec.get("NameAlias_FirstName"), rec.get("NameAlias_MiddleName"), rec.get("NameAlias_LastName"))
        if x)
    e.name(whole)
    e.position = e.position or rec.get("NameAlias_Function") or None
    try:
        listed = [listing_date(rec.get(f), f) for f in ("Entity_DesignationDate", "Entity_Regulation_PublicationDate")]
    except RowProblem as bad:
        e.fail(bad)
        listed = []
    e.designate(rec.get("Entity_Regulation_Programme"), min((d for d in listed if d), default=None),
                reason=rec.get("Entity_Remark") or rec.get("Entity_DesignationDetails"),
                source_url=rec.get("Entity_Regulation_PublicationUrl"))
    birth = rec.get("BirthDate_BirthDate") or rec.get("BirthDate_Year")
    if birth:
        e.add("birth_dates", partial_date(birth) or birth)
    elif rec.get("BirthDate_YearRangeFrom"):
        e.add("birth_dates", f"{rec['BirthDate_YearRangeFrom']}/{rec.get('BirthDate_YearRangeTo', '')}".rstrip("/"))
    number = rec.get("Identification_Number") or rec.get("Identification_LatinNumber")
    if number:
        country = rec.get("Identification_CountryIso2Code") or rec.get("Identification_CountryDescription")
        label = rec.get("Identification_TypeDescription") or rec.get("Identification_TypeCode") or ""
        e.identifier(identifier_kind(label, country, number), number, country)
    e.country(rec.get("Citizenship_CountryIso2Code") or rec.get("Citizenship_CountryDescription"), nationality=True)
    country = rec.get("Address_CountryIso2Code") or rec.get("Address_CountryDescription")
    e.country(country)
    if not e.address:
        parts = [rec.get(f) for f in ADDRESS]
        e.address = ", ".join(x for x in parts if x) or None
