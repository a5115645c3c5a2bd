"""Colony matching: recall and precision on generated name variants, and its cost at 1M shipment rows.

All data is generated and FICTIONAL: a catalogue of enterprises named, as the real ones are, after
number words and place-like words (Cyrillic), some with a brand; exporters written from them the ways
customs clerks write names (five Latin transliteration systems, legal forms РУП / RUE / Republican
Unitary Enterprise / UE / RUPP, «» "" quotes, case, one-letter typos, a town added, brand-only rows);
distractors that share a word, take the next number, or change a brand word, and unrelated names.

    .venv/bin/python bench/bench_colony_match.py --variants 20 --seed 5 --rows 1000000

A match counts when the variant is linked (auto) to the entry it was written from; any other link is a
false positive. "found" also counts matches listed for review.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time

import numpy as np
import pyarrow as pa
from conveyor.graph.evidence import SCHEMA, EvidenceStore
from conveyor.jobs.colony_match import Matcher, NameFold, Party, read_parties
from conveyor.loaders.resolution.normal import comparable, fold_token

FOLD = NameFold(comparable, fold_token)
NUMBERS = ["Один", "Два", "Три", "Четыре", "Пять", "Шесть", "Семь", "Восемь", "Девять", "Десять", "Двенадцать",
           "Тринадцать", "Пятнадцать", "Шестнадцать", "Восемнадцать", "Девятнадцать", "Двадцать", "Тридцать",
           "Сорок"]
WORDS = ["Лесной", "Северный", "Речной", "Зелёный", "Берёзовый", "Жемчужный", "Хвойный", "Полевой", "Щедрый",
         "Янтарный", "Дубовый", "Ясный", "Кедровый", "Ольховый"]
NOUNS = ["бор", "край", "луч", "уют", "двор", "мастер", "стиль", "дом", "сад", "очаг"]
FORMS = ["РУП «{}»", 'РУП "{}"', "RUE {}", "RUP {}", "Republican Unitary Enterprise «{}»", "UE \"{}\"",
         "RUPP {}", "Republican Production Unitary Enterprise {}", "Республиканское унитарное предприятие «{}»",
         "{}"]
TOWNS = ["Zarechensk", "Lipovka", "Гореловск"]

_COMMON = {"а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "з": "z", "и": "i", "к": "k",
           "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f",
           "ъ": "", "э": "e"}
SYSTEMS = {  # five ways Latin sources write Russian
    "bgn": {"ж": "zh", "й": "y", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ы": "y", "ь": "",
            "ю": "yu", "я": "ya"},
    "scientific": {"ж": "z", "й": "j", "х": "ch", "ц": "c", "ч": "c", "ш": "s", "щ": "sc", "ы": "y", "ь": "'",
                   "ю": "ju", "я": "ja"},
    "german": {"ж": "sch", "й": "j", "х": "ch", "ц": "z", "ч": "tsch", "ш": "sch", "щ": "schtsch", "ы": "y",
               "ь": "", "ю": "ju", "я": "ja", "в": "w"},
    "polish": {"ж": "z", "й": "j", "х": "ch", "ц": "c", "ч": "cz", "ш": "sz", "щ": "szcz", "ы": "y", "ь": "",
               "ю": "ju", "я": "ja", "в": "w"},
    "passport": {"ж": "zh", "й": "i", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ы": "y",
                 "ь": "", "ю": "iu", "я": "ia"},
    # Not among the matcher's own five: measures a system it was not given.
    "french": {"ж": "j", "й": "ï", "х": "kh", "ц": "ts", "ч": "tch", "ш": "ch", "щ": "chtch", "ы": "y", "ь": "",
               "у": "ou", "ю": "iou", "я": "ia"},
}


def translit(text: str, system: str) -> str:
    table = {**_COMMON, **SYSTEMS[system]}
    out = []
    for ch in text:
        low = ch.lower()
        t = table.get(low, ch)
        out.append(t.capitalize() if ch != low and t else t)
    return "".join(out)


def typo(text: str, rng: random.Random) -> str:
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    i = rng.choice(letters[2:-1] or letters)
    kind = rng.randrange(3)
    if kind == 0:
        return text[:i] + text[i + 1:]
    if kind == 1:
        return text[:i] + text[i] + text[i:]
    return text[:i] + rng.choice("aeiourstnl") + text[i + 1:]


def catalogue(rng: random.Random, n: int) -> list[dict]:
    names = rng.sample(NUMBERS, min(n // 2, len(NUMBERS)))
    while len(names) < n:
        name = f"{rng.choice(WORDS)} {rng.choice(NOUNS)}"
        if name not in names:
            names.append(name)
    rows = []
    taken = set(names)
    for i, name in enumerate(names):
        brand = f"{rng.choice(WORDS)} {rng.choice(NOUNS)}" if i % 3 == 0 else None
        if brand in taken:
            brand = None
        taken.add(brand)
        rows.append({"id": f"FX-{i}", "kind": "production_enterprise", "name": f"РУП «{name}»", "core": name,
                     "aliases": [], "weak_aliases": [translit(name, "bgn")], "brands": [brand] if brand else [],
                     "unp": None, "country": None, "synthetic": True,
                     "colonies": [{"id": f"FX-IK-{i}", "name": "", "source_url": "", "country": "BY",
                                   "synthetic": True, "city": rng.choice(TOWNS)}]})
    return rows


def variants(rows: list[dict], rng: random.Random, per_entry: int) -> list[tuple[str, str | None, str]]:
    """(written, entry id or None for a distractor, kind)."""
    out = []
    cores = {r["core"] for r in rows} | {b for r in rows for b in r["brands"]}
    for r in rows:
        for _ in range(per_entry):
            kind = rng.choice(["cyrillic", "latin", "latin", "typo", "town", "brand"])
            system = rng.choice(list(SYSTEMS))
            if kind == "brand" and not r["brands"]:
                kind = "latin"
            if kind == "brand":
                b = r["brands"][0]
                text = b if rng.random() < 0.5 else translit(b, system)
            else:
                core = r["core"] if kind == "cyrillic" else translit(r["core"], system)
                if kind == "typo":
                    core = typo(core, rng)
                text = rng.choice(FORMS).format(core)
                if kind == "town":
                    text += f", {rng.choice(TOWNS)}"
            text = text.upper() if rng.random() < 0.3 else text
            out.append((text, r["id"], f"{kind} ({system})" if kind in ("latin", "town") else kind))
        # Distractors: the next number or another noun, one word of the name with another, a changed brand.
        words = r["core"].split()
        other = rng.choice([w for w in NUMBERS + [f"{a} {b}" for a in WORDS for b in NOUNS] if w not in cores])
        out.append((rng.choice(FORMS).format(translit(other, rng.choice(list(SYSTEMS)))), None, "near name"))
        out.append((f"{translit(words[0], 'bgn')} Trading LLC", None, "shared word"))
        if r["brands"]:
            b = r["brands"][0].split()
            changed = [f"{b[0]} {n}" for n in NOUNS if f"{b[0]} {n}" not in cores]
            if changed:
                out.append((rng.choice(changed), None, "changed brand"))
    return out


def quality(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    rows = catalogue(rng, args.entries)
    matcher = Matcher.from_rows(rows, FOLD)
    cases = variants(rows, rng, args.variants)
    parties = [Party("exporter", f"co:{i}", text, "BY", True, "bench", "bench.csv", i, 1)
               for i, (text, _, _) in enumerate(cases)]
    started = time.perf_counter()
    matches = matcher.match(parties)
    seconds = time.perf_counter() - started
    linked = {}
    found = {}
    for m in matches:
        i = int(m.party.company[3:])
        found.setdefault(i, set()).add(m.entry.id)
        if m.linked:
            linked.setdefault(i, set()).add(m.entry.id)
    by_kind: dict[str, list[int]] = {}
    tp = fp = fn = review = 0
    for i, (_, truth, kind) in enumerate(cases):
        got = linked.get(i, set())
        stats = by_kind.setdefault(kind, [0, 0])
        stats[1] += 1
        if truth is None:
            fp += len(got)
            stats[0] += not got
            continue
        hit = truth in got
        tp += hit
        fp += len(got - {truth})
        fn += not hit
        review += (not hit) and truth in found.get(i, set())
        stats[0] += hit
    print(f"catalogue {len(rows)} entries, {len(cases)} names ({sum(t is not None for _, t, _ in cases)} variants, "
          f"{sum(t is None for _, t, _ in cases)} distractors), seed {args.seed}: {seconds:.2f}s")
    print(f"linked: precision {tp / max(tp + fp, 1):.3f}, recall {tp / max(tp + fn, 1):.3f}; "
          f"recall with review {(tp + review) / max(tp + fn, 1):.3f} ({review} more found for review)")
    print("| kind | right (linked to its entry; distractors: not linked) | names |")
    print("|---|---:|---:|")
    for kind, (right, total) in sorted(by_kind.items()):
        print(f"| {kind} | {right / total:.3f} | {total} |")


def scale(args: argparse.Namespace) -> None:
    """1M evidence rows with ~10 % distinct exporters, a few hundred of them catalogue variants: the
    pass that runs after a load (read the name columns, group, block, score)."""
    rng = random.Random(args.seed)
    rows = catalogue(rng, args.entries)
    cases = variants(rows, rng, args.variants)
    n, distinct = args.rows, max(args.rows // 10, len(cases))
    gen = np.random.default_rng(args.seed)
    syllables = np.array(["ka", "lo", "mi", "ter", "vos", "an", "bel", "dor", "fin", "gra", "hol", "pri", "sto",
                          "ven", "zar", "mar", "nik", "ol", "ru", "tex"])
    parts = gen.integers(0, len(syllables), size=(distinct, 5))
    names = [f"{''.join(syllables[p[:3]]).capitalize()} {''.join(syllables[p[3:]]).capitalize()} "
             f"{rng.choice(['LLC', 'OOO', 'GmbH', 'Sp. z o.o.', 'TOO', 'SIA', 'UAB'])}" for p in parts]
    names[: len(cases)] = [text for text, _, _ in cases]
    pick = gen.integers(0, distinct, size=n)
    exporters = np.asarray(names, dtype=object)[pick]
    table = pa.table({
        "id": [f"S{i}" for i in range(n)], "date": ["2023-01-01"] * n,
        "seller": [f"co:{j}" for j in pick], "buyer": ["co:buyer"] * n, "exporter_name": exporters,
        "exporter_country": ["BY"] * n, "synthetic": np.ones(n, dtype=bool), "hs_code": ["940360"] * n,
        "source": ["bench"] * n, "source_file": ["bench.csv"] * n, "source_row": np.arange(2, n + 2),
    })
    full = pa.table({f.name: table[f.name] if f.name in table.column_names else pa.nulls(n, f.type)
                     for f in SCHEMA})
    with tempfile.TemporaryDirectory() as folder:
        evidence = EvidenceStore(folder)
        writer = evidence.writer("bench", "bench@1")
        writer.write(full)
        writer.close()
        writer.publish()
        del table, full, exporters
        matcher = Matcher.from_rows(rows, FOLD)
        t0 = time.perf_counter()
        parties = read_parties(evidence, {"bench": "bench@1"})
        t1 = time.perf_counter()
        blocks = matcher.blocks([p.name for p in parties])
        t2 = time.perf_counter()
        matches = matcher.match(parties)
        t3 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{n:,} rows, {len(parties):,} distinct exporter names, {sum(bool(b) for b in blocks):,} in a block: "
          f"read + group {t1 - t0:.1f}s, match (blocking {t2 - t1:.1f}s + scoring) {t3 - t2:.1f}s, "
          f"pass {t1 - t0 + t3 - t2:.1f}s; {len(matches):,} matches, {sum(m.linked for m in matches):,} linked; "
          f"peak RSS {peak:,.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=30)
    parser.add_argument("--variants", type=int, default=20, help="written variants per catalogue entry")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--rows", type=int, default=0, help="also time the pass on this many evidence rows")
    args = parser.parse_args()
    quality(args)
    if args.rows:
        scale(args)


if __name__ == "__main__":
    main()
