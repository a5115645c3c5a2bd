"""Field parsers that either return a clean value or raise FieldProblem with the reason."""

from __future__ import annotations

import datetime as dt
import math
import re

from .names import normalise_country


class FieldProblem(ValueError):
    pass


# Unambiguous day-first and ISO forms; a source with month-first dates says so in its mapping.
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%Y%m%d", "%d/%m/%Y", "%Y/%m/%d")
_TIME_PART = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def parse_date(text: str, formats: tuple[str, ...] = DATE_FORMATS) -> str:
    text = text.strip()
    if not text:
        raise FieldProblem("date is missing")
    with_time = _TIME_PART.match(text)
    if with_time:
        text = with_time.group(1)
    for fmt in formats:
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise FieldProblem(f"{text!r} is not a date in any of {list(formats)}")


_HS_CLEAN = re.compile(r"[\s.\-]")


def parse_hs(text: str) -> str:
    """'9403.60.10', '9403 60', '940360' -> digits; 2 to 10 of them, as customs codes have."""
    code = _HS_CLEAN.sub("", text or "")
    if not code:
        raise FieldProblem("HS code is missing")
    if not code.isascii() or not code.isdigit() or not 2 <= len(code) <= 10:  # not Arabic-Indic digits
        raise FieldProblem(f"{text!r} is not an HS code of 2 to 10 digits")
    if len(code) % 2:  # a leading zero lost by a spreadsheet: '94036' is not a real code
        raise FieldProblem(f"{text!r} has an odd number of digits (a lost leading zero?)")
    return code


# Which separator is the decimal one, the same rule for every loader (shipments apply it column-wise):
# - both "," and ".": the last one is decimal ("1.234,56" and "1,234.56" are both 1234.56);
# - only ",": thousands when it groups digits by three ("1,000", "12,345,678"), else decimal ("1,5");
# - only ".": thousands when it groups by three more than once ("1.234.567"), else decimal ("1.500").
# "1,000" as one-point-zero-zero-zero would need a mapping that says so; a silent 1000x error on the far
# more common thousands separator was the worse failure.
THOUSANDS_BY_COMMA = r"[0-9]{1,3}(,[0-9]{3})+"
THOUSANDS_BY_POINT = r"[0-9]{1,3}(\.[0-9]{3}){2,}"


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


def parse_amount(text: str, what: str, allow_zero: bool = True) -> float | None:
    text = plain_number_text((text or "").strip())
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise FieldProblem(f"{what} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise FieldProblem(f"{what} {text!r} is not a finite number")
    if value < 0 or (value == 0 and not allow_zero):
        raise FieldProblem(f"{what} must be positive, got {value:g}")
    return value


def parse_country(text: str, what: str) -> str | None:
    if not (text or "").strip():
        return None
    code = normalise_country(text)
    if code is None:
        raise FieldProblem(f"{what} {text!r} is not an ISO 3166 country")
    return code


# JSON records (FtM entities, BODS statements) nest a few levels; a line nested thousands deep
# exhausts the recursion of json.loads (a RecursionError, not a JSONDecodeError) and of any code that
# walks the result. Such a record is refused before it is parsed.
MAX_JSON_NESTING = 64
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def json_nesting_problem(text: str, limit: int = MAX_JSON_NESTING) -> str | None:
    """Why a JSON text is nested too deeply to read (None if it is not): brackets inside strings do
    not count. Cheap for ordinary records: only a text with more than `limit` brackets is scanned."""
    if text.count("[") + text.count("{") <= limit:
        return None
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        mark = token.group()
        if mark in "[{":
            depth += 1
            if depth > limit:
                return f"nested more than {limit} levels deep"
        elif mark in "]}":
            depth -= 1
    return None
