"""Which reader handles which source format. Each reader is `read_X(path, *, source, mapping=None)`
returning an iterator of Chunks; modules are imported only when their format is asked for."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from pathlib import Path

from .base import Chunk

Reader = Callable[..., Iterator[Chunk]]

REGISTRY_FORMATS: dict[str, tuple[str, str]] = {
    "ftm": ("conveyor.loaders.ftm", "read_ftm"),
    "bods": ("conveyor.loaders.bods", "read_bods"),
    "gleif": ("conveyor.loaders.gleif", "read_gleif"),
    "icij": ("conveyor.loaders.icij", "read_icij"),
    "csv": ("conveyor.loaders.registry_csv", "read_registry_csv"),
}

TRADE_FORMATS: dict[str, tuple[str, str]] = {
    "shipments": ("conveyor.loaders.shipments", "read_shipments_source"),
    "comtrade": ("conveyor.loaders.comtrade", "read_comtrade"),
    "comext": ("conveyor.loaders.comext", "read_comext"),
}


def reader_for(kind: dict[str, tuple[str, str]], fmt: str) -> Reader:
    module_name, function = kind[fmt]
    return getattr(importlib.import_module(module_name), function)


def read(kind: dict[str, tuple[str, str]], fmt: str, path: Path, *, source: str,
         mapping: Path | None = None) -> Iterator[Chunk]:
    return reader_for(kind, fmt)(path, source=source, mapping=mapping)
