"""What makes a node a supernode, defined once, with the reasons kept on the node.

A supernode is a node so connected, or so generic, that a path through it says nothing about the two
ends: a registered agent or a mass-registration address (thousands of shell companies), a nominee
placeholder that registries record as an owner ("bearer", "nominee"), a hub that trades with everyone.
Path queries (ownership walks, routes) step around supernodes unless asked not to, and say why.

Every rule gives a reason, one line of text. A flagged node keeps `supernode = true` and its reasons in
`supernode_reasons`; each rule's line starts with the rule's own words (DEGREE, NOMINEE), so flagging
again replaces that rule's line and keeps the others'. The ICIJ loader (degree in its relationships
file), `owners flag-supernodes` (degree in the graph, nominee names) and routes (trade partners) all use
the rules here; only what each counts differs, and the reason says what was counted.
"""

from __future__ import annotations

from collections.abc import Iterable

# Links at or above which a node is a supernode: ICIJ relationships, or OWNS / DIRECTS / REGISTERED_AT /
# ASSOCIATE in the graph (`owners flag-supernodes --min-degree`).
DEFAULT_MIN_DEGREE = 500
# Nominee placeholders that registries record as if they were owners; matched case-insensitively.
NOMINEE_NAMES = ("bearer", "nominee", "to the bearer", "на предъявителя", "au porteur")

DEGREE = "degree"
NOMINEE = "nominee placeholder name"
# A node flagged before reasons were kept (or by hand, SET n.supernode = true): the flag is the reason.
FLAGGED = "flagged supernode"


def at_least(degree: int, limit: int | None) -> bool:
    """The one comparison: a node with `limit` links or more is a supernode; no limit, never by degree."""
    return limit is not None and limit > 0 and degree >= limit


def degree_reason(degree: int, limit: int, counted: str) -> str:
    """`counted`: what the degree counts, e.g. "relationships.csv of icij:leaks" or "trade partners"."""
    return f"{DEGREE} {degree:,} >= {limit:,} ({counted})"


def nominee_name(name: str | None) -> bool:
    text = (name or "").casefold()
    return any(p in text for p in NOMINEE_NAMES)


def reasons(name: str | None = None, degree: int = 0, limit: int | None = None, counted: str = "",
            stored: Iterable[str] = (), flagged: bool = False) -> tuple[str, ...]:
    """Every reason a node is a supernode: those stored on it (`supernode_reasons`; a bare `flagged`
    without them gives FLAGGED), its name, its degree against `limit`. Empty: not a supernode."""
    found = list(dict.fromkeys(stored))
    if flagged and not found:
        found.append(FLAGGED)
    if nominee_name(name) and NOMINEE not in found:
        found.append(NOMINEE)
    if at_least(degree, limit) and limit is not None and not any(r.startswith(DEGREE) for r in found):
        found.append(degree_reason(degree, limit, counted))
    return tuple(found)


def shown(reasons: Iterable[str]) -> str:
    """Reasons in one line, for the CLI's notes."""
    return "; ".join(reasons)
