"""A composite AI-gap index a user can build, and how robust its ranking is to the choices behind it.

Steps (each a pure function): the indicator matrix for a reference year (with an honest look-back
rule), optional log transform of heavy-tailed totals, normalisation of each indicator (min-max 0-100,
z-score or percentile rank), pillar scores (weighted mean of the available indicators), the composite
(weighted mean of the available pillars, only for countries with enough pillars), and rank
robustness under Dirichlet-perturbed weights and alternative normalisations, vectorised over draws.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .measures import normalise as to_form
from .measures import value_for_year

PILLARS = ("investment", "compute", "models", "talent & research", "readiness")
METHODS = ("minmax", "zscore", "percentile")


@dataclass(frozen=True)
class IndexSpec:
    """Everything that decides an index: which indicators in which form, weights, method, year and rules."""

    indicators: Mapping[str, tuple[tuple[str, str], ...]]  # pillar -> ((indicator_id, form), ...)
    pillar_weights: Mapping[str, float] = field(default_factory=dict)  # missing pillar -> weight 1
    indicator_weights: Mapping[str, float] = field(default_factory=dict)  # missing indicator -> weight 1
    method: str = "minmax"
    log_totals: bool = True
    year: int = 2024
    max_lag: int = 3
    min_pillars: int = 3

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown normalisation {self.method!r}; choose one of {METHODS}")
        if self.min_pillars < 1:
            raise ValueError("min_pillars must be at least 1")

    def pillars(self) -> list[str]:
        return [p for p in PILLARS if self.indicators.get(p)]

    def columns(self) -> list[str]:
        return [f"{ind}:{form}" for p in self.pillars() for ind, form in self.indicators[p]]


def normalise_weights(weights: Mapping[str, float], keys: list[str]) -> pd.Series:
    """Non-negative weights for ``keys`` (missing = 1) scaled to sum to 1; all-zero weights become equal."""
    w = pd.Series({k: max(float(weights.get(k, 1.0)), 0.0) for k in keys}, dtype="float64")
    total = w.sum()
    return w / total if total > 0 else pd.Series(1.0 / len(keys), index=keys) if keys else w


def indicator_matrix(obs: pd.DataFrame, spec: IndexSpec, kinds: Mapping[str, str],
                     population: pd.DataFrame | None = None, gdp: pd.DataFrame | None = None) -> pd.DataFrame:
    """Countries x ``indicator:form`` values for the reference year (or up to ``max_lag`` years earlier)."""
    columns = {}
    for column in spec.columns():
        ind_id, form = column.split(":")
        part = obs[obs["indicator_id"] == ind_id]
        current = value_for_year(part, spec.year, spec.max_lag)
        if current.empty:
            columns[column] = pd.Series(dtype="float64")
            continue
        shown = to_form(current, form, population, gdp)
        columns[column] = shown.set_index("iso3")["display"]
    matrix = pd.DataFrame(columns)
    return matrix.reindex(columns=spec.columns())


LOG_DECADES = 6  # values below a millionth of the largest count as zero on the log scale


def log_transform(column: pd.Series) -> pd.Series:
    """log10 of a heavy-tailed total, floored LOG_DECADES below the largest value (zeros sit on the floor).

    Keeps order; a constant factor (a change of units) becomes a shift every normalisation ignores; and
    raising one country's value never lowers its position relative to the others.
    """
    top = column.max()
    if not top > 0:
        return column
    floor = np.log10(top) - LOG_DECADES
    logged = np.log10(column.where(column > 0, np.nan))
    return logged.clip(lower=floor).fillna(floor).where(column.notna())


def normalise_column(column: pd.Series, method: str, higher_is_better: bool = True) -> pd.Series:
    """One indicator on a common scale; the best value scores highest whatever the indicator's direction."""
    x = column if higher_is_better else -column
    valid = x.dropna()
    out = pd.Series(np.nan, index=column.index, dtype="float64")
    if valid.empty:
        return out
    if method == "minmax":
        span = valid.max() - valid.min()
        out[valid.index] = (100 * (valid - valid.min()) / span).clip(0, 100) if span > 0 else 50.0
    elif method == "zscore":
        std = valid.std(ddof=0)
        out[valid.index] = (valid - valid.mean()) / std if std > 0 else 0.0
    elif method == "percentile":
        out[valid.index] = 100 * (valid.rank(method="average") - 1) / (len(valid) - 1) if len(valid) > 1 else 50.0
    else:
        raise ValueError(f"unknown normalisation {method!r}")
    return out


def normalised_matrix(matrix: pd.DataFrame, spec: IndexSpec, kinds: Mapping[str, str],
                      higher_is_better: Mapping[str, bool], method: str | None = None) -> pd.DataFrame:
    method = method or spec.method
    out = {}
    for column in matrix.columns:
        ind_id = column.split(":")[0]
        values = matrix[column]
        if spec.log_totals and kinds.get(ind_id) == "total":
            values = log_transform(values)
        out[column] = normalise_column(values, method, higher_is_better.get(ind_id, True))
    return pd.DataFrame(out, index=matrix.index)


