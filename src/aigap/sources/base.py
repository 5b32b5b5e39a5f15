"""What every source adapter shares: metadata records, the tidy frame's shape, and strict readers.

An adapter turns one publisher folder into a tidy long frame (``TIDY_COLUMNS``). The readers here
never guess: a missing column, a non-numeric cell, a duplicate key, an undecodable byte or a
truncated file raises :class:`SourceFormatError` naming the file, the row and the column.
Row numbers are 1-based physical line numbers of the file (the header is line 1 for a plain CSV).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from ..countries import CountryResolver

TIDY_COLUMNS = ["iso3", "indicator_id", "period", "value", "source_id", "note"]
# Figures a publisher gives only for a region it defines itself ("Europe", "World").
AGGREGATE_COLUMNS = ["entity", "indicator_id", "period", "value", "source_id", "note"]

PILLARS = ("investment", "compute", "models", "talent & research", "readiness", "context")

# "total": additive across countries (per capita, per GDP and share of world make sense);
# "rate": already a ratio or percentage; "score": an index score.
KINDS = ("total", "rate", "score")

_PERIOD_RE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]|H[12]|Q[1-4]))?$")


class SourceFormatError(ValueError):
    """A publisher file that does not look the way its adapter expects."""

    def __init__(
        self,
        file: Path | str,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = str(file)
        self.row = row
        self.column = column
        self.detail = message
        where = [f"file {self.file}"]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {message}")


@dataclass
class Context:
    """What an adapter gets: the raw root folder, the country resolver and the World Bank aggregate codes."""

    raw: Path
    resolver: "CountryResolver"
    wb_aggregates: Mapping[str, str]

    def folder(self, source: "Source") -> Path:
        return self.raw / source.folder


@dataclass(frozen=True)
class Source:
    """A publisher dataset: where it comes from, under which terms, and how to fetch it again."""

    id: str
    folder: str
    publisher: str
    title: str
    url: str
    licence: str
    vintage: str
    citation: str
    caveats: tuple[str, ...] = ()
    # file name in the raw folder -> direct download URL (World Bank API, Epoch, OWID, GitHub raw).
    downloads: Mapping[str, str] = field(default_factory=dict)
    # When the publisher has no direct download: how a user gets the file by hand.
    manual: str | None = None


@dataclass(frozen=True)
class Indicator:
    """A catalogue entry: one measured quantity from one source."""

    id: str
    name: str
    pillar: str
    unit: str
    description: str
    source_id: str
    series_code: str
    higher_is_better: bool = True
    kind: str = "total"
    caveats: tuple[str, ...] = ()
    # Set by catalogue.indicators() from the indicator's plausibility rule (catalogue.RULES), not by adapters.
    value_range: tuple[float | None, float | None] = (None, None)
    # False where the publisher's coverage makes a country ranking misleading (e.g. a handful of campuses).
    rankable: bool = True

    def __post_init__(self) -> None:
        if self.pillar not in PILLARS:
            raise ValueError(f"indicator {self.id}: unknown pillar {self.pillar!r}")
        if self.kind not in KINDS:
            raise ValueError(f"indicator {self.id}: unknown kind {self.kind!r}")


@dataclass(frozen=True)
class Where:
    """Where an adapter read a frame's values, so that a refusal names the file, the row and the column.

    Rows are the frame's index (physical line numbers, as ``read_csv`` gives them), or its ``rows`` column
    (a tuple of lines: the rows summed or counted into one value). ``value`` and ``period`` name the column each
    came from (``period=None``: fixed by the adapter); ``value_column`` and ``period_column`` columns in the frame
    override them per row (a wide file, whose periods are the headers of its value columns).
    """

    file: Path | str
    value: str | None
    period: str | None = None


def is_period(text: str) -> bool:
    """True for "2023", "2025-06", "2025-H1" and "2026-Q1"."""
    return bool(_PERIOD_RE.match(text))


def require_file(path: Path) -> Path:
    if not path.is_file():
        raise SourceFormatError(path, "file not found")
    if path.stat().st_size == 0:
        raise SourceFormatError(path, "file is empty")
    return path


def _decode(path: Path, encoding: str) -> str:
    data = require_file(path).read_bytes()
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceFormatError(
            path,
            f"cannot be decoded as {encoding} (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "is it the publisher's original encoding?",
            row=line,
        ) from None


def read_csv(
    path: Path,
    *,
    required: Sequence[str],
    encoding: str = "utf-8-sig",
    skip_lines: int = 0,
) -> pd.DataFrame:
    """Read a CSV strictly as text; the index is each record's physical line number in the file.

    Every record must have exactly as many fields as the header (a trailing empty field, as in
    World Bank files, is allowed). Quoted multi-line cells are handled: the line number is where the
    record starts.
    """
    text = _decode(path, encoding)
    lines = text.splitlines(keepends=True)
    if len(lines) <= skip_lines:
        raise SourceFormatError(path, f"file has {len(lines)} lines; expected a header after {skip_lines} preamble lines")
    body = "".join(lines[skip_lines:])
    reader = csv.reader(io.StringIO(body, newline=""), strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise SourceFormatError(path, f"no readable header: {exc}", row=skip_lines + 1) from None
    header = [h.strip() for h in header]
    while header and header[-1] == "":
        header.pop()  # World Bank files end every line with a comma
    missing = [c for c in required if c not in header]
    if missing:
        raise SourceFormatError(
            path,
            f"missing column(s) {missing}; found {header}",
            row=skip_lines + 1,
            column=missing[0],
        )
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise SourceFormatError(path, "duplicate column name in header", row=skip_lines + 1, column=dup)
    records: list[list[str]] = []
    line_numbers: list[int] = []
    width = len(header)
    prev = reader.line_num
    while True:
        try:
            rec = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise SourceFormatError(
                path, f"malformed CSV ({exc}); the file may be truncated", row=skip_lines + prev + 1
            ) from None
        line_no, prev = skip_lines + prev + 1, reader.line_num
        if not rec or all(not cell.strip() for cell in rec):
            continue
        if len(rec) > width and all(c == "" for c in rec[width:]):
            rec = rec[:width]
        if len(rec) != width:
            raise SourceFormatError(
                path, f"expected {width} fields, found {len(rec)} (truncated or malformed line)", row=line_no
            )
        records.append(rec)
        line_numbers.append(line_no)
    if not records:
        raise SourceFormatError(path, "file has a header but no data rows")
    frame = pd.DataFrame(records, columns=header, index=pd.Index(line_numbers, name="row"), dtype=object)
    return frame


def to_number(frame: pd.DataFrame, column: str, path: Path, *, allow_missing: bool = True,
              strip: str = "") -> pd.Series:
    """Parse a text column into floats; blank cells become NaN, anything else unparsable is an error.

    ``strip`` removes decorations the publisher puts around numbers (e.g. "%" in Microsoft's file).
    """
    text = frame[column].astype("string").fillna("").str.strip()
    if strip:
        text = text.str.strip(strip).str.strip()
    blank = text == ""
    if not allow_missing and blank.any():
        row = int(text.index[blank.to_numpy().nonzero()[0][0]])
        raise SourceFormatError(path, "empty value where a number is required", row=row, column=column)
    numbers = pd.to_numeric(text.where(~blank, None), errors="coerce").astype("float64")
    bad = numbers.isna() & ~blank
    if bad.any():
        row = text.index[bad.to_numpy().nonzero()[0][0]]
        raise SourceFormatError(path, f"non-numeric value {text[row]!r}", row=int(row), column=column)
    return numbers


def check_unique(frame: pd.DataFrame, keys: Sequence[str], path: Path) -> None:
    """Refuse a file with two rows for the same key (the adapter cannot know which one is right)."""
    dup = frame.duplicated(subset=list(keys), keep="first")
    if dup.any():
        row = int(frame.index[dup.to_numpy().nonzero()[0][0]])
        key = ", ".join(f"{k}={frame.loc[row, k]!r}" for k in keys)
        raise SourceFormatError(path, f"duplicate key ({key})", row=row, column=keys[0])


def check_unique_iso3(iso3: pd.Series, names: pd.Series, path: Path, column: str) -> None:
    """Two raw names mapped to one country would give two values for it: refuse."""
    mapped = iso3.dropna()
    dup = mapped.duplicated(keep="first")
    if dup.any():
        row = int(mapped.index[dup.to_numpy().nonzero()[0][0]])
        first = int(mapped.index[(mapped == mapped[row]).to_numpy().nonzero()[0][0]])
        raise SourceFormatError(
            path, f"{names[row]!r} maps to {mapped[row]}, as does {names[first]!r} (row {first})",
            row=row, column=column,
        )


def check_rows(frame: pd.DataFrame, where: Where) -> None:
    """Refuse a row that breaks its indicator's plausibility rule (``validate.check_plausible``, rules in
    ``catalogue.RULES``), naming ``where`` it was read. ``tidy`` calls it on every row it keeps; an adapter that
    sums or counts rows calls it on the rows going in."""
    from ..validate import check_plausible  # validate reads the catalogue, which imports the adapters

    check_plausible(frame, where)


def tidy(
    frame: pd.DataFrame,
    *,
    source_id: str,
    where: Where,
    indicator_id: str | None = None,
    note: str | None = None,
) -> pd.DataFrame:
    """Select and order the tidy columns; drop rows whose value is missing (missing is absent, not zero).

    Every row kept must pass its indicator's plausibility rule (:func:`check_rows`).
    """
    out = frame.copy()
    if indicator_id is not None:
        out["indicator_id"] = indicator_id
    out["source_id"] = source_id
    if "note" not in out.columns:
        out["note"] = note
    out = out[out["value"].notna()]
    check_rows(out, where)
    out = out[TIDY_COLUMNS].reset_index(drop=True)
    out["value"] = out["value"].astype("float64")
    out["period"] = out["period"].astype(str)
    return out


def source_rows(frame: pd.DataFrame, by: str | list[str]) -> pd.Series:
    """The file rows (``frame``'s index) behind each group, as tuples: the ``rows`` of a sum or count."""
    keys = [frame[c] for c in ([by] if isinstance(by, str) else by)]
    return frame.index.to_series().groupby(keys, sort=True).agg(tuple)


def concat(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=TIDY_COLUMNS)
    return pd.concat(frames, ignore_index=True)
