"""Property-based tests of every loader, through the real CLI (`conveyor load ...`) into a real embedded
FalkorDB graph: arbitrary rows in each loader's own format (fixture rows with cells replaced by arbitrary
unicode, quotes, separators, empty and huge fields, wrong types, NaN / inf / 1e400, negative numbers, odd
dates; JSON records with fields deleted, of the wrong type or nested ~50 deep; XML with odd text; files in
UTF-8, UTF-8 with a BOM, Latin-1 and UTF-16). Whatever the input, a load either

- exits 0 with read = loaded + rejected, read = the records written, and a rejects file with exactly
  `rejected` distinct rows, each naming a field and a reason; loading the same file again changes no
  count of nodes or relationships; or
- exits 1 with one line of error that names the file (click's SystemExit, never a traceback), and the
  graph holds nothing.

Each example gets a graph file of its own; the whole module runs in about three minutes.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conveyor.cli import cli

FIX = Path(__file__).parent / "fixtures"
csv.field_size_limit(1 << 24)  # rejects files quote whole values: a 200 KB field is one cell
HS_FILE = Path(__file__).parent.parent / "conveyor" / "data" / "hs" / "harmonized-system.csv"

# A few examples per loader keep the module near three minutes; PROPERTY_EXAMPLES=200 for a deeper run
# (every property here passed 60 examples, the OFAC CSV one 150, when this was written).
PROPS = settings(max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "8")), deadline=None, database=None,
                 suppress_health_check=list(HealthCheck))


# -- the properties ----------------------------------------------------------------------------------
def _invoke(args: list[str]) -> Result:
    return CliRunner().invoke(cli, args)


def _counts(db: Path) -> dict[str, Any]:
    result = _invoke(["--db", str(db), "db", "stats", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    return {"nodes": data["nodes"], "relationships": data["relationships"]}


def _outcome(result: Result, named: str, rejects: Path, expect_read: set[int] | None) -> dict | None:
    """The report of a load that exited 0 (checked), or None for a clean one-line error (checked)."""
    if result.exit_code == 0:
        report = json.loads(result.stdout)
        assert report["read"] == report["loaded"] + report["rejected"], report
        assert 0 <= report["rejected"] <= report["read"], report
        if expect_read is not None:
            assert report["read"] in expect_read, (report, expect_read)
        if report["rejected"] and report["rejects_path"] is None:  # an identical reload writes nothing
            assert any(n.startswith("unchanged:") for n in report["notes"]), report
        elif report["rejected"]:
            with open(report["rejects_path"], encoding="utf-8", newline="") as fh:
                rows = list(csv.DictReader(fh))
            assert len({r["row"] for r in rows}) == report["rejected"], rows
            assert all(r["field"].strip() and r["reason"].strip() for r in rows), rows
        else:
            assert report["rejects_path"] is None
        return report
    assert isinstance(result.exception, SystemExit), "".join(_traceback(result))
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [i for i, line in enumerate(lines) if line.startswith("Error: ")]
    assert len(errors) == 1 and errors[0] == len(lines) - 1, result.stderr  # one line, and the last
    assert named in lines[-1], lines[-1]
    return None


def _traceback(result: Result) -> list[str]:
    import traceback

    if result.exc_info is None:
        return [result.output]
    return traceback.format_exception(*result.exc_info)


def check_load(work: Path, command: list[str], file: Path, expect_read: set[int] | None = None,
               named: str | None = None) -> dict | None:
    """Load `file` with `command` (e.g. ["registry", "--format", "ftm"]) into a new graph under `work`,
    check the outcome, then load it again and check that nothing changed."""
    folder = work / uuid.uuid4().hex[:12]
    folder.mkdir(parents=True)
    db, rejects = folder / "g.db", folder / "rejects"
    args = ["--db", str(db), "load", *command, str(file), "--rejects", str(rejects), "--json"]
    report = _outcome(_invoke(args), named or file.name, rejects, expect_read)
    if report is None:
        if db.exists():  # a failed load leaves the graph as it was: empty
            counts = _counts(db)
            assert not any(counts["nodes"].values()) and not any(counts["relationships"].values()), counts
        return None
    before = _counts(db)
    again = _outcome(_invoke(args), named or file.name, rejects, expect_read)
    assert again is not None, "the same file loaded once and failed the second time"
    assert (again["read"], again["rejected"]) == (report["read"], report["rejected"])
    assert _counts(db) == before, "a reload of the same file changed the graph"
    return report


# -- values --------------------------------------------------------------------------------------
ODD = [
    "", " ", "NaN", "nan", "NULL", "None", "inf", "-inf", "Infinity", "1e400", "-1e400", "-5", "-0.0", "0",
    "1,5", "1.234.567,89", "99999999999999999999999999", "2023-02-30", "0000-00-00", "9999-12-31", "31/12/1899",
    "1900-01-01T25:61:00Z", "2023-13-01", "12 Mar 19651", "true", "[]", "{}", '"', "'", ";", ",", "\t", "\r\n",
    "\n", "\u2028", "\ufeff", "٩٤٠٣", "９４０３", "=cmd|' /C calc'!A0", "<script>alert(1)</script>",
    "' OR 1=1 //", "}) MATCH (n) DETACH DELETE n //", "-0- ", "\\", "%s%n", "\u202e", "👍🏽", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "(1) 00/00/0000 (2)", "a.k.a. ''", "Linked To: ;", "DOB ; POB ;",
]
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
HUGE = st.tuples(st.sampled_from([1_100, 5_000, 140_000, 200_000]), st.sampled_from(["x", "я", "9", ' ,"'])).map(
    lambda nc: nc[1] * nc[0])
HOSTILE = st.one_of(st.sampled_from(ODD), TEXT, st.sampled_from(ODD), HUGE)
ENCODINGS = st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "latin-1", "utf-16"])


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


# -- CSV formats ----------------------------------------------------------------------------------
def _csv_file(path: Path, *, skip: int = 0, delimiter: str = ",", header: bool = True) -> tuple[list[str], list[str],
                                                                                                  list[list[str]]]:
    """(preamble lines, header, rows) of a fixture CSV."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh, delimiter=delimiter))
    preamble = [delimiter.join(cells) for cells in lines[:skip]]
    body = lines[skip:]
    return preamble, (body[0] if header else []), (body[1:] if header else body)


