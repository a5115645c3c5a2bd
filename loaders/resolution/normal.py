"""Name and address forms for comparison. Built on loaders.names.normalise_name (rigour + fingerprints),
then folded so that transliteration systems meet: fingerprints writes 'Лесная' as 'lesnaa', Latin
sources write 'lesnaya'; 'Белшина' -> 'belsina' vs 'Belshina'; 'Гомельский' -> 'gomelskij' vs
'gomelskiy'. The fold is applied to both sides, so it only has to make the variants equal, not right."""

from __future__ import annotations

import functools
import re

import fingerprints

from ..names import normalise_name

# Legal forms rigour does not strip and loaders.names leaves alone (kept here so that company keys
# made elsewhere do not change): Belarusian joint/additional-liability forms, Ukrainian TOV/PP.
_MORE_FORMS = re.compile(r"\b(сооо|одо|тов|пп|sooo|odo|tov)\b")
_DIGRAPHS = (("shch", "s"), ("sch", "s"), ("sh", "s"), ("ch", "c"), ("zh", "z"), ("kh", "h"), ("ts", "c"),
             ("tz", "c"), ("ck", "k"), ("ph", "f"), ("w", "v"), ("q", "k"))
_DROP = re.compile(r"[yj'`]")
_DOUBLE = re.compile(r"(.)\1+")


@functools.lru_cache(maxsize=500_000)
def fold(name_norm: str) -> str:
    """A transliteration-blind form of an already normalised name (token order kept: the scorer sorts)."""
    tokens = []
    for token in name_norm.split():
        for a, b in _DIGRAPHS:
            token = token.replace(a, b)
        token = _DOUBLE.sub(r"\1", _DROP.sub("", token))
        if token:
            tokens.append(token)
    return " ".join(tokens)


@functools.lru_cache(maxsize=500_000)
def comparable(name: str) -> str:
    """Raw name -> folded comparison form ('' if nothing is left)."""
    norm = normalise_name(_MORE_FORMS.sub(" ", name.casefold()))
    return fold(norm)


def address_key(address: str | None) -> str:
    return fingerprints.generate(address or "") or ""
