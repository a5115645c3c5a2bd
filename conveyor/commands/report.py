"""`conveyor report`: one self-contained HTML investigation report for a colony, a company or a person."""

from __future__ import annotations

import re
from pathlib import Path

import click

from conveyor.queries.ownership import check_date
from conveyor.queries.report import ReportSettings, build_report, write_report
from conveyor.queries.routes import RouteSettings

from ..context import evidence_from, store_from
from ..outputs import checked_output

# The defaults and ranges are declared once, in ReportSettings and RouteSettings.
_REPORT = ReportSettings()
_ROUTES = _REPORT.routes


@click.command()
@click.option("--colony", metavar="ID", help="Report on this colony: the routes from its production.")
@click.option("--company", metavar="ID", help="Report on this company: the routes through it.")
@click.option("--person", metavar="ID", help="Report on this person: the companies they own or direct.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="The HTML file to write (default: conveyor-report-KIND-ID.html here).")
@click.option("--force", is_flag=True, help="Replace the --out file if it exists.")
@click.option("--window-days", type=click.IntRange(*RouteSettings.WINDOW_DAYS), default=_ROUTES.window_days,
              show_default=True, help="Longest time between a hop and the next.")
@click.option("--max-hops", type=click.IntRange(*RouteSettings.MAX_HOPS), default=_ROUTES.max_hops,
              show_default=True, help="Longest route in hops.")
@click.option("--min-score", type=float, default=_ROUTES.min_score, show_default=True,
              help="Report only routes scoring at least this.")
@click.option("--max-routes", type=click.IntRange(*RouteSettings.MAX_ROUTES), default=_ROUTES.max_routes,
              show_default=True)
@click.option("--max-companies", type=click.IntRange(*ReportSettings.MAX_COMPANIES), default=_REPORT.max_companies,
              show_default=True, help="Key companies looked into for ownership and sanctions (the subject's, "
                                      "then those on its routes, in route order).")
@click.option("--sanction-hops", type=click.IntRange(*ReportSettings.SANCTION_HOPS), default=_REPORT.sanction_hops,
              show_default=True,
              help="Ownership or control links from a key company to a sanctioned entity that still count.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", default=None,
              help="Ownership links and sanctions in force on this day (default: today).")
@click.pass_context
def report(ctx: click.Context, colony: str | None, company: str | None, person: str | None, out: Path | None,
           force: bool, window_days: int, max_hops: int, min_score: float, max_routes: int, max_companies: int,
           sanction_hops: int, as_of: str | None) -> None:
    """One HTML page to hand on: the routes with their evidence rows, ownership with shares and basis,
    sanctions, the network, the sources and the data-ethics note. Opens offline; prints to PDF."""
    given = [(kind, value) for kind, value in (("colony", colony), ("company", company), ("person", person))
             if value]
    if len(given) != 1:
        raise click.UsageError("give exactly one of --colony ID, --company ID or --person ID")
    try:
        as_of = check_date(as_of)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--as-of") from None
    settings = ReportSettings(
        routes=RouteSettings(window_days=window_days, max_hops=max_hops, min_score=min_score, max_routes=max_routes),
        max_companies=max_companies, sanction_hops=sanction_hops, as_of=as_of)
    kind, subject = given[0]
    target = checked_output(ctx, out or Path(f"conveyor-report-{kind}-{_slug(subject)}.html"), force=force)
    with store_from(ctx) as store:
        result = build_report(store, evidence_from(ctx), location=ctx.obj.location, colony=colony, company=company,
                              person=person, settings=settings)
    write_report(result, target)
    click.echo(f"report on {kind} {result.subject.name} [{result.subject.id}]: {len(result.routes)} finding(s), "
               f"{sum(len(o.owners) for o in result.ownership.values())} owner(s) of "
               f"{len(result.ownership)} key compan(ies), {len(result.sanctions)} sanction designation(s) on or near "
               f"them" + (" [SYNTHETIC DATA]" if result.synthetic else ""))
    for note in result.notes:
        click.echo(f"limit: {note}", err=True)
    click.echo(f"wrote {target} (open it in a browser; it works offline and prints to PDF)")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:60] or "subject"