@st.composite
def mutated_rows(draw: st.DrawFn, base: list[list[str]], max_rows: int = 5) -> list[list[str]]:
    rows = []
    for _ in range(draw(st.integers(1, max_rows))):
        row = list(draw(st.sampled_from(base)))
        for i in range(len(row)):
            if draw(st.integers(0, 3)) == 0:
                row[i] = draw(HOSTILE)
        shape = draw(st.sampled_from(["same"] * 10 + ["short", "long"]))
        if shape == "short":
            row = row[: draw(st.integers(1, max(1, len(row) - 1)))]
        elif shape == "long":
            row = [*row, draw(HOSTILE)]
        rows.append(row)
    return rows


def _write_csv(path: Path, preamble: list[str], header: list[str], rows: list[list[str]], encoding: str,
               delimiter: str = ",") -> None:
    out = io.StringIO()
    for line in preamble:
        out.write(line + "\r\n")
    writer = csv.writer(out, delimiter=delimiter)
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(_encode(out.getvalue(), encoding))


def _records(rows: list[list[str]], lines_per_record: bool = False) -> set[int]:
    """What `read` may be: every row, or the rows with something in them (a blank line is no record);
    with `lines_per_record` (sanctions lists: one entity over several lines), any number up to that."""
    most = len(rows)
    if lines_per_record:
        return set(range(most + 1))
    return {most, sum(1 for r in rows if any(c.strip() for c in r))}


