"""Gap analytics: how far behind the leader a country is, how fast the gap moves, when (if ever) it closes,
and how concentrated capacity is across countries and blocs.

All functions are pure. Series frames have ``year`` and ``value`` columns (one row per year).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import stdtrit

from .measures import latest_per_year, member_rows

MIN_POINTS = 4  # never extrapolate a trend from fewer points than this
HORIZON = 50  # years: a crossing further ahead is "not within 50 years", never a year (nor a line to it)
REST = "Rest of world"

# catch_up statuses
AHEAD = "already ahead"
CONVERGING = "converging"
BEYOND = "not within horizon"
NOT_SIGNIFICANT = "not significant"
NOT_CONVERGING = "not converging"
INSUFFICIENT = "insufficient data"


def t95(dof: int) -> float:
    """Two-sided 95% Student t quantile for ``dof`` degrees of freedom (exact; a table keyed off by one made
    the interval 2.95x too wide at four points)."""
    return float(stdtrit(dof, 0.975))  # scipy.special: the same quantile without importing scipy.stats (~2 s)


def gap_series(country: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """year, value, reference, ratio (reference / country) and difference (reference - country) per common year."""
    both = country[["year", "value"]].merge(reference[["year", "value"]].rename(columns={"value": "reference"}),
                                             on="year")
    both["difference"] = both["reference"] - both["value"]
    both["ratio"] = np.where(both["value"] != 0, both["reference"] / both["value"].where(both["value"] != 0, 1),
                             np.nan)
    return both.sort_values("year").reset_index(drop=True)


@dataclass(frozen=True)
class Trend:
    """A log-linear fit value = a * exp(b * (year - year0)): growth rate with its 95% interval."""

    n: int
    first_year: int
    last_year: int
    slope: float  # b, per year (natural log)
    intercept: float  # ln value at year0 = last_year
    slope_se: float
    cagr: float  # exp(b) - 1
    cagr_low: float
    cagr_high: float

    def value_at(self, year: float) -> float:
        return float(np.exp(self.intercept + self.slope * (year - self.last_year)))

    def year_at(self, value: float) -> float | None:
        """The year the fitted line reaches ``value`` (None for a flat line)."""
        if self.slope == 0 or value <= 0:
            return None
        return float(self.last_year + (np.log(value) - self.intercept) / self.slope)


class TooFewPoints(ValueError):
    """Fewer than MIN_POINTS positive values: no trend is estimated."""


def trend(series: pd.DataFrame, first_year: int | None = None, last_year: int | None = None) -> Trend:
    """Compound annual growth from an OLS fit of ln(value) on year, over the window (inclusive)."""
    s = series.dropna(subset=["value"])
    if first_year is not None:
        s = s[s["year"] >= first_year]
    if last_year is not None:
        s = s[s["year"] <= last_year]
    s = s[s["value"] > 0]
    if len(s) < MIN_POINTS:
        raise TooFewPoints(f"{len(s)} positive yearly values in the window; at least {MIN_POINTS} are needed")
    x = s["year"].to_numpy(dtype=float)
    y = np.log(s["value"].to_numpy(dtype=float))
    x0 = x.max()
    xc = x - x0
    slope, intercept = np.polyfit(xc, y, 1)
    resid = y - (intercept + slope * xc)
    dof = len(x) - 2
    sxx = ((xc - xc.mean()) ** 2).sum()
    se = float(np.sqrt((resid ** 2).sum() / dof / sxx)) if sxx > 0 and dof > 0 else float("nan")
    t = t95(dof)
    return Trend(n=len(s), first_year=int(x.min()), last_year=int(x0), slope=float(slope),
                 intercept=float(intercept), slope_se=se, cagr=float(np.expm1(slope)),
                 cagr_low=float(np.expm1(slope - t * se)), cagr_high=float(np.expm1(slope + t * se)))


def catch_up(follower: pd.DataFrame, reference: pd.DataFrame, first_year: int | None = None,
             last_year: int | None = None, higher_is_better: bool = True, horizon: int = HORIZON) -> dict:
    """When would the follower's trend line reach the reference's, if both kept their trends?

    Status: "already ahead"; "not significant" (the 95% intervals of the two growth rates overlap, so the data
    do not say which grows faster: no year is given); "not converging" (the follower grows significantly more
    slowly); "not within horizon" (it grows faster, but the lines cross more than ``horizon`` years ahead);
    "converging" (``years`` from the later of the two last years to the crossing, at most ``horizon``);
    "insufficient data". ``crossing_year`` is given only for a significant crossing within the horizon, also
    to the series already ahead (the year the other would reach it), so swapping the two series turns
    "converging" into "already ahead" with the same crossing.
    """
    try:
        tf = trend(follower, first_year, last_year)
        tr = trend(reference, first_year, last_year)
    except TooFewPoints as exc:
        return {"status": INSUFFICIENT, "reason": str(exc), "years": None, "crossing_year": None,
                "significant": None, "horizon": horizon, "follower": None, "reference": None}
    now = max(tf.last_year, tr.last_year)
    # ln f(t) - ln r(t) = d0 + (bf - br) (t - now)
    d0 = (tf.intercept + tf.slope * (now - tf.last_year)) - (tr.intercept + tr.slope * (now - tr.last_year))
    dslope = tf.slope - tr.slope
    if not higher_is_better:
        d0, dslope = -d0, -dslope
    # Intervals of the two slopes (equivalently of the two growth rates) overlap: no significant difference.
    significant = bool(abs(tf.slope - tr.slope) > t95(tf.n - 2) * tf.slope_se + t95(tr.n - 2) * tr.slope_se)
    crossing = None if dslope == 0 else now - d0 / dslope
    within = significant and crossing is not None and now < crossing <= now + horizon
    base = {"follower": tf, "reference": tr, "significant": significant, "horizon": horizon, "years": None,
            "crossing_year": crossing if within else None}
    if d0 >= 0:
        return {**base, "status": AHEAD}
    if not significant:
        return {**base, "status": NOT_SIGNIFICANT}
    if dslope <= 0:
        return {**base, "status": NOT_CONVERGING}
    if not within:
        return {**base, "status": BEYOND}
    return {**base, "status": CONVERGING, "years": float(crossing - now)}


def catch_up_text(result: dict) -> str:
    """The words a table shows for a catch-up result."""
    status = result["status"]
    if status == CONVERGING:
        years = result["years"]
        span = "less than a year" if years < 1 else f"{years:,.0f} years"
        return f"converging in {span} (around {result['crossing_year']:.0f})"
    if status == BEYOND:
        return f"not within {result['horizon']} years"
    if status == NOT_SIGNIFICANT:
        return "growth difference not significant (95% intervals overlap)"
    return status


def concentration(obs: pd.DataFrame, ks: tuple[int, ...] = (1, 2, 5)) -> pd.DataFrame:
    """Per period: share of the total of countries with data held by the top k, HHI (0-10,000), countries.

    Vectorised over periods (same figures as :func:`measures.top_shares` applied period by period).
    """
    periods = sorted(obs["period"].astype(str).unique())
    pos = obs.loc[obs["value"] > 0, ["period", "value"]].astype({"period": str})
    pos = pos.sort_values(["period", "value"], ascending=[True, False])
    pos["k"] = pos.groupby("period").cumcount() + 1
    pos["share"] = 100 * pos["value"] / pos.groupby("period")["value"].transform("sum")
    pos["share2"] = pos["share"] ** 2
    by = pos.groupby("period")
    out = pd.DataFrame(index=pd.Index(periods, name="period"))
    for k in ks:
        out[f"top{k}"] = pos[pos["k"] <= k].groupby("period")["share"].sum()
    out["hhi"] = by["share2"].sum()
    out["countries"] = by.size().reindex(out.index).fillna(0).astype(int)
    out["total"] = obs.astype({"period": str}).groupby("period")["value"].sum().astype(float)
    out = out.reset_index()
    out.insert(1, "year", out["period"].str[:4].astype(int))
    return out


def bloc_shares(obs: pd.DataFrame, members: pd.DataFrame, blocs: Sequence[str]) -> pd.DataFrame:
    """Per year and bloc (e.g. G7, BRICS as of that year, rest of world): share of the total of countries with data.

    Yearly values are one period per year (``latest_per_year``). ``members`` has group_id, iso3, since, until:
    a country counts in a bloc in the years it belonged to it (``member_rows``); a country in two blocs counts in
    the first one listed; every other country with data is "Rest of world". Every year with data has a row per
    bloc: a bloc none of whose members has data that year holds 0%; a bloc with no members that year (before
    it was founded) has no share (NaN).
    """
    yearly = latest_per_year(obs).reset_index(drop=True)
    if yearly.empty:
        return pd.DataFrame(columns=["year", "bloc", "share", "value", "countries"])
    bloc_of = pd.Series(REST, index=yearly.index, dtype=object)
    for gid in reversed(list(blocs)):  # the first bloc listed is written last, so it wins
        rows = member_rows(yearly[["iso3", "year"]].assign(row=yearly.index), members[members["group_id"] == gid])
        bloc_of.loc[rows["row"].to_numpy()] = gid
    totals = yearly.groupby("year")["value"].transform("sum")
    yearly = yearly.assign(bloc=bloc_of, share=np.where(totals > 0, 100 * yearly["value"] / totals, np.nan))
    out = yearly.groupby(["year", "bloc"]).agg(share=("share", "sum"), value=("value", "sum"),
                                               countries=("iso3", "nunique"))
    years = sorted(int(y) for y in yearly["year"].unique())
    grid = pd.MultiIndex.from_product([years, [*blocs, REST]], names=["year", "bloc"])
    out = out.reindex(grid).fillna({"share": 0.0, "value": 0.0, "countries": 0}).reset_index()
    out["countries"] = out["countries"].astype(int)
    year_total = yearly.groupby("year")["value"].sum()
    no_total = out["year"].map(year_total) <= 0
    grid_rows = pd.DataFrame({"year": years})
    founded = {(gid, int(y)) for gid in blocs
               for y in member_rows(members.loc[members["group_id"] == gid, ["iso3"]].merge(grid_rows, how="cross"),
                                    members[members["group_id"] == gid])["year"]}
    absent = np.array([b != REST and (b, y) not in founded for b, y in zip(out["bloc"], out["year"])], dtype=bool)
    out.loc[no_total | absent, "share"] = np.nan
    out.loc[absent, "value"] = np.nan
    return out
