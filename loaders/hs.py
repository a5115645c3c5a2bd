"""The HS nomenclature (chapters, headings, subheadings) as Product nodes with their CHILD_OF tree.

The file's TOTAL row ("total of all commodities", the code UN Comtrade uses for all-goods flows) is
kept as the root of the tree, so aggregate flows reported under TOTAL have a Product to point to.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from .base import Chunk, NodeBatch, Reject, RelBatch
from .csvfile import read_csv_chunks

COLUMNS = ("section", "hscode", "description", "parent", "level")
_DIGITS = re.compile(r"^\d+$")
ROOT = "TOTAL"


def read_hs(path: str | Path) -> Iterator[Chunk]:
    tree: list[dict] = []  # parents may come after children in a file: link once every node exists
    for frame in read_csv_chunks(path, COLUMNS):
        chunk = Chunk(read=len(frame))
        products = []
        for rec in frame.to_dict("records"):
            row = rec.pop("_row")
            code, level, parent = rec["hscode"].strip(), rec["level"].strip(), rec["parent"].strip()
            problem = _check(code, level, parent)
            if problem:
                field, reason = problem
                chunk.rejects.append(Reject(row, field, rec.get(field, ""), reason, rec))
                continue
            is_root = code == ROOT
            products.append({"key": code, "record_id": f"hs:{code}", "props": {
                "description": rec["description"].strip(), "level": 0 if is_root else int(level),
                "section": "" if is_root else rec["section"].strip(), "parent": "" if is_root else parent,
            }})
            if not is_root and parent:
                tree.append({"start": code, "end": parent, "props": {}, "row": row})
        chunk.nodes.append(NodeBatch("Product", products))
        yield chunk
    # Chapters hang under the TOTAL root whether or not this file carries its row.
    root = {"key": ROOT, "props": {"level": 0}}
    yield Chunk(nodes=[NodeBatch("Product", [root])],
                relationships=[RelBatch("CHILD_OF", "Product", "Product", tree)])


def _check(code: str, level: str, parent: str) -> tuple[str, str] | None:
    if code == ROOT:
        return None
    if not _DIGITS.match(code):
        return "hscode", "HS code must be digits only"
    if level not in ("2", "4", "6"):
        return "level", "level must be 2, 4 or 6"
    if len(code) != int(level):
        return "hscode", f"HS code has {len(code)} digits but level is {level}"
    if level == "2":
        return None if parent in (ROOT, "") else ("parent", f"a chapter's parent must be {ROOT}")
    if not code.startswith(parent) or len(parent) != int(level) - 2:
        return "parent", f"parent {parent!r} is not the {int(level) - 2}-digit prefix of {code}"
    return None