CsvCase = tuple[str, list[str], Path, int, str, bool]
# name: (command, fixture, preamble lines, delimiter, has header)
CSV_CASES: dict[str, tuple[list[str], Path, int, str, bool]] = {
    "hs": (["hs"], HS_FILE, 0, ",", True),
    "colonies": (["colonies"], FIX / "trade" / "colonies-fictional.csv", 0, ",", True),
    "gleif-level1": (["registry", "--format", "gleif"], FIX / "registry" / "gleif-level1.csv", 0, ",", True),
    "gleif-level2": (["registry", "--format", "gleif"], FIX / "registry" / "gleif-level2.csv", 0, ",", True),
    "registry-csv": (["registry", "--format", "csv", "--mapping", str(Path(__file__).parent.parent / "loaders" /
                                                                        "mappings" / "by-egr.yml")],
                     FIX / "registry" / "egr-extract.csv", 0, ",", True),
    "comtrade": (["trade", "--format", "comtrade"], FIX / "trade" / "comtrade-synthetic.csv", 0, ",", True),
    "comext": (["trade", "--format", "comext"], FIX / "trade" / "comext-synthetic.csv", 0, ",", True),
    "shipments": (["trade"], FIX / "trade" / "shipments-fictional.csv", 0, ",", True),
    "sanctions-eu": (["sanctions", "--format", "eu"], FIX / "sanctions" / "eu-fictional.csv", 0, ";", True),
    "sanctions-ofsi": (["sanctions", "--format", "ofsi"], FIX / "sanctions" / "ConList-fictional.csv", 1, ",", True),
    "sanctions-csv": (["sanctions", "--format", "csv", "--mapping",
                       str(FIX / "sanctions" / "national-list-mapping.yml")],
                      FIX / "sanctions" / "national-list-fictional.csv", 0, ";", True),
}
_BASE: dict[str, tuple[list[str], list[str], list[list[str]]]] = {}


def _base(name: str) -> tuple[list[str], list[str], list[list[str]]]:
    if name not in _BASE:
        _, fixture, skip, delimiter, header = CSV_CASES[name]
        preamble, head, rows = _csv_file(fixture, skip=skip, delimiter=delimiter, header=header)
        _BASE[name] = (preamble, head, rows[:40])
    return _BASE[name]


def _csv_property(name: str) -> Callable:
    command, fixture, _, delimiter, _ = CSV_CASES[name]
    preamble, header, base = _base(name)

    @PROPS
    @given(rows=mutated_rows(base), encoding=ENCODINGS)
    def prop(tmp_path: Path, rows: list[list[str]], encoding: str) -> None:
        path = tmp_path / f"{uuid.uuid4().hex[:8]}-{fixture.name}"
        _write_csv(path, preamble, header, rows, encoding, delimiter)
        check_load(tmp_path, command, path, _records(rows, lines_per_record=command[0] == "sanctions"))

    return prop


test_hs_property = _csv_property("hs")
test_colonies_property = _csv_property("colonies")
test_gleif_level1_csv_property = _csv_property("gleif-level1")
test_gleif_level2_csv_property = _csv_property("gleif-level2")
test_registry_csv_property = _csv_property("registry-csv")
test_comtrade_property = _csv_property("comtrade")
test_comext_property = _csv_property("comext")
test_shipments_property = _csv_property("shipments")
test_sanctions_eu_property = _csv_property("sanctions-eu")
test_sanctions_ofsi_property = _csv_property("sanctions-ofsi")
test_sanctions_csv_property = _csv_property("sanctions-csv")


@PROPS
@given(data=st.data(), encoding=ENCODINGS)
def test_ofac_csv_folder_property(tmp_path: Path, data: st.DataObject, encoding: str) -> None:
    folder = tmp_path / uuid.uuid4().hex[:8]
    folder.mkdir()
    for member in ("sdn.csv", "alt.csv", "add.csv"):
        _, _, base = _csv_file(FIX / "sanctions" / "ofac" / member, header=False)
        rows = data.draw(mutated_rows(base), label=member)
        _write_csv(folder / member, [], [], rows, encoding)
        if member == "sdn.csv":
            expected = _records(rows, lines_per_record=True)
    # an error may name a companion file (alt.csv, add.csv): the folder is in every one's path
    check_load(tmp_path, ["sanctions", "--format", "ofac-csv"], folder / "sdn.csv", expected, named=folder.name)


ICIJ_FILES = ("nodes-entities.csv", "nodes-officers.csv", "nodes-intermediaries.csv", "nodes-addresses.csv",
              "relationships.csv")


