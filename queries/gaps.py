"""The sanctions gap report: which colony product groups, and which sibling codes used for
relabeling, a list of sanctioned HS codes leaves open, with the trade that still flows under them.

A sanction on one HS6 code is escaped by declaring the goods under a sibling (same HS4 heading or HS2
chapter): the report lists every such sibling that no sanctioned prefix covers and the shipments
and aggregate flows recorded under it, so the answer is to sanction whole product groups.

Codes are compared at the precision each side gives: lists name HS6, CN8 (the EU annexes), 10-digit
(HMRC, TARIC) or 9-digit codes; trade keeps its codes as published. Past HS6, digits compare only within
the CN family (CN8 and the 10-digit codes built on it: TARIC, UK, EAEU TN VED); a 9-digit Japanese code
compares with a CN8 list at its HS6 (a 10-digit US HTS code is taken as CN-based: list HS6 codes for US
data). A code is covered when a listed code is its prefix, or when every finer code known under it (from
the nomenclature loaded with `conveyor load hs`, CN8 and 10-digit lines included, and from the trade
loaded) is covered: a CN8 family listed whole is sanctioned, not "partly". Trade under a listed code is
not an open gap. Where every code known under a group is listed but no nomenclature at that precision is
loaded to show the group has no other codes, the status says "listed as far as known" instead of
guessing either way.
"""

from __future__ import annotations

