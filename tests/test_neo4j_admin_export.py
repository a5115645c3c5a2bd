"""`conveyor export neo4j-admin`: bulk-import files for Neo4j 5, through the CLI on a real embedded FalkorDB.

No Neo4j is installed here, so neo4j-admin itself never reads these files in the tests: they check the
documented header grammar, counts against `db stats`, CSV round trips and endpoint ids instead.
"""

from __future__ import annotations

import csv
import json
import re
import shlex
from pathlib import Path

from conveyor.graph.rows import NodeRow, Provenance, RelRow
from conveyor.graph.schema import NODES, RELATIONSHIPS
from conveyor.graph.store import GraphStore, open_store

PROV = Provenance("t", "t@1", "2026-01-02")
AWKWARD_NAME = 'Acme, "Best" Timber\nLtd; Minsk (fictional)'
AWKWARD_KEY = 'co:acme,"1"'

# <name>:<field_type>[(<group>)] as the import header format documents it; property types with [] arrays.
_HEADER = re.compile(r"(?P<name>[a-z_]*):(?P<type>ID|LABEL|START_ID|END_ID|TYPE|string|long|double|boolean)"
                     r"(?P<array>\[\])?(?:\((?P<group>[A-Za-z]+)\))?")


def _header(columns: list[str]) -> list[dict]:
    parsed = []
    for column in columns:
        m = _HEADER.fullmatch(column)
        assert m, f"header column {column!r} is not in neo4j-admin's format"
        if m["type"] in ("ID", "START_ID", "END_ID"):
            assert m["group"] in NODES, column
        parsed.append(m.groupdict())
    return parsed


def _read(path: Path) -> tuple[list[dict], list[list[str]]]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), f"{path.name} has a BOM"
    raw.decode("utf-8")
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = _header(rows[0])
    assert all(len(r) == len(header) for r in rows[1:]), path.name
    return header, rows[1:]


def _command(output: str) -> list[str]:
    """The printed neo4j-admin command as argv (its lines end in backslash continuations)."""
    start = output.index("neo4j-admin database import full")
    lines = []
    for line in output[start:].splitlines():
        lines.append(line.rstrip("\\").strip())
        if not line.endswith("\\"):
            break
    return shlex.split(" ".join(lines))


def _export(run_cli, out: str, *args: str) -> tuple[str, list[str], dict[str, tuple[list[dict], list[list[str]]]]]:
    result = run_cli("export", "neo4j-admin", "--out", out, *args)
    argv = _command(result.output)
    assert argv[:4] == ["neo4j-admin", "database", "import", "full"]
    assert "--multiline-fields=true" in argv and argv[-1] == "conveyor"
    files = {Path(a.split("=", 1)[1]) for a in argv if a.startswith(("--nodes=", "--relationships="))}
    folder = run_cli.cwd / out
    assert files == set(folder.resolve().glob("*.csv")), "the command names exactly the files written"
    assert not list(folder.glob(".*")), "temporary files left behind"
    (delimiter,) = [a.split("=", 1)[1] for a in argv if a.startswith("--array-delimiter=")]
    delimiter = chr(int(delimiter[2:], 16)) if delimiter.startswith("U+") else delimiter
    return result.output, [delimiter], {p.name: _read(p) for p in sorted(files)}


def _column(header: list[dict], rows: list[list[str]], name: str) -> list[str]:
    (i,) = [i for i, h in enumerate(header) if h["name"] == name and h["type"] not in ("START_ID", "END_ID")]
    return [r[i] for r in rows]


