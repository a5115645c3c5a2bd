"""`conveyor routes`: time-respecting relabeling routes from colony production to target markets."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from conveyor.queries.export import HOP_COLUMNS, route_rows, routes_json, write_csv
from conveyor.queries.routes import ALL_COLONIES, RouteSearch, RouteSettings, find_routes
from conveyor.queries.subgraph import routes_selection

from ..context import evidence_from, store_from
from ..exports import export_flags, export_targets, write_targets
from ..outputs import checked_output
from ..render import csv_text, routes_text
from .query import render

_DEFAULT = RouteSettings()  # the defaults are declared once, in RouteSettings

ROUTE_OPTIONS = (
    click.option("--from-colony", "colony", default=_DEFAULT.colony, show_default=True, help="Colony id, or 'all'."),
    click.option("--to-country", "countries", default="", help="Target countries, e.g. DE,PL (default: any "
                 "country other than the colony's)."),
    click.option("--window-days", type=click.IntRange(*RouteSettings.WINDOW_DAYS), default=_DEFAULT.window_days,
                 show_default=True, help="Longest time between a hop and the next."),
    click.option("--max-hops", type=click.IntRange(*RouteSettings.MAX_HOPS), default=_DEFAULT.max_hops,
                 show_default=True,
                 help="Longest chain in hops (producer, dealer, four transit traders, buyer is 6)."),
    click.option("--max-routes", type=click.IntRange(*RouteSettings.MAX_ROUTES), default=_DEFAULT.max_routes,
                 show_default=True),
    click.option("--include-supernodes", is_flag=True, default=_DEFAULT.include_supernodes,
                 help="Traverse companies flagged as supernodes."),
    click.option("--min-score", type=float, default=_DEFAULT.min_score, show_default=True,
                 help="Precision knob: report only routes scoring at least this (0 = every time-respecting "
                      "route; the default needs at least one relabeling signal)."),
    click.option("--supernode-degree", type=click.IntRange(0), default=_DEFAULT.supernode_degree, show_default=True,
                 help="Treat companies with at least this many trade partners as supernodes (0 = only flagged "
                      "ones)."),
    click.option("--all-prefixes", is_flag=True, default=not _DEFAULT.maximal_only,
                 help="Also report a route's prefixes that end abroad (by default a route is reported at its "
                      "furthest reach)."),
    click.option("--direct-exports/--no-direct-exports", default=_DEFAULT.direct_exports, show_default=True,
                 help="Also report colony goods sold straight abroad with the colony's origin declared and the "
                      "HS code unchanged (kind 'direct export of colony goods'), apart from relabeled routes."),
)
ROUTE_KEYS = ("colony", "countries", "window_days", "max_hops", "max_routes", "include_supernodes", "min_score",
              "supernode_degree", "all_prefixes", "direct_exports")


def route_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The route selection options, shared by `routes` and `export`. The command receives them as one
    keyword, `route`: the RouteSettings they make (checked there, before the command runs)."""
    @functools.wraps(f)
    def with_settings(*args: Any, **options: Any) -> Any:
        route = route_settings({key: options.pop(key) for key in ROUTE_KEYS})
        return f(*args, route=route, **options)

    command: Callable[..., Any] = with_settings
    for option in reversed(ROUTE_OPTIONS):
        command = option(command)
    return command


def route_settings(options: dict[str, Any]) -> RouteSettings:
    """RouteSettings from the route options' values (ROUTE_KEYS)."""
    return RouteSettings(
        colony=options["colony"], to_countries=frozenset(options["countries"].split(",")),
        window_days=options["window_days"], max_hops=options["max_hops"], max_routes=options["max_routes"],
        include_supernodes=options["include_supernodes"], min_score=options["min_score"],
        supernode_degree=options["supernode_degree"], maximal_only=not options["all_prefixes"],
        direct_exports=options["direct_exports"])


def search_routes(ctx: click.Context, settings: RouteSettings) -> RouteSearch:
    with store_from(ctx) as store:
        return find_routes(store, evidence_from(ctx), settings)


def routes_title(settings: RouteSettings) -> str:
    where = f" to {','.join(sorted(settings.to_countries))}" if settings.to_countries else ""
    colony = "every colony" if settings.colony == ALL_COLONIES else f"colony {settings.colony}"
    return f"Routes from {colony}{where}"


@click.command()
@route_options
@click.option("--format", "fmt", type=click.Choice(["text", "table", "csv", "json"]), default="text",
              show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the hops as CSV.")
@click.option("--force", is_flag=True, help="Replace the --out (or export) files if they exist.")
@export_flags(force=False)
@click.pass_context
def routes(ctx: click.Context, fmt: str, out: Path | None, force: bool, bom: bool, route: RouteSettings,
           export_files: dict[str, Path]) -> None:
    """Routes from colony production to buyers abroad, with the shipment rows behind every hop: relabeled
    routes, and direct exports of colony goods (declared honestly) as a kind of their own."""
    target = checked_output(ctx, out, force=force) if out else None
    exports = export_targets(ctx, export_files, force)
    search = search_routes(ctx, route)
    findings = search.findings  # each with its kind: relabeled routes first, then direct exports
    if target:
        write_csv(route_rows(findings), target, HOP_COLUMNS, bom=bom)
    write_targets(routes_selection(findings, routes_title(route)), exports, bom=bom)
    if fmt == "text":
        click.echo(routes_text(search))
    elif fmt == "json":
        click.echo(routes_json(findings))
    elif fmt == "csv":
        click.echo(csv_text(route_rows(findings), HOP_COLUMNS))
    else:
        click.echo(render(route_rows(findings), fmt))
    for text in search.limits_hit:
        click.echo(f"limit: {text}", err=True)
