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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.store.base import GraphStore

from .merged import MergedView

SAVED_DIR = Path(__file__).parent / "saved"
STORES = ("falkordb", "neo4j")
_TYPES = {"string", "int", "float", "bool", "list"}
_HEADER = re.compile(r"^//\s*(\w+):\s*(.*)$")
_PARAM = re.compile(r"^(\w+)\s+(\w+)(?:\s*=\s*(.*))?$")


class QueryError(ValueError):
    pass


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
                return int(text)
            if self.type == "float":
                return float(text)
            if self.type == "bool":
                if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError(text)
                return text.lower() in ("true", "1", "yes")
            if self.type == "list":
                return [item.strip() for item in text.split(",") if item.strip()]
            return text
        except ValueError:
            raise QueryError(f"parameter {self.name!r} must be {self.type}, got {text!r}") from None


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

    def bind(self, given: dict[str, str]) -> dict[str, Any]:
        known = {p.name: p for p in self.params}
        unknown = set(given) - set(known)
        if unknown:
            raise QueryError(f"{self.name} has no parameter(s) {sorted(unknown)}; it takes {sorted(known)}")
        values = {}
        for p in self.params:
            if p.name in given:
                values[p.name] = p.convert(given[p.name])
            elif p.required:
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


def parse_saved_query(path: Path) -> SavedQuery:
    header: dict[str, str] = {}
    params: list[Param] = []
    body: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _HEADER.match(line.strip()) if not body else None
        if m:
            key, value = m.group(1), m.group(2).strip()
            if key == "param":
                params.append(_param(path, value))
            else:
                header[key] = value
        elif line.strip() or body:
            body.append(line)
    for key in ("name", "description"):
        if key not in header:
            raise QueryError(f"{path}: header line '// {key}: ...' is missing")
    stores = tuple(s.strip() for s in header.get("stores", ",".join(STORES)).split(","))
    if bad := [s for s in stores if s not in STORES]:
        raise QueryError(f"{path}: unknown store(s) {bad}; known: {STORES}")
    extra = {k: v for k, v in header.items()
             if k not in ("name", "description", "category", "stores", "expand", "canonical")}
    expand, canonical = _names(header.get("expand")), _names(header.get("canonical"))
    types = {p.name: p.type for p in params}
    if bad := [n for n in expand if types.get(n) != "list"]:
        raise QueryError(f"{path}: '// expand:' names {bad}, which must be declared as list parameters")
    return SavedQuery(header["name"], header["description"], header.get("category", "general"),
                      tuple(params), stores, "\n".join(body).strip(), path, extra, expand, canonical)


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
    return Param(m.group(1), m.group(2), default)


def saved_queries(folder: Path = SAVED_DIR) -> dict[str, SavedQuery]:
    queries = {}
    for path in sorted(folder.glob("*.cypher")):
        q = parse_saved_query(path)
        if q.name in queries:
            raise QueryError(f"{path}: name {q.name!r} is also used by {queries[q.name].path}")
        queries[q.name] = q
    return queries


def get_saved_query(name: str, folder: Path = SAVED_DIR) -> SavedQuery:
    queries = saved_queries(folder)
    if name not in queries:
        raise QueryError(f"no saved query {name!r}; `conveyor query list` shows {len(queries)} of them")
    return queries[name]
