"""Shipments loads are incremental (evidence files per source run, SUPPLIES / NOTIFIES / roles derived only
for the pairs a load touched): these tests hold the incremental result to the result of loading
everything at once. Every company here is fictional (names end "(fictional)") or comes from
loaders.synthetic; stores are the real embedded FalkorDB and the CLI is the real click command."""

from __future__ import annotations

import csv
import functools
import json
import os
import re
import signal
import subprocess
import sys
import threading
import types
from pathlib import Path

import conveyor.jobs.trade
import conveyor.loaders.shipments
import conveyor.loaders.shipments_load
import pyarrow.csv as pacsv
import pytest
from conveyor.graph.evidence import EvidenceStore, current_runs
from conveyor.graph.store import open_store
from conveyor.loaders.synthetic import generate_network
from conveyor.queries.routes import (
    COLONY_PRODUCERS,
    EVIDENCE_COLUMNS,
    FLAGGED_SUPERNODES,
    RouteSettings,
    Shipment,
    find_routes,
    search_routes,
)

COLUMNS = ("shipment_id", "date", "exporter_name", "exporter_country", "exporter_id", "importer_name",
           "importer_country", "importer_id", "notify_name", "notify_country", "hs_code", "value", "quantity",
           "origin_country", "synthetic")
_COUNTS = re.compile(r"read ([\d,]+) = loaded ([\d,]+) \+ rejected ([\d,]+)")

# Fictional parties: (name, country, id or "" for a name-derived key).
PRODUCER = ("Birch Hollow Works (fictional)", "BY", "fic:producer")
DEALER = ("Pine Ledger Trade (fictional)", "BY", "fic:dealer")
TRANSIT = ("Steppe Relay LLP (fictional)", "KZ", "fic:transit")
TRANSIT2 = ("Caspian Parcel LLC (fictional)", "AM", "")  # name-derived key
BUYER = ("Elbe Moebel GmbH (fictional)", "DE", "fic:buyer")
BUYER2 = ("Vistula Meble Sp. z o.o. (fictional)", "PL", "")  # name-derived key
FORWARDER = ("Baltic Notify Agency (fictional)", "LT", "")
OTHER = ("Harbour Odds and Ends (fictional)", "LV", "fic:other")


def row(sid: str, date: str, seller: tuple, buyer: tuple, hs: str, value: str = "", *, notify: tuple | None = None,
        origin: str = "", quantity: str = "") -> dict[str, str]:
    return {
        "shipment_id": sid, "date": date, "exporter_name": seller[0], "exporter_country": seller[1],
        "exporter_id": seller[2], "importer_name": buyer[0], "importer_country": buyer[1], "importer_id": buyer[2],
        "notify_name": notify[0] if notify else "", "notify_country": notify[1] if notify else "",
        "hs_code": hs, "value": value, "quantity": quantity, "origin_country": origin, "synthetic": "true",
    }


def write_rows(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_colony(path: Path) -> Path:
    path.write_text(
        "colony_id,name,country,operator_enterprise,operator_id,hs_codes,source_url,synthetic\n"
        f"FIC-COLONY-1,Test Colony 1 (fictional),BY,{PRODUCER[0]},{PRODUCER[2]},9403,synthetic://conveyor,true\n",
        encoding="utf-8")
    return path


def accounting(output: str) -> tuple[int, int, int]:
    read, loaded, rejected = (int(x.replace(",", "")) for x in _COUNTS.search(output).groups())
    assert read == loaded + rejected, output
    return read, loaded, rejected


def evidence_folder(db: Path) -> Path:
    return db.with_name(db.name + ".evidence")


def _sorted(rows: list[dict]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True, default=str) for r in rows)


# Which load last derived a pair (source_runs: the job's run, derived_by: "derived:trade=<cause run>"):
# the history of the loads, which differs between load orders whose facts are the same.
LOAD_HISTORY = ("source_runs", "derived_by")


def _without(props: dict, *names: str) -> dict:
    return {k: v for k, v in props.items() if k not in names}


