"""Ready-made index specifications, the URL encoding of a specification, and the page's index pipeline.

Pure functions (DataFrames and mappings in, DataFrames and mappings out; no Dash, no store access), so the
Index page, its tests and ``benchmarks/index.py`` share them:

* ``PRESETS``: "Equal pillars" (the default), "IMF AIPI structure", "Capacity only" and "Oxford-like".
* ``encode`` / ``decode``: a :class:`Choice` (an :class:`~aigap.analysis.index.IndexSpec` plus the census-zero
  rule) <-> a compact query string, e.g.
  ``ind=ai_vc_investment:per_gdp,top500_rmax:absolute:2&w=inv:2,cmp:1&m=minmax&log=1&year=2025&lag=3&min=3&zero=1``.
  Every value is validated; anything unknown or out of range falls back to the preset's (or the default) value.
* ``prepare_observations``: the observations ``index.build`` turns into the page's index (complete periods, the
  census-zero rule) - the reference path the tests use;
* ``compute``: the same index fast (the indicator matrix and the three normalisations vectorised, checked equal
  to ``index.build`` in tests/test_index_presets.py), with ``index.robustness`` over 1,000 Dirichlet draws x the
  three normalisations; ``best_year``, ``compare_published`` and ``rank_pairs`` for the page's notes.

The census-zero rule: a few indicators are censuses whose absence means "none", not "unknown" (Epoch AI's model
lists say so; a country missing from the TOP500 list or from the cloud providers' region map has none listed).
For them, a country that already has real data on at least ``min_pillars`` pillars and is absent from the latest
edition within the look-back window counts as 0 there, and an older entry is not carried forward (last
year's models are not this year's). Without the rule, a country with one small TOP500 system or one notable model
scores below a country with none, whose compute or models pillar is simply skipped. Countries below
``min_pillars`` are never given zeros: they stay "not enough data".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlencode

import numpy as np
import pandas as pd

from . import index as ix
from .measures import allowed_modes, complete_periods

PILLARS = ix.PILLARS
PILLAR_KEYS = {"investment": "inv", "compute": "cmp", "models": "mod", "talent & research": "tal",
               "readiness": "rdy"}
KEY_PILLARS = {v: k for k, v in PILLAR_KEYS.items()}
FORMS = ("absolute", "per_capita", "per_gdp")  # share of world adds nothing once indicators are rescaled
FORM_LABELS = {"absolute": "absolute", "per_capita": "per million people", "per_gdp": "per US$ bn of GDP"}
METHOD_LABELS = {"minmax": "min-max (0-100)", "zscore": "z-score", "percentile": "percentile rank (0-100)"}

# The published composites are what our index is compared with, never an input of it.
# indicator -> (name, edition year to use; None = the latest edition)
COMPARISONS = {"imf_aipi": ("IMF AI Preparedness Index", 2023),
               "oxford_gairi": ("Oxford Insights Government AI Readiness Index", None),
               "tortoise_gaii": ("Tortoise Global AI Index", None)}
# Absence from these lists means none listed (see the module docstring).
CENSUS = {
    "notable_ai_models": "Epoch AI's notable-model list",
    "large_scale_ai_models": "Epoch AI's large-scale-model list",
    "open_weight_ai_models": "Epoch AI's notable-model list",
    "top500_rmax": "the TOP500 list",
    "top500_systems": "the TOP500 list",
    "cloud_regions": "the cloud providers' region map",
}
DENOMINATORS = ("population", "gdp_usd")

DEFAULT_YEAR = 2025  # see best_year(); tests/test_index_presets.py keeps this honest against the store
DEFAULT_LAG = 3
DEFAULT_MIN = 3
LAG_MAX = 10
WEIGHT_MAX = 5.0
YEAR_BOUNDS = (2000, 2100)  # when the caller gives no list of years
DRAWS = 1000
SEED = 0

DEFAULT_INDICATORS = {
    "investment": (("ai_vc_investment", "per_gdp"), ("ai_private_investment", "per_gdp")),
    "compute": (("top500_rmax", "absolute"), ("gpu_cluster_h100e", "absolute"), ("cloud_regions", "absolute")),
    "models": (("notable_ai_models", "absolute"), ("large_scale_ai_models", "absolute")),
    "talent & research": (("rd_expenditure_pct_gdp", "absolute"), ("researchers_per_million", "absolute")),
    "readiness": (("internet_users_pct", "absolute"), ("ai_diffusion", "absolute")),
}


@dataclass(frozen=True)
class Choice:
    """Everything the Index page shows a ranking for: the index specification and the census-zero rule."""

    spec: ix.IndexSpec
    census_zero: bool = True


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    explanation: str
    choice: Choice


def _spec(indicators: Mapping[str, tuple[tuple[str, str], ...]], **kwargs) -> ix.IndexSpec:
    pillars = [p for p in PILLARS if indicators.get(p)]
    ids = [i for p in pillars for i, _ in indicators[p]]
    kwargs.setdefault("year", DEFAULT_YEAR)
    kwargs.setdefault("max_lag", DEFAULT_LAG)
    kwargs.setdefault("min_pillars", min(DEFAULT_MIN, len(pillars)))
    return ix.IndexSpec(indicators={p: tuple(indicators[p]) for p in pillars},
                        pillar_weights={p: 1.0 for p in pillars}, indicator_weights={i: 1.0 for i in ids},
                        **kwargs)


PRESETS: dict[str, Preset] = {
    p.key: p for p in (
        Preset("equal", "Equal pillars",
               "All five pillars with equal weights, two or three indicators each. Investment is measured "
               "relative to the economy (per US$ bn of GDP); compute and models in absolute terms, because "
               "training and serving frontier models takes absolute scale; talent and readiness indicators "
               "are rates already. AI patents per million people are left out: the series stops in 2019, "
               "outside the look-back window.",
               Choice(_spec(DEFAULT_INDICATORS))),
        Preset("imf", "IMF AIPI structure",
               "The IMF AI Preparedness Index is one readiness measure built from four equally weighted "
               "dimensions (digital infrastructure; human capital and labour-market policies; innovation and "
               "economic integration; regulation and ethics), published as sub-indices that add up to the AIPI. "
               "Here those four sub-indices are the indicators of the readiness pillar with equal weights, for "
               "the 2023 edition: the ranking should come out close to the IMF's own. Only the normalisation "
               "differs, so the robustness check varies the normalisation, not pillar weights.",
               Choice(_spec({"readiness": (("imf_aipi_digital_infrastructure", "absolute"),
                                           ("imf_aipi_human_capital", "absolute"),
                                           ("imf_aipi_innovation", "absolute"),
                                           ("imf_aipi_regulation", "absolute"))},
                            year=2023, max_lag=0, min_pillars=1))),
        Preset("capacity", "Capacity only",
               "Only the capacity to build AI: investment, compute and models (the Equal pillars indicators), "
               "equally weighted; a country needs data on at least two of the three.",
               Choice(_spec({p: DEFAULT_INDICATORS[p] for p in ("investment", "compute", "models")},
                            min_pillars=2))),
        Preset("oxford", "Oxford-like",
               "Oxford Insights' Government AI Readiness Index is the mean of its three pillars (Government, "
               "Technology Sector, Data & Infrastructure), all in the catalogue for the 2024 edition. Here the "
               "three are the indicators of the readiness pillar with equal weights. It measures government "
               "readiness, not AI capacity.",
               Choice(_spec({"readiness": (("oxford_gairi_government", "absolute"),
                                           ("oxford_gairi_technology", "absolute"),
                                           ("oxford_gairi_data_infrastructure", "absolute"))},
                            year=2024, max_lag=0, min_pillars=1))),
    )
}
DEFAULT_PRESET = "equal"
CUSTOM = "custom"


# -- catalogue ------------------------------------------------------------------------------------------------
def candidates(indicators: pd.DataFrame) -> pd.DataFrame:
    """Indicators a user may put into the index: a pillar's rankable indicators, not the published composites.

    Context indicators (population, GDP, ...) only serve as denominators. ``indicators`` is the store's
    indicator table (columns indicator_id, pillar, kind, and optionally rankable).
    """
    table = indicators.copy()
    rankable = table["rankable"].astype(bool) if "rankable" in table else True
    keep = table["pillar"].isin(PILLARS) & rankable & ~table["indicator_id"].isin(list(COMPARISONS))
    return table[keep].set_index("indicator_id", drop=False)


def forms_for(kind: str) -> list[str]:
    return [f for f in FORMS if f in allowed_modes(kind)]


# -- canonical form, encode, decode ----------------------------------------------------------------------------
def canonical(choice: Choice) -> Choice:
    """Indicators sorted by id within each pillar (order does not change the index), weights as floats for
    exactly the pillars and indicators in use, min pillars at most the pillars in use."""
    spec = choice.spec
    pillars = [p for p in PILLARS if spec.indicators.get(p)]
    indicators = {p: tuple(sorted((i, f) for i, f in spec.indicators[p])) for p in pillars}
    ids = [i for p in pillars for i, _ in indicators[p]]
    pw = {p: float(spec.pillar_weights.get(p, 1.0)) for p in pillars}
    iw = {i: float(spec.indicator_weights.get(i, 1.0)) for i in ids}
    min_pillars = max(1, min(spec.min_pillars, len(pillars))) if pillars else spec.min_pillars
    return Choice(replace(spec, indicators=indicators, pillar_weights=pw, indicator_weights=iw,
                          min_pillars=min_pillars), bool(choice.census_zero))


def num_text(value: float) -> str:
    """A weight as the URL and the page write it: '2', '2.5' (exact: repr of the float)."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def encode(choice: Choice) -> dict[str, str]:
    """The query parameters of a choice (all of them, so the URL alone reproduces the view)."""
    c = canonical(choice)
    spec = c.spec
    entries = []
    for pillar in spec.pillars():
        for ind, form in spec.indicators[pillar]:
            w = spec.indicator_weights.get(ind, 1.0)
            entries.append(f"{ind}:{form}" + ("" if w == 1.0 else f":{num_text(w)}"))
    return {
        "preset": preset_of(c),
        "ind": ",".join(entries),
        "w": ",".join(f"{PILLAR_KEYS[p]}:{num_text(spec.pillar_weights[p])}" for p in spec.pillars()),
        "m": spec.method,
        "log": "1" if spec.log_totals else "0",
        "year": str(spec.year),
        "lag": str(spec.max_lag),
        "min": str(spec.min_pillars),
        "zero": "1" if c.census_zero else "0",
    }


