"""Entity-resolution benchmark on a generated set with known truth. Every company is fictional
(synthetic syllable names, ids 'fict:...'); nothing here refers to a real firm.

The matcher is measured in memory: loaders.resolution.resolve_entities on Entity records, no store
(reading and writing the graph is not timed here). Prints pair precision / recall at the default
threshold, time, and peak RSS (resource.getrusage; includes the interpreter and libraries).

    .venv/bin/python bench/bench_resolution.py 20000 [--seed 1]

Variants of one entity: Cyrillic original with a Russian/Belarusian legal form, a Latin
transliteration (BGN-style: я->ya, ш->sh, й->y, which differs from fingerprints' 'a', 's', 'j') with a
Western legal form, a typo'd Latin copy, sometimes no country, sometimes a shared address.
Distractors (distinct truth): the same name registered in another country, the same first word with
another trade word, and names one syllable apart.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rapidfuzz.distance.Levenshtein import distance as levenshtein  # noqa: E402

from loaders.resolution import resolve_entities  # noqa: E402
from loaders.resolution.entities import Entity  # noqa: E402
from loaders.resolution.resolve import DEFAULT_THRESHOLD  # noqa: E402

SYLLABLES = ["бел", "мар", "тор", "вик", "лес", "дор", "кин", "пол", "зен", "гра", "мил", "ост", "шин", "жук",
             "чер", "ряб", "юг", "цвет", "хол", "сан", "вол", "рад", "нов", "крас", "гор", "бор", "лин", "тал",
             "зар", "пет", "ман", "сев", "вер", "дал", "кам", "рос", "ясн", "щит", "ель", "бир"]
TRADES = ["мебель", "лес", "древ", "текстиль", "обувь", "металл", "торг", "транс", "пласт", "строй", "агро"]
CYR_FORMS = ["ООО", "ОАО", "РУП", "ЗАО", "ЧУП"]
LAT_FORMS = ["LLC", "OJSC", "UAB", "GmbH", "Sp. z o.o.", "Ltd", "SIA"]
COUNTRIES = ["BY", "BY", "BY", "RU", "LT", "PL", "LV", "KZ"]
BGN = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
               ["a", "b", "v", "g", "d", "e", "yo", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s",
                "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"], strict=True))


def latin(text: str) -> str:
    return "".join(BGN.get(ch, ch) for ch in text.lower()).title()


def typo(text: str, rng: random.Random) -> str:
    letters = [i for i, ch in enumerate(text) if ch.isalpha() and i > 0]
    i = rng.choice(letters)
    op = rng.random()
    if op < 0.4:
        return text[:i] + text[i + 1:]  # drop
    if op < 0.7:
        return text[:i] + rng.choice("aeiouklmnrst") + text[i + 1:]  # substitute
    return text[:i] + text[i] + text[i:]  # double


def generate(n: int, seed: int = 1) -> tuple[list[Entity], dict[str, int]]:
    """About n records; returns them and record id -> truth id."""
    rng = random.Random(seed)
    entities: list[Entity] = []
    truth: dict[str, int] = {}
    used: set[str] = set()
    t = 0

    def add(truth_id: int, name: str, country: str | None, address: str | None) -> None:
        rid = f"fict:{len(entities)}"
        entities.append(Entity(rid, name, country=country, address=address))
        truth[rid] = truth_id

    while len(entities) < n:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 3))))
        trade = rng.choice(TRADES)
        if (word, trade) in used:
            continue
        used.add((word, trade))
        country = rng.choice(COUNTRIES)
        address = f"ул. {rng.choice(SYLLABLES).title()}ская {rng.randint(1, 200)}, {rng.randint(200000, 249999)}"
        cyr = f"{word} {trade}".title()
        t += 1
        add(t, f"{rng.choice(CYR_FORMS)} «{cyr}»", country, address)
        kind = rng.random()
        if kind < 0.7:  # a Latin registry or customs record of the same firm
            add(t, f"{latin(cyr)} {rng.choice(LAT_FORMS)}", country if rng.random() < 0.85 else None,
                address if rng.random() < 0.5 else None)
        if kind < 0.35:  # and a misspelt copy
            add(t, f"{rng.choice(LAT_FORMS)} {typo(latin(cyr), rng)}", country, None)
        d = rng.random()
        if d < 0.10:  # same name, another country: a different firm
            t += 1
            add(t, f"{latin(cyr)} {rng.choice(LAT_FORMS)}", rng.choice([c for c in COUNTRIES if c != country]), None)
        elif d < 0.20:  # same first word, other trade: a different firm
            other = rng.choice([x for x in TRADES if x != trade])
            if (word, other) not in used:
                used.add((word, other))
                t += 1
                add(t, f"{rng.choice(CYR_FORMS)} «{word.title()} {other.title()}»", country, None)
        elif d < 0.25:  # a name one syllable apart: a different firm
            syl = list(word)
            alt = word.replace(rng.choice([s for s in SYLLABLES if s in word] or [word[:3]]), rng.choice(SYLLABLES), 1)
            # at least 3 edits apart: one letter apart in the same country is a typo to any matcher
            if levenshtein(alt, word) >= 3 and (alt, trade) not in used and syl:
                used.add((alt, trade))
                t += 1
                add(t, f"{rng.choice(CYR_FORMS)} «{alt.title()} {trade.title()}»", country, None)
    return entities, truth


def pair_scores(merged_into: dict[str, str], truth: dict[str, int]) -> tuple[float, float, int, int, int]:
    def pairs(groups: Counter) -> int:
        return sum(k * (k - 1) // 2 for k in groups.values())

    predicted = Counter(merged_into.values())
    true_groups = Counter(truth.values())
    both = Counter((c, truth[m]) for m, c in merged_into.items())
    tp, pp, tpairs = pairs(both), pairs(predicted), pairs(true_groups)
    return (tp / pp if pp else 1.0), (tp / tpairs if tpairs else 1.0), tp, pp, tpairs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int, nargs="?", default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    t0 = time.perf_counter()
    entities, truth = generate(args.n, args.seed)
    t1 = time.perf_counter()
    result = resolve_entities(entities, threshold=DEFAULT_THRESHOLD)
    t2 = time.perf_counter()
    precision, recall, tp, pp, tpairs = pair_scores(result.merged_into, truth)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    s = result.stats
    n = len(entities)
    print(f"records {n:,} (fictional), true entities {len(set(truth.values())):,}, threshold {DEFAULT_THRESHOLD}")
    print(f"generate {t1 - t0:.1f}s  resolve {t2 - t1:.1f}s  ({n / (t2 - t1):,.0f} records/s)  "
          f"peak RSS {rss_mb:,.0f} MB")
    print(f"blocking: {s.comparisons:,} comparisons in {s.blocks:,} blocks "
          f"({s.comparisons / (n * (n - 1) / 2):.5f} of all pairs); {len(s.skipped)} blocks skipped as too big")
    counts = result.counts()
    print(f"candidates {counts['candidates']:,} {counts['by_method']}; auto {counts['auto']:,}; "
          f"open {counts['open']:,}")
    print(f"pair precision {precision:.4f}  recall {recall:.4f}  (true pairs found {tp:,} of {tpairs:,}; "
          f"predicted {pp:,})")


if __name__ == "__main__":
    main()
