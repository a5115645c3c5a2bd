"""Shipment-level trade records (customs declarations, bills of lading), read and cleaned column-wise.

A file is read by pyarrow in blocks and cleaned with vectorised pandas operations (no Python dict per
row): each accepted row becomes one evidence row (graph/evidence.py) naming its seller and buyer by
Company key, and the file's distinct companies become Company nodes. A row that fails a field becomes a
Reject naming the row, the field and the reason; nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..graph.evidence import COLUMNS, SCHEMA
from ..graph.keys import MAX_INDEXED_BYTES, bounded
from ..graph.types import AMOUNT, BOOL, COUNTRY, DATE, NUL, Column
from .base import Reject, SourceError
from .csvfile import check_readable, read_header
from .hs import CODE_OPTIONS, SHIPMENT_CODES, code_rule
from .mapping import Mapping, identity_mapping, load_mapping
from .names import company_key, normalise_name

FIELDS = (
    "shipment_id", "date", "exporter_name", "exporter_country", "exporter_id", "exporter_address",
    "importer_name", "importer_country", "importer_id", "importer_address", "notify_name", "notify_country",
    "hs_code", "description", "quantity", "unit", "weight_kg", "value", "currency", "origin_country",
    "port_lading", "port_unlading", "place_of_receipt", "synthetic",
)
REQUIRED = ("date", "exporter_name", "importer_name", "hs_code")
PARTIES = ("exporter", "importer", "notify")
CHUNK_ROWS = 250_000  # a block's companies are written while the next block is parsed

# The order fields are checked in: a row is rejected for the first field that fails.
_AMOUNTS = (("value", "value"), ("quantity", "quantity"), ("weight_kg", "weight"))
_COUNTRIES = (("exporter_country", "exporter country"), ("importer_country", "importer country"),
              ("notify_country", "notify country"), ("origin_country", "origin"))
_TEXT = ("description", "unit", "port_lading", "port_unlading", "place_of_receipt")
_ARROW_STR = pd.StringDtype("pyarrow")
_ID_KEYS = ("conveyor-ship-a1", "conveyor-ship-b2")  # 16-byte SipHash keys: fixed, so ids are stable


def resolve_mapping(path: Path, mapping_path: str | Path | None) -> Mapping:
    header = read_header(path)
    if mapping_path:
        mapping = load_mapping(mapping_path, FIELDS, REQUIRED, CODE_OPTIONS, fmt="shipments")
        mapping.check_against(path, header, f"mapping {mapping_path}")
        code_rule(SHIPMENT_CODES, mapping.options, mapping_path)  # a bad code option fails before any row
        return mapping
    mapping = identity_mapping(FIELDS, header)
    missing = [f for f in REQUIRED if f not in mapping.columns]
    if missing:
        raise SourceError(path, f"missing required column(s) {missing} (or give --mapping MAP.yml); "
                                f"the file has {list(header)}", row=1, field=missing[0])
    return mapping


@dataclass
class ShipmentBatch:
    """One block of a file, cleaned: evidence rows, the companies they name, and the rejects."""
    read: int
    evidence: pa.Table
    companies: pd.DataFrame  # key, name, country, address, synthetic, record_id (first row naming it)
    rejects: list[Reject] = field(default_factory=list)


def read_shipment_batches(path: str | Path, *, source: str, mapping: str | Path | None = None,
                          chunk_rows: int = CHUNK_ROWS) -> Iterator[ShipmentBatch]:
    p = check_readable(path)
    header = read_header(p)
    resolved = resolve_mapping(p, mapping)
    first_row = 2  # the header is row 1, as a spreadsheet shows it
    earlier = SeenIds()
    for frame in _read_frames(p, header, chunk_rows):
        yield clean_frame(frame, resolved, p.name, source, first_row, earlier)
        first_row += len(frame)


def _read_frames(path: Path, header: list[str], chunk_rows: int) -> Iterator[pd.DataFrame]:
    if not _has_rows(path):
        return  # header only (pyarrow cannot skip a header that has no line end)
    names = [f"c{i}" for i in range(len(header))]  # positional: headers may repeat or carry spaces
    options = (
        pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=16 << 20),
        pacsv.ParseOptions(newlines_in_values=True),
        pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
                             quoted_strings_can_be_null=False),
    )
    pending: list[pa.RecordBatch] = []
    rows = 0
    done = 0
    with open(path, "rb") as fh:
        try:
            reader = pacsv.open_csv(fh, read_options=options[0], parse_options=options[1],
                                    convert_options=options[2])
            for batch in reader:
                pending.append(batch)
                rows += batch.num_rows
                if rows >= chunk_rows:
                    yield _frame(pending, header)
                    done += rows
                    pending, rows = [], 0
        except pa.ArrowInvalid as exc:
            # one line: Arrow's message quotes the broken record, which may hold a line break
            shown = " ".join(str(exc).split())
            raise SourceError(path, f"is not well-formed UTF-8 CSV near row {done + rows + 2}: {shown}",
                              row=done + rows + 2) from exc
    if pending:
        yield _frame(pending, header)


def _has_rows(path: Path) -> bool:
    with open(path, "rb") as fh:
        fh.readline()
        while block := fh.read(1 << 16):
            if block.strip():
                return True
    return False


def _frame(batches: list[pa.RecordBatch], header: list[str]) -> pd.DataFrame:
    frame = pa.Table.from_batches(batches).to_pandas(types_mapper={pa.string(): _ARROW_STR}.get)
    frame.columns = header
    return frame.loc[:, ~frame.columns.duplicated()]  # a repeated header: the first column counts


def canonical_frame(frame: pd.DataFrame, mapping: Mapping) -> pd.DataFrame:
    """Source columns -> canonical fields, stripped, defaults where empty (Mapping.apply, column-wise)."""
    out = pd.DataFrame(index=frame.index)
    for name in FIELDS:
        column = mapping.columns.get(name)
        values = frame[column].str.strip() if column else pd.Series("", index=frame.index, dtype=_ARROW_STR)
        if name in mapping.defaults:
            values = values.mask(values == "", mapping.defaults[name])
        out[name] = values
    return out


class _Rejects:
    """Row-level failures, the first one per row wins (the order of the checks is the order of fields)."""

    def __init__(self, n: int) -> None:
        self.bad = np.zeros(n, dtype=bool)
        self.found: list[tuple[np.ndarray, str, Any]] = []

    def add(self, mask: Any, field_name: str, reason: Callable[[int], str] | str) -> None:
        mask = np.asarray(mask, dtype=bool) & ~self.bad
        if mask.any():
            self.found.append((np.flatnonzero(mask), field_name, reason))
            self.bad |= mask

    def take(self, column: Column, field_name: str) -> pd.Series:
        """A type's column cleaner's problems as rejects of this field; its cleaned values."""
        for mask, reason in column.problems:
            self.add(mask, field_name, reason)
        return column.values


def clean_frame(frame: pd.DataFrame, mapping: Mapping, file_name: str, source: str,
                first_row: int, earlier: SeenIds | None = None) -> ShipmentBatch:
    n = len(frame)
    rec = canonical_frame(frame, mapping)
    rows = np.arange(first_row, first_row + n, dtype=np.int64)
    rejects = _Rejects(n)
    out: dict[str, Any] = {}
    for name in rec.columns:  # a NUL byte fails a whole write batch in FalkorDB: this row only, here
        if rec[name].dtype == object or pd.api.types.is_string_dtype(rec[name]):
            nul = rec[name].str.contains(NUL, regex=False).fillna(False).to_numpy(dtype=bool)
            if nul.any():
                rejects.add(nul, name, f"{name} contains a NUL byte (\\x00)")
    for name in ("exporter_name", "importer_name"):
        rejects.add(rec[name] == "", name, f"{name} is missing")
    out["date"] = rejects.take(DATE.with_formats(mapping.date_formats).clean_column(rec["date"]), "date")
    hs = rejects.take(code_rule(SHIPMENT_CODES, mapping.options, "mapping").clean_column(rec["hs_code"]), "hs_code")
    out["hs_code"], out["hs6"] = hs, hs.str.slice(0, 6)
    for name, what in _AMOUNTS:
        out[name] = rejects.take(AMOUNT.clean_column(rec[name], what), name)
    for name, what in _COUNTRIES:
        out[name] = rejects.take(COUNTRY.clean_column(rec[name], what), name)
    for name in _TEXT:
        out[name] = rec[name].mask(rec[name] == "")
    out["currency"] = rec["currency"].str.upper().mask(rec["currency"] == "")
    out["synthetic"] = BOOL.clean_column(rec["synthetic"]).values.to_numpy(dtype=bool)
    for role in PARTIES:
        out[f"{role}_name"] = rec[f"{role}_name"].mask(rec[f"{role}_name"] == "")
    keys = {role: _company_keys(rec, out, role) for role in PARTIES}
    out["seller"], out["buyer"], out["notify"] = keys["exporter"], keys["importer"], keys["notify"]
    out["id"] = _shipment_ids(rec, out)
    _reject_duplicates(out["id"].to_numpy(dtype=object), rows, rejects, earlier)
    out["source"] = source
    out["source_file"] = file_name
    out["source_row"] = rows
    table_frame = pd.DataFrame(out, index=frame.index)[list(COLUMNS)][~rejects.bad]
    evidence = pa.Table.from_pandas(table_frame, schema=SCHEMA, preserve_index=False)
    return ShipmentBatch(n, evidence, _companies(rec, out, rows, file_name, rejects.bad),
                         _reject_list(rejects, frame, rec, mapping, rows))


class SeenIds:
    """Declaration ids accepted in earlier blocks of a file, so a repeat in a later block is rejected
    before its block is written. Membership by 64-bit hash in a sorted array (8 bytes an id; merging a
    block's sorted hashes is near-linear), and every hit confirmed against the exact ids, so a hash
    collision never rejects a row."""

    def __init__(self) -> None:
        self.hashes = np.empty(0, dtype=np.uint64)
        self.blocks: list[tuple[pa.Array, np.ndarray]] = []

    def first_rows(self, ids: np.ndarray) -> dict[str, int]:
        """For ids accepted earlier: the row that first had them."""
        if not len(self.hashes) or not len(ids):
            return {}
        hashed = pd.util.hash_array(ids)
        at = np.minimum(np.searchsorted(self.hashes, hashed), len(self.hashes) - 1)
        hit = self.hashes[at] == hashed
        found: dict[str, int] = {}
        if hit.any():
            wanted = pa.array(sorted(set(ids[hit].tolist())), pa.string())
            for block_ids, block_rows in self.blocks:
                for i in np.flatnonzero(pc.is_in(block_ids, value_set=wanted).to_numpy(zero_copy_only=False)):
                    found.setdefault(block_ids[int(i)].as_py(), int(block_rows[i]))
        return found

    def add(self, ids: np.ndarray, rows: np.ndarray) -> None:
        merged = np.concatenate([self.hashes, np.sort(pd.util.hash_array(ids))])
        self.hashes = np.sort(merged, kind="stable")  # two sorted runs: timsort merges them in linear time
        self.blocks.append((pa.array(ids, pa.string()), rows))


def _reject_duplicates(ids: np.ndarray, rows: np.ndarray, rejects: _Rejects, earlier: SeenIds | None) -> None:
    """A declaration id repeated among accepted rows: the first is kept, every repeat rejected naming it.
    Only accepted rows count as a first copy (a rejected row's id does not hide a later good row)."""
    accepted = np.flatnonzero(~rejects.bad)
    accepted_ids = pd.Series(ids[accepted])
    first: dict[str, int] = earlier.first_rows(ids[accepted]) if earlier is not None else {}
    seen_before = accepted_ids.isin(list(first)).to_numpy() if first else np.zeros(len(accepted), dtype=bool)
    repeat = seen_before | accepted_ids.duplicated(keep="first").to_numpy()
    if repeat.any():
        originals = ~repeat
        first.update(zip(accepted_ids[originals].tolist(), rows[accepted][originals].tolist(), strict=True))
        mask = np.zeros(len(ids), dtype=bool)
        mask[accepted[repeat]] = True
        rejects.add(mask, "shipment_id", lambda i: f"duplicate declaration: same as row {first[ids[i]]}")
    if earlier is not None:
        kept = np.flatnonzero(~rejects.bad)
        earlier.add(ids[kept], rows[kept])


def _company_keys(rec: pd.DataFrame, out: dict[str, Any], role: str) -> pd.Series:
    """The source's own id where given, else a key from the normalised name and country."""
    # Lengths from the Arrow column (an object column's .str.len() is a Python loop: 0.8 s a 1M-row file
    # over the three roles); a role without an id column (notify) has no ids to look at.
    ids = rec.get(f"{role}_id")
    lengths = (np.zeros(len(rec), dtype=np.int64) if ids is None
               else ids.str.len().fillna(0).to_numpy(dtype=np.int64))
    given = lengths > 0
    todo = ~given & (rec[f"{role}_name"] != "").to_numpy(dtype=bool)
    keys = (ids.astype(object).mask(~given) if ids is not None and given.any()
            else pd.Series(np.nan, index=rec.index, dtype=object))
    too_long = lengths > MAX_INDEXED_BYTES // 4
    if too_long.any():
        keys[too_long] = keys[too_long].map(bounded)
    if todo.any():  # name-derived keys cost a name normalisation each: only where no id was given
        combined = rec[f"{role}_name"][todo].astype(object) + "\x1f" + out[f"{role}_country"][todo].fillna("")
        derived = {text: company_key(*_name_and_country(text)) for text in combined.unique()}
        keys[todo] = combined.map(derived)
    return keys


def _name_and_country(text: str) -> tuple[str, str | None]:
    name, country = text.split("\x1f")
    return name, country or None


def _shipment_ids(rec: pd.DataFrame, out: dict[str, Any]) -> pd.Series:
    """Records without a declaration number are identified by what they say, so an exact repeat is
    recognised as a duplicate and a reload gives the same id."""
    given = rec["shipment_id"].astype(object)
    missing = (given == "").to_numpy()
    if missing.any():
        parts = [rec["exporter_name"].str.casefold(), rec["importer_name"].str.casefold()]
        parts += [pd.Series(out[k], index=rec.index).astype(object).fillna("None").astype(str)
                  for k in ("date", "exporter_country", "importer_country", "hs_code", "value", "quantity",
                            "weight_kg", "description")]
        text = parts[0].astype(object)
        for part in parts[1:]:
            text = text + "|" + part.astype(object)
        texts = text[missing].to_numpy(dtype=object)
        # Two keyed 64-bit SipHashes (pandas' vectorised hash), 80 bits kept: a sha256 per row cost
        # 12 s per million rows without declaration numbers.
        high = pd.util.hash_array(texts, hash_key=_ID_KEYS[0])
        low = pd.util.hash_array(texts, hash_key=_ID_KEYS[1]) >> np.uint64(48)
        hashed = [f"sh:{h:016x}{lo:04x}" for h, lo in zip(high.tolist(), low.tolist(), strict=True)]
        given = given.copy()
        given[missing] = hashed
    return given


def _companies(rec: pd.DataFrame, out: dict[str, Any], rows: np.ndarray, file_name: str,
               bad: np.ndarray) -> pd.DataFrame:
    frames = []
    for role in PARTIES:
        frame = pd.DataFrame({
            "key": out[{"exporter": "seller", "importer": "buyer", "notify": "notify"}[role]],
            "name": rec[f"{role}_name"].astype(object), "country": out[f"{role}_country"],
            "address": rec.get(f"{role}_address", pd.Series("", index=rec.index)).astype(object),
            "synthetic": out["synthetic"], "row": rows,
        })[~bad]
        frames.append(frame[frame["key"].notna()])
    companies = pd.concat(frames).drop_duplicates("key")
    companies["address"] = companies["address"].mask(companies["address"] == "")
    companies["record_id"] = file_name + ":" + companies["row"].astype(str)
    return companies.drop(columns="row").reset_index(drop=True)


def with_normalised_names(companies: pd.DataFrame) -> pd.DataFrame:
    """name_norm for each company (~40 us a name: done once per company per load, not per block)."""
    return companies.assign(name_norm=companies["name"].map(normalise_name))


def _reject_list(rejects: _Rejects, frame: pd.DataFrame, rec: pd.DataFrame, mapping: Mapping,
                 rows: np.ndarray) -> list[Reject]:
    found: list[Reject] = []
    if not rejects.found:
        return found
    # Columns as plain object arrays once: a file whose every row fails one field must not pay a
    # pandas row lookup (or Arrow scalar boxing) per row.
    names = list(frame.columns)
    columns = [frame[c].to_numpy(dtype=object, na_value="") for c in names]
    for positions, name, reason in rejects.found:
        column = mapping.columns.get(name, name)
        values = rec[name].to_numpy(dtype=object, na_value="")[positions] if name in rec else [""] * len(positions)
        for i, value in zip(positions.tolist(), values, strict=True):
            raw = {n: c[i] for n, c in zip(names, columns, strict=True) if c[i]}
            found.append(Reject(int(rows[i]), column, value, reason(i) if callable(reason) else reason, raw))
    return sorted(found, key=lambda r: r.row)
