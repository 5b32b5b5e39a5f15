"""Checks every adapter's output passes before it reaches the snapshot: schema, codes, periods, keys, and the
plausibility rules of the catalogue (``check_plausible``: on every row an adapter reads, before any sum, and on the
snapshot ``aigap ingest`` loads, ``check_snapshot``)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from . import catalogue
from .sources.base import (AGGREGATE_COLUMNS, TIDY_COLUMNS, Indicator, SourceFormatError, Where, is_period,
                           read_csv, to_number)

PERIOD_RULE = "no period after the source's vintage"
FINITE_RULE = "values are finite numbers"
FORMAT_RULE = "periods look like 2023, 2025-06, 2025-H1 or 2026-Q1"
_FIRST_MONTH = {"H1": 1, "H2": 7, "Q1": 1, "Q2": 4, "Q3": 7, "Q4": 10}


class ValidationError(ValueError):
    """An adapter produced observations that break the data rules."""


def period_start(period: str) -> date:
    """The first day of "2023", "2025-06", "2025-H2" or "2026-Q1"."""
    year, _, part = period.partition("-")
    return date(int(year), _FIRST_MONTH.get(part) or int(part or 1), 1)


def latest_start(source_id: str, today: date | None = None) -> date:
    """The last day a period of ``source_id`` may start on: its vintage, or today if that is earlier."""
    return min(catalogue.VINTAGES[source_id], today or date.today())


def _num(value: float) -> str:
    return f"{value:.12g}"


def check_plausible(frame: pd.DataFrame, where: Where) -> None:
    """Refuse the first row whose period or value its indicator's rule does not allow, as a ``SourceFormatError``
    naming the file, row and column (from ``where``), the value and the rule broken.

    ``frame`` has ``indicator_id``, ``period``, ``value`` (absent for rows that are counted, not read) and
    optionally ``iso3`` or ``entity``. Rules: ``catalogue.RULES`` (finite, within bounds) and
    ``catalogue.VINTAGES`` (a period starts no later than the source's vintage and today).
    """
    if frame.empty:
        return
    known = catalogue.indicators()
    id_codes, ids = pd.factorize(frame["indicator_id"], use_na_sentinel=False)
    period_codes, periods = pd.factorize(frame["period"], use_na_sentinel=False)
    ids, periods = [str(i) for i in ids], [str(p) for p in periods]
    unknown = [i for i in ids if i not in known]
    if unknown:
        pos = int((id_codes == ids.index(unknown[0])).argmax())
        _refuse(frame, where, pos, "indicator_id", f"indicator {unknown[0]!r}",
                "indicators are catalogue ids")
    malformed = [not is_period(p) for p in periods]
    if any(malformed):
        pos = int(np.asarray(malformed)[period_codes].argmax())
        _refuse(frame, where, pos, "period", f"period {periods[period_codes[pos]]!r}", FORMAT_RULE)
    today = date.today()
    bounds = [latest_start(known[i].source_id, today) for i in ids]
    starts = np.array([period_start(p).toordinal() for p in periods])[period_codes]
    late = starts > np.array([b.toordinal() for b in bounds])[id_codes]
    bad = late.copy()
    rules = [catalogue.RULES[i] for i in ids]
    if "value" in frame.columns:
        values = frame["value"].to_numpy(dtype="float64")
        low = np.array([r.low for r in rules])[id_codes]
        high = np.array([r.high for r in rules])[id_codes]
        with np.errstate(invalid="ignore"):
            bad |= ~np.isfinite(values) | (values < low) | (values > high)
    if not bad.any():
        return
    pos = int(bad.argmax())
    ind, period = ids[id_codes[pos]], periods[period_codes[pos]]
    if late[pos]:
        source, bound = known[ind].source_id, bounds[id_codes[pos]]
        after = "today" if bound == today else f"the vintage of {source} (catalogue.VINTAGES)"
        _refuse(frame, where, pos, "period", f"period {period} ({_describe(frame, pos, '', ind)})", PERIOD_RULE,
                f"it starts after {bound}, {after}")
    value, rule = float(frame["value"].iloc[pos]), rules[id_codes[pos]]
    what = f"value {_num(value)} ({_describe(frame, pos, period, ind)})"
    if not np.isfinite(value):
        _refuse(frame, where, pos, "value", what, FINITE_RULE)
    _refuse(frame, where, pos, "value", what, rule.broken_by(value), rule.why if value > rule.high else "")


def _describe(frame: pd.DataFrame, pos: int, period: str, indicator_id: str) -> str:
    """Country or entity, period, indicator, and the note (e.g. "derived") of row ``pos``, for a refusal."""
    who = next((str(frame[c].iloc[pos]) for c in ("iso3", "entity") if c in frame.columns), "")
    note = frame["note"].iloc[pos] if "note" in frame.columns else None
    return ", ".join(p for p in (f"{who} {period}".strip(), indicator_id, note if isinstance(note, str) else "") if p)


def _refuse(frame: pd.DataFrame, where: Where, pos: int, field: str, what: str, rule: str, why: str = "") -> None:
    """Raise for row ``pos``; ``field`` ("value", "period", "indicator_id") chooses the column named."""
    per_row = f"{field}_column"
    column = frame[per_row].iloc[pos] if per_row in frame.columns else getattr(where, field, field)
    rows = frame["rows"].iloc[pos] if "rows" in frame.columns else (frame.index[pos],)
    lines = sorted({int(r) for r in rows if r is not None and not pd.isna(r)})
    if len(lines) > 1:
        shown = ", ".join(map(str, lines[:5])) + (f", ... ({len(lines)} rows)" if len(lines) > 5 else "")
        what += f", from rows {shown}"
    message = f"{what} breaks the rule '{rule}'" + (f" ({why})" if why else "")
    raise SourceFormatError(where.file, message, row=lines[0] if lines else None, column=column)


def check_snapshot(snapshot: Path) -> None:
    """The plausibility rules on every observation and aggregate of a snapshot folder, as ``aigap ingest`` loads it;
    a refusal (``SourceFormatError``) names the snapshot file, its line and column."""
    snapshot = Path(snapshot)
    for path in [*sorted((snapshot / "observations").glob("*.csv")), snapshot / "aggregates.csv"]:
        check_plausible(_snapshot_table(path), Where(path, "value", "period"))


def _snapshot_table(path: Path) -> pd.DataFrame:
    """A snapshot CSV as text indexed by line number: pandas' fast reader when every record is one line (as the
    snapshot writer makes them), else the strict reader (exact lines, and errors that name them)."""
    wanted = {"iso3", "entity", "indicator_id", "period", "value"}
    try:
        data = path.read_bytes()
        frame = pd.read_csv(io.BytesIO(data), usecols=lambda c: c in wanted, dtype={"value": "float64"},
                            keep_default_na=False, na_values={"value": [""]}, encoding="utf-8")
        usable = ({"indicator_id", "period", "value"} <= set(frame) and not frame["value"].isna().any()
                  and len(frame) + 1 == data.count(b"\n"))
    except (ValueError, OSError):  # pandas' parser, number and decoding errors are ValueErrors
        usable = False
    if not usable:
        frame = read_csv(path, required=["indicator_id", "period", "value"], encoding="utf-8")
        return frame.assign(value=to_number(frame, "value", path, allow_missing=False))
    frame.index = pd.RangeIndex(2, len(frame) + 2, name="row")
    return frame


def _common(frame: pd.DataFrame, columns: list[str], indicators: Mapping[str, Indicator], label: str) -> None:
    if list(frame.columns) != columns:
        raise ValidationError(f"{label}: columns {list(frame.columns)}, expected {columns}")
    unknown = set(frame["indicator_id"]) - set(indicators)
    if unknown:
        raise ValidationError(f"{label}: indicators not in the catalogue: {sorted(unknown)}")
    bad_period = frame.loc[~frame["period"].map(is_period), "period"]
    if len(bad_period):
        raise ValidationError(f"{label}: malformed period {bad_period.iloc[0]!r}")
    for ind_id, part in frame.groupby("indicator_id"):
        wrong_source = set(part["source_id"]) - {indicators[ind_id].source_id}
        if wrong_source:
            raise ValidationError(f"{label}: {ind_id} rows carry source {sorted(wrong_source)}, "
                                  f"not {indicators[ind_id].source_id}")


def validate_observations(frame: pd.DataFrame, countries: pd.DataFrame,
                          indicators: Mapping[str, Indicator], label: str) -> None:
    _common(frame, TIDY_COLUMNS, indicators, label)
    unknown = set(frame["iso3"]) - set(countries["iso3"])
    if unknown:
        raise ValidationError(f"{label}: ISO3 codes not in the country reference: {sorted(unknown)}")
    dup = frame.duplicated(["iso3", "indicator_id", "period"])
    if dup.any():
        row = frame[dup].iloc[0]
        raise ValidationError(f"{label}: two values for {row.iso3} {row.indicator_id} {row.period}")


def validate_aggregates(frame: pd.DataFrame, indicators: Mapping[str, Indicator], label: str) -> None:
    _common(frame, AGGREGATE_COLUMNS, indicators, label)
    dup = frame.duplicated(["entity", "indicator_id", "period"])
    if dup.any():
        row = frame[dup].iloc[0]
        raise ValidationError(f"{label}: two values for {row.entity} {row.indicator_id} {row.period}")
