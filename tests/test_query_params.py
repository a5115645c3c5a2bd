"""Saved-query parameters typed on a command line: only what the store can hold exactly, refused with
the parameter's name otherwise. `-p limit=99999999999999999999` passed Python's int() and overflowed the
store's 64-bit integer (buyers-of-dealer answered "(no rows)" with exit 0); int() and float() also read
other scripts' digits ('٣' as 3) and float() read 'nan' and 'inf'."""

from __future__ import annotations

import pytest
from conveyor.queries.saved import Param, QueryError

INT = Param("limit", "int")
FLOAT = Param("min_share", "float")


@pytest.mark.parametrize("text", ["99999999999999999999", "-9223372036854775809", "٣", "３", "1e3", "1_000", ""])
def test_an_int_outside_64_bits_or_not_in_ascii_digits_is_refused(text: str) -> None:
    with pytest.raises(QueryError, match="'limit' must be"):
        INT.convert(text)


@pytest.mark.parametrize("text, value", [("200", 200), (" 7 ", 7), ("-3", -3), ("+4", 4),
                                         ("9223372036854775807", 2**63 - 1)])
def test_ordinary_ints_still_read(text: str, value: int) -> None:
    assert INT.convert(text) == value


@pytest.mark.parametrize("text", ["nan", "inf", "-Infinity", "1e400", "٣.٥", "0x10"])
def test_a_float_that_is_not_a_finite_ascii_number_is_refused(text: str) -> None:
    with pytest.raises(QueryError, match="'min_share' must be"):
        FLOAT.convert(text)


@pytest.mark.parametrize("text, value", [("0.25", 0.25), ("25", 25.0), ("-1.5e2", -150.0), (".5", 0.5)])
def test_ordinary_floats_still_read(text: str, value: float) -> None:
    assert FLOAT.convert(text) == value
