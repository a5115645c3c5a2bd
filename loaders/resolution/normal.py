"""Name and address forms for comparison. Built on loaders.names.normalise_name (rigour + fingerprints),
then folded so that transliteration systems meet: fingerprints writes 'Лесная' as 'lesnaa', Latin
sources write 'lesnaya'; 'Белшина' -> 'belsina' vs 'Belshina'; 'Гомельский' -> 'gomelskij' vs
'gomelskiy'; 'Ёлка' -> 'elka' vs 'Yolka'. The fold is applied to both sides, so it only has to make the
variants equal, not right."""

from __future__ import annotations

import functools
import re

import fingerprints

from ..names import normalise_name

# Legal forms rigour does not strip and loaders.names leaves alone (kept here so that company keys
# made elsewhere do not change): Belarusian joint/additional-liability forms, Ukrainian TOV/PP, the
# Latin spelling of Kazakh TOO (LLP) and the English 'PUE' (private unitary enterprise).
_MORE_FORMS = re.compile(r"\b(сооо|одо|тов|пп|пуп|sooo|odo|tov|too|pue|puup)\b")
# Hard and soft signs: fingerprints turns them into word breaks ('Объединение' -> 'ob edinenie'),
# Latin sources drop them or write an apostrophe ('Obyedineniye', 'Obʼyedineniye').
_SIGNS = re.compile(r"[ъьʼ’']")
_DIGRAPHS = (("shch", "s"), ("sch", "s"), ("sh", "s"), ("ch", "c"), ("zh", "z"), ("kh", "h"), ("ts", "c"),
             ("tz", "c"), ("ck", "k"), ("ph", "f"), ("yo", "e"), ("w", "v"), ("q", "k"), ("x", "ks"))
_DROP = re.compile(r"[yj`]")
_DOUBLE = re.compile(r"(.)\1+")


@functools.lru_cache(maxsize=500_000)
def fold_token(token: str) -> str:
    if token.isdigit():  # house numbers and postcodes stay as written
        return token
    # Doubled letters go first and last: 'Shchittzar' (a doubled typo) must meet 'Щитзар'; 'oo' is
    # the English spelling of 'у' ('Belwood' / 'Белвуд').
    token = _DOUBLE.sub(r"\1", token.replace("oo", "u"))
    for a, b in _DIGRAPHS:
        token = token.replace(a, b)
    return _DOUBLE.sub(r"\1", _DROP.sub("", token))


@functools.lru_cache(maxsize=500_000)
def fold(name_norm: str) -> str:
    """A transliteration-blind form of an already normalised name (token order kept: the scorer sorts)."""
    return " ".join(t for t in (fold_token(token) for token in name_norm.split()) if t)


@functools.lru_cache(maxsize=500_000)
def comparable(name: str) -> str:
    """Raw name -> folded comparison form ('' if nothing is left)."""
    norm = normalise_name(_MORE_FORMS.sub(" ", _SIGNS.sub("", name.casefold())))
    return fold(norm)


def address_key(address: str | None) -> str:
    return fingerprints.generate(address or "") or ""


# Street-type words say nothing about where a firm is.
_ADDRESS_NOISE = frozenset({"ul", "ulica", "ulitsa", "pr", "prospekt", "prosp", "per", "pereulok", "d", "dom", "str",
                            "street", "st", "g", "gorod", "obl", "rn", "ulic", "ulc"})


@functools.lru_cache(maxsize=500_000)
def address_tokens(address: str | None) -> frozenset[str]:
    """Folded address words (Cyrillic and Latin spellings meet), without street-type words."""
    key = fingerprints.generate(_SIGNS.sub("", (address or "").casefold())) or ""
    return frozenset(t for t in (fold_token(w) for w in key.split()) if t and t not in _ADDRESS_NOISE)
