"""What a loader or a job hands a store to write: rows and their provenance, as types.

NodeRow and RelRow are built by loaders (loaders/records.py has the shared builders) and jobs; a
Provenance comes from `Provenance.of_run` (a loaded source) or `Provenance.derived` (a job's work
caused by a load). Only graph/cypher.py turns them into Cypher parameters: it alone knows the
parameter names the generated statements read ($rows: key, start, end, rel_key, record_id, props,
claim; $prov: source, run, seen, cause).

Rows are mutable (the load screens keys before writing: graph/keys.bounded) and slotted: a shipments
load builds a few hundred thousand of them, and a slotted instance is as cheap to make as the dict it
replaces. Provenance is frozen: one per load, shared by every row.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from .schema import RUN_DIGEST_CHARS

# Every job's source name starts with this: a fact whose provenance names "derived:trade" was written by
# jobs/trade.py, never read from a file. No loaded source may take such a name (loaders.base refuses it).
DERIVED_PREFIX = "derived:"


@dataclass(slots=True)
class NodeRow:
    """One node to upsert: its key value, the properties the source gives (None or "" = not given), the
    record it came from (kept in record_ids) and the source row (for a reject that names it)."""
    key: Any
    props: dict[str, Any]
    record_id: str | None = None
    row: int | None = None


@dataclass(slots=True)
class RelRow:
    """One relationship to upsert between two existing nodes, by their keys. `rel_key` tells apart the
    several relationships of a keyed type (schema.RelType.key) between the same pair."""
    start: Any
    end: Any
    props: dict[str, Any] = field(default_factory=dict)
    rel_key: str | None = None
    record_id: str | None = None
    row: int | None = None


@dataclass(frozen=True, slots=True)
class Provenance:
    """Who asserts what a write carries: the source's name, its run (the source's name, "@", a digest of
    the content; a run belongs to its source by exact name: graph/cypher.of_source), the day it was
    seen (ISO), and for a job's work the run of the load that caused it (`cause`)."""
    source: str
    run: str
    seen: str
    cause: str | None = None
    # No run of this source was in the graph when its load began: nothing it asserted before can be
    # withdrawn, so the upserts take the short claims bookkeeping (cypher._claims_set).
    first: bool = False

    @classmethod
    def of_run(cls, source: str, digest: str, seen: dt.date | str | None = None) -> Provenance:
        """A loaded source's provenance: `digest` is the hex digest of what was read."""
        return cls(source, f"{source}@{digest[:RUN_DIGEST_CHARS]}", _day(seen))

    @classmethod
    def derived(cls, job: str, cause: Provenance | str | None = None,
                seen: dt.date | str | None = None) -> Provenance:
        """The provenance of what job `job` writes because of the load `cause` (its Provenance or run
        tag): source "derived:<job>", a run of its own named after the cause's digest, the cause kept.
        Without a cause (a command run on its own: resolve, flag-supernodes), a run of its own."""
        run = cause.run if isinstance(cause, Provenance) else cause
        day = cause.seen if isinstance(cause, Provenance) and seen is None else _day(seen)
        source = f"{DERIVED_PREFIX}{job}"
        digest = run.rpartition("@")[2] if run else uuid.uuid4().hex
        return cls(source, f"{source}@{digest[:RUN_DIGEST_CHARS]}", day, run)

    @property
    def is_derived(self) -> bool:
        return self.source.startswith(DERIVED_PREFIX)

    @property
    def derived_entry(self) -> str:
        """What a job's write adds to `derived_by` (schema.DERIVED_BY): "<job source>=<cause run>"."""
        return f"{self.source}={self.cause or self.run}"


def _day(seen: dt.date | str | None) -> str:
    if isinstance(seen, str):
        return seen
    return (seen or dt.date.today()).isoformat()
