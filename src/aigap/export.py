"""Serialising query results for users: CSV and JSON that keep every digit (floats round-trip exactly)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd


def _plain(value):
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def to_json(frame: pd.DataFrame, indent: int | None = None) -> str:
    """Records as JSON; Python's float repr is the shortest text that reads back to the same number."""
    records = [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]
    return json.dumps(records, indent=indent, ensure_ascii=False)


def to_csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")
