"""Generated observations for the view layer's property tests (shared by the per-page test files)."""

from __future__ import annotations

import pandas as pd
from hypothesis import strategies as st

ISOS = ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF"]
COUNTRIES = pd.DataFrame({"iso3": ISOS, "name": [f"Country {i}" for i in ISOS]})


def observation_rows(draw, indicator: str, periods: list[str]) -> list[dict]:
    """For each period, a drawn non-empty set of countries with drawn non-negative values (store columns)."""
    rows = []
    for period in periods:
        for iso in draw(st.lists(st.sampled_from(ISOS), unique=True, min_size=1)):
            value = draw(st.floats(min_value=0, max_value=1e6, allow_nan=False))
            rows.append({"iso3": iso, "indicator_id": indicator, "period": period, "year": int(period[:4]),
                         "value": value, "source_id": "src", "note": None})
    return rows
