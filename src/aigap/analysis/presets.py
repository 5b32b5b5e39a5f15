"""Ready-made index specifications, the URL encoding of a specification, and the index pipeline the page runs.

Pure functions (DataFrames and mappings in, DataFrames and mappings out; no Dash, no store access), so the
Index view (``analysis/views/index.py``), its tests and ``benchmarks/index.py`` share them:

* ``PRESETS``: "Equal pillars" (the default), "IMF AIPI structure", "Capacity only" and "Oxford-like".
* ``encode`` / ``decode``: a :class:`Choice` (an :class:`~aigap.analysis.index.IndexSpec` plus the census-zero
  rule) <-> a compact query string, e.g.
  ``ind=ai_vc_investment:per_gdp,top500_rmax:absolute:2&w=inv:2,cmp:1&m=minmax&log=1&year=2025&lag=3&min=3&zero=1``.
  Leniently (a page opened from an old link) anything unknown, malformed or out of range falls back to the
  preset's (or the default) value; strictly (``/download``) it is refused with a ``ParamError``.
* ``prepare``: the observations the index is built from (complete periods in the look-back window, model counts
  summed over the window, the census-zero rule); ``compute``: ``index.build`` on them plus ``index.robustness``
  over 1,000 Dirichlet draws x the three normalisations; ``best_year``, ``compare_published`` and ``rank_pairs``.

Model counts (Epoch AI's notable, large-scale and open-weight models) are flows: models released in a year, and
a year's count keeps growing after it ends (Epoch adds models as it learns of them; the 2025 notable-model list
has 8 countries). Their index input is the sum over the look-back window's years, with the latest year flagged
as incomplete, never one year's short list.

The census-zero rule: a few indicators are censuses whose absence means "none", not "unknown" (Epoch AI's model
lists say so; a country missing from the TOP500 list or from the cloud providers' region map has none listed).
For them, a country that already has real data on at least ``min_pillars`` pillars and is absent from the latest
edition within the look-back window (for model counts: from every year of the window) counts as 0 there, and an
older entry is not carried forward. Without the rule, a country with one small TOP500 system or one notable model
scores below a country with none, whose compute or models pillar is simply skipped. Countries below
``min_pillars`` are never given zeros: they stay "not enough data".
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlencode

import numpy as np
import pandas as pd

from . import index as ix
from .measures import allowed_modes, complete_periods, latest_per_year
from .views.base import ParamError, Query

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
# Counts of models released in a year: summed over the look-back window (see the module docstring).
MODEL_COUNTS = ("notable_ai_models", "large_scale_ai_models", "open_weight_ai_models")
DENOMINATORS = ("population", "gdp_usd")

# The rules in words, under the Index page's switches.
LOG_HELP = ("Totals (dollars, FLOP/s, counts of models or regions) are heavy-tailed: the United States and China "
            "are orders of magnitude ahead, so on a linear scale everyone else is squeezed near zero. The log "
            "transform (log10, with zero placed six decades below the largest value) ranks differences of scale "
            "instead. Rates and scores are never logged.")
CENSUS_HELP = ("TOP500, Epoch AI's model lists and the cloud-region map are censuses: a country that is not listed "
               "has none listed. With this on, a country that has real data on enough pillars counts as 0 there, "
               "and only the latest edition in the look-back window counts (model counts: the whole window). With "
               "it off, a country with one small system or model scores below a country with none, whose pillar "
               "is simply skipped.")

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

    def __str__(self) -> str:
        """Short and stable, for file names: 'equal_2025_minmax', or 'custom_2025_minmax_1a2b3c4d'."""
        preset = preset_of(self)
        text = f"{preset}_{self.spec.year}_{self.spec.method}"
        if preset == CUSTOM:
            text += "_" + hashlib.sha1(search_string(self).encode()).hexdigest()[:8]
        return text


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


_WEIGHT = re.compile(r"(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\Z", re.ASCII)


def _weight(text: str) -> float | None:
    """A weight from 0 to WEIGHT_MAX written in ASCII digits (any float repr: '2', '2.5', '1e-05'), else None."""
    text = text.strip()
    if not _WEIGHT.match(text):
        return None
    value = float(text)
    return value if math.isfinite(value) and 0.0 <= value <= WEIGHT_MAX else None


def _refuse(query: Query, message: str) -> None:
    """A bad value: an error for a strict query (/download), ignored for a lenient one (the page)."""
    if query.strict:
        raise ParamError(message)


def parse_indicators(query: Query, table: pd.DataFrame) -> tuple[dict[str, tuple[tuple[str, str], ...]],
                                                                  dict[str, float]]:
    """``ind=id:form[:weight],...`` -> ({pillar: ((id, form), ...)}, {id: weight}). Leniently a bad entry is
    dropped, a bad form becomes the indicator's first allowed form and a bad weight 1; strictly each is refused."""
    chosen: dict[str, list[tuple[str, str]]] = {}
    weights: dict[str, float] = {}
    for entry in (query.text("ind") or "").split(","):
        parts = entry.strip().split(":")
        ind = parts[0].strip()
        if not ind:
            continue
        if ind not in table.index:
            _refuse(query, f"'ind' has an indicator the index cannot use: {ind!r}")
            continue
        if ind in weights:
            _refuse(query, f"'ind' names {ind!r} twice")
            continue
        row = table.loc[ind]
        allowed = forms_for(row["kind"])
        form = parts[1].strip() if len(parts) > 1 else ""
        if form not in allowed:
            if form:
                _refuse(query, f"'ind': {ind} can be {', '.join(allowed)}; got {form!r}")
            form = allowed[0]
        weight = _weight(parts[2]) if len(parts) > 2 else 1.0
        if weight is None:
            _refuse(query, f"'ind': the weight of {ind} must be a number from 0 to {WEIGHT_MAX:g}; got {parts[2]!r}")
        chosen.setdefault(row["pillar"], []).append((ind, form))
        weights[ind] = 1.0 if weight is None else weight
    return {p: tuple(chosen[p]) for p in PILLARS if p in chosen}, weights


