"""Entity-resolution benchmark on a generated set with known truth. Every company is fictional
(generated names, ids 'fict:...'); nothing here refers to a real firm.

The matcher is measured in memory: loaders.resolution.resolve_entities on Entity records, no store
(reading and writing the graph is not timed here). Prints pair precision / recall at the default
threshold, time, peak RSS (resource.getrusage; includes the interpreter and libraries) and a README row.

    .venv/bin/python bench/bench_resolution.py 20000 [--seed 1]

Names. A firm's name is a distinctive word built from a place/surname-like stem, a second stem and an
ending ('Полесдревин', 'Краснеман'), sometimes a second distinctive word, then an industry word ('Мебель',
'Лес', 'Древ', 'Металл', 'Трейд', 'Хольц', ...): a stem (40) + a second stem (45) or a generated syllable
(2,730) + an ending (8), times 40 industry words, about 4.4M base names, so unrelated firms
are rarely one letter apart. When they are (accidental twins in one country, which no matcher can tell
from a typo by name alone) the benchmark counts and prints them instead of hiding them.

Variants of one firm (same truth): the registry record in Cyrillic with a local legal form and the full
address; in 70% a Latin transliteration (BGN-style: я->ya, ш->sh, й->y, which differs from fingerprints'
'a', 's', 'j') with a Latin legal form of the country, the country missing in 15% of them; in 35% also
a typo'd Latin copy (one letter dropped, replaced or doubled, in any word, the industry word included).
Latin records with a country carry the transliterated address half the time. Latin records with NO
country are customs-style: they carry the full address (50%), only the town (30%), or nothing (20%).
That last group is genuinely ambiguous when a same-name firm exists in another country: the matcher
must send it to review, and it counts against recall.

Hard distractors (distinct truth, each with its own registry address): 10% of firms have a same-name
firm in another country, 10% a firm with the same distinctive word and another industry word in the
same country, 5% a firm whose distinctive word differs by one stem (3+ letters) in the same country.
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from collections import Counter, defaultdict

from conveyor.loaders.resolution import resolve_entities
from conveyor.loaders.resolution.entities import Entity
from conveyor.loaders.resolution.resolve import DEFAULT_THRESHOLD
from rapidfuzz.distance.Levenshtein import distance as levenshtein

# Distinctive words: stem + stem + ending. Stems chosen at least two letters apart from each other.
STEMS_A = ["бел", "полес", "гомел", "витеб", "нёман", "двин", "свет", "крас", "нов", "лид", "бор", "гран", "сож",
           "прип", "берез", "мозыр", "пинск", "орш", "слуц", "нараб", "ясен", "дуб", "клён", "рябин", "сосн",
           "жур", "волк", "медв", "сокол", "ястр", "зубр", "рус", "сев", "южн", "вост", "запад", "цент", "ключ",
           "родн", "заря"]
STEMS_B = ["лес", "древ", "мет", "маш", "агро", "хим", "тех", "пром", "снаб", "торг", "стро", "энер", "вуд",
           "фарм", "текс", "обув", "плит", "фан", "меб", "лен", "стал", "кабел", "стек", "бум", "упак",
           "трак", "авто", "мол", "хлеб", "сыр", "мяс", "птиц", "рыб", "сад", "поле", "нефт", "газ", "уголь",
           "руд", "соль", "кам", "песк", "глин", "цемент", "брус"]
ENDINGS = ["", "ин", "ия", "ика", "он", "ан", "ос", "экс"]
SECOND = ["Иванов", "Петренко", "Ковальчук", "Сидорович", "Заречье", "Приозёрный", "Подгорный", "Луговой",
          "Южный", "Северный", "Ратомка", "Колос", "Ирис", "Альфа", "Вектор", "Гранит", "Кристалл", "Меридиан",
          "Орион", "Полюс", "Радуга", "Спектр", "Титан", "Уран", "Фортуна", "Эталон", "Янтарь", "Вереск",
          "Дубрава", "Жемчуг"]
INDUSTRY = ["Мебель", "Лес", "Древ", "Металл", "Трейд", "Хольц", "Торг", "Транс", "Пласт", "Строй", "Агро",
            "Текстиль", "Обувь", "Лесэкспорт", "Деревообработка", "Групп", "Импорт", "Экспорт", "Логистик",
            "Снаб", "Пром", "Сервис", "Продукт", "Бумага", "Стекло", "Химпром", "Энерго", "Маш", "Авто", "Лён",
            "Сталь", "Кабель", "Упаковка", "Инвест", "Ресурс", "Комплект", "Терминал", "Мебельторг", "Фанера",
            "Пиломатериалы"]
COUNTRIES = ["BY", "BY", "BY", "RU", "LT", "PL", "LV", "KZ"]
CYR_FORMS = {"BY": ["ООО", "ОАО", "ЗАО", "ЧУП", "РУП", "ОДО", "СООО", "ИООО", "УП"], "RU": ["ООО", "АО", "ПАО", "ЗАО"],
             "KZ": ["ТОО", "АО"], "LT": ["ООО"], "PL": ["ООО"], "LV": ["ООО"]}  # LT/PL/LV: Russian-language filings
LAT_FORMS = {"BY": ["LLC", "OJSC", "JSC", "CJSC", "PUE"], "RU": ["LLC", "JSC", "PJSC"], "KZ": ["LLP", "JSC", "TOO"],
             "LT": ["UAB", "AB"], "PL": ["Sp. z o.o.", "S.A."], "LV": ["SIA", "AS"]}
FOREIGN_FORMS = ["GmbH", "Ltd", "LLC"]  # how a customs clerk abroad writes any of them
CITIES = {"BY": ["Минск", "Гомель", "Брест", "Гродно", "Витебск", "Могилёв", "Пинск", "Бобруйск", "Борисов", "Орша"],
          "RU": ["Москва", "Смоленск", "Брянск", "Псков", "Тверь", "Калуга"], "LT": ["Вильнюс", "Каунас", "Клайпеда"],
          "PL": ["Варшава", "Белосток", "Люблин"], "LV": ["Рига", "Даугавпилс"], "KZ": ["Алматы", "Астана"]}
STREETS = ["Лесная", "Заводская", "Советская", "Садовая", "Полевая", "Речная", "Мира", "Победы", "Ленина",
           "Кирова", "Гагарина", "Промышленная", "Строителей", "Шоссейная", "Луговая", "Новая"]
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


ONSETS = ["б", "в", "г", "д", "ж", "з", "к", "л", "м", "н", "п", "р", "с", "т", "ф", "х", "ц", "ч", "ш", "бр", "гр",
          "др", "кр", "пр", "тр", "ст", "сл", "пл", "кл", "зв"]
VOWELS = ["а", "о", "у", "е", "и", "я", "ю"]
CODAS = ["", "", "н", "р", "л", "с", "к", "м", "т", "в", "д", "рт", "нс"]


def syllable(rng: random.Random) -> str:
    return rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)  # 30 * 7 * 13 = 2,730 shapes


def distinctive(rng: random.Random) -> str:
    middle = syllable(rng) if rng.random() < 0.6 else rng.choice(STEMS_B)
    word = (rng.choice(STEMS_A) + middle + rng.choice(ENDINGS)).title()
    return f"{word} {rng.choice(SECOND)}" if rng.random() < 0.3 else word


class Generated:
    """Records, truth (record id -> firm) and what the generator did, for the report."""

    def __init__(self) -> None:
        self.entities: list[Entity] = []
        self.truth: dict[str, int] = {}
        self.firms: list[tuple[str, str, str]] = []  # (Cyrillic base name, country, truth id) of registry records
        self.made: Counter[str] = Counter()


def generate(n: int, seed: int = 1) -> tuple[list[Entity], dict[str, int]]:
    """About n records; returns them and record id -> truth id."""
    g = generate_full(n, seed)
    return g.entities, g.truth


def generate_full(n: int, seed: int = 1) -> Generated:
    rng = random.Random(seed)
    g = Generated()
    used: set[tuple[str, str, str]] = set()  # (distinctive, industry, country)
    t = 0

    def add(truth_id: int, name: str, country: str | None, address: str | None) -> None:
        rid = f"fict:{len(g.entities)}"
        g.entities.append(Entity(rid, name, country=country, address=address))
        g.truth[rid] = truth_id

    def firm(word: str, industry: str, country: str) -> tuple[int, str, str, str]:
        """A registry record of a new firm: (truth id, Cyrillic base name, city, address)."""
        nonlocal t
        t += 1
        used.add((word, industry, country))
        city = rng.choice(CITIES[country])
        address = f"ул. {rng.choice(STREETS)} {rng.randint(1, 200)}, {rng.randint(200000, 249999)} {city}"
        base = f"{word} {industry}"
        add(t, f"{rng.choice(CYR_FORMS[country])} «{base}»", country, address)
        g.firms.append((base, country, str(t)))
        return t, base, city, address

    def latin_form(country: str) -> str:
        return rng.choice(FOREIGN_FORMS) if rng.random() < 0.2 else rng.choice(LAT_FORMS[country])

    while len(g.entities) < n:
        word, industry, country = distinctive(rng), rng.choice(INDUSTRY), rng.choice(COUNTRIES)
        if (word, industry, country) in used:
            continue
        tid, base, city, address = firm(word, industry, country)
        g.made["firms"] += 1
        kind = rng.random()
        if kind < 0.7:  # a Latin registry or customs record of the same firm
            g.made["latin variant"] += 1
            lat_address = latin(address.replace("ул.", "ul."))
            if rng.random() < 0.85:
                add(tid, f"{latin(base)} {latin_form(country)}", country, lat_address if rng.random() < 0.5 else None)
            else:
                g.made["latin variant, no country"] += 1
                e = rng.random()
                evidence = lat_address if e < 0.5 else latin(city) if e < 0.8 else None
                g.made["  ...with full address" if e < 0.5 else "  ...with town only" if e < 0.8
                       else "  ...with nothing but the name"] += 1
                add(tid, f"{latin(base)} {latin_form(country)}", None, evidence)
        if kind < 0.35:  # and a misspelt copy
            g.made["typo'd variant"] += 1
            add(tid, f"{latin_form(country)} {typo(latin(base), rng)}", country, None)
        d = rng.random()
        if d < 0.10:  # same name, another country: a different firm
            other = rng.choice([c for c in COUNTRIES if c != country])
            if (word, industry, other) not in used:
                g.made["distractor: same name, other country"] += 1
                _, _, _, other_address = firm(word, industry, other)
                g.entities[-1] = Entity(g.entities[-1].id, f"{latin(base)} {latin_form(other)}", country=other,
                                        address=latin(other_address.replace("ул.", "ul.")))
        elif d < 0.20:  # same distinctive word, other industry word, same country: a different firm
            other = rng.choice([x for x in INDUSTRY if x != industry])
            if (word, other, country) not in used:
                g.made["distractor: same word, other industry, same country"] += 1
                firm(word, other, country)
        elif d < 0.25:  # distinctive word one stem apart, same country: a different firm
            alt = distinctive(rng).split()[0]
            alt = word.split()[0][:3] + alt[3:] if rng.random() < 0.5 else alt[:-2] + word.split()[0][-2:]
            if levenshtein(alt.lower(), word.split()[0].lower()) >= 3 and (alt, industry, country) not in used:
                g.made["distractor: near name (3+ letters), same country"] += 1
                firm(alt, industry, country)
    return g


def accidental_twins(g: Generated, max_edits: int = 1) -> int:
    """Pairs of different firms in one country whose (Latin) base names are at most `max_edits` apart:
    indistinguishable from a typo by name alone. Found through one-letter deletions (no all-pairs)."""
    keys: dict[tuple[str, str], set[int]] = defaultdict(set)
    names = [(latin(base).lower(), country) for base, country, _ in g.firms]
    for i, (name, country) in enumerate(names):
        for k in {name} | {name[:p] + name[p + 1:] for p in range(len(name))}:
            keys[(country, k)].add(i)
    pairs = set()
    for members in keys.values():
        if 1 < len(members) < 200:
            ms = sorted(members)
            for a in range(len(ms)):
                for b in range(a + 1, len(ms)):
                    x, y = ms[a], ms[b]
                    if names[x][0] != names[y][0] and levenshtein(names[x][0], names[y][0]) <= max_edits:
                        pairs.add((x, y))
    return len(pairs)


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
    g = generate_full(args.n, args.seed)
    entities, truth = g.entities, g.truth
    t1 = time.perf_counter()
    result = resolve_entities(entities, threshold=DEFAULT_THRESHOLD)
    t2 = time.perf_counter()
    precision, recall, tp, pp, tpairs = pair_scores(result.merged_into, truth)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    s = result.stats
    n = len(entities)
    firms = g.made["firms"]
    twins = accidental_twins(g)
    print(f"records {n:,} (fictional), true entities {len(set(truth.values())):,}, threshold {DEFAULT_THRESHOLD}")
    print("generated (share of firms):")
    order = ["latin variant", "latin variant, no country", "  ...with full address", "  ...with town only",
             "  ...with nothing but the name", "typo'd variant", "distractor: same name, other country",
             "distractor: same word, other industry, same country", "distractor: near name (3+ letters), same country"]
    for what in order:
        k = g.made[what]
        print(f"  {what:<52} {k:>8,}  {k / firms:6.1%}")
    print(f"  {'accidental twins: other firm, same country, 1 edit':<52} {twins:>8,}  {twins / firms:6.1%}")
    print(f"generate {t1 - t0:.1f}s  resolve {t2 - t1:.1f}s  ({n / (t2 - t1):,.0f} records/s)  "
          f"peak RSS {rss_mb:,.0f} MB")
    share = s.comparisons / (n * (n - 1) / 2)
    print(f"blocking: {s.comparisons:,} comparisons in {s.blocks:,} blocks "
          f"({share:.5f} of all pairs); {len(s.skipped)} blocks skipped (too big, or keys of frequent words)")
    counts = result.counts()
    print(f"candidates {counts['candidates']:,} {counts['by_method']}; auto {counts['auto']:,}; "
          f"open {counts['open']:,}")
    print(f"pair precision {precision:.4f}  recall {recall:.4f}  (true pairs found {tp:,} of {tpairs:,}; "
          f"predicted {pp:,})")
    print("README row: | Companies | Time | Peak RSS | Comparisons | Precision | Recall |")
    skipped = f", {len(s.skipped)} blocks skipped" if s.skipped else ""
    print(f"| {n:,} | {t2 - t1:.1f} s | {rss_mb:,.0f} MB | {s.comparisons / 1e6:.1f}M ({share:.2%}){skipped} | "
          f"{precision:.3f} | {recall:.3f} |")


if __name__ == "__main__":
    main()
