"""The errors a user can cause, shown as one clear line instead of a traceback.

Every error of ours derives from graph.errors.ConveyorError (source, schema, query, store, evidence and
setting errors); FileNotFoundError is the one outside error a user causes directly (a path that is not
there)."""

from __future__ import annotations

from conveyor.graph.errors import ConveyorError

USER_ERRORS: tuple[type[Exception], ...] = (ConveyorError, FileNotFoundError)
