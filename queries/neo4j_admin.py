"""The whole graph as files for `neo4j-admin database import full` (Neo4j 5's offline bulk importer).

Format decisions (Neo4j's CSV header format, operations manual "Import header format"):

- One nodes file per schema label (`nodes-Company.csv`) and one relationships file per relationship
  type and endpoint pair (`relationships-OWNS-Person-Company.csv`), each with its header as the first
  row. A header row rather than a separate header file: every file is then self-describing (csv
  readers, pandas and the importer read the same thing), and the usual reason for header files - the
  types are not known when the data is written - does not apply here, because rows are first spilled
  to a temporary JSON-lines file while the types are profiled and only then written as CSV.
- Nodes: `<key>:ID(<Label>)` (the schema key, kept as a property of that name; one ID group per label
  because keys are unique per label, not across labels), `:LABEL` (the label plus its role labels,
  e.g. `Company;Dealer`), then typed properties. Relationships: `:START_ID(<Label>)`,
  `:END_ID(<Label>)`, `:TYPE`, then typed properties.
- Property types are inferred from the values present: `long`, `double`, `boolean`, `string` and their
  arrays. `long`/`double` rather than `int`/`float`: those name Java's 32-bit types (arrays of them are
  stored as such, `--normalize-types` leaves arrays alone), while the graph's integers and floats are
  64-bit, as Cypher writes them; `long`/`double` hold every one of them exactly. Integers in a float
  column are widened to double (said in a note; integers beyond 2**53, which double cannot hold
  exactly, make it a string column instead). A column whose values have different types is written
  as string, and the command says so: the importer has no per-value type.
- Lists become arrays split on one array delimiter for the whole import (the importer has one
  `--array-delimiter`, shared by `:LABEL`) with no escape for it. `;` is used unless a list item
  contains it; then `|`, then U+001F (unit separator). If every candidate occurs in list items, the
  columns whose items contain `;` are written as JSON text in a string column (note printed). Lists
  with null or nested items are also JSON text.
- Quoting is RFC 4180, which is what the importer reads by default (`--legacy-style-quoting=false`:
  a backslash is an ordinary character): fields holding the delimiter, a quote or a line break are
  quoted, quotes doubled. Line breaks inside values need `--multiline-fields=true`, so the command
  always passes it.
- Absent properties are empty fields, which the importer skips. Empty strings and empty lists are also
  written as empty fields, so they are absent in Neo4j too (a CSV import cannot tell an empty array
  from null); the stores here never keep empty strings (upserts drop them).
- Shipment rows are not graph nodes: they stay in the Parquet evidence store, whose current files are
  listed with the command for anyone who wants them as well.

The graph is read page by page in key order (`WHERE key > $after ... ORDER BY key LIMIT $page`) so
memory holds one page; relationships page by start key, and a start node with more relationships than
a page continues by end key (and, for keyed types, by relationship key). Every exported count is
checked against the store's own counts before any file is published: a graph that changed during
the export, or holds what the schema cannot place, fails the export instead of giving a partial one.
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import re
import secrets
import shlex
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ..graph.errors import SchemaError, SettingError
from ..graph.evidence import EvidenceStore, current_runs
from ..graph.schema import NODES, RELATIONSHIPS, node_type, rel_type
from ..graph.store.base import GraphStore, Row
from .saved import QueryError

DEFAULT_PAGE_SIZE = 10_000
DEFAULT_DATABASE = "conveyor"
# Tried in order; each must differ from the field delimiter (,) and the quote (").
ARRAY_DELIMITERS: tuple[str, ...] = (";", "|", "\u001f")
_MAX_EXACT_DOUBLE = 2**53
# Neo4j database names: 3-63 ASCII letters, digits, dots and dashes, starting with a letter.
_DATABASE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9.-]{2,62}")


class ExportRefused(QueryError):
    """The export would overwrite something, or cannot be complete; the message says which and why.
    A QueryError (so a ConveyorError and a ValueError, as before)."""


# -- file names, all derived from the schema ----------------------------------------------------
def node_file_name(label: str) -> str:
    return f"nodes-{node_type(label).label}.csv"


def relationship_file_name(rel: str, start: str, end: str) -> str:
    return f"relationships-{rel_type(rel).type}-{node_type(start).label}-{node_type(end).label}.csv"


def candidate_file_names() -> list[str]:
    """Every file this export can write, whether or not the graph has data for it."""
    names = [node_file_name(label) for label in NODES]
    for rt in RELATIONSHIPS.values():
        names += [relationship_file_name(rt.type, s, e) for s, e in rt.endpoints]
    return names


# -- Cypher (labels, types and property names from graph.schema; values only as parameters) ------
def _node_properties(label: str) -> tuple[str, ...]:
    nt = node_type(label)
    return tuple(p for p in nt.all_properties if p != nt.key)


def node_page_cypher(label: str, *, first: bool) -> str:
    """One page of nodes of `label` in key order: after `$after` unless `first`."""
    nt = node_type(label)
    columns = [f"n.{nt.key} AS k0", "labels(n) AS lbl",
               *(f"n.{p} AS p{i}" for i, p in enumerate(_node_properties(label)))]
    where = "" if first else f"\nWHERE n.{nt.key} > $after"
    return f"MATCH (n:{label}){where}\nRETURN {', '.join(columns)}\nORDER BY k0\nLIMIT $page"


def _rel_sort_keys(rel: str, start: str, end: str) -> list[str]:
    rt = rel_type(rel)
    keys = [f"a.{node_type(start).key}", f"b.{node_type(end).key}"]
    return [*keys, f"r.{rt.key}"] if rt.key else keys


def relationship_page_cypher(rel: str, start: str, end: str, depth: int, *, first: bool) -> str:
    """One page of `rel` relationships from `start` to `end` nodes in (start key, end key[, rel key])
    order. `depth` components are fixed by `$k0` / `$k1`; the next one pages after `$after`."""
    rt = rel_type(rel)
    if (start, end) not in rt.endpoints:
        raise SchemaError(f"{rel} does not connect {start} -> {end}")
    sort_keys = _rel_sort_keys(rel, start, end)
    if not 0 <= depth < len(sort_keys):
        raise SettingError(f"depth {depth} out of range for {rel}")
    a, b = node_type(start), node_type(end)
    a_pattern = f"(a:{start} {{{a.key}: $k0}})" if depth >= 1 else f"(a:{start})"
    b_pattern = f"(b:{end} {{{b.key}: $k1}})" if depth >= 2 else f"(b:{end})"
    where = "" if first else f"\nWHERE {sort_keys[depth]} > $after"
    columns = [*(f"{k} AS k{i}" for i, k in enumerate(sort_keys)),
               *(f"r.{p} AS p{i}" for i, p in enumerate(rt.all_properties))]
    order = ", ".join(f"k{i}" for i in range(depth, len(sort_keys)))
    return (f"MATCH {a_pattern}-[r:{rel}]->{b_pattern}{where}\n"
            f"RETURN {', '.join(columns)}\nORDER BY {order}\nLIMIT $page")


def node_pages(store: GraphStore, label: str, page: int) -> Iterator[Row]:
    """Every node of `label`, one page in memory at a time."""
    after: Any = None
    first = True
    while True:
        params: dict[str, Any] = {"page": page} if first else {"page": page, "after": after}
        rows = store.run(node_page_cypher(label, first=first), params)
        yield from rows
        if len(rows) < page:
            return
        after, first = rows[-1]["k0"], False


def relationship_pages(store: GraphStore, rel: str, start: str, end: str, page: int) -> Iterator[Row]:
    """Every `rel` relationship from `start` to `end` nodes, one page in memory at a time.

    A full page may stop inside the relationships of its last start node; those are dropped from the
    page and read by end key (a supernode with more relationships than a page is read in pages too),
    then the walk goes on after that start key.
    """
    deepest = len(_rel_sort_keys(rel, start, end)) - 1

    def walk(depth: int, fixed: list[Any]) -> Iterator[Row]:
        after: Any = None
        first = True
        while True:
            params: dict[str, Any] = {"page": page, **{f"k{i}": v for i, v in enumerate(fixed)}}
            if not first:
                params["after"] = after
            rows = store.run(relationship_page_cypher(rel, start, end, depth, first=first), params)
            if len(rows) < page:
                yield from rows
                return
            last = rows[-1][f"k{depth}"]
            if depth == deepest or last is None:
                # Unique at this level (or unpageable nulls, sorted last): the count check reports a gap.
                yield from rows
                if last is None:
                    return
            else:
                yield from (r for r in rows if r[f"k{depth}"] != last)
                yield from walk(depth + 1, [*fixed, last])
            after, first = last, False

    return walk(0, [])


# -- values and their types -----------------------------------------------------------------------
def _kind(value: Any) -> str:
    if isinstance(value, bool):  # before int: bool is an int in Python
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "list"
    return "other"


@dataclass
class _Profile:
    """What one column holds, gathered row by row (constant memory)."""

    kinds: set[str] = field(default_factory=set)
    item_kinds: set[str] = field(default_factory=set)
    item_delimiters: set[str] = field(default_factory=set)  # candidate delimiters found inside items
    big_int: bool = False  # an integer double cannot hold exactly
    empty_list: bool = False

    def add(self, value: Any) -> None:
        if value is None:
            return
        kind = _kind(value)
        self.kinds.add(kind)
        if kind == "long" and abs(value) > _MAX_EXACT_DOUBLE:
            self.big_int = True
        if kind != "list":
            return
        if not value:
            self.empty_list = True
        for item in value:
            item_kind = "null" if item is None else _kind(item)
            self.item_kinds.add(item_kind)
            if item_kind == "long" and abs(item) > _MAX_EXACT_DOUBLE:
                self.big_int = True
            elif item_kind == "string":
                self.item_delimiters.update(d for d in ARRAY_DELIMITERS if d in item)

    @property
    def array_candidate(self) -> bool:
        """Would be written as an array, given a delimiter its items do not contain."""
        return self.kinds == {"list"} and not self.item_kinds & {"null", "list", "other"}


def _resolve(p: _Profile, delimiter: str) -> tuple[str, str | None]:
    """The Neo4j type of a column and, when values are not written as their own type, why."""
    if p.kinds == {"list"}:
        if not p.array_candidate:
            return "string", "lists with null, nested or non-scalar items, written as JSON text"
        if delimiter in p.item_delimiters:
            return "string", (f"list items contain every candidate array delimiter, written as JSON text "
                              f"(split them with a JSON parser, not on {_shown(delimiter)})")
        items = p.item_kinds
        if not items or items == {"string"}:
            return "string[]", None
        if items == {"boolean"}:
            return "boolean[]", None
        if items == {"long"}:
            return "long[]", None
        if items <= {"long", "double"}:
            if p.big_int:
                return "string[]", "integer and float items (integers too large for double): written as text"
            return "double[]", ("integer and float items: integers widened to double" if "long" in items
                                else None)
        return "string[]", f"items of types {_types(items)}: every item written as text"
    if "list" in p.kinds:
        return "string", (f"values of types {_types(p.kinds)}: the whole column is written as string "
                          "(lists as JSON text)")
    if p.kinds == {"long", "double"}:
        if p.big_int:
            return "string", "integer and float values (integers too large for double): written as string"
        return "double", "integer and float values: integers widened to double"
    if len(p.kinds) > 1:
        return "string", f"values of types {_types(p.kinds)}: the whole column is written as string"
    (kind,) = p.kinds
    if kind == "other":
        return "string", "values of a type CSV cannot carry, written as their text"
    return kind, None


def _types(kinds: set[str]) -> str:
    names = {"long": "integer", "double": "float", "list": "list", "other": "other", "null": "null"}
    return ", ".join(sorted(names.get(k, k) for k in kinds))


def _shown(delimiter: str) -> str:
    return f"U+{ord(delimiter):04X}" if not delimiter.isprintable() else delimiter


def _double(value: Any) -> str:
    number = float(value)
    if math.isnan(number):
        return "NaN"  # the spellings Java's Double.parseDouble accepts
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    return repr(number)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _double(value)
    if isinstance(value, list | tuple):
        return json.dumps(list(value), ensure_ascii=False, default=str)
    return str(value)


def _formatter(neo4j_type: str, delimiter: str) -> Callable[[Any], str]:
    scalars: dict[str, Callable[[Any], str]] = {"long": str, "double": _double, "boolean": _text}
    scalar = scalars.get(neo4j_type.removesuffix("[]"), _text)
    if not neo4j_type.endswith("[]"):
        return lambda v: "" if v is None else scalar(v)
    return lambda v: "" if v is None else delimiter.join(scalar(item) for item in v)


# -- one output file ------------------------------------------------------------------------------
@dataclass
class ExportedFile:
    name: str
    kind: str  # "nodes" or "relationships"
    label: str  # node label, or relationship type
    start: str = ""
    end: str = ""
    rows: int = 0
    header: list[str] = field(default_factory=list)
    path: Path | None = None


@dataclass
class _Pending:
    """One file being built: its rows spilled as JSON lines while the columns are profiled."""

    file: ExportedFile
    id_columns: list[str]  # header of the leading id / label / type columns
    properties: tuple[str, ...]
    spill: Path
    profiles: list[_Profile]
    non_string_ids: bool = False
    csv_tmp: Path | None = None


@dataclass
class EvidenceInfo:
    folder: Path
    rows: int
    files: list[Path]
    missing: list[Path]


@dataclass
class Neo4jAdminExport:
    out: Path
    database: str
    array_delimiter: str
    files: list[ExportedFile]
    notes: list[str]
    removed: list[Path]
    evidence: EvidenceInfo | None

    def command(self) -> str:
        """The neo4j-admin command for these files, one option a line (a shell continues the lines)."""
        parts = ["neo4j-admin database import full"]
        for f in self.files:
            assert f.path is not None
            flag = "--nodes" if f.kind == "nodes" else "--relationships"
            parts.append(f"{flag}={shlex.quote(str(f.path))}")
        parts += [f'--array-delimiter="{_shown(self.array_delimiter)}"', "--multiline-fields=true",
                  shlex.quote(self.database)]
        return " \\\n  ".join(parts)


# -- the export ----------------------------------------------------------------------------------
def check_out(out: Path, *, graph_file: Path | None, evidence_folder: Path | None, force: bool) -> Path:
    """The resolved output folder, or ExportRefused: never the graph file or its evidence, never over
    existing export files without `force`."""
    target = out.expanduser().resolve()
    for what, path in (("the graph file", graph_file), ("the evidence store", evidence_folder)):
        if path is None:
            continue
        path = path.expanduser().resolve()
        if target == path or target.is_relative_to(path) or path.is_relative_to(target):
            raise ExportRefused(f"--out {out} is, is inside or contains {what} ({path}); "
                                "choose a folder of its own for the export")
    if target.exists() and not target.is_dir():
        raise ExportRefused(f"--out {out} exists and is not a folder")
    if "," in str(target):
        # neo4j-admin splits --nodes / --relationships values on commas: the command could not name the files.
        raise ExportRefused(f"--out {target} contains a comma, which neo4j-admin reads as a file separator")
    existing = [name for name in candidate_file_names() if (target / name).exists()]
    if existing and not force:
        shown = ", ".join(existing[:5]) + (f" and {len(existing) - 5} more" if len(existing) > 5 else "")
        raise ExportRefused(f"{target} already holds export files ({shown}); pass --force to replace them")
    return target


def validate_database_name(name: str) -> str:
    if not _DATABASE_NAME.fullmatch(name) or name.lower().startswith("system"):
        raise ExportRefused(f"{name!r} is not a valid Neo4j database name (3-63 ASCII letters, digits, dots "
                            "or dashes, starting with a letter; not 'system...')")
    return name


def export_neo4j_admin(store: GraphStore, out: Path, *, graph_file: Path | None = None,  # noqa: C901  refusals first, then one pass per label and type
                       evidence: EvidenceStore | None = None, database: str = DEFAULT_DATABASE,
                       force: bool = False, page_size: int = DEFAULT_PAGE_SIZE) -> Neo4jAdminExport:
    """Write the whole graph to `out` as neo4j-admin import files; see the module docstring."""
    database = validate_database_name(database)
    if page_size < 1:
        raise SettingError("page_size must be at least 1")
    target = check_out(out, graph_file=graph_file, evidence_folder=evidence.folder if evidence else None,
                       force=force)
    target.mkdir(parents=True, exist_ok=True)
    pending: list[_Pending] = []
    try:
        before = store.counts()
        problems: list[str] = []
        for label in NODES:
            if before["nodes"].get(label):
                pending.append(_spill_nodes(store, target, label, page_size, problems))
        for rt in RELATIONSHIPS.values():
            if not before["relationships"].get(rt.type):
                continue
            for start, end in rt.endpoints:
                spilled = _spill_relationships(store, target, rt.type, start, end, page_size)
                if spilled.file.rows:
                    pending.append(spilled)
                else:
                    spilled.spill.unlink()
        if store.counts() != before:
            raise ExportRefused("the graph changed while it was being exported; run the export again "
                                "when no load is running")
        problems += _count_problems(before, pending)
        if problems:
            raise ExportRefused("the export would not be the whole graph, so no file was written:\n  "
                                + "\n  ".join(problems))
        delimiter, notes = _choose_delimiter(pending)
        for p in pending:
            notes += _write_csv(p, delimiter)
        for p in pending:  # publish only once every file is complete
            assert p.csv_tmp is not None
            p.file.path = target / p.file.name
            os.replace(p.csv_tmp, p.file.path)
            p.csv_tmp = None
    finally:
        for p in pending:
            for leftover in (p.spill, p.csv_tmp):
                if leftover is not None:
                    with contextlib.suppress(FileNotFoundError):
                        leftover.unlink()
    written = {p.file.name for p in pending}
    removed = []
    for name in candidate_file_names():  # files of an earlier export (--force) that this graph no longer has
        stale = target / name
        if name not in written and stale.exists():
            stale.unlink()
            removed.append(stale)
    return Neo4jAdminExport(target, database, delimiter, [p.file for p in pending], notes, removed,
                            _evidence_info(store, evidence) if evidence else None)


def _temp(folder: Path, name: str, suffix: str) -> Path:
    """A new hidden file in the output folder itself, so the final rename is atomic (same file system).
    Not tempfile.mkstemp: its 0600 mode would survive the rename, and neo4j-admin often runs as
    another user (neo4j) that must read the files; open(..., "x") keeps the umask's mode."""
    while True:
        path = folder / f".{name}.{secrets.token_hex(6)}{suffix}"
        with contextlib.suppress(FileExistsError), open(path, "x", encoding="utf-8"):
            return path


