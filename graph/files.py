"""Writing result files without ever leaving half a file or following a planted link.

Every output is written to a fresh temporary file created exclusively (O_EXCL: a symlink or file an
attacker placed under a predictable name is never opened) in the target's own folder, then renamed
over the target in one step, so a reader sees the old file or the new one, never a mix.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], mode: str = "w", *, encoding: str | None = "utf-8",
                  newline: str | None = "") -> Iterator[IO]:
    """An open file that becomes `path` when the block ends without an error (and vanishes if not)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    binary = "b" in mode
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        # mkstemp creates the file 0600; a result file gets the permissions any new file would.
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        fh = os.fdopen(fd, mode) if binary else os.fdopen(fd, mode, encoding=encoding, newline=newline)
        with fh:
            yield fh
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    with atomic_output(path, newline=None) as fh:
        fh.write(text)
    return Path(path)
