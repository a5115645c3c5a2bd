"""A new version of a source that would delete most of what the source said is refused unless the user
says so (--allow-shrink); a version with no loadable row retires nothing. Before: a header-only HS file
wiped the nomenclature, and a truncated export retired everything it no longer listed."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner

from conveyor.cli import cli

HS = Path(__file__).parent.parent / "conveyor" / "data" / "hs" / "harmonized-system.csv"
TRADE = Path(__file__).parent / "fixtures" / "trade" / "shipments-fictional.csv"


def _run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", str(db), *args])
    return result.exit_code, result.output


def _counts(db: Path) -> dict:
    code, out = _run(db, "db", "stats", "--json")
    assert code == 0, out
    return json.loads(out[out.index("{"):])


def test_a_header_only_version_retires_nothing(tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    code, out = _run(db, "load", "hs", str(HS), "--source", "hs")
    assert code == 0, out
    before = _counts(db)["nodes"]["Product"]
    empty = tmp_path / "harmonized-system.csv"
    empty.write_text(HS.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    code, out = _run(db, "load", "hs", str(empty), "--source", "hs")
    assert code == 0, out
    assert "nothing was loaded from this version" in out
    assert _counts(db)["nodes"]["Product"] == before


def _registry(path: Path, n: int) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "country"])
        for i in range(n):
            w.writerow([f"R{i:04d}", f"Registry Firm {i} (fictional)", "LT"])
    mapping = path.with_suffix(".yml")
    mapping.write_text('format: csv\nkey: "reg:{id}"\ncolumns:\n  id: id\n  name: name\n  country: country\n')
    return mapping


def test_a_registry_version_that_drops_most_of_the_source_is_refused_unless_allowed(tmp_path: Path) -> None:
    db, path = tmp_path / "g.db", tmp_path / "register.csv"
    mapping = _registry(path, 300)
    load = ["load", "registry", "--format", "csv", str(path), "--mapping", str(mapping), "--source", "register"]
    assert _run(db, *load)[0] == 0
    before = _counts(db)
    _registry(path, 100)
    code, out = _run(db, *load)
    assert code == 1 and "--allow-shrink" in out and "200 of 300 Company" in out, out
    assert _counts(db) == before
    code, out = _run(db, "load", "--allow-shrink", *load[1:])
    assert code == 0, out
    assert _counts(db)["nodes"]["Company"] == 100


def _shipments(path: Path, n: int) -> None:
    with open(TRADE, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, base = reader.fieldnames, next(reader)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        for i in range(n):
            w.writerow({**base, "shipment_id": f"S{i}", "importer_name": f"Buyer {i} (fictional)"})


def test_a_shipments_version_with_no_rows_or_far_fewer_is_refused(tmp_path: Path) -> None:
    db, path = tmp_path / "g.db", tmp_path / "customs.csv"
    _shipments(path, 300)
    load = ["load", "trade", str(path), "--source", "customs", "--rejects", str(tmp_path / "r")]
    assert _run(db, *load)[0] == 0
    before = _counts(db)
    _shipments(path, 0)
    code, out = _run(db, *load)
    assert code == 1 and "no row of this version could be loaded" in out, out
    _shipments(path, 50)
    code, out = _run(db, *load)
    assert code == 1 and "--allow-shrink" in out and "50 loadable rows" in out, out
    assert _counts(db) == before
    code, out = _run(db, "load", "--allow-shrink", *load[1:])
    assert code == 0, out
    assert _counts(db)["evidence"]["shipment_rows"] == 50
