"""A candidate's score: name similarity, then the other evidence. Same country raises it, a different
country lowers it (two 'Nordwood Trading' in Lithuania and Poland are two companies until someone says
otherwise), the same address (or, when one side only gives a town, the same town) raises it, a wholly
different address lowers it a little, and a conflicting identifier all but rules it out.

Names are compared word by word, each word weighted by how rare it is in this data (a smoothed inverse
document frequency): 'Kraslinles' tells firms apart, 'Metall' or 'Trade' hardly does. Words are paired
one-to-one; a pair counts only if the words are equal or one typo apart, so a typo in a frequent word
('Agro' / 'Ageo') costs little while a different word ('Metall' / 'Mebel') counts as unmatched. The
name score is the lower of the two names' weighted coverage: every word of both names must be accounted
for."""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Iterable

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from .entities import STRONG_KEYS, Entity
from .normal import address_tokens, comparable

SAME_COUNTRY = 0.04
OTHER_COUNTRY = -0.20
SAME_ADDRESS = 0.06
SAME_PLACE = 0.03  # one side gives only a town (or a part of the address) the other side's address contains
OTHER_ADDRESS = -0.04  # two full addresses with nothing in common but the country: a hint, not a veto
CONFLICTING_KEY = -0.50
FUZZY_CAP = 0.99  # only identifiers give 1.0
JOINED = 0.92  # 'Bel Shina' vs 'Belshina': the words do not pair up, the letters do; scaled down
_PRIOR = 1000  # smoothing: in small data sets every word weighs about the same


class TokenWeights:
    """Smoothed inverse document frequency of folded name words: log((N + prior) / (df + 1))."""

    def __init__(self, forms: Iterable[str] = ()) -> None:
        self.df: Counter[str] = Counter()
        self.n = 0
        for form in forms:
            self.n += 1
            self.df.update(set(form.split()))
        self._base = self.n + _PRIOR

    def __call__(self, token: str) -> float:
        return math.log(self._base / (self.df.get(token, 0) + 1))


@functools.lru_cache(maxsize=1_000_000)
def token_similarity(a: str, b: str) -> float:
    """1.0 for equal words, the letter similarity for words one typo apart (two in long words), else 0."""
    if a == b:
        return 1.0
    shorter = min(len(a), len(b))
    if shorter < 3 or a.isdigit() or b.isdigit():
        return 0.0
    allowed = 2 if shorter >= 12 else 1  # the generated near-names are 2+ letters apart in 8-11 letters
    if Levenshtein.distance(a, b, score_cutoff=allowed) > allowed:
        return 0.0
    return fuzz.ratio(a, b) / 100


def _token_score(x: str, y: str, weight: TokenWeights) -> float:
    xs, ys = list(dict.fromkeys(x.split())), list(dict.fromkeys(y.split()))
    pairs = sorted(((token_similarity(a, b), a, b) for a in xs for b in ys), reverse=True)
    used_x: set[str] = set()
    used_y: set[str] = set()
    got = total = 0.0
    for s, a, b in pairs:
        if s <= 0.0:
            break
        if a in used_x or b in used_y:
            continue
        used_x.add(a)
        used_y.add(b)
        w = min(weight(a), weight(b))  # a typo'd frequent word weighs what the frequent word weighs
        got += w * s
        total += w
    miss_x = sum(weight(a) for a in xs if a not in used_x)
    miss_y = sum(weight(b) for b in ys if b not in used_y)
    if not total:
        return 0.0
    return min(got / (total + miss_x), got / (total + miss_y))


def _similar(x: str, y: str, weight: TokenWeights) -> float:
    if x == y:
        return 1.0
    score = _token_score(x, y, weight)
    if score < JOINED:
        joined = fuzz.ratio(x.replace(" ", ""), y.replace(" ", "")) / 100
        score = max(score, joined * JOINED if joined >= 0.97 else 0.0)
    return score


def names_of(entity: Entity) -> list[str]:
    forms = []
    for name in (entity.name, *entity.aliases):
        form = comparable(name) if name else ""
        if form and form not in forms:
            forms.append(form)
    if not forms and entity.name_norm:
        forms.append(entity.name_norm)
    return forms


def name_similarity(a: Entity, b: Entity, weight: TokenWeights | None = None) -> tuple[float, str, str]:
    weight = weight or TokenWeights()
    best = (0.0, "", "")
    for x in names_of(a):
        for y in names_of(b):
            s = _similar(x, y, weight)
            if s > best[0]:
                best = (s, x, y)
    return best


def place_evidence(a: Entity, b: Entity) -> str:
    """'same address', 'same place' (one side's address words all appear in the other's), 'other
    address' (two full addresses sharing nothing) or '' (nothing to compare)."""
    if not a.address or not b.address:
        return ""
    ta, tb = address_tokens(a.address), address_tokens(b.address)
    if not ta or not tb:
        return ""
    if ta == tb:
        return "same address"
    small, big = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    if small <= big and any(not t.isdigit() for t in small):
        return "same place"
    if len(ta) >= 3 and len(tb) >= 3 and not (ta & tb):
        return "other address"
    return ""


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
    place = place_evidence(a, b)
    if place:
        delta += {"same address": SAME_ADDRESS, "same place": SAME_PLACE, "other address": OTHER_ADDRESS}[place]
        reasons.append(place)
    for k in (*STRONG_KEYS, "registration_number"):
        if k in a.keys and k in b.keys and a.keys[k] != b.keys[k]:
            delta += CONFLICTING_KEY
            reasons.append(f"{k} differs {a.keys[k]}/{b.keys[k]}")
    return delta, reasons


def score_pair(a: Entity, b: Entity, weight: TokenWeights | None = None) -> tuple[float, list[str]]:
    """(score 0..0.99, reasons) for two entities compared on names and evidence; `weight` gives each
    name word its weight in this data (rare words decide, frequent ones hardly count)."""
    sim, x, y = name_similarity(a, b, weight)
    reasons = [f"name {sim:.2f} ({x} ~ {y})" if x != y else f"name {sim:.2f} ({x})"]
    delta, more = evidence(a, b)
    return round(max(0.0, min(FUZZY_CAP, sim + delta)), 4), reasons + more
