"""Loading a shipments file: evidence rows to the evidence store, companies to the graph, then the
derivations (SUPPLIES, roles) for what the load touched, all or nothing.

Order, and why:
1. inside store.atomic(): read and clean block by block into a new run file (immutable, named by the
   file's content hash) while each block's companies, countries and products go to the graph; retire
   what an older version of this source asserted; derive for the pairs this load touched (new rows and
   the old version's rows); the Source node that makes the new run current;
2. save the graph, and only then delete this source's other run files.
A failure anywhere before 2 leaves the graph as it was, and its run file is not current (the graph's
Source node still names the old run), so readers never see it and the next load of the source sweeps it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..graph.evidence import EvidenceStore, EvidenceWriter, current_runs
from ..graph.rows import NodeRow, Provenance, RelRow
from ..graph.store.base import GraphStore
from .base import (
    DEFAULT_MAX_SHRINK,
    SHRINK_MIN_FACTS,
    LoadReport,
    Reject,
    SourceError,
    previous_run,
    provenance,
    rejects_file,
    source_row,
    write_rejects,
)
from .records import country_row, product_stub
from .shipments import read_shipment_batches, with_normalised_names

FORMAT = "shipments"


@dataclass(frozen=True)
class TradeChange:
    """What one shipments load changed, for the derivations: which run of each shipments source was
    current before and is after, and the seller -> buyer (and notify -> buyer) pairs whose rows changed."""
    source: str
    prov: Provenance
    runs_before: dict[str, str]
    runs_after: dict[str, str]
    pairs: pd.DataFrame  # seller, buyer
    notify_pairs: pd.DataFrame  # notify, buyer


Deriver = Callable[[GraphStore, EvidenceStore, TradeChange], Iterable[str]]
Stage = Callable[[str], None]


def load_shipments(  # noqa: PLR0913  keyword-only load options, passed through to loaders.base.load
    store: GraphStore, evidence: EvidenceStore, path: str | Path, *, source: str,
    mapping: str | Path | None = None, rejects_dir: str | Path = "conveyor-rejects",
    derive: Deriver | None = None, progress: Callable[[int], None] | None = None,
    stage: Stage | None = None, seen: dt.date | None = None, max_shrink: float | None = DEFAULT_MAX_SHRINK,
) -> LoadReport:
    started = time.monotonic()
    timings = _StageClock(stage)
    stage = timings.enter
    variant = FORMAT.encode() + (b"\0" + Path(mapping).read_bytes() if mapping and Path(mapping).is_file() else b"")
    prov = provenance(source, path, seen, variant)
    report = LoadReport(source=source, path=str(path))
    store.ensure_schema()
    writer = evidence.writer(source, prov.run)
    try:
        with store.atomic():
            # Read under the load lock: a load of another source that finished a moment ago counts.
            runs_before = current_runs(store, FORMAT)
            if runs_before.get(source) == prov.run and evidence.has(source, prov.run):
                writer.discard()
                evidence.sweep_unnamed(runs_before.items())  # what failed loads left, as a load would
                return _unchanged(store, report, source, started, rejects_file(Path(rejects_dir), Path(path)))
            prov = dataclasses.replace(prov, first=previous_run(store, source) is None)
            stage("reading, writing companies")
            loaded, rejects = _read_and_write(store, writer, path, source, mapping, prov, report, progress)
            previous = runs_before.get(source)
            if previous not in (None, prov.run):
                _check_shrink(evidence, source, previous, report, rejects, path, rejects_dir, max_shrink)
            writer.publish()
            # Files the saved graph does not name (failed loads): none can become current while we
            # hold the lock. This source's previous run stays until the graph is saved without it.
            evidence.sweep_unnamed([*runs_before.items(), (source, prov.run)])
            report.rejected = len({r.row for r in rejects})
            if previous not in (None, prov.run):
                stage("retiring what the older version asserted")
                report.retired = store.retire(prov)
            change = TradeChange(source, prov, runs_before, {**runs_before, source: prov.run},
                                 *_touched(evidence, loaded, source, previous))
            if derive:
                stage("deriving SUPPLIES and roles")
                report.notes.extend(derive(store, evidence, change))
            store.upsert_nodes("Source", [source_row(report, path, FORMAT, prov)], prov)
    except BaseException:
        writer.discard()  # a file already published is simply not current; the next load sweeps it
        raise
    stage("saving")
    store.save()  # before the older run file goes: until this returns, the file on disk may still need it
    evidence.sweep(source, prov.run)
    timings.enter("done")
    report.notes.append("stages: " + timings.text())
    if rejects:
        report.rejects_path = str(write_rejects(rejects, Path(rejects_dir), Path(path)))
    report.seconds = time.monotonic() - started
    return report


def _check_shrink(evidence: EvidenceStore, source: str, previous: str, report: LoadReport, rejects: list[Reject],
                  path: str | Path, rejects_dir: str | Path, max_shrink: float | None) -> None:
    """A new version with no loadable row, or far fewer rows than the one it replaces, is refused (the
    graph and the evidence stay as they were): a truncated export must not delete most of a source."""
    before = evidence.row_count({source: previous})
    loaded = report.read - len({r.row for r in rejects})
    if loaded > 0 and (max_shrink is None or before - loaded < SHRINK_MIN_FACTS or loaded >= before * (1 - max_shrink)):
        return
    listed = f"; rejects with reasons: {write_rejects(rejects, Path(rejects_dir), Path(path))}" if rejects else ""
    if loaded == 0:
        raise SourceError(path, f"no row of this version could be loaded ({report.read:,} read): the earlier "
                                f"version's {before:,} rows are kept{listed}")
    raise SourceError(path, f"this version has {loaded:,} loadable rows where the one it replaces had {before:,} "
                            f"({1 - loaded / before:.0%} fewer); nothing was changed. If the source really "
                            f"dropped them, load again with --allow-shrink{listed}")


SOURCE_COUNTS = "MATCH (s:Source {name: $source}) RETURN s.read AS read, s.rejected AS rejected"


def _unchanged(store: GraphStore, report: LoadReport, source: str, started: float, rejects: Path) -> LoadReport:
    """The same file read the same way is already the current run of this source: its rows, companies
    and pairs are in the graph as they would be written again, so nothing is (and the report says so).
    Its rejected rows were listed by that load: the report points at that file when it is still there."""
    counts = store.run(SOURCE_COUNTS, {"source": source})[0]
    report.read, report.rejected = int(counts["read"] or 0), int(counts["rejected"] or 0)
    report.notes.append(f"unchanged: this file, read the same way, is already the current version of source "
                        f"{source!r}; nothing was written (counts are those of that load)")
    if report.rejected and rejects.is_file():
        report.rejects_path = str(rejects)
    elif report.rejected:
        report.notes.append(f"its {report.rejected:,} rejected row(s) were listed by the load that first read it, "
                            f"in a rejects file that is not at {rejects} (another --rejects folder, or deleted); "
                            f"the file was not read again")
    report.seconds = time.monotonic() - started
    return report


class _StageClock:
    """Stage names for the progress line, and how long each took (reported, so a slow stage is seen)."""

    def __init__(self, announce: Stage | None) -> None:
        self.announce = announce
        self.spent: dict[str, float] = {}
        self.current: tuple[str, float] | None = None

    def enter(self, name: str) -> None:
        now = time.monotonic()
        if self.current:
            self.spent[self.current[0]] = self.spent.get(self.current[0], 0.0) + now - self.current[1]
        self.current = (name, now)
        if self.announce and name != "done":
            self.announce(name)

    def text(self) -> str:
        return ", ".join(f"{name} {seconds:.1f}s" for name, seconds in self.spent.items())


@dataclass
class _Loaded:
    pairs: pd.DataFrame  # distinct seller -> buyer of the accepted rows
    notify_pairs: pd.DataFrame  # distinct notify -> buyer


def _read_and_write(store: GraphStore, writer: EvidenceWriter, path: str | Path, source: str,
                    mapping: str | Path | None, prov: Provenance, report: LoadReport,
                    progress: Callable[[int], None] | None) -> tuple[_Loaded, list[Reject]]:
    """Clean block by block into the evidence file; each block's new companies go to the graph on a
    second thread while the next block is parsed (the server and the parser then use both cores)."""
    rejects: list[Reject] = []
    seen: set[str] = set()
    products: set[str] = set()
    pending: list[Future[tuple[int, int]]] = []
    with ThreadPoolExecutor(max_workers=1) as pool:
        for batch in read_shipment_batches(path, source=source, mapping=mapping):
            report.read += batch.read
            rejects.extend(batch.rejects)
            writer.write(batch.evidence)
            fresh = with_normalised_names(batch.companies[~batch.companies["key"].isin(seen)])
            seen.update(fresh["key"])
            codes = {v for v in pc.unique(batch.evidence["hs6"]).to_pylist() if v} - products
            products |= codes
            pending.append(pool.submit(_write_nodes, store, fresh, codes, prov))
            if len(pending) > 1:  # at most one block waiting: bounded memory, errors surface early
                _count(report, pending.pop(0).result())
            if progress:
                progress(batch.read)
        for future in pending:
            _count(report, future.result())
    writer.close()
    return _Loaded(*_pairs_of(writer.read(["seller", "buyer", "notify"]))), rejects


def _count(report: LoadReport, written: tuple[int, int]) -> None:
    report.nodes_written += written[0]
    report.relationships_written += written[1]


def _pairs_of(table: pa.Table) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Distinct seller -> buyer and notify -> buyer pairs, grouped in Arrow (10M rows never become
    Python strings here, only the distinct pairs do)."""
    pairs = table.group_by(["seller", "buyer"]).aggregate([]).to_pandas()
    notified = table.filter(pc.is_valid(table["notify"]))
    notify = notified.group_by(["notify", "buyer"]).aggregate([]).to_pandas()
    return pairs[["seller", "buyer"]], notify[["notify", "buyer"]]


