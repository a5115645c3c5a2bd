"""What every command shares: where the graph is, opening it, progress bars."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from conveyor.graph.evidence import EvidenceStore, evidence_location
from conveyor.graph.store import GraphStore, default_location, open_store


@dataclass
class Settings:
    db: str | None
    batch_size: int | None
    evidence: str | None = None

    @property
    def location(self) -> str:
        location = self.db or default_location()
        typo = _SCHEME_TYPO.match(location)
        if typo:
            # Taken as a file path, `bolt:/user:password@host` made a graph file named after the password
            # and printed it in every message.
            scheme = typo.group(1)
            raise click.ClickException(f"--db starts with '{scheme}:' but not '{scheme}://': write "
                                       f"{scheme.lower()}://HOST:PORT for a server (credentials in the environment), "
                                       "or a path such as ./graph.db for a graph file")
        return location


# A server address with its '//' missing or mangled (bolt:/..., neo4j:..., redis:\\...).
_SCHEME_TYPO = re.compile(r"\s*(bolt(?:\+s|\+ssc)?|neo4j(?:\+s|\+ssc)?|redis|rediss|falkordb|falkordbs|falkor|falkors)"
                          r":(?!//)", re.IGNORECASE)


def evidence_from(ctx: click.Context, location: str | None = None) -> EvidenceStore:
    """Shipment rows beside the graph: --evidence, $CONVEYOR_EVIDENCE, or GRAPH_FILE.evidence/."""
    settings: Settings = ctx.obj
    return EvidenceStore(settings.evidence or evidence_location(location or settings.location))


err_console = Console(stderr=True)


@contextlib.contextmanager
def store_from(ctx: click.Context, location: str | None = None, create: bool = False) -> Iterator[GraphStore]:
    """The graph at --db. Only `db init` and loads may create one (`create`): any other command on a
    graph file that does not exist says so, rather than answering from an empty graph (a mistyped
    path would read as "no routes")."""
    settings: Settings = ctx.obj
    where = location or settings.location
    if "://" not in where:
        path = Path(where).expanduser()
        if path.is_dir():
            raise click.ClickException(f"--db {where} is a folder: give the path of a graph file, "
                                       f"e.g. {path / 'conveyor.db'}")
        if not create and not path.exists():
            raise click.ClickException(f"no graph at {where}: load a file into it (conveyor --db {where} load ...) "
                                       f"or create it with conveyor --db {where} db init")
    store = open_store(where, settings.batch_size)
    for note in getattr(store, "notes", ()):  # e.g. a server a killed command left running, stopped
        click.echo(f"note: {note}", err=True)
    try:
        yield store
    finally:
        store.close()


class LoadProgress:
    """Where a load is: the share of its file read (and so the time left), rows read, and its stage
    (reading, writing nodes, writing relationships, derivations, retiring, saving).

    The share comes from the bytes the reader has read of the file (its file position, which Linux shows
    in /proc/self/fdinfo for whichever reader has it open: csv, pandas, ijson, iterparse) when
    `by_bytes` and that can be seen; else from the rows read against the rows the file's size suggests
    (estimated_rows). A reader that reads far ahead of the rows it hands over (pyarrow, 16 MB blocks)
    is measured by rows (by_bytes=False).
    """

    def __init__(self, label: str, path: Path | None, *, by_bytes: bool = True) -> None:
        self.label = label
        self.path = path
        self.rows_read = 0
        self.stage_name = "reading"
        self.started = time.monotonic()
        self._size = _file_size(path)
        self._expected = estimated_rows(path) if path is not None and path.is_file() else 0
        self._by_bytes = by_bytes and self._size > 0
        self._bytes = 0
        self._stages_seen: set[str] = set()

    # -- what the loader calls -------------------------------------------------------------------
    def rows(self, n: int) -> None:
        self.rows_read += n

    def stage(self, name: str) -> None:
        self.stage_name = name

    # -- what the display reads ------------------------------------------------------------------
    def share(self) -> float | None:
        """Fraction of the file read, 0..1, or None when nothing tells."""
        if self._by_bytes:
            position = _read_position(self.path)
            if position is not None:
                self._bytes = max(self._bytes, min(position, self._size))  # never goes back
            if self._bytes:
                return self._bytes / self._size
        if self._expected > 0:
            return min(1.0, self.rows_read / self._expected)
        return None

    def reading(self) -> bool:
        return self.stage_name.startswith(("reading", "writing"))

    def eta(self, share: float | None) -> float | None:
        """Seconds left to read the file, from the pace so far."""
        if share is None or not 0 < share < 1 or not self.reading():
            return None
        elapsed = time.monotonic() - self.started
        return elapsed * (1 - share) / share

    def line(self) -> str:
        """The plain progress line printed every few seconds when stderr is not a terminal."""
        share = self.share()
        parts = [f"{self.label}: {self.stage_name}", f"{self.rows_read:,} rows done"]
        if share is not None and self.reading():
            parts.append(f"{100 * share:.0f}% of the file")
            if (left := self.eta(share)) is not None:
                parts.append(f"~{_duration(left)} left")
        parts.append(f"{_duration(time.monotonic() - self.started)} elapsed")
        return ", ".join(parts)

    def first_time(self, name: str) -> bool:
        seen = name in self._stages_seen
        self._stages_seen.add(name)
        return not seen


@contextlib.contextmanager
def load_progress(label: str, path: Path | None, *, by_bytes: bool = True) -> Iterator[tuple]:
    """(rows, stage) callbacks for a load. On a terminal: a live bar with the stage, the share of the
    file, rows, time elapsed and time left. Elsewhere (CI, a pipe, a log): a stderr line when a stage
    starts for the first time and a line every CONVEYOR_PROGRESS_SECONDS (default 5) whatever the
    load is doing, so a slow stage is never silent."""
    state = LoadProgress(label, path, by_bytes=by_bytes)
    if sys.stderr.isatty():
        with _live(state) as callbacks:
            yield callbacks
        return

    def stage(name: str) -> None:
        state.stage(name)
        if state.first_time(name):
            click.echo(f"{label}: {name}", err=True)

    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(_period()):
            click.echo(state.line(), err=True)

    ticker = threading.Thread(target=tick, name="conveyor-progress", daemon=True)
    stage("reading")
    ticker.start()
    try:
        yield state.rows, stage
    finally:
        stop.set()
        ticker.join()


@contextlib.contextmanager
def _live(state: LoadProgress) -> Iterator[tuple]:
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                        TextColumn("{task.fields[share]}"), TextColumn("{task.fields[rows]:,} rows"),
                        TimeElapsedColumn(), TextColumn("{task.fields[left]}"), console=err_console,
                        transient=True)
    with progress:
        task = progress.add_task(f"{state.label}: reading", total=None, share="", rows=0, left="")

        def show() -> None:
            share = state.share()
            left = state.eta(share)
            progress.update(task, description=f"{state.label}: {state.stage_name}", rows=state.rows_read,
                            total=1000 if share is not None else None,
                            completed=round(1000 * share) if share is not None else 0,
                            share=f"{100 * share:3.0f}%" if share is not None else "",
                            left=f"~{_duration(left)} left" if left is not None else "")

        def rows(n: int) -> None:
            state.rows(n)
            show()

        def stage(name: str) -> None:
            state.stage(name)
            show()

        yield rows, stage


@contextlib.contextmanager
def staged_progress(label: str, path: Path) -> Iterator[tuple]:
    """Progress of a shipments load: its reader (pyarrow) reads 16 MB blocks ahead of the rows it hands
    over, so the share is of the rows the file's size suggests, not of the bytes read."""
    with load_progress(label, path, by_bytes=False) as callbacks:
        yield callbacks


