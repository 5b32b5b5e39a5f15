"""A composite AI-gap index a user can build, and how robust its ranking is to the choices behind it.

Steps (each a pure function, one implementation each: the Index page, /download/index.csv and the tests run
these): the indicator matrix for a reference year (with an honest look-back rule), optional log transform of
heavy-tailed totals, normalisation of each indicator (min-max 0-100, z-score or percentile rank; all three at
once, the robustness check needs them), pillar scores (weighted mean of the available indicators), the composite
(weighted mean of the available pillars, only for countries with enough pillars), and rank robustness under
Dirichlet-perturbed weights and alternative normalisations, vectorised over draws. ``tests/index_reference.py``
holds a slow, column-by-column version the tests hold this one to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .measures import DENOMINATOR_MAX_LAG, latest_per_year, normalise

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

    def __hash__(self) -> int:
        """Hashable despite its mappings, so a specification can key a cache (equal specs hash equal)."""
        return hash((tuple(sorted((p, tuple(v)) for p, v in self.indicators.items())),
                     tuple(sorted(self.pillar_weights.items())), tuple(sorted(self.indicator_weights.items())),
                     self.method, self.log_totals, self.year, self.max_lag, self.min_pillars))

    def pillars(self) -> list[str]:
        return [p for p in PILLARS if self.indicators.get(p)]

    def columns(self) -> list[str]:
        return [f"{ind}:{form}" for p in self.pillars() for ind, form in self.indicators[p]]


def normalise_weights(weights: Mapping[str, float], keys: list[str]) -> pd.Series:
    """Non-negative weights for ``keys`` (missing = 1) scaled to sum to 1; all-zero weights become equal."""
    w = pd.Series({k: max(float(weights.get(k, 1.0)), 0.0) for k in keys}, dtype="float64")
    total = w.sum()
    return w / total if total > 0 else pd.Series(1.0 / len(keys), index=keys) if keys else w


def indicator_matrix(obs: pd.DataFrame, spec: IndexSpec, population: pd.DataFrame | None = None,
                     gdp: pd.DataFrame | None = None) -> pd.DataFrame:
    """Countries x ``indicator:form``: each country's value for the reference year or its latest within
    ``max_lag`` years before (``measures.value_for_year``'s rule: a year is one period, its latest edition),
    per capita or per GDP by ``measures.normalise`` (NaN without a denominator). All indicators at once."""
    columns = spec.columns()
    form_of = {i: f for p in spec.pillars() for i, f in spec.indicators[p]}
    start = spec.year - spec.max_lag
    years = obs["year"]
    part = obs[obs["indicator_id"].isin(list(form_of)) & (years <= spec.year) & (years >= start)]
    latest = (latest_per_year(part).sort_values(["indicator_id", "iso3", "year"])
              .drop_duplicates(["indicator_id", "iso3"], keep="last"))
    forms = latest["indicator_id"].map(form_of)
    display = latest["value"].astype("float64")
    for form, series in (("per_capita", population), ("per_gdp", gdp)):
        rows = latest[forms == form]
        if rows.empty:
            continue
        if series is not None:  # exactly the denominator rows these values can use
            series = series[(series["year"] <= spec.year) & (series["year"] >= start - DENOMINATOR_MAX_LAG)]
        shown = normalise(rows, form, population=series if form == "per_capita" else None,
                          gdp=series if form == "per_gdp" else None)
        display[rows.index] = shown["display"]
    wide = (pd.DataFrame({"iso3": latest["iso3"], "col": latest["indicator_id"] + ":" + forms, "display": display})
            .pivot(index="iso3", columns="col", values="display"))
    wide.columns.name = None
    wide.index.name = "iso3"
    return wide.reindex(columns=columns).astype("float64")


LOG_DECADES = 6  # values below a millionth of the largest count as zero on the log scale


def _log(x: np.ndarray) -> np.ndarray:
    valid = ~np.isnan(x)
    top = x[valid].max() if valid.any() else np.nan
    if not top > 0:
        return x
    floor = np.log10(top) - LOG_DECADES
    logged = np.log10(np.where(x > 0, x, 1.0))
    return np.where(valid, np.where(x > 0, np.maximum(logged, floor), floor), np.nan)


def log_transform(column: pd.Series) -> pd.Series:
    """log10 of a heavy-tailed total, floored LOG_DECADES below the largest value (zeros sit on the floor).

    Keeps order; a constant factor (a change of units) becomes a shift every normalisation ignores; and
    raising one country's value never lowers its position relative to the others.
    """
    return pd.Series(_log(column.to_numpy(dtype="float64")), index=column.index, name=column.name)


def _rescale(x: np.ndarray, method: str) -> np.ndarray:
    out = np.full(len(x), np.nan)
    valid = ~np.isnan(x)
    v = x[valid]
    if method not in METHODS:
        raise ValueError(f"unknown normalisation {method!r}")
    if v.size == 0:
        return out
    if method == "minmax":
        span = v.max() - v.min()
        out[valid] = np.clip(100 * (v - v.min()) / span, 0, 100) if span > 0 else 50.0
    elif method == "zscore":
        std = v.std(ddof=0)
        out[valid] = (v - v.mean()) / std if std > 0 else 0.0
    else:  # percentile rank, ties sharing their average rank
        out[valid] = 100 * (pd.Series(v).rank(method="average").to_numpy() - 1) / (v.size - 1) if v.size > 1 else 50.0
    return out


def normalise_column(column: pd.Series, method: str, higher_is_better: bool = True) -> pd.Series:
    """One indicator on a common scale; the best value scores highest whatever the indicator's direction."""
    x = column.to_numpy(dtype="float64")
    return pd.Series(_rescale(x if higher_is_better else -x, method), index=column.index, name=column.name)


def normalised_matrices(matrix: pd.DataFrame, spec: IndexSpec, kinds: Mapping[str, str],
                        higher_is_better: Mapping[str, bool]) -> dict[str, pd.DataFrame]:
    """{method: the matrix normalised column by column} for every method (totals logged first if asked)."""
    prepared = {}
    for column in matrix.columns:
        ind = column.split(":")[0]
        x = matrix[column].to_numpy(dtype="float64")
        if spec.log_totals and kinds.get(ind) == "total":
            x = _log(x)
        prepared[column] = x if higher_is_better.get(ind, True) else -x
    return {method: pd.DataFrame({col: _rescale(x, method) for col, x in prepared.items()}, index=matrix.index,
                                 columns=matrix.columns)
            for method in METHODS}


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
    """score (weighted mean of available pillars), pillars_with_data, enough_data, rank (1 = best).

    ``enough_data``: at least ``min_pillars`` pillars with data, and not all of them weighted 0 (a mean over
    nothing is no score)."""
    values = pillars.to_numpy(dtype="float64")
    mask = ~np.isnan(values)
    w = weights.reindex(pillars.columns).fillna(0).to_numpy()
    den = (mask * w).sum(axis=1)
    score = np.where(den > 0, np.nansum(np.where(mask, values, 0.0) * w, axis=1) / np.where(den > 0, den, 1), np.nan)
    count = mask.sum(axis=1)
    enough = (count >= min_pillars) & (den > 0)
    out = pd.DataFrame({"score": np.where(enough, score, np.nan), "pillars_with_data": count,
                        "enough_data": enough}, index=pillars.index)
    out["rank"] = out["score"].rank(ascending=False, method="min").astype("Int64")
    return out


def build(obs: pd.DataFrame, spec: IndexSpec, indicators: pd.DataFrame,
          population: pd.DataFrame | None = None, gdp: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The index for ``spec``: {'matrix', 'normalised', 'pillars', 'composite'} (countries as index) and
    'pillars_by_method' (the pillar scores under every normalisation, for :func:`robustness`)."""
    kinds = dict(zip(indicators["indicator_id"], indicators["kind"]))
    hib = dict(zip(indicators["indicator_id"], indicators["higher_is_better"].astype(bool)))
    matrix = indicator_matrix(obs, spec, population, gdp)
    by_method = normalised_matrices(matrix, spec, kinds, hib)
    pillars_by_method = {m: pillar_scores(norm, spec) for m, norm in by_method.items()}
    pillars = pillars_by_method[spec.method]
    composite = composite_from_pillars(pillars, normalise_weights(spec.pillar_weights, spec.pillars()),
                                       spec.min_pillars)
    return {"matrix": matrix, "normalised": by_method[spec.method], "pillars": pillars, "composite": composite,
            "pillars_by_method": pillars_by_method}


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
        eligible = (mask.sum(axis=1) >= min_pillars) & ((mask * base).sum(axis=1) > 0)  # as composite_from_pillars
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
