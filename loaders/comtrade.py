"""UN Comtrade extracts (CSV as the Comtrade API and bulk files publish them): one TradeFlow per
reporter, partner, second partner, flow, commodity code and period, linked to the Product of its code.

Also the shared builder of TradeFlow chunks (`flow_chunk`), which the Comext reader uses too: both
sources then look the same to the analyses (flow 'M' import, 'X' export, ISO alpha-2 countries,
period 'YYYY' or 'YYYY-MM').
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from ..graph.errors import RowProblem
from ..graph.rows import NodeRow, RelRow
from ..graph.types import AMOUNT, COUNTRY, HsCode
from .base import Chunk, NodeBatch, Reject, RelBatch, SourceError
from .csvfile import check_readable, read_csv_chunks, read_header
from .hs import CODE_OPTIONS, COMTRADE_CODES, code_rule
from .mapping import load_mapping
from .records import product_stub

# The columns this loader reads (a mapping may map only these: a column it would not use is an error,
# not silence). Comtrade's classificationCode and qtyUnitAbbr are not read: a flow keeps its code as
# published and its quantity without a unit.
FIELDS = ("reporterISO", "partnerISO", "partner2ISO", "flowCode", "cmdCode", "period",
          "qty", "netWgt", "primaryValue", "cifvalue", "fobvalue", "customsCode", "motCode")
REQUIRED = ("reporterISO", "partnerISO", "flowCode", "cmdCode", "period")
# Import, export, re-import, re-export and the inward/outward processing flows Comtrade publishes.
FLOWS = {"M", "X", "RM", "RX", "MIP", "MOP", "XIP", "XOP", "DX", "FM"}
# Comtrade area codes that are not a partner country: a row with one of them cannot be a country pair.
_AREAS = {"W00": "World", "_X": "areas not elsewhere specified", "X1": "areas not elsewhere specified",
          "XX": "unspecified", "EUR": "European Union aggregate", "EU": "European Union aggregate",
          "S19": "special categories", "R4": "areas not elsewhere specified"}
# A second partner of World/unknown means 'no second partner' in Comtrade extracts.
_NO_PARTNER2 = {"", "W00", "ZZZ", "_X", "X1", "0"}
_PERIOD = re.compile(r"^(\d{4})(?:-?(\d{2}))?$")


def country(text: str, column: str, what: str) -> str:
    text = (text or "").strip()
    if text.upper() in _AREAS:
        raise RowProblem(column, text, f"{what} {text!r} is an area ({_AREAS[text.upper()]}), not a country")
    return str(COUNTRY.clean(text, field=column, what=what, required=True))


def period(text: str, column: str) -> str:
    """'2023' -> '2023'; '202305' or '2023-05' -> '2023-05'."""
    m = _PERIOD.match((text or "").strip())
    if not m:
        raise RowProblem(column, text, f"period {text!r} is not YYYY or YYYYMM")
    year, month = int(m.group(1)), m.group(2)
    if not 1950 <= year <= 2100:
        raise RowProblem(column, text, f"period {text!r}: year {year} is out of range")
    if month is None:
        return f"{year:04d}"
    if not 1 <= int(month) <= 12:
        raise RowProblem(column, text, f"period {text!r}: month {month} is not 01-12")
    return f"{year:04d}-{month}"


def hs(text: str, column: str, rule: HsCode = COMTRADE_CODES) -> str:
    return str(rule.clean(text, field=column, required=True))


def amount(text: str, column: str, what: str, required: bool = False) -> float | None:
    """A published 0 is a value (a flow reported as nil, or rounded below the unit), never an error;
    `required`: an empty cell is."""
    value: float | None = AMOUNT.clean(text, field=column, what=what, required=required)
    return value


def flow_key(kind: str, ident: Sequence[Any]) -> str:
    """Stable id from what identifies the flow, so a reload merges onto the same node."""
    text = "|".join(str(x if x is not None else "") for x in (kind, *ident))
    return "tf:" + hashlib.sha256(text.encode()).hexdigest()[:20]


Cleaner = Callable[[dict[str, str]], tuple[dict[str, Any], tuple]]


def flow_chunk(frame, cleaner: Cleaner, kind: str, file_name: str, seen: dict[str, int]) -> Chunk:
    """TradeFlow nodes and OF edges for one frame; `cleaner(rec)` returns (props, identity) or raises
    RowProblem. A second row with the same identity is rejected as a duplicate, never summed silently."""
    chunk = Chunk(read=len(frame))
    flows, of, products = [], [], {}
    for raw in frame.to_dict("records"):
        row = raw.pop("_row")
        rec = {k: (v or "").strip() for k, v in raw.items()}
        try:
            props, ident = cleaner(rec)
        except RowProblem as problem:
            chunk.rejects.append(Reject(row, problem.field, problem.value, problem.reason, raw))
            continue
        key = flow_key(kind, ident)
        if key in seen:
            chunk.rejects.append(Reject(row, "(record)", "", f"duplicate flow: same reporter, partner, flow, "
                                        f"code and period as row {seen[key]}", raw))
            continue
        seen[key] = row
        code = props["hs_code"]
        product = code[:6]  # CN8 / national tariff lines belong to their HS6; HS2/HS4 stay as they are
        products[product] = product_stub(product)
        flows.append(NodeRow(key, {"source_kind": kind, **props, "source_file": file_name, "source_row": row},
                             f"{file_name}:{row}", row))
        of.append(RelRow(key, product, row=row))
    chunk.nodes += [NodeBatch("Product", list(products.values())), NodeBatch("TradeFlow", flows)]
    chunk.relationships.append(RelBatch("OF", "TradeFlow", "Product", of))
    return chunk


@dataclass
class SourceColumns:
    """How a file's columns become canonical fields: renames, defaults for empty or absent fields, and
    the mapping's options (its source's code rule)."""
    columns: dict[str, str]  # canonical field -> source column
    defaults: dict[str, str] = field(default_factory=dict)
    options: dict[str, object] = field(default_factory=dict)


def source_columns(path: Path, fields: Sequence[str], required: Sequence[str], mapping_path: str | Path | None,
                   fmt: str, aliases: dict[str, Sequence[str]] | None = None) -> SourceColumns:
    """Through a YAML mapping if given, else the published names (or a known alias, the first of a
    field's aliases the file has winning). A missing required column is a SourceError before any row."""
    check_readable(path)
    header = read_header(path)
    if mapping_path:
        mapping = load_mapping(mapping_path, fields, required, CODE_OPTIONS, fmt=fmt, takes_dates=False)
        mapping.check_against(path, header, f"mapping {mapping_path}")
        return SourceColumns(dict(mapping.columns), dict(mapping.defaults), dict(mapping.options))
    chosen: dict[str, str] = {}
    for canonical in fields:
        col = next((c for c in (*(aliases or {}).get(canonical, ()), canonical) if c in header), None)
        if col is not None:
            chosen[canonical] = col
    missing = [f for f in required if f not in chosen]
    if missing:
        raise SourceError(path, f"missing required column(s) {missing} (or give --mapping MAP.yml); "
                                f"the file has {list(header)}", row=1, field=missing[0])
    return SourceColumns(chosen)


def renamed_frames(path: Path, columns: SourceColumns, fields: Sequence[str]) -> Iterator:
    """Frames of the canonical fields (a source column may feed several), a mapping's defaults filled in
    where a field is empty or has no column."""
    for frame in read_csv_chunks(path):
        out = pd.DataFrame({f: frame[columns.columns[f]] for f in fields if f in columns.columns}, index=frame.index)
        for name, default in columns.defaults.items():
            out[name] = out[name].mask(out[name].str.strip() == "", default) if name in out else default
        out["_row"] = frame["_row"]
        yield out


def _clean(rule: HsCode, rec: dict[str, str]) -> tuple[dict[str, Any], tuple]:
    flow = rec.get("flowCode", "").upper()
    if flow not in FLOWS:
        raise RowProblem("flowCode", rec.get("flowCode"), f"flowCode {rec.get('flowCode')!r} is not one of "
                         f"{sorted(FLOWS)}")
    reporter = country(rec.get("reporterISO", ""), "reporterISO", "reporter")
    partner = country(rec.get("partnerISO", ""), "partnerISO", "partner")
    p2_text = rec.get("partner2ISO", "")
    partner2 = None if p2_text.upper() in _NO_PARTNER2 else country(p2_text, "partner2ISO", "second partner")
    code = hs(rec.get("cmdCode", ""), "cmdCode", rule)
    when = period(rec.get("period", ""), "period")
    # primaryValue is Comtrade's headline value (CIF for imports, FOB for exports); fall back to those.
    value_col = next((c for c in ("primaryValue", "cifvalue" if flow.endswith("M") else "fobvalue")
                      if rec.get(c)), "primaryValue")
    value = amount(rec.get(value_col, ""), value_col, "value", required=True)
    props = {
        "reporter": reporter, "partner": partner, "partner2": partner2, "flow": flow, "hs_code": code,
        "period": when, "value": value,
        "quantity": amount(rec.get("qty", ""), "qty", "quantity"),
        "net_weight_kg": amount(rec.get("netWgt", ""), "netWgt", "net weight"),
    }
    ident = (reporter, partner, partner2, flow, code, when, rec.get("customsCode", ""), rec.get("motCode", ""))
    return props, ident


def read_comtrade(path: str | Path, *, source: str, mapping: str | Path | None = None) -> Iterator[Chunk]:
    """The common reader signature (see loaders.formats)."""
    p = Path(path)
    columns = source_columns(p, FIELDS, REQUIRED, mapping, "comtrade")
    cleaner = partial(_clean, code_rule(COMTRADE_CODES, columns.options, mapping))
    seen: dict[str, int] = {}
    for frame in renamed_frames(p, columns, FIELDS):
        yield flow_chunk(frame, cleaner, "comtrade", p.name, seen)
