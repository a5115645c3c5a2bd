"""Country-level analyses of aggregate flows (TradeFlow: Comtrade, Comext), in pandas on data pulled
with parameterised Cypher.

- Mirror gaps (after Fisman & Wei 2004, "Tax rates and tax evasion: evidence from 'missing imports'
  in China", JPE 112(2)): what an exporter reports sending vs what the importer reports receiving,
  per code, country pair and period. Imports are valued CIF and exports FOB, so imports normally
  exceed exports by a few percent; a gap beyond that allowance, or a flow only one side reports, is
  where mislabeling, under-invoicing or a hidden origin shows. A flow only one side reports is a
  gap only if the other country's own reports for that period and direction are loaded: when they
  are not (the country did not report to Comtrade, is not a Comext reporter, or its file is not
  loaded) the row says "partner did not report / not loaded" and is not flagged; mirror statistics
  exist to stand in for exactly those missing reports (UN Comtrade, "Mirror statistics").
- Code switching: after a sanctions date, a code whose flows fall while its sibling codes (same HS4
  family, or HS2) rise for the same reporter and partner; and flows moving to transit countries.

Every function returns a DataFrame a user can export (CSV/JSON).
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Sequence

import pandas as pd

from ..graph.errors import SettingError
from ..graph.store.base import GraphStore

FLOWS_CYPHER = """
MATCH (t:TradeFlow)
WHERE ($period = '' OR t.period STARTS WITH $period) AND t.flow IN $flows
RETURN t.source_kind AS source_kind, t.reporter AS reporter, t.partner AS partner, t.flow AS flow,
       t.hs_code AS hs_code, t.period AS period, t.value AS value
