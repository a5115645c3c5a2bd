"""FtM names and search, sanctions by topic, and ownership shares as publishers write them (issue 8,
items 3, 4 and 5), through the real CLI and a real embedded FalkorDB.

Fixtures: tests/fixtures/ftm/SOURCE.md (shaped like OpenSanctions entities.ftm.json lines; every party
fictional). sanctions-topics.jsonl: line 1 is listed only by the topic `sanction`; line 2 by the topic
and by a Sanction entity on line 9; lines 3-4 carry `sanction.linked` / `sanction.counter` (not
designations); lines 7-20 are Ownership lines with the percentage forms publishers use.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import Cli
from conveyor.graph.store import open_store
from conveyor.loaders.ftm import shares

FIXTURES = Path(__file__).parent / "fixtures" / "ftm"
TOPICS = FIXTURES / "sanctions-topics.jsonl"


def _report(result) -> dict:
    out = result.output
    return json.loads(out[out.index("{"): out.rindex("}") + 1])


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ftm-names")
    cli = Cli(tmp / "cli.db", tmp)
    reports = {
        "registry": _report(cli("load", "registry", "--format", "ftm", str(FIXTURES / "registry-a.jsonl"),
                                "--source", "reg-a", "--json")),
        "topics": _report(cli("load", "registry", "--format", "ftm", str(TOPICS), "--source", "fic-sanctions",
                              "--json")),
    }
    reports["again"] = _report(cli("load", "registry", "--format", "ftm", str(TOPICS), "--source",
                                   "fic-sanctions", "--json"))
    # every CLI command before the store is opened here: the embedded graph takes one user at a time
    found = {text: _search(cli, text) for text, _ in SEARCHES}
    near = cli("owners", "near-sanctioned", "--hops", "1", "--format", "json").output
    store = open_store(str(cli.db))
    yield {"cli": cli, "reports": reports, "store": store, "found": found, "near": near}
    store.close()


def _search(cli: Cli, text: str) -> list[str]:
    out = cli("query", "run", "company-search", "-p", f"text={text}", "--format", "json").output
    return [row["id"] for row in json.loads(out)]


SEARCHES = [
    ("Лесная мебель", ["fic-co-lm"]),  # the display name, Cyrillic
    ("Lesnaya Mebel", ["fic-co-lm"]),  # the Latin alias
    ("mebel lesnaya", ["fic-co-lm"]),  # word order
    ("Berezka", ["fic-co-lm"]),  # a previous name, written in Cyrillic, searched in Latin
    ("LesMeb", ["fic-co-lm"]),  # a weak alias
    ("Северный лес", ["fic-san-co-1"]),
    ("Severny Les", ["fic-san-co-1"]),
    ("Yolochka", ["fic-asset-co"]),  # previous name 'Елочка ЗАО'
    ("no such firm", []),
]


# -- names --------------------------------------------------------------------------------------
def test_display_names_follow_ftm_caption_rules(loaded):
    run = loaded["store"].run
    names = {r["id"]: r["name"] for r in run(
        "MATCH (n) WHERE n:Company OR n:Person RETURN n.id AS id, n.name AS name")}
    assert names["fic-co-lm"] == "ООО «Лесная Мебель» (fictional)"  # name before alias
    # a Person with name parts only (registry-a's owner was rejected as nameless before)
    assert names["fic-pe-owner"] == "Anton Fictionalov"
    assert names["fic-parts-pe"] == "Olga Petrovna Fictionalova"


def test_every_alias_previous_and_weak_name_is_kept(loaded):
    [company] = loaded["store"].run(
        "MATCH (c:Company {id: 'fic-co-lm'}) RETURN c.aliases AS aliases, c.previous_names AS previous, "
        "c.weak_aliases AS weak, c.search_keys AS keys, c.inn AS inn, c.identifiers AS identifiers")
    assert company["aliases"] == ["Lesnaya Mebel LLC (fictional)", "ООО «Берёзка-Лес» (fictional)"]
    assert company["previous"] == ["ООО «Берёзка-Лес» (fictional)"]
    assert company["weak"] == ["LesMeb"]
    assert len(company["keys"]) == 3  # one per distinct folded name (the Cyrillic and Latin names meet)
    # two INNs: the indexed column keeps the first, identifiers keeps both
    assert company["inn"] == "7700000002"
    assert {"innCode:7700000002", "innCode:7700000003", "registrationNumber:190000002"} <= set(
        company["identifiers"])


def test_company_search_finds_any_name_in_either_script(loaded):
    assert loaded["found"] == dict(SEARCHES)


# -- sanctions by topic -------------------------------------------------------------------------
def test_only_the_topic_sanction_designates_and_never_twice(loaded):
    run = loaded["store"].run
    seeds = run("MATCH (e)-[:SANCTIONED]->(s:Sanction) WHERE 'fic-sanctions' IN s.sources "
                "RETURN e.id AS e, s.id AS s, s.program AS program, s.program_id AS program_id, "
                "s.reason AS reason, s.source_url AS url ORDER BY e")
    assert seeds == [
        {"e": "fic-san-co-1", "s": "ftm-topic:fic-sanctions:fic-san-co-1", "program": "Fictional Forestry Programme",
         "program_id": "FIC-FOREST", "reason": "FtM topic sanction", "url": "https://example.org/fictional/list"},
        # the Sanction entity on a later line is the designation: no topic-only one beside it
        {"e": "fic-san-pe-1", "s": "fic-san-entity-1", "program": "Fictional Programme A; Fictional Programme B",
         "program_id": None, "reason": "Fictional test record", "url": None},
    ]
    topics = {r["id"]: r["topics"] for r in run(
        "MATCH (n) WHERE n.topics IS NOT NULL RETURN n.id AS id, n.topics AS topics")}
    assert topics == {"fic-san-co-1": ["sanction"], "fic-san-pe-1": ["sanction", "role.pep"],
                      "fic-linked-co": ["sanction.linked"], "fic-counter-co": ["sanction.counter"]}
    # a reload of the same file makes no second topic designation
    assert loaded["reports"]["again"]["retired"] == 0
    assert run("MATCH (s:Sanction) WHERE s.id STARTS WITH 'ftm-topic:' RETURN count(s) AS n") == [{"n": 1}]


def test_a_sanction_entity_keeps_every_value_and_the_earliest_listing(loaded):
    [sanction] = loaded["store"].run(
        "MATCH (s:Sanction {id: 'fic-san-entity-1'}) RETURN s.listed AS listed, s.end_date AS end_date, "
        "s.authority AS authority")
    # listingDate ['2022-03-15', '2014-07-31'] and startDate ['2014-08-01']: the earliest, not the first
    assert sanction == {"listed": "2014-07-31", "end_date": "2030-01-01", "authority": "Fictional Council"}


def test_topic_designations_are_seeds_of_near_sanctioned(loaded):
    out = loaded["near"]
    near = json.loads(out[out.index("{"): out.rindex("}") + 1])
    # the topic-only company and the person listed by topic and Sanction entity: two seeds, not three
    assert near["seeds"] == 2
    companies = {row["company"]["id"] for row in near["companies"]}
    assert {"fic-san-co-1", "fic-asset-co"} <= companies  # fic-asset-co: owned by both, one hop away
    assert not companies & {"fic-linked-co", "fic-counter-co"}  # sanction.linked / .counter: no seeds


# -- shares -------------------------------------------------------------------------------------
def test_published_percentages_become_shares_or_ranges(loaded):
    rows = loaded["store"].run(
        "MATCH ()-[r:OWNS]->(:Company {id: 'fic-asset-co'}) RETURN r.record AS record, r.share AS share, "
        "r.share_min AS lo, r.share_max AS hi, r.shares_count AS count, r.shares_value AS value, "
        "r.shares_currency AS currency")
    got = {r["record"]: (r["share"], r["lo"], r["hi"]) for r in rows}
    assert got == {
        "fic-own-1": (30.0, None, None),  # "30"
        "fic-own-2": (30.0, None, None),  # "30%"
        "fic-own-3": (None, 25.0, 50.0),  # "25-50"
        "fic-own-4": (None, 25.0, 50.0),  # "25 - 50%"
        "fic-own-5": (None, 0.0, 25.0),  # "<25"
        "fic-own-6": (None, 75.0, 100.0),  # ">75"
        "fic-own-7": (0.3, None, None),  # "0.3": FtM's percentage is percent
        "fic-own-8": (33.33, None, None),  # "33,33"
        "fic-own-9": (None, None, None),  # no percentage: unknown
        "fic-own-10": (50.0, None, None),  # "50" and "50.00": one figure
        "fic-own-11": (None, None, None),  # "majority": loaded, unknown, with a note
        "fic-own-12": (None, 25.0, 50.0),  # UK PSC nature of control in role
        "fic-own-13": (12.5, None, None),
    }
    [counted] = [r for r in rows if r["record"] == "fic-own-13"]
    assert (counted["count"], counted["value"], counted["currency"]) == ("1250", "12500", "BYN")


def test_an_unreadable_percentage_is_a_note_not_a_lost_link(loaded):
    report = loaded["reports"]["topics"]
    assert (report["read"], report["loaded"], report["rejected"]) == (20, 20, 0)
    [note] = report["notes"]
    with open(loaded["cli"].cwd / note.rsplit(": ", 1)[1], encoding="utf-8") as fh:
        [row] = list(csv.DictReader(fh))
    assert (row["row"], row["field"], row["value"]) == ("18", "percentage", "majority")


SHARE_FORMS = [
    (["30"], {"share": 30.0}), (["between 25 and 50"], {"share_min": 25.0, "share_max": 50.0}),
    (["more than 25%"], {"share_min": 25.0, "share_max": 100.0}),
    (["up to 10 %"], {"share_min": 0.0, "share_max": 10.0}),
    (["20", "30"], {"share_min": 20.0, "share_max": 30.0}), ([], {}), ([" "], {}),
]


def test_shares_of_published_forms():
    assert [shares(values) for values, _ in SHARE_FORMS] == [expected for _, expected in SHARE_FORMS]


def test_shares_refuse_what_is_not_a_percentage():
    for text in ("majority", "150", "50-25", "-5"):  # '50-25' is a range from high to low
        with pytest.raises(ValueError, match="percentage"):
            shares([text])