def search_string(choice: Choice) -> str:
    """``?preset=...&ind=...``: readable (':' and ',' are left unescaped, both are legal in a query)."""
    return "?" + urlencode(encode(choice), safe=":,")


def _float(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) and 0.0 <= value <= WEIGHT_MAX else None


def _int(text, lo: int, hi: int) -> int | None:
    try:
        value = int(str(text).strip())
    except (TypeError, ValueError):
        return None
    return value if lo <= value <= hi else None


def _text(params: Mapping[str, object], key: str) -> str | None:
    value = params.get(key)
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return None if value is None else str(value)


def parse_indicators(raw: str, table: pd.DataFrame) -> tuple[dict[str, tuple[tuple[str, str], ...]], dict[str, float]]:
    """``id:form[:weight],...`` -> ({pillar: ((id, form), ...)}, {id: weight}); bad entries are dropped, a bad
    form becomes the indicator's first allowed form, a bad weight 1."""
    chosen: dict[str, list[tuple[str, str]]] = {}
    weights: dict[str, float] = {}
    for entry in raw.split(","):
        parts = entry.strip().split(":")
        ind = parts[0].strip()
        if not ind or ind not in table.index or ind in weights:
            continue
        row = table.loc[ind]
        allowed = forms_for(row["kind"])
        form = parts[1].strip() if len(parts) > 1 else ""
        form = form if form in allowed else allowed[0]
        weight = _float(parts[2]) if len(parts) > 2 else 1.0
        chosen.setdefault(row["pillar"], []).append((ind, form))
        weights[ind] = 1.0 if weight is None else weight
    return {p: tuple(chosen[p]) for p in PILLARS if p in chosen}, weights


