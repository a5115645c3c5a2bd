"""Eurostat Comext extracts (EU trade by CN8 product): one TradeFlow per reporter, partner, flow,
product and period, in the same shape as Comtrade flows (flow 1 -> 'M', 2 -> 'X'; values in EUR).

Comext country codes are the EU's geonomenclature: mostly ISO alpha-2, with EU quirks normalised here
('EL' is Greece, 'UK' and 'XI' (Northern Ireland, since 2021) are the United Kingdom). Codes for
confidential or unspecified partners are rejected with that reason rather than guessed.

Columns: the bulk "full" files (full_v2: REPORTER, PARTNER, PRODUCT_NC, FLOW, STAT_PROCEDURE, PERIOD,
VALUE_EUR, QUANTITY_KG; before 2024: DECLARANT/DECLARANT_ISO, PARTNER/PARTNER_ISO, STAT_REGIME,
VALUE_IN_EUROS, QUANTITY_IN_KG) and Easy Comext exports. The old files carry numeric geonomenclature
codes in DECLARANT and PARTNER beside the ISO ones: the ISO column is read when both are there. A
full file splits a flow by statistical procedure (normal, inward/outward processing): the procedure is
part of a row's identity, so those rows are separate flows, not duplicates. Product codes are CN
codes as text (see loaders.hs: COMEXT_CODES); a value of 0 is published and kept.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from ..graph.errors import RowProblem
from ..graph.types import HsCode
from .base import Chunk
from .comtrade import amount, country, flow_chunk, hs, period, renamed_frames, source_columns
from .hs import COMEXT_CODES, code_rule

FIELDS = ("REPORTER", "PARTNER", "PRODUCT_NC", "FLOW", "STAT_PROCEDURE", "PERIOD", "VALUE_EUR", "QUANTITY_KG")
REQUIRED = ("REPORTER", "PARTNER", "PRODUCT_NC", "FLOW", "PERIOD", "VALUE_EUR")
# Other names the bulk files and the Easy Comext export use for a field, in order of preference (the
# canonical name itself comes after them): an ISO column before a numeric one of the same file.
ALIASES: dict[str, Sequence[str]] = {
    "REPORTER": ("DECLARANT_ISO", "REPORTER", "DECLARANT"), "PARTNER": ("PARTNER_ISO",),
    "STAT_PROCEDURE": ("STAT_REGIME",), "VALUE_EUR": ("VALUE_IN_EUROS",), "QUANTITY_KG": ("QUANTITY_IN_KG",)}
_EU_CODES = {"EL": "GR", "UK": "GB", "XI": "GB"}
_FLOWS = {"1": "M", "2": "X"}


def _country(text: str, column: str, what: str) -> str:
    code = (text or "").strip().upper()
    if len(code) == 2 and code.startswith("Q"):
        raise RowProblem(column, text, f"{what} {text!r} is a Comext code for confidential or unspecified countries")
    return country(_EU_CODES.get(code, code), column, what)


def _period(text: str) -> str:
    text = (text or "").strip()
    # Annual totals in the bulk files carry month 52.
    if len(text) == 6 and text.endswith("52"):
        text = text[:4]
    return period(text, "PERIOD")


def _clean(rule: HsCode, rec: dict[str, str]) -> tuple[dict[str, Any], tuple]:
    flow = _FLOWS.get(rec.get("FLOW", ""))
    if flow is None:
        raise RowProblem("FLOW", rec.get("FLOW"), f"FLOW {rec.get('FLOW')!r} is not 1 (import) or 2 (export)")
    reporter = _country(rec.get("REPORTER", ""), "REPORTER", "reporter")
    partner = _country(rec.get("PARTNER", ""), "PARTNER", "partner")
    code = hs(rec.get("PRODUCT_NC", ""), "PRODUCT_NC", rule)
    when = _period(rec.get("PERIOD", ""))
    props = {
        "reporter": reporter, "partner": partner, "partner2": None, "flow": flow, "hs_code": code,
        "period": when, "value": amount(rec.get("VALUE_EUR", ""), "VALUE_EUR", "value", required=True),
        "quantity": None, "net_weight_kg": amount(rec.get("QUANTITY_KG", ""), "QUANTITY_KG", "quantity (kg)"),
    }
    # The published codes identify the row: 'XI' and 'GB' rows are both the UK but are separate flows.
    raw = (rec.get("REPORTER", "").upper(), rec.get("PARTNER", "").upper())
    return props, (*raw, flow, code, when, *([rec["STAT_PROCEDURE"]] if rec.get("STAT_PROCEDURE") else []))


def read_comext(path: str | Path, *, source: str, mapping: str | Path | None = None) -> Iterator[Chunk]:
    """The common reader signature (see loaders.formats)."""
    p = Path(path)
    columns = source_columns(p, FIELDS, REQUIRED, mapping, "comext", ALIASES)
    cleaner = partial(_clean, code_rule(COMEXT_CODES, columns.options, mapping))
    seen: dict[str, int] = {}
    for frame in renamed_frames(p, columns, FIELDS):
        yield flow_chunk(frame, cleaner, "comext", p.name, seen)
