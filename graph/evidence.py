"""The evidence store: shipment rows, column-wise, beside the graph.

Why not Shipment nodes: measured at 1M rows, a node per shipment with list provenance made the graph
5 GiB and the load 1,056 s, and reading a million rows back through Cypher result sets cost ~70 s per
route search. A shipment is evidence, read in bulk (route search, aggregation) or a few rows at a time
(the rows behind one hop), which is what Parquet is good at. The graph keeps what investigators traverse:
companies and one aggregated SUPPLIES edge per seller -> buyer pair, whose rows are one command away.

Layout: FOLDER/<source id>/<run id>.parquet, one immutable file per load of a source. Which run of a
source is current is recorded in the graph (the Source node's `run`), so the graph and the files can
never disagree about what is loaded: a file written by a load that failed, or replaced by a newer
version, is simply not current, and `sweep` removes it once the graph that no longer needs it is saved.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import operator
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .cypher import CURRENT_RUNS
from .errors import EvidenceError
from .schema import SHIPMENT_EVIDENCE
from .store.base import GraphStore, redact

SCHEMA = pa.schema([pa.field(name, kind, nullable=name not in ("id", "seller", "buyer", "date", "hs_code"))
                    for name, kind in SHIPMENT_EVIDENCE])
COLUMNS: tuple[str, ...] = tuple(SCHEMA.names)


def evidence_location(graph_location: str) -> Path:
    """Beside a graph file (`my.db` -> `my.db.evidence/`); for a server, $CONVEYOR_EVIDENCE or a folder
    named after the server (host, port and database only: never credentials)."""
    configured = os.environ.get("CONVEYOR_EVIDENCE")
    if configured:
        return Path(configured).expanduser()
    if "://" not in graph_location:
        path = Path(graph_location).expanduser()
        return path.with_name(path.name + ".evidence")
    try:
        parts = urlsplit(graph_location)
        name = f"{parts.scheme}-{parts.hostname or 'local'}-{parts.port or ''}{parts.path}".strip("-/")
    except ValueError:
        # An address the store will refuse (a password with an unencoded '#', '?' or '/' ends up in
        # the port): never a traceback quoting part of it, never the password in a folder name.
        name = redact(graph_location).replace("://", "-")
    return Path("conveyor-evidence") / re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def _isin(column: str, values: Iterable[str]) -> pc.Expression:
    return pc.field(column).isin(pa.array(sorted(set(values)), pa.string()))


def current_runs(store: GraphStore, fmt: str = "shipments") -> dict[str, str]:
    """Source -> run of every loaded source of a format, as the graph records it."""
    return {r["source"]: r["run"] for r in store.run(CURRENT_RUNS, {"format": fmt}) if r["run"]}


def _source_dir(source: str) -> str:
    # Source names are free text (file names, user input): a digest keeps them out of the path.
    return hashlib.sha256(source.encode()).hexdigest()[:24]


def _run_file(run: str) -> str:
    return hashlib.sha256(run.encode()).hexdigest()[:24] + ".parquet"


class EvidenceStore:
    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def path(self, source: str, run: str) -> Path:
        return self.folder / _source_dir(source) / _run_file(run)

    def writer(self, source: str, run: str) -> EvidenceWriter:
        """Rows of one load, written to a temporary file and moved into place by `publish`."""
        return EvidenceWriter(self.path(source, run))

    def has(self, source: str, run: str) -> bool:
        return self.path(source, run).is_file()

    def read(self, runs: Mapping[str, str], columns: Iterable[str] | None = None,
             where: tuple[str, Iterable[str]] | None = None,
             any_of: Iterable[tuple[str, Iterable[str]]] = (),
             all_of: Iterable[tuple[str, Iterable[str]]] = ()) -> pa.Table:
        """The current rows of every source in `runs` (source -> run), optionally only some columns and
        only rows passing every (column, values) test of `where` and `all_of` (e.g. ("seller", ids)) and
        at least one test of `any_of`. Filters run inside the Parquet scan, block by block, so a
        filtered read of 10M rows never holds them all."""
        wanted = list(columns) if columns is not None else list(COLUMNS)
        required = [_isin(c, v) for c, v in ([where] if where is not None else [])]
        required += [_isin(c, v) for c, v in all_of]
        alternatives = [_isin(c, v) for c, v in any_of]
        if alternatives:
            required.append(functools.reduce(operator.or_, alternatives))
        expression = functools.reduce(operator.and_, required) if required else None
        tables = []
        for source, run in sorted(runs.items()):
            path = self.path(source, run)
            if not path.is_file():
                raise EvidenceError(
                    f"evidence for source {source!r} (run {run}) is missing: expected {path}. The graph "
                    "says this source is loaded; load its file again to restore its shipment rows."
                )
            try:
                tables.append(pq.read_table(path, columns=wanted, filters=expression))
            except (OSError, pa.ArrowException) as exc:
                raise EvidenceError(f"cannot read evidence file {path}: {exc}") from exc
        if not tables:
            return SCHEMA.empty_table().select(wanted)
        return pa.concat_tables(tables, promote_options="none")

    def sweep_unnamed(self, keep: Iterable[tuple[str, str]]) -> int:
        """Delete every file that `keep` ((source, run) pairs) does not name, in every source folder:
        runs of failed loads, and whole folders of sources whose first load failed. Call under the
        graph's load lock, with `keep` holding every run the saved graph names (they may be needed)."""
        if not self.folder.is_dir():
            return 0
        named = {self.path(source, run) for source, run in keep}
        return sum(_remove_except(folder, named) for folder in self.folder.iterdir() if folder.is_dir())

    def row_count(self, runs: Mapping[str, str]) -> int:
        """Rows of the current runs, from Parquet metadata (nothing read)."""
        return sum(pq.ParquetFile(self.path(s, r)).metadata.num_rows for s, r in runs.items()
                   if self.path(s, r).is_file())

    def sweep(self, source: str, current_run: str | None) -> int:
        """Delete one source's run files other than its current one (replaced versions, failed loads).
        Call only after the graph that names the current run has been saved."""
        folder = self.folder / _source_dir(source)
        keep = {self.path(source, current_run)} if current_run else set()
        return _remove_except(folder, keep) if folder.is_dir() else 0

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.folder.glob("*/*.parquet")) if self.folder.is_dir() else 0