def decode(params: Mapping[str, object], indicators: pd.DataFrame, years: Sequence[int] | None = None) -> Choice:
    """A choice from query parameters: start from the named preset (default: Equal pillars) and apply every valid
    parameter; anything unknown, malformed or out of range keeps the preset's value. Never raises."""
    table = candidates(indicators)
    preset = PRESETS.get(_text(params, "preset") or "", PRESETS[DEFAULT_PRESET])
    base = canonical(preset.choice).spec
    census_zero = preset.choice.census_zero

    indicators_, ind_weights = dict(base.indicators), dict(base.indicator_weights)
    raw = _text(params, "ind")
    if raw:
        parsed, weights = parse_indicators(raw, table)
        if parsed:
            indicators_, ind_weights = parsed, weights
    pillars = [p for p in PILLARS if indicators_.get(p)]

    pillar_weights = {p: float(base.pillar_weights.get(p, 1.0)) for p in pillars}
    for entry in (_text(params, "w") or "").split(","):
        key, _, value = entry.partition(":")
        pillar = KEY_PILLARS.get(key.strip(), key.strip() if key.strip() in PILLARS else None)
        weight = _float(value)
        if pillar in pillar_weights and weight is not None:
            pillar_weights[pillar] = weight

    method = _text(params, "m")
    method = method if method in ix.METHODS else base.method
    log = {"1": True, "0": False}.get(_text(params, "log") or "", base.log_totals)
    zero = {"1": True, "0": False}.get(_text(params, "zero") or "", census_zero)
    lo, hi = (min(years), max(years)) if years else YEAR_BOUNDS
    year = _int(_text(params, "year"), lo, hi)
    if year is None:
        year = base.year if lo <= base.year <= hi else hi
    lag = _int(_text(params, "lag"), 0, LAG_MAX)
    lag = base.max_lag if lag is None else lag
    min_pillars = _int(_text(params, "min"), 1, len(PILLARS))
    min_pillars = base.min_pillars if min_pillars is None else min_pillars
    spec = ix.IndexSpec(indicators=indicators_, pillar_weights=pillar_weights, indicator_weights=ind_weights,
                        method=method, log_totals=log, year=year, max_lag=lag, min_pillars=min_pillars)
    return canonical(Choice(spec, zero))