def _period() -> float:
    try:
        return max(0.05, float(os.environ.get("CONVEYOR_PROGRESS_SECONDS", PLAIN_PROGRESS_SECONDS)))
    except ValueError:
        return PLAIN_PROGRESS_SECONDS


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _file_size(path: Path | None) -> int:
    try:
        return path.stat().st_size if path is not None and path.is_file() else 0
    except OSError:
        return 0


def _read_position(path: Path | None) -> int | None:
    """How far this process has read into `path`: the largest offset of its open descriptors on it
    (Linux /proc); None where that cannot be seen (another system, or the file is not open)."""
    if path is None:
        return None
    try:
        target = os.path.realpath(path)
        found = None
        for fd in os.listdir("/proc/self/fd"):
            try:
                if os.readlink(f"/proc/self/fd/{fd}") != target:
                    continue
                with open(f"/proc/self/fdinfo/{fd}") as info:
                    position = int(info.readline().split()[1])  # first line: "pos:\t<offset>"
            except (OSError, ValueError, IndexError):
                continue
            found = position if found is None else max(found, position)
        return found
    except OSError:
        return None


def estimated_rows(path: Path) -> int:
    """Rows in a text file, from its size and the line length of its first megabyte (the reader reads
    ahead, so its position in the file says little about the rows done)."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(1 << 20)
    except OSError:
        return 0
    lines = head.count(b"\n")
    return int(size / (len(head) / lines)) - 1 if lines else 0


PLAIN_PROGRESS_SECONDS = 5.0  # between plain progress lines; CONVEYOR_PROGRESS_SECONDS overrides
