"""A CSV in another encoding is refused naming the row where the first byte that is not UTF-8 sits: the
header is decoded with the first block of the file, so a Latin-1 'ë' on row 2 was reported as 'row 1 ...
byte 116 of the header', sending the reader to a header that is fine."""

from __future__ import annotations

from pathlib import Path

import pytest
from conveyor.loaders.base import SourceError
from conveyor.loaders.csvfile import read_header

HEADER = "colony_id,name,country\n"


def test_a_bad_byte_after_the_header_names_its_row(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "FX-1,Fictional One,BY\nFX-2,Zoë Möbel (fictional),BY\n").encode("latin-1"))
    with pytest.raises(SourceError) as refused:
        read_header(path)
    assert refused.value.row == 3, str(refused.value)
    assert "row 3" in str(refused.value) or "line 3" in str(refused.value), str(refused.value)
    assert "header" not in str(refused.value)


def test_a_bad_byte_in_the_header_names_the_header(tmp_path: Path) -> None:
    path = tmp_path / "latin1-header.csv"
    path.write_bytes("colony_id,naïve,country\nFX-1,One,BY\n".encode("latin-1"))
    with pytest.raises(SourceError) as refused:
        read_header(path)
    assert refused.value.row == 1 and "header" in str(refused.value)
