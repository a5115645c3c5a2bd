"""Neo4j's own Cypher linter (npm @neo4j-cypher/language-support), called through Node.js."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from conveyor.graph.schema import LABELS, RELATIONSHIPS, property_keys

LINT_DIR = Path(__file__).resolve().parent.parent / "tools" / "cypher-lint"


# Neo4j's linter takes seconds for one long statement (a node upsert with the claims bookkeeping is
# ~5 kB): results are kept for the session, keyed by text and parameter names and types, so the session's final
# check does not lint again what a test already linted, and the work is split over the cores.
_Key = tuple[str, tuple[tuple[str, str], ...]]  # text, (parameter name, type name)...
_RESULTS: dict[_Key, dict[str, Any]] = {}
LINT_TIMEOUT_S = 1800


def lint(statements: list[tuple[str, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """statements: (id, cypher, parameters). Returns [{"id", "errors", "warnings"}]."""
    node = shutil.which("node")
    if node is None or not (LINT_DIR / "node_modules" / "@neo4j-cypher" / "language-support").is_dir():
        raise RuntimeError("Neo4j's Cypher linter is not installed: run scripts/setup.sh (needs Node.js 20+)")
    keys = [(cypher, tuple(sorted((k, type(v).__name__) for k, v in params.items())))
            for _, cypher, params in statements]
    todo = {key: (cypher, params) for key, (_, cypher, params) in zip(keys, statements, strict=True)
            if key not in _RESULTS}
    if todo:
        _lint_new(node, list(todo.items()))
    return [{**_RESULTS[key], "id": sid} for key, (sid, _, _) in zip(keys, statements, strict=True)]


def _lint_new(node: str, todo: list[tuple[_Key, tuple[str, dict[str, Any]]]]) -> None:
    schema = {"labels": list(LABELS), "relationshipTypes": list(RELATIONSHIPS), "propertyKeys": list(property_keys())}
    workers = max(1, min(len(todo), os.cpu_count() or 1, 4))
    shares = [todo[i::workers] for i in range(workers)]
    procs = []
    for share in shares:
        request = {"schema": schema, "statements": [{"id": str(i), "cypher": cypher, "parameters": _jsonable(params)}
                                                    for i, (_, (cypher, params)) in enumerate(share)]}
        proc = subprocess.Popen([node, str(LINT_DIR / "lint.mjs")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        procs.append((proc, json.dumps(request)))
    try:
        for (proc, request), share in zip(procs, shares, strict=True):
            out, err = proc.communicate(request, timeout=LINT_TIMEOUT_S)
            if proc.returncode:
                raise subprocess.CalledProcessError(proc.returncode, proc.args, out, err)
            for result in json.loads(out):
                _RESULTS[share[int(result["id"])][0]] = {"errors": result["errors"], "warnings": result["warnings"]}
    finally:
        for proc, _ in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


# Warnings that are about this query being written against our schema: a label, type or property
# missing from the schema is a real defect. Others (e.g. cartesian product hints) are advice.
_SCHEMA_WARNINGS = ("is not present in the database",)


def problems(results: list[dict[str, Any]]) -> list[str]:
    out = []
    for r in results:
        for message in r["errors"]:
            out.append(f"{r['id']}: ERROR {message}")
        for message in r["warnings"]:
            if any(w in message for w in _SCHEMA_WARNINGS):
                out.append(f"{r['id']}: SCHEMA {message}")
    return out


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(params, default=str))
