"""Derived measures computed from stored observations (never stored twice): yearly values with an
honest fallback to earlier years, per capita / per GDP / share of world, ranks and group aggregates.

Pure functions: DataFrames in, DataFrames out. Observation frames have the store's columns
``iso3, indicator_id, period, year, value, source_id, note``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MODES = {
    "absolute": "absolute",
    "per_capita": "per million people",
    "per_gdp": "per US$ billion of GDP",
    "share_world": "% of the total of countries with data",
}
MODE_SHORT = {"absolute": "absolute", "per_capita": "per capita", "per_gdp": "per GDP", "share_world": "share of total"}
_SCALE = {"per_capita": 1e6, "per_gdp": 1e9}


PARTIAL_MARKERS = ("year to date", "partial year")


def complete_periods(obs: pd.DataFrame) -> pd.DataFrame:
    """Leave out values the adapters marked as covering part of a period (year to date, partial year)."""
    note = obs["note"].fillna("").str.lower()
    partial = note.str.startswith(PARTIAL_MARKERS)
    return obs[~partial]


def allowed_modes(kind: str) -> list[str]:
    """Per capita, per GDP and share of world only make sense for totals (not for rates or scores)."""
    return list(MODES) if kind == "total" else ["absolute"]


def latest_per_year(obs: pd.DataFrame) -> pd.DataFrame:
    """One row per country and year, all from one period: the latest period of that year in the data.

    For a list published several times a year (TOP500 in June and November) the year means its last edition,
    and a country missing from that edition has no value for the year (its June value is not mixed in), so a
    year's total equals that edition's total. For annual data the period is the year and nothing changes.
    """
    if obs.empty:
        return obs.copy()
    keys = ["indicator_id", "year"] if "indicator_id" in obs else ["year"]
    # The periods' codes in sorted order (missing: -1), so the per-year maximum is taken on integers, not strings.
    code = pd.factorize(obs["period"].astype(str), sort=True)[0]
    latest = pd.Series(code, index=obs.index).groupby([obs[k] for k in keys]).transform("max").to_numpy()
    out = obs[(code == latest) & (code >= 0)].sort_values(["iso3", "year", "period"])
    return out.drop_duplicates(["iso3", *keys], keep="last").reset_index(drop=True)


def edition_of_year(obs: pd.DataFrame) -> dict[int, str]:
    """{year: the period a yearly view uses}, for saying on screen which edition a year means."""
    if obs.empty:
        return {}
    latest = obs.assign(period=obs["period"].astype(str)).groupby("year")["period"].max()
    return {int(y): p for y, p in latest.items()}


def share_of_period(obs: pd.DataFrame) -> pd.Series:
    """Each row's percentage of the sum over every country with data in the same period (and indicator).

    Taken on the full table, before any look-back pick: a value from an older period is its share of that
    older period, never of the subset of countries that happened to pick the same period.
    """
    keys = ["indicator_id", "period"] if "indicator_id" in obs else ["period"]
    totals = obs.groupby(keys)["value"].transform("sum")
    return pd.Series(np.where(totals > 0, 100 * obs["value"] / totals.where(totals > 0, 1), np.nan), index=obs.index)


def members_in_year(members: pd.DataFrame, year: pd.Series | np.ndarray | int) -> np.ndarray:
    """Whether each membership row was current in ``year``: joined by then (``since``) and not yet left
    (``until``, the last year of membership). Empty since/until mean "always" and "still a member".

    ``year`` is one year for every row or one per row.
    """
    since = pd.to_numeric(members["since"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    until = pd.to_numeric(members["until"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    year = np.asarray(year, dtype=float)
    return (np.isnan(since) | (since <= year)) & (np.isnan(until) | (year <= until))


def member_rows(frame: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``frame`` (with iso3 and year) whose country belonged to the group in that row's year."""
    rows = frame.merge(members[["iso3", "since", "until"]], on="iso3", how="inner")
    return rows[members_in_year(rows, rows["year"])].drop(columns=["since", "until"]).reset_index(drop=True)


