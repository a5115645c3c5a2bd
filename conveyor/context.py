"""What every command shares: where the graph is, opening it, progress bars."""

from __future__ import annotations

import contextlib
import sys
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
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from graph.evidence import EvidenceStore, evidence_location
from graph.store import GraphStore, default_location, open_store


@dataclass
class Settings:
    db: str | None
    batch_size: int | None
    evidence: str | None = None

    @property
    def location(self) -> str:
        return self.db or default_location()


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


@contextlib.contextmanager
def row_progress(label: str) -> Iterator:
    """A live count of rows read; silent when stderr is not a terminal (CI, pipes)."""
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                        TextColumn("{task.completed:,} rows"), TimeElapsedColumn(),
                        console=err_console, transient=True, disable=not sys.stderr.isatty())
    with progress:
        task = progress.add_task(label, total=None)
        yield lambda n: progress.advance(task, n)


@contextlib.contextmanager
def staged_progress(label: str, expected_rows: int) -> Iterator[tuple]:
    """Share of the file read (percentage and time left against `expected_rows`), rows read, and the
    stage a load is in (reading, deriving, saving): a live line on a terminal; elsewhere a stderr line
    per stage and one every few seconds while reading, so a slow stage is never silent."""
    tty = sys.stderr.isatty()
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                        TaskProgressColumn(), TextColumn("{task.fields[rows]:,} rows"), TimeElapsedColumn(),
                        TimeRemainingColumn(), console=err_console, transient=True, disable=not tty)
    last_line = [0.0]
    with progress:
        task = progress.add_task(f"{label}: reading", total=max(expected_rows, 1), rows=0)

        def stage(name: str) -> None:
            progress.update(task, description=f"{label}: {name}")
            if not tty:
                click.echo(f"{label}: {name}", err=True)

        def rows(n: int) -> None:
            done = progress.tasks[0]
            progress.update(task, rows=done.fields["rows"] + n, completed=min(done.completed + n, done.total))
            if not tty and time.monotonic() - last_line[0] >= PLAIN_PROGRESS_SECONDS:
                last_line[0] = time.monotonic()
                share = min(100.0, 100 * done.completed / done.total) if done.total else 0
                click.echo(f"{label}: {done.fields['rows']:,} rows read (~{share:.0f}% of the file)", err=True)

        yield rows, stage


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


PLAIN_PROGRESS_SECONDS = 5.0
