"""Index: a composite AI-gap index built from the URL's specification, how robust its ranking is, and how it
compares with the published indices (IMF AIPI, Oxford Insights GAIRI, Tortoise GAII).

One pipeline (``presets.compute``: ``presets.prepare`` then ``index.build`` and ``index.robustness``) runs once per
specification and store file; every table here is a cut of its result. The query string is the one the Index page
writes (``presets.encode``): ``preset, ind, w, m, log, year, lag, min, zero``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .. import index as ix
from .. import presets as P
from ..measures import complete_periods, latest_per_year
from .base import Frames, Query, View, plural

PARAMS = ("preset", "ind", "w", "m", "log", "year", "lag", "min", "zero")
YEAR_MIN = 2010  # the earliest reference year offered
TOP = 40  # countries in the robustness chart
PILLAR_SHORT = {"investment": "Investment", "compute": "Compute", "models": "Models",
                "talent & research": "Talent & research", "readiness": "Readiness"}
RANKING_COLUMNS = ["iso3", "name", "rank", "score", *ix.PILLARS, "pillars_with_data", "enough_data", "median_rank",
                   "rank_p5", "rank_p95", "rank_range", "robust"]
MAP_COLUMNS = ["iso3", "name", "scored", "score", "rank", "pillars_with_data"]
ROBUST_COLUMNS = ["iso3", "name", "median_rank", "rank_p5", "rank_p95", "rank_range", "robust", "rank"]
COMPARE_COLUMNS = ["indicator_id", "name", "edition", "countries", "spearman"]
PAIR_COLUMNS = ["indicator_id", "index_name", "edition", "iso3", "name", "our_rank", "their_rank"]
INPUT_COLUMNS = ["indicator_id", "name", "pillar", "form", "publisher", "vintage", "countries", "first_year",
                 "last_year", "older", "zeros", "summed", "text"]
WEIGHT_COLUMNS = ["pillar", "label", "pillar_weight", "pillar_share", "indicator_id", "name", "form",
                  "indicator_weight", "indicator_share"]
COMPARE_NOTE = ("Spearman's ρ compares the order of the countries both indices rank (1 = the same order). The "
                "published indices measure readiness and preparedness (Oxford: governments; IMF: preparedness; "
                "Tortoise, c. 2021: capacity and environment), so a capacity index need not agree with them.")


@dataclass(frozen=True)
class Params:
    """The index on screen: a canonical :class:`presets.Choice` (hashable: it keys the view cache). Its ``str``
    names the download file: 'equal_2025_minmax'."""

    choice: P.Choice

    @property
    def spec(self) -> ix.IndexSpec:
        return self.choice.spec

    @property
    def preset(self) -> str:
        return P.preset_of(self.choice)

    @property
    def search(self) -> str:
        """The page's query string for this index ('?preset=...&ind=...')."""
        return P.search_string(self.choice)


@dataclass(frozen=True)
class Context:
    """What every index view reads besides the specification, once per store file."""

    candidates: pd.DataFrame  # the indicators a user may put into the index
    years: tuple[int, ...]  # the reference years offered
    span: dict[str, tuple[int, int]]  # first and last complete year of each candidate
    year_counts: dict[int, int]  # country x indicator values within the default look-back, per reference year
    published: dict[str, tuple[str, pd.Series]]  # the published indices' scores

    def pillar_indicators(self, pillar: str) -> list[str]:
        """A pillar's candidate indicators: the Equal pillars ones first, then the rest by id."""
        defaults = [i for i, _ in P.DEFAULT_INDICATORS.get(pillar, ())]
        ids = self.candidates.index[self.candidates["pillar"] == pillar].tolist()
        return [i for i in defaults if i in ids] + sorted(i for i in ids if i not in defaults)


def context(frames: Frames) -> Context:
    """The candidates, years and published scores: once per store file (``Frames.memo``)."""
    return frames.memo("index-context", lambda: _build_context(frames))


