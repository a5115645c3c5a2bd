"""`conveyor query list|show|run`: saved, parameterised Cypher."""

from __future__ import annotations

import csv
import io
import json

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from graph.values import to_jsonable
from loaders.names import search_key
from queries.saved import get_saved_query, saved_queries

from ..context import store_from


@click.group()
def query() -> None:
    """Saved queries in queries/saved/*.cypher."""


@query.command("list")
def list_queries() -> None:
    """Every saved query with its parameters."""
    table = Table(show_lines=False)
    table.add_column("name", no_wrap=True)  # names are what users copy into `query run`
    for column in ("category", "parameters", "stores", "description"):
        table.add_column(column)
    for q in saved_queries().values():
        params = ", ".join(f"{p.name}:{p.type}" + ("" if p.required else f"={p.default}") for p in q.params)
        table.add_row(q.name, q.category, params, ",".join(q.stores), q.description)
    Console().print(table)


@query.command()
@click.argument("name")
def show(name: str) -> None:
    """Print a saved query's Cypher."""
    click.echo(get_saved_query(name).cypher)


@query.command()
@click.argument("name")
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE", help="A parameter (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.pass_context
def run(ctx: click.Context, name: str, params: tuple[str, ...], fmt: str) -> None:
    """Run a saved query; values are bound as parameters, never pasted into the Cypher."""
    saved = get_saved_query(name)
    given = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="-p")
        given[key.strip()] = value
    given.update(folded(saved.notes.get("fold"), given))
    with store_from(ctx) as store:
        rows = [to_jsonable(r) for r in saved.run(store, given)]
    click.echo(render(rows, fmt))


def folded(spec: str | None, given: dict[str, str]) -> dict[str, str]:
    """A saved query whose header says `// fold: text -> text_keys` gets the words of `text` folded as
    names are folded for search (loaders.names.search_key: case, script, transliteration and legal form
    ignored), as the list parameter text_keys; a value given for it explicitly is kept."""
    source, arrow, target = (spec or "").partition("->")
    source, target = source.strip(), target.strip()
    if not arrow or source not in given or target in given:
        return {}
    return {target: ",".join(search_key(given[source]).split())}


def render(rows: list[dict], fmt: str, width: int = 200) -> str:
    """json, csv, or a table `width` columns wide (cells wrap to fit)."""
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False, default=str)
    columns = list(rows[0]) if rows else []
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows(cells)
        return out.getvalue().rstrip("\n")
    if not rows:
        return "(no rows)"
    table = Table(*columns)
    for row in cells:
        table.add_row(*(escape(c) for c in row))  # data must not be read as rich markup
    console = Console(file=io.StringIO(), width=width)
    console.print(table)
    return console.file.getvalue().rstrip() + f"\n{len(rows)} row(s)"


def _cell(value) -> str:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return "" if value is None else str(value)
