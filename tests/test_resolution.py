"""Entity resolution on a real embedded FalkorDB store through the real CLI. Every company here is
fictional (names end in '(fictional)')."""

from __future__ import annotations

import json
import random

from conveyor.graph.rows import NodeRow, Provenance, RelRow
from conveyor.graph.store import open_store
from conveyor.loaders.names import normalise_name
from conveyor.loaders.resolution import append_judgement, resolve_entities, resolve_store
from conveyor.loaders.resolution.entities import Entity
from conveyor.queries.saved import get_saved_query

PROV_A = Provenance("registry-a", "registry-a@1", "2024-01-01")
PROV_B = Provenance("registry-b", "registry-b@1", "2024-01-01")


def _company(key: str, name: str, **props) -> NodeRow:
    return NodeRow(key=key, record_id=f"test:{key}", props={"name": name, "name_norm": normalise_name(name), **props})


def _seed(store, rows_a: list[NodeRow], rows_b: list[NodeRow] = ()) -> None:
    store.upsert_nodes("Company", rows_a, PROV_A)
    if rows_b:
        store.upsert_nodes("Company", list(rows_b), PROV_B)


def _merged(store) -> dict[str, str]:
    rows = store.run("MATCH (c:Company) WHERE c.merged_into IS NOT NULL RETURN c.id AS id, c.merged_into AS m")
    return {r["id"]: r["m"] for r in rows}


def _same_as(store) -> list[dict]:
    return store.run("MATCH (a:Company)-[r:SAME_AS]->(b:Company) RETURN a.id AS a, b.id AS b, r.score AS score, "
                     "r.method AS method, r.reasons AS reasons, r.judgement AS judgement ORDER BY a, b")


def _resolve(store, judgements) -> dict:
    return resolve_store(store, judgements)["Company"].counts()


def test_strong_key_match_merges_despite_different_names(falkor, tmp_path):
    _seed(falkor, [_company("a:1", "Polesie Woodworks (fictional)", lei="5299000FICTIONAL0001", country="BY")],
          [_company("b:9", "PW Holding (fictional)", lei="5299000FICTIONAL0001", country="BY")])
    counts = _resolve(falkor, tmp_path / "j.csv")
    assert counts["by_method"] == {"strong-key": 1}
    [edge] = _same_as(falkor)
    assert edge["score"] == 1.0 and edge["method"] == "strong-key" and edge["judgement"] == "auto"
    assert edge["reasons"] == ["lei=5299000FICTIONAL0001"]
    assert _merged(falkor) == {"a:1": "a:1", "b:9": "a:1"}


def test_transliterated_legal_form_and_typo_variants_merge(falkor, tmp_path):
    _seed(falkor, [
        _company("a:1", "ООО «Лесная Мебель» (fictional)", country="BY"),
        _company("a:2", "ОАО «Гомельский Древкомбинат» (fictional)", country="BY"),
        _company("a:3", "Baltic Timber Trading UAB (fictional)", country="LT"),
    ], [
        _company("b:1", "Lesnaya Mebel LLC (fictional)", country="BY"),
        _company("b:2", "OJSC Gomelskiy Drevkombinat (fictional)", country="BY"),
        _company("b:3", "Baltik Timber Tradng (fictional)", country="LT"),
    ])
    counts = _resolve(falkor, tmp_path / "j.csv")
    merged = _merged(falkor)
    for n in "123":
        assert merged[f"a:{n}"] == merged[f"b:{n}"], (n, merged, _same_as(falkor))
    assert len(set(merged.values())) == 3 and counts["clusters"] == 3
    edges = {(e["a"], e["b"]): e for e in _same_as(falkor)}
    assert edges[("a:1", "b:1")]["method"] == "name" and "same country BY" in edges[("a:1", "b:1")]["reasons"]


def test_similar_names_in_different_countries_are_not_merged(falkor, tmp_path):
    _seed(falkor, [_company("a:1", "Nordwood Trading (fictional)", country="LT"),
                   _company("a:2", "Nordwood Logistics (fictional)", country="LT")],
          [_company("b:1", "Nordwood Trading (fictional)", country="PL")])
    counts = _resolve(falkor, tmp_path / "j.csv")
    assert _merged(falkor) == {}
    assert counts["auto"] == 0
    open_edges = [e for e in _same_as(falkor) if e["judgement"] == "open"]
    assert any("different country LT/PL" in e["reasons"] for e in open_edges)  # proposed for review, not merged


