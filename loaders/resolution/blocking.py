"""Blocking: names are only compared inside small blocks of records sharing a key (a prefix or suffix
of a folded token, or a whole short token), never all pairs. Tokens of 8+ letters give prefixes and
suffixes of about half their length, in two lengths, so that two words one edit (typo, dropped or
doubled letter) apart always share a key while a common stem ('bel...', 'poles...') does not make one
huge block; shorter tokens give their 4-letter prefix and suffix. Blocks above `max_block` are
skipped and reported (a key shared by thousands of names, like 'trade', says nothing); the pairs in
them are still found through their other tokens' blocks."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

DEFAULT_MAX_BLOCK = 1000
_SMALL = 24  # below this a Python loop beats cdist's set-up cost


@dataclass
class BlockStats:
    records: int = 0
    blocks: int = 0
    comparisons: int = 0  # logical pair comparisons made, n*(n-1)/2 per block
    skipped: list[tuple[str, int]] = field(default_factory=list)  # (key, size) too big to compare

    def to_dict(self) -> dict:
        return {"records": self.records, "blocks": self.blocks, "comparisons": self.comparisons,
                "skipped_blocks": len(self.skipped),
                "skipped_examples": [{"key": k, "size": n} for k, n in sorted(self.skipped, key=lambda s: -s[1])[:10]]}


def block_keys(folded: str) -> set[str]:
    keys = set()
    for token in folded.split():
        size = len(token)
        if size >= 8:
            half = (size + 2) // 2  # checked: every single edit of such a token keeps one key in common
            for k in (half - 1, half):
                keys.add("p:" + token[:k])
                keys.add("s:" + token[-k:])
        elif size >= 4:
            keys.add("p:" + token[:4])
            keys.add("s:" + token[-4:])
        elif token:
            keys.add("t:" + token)
    return keys


def name_candidates(
    records: Sequence[tuple[int, str]], cutoff: float, max_block: int = DEFAULT_MAX_BLOCK,
) -> tuple[dict[tuple[int, int], float], BlockStats]:
    """records: (entity index, folded name), several per entity when it has aliases.
    Returns {(i, j): best name similarity 0..1} for entity pairs i < j at or above `cutoff`."""
    stats = BlockStats(records=len(records))
    blocks: dict[str, list[int]] = defaultdict(list)
    df = Counter(t for _, folded in records for t in set(folded.split()))
    limit_df = max(50, len(records) // 1000)
    # Keys of frequent words ('mebel', 'trade') make blocks of every furniture firm: such a block is
    # skipped (and reported) once it outgrows the word's own frequency limit, not only max_block;
    # the pairs in it are found through their distinctive words.
    frequent = {key for t, k in df.items() if k > limit_df for key in block_keys(t)}
    del df
    for r, (_, folded) in enumerate(records):
        for key in block_keys(folded):
            blocks[key].append(r)
    best: dict[tuple[int, int], float] = {}
    limit = cutoff * 100
    for key, members in blocks.items():
        n = len(members)
        if n < 2:
            continue
        if n > max_block or (n > limit_df and key in frequent):
            stats.skipped.append((key, n))
            continue
        stats.blocks += 1
        stats.comparisons += n * (n - 1) // 2
        for a, b, score in _similar(records, members, limit):
            i, j = records[a][0], records[b][0]
            if i == j:
                continue
            pair = (i, j) if i < j else (j, i)
            if score > best.get(pair, 0.0):
                best[pair] = score
    return best, stats


def _similar(records: Sequence[tuple[int, str]], members: list[int], limit: float) -> Iterable[tuple[int, int, float]]:
    names = [records[m][1] for m in members]
    if len(members) < _SMALL:
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                s = fuzz.token_ratio(names[x], names[y], score_cutoff=limit)
                if s:
                    yield members[x], members[y], s / 100
        return
    matrix = process.cdist(names, names, scorer=fuzz.token_ratio, score_cutoff=limit, workers=-1)
    xs, ys = (matrix >= limit).nonzero()
    for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
        if x < y:
            yield members[x], members[y], float(matrix[x, y]) / 100
