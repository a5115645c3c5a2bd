"""The value types (conveyor.graph.types): one cleaner per type, the same rule row by row and column-wise,
hostile values refused with a reason (never a crash, never a silently wrong value), and every property
of the schema typed."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from conveyor.graph.errors import RowProblem
from conveyor.graph.schema import NODES, PROPERTY_TYPES, RELATIONSHIPS, property_type
from conveyor.graph.types import (
    AMOUNT,
    BOOL,
    COUNTRY,
    DATE,
    HS_CHAPTER,
    HS_CODE,
    INT,
    PARTIAL_DATE,
    SHARE,
    TEXT,
    URL,
    Column,
    HsCode,
    ValueType,
    list_of,
)

STR = pd.StringDtype("pyarrow")
HOSTILE = ["٢٠٢٠-٠١-٠١", "٩٤٠٣", "１２３", "9403\x00", "\x00", "x" * 10_000, "9" * 10_000, "nan", "NaN", "inf",
           "-inf", "1e400", "\u00a0", "'; DROP", "1_000", "½", "²", "94036", "940", "9", "1234567"]
TYPES: list[ValueType] = [TEXT, INT, URL, DATE, PARTIAL_DATE, COUNTRY, HS_CODE, AMOUNT, SHARE, BOOL,
                          list_of(HS_CODE)]


def _column_agrees(type_: ValueType, texts: list[str], **kw: str) -> None:
    """The column cleaner refuses exactly what the scalar cleaner refuses, with the same reason, and
    gives the same value for the rest."""
    # Shipments strip every cell first (canonical_frame); a date and a code are required there.
    column: Column = type_.clean_column(pd.Series(texts, dtype=STR).str.strip(), **kw)  # type: ignore[attr-defined]
    required = type_ is DATE or isinstance(type_, HsCode)
    first: dict[int, str] = {}
    for mask, reason in column.problems:
        for i in mask.nonzero()[0]:
            first.setdefault(int(i), reason(int(i)) if callable(reason) else reason)
    for i, text in enumerate(texts):
        try:
            expected = type_.clean(text, required=required, **kw)
        except RowProblem as problem:
            assert first.get(i) == problem.reason, (text, first.get(i), problem.reason)
            continue
        assert i not in first, (text, first[i])
        got = column.values.iloc[i]
        if expected is None:
            assert pd.isna(got), (text, got)
            continue
        assert got == expected or (isinstance(got, float) and math.isclose(got, expected)), (text, got, expected)


def test_every_property_in_the_schema_has_a_type() -> None:
    names = {p for t in (*NODES.values(), *RELATIONSHIPS.values()) for p in t.all_properties}
    untyped = sorted(n for n in names if n not in PROPERTY_TYPES)
    assert untyped == [], f"properties without a type in graph/schema.PROPERTY_TYPES: {untyped}"
    assert property_type("share") is SHARE and property_type("hs_codes").name == "list[hs_code]"


@pytest.mark.parametrize("type_", TYPES, ids=lambda t: t.name)
@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_values_are_refused_or_cleaned_never_a_crash(type_: ValueType, value: str) -> None:
    try:
        cleaned = type_.clean(value)
    except RowProblem as problem:
        assert problem.reason and len(problem.reason) < 20_100
        return
    assert "\x00" not in str(cleaned)
    if isinstance(cleaned, str) and type_ not in (TEXT,):
        assert cleaned.isascii() or type_ is BOOL, (value, cleaned)  # no Arabic-Indic digit got through
    if isinstance(cleaned, float):
        assert math.isfinite(cleaned)


@pytest.mark.parametrize("type_", [DATE, HS_CODE, HsCode("numeric", (2, 4, 6, 8, 10), numeric=True), AMOUNT,
                                   COUNTRY], ids=lambda t: t.name + ("+0" if getattr(t, "numeric", False) else ""))
def test_the_column_cleaner_applies_the_same_rule(type_: ValueType) -> None:
    texts = [*HOSTILE, "", "2021-03-04", "04.03.2021", "2021-03-04T10:00:00Z", "9403.60.10", "9403 60", "94036010",
             "1,000", "1.234,56", "1,5", "1.500", "1.234.567", "-3", "-1.5e3", "0", "abc", "BY", "Belarus", "Russia",
             "xx", "BLR", "940360000"]
    _column_agrees(type_, texts)


def test_dates() -> None:
    assert DATE.clean("04.03.2021") == "2021-03-04" and DATE.clean("2021-03-04T23:59:00+02:00") == "2021-03-04"
    for bad in ("٢٠٢١-٠٣-٠٤", "2021-02-30", "03/04/21", "2021\x00-03-04"):
        with pytest.raises(RowProblem):
            DATE.clean(bad)
    with pytest.raises(RowProblem, match="date is missing"):
        DATE.clean(" ", required=True)
    assert DATE.clean("") is None
    assert [PARTIAL_DATE.clean(t) for t in ("2019", "2019-05", "2019-05-01", "2019-05-01T10:00:00Z")] == [
        "2019", "2019-05", "2019-05-01", "2019-05-01"]
    for bad in ("2019-13", "2019-02-30", "2019-05T10:00", "19", "٢٠١٩", "May 2019"):
        with pytest.raises(RowProblem):
            PARTIAL_DATE.clean(bad)


def test_hs_codes_at_the_precision_of_their_source() -> None:
    comext = HsCode("Comext", (2, 4, 6, 8))
    assert comext.clean("9403.60.10") == "94036010" and HS_CODE.clean("940360000") == "940360000"
    with pytest.raises(RowProblem, match="lost leading zero"):
        comext.clean("4011000")  # 7 digits: a CN8 without its zero
    with pytest.raises(RowProblem, match="9 digits"):
        comext.clean("940360000")
    assert HsCode("numbers", (2, 4, 6, 8), numeric=True).clean("4011000") == "04011000"
    for odd in ("94036", "940", "9"):
        with pytest.raises(RowProblem, match="lost leading zero"):
            HS_CODE.clean(odd)
    for bad in ("٩٤٠٣", "９４０３", "9403a", "9" * 13):
        with pytest.raises(RowProblem, match="not an HS code"):
            HS_CODE.clean(bad)
    assert HS_CHAPTER.clean("94") == "94"
    with pytest.raises(RowProblem):
        HS_CHAPTER.clean("9403")
    assert list_of(HS_CODE).clean("9403.60; 4418;;9403.60") == ["940360", "4418"]


def test_amounts_and_shares() -> None:
    cases = {"1,000": 1000.0, "12,345,678": 12345678.0, "1,5": 1.5, "1.234,56": 1234.56, "1,234.56": 1234.56,
             "1.500": 1.5, "1.234.567": 1234567.0, "1 234,5": 1234.5, "0": 0.0}
    assert {t: AMOUNT.clean(t) for t in cases} == pytest.approx(cases)
    for bad, why in (("-3", "must be positive, got -3"), ("nan", "not a finite"), ("1e400", "not a finite"),
                     ("١٢٣", "not a number"), ("1_000", "not a number"), ("abc", "not a number")):
        with pytest.raises(RowProblem, match=why):
            AMOUNT.clean(bad, what="value")
    assert AMOUNT.clean(12) == 12.0 and AMOUNT.clean(None) is None
    assert SHARE.clean("33,3") == pytest.approx(33.3) and SHARE.clean(100) == 100.0
    for bad in (101, -1, float("nan"), "abc", "1e400"):
        with pytest.raises(RowProblem, match="percentage from 0 to 100"):
            SHARE.clean(bad)


def test_countries_one_rule() -> None:
    given = ("BY", "blr", "Belarus", "Russia", "Korea, North")
    assert [COUNTRY.clean(t) for t in given] == ["BY", "BY", "BY", "RU", "KP"]
    for bad in ("xx", "Atlantis", "ＢＹ"):
        with pytest.raises(RowProblem, match="ISO 3166"):
            COUNTRY.clean(bad, what="exporter country")


def test_row_problem_names_field_value_and_reason() -> None:
    with pytest.raises(RowProblem) as caught:
        HS_CODE.clean("94036", field="cmdCode")
    problem = caught.value
    assert (problem.field, problem.value) == ("cmdCode", "94036") and "lost leading zero" in str(problem)
    assert problem.at("PRODUCT_NC").field == "PRODUCT_NC"
    assert RowProblem(field="f", value=1, reason="r").reason == "r"
    assert INT.clean("12") == 12 and BOOL.clean("Yes") is True and BOOL.clean("no") is False
    with pytest.raises(RowProblem):
        INT.clean("1" * 30)
    with pytest.raises(RowProblem):
        URL.clean("javascript:alert(1)")