def preset_of(choice: Choice) -> str:
    """The preset whose choice this is exactly, or 'custom'."""
    c = canonical(choice)
    for key, preset in PRESETS.items():
        if canonical(preset.choice) == c:
            return key
    return CUSTOM


def indicator_ids(spec: ix.IndexSpec) -> list[str]:
    return [i for p in spec.pillars() for i, _ in spec.indicators[p]]


def needed_ids(spec: ix.IndexSpec, comparisons: bool = True) -> list[str]:
    """Every indicator one recompute reads: the index's, the denominators and the published comparisons."""
    ids = indicator_ids(spec) + list(DENOMINATORS) + (list(COMPARISONS) if comparisons else [])
    return list(dict.fromkeys(ids))


# -- the pipeline -----------------------------------------------------------------------------------------------
ZERO_NOTE = "not listed: counted as 0"


def _lookups(indicators: pd.DataFrame) -> tuple[dict, dict, dict]:
    kinds = dict(zip(indicators["indicator_id"], indicators["kind"]))
    hib = dict(zip(indicators["indicator_id"], indicators["higher_is_better"].astype(bool)))
    sources = dict(zip(indicators["indicator_id"], indicators["source_id"])) if "source_id" in indicators else {}
    return kinds, hib, sources


def census_years(obs: pd.DataFrame, spec: ix.IndexSpec) -> dict[str, int]:
    """For each census indicator of the spec: its latest year in the look-back window (complete periods only)."""
    part = complete_periods(obs[obs["indicator_id"].isin([i for i in indicator_ids(spec) if i in CENSUS])])
    part = part[(part["year"] <= spec.year) & (part["year"] >= spec.year - spec.max_lag)]
    return {ind: int(year) for ind, year in part.groupby("indicator_id")["year"].max().items()}


def _window(obs: pd.DataFrame, spec: ix.IndexSpec, census_zero: bool) -> tuple[pd.DataFrame, dict[str, int]]:
    """The index's observations in the look-back window (value_for_year reads no more), complete periods only;
    with the census rule, only the latest edition of each census indicator."""
    ids = indicator_ids(spec)
    part = obs[obs["indicator_id"].isin(ids) & (obs["year"] <= spec.year) & (obs["year"] >= spec.year - spec.max_lag)]
    part = complete_periods(part)
    years = census_years(part, spec) if census_zero else {}
    if years:
        edition = part["indicator_id"].map(years)
        part = part[edition.isna() | (part["year"] >= edition)]
    return part, years