def test_reject_undoes_a_merge_and_it_stays_undone(falkor, tmp_path):
    path = tmp_path / "conveyor-judgements.csv"
    _seed(falkor, [_company("a:1", "Lesnaya Mebel LLC (fictional)", country="BY")],
          [_company("b:1", "ООО «Лесная Мебель» (fictional)", country="BY")])
    _resolve(falkor, path)
    assert _merged(falkor) == {"a:1": "a:1", "b:1": "a:1"}
    append_judgement(path, "b:1", "a:1", "reject", "two firms, checked registry")
    counts = _resolve(falkor, path)
    assert _merged(falkor) == {} and _same_as(falkor) == [] and counts["rejected"] == 1
    _resolve(falkor, path)  # and again: a rejected pair is never re-proposed
    assert _merged(falkor) == {} and _same_as(falkor) == []


def test_reject_is_a_cannot_link_inside_a_cluster(falkor, tmp_path):
    path = tmp_path / "j.csv"
    _seed(falkor, [_company("a:1", "Lesnaya Mebel (fictional)", country="BY", unp="190000002"),
                   _company("a:2", "Lesnaya Mebel LLC (fictional)", country="BY")],
          [_company("b:1", "LM Export (fictional)", country="BY", unp="190000002")])
    _resolve(falkor, path)
    assert set(_merged(falkor)) == {"a:1", "a:2", "b:1"}
    append_judgement(path, "a:2", "b:1", "reject")  # a:2 and b:1 are never in one cluster
    _resolve(falkor, path)
    merged = _merged(falkor)
    assert merged.get("a:2") != merged.get("b:1")


def test_accept_forces_a_merge_and_deleting_it_undoes_it(falkor, tmp_path):
    _seed(falkor, [_company("a:1", "Krasny Oktyabr Works (fictional)", country="BY")],
          [_company("b:1", "KO Export House (fictional)", country="LT")])
    path = tmp_path / "decisions.csv"
    _resolve(falkor, path)
    assert _merged(falkor) == {}
    append_judgement(path, "a:1", "b:1", "accept", "same UNP in filing")
    _resolve(falkor, path)
    assert _merged(falkor) == {"a:1": "a:1", "b:1": "a:1"}
    [edge] = _same_as(falkor)
    assert edge["judgement"] == "accept" and edge["method"] == "judgement" and edge["score"] < 0.9
    assert any("same UNP in filing" in r for r in edge["reasons"])
    header = path.read_text().splitlines()[0]
    path.write_text(header + "\n")  # delete the accept line
    _resolve(falkor, path)
    assert _merged(falkor) == {} and _same_as(falkor) == []


def test_merged_entity_query_shows_both_sources(falkor, tmp_path):
    _seed(falkor, [_company("a:1", "Lesnaya Mebel LLC (fictional)", country="BY", unp="190000001")],
          [_company("b:1", "ООО «Лесная Мебель» (fictional)", country="BY", unp="190000001")])
    _resolve(falkor, tmp_path / "j.csv")
    rows = get_saved_query("merged-entity").run(falkor, {"id": "b:1"})
    assert [r["member"] for r in rows] == ["a:1", "b:1"]
    assert {s for r in rows for s in r["sources"]} == {"registry-a", "registry-b"}
    assert rows[0]["canonical"] == "a:1"


def test_cli_review_judge_and_rerun(run_cli, tmp_path):
    store = open_store(str(run_cli.db))
    try:
        _seed(store, [_company("a:1", "Vitebsk Linen Mill (fictional)", country="BY"),
                      _company("a:2", "Orsha Flax Combine (fictional)", country="BY"),
                      _company("a:3", "Minsk Gear Plant (fictional)", country="BY")],
              [_company("b:1", "Vitebsk Linen Mill (fictional)", country="PL"),
               _company("b:2", "Orsha Flax Combin (fictional)", country="PL"),
               _company("b:3", "Minsk Gear Plant (fictional)")])
    finally:
        store.close()
    text = run_cli("resolve", "--review").output  # --review writes nothing and lists open ones best-first
    assert "conveyor resolve --judge LEFT RIGHT accept|reject|unsure" in text
    lines = [line for line in text.splitlines() if "  ~  " in line]
    scores = [float(line.split()[0]) for line in lines]
    assert len(scores) == 2 and scores == sorted(scores, reverse=True)
    assert "b:1" in lines[0] and "b:2" in lines[1]  # identical names outrank a typo
    out = run_cli("resolve", "--judge", "a:1", "b:1", "accept", "--note", "same director (fictional)").output
    assert "recorded accept" in out and "accept" in (tmp_path / "conveyor-judgements.csv").read_text()
    result = json.loads(run_cli("resolve", "--json").stdout)["results"]["Company"]
    assert result["accepted"] == 1 and result["auto"] == 1 and result["open"] == 1
    assert result["clusters"] == 2 and result["merged_entities"] == 4


