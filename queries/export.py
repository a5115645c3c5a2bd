"""Selections (queries/subgraph.py) written for the tools people already use: CSV (one row per hop, per
owner, per link or per result row), JSON, GEXF and GraphML (Gephi, yEd, Cytoscape), FollowTheMoney
entity lines (queries/export_ftm.py) and an interactive HTML network (queries/export_html.py).

Every file is written through graph.files.atomic_output: a reader sees the old file or the new one.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import networkx as nx

from ..graph.errors import SettingError
from ..graph.files import atomic_output
from .export_html import write_html
from .routes import Route
from .subgraph import HOP_COLUMNS, Selection, route_rows, routes_document, routes_graph

__all__ = ["HOP_COLUMNS", "FORMATS", "route_rows", "routes_graph", "routes_json", "write_csv", "write_gexf",
           "write_graphml", "write_html", "write_json", "write_selection", "cell"]

FORMATS = ("html", "gexf", "graphml", "csv", "json", "ftm")


def cell(value: Any) -> str:
    """A value as one spreadsheet cell: lists joined with '; ', mappings as JSON, None as empty."""
    if value is None:
        return ""
    if isinstance(value, list | tuple | set):
        return "; ".join(cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def write_csv(rows: Sequence[dict[str, Any]], path: Path, columns: Sequence[str] | None = None, *,
              bom: bool = False) -> Path:
    """UTF-8 CSV with a header even when there are no rows; `bom` starts it with a byte-order mark so
    that spreadsheet programs read the text as UTF-8 (Excel guesses a legacy code page without it)."""
    columns = list(columns or (rows[0].keys() if rows else []))
    with atomic_output(path, encoding="utf-8-sig" if bom else "utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell(row.get(c)) for c in columns])
    return path


def routes_json(routes: Sequence[Route]) -> str:
    return json.dumps(routes_document(routes), indent=2, default=str, ensure_ascii=False)


def write_json(document: Any, path: Path) -> Path:
    with atomic_output(path) as fh:
        json.dump(document, fh, indent=2, ensure_ascii=False, default=_jsonable)
        fh.write("\n")
    return path


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, set | tuple):
        return list(value)
    return str(value)


# -- GEXF / GraphML ----------------------------------------------------------------------------------
def scalar_graph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy whose attributes GEXF and GraphML can hold: scalars only (lists joined with '; ', mappings
    as JSON, dates as ISO text, None left out), and one type per attribute name (a name whose values
    mix numbers and text becomes text everywhere: both formats declare one type per attribute)."""
    out = nx.MultiDiGraph()
    nodes = {n: _scalars(d) for n, d in graph.nodes(data=True)}
    edges = [(a, b, k, _scalars(d)) for a, b, k, d in graph.edges(keys=True, data=True)]
    _one_type([*nodes.values()])
    _one_type([d for *_, d in edges])
    out.add_nodes_from(nodes.items())
    for a, b, k, d in edges:
        out.add_edge(a, b, key=k, **d)
    return out


def _scalars(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        if v is None or (isinstance(v, list | tuple | set | dict) and not v):
            continue
        if isinstance(v, bool | int | float | str):
            out[k] = v
        elif isinstance(v, dt.date | dt.datetime):
            out[k] = v.isoformat()
        else:
            out[k] = cell(v)
    return out


def _kind(v: Any) -> str:
    return "bool" if isinstance(v, bool) else "int" if isinstance(v, int) else \
        "float" if isinstance(v, float) else "str"


def _one_type(items: list[dict[str, Any]]) -> None:
    kinds: dict[str, set[str]] = {}
    for d in items:
        for k, v in d.items():
            kinds.setdefault(k, set()).add(_kind(v))
    for k, seen in kinds.items():
        if seen == {"int", "float"}:
            for d in items:
                if k in d:
                    d[k] = float(d[k])
        elif len(seen) > 1:
            for d in items:
                if k in d:
                    d[k] = str(d[k])


def write_gexf(graph: nx.MultiDiGraph, path: Path) -> Path:
    """GEXF 1.2 for Gephi: node `label` is the name, the relationship is the edge attribute
    `relationship` (GEXF's own `type` means directed/undirected), one edge per hop."""
    with atomic_output(path, "wb") as fh:
        nx.write_gexf(scalar_graph(graph), fh)
    return path


def write_graphml(graph: nx.MultiDiGraph, path: Path) -> Path:
    """GraphML for yEd and Cytoscape: every attribute a typed <data> key, parallel edges with their ids."""
    with atomic_output(path, "wb") as fh:
        nx.write_graphml(scalar_graph(graph), fh, named_key_ids=True, edge_id_from_attribute=None)
    return path


def write_selection(selection: Selection, fmt: str, path: Path, *, bom: bool = False,
                    max_nodes: int | None = None) -> Path:
    """Write `selection` as `fmt` (one of FORMATS) to `path`."""
    if fmt == "csv":
        return write_csv(selection.rows, path, selection.columns, bom=bom)
    if fmt == "json":
        return write_json(selection.document, path)
    if fmt == "gexf":
        return write_gexf(selection.graph, path)
    if fmt == "graphml":
        return write_graphml(selection.graph, path)
    if fmt == "ftm":
        from .export_ftm import write_ftm
        return write_ftm(selection.graph, path)
    if fmt == "html":
        return write_html(selection.graph, path, selection.title, layout=selection.layout,
                          notes=selection.notes, **({"max_nodes": max_nodes} if max_nodes else {}))
    raise SettingError(f"unknown export format {fmt!r}; one of {', '.join(FORMATS)}")