def _remove_except(folder: Path, keep: set[Path]) -> int:
    """Delete the files of `folder` not in `keep` (run files, `.partial` leftovers), then the folder
    itself if nothing is left; the number of files deleted."""
    removed = 0
    for path in folder.iterdir():
        if path not in keep:
            path.unlink(missing_ok=True)
            removed += 1
    if not any(folder.iterdir()):
        folder.rmdir()
    return removed


class EvidenceWriter:
    """Streams record batches into one Parquet file; nothing is visible under the final name until
    `publish` (an interrupted load leaves at most a `.partial` file, which `sweep` removes)."""

    def __init__(self, target: Path) -> None:
        self.target = target
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.stem + ".", suffix=".partial")
        except OSError as exc:
            raise EvidenceError(f"cannot write evidence into {target.parent}: {exc.strerror}") from exc
        os.close(fd)
        self.tmp = Path(tmp)
        self.rows = 0
        try:
            with self._failing("start"):
                self._writer = pq.ParquetWriter(self.tmp, SCHEMA, compression="zstd")
        except BaseException:
            self.discard()
            raise

    @contextlib.contextmanager
    def _failing(self, doing: str) -> Iterator[None]:
        # A full disk or a folder gone read-only mid-load: one line naming the folder and the cause, not
        # pyarrow's traceback (its OSError carries the errno but often no strerror).
        try:
            yield
        except OSError as exc:
            cause = os.strerror(exc.errno) if exc.errno else str(exc)
            raise EvidenceError(f"cannot {doing} the shipment rows in {self.target.parent}: {cause}") from exc

    def write(self, table: pa.Table) -> None:
        with self._failing("write"):
            self._writer.write_table(table.select(COLUMNS).cast(SCHEMA))
        self.rows += table.num_rows

    def close(self) -> None:
        with self._failing("write"):
            self._writer.close()

    def read(self, columns: list[str] | None = None) -> pa.Table:
        """What was written (after `close`)."""
        return pq.read_table(self.tmp, columns=columns)

    def publish(self) -> Path:
        """Move the closed file under its final name (durably: fsync, then an atomic rename)."""
        with self._failing("save"):
            with open(self.tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(self.tmp, self.target)
        return self.target

    def discard(self) -> None:
        with contextlib.suppress(Exception):
            self._writer.close()
        self.tmp.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.target.parent.rmdir()  # the source's folder, if this load was all it held