def _write_nodes(store: GraphStore, companies: pd.DataFrame, products: set[str],
                 prov: Provenance) -> tuple[int, int]:
    """Countries, products and companies of one block, and where each company is; (nodes, relationships)."""
    countries = sorted(c for c in companies["country"].dropna().unique())
    nodes = store.upsert_nodes("Country", [country_row(c) for c in countries], prov)
    nodes += store.upsert_nodes("Product", [product_stub(c) for c in sorted(products)], prov)
    rows = [
        NodeRow(key, {"name": name, "name_norm": norm, "country": country if isinstance(country, str) else None,
                      "address": address if isinstance(address, str) else None,
                      "synthetic": True if synthetic else None}, record_id)
        for key, name, norm, country, address, synthetic, record_id in zip(
            companies["key"], companies["name"], companies["name_norm"], companies["country"],
            companies["address"], companies["synthetic"], companies["record_id"], strict=True)
    ]
    nodes += store.upsert_nodes("Company", rows, prov)
    located = [RelRow(k, c)
               for k, c in zip(companies["key"], companies["country"], strict=True) if isinstance(c, str)]
    return nodes, store.upsert_relationships("IN", "Company", "Country", located, prov)


def _touched(evidence: EvidenceStore, loaded: _Loaded, source: str,
             previous: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pairs whose rows changed: the new rows' pairs, and the older version's (they may have gone)."""
    pairs, notify = loaded.pairs, loaded.notify_pairs
    if previous and evidence.has(source, previous):
        old = evidence.read({source: previous}, columns=["seller", "buyer", "notify"])
        old_pairs, old_notify = _pairs_of(old)
        pairs = pd.concat([pairs, old_pairs]).drop_duplicates()
        notify = pd.concat([notify, old_notify]).drop_duplicates()
    return pairs.reset_index(drop=True), notify.reset_index(drop=True)
