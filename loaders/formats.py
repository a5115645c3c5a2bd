"""Which reader handles which source format. Each reader is `read_X(path, *, source, mapping=None)`
returning an iterator of Chunks; modules are imported only when their format is asked for."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from pathlib import Path

from .base import Chunk

Reader = Callable[..., Iterator[Chunk]]

REGISTRY_FORMATS: dict[str, tuple[str, str]] = {
    "ftm": (".ftm", "read_ftm"),
    "bods": (".bods", "read_bods"),
    "gleif": (".gleif", "read_gleif"),
    "icij": (".icij", "read_icij"),
    "csv": (".registry_csv", "read_registry_csv"),
}

TRADE_FORMATS: dict[str, tuple[str, str]] = {
    "shipments": (".shipments", "read_shipments_source"),
    "comtrade": (".comtrade", "read_comtrade"),
    "comext": (".comext", "read_comext"),
}


def reader_for(kind: dict[str, tuple[str, str]], fmt: str) -> Reader:
    """The reader of `fmt`; module names are relative to this package (conveyor.loaders)."""
    module_name, function = kind[fmt]
    return getattr(importlib.import_module(module_name, __package__), function)


def read(kind: dict[str, tuple[str, str]], fmt: str, path: Path, *, source: str,
         mapping: Path | None = None) -> Iterator[Chunk]:
    return reader_for(kind, fmt)(path, source=source, mapping=mapping)