def _check_whole_graph(run_cli, files: dict, delimiter: str) -> None:
    """Every label and type of `db stats` has its file(s), with the same counts; every endpoint exists."""
    stats = json.loads(run_cli("db", "stats", "--json").output)
    ids: dict[str, set[str]] = {}
    role_counts: dict[str, int] = {}
    for name, (header, rows) in files.items():
        if name.startswith("nodes-"):
            label = name.removeprefix("nodes-").removesuffix(".csv")
            assert [h["type"] for h in header[:2]] == ["ID", "LABEL"] and header[0]["group"] == label
            assert header[0]["name"] == NODES[label].key
            assert len(rows) == stats["nodes"][label]
            ids[label] = {r[0] for r in rows}
            assert len(ids[label]) == len(rows), f"duplicate ids in {name}"
            for r in rows:
                labels = r[1].split(delimiter)
                assert labels[0] == label and set(labels[1:]) <= set(NODES[label].roles)
                for role in labels[1:]:
                    role_counts[role] = role_counts.get(role, 0) + 1
    for label, n in stats["nodes"].items():
        assert (label in ids) or role_counts.get(label) == n, f"{label}: {n} in db stats, not exported"
    exported_rels: dict[str, int] = {}
    for name, (header, rows) in files.items():
        if not name.startswith("relationships-"):
            continue
        _, rel, start, end = name.removesuffix(".csv").split("-")
        assert [(h["type"], h["group"]) for h in header[:3]] == [("START_ID", start), ("END_ID", end),
                                                                   ("TYPE", None)]
        assert (start, end) in RELATIONSHIPS[rel].endpoints
        assert {r[2] for r in rows} == {rel}
        assert {r[0] for r in rows} <= ids[start] and {r[1] for r in rows} <= ids[end], f"{name}: dangling ids"
        exported_rels[rel] = exported_rels.get(rel, 0) + len(rows)
    assert exported_rels == stats["relationships"]


def test_demo_graph_exports_whole_with_counts_headers_and_evidence_note(run_cli):
    run_cli("demo", "--out", "d")
    # A small page makes Product (6,941) and CHILD_OF (6,939) take many pages, also at the second level.
    output, (delimiter,), files = _export(run_cli, "neo4j", "--page-size", "700")
    assert delimiter == ";" and '--array-delimiter=";"' in output
    _check_whole_graph(run_cli, files, delimiter)
    header, rows = files["nodes-Company.csv"]
    types = {h["name"]: h["type"] + (h["array"] or "") for h in header}
    assert types["id"] == "ID" and types["name"] == "string" and types["synthetic"] == "boolean"
    assert types["sources"] == "string[]"
    header, rows = files["relationships-SUPPLIES-Company-Company.csv"]
    types = {h["name"]: h["type"] + (h["array"] or "") for h in header}
    assert types["shipments"] == "long" and types["value"] == "double" and types["hs_codes"] == "string[]"
    assert "94036010" in {code for cell in _column(header, rows, "hs_codes") for code in cell.split(";")}
    # Shipments are not nodes: the note says so and names the current Parquet files.
    assert "Shipment rows are not graph nodes" in output
    evidence = run_cli.cwd / "cli.db.evidence"
    parquet = [p.resolve() for p in evidence.rglob("*.parquet")]
    assert parquet and all(str(p) in output for p in parquet)
    assert "9 rows" in output


def _awkward_graph(db: Path) -> None:
    """Names that need quoting, list items holding `;`, mixed types, a hub with many relationships and
    one pair with several keyed (OWNS) relationships: enough to page at every level with page size 2."""
    companies = [
        NodeRow(key=AWKWARD_KEY, record_id="r:1",
                props={"name": AWKWARD_NAME, "aliases": ["Acme; Best", "ACME/BT", 'Acme "Best"'], "status": "active",
                       "synthetic": True}),
        NodeRow(key="co:hub", record_id="r:2", props={"name": "Hub (fictional)", "status": 3, "synthetic": True}),
        *(NodeRow(key=f"co:c{i}", record_id=f"r:c{i}", props={"name": f"C{i} (fictional)", "synthetic": True})
          for i in range(7)),
    ]
    with open_store(str(db)) as store:
        store.upsert_nodes("Company", companies, PROV, roles=("Dealer",))
        store.upsert_nodes("Person", [NodeRow(key="p:1", record_id="r:p", props={"name": "Ann, \"A\""})], PROV)
        supplies = [RelRow(start="co:hub", end=f"co:c{i}", record_id=f"s:{i}",
                           props={"shipments": i + 1, "value": 2.5 if i % 2 else 7, "hs_codes": ["9403", "4421"]})
                    for i in range(7)]
        supplies.append(RelRow(start=AWKWARD_KEY, end="co:hub", record_id="s:a",
                               props={"shipments": 1, "value": 10, "hs_codes": ["9401"]}))
        store.upsert_relationships("SUPPLIES", "Company", "Company", supplies, PROV)
        owns = [RelRow(start="co:hub", end="co:c0", rel_key=f"o:{i}", record_id=f"o:{i}",
                       props={"share": 0.1 * i}) for i in range(5)]
        owns += [RelRow(start="co:hub", end=f"co:c{i}", rel_key=f"o:x{i}", record_id=f"o:x{i}",
                        props={"share": 0.5}) for i in range(1, 4)]
        store.upsert_relationships("OWNS", "Company", "Company", owns, PROV)
        store.upsert_relationships("OWNS", "Person", "Company", [
            RelRow(start="p:1", end=AWKWARD_KEY, rel_key="o:p", record_id="o:p", props={"share": 1})], PROV)