@PROPS
@given(data=st.data(), encoding=ENCODINGS)
def test_icij_folder_property(tmp_path: Path, data: st.DataObject, encoding: str) -> None:
    folder = tmp_path / uuid.uuid4().hex[:8]
    folder.mkdir()
    total: set[int] = {0}
    for member in ICIJ_FILES:
        _, header, base = _csv_file(FIX / "registry" / "icij" / member)
        rows = data.draw(mutated_rows(base, max_rows=3), label=member)
        _write_csv(folder / member, [], header, rows, encoding)
        total = {t + n for t in total for n in _records(rows)}
    check_load(tmp_path, ["registry", "--format", "icij"], folder, total, named=folder.name)


# -- JSON formats ---------------------------------------------------------------------------------
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), HOSTILE)
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)), max_leaves=8)


def _nest(value: Any, depth: int) -> Any:
    for i in range(depth):
        value = [value] if i % 2 else {"x": value}
    return value


@st.composite
def mutated_json(draw: st.DrawFn, record: Any) -> Any:
    """`record` with one place in it replaced by a value of any JSON type, deleted or nested up to 50 deep."""
    record = json.loads(json.dumps(record))
    holder, key = None, None
    node = record
    while isinstance(node, (dict, list)) and node and draw(st.integers(0, 2)) > 0:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        holder, key = node, draw(st.sampled_from(keys))
        node = node[key]
    action = draw(st.sampled_from(["replace", "replace", "delete", "nest"]))
    if holder is None:
        return draw(JSON_VALUES) if action == "replace" else _nest(record, draw(st.integers(1, 50)))
    if action == "delete":
        del holder[key]
    elif action == "nest":
        holder[key] = _nest(node, draw(st.integers(1, 50)))
    else:
        holder[key] = draw(JSON_VALUES)
    return record


RAW_LINES = ["not json", "{", "[1, 2]", "null", '"text"', '{"schema": "Company"}', '{"id": 1, "schema": 2}',
             '{"id": "x", "schema": "Company", "properties": {"name": [1e400]}}', "{}", "\ufeff{}"]


@st.composite
def json_lines(draw: st.DrawFn, base: list[Any]) -> list[str]:
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            lines.append(draw(st.sampled_from(RAW_LINES)))
        else:
            record = draw(st.sampled_from(base))
            if kind > 3:
                record = draw(mutated_json(record))
            lines.append(json.dumps(record, ensure_ascii=draw(st.booleans())))
    return lines


def _json_lines_file(path: Path) -> list[Any]:
    """The fixture's well-formed records (its broken lines are there for other tests)."""
    records = []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


@PROPS
@given(data=st.data(), encoding=ENCODINGS)
def test_ftm_property(tmp_path: Path, data: st.DataObject, encoding: str) -> None:
    base = _json_lines_file(FIX / "registry" / "ftm-fictional.jsonl")
    lines = data.draw(json_lines(base))
    path = tmp_path / f"{uuid.uuid4().hex[:8]}.ftm.jsonl"
    path.write_bytes(_encode("\n".join(lines) + "\n", encoding))
    check_load(tmp_path, ["registry", "--format", "ftm"], path, {len(lines)})


@PROPS
@given(data=st.data(), encoding=ENCODINGS)
def test_bods_lines_property(tmp_path: Path, data: st.DataObject, encoding: str) -> None:
    base = _json_lines_file(FIX / "registry" / "bods-03-fictional.jsonl")
    lines = data.draw(json_lines(base))
    path = tmp_path / f"{uuid.uuid4().hex[:8]}.bods.jsonl"
    path.write_bytes(_encode("\n".join(lines) + "\n", encoding))
    array = lines[0].lstrip("\ufeff ").startswith("[")  # a file that starts with '[' is read as one array
    check_load(tmp_path, ["registry", "--format", "bods"], path, None if array else {len(lines)})


@PROPS
@given(data=st.data(), encoding=ENCODINGS)
def test_bods_array_property(tmp_path: Path, data: st.DataObject, encoding: str) -> None:
    base = json.loads((FIX / "registry" / "bods-04-fictional.json").read_text(encoding="utf-8-sig"))
    items = []
    for _ in range(data.draw(st.integers(1, 6))):
        record = data.draw(st.sampled_from(base))
        items.append(data.draw(mutated_json(record)) if data.draw(st.booleans()) else record)
    path = tmp_path / f"{uuid.uuid4().hex[:8]}.bods.json"
    path.write_bytes(_encode(json.dumps(items, ensure_ascii=data.draw(st.booleans())), encoding))
    check_load(tmp_path, ["registry", "--format", "bods"], path, {len(items)})


