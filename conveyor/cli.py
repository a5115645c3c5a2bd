"""`conveyor`: the command line."""

from __future__ import annotations

import signal

import click

from .commands.analysis import mirror, switching
from .commands.colonies import colonies
from .commands.db import db
from .commands.demo import demo
from .commands.export import export
from .commands.gaps import gaps
from .commands.load import load
from .commands.owners import owners
from .commands.query import query
from .commands.report import report
from .commands.resolve import resolve
from .commands.routes import routes
from .commands.shipments import shipments
from .commands.synth import synth
from .context import Settings
from .errors import USER_ERRORS


class ConveyorGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except USER_ERRORS as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=ConveyorGroup)
@click.option("--db", envvar="CONVEYOR_DB", metavar="PATH|URI",
              help="Graph location: a file for the embedded FalkorDB store (default ./conveyor.db, or "
                   "$CONVEYOR_DB), or bolt://, neo4j://, neo4j+s:// for Neo4j (credentials from "
                   "NEO4J_USER / NEO4J_PASSWORD).")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=None,
              help="Rows per UNWIND batch (default 5000).")
@click.option("--evidence", envvar="CONVEYOR_EVIDENCE", metavar="DIR",
              help="Folder of shipment rows (Parquet) beside the graph (default: GRAPH_FILE.evidence/).")
@click.version_option(package_name="conveyor")
@click.pass_context
def cli(ctx: click.Context, db: str | None, batch_size: int | None, evidence: str | None) -> None:
    """Trace goods from penal-colony production to foreign buyers, with evidence for every hop."""
    ctx.obj = Settings(db, batch_size, evidence)


for command in (db, load, query, routes, shipments, demo, mirror, switching, gaps, resolve, owners, synth, export,
                colonies, report):
    cli.add_command(command)


def _terminate_like_ctrl_c(signum: int, frame: object) -> None:
    # `kill PID`, a CI timeout or a service manager sends SIGTERM: undo the load and stop the embedded
    # server exactly as on Ctrl-C, rather than dying with the server left running and the load half done.
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate_like_ctrl_c)
    cli(prog_name="conveyor")
