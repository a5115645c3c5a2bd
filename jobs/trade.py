"""Graph work derived from shipments, done only for what a load touched.

SUPPLIES (seller -> buyer) and NOTIFIES (notify party -> consignee) aggregate every current evidence row
of a pair: HS codes, declared origins, first and last date, count, value, and the sources behind them.
A pair is recomputed when a load added or withdrew rows for it, from the evidence store, column-wise;
nothing here scans the graph. Role labels (Dealer, Intermediary, Buyer) are recomputed for the
companies at either end of a touched pair.

Provenance: what this job writes carries JOB's Provenance (graph/rows.Provenance.derived: source
"derived:trade", the run of the load that caused it), in source_runs and derived_by on SUPPLIES and
NOTIFIES, in derived_by on the companies whose roles it set; SUPPLIES' `sources` name the sources of
the shipment rows behind it.

Cost: the evidence read is filtered to the touched sellers (Parquet predicate), so an incremental load
pays for its own pairs plus the earlier rows of the same sellers; the role check reads two columns of the
evidence (seller, buyer) — columnar, ~50M rows/s — not the graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..graph import cypher
from ..graph.evidence import EvidenceStore, current_runs
from ..graph.rows import Provenance
from ..graph.store.base import GraphStore

JOB = "trade"
TRADE_ROLES = ("Dealer", "Intermediary", "Buyer")
_PLURAL = {"Dealer": "dealer(s)", "Intermediary": "intermediary(ies)", "Buyer": "buyer(s)"}
PRODUCERS = "MATCH (:Colony)-[:OPERATES]->(p:Company) RETURN DISTINCT p.id AS id"
ROWS_PER_BUCKET = 500_000  # evidence rows per derivation group: bounded memory, aggregation beside writes
_AGG_COLUMNS = ["seller", "buyer", "notify", "date", "hs_code", "value", "origin_country", "source"]


def derive_trade(store: GraphStore, evidence: EvidenceStore, change: Any) -> Iterator[str]:
    """The Deriver for loaders.shipments_load: SUPPLIES, NOTIFIES and roles for `change`'s pairs."""
    runs = change.runs_after
    job = Provenance.derived(JOB, change.prov)
    buckets = max(1, evidence.row_count(runs) // ROWS_PER_BUCKET)
    supplies = _derive_pairs(store, evidence, change, "SUPPLIES", change.pairs, "seller", buckets, job)
    notifies = _derive_pairs(store, evidence, change, "NOTIFIES",
                             change.notify_pairs.rename(columns={"notify": "seller"}), "notify", buckets, job)
    companies = set(change.pairs["seller"]) | set(change.pairs["buyer"])
    roles = refresh_roles(store, evidence, runs, companies, job)
    yield (f"derived: SUPPLIES {supplies['created']:,} new, {supplies['updated']:,} recomputed, "
           f"{supplies['deleted']:,} withdrawn; NOTIFIES {notifies['created'] + notifies['updated']:,}; "
           f"roles recomputed for the {len(companies):,} companies at either end: "
           + ", ".join(f"{v:,} {_PLURAL[k]}" for k, v in roles.items()) + " (the others: producers, or sellers only)")


def _derive_pairs(store: GraphStore, evidence: EvidenceStore, change: Any, rel: str,
                  pairs: pd.DataFrame, start_column: str, buckets: int, job: Provenance) -> dict[str, int]:
    """Pairs by groups of their first company: a pair's rows all share it, so each group is complete
    on its own. Memory stays bounded by a group's rows, and while the server writes one group the
    client aggregates the next (the two cores work at once)."""
    counts = {"created": 0, "updated": 0, "deleted": 0}
    if pairs.empty:
        return counts
    group = pd.util.hash_array(pairs["seller"].to_numpy(dtype=object)) % buckets
    ids = _NodeIds(store)
    with _Writer(store) as writer:
        for bucket in range(buckets):
            part = pairs[group == bucket] if buckets > 1 else pairs
            starts = set(part["seller"])
            plan = _plan_pairs(rel, part, start_column, _rows(evidence, change.runs_after, start_column, starts),
                               _rows(evidence, change.runs_before, start_column, starts), change.runs_after)
            counts["deleted"] += _deleted(writer.wait())  # the previous group is written: one group queued
            _submit_plan(writer, rel, plan, job, ids)
            counts["created"] += len(plan.new)
            counts["updated"] += len(plan.kept)
        counts["deleted"] += _deleted(writer.wait())
    return counts


def _deleted(results: list[Any]) -> int:
    return sum(rows[0]["deleted"] for rows in results if rows and "deleted" in rows[0])


def _rows(evidence: EvidenceStore, runs: dict[str, str], column: str, values: set[str]) -> pd.DataFrame:
    """Current rows whose `column` (seller, or notify for NOTIFIES) is one of `values`."""
    if not runs or not values:
        return pd.DataFrame(columns=_AGG_COLUMNS)
    return evidence.read(runs, columns=_AGG_COLUMNS, where=(column, values)).to_pandas()


@dataclass
class _PairPlan:
    new: pd.DataFrame  # pairs with rows now and none before: CREATE
    kept: pd.DataFrame  # pairs with rows before and now: MERGE, every property replaced
    gone: list[tuple[str, str]]  # pairs whose rows are all withdrawn: DELETE


def _plan_pairs(rel: str, pairs: pd.DataFrame, start_column: str, after: pd.DataFrame, before: pd.DataFrame,
                runs: dict[str, str]) -> _PairPlan:
    wanted = pd.MultiIndex.from_frame(pairs[["seller", "buyer"]])
    now = _aggregate(after, start_column, wanted, rel, runs)
    existed = _pair_index(before, start_column).intersection(wanted)
    return _PairPlan(now[~now.index.isin(existed)], now[now.index.isin(existed)],
                     list(existed.difference(now.index)))


def _submit_plan(writer: _Writer, rel: str, plan: _PairPlan, job: Provenance, ids: _NodeIds) -> None:
    size = writer.store.batch_size
    prov = cypher.prov_params(job)
    for frame, create in ((plan.new, True), (plan.kept, False)):
        records, sources = _shared_sources(ids.endpoints(_records(frame)))
        statement = (cypher.write_derived_relationships_by_id_cypher if ids.enabled
                     else cypher.write_derived_relationships_cypher)(rel, "Company", "Company", create=create)
        writer.submit(statement, ({"rows": batch, "prov": prov, "sources": sources}
                                  for batch in _batches(records, size)))
    delete = cypher.delete_relationships_cypher(rel, "Company", "Company")
    writer.submit(delete, ({"rows": batch} for batch in _batches(cypher.endpoint_params(plan.gone), size)))


def _shared_sources(records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """The most common `sources` list travels once per batch ($sources) instead of once per row:
    parsing list parameters is most of the server's cost per edge."""
    if not records:
        return records, []
    counts: dict[tuple[str, ...], int] = {}
    for r in records:
        counts[tuple(r["sources"])] = counts.get(tuple(r["sources"]), 0) + 1
    common = list(max(counts.items(), key=lambda item: item[1])[0])
    return [{k: v for k, v in r.items() if k != "sources"} if r["sources"] == common else r
            for r in records], common


class _NodeIds:
    """Company key -> internal node id, looked up once per company (not twice per edge) on stores
    that have them. Taken after every node of the load is written, inside the load: stable until it ends."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.enabled = store.internal_ids
        self.known: dict[str, int] = {}

    def endpoints(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not self.enabled or not records:
            return records
        missing = sorted({r[k] for r in records for k in ("start", "end")} - self.known.keys())
        statement = cypher.node_ids_cypher("Company")
        for offset in range(0, len(missing), self.store.batch_size):
            for row in self.store.run(statement, {"ids": missing[offset:offset + self.store.batch_size]}):
                self.known[row["key"]] = row["node_id"]
        # A key with no node (cannot happen inside a load, whose companies were written first) keeps
        # id -1, which matches nothing: the edge is not written rather than attached to a wrong node.
        # The keys are not sent: the statement reads only row.a and row.b (less text to encode and parse).
        return [{**{k: v for k, v in r.items() if k not in ("start", "end")},
                 "a": self.known.get(r["start"], -1), "b": self.known.get(r["end"], -1)} for r in records]


def _pair_index(rows: pd.DataFrame, start_column: str) -> pd.MultiIndex:
    frame = rows[[start_column, "buyer"]].dropna().drop_duplicates()
    return pd.MultiIndex.from_frame(frame, names=["seller", "buyer"])


def _aggregate(rows: pd.DataFrame, start_column: str, wanted: pd.MultiIndex, rel: str,
               runs: dict[str, str]) -> pd.DataFrame:
    """One row per wanted pair that still has evidence, with every property the schema declares."""
    rows = rows[rows[start_column].notna()]
    rows = rows.rename(columns={start_column: "start"})
    rows = rows[pd.MultiIndex.from_frame(rows[["start", "buyer"]]).isin(wanted)]
    pair_codes, pairs = pd.factorize(pd.MultiIndex.from_frame(rows[["start", "buyer"]]))
    dates = rows["date"].to_numpy(dtype=object)
    index = (pd.MultiIndex.from_tuples(list(pairs), names=["seller", "buyer"]) if len(pairs)
             else pd.MultiIndex.from_arrays([[], []], names=["seller", "buyer"]))
    out = pd.DataFrame(index=index)
    by_pair = pd.Series(dates).groupby(pair_codes)
    out["first"] = by_pair.min().to_numpy()
    out["last"] = by_pair.max().to_numpy()
    out["shipments"] = by_pair.size().to_numpy()
    out["value"] = pd.Series(rows["value"].to_numpy(dtype=float)).groupby(pair_codes).sum(min_count=1).to_numpy()
    out["sources"] = _distinct_lists(pair_codes, len(pairs), rows["source"])
    if rel == "SUPPLIES":
        out["hs_codes"], out["hs_first"], out["hs_last"] = _per_code_dates(pair_codes, len(pairs), rows)
        out["origins"] = _distinct_lists(pair_codes, len(pairs), rows["origin_country"])
    return out


def _distinct_lists(pair_codes: np.ndarray, n_pairs: int, values: pd.Series) -> list[list[str]]:
    """Per pair, its distinct non-null values in sorted order, with integer arithmetic rather than a
    Python call per group (pandas' groupby(...).agg(list) took 40 % of a 1M-row load)."""
    if n_pairs == 0:
        return []
    present = values.notna().to_numpy()
    value_codes, uniques = pd.factorize(values[present], sort=True)
    width = max(len(uniques), 1)
    combined = np.unique(pair_codes[present].astype(np.int64) * width + value_codes)
    owner, which = np.divmod(combined, width)
    flat = np.asarray(uniques, dtype=object)[which].tolist()
    bounds = [0, *np.searchsorted(owner, np.arange(1, n_pairs)).tolist(), len(flat)]
    return [flat[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _per_code_dates(pair_codes: np.ndarray, n_pairs: int,
                    rows: pd.DataFrame) -> tuple[list[list[str]], list[list[str]], list[list[str]]]:
    """Per pair: its distinct HS codes, and for each the first and last date it was shipped under
    (parallel lists), so a query can order a pair's goods in time code by code."""
    if n_pairs == 0:
        return [], [], []
    code_codes, codes = pd.factorize(rows["hs_code"], sort=True)
    date_codes, dates = pd.factorize(rows["date"], sort=True)  # sorted: a smaller code is an earlier day
    key = pair_codes.astype(np.int64) * len(codes) + code_codes
    grouped = pd.Series(date_codes).groupby(key)
    first, last = grouped.min(), grouped.max()
    owner, which = np.divmod(first.index.to_numpy(), len(codes))
    bounds = [0, *np.searchsorted(owner, np.arange(1, n_pairs)).tolist(), len(owner)]
    names = np.asarray(codes, dtype=object)[which].tolist()
    days = np.asarray(dates, dtype=object)
    firsts, lasts = days[first.to_numpy()].tolist(), days[last.to_numpy()].tolist()
    spans = list(zip(bounds[:-1], bounds[1:], strict=True))
    return ([names[a:b] for a, b in spans], [firsts[a:b] for a, b in spans], [lasts[a:b] for a, b in spans])


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    if frame.empty:
        return []
    columns = {"start": frame.index.get_level_values(0).tolist(), "end": frame.index.get_level_values(1).tolist()}
    for name in frame.columns:
        values = frame[name].tolist()
        if frame[name].dtype.kind == "f":  # a pair whose rows give no value: the property is removed
            values = [None if v != v else v for v in values]
        columns[name] = values
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


class _Writer:
    """Write batches on background threads: two at once where the store allows it (the client encodes
    one while the server runs the other: encoding is a third of a large derivation's time), one
    otherwise (never two inside a Neo4j transaction)."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.pool = ThreadPoolExecutor(max_workers=2 if store.parallel_writes else 1)
        self.pending: list[Future[Any]] = []

    def submit(self, statement: str, params: Iterable[dict[str, Any]]) -> None:
        self.pending.extend(self.pool.submit(self.store.run, statement, p) for p in params)

    def wait(self) -> list[Any]:
        """Every submitted batch's result, in order; the first failure is raised."""
        done, self.pending = self.pending, []
        return [future.result() for future in done]

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        for future in self.pending:
            future.cancel()
        self.pool.shutdown(wait=True)


def _batches(items: Sequence[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for offset in range(0, len(items), size):
        yield list(items[offset:offset + size])


def refresh_roles(store: GraphStore, evidence: EvidenceStore, runs: dict[str, str],
                  companies: Iterable[str], job: Provenance) -> dict[str, int]:
    """Dealer (bought from a colony producer), Intermediary (buys and sells, not a producer or dealer),
    Buyer (buys, never sells) for `companies`, read off the current evidence; `job`: the Provenance the
    companies' derived_by records (Provenance.derived(JOB, the load that caused it))."""
    targets = sorted(set(companies))
    if not targets:
        return dict.fromkeys(TRADE_ROLES, 0)
    pairs = evidence.read(runs, columns=["seller", "buyer"]) if runs else None
    producers = {r["id"] for r in store.run(PRODUCERS)}
    if pairs is not None and pairs.num_rows:
        sells = set(pc.unique(pairs["seller"]).to_pylist())
        buys = set(pc.unique(pairs["buyer"]).to_pylist())
        from_producers = pairs.filter(pc.is_in(pairs["seller"], value_set=_str_array(producers)))
        dealers = set(pc.unique(from_producers["buyer"]).to_pylist())
    else:
        sells = buys = dealers = set()
    role_of: dict[str, list[str]] = {role: [] for role in TRADE_ROLES}
    for company in targets:
        if company in dealers:
            role_of["Dealer"].append(company)
        if company in sells and company in buys and company not in producers and company not in dealers:
            role_of["Intermediary"].append(company)
        if company in buys and company not in sells:
            role_of["Buyer"].append(company)
    # One statement per combination of roles (each company written once): its roles on, the rest off.
    members = {role: set(ids) for role, ids in role_of.items()}
    combos: dict[tuple[str, ...], list[str]] = {}
    for company in targets:
        combos.setdefault(tuple(r for r in TRADE_ROLES if company in members[r]), []).append(company)
    prov = cypher.prov_params(job)
    for roles, ids in combos.items():
        statement = cypher.set_roles_cypher("Company", roles, tuple(r for r in TRADE_ROLES if r not in roles))
        for offset in range(0, len(ids), store.batch_size):
            store.run(statement, {"ids": ids[offset:offset + store.batch_size], "prov": prov})
    return {role: len(ids) for role, ids in role_of.items()}


def roles_after_colony_load(store: GraphStore, evidence: EvidenceStore, cause: Provenance | None = None
                            ) -> Iterator[str]:
    """A colonies load can make companies producers after their trade was loaded: their buyers become
    dealers (and stop being intermediaries). Recompute roles for producers and their buyers only.
    `cause`: the colonies load."""
    runs = current_runs(store)
    producers = {r["id"] for r in store.run(PRODUCERS)}
    if not runs or not producers:
        return
    sold = evidence.read(runs, columns=["seller", "buyer"], where=("seller", producers))
    companies = producers | set(pc.unique(sold["buyer"]).to_pylist())
    roles = refresh_roles(store, evidence, runs, companies, Provenance.derived(JOB, cause))
    yield f"roles of {len(companies):,} companies next to colony producers: " + ", ".join(
        f"{v:,} {_PLURAL[k]}" for k, v in roles.items())


def _str_array(values: Iterable[str]) -> pa.Array:
    return pa.array(sorted(values), pa.string())
