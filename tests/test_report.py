"""`conveyor report`: one self-contained HTML page about a colony, a company or a person, built through
the real CLI on the embedded store from small files: a fictional colony, two shipments (a relabeled
route through a dealer with a hostile name), and FollowTheMoney lines giving that dealer a sanctioned
owner. Every company, person and programme here is fictional."""

from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from conveyor.graph.evidence import EvidenceStore, evidence_location
from conveyor.graph.store import open_store
from conveyor.queries.report import STATEMENTS, ReportSettings, build_report, render_report
from conveyor.queries.routes import RouteSettings
from conveyor.queries.saved import QueryError
from cypher_lint import lint, problems

from conveyor.cli import cli
from conveyor.commands.report import report as report_command

HOSTILE = "O'Brien & Sons <img src=x onerror=alert(1)>"
OWNER = 'Fixture "Quoted" Owner (fictional)'
PROGRAMME = "Fictional programme <b>X</b>"


def write_scenario(folder: Path, buyer: str = "Fixture Buyer GmbH (fictional)") -> dict[str, Path]:
    """The input files (FtM per followthemoney's Company / Person / Ownership / Sanction schemata)."""
    colonies = folder / "colonies.csv"
    colonies.write_text(
        "colony_id,name,country,operator_enterprise,operator_id,products,hs_codes,source_url,source_title,"
        "source_date,synthetic\n"
        "FX-COL-9,Fixture Colony No. 9 (fictional),BY,Fixture Works RUP (fictional),fx:works,furniture,9403,"
        "https://example.org/fixture-catalogue,Fixture catalogue (fictional source),2024-01-01,true\n",
        encoding="utf-8")
    shipments = folder / "shipments.csv"
    with open(shipments, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["shipment_id", "date", "exporter_name", "exporter_country", "exporter_id", "importer_name",
                         "importer_country", "importer_id", "hs_code", "value", "quantity", "currency",
                         "description", "origin_country", "synthetic"])
        writer.writerow(["R1", "2024-01-10", "Fixture Works RUP (fictional)", "BY", "fx:works", HOSTILE, "KZ",
                         "fx-obrien", "940360", "40000", "10", "EUR", "wooden furniture", "BY", "true"])
        writer.writerow(["R2", "2024-02-10", HOSTILE, "KZ", "fx-obrien", buyer, "DE", "fx:buyer", "940390", "45000",
                         "10", "EUR", "parts of furniture", "KZ", "true"])
    ftm = folder / "registry.ftm.json"
    lines = [
        {"id": "fx-obrien", "schema": "Company", "properties": {"name": [HOSTILE], "country": ["kz"]}},
        {"id": "fx-owner", "schema": "Person", "properties": {"name": [OWNER], "country": ["kz"]}},
        {"id": "fx-own-1", "schema": "Ownership", "properties": {"owner": ["fx-owner"], "asset": ["fx-obrien"],
                                                                  "percentage": ["60"], "startDate": ["2020-01-15"]}},
        {"id": "fx-san-1", "schema": "Sanction", "properties": {
            "entity": ["fx-owner"], "program": [PROGRAMME], "authority": ["Fictional Authority"],
            "startDate": ["2022-06-02"], "sourceUrl": ["https://example.org/fictional-list"]}},
    ]
    ftm.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    return {"colonies": colonies, "shipments": shipments, "ftm": ftm}


def invoke(db: Path, *args: str, ok: bool = True):
    result = CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    files = write_scenario(folder)
    db = folder / "g.db"
    invoke(db, "load", "colonies", str(files["colonies"]))
    invoke(db, "load", "trade", str(files["shipments"]))
    invoke(db, "load", "registry", "--format", "ftm", str(files["ftm"]))
    return db


BLOCKS = {"td", "th", "tr", "li", "dt", "dd", "p", "br", "div", "section", "h1", "h2", "h3", "h4", "ul", "table"}