def _spill_nodes(store: GraphStore, folder: Path, label: str, page: int, problems: list[str]) -> _Pending:
    nt = node_type(label)
    props = _node_properties(label)
    p = _Pending(ExportedFile(node_file_name(label), "nodes", label),
                 [f"{nt.key}:ID({label})", ":LABEL"], props,
                 _temp(folder, node_file_name(label), ".spill.jsonl"), [_Profile() for _ in props])
    others = set(NODES) - {label}
    with open(p.spill, "w", encoding="utf-8") as fh:
        for row in node_pages(store, label, page):
            labels = row["lbl"] or []
            # A node with two schema labels would be written to two files and become two nodes in Neo4j.
            clash = sorted(others & set(labels))
            if clash and len(problems) < 20:
                problems.append(f"{label} {row['k0']!r} also has label(s) {clash}; neo4j-admin would make "
                                "two nodes of it")
            roles = [r for r in nt.roles if r in labels]
            p.file.rows += 1
            _spill_row(fh, p, row["k0"], [label, *roles], row)
    return p


def _spill_relationships(store: GraphStore, folder: Path, rel: str, start: str, end: str,
                         page: int) -> _Pending:
    rt = rel_type(rel)
    name = relationship_file_name(rel, start, end)
    p = _Pending(ExportedFile(name, "relationships", rel, start, end),
                 [f":START_ID({start})", f":END_ID({end})", ":TYPE"], rt.all_properties,
                 _temp(folder, name, ".spill.jsonl"), [_Profile() for _ in rt.all_properties])
    with open(p.spill, "w", encoding="utf-8") as fh:
        for row in relationship_pages(store, rel, start, end, page):
            p.file.rows += 1
            _spill_row(fh, p, row["k0"], row["k1"], row)
    return p


