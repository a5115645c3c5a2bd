"""Entity resolution: candidates (strong keys, then blocked fuzzy names) -> judgements -> merged view.

Modules, one job each: entities (read nodes), normal (name/address folding), strongkeys, blocking,
scoring, judgements (the reviewed file), clusters (connected components with cannot-links),
resolve (the pure pipeline) and write (SAME_AS edges and merged_into in the store).
"""

from .judgements import Judgement, append_judgement, read_judgements
from .resolve import Candidate, Resolution, resolve_entities
from .write import resolve_store

__all__ = [
    "Candidate", "Judgement", "Resolution", "append_judgement", "read_judgements", "resolve_entities",
    "resolve_store",
]