def decode(params: Mapping[str, object] | Query, indicators: pd.DataFrame, years: Sequence[int] | None = None) -> Choice:
    """A choice from query parameters: start from the named preset (default: Equal pillars) and apply every
    parameter. A plain mapping is read leniently (never raises: anything unknown, malformed or out of range keeps
    the preset's value); a strict :class:`Query` raises ``ParamError`` instead."""
    query = params if isinstance(params, Query) else Query(params, strict=False)
    table = candidates(indicators)
    preset = PRESETS[query.choice("preset", [*PRESETS, CUSTOM], DEFAULT_PRESET).replace(CUSTOM, DEFAULT_PRESET)]
    base = canonical(preset.choice).spec

    indicators_, ind_weights = dict(base.indicators), dict(base.indicator_weights)
    parsed, weights = parse_indicators(query, table)
    if parsed:
        indicators_, ind_weights = parsed, weights
    pillars = [p for p in PILLARS if indicators_.get(p)]

    pillar_weights = {p: float(base.pillar_weights.get(p, 1.0)) for p in pillars}
    for entry in (query.text("w") or "").split(","):
        if not entry.strip():
            continue
        key, _, value = entry.partition(":")
        pillar = KEY_PILLARS.get(key.strip(), key.strip() if key.strip() in PILLARS else None)
        weight = _weight(value)
        if pillar is None or weight is None:
            _refuse(query, f"'w' takes pillar:weight with a pillar of {', '.join(KEY_PILLARS)} and a weight from 0 to "
                       f"{WEIGHT_MAX:g}; got {entry!r}")
        elif pillar in pillar_weights:
            pillar_weights[pillar] = weight

    lo, hi = (min(years), max(years)) if years else YEAR_BOUNDS
    spec = ix.IndexSpec(
        indicators=indicators_, pillar_weights=pillar_weights, indicator_weights=ind_weights,
        method=query.choice("m", ix.METHODS, base.method),
        log_totals=query.flag("log", base.log_totals),
        year=query.integer("year", lo, hi, base.year if lo <= base.year <= hi else hi),
        max_lag=query.integer("lag", 0, LAG_MAX, base.max_lag),
        min_pillars=query.integer("min", 1, len(PILLARS), base.min_pillars))
    return canonical(Choice(spec, query.flag("zero", preset.choice.census_zero)))


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


