"""Small builders shared by loaders: the upsert rows for companies, countries and product stubs."""

from __future__ import annotations

from typing import Any

import pycountry

from ..graph.rows import NodeRow
from .names import company_key, normalise_name


def company_row(name: str, country: str | None, record_id: str | None = None, **props: Any) -> NodeRow:
    return NodeRow(props.pop("key", None) or company_key(name, country),
                   {"name": name.strip(), "name_norm": normalise_name(name), "country": country, **props}, record_id)


def country_row(code: str) -> NodeRow:
    country = pycountry.countries.get(alpha_2=code)
    return NodeRow(code, {"name": country.name if country else None})


def product_stub(code: str) -> NodeRow:
    """A Product node for a code seen in trade data; the HS loader fills in its description."""
    return NodeRow(code, {"level": len(code)})
