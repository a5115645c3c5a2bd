"""The export flags a command shares (--html, --gexf, --graphml, --csv, --json, --ftm FILE): checked
before any work (never the graph or an input, an existing file only with --force), written after."""

from __future__ import annotations

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


def export_flags(*, force: bool = True) -> Callable:
    """Decorator: one FILE option per format, --bom, and --force unless the command has its own."""
    def wrap(f: Callable) -> Callable:
        if force:
            f = click.option("--force", is_flag=True, help="Replace output files that exist.")(f)
        f = click.option("--bom", is_flag=True, help="Start --csv files with a UTF-8 byte-order mark "
                         "(spreadsheet programs then read names correctly).")(f)
        for fmt in reversed(FORMATS):
            f = click.option(f"--{fmt}", f"{fmt}_out", type=click.Path(dir_okay=False, path_type=Path),
                             metavar="FILE", help=f"Also write {_HELP[fmt]}.")(f)
        return f
    return wrap


def export_targets(ctx: click.Context, options: dict[str, Any], force: bool) -> dict[str, Path]:
    """format -> checked path, from the command's keyword arguments (popped from `options`)."""
    targets: dict[str, Path] = {}
    for fmt in FORMATS:
        out = options.pop(f"{fmt}_out", None)
        if out is not None:
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