"""

# Countries widely reported as transit routes for goods under sanctions on Belarus and Russia.
TRANSIT_COUNTRIES: tuple[str, ...] = ("KZ", "AM", "KG", "AE", "TR", "UZ", "GE")

MIRROR_COLUMNS = ["source_kind", "hs_code", "exporter", "importer", "period", "exports_reported",
                  "imports_reported", "gap", "log_ratio", "excess_log_ratio", "status", "flagged", "reason"]
# What a mirror row is: both sides compared, one side missing although that country's reports for the
# period are loaded (a gap), or the other country's reports not loaded at all (nothing to compare).
BOTH, ONLY_EXPORTER, ONLY_IMPORTER, NOT_REPORTED = (
    "both report", "only the exporter reports", "only the importer reports", "partner did not report / not loaded")
PERIODS_DIFFER = "partner reports other periods"
SWITCH_COLUMNS = ["source_kind", "reporter", "flow", "partner", "family", "code", "code_before", "code_after",
                  "code_change", "siblings", "siblings_before", "siblings_after", "siblings_change", "flagged"]
TRANSIT_COLUMNS = ["source_kind", "reporter", "flow", "family", "partner", "before", "after", "change",
                   "share_before", "share_after", "flagged"]


def flows(store: GraphStore, period: str = "", kinds: Sequence[str] = ("M", "X")) -> pd.DataFrame:
    rows = store.run(FLOWS_CYPHER, {"period": period, "flows": list(kinds)})
    frame = pd.DataFrame(rows, columns=["source_kind", "reporter", "partner", "flow", "hs_code", "period", "value"])
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").fillna(0.0)
    return frame


def mirror_gaps(store: GraphStore, *, level: int = 6, period: str = "", threshold: float = 0.25,
                cif_fob: float = 0.05, annual: bool = False, flagged_only: bool = False) -> pd.DataFrame:
    """Exporter-reported exports (X) against importer-reported imports (M) of the same code, pair and
    period, within one source (values of different sources are in different currencies).

    log_ratio = ln(imports / exports); the CIF/FOB allowance expects ln(1 + cif_fob); a pair is
    flagged when |log_ratio - ln(1 + cif_fob)| > threshold, or when only one side reports the flow
    although the other country's reports for that period and direction are loaded (status says which).
    """
    if level not in (2, 4, 6, 8, 10):
        raise SettingError(f"level must be 2, 4, 6, 8 or 10, got {level}")
    data = flows(store, period)
    data = data[data["hs_code"].str.len() >= level].copy()
    data["hs_code"] = data["hs_code"].str[:level]
    if annual:
        data["period"] = data["period"].str[:4]
    exports = data[data["flow"] == "X"].rename(columns={"reporter": "exporter", "partner": "importer"})
    imports = data[data["flow"] == "M"].rename(columns={"reporter": "importer", "partner": "exporter"})
    keys = ["source_kind", "hs_code", "exporter", "importer", "period"]
    x = exports.groupby(keys, as_index=False)["value"].sum().rename(columns={"value": "exports_reported"})
    m = imports.groupby(keys, as_index=False)["value"].sum().rename(columns={"value": "imports_reported"})
    out = x.merge(m, on=keys, how="outer")
    if out.empty:
        return pd.DataFrame(columns=MIRROR_COLUMNS)
    expected = math.log1p(cif_fob)
    # Who reported what: (source, reporter, flow, period) with any flow at this level and period.
    reported = set(zip(data["source_kind"], data["reporter"], data["flow"], data["period"], strict=True))
    # The same, by year: a country that reports whole years is not missing from a month's comparison.
    reported_years = {(k, r, f, p[:4]) for k, r, f, p in reported}
    rows = []
    for rec in out.to_dict("records"):
        ex, im = rec["exports_reported"], rec["imports_reported"]
        ex = None if pd.isna(ex) else float(ex)
        im = None if pd.isna(im) else float(im)
        rec.update(exports_reported=ex, imports_reported=im, gap=None, log_ratio=None, excess_log_ratio=None)
        kind, when = rec["source_kind"], rec["period"]
        if ex is None or im is None:
            country, flow, side = ((rec["exporter"], "X", "exports") if ex is None
                                   else (rec["importer"], "M", "imports"))
            if (kind, country, flow, when) in reported:
                rec.update(status=ONLY_IMPORTER if ex is None else ONLY_EXPORTER, flagged=True,
                           reason=f"{'only the importer' if ex is None else 'only the exporter'} reports this "
                                  f"flow, though {country}'s {side} for {when} are loaded")
            elif (kind, country, flow, when[:4]) in reported_years:
                rec.update(status=PERIODS_DIFFER, flagged=False,
                           reason=f"{country} reports its {side} of {when[:4]} for other periods (a whole year, "
                                  "or months): compare with --annual")
            else:
                rec.update(status=NOT_REPORTED, flagged=False,
                           reason=f"{country}'s own {side} for {when} are not loaded in {kind} at HS{level} "
                                  f"({country} did not report, or that file is not loaded): nothing to compare")
        else:
            rec.update(status=BOTH, **_compare(ex, im, expected, threshold, cif_fob))
        rows.append(rec)
    result = pd.DataFrame(rows, columns=MIRROR_COLUMNS)
    if flagged_only:
        result = result[result["flagged"]]
    return result.sort_values(["flagged", "hs_code", "exporter", "importer", "period"],
                              ascending=[False, True, True, True, True]).reset_index(drop=True)


def _compare(ex: float, im: float, expected: float, threshold: float, cif_fob: float) -> dict:
    """Both sides reported: the log ratio against the CIF/FOB allowance. A published 0 is a value:
    nil against nil agrees; nil against a value is a gap no ratio can measure."""
    if ex == 0 or im == 0:
        if ex == im:
            return {"gap": 0.0, "flagged": False, "reason": ""}
        return {"gap": im - ex, "flagged": True,
                "reason": f"{'exports' if ex == 0 else 'imports'} reported as 0 against {max(ex, im):g}"}
    ratio = math.log(im / ex)
    excess = ratio - expected
    flagged = abs(excess) > threshold
    return {"gap": im - ex, "log_ratio": round(ratio, 6), "excess_log_ratio": round(excess, 6), "flagged": flagged,
            "reason": (("imports exceed" if excess > 0 else "imports fall short of")
                       + f" exports by more than the CIF/FOB allowance ({cif_fob:.0%}) plus {threshold}"
                       if flagged else "")}


def period_bounds(period: str) -> tuple[str, str]:
    """'2023' -> ('2023-01-01', '2023-12-31'); '2023-05' -> ('2023-05-01', '2023-05-31')."""
    year = int(period[:4])
    if len(period) >= 7:
        month = int(period[5:7])
        return f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"
    return f"{year:04d}-01-01", f"{year:04d}-12-31"


def _windowed(data: pd.DataFrame, date: str) -> pd.DataFrame:
    """Periods wholly before or wholly from the sanctions date; a period that straddles it says
    nothing clean about either side and is left out."""
    bounds = data["period"].map(period_bounds)
    side = [("before" if end < date else "after" if start >= date else None) for start, end in bounds]
    out = data.assign(side=side)
    return out[out["side"].notna()]


def _months(period: str) -> list[str]:
    return [period] if len(period) >= 7 else [f"{period[:4]}-{m:02d}" for m in range(1, 13)]


def _averages(data: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Average value per month on each side, so windows of different length compare and annual and
    monthly periods of one source can be mixed: the months a source covers on a side are the union
    of the months its reported periods span."""
    covered = {(kind, side): len({m for p in group["period"].unique() for m in _months(p)})
               for (kind, side), group in data.groupby(["source_kind", "side"])}
    total = data.groupby([*keys, "side"], as_index=False)["value"].sum()
    total["avg"] = [v / covered[(k, sd)] for v, k, sd in
                    zip(total["value"], total["source_kind"], total["side"], strict=True)]
    wide = total.pivot_table(index=keys, columns="side", values="avg", fill_value=0.0).reset_index()
    for side in ("before", "after"):
        if side not in wide:
            wide[side] = 0.0
    wide.columns.name = None
    return wide


def _change(before: float, after: float) -> float | None:
    return None if before == 0 else round(after / before - 1, 6)


def _matches(code: str, prefixes: Sequence[str]) -> bool:
    """At the precision both have: HS6 940360 matches 94, 9403, 940360 and the CN8 94036010."""
    return any(code.startswith(p) or p.startswith(code) for p in prefixes)