def _build_context(frames: Frames) -> Context:
    candidates = P.candidates(frames.indicators.reset_index(drop=True))
    complete = complete_periods(pd.concat([frames.obs(i) for i in candidates.index], ignore_index=True))
    span = complete.groupby("indicator_id")["year"].agg(["min", "max"])
    top = int(complete["year"].max()) if len(complete) else P.DEFAULT_YEAR
    years = tuple(range(YEAR_MIN, max(top, P.DEFAULT_YEAR) + 1))
    default = P.PRESETS[P.DEFAULT_PRESET].choice.spec
    comparisons = pd.concat([frames.obs(i) for i in P.COMPARISONS], ignore_index=True)
    return Context(candidates=candidates, years=years,
                   span={i: (int(r["min"]), int(r["max"])) for i, r in span.iterrows()},
                   year_counts=P.best_year(complete, default, years)[1], published=P.published_scores(comparisons))


def parse(query: Query, frames: Frames) -> Params:
    return Params(P.decode(query, frames.indicators.reset_index(drop=True), context(frames).years))


def result(p: Params, frames: Frames) -> dict:
    """``presets.compute`` for the parameters, once per specification and store file (all tables share it); the
    pillar scores are kept apart from the pillar weights, so moving a weight slider only re-weighs."""
    spec = p.spec
    census_zero = p.choice.census_zero

    def unweighted() -> dict:
        obs = pd.concat([frames.obs(i) for i in P.indicator_ids(spec)], ignore_index=True)
        return P.pillar_scores(obs, spec, frames.indicators.reset_index(drop=True), frames.obs("population"),
                               frames.obs("gdp_usd"), census_zero)

    scores = frames.memo(("index-pillars", replace(spec, pillar_weights={}), census_zero), unweighted)
    return frames.memo(("index-result", p), lambda: P.weigh(scores, spec))


def _decimals(p: Params) -> int:
    return 2 if p.spec.method == "zscore" else 1


# -- the ranking ---------------------------------------------------------------------------------------------------
def ranking_table(p: Params, frames: Frames) -> View:
    """Every country with data on at least one pillar: rank and score (scored countries first, by rank), pillar
    scores, pillars with data, and the 5-95% rank range under the robustness draws. The page's ranking shows the
    first ``meta['scored']`` rows; the CSV holds them all."""
    res = result(p, frames)
    comp = res["composite"].join(res["pillars"])
    comp = comp[comp["pillars_with_data"] > 0]
    robust = res["robustness"]
    comp = comp.join(robust) if robust is not None else comp.assign(median_rank=np.nan, rank_p5=np.nan,
                                                                     rank_p95=np.nan, robust=pd.NA)
    table = comp.rename_axis("iso3").reset_index()
    table["name"] = table["iso3"].map(frames.name)
    table["rank_range"] = [P.rank_range(lo, hi) if pd.notna(lo) else None
                           for lo, hi in zip(table["rank_p5"], table["rank_p95"])]
    columns = [c for c in RANKING_COLUMNS if c not in ix.PILLARS or c in p.spec.pillars()]
    table = table.sort_values(["rank", "iso3"], na_position="last")[columns].reset_index(drop=True)
    scored = int(table["enough_data"].sum())
    preset = p.preset
    return View(table, tuple(summary_notes(p, res, frames)),
                {"scored": scored, "short": len(table) - scored, "decimals": _decimals(p),
                 "title": P.PRESETS[preset].label if preset in P.PRESETS else "Custom index",
                 "pillars": tuple(p.spec.pillars())})


