"""Checks every adapter's output passes before it reaches the snapshot: schema, codes, periods, ranges, keys."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .sources.base import AGGREGATE_COLUMNS, TIDY_COLUMNS, Indicator, is_period


class ValidationError(ValueError):
    """An adapter produced observations that break the data rules."""


def _common(frame: pd.DataFrame, columns: list[str], indicators: Mapping[str, Indicator], label: str) -> None:
    if list(frame.columns) != columns:
        raise ValidationError(f"{label}: columns {list(frame.columns)}, expected {columns}")
    unknown = set(frame["indicator_id"]) - set(indicators)
    if unknown:
        raise ValidationError(f"{label}: indicators not in the catalogue: {sorted(unknown)}")
    bad_period = frame.loc[~frame["period"].map(is_period), "period"]
    if len(bad_period):
        raise ValidationError(f"{label}: malformed period {bad_period.iloc[0]!r}")
    values = frame["value"].to_numpy(dtype="float64")
    if not np.isfinite(values).all():
        raise ValidationError(f"{label}: missing or infinite values must be dropped, not stored")
    for ind_id, part in frame.groupby("indicator_id"):
        ind = indicators[ind_id]
        wrong_source = set(part["source_id"]) - {ind.source_id}
        if wrong_source:
            raise ValidationError(f"{label}: {ind_id} rows carry source {sorted(wrong_source)}, not {ind.source_id}")
        low, high = ind.value_range
        if low is not None and (part["value"] < low).any():
            raise ValidationError(f"{label}: {ind_id} has values below {low}: {part['value'].min()}")
        if high is not None and (part["value"] > high).any():
            raise ValidationError(f"{label}: {ind_id} has values above {high}: {part['value'].max()}")


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
