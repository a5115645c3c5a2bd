"""Mappings do what they say: `defaults:` are applied by every loader that takes --mapping, and
anything a mapping declares that its loader would not apply is an error naming the mapping file and
the key - through the real CLI.

Data files are small CSVs in the column layouts the sources publish (an Easy Comext export of one
reporter, the Comtrade API CSV); values SYNTHETIC, companies fictional.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Cli
from conveyor.graph.store import open_store

FIX = Path(__file__).parent / "fixtures" / "trade"
REGISTRY = Path(__file__).parent / "fixtures" / "registry"

# An Easy Comext export for one declarant: the reporter is in the query, not in a column.
EASY_COMEXT = (
    "PERIOD,PARTNER,PRODUCT,FLOW,INDICATORS,VALUE\n"
    "202301,BY,94036010,1,VALUE_IN_EUROS,12000\n"
    "202301,KZ,94036010,1,VALUE_IN_EUROS,0\n"
)
EASY_MAP = """\
format: comext
columns:
  PERIOD: PERIOD
  PARTNER: PARTNER
  PRODUCT_NC: PRODUCT
  FLOW: FLOW
  VALUE_EUR: VALUE
defaults:
  REPORTER: LT
"""


def load_json(run_cli: Cli, *args: str) -> dict:
    out = run_cli("load", *args, "--json").stdout
    return json.loads(out[out.index("{"):])


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_comext_mapping_defaults_are_applied(run_cli: Cli, tmp_path: Path):
    data, mapping = write(tmp_path, "easy.csv", EASY_COMEXT), write(tmp_path, "easy.yml", EASY_MAP)
    rep = load_json(run_cli, "trade", "--format", "comext", str(data), "--mapping", str(mapping))
    assert (rep["read"], rep["loaded"], rep["rejected"]) == (2, 2, 0)
    with open_store(str(run_cli.db)) as store:
        rows = store.run("MATCH (t:TradeFlow) RETURN t.reporter AS r, t.partner AS p, t.value AS v ORDER BY p")
    assert [(r["r"], r["p"], r["v"]) for r in rows] == [("LT", "BY", 12000), ("LT", "KZ", 0)]


def test_comtrade_mapping_defaults_fill_empty_cells(run_cli: Cli, tmp_path: Path):
    # A Comtrade API extract whose partner2ISO is empty on every row and whose flowCode is empty on one.
    header = "reporterISO,partnerISO,partner2ISO,flowCode,cmdCode,period,primaryValue\n"
    data = write(tmp_path, "ct.csv", header + "KAZ,BLR,,M,940360,2023,1000\nKAZ,BLR,,,940390,2023,500\n")
    mapping = write(tmp_path, "ct.yml", "format: comtrade\ncolumns:\n  reporterISO: reporterISO\n"
                    "  partnerISO: partnerISO\n  flowCode: flowCode\n  cmdCode: cmdCode\n  period: period\n"
                    "  primaryValue: primaryValue\ndefaults:\n  flowCode: M\n")
    rep = load_json(run_cli, "trade", "--format", "comtrade", str(data), "--mapping", str(mapping))
    assert (rep["read"], rep["loaded"], rep["rejected"]) == (2, 2, 0)


@pytest.mark.parametrize("fmt, extra, key", [
    ("comext", "date_formats: ['%d.%m.%Y']\n", "date_formats"),  # Comext rows carry no dates
    ("comext", "source: eurostat\n", "source"),  # the source name is --source, never read from here
    ("comtrade", "", "format"),  # a comext mapping used with --format comtrade
    ("comext", "defaults:\n  FLOW: '1'\n", "defaults"),  # a section given twice: YAML keeps the last
    ("comext", "columns:\n  QUANTITY_KG:\n", "columns"),
])
def test_declared_but_unapplied_is_an_error(run_cli: Cli, tmp_path: Path, fmt: str, extra: str, key: str):
    data = write(tmp_path, "easy.csv", EASY_COMEXT)
    mapping = write(tmp_path, "bad.yml", EASY_MAP + extra)
    result = run_cli("load", "trade", "--format", fmt, str(data), "--mapping", str(mapping), ok=False)
    assert result.exit_code != 0, result.output
    assert "bad.yml" in result.output and key in result.output, result.output


def test_comtrade_columns_it_does_not_read_are_refused(run_cli: Cli, tmp_path: Path):
    data = write(tmp_path, "ct.csv", "reporterISO,partnerISO,flowCode,cmdCode,period,primaryValue,qtyUnitAbbr\n"
                                     "KAZ,BLR,M,940360,2023,1000,kg\n")
    mapping = write(tmp_path, "units.yml", "columns:\n  reporterISO: reporterISO\n  partnerISO: partnerISO\n"
                    "  flowCode: flowCode\n  cmdCode: cmdCode\n  period: period\n  primaryValue: primaryValue\n"
                    "  qtyUnitAbbr: qtyUnitAbbr\n")
    result = run_cli("load", "trade", "--format", "comtrade", str(data), "--mapping", str(mapping), ok=False)
    assert result.exit_code != 0 and "units.yml" in result.output and "qtyUnitAbbr" in result.output


def test_shipments_mapping_with_a_key_twice_or_an_empty_value(run_cli: Cli, tmp_path: Path):
    data = write(tmp_path, "bl.csv", "DATE,SHIPPER,CONSIGNEE,HS\n2024-01-02,A Ltd (fictional),B LLC (fictional),"
                                     "940360\n")
    twice = write(tmp_path, "twice.yml", "columns:\n  date: DATE\n  exporter_name: SHIPPER\n"
                  "  importer_name: CONSIGNEE\n  hs_code: HS\n  hs_code: HS\n")
    result = run_cli("load", "trade", str(data), "--mapping", str(twice), ok=False)
    assert result.exit_code != 0 and "twice.yml" in result.output and "hs_code" in result.output
    empty = write(tmp_path, "empty.yml", "columns:\n  date: DATE\n  exporter_name: SHIPPER\n"
                  "  importer_name: CONSIGNEE\n  hs_code: HS\n  description:\n")
    result = run_cli("load", "trade", str(data), "--mapping", str(empty), ok=False)
    assert result.exit_code != 0 and "empty.yml" in result.output and "description" in result.output


@pytest.mark.parametrize("yaml_text, key", [
    # A founder column without a parent_key template: the OWNS link would silently not be made.
    ('key: "unp:{unp}"\ncolumns:\n  unp: "УНП"\n  name: "Наименование"\n  parent_id: "УНП учредителя"\n', "parent_id"),
    # An id column while the key is built from the UNP: the id would be read and dropped.
    ('key: "unp:{unp}"\ncolumns:\n  unp: "УНП"\n  name: "Наименование"\n  id: "УНП учредителя"\n', "id"),
    ('key: "unp:{unp}"\nroles: Dealer\ncolumns:\n  unp: "УНП"\n  name: "Наименование"\n', None),
    ('key: "unp:{unp}"\nroles: [Smuggler]\ncolumns:\n  unp: "УНП"\n  name: "Наименование"\n', "roles"),
])
def test_registry_mapping_fields_it_would_ignore(run_cli: Cli, tmp_path: Path, yaml_text: str, key: str | None):
    mapping = write(tmp_path, "egr.yml", yaml_text)
    result = run_cli("load", "registry", "--format", "csv", str(REGISTRY / "egr-extract.csv"), "--mapping",
                     str(mapping), ok=key is None)
    if key is None:  # a single role given as a word is one role, not its letters
        with open_store(str(run_cli.db)) as store:
            assert store.run("MATCH (c:Dealer) RETURN count(c) AS n")[0]["n"] > 0
        return
    assert result.exit_code != 0 and "egr.yml" in result.output and repr(key) in result.output, result.output
