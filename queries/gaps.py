"""The sanctions gap report: which colony product groups, and which sibling codes used for
relabeling, a list of sanctioned HS codes leaves open, with the trade that still flows under them.

A sanction on one HS6 code is escaped by declaring the goods under a sibling (same HS4 heading or HS2
chapter): the report lists every such sibling that no sanctioned prefix covers and the shipments
and aggregate flows recorded under it, so the answer is to sanction whole product groups.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from graph.evidence import EvidenceStore, current_runs
from graph.store.base import GraphStore

from .saved import QueryError

COLONY_CODES = """
MATCH (c:Colony)
OPTIONAL MATCH (c)-[:MAKES]->(p:Product)
RETURN c.id AS colony, c.hs_codes AS hs_codes, collect(p.hs_code) AS made
"""
FLOW_TRADE = """
MATCH (t:TradeFlow)
RETURN t.source_kind AS kind, t.hs_code AS hs_code, count(t) AS n, sum(coalesce(t.value, 0)) AS value
"""
KNOWN_CODES = """
MATCH (p:Product)
WHERE p.level = 6
RETURN p.hs_code AS code
"""

# Aggregate values stay apart by source: Comtrade reports US dollars, Comext euros.
COLUMNS = ["kind", "code", "family", "status", "colonies", "sanctioned_nearby", "programs", "shipments",
           "shipment_value", "flows", "comtrade_value_usd", "comext_value_eur", "advice"]
_CLEAN = re.compile(r"[\s.\-]")


@dataclass(frozen=True)
class SanctionedCode:
    prefix: str
    program: str
    listed: str
    row: int


def read_sanctions(path: str | Path) -> list[SanctionedCode]:
    """A CSV with `hs_code` (2-10 digits, dots and spaces allowed) and optional `program`, `listed`.
    A bad code stops the report with its row: a silently skipped line would understate the list."""
    p = Path(path)
    if not p.is_file():
        raise QueryError(f"{p}: sanctions list not found")
    if p.stat().st_size == 0:
        raise QueryError(f"{p}: sanctions list is empty (0 bytes)")
    with open(p, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in reader.fieldnames or []]
        if "hs_code" not in header:
            raise QueryError(f"{p}: needs a column 'hs_code'; the file has {header}")
        out = []
        for row, rec in enumerate(reader, start=2):
            rec = {(k or "").strip(): (v or "").strip() for k, v in rec.items()}
            code = _CLEAN.sub("", rec.get("hs_code", ""))
            if not code:
                continue  # a blank line
            if not code.isdigit() or not 2 <= len(code) <= 10 or len(code) % 2:
                raise QueryError(f"{p}, row {row}: {rec['hs_code']!r} is not an HS code of 2 to 10 digits")
            out.append(SanctionedCode(code, rec.get("program", ""), rec.get("listed", ""), row))
    if not out:
        raise QueryError(f"{p}: no HS codes listed")
    return out


def _status(code: str, sanctions: list[SanctionedCode]) -> tuple[str, list[SanctionedCode]]:
    covering = [s for s in sanctions if code.startswith(s.prefix)]
    if covering:
        return "sanctioned", covering
    inside = [s for s in sanctions if s.prefix.startswith(code)]
    if inside:
        return "partly sanctioned", inside
    return "not sanctioned", []


def shipment_trade(store: GraphStore, evidence: EvidenceStore) -> dict[str, tuple[int, float]]:
    """Shipment count and value per HS6, from the evidence store's rows."""
    table = evidence.read(current_runs(store), columns=["hs6", "value"]).to_pandas()
    grouped = table.groupby("hs6")["value"].agg(["size", "sum"])
    return {code: (int(n), float(v)) for code, (n, v) in grouped.iterrows()}


def gap_report(store: GraphStore, sanctions: list[SanctionedCode], evidence: EvidenceStore) -> pd.DataFrame:
    colony_codes: dict[str, set[str]] = defaultdict(set)
    for rec in store.run(COLONY_CODES):
        for code in [*(rec["hs_codes"] or []), *(rec["made"] or [])]:
            colony_codes[_CLEAN.sub("", str(code))].add(rec["colony"])
    ship = shipment_trade(store, evidence)
    flow: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for r in store.run(FLOW_TRADE):
        acc = flow[str(r["hs_code"])[:6]]
        acc[0] += int(r["n"])
        acc[1 if r["kind"] == "comtrade" else 2] += float(r["value"])
    known = {r["code"] for r in store.run(KNOWN_CODES)} | set(ship) | set(flow)

    def trade(code: str) -> tuple[int, float, int, float, float]:
        s = [v for c, v in ship.items() if c.startswith(code)]
        f = [v for c, v in flow.items() if c.startswith(code)]
        return (sum(n for n, _ in s), sum(v for _, v in s), int(sum(x[0] for x in f)), sum(x[1] for x in f),
                sum(x[2] for x in f))

    rows: dict[tuple[str, str], dict[str, Any]] = {}

    def add(kind: str, code: str, family: str, near: list[SanctionedCode]) -> None:
        status, hits = _status(code, sanctions)
        if status == "sanctioned" or (kind, code) in rows:
            return
        n_s, v_s, n_f, usd, eur = trade(code)
        if kind == "HS2 sibling" and not (n_s or n_f):
            return  # a chapter has hundreds of codes: list only those that carry trade
        near_all = hits or near
        rows[(kind, code)] = {
            "kind": kind, "code": code, "family": family, "status": status,
            "colonies": ";".join(sorted(colony_codes.get(code, set())
                                        | {c for g, cs in colony_codes.items() if code.startswith(g) for c in cs})),
            "sanctioned_nearby": ";".join(sorted({s.prefix for s in near_all})),
            "programs": ";".join(sorted({s.program for s in near_all if s.program})),
            "shipments": n_s, "shipment_value": v_s, "flows": n_f, "comtrade_value_usd": usd,
            "comext_value_eur": eur,
            "advice": (f"sanction the whole group {family}" if status == "not sanctioned"
                       else f"only part of {code} is listed: sanction all of {code}"),
        }

    for code in sorted(colony_codes):
        family = code[:4] if len(code) >= 4 else code[:2]
        add("colony product group", code, family, [s for s in sanctions if s.prefix[:2] == code[:2]])
    for s in sanctions:
        if len(s.prefix) >= 6:
            family = s.prefix[:4]
            for code in sorted(c for c in known if c.startswith(family)):
                add("HS4 sibling", code, family, [s])
        if len(s.prefix) >= 4:
            chapter = s.prefix[:2]
            for code in sorted(c for c in known if c.startswith(chapter) and not c.startswith(s.prefix[:4])):
                add("HS2 sibling", code, chapter, [s])
    frame = pd.DataFrame(list(rows.values()), columns=COLUMNS)
    order = {"colony product group": 0, "HS4 sibling": 1, "HS2 sibling": 2}
    frame["_o"] = frame["kind"].map(order)
    return frame.sort_values(["_o", "code"]).drop(columns="_o").reset_index(drop=True)
