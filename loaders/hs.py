"""The HS nomenclature (chapters, headings, subheadings; CN8 and 10-digit lines too, each under the
code two digits shorter) as Product nodes with their CHILD_OF tree,
and the rules for commodity codes at the precision each source publishes them.

The file's TOTAL row ("total of all commodities", the code UN Comtrade uses for all-goods flows) is
kept as the root of the tree, so aggregate flows reported under TOTAL have a Product to point to.

Commodity codes: the HS has 2, 4 and 6 digits; national nomenclatures extend the HS6 - the EU's CN
(Comext, the EU sanctions annexes) 8 digits, TARIC, HMRC import codes and US HTS 10, Japan's
statistical codes 9. A code is kept at the precision its source gives. Which lengths a source
publishes, and whether it publishes codes as numbers (so a code of chapters 01-09 loses its leading
zero: HMRC's OTS `CommodityId`, a file saved through a spreadsheet), is an `HsCode` type per format,
overridable in a mapping (`code_digits:`, `codes_lose_leading_zero:`):
- comext: CN codes as text, 2, 4, 6 or 8 digits (the bulk files carry HS aggregates too);
- comtrade: HS codes as text, 2, 4 or 6 digits, and national tariff lines of 8, 9 or 10;
- shipments: declarations carry HS or national codes: 2, 4, 6, 8, 9 or 10 digits.
A code one digit short of a length its source publishes, of a length the source never publishes (5
or 7 digits in these formats), is rejected as a lost leading zero, or given its zero back where the
source is declared to publish codes as numbers. A 9-digit code where 9 digits are published is kept.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from ..graph.errors import RowProblem
from ..graph.rows import NodeRow, RelRow
from ..graph.types import HsCode
from .base import Chunk, NodeBatch, Reject, RelBatch, SourceError
from .csvfile import read_csv_chunks

COLUMNS = ("section", "hscode", "description", "parent", "level")
ROOT = "TOTAL"


def read_hs(path: str | Path) -> Iterator[Chunk]:
    tree: list[RelRow] = []  # parents may come after children in a file: link once every node exists
    for frame in read_csv_chunks(path, COLUMNS):
        chunk = Chunk(read=len(frame))
        products = []
        for rec in frame.to_dict("records"):
            row = rec.pop("_row")
            code, level, parent = rec["hscode"].strip(), rec["level"].strip(), rec["parent"].strip()
            problem = _check(code, level, parent)
            if problem:
                field, reason = problem
                chunk.rejects.append(Reject(row, field, rec.get(field, ""), reason, rec))
                continue
            is_root = code == ROOT
            products.append(NodeRow(code, {
                "description": rec["description"].strip(), "level": 0 if is_root else int(level),
                "section": "" if is_root else rec["section"].strip(), "parent": "" if is_root else parent,
            }, f"hs:{code}", row))
            if not is_root and parent:
                tree.append(RelRow(code, parent, row=row))
        chunk.nodes.append(NodeBatch("Product", products))
        yield chunk
    # Chapters hang under the TOTAL root whether or not this file carries its row.
    root = NodeRow(ROOT, {"level": 0})
    yield Chunk(nodes=[NodeBatch("Product", [root])],
                relationships=[RelBatch("CHILD_OF", "Product", "Product", tree)])


def _check(code: str, level: str, parent: str) -> tuple[str, str] | None:
    if code == ROOT:
        return None
    try:
        NOMENCLATURE_CODES.clean(code)
    except RowProblem as problem:
        return "hscode", problem.reason
    if level not in ("2", "4", "6", "8", "10"):
        return "level", "level must be 2, 4 or 6 (HS), 8 (CN8) or 10 (TARIC, HMRC, US HTS)"
    if len(code) != int(level):
        return "hscode", f"HS code has {len(code)} digits but level is {level}"
    if level == "2":
        return None if parent in (ROOT, "") else ("parent", f"a chapter's parent must be {ROOT}")
    if not code.startswith(parent) or len(parent) != int(level) - 2:
        return "parent", f"parent {parent!r} is not the {int(level) - 2}-digit prefix of {code}"
    return None


# ---------------------------------------------------------------------------------------------------
# Commodity codes at the precision sources publish them: the one HS type (conveyor.graph.types.HsCode)
# with each format's lengths; a mapping may declare its source's own.

CODE_OPTIONS = ("code_digits", "codes_lose_leading_zero")  # mapping keys a trade loader applies
COMEXT_CODES = HsCode("Comext (CN)", (2, 4, 6, 8), mapping_hints=True)
COMTRADE_CODES = HsCode("Comtrade", (2, 4, 6, 8, 9, 10), mapping_hints=True)
SHIPMENT_CODES = HsCode("shipment", (2, 4, 6, 8, 9, 10), mapping_hints=True)
NOMENCLATURE_CODES = HsCode("HS nomenclature", (2, 4, 6, 8, 10))
CATALOGUE_CODES = HsCode("catalogue", (2, 4, 6))  # colony catalogues cite HS chapters, headings, HS6


def code_rule(default: HsCode, options: Mapping[str, object], mapping_path: str | Path | None) -> HsCode:
    """The format's code type, with what a mapping declares about its source's codes applied."""
    lengths, numeric = default.lengths, default.numeric
    if "code_digits" in options:
        given = options["code_digits"]
        given = [given] if isinstance(given, int) else given
        if (not isinstance(given, list) or not given
                or not all(isinstance(n, int) and not isinstance(n, bool) and 2 <= n <= 12 for n in given)):
            raise SourceError(mapping_path or "mapping", "code_digits must be a list of code lengths "
                              "(whole numbers from 2 to 12), e.g. [8, 10]", field="code_digits")
        lengths = tuple(sorted(set(given)))
    if "codes_lose_leading_zero" in options:
        flag = options["codes_lose_leading_zero"]
        if not isinstance(flag, bool):
            raise SourceError(mapping_path or "mapping", "codes_lose_leading_zero must be true or false",
                              field="codes_lose_leading_zero")
        numeric = flag
    source = default.source if lengths == default.lengths else f"this source's (mapping {mapping_path})"
    return HsCode(source, lengths, numeric, default.mapping_hints)
