"""What every loader shares: chunks of schema-checked upserts, rejects, provenance and the load report.

A loader turns a file into a stream of Chunks (bounded memory); `load` writes them inside one atomic
store operation, so a load that fails or is interrupted leaves the graph as it was before it.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..graph.errors import ConveyorError
from ..graph.files import atomic_output
from ..graph.keys import bounded, has_nul
from ..graph.rows import DERIVED_PREFIX, NodeRow, Provenance, RelRow
from ..graph.store.base import GraphStore


class SourceError(ConveyorError, ValueError):
    """A file that cannot be loaded at all: names the file, the row and the field."""

    def __init__(self, path: str | Path, message: str, row: int | None = None, field: str | None = None):
        where = str(path)
        if row is not None:
            where += f", row {row}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}")
        self.path, self.row, self.field = str(path), row, field


@dataclass(frozen=True)
class Reject:
    row: int
    field: str
    value: Any
    reason: str
    # dataclasses.field: the class's own `field` attribute hides the function here
    record: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass
class NodeBatch:
    label: str
    rows: list[NodeRow]
    roles: tuple[str, ...] = ()


@dataclass
class RelBatch:
    type: str
    start: str
    end: str
    rows: list[RelRow]  # each may name its source row (RelRow.row), for rejects


@dataclass
class Chunk:
    read: int = 0
    nodes: list[NodeBatch] = field(default_factory=list)
    relationships: list[RelBatch] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    # Rows that loaded with a remark (an FtM entity whose address is missing): listed in a notes file
    # beside the rejects and summed in the report, never counted as rejected.
    notes: list[Reject] = field(default_factory=list)
    # A step that needs what is already written (endpoints defined by other files): called once this
    # chunk is written, inside the same atomic operation; the chunks it returns are written next.
    then: Callable[[GraphStore], Iterable[Chunk]] | None = None


@dataclass
class LoadReport:
    source: str
    path: str
    read: int = 0
    rejected: int = 0
    nodes_written: int = 0
    relationships_written: int = 0
    retired: int = 0
    seconds: float = 0.0
    rejects_path: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def loaded(self) -> int:
        return self.read - self.rejected

    def summary(self) -> str:
        text = (
            f"{self.source}: read {self.read:,} = loaded {self.loaded:,} + rejected {self.rejected:,}"
            f" ({self.nodes_written:,} nodes, {self.relationships_written:,} relationships written"
            f"{f', {self.retired:,} retired' if self.retired else ''}, {self.seconds:.1f}s)"
        )
        if self.rejects_path:
            text += f"\n  rejects with reasons: {self.rejects_path}"
        return "\n".join([text, *(f"  {note}" for note in self.notes)])

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "path": self.path, "read": self.read, "loaded": self.loaded,
            "rejected": self.rejected, "nodes_written": self.nodes_written,
            "relationships_written": self.relationships_written, "retired": self.retired,
            "rejects_path": self.rejects_path, "notes": self.notes,
        }


def provenance(
    source: str, path: str | Path, seen: dt.date | None = None, variant: bytes = b""
) -> Provenance:
    """The same file read the same way (`variant`: format and mapping) gives the same run tag, so a
    reload changes nothing; a new version of the file, or a new mapping for it, retires."""
    if source.startswith(DERIVED_PREFIX):
        raise SourceError(path, f"source names starting {DERIVED_PREFIX!r} are kept for what jobs derive; "
                                f"choose another than {source!r}")
    digest = hashlib.sha256(variant + b"\0")
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError:
        raise SourceError(path, "file not found") from None
    except IsADirectoryError:  # a source given as a folder of files (ICIJ): hash every file in it
        for member in sorted(p for p in Path(path).iterdir() if p.is_file()):
            digest.update(member.name.encode() + b"\0" + member.read_bytes())
    except OSError as exc:
        raise SourceError(path, f"cannot be read: {exc.strerror}") from exc
    return Provenance.of_run(source, digest.hexdigest(), seen)


# A new version of a source may retire at most this share of what the source asserted (--allow-shrink
# lifts it): a truncated export must not silently delete most of a source. Below SHRINK_MIN_FACTS the
# guard stays quiet: a small hand-made source is edited freely, and what it drops is easy to see.
DEFAULT_MAX_SHRINK = 0.5
SHRINK_MIN_FACTS = 100


# A step at the end of a load, inside it (a job the load causes): given the load's provenance, its notes.
Finisher = Callable[[GraphStore, Provenance], Iterable[str]]


def load(  # noqa: PLR0913  keyword-only hooks of the one load loop (rejects, progress, stage, retire...)
    store: GraphStore,
    chunks: Iterable[Chunk],
    *,
    source: str,
    path: str | Path,
    fmt: str,
    rejects_dir: str | Path = "conveyor-rejects",
    retire: bool = True,
    finish: Finisher | None = None,
    seen: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
    mapping: str | Path | None = None,
    stage: Callable[[str], None] | None = None,
    max_shrink: float | None = DEFAULT_MAX_SHRINK,
) -> LoadReport:
    """Write every chunk atomically, then retire what this source no longer asserts (if asked).

    `progress` is told the rows read after each chunk; `stage` the step being taken (reading, writing
    nodes, writing relationships, derivations, retiring), for a progress display."""
    announce = stage or (lambda name: None)
    started = time.monotonic()
    variant = fmt.encode() + (b"\0" + Path(mapping).read_bytes() if mapping and Path(mapping).is_file() else b"")
    prov = provenance(source, path, seen, variant)
    before = previous_run(store, source)
    prov = dataclasses.replace(prov, first=before is None)
    report = LoadReport(source=source, path=str(path))
    rejects: list[Reject] = []
    notes: list[Reject] = []

    def write(chunk: Chunk) -> None:
        report.read += chunk.read
        rejects.extend(chunk.rejects)
        _screen(chunk, rejects)
        notes.extend(chunk.notes)
        if chunk.nodes:
            announce("writing nodes")
        for nb in chunk.nodes:
            report.nodes_written += store.upsert_nodes(nb.label, nb.rows, prov, nb.roles)
        if chunk.relationships:
            announce("writing relationships")
        for rb in chunk.relationships:
            rows = _drop_missing_endpoints(store, rb, rejects)
            report.relationships_written += store.upsert_relationships(rb.type, rb.start, rb.end, rows, prov)
        if progress:
            progress(chunk.read)
        for more in chunk.then(store) if chunk.then else ():
            write(more)

    store.ensure_schema()
    with store.atomic():
        announce("reading")
        for chunk in chunks:
            write(chunk)
            announce("reading")
        if finish:
            announce("derivations")
            report.notes.extend(finish(store, prov))
        # Nothing can be stale after a source's first load or a reload of the same run: skip the scan.
        if retire and before not in (None, prov.run):
            announce("retiring")
            if report.loaded == 0:
                # A header-only or wholly rejected version is far likelier a broken export than a source
                # that now asserts nothing: keep what the earlier version said.
                report.notes.append("nothing was loaded from this version, so nothing the earlier version "
                                    "asserted was retired")
            else:
                _check_shrink(store, prov, path, max_shrink)
                report.retired = store.retire(prov)
        report.rejected = len({r.row for r in rejects})
        store.upsert_nodes("Source", [source_row(report, path, fmt, prov)], prov)
    if rejects:
        report.rejects_path = str(write_rejects(rejects, Path(rejects_dir), Path(path)))
    if notes:
        listed = write_rejects(notes, Path(rejects_dir), Path(path), suffix="notes")
        kinds = sorted({n.reason.split(":")[0] for n in notes})
        report.notes.append(f"{len(notes):,} loaded row(s) with a note ({'; '.join(kinds)}), not counted as "
                            f"rejected: {listed}")
    report.seconds = time.monotonic() - started
    return report


def source_row(report: LoadReport, path: str | Path, fmt: str, prov: Provenance) -> NodeRow:
    """The Source node of a load: what it read and did, and its run (which makes the run current)."""
    return NodeRow(report.source, {"path": Path(path).name, "format": fmt, "loaded_at": prov.seen, "run": prov.run,
                                   "read": report.read, "loaded": report.loaded, "rejected": report.rejected})


def _screen(chunk: Chunk, rejects: list[Reject]) -> None:
    """What no store can take, caught before the write: a row with a NUL byte in any value (FalkorDB
    refuses the whole batch it is in) becomes a reject of its row; a key too long to index is hashed
    (graph/keys.py), the same way for a node and for the relationships that point at it."""
    for nb in chunk.nodes:
        kept_nodes: list[NodeRow] = []
        for node in nb.rows:
            bad = _nul_field(node, ("key",))
            if bad:
                rejects.append(Reject(_source_row(node), bad, _shown(node, bad),
                                      f"{bad} contains a NUL byte (\\x00)"))
                continue
            if isinstance(node.key, str):
                node.key = bounded(node.key)
            kept_nodes.append(node)
        nb.rows = kept_nodes
    for rb in chunk.relationships:
        kept_rels: list[RelRow] = []
        for r in rb.rows:
            bad = _nul_field(r, ("start", "end", "rel_key"))
            if bad:
                rejects.append(Reject(_source_row(r), bad, _shown(r, bad), f"{bad} contains a NUL byte (\\x00)"))
                continue
            if isinstance(r.start, str):
                r.start = bounded(r.start)
            if isinstance(r.end, str):
                r.end = bounded(r.end)
            kept_rels.append(r)
        rb.rows = kept_rels


def _nul_field(row: NodeRow | RelRow, keys: tuple[str, ...]) -> str | None:
    for k in keys:
        if has_nul(getattr(row, k)):
            return k
    for name, value in (row.props or {}).items():
        if has_nul(value):
            return name
    return None


def _shown(row: NodeRow | RelRow, name: str) -> str:
    value = getattr(row, name) if name in ("key", "start", "end", "rel_key") else (row.props or {}).get(name)
    return repr(value)[:200]


def _source_row(row: NodeRow | RelRow) -> int:
    """The source row a node or relationship row came from: its `row`, else the number after the last
    ':' of its record id ("file.csv:17")."""
    if isinstance(row.row, int):
        return row.row
    tail = str(row.record_id or "").rpartition(":")[2]
    return int(tail) if tail.isdigit() else 0


def _check_shrink(store: GraphStore, prov: Provenance, path: str | Path, max_shrink: float | None) -> None:
    if max_shrink is None:
        return
    share = {name: counts for name, counts in store.stale_share(prov).items() if name != "Source"}
    asserted = int(sum(a for a, _ in share.values()))
    stale = int(sum(s for _, s in share.values()))
    if stale >= SHRINK_MIN_FACTS and stale / asserted > max_shrink:
        what = ", ".join(f"{int(s):,} of {int(a):,} {name}" for name, (a, s) in sorted(share.items()) if s)
        raise SourceError(path, f"this version would retire {stale:,} of the {asserted:,} facts source "
                                f"{prov.source!r} asserted ({stale / asserted:.0%}: {what}); nothing was "
                                f"changed. If the source really dropped them, load again with --allow-shrink")


PREVIOUS_RUN = "MATCH (s:Source {name: $source}) RETURN s.run AS run"


def previous_run(store: GraphStore, source: str) -> str | None:
    """The run of `source` the graph holds (its Source node), whatever its format; None before its first load."""
    rows = store.run(PREVIOUS_RUN, {"source": source})
    return rows[0]["run"] if rows else None


def _drop_missing_endpoints(store: GraphStore, rb: RelBatch, rejects: list[Reject]) -> list[RelRow]:
    missing = store.missing_endpoints(rb.start, rb.end, [(r.start, r.end) for r in rb.rows])
    if not missing:
        return rb.rows
    for i, which in missing.items():
        row = rb.rows[i]
        if row.row is not None:
            rejects.append(Reject(row.row, rb.type, f"{row.start} -> {row.end}",
                                  f"{rb.type} not loaded: no {which} node with that key"))
    return [r for i, r in enumerate(rb.rows) if i not in missing]


def rejects_file(folder: Path, source_path: Path, suffix: str = "rejects") -> Path:
    """Where the rejects of a file go: NAME.rejects.csv in the rejects folder."""
    return folder / f"{source_path.name}.{suffix}.csv"


def write_rejects(rejects: list[Reject], folder: Path, source_path: Path, suffix: str = "rejects") -> Path:
    target = rejects_file(folder, source_path, suffix)
    # Never a half-written rejects file, and never through a predictable temporary name: the rejects
    # folder may be shared, and a link planted at NAME.tmp was followed (the rows went wherever it led).
    with atomic_output(target) as fh:
        writer = csv.writer(fh)
        writer.writerow(["row", "field", "value", "reason", "record"])
        for r in sorted(rejects, key=lambda r: r.row):
            writer.writerow([r.row, r.field, r.value, r.reason, _record_text(r.record)])
    return target


def _record_text(record: dict[str, Any]) -> str:
    return "; ".join(f"{k}={v}" for k, v in record.items() if v not in (None, ""))


def chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
