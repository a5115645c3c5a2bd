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
