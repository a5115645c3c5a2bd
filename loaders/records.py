"""Small builders shared by loaders: the upsert rows for companies, countries and product stubs."""

from __future__ import annotations

from typing import Any

import pycountry

from .names import company_key, normalise_name


def company_row(name: str, country: str | None, record_id: str | None = None, **props: Any) -> dict[str, Any]:
    return {
        "key": props.pop("key", None) or company_key(name, country),
        "record_id": record_id,
        "props": {"name": name.strip(), "name_norm": normalise_name(name), "country": country, **props},
    }


def country_row(code: str) -> dict[str, Any]:
    country = pycountry.countries.get(alpha_2=code)
    return {"key": code, "props": {"name": country.name if country else None}}


def product_stub(code: str) -> dict[str, Any]:
    """A Product node for a code seen in trade data; the HS loader fills in its description."""
    return {"key": code, "props": {"level": len(code)}}