def member_count(members: pd.DataFrame, year: int) -> int:
    """How many countries belonged to the group in ``year``."""
    return int(members_in_year(members, year).sum())


def value_for_year(obs: pd.DataFrame, year: int, max_lag: int = 0) -> pd.DataFrame:
    """Each country's value for ``year``, or its most recent earlier value at most ``max_lag`` years back.

    Adds ``lag`` (0 when the year itself was found) so a chart can say which countries use older data.
    """
    return value_in_window(latest_per_year(obs), year, max_lag)


DENOMINATOR_MAX_LAG = 5  # a per-capita or per-GDP value uses a denominator at most this many years older


def denominator(series: pd.DataFrame | Denominator, keys: pd.DataFrame,
                max_lag: int = DENOMINATOR_MAX_LAG) -> pd.Series:
    """The denominator (population, GDP) for each (iso3, year) row of ``keys``: the same year, else the latest
    earlier year at most ``max_lag`` years back, else NaN. The one rule every view uses.

    ``series``: the denominator's observations, or the same reduced once by ``denominator_table``."""
    if series.empty or keys.empty:
        return pd.Series(np.nan, index=keys.index)
    return _denominator_rows(series, keys, max_lag)["den"]


def _denominator_rows(series: pd.DataFrame | Denominator, keys: pd.DataFrame, max_lag: int) -> pd.DataFrame:
    """``den`` and the year it is of (``den_year``) for each row of ``keys`` (non-empty both)."""
    den = (series if isinstance(series, Denominator) else denominator_table(series)).table
    left = keys[["iso3", "year"]].reset_index().sort_values("year")
    merged = pd.merge_asof(left, den, left_on="year", right_on="den_year", by="iso3",
                           direction="backward", tolerance=max_lag)
    return merged.set_index("index")[["den", "den_year"]].reindex(keys.index)


def normalise(obs: pd.DataFrame, mode: str, population: pd.DataFrame | Denominator | None = None,
              gdp: pd.DataFrame | Denominator | None = None) -> pd.DataFrame:
    """Add ``display`` = the value in the chosen form; rows whose denominator is missing get NaN (never 0).

    per_capita is per million people, per_gdp per US$ billion of GDP (current US$); each uses the same
    year, or the latest earlier year the denominator has. share_world gives the percentage of the sum
    over all countries with data in the same period.
    """
    if mode not in MODES:
        raise ValueError(f"unknown normalisation {mode!r}; choose one of {sorted(MODES)}")
    out = obs.copy()
    if mode == "absolute":
        out["display"] = out["value"]
    elif mode == "per_capita":
        den = denominator(population if population is not None else obs.iloc[0:0], out)
        out["display"] = out["value"] / (den / _SCALE[mode])
    elif mode == "per_gdp":
        den = denominator(gdp if gdp is not None else obs.iloc[0:0], out)
        out["display"] = out["value"] / (den / _SCALE[mode])
    else:
        out["display"] = share_of_period(out)
    return out


def rank(values: pd.DataFrame, higher_is_better: bool = True, column: str = "value") -> pd.DataFrame:
    """Add ``rank`` (1 = best, ties share the best rank), ``of`` (countries with data) and ``percentile``."""
    out = values.dropna(subset=[column]).copy()
    out["rank"] = out[column].rank(ascending=not higher_is_better, method="min").astype(int)
    out["of"] = len(out)
    # Percentile: share of other countries this one is at least as good as.
    worse_or_equal = out[column].rank(ascending=higher_is_better, method="max")
    out["percentile"] = 100 * (worse_or_equal - 1) / max(len(out) - 1, 1)
    return out.sort_values("rank").reset_index(drop=True)