def _pillar_counts(matrix: pd.DataFrame, spec: ix.IndexSpec) -> pd.Series:
    has = pd.DataFrame({p: matrix[[f"{i}:{f}" for i, f in spec.indicators[p]]].notna().any(axis=1)
                        for p in spec.pillars()}, index=matrix.index)
    return has.sum(axis=1) if len(has.columns) else pd.Series(0, index=matrix.index)


def _zero_rows(part: pd.DataFrame, years: Mapping[str, int], eligible: Iterable[str],
               sources: Mapping[str, str]) -> pd.DataFrame:
    """A 0 in the census edition for every eligible country the edition does not list."""
    rows = []
    for ind, year in years.items():
        listed = set(part.loc[(part["indicator_id"] == ind) & (part["year"] == year), "iso3"])
        rows += [(iso, ind, str(year), year, 0.0, sources.get(ind, ""), ZERO_NOTE)
                 for iso in eligible if iso not in listed]
    columns = ["iso3", "indicator_id", "period", "year", "value", "source_id", "note"]
    return pd.DataFrame(rows, columns=columns).astype({"year": part["year"].dtype, "value": "float64"})


def prepare_observations(obs: pd.DataFrame, spec: ix.IndexSpec, indicators: pd.DataFrame,
                         population: pd.DataFrame | None = None, gdp: pd.DataFrame | None = None,
                         census_zero: bool = True) -> pd.DataFrame:
    """The observations ``index.build`` turns into the page's index: the index's indicators in the look-back
    window, complete periods only, with the census-zero rule applied when ``census_zero``.

    The reference path: eligibility comes from ``index.indicator_matrix``; :func:`compute` gets the same result
    faster, and the tests hold the two together.
    """
    kinds, _, sources = _lookups(indicators)
    part, years = _window(obs, spec, census_zero)
    if not years or not spec.pillars():
        return part.reset_index(drop=True)
    real = ix.indicator_matrix(part, spec, kinds, population, gdp)
    eligible = real.index[_pillar_counts(real, spec) >= spec.min_pillars]
    zeros = _zero_rows(part, years, eligible, sources)
    return pd.concat([part, zeros], ignore_index=True) if len(zeros) else part.reset_index(drop=True)


def relevant_denominator(series: pd.DataFrame | None, spec: ix.IndexSpec) -> pd.DataFrame | None:
    """The rows of a population or GDP series a value in the look-back window can be divided by: for each
    country its years inside the window and its latest year before it. Exact (a value uses its own year or the
    latest earlier one) and much smaller."""
    if series is None or series.empty:
        return series
    start = spec.year - spec.max_lag
    years = series["year"].to_numpy()
    inside = series[(years > start) & (years <= spec.year)]
    before = series[years <= start].sort_values(["iso3", "year"]).drop_duplicates("iso3", keep="last")
    return pd.concat([before, inside])


_SCALE = {"per_capita": 1e6, "per_gdp": 1e9}


def fast_matrix(part: pd.DataFrame, spec: ix.IndexSpec, population: pd.DataFrame | None = None,
                gdp: pd.DataFrame | None = None) -> pd.DataFrame:
    """``index.indicator_matrix`` for observations already cut to the look-back window, vectorised over the
    indicators: each country's latest (year, period), divided by the population or GDP of the same year or the
    latest earlier one for the per-capita and per-GDP forms (NaN when there is none)."""
    columns = spec.columns()
    form_of = {i: f for p in spec.pillars() for i, f in spec.indicators[p]}
    latest = (part[part["indicator_id"].isin(list(form_of))]
              .sort_values(["indicator_id", "iso3", "year", "period"])
              .drop_duplicates(["indicator_id", "iso3"], keep="last"))
    display = latest["value"].astype("float64")
    forms = latest["indicator_id"].map(form_of)
    for form, series in (("per_capita", population), ("per_gdp", gdp)):
        rows = latest[forms == form]
        if rows.empty:
            continue
        if series is None or series.empty:
            display[rows.index] = np.nan
            continue
        den = (series.sort_values(["iso3", "year", "period"]).drop_duplicates(["iso3", "year"], keep="last")
               [["iso3", "year", "value"]].rename(columns={"value": "den", "year": "den_year"}))
        left = rows[["iso3", "year"]].reset_index().sort_values("year")
        merged = pd.merge_asof(left, den.sort_values("den_year"), left_on="year", right_on="den_year", by="iso3",
                               direction="backward").set_index("index")["den"]
        display[rows.index] = rows["value"].to_numpy() / (merged.reindex(rows.index).to_numpy() / _SCALE[form])
    wide = (pd.DataFrame({"iso3": latest["iso3"], "col": latest["indicator_id"] + ":" + forms, "display": display})
            .pivot(index="iso3", columns="col", values="display"))
    wide.columns.name = None
    wide.index.name = "iso3"
    return wide.reindex(columns=columns).astype("float64")