@dataclass(frozen=True)
class Prepared:
    """The observations an index is built from, and what was done to them (for the notes on screen).

    ``editions``: census indicator -> (year, period) of the edition in use; ``sums``: model count -> (first,
    last) year summed; ``zeros``: the rows added by the census-zero rule.
    """

    obs: pd.DataFrame
    editions: Mapping[str, tuple[int, str]]
    sums: Mapping[str, tuple[int, int]]
    zeros: pd.DataFrame


def sum_model_counts(part: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, tuple[int, int]]]:
    """Each model count's rows become one row per country: the sum over the years of ``part`` that have the
    indicator (one period per year), dated the last of them, period 'first-last'. Other indicators unchanged."""
    is_count = part["indicator_id"].isin(MODEL_COUNTS)
    if not is_count.any():
        return part, {}
    yearly = latest_per_year(part[is_count])
    span = yearly.groupby("indicator_id")["year"].agg(["min", "max"])
    summed = yearly.groupby(["indicator_id", "iso3"], as_index=False).agg(value=("value", "sum"),
                                                                          source_id=("source_id", "first"))
    first, last = summed["indicator_id"].map(span["min"]), summed["indicator_id"].map(span["max"])
    summed = summed.assign(year=last.astype(part["year"].dtype),
                           period=np.where(first == last, last.astype(str), first.astype(str) + "-" + last.astype(str)),
                           note=None)
    out = pd.concat([part[~is_count], summed[list(part.columns)]], ignore_index=True)
    return out, {i: (int(r["min"]), int(r["max"])) for i, r in span.iterrows()}


def census_editions(part: pd.DataFrame, spec: ix.IndexSpec) -> dict[str, tuple[int, str]]:
    """For each census indicator of the spec in ``part``: the (year, period) of its latest edition."""
    rows = part[part["indicator_id"].isin([i for i in indicator_ids(spec) if i in CENSUS])]
    if rows.empty:
        return {}
    latest = latest_per_year(rows).sort_values("year").groupby("indicator_id").tail(1)
    return {r.indicator_id: (int(r.year), str(r.period)) for r in latest.itertuples()}


def _pillar_counts(matrix: pd.DataFrame, spec: ix.IndexSpec) -> pd.Series:
    has = pd.DataFrame({p: matrix[[f"{i}:{f}" for i, f in spec.indicators[p]]].notna().any(axis=1)
                        for p in spec.pillars()}, index=matrix.index)
    return has.sum(axis=1) if len(has.columns) else pd.Series(0, index=matrix.index)


def _zero_rows(part: pd.DataFrame, editions: Mapping[str, tuple[int, str]], eligible: Iterable[str],
               sources: Mapping[str, str]) -> pd.DataFrame:
    """A 0 in the census edition (its own period, so it is that edition's value) for every eligible country the
    edition does not list."""
    rows = []
    for ind, (year, period) in editions.items():
        listed = set(part.loc[(part["indicator_id"] == ind) & (part["year"] == year), "iso3"])
        rows += [(iso, ind, period, year, 0.0, sources.get(ind, ""), ZERO_NOTE)
                 for iso in eligible if iso not in listed]
    columns = ["iso3", "indicator_id", "period", "year", "value", "source_id", "note"]
    return pd.DataFrame(rows, columns=columns).astype({"year": part["year"].dtype, "value": "float64"})


