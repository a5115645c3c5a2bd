"""The shipped reference catalogue (conveyor/data/reference/) is checked for format and citations only:
every row cites a registered public source, ids are unique, links resolve, UNPs and HS codes are well
formed and real, and nothing is synthetic. Whether a fact is true is checked by reading its source."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from conveyor.loaders.colonies import read_colonies

from conveyor.data import DATA_DIR, REFERENCE_COLONIES

REF = DATA_DIR / "reference"
HS_FILE = DATA_DIR / "hs" / "harmonized-system.csv"

CITED_FILES = ("colonies.csv", "organisations.csv", "facts.csv", "people.csv")
FACT_FIELDS = {"name", "name_latin", "name_variant", "legal_name", "brand", "unp", "address", "colony_id",
               "parent_org_id", "product", "goods_sold", "structure", "naming_convention", "role", "city",
               "nickname"}
NAME_FIELDS = {"name", "name_latin", "legal_name", "brand"}
BASES = {"published", "transliterated", "identified"}
ORG_KINDS = {"authority", "production_enterprise", "branch", "workshop", "sales_enterprise", "brand"}
EVIDENCE = {"list_text", "authority_press_release", "press_report"}
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
UNP = re.compile(r"^\d{9}$")


def _rows(name: str) -> list[dict[str, str]]:
    with open(REF / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def cat() -> dict[str, list[dict[str, str]]]:
    return {name: _rows(name) for name in ("sources.csv", *CITED_FILES)}


@pytest.fixture(scope="module")
def hs_codes() -> set[str]:
    with open(HS_FILE, newline="", encoding="utf-8") as fh:
        return {r["hscode"] for r in csv.DictReader(fh)}


def _codes(cell: str) -> list[str]:
    return [c.strip() for c in cell.split(";") if c.strip()]


def test_source_registry_is_complete_and_explains_its_gaps(cat):
    sources = cat["sources.csv"]
    assert sources
    ids = [s["source_id"] for s in sources]
    urls = [s["source_url"] for s in sources]
    assert len(set(ids)) == len(ids), "duplicate source_id"
    assert len(set(urls)) == len(urls), "a URL is registered twice"
    for s in sources:
        where = f"sources.csv {s['source_id']}"
        assert re.match(r"^https?://\S+$", s["source_url"]), f"{where}: source_url is not an http(s) URL"
        assert s["language"], f"{where}: language missing"
        if not s["source_title"]:
            assert "title" in s["gaps"], f"{where}: empty title without an explanation in gaps"
        if s["source_date"]:
            assert DATE.match(s["source_date"]), f"{where}: date {s['source_date']!r} is not YYYY[-MM[-DD]]"
        else:
            assert "date" in s["gaps"], f"{where}: empty date without an explanation in gaps"


@pytest.mark.parametrize("name", CITED_FILES)
def test_every_row_cites_a_registered_source_with_its_title_and_date(cat, name):
    registry = {s["source_url"]: s for s in cat["sources.csv"]}
    rows = cat[name]
    assert rows, f"{name} is empty"
    for i, row in enumerate(rows, start=2):
        where = f"{name} row {i}"
        assert row["source_url"] in registry, f"{where}: source_url not in sources.csv"
        src = registry[row["source_url"]]
        assert row["source_title"] == src["source_title"], f"{where}: title differs from sources.csv"
        assert row["source_date"] == src["source_date"], f"{where}: date differs from sources.csv"


@pytest.mark.parametrize("name", CITED_FILES)
def test_nothing_is_synthetic(cat, name):
    for i, row in enumerate(cat[name], start=2):
        assert row["synthetic"] == "false", f"{name} row {i}: synthetic must be 'false' in the real catalogue"


def test_ids_are_unique_and_do_not_collide(cat):
    for name, key in (("colonies.csv", "colony_id"), ("organisations.csv", "org_id"),
                      ("facts.csv", "fact_id"), ("people.csv", "person_id")):
        ids = [r[key] for r in cat[name]]
        assert all(ids), f"{name}: empty {key}"
        assert len(set(ids)) == len(ids), f"{name}: duplicate {key}"
    colonies = {r["colony_id"] for r in cat["colonies.csv"]}
    orgs = {r["org_id"] for r in cat["organisations.csv"]}
    assert not colonies & orgs, "an id is both a colony and an organisation"


def test_links_resolve(cat):
    colonies = {r["colony_id"] for r in cat["colonies.csv"]}
    orgs = {r["org_id"] for r in cat["organisations.csv"]}
    for r in cat["organisations.csv"]:
        assert r["kind"] in ORG_KINDS, f"{r['org_id']}: unknown kind {r['kind']!r}"
        assert not r["colony_id"] or r["colony_id"] in colonies, f"{r['org_id']}: colony {r['colony_id']} unknown"
        assert not r["parent_org_id"] or r["parent_org_id"] in orgs, f"{r['org_id']}: parent unknown"
    for r in cat["facts.csv"]:
        where = f"facts.csv {r['fact_id']}"
        assert r["entity_id"] in orgs | colonies, f"{where}: entity {r['entity_id']} unknown"
        if r["field"] == "colony_id":
            assert r["value"] in colonies, f"{where}: colony {r['value']} unknown"
        if r["field"] == "parent_org_id":
            assert r["value"] in orgs, f"{where}: organisation {r['value']} unknown"
    for r in cat["people.csv"]:
        assert r["linked_entity_id"] in orgs | colonies, f"{r['person_id']}: link {r['linked_entity_id']} unknown"
    kinds = {r["kind"] for r in cat["organisations.csv"]}
    assert {"authority", "sales_enterprise", "production_enterprise"} <= kinds


def test_fact_vocabulary_and_transliterations_are_only_search_variants(cat):
    for r in cat["facts.csv"]:
        where = f"facts.csv {r['fact_id']}"
        assert r["field"] in FACT_FIELDS, f"{where}: unknown field {r['field']!r}"
        assert r["basis"] in BASES, f"{where}: unknown basis {r['basis']!r}"
        assert r["value"].strip(), f"{where}: empty value"
        if r["basis"] == "transliterated":
            assert r["field"] == "name_variant", f"{where}: a transliteration may only be a name_variant"
        if r["basis"] != "published":
            assert r["note"], f"{where}: a {r['basis']} value must say how it was made"


def test_each_organisation_name_is_published_in_its_facts(cat):
    published = {(r["entity_id"], r["value"]) for r in cat["facts.csv"]
                 if r["field"] in NAME_FIELDS and r["basis"] == "published"}
    for r in cat["organisations.csv"]:
        assert (r["org_id"], r["name"]) in published, f"{r['org_id']}: name {r['name']!r} has no published fact"


def test_unps_have_nine_digits(cat):
    for r in cat["facts.csv"]:
        if r["field"] == "unp":
            assert UNP.match(r["value"]), f"facts.csv {r['fact_id']}: UNP {r['value']!r} is not 9 digits"


def test_hs_codes_exist_in_the_shipped_nomenclature(cat, hs_codes):
    for r in cat["colonies.csv"]:
        for code in _codes(r["hs_codes"]):
            assert code in hs_codes, f"colonies.csv {r['colony_id']}: HS {code} not in the nomenclature"
    for r in cat["facts.csv"]:
        if r["hs_code"]:
            assert r["field"] in ("product", "goods_sold"), f"facts.csv {r['fact_id']}: HS code on a non-product"
        for code in _codes(r["hs_code"]):
            assert code in hs_codes, f"facts.csv {r['fact_id']}: HS {code} not in the nomenclature"


def test_people_rows_say_what_kind_of_evidence_they_rest_on(cat):
    for r in cat["people.csv"]:
        where = f"people.csv {r['person_id']}"
        assert r["name_as_published"] and r["position_as_published"] and r["authority"], where
        assert r["evidence"] in EVIDENCE, f"{where}: unknown evidence {r['evidence']!r}"
        assert r["link_basis"], f"{where}: link_basis missing"
        if r["listing_date"]:
            assert DATE.match(r["listing_date"]), f"{where}: listing_date not YYYY[-MM[-DD]]"
        if r["evidence"] == "press_report":
            assert r["note"], f"{where}: a press report must say why the list itself is not cited"


def test_the_colony_loader_reads_every_shipped_colony_row(cat):
    chunks = list(read_colonies(Path(REFERENCE_COLONIES)))
    assert sum(c.read for c in chunks) == len(cat["colonies.csv"])
    assert [r.reason for c in chunks for r in c.rejects] == []
