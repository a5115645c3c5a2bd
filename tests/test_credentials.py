"""No command prints a credential, whatever the address looks like: passwords with '@', '/', '?' or
'#' in them, given in the address, as a query parameter or in the environment. Nothing listens on the
ports used here, so every command fails to connect: the messages are what is checked."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from conveyor.cli import cli

SECRET = "Zq7-s3cret"
ADDRESSES = [
    f"bolt://neo4j:{SECRET}@127.0.0.1:1",
    f"bolt://neo4j:pa@{SECRET}/x@127.0.0.1:1",
    f"neo4j://neo4j:{SECRET}@127.0.0.1:1/db",
    f"neo4j+s://u:{SECRET}@localhost:1",
    f"neo4j+ssc://u:{SECRET}#x@localhost:1",
    f"bolt://127.0.0.1:1?password={SECRET}",
    f"bolt://u:{SECRET}@[::1:1",
    f"redis://u:{SECRET}@127.0.0.1:1/g",
    f"redis://:{SECRET}/slash@127.0.0.1:1/g",
    f"rediss://u:{SECRET}@127.0.0.1:1/g",
    f"falkordb://127.0.0.1:1/g?password={SECRET}",
    f"redis://127.0.0.1:1/g#{SECRET}",
]
COMMANDS = [["db", "stats"], ["owners", "ultimate", "X"], ["query", "run", "company-search", "-p", "q=a"],
            ["routes"]]


@pytest.mark.parametrize("address", ADDRESSES)
@pytest.mark.parametrize("env_password", [None, SECRET])
def test_no_command_prints_a_password(address: str, env_password: str | None, tmp_path) -> None:
    env = {"NEO4J_PASSWORD": env_password, "FALKORDB_PASSWORD": env_password, "CONVEYOR_EVIDENCE": str(tmp_path)}
    runner = CliRunner()
    for command in COMMANDS:
        result = runner.invoke(cli, ["--db", address, *command], env=env)
        shown = result.output + (result.stderr if result.stderr_bytes is not None else "")
        assert result.exit_code != 0, (command, shown)
        assert SECRET not in shown, (address, command, shown)
        assert "Traceback" not in shown, (address, command, shown)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"{address} {command}: {result.exception!r}")


# Commands that find the evidence folder (named after the server) before they open the store, with no
# $CONVEYOR_EVIDENCE: an unreadable address must not reach a URI parser that quotes it in a traceback.
EVIDENCE_FIRST = [["load", "colonies", "colonies.csv"], ["report", "--colony", "X"], ["export", "gexf", "x.gexf"],
                  ["shipments", "--seller", "X"], ["routes"]]
UNREADABLE = [f"bolt://neo4j:{SECRET}#x@127.0.0.1:1", f"bolt://neo4j:{SECRET}?x@127.0.0.1:1",
              f"falkordb://u:{SECRET}/x@127.0.0.1:1", f"bolt://neo4j:{SECRET}@127.0.0.1:notaport",
              f"redis://u:{SECRET}@127.0.0.1:99999/g"]
# A scheme with its '//' missing is no file name to create: it would be a graph file named after the password.
TYPOS = [f"bolt:/neo4j:{SECRET}@127.0.0.1:1", f"neo4j:neo4j:{SECRET}@127.0.0.1:1", f"redis:/u:{SECRET}@h:1/g"]


@pytest.mark.parametrize("address", UNREADABLE + TYPOS)
def test_commands_that_read_evidence_first_print_no_password(address: str, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "colonies.csv").write_text("colony_id,name\nX,Fictional colony\n", encoding="utf-8")
    runner = CliRunner()
    for command in [*EVIDENCE_FIRST, ["db", "init"], ["db", "doctor"], ["db", "stats"]]:
        result = runner.invoke(cli, ["--db", address, *command], env={"CONVEYOR_EVIDENCE": None})
        shown = result.output + (result.stderr if result.stderr_bytes is not None else "")
        assert result.exit_code != 0 or command == ["db", "doctor"], (command, shown)  # doctor connects nowhere
        assert SECRET not in shown, (address, command, shown)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"{address} {command}: {result.exception!r}")
    assert [p.name for p in tmp_path.iterdir()] == ["colonies.csv"]  # no graph or folder named after it
