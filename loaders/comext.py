"""Eurostat Comext extracts (EU trade by CN8 product): one TradeFlow per reporter, partner, flow,
product and period, in the same shape as Comtrade flows (flow 1 -> 'M', 2 -> 'X'; values in EUR).

Comext country codes are the EU's geonomenclature: mostly ISO alpha-2, with EU quirks normalised here
('EL' is Greece, 'UK' and 'XI' (Northern Ireland, since 2021) are the United Kingdom). Codes for
confidential or unspecified partners are rejected with that reason rather than guessed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .base import Chunk
from .comtrade import Problem, amount, country, flow_chunk, hs, period, renamed_frames

FIELDS = ("REPORTER", "PARTNER", "PRODUCT_NC", "FLOW", "PERIOD", "VALUE_EUR", "QUANTITY_KG")
REQUIRED = ("REPORTER", "PARTNER", "PRODUCT_NC", "FLOW", "PERIOD", "VALUE_EUR")
# Names used by the bulk files and the Easy Comext export for the same columns.
ALIASES = {"DECLARANT": "REPORTER", "DECLARANT_ISO": "REPORTER", "PARTNER_ISO": "PARTNER",
           "VALUE_IN_EUROS": "VALUE_EUR", "QUANTITY_IN_KG": "QUANTITY_KG"}
_EU_CODES = {"EL": "GR", "UK": "GB", "XI": "GB"}
_FLOWS = {"1": "M", "2": "X"}


def _country(text: str, column: str, what: str) -> str:
    code = (text or "").strip().upper()
    if len(code) == 2 and code.startswith("Q"):
        raise Problem(f"{what} {text!r} is a Comext code for confidential or unspecified countries", column, text)
    return country(_EU_CODES.get(code, code), column, what)


def _period(text: str) -> str:
    text = (text or "").strip()
    # Annual totals in the bulk files carry month 52.
    if len(text) == 6 and text.endswith("52"):
        text = text[:4]
    return period(text, "PERIOD")


def _clean(rec: dict[str, str]) -> tuple[dict[str, Any], tuple]:
    flow = _FLOWS.get(rec.get("FLOW", ""))
    if flow is None:
        raise Problem(f"FLOW {rec.get('FLOW')!r} is not 1 (import) or 2 (export)", "FLOW", rec.get("FLOW"))
    reporter = _country(rec.get("REPORTER", ""), "REPORTER", "reporter")
    partner = _country(rec.get("PARTNER", ""), "PARTNER", "partner")
    code = hs(rec.get("PRODUCT_NC", ""), "PRODUCT_NC")
    when = _period(rec.get("PERIOD", ""))
    props = {
        "reporter": reporter, "partner": partner, "partner2": None, "flow": flow, "hs_code": code,
        "period": when, "value": amount(rec.get("VALUE_EUR", ""), "VALUE_EUR", "value", required=True),
        "quantity": None, "net_weight_kg": amount(rec.get("QUANTITY_KG", ""), "QUANTITY_KG", "quantity (kg)"),
    }
    # The published codes identify the row: 'XI' and 'GB' rows are both the UK but are separate flows.
    raw = (rec.get("REPORTER", "").upper(), rec.get("PARTNER", "").upper())
    return props, (*raw, flow, code, when)


def read_comext(path: str | Path, *, source: str, mapping: str | Path | None = None) -> Iterator[Chunk]:
    """The common reader signature (see loaders.formats)."""
    p = Path(path)
    seen: dict[str, int] = {}
    for frame in renamed_frames(p, FIELDS, REQUIRED, mapping, ALIASES):
        yield flow_chunk(frame, _clean, "comext", p.name, seen)
