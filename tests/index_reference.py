"""A slow, literal implementation of the Index pipeline, for tests only: one indicator, one country at a time.

``aigap.analysis.presets.compute`` (vectorised, the code the page runs) must agree with it. It shares only the
project's stated rules (``measures.value_for_year``, ``measures.normalise``, ``measures.complete_periods``,
``measures.latest_per_year``) and the constants (``CENSUS``, ``MODEL_COUNTS``, ``LOG_DECADES``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from aigap.analysis import index as ix
from aigap.analysis import presets as P
from aigap.analysis.measures import complete_periods, latest_per_year, normalise, value_for_year

COLUMNS = ["iso3", "indicator_id", "period", "year", "value", "source_id", "note"]


def matrix(obs: pd.DataFrame, spec: ix.IndexSpec, population=None, gdp=None) -> pd.DataFrame:
    """Countries x indicator:form, one column at a time."""
    columns = {}
    for pillar in spec.pillars():
        for ind, form in spec.indicators[pillar]:
            current = value_for_year(obs[obs["indicator_id"] == ind], spec.year, spec.max_lag)
            shown = normalise(current, form, population, gdp) if len(current) else current.assign(display=[])
            columns[f"{ind}:{form}"] = shown.set_index("iso3")["display"].astype(float)
    return pd.DataFrame(columns).reindex(columns=spec.columns()).astype(float)


def prepare(obs: pd.DataFrame, spec: ix.IndexSpec, indicators: pd.DataFrame, population=None, gdp=None,
            census_zero: bool = True) -> pd.DataFrame:
    """Window, complete periods, model counts summed, census editions and zeros: literally, indicator by indicator."""
    ids = P.indicator_ids(spec)
    part = obs[obs["indicator_id"].isin(ids)]
    part = complete_periods(part[(part["year"] <= spec.year) & (part["year"] >= spec.year - spec.max_lag)])
    pieces = []
    for ind in ids:
        rows = part[part["indicator_id"] == ind]
        if ind in P.MODEL_COUNTS and len(rows):
            yearly = latest_per_year(rows)
            first, last = int(yearly["year"].min()), int(yearly["year"].max())
            period = str(last) if first == last else f"{first}-{last}"
            for iso in sorted(set(yearly["iso3"])):
                mine = yearly[yearly["iso3"] == iso]
                pieces.append(pd.DataFrame([[iso, ind, period, last, float(mine["value"].sum()),
                                             mine["source_id"].iloc[0], None]], columns=COLUMNS))
        else:
            pieces.append(rows[COLUMNS])
    part = pd.concat(pieces, ignore_index=True) if pieces else part.iloc[0:0]
    part = part.astype({"year": "int64", "value": "float64"})
    if not census_zero:
        return part
    editions = {}
    for ind in ids:
        rows = part[part["indicator_id"] == ind]
        if ind in P.CENSUS and len(rows):
            year = int(rows["year"].max())
            editions[ind] = (year, str(rows.loc[rows["year"] == year, "period"].astype(str).max()))
            part = part[(part["indicator_id"] != ind) | (part["year"] >= year)]
    if not editions:
        return part
    real = matrix(part, spec, population, gdp)
    eligible = [iso for iso in real.index
                if sum(real.loc[iso, [f"{i}:{f}" for i, f in spec.indicators[p]]].notna().any()
                       for p in spec.pillars()) >= spec.min_pillars]
    sources = dict(zip(indicators["indicator_id"], indicators["source_id"]))
    zeros = [[iso, ind, period, year, 0.0, sources.get(ind, ""), P.ZERO_NOTE]
             for ind, (year, period) in editions.items() for iso in eligible
             if iso not in set(part.loc[(part["indicator_id"] == ind) & (part["year"] == year), "iso3"])]
    return pd.concat([part, pd.DataFrame(zeros, columns=COLUMNS)], ignore_index=True) if zeros else part


def log_column(column: pd.Series) -> pd.Series:
    top = column.max()
    if not top > 0:
        return column
    floor = math.log10(top) - ix.LOG_DECADES
    return column.map(lambda v: v if pd.isna(v) else floor if v <= 0 else max(math.log10(v), floor))


def scale_column(column: pd.Series, method: str) -> pd.Series:
    valid = column.dropna()
    out = pd.Series(np.nan, index=column.index)
    if valid.empty:
        return out
    if method == "minmax":
        lo, hi = valid.min(), valid.max()
        out[valid.index] = [100 * (v - lo) / (hi - lo) if hi > lo else 50.0 for v in valid]
    elif method == "zscore":
        mean, std = valid.mean(), valid.std(ddof=0)
        out[valid.index] = [(v - mean) / std if std > 0 else 0.0 for v in valid]
    else:
        ranks = valid.rank(method="average")
        out[valid.index] = [100 * (r - 1) / (len(valid) - 1) if len(valid) > 1 else 50.0 for r in ranks]
    return out


def weighted_mean(values: dict[str, float], weights: dict[str, float]) -> float:
    """Mean of the non-missing values, weights (negative as 0; all 0 -> equal) over the keys given."""
    w = {k: max(float(weights.get(k, 1.0)), 0.0) for k in values}
    total = sum(w.values())
    w = {k: (v / total if total > 0 else 1 / len(w)) for k, v in w.items()}
    present = {k: v for k, v in values.items() if not pd.isna(v)}
    den = sum(w[k] for k in present)
    return sum(w[k] * v for k, v in present.items()) / den if den > 0 else float("nan")


def build(obs: pd.DataFrame, spec: ix.IndexSpec, indicators: pd.DataFrame, population=None, gdp=None) -> dict:
    """{'matrix', 'normalised', 'pillars', 'composite'} for prepared observations, country by country."""
    kinds = dict(zip(indicators["indicator_id"], indicators["kind"]))
    hib = dict(zip(indicators["indicator_id"], indicators["higher_is_better"]))
    mat = matrix(obs, spec, population, gdp)
    norm = pd.DataFrame(index=mat.index)
    for column in mat.columns:
        ind = column.split(":")[0]
        values = log_column(mat[column]) if spec.log_totals and kinds.get(ind) == "total" else mat[column]
        norm[column] = scale_column(values if hib.get(ind, True) else -values, spec.method)
    pillars = pd.DataFrame(index=mat.index, columns=spec.pillars(), dtype=float)
    for iso in mat.index:
        for pillar in spec.pillars():
            ids = [i for i, _ in spec.indicators[pillar]]
            values = {i: norm.loc[iso, f"{i}:{f}"] for i, f in spec.indicators[pillar]}
            pillars.loc[iso, pillar] = weighted_mean(values, {i: spec.indicator_weights.get(i, 1.0) for i in ids})
    rows = {}
    for iso in mat.index:
        values = {p: pillars.loc[iso, p] for p in spec.pillars()}
        count = sum(not pd.isna(v) for v in values.values())
        score = weighted_mean(values, spec.pillar_weights) if count >= spec.min_pillars else float("nan")
        rows[iso] = {"score": score, "pillars_with_data": count, "enough_data": not pd.isna(score)}
    composite = pd.DataFrame.from_dict(rows, orient="index", columns=["score", "pillars_with_data", "enough_data"])
    composite["rank"] = composite["score"].rank(ascending=False, method="min").astype("Int64")
    return {"matrix": mat, "normalised": norm, "pillars": pillars, "composite": composite}


def compute(obs: pd.DataFrame, spec: ix.IndexSpec, indicators: pd.DataFrame, population=None, gdp=None,
            census_zero: bool = True) -> dict:
    return build(prepare(obs, spec, indicators, population, gdp, census_zero), spec, indicators, population, gdp)