# -- XML formats ----------------------------------------------------------------------------------
_LEAF = re.compile(r">([^<>]*)</")


def _mutated_xml(data: st.DataObject, text: str) -> str:
    leaves = list(_LEAF.finditer(text))
    picked = sorted(set(data.draw(st.lists(st.integers(0, len(leaves) - 1), min_size=1, max_size=8))))
    out, last = [], 0
    for i in picked:
        m = leaves[i]
        value = data.draw(HOSTILE)
        escaped = value if data.draw(st.integers(0, 9)) == 0 else html.escape(value, quote=False)
        out.append(text[last:m.start(1)] + escaped)
        last = m.end(1)
    out.append(text[last:])
    return "".join(out)


def _xml_property(fixture: Path, command: list[str], record_tag: str, folds: bool = False) -> Callable:
    """`folds`: entries of one listed entity (the same uid) are one record."""
    text = fixture.read_text(encoding="utf-8")
    entries = text.count(f"<{record_tag}>") + text.count(f"<{record_tag} ")

    @PROPS
    @given(data=st.data(), encoding=ENCODINGS)
    def prop(tmp_path: Path, data: st.DataObject, encoding: str) -> None:
        mutated = _mutated_xml(data, text)
        if encoding not in ("utf-8", "utf-8-sig"):  # say so, as a real file would
            mutated = re.sub(r'encoding="[^"]*"', f'encoding="{encoding}"', mutated, count=1)
        path = tmp_path / f"{uuid.uuid4().hex[:8]}-{fixture.name}"
        path.write_bytes(_encode(mutated, encoding))
        check_load(tmp_path, command, path, set(range(entries + 1)) if folds else {entries})

    return prop


test_gleif_lei_xml_property = _xml_property(FIX / "gleif" / "lei-data.xml", ["registry", "--format", "gleif"],
                                            "lei:LEIRecord")
test_gleif_rr_xml_property = _xml_property(FIX / "gleif" / "rr-data.xml", ["registry", "--format", "gleif"],
                                           "rr:RelationshipRecord")
test_ofac_xml_property = _xml_property(FIX / "sanctions" / "ofac-sdn-fictional.xml",
                                       ["sanctions", "--format", "ofac-xml"], "sdnEntry", folds=True)


# -- the cases named in issue 9 -------------------------------------------------------------------
def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("fmt", ["ftm", "bods"])
def test_json_nested_ten_thousand_deep_is_a_reject_or_one_line_error(tmp_path: Path, fmt: str) -> None:
    first = (FIX / "registry" / ("ftm-fictional.jsonl" if fmt == "ftm" else "bods-03-fictional.jsonl")).read_text(
        encoding="utf-8-sig").splitlines()[0]
    deep = '{"id": "deep-1", "schema": "Company", "statementID": "deep-1", "properties": {"name": ' + _deep(
        10_000) + "}}"
    path = tmp_path / f"deep.{fmt}.jsonl"
    path.write_text(first + "\n" + deep + "\n" + _deep(10_000) + "\n", encoding="utf-8")
    report = check_load(tmp_path, ["registry", "--format", fmt], path, {3})
    if report is not None:
        assert report["rejected"] >= 2


def test_bods_array_nested_ten_thousand_deep(tmp_path: Path) -> None:
    path = tmp_path / "deep.bods.json"
    path.write_text("[" + '{"statementID": "deep", "statementType": "entityStatement", "name": ' + _deep(10_000)
                    + "}]", encoding="utf-8")
    check_load(tmp_path, ["registry", "--format", "bods"], path, {1})


@pytest.mark.parametrize("name", sorted(CSV_CASES))
def test_csv_field_over_128_kib_is_no_traceback(tmp_path: Path, name: str) -> None:
    command, fixture, _, delimiter, _ = CSV_CASES[name]
    preamble, header, base = _base(name)
    rows = [list(base[0]), list(base[0])]
    for i in range(len(rows[1])):
        rows[1][i] = "x" * 140_000 if i % 2 else rows[1][i]
    path = tmp_path / fixture.name
    expected = _records(rows, lines_per_record=command[0] == "sanctions")
    _write_csv(path, preamble, header, rows, "utf-8", delimiter)
    check_load(tmp_path, command, path, expected)
    # the header too
    _write_csv(path, preamble, [*header, "h" * 140_000], rows, "utf-8", delimiter)
    check_load(tmp_path, command, path, expected)


