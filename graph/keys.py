"""Keys and indexed values the stores can hold.

An indexed string value over ~4 KB crashed the embedded FalkorDB server (a segfault during MERGE on a
5,000-character key), and a NUL byte in any value fails the whole query batch ("Failed to parse query
parameter"). Loaders reject values with NUL bytes row by row; every key and indexed value longer than
MAX_INDEXED_BYTES is replaced by a digest of it (`hashed:<sha256>`), the same for the same text, so
relationships still meet their endpoints and a reload still finds its nodes. Such text is never a
real identifier; names keep their full text in the unindexed properties.
"""

from __future__ import annotations

import hashlib

MAX_INDEXED_BYTES = 1024
HASHED_PREFIX = "hashed:"


def bounded(value: str) -> str:
    """`value` itself, or its digest when it is too long to index."""
    if len(value) * 4 <= MAX_INDEXED_BYTES or len(value.encode("utf-8")) <= MAX_INDEXED_BYTES:
        return value
    return HASHED_PREFIX + hashlib.sha256(value.encode("utf-8")).hexdigest()


def has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, (list, tuple)):
        return any(has_nul(v) for v in value)
    return False
