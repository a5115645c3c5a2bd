"""What loaders share for reading records that the value types (conveyor.graph.types) do not cover.

Dates, amounts, countries and HS codes are cleaned by their type's one cleaner in graph/types.py
(`DATE.clean`, `AMOUNT.clean`, `COUNTRY.clean`, `HsCode.clean`), which raises RowProblem.
"""

from __future__ import annotations

import re

# JSON records (FtM entities, BODS statements) nest a few levels; a line nested thousands deep
# exhausts the recursion of json.loads (a RecursionError, not a JSONDecodeError) and of any code that
# walks the result. Such a record is refused before it is parsed.
MAX_JSON_NESTING = 64
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def json_nesting_problem(text: str, limit: int = MAX_JSON_NESTING) -> str | None:
    """Why a JSON text is nested too deeply to read (None if it is not): brackets inside strings do
    not count. Cheap for ordinary records: only a text with more than `limit` brackets is scanned."""
    if text.count("[") + text.count("{") <= limit:
        return None
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        mark = token.group()
        if mark in "[{":
            depth += 1
            if depth > limit:
                return f"nested more than {limit} levels deep"
        elif mark in "]}":
            depth -= 1
    return None
