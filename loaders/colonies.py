"""A colony catalogue: facility, the enterprise running its production, products and HS codes, each
row with the published source of its facts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from ..graph.errors import RowProblem
from ..graph.rows import NodeRow, RelRow
from ..graph.types import BOOL, COUNTRY, list_of
from .base import Chunk, NodeBatch, Reject, RelBatch
from .csvfile import read_csv_chunks
from .hs import CATALOGUE_CODES
from .records import company_row, country_row, product_stub

REQUIRED = ("colony_id", "name", "country", "source_url")
OPTIONAL = ("name_local", "city", "region", "operator_enterprise", "operator_id", "products", "hs_codes",
            "source_title", "source_date", "synthetic")
CODES = list_of(CATALOGUE_CODES)  # '9403.60; 4418': HS chapters, headings and HS6, as catalogues cite them


def read_colonies(path: str | Path) -> Iterator[Chunk]:
    for frame in read_csv_chunks(path, REQUIRED):
        chunk = Chunk(read=len(frame))
        colonies, companies, countries, products = [], [], {}, {}
        operates, makes, located = [], [], []
        for rec in frame.to_dict("records"):
            row = rec.pop("_row")
            get = _getter(rec)
            try:
                country, codes = _cleaned(get)
            except RowProblem as problem:
                chunk.rejects.append(Reject(row, problem.field, get(problem.field), problem.reason, rec))
                continue
            colony_id = get("colony_id")
            synthetic = BOOL.clean(get("synthetic"))
            colonies.append(NodeRow(colony_id, {
                "name": get("name"), "name_local": get("name_local"), "city": get("city"),
                "region": get("region"), "country": country,
                "operator_enterprise": get("operator_enterprise"),
                "products": [p.strip() for p in get("products").split(";") if p.strip()],
                "hs_codes": codes, "source_url": get("source_url"), "source_title": get("source_title"),
                "source_date": get("source_date"), "synthetic": synthetic,
            }, f"{Path(path).name}:{row}", row))
            countries[country] = country_row(country)
            located.append(RelRow(colony_id, country, row=row))
            if get("operator_enterprise"):
                company = company_row(get("operator_enterprise"), country, key=get("operator_id") or None,
                                      synthetic=synthetic)
                companies.append(company)
                operates.append(RelRow(colony_id, company.key, {"source_url": get("source_url")}, row=row))
            for code in codes:
                products[code] = product_stub(code)
                makes.append(RelRow(colony_id, code, {"source_url": get("source_url")}, row=row))
        chunk.nodes += [
            NodeBatch("Country", list(countries.values())),
            NodeBatch("Colony", colonies),
            NodeBatch("Company", companies, roles=("Producer",)),
            NodeBatch("Product", list(products.values())),
        ]
        chunk.relationships += [
            RelBatch("IN", "Colony", "Country", located),
            RelBatch("OPERATES", "Colony", "Company", operates),
            RelBatch("MAKES", "Colony", "Product", makes),
        ]
        yield chunk


def _getter(rec: dict) -> Callable[[str], str]:
    return lambda name: (rec.get(name) or "").strip()


def _cleaned(get: Callable[[str], str]) -> tuple[str, list[str]]:
    """The row's country and HS codes, or the RowProblem that rejects it."""
    for name in REQUIRED:
        if not get(name):
            raise RowProblem(name, "", f"{name} is required (every colony fact must cite its published source)")
    return COUNTRY.clean(get("country"), field="country"), CODES.clean(get("hs_codes"), field="hs_codes") or []