def prepare(obs: pd.DataFrame, spec: ix.IndexSpec, indicators: pd.DataFrame, population: pd.DataFrame | None = None,
            gdp: pd.DataFrame | None = None, census_zero: bool = True) -> Prepared:
    """The index's indicators in the look-back window, complete periods only, model counts summed over the
    window, and with ``census_zero`` only the latest edition of each census list plus a 0 for every country with
    enough real pillars that it does not list."""
    ids = indicator_ids(spec)
    years = obs["year"]
    part = complete_periods(obs[obs["indicator_id"].isin(ids) & (years <= spec.year)
                                & (years >= spec.year - spec.max_lag)])
    part, sums = sum_model_counts(part)
    editions = census_editions(part, spec) if census_zero else {}
    zeros = part.iloc[0:0]
    if editions:
        edition = part["indicator_id"].map({i: y for i, (y, _) in editions.items()})
        part = part[edition.isna() | (part["year"] >= edition)]
        real = ix.indicator_matrix(part, spec, population, gdp)
        eligible = real.index[_pillar_counts(real, spec) >= spec.min_pillars]
        sources = dict(zip(indicators["indicator_id"], indicators["source_id"])) if "source_id" in indicators else {}
        zeros = _zero_rows(part, editions, eligible, sources)
        if len(zeros):
            part = pd.concat([part, zeros], ignore_index=True)
    return Prepared(part.reset_index(drop=True), editions, sums, zeros)


def pillar_scores(obs: pd.DataFrame, spec: ix.IndexSpec, indicators: pd.DataFrame,
                  population: pd.DataFrame | None = None, gdp: pd.DataFrame | None = None,
                  census_zero: bool = True) -> dict:
    """Everything up to the pillar scores (which pillar weights do not change, so a weight change reuses it):
    ``index.build`` on :func:`prepare`'s observations, and 'prepared' (a :class:`Prepared`)."""
    prepared = prepare(obs, spec, indicators, population, gdp, census_zero)
    return {**ix.build(prepared.obs, spec, indicators, population, gdp), "prepared": prepared}


def weigh(pillars: Mapping[str, object], spec: ix.IndexSpec, draws: int = DRAWS, seed: int = SEED,
          with_robustness: bool = True) -> dict:
    """The composite and rank robustness with the spec's pillar weights, from :func:`pillar_scores`'s result."""
    weights = ix.normalise_weights(spec.pillar_weights, spec.pillars())
    composite = ix.composite_from_pillars(pillars["pillars"], weights, spec.min_pillars)
    robust = None
    if with_robustness and composite["enough_data"].any():
        robust = ix.robustness(pillars["pillars_by_method"], weights, spec.min_pillars, draws=draws, seed=seed)
    return {**pillars, "composite": composite, "robustness": robust}


def compute(obs: pd.DataFrame, spec: ix.IndexSpec, indicators: pd.DataFrame,
            population: pd.DataFrame | None = None, gdp: pd.DataFrame | None = None, census_zero: bool = True,
            draws: int = DRAWS, seed: int = SEED, with_robustness: bool = True) -> dict:
    """The index for a choice: :func:`pillar_scores` then :func:`weigh`.

    Returns ``index.build``'s parts ('matrix', 'normalised', 'pillars', 'composite', 'pillars_by_method'),
    'robustness' (None when no country is scored) and 'prepared' (a :class:`Prepared`).
    """
    pillars = pillar_scores(obs, spec, indicators, population, gdp, census_zero)
    return weigh(pillars, spec, draws, seed, with_robustness)


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


def compare_published(composite: pd.DataFrame, published: Mapping[str, tuple[str, pd.Series]]) -> pd.DataFrame:
    """Per published index (``published_scores``): edition, countries compared, Spearman rank correlation with
    our score."""
    ours = composite.loc[composite["enough_data"], "score"]
    rows = []
    for ind, (year, theirs) in published.items():
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
