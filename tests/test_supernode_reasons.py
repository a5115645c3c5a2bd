"""One definition of a supernode (graph/supernode.py) with its reasons kept on the node: `owners
flag-supernodes` stores why (degree, nominee name) and which job, flagging again replaces a rule's own
reason, and the CLI says why it skipped a supernode. The fictional network is test_ownership's."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Cli
from conveyor.graph.store import open_store
from conveyor.queries.ownership import flag_supernodes
from test_ownership import populate

LINKS = "(OWNS, DIRECTS, REGISTERED_AT, ASSOCIATE links)"


def _flags(store) -> dict[str, dict]:
    rows = store.run("MATCH (n) WHERE n.supernode = true "
                     "RETURN n.id AS id, n.supernode_reasons AS reasons, n.derived_by AS derived_by")
    return {r["id"]: r for r in rows}


def test_reasons_are_stored_and_a_rule_replaces_only_its_own(tmp_path: Path):
    with open_store(str(tmp_path / "g.db")) as store:
        populate(store)
        flag_supernodes(store, min_degree=5)
        flags = _flags(store)
        # co:t has 8 links, co:a and co:b 5 (test_ownership's degrees); two persons named like nominees
        assert flags["co:t"]["reasons"] == [f"degree 8 >= 5 {LINKS}"]
        assert flags["co:a"]["reasons"] == [f"degree 5 >= 5 {LINKS}"]
        assert flags["p:bearer"]["reasons"] == ["nominee placeholder name"]
        assert all(d.startswith("derived:supernode=derived:supernode@") for d in flags["co:t"]["derived_by"])
        # the flag put on by hand (test_ownership) has no reason stored: queries name it "flagged supernode"
        flag_supernodes(store, min_degree=4)
        again = _flags(store)
        assert again["co:t"]["reasons"] == [f"degree 8 >= 4 {LINKS}"]  # replaced, not added
        assert again["p:bearer"]["reasons"] == ["nominee placeholder name"]


def test_the_cli_says_why_it_skipped_a_supernode(tmp_path: Path):
    cli = Cli(tmp_path / "g.db", tmp_path)
    with open_store(str(cli.db)) as store:
        populate(store)
    result = cli("owners", "ultimate", "co:t", "--format", "json")
    assert "skipped 1 supernode(s) (To the Bearer (fictional): nominee placeholder name)" in result.stderr
    skipped = json.loads(result.stdout)["skipped_supernodes"]
    assert skipped[0]["supernode_reasons"] == ["nominee placeholder name"]
