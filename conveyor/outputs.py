"""Where a command may write: never over the graph, its sidecar files or its evidence store, never
over one of the command's own inputs, and over an existing file only when the user passed --force."""

from __future__ import annotations

import glob
from collections.abc import Iterable
from pathlib import Path

import click

from conveyor.graph.evidence import evidence_location
from conveyor.graph.store.embedded_guard import lock_path, settings_path

from .context import Settings


def _protected(settings: Settings) -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    location = settings.location
    if "://" not in location:
        graph_file = Path(location).expanduser().resolve()
        found.append(("the graph file", graph_file))
        # The embedded server keeps sidecars named after the graph file (GRAPH.settings, locks).
        folder = graph_file.parent
        if folder.is_dir():
            found += [("a file the graph keeps beside it", p.resolve())
                      for p in folder.glob(f"{glob.escape(graph_file.name)}.*")]
        # ... and those that exist only while a command has the graph open (this one, by the time it
        # writes --out): written then, they were deleted with the command's lock as it ended.
        found += [("a file the graph keeps beside it", lock_path(graph_file)),
                  ("a file the graph keeps beside it", settings_path(graph_file))]
    evidence = settings.evidence or evidence_location(location)
    if evidence:
        found.append(("the evidence store", Path(evidence).expanduser().resolve()))
    return found


def checked_output(ctx: click.Context, out: Path, *, force: bool = False, inputs: Iterable[Path] = (),
                   option: str = "--out") -> Path:
    """`out` resolved, or a one-line error saying why it may not be written."""
    target = out.expanduser().resolve()
    settings: Settings = ctx.obj
    for what, path in [*_protected(settings), *(("an input of this command", Path(p).expanduser().resolve())
                                                 for p in inputs)]:
        if target == path or target.is_relative_to(path):
            raise click.ClickException(f"{option} {out} would overwrite {what} ({path}); choose another path")
    if target.is_dir():
        raise click.ClickException(f"{option} {out} is a folder: give a file name")
    if target.exists() and not force:
        raise click.ClickException(f"{option} {out} exists; pass --force to replace it")
    return target


def checked_folder(ctx: click.Context, param: click.Parameter, folder: Path | None) -> Path | None:
    """A click callback for an output folder (--rejects): never the graph, its sidecars or its evidence
    store (checked before the work, not found out after it)."""
    if folder is None:
        return None
    target = folder.expanduser().resolve()
    for what, path in _protected(ctx.obj):
        if target == path or target.is_relative_to(path):
            raise click.BadParameter(f"{folder} would overwrite {what} ({path}); choose another folder")
    if target.exists() and not target.is_dir():
        raise click.BadParameter(f"{folder} is a file, not a folder")
    return folder