# -- what the properties found, one case each --------------------------------------------------------
def _rejects_of(report: dict) -> dict[str, list[dict]]:
    with open(report["rejects_path"], encoding="utf-8", newline="") as fh:
        by_row: dict[str, list[dict]] = {}
        for r in csv.DictReader(fh):
            by_row.setdefault(r["row"], []).append(r)
    return by_row


def test_bods_fields_of_the_wrong_json_type_are_rejects_not_a_traceback(tmp_path: Path) -> None:
    """BODS 0.3 statements (fictional) whose fields have JSON types the standard does not allow: a
    `names` that is true crashed the load with a TypeError, a list as entityType.type or interest type
    ('unhashable'), a string subject ('str' has no .get)."""
    pub = {"publicationDetails": {"publicationDate": "2023-06-01", "bodsVersion": "0.3",
                                  "publisher": {"name": "Conveyor test fixtures (fictional)"}}}
    lines = [
        {"statementID": "e-1", "statementType": "entityStatement", "entityType": "registeredEntity",
         "name": "Wrong Types Holding (fictional)", **pub},
        {"statementID": "p-1", "statementType": "personStatement", "names": True, **pub},
        {"statementID": "e-2", "statementType": "entityStatement", "entityType": {"type": ["x"]},
         "name": "List Type Ltd (fictional)", "alternateNames": 7, "identifiers": [{"id": {"x": 1}}], **pub},
        {"statementID": "o-1", "statementType": "ownershipOrControlStatement", "subject": "e-1",
         "interestedParty": {"describedByEntityStatement": "e-2"}, **pub},
        {"statementID": "o-2", "statementType": "ownershipOrControlStatement",
         "subject": {"describedByEntityStatement": "e-1"}, "interestedParty": {"describedByEntityStatement": "e-2"},
         "interests": [{"type": ["shareholding"], "directOrIndirect": ["direct"]}], "replacesStatements": 5, **pub},
    ]
    path = tmp_path / "wrong-types.bods.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    report = check_load(tmp_path, ["registry", "--format", "bods"], path, {5})
    assert report is not None
    rejected = _rejects_of(report)
    assert set(rejected) == {"2", "4"}, rejected  # a person without a name, an ownership without a subject
    assert rejected["2"][0]["field"] == "names" and rejected["4"][0]["field"] == "subject"


@pytest.mark.parametrize(("share", "field"), [({"exact": -5}, "share.exact"), ({"exact": "60"}, "share.exact"),
                                              ({"minimum": 10, "maximum": 1e400}, "share.maximum"),
                                              ({"exact": 150}, "share.exact"), (60, "share")])
def test_bods_share_that_is_no_percentage_is_rejected_not_stored_or_dropped(tmp_path: Path, share: Any,
                                                                            field: str) -> None:
    """A negative share was stored, a string or an object that is not one dropped silently."""
    stmts = [
        {"statementId": "s-e", "statementDate": "2024-01-10", "recordId": "ent-1", "recordType": "entity",
         "recordDetails": {"isComponent": False, "entityType": {"type": "registeredEntity"},
                           "name": "Share Test Ltd (fictional)"}},
        {"statementId": "s-p", "statementDate": "2024-01-10", "recordId": "per-1", "recordType": "person",
         "recordDetails": {"isComponent": False, "personType": "knownPerson",
                           "names": [{"fullName": "Share Tester (fictional)"}]}},
        {"statementId": "s-r", "statementDate": "2024-01-10", "recordId": "rel-1", "recordType": "relationship",
         "recordDetails": {"isComponent": False, "subject": "ent-1", "interestedParty": "per-1",
                           "interests": [{"type": "shareholding", "share": share}]}},
    ]
    path = tmp_path / "shares.bods.jsonl"  # lines: a JSON array with 1e400 in it is a broken array to ijson
    path.write_text("\n".join(json.dumps(x) for x in stmts).replace("Infinity", "1e400"), encoding="utf-8")
    report = check_load(tmp_path, ["registry", "--format", "bods"], path, {3})
    assert report is not None and report["rejected"] == 1
    assert [r["field"] for r in _rejects_of(report)["3"]] == [field]