def test_awkward_values_round_trip_and_paging_reads_everything(run_cli):
    _awkward_graph(run_cli.db)
    sent: list[str] = []
    GraphStore.query_hooks.append(lambda text, params: sent.append(text))
    try:
        output, (delimiter,), files = _export(run_cli, "out", "--page-size", "2")
    finally:
        GraphStore.query_hooks.pop()
    # The hub's five OWNS to one company overflow a page at every level: by start, end and record key.
    owns = [t for t in sent if "[r:OWNS]" in t and "WHERE" in t]
    assert any("WHERE a.id > $after" in t for t in owns) and any("WHERE b.id > $after" in t for t in owns)
    assert any("WHERE r.record > $after" in t for t in owns)
    # An alias holds `;`, so `;` cannot split arrays: the next candidate is used and the command says so.
    assert delimiter == "|" and '--array-delimiter="|"' in output
    assert "so the array delimiter is '|'" in output
    _check_whole_graph(run_cli, files, delimiter)
    header, rows = files["nodes-Company.csv"]
    (row,) = [r for r in rows if r[0] == AWKWARD_KEY]
    assert _column(header, [row], "name") == [AWKWARD_NAME]
    assert _column(header, [row], "aliases")[0].split(delimiter) == ["Acme; Best", "ACME/BT", 'Acme "Best"']
    assert row[1].split(delimiter) == ["Company", "Dealer"]
    types = {h["name"]: h["type"] + (h["array"] or "") for h in header}
    assert types["status"] == "string" and types["aliases"] == "string[]"  # "active" and 3: mixed column
    assert "status: values of types integer, string: the whole column is written as string" in output
    assert sorted(v for v in _column(header, rows, "status") if v) == ["3", "active"]
    # Every relationship read at page size 2 (hub: 7 SUPPLIES, 8 OWNS, 5 of them to one company).
    header, rows = files["relationships-OWNS-Company-Company.csv"]
    assert sorted(_column(header, rows, "record")) == sorted([f"o:{i}" for i in range(5)] +
                                                             [f"o:x{i}" for i in range(1, 4)])
    header, rows = files["relationships-SUPPLIES-Company-Company.csv"]
    types = {h["name"]: h["type"] + (h["array"] or "") for h in header}
    assert types["value"] == "double" and types["shipments"] == "long"  # 7 and 2.5: ints widened
    assert "integers widened to double" in output
    assert {(r[0], r[1]) for r in rows} == {("co:hub", f"co:c{i}") for i in range(7)} | {(AWKWARD_KEY, "co:hub")}
    values = {float(v) for v in _column(header, rows, "value")}
    assert values == {7.0, 2.5, 10.0}
    assert {c for cell in _column(header, rows, "hs_codes") for c in cell.split(delimiter)} == {"9403", "4421", "9401"}
    header, rows = files["relationships-OWNS-Person-Company.csv"]
    assert [(r[0], r[1]) for r in rows] == [("p:1", AWKWARD_KEY)]


def test_every_array_delimiter_taken_falls_back_to_json_text(run_cli):
    with open_store(str(run_cli.db)) as store:
        store.upsert_nodes("Company", [NodeRow(key="co:x", record_id="r", props={
            "name": "X (fictional)", "aliases": ["a;b", "c|d", "e\u001ff"]})], PROV)
    output, (delimiter,), files = _export(run_cli, "out")
    assert delimiter == ";"
    header, rows = files["nodes-Company.csv"]
    types = {h["name"]: h["type"] + (h["array"] or "") for h in header}
    assert types["aliases"] == "string"
    assert json.loads(_column(header, rows, "aliases")[0]) == ["a;b", "c|d", "e\u001ff"]
    assert "aliases: list items contain every candidate array delimiter, written as JSON text" in output