def summary_notes(p: Params, res: dict, frames: Frames) -> list[str]:
    """The index in plain words: years, scaling, the composite rule, census zeros and what the model inputs are."""
    spec = p.spec
    names = context(frames).candidates["name"]
    kinds = context(frames).candidates["kind"]
    method = {"minmax": "rescaled to 0-100 (worst 0, best 100)",
              "zscore": "turned into z-scores (distance from the mean in standard deviations)",
              "percentile": "turned into percentile ranks (0-100)"}[spec.method]
    has_totals = any(kinds[i] == "total" for i in P.indicator_ids(spec))
    log = ("totals are log-transformed first, then every indicator is " if spec.log_totals and has_totals
           else "no log transform; every indicator is " if has_totals else "every indicator is ")
    notes = [
        (f"Reference year {spec.year}: each country's value for {spec.year}, or its latest value up to "
         f"{plural(spec.max_lag, 'year')} earlier ({spec.year - spec.max_lag}-{spec.year})." if spec.max_lag
         else f"Reference year {spec.year}: values for {spec.year} only."),
        f"Each indicator: {log}{method}, with higher = better.",
        "A pillar is the weighted mean of the indicators a country has; the index is the weighted mean of its "
        f"pillars, only for countries with data on at least {spec.min_pillars} of the {len(spec.pillars())} "
        "pillars used; the others are listed as not enough data, never scored from zeros.",
    ]
    prepared: P.Prepared = res["prepared"]
    if prepared.sums:
        notes.append(model_sum_note(prepared, frames))
    if p.choice.census_zero and prepared.editions:
        listed = "; ".join(f"{names[i]} ({period})" for i, (_, period) in prepared.editions.items())
        notes.append(f"Census lists ({listed}): countries with enough data that are not listed count as 0 "
                     f"({plural(len(prepared.zeros), 'such value')}).")
    elif not p.choice.census_zero:
        notes.append("Countries missing from census lists (TOP500, model lists, cloud regions) are treated as "
                     "missing, not zero.")
    if all(spec.pillar_weights.get(x, 1.0) == 0 for x in spec.pillars()):
        notes.append("All pillar weights are 0, so the pillars count equally.")
    unused = [PILLAR_SHORT[x] for x in ix.PILLARS if x not in spec.pillars()]
    if unused:
        notes.append(f"Not used: {', '.join(unused)}.")
    return notes


def model_sum_note(prepared: P.Prepared, frames: Frames) -> str:
    """Which years each model count sums, and which latest year is still incomplete."""
    names = context(frames).candidates["name"]
    parts, incomplete = [], []
    for ind, (first, last) in prepared.sums.items():
        parts.append(f"{names[ind]}: the sum of {first}-{last}" if first != last else f"{names[ind]}: {last}")
        if last >= int(complete_periods(frames.obs(ind))["year"].max()):
            incomplete.append(f"{last} ({names[ind]})")
    text = ("Model counts are models released per year, so each is the sum over the look-back window, not one "
            "year's list: " + "; ".join(parts) + ".")
    if incomplete:
        text += (f" Latest year incomplete: {', '.join(incomplete)}; Epoch AI keeps adding models to a year after "
                 "it ends, so its count will still grow.")
    return text


def weights_table(p: Params, frames: Frames) -> View:
    """The index's make-up: each pillar's weight and share, each indicator's form, weight and share."""
    spec = p.spec
    names = context(frames).candidates["name"]
    pillar_share = ix.normalise_weights(spec.pillar_weights, spec.pillars())
    rows = []
    for pillar in spec.pillars():
        ids = [i for i, _ in spec.indicators[pillar]]
        share = ix.normalise_weights(spec.indicator_weights, ids)
        rows += [{"pillar": pillar, "label": PILLAR_SHORT[pillar],
                  "pillar_weight": float(spec.pillar_weights.get(pillar, 1.0)), "pillar_share": pillar_share[pillar],
                  "indicator_id": ind, "name": names[ind], "form": form,
                  "indicator_weight": float(spec.indicator_weights.get(ind, 1.0)), "indicator_share": share[ind]}
                 for ind, form in spec.indicators[pillar]]
    table = pd.DataFrame(rows, columns=WEIGHT_COLUMNS)
    lines = []  # per pillar: its weight and share, then its indicators (form, share within the pillar)
    for pillar, part in table.groupby("pillar", sort=False):
        first = part.iloc[0]
        items = [name + ("" if form == "absolute" else f" {P.FORM_LABELS[form]}")
                 + (f" ({100 * share:.0f}%)" if len(part) > 1 else "")
                 for name, form, share in zip(part["name"], part["form"], part["indicator_share"])]
        lines.append((f"{first['label']} — weight {P.num_text(first['pillar_weight'])} "
                      f"({100 * first['pillar_share']:.0f}%): ", "; ".join(items) + "."))
    return View(table, (), {"lines": tuple(lines)})


