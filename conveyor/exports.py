"""The export flags a command shares (--html, --gexf, --graphml, --csv, --json, --ftm FILE): checked
before any work (never the graph or an input, an existing file only with --force), written after."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from conveyor.queries.export import FORMATS, write_selection
from conveyor.queries.subgraph import Selection

from .outputs import checked_output

_HELP = {
    "html": "an interactive network page (opens offline in a browser)",
    "gexf": "GEXF for Gephi",
    "graphml": "GraphML for yEd and Cytoscape",
    "csv": "CSV (UTF-8; --bom for spreadsheets)",
    "json": "JSON",
    "ftm": "FollowTheMoney entity lines (Aleph, OpenSanctions tools)",
}


def export_flags(*, force: bool = True) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: one FILE option per format, --bom, and --force unless the command has its own. The
    command receives the files given as one keyword, `export_files` (format -> path as given, unchecked:
    export_targets checks them)."""
    def wrap(f: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(f)
        def with_files(*args: Any, **options: Any) -> Any:
            files = {fmt: path for fmt in FORMATS if (path := options.pop(f"{fmt}_out")) is not None}
            return f(*args, export_files=files, **options)

        command: Callable[..., Any] = with_files
        if force:
            command = click.option("--force", is_flag=True, help="Replace output files that exist.")(command)
        command = click.option("--bom", is_flag=True, help="Start --csv files with a UTF-8 byte-order mark "
                               "(spreadsheet programs then read names correctly).")(command)
        for fmt in reversed(FORMATS):
            command = click.option(f"--{fmt}", f"{fmt}_out", type=click.Path(dir_okay=False, path_type=Path),
                                   metavar="FILE", help=f"Also write {_HELP[fmt]}.")(command)
        return command
    return wrap


def export_targets(ctx: click.Context, files: dict[str, Path], force: bool) -> dict[str, Path]:
    """format -> checked path, for the files of the export flags (`export_files`)."""
    targets: dict[str, Path] = {}
    for fmt, out in files.items():
        path = checked_output(ctx, out, force=force, option=f"--{fmt}")
        if path in targets.values():
            raise click.ClickException(f"--{fmt} {out} is also given for another format; one file each")
        targets[fmt] = path
    return targets


def write_targets(selection: Selection, targets: dict[str, Path], *, bom: bool = False,
                  max_nodes: int | None = None) -> None:
    for fmt, path in targets.items():
        write_selection(selection, fmt, path, bom=bom, max_nodes=max_nodes)
        # stderr: stdout keeps the command's own answer (json or csv stay machine-readable).
        click.echo(f"wrote {path} ({fmt}: {_HELP[fmt]})", err=True)
    if targets:
        for note in selection.notes:
            click.echo(f"note: {note}", err=True)
