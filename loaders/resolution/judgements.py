"""The judgements file: a person's accept / reject / unsure on a pair, kept as CSV so a merge can be
reviewed, versioned and undone (delete the line, rerun). Applied in full on every run; for a pair
judged several times the last line wins. Pairs are unordered."""

from __future__ import annotations

import csv
import datetime as dt
import getpass
from dataclasses import dataclass
from pathlib import Path

from ...graph.errors import SettingError
from ..base import SourceError

DEFAULT_PATH = "conveyor-judgements.csv"
COLUMNS = ("left_id", "right_id", "judgement", "note", "who", "when")
VERDICTS = ("accept", "reject", "unsure")


@dataclass(frozen=True)
class Judgement:
    left_id: str
    right_id: str
    judgement: str
    note: str = ""
    who: str = ""
    when: str = ""

    @property
    def pair(self) -> tuple[str, str]:
        return pair_key(self.left_id, self.right_id)


def pair_key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def read_judgements(path: str | Path) -> dict[tuple[str, str], Judgement]:
    """{(id, id): last judgement}; a missing file means no judgements yet."""
    path = Path(path)
    if not path.exists():
        return {}
    try:
        return _read(path)
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[:exc.start].count(b"\n") + 1
        raise SourceError(path, f"is not UTF-8 text (byte 0x{exc.object[exc.start]:02x}); save it as UTF-8",
                          row=line) from None


def _read(path: Path) -> dict[tuple[str, str], Judgement]:
    out: dict[tuple[str, str], Judgement] = {}
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = {"left_id", "right_id", "judgement"} - set(reader.fieldnames or ())
        if missing:
            raise SourceError(path, f"judgements file lacks columns {sorted(missing)}; expected {list(COLUMNS)}")
        for line, row in enumerate(reader, start=2):
            verdict = (row.get("judgement") or "").strip().lower()
            left, right = (row.get("left_id") or "").strip(), (row.get("right_id") or "").strip()
            if verdict not in VERDICTS or not left or not right or left == right:
                raise SourceError(path, f"judgement must be one of {list(VERDICTS)} between two different ids",
                                  row=line, field="judgement")
            j = Judgement(left, right, verdict, row.get("note") or "", row.get("who") or "", row.get("when") or "")
            out[j.pair] = j
    return out


def append_judgement(path: str | Path, left: str, right: str, verdict: str, note: str = "",
                     who: str | None = None) -> Judgement:
    if verdict not in VERDICTS:
        raise SettingError(f"judgement must be one of {list(VERDICTS)}")
    path = Path(path)
    j = Judgement(left, right, verdict, note, who or _user(), dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    new = not path.exists() or path.stat().st_size == 0
    with path.open("a", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        if new:
            writer.writerow(COLUMNS)
        writer.writerow([j.left_id, j.right_id, j.judgement, j.note, j.who, j.when])
    return j


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
