"""Saved queries: .cypher files with a header of `// key: value` lines, run with typed parameters.

    // name: colony-supply-paths
    // description: Supply paths from colony producers to buyers abroad
    // category: routes
    // param: colony_id string = ""   (optional: a default makes it optional)
    // param: max_rows int = 100
    // stores: falkordb, neo4j
    MATCH ...

Values only ever travel as parameters; the text of a query is never built from input.

Merged entities (decision): a query that takes an entity id declares it a `list` parameter and names
it in `// expand: company_id`; the runner replaces the ids given with every record id of their merged
entities (queries/merged.py), so the Cypher matches `c.id IN $company_id` and answers the same for
either id of a merged company. Result columns named in `// canonical: owner_id, company_id` (a
string id or a list of ids) are reported as canonical ids; rows that become identical are given once.
The record-level evidence stays in the rows' own columns (sources, record_ids). Queries without these
headers run as written, and the merged view is read only for queries that declare them.

    // param: company_id list
    // expand: company_id
    // canonical: owner_id
    MATCH (o)-[r:OWNS]->(c:Company) WHERE c.id IN $company_id ...

Analysts' own queries (decision): .cypher files in the same format are read from user folders beside
the shipped ones, looked up in this order: `--queries-dir` folders (as given), the `CONVEYOR_QUERIES`
folders (os.pathsep-separated, first wins as in PATH), then the per-user config folder
($XDG_CONFIG_HOME/conveyor/queries, else ~/.config/conveyor/queries). A user query named like a
shipped one replaces it, with a notice naming both files: an analyst can adapt a shipped query
(another threshold, another column) and keep the name their notebooks and scripts already use, and an
upgrade that ships a query of the same name never silently breaks theirs. The same name twice among
the user folders is ambiguous: the first in the order above is used and the other skipped with a
warning. A file that cannot be used (a missing or misspelt header, an unknown parameter type, a default
of the wrong type, no Cypher, the same name twice) is skipped with a warning naming it and the reason;
the other queries still load.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..graph.errors import ConveyorError
from ..graph.store.base import GraphStore
from .merged import MergedView

SAVED_DIR = Path(__file__).parent / "saved"
STORES = ("falkordb", "neo4j")
_TYPES = {"string", "int", "float", "bool", "list"}
_HEADER = re.compile(r"^//\s*(\w+):\s*(.*)$")
_PARAM = re.compile(r"^(\w+)\s+(\w+)(?:\s*=\s*(.*))?$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")  # typed on a command line: no spaces, no quotes
# Header keys the runner reads; any other `// key: value` line is kept as a note (shown by `query show`),
# unless it is a near-miss of one of these (`// parm:`), which would otherwise be silently ignored.
_KNOWN_KEYS = ("name", "description", "category", "param", "stores", "expand", "canonical", "fold", "how")
USER_QUERIES_ENV = "CONVEYOR_QUERIES"


class QueryError(ConveyorError, ValueError):
    """A query, its parameters or its output refused; the message says which and why."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None = None

    @property
    def required(self) -> bool:
        return self.default is None

    def convert(self, text: str) -> Any:
        try:
            if self.type == "int":
                return _int64(text)
            if self.type == "float":
                return _finite(text)
            if self.type == "bool":
                if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError(text)
                return text.lower() in ("true", "1", "yes")
            if self.type == "list":
                return [item.strip() for item in text.split(",") if item.strip()]
            return text
        except ValueError:
            raise QueryError(f"parameter {self.name!r} must be {self.type}, got {text!r}") from None


# What a store holds exactly: ASCII digits only (int() and float() also read '٣' as 3), integers that fit
# 64 bits (a larger limit overflowed in the store and answered nothing), finite floats (no nan, inf).
_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INT64 = range(-(2**63), 2**63)


def _int64(text: str) -> int:
    text = text.strip()
    if not _INT.fullmatch(text) or int(text) not in _INT64:
        raise ValueError(text)
    return int(text)


def _finite(text: str) -> float:
    text = text.strip()
    if not _FLOAT.fullmatch(text) or not math.isfinite(value := float(text)):
        raise ValueError(text)
    return value