def _log(x: np.ndarray) -> np.ndarray:
    """``index.log_transform`` on an array."""
    valid = ~np.isnan(x)
    top = x[valid].max() if valid.any() else np.nan
    if not top > 0:
        return x
    floor = np.log10(top) - ix.LOG_DECADES
    logged = np.log10(np.where(x > 0, x, 1.0))
    return np.where(valid, np.where(x > 0, np.maximum(logged, floor), floor), np.nan)


def _average_ranks(v: np.ndarray) -> np.ndarray:
    """1-based ranks, ties sharing their average rank (pandas' method='average')."""
    order = np.argsort(v, kind="mergesort")
    sorted_v = v[order]
    starts = np.r_[True, sorted_v[1:] != sorted_v[:-1]]
    group = np.cumsum(starts) - 1
    first = np.flatnonzero(starts)
    last = np.r_[first[1:], len(v)] - 1
    avg = (first + last) / 2 + 1
    ranks = np.empty(len(v))
    ranks[order] = avg[group]
    return ranks


def _rescale(x: np.ndarray, method: str) -> np.ndarray:
    """``index.normalise_column`` on an array (direction already applied)."""
    out = np.full(len(x), np.nan)
    valid = ~np.isnan(x)
    v = x[valid]
    if v.size == 0:
        return out
    if method == "minmax":
        span = v.max() - v.min()
        out[valid] = np.clip(100 * (v - v.min()) / span, 0, 100) if span > 0 else 50.0
    elif method == "zscore":
        std = v.std(ddof=0)
        out[valid] = (v - v.mean()) / std if std > 0 else 0.0
    elif method == "percentile":
        out[valid] = 100 * (_average_ranks(v) - 1) / (v.size - 1) if v.size > 1 else 50.0
    else:
        raise ValueError(f"unknown normalisation {method!r}")
    return out


def fast_normalised(matrix: pd.DataFrame, spec: ix.IndexSpec, kinds: Mapping[str, str],
                    higher_is_better: Mapping[str, bool]) -> dict[str, pd.DataFrame]:
    """``index.normalised_matrix`` for all three methods at once (the log transform done once)."""
    prepared = {}
    for column in matrix.columns:
        ind = column.split(":")[0]
        x = matrix[column].to_numpy(dtype="float64")
        if spec.log_totals and kinds.get(ind) == "total":
            x = _log(x)
        prepared[column] = x if higher_is_better.get(ind, True) else -x
    return {method: pd.DataFrame({col: _rescale(x, method) for col, x in prepared.items()}, index=matrix.index,
                                 columns=matrix.columns)
            for method in ix.METHODS}


def compute(obs: pd.DataFrame, spec: ix.IndexSpec, indicators: pd.DataFrame,
            population: pd.DataFrame | None = None, gdp: pd.DataFrame | None = None, census_zero: bool = True,
            draws: int = DRAWS, seed: int = SEED, with_robustness: bool = True) -> dict:
    """The index for a choice, as ``index.build(prepare_observations(...))`` gives it, plus rank robustness.

    Returns {'matrix', 'normalised', 'pillars', 'composite', 'robustness', 'prepared', 'census_years',
    'census_zeros', 'pillars_by_method'}. The matrix and the three normalisations are vectorised
    (:func:`fast_matrix`, :func:`fast_normalised`); pillar scores, the composite and the robustness draws are
    :mod:`.index`'s own functions.
    """
    kinds, hib, sources = _lookups(indicators)
    population, gdp = relevant_denominator(population, spec), relevant_denominator(gdp, spec)
    part, years = _window(obs, spec, census_zero)
    matrix = fast_matrix(part, spec, population, gdp)
    zeros = part.iloc[0:0]
    if years and spec.pillars():
        eligible = matrix.index[_pillar_counts(matrix, spec) >= spec.min_pillars]
        zeros = _zero_rows(part, years, eligible, sources)
        if len(zeros):
            part = pd.concat([part, zeros], ignore_index=True)
            matrix = fast_matrix(part, spec, population, gdp)
    by_method = fast_normalised(matrix, spec, kinds, hib)
    pillars_by_method = {m: ix.pillar_scores(norm, spec) for m, norm in by_method.items()}
    weights = ix.normalise_weights(spec.pillar_weights, spec.pillars())
    pillars = pillars_by_method[spec.method]
    composite = ix.composite_from_pillars(pillars, weights, spec.min_pillars)
    robust = None
    if with_robustness and composite["enough_data"].any():
        robust = ix.robustness(pillars_by_method, weights, spec.min_pillars, draws=draws, seed=seed)
    return {"matrix": matrix, "normalised": by_method[spec.method], "pillars": pillars, "composite": composite,
            "robustness": robust, "prepared": part, "census_years": years, "census_zeros": zeros,
            "pillars_by_method": pillars_by_method}