# -- the map -------------------------------------------------------------------------------------------------------
def map_table(p: Params, frames: Frames) -> View:
    """What the map colours: scored countries by score, the others with data on some pillar in grey."""
    ranking = ranking_table(p, frames)
    table = ranking.table.rename(columns={"enough_data": "scored"})[MAP_COLUMNS]
    short = table[~table["scored"]].sort_values(["pillars_with_data", "name"], ascending=[False, True])
    missing = tuple((int(k), tuple(g["name"])) for k, g in short.groupby("pillars_with_data", sort=False))
    n = len(p.spec.pillars())
    return View(table, (), {"title": f"AI-gap index, {p.spec.year}: {plural(ranking.meta['scored'], 'country', 'countries')} scored",
                            "colorbar": "Score (z)" if p.spec.method == "zscore" else "Score (0-100)",
                            "decimals": _decimals(p), "pillars": n, "min_pillars": p.spec.min_pillars,
                            "missing": missing})


# -- robustness ----------------------------------------------------------------------------------------------------
def robustness_table(p: Params, frames: Frames) -> View:
    """The top countries by median rank under the robustness draws (what the chart draws): median rank, the
    5-95% range, whether it spans at most 5 places, and the rank with the chosen weights."""
    res = result(p, frames)
    robust = res["robustness"]
    if robust is None or robust.empty:
        return View(pd.DataFrame(columns=ROBUST_COLUMNS), ("No country has data on enough pillars.",),
                    {"empty": "No country has data on enough pillars"})
    head = robust.sort_values(["median_rank", "rank_p5"]).head(TOP)
    table = head.rename_axis("iso3").reset_index()
    table["name"] = table["iso3"].map(frames.name)
    table["rank_range"] = [P.rank_range(lo, hi) for lo, hi in zip(table["rank_p5"], table["rank_p95"])]
    table["rank"] = table["iso3"].map(res["composite"]["rank"]).astype(int)
    table = table[ROBUST_COLUMNS]
    moving = table[~table["robust"]]
    what = ("the three normalisations (with one pillar there are no pillar weights to vary)"
            if len(p.spec.pillars()) == 1 else
            f"{P.DRAWS:,} random pillar weightings around yours (Dirichlet, fixed seed) under each of the three "
            "normalisations")
    note = (f"Each country is ranked under {what}. The bars show where its rank falls in 90% of these cases; "
            f"{len(table) - len(moving)} of the top {len(table)} stay within 5 places.")
    return View(table, (note,), {"title": f"Rank range under {P.DRAWS:,} weightings x 3 normalisations, "
                                          f"top {len(table)}",
                                 "fragile": tuple(zip(moving["name"], moving["rank_range"]))})


# -- the published indices -----------------------------------------------------------------------------------------
def comparison_table(p: Params, frames: Frames) -> View:
    """Per published index: the edition compared, how many countries both rank and Spearman's ρ."""
    table = P.compare_published(result(p, frames)["composite"], context(frames).published)
    return View(table[COMPARE_COLUMNS], (COMPARE_NOTE,))


def pairs_table(p: Params, frames: Frames) -> View:
    """Our rank and the published index's rank for every country both rank (the rank-rank scatter)."""
    composite = result(p, frames)["composite"]
    parts = []
    for ind, (edition, theirs) in context(frames).published.items():
        pairs = P.rank_pairs(composite, theirs).rename_axis("iso3").reset_index()
        parts.append(pairs.assign(indicator_id=ind, index_name=P.COMPARISONS[ind][0], edition=edition))
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=PAIR_COLUMNS)
    table["name"] = table["iso3"].map(frames.name)
    return View(table[PAIR_COLUMNS], (), {"top": int(table[["our_rank", "their_rank"]].max().max()) if len(table)
                                          else 0})


