"""Value types, FollowTheMoney-style in Conveyor's size: each property of the schema (graph/schema.py,
PROPERTY_TYPES) has one of these types, and each type has ONE cleaner that every loader, query and
command uses, so a rule (which HS code lengths exist, which separator is the decimal one, which texts
are countries) is written once.

    clean(value, field=..., what=...) -> the cleaned value, None for an empty value (a missing value is
        not a type problem; `required=True` makes it one), or raises RowProblem(field, value, reason).
        `what` is how the reason names the value ("exporter country"); it defaults to the type's label.
    clean_column(series) -> Column (cleaned values + the problems, in the order the scalar cleaner checks
        them), for loaders that clean a million rows column-wise (shipments). It applies the same rule
        with the same regexes and constants; tests/test_value_types.py checks that both agree.

Digits are ASCII digits only everywhere: Python's str.isdigit, regex \\d, int(), float() and strptime
all take Arabic-Indic or full-width digits, so '٢٠٢٠' would become a year and '٩٤٠٣' a code no other
source ever meets.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pycountry

from .errors import RowProblem

Reason = Callable[[int], str] | str  # a reason, or one per row position (for a column)
NUL = "\x00"  # a NUL byte fails a whole write batch in FalkorDB: the row is refused, never written


@dataclass
class Column:
    """A column cleaned: the values (None/NaN where refused or empty) and the problems found, each a
    boolean row mask and its reason, in the order the scalar cleaner checks them (the first one a row
    fails is the one to report)."""
    values: pd.Series
    problems: list[tuple[np.ndarray, Reason]] = field(default_factory=list)

    def add(self, mask: Any, reason: Reason) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self.problems.append((mask, reason))

    @classmethod
    def of(cls, text: pd.Series, label: str) -> Column:
        """A column to clean, its NUL bytes already refused (the scalar cleaners' first check)."""
        out = cls(text)
        out.add(text.str.contains(NUL, regex=False).fillna(False).to_numpy(dtype=bool),
                f"{label} contains a NUL byte (\\x00)")
        return out


def _text(value: Any) -> str:
    """Any given value as stripped text; None and NaN are empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


class ValueType:
    """A property's type: its name (as the schema says it) and its one cleaner."""
    name = "text"
    label = "value"

    def clean(self, value: Any, *, field: str = "", what: str = "", required: bool = False) -> Any:
        text = _text(value)
        label = what or field or self.label
        if not text:
            if required:
                raise RowProblem(field, value, f"{label} is missing")
            return None
        if NUL in text:
            raise RowProblem(field, value, f"{label} contains a NUL byte (\\x00)")
        return self._clean(text, field, label)

    def _clean(self, text: str, field: str, label: str) -> Any:
        return text

    def __repr__(self) -> str:
        return f"<{self.name}>"


class Text(ValueType):
    """Free text, a name or an identifier as the source writes it (stripped)."""

    def __init__(self, name: str = "text", label: str = "value") -> None:
        self.name, self.label = name, label


class Int(ValueType):
    """A whole number in 64 bits, written in ASCII digits."""
    name, label = "int", "number"
    _SHAPE = re.compile(r"[+-]?[0-9]{1,19}")  # int() of 4300+ digits raises ValueError

    def _clean(self, text: str, field: str, label: str) -> int:
        if not self._SHAPE.fullmatch(text) or not -(2**63) <= int(text) < 2**63:
            raise RowProblem(field, text, f"{label} {text!r} is not a whole number")
        return int(text)


class Bool(ValueType):
    """A flag: 'true', '1', 'yes' (any case) are true, anything else false, as every loader reads
    `synthetic`; never a problem."""
    name, label = "bool", "flag"
    TRUE = ("true", "1", "yes")

    def clean(self, value: Any, *, field: str = "", what: str = "", required: bool = False) -> bool:
        if isinstance(value, bool):
            return value
        return _text(value).lower() in self.TRUE

    def clean_column(self, text: pd.Series) -> Column:
        return Column(text.str.lower().isin(list(self.TRUE)).astype(bool))


class Url(ValueType):
    """An http(s) address with a host."""
    name, label = "url", "URL"

    def _clean(self, text: str, field: str, label: str) -> str:
        parts = urlsplit(text)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in text):
            raise RowProblem(field, text, f"{label} {text!r} is not an http(s) address")
        return text