@dataclass(frozen=True)
class SavedQuery:
    name: str
    description: str
    category: str
    params: tuple[Param, ...]
    stores: tuple[str, ...]
    cypher: str
    path: Path
    notes: dict[str, str] = field(default_factory=dict)
    expand: tuple[str, ...] = ()  # entity-id parameters widened to every merged record id
    canonical: tuple[str, ...] = ()  # result columns reported as canonical entity ids

    @property
    def shipped(self) -> bool:
        return self.path.parent == SAVED_DIR

    def bind(self, given: dict[str, str]) -> dict[str, Any]:
        known = {p.name: p for p in self.params}
        unknown = set(given) - set(known)
        if unknown:
            hints = [f"{u!r}: did you mean {close[0]!r}?" for u in sorted(unknown)
                     if (close := difflib.get_close_matches(u, list(known), n=1))]
            raise QueryError(f"{self.name} has no parameter(s) {sorted(unknown)}; it takes {sorted(known)}"
                             + (f" ({'; '.join(hints)})" if hints else ""))
        values: dict[str, Any] = {}
        for p in self.params:
            if p.name in given:
                values[p.name] = p.convert(given[p.name])
            elif p.default is None:  # required
                raise QueryError(f"{self.name} needs -p {p.name}=<{p.type}>")
            else:
                values[p.name] = p.convert(p.default) if p.default != "" or p.type == "string" else None
        return values

    def run(self, store: GraphStore, given: dict[str, str]) -> list[dict[str, Any]]:
        if store.kind not in self.stores:
            raise QueryError(
                f"{self.name} runs only on {', '.join(self.stores)} (it uses features {store.kind} lacks); "
                f"this store is {store.kind}"
            )
        values = self.bind(given)
        if not (self.expand or self.canonical):
            return store.run(self.cypher, values)
        view = MergedView.load(store)
        for name in self.expand:
            values[name] = view.expand(values[name] or [])
        return self._canonical_rows(store.run(self.cypher, values), view)

    def _canonical_rows(self, rows: list[dict[str, Any]], view: MergedView) -> list[dict[str, Any]]:
        out, seen = [], set()
        for row in rows:
            for column in self.canonical:
                value = row.get(column)
                if isinstance(value, str):
                    row[column] = view.canonical(value)
                elif isinstance(value, list):
                    row[column] = [view.canonical(v) if isinstance(v, str) else v for v in value]
            key = repr(sorted(row.items()))
            if key not in seen:
                seen.add(key)
                out.append(row)
        return out