def group_aggregate(obs: pd.DataFrame, members: list[str], how: str,
                    population: pd.DataFrame | Denominator | None = None, column: str = "value") -> pd.DataFrame:
    """Aggregate members per year: ``sum`` (totals), ``median`` or ``popweighted`` (rates and scores).

    Returns year, value, members_with_data; members without data are left out, and the count says so.
    """
    yearly = latest_per_year(obs)  # the year's edition is chosen over all countries, then the members taken
    part = yearly[yearly["iso3"].isin(members)]
    part = part.dropna(subset=[column])
    if part.empty:
        return pd.DataFrame(columns=["year", "value", "members_with_data"])
    if how == "popweighted":
        pop = denominator(population if population is not None else obs.iloc[0:0], part)
        part = part.assign(pop=pop).dropna(subset=["pop"])
        part = part.assign(weighted=part[column] * part["pop"])
        grouped = part.groupby("year")
        result = grouped["weighted"].sum() / grouped["pop"].sum()
        counts = grouped.size()
    else:
        grouped = part.groupby("year")[column]
        if how == "sum":
            result = grouped.sum()
        elif how == "median":
            result = grouped.median()
        else:
            raise ValueError(f"unknown aggregate {how!r}")
        counts = grouped.size()
    return pd.DataFrame({"year": result.index.astype(int), "value": result.to_numpy(),
                         "members_with_data": counts.reindex(result.index).to_numpy()})


def top_shares(values: pd.Series, ks: tuple[int, ...] = (1, 2, 5)) -> dict[str, float]:
    """Share (percent) of the total held by the top k countries, and the Herfindahl-Hirschman index (0-10,000)."""
    clean = values.dropna()
    clean = clean[clean > 0].sort_values(ascending=False)
    total = clean.sum()
    if total <= 0:
        return {**{f"top{k}": np.nan for k in ks}, "hhi": np.nan}
    shares = 100 * clean / total
    out = {f"top{k}": float(shares.iloc[:k].sum()) for k in ks}
    out["hhi"] = float((shares ** 2).sum())
    return out


# -- prepared once per indicator (a view memoises these per store file; results are those of the functions above) --
@dataclass(frozen=True)
class Denominator:
    """A denominator series (population, GDP) reduced by ``latest_per_year`` and sorted for the as-of lookup: taken
    wherever ``denominator`` (``normalise``, ``group_aggregate``) takes the raw series, without reducing it again."""

    table: pd.DataFrame  # iso3, den_year, den; sorted by den_year

    @property
    def empty(self) -> bool:
        return self.table.empty


def denominator_table(series: pd.DataFrame) -> Denominator:
    """``series`` reduced once for ``denominator``."""
    den = latest_per_year(series)[["iso3", "year", "value"]].rename(columns={"value": "den", "year": "den_year"})
    return Denominator(den.sort_values("den_year"))


def denominator_with_year(series: pd.DataFrame | Denominator, keys: pd.DataFrame,
                          max_lag: int = DENOMINATOR_MAX_LAG) -> pd.DataFrame:
    """``denominator`` (column ``den``) and the year of the figure it found (``den_year``; NaN where none)."""
    if series.empty or keys.empty:
        return pd.DataFrame({"den": np.nan, "den_year": np.nan}, index=keys.index)
    return _denominator_rows(series, keys, max_lag)


def value_in_window(yearly: pd.DataFrame, year: int, max_lag: int = 0) -> pd.DataFrame:
    """``value_for_year`` on observations already reduced by ``latest_per_year`` (e.g. memoised per indicator)."""
    window = yearly[(yearly["year"] <= year) & (yearly["year"] >= year - max_lag)]
    if window.empty:
        return window.assign(lag=pd.Series(dtype="int64"))
    best = window.sort_values(["iso3", "year"]).groupby("iso3", as_index=False).tail(1)
    return best.assign(lag=year - best["year"]).reset_index(drop=True)


def complete_years(obs: pd.DataFrame) -> list[int]:
    """Years with at least one complete-period value (a year known only to date is not a year of data)."""
    return sorted(int(y) for y in complete_periods(obs)["year"].unique())
