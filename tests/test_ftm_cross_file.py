"""FtM links whose endpoints another file loaded (issue 8, item 2), through the real CLI and a real
embedded FalkorDB.

registry-a.jsonl (companies, a person, an address) is loaded first as one source; links-b.jsonl (a
second source) then links to them: an owner and a director that are people, a sanction on that
person, an address of the other file, an endpoint defined nowhere, an asset that is a Person in the
graph (an FtM Ownership.asset must be an Asset: a Company), and an entity whose address is missing.
Fixtures: tests/fixtures/ftm/SOURCE.md (every party fictional).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import Cli
from conveyor.graph.store import GraphStore, open_store
from conveyor.loaders.ftm import _LOOKUP, allowed_labels

FIXTURES = Path(__file__).parent / "fixtures" / "ftm"


def _report(result) -> dict:
    out = result.output
    return json.loads(out[out.index("{"): out.rindex("}") + 1])


def _rows(path: Path) -> dict[int, dict]:
    with open(path, encoding="utf-8") as fh:
        return {int(r["row"]): r for r in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ftm-cross")
    cli = Cli(tmp / "cli.db", tmp)
    first = _report(cli("load", "registry", "--format", "ftm", str(FIXTURES / "registry-a.jsonl"),
                        "--source", "reg-a", "--json"))
    lookups: list[tuple[str, int]] = []

    def count(text: str, params: dict) -> None:
        if text in _LOOKUP.values():
            lookups.append((text, len(params.get("ids") or [])))

    GraphStore.query_hooks.append(count)
    try:
        second = _report(cli("load", "registry", "--format", "ftm", str(FIXTURES / "links-b.jsonl"),
                             "--source", "links-b", "--json"))
    finally:
        GraphStore.query_hooks.remove(count)
    store = open_store(str(cli.db))
    yield {"cli": cli, "first": first, "second": second, "store": store, "lookups": lookups}
    store.close()


def test_links_reach_people_companies_and_addresses_of_another_file(loaded):
    edges = loaded["store"].run(
        "MATCH (a)-[r]->(b) WHERE 'links-b' IN r.sources AND type(r) <> 'IN' "
        "RETURN labels(a)[0] AS la, a.id AS a, type(r) AS t, labels(b)[0] AS lb, b.id AS b ORDER BY a, t, b")
    assert edges == [
        {"la": "Company", "a": "fic-co-holding", "t": "OWNS", "lb": "Company", "b": "fic-co-lm"},
        {"la": "Company", "a": "fic-co-shell", "t": "REGISTERED_AT", "lb": "Address", "b": "fic-addr-a"},
        # Family: the person from registry-a, the relative defined later in links-b
        {"la": "Person", "a": "fic-pe-owner", "t": "ASSOCIATE", "lb": "Person", "b": "fic-pe-spouse"},
        {"la": "Person", "a": "fic-pe-owner", "t": "DIRECTS", "lb": "Company", "b": "fic-co-holding"},
        {"la": "Person", "a": "fic-pe-owner", "t": "OWNS", "lb": "Company", "b": "fic-co-lm"},
        {"la": "Person", "a": "fic-pe-owner", "t": "SANCTIONED", "lb": "Sanction", "b": "fic-san-b1"},
    ]
    # no placeholder Company was made for a person of the other file
    assert loaded["store"].run("MATCH (c:Company {id: 'fic-pe-owner'}) RETURN count(c) AS n") == [{"n": 0}]


def test_an_endpoint_found_nowhere_is_one_reject_with_its_reason(loaded):
    report = loaded["second"]
    assert (report["read"], report["loaded"], report["rejected"]) == (10, 8, 2)
    rejects = _rows(loaded["cli"].cwd / report["rejects_path"])
    assert sorted(rejects) == [7, 10]
    with open(loaded["cli"].cwd / report["rejects_path"], encoding="utf-8") as fh:
        assert sum(1 for _ in csv.DictReader(fh)) == 2  # each once, not once per lookup
    assert "Ownership.owner 'fic-nowhere' is neither in this file nor in the graph (as Company or Person)" \
        in rejects[7]["reason"]
    # the FtM range of Ownership.asset is Asset: a Person there is not taken for a Company
    assert "Ownership.asset 'fic-pe-owner' is a Person in the graph; it must be a Company" in rejects[10]["reason"]


def test_a_missing_address_is_a_note_and_the_entity_counts_as_loaded(loaded):
    report, store = loaded["second"], loaded["store"]
    assert 8 not in _rows(loaded["cli"].cwd / report["rejects_path"])
    assert store.run("MATCH (c:Company {id: 'fic-co-trader'}) RETURN c.name AS n") == [
        {"n": "Oak Trading GmbH (fictional)"}]
    [note] = [n for n in report["notes"] if "address not found" in n]
    assert note.startswith("1 loaded row(s) with a note")
    notes_file = loaded["cli"].cwd / note.rsplit(": ", 1)[1]
    notes = _rows(notes_file)
    assert list(notes) == [8]
    assert notes[8]["field"] == "addressEntity" and notes[8]["value"] == "fic-addr-missing"
    assert "the entity is loaded without it" in notes[8]["reason"]


def test_lookups_are_batched_per_label_not_per_row(loaded):
    # Eight links of links-b name ids the file does not define: 4 party ids (fic-pe-owner, fic-co-lm,
    # fic-co-holding, fic-nowhere), each looked up as Company and as Person, and 2 address ids. One
    # query per label, every id in it once: 3 queries, 10 ids, whatever the number of rows.
    texts = [t for t, _ in loaded["lookups"]]
    assert len(texts) == len(set(texts)) == 3
    assert sum(n for _, n in loaded["lookups"]) == 4 * 2 + 2


def test_allowed_labels_follow_the_ftm_range():
    assert allowed_labels("Ownership", "owner") == ("Company", "Person")
    assert allowed_labels("Ownership", "asset") == ("Company",)
    assert allowed_labels("Directorship", "organization") == ("Company",)
    assert allowed_labels("Family", "relative") == ("Person",)
    assert allowed_labels("Sanction", "entity") == ("Company", "Person")
