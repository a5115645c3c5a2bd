"""One error tree for everything a user can cause: the CLI shows any `ConveyorError` as one line.

    ConveyorError
      SchemaError      a label, type or property the schema does not declare (graph.schema)
      StoreError       the store refused or failed a request (graph.store)
      EvidenceError    the evidence folder cannot be read or written (graph.evidence)
      SettingError     an argument or setting outside what it accepts
      SourceError      a file that cannot be loaded at all (loaders.base)
      QueryError       a query, its parameters or its output refused (queries.saved; ExportRefused below it)

Lives in graph/ because graph imports nothing of ours and every other package may import graph. The
classes keep their old bases too (ValueError, RuntimeError), so an existing `except ValueError` still
catches what it caught. Per-row problems inside a loader (a bad date in one row) are not in the tree:
they are one `RowProblem` that the loader turns into a reject (file, row, field, reason), and they never
reach the user as errors.
"""

from __future__ import annotations

from typing import Any


class ConveyorError(Exception):
    """An error the user can cause and fix; its message says what and where, in one line."""


class SchemaError(ConveyorError, ValueError):
    """A label, type or property that the schema does not declare."""


class StoreError(ConveyorError, RuntimeError):
    """The store refused or failed a request; the message says which and why."""


class EvidenceError(ConveyorError, RuntimeError):
    """The evidence folder cannot be read or written; the message names it."""


class SettingError(ConveyorError, ValueError):
    """An argument or setting outside what it accepts; the message names it and the accepted values."""


class RowProblem(ValueError):
    """One value of one row that cannot load: which field, the value as given, and why.

    Raised by the value types' cleaners (graph/types.py) and by loaders' own row checks; a loader turns
    it into a reject. Outside the ConveyorError tree on purpose: a per-row problem never stops a load.
    Keyword-friendly: `RowProblem(field="date", value=text, reason="...")`; a type's cleaner that does
    not know the field leaves it empty and the loader names it (`problem.at("incorporation_date")`)."""

    def __init__(self, field: str = "", value: Any = "", reason: str = "") -> None:
        super().__init__(reason)
        self.field, self.value, self.reason = field, value, reason

    def __str__(self) -> str:
        return self.reason

    def at(self, field: str) -> RowProblem:
        """The same problem, naming the field (or source column) it was found in."""
        return RowProblem(field=field, value=self.value, reason=self.reason)
