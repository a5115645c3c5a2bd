"""Ad-hoc Cypher typed by a user: does the text write, and its `-p` values typed.

The check reads the statement as Cypher's lexer would, so a keyword inside a string, a comment, a
`backticked` name, a property (`n.set`), a parameter (`$create`), a label or type (`:Delete`), a map key
(`{remove: 1}`) or an alias (`AS set`) is not taken for a clause. It errs on the side of calling a
statement a write (a variable named `set` is refused too); the store's own read-only mode (GRAPH.RO_QUERY,
a Neo4j READ session) is the second line, for anything the text check misses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .saved import Param, QueryError

# Clauses that change data or schema (INSERT is GQL's CREATE in Neo4j 5), and administration commands.
WRITE_WORDS = frozenset({"CREATE", "MERGE", "SET", "DELETE", "DETACH", "REMOVE", "DROP", "INSERT", "FOREACH",
                         "ALTER", "GRANT", "DENY", "REVOKE", "RENAME", "TERMINATE"})
# Procedures known only to read; any other CALL of a procedure may write (apoc.*, db.create.*, ...).
READ_PROCEDURES = frozenset({"db.labels", "db.relationshiptypes", "db.propertykeys", "db.indexes",
                             "db.constraints", "db.schema.visualization", "db.schema.nodetypeproperties",
                             "db.schema.reltypeproperties"})
# A name as Cypher reads one: a letter (any script) or underscore, then letters, digits or underscores.
_WORD = re.compile(r"[^\W\d]\w*")
_PROCEDURE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*)")


@dataclass(frozen=True)
class Clause:
    word: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.word} at line {self.line}, column {self.column}"


def write_clauses(text: str) -> list[Clause]:
    """Every place where the statement may write, in order; empty for a read."""
    found: list[Clause] = []
    i, n = 0, len(text)
    previous = ""  # the last significant character before a word
    previous_word = ""
    while i < n:
        ch = text[i]
        if text.startswith("//", i):
            i = _end_of(text, "\n", i + 2)
        elif text.startswith("/*", i):
            i = _end_of(text, "*/", i + 2)
        elif ch in "'\"`":
            i, previous = _skip_quoted(text, i), ch
        elif match := _WORD.match(text, i):
            word = match.group(0)
            start, i = i, i + len(word)
            upper = word.upper()
            after = text[i:].lstrip()[:1]
            if previous in (".", "$", ":") or after == ":" or (previous_word == "AS" and previous.isalpha()):
                pass  # a property, parameter, label/type, map key or alias (AS set), not a clause
            elif upper in WRITE_WORDS:
                found.append(_clause(text, start, upper))
            elif upper == "LOAD" and text[i:].lstrip()[:3].upper() == "CSV":
                found.append(_clause(text, start, "LOAD CSV"))
            elif upper == "CALL":
                name = _PROCEDURE.match(text, i)
                if name and not text[i:].lstrip().startswith(("{", "(")):
                    procedure = re.sub(r"\s+", "", name.group(1))
                    if procedure.lower() not in READ_PROCEDURES:
                        found.append(_clause(text, start, f"CALL {procedure}"))
            previous, previous_word = word[-1], upper
        else:
            if not ch.isspace():
                previous = ch
            i += 1
    return found


def _end_of(text: str, marker: str, start: int) -> int:
    end = text.find(marker, start)
    return len(text) if end < 0 else end + len(marker)


def _skip_quoted(text: str, i: int) -> int:
    quote, i = text[i], i + 1
    while i < len(text):
        if text[i] == "\\" and quote != "`":
            i += 2
        elif text[i] == quote:
            if quote == "`" and text.startswith("``", i):  # a doubled backtick inside a name
                i += 2
                continue
            return i + 1
        else:
            i += 1
    return i


def _clause(text: str, at: int, word: str) -> Clause:
    line = text.count("\n", 0, at) + 1
    return Clause(word, line, at - (text.rfind("\n", 0, at) + 1) + 1)


def typed_params(items: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """`-p name=value` (a string) or `-p name:type=value` with type int, float, bool or list (a,b,c)."""
    values: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise QueryError(f"-p {item!r} is not NAME=VALUE or NAME:TYPE=VALUE")
        name, _, kind = key.strip().partition(":")
        param = Param(name.strip(), kind.strip() or "string")
        if param.type not in ("string", "int", "float", "bool", "list"):
            raise QueryError(f"-p {item!r}: unknown type {param.type!r}; use string, int, float, bool or list")
        values[param.name] = param.convert(value)
    return values
