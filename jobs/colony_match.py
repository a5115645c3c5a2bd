"""Trade parties matched to the reference catalogue, and linked to the colony the catalogue places them at.

A customs extract never says "penal colony": it names an exporter (a republican unitary enterprise named
after the colony's number, a brand, the state seller of prison goods). Here every distinct party name of
the current shipment rows — exporter, notify party, place of receipt — is compared with the catalogue
organisations' names (published, transliterated, brands) and UNPs:

- unp: a 9-digit Belarusian taxpayer number in the party's id, or marked УНП/UNP in its name, equal to
  one the catalogue publishes;
- exact name: equal after transliteration and legal-form folding (loaders.resolution.normal, passed in
  by the CLI as a NameFold: jobs import graph/ only);
- brand: a catalogue brand is the name, or all its words are in it;
- fuzzy name: rapidfuzz token-sort similarity inside blocks (a shared word, or a word within a few
  edits of a catalogue word), never all pairs.

A match at or above AUTO_SCORE with the catalogue's country (or none given) is linked: OPERATES
Colony -> Company with party, catalogue_id, matched_name, basis, score and judgement, and the company
becomes a Producer, so routes start from it. Weaker ones are listed for review. A person's judgement
(accept / reject / unsure, the same CSV as `conveyor resolve`, pairs of trade company id and catalogue
id) overrides the rule, on every run. Synthetic trade rows are never matched to a real catalogue entry.

Cost: reading four name columns of the evidence and grouping them to distinct names (Arrow); a cheap
word test (ASCII transliteration, folded words) against the catalogue's distinctive words on every
distinct name; the full fold and scoring only on the names that pass it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import normality
import numpy as np
import pyarrow.compute as pc
from rapidfuzz import fuzz, process

from ..graph import cypher
from ..graph.evidence import EvidenceStore, current_runs
from ..graph.rows import Provenance, RelRow
from ..graph.store.base import GraphStore
from .trade import JOB as TRADE_JOB
from .trade import refresh_roles

JOB = "colony_match"
AUTO_SCORE = 0.90  # linked without review at or above this
REVIEW_SCORE = 0.80  # listed for review from here
WORD_SCORE = 80  # a trade word this close to a catalogue word (rapidfuzz ratio, 0-100) puts it in the block
CATALOGUE_KINDS = ("authority", "production_enterprise", "branch", "workshop", "sales_enterprise", "brand")
PARTIES = ("exporter", "notify", "place_of_receipt")
BASIS_RANK = {"unp": 0, "exact name": 1, "brand": 2, "fuzzy name": 3}

# Legal-form and place words left after the general fold (loaders.resolution.normal leaves Belarusian
# state forms and their English renderings), in raw form: folded with the same fold at start.
_FORM_WORDS = (
    "respublikanskoe respublikanskoye respublikanskogo republican republic respublika unitarnoe unitarnoye "
    "unitarnogo unitary unitar proizvodstvennoe proizvodstvennoye proizvodstvennogo production productive "
    "predpriyatie predpriyatiye predpriyatiya predprijatie enterprise ent gosudarstvennoe gosudarstvennoye "
    "gosudarstvennogo state rue rup rupp up uup ue sue gp ooo oao zao odo llc ltd jsc ojsc cjsc co company "
    "filial branch the of no nr n g gorod city rb belarus belarusi respubliki minsk oblast region district "
    "raion rayon str ul ulica"
)
# A raw name with one of these may match a catalogue name that is only a number ("РУП «№4»", "RUP 4").
_STATE_FORM = re.compile(r"(?i)\b(руп|рупп|уп|гп|rup|rupp|rue|ue|up|gp|унитарн|unitar|предприят|enterprise|predpri)")
_UNP_MARKED = re.compile(r"(?i)(?:унп|unp|u\.n\.p\.)\s*[:№#]?\s*(\d{9})(?!\d)")
_UNP_ID = re.compile(r"(?i)^(?:by|unp|унп)?[\s:-]*(\d{9})$")
_CHEAP = re.compile(r"[a-z]+|[0-9]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")

# The catalogue's Cyrillic names are also written the ways Latin sources write Russian, so that a clerk's
# spelling meets one of them exactly (the shared fold makes most systems equal, not all: х is 'kh' in
# one and 'ch' in another, where 'ch' is also ч; й is 'y', 'j' or 'i').
_LETTERS = {"а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "з": "z", "и": "i", "к": "k",
            "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f",
            "ъ": "", "ь": "", "э": "e", "і": "i", "ў": "u"}
_SYSTEMS = (
    {"ж": "zh", "й": "y", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ы": "y", "ю": "yu", "я": "ya"},
    {"ж": "z", "й": "j", "х": "ch", "ц": "c", "ч": "c", "ш": "s", "щ": "sc", "ы": "y", "ю": "ju", "я": "ja"},
    {"ж": "sch", "й": "j", "х": "ch", "ц": "z", "ч": "tsch", "ш": "sch", "щ": "schtsch", "ы": "y", "ю": "ju",
     "я": "ja", "в": "w"},
    {"ж": "z", "й": "j", "х": "ch", "ц": "c", "ч": "cz", "ш": "sz", "щ": "szcz", "ы": "y", "ю": "ju", "я": "ja",
     "в": "w"},
    {"ж": "zh", "й": "i", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ы": "y", "ю": "iu", "я": "ia"},
)  # BGN/PCGN, scientific (ASCII), German, Polish, ICAO passports


def transliterations(text: str) -> list[str]:
    """A Cyrillic name in five Latin systems (none for a name with no Cyrillic)."""
    if not _CYRILLIC.search(text):
        return []
    low = text.casefold()
    return list(dict.fromkeys("".join({**_LETTERS, **system}.get(ch, ch) for ch in low) for system in _SYSTEMS))


def _refold(word: str) -> str:
    # German writes ц as 'z' after д: 'Tridzat' is 'Tridtsat' (both sides folded the same way).
    return word.replace("dz", "dc")


@dataclass(frozen=True)
class NameFold:
    """The folds the matcher compares with (loaders.resolution.normal): `name` turns a raw name into
    its folded form ('' if nothing is left); `token` folds one lower-case ASCII word."""
    name: Callable[[str], str]
    token: Callable[[str], str]


@dataclass(frozen=True)
class Variant:
    text: str  # as the catalogue gives it
    words: tuple[str, ...]  # folded, form words removed, sorted
    brand: bool


@dataclass
class Entry:
    """One catalogue organisation as the graph holds it."""
    id: str
    name: str
    kind: str
    country: str | None
    synthetic: bool
    unps: set[str]
    colonies: list[dict[str, Any]]  # {id, name, source_url}
    variants: list[Variant] = field(default_factory=list)


@dataclass(frozen=True)
class Party:
    """One distinct way a party is written in the current evidence."""
    party: str  # exporter, notify, place_of_receipt
    company: str  # the Company id a link would attach to (the row's seller for a place of receipt)
    name: str  # as written
    country: str | None
    synthetic: bool
    source: str
    first_file: str
    first_row: int
    shipments: int


@dataclass
class Match:
    party: Party
    entry: Entry
    variant: str
    basis: str
    score: float
    judgement: str | None = None  # accept / reject / unsure, from the judgements file
    reason: str = ""  # why a match is not linked automatically

    @property
    def linked(self) -> bool:
        if self.judgement:
            return self.judgement == "accept"
        return self.score >= AUTO_SCORE and not self.reason

    @property
    def status(self) -> str:
        if self.judgement:
            return {"accept": "accepted", "reject": "rejected", "unsure": "unsure"}[self.judgement]
        return "linked" if self.linked else "open"

    def to_dict(self) -> dict[str, Any]:
        p = self.party
        return {"company": p.company, "party": p.party, "trade_name": p.name, "country": p.country,
                "catalogue_id": self.entry.id, "catalogue_name": self.entry.name, "catalogue_kind": self.entry.kind,
                "matched_name": self.variant, "basis": self.basis, "score": round(self.score, 3),
                "status": self.status, "judgement": self.judgement, "reason": self.reason or None,
                "colonies": [c["id"] for c in self.entry.colonies], "shipments": p.shipments,
                "source": p.source, "first_row": f"{p.first_file}:{p.first_row}"}


CATALOGUE = """
MATCH (c:Company) WHERE c.catalogue_kind IN $kinds
OPTIONAL MATCH (col:Colony)-[o:OPERATES]->(c)
WITH c, collect(CASE WHEN col IS NULL THEN null
                ELSE {id: col.id, name: col.name, source_url: o.source_url, country: col.country,
                      synthetic: coalesce(col.synthetic, false), city: col.city} END) AS colonies
