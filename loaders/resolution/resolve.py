"""The resolution pipeline on entities in memory (no store): strong keys, blocked fuzzy names, the
person's judgements, then the merged view. write.py puts its result in the store; the benchmark
calls this directly."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from .blocking import DEFAULT_MAX_BLOCK, BlockStats, name_candidates
from .clusters import canonical, components
from .entities import Entity
from .judgements import Judgement, pair_key
from .scoring import TokenWeights, names_of, score_pair
from .strongkeys import strong_key_pairs

DEFAULT_THRESHOLD = 0.9  # at or above: merged automatically unless a person says otherwise
DEFAULT_FLOOR = 0.75  # below: not even proposed
DEFAULT_NAME_CUTOFF = 0.8  # names less similar than this are not compared further


@dataclass
class Candidate:
    left: str
    right: str
    score: float
    method: str  # strong-key | name | judgement
    reasons: list[str]
    judgement: str  # accept | unsure (a person's) or auto | open (nobody's yet)

    def to_dict(self) -> dict:
        return {"left": self.left, "right": self.right, "score": self.score, "method": self.method,
                "reasons": self.reasons, "judgement": self.judgement}


@dataclass
class Resolution:
    label: str
    candidates: list[Candidate]
    rejected: list[tuple[str, str]]  # pairs a person rejected that were present (candidate or judged)
    merged_into: dict[str, str]  # member id -> canonical id, for every member of a cluster
    clusters: int
    stats: BlockStats
    unknown_ids: set[tuple[str, str]] = field(default_factory=set)  # judged pairs not both of this label

    def counts(self) -> dict:
        by_method = Counter(c.method for c in self.candidates)
        by_judgement = Counter(c.judgement for c in self.candidates)
        return {
            "label": self.label, "candidates": len(self.candidates), "by_method": dict(sorted(by_method.items())),
            "accepted": by_judgement["accept"], "auto": by_judgement["auto"], "open": by_judgement["open"],
            "unsure": by_judgement["unsure"], "rejected": len(self.rejected), "clusters": self.clusters,
            "merged_entities": len(self.merged_into), "blocking": self.stats.to_dict(),
        }

    def open_candidates(self) -> list[Candidate]:
        """What needs a person, best first."""
        return sorted((c for c in self.candidates if c.judgement in ("open", "unsure")),
                      key=lambda c: (-c.score, c.left, c.right))


def resolve_entities(
    entities: Sequence[Entity],
    judgements: dict[tuple[str, str], Judgement] | None = None,
    *,
    label: str = "Company",
    threshold: float = DEFAULT_THRESHOLD,
    floor: float = DEFAULT_FLOOR,
    name_cutoff: float = DEFAULT_NAME_CUTOFF,
    max_block: int = DEFAULT_MAX_BLOCK,
) -> Resolution:
    judgements = judgements or {}
    index = {e.id: i for i, e in enumerate(entities)}
    found: dict[tuple[int, int], Candidate] = {}

    for (i, j), reasons in strong_key_pairs(entities).items():
        found[(i, j)] = _candidate(entities, i, j, 1.0, "strong-key", reasons)

    records = [(i, form) for i, e in enumerate(entities) for form in names_of(e)]
    name_pairs, stats = name_candidates(records, name_cutoff, max_block)
    weight = TokenWeights(form for _, form in records)
    for i, j in name_pairs:
        if (i, j) in found:
            continue
        score, reasons = score_pair(entities[i], entities[j], weight)
        if score >= floor:
            found[(i, j)] = _candidate(entities, i, j, score, "name", reasons)

    rejected: list[tuple[str, str]] = []
    cannot: set[tuple[int, int]] = set()
    unknown: set[tuple[str, str]] = set()
    for pair, judged in judgements.items():
        if pair[0] not in index or pair[1] not in index:
            unknown.add(pair)
            continue
        a, b = sorted((index[pair[0]], index[pair[1]]))
        existing = found.get((a, b))
        if judged.judgement == "reject":
            found.pop((a, b), None)
            cannot.add((a, b))
            rejected.append(pair)
            continue
        if existing is None:
            score, reasons = score_pair(entities[a], entities[b], weight)
            existing = found[(a, b)] = _candidate(entities, a, b, score, "judgement", reasons)
        existing.judgement = judged.judgement
        existing.reasons = [*existing.reasons, _said(judged)]

    for c in found.values():
        if c.judgement == "":
            c.judgement = "auto" if c.score >= threshold else "open"
    _ambiguous_to_open(entities, found)

    merge = [pair for pair, c in found.items() if c.judgement == "accept"]
    merge += [pair for pair, c in sorted(found.items(), key=lambda kv: -kv[1].score) if c.judgement == "auto"]
    merged_into: dict[str, str] = {}
    groups = components(len(entities), merge, cannot)
    for members in groups:
        head = canonical(entities, members)
        for m in members:
            merged_into[entities[m].id] = head
    candidates = sorted(found.values(), key=lambda c: (-c.score, c.left, c.right))
    return Resolution(label, candidates, rejected, merged_into, len(groups), stats, unknown)


def _candidate(entities: Sequence[Entity], i: int, j: int, score: float, method: str, reasons: list[str]) -> Candidate:
    left, right = pair_key(entities[i].id, entities[j].id)
    return Candidate(left, right, score, method, list(reasons), "")


def _ambiguous_to_open(entities: Sequence[Entity], found: dict[tuple[int, int], Candidate]) -> None:
    """An entity with no country whose automatic name matches lie in two or more countries cannot say
    which one it is (a 'Nordwood Trading' with no country, and one each in LT and PL): those matches
    go to a person instead of merging the LT and PL firms through it -- unless its address (or town)
    agrees with matches in exactly one of those countries: those stay, the others wait."""
    by_country: dict[int, dict[str, list[tuple[int, int]]]] = {}
    placed: dict[int, set[str | None]] = {}
    for (i, j), c in found.items():
        if c.judgement != "auto" or c.method != "name":
            continue
        for x, y in ((i, j), (j, i)):
            if not entities[x].country:
                # '' collects matches with other country-less records: an undecided record must not
                # reach one country's firm through a country-less twin that is decided
                by_country.setdefault(x, {}).setdefault(entities[y].country or "", []).append((i, j))
                if "same address" in c.reasons or "same place" in c.reasons:
                    placed.setdefault(x, set()).add(entities[y].country)
    for x, countries in by_country.items():
        if len(set(countries) - {""}) < 2:
            continue
        supported = placed.get(x, set())
        keep = supported if len(supported) == 1 else set()
        for country, pairs in countries.items():
            if country in keep:
                continue
            if country == "" and keep:
                continue  # x is settled by its address: its country-less twins may follow it
            for pair in pairs:
                c = found[pair]
                c.judgement = "open"
                where = sorted(set(countries) - {""})
                c.reasons = [*c.reasons, f"ambiguous: {entities[x].id} matches names in {where}"]


def _said(j: Judgement) -> str:
    who = f" by {j.who}" if j.who else ""
    note = f": {j.note}" if j.note else ""
    return f"judged {j.judgement}{who}{note}"
