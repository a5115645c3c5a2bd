"""The graph model, declared once. Every label, relationship type and property name that reaches a
store comes from here; input data only ever supplies values.

Provenance is the same on every node and relationship (see PROVENANCE): which sources asserted it,
which records, when it was first and last seen, and the run of each source that last asserted it, so
a reload of one source can retire only what that source no longer says.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from .errors import SchemaError
from .types import (
    AMOUNT,
    BOOL,
    COUNTRY,
    HS_CODE,
    IDENTIFIER,
    INT,
    NAME,
    NUMBER_TYPE,
    PARTIAL_DATE,
    SHARE,
    TEXT,
    TIMESTAMP,
    URL,
    ValueType,
    list_of,
)

# claims: which properties each source asserted (graph/cypher._claims_set), so a newer version of a
# source withdraws what it no longer gives.
# derived_by: what jobs wrote to a node or relationship ("<job source>=<run of the load that caused it>",
# graph/cypher.derived_set; job sources start "derived:", graph/rows.Provenance.derived).
PROVENANCE: tuple[str, ...] = ("sources", "source_runs", "record_ids", "record_runs", "first_seen", "last_seen",
                               "claims", "derived_by")
# A run tag is "<source>@<first RUN_DIGEST_CHARS hex digits of the content hash>" (no "@" after the
# source's name); a run belongs to a source by exact name (graph/cypher.of_source), never by prefix.
RUN_DIGEST_CHARS = 16


@dataclass(frozen=True)
class NodeType:
    label: str
    key: str
    properties: tuple[str, ...]
    description: str
    indexed: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()

    @property
    def all_properties(self) -> tuple[str, ...]:
        return (self.key, *self.properties, *PROVENANCE)


@dataclass(frozen=True)
class RelType:
    type: str
    endpoints: tuple[tuple[str, str], ...]
    properties: tuple[str, ...]
    description: str
    # A keyed relationship may exist several times between the same pair (one per record, say);
    # an unkeyed one exists once per pair and is merged.
    key: str | None = None

    @property
    def all_properties(self) -> tuple[str, ...]:
        own = (self.key,) if self.key else ()
        return (*own, *self.properties, *PROVENANCE)


COMPANY_ROLES: tuple[str, ...] = ("Producer", "Dealer", "Intermediary", "Buyer")

# aliases: every other strong name (resolution compares them); previous_names: those of them the source
# calls former names; weak_aliases: names too weak to compare (FtM weakAlias, abbreviation) but searched;
# search_keys: folded forms of all of them (loaders.names.search_keys), what company-search matches;
# topics: FtM / OpenSanctions risk tags as published ('sanction', 'sanction.linked', 'role.pep', ...);
# supernode_reasons: why it is a supernode (graph/supernode.py), one line per rule that says so.
_ENTITY_PROPS = ("name", "name_norm", "aliases", "previous_names", "weak_aliases", "search_keys", "topics",
                 "country", "synthetic", "supernode", "supernode_reasons", "merged_into")

NODES: dict[str, NodeType] = {
    n.label: n
    for n in (
        NodeType(
            "Colony", "id",
            ("name", "name_local", "city", "region", "country", "operator_enterprise", "products",
             "hs_codes", "source_url", "source_title", "source_date", "synthetic"),
            "A penal facility whose production is documented in a cited source.",
            indexed=("name",),
        ),
        NodeType(
            "Company", "id",
            (*_ENTITY_PROPS, "legal_form", "jurisdiction", "registration_number", "lei", "unp", "inn",
             "ogrn", "imo", "incorporation_date", "dissolution_date", "status", "address", "schema",
             "identifiers", "catalogue_kind", "brands", "source_url"),
            "A legal entity: producer, dealer, intermediary or buyer (role labels). catalogue_kind marks an "
            "organisation of the reference catalogue (authority, production_enterprise, branch, workshop, "
            "sales_enterprise, brand); brands: brand names it sells under; source_url: the cited source.",
            indexed=("name_norm", "lei", "unp", "inn", "ogrn", "registration_number", "country", "merged_into",
                     "catalogue_kind"),
            roles=COMPANY_ROLES,
        ),
        NodeType(
            "Person", "id",
            # birth_date: the first given; birth_dates: every one a source gives (sanctions lists list
            # several); identifiers: every passport / national id as "kind:value".
            (*_ENTITY_PROPS, "birth_date", "birth_dates", "nationality", "position", "identifiers", "source_url"),
            "A natural person: owner, director, sanctioned individual.",
            indexed=("name_norm", "merged_into"),
        ),
        NodeType(
            "Product", "hs_code",
            ("description", "level", "section", "parent"),
            "An HS nomenclature code (chapter, heading or subheading).",
            indexed=("level",),
        ),
        NodeType(
            "TradeFlow", "id",
            ("source_kind", "reporter", "partner", "partner2", "flow", "hs_code", "period", "value",
             "quantity", "net_weight_kg", "source_file", "source_row"),
            "One aggregate flow (UN Comtrade, Eurostat Comext): country pair, code, period.",
            indexed=("hs_code", "reporter", "partner", "period"),
        ),
        NodeType(
            "Address", "id",
            ("full", "country", "supernode", "supernode_reasons"),
            "A registered or declared address.",
            indexed=("full",),
        ),
        NodeType("Country", "code", ("name",), "An ISO 3166-1 alpha-2 country."),
        NodeType(
            "Sanction", "id",
            ("program", "authority", "listed", "end_date", "reason", "source_url", "program_id"),
            "A sanctions designation.",
        ),
        NodeType(
            "Source", "name",
            ("path", "format", "loaded_at", "run", "read", "loaded", "rejected"),
            "A loaded dataset and what its last load did.",
        ),
    )
}

_PARTY = ("Company", "Person")

RELATIONSHIPS: dict[str, RelType] = {
    r.type: r
    for r in (
        # A catalogue link cites source_url; a link found by matching a trade party to a catalogue
        # organisation (jobs/colony_match.py) also says how: party (exporter, notify, place_of_receipt),
        # catalogue_id, matched_name, basis (unp, exact name, fuzzy name, brand), score, judgement.
        RelType("OPERATES", (("Colony", "Company"),),
                ("source_url", "party", "catalogue_id", "matched_name", "basis", "score", "judgement"),
                "The colony's production is run (or, for a brand, sold) by this enterprise."),
        RelType("MAKES", (("Colony", "Product"), ("Company", "Product")), ("source_url",),
                "Documented production of goods under an HS code."),
        RelType("OF", (("TradeFlow", "Product"),), (), "The goods' HS code."),
        RelType(
            "SUPPLIES", (("Company", "Company"),),
            ("hs_codes", "hs_first", "hs_last", "origins", "first", "last", "shipments", "value"),
            "Seller supplies buyer: every shipment row of the pair aggregated (rows in the evidence store); "
            "hs_first / hs_last are the first and last date of each code in hs_codes (parallel lists).",
        ),
        RelType(
            "NOTIFIES", (("Company", "Company"),), ("first", "last", "shipments"),
            "Notify party -> consignee: named as notify party on the consignee's shipments.",
        ),
        RelType(
            "OWNS", tuple((p, "Company") for p in _PARTY),
            ("share", "share_min", "share_max", "start", "end", "direct", "component", "kind", "status",
             "shares_count", "shares_value", "shares_currency"),
            "Ownership or control interest.", key="record",
        ),
        RelType(
            "CONSOLIDATED_BY", (("Company", "Company"),),
            ("kind", "start", "end", "status"),
            "GLEIF level 2: accounting consolidation (direct or ultimate parent), not ownership.",
            key="record",
        ),
        RelType("DIRECTS", tuple((p, "Company") for p in _PARTY), ("role", "start", "end"),
                "Director, officer or manager.", key="record"),
        RelType("REGISTERED_AT", tuple((p, "Address") for p in (*_PARTY, "Colony")), (),
                "Registered or declared address."),
        RelType("IN", tuple((n, "Country") for n in ("Company", "Person", "Address", "Colony")), (),
                "Country of registration or location."),
        RelType("SANCTIONED", tuple((n, "Sanction") for n in (*_PARTY, "Colony")),
                ("program", "authority", "listed", "source_url"), "Subject of a sanctions designation."),
        RelType("HEADS", (("Person", "Colony"),), ("position", "basis", "source_url"),
                "Head (or former head) of a colony, as a cited source gives the position."),
        RelType("ASSOCIATE", (("Person", "Person"), ("Person", "Company"), ("Company", "Company")),
                ("kind", "start", "end", "source_url"), "Family, associate or other declared link.",
                key="record"),
        RelType(
            "SAME_AS", (("Company", "Company"), ("Person", "Person")),
            ("score", "method", "reasons", "judgement"),
            "Entity-resolution candidate or accepted merge, with its evidence.",
        ),
        RelType("CHILD_OF", (("Product", "Product"),), (), "HS tree: subheading -> heading -> chapter."),
    )
}

LABELS: tuple[str, ...] = (*NODES, *COMPANY_ROLES)

# The type of every property, by name: one name means one kind of value wherever it appears (a `share`
# is a percentage on OWNS as anywhere, `country` an ISO alpha-2 code on every label), as in FtM. A flat
# mapping rather than typed declarations inside NodeType/RelType: the properties tuples stay the plain
# names the Cypher builders and loaders read, and a name cannot get two types on two labels.
# tests/test_value_types.py checks that every property of NODES and RELATIONSHIPS has one.
_TEXTS = list_of(TEXT)
PROPERTY_TYPES: dict[str, ValueType] = {
    # keys and identifiers
    "id": IDENTIFIER, "code": COUNTRY, "record": IDENTIFIER, "lei": IDENTIFIER, "unp": IDENTIFIER,
    "inn": IDENTIFIER, "ogrn": IDENTIFIER, "imo": IDENTIFIER, "registration_number": IDENTIFIER,
    "merged_into": IDENTIFIER, "catalogue_id": IDENTIFIER, "program_id": IDENTIFIER, "run": IDENTIFIER,
    "identifiers": _TEXTS,  # "kind:value"
    # names
    "name": NAME, "name_norm": TEXT, "name_local": NAME, "aliases": list_of(NAME),
    "previous_names": list_of(NAME), "weak_aliases": list_of(NAME), "search_keys": _TEXTS,
    "matched_name": NAME, "operator_enterprise": NAME, "brands": list_of(NAME),
    # places
    "country": COUNTRY, "nationality": COUNTRY, "reporter": COUNTRY, "partner": COUNTRY, "partner2": COUNTRY,
    "origins": list_of(COUNTRY), "jurisdiction": TEXT,  # 'gb', 'us_de': a register's code, not a country
    "address": TEXT, "full": TEXT, "city": TEXT, "region": TEXT,
    # goods and trade
    "hs_code": HS_CODE, "hs_codes": list_of(HS_CODE), "parent": HS_CODE, "level": INT, "section": TEXT,
    "products": _TEXTS, "value": AMOUNT, "quantity": AMOUNT, "net_weight_kg": AMOUNT, "shipments": INT,
    "flow": TEXT, "source_kind": TEXT, "period": PARTIAL_DATE,
    "hs_first": list_of(PARTIAL_DATE), "hs_last": list_of(PARTIAL_DATE),  # parallel to hs_codes
    # dates
    "first": PARTIAL_DATE, "last": PARTIAL_DATE, "start": PARTIAL_DATE, "end": PARTIAL_DATE,
    "listed": PARTIAL_DATE, "end_date": PARTIAL_DATE, "birth_date": PARTIAL_DATE,
    "birth_dates": list_of(PARTIAL_DATE), "incorporation_date": PARTIAL_DATE,
    "dissolution_date": PARTIAL_DATE, "source_date": PARTIAL_DATE, "loaded_at": TIMESTAMP,
    # ownership and roles
    "share": SHARE, "share_min": SHARE, "share_max": SHARE, "direct": BOOL, "component": TEXT,
    "shares_count": TEXT, "shares_value": TEXT, "shares_currency": TEXT,  # as published (see loaders/ftm.py)
    "kind": TEXT, "status": TEXT, "role": TEXT, "position": TEXT, "legal_form": TEXT, "schema": TEXT,
    "catalogue_kind": TEXT, "topics": _TEXTS,
    # sanctions
    "program": TEXT, "authority": TEXT, "reason": TEXT,
    # citations and matching
    "source_url": URL, "source_title": TEXT, "description": TEXT, "party": TEXT, "basis": TEXT,
    "score": NUMBER_TYPE, "judgement": TEXT, "method": TEXT, "reasons": _TEXTS,
    "synthetic": BOOL, "supernode": BOOL, "supernode_reasons": _TEXTS,
    # Source nodes: what a load did
    "path": TEXT, "format": TEXT, "read": INT, "loaded": INT, "rejected": INT, "source_file": TEXT,
    "source_row": INT,
    # provenance (PROVENANCE)
    "sources": _TEXTS, "source_runs": _TEXTS, "record_ids": _TEXTS, "record_runs": _TEXTS,
    "first_seen": TIMESTAMP, "last_seen": TIMESTAMP, "claims": _TEXTS, "derived_by": _TEXTS,
}

# One shipment row as the evidence store keeps it (graph/evidence.py): Parquet columns and Arrow types.
# seller / buyer / notify are Company keys; the *_name columns keep the names as the row wrote them.
_S, _F = pa.string(), pa.float64()
SHIPMENT_EVIDENCE: tuple[tuple[str, pa.DataType], ...] = (
    ("id", _S), ("date", _S), ("seller", _S), ("buyer", _S), ("notify", _S),
    ("exporter_name", _S), ("importer_name", _S), ("notify_name", _S),
    ("exporter_country", _S), ("importer_country", _S), ("notify_country", _S),
    ("hs_code", _S), ("hs6", _S), ("description", _S), ("quantity", _F), ("unit", _S), ("weight_kg", _F),
    ("value", _F), ("currency", _S), ("origin_country", _S), ("port_lading", _S), ("port_unlading", _S),
    ("place_of_receipt", _S), ("synthetic", pa.bool_()), ("source", _S), ("source_file", _S),
    ("source_row", pa.int64()),
)


def node_type(label: str) -> NodeType:
    try:
        return NODES[label]
    except KeyError:
        raise SchemaError(f"unknown node label {label!r}; the schema declares {sorted(NODES)}") from None


def rel_type(name: str) -> RelType:
    try:
        return RELATIONSHIPS[name]
    except KeyError:
        raise SchemaError(
            f"unknown relationship type {name!r}; the schema declares {sorted(RELATIONSHIPS)}"
        ) from None


def check_endpoints(rel: RelType, start: str, end: str) -> None:
    if (start, end) not in rel.endpoints:
        raise SchemaError(f"{rel.type} does not connect {start} -> {end}; allowed: {list(rel.endpoints)}")


def check_properties(allowed: tuple[str, ...], names: set[str], where: str) -> None:
    unknown = names - set(allowed)
    if unknown:
        raise SchemaError(f"{where}: properties {sorted(unknown)} are not in the schema")


def property_keys() -> tuple[str, ...]:
    keys: set[str] = set()
    for n in NODES.values():
        keys.update(n.all_properties)
    for r in RELATIONSHIPS.values():
        keys.update(r.all_properties)
    return tuple(sorted(keys))


@dataclass(frozen=True)
class IndexSpec:
    """One index the stores create: `unique` for a node key (a uniqueness rule, which is also its
    index), plain for a property NodeType.indexed names. Each store only renders its own DDL for these."""
    label: str
    property: str
    unique: bool = False


def index_specs() -> tuple[IndexSpec, ...]:
    """Every index and uniqueness rule the schema declares, in declaration order."""
    return tuple(spec for nt in NODES.values()
                 for spec in (IndexSpec(nt.label, nt.key, unique=True), *(IndexSpec(nt.label, p) for p in nt.indexed)))


def property_type(name: str) -> ValueType:
    """The declared type of a property (PROPERTY_TYPES)."""
    try:
        return PROPERTY_TYPES[name]
    except KeyError:
        raise SchemaError(f"property {name!r} has no declared type (graph/schema.PROPERTY_TYPES)") from None
