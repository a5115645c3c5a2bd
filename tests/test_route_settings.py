"""Route settings are one typed value (RouteSettings): checked when made, the CLI's defaults read from it,
and a hop's code move an enum whose values are the strings the exports write."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conveyor.queries.routes import CodeMove, Hop, RouteSettings, Shipment, code_move
from conveyor.queries.saved import QueryError

from conveyor.cli import cli
from conveyor.commands.routes import route_options, route_settings, routes_title
from conveyor.exports import export_flags


@pytest.mark.parametrize("given, field", [
    ({"max_hops": 0}, "max_hops"), ({"max_hops": 11}, "max_hops"), ({"window_days": 0}, "window_days"),
    ({"max_routes": 0}, "max_routes"), ({"max_hops": 2.5}, "max_hops"), ({"supernode_degree": -1}, "supernode_degree"),
    ({"min_score": float("nan")}, "min_score"), ({"sanctions_date": "2022-13-01"}, "sanctions_date"),
    ({"concordances": frozenset({frozenset({"94", "4"})})}, "concordance"),
])
def test_out_of_range_settings_are_refused_naming_the_field(given: dict, field: str) -> None:
    with pytest.raises(QueryError, match=field):
        RouteSettings(**given)


def test_equal_settings_compare_equal_in_their_normal_form() -> None:
    assert RouteSettings(colony=None) == RouteSettings() and RouteSettings().colony == "all"
    assert RouteSettings(to_countries=frozenset({"de", " pl", ""})).to_countries == frozenset({"DE", "PL"})
    assert RouteSettings(to_countries=frozenset({""})).to_countries is None
    assert RouteSettings(supernode_degree=0).supernode_degree is None  # 0: only flagged companies
    assert RouteSettings().searches("C1") and RouteSettings(colony="C1").searches("C1")
    assert not RouteSettings(colony="C2").searches("C1")


def test_cli_defaults_are_the_settings_defaults() -> None:
    command = cli.get_command(click.Context(cli), "routes")
    assert command is not None
    defaults = {p.name: p.default for p in command.params}
    assert route_settings(defaults) == RouteSettings()


def test_commands_receive_route_settings_and_export_files_as_typed_values(tmp_path: Path) -> None:
    seen: dict[str, object] = {}

    @click.command()
    @route_options
    @export_flags()
    def probe(route: RouteSettings, export_files: dict[str, Path], force: bool, bom: bool) -> None:
        seen.update(route=route, export_files=export_files)

    done = CliRunner().invoke(probe, ["--to-country", "pl,de", "--max-hops", "3", "--all-prefixes",
                                      "--csv", str(tmp_path / "x.csv")], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert seen == {"route": RouteSettings(to_countries=frozenset({"DE", "PL"}), max_hops=3, maximal_only=False),
                    "export_files": {"csv": tmp_path / "x.csv"}}
    route = seen["route"]
    assert isinstance(route, RouteSettings) and routes_title(route) == "Routes from every colony to DE,PL"
    assert routes_title(RouteSettings(colony="C1")) == "Routes from colony C1"


def test_bad_setting_on_the_command_line_is_one_line(run_cli) -> None:
    result = run_cli("routes", "--min-score", "nan", ok=False)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "route settings: min_score must be a number" in result.output


def test_code_moves_and_the_strings_the_exports_write() -> None:
    concordances = RouteSettings().concordances
    assert code_move("940360", "940360", concordances) is CodeMove.SAME
    assert code_move("940360", "940390", concordances) is CodeMove.HEADING
    assert code_move("940360", "940110", concordances) is CodeMove.CHAPTER
    assert code_move("940360", "442190", concordances) is CodeMove.CONCORDANCE
    assert code_move("940360", "610910", concordances) is CodeMove.UNRELATED
    assert [m.switched for m in CodeMove] == [False, True, True, True, False]
    s = Shipment("S1", "a", "b", "2024-01-01", "940360", "BY", 1.0, "f.csv", 2)
    hop = Hop({"id": "a"}, {"id": "b"}, s, [s], CodeMove.SAME)
    assert hop.code_switch == ""
    assert Hop({"id": "a"}, {"id": "b"}, s, [s], CodeMove.HEADING).code_switch == "HS4"