# -- dates ------------------------------------------------------------------------------------------
# Unambiguous day-first and ISO forms; a source with month-first dates says so in its mapping.
DATE_FORMATS: tuple[str, ...] = ("%Y-%m-%d", "%d.%m.%Y", "%Y%m%d", "%d/%m/%Y", "%Y/%m/%d")
# A timestamp on a day counts as that day (the time of day is dropped).
DATE_WITH_TIME = r"^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$"
_DATE_WITH_TIME = re.compile(DATE_WITH_TIME, re.ASCII)


class Date(ValueType):
    """A full calendar date in one of `formats` (or a timestamp on that day) -> 'YYYY-MM-DD'."""
    name, label = "date", "date"

    def __init__(self, formats: tuple[str, ...] = DATE_FORMATS) -> None:
        self.formats = formats

    def with_formats(self, formats: tuple[str, ...] | None) -> Date:
        return Date(formats) if formats else self

    def _bad(self, text: str) -> str:
        return f"{text!r} is not a date in any of {list(self.formats)}"

    def _clean(self, text: str, field: str, label: str) -> str:
        with_time = _DATE_WITH_TIME.match(text)
        day = with_time.group(1) if with_time else text
        if day.isascii():
            for fmt in self.formats:
                try:
                    return dt.datetime.strptime(day, fmt).date().isoformat()
                except ValueError:
                    continue
        raise RowProblem(field, text, self._bad(day))

    def clean_column(self, text: pd.Series) -> Column:
        """Empty -> a 'date is missing' problem (a shipment's date is required); else as `clean`."""
        with_time = text.str.extract(DATE_WITH_TIME, expand=False)
        text = with_time.fillna(text).astype(text.dtype)
        parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
        ascii_only = pc.string_is_ascii(pa.array(text)).to_numpy(zero_copy_only=False)
        for fmt in self.formats:
            todo = parsed.isna() & (text != "") & ascii_only
            if not todo.any():
                break
            parsed[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        out = Column.of(text, self.label)
        out.add((text == "").to_numpy(), f"{self.label} is missing")
        bad = parsed.isna().to_numpy()
        values = text.to_numpy()
        out.add(bad, lambda i: self._bad(values[i]))
        iso = parsed.to_numpy().astype("datetime64[D]").astype(str)
        out.values = pd.Series(iso, index=text.index).mask(bad)
        return out


_PARTIAL_DATE = re.compile(
    r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?"  # year, month, day
    r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?$"  # a time of day
)


class PartialDate(ValueType):
    """A date as precise as the source knows it: 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' (a timestamp on a
    day counts as that day); a real calendar date."""
    name, label = "partial_date", "date"

    def _clean(self, text: str, field: str, label: str) -> str:
        found = _PARTIAL_DATE.match(text)
        if not found:
            raise RowProblem(field, text, f"{text!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
        year, month, day = found.groups()
        if ("T" in text or " " in text) and day is None:
            raise RowProblem(field, text, f"{text!r} has a time but no full date")
        try:
            dt.date(int(year), int(month or 1), int(day or 1))
        except ValueError:
            raise RowProblem(field, text, f"{text!r} is not a real calendar date") from None
        return "-".join(p for p in (year, month, day) if p)


class Timestamp(ValueType):
    """An ISO 8601 date and time (what the store writes for first_seen, last_seen, loaded_at)."""
    name, label = "timestamp", "timestamp"

    def _clean(self, text: str, field: str, label: str) -> str:
        try:
            if not text.isascii():
                raise ValueError(text)
            return dt.datetime.fromisoformat(text).isoformat()
        except ValueError:
            raise RowProblem(field, text, f"{label} {text!r} is not an ISO 8601 date and time") from None


# -- countries -------------------------------------------------------------------------------------
# Country names sources write that pycountry does not know by that name (OFAC, OFSI: "Russia").
COUNTRY_NAMES = {
    "russia": "RU", "burma": "MM", "turkey": "TR", "korea, north": "KP", "korea, south": "KR", "kosovo": "XK",
    "macau": "MO", "congo, democratic republic of the": "CD", "congo, republic of the": "CG",
    "cote d ivoire": "CI", "ivory coast": "CI", "the gambia": "GM", "west bank": "PS", "gaza": "PS",
}


@functools.lru_cache(maxsize=4096)
def country_code(value: str | None) -> str | None:
    """ISO 3166-1 alpha-2 from a code (BY, BLR), a name (Belarus) or a name the lists write (Russia);
    None if it is not a country. No fuzzy guess: 'xx' must not become Malta."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        return COUNTRY_NAMES.get(" ".join(text.replace("'", " ").split()).casefold())


class Country(ValueType):
    """An ISO 3166-1 alpha-2 code, from a code or a name."""
    name, label = "country", "country"

    def _clean(self, text: str, field: str, label: str) -> str:
        code = country_code(text)
        if code is None:
            raise RowProblem(field, text, f"{label} {text!r} is not an ISO 3166 country")
        return code

    def clean_column(self, text: pd.Series, what: str = "") -> Column:
        """One lookup per distinct text, not per row."""
        distinct = {v: country_code(v) for v in text.unique() if v}
        codes = text.map(distinct).astype(object)
        values = text.to_numpy()
        label = what or self.label
        out = Column.of(text, label)
        out.values = codes
        out.add(((text != "") & codes.isna()).to_numpy(), lambda i: f"{label} {values[i]!r} is not an ISO 3166 country")
        return out


# -- HS and national commodity codes ----------------------------------------------------------------
HS_SEPARATORS = r"[\s.\-]"  # '9403.60.10', '9403 60 10', '9403-60-10'
_HS_SEPARATORS = re.compile(HS_SEPARATORS)
HS_DIGITS = r"[0-9]{1,12}"  # ASCII digits; longer than any nomenclature is not a code at all


@dataclass(frozen=True)
class HsCode(ValueType):
    """A commodity code at the precision its source publishes: HS 2, 4, 6 digits; national lines of 8
    (EU CN), 9 (Japan) or 10 (TARIC, HMRC, US HTS). `lengths`: which lengths the source publishes;
    `numeric`: the source publishes codes as numbers, so a code one digit short of a published length
    lost its leading zero (chapters 01-09) and gets it back. Without `numeric`, such a code is refused
    as a lost leading zero; a code of a length never published is refused naming the lengths."""
    source: str = "HS"
    lengths: tuple[int, ...] = (2, 4, 6, 8, 9, 10)
    numeric: bool = False
    mapping_hints: bool = False  # a loaded file's codes: say which mapping option declares its codes
    name = "hs_code"
    label = "HS code"

    def describe(self) -> str:
        *head, last = [str(n) for n in self.lengths]
        return (f"{', '.join(head)} or {last}" if head else last) + " digits"

    def _clean(self, text: str, field: str, label: str) -> str:
        code = _HS_SEPARATORS.sub("", text)
        if not code:
            raise RowProblem(field, text, f"{label} is missing")
        if not re.fullmatch(HS_DIGITS, code):
            raise RowProblem(field, text, f"{text!r} is not an HS code of {self.describe()}")
        problem = self.problem(len(code))
        if problem == "restore":
            return "0" + code
        if problem:
            raise RowProblem(field, text, f"{text!r} {problem}")
        return code

    def problem(self, digits: int) -> str | None:
        """None for a published length; 'restore' for a number that lost its leading zero; else why not."""
        if digits in self.lengths:
            return None
        if digits + 1 in self.lengths:
            if self.numeric:
                return "restore"
            hint = (" If the source publishes codes as numbers, say `codes_lose_leading_zero: true` in a mapping"
                    if self.mapping_hints else "")
            return (f"has {'an odd number of' if digits % 2 else 'one digit short of published'} digits "
                    f"({digits}; {self.source} codes have {self.describe()}): a lost leading zero?{hint}")
        hint = " (a mapping can declare its source's lengths with `code_digits:`)" if self.mapping_hints else ""
        return f"has {digits} digits; {self.source} codes have {self.describe()}{hint}"

    def clean_column(self, text: pd.Series) -> Column:
        """Empty -> 'HS code is missing' (a shipment's code is required); one length check per distinct
        code length, not per row."""
        code = text.str.replace(HS_SEPARATORS, "", regex=True)
        values = text.to_numpy()
        out = Column.of(text, self.label)
        out.add((code == "").to_numpy(), f"{self.label} is missing")
        out.add((~code.str.fullmatch(HS_DIGITS).fillna(False)).to_numpy(),
                lambda i: f"{values[i]!r} is not an HS code of {self.describe()}")
        lengths = code.str.len().fillna(0).astype("int64")
        for digits in sorted(set(lengths.unique().tolist()) - {0}):
            problem = self.problem(int(digits))
            at = (lengths == digits).to_numpy()
            if problem == "restore":
                code = code.mask(at, "0" + code)
            elif problem:
                out.add(at, _reason_with(values, problem))
        out.values = code
        return out


def _reason_with(values: np.ndarray, why: str) -> Callable[[int], str]:
    """Row i's reason: its value, then why (a function per length, so each keeps its own `why`)."""
    return lambda i: f"{values[i]!r} {why}"


# -- numbers ---------------------------------------------------------------------------------------
# Which separator is the decimal one, the same rule for every loader (shipments apply it column-wise):
# - both "," and ".": the last one is decimal ("1.234,56" and "1,234.56" are both 1234.56);
# - only ",": thousands when it groups digits by three ("1,000", "12,345,678"), else decimal ("1,5");
# - only ".": thousands when it groups by three more than once ("1.234.567"), else decimal ("1.500").
# "1,000" as one-point-zero-zero-zero would need a mapping that says so; a silent 1000x error on the far
# more common thousands separator was the worse failure.
THOUSANDS_BY_COMMA = r"[0-9]{1,3}(,[0-9]{3})+"
THOUSANDS_BY_POINT = r"[0-9]{1,3}(\.[0-9]{3}){2,}"
# What is left once the separators are settled: ASCII digits, or the words float() reads as NaN / inf
# (refused as not finite, with that reason).
NUMBER = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?i:nan|inf|infinity)"
_PLAIN_NUMBER = r"^[0-9]+(\.[0-9]+)?$"  # the usual column: no sign, no separator, no exponent


def plain_number_text(text: str) -> str:
    """'1.234,56' -> '1234.56', '1,000' -> '1000', '1,5' -> '1.5' (see the rule above)."""
    text = text.replace(" ", "").replace("\u00a0", "")
    comma, point = text.rfind(","), text.rfind(".")
    if comma >= 0 and point >= 0:
        decimal, thousands = (",", ".") if comma > point else (".", ",")
        return text.replace(thousands, "").replace(decimal, ".")
    if comma >= 0:
        return text.replace(",", "") if re.fullmatch(THOUSANDS_BY_COMMA, text) else text.replace(",", ".")
    if point >= 0 and re.fullmatch(THOUSANDS_BY_POINT, text):
        return text.replace(".", "")
    return text


class Number(ValueType):
    """A finite number, in either separator convention (the rule above)."""
    name, label = "number", "number"

    def _number(self, text: str, field: str, label: str) -> float:
        plain = plain_number_text(text)
        if not re.fullmatch(NUMBER, plain):
            raise RowProblem(field, text, f"{label} {plain!r} is not a number")
        value = float(plain)
        if not math.isfinite(value):
            raise RowProblem(field, text, f"{label} {plain!r} is not a finite number")
        return value

    def clean(self, value: Any, *, field: str = "", what: str = "", required: bool = False) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = repr(float(value))  # a JSON number: the same checks as its text
        return super().clean(value, field=field, what=what, required=required)

    def _clean(self, text: str, field: str, label: str) -> float:
        return self._number(text, field, label)


class Amount(Number):
    """Money, a quantity or a weight: a finite number, 0 or more (0 is a published value: a flow
    reported as nil, or rounded below the unit)."""
    name, label = "amount", "amount"

    def _clean(self, text: str, field: str, label: str) -> float:
        value = self._number(text, field, label)
        if value < 0:
            raise RowProblem(field, text, f"{label} must be positive, got {value:g}")
        return value

    def clean_column(self, text: pd.Series, what: str = "") -> Column:
        label = what or self.label
        arrow = pa.array(text)
        plain = pc.match_substring_regex(arrow, _PLAIN_NUMBER)
        if pc.all(pc.or_(plain, pc.equal(arrow, ""))).as_py():
            # Fast path for the usual column of plain numbers: Arrow parses them without Python objects.
            number = pc.cast(pc.if_else(plain, arrow, None), pa.float64()).to_numpy(zero_copy_only=False)
            return Column(pd.Series(number, index=text.index))
        # plain_number_text's rule, column-wise.
        t = text.str.replace(r"[ \u00a0]", "", regex=True)
        comma, point = t.str.rfind(","), t.str.rfind(".")
        both = (comma >= 0) & (point >= 0)
        comma_decimal = (both & (comma > point)) | (
            (comma >= 0) & (point < 0) & ~t.str.fullmatch(THOUSANDS_BY_COMMA).fillna(False))
        point_thousands = (point >= 0) & (comma < 0) & t.str.fullmatch(THOUSANDS_BY_POINT).fillna(False)
        t = (t.str.replace(",", "", regex=False)
             .where(~comma_decimal, t.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
             .where(~point_thousands, t.str.replace(".", "", regex=False)))
        shaped = t.str.fullmatch(NUMBER).fillna(False).to_numpy(dtype=bool)
        number = pd.to_numeric(t.astype(object).where(shaped), errors="coerce").astype("float64").to_numpy()
        values = t.to_numpy()
        given = (t != "").to_numpy()
        out = Column.of(text, label)
        out.values = pd.Series(number, index=text.index)
        out.add(given & ~shaped, lambda i: f"{label} {values[i]!r} is not a number")
        out.add(given & ~np.isfinite(number), lambda i: f"{label} {values[i]!r} is not a finite number")
        with np.errstate(invalid="ignore"):
            out.add(given & (number < 0), lambda i: f"{label} must be positive, got {number[i]:g}")
        return out


class Share(Number):
    """An ownership share in percent, 0 to 100 ('30' and 30 are 30 %, as BODS, FtM's 'Percentage held'
    and the registries publish it; '33,3' is 33.3 %)."""
    name, label = "share", "share"

    def _clean(self, text: str, field: str, label: str) -> float:
        plain = text.replace(",", ".")  # a share has no thousands: '33,3' is 33.3
        value = float(plain) if re.fullmatch(NUMBER, plain) else math.nan
        if not 0 <= value <= 100:  # NaN fails both comparisons
            raise RowProblem(field, text, f"{label} {text} is not a percentage from 0 to 100")
        return value


# -- lists -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ListOf(ValueType):
    """Several values of one type: a list, or a text split on `separator` ('9403.60; 4418'); each
    cleaned by the item type, empty ones dropped, each kept once in order."""
    item: ValueType = field(default_factory=Text)
    separator: str = ";"
    label = "values"

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"list[{self.item.name}]"

    def clean(self, value: Any, *, field: str = "", what: str = "", required: bool = False) -> Any:
        items: Iterable[Any] = value if isinstance(value, list | tuple) else _text(value).split(self.separator)
        cleaned = [self.item.clean(v, field=field, what=what) for v in items]
        out = list(dict.fromkeys(v for v in cleaned if v is not None))
        if not out and required:
            raise RowProblem(field, value, f"{what or field or self.label} is missing")
        return out or None


TEXT = Text()
NAME = Text("name", "name")
IDENTIFIER = Text("identifier", "identifier")
INT = Int()
BOOL = Bool()
URL = Url()
DATE = Date()
PARTIAL_DATE = PartialDate()
TIMESTAMP = Timestamp()
COUNTRY = Country()
HS_CODE = HsCode()  # any published length: HS 2/4/6, CN8, 9- and 10-digit national lines
HS_CHAPTER = HsCode("HS chapter", (2,))
NUMBER_TYPE = Number()
AMOUNT = Amount()
SHARE = Share()


def list_of(item: ValueType, separator: str = ";") -> ListOf:
    return ListOf(item, separator)