def parse_saved_query(path: Path) -> SavedQuery:  # noqa: C901  one check per header key, each with its own message
    """One .cypher file; QueryError (naming the file and what is wrong) when it cannot be used."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise QueryError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise QueryError(f"{path}: cannot be read: {exc.strerror}") from None
    header: dict[str, str] = {}
    params: list[Param] = []
    body: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        m = _HEADER.match(line.strip()) if not body else None
        if m:
            key, value = m.group(1), m.group(2).strip()
            if key == "param":
                params.append(_param(path, value))
            elif key in header:
                raise QueryError(f"{path}, line {number}: header '// {key}:' given twice")
            else:
                if key not in _KNOWN_KEYS and (close := difflib.get_close_matches(key, _KNOWN_KEYS, n=1)):
                    raise QueryError(f"{path}, line {number}: unknown header '// {key}:'; "
                                     f"did you mean '// {close[0]}:'?")
                header[key] = value
        elif line.strip() or body:
            body.append(line)
    for key in ("name", "description"):
        if not header.get(key):
            raise QueryError(f"{path}: header line '// {key}: ...' is missing")
    if not _NAME.match(header["name"]):
        raise QueryError(f"{path}: name {header['name']!r} must be letters, digits, '-', '_' or '.' "
                         "(it is typed on the command line)")
    names = [p.name for p in params]
    if twice := sorted({n for n in names if names.count(n) > 1}):
        raise QueryError(f"{path}: parameter(s) {twice} declared twice")
    stores = tuple(s.strip() for s in header.get("stores", ",".join(STORES)).split(","))
    if bad := [s for s in stores if s not in STORES]:
        raise QueryError(f"{path}: unknown store(s) {bad}; known: {STORES}")
    extra = {k: v for k, v in header.items()
             if k not in ("name", "description", "category", "stores", "expand", "canonical")}
    expand, canonical = _names(header.get("expand")), _names(header.get("canonical"))
    types = {p.name: p.type for p in params}
    if bad := [n for n in expand if types.get(n) != "list"]:
        raise QueryError(f"{path}: '// expand:' names {bad}, which must be declared as list parameters")
    if "fold" in header:
        source, arrow, target = header["fold"].partition("->")
        if not arrow or types.get(source.strip()) != "string" or types.get(target.strip()) != "list":
            raise QueryError(f"{path}: '// fold: {header['fold']}' must read 'text -> keys' with text a "
                             "string parameter and keys a list parameter")
    cypher = "\n".join(body).strip()
    if not cypher:
        raise QueryError(f"{path}: no Cypher after the header")
    return SavedQuery(header["name"], header["description"], header.get("category", "general"),
                      tuple(params), stores, cypher, path, extra, expand, canonical)


def _names(text: str | None) -> tuple[str, ...]:
    return tuple(n.strip() for n in (text or "").split(",") if n.strip())


def _param(path: Path, text: str) -> Param:
    m = _PARAM.match(text)
    if not m or m.group(2) not in _TYPES:
        raise QueryError(f"{path}: bad parameter line {text!r}; expected 'name type [= default]' "
                         f"with type one of {sorted(_TYPES)}")
    default = m.group(3)
    if default is not None:
        default = default.strip().strip('"').strip("'")
    param = Param(m.group(1), m.group(2), default)
    if default not in (None, ""):
        try:
            param.convert(default)
        except QueryError as exc:
            raise QueryError(f"{path}: default of {exc}") from None
    return param


def saved_queries(folder: Path = SAVED_DIR) -> dict[str, SavedQuery]:
    """The queries of one folder, strictly: the first bad file raises (the shipped set must be whole)."""
    queries: dict[str, SavedQuery] = {}
    for path in sorted(folder.glob("*.cypher")):
        q = parse_saved_query(path)
        if q.name in queries:
            raise QueryError(f"{path}: name {q.name!r} is also used by {queries[q.name].path}")
        queries[q.name] = q
    return queries


def user_query_folders(queries_dirs: Sequence[Path] = (),
                       environ: Mapping[str, str] | None = None) -> list[Path]:
    """Where analysts' own queries are looked up, first wins: --queries-dir, $CONVEYOR_QUERIES, then
    the per-user config folder (XDG_CONFIG_HOME, else ~/.config)."""
    env = os.environ if environ is None else environ
    listed = [Path(p).expanduser() for p in env.get(USER_QUERIES_ENV, "").split(os.pathsep) if p.strip()]
    config = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config").expanduser() / "conveyor" / "queries"
    folders: list[Path] = []
    # The config folder is read only when it exists (most users have none); a folder named explicitly
    # that does not exist is passed on, so the catalog warns about it.
    for folder in [*queries_dirs, *listed, *([config] if config.is_dir() else [])]:
        if folder not in folders:
            folders.append(folder)
    return folders


@dataclass
class Catalog:
    """Shipped and user queries by name, with what was skipped (warnings) and what a user query replaced
    (overrides: name -> the shipped file it replaces)."""

    queries: dict[str, SavedQuery]
    warnings: list[str] = field(default_factory=list)
    overrides: dict[str, Path] = field(default_factory=dict)

    def get(self, name: str) -> SavedQuery:
        if name in self.queries:
            return self.queries[name]
        close = difflib.get_close_matches(name, list(self.queries), n=3, cutoff=0.7)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise QueryError(f"no saved query {name!r}{hint} (`conveyor query list` shows all {len(self.queries)})")

    def override_notice(self, name: str) -> str | None:
        if name not in self.overrides:
            return None
        return (f"note: saved query {name!r} is your {self.queries[name].path}, which replaces the shipped "
                f"{self.overrides[name]}")


def load_catalog(user_folders: Sequence[Path] = (), shipped: Path = SAVED_DIR) -> Catalog:
    """Every usable query: the shipped folder, then the user folders (first wins among them; a user query
    replaces a shipped one of the same name). A file that cannot be used is skipped with a warning naming
    it and why, and so is a folder that does not exist."""
    catalog = Catalog({})
    own: dict[str, SavedQuery] = {}
    for folder in [shipped, *user_folders]:
        if not folder.is_dir():
            catalog.warnings.append(f"skipped {folder}: not a folder; no saved queries read from it")
            continue
        for path in sorted(folder.glob("*.cypher")):
            try:
                q = parse_saved_query(path)
            except QueryError as exc:
                catalog.warnings.append(f"skipped {exc}")
                continue
            if folder == shipped:
                if q.name in catalog.queries:
                    catalog.warnings.append(f"skipped {path}: name {q.name!r} is also used by "
                                            f"{catalog.queries[q.name].path}")
                    continue
                catalog.queries[q.name] = q
            elif q.name in own:
                catalog.warnings.append(f"skipped {path}: name {q.name!r} is also used by {own[q.name].path}, "
                                        "which comes first and is the one used")
            else:
                own[q.name] = q
                if q.name in catalog.queries:
                    catalog.overrides[q.name] = catalog.queries[q.name].path
                catalog.queries[q.name] = q
    return catalog


def get_saved_query(name: str, folder: Path = SAVED_DIR) -> SavedQuery:
    return Catalog(saved_queries(folder)).get(name)