def code_switching(store: GraphStore, *, sanctions_date: str, codes: Sequence[str] = (), family_level: int = 4,
                   drop: float = 0.3, rise: float = 0.3, period: str = "") -> pd.DataFrame:
    """Per reporter, flow, partner and HS family: codes (HS6) whose average flow fell by more than
    `drop` after the date while the sum of their sibling codes rose by more than `rise`. With `codes`,
    only codes under those prefixes (e.g. the sanctioned ones) are examined as the falling code; a code
    finer than HS6 (a CN8, a 10-digit line) works like its HS6: codes compare at the precision both have."""
    data = flows(store, period)
    data = data[data["hs_code"].str.len() >= 6].assign(code=lambda d: d["hs_code"].str[:6])
    data = _windowed(data, sanctions_date)
    if data.empty:
        return pd.DataFrame(columns=SWITCH_COLUMNS)
    keys = ["source_kind", "reporter", "flow", "partner", "code"]
    wide = _averages(data, keys)
    wide["family"] = wide["code"].str[:family_level]
    prefixes = [c for c in codes if c]
    rows = []
    for (kind, reporter, flow, partner, family), group in wide.groupby(
            ["source_kind", "reporter", "flow", "partner", "family"]):
        for rec in group.to_dict("records"):
            if prefixes and not _matches(rec["code"], prefixes):
                continue
            sib = group[group["code"] != rec["code"]]
            if prefixes:  # siblings under a sanctioned prefix are not an escape route
                sib = sib[~sib["code"].map(lambda c: _matches(c, prefixes))]
            if sib.empty:
                continue
            sb, sa = float(sib["before"].sum()), float(sib["after"].sum())
            cb, ca = float(rec["before"]), float(rec["after"])
            flagged = cb > 0 and ca < cb * (1 - drop) and sa > sb * (1 + rise)
            rows.append({"source_kind": kind, "reporter": reporter, "flow": flow, "partner": partner,
                         "family": family, "code": rec["code"], "code_before": cb, "code_after": ca,
                         "code_change": _change(cb, ca), "siblings": ";".join(sorted(sib["code"])),
                         "siblings_before": sb, "siblings_after": sa, "siblings_change": _change(sb, sa),
                         "flagged": bool(flagged)})
    result = pd.DataFrame(rows, columns=SWITCH_COLUMNS)
    return result.sort_values(["flagged", "family", "reporter", "partner", "code"],
                              ascending=[False, True, True, True, True]).reset_index(drop=True)


def transit_shift(store: GraphStore, *, sanctions_date: str, codes: Sequence[str] = (), family_level: int = 4,
                  transit: Sequence[str] = TRANSIT_COUNTRIES, rise: float = 0.5, period: str = "") -> pd.DataFrame:
    """Per reporter, flow and HS family: flows with each transit country before and after the date,
    and their share of the family's flows; flagged when the flow rose by more than `rise` and the
    share grew (a new transit partner counts as a rise), if the family had flows before the date."""
    data = flows(store, period)
    data = data[data["hs_code"].str.len() >= family_level].assign(family=lambda d: d["hs_code"].str[:family_level])
    if codes:
        data = data[data["hs_code"].map(lambda c: any(c.startswith(p[:family_level]) for p in codes))]
    data = _windowed(data, sanctions_date)
    if data.empty:
        return pd.DataFrame(columns=TRANSIT_COLUMNS)
    wide = _averages(data, ["source_kind", "reporter", "flow", "family", "partner"])
    totals = wide.groupby(["source_kind", "reporter", "flow", "family"], as_index=False)[["before", "after"]].sum()
    totals = totals.rename(columns={"before": "family_before", "after": "family_after"})
    wide = wide.merge(totals, on=["source_kind", "reporter", "flow", "family"])
    wide = wide[wide["partner"].isin(list(transit))].copy()
    if wide.empty:
        return pd.DataFrame(columns=TRANSIT_COLUMNS)
    wide["share_before"] = (wide["before"] / wide["family_before"].where(wide["family_before"] > 0)).fillna(0.0)
    wide["share_after"] = (wide["after"] / wide["family_after"].where(wide["family_after"] > 0)).fillna(0.0)
    wide["change"] = [_change(b, a) for b, a in zip(wide["before"], wide["after"], strict=True)]
    # A reporter with no flows of the family before the date has no baseline to shift from.
    wide["flagged"] = [bool(fb > 0 and a > b * (1 + rise) and sa > sb) for b, a, sb, sa, fb in
                       zip(wide["before"], wide["after"], wide["share_before"], wide["share_after"],
                           wide["family_before"], strict=True)]
    wide[["share_before", "share_after"]] = wide[["share_before", "share_after"]].round(6)
    result = wide[TRANSIT_COLUMNS]
    return result.sort_values(["flagged", "family", "reporter", "partner"],
                              ascending=[False, True, True, True]).reset_index(drop=True)


def to_records(frame: pd.DataFrame) -> list[dict]:
    """Plain JSON-able rows (NaN -> None)."""
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
            for row in frame.astype(object).to_dict("records")]