def test_blocking_never_compares_all_pairs():
    rng = random.Random(7)
    syllables = ["bel", "mar", "tor", "vik", "ses", "lan", "dor", "kin", "pol", "rus", "zen", "gra", "mil", "ost"]
    words = {"".join(rng.choice(syllables) for _ in range(3)) for _ in range(4000)}
    entities = [Entity(f"e{i}", f"{w} {rng.choice(['Trade', 'Holz', 'Mebel', 'Group'])} (fictional)", country="BY")
                for i, w in enumerate(sorted(words))]
    n = len(entities)
    result = resolve_entities(entities, max_block=300)
    stats = result.stats
    assert n > 2000
    assert stats.comparisons < n * (n - 1) / 2 / 10, stats.to_dict()
    assert stats.skipped  # 'fictional' and the shared second words make blocks too big: skipped, and reported
    assert {k for k, _ in stats.skipped} >= {"p:fict"}


def test_town_settles_a_no_country_record_between_two_same_name_firms():
    entities = [Entity("by:1", "ООО «Полесдревин Мебель» (fictional)", country="BY",
                       address="ул. Лесная 12, 220000 Минск"),
                Entity("pl:1", "Polesdrevin Mebel Sp. z o.o. (fictional)", country="PL",
                       address="ul. Polna 3, 15-001 Bialystok"),
                Entity("cu:1", "Polesdrevin Mebel LLC (fictional)", address="Minsk"),
                Entity("cu:2", "Polesdrevin Mebel Ltd (fictional)")]
    result = resolve_entities(entities)
    assert result.merged_into == {"by:1": "by:1", "cu:1": "by:1"}  # the town says which one
    by_pair = {(c.left, c.right): c for c in result.candidates}
    assert "same place" in by_pair[("by:1", "cu:1")].reasons
    # with nothing but the name, cu:2 cannot say which one it is: review, not a merge
    assert by_pair[("by:1", "cu:2")].judgement == "open" and by_pair[("cu:2", "pl:1")].judgement == "open"


def test_typo_in_a_frequent_word_merges_but_another_industry_word_does_not():
    rng = random.Random(3)
    words = ["".join(rng.choice("bdgkmnprstvz") + rng.choice("aeiou") for _ in range(4)) for _ in range(600)]
    filler = [Entity(f"f{i}", f"{w} {rng.choice(['Agro', 'Metall', 'Mebel'])} (fictional)", country="BY")
              for i, w in enumerate(words)]
    entities = [*filler,
                Entity("a:1", "ЗАО «Краслинлес Агро» (fictional)", country="BY"),
                Entity("a:2", "Kraslinles Ageo LLC (fictional)", country="BY"),  # typo in the frequent word
                Entity("a:3", "ЗАО «Краслинлес Мебель» (fictional)", country="BY")]  # another firm
    merged = resolve_entities(entities).merged_into
    assert merged.get("a:1") == merged.get("a:2") is not None
    assert merged.get("a:3") is None


def test_long_words_one_edit_apart_always_share_a_block_key():
    from conveyor.loaders.resolution.blocking import block_keys
    rng = random.Random(5)
    for _ in range(2000):
        word = "".join(rng.choice("abdeiklmnorstuv") for _ in range(rng.randint(8, 18)))
        p = rng.randrange(len(word))
        for variant in (word[:p] + word[p + 1:], word[:p] + "z" + word[p + 1:], word[:p] + "z" + word[p:]):
            assert block_keys(word) & block_keys(variant), (word, variant)


def test_same_as_from_before_resolution_was_a_job_is_replaced(falkor, tmp_path):
    # SAME_AS written under the old source name "resolution": the next run (source derived:resolve) retires it
    _seed(falkor, [_company("a:1", "Birch Lane Sawmill (fictional)", country="BY"),
                   _company("a:2", "Granite Quay Shipping (fictional)", country="LV")])
    falkor.upsert_relationships("SAME_AS", "Company", "Company", [RelRow("a:1", "a:2", {"method": "name"})],
                                Provenance("resolution", "resolution@0123456789abcdef", "2024-01-01"))
    assert len(_same_as(falkor)) == 1
    _resolve(falkor, tmp_path / "judgements.csv")
    assert _same_as(falkor) == []
