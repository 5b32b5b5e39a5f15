"""Gap analytics: how far behind the leader a country is, how fast the gap moves, when (if ever) it closes,
and how concentrated capacity is across countries and blocs.

All functions are pure. Series frames have ``year`` and ``value`` columns (one row per year).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .measures import latest_per_year

MIN_POINTS = 4  # never extrapolate a trend from fewer points than this
_T95 = {2: 12.706, 3: 4.303, 4: 3.182, 5: 2.776, 6: 2.571, 7: 2.447, 8: 2.365, 9: 2.306, 10: 2.262, 12: 2.179,
        15: 2.131, 20: 2.086, 30: 2.042}


def _t95(dof: int) -> float:
    """Two-sided 95% Student t quantile (table; close enough between the listed degrees of freedom)."""
    keys = sorted(_T95)
    for key in keys:
        if dof <= key:
            return _T95[key]
    return 1.96


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
    t = _t95(dof)
    return Trend(n=len(s), first_year=int(x.min()), last_year=int(x0), slope=float(slope),
                 intercept=float(intercept), slope_se=se, cagr=float(np.expm1(slope)),
                 cagr_low=float(np.expm1(slope - t * se)), cagr_high=float(np.expm1(slope + t * se)))


def catch_up(follower: pd.DataFrame, reference: pd.DataFrame, first_year: int | None = None,
             last_year: int | None = None, higher_is_better: bool = True) -> dict:
    """When would the follower's trend line reach the reference's, if both kept their trends?

    Returns status ("already ahead", "converging", "not converging", "insufficient data"), ``years``
    from the later of the two last years to the crossing (None if none), ``crossing_year``, and both
    trends. The crossing time does not depend on which series is called the follower: swapping them
    turns "converging in t years" into "already ahead" with the same crossing.
    """
    try:
        tf = trend(follower, first_year, last_year)
        tr = trend(reference, first_year, last_year)
    except TooFewPoints as exc:
        return {"status": "insufficient data", "reason": str(exc), "years": None, "crossing_year": None,
                "follower": None, "reference": None}
    now = max(tf.last_year, tr.last_year)
    # ln f(t) - ln r(t) = d0 + (bf - br) (t - now)
    d0 = (tf.intercept + tf.slope * (now - tf.last_year)) - (tr.intercept + tr.slope * (now - tr.last_year))
    dslope = tf.slope - tr.slope
    if not higher_is_better:
        d0, dslope = -d0, -dslope
    crossing = None if dslope == 0 else now - d0 / dslope
    base = {"follower": tf, "reference": tr, "crossing_year": crossing}
    if d0 >= 0:
        return {**base, "status": "already ahead", "years": None}
    if dslope <= 0:
        return {**base, "status": "not converging", "years": None, "crossing_year": None}
    return {**base, "status": "converging", "years": float(-d0 / dslope)}


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


def bloc_shares(obs: pd.DataFrame, blocs: Mapping[str, Mapping[str, int | None]]) -> pd.DataFrame:
    """Per year and bloc (e.g. G7, BRICS as of that year, rest of world): share of the total of countries with data.

    ``blocs`` maps a bloc name to {member iso3: year joined or None}; a member counts from the year it
    joined. Countries in no bloc that year form "Rest of world"; a country in two blocs counts in the
    first one listed.
    """
    yearly = latest_per_year(obs)

    def bloc_of(iso: str, year: int) -> str:
        for name, members in blocs.items():
            if iso in members and (members[iso] is None or year >= members[iso]):
                return name
        return "Rest of world"

    yearly = yearly.assign(bloc=[bloc_of(i, y) for i, y in zip(yearly["iso3"], yearly["year"])])
    totals = yearly.groupby("year")["value"].transform("sum")
    yearly = yearly.assign(share=np.where(totals > 0, 100 * yearly["value"] / totals, np.nan))
    out = yearly.groupby(["year", "bloc"], as_index=False).agg(share=("share", "sum"), value=("value", "sum"),
                                                                countries=("iso3", "nunique"))
    return out.sort_values(["year", "bloc"]).reset_index(drop=True)