def _spill_row(fh: TextIO, p: _Pending, first: Any, second: Any, row: Row) -> None:
    values = [row[f"p{i}"] for i in range(len(p.properties))]
    for profile, value in zip(p.profiles, values, strict=True):
        profile.add(value)
    if not isinstance(first, str) or (p.file.kind == "relationships" and not isinstance(second, str)):
        p.non_string_ids = True
    # default=str: a value JSON cannot hold was profiled as "other" and is written as its text anyway.
    fh.write(json.dumps([first, second, *values], ensure_ascii=False, default=str))
    fh.write("\n")


def _count_problems(counts: dict[str, dict[str, int]], pending: Sequence[_Pending]) -> list[str]:
    """Differences between the store's counts and what was read (the export must be the whole graph)."""
    problems = []
    exported: dict[str, int] = {}
    for p in pending:
        if p.file.kind == "relationships":
            exported[p.file.label] = exported.get(p.file.label, 0) + p.file.rows
    for rel, n in counts["relationships"].items():
        if rel not in RELATIONSHIPS:
            problems.append(f"relationship type {rel!r} ({n:,}) is not in the schema")
        elif exported.get(rel, 0) != n:
            problems.append(f"{rel}: {n:,} relationships in the graph, {exported.get(rel, 0):,} between the "
                            "labels the schema declares for it")
    by_label = {p.file.label: p.file.rows for p in pending if p.file.kind == "nodes"}
    roles = {role: label for label, nt in NODES.items() for role in nt.roles}
    for label, n in counts["nodes"].items():
        if label in NODES and by_label.get(label, 0) != n:
            problems.append(f"{label}: {n:,} nodes in the graph, {by_label.get(label, 0):,} read")
        elif label not in NODES and label not in roles:
            problems.append(f"label {label!r} ({n:,} nodes) is not in the schema")
    return problems