import bisect
import csv
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..graph.errors import RowProblem
from ..graph.evidence import EvidenceStore, current_runs
from ..graph.store.base import GraphStore
from ..graph.types import HS_SEPARATORS, HsCode
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
WHERE p.level >= 6
RETURN p.hs_code AS code, p.level AS level, p.description AS description
"""

# Aggregate values stay apart by source: Comtrade reports US dollars, Comext euros.
COLUMNS = ["kind", "code", "family", "status", "colonies", "sanctioned_nearby", "programs", "shipments",
           "shipment_value", "flows", "comtrade_value_usd", "comext_value_eur", "advice"]
# Sanctions lists publish HS2/HS4/HS6, CN8 and 9- or 10-digit national lines (7 digits: a CN8 that lost
# its leading zero, refused like 1, 3 and 5).
LISTED_CODES = HsCode("sanctions list", (2, 4, 6, 8, 9, 10))
_CLEAN = re.compile(HS_SEPARATORS)  # codes stored before colonies' codes were cleaned at load


@dataclass(frozen=True)
class SanctionedCode:
    prefix: str
    program: str
    listed: str
    row: int


def read_sanctions(path: str | Path) -> list[SanctionedCode]:
    """A CSV with `hs_code` (HS2, HS4, or 6 to 10 digits as lists publish them: HS6, CN8, 9- and 10-digit
    national codes; dots and spaces allowed) and optional `program`, `listed`.
    A bad code stops the report with its row: a silently skipped line would understate the list."""
    p = Path(path)
    if not p.is_file():
        raise QueryError(f"{p}: sanctions list not found")
    if p.stat().st_size == 0:
        raise QueryError(f"{p}: sanctions list is empty (0 bytes)")
    try:
        out = _read_codes(p)
    except UnicodeDecodeError as exc:
        line = p.read_bytes()[:exc.start].count(b"\n") + 1
        raise QueryError(f"{p}, row {line}: is not UTF-8 text (byte 0x{exc.object[exc.start]:02x}); "
                         "save it as UTF-8") from None
    if not out:
        raise QueryError(f"{p}: no HS codes listed")
    return out


def _read_codes(p: Path) -> list[SanctionedCode]:
    with open(p, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in reader.fieldnames or []]
        if "hs_code" not in header:
            raise QueryError(f"{p}: needs a column 'hs_code'; the file has {header}")
        out = []
        for row, rec in enumerate(reader, start=2):
            rec = {(k or "").strip(): (v or "").strip() for k, v in rec.items()}
            try:
                code = LISTED_CODES.clean(rec.get("hs_code", ""))
            except RowProblem as problem:
                raise QueryError(f"{p}, row {row}: {problem.reason}") from None
            if code is None:
                continue  # a blank line
            out.append(SanctionedCode(code, rec.get("program", ""), rec.get("listed", ""), row))
    return out


def _cn_based(code: str) -> bool:
    """HS (up to 6 digits) or a CN-based line: CN8, and the 10-digit TARIC, UK and EAEU codes that extend
    it. Other national codes (Japan's 9 digits) share only the HS6 with them."""
    return len(code) <= 6 or len(code) in (8, 10)


def _comparable(code: str, prefix: str) -> bool:
    """Digits past HS6 compare only within one family of nomenclatures."""
    return len(prefix) <= 6 or _cn_based(code) == _cn_based(prefix)


class Coverage:
    """Which codes a list covers, at the precision of each: a code is covered when a listed code is its
    prefix, or when every finer code known under it is covered."""

    def __init__(self, sanctions: list[SanctionedCode], known: Iterable[str], nomenclature: Iterable[str]):
        self.sanctions = sanctions
        self.known = sorted(set(known))
        self.nomenclature = sorted(set(nomenclature))  # codes finer than HS6 from a loaded nomenclature
        self._memo: dict[str, str] = {}

    def listing(self, code: str) -> list[SanctionedCode]:
        return [s for s in self.sanctions if code.startswith(s.prefix) and _comparable(code, s.prefix)]

    def inside(self, code: str) -> list[SanctionedCode]:
        return [s for s in self.sanctions if s.prefix.startswith(code) and s.prefix != code]

    @staticmethod
    def _under(codes: list[str], code: str) -> list[str]:
        at = bisect.bisect_right(codes, code)
        out = []
        while at < len(codes) and codes[at].startswith(code):
            out.append(codes[at])
            at += 1
        return out

    def status(self, code: str) -> str:
        """'sanctioned', 'listed as far as known', 'partly sanctioned' or 'not sanctioned'."""
        if code not in self._memo:
            self._memo[code] = self._status(code)
        return self._memo[code]

    def _status(self, code: str) -> str:
        if self.listing(code):
            return "sanctioned"
        if not _cn_based(code):  # a national code (Japan's 9 digits): its digits past HS6 are not CN's
            return self.status(code[:6])
        if not self.inside(code):
            return "not sanctioned"
        finer = [c for c in self._under(self.known, code) if _cn_based(c)]
        # The finest codes known under this one (a sorted list: a code's extensions follow it).
        leaves = [c for i, c in enumerate(finer) if not (i + 1 < len(finer) and finer[i + 1].startswith(c))]
        if not leaves or not all(self.listing(c) for c in leaves):
            return "partly sanctioned"
        # Every known finer code is listed: sure only if a nomenclature lists what exists under it.
        return "sanctioned" if self._under(self.nomenclature, code) else "listed as far as known"

    def open(self, code: str) -> bool:
        """Trade recorded under this code is an open gap (not under a listed code or a family listed whole)."""
        return self.status(code) not in ("sanctioned", "listed as far as known")


def shipment_trade(store: GraphStore, evidence: EvidenceStore) -> dict[str, tuple[int, float]]:
    """Shipment count and value per code as declared (HS6, CN8, national codes)."""
    table = evidence.read(current_runs(store), columns=["hs_code", "value"]).to_pandas()
    grouped = table.groupby("hs_code")["value"].agg(["size", "sum"])
    return {code: (int(n), float(v)) for code, (n, v) in grouped.iterrows()}


def gap_report(store: GraphStore, sanctions: list[SanctionedCode], evidence: EvidenceStore) -> pd.DataFrame:
    colony_codes: dict[str, set[str]] = defaultdict(set)
    for rec in store.run(COLONY_CODES):
        for code in [*(rec["hs_codes"] or []), *(rec["made"] or [])]:
            colony_codes[_CLEAN.sub("", str(code))].add(rec["colony"])
    ship = shipment_trade(store, evidence)
    flow: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for r in store.run(FLOW_TRADE):
        acc = flow[str(r["hs_code"])]
        acc[0] += int(r["n"])
        acc[1 if r["kind"] == "comtrade" else 2] += float(r["value"] or 0)
    products = store.run(KNOWN_CODES)
    nomenclature = [r["code"] for r in products if (r["level"] or 0) > 6 and r["description"]]
    trade_codes = set(ship) | set(flow)
    known = {r["code"] for r in products} | trade_codes | {c[:6] for c in trade_codes if len(c) > 6}
    cover = Coverage(sanctions, known, nomenclature)
    open_ship = {c: v for c, v in ship.items() if cover.open(c)}
    open_flow = {c: v for c, v in flow.items() if cover.open(c)}

    def trade(code: str) -> tuple[int, float, int, float, float]:
        s = [v for c, v in open_ship.items() if c.startswith(code)]
        f = [v for c, v in open_flow.items() if c.startswith(code)]
        return (sum(n for n, _ in s), sum(v for _, v in s), int(sum(x[0] for x in f)), sum(x[1] for x in f),
                sum(x[2] for x in f))

    rows: dict[tuple[str, str], dict[str, Any]] = {}

    def add(kind: str, code: str, family: str, near: list[SanctionedCode]) -> None:
        status = cover.status(code)
        if status == "sanctioned" or (kind, code) in rows:
            return
        n_s, v_s, n_f, usd, eur = trade(code)
        if kind == "HS2 sibling" and not (n_s or n_f):
            return  # a chapter has hundreds of codes: list only those that carry trade
        near_all = cover.inside(code) or near
        rows[(kind, code)] = {
            "kind": kind, "code": code, "family": family, "status": status,
            "colonies": ";".join(sorted(colony_codes.get(code, set())
                                        | {c for g, cs in colony_codes.items() if code.startswith(g) for c in cs})),
            "sanctioned_nearby": ";".join(sorted({s.prefix for s in near_all})),
            "programs": ";".join(sorted({s.program for s in near_all if s.program})),
            "shipments": n_s, "shipment_value": v_s, "flows": n_f, "comtrade_value_usd": usd,
            "comext_value_eur": eur, "advice": _advice(status, code, family),
        }

    for code in sorted(colony_codes):
        family = code[:4] if len(code) >= 4 else code[:2]
        add("colony product group", code, family, [s for s in sanctions if s.prefix[:2] == code[:2]])
    for s in sanctions:
        if len(s.prefix) >= 6:
            family = s.prefix[:4]
            for code in sorted(c for c in known if c.startswith(family) and len(c) == 6):
                add("HS4 sibling", code, family, [s])
            # A code listed finer than HS6 is escaped under its siblings in the same HS6, at its precision.
            for code in sorted(c for c in known if c.startswith(s.prefix[:6]) and 6 < len(c) <= len(s.prefix)):
                add("HS4 sibling", code, family, [s])
        if len(s.prefix) >= 4:
            chapter = s.prefix[:2]
            for code in sorted(c for c in known if c.startswith(chapter) and not c.startswith(s.prefix[:4])
                               and len(c) == 6):
                add("HS2 sibling", code, chapter, [s])
    frame = pd.DataFrame(list(rows.values()), columns=COLUMNS)
    order = {"colony product group": 0, "HS4 sibling": 1, "HS2 sibling": 2}
    frame["_o"] = frame["kind"].map(order)
    return frame.sort_values(["_o", "code"]).drop(columns="_o").reset_index(drop=True)


def _advice(status: str, code: str, family: str) -> str:
    if status == "not sanctioned":
        return f"sanction the whole group {family}"
    if status == "listed as far as known":
        return (f"every code known under {code} is listed; load the nomenclature at that precision "
                f"(conveyor load hs) to confirm {code} has no other codes")
    return f"only part of {code} is listed: sanction all of {code}"