def pillar_scores(normalised: pd.DataFrame, spec: IndexSpec) -> pd.DataFrame:
    """Weighted mean of each pillar's available indicators (NaN when a country has none of them)."""
    scores = {}
    for pillar in spec.pillars():
        cols = [f"{i}:{f}" for i, f in spec.indicators[pillar]]
        w = normalise_weights(spec.indicator_weights, [c.split(":")[0] for c in cols]).to_numpy()
        values = normalised[cols].to_numpy(dtype="float64")
        mask = ~np.isnan(values)
        num = np.nansum(np.where(mask, values, 0.0) * w, axis=1)
        den = (mask * w).sum(axis=1)
        scores[pillar] = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    return pd.DataFrame(scores, index=normalised.index)


def composite_from_pillars(pillars: pd.DataFrame, weights: pd.Series, min_pillars: int) -> pd.DataFrame:
    """score (weighted mean of available pillars), pillars_with_data, enough_data, rank (1 = best)."""
    values = pillars.to_numpy(dtype="float64")
    mask = ~np.isnan(values)
    w = weights.reindex(pillars.columns).fillna(0).to_numpy()
    den = (mask * w).sum(axis=1)
    score = np.where(den > 0, np.nansum(np.where(mask, values, 0.0) * w, axis=1) / np.where(den > 0, den, 1), np.nan)
    count = mask.sum(axis=1)
    enough = count >= min_pillars
    out = pd.DataFrame({"score": np.where(enough, score, np.nan), "pillars_with_data": count,
                        "enough_data": enough}, index=pillars.index)
    out["rank"] = out["score"].rank(ascending=False, method="min").astype("Int64")
    return out


def build(obs: pd.DataFrame, spec: IndexSpec, indicators: pd.DataFrame,
          population: pd.DataFrame | None = None, gdp: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The index for ``spec``: {'matrix', 'normalised', 'pillars', 'composite'} (countries as index)."""
    kinds = dict(zip(indicators["indicator_id"], indicators["kind"]))
    hib = dict(zip(indicators["indicator_id"], indicators["higher_is_better"]))
    matrix = indicator_matrix(obs, spec, kinds, population, gdp)
    normalised = normalised_matrix(matrix, spec, kinds, hib)
    pillars = pillar_scores(normalised, spec)
    weights = normalise_weights(spec.pillar_weights, spec.pillars())
    composite = composite_from_pillars(pillars, weights, spec.min_pillars)
    return {"matrix": matrix, "normalised": normalised, "pillars": pillars, "composite": composite}


def robustness(pillars_by_method: Mapping[str, pd.DataFrame], weights: pd.Series, min_pillars: int,
               draws: int = 1000, concentration: float = 20.0, seed: int = 0) -> pd.DataFrame:
    """Rank of each country under ``draws`` Dirichlet weight draws around ``weights`` for every method given.

    Dirichlet(alpha = concentration x k x weights): the mean is the chosen weights; a larger concentration
    keeps draws closer to them. Returns median rank, 5th and 95th percentile rank, and ``robust`` (the
    5-95% interval spans at most 5 places). Vectorised: one matrix product per method.
    """
    first = next(iter(pillars_by_method.values()))
    k = first.shape[1]
    base = weights.reindex(first.columns).fillna(0).to_numpy()
    alpha = np.maximum(concentration * k * base, 1e-3)
    rng = np.random.default_rng(seed)
    w = rng.dirichlet(alpha, size=draws).T  # k x draws
    ranks = []
    eligible = None
    for pillars in pillars_by_method.values():
        values = pillars.to_numpy(dtype="float64")
        mask = ~np.isnan(values)
        eligible = mask.sum(axis=1) >= min_pillars
        num = np.where(mask, values, 0.0) @ w
        den = mask.astype(float) @ w
        scores = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)[eligible]
        # rank 1 = best: count of countries with a strictly higher score, plus one
        order = np.argsort(-scores, axis=0, kind="stable")
        r = np.empty_like(order)
        r[order, np.arange(scores.shape[1])[None, :]] = np.arange(scores.shape[0])[:, None]
        ranks.append(r + 1)
    all_ranks = np.concatenate(ranks, axis=1)
    index = first.index[eligible]
    p5, p50, p95 = np.percentile(all_ranks, [5, 50, 95], axis=1)
    out = pd.DataFrame({"median_rank": p50, "rank_p5": p5, "rank_p95": p95}, index=index)
    out["robust"] = (out["rank_p95"] - out["rank_p5"]) <= 5
    return out.sort_values("median_rank")


def spearman(a: pd.Series, b: pd.Series) -> tuple[float, int]:
    """Spearman rank correlation over the countries both have, and how many that is."""
    both = pd.concat([a, b], axis=1, join="inner").dropna()
    if len(both) < 3:
        return float("nan"), len(both)
    ranked = both.rank()
    return float(ranked.iloc[:, 0].corr(ranked.iloc[:, 1])), len(both)
