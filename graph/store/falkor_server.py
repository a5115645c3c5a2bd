"""A FalkorDB server shared by a team: `redis://[user:password@]host:port[/graph]` (also `falkordb://`,
`falkor://`; TLS with `rediss://`, `falkordbs://`, `falkors://`). The same Cypher and the same atomic
loads as the embedded file; the server belongs to whoever runs it, so closing the store neither stops
it nor saves unless asked."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from .base import DEFAULT_BATCH_SIZE, StoreError, redact
from .falkor_base import GRAPH_NAME, FalkorBase, client_options

# scheme -> TLS
SCHEMES = {"redis": False, "falkordb": False, "falkor": False, "rediss": True, "falkordbs": True, "falkors": True}
SERVER_PREFIXES = tuple(f"{scheme}://" for scheme in SCHEMES)
DEFAULT_PORT = 6379
PASSWORD_ENV = "FALKORDB_PASSWORD"
# Connecting may fail fast; reading may not (a statement takes as long as it takes: client_options).
CONNECT_TIMEOUT = 10.0


@dataclass(frozen=True)
class ServerAddress:
    """Where a FalkorDB server is, which graph, and how to log in. repr() shows no password."""

    scheme: str
    host: str
    port: int
    graph: str
    tls: bool
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def location(self) -> str:
        """The address without credentials, fit to print."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}/{quote(self.graph, safe='')}"


def parse_server_uri(uri: str, environ: Mapping[str, str] | None = None) -> ServerAddress:
    """Read a server URI; the password comes from it or else from FALKORDB_PASSWORD.

    Error messages show the URI redacted: a user name or password with '/', '?', '#' or '@' in it
    must be percent-encoded, and one that is not can end up anywhere in the URI.
    """
    environ = os.environ if environ is None else environ
    shown = redact(uri)
    unreadable = StoreError(
        f"cannot read the FalkorDB server address {shown!r}: give host:port with a numeric port, and "
        "percent-encode '/', '?', '#', ':' and '@' in the user name and password (or put the password in "
        f"{PASSWORD_ENV})"
    )
    # The parser's own messages are not shown: with an unencoded '/' in a password they quote part of it.
    try:
        parts = urlsplit(uri)
    except ValueError:
        raise unreadable from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise StoreError(f"{shown!r} is not a FalkorDB server address: use one of {', '.join(SERVER_PREFIXES)}")
    if "@" in parts.path or "@" in parts.query or "@" in parts.fragment:
        raise unreadable
    try:
        port = parts.port
    except ValueError:
        raise unreadable from None
    if parts.query or parts.fragment:
        raise StoreError(f"the FalkorDB server address {shown!r} takes no '?' options or '#' part")
    if not parts.hostname:
        raise StoreError(f"the FalkorDB server address {shown!r} names no host")
    graph = unquote(parts.path[1:]) if parts.path.startswith("/") else unquote(parts.path)
    if "/" in graph:
        raise StoreError(f"the FalkorDB server address {shown!r}: the path is one graph name, without '/'")
    password = unquote(parts.password) if parts.password else environ.get(PASSWORD_ENV) or None
    return ServerAddress(
        scheme=scheme, host=parts.hostname, port=port or DEFAULT_PORT, graph=graph or GRAPH_NAME,
        tls=SCHEMES[scheme], username=unquote(parts.username) if parts.username else None, password=password,
    )


class FalkorServerStore(FalkorBase):
    """One graph on a FalkorDB server.

    save() asks the server for a synchronous SAVE (it blocks the server while it writes; the server's
    own persistence settings otherwise decide when data reaches its disk). close() disconnects; it
    saves first only with save_on_close=True and only if this store wrote something.
    """

    def __init__(
        self, uri: str, batch_size: int = DEFAULT_BATCH_SIZE, save_on_close: bool = False,
        connect_timeout: float = CONNECT_TIMEOUT,
    ) -> None:
        self._address = parse_server_uri(uri)
        super().__init__(self._address.graph, batch_size)
        self.save_on_close = save_on_close
        import redis

        address = self._address
        options = client_options(self._client_name)
        pool = redis.ConnectionPool(
            connection_class=_bounded_setup(redis.SSLConnection if address.tls else redis.Connection),
            host=address.host, port=address.port, username=address.username, password=address.password,
            socket_connect_timeout=connect_timeout, **options,
        )
        client = redis.Redis(connection_pool=pool, retry=options["retry"])
        try:
            client.ping()
        except redis.RedisError as exc:
            client.close()
            raise StoreError(self._scrub(f"cannot connect to FalkorDB at {self.location}: {exc}")) from exc
        self._client = client
        try:
            self._read_command("GRAPH.LIST")  # fails unless the server runs the FalkorDB module
            self._connected()
        except BaseException as exc:
            self._client = None
            client.close()
            if isinstance(exc, StoreError):
                raise StoreError(f"{self.location} is not a usable FalkorDB server: {exc}") from exc
            raise

    @property
    def location(self) -> str:
        return self._address.location

    @property
    def address(self) -> ServerAddress:
        return self._address

    def _scrub(self, message: str) -> str:
        password = self._address.password
        if password:
            for form in {password, quote(password, safe="")}:
                message = message.replace(form, "***")
        return message

    def _save_failure_cause(self, exc: Exception) -> str:
        return (f"the server answered {exc!s} (its log says why; often its data folder is read-only "
                "or its disk is full)")

    def close(self) -> None:
        """Disconnect; the server keeps running. Saves first only if save_on_close and `dirty`."""
        client: Any = getattr(self, "_client", None)
        if client is None:
            return
        try:
            self._save_then_release(self.save_on_close and self._dirty, client.close)
        finally:
            self._client = None


def _bounded_setup(base: type) -> type:
    """`base` whose connecting, TLS handshake and login give up after the connect timeout.

    With no read timeout at all (client_options), a TLS handshake with a server that does not speak TLS
    would wait forever; replies to statements must still be awaited however long they take.
    """

    class BoundedSetupConnection(base):
        def connect_check_health(self, *args: Any, **kwargs: Any) -> None:
            if self._sock is not None:
                return super().connect_check_health(*args, **kwargs)
            wait = self.socket_timeout  # type: ignore[has-type]  # redis sets it in __init__
            self.socket_timeout = self.socket_connect_timeout
            try:
                return super().connect_check_health(*args, **kwargs)
            finally:
                self.socket_timeout = wait
                if self._sock is not None:
                    self._sock.settimeout(wait)
                # The parsers copy the timeout at connect and put it back on the socket after every
                # non-blocking poll (each time the pool hands the connection out).
                parser: Any = getattr(self, "_parser", None)
                if hasattr(parser, "_socket_timeout"):
                    parser._socket_timeout = wait
                buffer: Any = getattr(parser, "_buffer", None)
                if hasattr(buffer, "socket_timeout"):
                    buffer.socket_timeout = wait

    return BoundedSetupConnection