def best_year(obs: pd.DataFrame, spec: ix.IndexSpec, years: Iterable[int]) -> tuple[int, dict[int, int]]:
    """The reference year with the most country x indicator values within the look-back window (complete
    periods only; ties go to the later year), and the count for every year tried."""
    ids = indicator_ids(spec)
    part = complete_periods(obs[obs["indicator_id"].isin(ids)])[["indicator_id", "iso3", "year"]]
    counts = {}
    for year in years:
        inside = part[(part["year"] <= year) & (part["year"] >= year - spec.max_lag)]
        counts[int(year)] = int(len(inside.drop_duplicates(["indicator_id", "iso3"])))
    best = max(counts, key=lambda y: (counts[y], y))
    return best, counts


# -- comparisons with the published indices -------------------------------------------------------------------
def published_scores(obs: pd.DataFrame) -> dict[str, tuple[str, pd.Series]]:
    """{indicator: (edition year, score per country)}: IMF AIPI 2023, Oxford GAIRI's latest edition, Tortoise."""
    out = {}
    for ind, (_, preferred) in COMPARISONS.items():
        part = obs[obs["indicator_id"] == ind]
        if part.empty:
            continue
        years = set(int(y) for y in part["year"])
        year = preferred if preferred in years else max(years)
        rows = part[part["year"] == year].sort_values("period").groupby("iso3").tail(1)
        out[ind] = (str(year), rows.set_index("iso3")["value"].astype(float))
    return out


def compare_published(composite: pd.DataFrame, obs: pd.DataFrame,
                      published: Mapping[str, tuple[str, pd.Series]] | None = None) -> pd.DataFrame:
    """Per published index: edition, countries compared, Spearman rank correlation with our score."""
    ours = composite.loc[composite["enough_data"], "score"]
    rows = []
    for ind, (year, theirs) in (published if published is not None else published_scores(obs)).items():
        rho, n = ix.spearman(ours, theirs)
        rows.append({"indicator_id": ind, "name": COMPARISONS[ind][0], "edition": year, "countries": n,
                     "spearman": rho})
    return pd.DataFrame(rows, columns=["indicator_id", "name", "edition", "countries", "spearman"])


def rank_pairs(composite: pd.DataFrame, theirs: pd.Series) -> pd.DataFrame:
    """Our rank and theirs among the countries both score (1 = best), for a rank-rank scatter."""
    ours = composite.loc[composite["enough_data"], "score"]
    both = pd.concat([ours.rename("ours"), theirs.rename("theirs")], axis=1, join="inner").dropna()
    return pd.DataFrame({"our_rank": both["ours"].rank(ascending=False, method="min").astype(int),
                         "their_rank": both["theirs"].rank(ascending=False, method="min").astype(int)},
                        index=both.index).sort_values("our_rank")


def fragile(robust: pd.DataFrame, top: int = 40) -> pd.DataFrame:
    """Countries among the ``top`` by median rank whose 5-95% rank range spans more than 5 places."""
    head = robust.sort_values("median_rank").head(top)
    return head[~head["robust"]]


def rank_range(p5: float, p95: float) -> str:
    lo, hi = int(np.floor(p5)), int(np.ceil(p95))
    return str(lo) if lo == hi else f"{lo}-{hi}"
