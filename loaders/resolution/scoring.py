"""A candidate's score: name similarity, then the other evidence. Same country raises it, a different
country lowers it (two 'Nordwood Trading' in Lithuania and Poland are two companies until someone says
otherwise), the same normalised address raises it, and a conflicting identifier all but rules it out."""

from __future__ import annotations

from rapidfuzz import fuzz

from .entities import STRONG_KEYS, Entity
from .normal import address_key, comparable

SAME_COUNTRY = 0.04
OTHER_COUNTRY = -0.20
SAME_ADDRESS = 0.06
CONFLICTING_KEY = -0.50
FUZZY_CAP = 0.99  # only identifiers give 1.0


def names_of(entity: Entity) -> list[str]:
    forms = []
    for name in (entity.name, *entity.aliases):
        form = comparable(name) if name else ""
        if form and form not in forms:
            forms.append(form)
    if not forms and entity.name_norm:
        forms.append(entity.name_norm)
    return forms


def _similar(x: str, y: str, common: frozenset[str]) -> float:
    full = max(fuzz.token_sort_ratio(x, y), fuzz.ratio(x, y)) / 100
    if not common:
        return full
    # Shared frequent words ('tekstil', 'trade') inflate a ratio; the distinctive words decide.
    rx = " ".join(t for t in x.split() if t not in common)
    ry = " ".join(t for t in y.split() if t not in common)
    if not rx or not ry:
        return full
    return min(full, fuzz.token_sort_ratio(rx, ry) / 100)


def name_similarity(a: Entity, b: Entity, common: frozenset[str] = frozenset()) -> tuple[float, str, str]:
    best = (0.0, "", "")
    for x in names_of(a):
        for y in names_of(b):
            s = _similar(x, y, common)
            if s > best[0]:
                best = (s, x, y)
    return best


def evidence(a: Entity, b: Entity) -> tuple[float, list[str]]:
    """Score change and reasons from everything but the name."""
    delta, reasons = 0.0, []
    if a.country and b.country:
        if a.country == b.country:
            delta += SAME_COUNTRY
            reasons.append(f"same country {a.country}")
        else:
            delta += OTHER_COUNTRY
            reasons.append(f"different country {a.country}/{b.country}")
    if a.address and b.address:
        ka, kb = address_key(a.address), address_key(b.address)
        if ka and ka == kb:
            delta += SAME_ADDRESS
            reasons.append("same address")
    for k in (*STRONG_KEYS, "registration_number"):
        if k in a.keys and k in b.keys and a.keys[k] != b.keys[k]:
            delta += CONFLICTING_KEY
            reasons.append(f"{k} differs {a.keys[k]}/{b.keys[k]}")
    return delta, reasons


def score_pair(a: Entity, b: Entity, common: frozenset[str] = frozenset()) -> tuple[float, list[str]]:
    """(score 0..0.99, reasons) for two entities compared on names and evidence; `common` are words
    too frequent in this data to tell firms apart."""
    sim, x, y = name_similarity(a, b, common)
    reasons = [f"name {sim:.2f} ({x} ~ {y})" if x != y else f"name {sim:.2f} ({x})"]
    delta, more = evidence(a, b)
    return round(max(0.0, min(FUZZY_CAP, sim + delta)), 4), reasons + more
