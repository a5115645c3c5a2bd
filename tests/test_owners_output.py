"""Owners answers people read: names, countries, shares with their basis and the source and record of
every hop in the text tables; an empty answer that says why; CSV headers with no rows; "did you mean"
for an unknown id; money rounded in route text.

Inputs: FollowTheMoney lines written from the published schemata (fictional companies and people,
hostile punctuation included) and the GLEIF level 1/2 fixtures already in tests/fixtures/registry
(fictional LEIs, consolidation only)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conveyor.queries.owners_view import NEAR_COLUMNS, ULTIMATE_COLUMNS
from test_exports import ENTITIES, HOLDING, PERSON, TARGET, Cli

FIXTURES = Path(__file__).parent / "fixtures" / "registry"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Cli:
    folder = tmp_path_factory.mktemp("owners")
    source = folder / "registry-fictional.jsonl"
    source.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in ENTITIES), encoding="utf-8")
    run = Cli(folder / "graph.db", folder)
    run("load", "registry", "--format", "ftm", str(source))
    return run


def test_ultimate_table_names_countries_shares_basis_and_evidence_per_hop(hostile):
    text = hostile("owners", "ultimate", "hx-target").stdout
    assert text.startswith(f"Ultimate owners of {TARGET.split(' <')[0]}")
    assert f"1. {PERSON} [IE] (hx-pe), person" in text
    assert "share 42%, computed (shares multiplied along the chain)" in text
    lines = text.splitlines()
    first = lines.index(f"     {PERSON} [IE] (hx-pe)")
    assert lines[first + 1] == f"       -owns 60% stated-> {HOLDING} [GB] (hx-hold)"
    assert lines[first + 2] == "           evidence: ftm:registry-fictional; record registry-fictional.jsonl:5"
    assert "           evidence: ftm:registry-fictional; record registry-fictional.jsonl:4" in lines
    assert "1 owner(s)" in text and max(len(line) for line in lines) <= 80


def test_path_and_near_name_every_entity_with_evidence(hostile):
    text = hostile("owners", "path", "hx-pe", "hx-target").stdout
    assert f"{PERSON} [IE] (hx-pe)" in text and "-directs->" in text
    assert "evidence: ftm:registry-fictional; record registry-fictional.jsonl:7" in text
    near = hostile("owners", "near-sanctioned", "--hops", "1").stdout
    assert f"1. {HOLDING} [GB] (hx-hold): 1 hop(s) from {PERSON} [IE] (hx-pe)" in " ".join(near.split())
    assert "evidence: ftm:registry-fictional; record registry-fictional.jsonl:5" in near


def test_an_empty_answer_says_why_and_csv_keeps_its_header(tmp_path):
    run = Cli(tmp_path / "gleif.db", tmp_path)
    for name in ("gleif-level1.csv", "gleif-level2.csv"):
        run("load", "registry", "--format", "gleif", str(FIXTURES / name))
    text = run("owners", "ultimate", "lei:894500LMTRADEBYOOO06", "--include-ended").stdout
    assert "No owners found." in text
    assert "the graph records no owner (no OWNS link into lei:894500LMTRADEBYOOO06)" in text
    assert "1 CONSOLIDATED_BY parent, which is not ownership" in text
    both = run("owners", "ultimate", "lei:894500LESNAYAMEBEL89", "--format", "csv")
    assert both.stdout.splitlines() == [",".join(ULTIMATE_COLUMNS)]
    assert "CONSOLIDATED_BY parents, which are not ownership" in both.stderr
    none = run("owners", "near-sanctioned", "--format", "csv").stdout
    assert none.splitlines() == [",".join(NEAR_COLUMNS)]
    told = run("owners", "near-sanctioned").stdout
    assert "No companies found: no sanctioned entities in force on" in told


def test_an_unknown_id_offers_ids_and_names_like_it(hostile):
    typo = hostile("owners", "ultimate", "hx-targ", ok=False)
    assert typo.exit_code != 0
    assert "no Company or Person with id 'hx-targ'" in typo.output
    assert f"did you mean: hx-target ({TARGET})?" in typo.output
    by_name = hostile("owners", "path", "SMITH & SONS HOLDING LTD (fictional)", "hx-pe", ok=False)
    assert "did you mean: hx-hold" in by_name.output


def test_route_text_rounds_money(tmp_path):
    run = Cli(tmp_path / "unused.db", tmp_path)
    run.runner.invoke(__import__("conveyor.cli", fromlist=["cli"]).cli, ["demo", "--out", str(tmp_path / "d")],
                      catch_exceptions=False)
    text = Cli(tmp_path / "d" / "demo.db", tmp_path)("routes").stdout
    assert "value 48,000  [evidence: shipments-synthetic.csv row 2" in text
    assert "48000.0" not in text
