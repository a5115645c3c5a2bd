"""What every command shares: where the graph is, opening it, progress bars."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from graph.store import GraphStore, default_location, open_store


@dataclass
class Settings:
    db: str | None
    batch_size: int | None

    @property
    def location(self) -> str:
        return self.db or default_location()


err_console = Console(stderr=True)


@contextlib.contextmanager
def store_from(ctx: click.Context, location: str | None = None) -> Iterator[GraphStore]:
    settings: Settings = ctx.obj
    store = open_store(location or settings.location, settings.batch_size)
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
