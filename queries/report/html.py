"""A Report as one self-contained HTML page: inline style, the interactive network inline (the page
queries/export.py makes, in a sandboxed frame), nothing fetched when it is opened.

Every value that came from data passes through `esc` exactly once, at the point it is written into the
page; nothing else is escaped, so a name reads as written (`O'Brien & Sons`, not `O&#x27;Brien`)."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..ownership import Entity, Hop, OwnershipResult, UltimateOwner
from ..routes import DIRECT_EXPORT, SWITCH_TEXT, Route
from .gather import Report, SanctionFinding
from .network import network_page
from .style import CSS

ETHICS = (
    "Conveyor reports what the loaded sources say, with the source and row behind every statement; a route "
    "is a lead for an investigator to check, not a finding of wrongdoing by any company named. Data that is "
    "synthetic (generated for demonstrations and tests) is flagged as such wherever it appears, and every "
    "company in it is fictional. Real penal facilities, their operators and the people heading them appear "
    "only as the cited sources publish them, and no trade is attached to them unless a loaded trade record "
    "names them. Sanctions are shown as the listing authority published them, with their dates."
)

HOW_TO_READ = (
    ("Route", "a chain of shipments, in date order, from a company a colony operates to a buyer abroad: the "
              "goods of forced labour may have reached that buyer this way."),
    ("Relabeled route", "a route on which the goods were re-declared: an HS code switched or a declared origin "
                        "other than the colony's country."),
    ("Direct export", "colony goods sold straight abroad with their origin and HS code as they are."),
    ("Score", "the sum of the signals listed under each route (each reason says what it adds up); higher "
              "means more signs of relabeling."),
    ("Evidence", "the shipment rows behind each hop: the file they were loaded from and their row in it "
                 "(row 1 is the header)."),
    ("Share basis", "stated (as the source published it), computed (multiplied along a chain of owners) or "
                    "unknown (a link with no published share)."),
    ("Hops to a sanction", "how many ownership or control links separate a company from a designated person "
                           "or company (0: it is designated itself)."),
)


# The route settings the summary names: the ones `conveyor report` lets a user choose.
SHOWN_SETTINGS = ("window_days", "max_routes", "max_hops", "min_score")

CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
       "font-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'")


def esc(value: Any) -> str:
    """A data value as page text: None as an empty string, everything else escaped once."""
    return "" if value is None else html.escape(str(value), quote=True)


def render_report(report: Report) -> str:
    """The whole page."""
    s = report.subject
    title = f"Conveyor investigation report: {s.name}"
    sections = [
        # The picture before the detail: a reader sees the whole network, then reads it route by route.
        _summary(report), _subject(report), _network(report), _routes(report), _ownership(report),
        _sanctions(report), _sources(report), _ethics(report),
    ]
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # No request leaves the page: inline style, and the network's inline script and data (a frame built
        # from srcdoc shares this policy, so its script needs 'unsafe-inline'; the report itself has none).
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        f"<title>{esc(title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="muted">A {esc(s.kind)} &middot; generated {esc(report.generated)} by Conveyor</p>',
        _banner(report), _contents(), *sections, "</body>", "</html>", "",
    ])


def write_report(report: Report, path: Path) -> Path:
    from ...graph.files import write_text_atomic

    return write_text_atomic(path, render_report(report))


# -- parts ---------------------------------------------------------------------------------------------
def _banner(report: Report) -> str:
    if not report.synthetic:
        return ""
    return ('<div class="banner" id="synthetic-banner">SYNTHETIC DATA: this report contains generated, fictional '
            "companies and shipments (flagged synthetic in the graph). Nothing in them describes real trade.</div>")


def _contents() -> str:
    items = [("summary", "Summary"), ("subject", "The subject"), ("network-section", "Network"),
             ("routes", "Routes and their evidence"), ("ownership", "Ownership around the key companies"),
             ("sanctions", "Sanctions"), ("sources", "Sources"), ("ethics", "Data ethics")]
    links = "".join(f'<li><a href="#{a}">{t}</a></li>' for a, t in items)
    return f"<nav><strong>Contents</strong><ol>{links}</ol></nav>"


def _section(anchor: str, heading: str, body: Iterable[str], first: bool = False) -> str:
    cls = ' class="first"' if first else ""
    return f'<section id="{anchor}"{cls}>\n<h2>{heading}</h2>\n' + "\n".join(body) + "\n</section>"


def _summary(report: Report) -> str:
    s, search = report.subject, report.search
    relabeled = sum(1 for r in report.routes if r.kind != DIRECT_EXPORT)
    direct = len(report.routes) - relabeled
    companies = {c for r in report.routes for c in r.companies}
    owners = sum(len(o.owners) for o in report.ownership.values())
    in_force = {_sanction_key(f) for f in report.sanctions if f.in_force}
    ended = {_sanction_key(f) for f in report.sanctions if not f.in_force} - in_force
    settings = ", ".join(f"{name.replace('_', ' ')} {getattr(report.settings, name)}" for name in SHOWN_SETTINGS)
    facts = [
        ("Subject", f"{esc(s.name)} ({esc(s.kind)} <code>{esc(s.id)}</code>"
                    + (f", {esc(s.country)}" if s.country else "") + ")"),
        ("What was searched", f"routes from colony production to buyers abroad that "
                              f"{'start at this colony' if s.kind == 'colony' else 'pass through this ' + s.kind}"
                              f" ({esc(settings)}); ownership of the key companies; sanctions within "
                              f"{report.sanction_hops} ownership or control hop(s) of them"),
        ("When", f"{esc(report.generated)}; links and sanctions as in force on {esc(report.as_of)}"),
        ("Graph", f"<code>{esc(report.graph)}</code>"),
        ("Routes", f"{relabeled} relabeled route(s), {direct} direct export(s), through {len(companies)} "
                   f"compan(ies); {search.shipments_considered:,} shipment rows considered"),
        ("Ownership", f"{owners} ultimate owner(s) found for {len(report.ownership)} key compan(ies)"),
        ("Sanctions", f"{len(in_force)} designation(s) in force on or near the key entities"
                      + (f", {len(ended)} ended or not yet in force" if ended else "")),
        ("Sources", f"{len(report.sources)} dataset(s) loaded, {len(report.citations)} published source(s) cited"),
    ]
    body = [_facts(facts)]
    if report.notes:
        body.append('<div class="box"><strong>Limits of this search</strong><ul>'
                    + "".join(f"<li>{esc(n)}</li>" for n in report.notes) + "</ul></div>")
    body.append('<div class="box"><strong>How to read this report</strong><dl class="facts">'
                + "".join(f"<dt>{t}</dt><dd>{d}</dd>" for t, d in HOW_TO_READ) + "</dl></div>")
    return _section("summary", "Summary", body, first=True)


def _facts(pairs: Sequence[tuple[str, str]]) -> str:
    """A definition list; the values are page HTML already escaped by the caller."""
    return '<dl class="facts">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in pairs) + "</dl>"


def _subject(report: Report) -> str:
    s = report.subject
    d = s.details
    body: list[str] = []
    if s.kind == "colony":
        facts = [(label, esc(_joined(d.get(k)))) for label, k in (
            ("Name", "name"), ("Local name", "name_local"), ("City", "city"), ("Region", "region"),
            ("Country", "country"), ("Operator (as cited)", "operator_enterprise"), ("Products", "products"),
            ("HS codes", "hs_codes")) if d.get(k)]
        facts.append(("Source", _citation(d.get("source_title"), d.get("source_url"), d.get("source_date"))))
        if s.synthetic:
            facts.append(("Data", '<span class="tag synthetic">synthetic: a fictional facility</span>'))
        body.append(_facts(facts))
        body.append("<h3>Companies operating it</h3>")
        body.append(_table(["Company", "Id", "Country", "Basis", "Source"], [
            [esc(o.get("name")), f"<code>{esc(o['id'])}</code>", esc(o.get("country")),
             esc(", ".join(str(x) for x in (o.get("basis"), o.get("judgement")) if x) or "cited catalogue"),
             _link(o.get("source_url")) or esc(_joined(o.get("sources")))]
            for o in s.operators], empty="No operating company is recorded for this colony."))
        if s.heads:
            body.append("<h3>Heads (as the sources give the position)</h3>")
            body.append(_table(["Person", "Position", "Basis", "Source"], [
                [esc(h.get("name") or h["id"]), esc(h.get("position")), esc(h.get("basis")), _link(h.get("source_url"))]
                for h in s.heads]))
    else:
        facts = [("Name", esc(s.name)), ("Id", f"<code>{esc(s.id)}</code>")]
        if s.merged_ids:
            facts.append(("Merged records", esc(", ".join(s.merged_ids))))
        facts += [(k.replace("_", " ").capitalize(), esc(_joined(v))) for k, v in d.items()
                  if v and k != "source_url"]
        if s.country:
            facts.insert(2, ("Country", esc(s.country)))
        if d.get("source_url"):
            facts.append(("Source", _link(d["source_url"])))
        body.append(_facts(facts))
        if s.kind == "person":
            body.append("<h3>Companies the person owns or directs</h3>")
            names = report.companies
            body.append(_table(["Company", "Link", "Share / role", "Dates", "Source"], [
                [esc(names.get(h["id"], {}).get("name") or h["id"]) + f" <code>{esc(h['id'])}</code>",
                 esc(link.type), esc(link.share_text or link.properties.get("role")),
                 esc(_dates(link.properties)), esc(_hop_sources(link))]
                for h in s.holdings for link in h["links"]], empty="No ownership or directorship is recorded."))
    return _section("subject", "The subject", body)


def _routes(report: Report) -> str:
    if not report.routes:
        kind = report.subject.kind
        where = "starts at this colony" if kind == "colony" else f"passes through this {kind}"
        return _section("routes", "Routes and their evidence", [f"<p>No route was found that {where} with these "
                                                                 "settings.</p>"])
    body = [f"<p>{len(report.routes)} finding(s), relabeled routes first, best score first. Each hop names the "
            "shipment that carries the route and the rows behind it.</p>"]
    body += [_route(n, r, report) for n, r in enumerate(report.routes, start=1)]
    return _section("routes", "Routes and their evidence", body)


def _route(n: int, route: Route, report: Report) -> str:
    direct = route.kind == DIRECT_EXPORT
    tag = ' <span class="tag synthetic">synthetic</span>' if route.synthetic else ""
    first = route.hops[0].seller
    hops = [["0", _company(first), "", "", "", "", "", "operated by the colony"]]
    for i, hop in enumerate(route.hops, start=1):
        s = hop.shipment
        switch = (f'<span class="switch">switched {esc(SWITCH_TEXT.get(hop.code_switch, hop.code_switch))}</span>'
                  if hop.code_switch else "")
        hops.append([str(i), _company(hop.buyer), esc(s.date), esc(s.hs_code) + (f"<br>{switch}" if switch else ""),
                     esc(s.origin) or '<span class="muted">not declared</span>',
                     _money(s.value, _currency(report, s)), f"{esc(s.source_file)} row {esc(s.source_row)}",
                     f"{len(hop.evidence)} row(s)"])
    parts = [
        f'<div class="route{" direct" if direct else ""}" id="route-{n}">',
        f"<h3>{'Direct export' if direct else 'Route'} {n}: score {esc(route.score)}{tag}</h3>",
        f"<p>From colony {esc(route.colony_name)} <code>{esc(route.colony)}</code> to "
        f"{esc(route.hops[-1].buyer['name'])} ({esc(route.hops[-1].buyer.get('country'))}), {esc(route.kind)}.</p>",
        "<h4>Why</h4><ul>" + "".join(f"<li>{esc(reason)}</li>" for reason in route.reasons) + "</ul>",
        _table(["Hop", "Company (buys from the one above)", "Date", "HS code", "Declared origin", "Value",
                "Shipment row", "Rows on this hop"], hops, numeric={5}, nowrap={2}),
        "<h4>Evidence rows</h4>",
        _table(["Hop", "Shipment", "Date", "Exporter (as written)", "Importer (as written)", "HS code",
                "Description", "Value", "Origin", "File", "Row"],
               [[str(i), esc(e.id), esc(e.date), esc(row.get("exporter_name")), esc(row.get("importer_name")),
                 esc(e.hs_code), esc(row.get("description")), _money(e.value, row.get("currency")), esc(e.origin),
                 esc(e.source_file), esc(e.source_row)]
                for i, hop in enumerate(route.hops, start=1) for e in _hop_rows(hop)
                for row in [report.evidence_rows.get((str(e.source_file), _int(e.source_row)), {})]],
               numeric={7, 10}, nowrap={2}),
        "</div>",
    ]
    return "\n".join(parts)


def _hop_rows(hop: Any) -> list[Any]:
    # The carrying shipment first, then the other rows of the same goods on this hop.
    return [hop.shipment, *(e for e in hop.evidence if e != hop.shipment)]


def _currency(report: Report, s: Any) -> Any:
    return report.evidence_rows.get((str(s.source_file), _int(s.source_row)), {}).get("currency")


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _company(c: dict[str, Any]) -> str:
    country = f" ({esc(c.get('country'))})" if c.get("country") else ""
    return f"{esc(c.get('name'))}{country}<br><code>{esc(c.get('id'))}</code>"


def _ownership(report: Report) -> str:
    if not report.ownership:
        return _section("ownership", "Ownership around the key companies",
                        ["<p>No key company to look into.</p>"])
    body = ["<p>For each key company (the subject's and those on its routes): the owners at the top of every "
            "ownership chain above it, with the share and its basis, and every link with its source.</p>"]
    without = []
    for cid in report.key_companies:
        result = report.ownership.get(cid)
        if result is None:
            continue
        if result.owners:
            body.append(_owners_of(result, report))
        else:
            without.append(result)
    if without:
        # One line for all of them: on a large route set most companies have no registry record loaded.
        names = "; ".join(f"{esc(r.company.name or r.company.id)} <code>{esc(r.company.id)}</code>"
                          + (f" ({len(r.skipped_supernodes)} nominee owner(s) not followed)"
                             if r.skipped_supernodes else "") for r in without)
        body.append(f"<h3>No owner found ({len(without)} compan(ies))</h3>"
                    f'<p class="muted">No ownership record is loaded for: {names}.</p>')
    return _section("ownership", "Ownership around the key companies", body)


def _owners_of(result: OwnershipResult, report: Report) -> str:
    c = result.company
    heading = f"<h3>{esc(c.name or c.id)} <code>{esc(c.ids_text)}</code></h3>"
    rows = [[_entity(o.entity), esc(o.share_text if o.share is not None else f"unknown ({o.range_text})"),
             esc(o.basis_text), _chains(o, report), esc("; ".join(dict.fromkeys(_hop_sources(h) for p in o.paths
                                                                               for h in p.hops)))]
            for o in result.owners]
    return heading + _table(["Owner", "Share %", "Basis", "Chain (each link with its share)", "Sources"], rows,
                            numeric={1})


def _entity(e: Entity) -> str:
    country = f" ({esc(e.country)})" if e.country else ""
    return (f"{esc(e.name or e.id)}{country}<br><code>{esc(e.ids_text)}</code> "
            f'<span class="muted">{esc(e.label)}</span>')


def _chains(owner: UltimateOwner, report: Report) -> str:
    names = _names(report, owner)
    return "<br>".join(_path_text(p.hops, names) for p in owner.paths)


def _names(report: Report, owner: UltimateOwner | None = None) -> dict[str, str]:
    names = {f"Company:{cid}": str(c.get("name") or cid) for cid, c in report.companies.items()}
    for result in report.ownership.values():
        names[result.company.key] = result.company.name or result.company.id
        for o in result.owners:
            names[o.entity.key] = o.entity.name or o.entity.id
    for f in report.sanctions:
        if isinstance(f.entity, Entity):
            names[f.entity.key] = f.entity.name or f.entity.id
    return names


def _path_text(hops: Sequence[Hop], names: dict[str, str]) -> str:
    parts = []
    for h in hops:
        what = h.share_text or h.properties.get("role") or h.type.lower()
        parts.append(f"{esc(names.get(h.start, h.start.split(':', 1)[-1]))} &rarr; "
                     f"{esc(h.type)} {esc(what)} &rarr; {esc(names.get(h.end, h.end.split(':', 1)[-1]))}")
    return "; ".join(parts)


def _hop_sources(hop: Hop) -> str:
    records = f" ({', '.join(hop.record_ids)})" if hop.record_ids else ""
    return ", ".join(hop.sources) + records


def _sanctions(report: Report) -> str:
    body = [f"<p>Designations on the key entities themselves (0 hops) and on people or companies within "
            f"{report.sanction_hops} ownership or control link(s) of them, as the listing authority published "
            "them.</p>"]
    rows = []
    names = _names(report)
    for f in report.sanctions:
        d = f.designation
        e = f.entity
        who = _entity(e) if isinstance(e, Entity) else f"{esc(e['name'])} <code>{esc(e['id'])}</code> colony"
        state = ('<span class="tag sanction">SANCTIONED</span>' if f.in_force
                 else '<span class="tag ended">ended or not yet listed</span>')
        near = "itself" if f.hops == 0 else esc(names.get(f.near, f.near.split(":", 1)[-1]))
        rows.append([who, state + "<br>" + esc(d.get("program")), esc(d.get("authority")), esc(d.get("listed")),
                     esc(d.get("end_date")), str(f.hops), near, _path_text(f.path, names) or "",
                     _link(d.get("source_url")) or esc(_joined(d.get("sources")))])
    body.append(_table(["Designated", "Programme", "Authority", "Listed", "Ended", "Hops", "Near", "Via", "Source"],
                       rows, empty="No sanctions designation was found on or near the key entities in the loaded "
                                   "lists.", numeric={5}))
    return _section("sanctions", "Sanctions", body)


def _network(report: Report) -> str:
    drawn = network_page(report, f"Network of this report: {report.subject.name}")
    if drawn is None:
        return _section("network-section", "Network", ["<p>No route, owner or sanction, so no network to draw.</p>"])
    page, height = drawn
    body = [
        '<p class="no-print">The routes, left to right from the colony, with the owners of the key companies and '
        "the sanctions on or near them: drag to move, scroll to zoom, hover a company or a link for its "
        "details.</p>",
        # The network page runs its own script in a frame with no access to this page (sandbox without
        # same-origin): one hostile value in it could not reach the report around it.
        f'<iframe class="network-frame" title="Network" sandbox="allow-scripts" style="height:{height}px" '
        f'srcdoc="{esc(page)}"></iframe>',
        '<p class="print-only">The interactive network is not printed: every route hop, owner and sanction it '
        "draws is listed with its evidence in the sections that follow.</p>",
    ]
    return _section("network-section", "Network", body)


def _sources(report: Report) -> str:
    body = ["<h3>Datasets loaded into this graph</h3>",
            _table(["Source", "File", "Format", "Loaded", "Rows read", "Loaded", "Rejected"], [
                [esc(s.get("name")), esc(s.get("path")), esc(s.get("format")), esc(s.get("loaded_at")),
                 _count(s.get("read")), _count(s.get("loaded")), _count(s.get("rejected"))]
                for s in report.sources], numeric={4, 5, 6}, empty="No dataset is recorded in this graph."),
            "<h3>Published sources cited</h3>",
            _table(["Source", "Date", "Cited for"], [
                [_citation(c.get("title"), c["url"], None), esc(c.get("date")), esc("; ".join(c["cited_for"]))]
                for c in report.citations], empty="None of the entities in this report cites a published source."),
            "<h3>Shipment files behind the routes</h3>",
            _table(["File", "Rows cited"], [[esc(f), str(n)] for f, n in _files(report.routes)],
                   numeric={1}, empty="No route, so no shipment file is cited.")]
    return _section("sources", "Sources", body)


def _files(routes: Sequence[Route]) -> list[tuple[str, int]]:
    rows: dict[str, set[Any]] = {}
    for r in routes:
        for h in r.hops:
            for e in _hop_rows(h):
                rows.setdefault(str(e.source_file), set()).add(e.source_row)
    return sorted((f, len(n)) for f, n in rows.items())


def _ethics(report: Report) -> str:
    body = [f"<p>{ETHICS}</p>"]
    if report.synthetic:
        body.append("<p><strong>This report contains synthetic data.</strong> The colony, companies or shipments "
                    "marked synthetic were generated; any resemblance to a real company is accidental.</p>")
    body.append(f'<p class="muted">Generated {esc(report.generated)} from the graph <code>{esc(report.graph)}</code>.'
                "</p>")
    return _section("ethics", "Data ethics", body)


# -- small formatters --------------------------------------------------------------------------------
def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, empty: str = "None.",
           numeric: set[int] | frozenset[int] = frozenset(), nowrap: set[int] | frozenset[int] = frozenset()) -> str:
    """Cells are page HTML already escaped by the caller; headers are our own text. Columns in `numeric`
    align right, those in `nowrap` (dates) never wrap."""
    if not rows:
        return f'<p class="muted">{esc(empty)}</p>'

    def cls(i: int) -> str:
        return " class=num" if i in numeric else " class=nw" if i in nowrap else ""

    head = "".join(f"<th{cls(i)}>{h}</th>" for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f"<td{cls(i)}>{cell}</td>" for i, cell in enumerate(row)) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _joined(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple | set):
        return ", ".join(str(v) for v in value)
    return str(value)


def _money(value: Any, currency: Any = None) -> str:
    if value is None or value != value:
        return ""
    try:
        amount = f"{float(value):,.0f}"
    except (TypeError, ValueError):
        return esc(value)
    return esc(f"{amount} {currency}" if currency else amount)


def _count(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else esc(value)


def _dates(props: dict[str, Any]) -> str:
    start, end = props.get("start"), props.get("end")
    return f"{start or '?'} to {end or 'now'}" if start or end else ""


def _link(url: Any) -> str:
    """A link only for web addresses (never javascript: or data:); anything else as text."""
    if not url:
        return ""
    text = str(url)
    if text.lower().startswith(("http://", "https://")):
        return f'<a href="{esc(text)}" rel="noopener noreferrer">{esc(text)}</a>'
    return esc(text)


def _citation(title: Any, url: Any, date: Any) -> str:
    parts = [esc(title)] if title else []
    if url:
        parts.append(_link(url))
    if date:
        parts.append(f"({esc(date)})")
    return " ".join(parts)


def _sanction_key(f: SanctionFinding) -> tuple[str, str]:
    e = f.entity
    key = e.key if isinstance(e, Entity) else f"Colony:{e['id']}"
    return key, str(f.designation.get("sanction"))
