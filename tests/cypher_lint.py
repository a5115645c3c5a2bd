"""Neo4j's own Cypher linter (npm @neo4j-cypher/language-support), called through Node.js."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from conveyor.graph.schema import LABELS, RELATIONSHIPS, property_keys

LINT_DIR = Path(__file__).resolve().parent.parent / "tools" / "cypher-lint"


def lint(statements: list[tuple[str, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """statements: (id, cypher, parameters). Returns [{"id", "errors", "warnings"}]."""
    node = shutil.which("node")
    if node is None or not (LINT_DIR / "node_modules" / "@neo4j-cypher" / "language-support").is_dir():
        raise RuntimeError("Neo4j's Cypher linter is not installed: run scripts/setup.sh (needs Node.js 20+)")
    request = {
        "schema": {"labels": list(LABELS), "relationshipTypes": list(RELATIONSHIPS),
                   "propertyKeys": list(property_keys())},
        "statements": [{"id": i, "cypher": c, "parameters": _jsonable(p)} for i, c, p in statements],
    }
    done = subprocess.run([node, str(LINT_DIR / "lint.mjs")], input=json.dumps(request), text=True,
                          capture_output=True, check=True, timeout=300)
    return json.loads(done.stdout)


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