def _choose_delimiter(pending: Sequence[_Pending]) -> tuple[str, list[str]]:
    used: set[str] = set()
    for p in pending:
        for profile in p.profiles:
            if profile.array_candidate:
                used |= profile.item_delimiters
    for candidate in ARRAY_DELIMITERS:
        if candidate not in used:
            notes = [] if candidate == ARRAY_DELIMITERS[0] else [
                f"list items contain {' and '.join(repr(_shown(d)) for d in sorted(used))}, so the array "
                f"delimiter is {_shown(candidate)!r} (split arrays and :LABEL on it)"]
            return candidate, notes
    return ARRAY_DELIMITERS[0], []  # the affected columns become JSON text, each with its note


def _write_csv(p: _Pending, delimiter: str) -> list[str]:
    notes = []
    columns: list[tuple[int, str, Callable[[Any], str]]] = []
    for i, (name, profile) in enumerate(zip(p.properties, p.profiles, strict=True)):
        if not profile.kinds:
            continue  # no value anywhere: no column (its type could not be known)
        neo4j_type, note = _resolve(profile, delimiter)
        if note:
            notes.append(f"{p.file.name} {name}: {note}")
        if profile.empty_list and neo4j_type.endswith("[]"):
            notes.append(f"{p.file.name} {name}: empty lists are left out (a CSV import cannot tell them "
                         "from no value)")
        columns.append((i, f"{name}:{neo4j_type}", _formatter(neo4j_type, delimiter)))
    if p.non_string_ids:
        notes.append(f"{p.file.name}: some keys are not strings; their text is the id (neo4j-admin ids are "
                     "strings)")
    p.file.header = [*p.id_columns, *(header for _, header, _ in columns)]
    p.csv_tmp = _temp(p.spill.parent, p.file.name, ".tmp")
    with open(p.spill, encoding="utf-8") as src, open(p.csv_tmp, "w", encoding="utf-8", newline="") as dst:
        writer = csv.writer(dst, lineterminator="\n")  # RFC 4180 quoting: "" inside quoted fields
        writer.writerow(p.file.header)
        for line in src:
            first, second, *values = json.loads(line)
            if p.file.kind == "nodes":
                lead = [_text(first), delimiter.join(second)]
            else:
                lead = [_text(first), _text(second), p.file.label]
            writer.writerow([*lead, *(fmt(values[i]) for i, _, fmt in columns)])
    p.spill.unlink()
    return notes


def _evidence_info(store: GraphStore, evidence: EvidenceStore) -> EvidenceInfo:
    runs = current_runs(store)
    paths = [evidence.path(source, run) for source, run in sorted(runs.items())]
    return EvidenceInfo(evidence.folder.expanduser().resolve(), evidence.row_count(runs),
                        [p.resolve() for p in paths if p.is_file()], [p for p in paths if not p.is_file()])