# -- inputs --------------------------------------------------------------------------------------------------------
def inputs_table(p: Params, frames: Frames) -> View:
    """Per indicator of the index: source, how many countries have a real value, from which years, how many use
    an older year, how many census zeros were added, and for model counts the years summed."""
    spec = p.spec
    ctx = context(frames)
    prepared: P.Prepared = result(p, frames)["prepared"]
    obs = prepared.obs
    real = obs[obs["note"].fillna("") != P.ZERO_NOTE]
    latest = (latest_per_year(real).sort_values(["indicator_id", "iso3", "year"])
              .drop_duplicates(["indicator_id", "iso3"], keep="last"))
    rows = []
    for pillar in spec.pillars():
        for ind, form in spec.indicators[pillar]:
            row = ctx.candidates.loc[ind]
            years = latest.loc[latest["indicator_id"] == ind, "year"]
            zeros = int((prepared.zeros["indicator_id"] == ind).sum()) if len(prepared.zeros) else 0
            summed = "{}-{}".format(*prepared.sums[ind]) if ind in prepared.sums else ""
            rows.append({"indicator_id": ind, "name": row["name"], "pillar": pillar, "form": form,
                         "publisher": row.get("publisher", ""), "vintage": row.get("vintage", ""),
                         "countries": len(years), "first_year": int(years.min()) if len(years) else None,
                         "last_year": int(years.max()) if len(years) else None,
                         "older": int((years < spec.year).sum()) if not summed else 0, "zeros": zeros,
                         "summed": summed, "text": _input_text(spec, years, zeros, summed, ctx.span.get(ind))})
    return View(pd.DataFrame(rows, columns=INPUT_COLUMNS), (year_note(p, frames),))


def _input_text(spec: ix.IndexSpec, years: pd.Series, zeros: int, summed: str, span: tuple[int, int] | None) -> str:
    if years.empty:
        text = f"no data between {spec.year - spec.max_lag} and {spec.year}"
        return text + (f" (data {span[0]}-{span[1]})" if span else "") + ": contributes nothing."
    if summed:
        text = f"{plural(len(years), 'country', 'countries')}, models summed over {summed}"
    else:
        older = int((years < spec.year).sum())
        first, last = int(years.min()), int(years.max())
        text = (f"{plural(len(years), 'country', 'countries')}, {first if first == last else f'{first}-{last}'}"
                + (f"; {older} use a year before {spec.year}" if older else ""))
    return text + (f"; {zeros} not listed, counted as 0" if zeros else "") + "."


def year_note(p: Params, frames: Frames) -> str:
    """The window used, and why the default reference year is what it is (counts from the store)."""
    spec = p.spec
    counts = context(frames).year_counts
    window = (f"Values from {spec.year - spec.max_lag} to {spec.year}, each country's latest." if spec.max_lag
              else f"Values for {spec.year} only.")
    if not counts:
        return window
    others = ", ".join(f"{y}: {counts[y]:,}" for y in (P.DEFAULT_YEAR - 1, P.DEFAULT_YEAR + 1) if y in counts)
    return (f"{window} The default, {P.DEFAULT_YEAR}, is the year in which the Equal pillars indicators have the most "
            f"country values within {P.DEFAULT_LAG} years back ({counts.get(P.DEFAULT_YEAR, 0):,}; {others}): GPU "
            f"clusters, cloud regions and AI diffusion start in 2025, and {P.DEFAULT_YEAR + 1} is still partial "
            "for investment and thin for R&D.")


TABLES = {"ranking": ranking_table, "map": map_table, "robustness": robustness_table,
          "comparison": comparison_table, "pairs": pairs_table, "inputs": inputs_table, "weights": weights_table}
