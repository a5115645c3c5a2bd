"""Trade parties matched to the reference catalogue and linked to its colonies. Every catalogue entry and
every company here is FICTIONAL (tests/fixtures/reference-fictional, shipments-colony-names-fictional.csv);
the exporters are written the ways customs clerks write such names: Latin transliterations by different
systems, legal forms (РУП / RUE / Republican Unitary Enterprise / UE), quotes «» "", typos, brand-only rows,
a UNP in the id column, a notify party, a place of receipt."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conveyor.graph import cypher
from conveyor.graph.rows import Provenance
from conveyor.graph.store import open_store
from conveyor.jobs import colony_match
from conveyor.jobs.colony_match import Matcher, NameFold, Party
from conveyor.loaders.resolution.normal import comparable, fold_token
from cypher_lint import lint, problems

FIXTURES = Path(__file__).parent / "fixtures"
CATALOGUE = FIXTURES / "reference-fictional"
TRADE = FIXTURES / "trade" / "shipments-colony-names-fictional.csv"
FOLD = NameFold(comparable, fold_token)


def _catalogue_row(id_, kind, name, colonies=("FX-IK-31",), aliases=(), weak=(), brands=(), unp=None):
    return {"id": id_, "kind": kind, "name": name, "aliases": list(aliases), "weak_aliases": list(weak),
            "brands": list(brands), "unp": unp, "country": None, "synthetic": True,
            "colonies": [{"id": c, "name": c, "source_url": "https://example.org/fictional", "country": "BY",
                          "synthetic": True, "city": "Зареченск (Zarechensk)"} for c in colonies]}


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.from_rows([
        _catalogue_row("FX-ORG-31", "production_enterprise", "РУП «Тридцать один»", weak=["Tridtsat odin"]),
        _catalogue_row("FX-ORG-32", "production_enterprise", 'РУП "Тридцать два"', ("FX-IK-32",),
                       brands=["Сосновый уют"], unp="790000032"),
        _catalogue_row("FX-ORG-7", "production_enterprise", "РУП «№7»", ()),
        _catalogue_row("FX-BRAND-IVA", "brand", "Zolotaya iva", weak=["Золотая ива"]),
    ], FOLD)


def _party(name: str, company: str | None = None, country: str | None = "BY", party: str = "exporter") -> Party:
    return Party(party, company or f"co:{name}", name, country, True, "s", "f.csv", 2, 1)


# (written as, catalogue id expected, basis expected, linked without review)
WRITINGS = [
    ("РУП «Тридцать один»", "FX-ORG-31", "exact name", True),
    ('РУП "ТРИДЦАТЬ ОДИН"', "FX-ORG-31", "exact name", True),
    ("Республиканское унитарное производственное предприятие «Тридцать один»", "FX-ORG-31", "exact name", True),
    ("RUE Tridtsat Odin", "FX-ORG-31", "exact name", True),  # BGN/PCGN
    ("RUP TRIDCAT' ODIN", "FX-ORG-31", "exact name", True),  # scientific / ISO 9 style
    ("Republican Unitary Enterprise 'Trid'tsat' odin'", "FX-ORG-31", "exact name", True),
    ("UE «Tridzat odin», Zarechensk, Republic of Belarus", "FX-ORG-31", "exact name", True),  # German z
    ("RUP TRIDTSAT ODIM", "FX-ORG-31", "fuzzy name", True),  # typo
    ("Sosnovy Uyut", "FX-ORG-32", "brand", True),  # brand only
    ("SOSNOVYJ UJUT", "FX-ORG-32", "brand", True),
    ("TD Zolotaya Iva", "FX-BRAND-IVA", "brand", True),
    ("ЗОЛОТАЯ ИВА", "FX-BRAND-IVA", "brand", True),
    ("RUP No. 7", "FX-ORG-7", "exact name", False),  # a number needs the state form, and has no colony
    ("Tridtsat Odin Export", "FX-ORG-31", "fuzzy name", False),  # the name and more: for review
]


@pytest.mark.parametrize("written, expected, basis, linked", WRITINGS)
def test_names_written_the_ways_clerks_write_them_match(matcher, written, expected, basis, linked):
    found = {m.entry.id: m for m in matcher.match([_party(written)])}
    assert expected in found, f"{written!r} did not match"
    m = found[expected]
    assert m.basis == basis, (written, m.basis, m.score)
    assert m.linked is linked, (written, m.score, m.reason)


@pytest.mark.parametrize("written", [
    "Odin Trading GmbH", "Tridtsat Let LLC", "Lesnaya Mebel OOO", "7", "RUP No. 8", "Uyut Mebel", "Iva LLC",
    "Zolotoy Vek", "Sosnovy Bor", "Tridtsat Tri",
])
def test_other_names_do_not_match(matcher, written):
    assert [m for m in matcher.match([_party(written)]) if m.linked] == [], written


def test_unp_in_the_id_or_marked_in_the_name_matches(matcher):
    by_id = matcher.match([_party("Belkomplekt OOO", company="790000032")])
    by_name = matcher.match([_party("Belkomplekt OOO, УНП 790000032")])
    unmarked = matcher.match([_party("Belkomplekt OOO tel 790000032")])  # a phone number, not a UNP
    assert [(m.entry.id, m.basis, m.linked) for m in by_id] == [("FX-ORG-32", "unp", True)]
    assert [(m.entry.id, m.basis) for m in by_name] == [("FX-ORG-32", "unp")]
    assert unmarked == []


def test_another_country_or_synthetic_trade_against_a_real_entry(matcher):
    abroad = matcher.match([_party("RUE Tridtsat Odin", country="PL")])
    assert abroad and not abroad[0].linked and "country PL" in abroad[0].reason
    real = Matcher.from_rows([{**_catalogue_row("R-1", "production_enterprise", "РУП «Тридцать один»"),
                               "synthetic": False}], FOLD)
    assert real.match([_party("RUE Tridtsat Odin")]) == []  # _party rows are synthetic


def _q(db: Path, text: str) -> list[dict]:
    with open_store(str(db)) as store:
        return store.run(text)


def _links(db: Path) -> dict[str, dict]:
    rows = _q(db, "MATCH (col:Colony)-[r:OPERATES]->(c:Company) WHERE r.party IS NOT NULL "
                  "RETURN col.id AS colony, c.id AS company, c.name AS name, r.basis AS basis, r.score AS score, "
                  "r.party AS party, r.catalogue_id AS catalogue, r.judgement AS judgement, r.sources AS sources, "
                  "r.record_ids AS ids, labels(c) AS labels")
    return {r["company"]: r for r in rows}


EXPECTED_LINKS = {  # company key -> (colony, basis, party)
    "co:by:odin-rue-tridtsat": ("FX-IK-31", "exact name", "exporter"),
    "co:by:ent-odin-production-republican-tridcat-unitary-zarechensk": ("FX-IK-31", "exact name", "exporter"),
    "co:by:odin-tridcat": ("FX-IK-31", "exact name", "exporter"),
    "co:by:odin-tridsat": ("FX-IK-31", "fuzzy name", "exporter"),
    "co:by:sosnovy-uyut": ("FX-IK-32", "brand", "exporter"),
    "co:by:furniture-iva-zolotaya": ("FX-IK-31", "brand", "exporter"),
    "790000032": ("FX-IK-32", "unp", "exporter"),
    "co:xx:dva-tridtsat": ("FX-IK-32", "exact name", "notify"),
    "co:by:fictional-logistics-marten": ("FX-IK-32", "exact name", "place_of_receipt"),
}


def test_trade_load_links_matches_to_colonies_and_routes_start_there(run_cli):
    run_cli("load", "reference", str(CATALOGUE))
    loaded = run_cli("load", "trade", str(TRADE))
    assert "colony matches: 12 trade name(s) match the catalogue, 9 linked" in loaded.output
    links = _links(run_cli.db)
    assert {k: (v["colony"], v["basis"], v["party"]) for k, v in links.items()} == EXPECTED_LINKS
    for link in links.values():
        assert "Producer" in link["labels"]
        assert link["sources"] == ["shipments:shipments-colony-names-fictional"]
        assert link["ids"][0].startswith("shipments-colony-names-fictional.csv:")
    assert links["co:by:odin-tridsat"]["score"] < 1.0

    listed = json.loads(run_cli("colonies", "matches", "--json").output)
    assert [m["status"] for m in listed][:9] == ["linked"] * 9  # linked first, then the rest, best first
    scores = [m["score"] for m in listed[:9]]
    assert scores == sorted(scores, reverse=True)
    by_company = {m["company"]: m for m in listed}
    assert by_company["co:by:odin-rue-tridtsat"]["rows"] == [
        {"id": "FXS-01", "date": "2023-01-10", "hs_code": "940360",
         "source_file": "shipments-colony-names-fictional.csv", "source_row": 2}]
    assert by_company["co:pl:odin-tridtsat"]["status"] == "open"  # Polish exporter: for review
    assert by_company["co:by:7-no-ue"]["reason"] == "the catalogue places this organisation at no colony"
    for never in ("co:de:fictional-gmbh-odin-trading", "co:by:fictional-lesnaya-llc-mebel",
                  "co:by:fictional-let-llc-tridtsat", "co:by:17"):
        assert never not in by_company, never
    text = run_cli("colonies", "matches", "--review").output
    assert "Tridtsat Odin Sp. z o.o." in text and "RUE TRIDTSAT ODIN" not in text

    routes = json.loads(run_cli("routes", "--format", "json").output)
    starts = {(r["colony"], r["hops"][0]["seller"]) for r in routes}
    assert ("FX-IK-31", "co:by:ent-odin-production-republican-tridcat-unitary-zarechensk") in starts
    dealer = _q(run_cli.db, "MATCH (c:Company {id: 'co:by:alfa-dealer-fictional'}) RETURN labels(c) AS l")[0]["l"]
    assert "Dealer" in dealer  # bought from a matched producer


def test_judgements_override_and_are_applied_on_every_run(run_cli):
    run_cli("load", "reference", str(CATALOGUE))
    run_cli("load", "trade", str(TRADE))
    run_cli("colonies", "matches", "--judge", "co:by:odin-tridsat", "FX-ORG-31", "reject", "--note", "not them")
    run_cli("colonies", "matches", "--judge", "co:pl:odin-tridtsat", "FX-ORG-31", "accept")
    links = _links(run_cli.db)
    assert "co:by:odin-tridsat" not in links
    labels = _q(run_cli.db, "MATCH (c:Company {id: 'co:by:odin-tridsat'}) RETURN labels(c) AS l")[0]["l"]
    assert "Producer" not in labels
    assert links["co:pl:odin-tridtsat"]["judgement"] == "accept"
    review = json.loads(run_cli("colonies", "matches", "--review", "--json").output)
    assert {m["company"]: m["status"] for m in review}["co:by:odin-tridsat"] == "rejected"
    # A newer version of the trade file, loaded under the same source: the judgements still hold.
    newer = Path(run_cli.cwd) / TRADE.name
    newer.write_text(TRADE.read_text(encoding="utf-8") + "FXS-20,2023-02-20,RUP TRIDSAT ODIN,BY,,Dealer Alfa "
                     "(fictional),BY,,940360,furniture,10,pcs,900,USD,BY,,\n", encoding="utf-8")
    run_cli("load", "trade", str(newer))
    links = _links(run_cli.db)
    assert "co:by:odin-tridsat" not in links and "co:pl:odin-tridtsat" in links


def test_a_newer_file_without_the_name_retires_its_link(run_cli):
    run_cli("load", "reference", str(CATALOGUE))
    run_cli("load", "trade", str(TRADE))
    newer = Path(run_cli.cwd) / TRADE.name
    newer.write_text("".join(line for line in TRADE.read_text(encoding="utf-8").splitlines(keepends=True)
                             if "SOSNOVY UYUT" not in line), encoding="utf-8")
    run_cli("load", "trade", str(newer))
    links = _links(run_cli.db)
    assert "co:by:sosnovy-uyut" not in links and "co:by:odin-rue-tridtsat" in links


def test_a_catalogue_loaded_after_the_trade_matches_it(run_cli):
    run_cli("load", "trade", str(TRADE))
    assert _links(run_cli.db) == {}
    result = run_cli("load", "reference", str(CATALOGUE))
    assert "colony matches: 12 (9 linked" in result.output
    assert set(_links(run_cli.db)) == set(EXPECTED_LINKS)
    again = run_cli("colonies", "match")  # rerun over everything: the same links
    assert "9 linked" in again.output and set(_links(run_cli.db)) == set(EXPECTED_LINKS)


def test_new_cypher_lints_clean_for_neo4j():
    statements = [("catalogue", colony_match.CATALOGUE, {"kinds": ["brand"]}),
                  ("match links", colony_match.MATCH_LINKS, {}),
                  ("unset producer", colony_match.UNSET_PRODUCER,
                   {"ids": ["x"], "prov": cypher.prov_params(Provenance.derived(colony_match.JOB))})]
    assert problems(lint(statements)) == []
