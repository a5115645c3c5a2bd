"""ICIJ Offshore Leaks database CSV: entities, officers, intermediaries, addresses, others, relationships.

`path` is the folder of the published CSVs (any subset of them) or one of those files. Nodes are read
before relationships so every relationship finds its endpoints. ICIJ's own "same as / similar" links
are kept as ASSOCIATE (kind = the ICIJ rel_type): deciding that two nodes are one is resolution's job.

Mass-registration addresses and agents (one address for thousands of shell companies) are flagged
`supernode = true`, with the reason in `supernode_reasons`, when their degree in relationships.csv
reaches SUPERNODE_DEGREE (graph/supernode.py: the one definition), so path queries can step around them
instead of drowning in them.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..graph import supernode
from ..graph.errors import RowProblem
from ..graph.rows import NodeRow, RelRow
from ..graph.types import DATE
from .base import Chunk, NodeBatch, Reject, RelBatch, SourceError
from .csvfile import check_readable, read_csv_chunks, read_header
from .names import normalise_country, normalise_name

SUPERNODE_DEGREE = supernode.DEFAULT_MIN_DEGREE

# file -> (label, roles, schema tag)
NODE_FILES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "nodes-entities.csv": ("Company", (), "Entity"),
    "nodes-intermediaries.csv": ("Company", ("Intermediary",), "Intermediary"),
    "nodes-others.csv": ("Company", (), "Other"),
    "nodes-officers.csv": ("Person", (), "Officer"),
    "nodes-addresses.csv": ("Address", (), "Address"),
}
RELATIONSHIPS_FILE = "relationships.csv"
REL_REQUIRED = ("node_id_start", "node_id_end", "rel_type")
_OWNER_WORDS = ("shareholder", "beneficial owner", "beneficiary", "owner")
_OFFICER_WORDS = ("director", "secretary", "officer", "president", "manager", "chairman")
_SYMMETRIC = ("similar", "same_")
# Without the node files (relationships.csv loaded on its own) the endpoint labels are inferred.
_DEFAULT_LABELS = {"officer_of": ("Person", "Company"), "registered_address": ("Company", "Address")}


def parse_icij_date(text: str) -> str:
    """'23-MAR-2006' (ICIJ's usual form), '2006-03-23' and the other common forms -> ISO."""
    text = text.strip()
    for fmt in ("%d-%b-%Y", "%b %d, %Y", "%d %b %Y"):
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    date: str = DATE.clean(text, required=True)
    return date


def _files(p: Path) -> list[Path]:
    if p.is_dir():
        found = [p / name for name in (*NODE_FILES, RELATIONSHIPS_FILE) if (p / name).is_file()]
        if not found:
            raise SourceError(p, f"holds none of the ICIJ files {[*NODE_FILES, RELATIONSHIPS_FILE]}")
        return found
    check_readable(p)
    if p.name not in NODE_FILES and p.name != RELATIONSHIPS_FILE:
        raise SourceError(p, f"is not one of the ICIJ Offshore Leaks files {[*NODE_FILES, RELATIONSHIPS_FILE]}")
    return [p]


def read_icij(path: str | Path, *, source: str, mapping: str | Path | None = None,
              supernode_degree: int | None = None) -> Iterator[Chunk]:
    p = Path(path)
    if not p.exists():
        raise SourceError(p, "file or folder not found")
    if mapping is not None:
        raise SourceError(mapping, "--format icij reads ICIJ's own columns; it takes no --mapping")
    files = _files(p)
    threshold = SUPERNODE_DEGREE if supernode_degree is None else supernode_degree
    for f in files:  # every header is checked before anything is read: a bad file fails the whole load
        check_readable(f)
        header = read_header(f)
        required = REL_REQUIRED if f.name == RELATIONSHIPS_FILE else ("node_id",)
        missing = [c for c in required if c not in header]
        if missing:
            raise SourceError(f, f"missing required column(s) {missing}; the file has {header}", row=1,
                              field=missing[0])
    rel_file = next((f for f in files if f.name == RELATIONSHIPS_FILE), None)
    degree = _degrees(rel_file) if rel_file else Counter()
    labels: dict[str, tuple[str, int, str]] = {}  # node_id -> (label, row, file): endpoints and duplicates
    for f in files:
        if f.name in NODE_FILES:
            yield from _read_nodes(f, labels, degree, (threshold, f"{rel_file.name if rel_file else ''} of {source}"))
    if rel_file:
        yield from _read_relationships(rel_file, labels, known=len(labels) > 0)


def _degrees(f: Path) -> Counter:
    degree: Counter = Counter()
    with open(f, encoding="utf-8-sig", newline="") as fh:
        for rec in csv.DictReader(fh):
            degree[(rec.get("node_id_start") or "").strip()] += 1
            degree[(rec.get("node_id_end") or "").strip()] += 1
    return degree


def _bad_date(rec: dict[str, str], fields: tuple[str, ...]) -> tuple[str, str] | None:
    for name in fields:
        if rec.get(name):
            try:
                rec[name] = parse_icij_date(rec[name])
            except RowProblem as exc:
                return name, str(exc)
    return None


def _country(rec: dict[str, str]) -> str | None:
    for code in (rec.get("country_codes") or "").split(";"):
        c = normalise_country(code)
        if c:
            return c
    return None


def _read_nodes(f: Path, labels: dict, degree: Counter, limit: tuple[int, str]) -> Iterator[Chunk]:
    """`limit`: the supernode degree and what the degree counts (the relationships file, the source)."""
    label, roles, tag = NODE_FILES[f.name]
    for frame in read_csv_chunks(f, ("node_id",)):
        chunk = Chunk(read=len(frame))
        rows: list[NodeRow] = []
        for raw in frame.to_dict("records"):
            row = raw.pop("_row")
            rec = {k: (v or "").strip() for k, v in raw.items()}
            node_id = rec.get("node_id", "")
            problem: tuple[str, str] | None = None
            if not node_id:
                problem = ("node_id", "node_id is missing")
            elif node_id in labels:
                first = labels[node_id]
                problem = ("node_id", f"duplicate node_id {node_id} (first in {first[2]} row {first[1]})")
            elif label != "Address" and not rec.get("name"):
                problem = ("name", "name is missing")
            elif label == "Address" and not (rec.get("address") or rec.get("name")):
                problem = ("address", "address is missing")
            else:
                problem = _bad_date(rec, ("incorporation_date", "inactivation_date", "struck_off_date"))
            if problem:
                chunk.rejects.append(Reject(row, problem[0], rec.get(problem[0], ""), problem[1], rec))
                continue
            labels[node_id] = (label, row, f.name)
            props: dict[str, Any] = {"country": _country(rec)}
            if label == "Address":
                props["full"] = rec.get("address") or rec.get("name")
            else:
                props.update(name=rec["name"], name_norm=normalise_name(rec["name"]))
            if label == "Company":
                props.update(
                    schema=tag, jurisdiction=rec.get("jurisdiction") or None, status=rec.get("status") or None,
                    incorporation_date=rec.get("incorporation_date") or None,
                    dissolution_date=rec.get("struck_off_date") or rec.get("inactivation_date") or None,
                    address=rec.get("address") or None,
                )
            if label in ("Company", "Address") and supernode.at_least(degree[node_id], limit[0]):
                props["supernode"] = True
                props["supernode_reasons"] = [supernode.degree_reason(degree[node_id], *limit)]
            rows.append(NodeRow(f"icij:{node_id}", props, f"{f.name}:{row}", row))
        chunk.nodes.append(NodeBatch(label, rows, roles))
        yield chunk


def _classify(rel_type: str, link: str) -> tuple[str, dict[str, Any]] | None:
    """ICIJ rel_type + link text -> (schema type, props); None when the type is not loaded."""
    text = link.lower()
    if rel_type == "officer_of":
        if any(w in text for w in _OWNER_WORDS):
            kind = "nominee" if "nominee" in text else "beneficial_owner" if "benef" in text else "shareholder"
            return "OWNS", {"kind": kind}
        if any(w in text for w in _OFFICER_WORDS):
            return "DIRECTS", {"role": link or rel_type}
        return "ASSOCIATE", {"kind": link or rel_type}
    if rel_type == "registered_address":
        return "REGISTERED_AT", {}
    if rel_type == "intermediary_of":
        return "ASSOCIATE", {"kind": "intermediary"}
    if rel_type:
        return "ASSOCIATE", {"kind": rel_type}
    return None


_ALLOWED = {
    "OWNS": {("Person", "Company"), ("Company", "Company")},
    "DIRECTS": {("Person", "Company"), ("Company", "Company")},
    "REGISTERED_AT": {("Person", "Address"), ("Company", "Address")},
    "ASSOCIATE": {("Person", "Person"), ("Person", "Company"), ("Company", "Company")},
}


def _read_relationships(f: Path, labels: dict, known: bool) -> Iterator[Chunk]:
    seen: dict[str, int] = {}
    for frame in read_csv_chunks(f, REL_REQUIRED):
        chunk = Chunk(read=len(frame))
        batches: dict[tuple[str, str, str], list[RelRow]] = {}
        for raw in frame.to_dict("records"):
            row = raw.pop("_row")
            rec = {k: (v or "").strip() for k, v in raw.items()}
            start, end = rec.get("node_id_start", ""), rec.get("node_id_end", "")
            rel_type, link = rec.get("rel_type", "").lower(), rec.get("link", "")

            def reject(field: str, reason: str, rec: dict = rec, row: int = row, chunk: Chunk = chunk) -> None:
                chunk.rejects.append(Reject(row, field, rec.get(field, ""), reason, rec))

            if not start or not end:
                reject("node_id_start" if not start else "node_id_end", "relationship endpoint id is missing")
                continue
            bad = _bad_date(rec, ("start_date", "end_date"))
            if bad:
                reject(*bad)
                continue
            rel_key = f"{start}|{end}|{rel_type}|{link}"
            if rel_key in seen:
                reject("node_id_start", f"duplicate relationship (first at row {seen[rel_key]})")
                continue
            classified = _classify(rel_type, link)
            if classified is None:
                reject("rel_type", "rel_type is missing")
                continue
            rtype, props = classified
            if known:
                if start not in labels or end not in labels:
                    which = "node_id_start" if start not in labels else "node_id_end"
                    reject(which, f"no loaded ICIJ node with id {rec[which]} (it was absent or rejected)")
                    continue
                pair = (labels[start][0], labels[end][0])
            else:
                pair = _DEFAULT_LABELS.get(rel_type, ("Company", "Company"))
            if pair not in _ALLOWED[rtype] and rtype == "ASSOCIATE" and rel_type.startswith(_SYMMETRIC):
                start, end, pair = end, start, (pair[1], pair[0])  # symmetric: either direction says it
            if pair not in _ALLOWED[rtype]:
                reject("rel_type", f"{rel_type!r} ({link or 'no link'}) between {pair[0]} and {pair[1]} has no "
                                   f"{rtype} in the schema")
                continue
            seen[rel_key] = row
            if rtype != "REGISTERED_AT":
                props.update(start=rec.get("start_date") or None, end=rec.get("end_date") or None)
            if rtype == "OWNS":
                props["status"] = rec.get("status") or None
            out = RelRow(f"icij:{start}", f"icij:{end}", props, rel_key if rtype != "REGISTERED_AT" else None,
                         f"{f.name}:{row}", row)
            batches.setdefault((rtype, *pair), []).append(out)
        chunk.relationships = [RelBatch(t, s, e, rows) for (t, s, e), rows in batches.items()]
        yield chunk
