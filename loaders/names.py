"""Names and identifiers normalised with the field's libraries (rigour, fingerprints), so the same
company spelled differently in two files gets the same key. Countries: conveyor.graph.types.COUNTRY."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

import fingerprints
from rigour.names import remove_org_types

from ..graph.keys import bounded
from ..graph.types import country_code as normalise_country  # noqa: F401  the one country rule, re-exported

# Belarusian and Russian state-enterprise forms that rigour's list does not carry (ISO 20275 ELF
# codes for BY, e.g. 9X63 "унитарное предприятие").
_EXTRA_FORMS = re.compile(
    r"\b(рупп|руп|куп|чуп|уп|чтуп|иооо|зао|оао|пао|ао|ип|rupp|rup|kup|chup|up|chtup|iooo|zao|oao|pao)\b"
)


@functools.lru_cache(maxsize=200_000)
def normalise_name(name: str | None) -> str:
    """Legal form, punctuation, case, word order and script removed: 'ООО «Лесная Мебель»' and
    'Lesnaya Mebel LLC' both give 'lesnaa mebel' / 'lesnaya mebel' (transliteration differs by
    source; fuzzy matching in resolution bridges that)."""
    if not name:
        return ""
    stripped = remove_org_types(name.casefold())
    stripped = _EXTRA_FORMS.sub(" ", stripped)
    return fingerprints.generate(stripped) or fingerprints.generate(name) or ""


def company_key(name: str, country: str | None) -> str:
    """A stable key for a company known only by name and country (no registry identifier)."""
    slug = normalise_name(name).replace(" ", "-")
    return bounded(f"co:{(country or 'xx').lower()}:{slug}")


def search_key(text: str | None) -> str:
    """The transliteration-blind form company-search compares (legal form, case, punctuation, word
    order and script ignored): 'ООО «Лесная Мебель»' and 'Lesnaya Mebel LLC' both give 'lesna mebel'.
    The fold is resolution's (loaders/resolution/normal.py), so search and merging agree."""
    if not text or not text.strip():
        return ""
    from .resolution.normal import comparable  # here, not at the top: normal.py builds on this module

    return comparable(text)


def search_keys(names: Iterable[str | None]) -> list[str]:
    """search_key of every name, each once, in the order given ('' dropped)."""
    return list(dict.fromkeys(k for k in (search_key(n) for n in names) if k))