def test_refuses_to_overwrite_or_to_write_over_the_graph_and_force_replaces(run_cli):
    _awkward_graph(run_cli.db)
    out = run_cli.cwd / "out"
    # Page size 1: every key is a cursor once, the one with a comma and a quote included.
    run_cli("export", "neo4j-admin", "--out", "out", "--page-size", "1")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    refused = run_cli("export", "neo4j-admin", "--out", "out", ok=False)
    assert refused.exit_code != 0 and "--force" in refused.output and "Traceback" not in refused.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    # --force replaces, and removes an export file the graph no longer has data for.
    (out / "nodes-Sanction.csv").write_text("id:ID(Sanction)\nstale\n", encoding="utf-8")
    forced = run_cli("export", "neo4j-admin", "--out", "out", "--force")
    assert "removed nodes-Sanction.csv" in forced.output and not (out / "nodes-Sanction.csv").exists()
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # the same bytes at any page size
    # Never the graph file, a folder holding it, or its evidence store; not even with --force.
    for target in ("cli.db", ".", "cli.db.evidence/x"):
        result = run_cli("export", "neo4j-admin", "--out", target, "--force", ok=False)
        assert result.exit_code != 0 and ("graph file" in result.output or "evidence store" in result.output), \
            result.output
    assert run_cli("db", "stats").exit_code == 0
    assert not (run_cli.cwd / "cli.db.evidence" / "x").exists()


def test_a_relationship_the_schema_cannot_place_fails_the_export_without_files(run_cli):
    _awkward_graph(run_cli.db)
    with open_store(str(run_cli.db)) as store:
        store.upsert_nodes("Country", [NodeRow(key="BY", record_id="c", props={"name": "Belarus"})], PROV)
        # OWNS into a Country: no declared endpoint pair holds it, so an export would silently lack it.
        store.run("MATCH (a:Company {id: $a}) MATCH (b:Country {code: $b}) CREATE (a)-[:OWNS {record: $r}]->(b)",
                  {"a": "co:hub", "b": "BY", "r": "odd"})
    result = run_cli("export", "neo4j-admin", "--out", "out", ok=False)
    assert result.exit_code != 0 and "OWNS" in result.output and "not be the whole graph" in result.output
    assert not list((run_cli.cwd / "out").iterdir())


def test_type_and_delimiter_rules():
    # The rules on their own (no store): what each mix of values becomes.
    from conveyor.queries.neo4j_admin import _choose_delimiter, _Pending, _Profile, _resolve

    def profile(*values) -> _Profile:
        p = _Profile()
        for v in values:
            p.add(v)
        return p

    assert _resolve(profile(1, 2**40), ";") == ("long", None)
    assert _resolve(profile(1, 2.5), ";")[0] == "double"
    assert _resolve(profile(2**60, 2.5), ";")[0] == "string"  # a double could not hold 2**60 exactly
    assert _resolve(profile(True, False), ";") == ("boolean", None)
    assert _resolve(profile(True, "x"), ";")[0] == "string"
    assert _resolve(profile(["a"], "b"), ";")[0] == "string"
    assert _resolve(profile([1, 2], [3]), ";") == ("long[]", None)
    assert _resolve(profile([1.5], [3]), ";")[0] == "double[]"
    assert _resolve(profile([True]), ";") == ("boolean[]", None)
    assert _resolve(profile(["a", None]), ";")[0] == "string"  # a null item: JSON text
    assert _resolve(profile(["a;b"]), "|") == ("string[]", None)
    # `;` and `|` both inside items: the unit separator is the delimiter.
    pending = _Pending(None, [], ("aliases",), Path("unused"), [profile(["a;b", "c|d"])])  # type: ignore[arg-type]
    delimiter, notes = _choose_delimiter([pending])
    assert delimiter == "\u001f" and "U+001F" in notes[0]
