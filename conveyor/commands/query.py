"""`conveyor query list|show|run|cypher`: saved, parameterised Cypher (shipped and the user's own), and
ad-hoc Cypher, read-only unless --write."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
import textwrap
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from conveyor.graph.values import to_jsonable
from conveyor.loaders.names import search_key
from conveyor.queries.adhoc import typed_params, write_clauses
from conveyor.queries.saved import Catalog, SavedQuery, load_catalog, user_query_folders
from conveyor.queries.subgraph import query_selection

from ..context import store_from
from ..exports import export_flags, export_targets, write_targets

_DIRS = "conveyor.queries_dirs"
_CATALOG = "conveyor.queries_catalog"


@click.group()
@click.option("--queries-dir", "queries_dirs", multiple=True, metavar="DIR",
              type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="A folder of your own .cypher queries, read beside the shipped ones (repeatable; "
                   "also $CONVEYOR_QUERIES, os.pathsep-separated, and ~/.config/conveyor/queries).")
@click.pass_context
def query(ctx: click.Context, queries_dirs: tuple[Path, ...]) -> None:
    """Saved queries: the shipped ones (queries/saved/*.cypher) and your own, in the same format (a
    header of `// key: value` lines, see the README), from --queries-dir, $CONVEYOR_QUERIES or
    ~/.config/conveyor/queries. A query of yours named like a shipped one replaces it (with a notice)."""
    ctx.meta[_DIRS] = queries_dirs


def catalog(ctx: click.Context) -> Catalog:
    """Shipped and user queries, read once per command; each file skipped is named on stderr, with why."""
    if _CATALOG not in ctx.meta:
        found = load_catalog(user_query_folders(ctx.meta.get(_DIRS, ())))
        for warning in found.warnings:
            click.echo(f"warning: {warning}", err=True)
        ctx.meta[_CATALOG] = found
    return ctx.meta[_CATALOG]


def saved_query(ctx: click.Context, name: str) -> SavedQuery:
    found = catalog(ctx)
    saved = found.get(name)
    if notice := found.override_notice(name):
        click.echo(notice, err=True)
    return saved


def _origin(found: Catalog, q: SavedQuery) -> str:
    if q.shipped:
        return "shipped"
    return "yours, replaces shipped" if q.name in found.overrides else "yours"


def _param_text(q: SavedQuery) -> str:
    return ", ".join(f"{p.name}:{p.type}" + ("" if p.required else f"={p.default or chr(34) * 2}")
                     for p in q.params)


@query.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True,
              help="table: columns on a wide terminal, a block per query on a narrow one, one line per query "
                   "when piped (nothing wrapped: grep finds a whole query).")
@click.pass_context
def list_queries(ctx: click.Context, fmt: str) -> None:
    """Every saved query (shipped and yours) with its parameters."""
    found = catalog(ctx)
    entries = [{"name": q.name, "category": q.category, "parameters": _param_text(q), "stores": ",".join(q.stores),
                "from": _origin(found, q), "description": q.description, "path": str(q.path)}
               for q in sorted(found.queries.values(), key=lambda q: (q.category, q.name))]
    if fmt == "json":
        params = {q.name: [{"name": p.name, "type": p.type, "default": p.default, "required": p.required}
                           for p in q.params] for q in found.queries.values()}
        click.echo(json.dumps([{**e, "parameters": params[e["name"]], "stores": e["stores"].split(",")}
                               for e in entries], indent=2, ensure_ascii=False))
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=["name", "category", "parameters", "stores", "from", "description",
                                                 "path"])
        writer.writeheader()
        writer.writerows(entries)
        click.echo(out.getvalue().rstrip("\n"))
    elif not sys.stdout.isatty():
        click.echo(_lines(entries))
    else:
        width = shutil.get_terminal_size().columns
        if width >= 140:
            table = Table(show_lines=False)
            table.add_column("name", no_wrap=True)  # names are what users copy into `query run`
            for column in ("category", "parameters", "stores", "from", "description"):
                table.add_column(column)
            for e in entries:
                table.add_row(*(escape(e[c]) for c in ("name", "category", "parameters", "stores", "from",
                                                       "description")))
            Console().print(table)
        else:
            click.echo(_blocks(entries, width))


_LINE_COLUMNS = ("name", "category", "from", "parameters", "description")


def _lines(entries: list[dict]) -> str:
    """One line per query, columns aligned, nothing wrapped or cut (the description last)."""
    widths = {c: max([len(c), *(len(e[c]) for e in entries)]) for c in _LINE_COLUMNS[:-1]}
    rows = [dict(zip(_LINE_COLUMNS, _LINE_COLUMNS, strict=True)), *entries]
    return "\n".join("  ".join([*(r[c].ljust(widths[c]) for c in _LINE_COLUMNS[:-1]), r["description"]]).rstrip()
                     for r in rows)


def _blocks(entries: list[dict], width: int) -> str:
    """A terminal too narrow for columns: the name on its own line, then the rest wrapped under it."""
    width = max(width, 40)
    out = []
    for e in entries:
        out.append(f"{e['name']}  [{e['category']}; {e['stores']}; {e['from']}]")
        out.extend(textwrap.wrap(e["description"], width, initial_indent="    ", subsequent_indent="    "))
        if e["parameters"]:
            out.extend(textwrap.wrap("-p " + e["parameters"], width, initial_indent="    ",
                                     subsequent_indent="       ", break_on_hyphens=False))
    return "\n".join(out)


@query.command()
@click.argument("name")
@click.option("--cypher", "cypher_only", is_flag=True, help="Print the Cypher alone (to copy or pipe).")
@click.pass_context
def show(ctx: click.Context, name: str, cypher_only: bool) -> None:
    """A saved query: description, parameters with types and defaults, stores, file, and its Cypher."""
    found = catalog(ctx)
    q = saved_query(ctx, name)
    if cypher_only:
        click.echo(q.cypher)
        return
    lines = [f"name:        {q.name}", f"description: {q.description}", f"category:    {q.category}",
             f"stores:      {', '.join(q.stores)}", f"file:        {q.path} ({_origin(found, q)})"]
    if q.params:
        lines.append("parameters:")
        width = max(len(p.name) for p in q.params)
        for p in q.params:
            state = "required" if p.required else f"optional, default {p.default if p.default else chr(34) * 2}"
            if p.name in q.expand:
                state += "; widened to every record id of a merged entity"
            lines.append(f"  {p.name.ljust(width)}  {p.type:<6}  {state}")
    else:
        lines.append("parameters:  (none)")
    if q.canonical:
        lines.append(f"canonical:   {', '.join(q.canonical)} (reported as canonical entity ids)")
    lines += [f"{key + ':':<12} {value}" for key, value in q.notes.items()]
    example = " ".join(f"-p {p.name}=<{p.type}>" for p in q.params if p.required)
    lines += [f"run:         conveyor query run {q.name} {example}".rstrip(), "", q.cypher]
    click.echo("\n".join(lines))


@query.command()
@click.argument("name")
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE", help="A parameter (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@export_flags()
@click.pass_context
def run(ctx: click.Context, name: str, params: tuple[str, ...], fmt: str, force: bool, bom: bool,
        export_files: dict[str, Path]) -> None:
    """Run a saved query; values are bound as parameters, never pasted into the Cypher. The export
    flags write the rows (--csv, --json) or the entities their id columns name (--html, --gexf, ...)."""
    targets = export_targets(ctx, export_files, force)
    saved = saved_query(ctx, name)
    given = given_params(saved, params)
    with store_from(ctx) as store:
        rows = [to_jsonable(r) for r in saved.run(store, given)]
        selection = query_selection(store, name, rows) if targets else None
    if selection:
        write_targets(selection, targets, bom=bom)
    click.echo(render(rows, fmt))


@query.command()
@click.argument("statement", metavar='"CYPHER"')
@click.option("-p", "--param", "params", multiple=True, metavar="NAME[:TYPE]=VALUE",
              help="A parameter, $NAME in the Cypher (repeatable); TYPE: string (default), int, float, bool, "
                   "list (a,b,c).")
@click.option("--write", is_flag=True, help="Allow a statement that changes the graph (CREATE, MERGE, SET, "
                                            "DELETE, REMOVE, DROP, LOAD CSV, CALL of a procedure, ...).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.pass_context
def cypher(ctx: click.Context, statement: str, params: tuple[str, ...], write: bool, fmt: str) -> None:
    """Run ad-hoc Cypher ("-" reads it from stdin). Read-only unless --write: a statement that would
    write is refused, and reads run in the store's read-only mode (GRAPH.RO_QUERY, a Neo4j READ
    session), which refuses any write the check might miss."""
    if statement == "-":
        with click.open_file("-") as stdin:
            statement = stdin.read()
    if not statement.strip():
        raise click.UsageError("no Cypher given")
    values = typed_params(params)
    writes = write_clauses(statement)
    if writes and not write:
        raise click.ClickException(
            f"query cypher runs read-only, and this statement writes ({'; '.join(map(str, writes))}); "
            "add --write to change the graph")
    with store_from(ctx) as store:
        found = store.run(statement, values) if write else store.run_read_only(statement, values)
        rows = [to_jsonable(r) for r in found]
    click.echo(render(rows, fmt))


def given_params(saved: SavedQuery, params: tuple[str, ...] | list[str]) -> dict[str, str]:
    """`-p KEY=VALUE` options as text, plus the folded search keys the query's `// fold:` asks for."""
    given: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="-p")
        given[key.strip()] = value
    given.update(folded(saved.notes.get("fold"), given))
    return given


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
    printed = io.StringIO()
    Console(file=printed, width=width).print(table)
    return printed.getvalue().rstrip() + f"\n{len(rows)} row(s)"


def _cell(value) -> str:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return "" if value is None else str(value)
