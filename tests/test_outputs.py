"""--out never replaces the graph, its sidecar files, its evidence store or an input, and replaces an
existing file only with --force; what it writes appears whole (temporary file + rename), and a symlink
planted at a temporary name is never followed."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conveyor.graph.files import atomic_output

from conveyor.cli import cli

FIX = Path(__file__).parent / "fixtures" / "trade"


@pytest.fixture(scope="module")
def graph(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("outputs")
    db = folder / "g.db"
    result = CliRunner().invoke(cli, ["--db", str(db), "load", "trade", "--format", "comtrade",
                                      str(FIX / "comtrade-synthetic.csv"), "--rejects", str(folder / "rejects")])
    assert result.exit_code == 0, result.output
    return db


def _mirror(db: Path, out: Path, *extra: str):
    return CliRunner().invoke(cli, ["--db", str(db), "mirror", "--out", str(out), *extra])


def test_out_may_not_be_the_graph_or_its_evidence(graph: Path) -> None:
    before = graph.read_bytes()
    evidence = graph.with_name(graph.name + ".evidence")
    for target in (graph, evidence, evidence / "x.csv"):
        result = _mirror(graph, target, "--force")
        assert result.exit_code == 1 and "would overwrite" in result.output, result.output
    assert graph.read_bytes() == before


def test_out_may_not_be_an_input(graph: Path, tmp_path: Path) -> None:
    codes = tmp_path / "codes.csv"
    codes.write_text((FIX / "sanctions-synthetic.csv").read_text())
    result = CliRunner().invoke(cli, ["--db", str(graph), "gaps", "--codes", str(codes), "--out", str(codes),
                                      "--force"])
    assert result.exit_code == 1 and "an input of this command" in result.output
    assert codes.read_text() == (FIX / "sanctions-synthetic.csv").read_text()


def test_an_existing_file_is_replaced_only_with_force(graph: Path, tmp_path: Path) -> None:
    out = tmp_path / "mirror.csv"
    out.write_text("keep me")
    result = _mirror(graph, out)
    assert result.exit_code == 1 and "--force" in result.output and out.read_text() == "keep me"
    result = _mirror(graph, out, "--force")
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("reporter") or "," in out.read_text().splitlines()[0]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_switching_table_with_out_prints_tables_not_csv(graph: Path, tmp_path: Path) -> None:
    out = tmp_path / "switching.csv"
    result = CliRunner().invoke(cli, ["--db", str(graph), "switching", "--sanctions-date", "2022-06-03",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Code switching"), result.output[:200]
    assert out.read_text().startswith("finding,")


def test_atomic_output_never_follows_a_planted_symlink_and_leaves_nothing_on_failure(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    target = tmp_path / "report.csv"
    # The old writers used the fixed name report.csv.tmp: a link planted there redirected the write.
    (tmp_path / "report.csv.tmp").symlink_to(victim)
    with atomic_output(target) as fh:
        fh.write("new\n")
    assert target.read_text() == "new\n" and victim.read_text() == "precious"
    with pytest.raises(RuntimeError), atomic_output(target) as fh:
        fh.write("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv", "report.csv.tmp", "victim.txt"]


def test_routes_out_may_not_be_the_graph_and_needs_force_to_replace(graph: Path, tmp_path: Path) -> None:
    before = graph.read_bytes()
    result = CliRunner().invoke(cli, ["--db", str(graph), "routes", "--out", str(graph), "--force"])
    assert result.exit_code == 1 and "would overwrite the graph file" in result.output
    assert graph.read_bytes() == before
    out = tmp_path / "hops.csv"
    out.write_text("mine")
    assert CliRunner().invoke(cli, ["--db", str(graph), "routes", "--out", str(out)]).exit_code == 1
    assert out.read_text() == "mine"
    result = CliRunner().invoke(cli, ["--db", str(graph), "routes", "--out", str(out), "--force"])
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("route,")


def test_result_files_get_the_usual_permissions(tmp_path: Path) -> None:
    import os

    umask = os.umask(0o022)
    try:
        with atomic_output(tmp_path / "r.csv") as fh:
            fh.write("x")
    finally:
        os.umask(umask)
    assert (tmp_path / "r.csv").stat().st_mode & 0o777 == 0o644


def test_out_may_not_be_a_sidecar_the_graph_has_only_while_open(graph: Path) -> None:
    # GRAPH.lock and GRAPH.settings exist only while a command has the graph open: an --out naming them
    # was written under the command's own lock and deleted with it when the command ended.
    for name in (graph.name + ".lock", graph.name + ".settings"):
        target = graph.with_name(name)
        assert not target.exists()
        for run in (_mirror, lambda db, out: CliRunner().invoke(cli, ["--db", str(db), "routes", "--out", str(out)])):
            result = run(graph, target)
            assert result.exit_code == 1 and "would overwrite" in result.output, result.output
            assert not target.exists()


COLONIES = ("colony_id,name,country,operator_enterprise,operator_id,products,hs_codes,source_url,source_title,"
            "source_date\n"
            "FX-COL-1,Fictional Colony 1,BY,Fictional Works (fictional),fx:works,furniture,9403,https://example.org,"
            "Fictional,2024-01-01\n"
            "FX-COL-2,Fictional Colony 2,BY,Fictional Mill (fictional),fx:mill,furniture,94X3,https://example.org,"
            "Fictional,2024-01-01\n")


def test_the_rejects_file_never_follows_a_planted_link(tmp_path: Path) -> None:
    source = tmp_path / "colonies.csv"
    source.write_text(COLONIES, encoding="utf-8")
    rejects = tmp_path / "shared-rejects"
    rejects.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    # The rejects file used to be written through the predictable name NAME.rejects.tmp first.
    (rejects / "colonies.csv.rejects.tmp").symlink_to(victim)
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "g.db"), "load", "colonies", "--rejects", str(rejects),
                                      str(source)])
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "precious"
    assert "94X3" in (rejects / "colonies.csv.rejects.csv").read_text(encoding="utf-8")


def test_rejects_may_not_go_where_the_graph_keeps_its_files(graph: Path, tmp_path: Path) -> None:
    source = tmp_path / "colonies.csv"
    source.write_text(COLONIES, encoding="utf-8")
    before = graph.read_bytes()
    evidence = graph.with_name(graph.name + ".evidence")
    for target in (graph.with_name(graph.name + ".lock"), graph.with_name(graph.name + ".settings"), evidence,
                   evidence / "rejects"):
        result = CliRunner().invoke(cli, ["--db", str(graph), "load", "colonies", "--rejects", str(target),
                                          str(source)])
        assert result.exit_code != 0 and "would overwrite" in result.output, (target, result.output)
        assert not isinstance(result.exception, OSError), result.exception
    assert graph.read_bytes() == before
