"""What a command may read: a regular file (or a folder, where a format is a set of files). A FIFO, a
device such as /dev/zero or a socket would block or never end: refused with a one-line message."""

from __future__ import annotations

import stat
from pathlib import Path

import click


def _check(path: Path, allow_folder: bool, param_hint: str) -> Path:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return path  # the loader says "file not found" with the file's name, like its other errors
    except OSError as exc:
        raise click.BadParameter(f"{path}: cannot be read ({exc.strerror})", param_hint=param_hint) from None
    if stat.S_ISDIR(mode):
        if allow_folder:
            return path
        raise click.BadParameter(f"{path} is a folder: give a file", param_hint=param_hint)
    if not stat.S_ISREG(mode):
        kind = "a pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device or socket"
        raise click.BadParameter(f"{path} is {kind}, not a file: save the data to a file first",
                                 param_hint=param_hint)
    return path


def input_file(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """click callback: a regular file."""
    return None if value is None else _check(Path(value), False, param.get_error_hint(ctx))


def input_file_or_folder(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """click callback: a regular file or a folder of them."""
    return None if value is None else _check(Path(value), True, param.get_error_hint(ctx))
