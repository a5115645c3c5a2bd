"""User-written side files (the judgements file of `conveyor resolve`, the code list of `conveyor gaps`):
one that is not UTF-8 is a one-line error naming the file and the line, not a traceback."""

from __future__ import annotations

from pathlib import Path


def test_a_judgements_file_that_is_not_utf8_is_named_with_its_line(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "judgements.csv"
    path.write_bytes("left_id,right_id,judgement\na:1,b:1,accept\na:2,b:2,reject \xe9t\xe9\n".encode("cp1252"))
    run_cli("db", "init")
    result = run_cli("resolve", "--judgements", str(path), "--review", ok=False)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert f"{path}, row 3: is not UTF-8 text (byte 0xe9); save it as UTF-8" in result.output, result.output


def test_a_gaps_list_that_is_not_utf8_is_named_with_its_line(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "codes.csv"
    path.write_bytes("hs_code,program\n9403,EU\n4421,Beschr\xe4nkung\n".encode("cp1252"))
    run_cli("db", "init")
    result = run_cli("gaps", "--codes", str(path), ok=False)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert f"{path}, row 3: is not UTF-8 text (byte 0xe4); save it as UTF-8" in result.output, result.output