class Page(HTMLParser):
    """The page as a browser's parser sees it: elements, text (entities decoded) and attributes."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._skip = 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in BLOCKS:
            self.text.append(" ")  # cells and list items read apart, as a browser lays them out
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in BLOCKS:
            self.text.append(" ")
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)

    @property
    def plain(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.text))

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag]


def report(db: Path, out: Path, *args: str) -> tuple[str, Page]:
    result = invoke(db, "report", *args, "--out", str(out))
    assert f"wrote {out}" in result.output
    text = out.read_text(encoding="utf-8")
    return text, Page(text)


def test_colony_report_shows_routes_evidence_ownership_sanctions_and_sources(scenario: Path, tmp_path: Path):
    _, page = report(scenario, tmp_path / "colony.html", "--colony", "FX-COL-9", "--as-of", "2025-01-01")
    text = page.plain
    # Summary: what, when, which graph, counts.
    assert "Conveyor investigation report: Fixture Colony No. 9 (fictional)" in text
    assert "colony FX-COL-9, BY" in text and str(scenario) in text
    assert "1 relabeled route(s), 0 direct export(s), through 3 compan(ies)" in text
    assert "as in force on 2025-01-01" in text
    # The route with its score, reasons and every hop's evidence row (file, row, date, HS code, value).
    assert "Route 1: score" in text and "HS code switched within the same heading (HS4) (940360 -> 940390)" in text
    assert "declared origin changed on the way (BY -> KZ)" in text
    assert "shipments.csv row 2" in text and "shipments.csv row 3" in text
    assert "R2 2024-02-10" in text and "940390 parts of furniture 45,000 EUR KZ shipments.csv 3" in text
    # Ownership with the share and its basis, and the source of the link.
    assert f"{OWNER} (KZ) fx-owner Person 60 stated" in text
    assert "ftm:registry.ftm (registry.ftm.json:3)" in text
    # Sanctions: the dealer's owner is designated, one ownership link away, shown as published.
    assert f"SANCTIONED {PROGRAMME} Fictional Authority 2022-06-02" in text
    assert f"1 {HOSTILE}" in text
    # Sources: the datasets loaded, with dates and counts, and the cited catalogue with its date.
    for source in ("colonies:colonies", "shipments:shipments", "ftm:registry.ftm"):
        assert source in text
    assert "Fixture catalogue (fictional source) https://example.org/fixture-catalogue (2024-01-01)" in text
    links = {a.get("href") for a in page.named("a")}
    assert {"https://example.org/fixture-catalogue", "https://example.org/fictional-list"} <= links
    # Data ethics and the synthetic flag.
    assert "SYNTHETIC DATA" in text and "Data ethics" in text and "appear only as the cited sources publish" in text


def test_every_value_is_escaped_once_and_the_page_needs_no_network(scenario: Path, tmp_path: Path):
    raw, page = report(scenario, tmp_path / "colony.html", "--colony", "FX-COL-9")
    text = page.plain
    # The hostile name, the quoted name and the programme read exactly as written...
    assert HOSTILE in text and OWNER in text and PROGRAMME in text
    # ...never escaped twice, and none of their markup became an element of the page.
    assert "&amp;" not in text and "&#x27;" not in text and "&lt;" not in text and "&quot;" not in text
    assert page.named("img") == [] and page.named("b") == []
    assert page.named("script") == []  # the report itself runs no script
    assert "O&#x27;Brien &amp; Sons &lt;img src=x onerror=alert(1)&gt;" in raw  # escaped exactly once
    # Offline: no remote script, style or frame; a policy that forbids any request.
    assert not page.named("link")
    csp = [m for m in page.named("meta") if m.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0]["content"] and "connect-src 'none'" in csp[0]["content"]
    frames = page.named("iframe")
    assert len(frames) == 1 and frames[0]["sandbox"] == "allow-scripts"
    network = Page(frames[0]["srcdoc"])  # the network page, as the frame's parser sees it
    assert not any(a.get("src", "").startswith(("http:", "https:", "//")) for _, a in network.tags)
    assert not network.named("link") and not network.named("img")
    assert HOSTILE not in raw.split("srcdoc=", 1)[0]  # never raw markup before the frame


def test_company_and_person_reports_follow_their_routes_and_holdings(scenario: Path, tmp_path: Path):
    _, company = report(scenario, tmp_path / "company.html", "--company", "fx-obrien")
    text = company.plain
    assert f"Conveyor investigation report: {HOSTILE}" in text
    assert "routes from colony production to buyers abroad that pass through this company" in text
    assert "Route 1: score" in text and f"{OWNER} (KZ) fx-owner Person 60 stated" in text

    _, person = report(scenario, tmp_path / "person.html", "--person", "fx-owner")
    text = person.plain
    assert f"Conveyor investigation report: {OWNER}" in text
    assert f"{HOSTILE} fx-obrien OWNS 60% stated 2020-01-15 to now" in text
    assert "Route 1: score" in text
    assert f"SANCTIONED {PROGRAMME}" in text and "0 itself" in text  # the person is designated


def test_a_report_with_no_routes_says_so(tmp_path: Path):
    db = tmp_path / "g.db"
    colonies = write_scenario(tmp_path)["colonies"]
    invoke(db, "load", "colonies", str(colonies))
    _, page = report(db, tmp_path / "r.html", "--colony", "FX-COL-9")
    text = page.plain
    assert "0 relabeled route(s), 0 direct export(s)" in text
    assert "No route was found that starts at this colony" in text
    assert "No route, owner or sanction, so no network to draw" in text
    assert "Fixture Works RUP (fictional)" in text  # the operator, from the catalogue, with its basis
    assert page.named("iframe") == []


def test_bad_requests_are_clear_errors(scenario: Path, tmp_path: Path):
    none = invoke(scenario, "report", ok=False)
    assert none.exit_code == 2 and "exactly one of --colony ID, --company ID or --person ID" in none.output
    two = invoke(scenario, "report", "--colony", "FX-COL-9", "--company", "fx-obrien", ok=False)
    assert two.exit_code == 2
    unknown = invoke(scenario, "report", "--colony", "NOPE", "--out", str(tmp_path / "x.html"), ok=False)
    assert unknown.exit_code == 1 and "no Colony with id 'NOPE'" in unknown.output
    wrong = invoke(scenario, "report", "--company", "fx-owner", "--out", str(tmp_path / "y.html"), ok=False)
    assert wrong.exit_code == 1 and "'fx-owner' is a Person: use --person" in wrong.output
    onto_graph = invoke(scenario, "report", "--colony", "FX-COL-9", "--out", str(scenario), ok=False)
    assert onto_graph.exit_code == 1 and "would overwrite the graph file" in onto_graph.output
    existing = tmp_path / "exists.html"
    existing.write_text("keep me", encoding="utf-8")
    refused = invoke(scenario, "report", "--colony", "FX-COL-9", "--out", str(existing), ok=False)
    assert refused.exit_code == 1 and "pass --force" in refused.output and existing.read_text() == "keep me"
    invoke(scenario, "report", "--colony", "FX-COL-9", "--out", str(existing), "--force")
    assert "Conveyor investigation report" in existing.read_text(encoding="utf-8")
    assert not list(tmp_path.glob("x.html")) and not list(tmp_path.glob("y.html"))


def test_print_layout_breaks_pages_and_replaces_the_network(scenario: Path, tmp_path: Path):
    raw, page = report(scenario, tmp_path / "r.html", "--colony", "FX-COL-9")
    style = raw[raw.index("<style>"):raw.index("</style>")]
    printed = style[style.index("@media print"):]
    assert "section { break-before: page; }" in printed and "thead { display: table-header-group; }" in printed
    assert ".network-frame" in printed and ".print-only { display: block !important; }" in printed
    assert "The interactive network is not printed: every route hop, owner and sanction it draws is listed" \
        in page.plain


def test_report_cli_defaults_are_the_settings_defaults():
    defaults = {p.name: p.default for p in report_command.params}
    routes = RouteSettings(**{k: defaults[k] for k in ("window_days", "max_hops", "min_score", "max_routes")})
    assert ReportSettings(routes=routes, max_companies=defaults["max_companies"],
                          sanction_hops=defaults["sanction_hops"]) == ReportSettings()
    with pytest.raises(QueryError, match="sanction_hops"):
        ReportSettings(sanction_hops=7)


def test_a_report_takes_its_route_search_as_route_settings(scenario: Path, tmp_path: Path):
    """Any route setting reaches the report's search (the colony is the subject's), and the page names
    the ones `conveyor report` offers as they were searched."""
    with open_store(str(scenario)) as store:
        evidence = EvidenceStore(evidence_location(str(scenario)))
        found = build_report(store, evidence, location=str(scenario), colony="FX-COL-9", settings=ReportSettings(
            routes=RouteSettings(colony="other", max_hops=5), as_of="2025-01-01"))
        to_poland = build_report(store, evidence, location=str(scenario), company="fx-obrien",
                                 settings=ReportSettings(routes=RouteSettings(to_countries=frozenset({"PL"}))))
    assert found.settings == RouteSettings(colony="FX-COL-9", max_hops=5) and len(found.routes) == 1
    assert "(window days 180, max routes 1000, max hops 5, min score 2.0)" in Page(render_report(found)).plain
    assert to_poland.settings.colony == "all" and to_poland.routes == []  # the route ends in DE


def test_report_cypher_lints_clean_for_neo4j():
    results = lint([(f"report {name}", text, {"id": "x", "ids": ["x"]}) for name, text in STATEMENTS.items()])
    assert problems(results) == []