RETURN c.id AS id, c.name AS name, c.aliases AS aliases, c.weak_aliases AS weak_aliases, c.brands AS brands,
       c.unp AS unp, c.catalogue_kind AS kind, c.country AS country,
       coalesce(c.synthetic, false) AS synthetic, colonies
"""

MATCH_LINKS = """
MATCH (col:Colony)-[r:OPERATES]->(c:Company) WHERE r.party IS NOT NULL
RETURN col.id AS colony, c.id AS company
"""

# Producer comes off a company that no colony operates any more (a link rejected).
UNSET_PRODUCER = f"""
UNWIND $ids AS id
MATCH (c:Company {{id: id}}) WHERE NOT (c)<-[:OPERATES]-(:Colony)
REMOVE c:Producer
SET {cypher.derived_set("c")}
RETURN count(c) AS n
"""


class Matcher:
    """The catalogue, folded once, and the blocks a trade name is looked up in."""

    def __init__(self, entries: list[Entry], fold: NameFold) -> None:
        self.fold = fold
        self.entries = entries
        self.noise = frozenset(fold.token(w) for w in _FORM_WORDS.split())
        for e in entries:
            for c in e.colonies:  # the colony's town written after a name says nothing about who it is
                self.noise |= {w for w in self._cheap_words(c.get("city") or "") if not w.isdigit()}
        self.by_word: dict[str, set[int]] = defaultdict(set)  # word -> indexes of entries
        self.unps: dict[str, list[int]] = defaultdict(list)
        self.long_words: list[str] = []

    def index(self) -> Matcher:
        """The blocks: every word of every variant (folded, and the cheap fold names are first tested
        with) -> the entries that have it."""
        for i, e in enumerate(self.entries):
            for unp in e.unps:
                self.unps[unp].append(i)
            for v in e.variants:
                for w in (*v.words, *(self._cheap_words(v.text) - self.noise)):
                    self.by_word[w].add(i)
        self.long_words = sorted(w for w in self.by_word if len(w) >= 5 and not w.isdigit())
        return self

    @classmethod
    def from_rows(cls, rows: list[dict[str, Any]], fold: NameFold) -> Matcher:
        entries = []
        for r in rows:
            colonies = [c for c in r["colonies"] or [] if c]
            country = r["country"] or next((c["country"] for c in colonies if c.get("country")), None)
            entries.append(Entry(r["id"], r["name"] or r["id"], r["kind"], country, bool(r["synthetic"]),
                                 {r["unp"]} if r["unp"] else set(), colonies))
        matcher = cls(entries, fold)
        for e, r in zip(entries, rows, strict=True):
            names = [r["name"], *(r["aliases"] or []), *(r["weak_aliases"] or [])]
            brands = list(r["brands"] or [])
            if r["kind"] == "brand":  # a brand's own node: its names are brand names
                brands, names = [*names, *brands], []
            seen = set()
            for text, brand in [*((n, False) for n in names if n), *((b, True) for b in brands if b)]:
                for form in (text, *transliterations(text)):
                    words = matcher.words(form)
                    if words and (words, brand) not in seen:
                        seen.add((words, brand))
                        e.variants.append(Variant(text, words, brand))
        return matcher.index()

    def _cheap_words(self, text: str) -> set[str]:
        """Words for the block test, ~10x cheaper than the full fold: ASCII transliteration (skipped for
        ASCII text), lower case, letters and digits apart ('no4' -> 'no', '4'), the shared word fold."""
        ascii_text = (text if text.isascii() else normality.ascii_text(text) or "").casefold()
        token = self.fold.token
        return {_refold(token(w)) for w in _CHEAP.findall(ascii_text)}

    def words(self, text: str) -> tuple[str, ...]:
        """The folded, sorted words of a name, legal forms and places left out."""
        folded = self.fold.name(text)
        return tuple(sorted(_refold(w) for w in _split_digits(folded.split()) if w and _refold(w) not in self.noise))

    def blocks(self, names: list[str]) -> list[set[int]]:
        """For each name, the catalogue entries sharing a word with it (exactly, or within a few edits
        for words of 5+ letters): the only entries it is scored against."""
        cheap = [self._cheap_words(n) - self.noise for n in names]
        near: dict[str, set[int]] = {}
        if self.long_words:
            unknown = sorted({w for ws in cheap for w in ws if len(w) >= 5 and w not in self.by_word})
            if unknown:
                scores = process.cdist(unknown, self.long_words, scorer=fuzz.ratio, score_cutoff=WORD_SCORE,
                                       dtype=np.uint8)
                for i, j in zip(*scores.nonzero(), strict=True):
                    near.setdefault(unknown[i], set()).update(self.by_word[self.long_words[j]])
        out = []
        for ws in cheap:
            found: set[int] = set()
            for w in ws:
                found |= self.by_word.get(w, set()) | near.get(w, set())
            out.append(found)
        return out

    def match(self, parties: list[Party]) -> list[Match]:
        found: list[Match] = []
        blocks = self.blocks([p.name for p in parties])
        for p, block in zip(parties, blocks, strict=True):
            unp = _unp_of(p)
            candidates = set(block) | set(self.unps.get(unp, ())) if unp else block
            if not candidates:
                continue
            words = self.words(p.name)
            for i in candidates:
                e = self.entries[i]
                if p.synthetic and not e.synthetic:
                    continue  # invented trade is never attached to a real facility
                m = self._score(p, e, words, unp)
                if m:
                    found.append(m)
        return found

    def _score(self, p: Party, e: Entry, words: tuple[str, ...], unp: str | None) -> Match | None:
        best: Match | None = None
        if unp and unp in e.unps:
            best = Match(p, e, f"UNP {unp}", "unp", 1.0)
        for v in e.variants:
            basis, score = _compare(words, v, p.name)
            if basis and (best is None or (score, -BASIS_RANK[basis]) > (best.score, -BASIS_RANK[best.basis])):
                best = Match(p, e, v.text, basis, score)
        if best is None or best.score < REVIEW_SCORE:
            return None
        if best.basis != "unp" and best.basis != "brand" and p.country and e.country and p.country != e.country:
            best.reason = f"country {p.country}, the catalogue's {e.country}"
        if not e.colonies:
            best.reason = best.reason or "the catalogue places this organisation at no colony"
        return best


def _split_digits(words: Iterable[str]) -> Iterator[str]:
    """'no4' -> 'no', '4'; '12' stays: a number glued to a word is still the number."""
    for w in words:
        yield from (part for part in re.split(r"(\d+)", w) if part)


def _compare(words: tuple[str, ...], v: Variant, raw: str) -> tuple[str | None, float]:
    if not words or not v.words:
        return None, 0.0
    digits_v = {w for w in v.words if w.isdigit()}
    if digits_v and digits_v != {w for w in words if w.isdigit()}:
        return None, 0.0  # «№4» is not «№5»: a number is never fuzzy
    letters = "".join(w for w in v.words if not w.isdigit())
    if words == v.words:
        if not letters and not v.brand and not _STATE_FORM.search(raw):
            return None, 0.0  # a bare "17" is a number, not «РУП «17»»
        return ("brand" if v.brand else "exact name"), 1.0
    if len(letters) < 4:
        return None, 0.0  # "17", "№4", "ДИН": only the whole name counts
    if v.brand and set(v.words) <= set(words) and (len(v.words) > 1 or len(letters) >= 6):
        return "brand", 0.95
    score = fuzz.token_sort_ratio(" ".join(words), " ".join(v.words)) / 100
    if set(v.words) < set(words) and len(words) - len(v.words) <= 2:
        score = max(score, 0.85)  # the whole name and a word or two more: likely, but for review
    return ("brand" if v.brand else "fuzzy name"), score


def _unp_of(p: Party) -> str | None:
    found = _UNP_MARKED.search(p.name)
    if found:
        return found.group(1)
    if p.party != "place_of_receipt":
        by_id = _UNP_ID.match(p.company.strip())
        if by_id:
            return by_id.group(1)
    return None


def read_catalogue(store: GraphStore, fold: NameFold) -> Matcher:
    return Matcher.from_rows(store.run(CATALOGUE, {"kinds": list(CATALOGUE_KINDS)}), fold)


_PARTY_COLUMNS = {  # party -> (company column, name column, country column)
    "exporter": ("seller", "exporter_name", "exporter_country"),
    "notify": ("notify", "notify_name", "notify_country"),
    "place_of_receipt": ("seller", "place_of_receipt", "exporter_country"),
}
_READ = sorted({c for cols in _PARTY_COLUMNS.values() for c in cols} | {"synthetic", "source", "source_file",
                                                                         "source_row"})


def read_parties(evidence: EvidenceStore, runs: Mapping[str, str]) -> list[Party]:
    """Distinct (party, company, name, source) of the current rows, each with its country, first row and
    how many rows carry it: grouped in Arrow, one Python object per distinct name, never one per row."""
    if not runs:
        return []
    table = evidence.read(runs, columns=_READ)
    out: list[Party] = []
    for party, (company, name, country) in _PARTY_COLUMNS.items():
        part = table.filter(pc.and_(pc.is_valid(table[name]), pc.is_valid(table[company])))
        if not part.num_rows:
            continue
        # A source is one file, and a company key made from a name carries its country: min() of them
        # is the value, not a choice.
        grouped = part.group_by([company, name, "source"]).aggregate(
            [(country, "min"), ("synthetic", "max"), ("source_file", "min"), ("source_row", "min"),
             ("source_row", "count")])
        columns = [grouped[c].to_pylist() for c in (company, name, f"{country}_min", "synthetic_max", "source",
                                                      "source_file_min", "source_row_min", "source_row_count")]
        out += [Party(party, c, n, k, bool(s), src, file, row, count)
                for c, n, k, s, src, file, row, count in zip(*columns, strict=True)]
    return out


def apply_judgements(matches: list[Match], judgements: Mapping[tuple[str, str], Any]) -> list[Match]:
    """judgements: {(id, id) sorted: object with .judgement}, as loaders.resolution.judgements reads them."""
    for m in matches:
        low, high = sorted((m.party.company, m.entry.id))
        j = judgements.get((low, high))
        m.judgement = j.judgement if j is not None else None
    return matches


def find_matches(store: GraphStore, evidence: EvidenceStore, fold: NameFold,
                 judgements: Mapping[tuple[str, str], Any], runs: Mapping[str, str] | None = None) -> list[Match]:
    """Every match of the current rows (or of `runs` only), best first."""
    matcher = read_catalogue(store, fold)
    if not matcher.entries:
        return []
    runs = current_runs(store) if runs is None else runs
    matches = apply_judgements(matcher.match(read_parties(evidence, runs)), judgements)
    return sorted(matches, key=_best_first)


def _best_first(m: Match) -> tuple:
    return (not m.linked, -m.score, BASIS_RANK[m.basis], m.party.company, m.entry.id, m.party.party)


@dataclass
class Links:
    """OPERATES rows to write, per trade source (its provenance), and pairs to remove."""
    by_source: dict[str, list[RelRow]]
    companies: set[str]
    rejected: set[tuple[str, str]]


def plan_links(matches: list[Match]) -> Links:
    """One OPERATES row per (colony, company, source): the best linked match of that pair."""
    best: dict[tuple[str, str, str], tuple[Match, RelRow]] = {}
    rejected: set[tuple[str, str]] = set()
    for m in matches:
        for colony in m.entry.colonies:
            pair = (colony["id"], m.party.company)
            if not m.linked:
                if m.judgement == "reject":
                    rejected.add(pair)
                continue
            key = (*pair, m.party.source)
            if key in best and best[key][0].score >= m.score:
                continue
            best[key] = (m, RelRow(colony["id"], m.party.company, {
                "source_url": colony.get("source_url"), "party": m.party.party, "catalogue_id": m.entry.id,
                "matched_name": m.variant, "basis": m.basis, "score": round(m.score, 3), "judgement": m.judgement,
            }, record_id=f"{m.party.first_file}:{m.party.first_row}"))
    by_source: dict[str, list[RelRow]] = defaultdict(list)
    for (_, _, source), (_, row) in sorted(best.items()):
        by_source[source].append(row)
    linked_pairs = {(c, co) for c, co, _ in best}
    return Links(dict(by_source), {co for _, co, _ in best}, rejected - linked_pairs)


def write_links(store: GraphStore, evidence: EvidenceStore, links: Links, runs: Mapping[str, str],
                remove: set[tuple[str, str]], seen: str | None = None,
                cause: Provenance | None = None) -> dict[str, int]:
    """Write the links with the provenance of the trade source whose rows carry them (a newer version of
    it retires them) and this job's in derived_by, delete `remove` (colony, company) pairs, then keep the
    Producer label and the roles next to these companies in step. `cause`: the load that ran the job."""
    seen = seen or dt.date.today().isoformat()
    job = Provenance.derived(JOB, cause, seen)
    written = 0
    for source, rows in links.by_source.items():
        prov = Provenance(source, runs[source], seen)
        written += store.upsert_relationships("OPERATES", "Colony", "Company", rows, prov, derived=job)
    statement = cypher.delete_relationships_cypher("OPERATES", "Colony", "Company")
    pairs = cypher.endpoint_params(sorted(remove))
    deleted = 0
    for offset in range(0, len(pairs), store.batch_size):
        result = store.run(statement, {"rows": pairs[offset:offset + store.batch_size]})
        deleted += result[0]["deleted"] if result else 0
    linked = sorted(links.companies)
    producer = cypher.set_roles_cypher("Company", ("Producer",), ())
    unlinked = sorted({b for _, b in remove} - links.companies)
    prov_params = cypher.prov_params(job)
    for offset in range(0, max(len(linked), len(unlinked)), store.batch_size):
        if linked[offset:offset + store.batch_size]:
            store.run(producer, {"ids": linked[offset:offset + store.batch_size], "prov": prov_params})
        if unlinked[offset:offset + store.batch_size]:
            store.run(UNSET_PRODUCER, {"ids": unlinked[offset:offset + store.batch_size], "prov": prov_params})
    touched = set(linked) | set(unlinked)
    if touched:
        all_runs = current_runs(store)
        sold = evidence.read(all_runs, columns=["buyer"], where=("seller", touched))
        refresh_roles(store, evidence, all_runs, touched | set(pc.unique(sold["buyer"]).to_pylist()),
                      Provenance.derived(TRADE_JOB, cause, seen))
    return {"written": written, "deleted": deleted, "companies": len(linked)}


def match_all(store: GraphStore, evidence: EvidenceStore, fold: NameFold,
              judgements: Mapping[tuple[str, str], Any], cause: Provenance | None = None
              ) -> tuple[list[Match], dict[str, int]]:
    """Match every current row and make the links say exactly that: new links written, links no longer
    found (or rejected) deleted. Call inside store.atomic(). `cause`: the load that ran it, if any."""
    runs = current_runs(store)
    matches = find_matches(store, evidence, fold, judgements, runs)
    links = plan_links(matches)
    wanted = {(r.start, r.end) for rows in links.by_source.values() for r in rows}
    existing = {(r["colony"], r["company"]) for r in store.run(MATCH_LINKS)}
    return matches, write_links(store, evidence, links, runs, (existing - wanted) | links.rejected, cause=cause)


def match_after_load(store: GraphStore, evidence: EvidenceStore, change: Any, fold: NameFold,
                     judgements: Mapping[tuple[str, str], Any]) -> Iterator[str]:
    """The step at the end of `load trade`: the names of this load's rows only (its cost is bounded by
    the load, not the graph). Links go in with the load's provenance, so a newer version of the file
    that drops a name retires its link; a rejected pair among them is removed."""
    matcher = read_catalogue(store, fold)
    if not matcher.entries:
        return
    run = {change.source: change.runs_after[change.source]}
    matches = apply_judgements(matcher.match(read_parties(evidence, run)), judgements)
    links = plan_links(matches)
    counts = write_links(store, evidence, links, change.runs_after, links.rejected, seen=change.prov.seen,
                         cause=change.prov)
    linked = sum(m.linked for m in matches)
    if matches:
        yield (f"colony matches: {len(matches):,} trade name(s) match the catalogue, {linked:,} linked "
               f"({counts['written']:,} OPERATES for {counts['companies']:,} companies), "
               f"{len(matches) - linked:,} for review (conveyor colonies matches --review)")


def evidence_rows(evidence: EvidenceStore, runs: Mapping[str, str], matches: list[Match],
                  per_match: int = 5) -> dict[int, list[dict[str, Any]]]:
    """The shipment rows behind each match (index in `matches` -> rows, oldest first)."""
    if not matches:
        return {}
    companies = {m.party.company for m in matches}
    columns = ["id", "date", "seller", "notify", "exporter_name", "notify_name", "place_of_receipt", "hs_code",
               "source", "source_file", "source_row"]
    table = evidence.read(runs, columns=columns, any_of=[("seller", companies), ("notify", companies)])
    table = table.sort_by([("date", "ascending"), ("source_row", "ascending")])
    rows = table.to_pylist()
    out: dict[int, list[dict[str, Any]]] = {}
    for i, m in enumerate(matches):
        company, name = _PARTY_COLUMNS[m.party.party][:2]
        picked = [r for r in rows if r[company] == m.party.company and r[name] == m.party.name
                  and r["source"] == m.party.source]
        out[i] = [{k: r[k] for k in ("id", "date", "hs_code", "source_file", "source_row")} for r in picked[:per_match]]
    return out

