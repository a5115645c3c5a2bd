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
the loader turns them into rejects and they never reach the user as errors.
"""

from __future__ import annotations


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
