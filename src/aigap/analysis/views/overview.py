"""Overview: the world map and ranking of one indicator in one year, and the concentration headline cards."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import scales
from ..measures import MODES, complete_periods, complete_years, denominator, edition_of_year, latest_per_year, \
    share_of_period, top_shares, value_for_year
from .base import Frames, Query, View, indicator_param, mode_param, plural

PARAMS = ("indicator", "year", "mode", "lag")
DEFAULT_INDICATOR = "ai_vc_investment"
LAG_MAX = 10
LEADERS = ("USA", "CHN")
# The capacities whose concentration the headline cards show.
HEADLINES = (("Investment", "ai_vc_investment"), ("Compute (TOP500)", "top500_rmax"),
             ("Compute (AI clusters)", "gpu_cluster_h100e"), ("Models", "notable_ai_models"))
MAP_COLUMNS = ["iso3", "name", "indicator_id", "period", "year", "value", "source_id", "note", "lag", "display",
               "rank"]
_SCALE = {"per_capita": 1e6, "per_gdp": 1e9}
_DENOMINATOR = {"per_capita": "population", "per_gdp": "gdp_usd"}


@dataclass(frozen=True)
class Params:
    indicator: str
    year: int | None
    mode: str = "absolute"
    lag: int = 0


def default_lag(kind: str) -> int:
    """A missing total (not on the TOP500 list, no deal) is not "an older value": only rates and scores look back."""
    return 0 if kind == "total" else 3


def default_year(obs: pd.DataFrame) -> int | None:
    """The latest year with values that cover the whole period (not a year to date)."""
    complete = complete_periods(obs)
    source = complete if len(complete) else obs
    return int(source["year"].max()) if len(source) else None


def year_after_switch(obs: pd.DataFrame, year: int | None) -> int | None:
    """The year shown when the indicator changes: the same year if the new indicator has complete values for it,
    else its latest complete year (never a year to date the reader did not ask for)."""
    return year if year in complete_years(obs) else default_year(obs)


def partial_years(obs: pd.DataFrame) -> set[int]:
    """Years known only in part (a year to date): a year picker says so."""
    return set(obs["year"].astype(int)) - set(complete_years(obs))


def parse(query: Query, frames: Frames) -> Params:
    ind_id = indicator_param(query, frames, default=DEFAULT_INDICATOR)
    ind = frames.indicator(ind_id)
    obs = frames.obs(ind_id)
    years = sorted(int(y) for y in obs["year"].unique())
    fallback = default_year(obs)
    year = query.choice("year", [str(y) for y in years], str(fallback) if fallback is not None else None)
    return Params(indicator=ind_id, year=int(year) if year is not None else None,
                  mode=mode_param(query, ind["kind"]),
                  lag=query.integer("lag", 0, LAG_MAX, default_lag(ind["kind"])))


def map_table(p: Params, frames: Frames) -> View:
    """One row per country with a value for the year (or, within the look-back, an earlier one), ranked.

    ``display`` is the value in the chosen form. A share is the country's share of the total of every country
    with data in the period its value comes from, taken before the look-back pick. ``meta["scale"]`` is the map's
    colour scale for these values (linear, log or bins: :func:`aigap.analysis.scales.choose`).
    """
    ind = frames.indicator(p.indicator)
    obs = frames.obs(p.indicator)
    empty = pd.DataFrame(columns=MAP_COLUMNS)
    if p.year is None or obs.empty:
        return View(empty, (f"No data for {ind['name']}.",), {"empty": f"No data for {ind['name']}"})
    yearly = latest_per_year(obs[obs["year"] <= p.year])
    if p.mode == "share_world":
        yearly = yearly.assign(display=share_of_period(yearly))
    current = value_for_year(yearly, p.year, max_lag=p.lag)
    if p.mode in _SCALE:
        den = denominator(frames.obs(_DENOMINATOR[p.mode]), current)
        current = current.assign(display=current["value"] / (den / _SCALE[p.mode]))
    elif p.mode == "absolute":
        current = current.assign(display=current["value"])
    current = current.dropna(subset=["display"])
    if current.empty:
        years = frames.years(p.indicator)
        msg = f"No data for {ind['name']} in {p.year}" + (f"; latest year is {years[-1]}" if years else "")
        return View(empty, (msg + ".",), {"empty": msg})
    ascending = not ind["higher_is_better"]
    current = current.assign(name=current["iso3"].map(frames.name),
                             rank=current["display"].rank(ascending=ascending, method="min").astype(int))
    table = current.sort_values(["rank", "iso3"])[MAP_COLUMNS].reset_index(drop=True)
    editions = edition_of_year(obs)
    return View(table, tuple(map_notes(table, p, ind, editions, frames)),
                {"period": period_text(table, p.year, editions), "unit": unit_label(ind, p.mode),
                 "title": f"{ind['name']} ({unit_label(ind, p.mode)}), {p.year}",
                 "scale": scales.choose(table["display"])})


def unit_label(ind: dict, mode: str) -> str:
    return ind["unit"] if mode == "absolute" else f"{ind['unit']}, {MODES[mode]}"


def period_text(table: pd.DataFrame, year: int, editions: dict[int, str]) -> str:
    """'2024', or '2017 (the 2017-11 edition)' where a year holds several periods."""
    periods = sorted(table["period"].astype(str).unique())
    own = editions.get(year)
    if own and own != str(year):
        older = [p for p in periods if p != own]
        return f"{year}: the {own} edition" + (f" (older values from {', '.join(older[-3:])})" if older else "")
    return periods[0] if len(periods) == 1 else f"{year} (values from {periods[0]} to {periods[-1]})"


def map_notes(table: pd.DataFrame, p: Params, ind: dict, editions: dict[int, str], frames: Frames) -> list[str]:
    notes = []
    lagged = table[table["lag"] > 0]
    if len(lagged):
        listed = ", ".join(f"{r.name} ({r.period})" for r in lagged.head(8).itertuples())
        more = f" and {len(lagged) - 8} more" if len(lagged) > 8 else ""
        share = " (each as its share of that period's total)" if p.mode == "share_world" else ""
        notes.append(f"{len(lagged)} of {plural(len(table), 'country', 'countries')} have no {p.year} value; "
                     f"their latest earlier value is shown{share}: {listed}{more}.")
    if editions.get(p.year, str(p.year)) != str(p.year):
        notes.append(f"{p.year} means the last edition of the year, {editions[p.year]}; a country not on that "
                     "list has no value for the year.")
    for note in table["note"].dropna().unique():
        notes.append(f"Note on some values: {note}.")
    if p.mode == "share_world":
        notes.append("Share of the total of every country with data in the same period (not of the world economy).")
    elif p.mode != "absolute":
        notes.append(f"Shown {MODES[p.mode]}; denominators are World Bank population / GDP (current US$) of the "
                     "same year or the latest earlier one (at most 5 years back).")
    return notes


def headlines_table(p: Params, frames: Frames) -> View:
    """Per headline capacity: the latest complete year, the top-two share and the US + China share."""
    rows = []
    for label, ind_id in HEADLINES:
        ind = frames.indicator(ind_id)
        if ind is None:
            continue
        complete = complete_periods(frames.obs(ind_id))  # a year-to-date total would understate the year
        if complete.empty:
            continue
        year = int(complete["year"].max())
        current = value_for_year(complete, year)
        values = current.set_index("iso3")["value"]
        total = values.sum()
        top_two = values.sort_values(ascending=False).head(2).index.tolist()
        rows.append({"label": label, "indicator_id": ind_id, "name": ind["name"], "year": year,
                     "period": period_text(current, year, edition_of_year(complete)),
                     "top2_share": top_shares(values, ks=(2,))["top2"],
                     "top2": " and ".join(frames.name(i) for i in top_two),
                     "us_china_share": 100 * values[values.index.isin(LEADERS)].sum() / total if total else None,
                     "countries": len(values)})
    return View(pd.DataFrame(rows))


TABLES = {"map": map_table, "headlines": headlines_table}