def trade_state(db: Path, *, drop: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """SUPPLIES and NOTIFIES with every property (except `drop`), role labels and Company ids, sorted."""
    with open_store(str(db)) as store:
        state = {}
        for rel in ("SUPPLIES", "NOTIFIES"):
            rows = store.run(f"MATCH (a:Company)-[r:{rel}]->(b:Company) "
                             "RETURN a.id AS from_id, b.id AS to_id, properties(r) AS props")
            state[rel] = _sorted([{**r, "props": _without(r["props"], *drop)} for r in rows])
        rows = store.run("MATCH (c:Company) RETURN c.id AS id, labels(c) AS labels")
        state["roles"] = _sorted([{"id": r["id"], "labels": sorted(r["labels"])} for r in rows])
        state["companies"] = sorted(r["id"] for r in rows)
    return state


def full_dump(db: Path, *, as_sets: tuple[str, ...] = ()) -> dict[str, object]:
    """Every node (labels, properties) and relationship (type, endpoints, properties), plus current runs;
    list properties named in `as_sets` compared without their order."""
    def norm(props: dict) -> dict:
        return {k: sorted(v) if k in as_sets and isinstance(v, list) else v for k, v in props.items()}

    with open_store(str(db)) as store:
        nodes = store.run("MATCH (n) RETURN labels(n) AS labels, properties(n) AS props")
        rels = store.run("MATCH (a)-[r]->(b) RETURN type(r) AS type, labels(a) AS a_labels, properties(a) AS a, "
                         "labels(b) AS b_labels, properties(b) AS b, properties(r) AS props")
        runs = current_runs(store)
    nodes = [{**n, "labels": sorted(n["labels"]), "props": norm(n["props"])} for n in nodes]
    rels = [{**r, "a_labels": sorted(r["a_labels"]), "b_labels": sorted(r["b_labels"]), "a": norm(r["a"]),
             "b": norm(r["b"]), "props": norm(r["props"])} for r in rels]
    return {"nodes": _sorted(nodes), "relationships": _sorted(rels), "runs": runs}


def stats(run_cli) -> dict:
    return json.loads(run_cli("db", "stats", "--json").stdout)


def evidence_rows(db: Path, source: str) -> list[str]:
    with open_store(str(db)) as store:
        runs = {s: r for s, r in current_runs(store).items() if s == source}
    table = EvidenceStore(evidence_folder(db)).read(runs)
    return _sorted([_without(r, "source", "source_file") for r in table.to_pylist()])


def run_files(db: Path) -> set[Path]:
    folder = evidence_folder(db)
    return set(folder.glob("*/*")) if folder.is_dir() else set()


# ---------------------------------------------------------------------------------------------------
# Data for the incremental tests: two sources that share pairs, companies and notify parties.

def rows_a() -> list[dict[str, str]]:
    return [
        row("A-1", "2024-01-10", PRODUCER, DEALER, "940360", "1000", origin="BY", quantity="10"),
        row("A-2", "2024-02-10", DEALER, TRANSIT, "940360", "1200", origin="BY", notify=FORWARDER),
        row("A-3", "2024-03-01", TRANSIT, BUYER, "940390", "1500", origin="KZ", notify=FORWARDER),
        row("A-4", "2024-03-05", TRANSIT, BUYER, "442199", "", origin="KZ"),
        row("A-5", "2024-04-01", DEALER, BUYER2, "940360", "800", origin="BY"),
        row("A-6", "2024-05-01", OTHER, TRANSIT2, "847130", "50"),
    ]


def rows_b() -> list[dict[str, str]]:
    return [
        # the same pair as: earlier and later dates, a code A has and one it has not
        row("B-1", "2024-02-20", TRANSIT, BUYER, "940390", "700", origin="AM", notify=FORWARDER),
        row("B-2", "2024-06-01", TRANSIT, BUYER, "940350", "300", origin="KZ"),
        # a company A has only as a buyer sells here (it becomes an intermediary)
        row("B-3", "2024-07-01", BUYER2, BUYER, "940360", "900", origin="PL", notify=FORWARDER),
        # a company A has only as a seller buys from the colony producer (it becomes a dealer)
        row("B-4", "2024-01-20", PRODUCER, OTHER, "940360", "400", origin="BY"),
        row("B-5", "2024-08-01", TRANSIT2, OTHER, "847130", ""),
    ]


@pytest.fixture
def colony_file(tmp_path: Path) -> Path:
    return write_colony(tmp_path / "colony.csv")


def _load_sources(run_cli, colony_file: Path, files: list[tuple[Path, str]]) -> Path:
    run_cli("load", "colonies", str(colony_file))
    for path, source in files:
        accounting(run_cli("load", "trade", str(path), "--source", source).output)
    return run_cli.db


def test_order_independence_two_sources_equal_one_file(run_cli, tmp_path: Path, colony_file: Path) -> None:
    a = write_rows(tmp_path / "a.csv", rows_a())
    b = write_rows(tmp_path / "b.csv", rows_b())
    both = write_rows(tmp_path / "both.csv", rows_a() + rows_b())
    states = {}
    for name, files in (("a_then_b", [(a, "src-a"), (b, "src-b")]), ("b_then_a", [(b, "src-b"), (a, "src-a")]),
                        ("one_file", [(both, "src-ab")])):
        run_cli.db = tmp_path / f"{name}.db"
        db = _load_sources(run_cli, colony_file, files)
        states[name] = trade_state(db, drop=("sources", *LOAD_HISTORY))
        states[name + ":sources"] = trade_state(db, drop=LOAD_HISTORY)
    assert states["a_then_b"] == states["one_file"]
    assert states["b_then_a"] == states["one_file"]
    # `sources` names the sources behind each pair: the same in either order.
    assert states["a_then_b:sources"] == states["b_then_a:sources"]
    supplies = _pairs(states["a_then_b:sources"])
    shared = supplies[(TRANSIT[2], BUYER[2])]
    assert shared["sources"] == ["src-a", "src-b"]
    assert shared["shipments"] == 4 and shared["first"] == "2024-02-20" and shared["last"] == "2024-06-01"
    assert shared["hs_codes"] == ["442199", "940350", "940390"]
    assert shared["hs_first"] == ["2024-03-05", "2024-06-01", "2024-02-20"]
    assert shared["hs_last"] == ["2024-03-05", "2024-06-01", "2024-03-01"]
    assert shared["origins"] == ["AM", "KZ"] and shared["value"] == 2500
    roles = {json.loads(r)["id"]: json.loads(r)["labels"] for r in states["a_then_b"]["roles"]}
    assert "Dealer" in roles[DEALER[2]] and "Dealer" in roles[OTHER[2]]
    assert "Intermediary" in roles[TRANSIT[2]] and "Buyer" in roles[BUYER[2]]


# ---------------------------------------------------------------------------------------------------
# A new version of a source replaces exactly what the old one asserted.

LONELY = ("Only In Version One Ltd (fictional)", "GE", "")  # asserted by v1 alone: retired by v2


def rows_a_v1() -> list[dict[str, str]]:
    return [*rows_a(), row("A-8", "2024-05-02", LONELY, BUYER, "940360", "70", notify=LONELY)]


def rows_a_v2() -> list[dict[str, str]]:
    # dropped: A-5 (DEALER -> BUYER2), A-6 (OTHER -> TRANSIT2), A-8 (LONELY, also a notify party);
    # changed: A-3 (TRANSIT -> BUYER) replaced by A-3b, other date, value and origin; A-2 loses its notify
    # party (NOTIFIES FORWARDER -> TRANSIT has no other row); new: A-7 (BUYER -> OTHER)
    rows = [r for r in rows_a() if r["shipment_id"] not in ("A-3", "A-5", "A-6")]
    rows = [{**r, "notify_name": "", "notify_country": ""} if r["shipment_id"] == "A-2" else r for r in rows]
    rows.append(row("A-3b", "2024-03-02", TRANSIT, BUYER, "940390", "1600", origin="TR"))
    rows.append(row("A-7", "2024-09-01", BUYER, OTHER, "940360", "10", notify=FORWARDER))
    return rows


def _pairs(state: dict[str, list[str]], rel: str = "SUPPLIES") -> dict[tuple[str, str], dict]:
    return {(json.loads(s)["from_id"], json.loads(s)["to_id"]): json.loads(s)["props"] for s in state[rel]}


def test_new_version_equals_fresh_load_of_it(run_cli, tmp_path: Path, colony_file: Path) -> None:
    (tmp_path / "v1").mkdir()
    (tmp_path / "v2").mkdir()
    v1 = write_rows(tmp_path / "v1" / "a.csv", rows_a_v1())
    v2 = write_rows(tmp_path / "v2" / "a.csv", rows_a_v2())
    b = write_rows(tmp_path / "b.csv", rows_b())
    run_cli.db = tmp_path / "fresh.db"
    fresh = _load_sources(run_cli, colony_file, [(b, "src-b"), (v2, "src-a")])
    run_cli.db = tmp_path / "versions.db"
    db = _load_sources(run_cli, colony_file, [(b, "src-b"), (v1, "src-a")])
    with open_store(str(db)) as store:
        v1_run = current_runs(store)["src-a"]
    v1_file = EvidenceStore(evidence_folder(db)).path("src-a", v1_run)
    assert v1_file.is_file()
    v1_state = trade_state(db)
    assert len(v1_state["companies"]) == len(trade_state(fresh)["companies"]) + 1  # LONELY
    report = run_cli("load", "trade", str(v2), "--source", "src-a").output
    assert accounting(report) == (len(rows_a_v2()), len(rows_a_v2()), 0)

    state = trade_state(db, drop=LOAD_HISTORY)  # a pair v2 withdrew rows from is v2's to recompute
    assert state == trade_state(fresh, drop=LOAD_HISTORY)
    assert evidence_rows(db, "src-a") == evidence_rows(fresh, "src-a")
    assert sorted(json.loads(r)["id"] for r in evidence_rows(db, "src-a")) == sorted(
        r["shipment_id"] for r in rows_a_v2())
    assert evidence_rows(db, "src-b") == evidence_rows(fresh, "src-b")
    assert not v1_file.exists(), "the replaced version's run file must be swept"
    assert len(run_files(db)) == 2, run_files(db)  # one current file per source, nothing else
    supplies = _pairs(state)
    # Another source's facts on a pair the new version changed stay, with that source named ...
    assert supplies[(TRANSIT[2], BUYER[2])]["sources"] == ["src-a", "src-b"]
    assert supplies[(TRANSIT[2], BUYER[2])]["origins"] == ["AM", "KZ", "TR"]
    # ... a pair only the old version had is gone, and so are the companies only it named.
    assert not [k for k in supplies if k[0] == DEALER[2] and k[1] not in (TRANSIT[2],)]
    assert (OTHER[2], BUYER[2]) not in supplies and OTHER[2] in state["companies"]  # src-b names OTHER
    notifies = _pairs(state, "NOTIFIES")
    assert [k for k in _pairs(v1_state, "NOTIFIES") if k[1] == TRANSIT[2]] and not [
        k for k in notifies if k[1] == TRANSIT[2]]
    retired = set(v1_state["companies"]) - set(state["companies"])
    assert len(retired) == 1 and "only-version" in retired.pop()  # LONELY, by its name-derived key


def test_new_version_keeps_nodes_of_a_source_whose_name_extends_it(run_cli, tmp_path: Path) -> None:
    # Retiring matches a node's source_runs by the prefix "NAME@": a source called "customs@eu" has runs
    # "customs@eu@<hash>", which also start with "customs@". A new version of "customs" then strips the
    # other source's runs from its nodes and deletes the nodes only it asserted
    # (graph/cypher.py retire_nodes_cypher / retire_relationships_cypher, prefix from loaders/base.py
    # provenance: source_prefix = f"{source}@").
    only_eu = ("Danube Only EU Source (fictional)", "AT", "fic:eu-only")
    eu = write_rows(tmp_path / "eu.csv", [row("EU-1", "2024-01-01", only_eu, BUYER, "940360", "5")])
    (tmp_path / "v1").mkdir()
    (tmp_path / "v2").mkdir()
    v1 = write_rows(tmp_path / "v1" / "customs.csv", [row("C-1", "2024-01-02", DEALER, BUYER, "940360", "5")])
    v2 = write_rows(tmp_path / "v2" / "customs.csv", [row("C-2", "2024-01-03", DEALER, BUYER, "940360", "6")])
    run_cli("load", "trade", str(eu), "--source", "customs@eu")
    run_cli("load", "trade", str(v1), "--source", "customs")
    before = trade_state(run_cli.db)
    assert only_eu[2] in before["companies"]
    run_cli("load", "trade", str(v2), "--source", "customs")
    after = trade_state(run_cli.db)
    assert only_eu[2] in after["companies"], "a new version of 'customs' deleted what 'customs@eu' asserts"
    assert any(json.loads(s)["from_id"] == only_eu[2] for s in after["SUPPLIES"])


# ---------------------------------------------------------------------------------------------------
# Reloading the same file changes nothing.

def test_reload_same_file_changes_nothing(run_cli, tmp_path: Path, colony_file: Path) -> None:
    a = write_rows(tmp_path / "a.csv", rows_a())
    b = write_rows(tmp_path / "b.csv", rows_b())
    db = _load_sources(run_cli, colony_file, [(a, "src-a"), (b, "src-b")])
    before_stats, before_files = stats(run_cli), run_files(db)
    before_dump = full_dump(db, as_sets=("source_runs",))  # order: see the next test
    before_bytes = {p: p.read_bytes() for p in before_files}
    for path, source in ((a, "src-a"), (b, "src-b"), (a, "src-a")):
        out = run_cli("load", "trade", str(path), "--source", source).output
        assert accounting(out)[0] == len(rows_a() if source == "src-a" else rows_b())
    assert stats(run_cli) == before_stats
    assert full_dump(db, as_sets=("source_runs",)) == before_dump
    assert run_files(db) == before_files
    assert {p: p.read_bytes() for p in before_files} == before_bytes


def test_reload_same_file_keeps_provenance_lists_as_they_were(run_cli, tmp_path: Path) -> None:
    # Reloading a file moves its run to the end of every node's source_runs list: the provenance SET
    # (graph/cypher.py _PROVENANCE_SET) always filters out "SOURCE@..." and appends the run, even when
    # the run is already there. A reload of the same file then rewrites every node it touches, so "the
    # same file loaded twice changes nothing" does not hold for the dump, and the node stays dirty.
    a = write_rows(tmp_path / "a.csv", rows_a())
    b = write_rows(tmp_path / "b.csv", rows_b())
    db = _load_sources(run_cli, write_colony(tmp_path / "colony.csv"), [(a, "src-a"), (b, "src-b")])
    before = full_dump(db)
    run_cli("load", "trade", str(a), "--source", "src-a")
    assert full_dump(db) == before


def test_new_version_leaves_company_provenance_as_a_fresh_load(run_cli, tmp_path: Path, colony_file: Path) -> None:
    # retire (graph/cypher.py retire_nodes_cypher) drops the old run from source_runs and keeps the
    # node, but record_ids keep the old version's rows ("a.csv:7" of v1), which v2 does not have: a
    # company's provenance then cites rows that are no longer loaded.
    (tmp_path / "v1").mkdir()
    (tmp_path / "v2").mkdir()
    v1 = write_rows(tmp_path / "v1" / "a.csv", rows_a_v1())
    v2 = write_rows(tmp_path / "v2" / "a.csv", list(reversed(rows_a_v2())))  # rows move in the file
    run_cli.db = tmp_path / "fresh.db"
    fresh = _load_sources(run_cli, colony_file, [(v2, "src-a")])
    run_cli.db = tmp_path / "versions.db"
    db = _load_sources(run_cli, colony_file, [(v1, "src-a"), (v2, "src-a")])

    def record_ids(path: Path) -> dict[str, list[str]]:
        with open_store(str(path)) as store:
            return {r["id"]: sorted(r["ids"] or []) for r in store.run(
                "MATCH (c:Company) RETURN c.id AS id, c.record_ids AS ids")}

    assert record_ids(db) == record_ids(fresh)
    assert full_dump(db, as_sets=("source_runs",)) == full_dump(fresh, as_sets=("source_runs",))


# ---------------------------------------------------------------------------------------------------
# A load that fails after writing part of the graph changes nothing, and its run file is swept later.

def test_failed_derivation_leaves_graph_and_current_run_as_before(run_cli, tmp_path: Path, colony_file: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "v1").mkdir()
    (tmp_path / "v2").mkdir()
    v1 = write_rows(tmp_path / "v1" / "a.csv", rows_a_v1())
    v2 = write_rows(tmp_path / "v2" / "a.csv", rows_a_v2())
    b = write_rows(tmp_path / "b.csv", rows_b())
    db = _load_sources(run_cli, colony_file, [(v1, "src-a"), (b, "src-b")])
    before, files_before, rows_before = full_dump(db), run_files(db), evidence_rows(db, "src-a")
    before_as_sets = full_dump(db, as_sets=("source_runs",))

    calls = []

    def failing_roles(*args, **kwargs):
        calls.append(args)  # by now companies, retiring, SUPPLIES and NOTIFIES have been written
        raise RuntimeError("simulated failure while deriving roles (fictional)")

    monkeypatch.setattr(conveyor.jobs.trade, "refresh_roles", failing_roles)
    with pytest.raises(RuntimeError, match="simulated failure"):
        run_cli("load", "trade", str(v2), "--source", "src-a", ok=False)
    assert calls, "the failure must come from inside the derivation"
    assert full_dump(db) == before
    assert evidence_rows(db, "src-a") == rows_before
    orphans = run_files(db) - files_before
    assert len(orphans) == 1, "the failed load's run file is on disk but not current"

    monkeypatch.undo()

    # The next successful load of the source sweeps what the failed one left.
    run_cli("load", "trade", str(v1), "--source", "src-a")
    assert full_dump(db, as_sets=("source_runs",)) == before_as_sets
    assert not orphans & run_files(db) and run_files(db) == files_before
    assert evidence_rows(db, "src-a") == rows_before


def test_failed_first_load_of_a_source_is_swept_by_the_next_successful_load(
        run_cli, tmp_path: Path, colony_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A load that fails on a source's first load leaves its published run file behind (it is published
    # before store.atomic(): loaders/shipments_load.py load_shipments). sweep() runs only for the source
    # being loaded (EvidenceStore.sweep(source, run)), so the file of a source that is not current stays
    # on disk until that same source name loads successfully, which may be never (a mistyped --source):
    # a full copy of the rows leaks per failed attempt.
    a = write_rows(tmp_path / "a.csv", rows_a())
    b = write_rows(tmp_path / "b.csv", rows_b())
    db = _load_sources(run_cli, colony_file, [(a, "src-a")])
    before, files_before = full_dump(db), run_files(db)
    monkeypatch.setattr(conveyor.jobs.trade, "refresh_roles", lambda *a, **k: (_ for _ in ()).throw(
        RuntimeError("simulated failure while deriving roles (fictional)")))
    with pytest.raises(RuntimeError, match="simulated failure"):
        run_cli("load", "trade", str(b), "--source", "src-typo", ok=False)
    monkeypatch.undo()
    assert full_dump(db) == before  # the graph is as it was ...
    run_cli("load", "trade", str(b), "--source", "src-b")
    leftover = {p for p in run_files(db) - files_before
                if p.parent == EvidenceStore(evidence_folder(db)).path("src-typo", "x").parent}
    assert not leftover, f"the failed load's file is never swept: {sorted(leftover)}"


def _interactive_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # a background CI job may have SIGINT ignored


# The real CLI in a subprocess, with one change: after the first batch of derived relationships is
# written (SUPPLIES, inside store.atomic()), it says so on stderr and waits, so that Ctrl-C lands in the
# "deriving" stage on every machine, however busy, after part of the graph was changed.
SLOW_DERIVING = [sys.executable, "-P", "-c", """
import sys, time
import conveyor.jobs.trade as trade
real = trade._derive_pairs
def derive_pairs(*args, **kwargs):
    counts = real(*args, **kwargs)
    rel = args[3] if len(args) > 3 else kwargs.get("rel")
    if rel == "SUPPLIES" and sum(counts.values()):
        print("[test] SUPPLIES written, waiting", file=sys.stderr, flush=True)
        time.sleep(120)
    return counts
trade._derive_pairs = derive_pairs
from conveyor.cli import main
main()
"""]


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX process groups")
def test_ctrl_c_while_deriving_leaves_graph_and_run_as_before(run_cli, tmp_path: Path) -> None:
    db = run_cli.db
    small = generate_network(61, tmp_path / "v1", n_shipments=1500, n_routes=4, n_colonies=2)
    bigger = generate_network(62, tmp_path / "v2", n_shipments=6000, n_routes=6, n_colonies=2)
    run_cli("load", "colonies", str(small["colonies"]))
    run_cli("load", "trade", str(small["shipments"]), "--source", "syn")
    before, files_before = full_dump(db), run_files(db)
    before_as_sets = full_dump(db, as_sets=("source_runs",))

    proc = subprocess.Popen([*SLOW_DERIVING, "--db", str(db), "load", "trade", str(bigger["shipments"]),
                             "--source", "syn"], cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True, preexec_fn=_interactive_signals)
    err = b""
    watchdog = threading.Timer(240, proc.kill)  # never hang the suite on a stuck load
    watchdog.start()
    try:
        while b"[test] SUPPLIES written" not in err and proc.poll() is None:
            line = proc.stderr.readline()  # not a terminal: one stderr line per stage
            if not line:
                break
            err += line
        assert b"deriving" in err and b"[test] SUPPLIES written" in err, err[-1500:]
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does (the FalkorDB server gets it too)
        _, rest = proc.communicate(timeout=120)
        err += rest
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0, f"an interrupted load must not report success: {err[-800:]!r}"
    assert full_dump(db) == before  # also the current run: the graph still names v1's file
    orphans = run_files(db) - files_before
    # the next successful load of the source (the first version again) sweeps what the interrupted one left
    run_cli("load", "trade", str(small["shipments"]), "--source", "syn")
    assert run_files(db) == files_before and not orphans & run_files(db)
    assert full_dump(db, as_sets=("source_runs",)) == before_as_sets


# ---------------------------------------------------------------------------------------------------
# Route search on the pruned, column-wise evidence equals the search over every row in memory.

ALL_COMPANIES = """
MATCH (c:Company)
RETURN c.id AS id, c.name AS name, c.country AS country, labels(c) AS labels,
       coalesce(c.supernode, false) AS supernode, c.incorporation_date AS incorporation_date,
       c.address AS address
"""


def _in_memory_search(store, evidence: EvidenceStore, **settings):
    """Every current row as a Shipment (no pruning), every company of the graph."""
    table = evidence.read(current_runs(store), columns=EVIDENCE_COLUMNS)
    shipments = [Shipment(r["id"], r["seller"], r["buyer"], r["date"], r["hs_code"], r["origin_country"], r["value"],
                          r["source_file"], r["source_row"], r["quantity"]) for r in table.to_pylist()]
    companies = {r["id"]: r for r in store.run(ALL_COMPANIES)}
    for r in store.run(FLAGGED_SUPERNODES):
        companies[r["id"]]["supernode"] = True
    return search_routes(shipments, companies, store.run(COLONY_PRODUCERS), RouteSettings(**settings))


def _route_facts(result) -> dict:
    routes = [(r.colony, r.companies, [h.shipment.id for h in r.hops], [[e.id for e in h.evidence] for h in r.hops],
               [h.code_switch for h in r.hops], r.score, r.reasons) for r in result.routes]
    return {"routes": routes, "limits": result.limits_hit, "colonies": result.colonies_searched,
            "shipments": result.shipments_considered}


@pytest.mark.parametrize("seed, shape", [
    (71, {}),
    (72, {"n_hubs": 0}),
    (73, {"max_transit": 4}),
    (74, {"n_hubs": 0, "max_transit": 4}),
])
def test_pruned_route_search_equals_search_over_all_rows(run_cli, tmp_path: Path, seed: int, shape: dict) -> None:
    paths = generate_network(seed, tmp_path / "net", n_shipments=2500, n_routes=10, n_colonies=3, **shape)
    run_cli("load", "colonies", str(paths["colonies"]))
    run_cli("load", "trade", str(paths["shipments"]))
    evidence = EvidenceStore(evidence_folder(run_cli.db))
    with open_store(str(run_cli.db)) as store:
        for settings in ({}, {"include_supernodes": True}, {"max_hops": 6, "min_score": 0},
                         {"max_hops": 2}, {"window_days": 90, "maximal_only": False}, {"max_routes": 3},
                         {"colony": "SYN-COLONY-2", "to_countries": ["DE", "PL"]}, {"supernode_degree": 8}):
            pruned = _route_facts(find_routes(store, evidence, RouteSettings(**settings)))
            full = _route_facts(_in_memory_search(store, evidence, **settings))
            assert pruned == full, settings
            if not settings:
                assert pruned["routes"], "the planted routes must be found at default settings"


# ---------------------------------------------------------------------------------------------------
# Row accounting on ugly files: read = loaded + rejected, and every reject names row, field and reason.

def _rejects(folder: Path, name: str) -> list[dict[str, str]]:
    path = folder / f"{name}.rejects.csv"
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _loaded_ids(db: Path) -> list[str]:
    with open_store(str(db)) as store:
        runs = current_runs(store)
    return sorted(EvidenceStore(evidence_folder(db)).read(runs, columns=["id"])["id"].to_pylist())


UGLY = (
    "\ufeffshipment_id, date ,exporter_name,importer_name,hs_code,value,value,quantity,description\r\n"
    'U-01,2024-01-02,Quay One (fictional),Quay Two (fictional),940360,10,99,1,"two\r\nlines"\r\n'
    "U-02,2024-01-02,Quay One (fictional),Quay Two (fictional),940360,NaN,1,1,x\r\n"
    "U-03,2024-01-02,Quay One (fictional),Quay Two (fictional),940360,inf,1,1,x\r\n"
    "U-04,2024-01-02,Quay One (fictional),Quay Two (fictional),940360,1e400,1,1,x\r\n"
    "U-05,2024-01-02,Quay One (fictional),Quay Two (fictional),940360,-5,1,1,x\r\n"
    "U-06,2024-01-02,Quay One (fictional),Quay Two (fictional),\u0669\u0664\u0660\u0663\u0666\u0660,1,1,1,x\r\n"
    '"U-07",2024-01-02,"Quay\nThree (fictional)",Quay Two (fictional),9403.60,,,-1,"multi\nline\nvalue"\r\n'
    "U-08,2024-01-02,Quay One (fictional),Quay Two (fictional),940360,20,1,1,x\r\n"
    "U-01,2024-02-02,Quay One (fictional),Quay Two (fictional),940360,10,1,1,again\r\n"
    "U-09,31.01.2024,Quay One (fictional),Quay Two (fictional),94 03 60,\"1 200,50\",1,1,x\r\n"
    "U-10,,Quay One (fictional),Quay Two (fictional),940360,1,1,1,x\r\n"
    "U-11,2024-01-02,Quay One (fictional),Quay Two (fictional),94036,1,1,1,x\r\n"
)
UGLY_REJECTS = [  # row (records, the header is row 1), field, reason
    ("3", "value", "'NaN' is not a finite number"),
    ("4", "value", "'inf' is not a finite number"),
    ("5", "value", "'1e400' is not a finite number"),
    ("6", "value", "must be positive, got -5"),
    ("7", "hs_code", "is not an HS code of 2, 4, 6, 8, 9 or 10 digits"),
    ("8", "quantity", "must be positive, got -1"),
    ("10", "shipment_id", "duplicate declaration: same as row 2"),
    ("12", "date", "date is missing"),
    ("13", "hs_code", "has an odd number of digits"),
]


def test_ugly_file_every_row_accounted_for(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "ugly.csv"
    path.write_bytes(UGLY.encode("utf-8"))
    out = run_cli("load", "trade", str(path), "--rejects", str(tmp_path / "rej")).output
    assert accounting(out) == (12, 3, 9)
    rejects = _rejects(tmp_path / "rej", "ugly.csv")
    assert [(r["row"], r["field"]) for r in rejects] == [(row, field) for row, field, _ in UGLY_REJECTS]
    for r, (_, _, reason) in zip(rejects, UGLY_REJECTS, strict=True):
        assert reason in r["reason"], (r, reason)
    assert _loaded_ids(run_cli.db) == ["U-01", "U-08", "U-09"]
    assert stats(run_cli)["evidence"]["shipment_rows"] == 3
    with open_store(str(run_cli.db)) as store:
        rows = {r["id"]: r for r in EvidenceStore(evidence_folder(run_cli.db)).read(current_runs(store)).to_pylist()}
    assert rows["U-01"]["value"] == 10 and rows["U-01"]["description"] == "two\r\nlines"  # the first "value"
    assert rows["U-09"]["value"] == 1200.5 and rows["U-09"]["hs_code"] == "940360"
    assert rows["U-09"]["date"] == "2024-01-31"


def test_duplicate_whose_first_copy_was_rejected_is_loaded_once(run_cli, tmp_path: Path) -> None:
    # Within one block, clean_frame marks duplicates with out["id"].duplicated(keep="first") over ALL
    # rows, rejected ones included (loaders/shipments.py, clean_frame: `dup = ...duplicated(...) &
    # ~rejects.bad`), and then looks the "first" row up among the accepted rows only, which is the
    # duplicate itself: row 3 is rejected as "same as row 3" and declaration D-1 is not loaded at all.
    # Across blocks the same file loads D-1 from row 3 (only accepted ids are compared there).
    path = write_rows(tmp_path / "dup.csv", [
        {**row("D-1", "2024-01-02", DEALER, BUYER, "940360", "5"), "date": "not a date"},
        row("D-1", "2024-01-03", DEALER, BUYER, "940360", "5"),
    ])
    out = run_cli("load", "trade", str(path), "--rejects", str(tmp_path / "rej")).output
    rejects = _rejects(tmp_path / "rej", "dup.csv")
    for r in rejects:
        match = re.search(r"same as row (\d+)", r["reason"])
        assert not match or match.group(1) != r["row"], f"row {r['row']} rejected as a duplicate of itself"
    assert accounting(out) == (2, 1, 1)
    assert _loaded_ids(run_cli.db) == ["D-1"]


def _small_blocks(monkeypatch: pytest.MonkeyPatch, block_bytes: int = 300, chunk_rows: int = 2) -> None:
    """Make a small file arrive in many blocks: pyarrow's CSV blocks (16 MiB by default) and the loader's
    chunk of rows (CHUNK_ROWS, bound as read_shipment_batches' default when the module was imported)."""
    shim = types.SimpleNamespace(ParseOptions=pacsv.ParseOptions, ConvertOptions=pacsv.ConvertOptions,
                                 open_csv=pacsv.open_csv,
                                 ReadOptions=lambda **kw: pacsv.ReadOptions(**{**kw, "block_size": block_bytes}))
    monkeypatch.setattr(conveyor.loaders.shipments, "pacsv", shim)
    monkeypatch.setattr(conveyor.loaders.shipments, "CHUNK_ROWS", chunk_rows)
    monkeypatch.setattr(conveyor.loaders.shipments_load, "read_shipment_batches",
                        functools.partial(conveyor.loaders.shipments.read_shipment_batches, chunk_rows=chunk_rows))


def _dup_rows() -> list[dict[str, str]]:
    rows = [row(f"K-{i % 4}", f"2024-01-{i + 1:02d}", (f"Seller {i} Works (fictional)", "BY", ""), BUYER, "940360",
                str(10 + i)) for i in range(10)]
    rows.insert(2, {**row("K-9", "2024-01-01", TRANSIT, BUYER, "940360"), "date": "never"})
    rows.append(row("K-9", "2024-03-01", TRANSIT2, BUYER, "940360", "7"))  # its first copy was rejected
    return rows


def test_duplicates_across_blocks_rejected_as_same_as_first_row(run_cli, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_rows(tmp_path / "dups.csv", _dup_rows())
    _small_blocks(monkeypatch)
    batches = list(conveyor.loaders.shipments.read_shipment_batches(path, source="s", chunk_rows=2))
    assert len(batches) > 3, "the file must arrive in several blocks for this test"
    out = run_cli("load", "trade", str(path), "--rejects", str(tmp_path / "rej")).output
    assert accounting(out) == (12, 5, 7)
    rejects = _rejects(tmp_path / "rej", "dups.csv")
    expected = [("4", "date", "not a date")] + [
        (str(r), "shipment_id", f"duplicate declaration: same as row {first}")
        for r, first in ((7, 2), (8, 3), (9, 5), (10, 6), (11, 2), (12, 3))]
    assert [(r["row"], r["field"]) for r in rejects] == [(row_, field) for row_, field, _ in expected]
    for r, (_, _, reason) in zip(rejects, expected, strict=True):
        assert reason in r["reason"], (r, reason)
    assert _loaded_ids(run_cli.db) == ["K-0", "K-1", "K-2", "K-3", "K-9"]


def test_rows_rejected_across_blocks_write_no_companies(run_cli, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # Across blocks, duplicates are found after every block's companies were collected
    # (loaders/shipments_load.py _read_into: `companies.append(batch.companies)` per block, then
    # _drop_duplicates_across_blocks rewrites only the evidence): the sellers named only by rejected
    # rows ("Seller 4..9 Works") still become Company nodes, which one block (the same file) never writes.
    path = write_rows(tmp_path / "dups.csv", _dup_rows())
    run_cli.db = tmp_path / "one-block.db"
    run_cli("load", "trade", str(path))
    one_block = trade_state(run_cli.db)
    _small_blocks(monkeypatch)
    run_cli.db = tmp_path / "many-blocks.db"
    run_cli("load", "trade", str(path))
    assert trade_state(run_cli.db)["companies"] == one_block["companies"]
    assert trade_state(run_cli.db) == one_block


@pytest.mark.parametrize("content, expected", [
    (b"", (None, "is empty (0 bytes)")),
    (b"\xef\xbb\xbf", (None, "has no header line")),
    (b"shipment_id,date,exporter_name,importer_name,hs_code\n", (0, None)),
    (b"shipment_id,date,exporter_name,importer_name,hs_code\r\n", (0, None)),
    # A header line without a final newline is a complete CSV with no rows (loaders/shipments.py
    # _read_frames: pyarrow's skip_rows=1 fails on it: "Could not skip initial 1 rows").
    (b"shipment_id,date,exporter_name,importer_name,hs_code", (0, None)),
], ids=["empty", "bom-only", "header-only", "header-only-crlf", "header-only-no-final-newline"])
def test_empty_and_header_only_files(run_cli, tmp_path: Path, content: bytes, expected) -> None:
    base = write_rows(tmp_path / "base.csv", rows_a())
    run_cli("load", "trade", str(base), "--source", "base")
    before = full_dump(run_cli.db)
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    result = run_cli("load", "trade", str(path), "--source", "ugly", ok=False)
    rows, message = expected
    if message:
        assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output
        assert full_dump(run_cli.db) == before
    else:
        assert result.exit_code == 0, result.output
        assert accounting(result.output) == (0, 0, 0)
        after = full_dump(run_cli.db)
        def without_sources(nodes: list[str]) -> list[str]:  # a Source node for the empty source is fine
            return [n for n in nodes if json.loads(n)["labels"] != ["Source"]]

        assert without_sources(after["nodes"]) == without_sources(before["nodes"])
        assert after["relationships"] == before["relationships"]
        assert after["runs"].keys() <= {"base", "ugly"} and _loaded_ids(run_cli.db) == sorted(
            r["shipment_id"] for r in rows_a())


# ---------------------------------------------------------------------------------------------------
# Two loads one after the other, the second starting while the first finishes.

class _RacingEvidence(EvidenceStore):
    """An evidence store that, when the load asks for its run file writer (after it has read which runs
    are current, before it takes the graph's load lock), first lets another load run to the end, as a
    second `conveyor load trade` finishing at that moment would."""

    def __init__(self, folder: Path, racer) -> None:
        super().__init__(folder)
        self.racer = racer

    def writer(self, source: str, run: str):
        racer, self.racer = self.racer, None
        if racer:
            racer()
        return super().writer(source, run)


def test_load_finishing_just_before_another_starts_is_not_lost(tmp_path: Path) -> None:
    # load_shipments reads the current runs (current_runs(store)) before store.atomic() takes the load
    # lock (loaders/shipments_load.py: `runs_before = current_runs(store, FORMAT)` is outside the atomic
    # block), so a load of another source that commits in between is missing from runs_after: the pairs
    # this load derives are aggregated without that source's rows, and nothing reports it.
    from conveyor.jobs.trade import derive_trade
    from conveyor.loaders.shipments_load import load_shipments

    s = write_rows(tmp_path / "s.csv", [row("S-1", "2024-01-01", TRANSIT, BUYER, "940360", "10")])
    u = write_rows(tmp_path / "u.csv", [row("U-1", "2024-02-01", TRANSIT, BUYER, "940390", "20")])
    t = write_rows(tmp_path / "t.csv", [row("T-1", "2024-03-01", TRANSIT, BUYER, "940350", "30")])

    def load_all(db: Path, race: bool) -> dict[str, list[str]]:
        folder = evidence_folder(db)
        with open_store(str(db)) as store:
            def load(path: Path, source: str, evidence: EvidenceStore | None = None) -> None:
                load_shipments(store, evidence or EvidenceStore(folder), path, source=source, derive=derive_trade,
                               rejects_dir=tmp_path / "rej")

            load(s, "src-s")
            if race:
                load(t, "src-t", _RacingEvidence(folder, lambda: load(u, "src-u")))
            else:
                load(u, "src-u")
                load(t, "src-t")
        return trade_state(db)

    sequential = load_all(tmp_path / "sequential.db", race=False)
    raced = load_all(tmp_path / "raced.db", race=True)
    assert _pairs(sequential)[(TRANSIT[2], BUYER[2])]["shipments"] == 3
    assert raced == sequential


def test_roles_do_not_depend_on_loading_colonies_before_trade(run_cli, tmp_path: Path, colony_file: Path) -> None:
    # Dealer ("bought from a colony producer") is decided by jobs.trade.refresh_roles, which runs only in
    # a shipments load and only for the companies of the pairs it touched. `conveyor load colonies`
    # (conveyor/commands/load.py colonies -> run_loader, no finish step) makes a company a producer
    # without refreshing the roles of its buyers: with trade loaded first, the colony's dealer stays an
    # Intermediary (not a Dealer) until one of its pairs is loaded again.
    a = write_rows(tmp_path / "a.csv", rows_a())
    run_cli.db = tmp_path / "colonies-first.db"
    _load_sources(run_cli, colony_file, [(a, "src-a")])
    colonies_first = trade_state(run_cli.db)
    run_cli.db = tmp_path / "trade-first.db"
    run_cli("load", "trade", str(a), "--source", "src-a")
    run_cli("load", "colonies", str(colony_file))
    assert trade_state(run_cli.db)["roles"] == colonies_first["roles"]
