"""The errors a user can cause, shown as one clear line instead of a traceback."""

from __future__ import annotations

from graph.evidence import EvidenceError
from graph.schema import SchemaError
from graph.store import StoreError
from loaders.base import SourceError
from queries.saved import QueryError

USER_ERRORS = (SourceError, StoreError, QueryError, SchemaError, EvidenceError, FileNotFoundError)
