"""One rule for decimal and thousands separators, applied row by row (graph.types.AMOUNT.clean, every
loader) and column-wise (AMOUNT.clean_column, shipments): both must give the same number or the same
rejection for every text."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from conveyor.graph.errors import RowProblem
from conveyor.graph.types import AMOUNT
from conveyor.loaders.shipments import _ARROW_STR, _Rejects

CASES = {
    "1,000": 1000.0, "12,345,678": 12345678.0, "1,5": 1.5, "7,25": 7.25, "1.234,56": 1234.56,
    "1,234.56": 1234.56, "1.500": 1.5, "1.234.567": 1234567.0, "1 234,5": 1234.5, "1000": 1000.0, "0": 0.0,
    "12.5": 12.5, "-3": None, "abc": None, "1e400": None, "nan": None, "inf": None,
}


@pytest.mark.parametrize("text", sorted(CASES))
def test_row_and_column_parsers_agree(text: str) -> None:
    expected = CASES[text]
    rejects = _Rejects(1)
    column = rejects.take(AMOUNT.clean_column(pd.Series([text], dtype=_ARROW_STR), "value"), "value").iloc[0]
    if expected is None:
        with pytest.raises(RowProblem):
            AMOUNT.clean(text, what="value")
        assert rejects.bad[0]
    else:
        assert AMOUNT.clean(text, what="value") == pytest.approx(expected)
        assert not rejects.bad[0] and math.isclose(column, expected)