@pytest.mark.parametrize("template", ["unp:{unp:x}", "unp:{unp:>99999999999}", "unp:{unp!r}", "{}{unp}"])
@pytest.mark.parametrize("which", ["registry-csv", "sanctions-csv"])
def test_key_template_with_a_format_spec_is_an_error_naming_the_mapping(tmp_path: Path, template: str,
                                                                         which: str) -> None:
    """'{unp:x}' failed every row with a ValueError traceback; '{unp:>99999999999}' a MemoryError."""
    command, fixture, *_ = CSV_CASES[which]
    mapping = Path(command[command.index("--mapping") + 1])
    doc = mapping.read_text(encoding="utf-8")
    if which == "registry-csv":
        doc = doc.replace('key: "unp:{unp}"', f'key: "{template}"')
    else:
        doc += f'key: "{template.replace("unp", "inn")}"\n'
    bad = tmp_path / "bad-key.yml"
    bad.write_text(doc, encoding="utf-8")
    args = [*command[: command.index("--mapping")], "--mapping", str(bad)]
    assert check_load(tmp_path, args, fixture, named="bad-key.yml") is None


MAPPING_VALUES = st.one_of(JSON_VALUES, st.sampled_from(["{unp", "unp:{unp}{}", "%d", "[", "{name}", "Dealer"]))


@PROPS
@given(data=st.data())
def test_mapping_property(tmp_path: Path, data: st.DataObject) -> None:
    """A mapping of any shape (a string where a list is expected, a list where a map is, numbers,
    nesting) loads or is one error line naming the mapping or the file."""
    import yaml

    which = data.draw(st.sampled_from(["registry-csv", "sanctions-csv"]))
    command, fixture, *_ = CSV_CASES[which]
    at = command.index("--mapping")
    doc = yaml.safe_load(Path(command[at + 1]).read_text(encoding="utf-8"))
    for _ in range(data.draw(st.integers(1, 3))):
        doc = data.draw(mutated_json(doc))
        if isinstance(doc, dict) and data.draw(st.booleans()):
            doc[data.draw(st.sampled_from(["key", "parent_key", "roles", "kinds", "kind", "separator",
                                           "date_formats", "defaults"]))] = data.draw(MAPPING_VALUES)
    mapping = tmp_path / f"{uuid.uuid4().hex[:8]}-mapping.yml"
    mapping.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    folder = tmp_path / uuid.uuid4().hex[:8]
    folder.mkdir()
    result = _invoke(["--db", str(folder / "g.db"), "load", *command[:at], "--mapping", str(mapping), str(fixture),
                      "--rejects", str(folder / "rejects"), "--json"])
    if result.exit_code == 0:
        report = json.loads(result.stdout)
        assert report["read"] == report["loaded"] + report["rejected"]
        return
    assert isinstance(result.exception, SystemExit), "".join(_traceback(result))
    line = [x for x in result.stderr.splitlines() if x.strip()][-1]
    assert line.startswith("Error: ") and (mapping.name in line or fixture.name in line), result.stderr


@pytest.mark.parametrize(("which", "column", "value"), [
    ("hs", "hscode", "٠١"),  # Arabic-Indic "01"
    ("colonies", "hs_codes", "９４０３"),  # full-width
    ("registry-csv", "УНП", "١٠٠٠٠٠٠٠١"),
])
def test_digits_that_are_not_ascii_are_rejected(tmp_path: Path, which: str, column: str, value: str) -> None:
    """str.isdigit and regex \\d take Arabic-Indic and full-width digits: such a code loaded as a Product or
    a UNP key no other source would ever meet."""
    command, fixture, _, delimiter, _ = CSV_CASES[which]
    preamble, header, base = _base(which)
    row = list(base[0])
    row[header.index(column)] = value
    path = tmp_path / fixture.name
    _write_csv(path, preamble, header, [row], "utf-8", delimiter)
    report = check_load(tmp_path, command, path, {1})
    assert report is not None and report["rejected"] == 1, report
    assert [r["field"] for r in _rejects_of(report)["2"]] == [column]
