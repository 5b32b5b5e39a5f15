"""Gap: how far countries and groups are behind a reference, how fast the gap moves and whether, within a stated
horizon, it would close; how concentrated AI capacity is, and the shares of the G7, BRICS and the rest.

Every series is yearly: one period per year over all countries (``latest_per_year``), after leaving out values
the adapters mark as covering part of a period (``complete_periods``). The one exception is the concentration of
TOP500 compute, where every list edition is its own point.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import gap
from ..measures import MODES, Denominator, complete_periods, complete_years, group_aggregate, latest_per_year, member_rows, \
    normalise
from .base import Frames, Query, View, indicator_param, mode_param, plural
from .overview import unit_label

PARAMS = ("indicator", "ref", "countries", "groups", "measure", "mode", "from", "to", "conc")
DEFAULT_INDICATOR = "ai_vc_investment"
DEFAULT_COUNTRIES = ("BRA", "IND", "ZAF", "IDN")
DEFAULT_REFERENCE = "USA"
REFERENCES = {"USA": "United States", "CHN": "China", "G7": "G7 median", "leader": "Leader each year"}
REFERENCE_PHRASE = {"USA": "the United States", "CHN": "China", "G7": "the G7 median", "leader": "each year's leader"}
MEASURES = {"ratio": "Ratio (reference ÷ country)", "difference": "Difference (reference − country)"}
CONCENTRATION = {"ai_vc_investment": "Investment (AI venture capital)", "top500_rmax": "Compute (TOP500)",
                 "notable_ai_models": "Models (notable AI models)"}
DEFAULT_CONCENTRATION = "ai_vc_investment"
BLOCS = ("G7", "BRICS")
BLOC_LABELS = {"G7": "G7", "BRICS": "BRICS (as of each year)", gap.REST: gap.REST}
NONE = "none"  # in the URL: a list the user emptied (a missing parameter means "the default")
WINDOW = 10  # default trend window: the last 10 complete years
MIN_COUNTRIES = 5  # concentration starts where every period has at least this many countries with data
LINE_MARGIN = 10  # a projected trend line stops where it leaves the range of the data by more than this factor
REFERENCE_ROW = "reference"  # the series id of the reference's row in the trend table

GAP_COLUMNS = ["series", "kind", "label", "indicator_id", "mode", "year", "period", "value", "display",
               "members_with_data", "reference", "reference_iso3", "reference_name", "reference_period",
               "reference_display", "ratio", "difference", "source_id", "note"]
TREND_COLUMNS = ["series", "kind", "label", "indicator_id", "mode", "reference", "window_from", "window_to",
                 "points", "cagr", "cagr_low", "cagr_high", "reference_cagr", "status", "status_text",
                 "years_to_catch_up", "crossing_year", "line_from", "line_to", "line_value_from", "line_value_to",
                 "crossing_value"]
POINT_COLUMNS = ["series", "kind", "label", "year", "period", "display", "iso3", "name"]
CONC_COLUMNS = ["indicator_id", "period", "year", "top1", "top2", "top5", "hhi", "countries", "total",
                "top_country", "top_name"]
BLOC_COLUMNS = ["indicator_id", "year", "bloc", "label", "share", "value", "countries"]
_SERIES_COLUMNS = ["year", "value", "display", "members_with_data", "period", "note", "source_id", "iso3"]
_DENOMINATORS = {"per_capita": ("population", "population"), "per_gdp": ("gdp_usd", "GDP")}  # (indicator, word)


@dataclass(frozen=True)
class Params:
    indicator: str
    ref: str = DEFAULT_REFERENCE
    countries: tuple[str, ...] = DEFAULT_COUNTRIES
    groups: tuple[str, ...] = ()
    measure: str = "ratio"
    mode: str = "absolute"
    year_from: int | None = None
    year_to: int | None = None
    conc: str = DEFAULT_CONCENTRATION


# -- parameters -----------------------------------------------------------------------------------------------
def default_window(years: list[int]) -> tuple[int | None, int | None]:
    if not years:
        return None, None
    return max(years[0], years[-1] - WINDOW + 1), years[-1]


def _codes(query: Query, key: str, codes, default: tuple[str, ...]) -> tuple[str, ...]:
    """A comma list of upper-case codes ('bra' is read as 'BRA')."""
    codes = list(codes)
    chosen = query.items(key, [*codes, *(c.lower() for c in codes)], default, none=NONE)
    return tuple(dict.fromkeys(c.upper() for c in chosen))


def parse(query: Query, frames: Frames) -> Params:
    ind_id = indicator_param(query, frames, default=DEFAULT_INDICATOR)
    ind = frames.indicator(ind_id)
    years = complete_years(frames.obs(ind_id))
    d0, d1 = default_window(years)
    allowed = [str(y) for y in years]
    y0 = query.choice("from", allowed, None if d0 is None else str(d0))
    y1 = query.choice("to", allowed, None if d1 is None else str(d1))
    y0, y1 = (None, None) if y0 is None or y1 is None else sorted((int(y0), int(y1)))
    return Params(indicator=ind_id, ref=query.choice("ref", list(REFERENCES), DEFAULT_REFERENCE),
                  countries=_codes(query, "countries", frames.names, DEFAULT_COUNTRIES),
                  groups=_codes(query, "groups", frames.groups["group_id"], ()),
                  measure=query.choice("measure", list(MEASURES), "ratio"), mode=mode_param(query, ind["kind"]),
                  year_from=y0, year_to=y1, conc=query.choice("conc", list(CONCENTRATION), DEFAULT_CONCENTRATION))


def to_query(p: Params) -> dict[str, object]:
    """The page's query string for these parameters (``parse`` reads it back to the same parameters)."""
    return {"indicator": p.indicator, "ref": p.ref, "countries": ",".join(p.countries) or NONE,
            "groups": ",".join(p.groups) or NONE, "measure": p.measure, "mode": p.mode, "from": p.year_from,
            "to": p.year_to, "conc": p.conc}


# -- the series: followers and the reference, yearly --------------------------------------------------------
@dataclass(frozen=True)
class Series:
    series: str
    kind: str  # country, group or reference
    label: str
    frame: pd.DataFrame  # _SERIES_COLUMNS, one row per year with a displayed value


@dataclass(frozen=True)
class SeriesSet:
    followers: tuple[Series, ...]
    reference: Series
    missing: tuple[str, ...]
    excluded: pd.DataFrame  # partial-period rows left out
    periods: tuple[str, ...]  # the periods the yearly values come from


def _join(values) -> str | None:
    unique = sorted({str(v) for v in values if isinstance(v, str) and v})
    return "; ".join(unique) if unique else None


def _group_how(kind: str, mode: str) -> str:
    """A group of a rate or score is its members' median; of a total, the sum (or total over total population
    or GDP, a population- or GDP-weighted mean of the members' values)."""
    if kind != "total":
        return "median"
    return {"per_capita": "popweighted", "per_gdp": "popweighted"}.get(mode, "sum")


def _group_series(yearly: pd.DataFrame, members: pd.DataFrame, how: str, weights: Denominator | None,
                  raw_sum: bool) -> pd.DataFrame:
    """One row per year for a group, counting the countries that were members that year (join and leave year)."""
    part = member_rows(yearly, members).dropna(subset=["display"])
    agg = group_aggregate(part, list(members["iso3"]), how, weights, column="display") if len(part) else part
    if agg.empty:
        return pd.DataFrame(columns=_SERIES_COLUMNS)
    by_year = part.groupby("year")
    out = agg.rename(columns={"value": "display"})
    out["value"] = out["year"].map(by_year["value"].sum()) if raw_sum else np.nan
    out["note"] = out["year"].map(by_year["note"].agg(_join))
    out["source_id"] = out["year"].map(by_year["source_id"].agg(_join))
    out["period"] = out["year"].map(by_year["period"].agg(lambda p: _join(p.astype(str))))
    return out.assign(iso3=None)[_SERIES_COLUMNS].reset_index(drop=True)


def _reference_frame(ref: str, yearly: pd.DataFrame, frames: Frames, higher_is_better: bool) -> pd.DataFrame:
    if ref == "G7":
        return _group_series(yearly, frames.group_members("G7"), "median", None, False)
    valid = yearly.dropna(subset=["display"])
    if ref == "leader" and len(valid):
        by_year = valid.groupby("year")["display"]
        valid = valid.loc[(by_year.idxmax() if higher_is_better else by_year.idxmin()).to_numpy()]
    elif ref != "leader":
        valid = valid[valid["iso3"] == ref]
    return valid.assign(members_with_data=np.nan)[_SERIES_COLUMNS].sort_values("year").reset_index(drop=True)


def _series_set(frames: Frames, indicator: str, ref: str, countries: tuple[str, ...], groups: tuple[str, ...],
                mode: str) -> SeriesSet:
    """Everything the gap and trend tables are drawn from, built once per store file and choice (``Frames.memo``):
    shared by the three tables of one view."""
    return frames.memo(("gap-series", indicator, ref, countries, groups, mode),
                       lambda: _build_series_set(frames, indicator, ref, countries, groups, mode))


def _build_series_set(frames: Frames, indicator: str, ref: str, countries: tuple[str, ...], groups: tuple[str, ...],
                      mode: str) -> SeriesSet:
    ind = frames.indicator(indicator)
    obs_all = frames.obs(indicator)
    den = _DENOMINATORS.get(mode)
    weights = frames.denominator(den[0]) if den else None
    obs, yearly = _yearly_shown(frames, indicator, mode)
    form = "" if mode == "absolute" else f" ({MODES[mode]})"
    missing = []
    rframe = _reference_frame(ref, yearly, frames, bool(ind["higher_is_better"]))
    if rframe.empty:
        missing.append(f"No data for the reference ({REFERENCES[ref]}) on {ind['name']}{form}.")
    followers = []
    for iso in countries:
        mine = yearly[yearly["iso3"] == iso].dropna(subset=["display"])
        name = frames.name(iso)
        if mine.empty:
            every = obs_all[obs_all["iso3"] == iso]
            if every.empty:
                missing.append(f"No data for {name} on {ind['name']}; the source does not cover it.")
            elif den:
                missing.append(f"No data for {name} on {ind['name']}{form}: no {den[1]} figure.")
            else:
                periods = sorted(every["period"].astype(str).unique())
                missing.append(f"No complete-period data for {name} on {ind['name']}; its only data cover "
                               f"{', '.join(periods)}.")
            continue
        frame = mine.assign(members_with_data=np.nan)[_SERIES_COLUMNS].reset_index(drop=True)
        followers.append(Series(iso, "country", name, frame))
    group_names = dict(zip(frames.groups["group_id"], frames.groups["name"]))
    how = _group_how(ind["kind"], mode)
    for gid in groups:
        frame = _group_series(yearly, frames.group_members(gid), how, weights,
                              raw_sum=ind["kind"] == "total" and mode == "absolute")
        label = group_names.get(gid, gid)
        if frame.empty:
            missing.append(f"No data for any {label} member on {ind['name']}{form}.")
            continue
        followers.append(Series(gid, "group", label, frame))
    used = yearly[yearly["iso3"].isin(set(countries).union(*(frames.group_members(g)["iso3"] for g in groups)))]
    return SeriesSet(tuple(followers), Series(REFERENCE_ROW, "reference", REFERENCES[ref], rframe),
                     tuple(missing), obs_all.loc[obs_all.index.difference(obs.index)],
                     tuple(sorted(used["period"].astype(str).unique())))


def _yearly_shown(frames: Frames, indicator: str, mode: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(complete-period observations, their yearly values with ``display`` in the mode): once per indicator, mode
    and store file, whichever countries and groups are asked for."""

    def build() -> tuple[pd.DataFrame, pd.DataFrame]:
        obs = complete_periods(frames.obs(indicator))
        den = _DENOMINATORS.get(mode)
        weights = frames.denominator(den[0]) if den else None
        return obs, latest_per_year(normalise(obs, mode, population=weights, gdp=weights))

    return frames.memo(("gap-yearly", indicator, mode), build)


def _series(p: Params, frames: Frames) -> SeriesSet:
    return _series_set(frames, p.indicator, p.ref, p.countries, p.groups, p.mode)


# -- 1. the gap over time -------------------------------------------------------------------------------------
def gap_table(p: Params, frames: Frames) -> View:
    """One row per follower and year both it and the reference have: the ratio (reference ÷ follower) and the
    difference (reference − follower) of the displayed values, with the stored value and its period."""
    ind = frames.indicator(p.indicator)
    empty = pd.DataFrame(columns=GAP_COLUMNS)
    if not p.countries and not p.groups:
        return View(empty, (), {"empty": "Pick at least one country or group", "missing": ()})
    s = _series(p, frames)
    ref = s.reference.frame.rename(columns={"display": "reference_display", "iso3": "reference_iso3",
                                            "period": "reference_period", "note": "reference_note"})
    parts = []
    for f in s.followers:
        g = gap.gap_series(f.frame[["year", "display"]].rename(columns={"display": "value"}),
                           ref[["year", "reference_display"]].rename(columns={"reference_display": "value"}))
        if g.empty:
            continue
        rows = (g[["year", "ratio", "difference"]]
                .merge(f.frame.drop(columns=["iso3"]), on="year")
                .merge(ref[["year", "reference_display", "reference_iso3", "reference_period", "reference_note"]],
                       on="year"))
        parts.append(rows.assign(series=f.series, kind=f.kind, label=f.label,
                                 note=[_join([a, b]) for a, b in zip(rows["note"], rows["reference_note"])]))
    if not parts:
        msg = " ".join(s.missing) or f"No years in common with the reference on {ind['name']}."
        return View(empty, (), {"empty": msg if len(msg) < 90 else "No data to compare: see the messages above",
                                "missing": s.missing})
    table = pd.concat(parts, ignore_index=True).assign(
        indicator_id=p.indicator, mode=p.mode, reference=REFERENCES[p.ref])
    table["reference_name"] = [frames.name(i) if isinstance(i, str) else None for i in table["reference_iso3"]]
    table = table[GAP_COLUMNS]
    unit = unit_label(ind, p.mode)
    if p.measure == "ratio":
        title = f"{ind['name']}: {REFERENCE_PHRASE[p.ref]} as a multiple of each country"
        ytitle = f"{REFERENCES[p.ref]} ÷ country (times, log scale)"
    else:
        title = f"{ind['name']}: {REFERENCE_PHRASE[p.ref]} minus each country"
        ytitle = f"{REFERENCES[p.ref]} − country ({unit})"
    return View(table, tuple(n for n in gap_notes(p, frames, s, table) if n),
                {"missing": s.missing, "period": period_phrase(s.periods, table), "unit": unit, "title": title,
                 "ytitle": ytitle, "years": (int(table["year"].min()), int(table["year"].max()))})


def span(y0: int, y1: int) -> str:
    return str(y0) if y0 == y1 else f"{y0}–{y1}"


def period_phrase(periods: tuple[str, ...], rows: pd.DataFrame) -> str:
    text = span(int(rows["year"].min()), int(rows["year"].max()))
    if any(len(p) > 4 for p in periods):
        return f"{text}; sub-annual data: each year uses the latest period within that year (latest: {periods[-1]})"
    return text


def excluded_note(excluded: pd.DataFrame) -> str:
    if excluded.empty:
        return ""
    counts = Counter(zip(excluded["period"].astype(str), excluded["note"].astype(str)))
    parts = [f"{period} ({note}; {plural(n, 'value')})" for (period, note), n in sorted(counts.items())]
    return "Left out as covering only part of the period: " + ", ".join(parts) + "."


def brics_note(frames: Frames, first_year: int, last_year: int) -> str:
    """'BRICS as of each year (2024: +Egypt, …; 2025: +Indonesia)' from the stored join years."""
    members = frames.group_members("BRICS").dropna(subset=["since"])
    if members.empty:
        return ""
    members = members.assign(since=members["since"].astype(int))
    founding = int(members["since"].min())
    parts = []
    for since, part in members.groupby("since"):
        listed = ", ".join(sorted(frames.name(i) for i in part["iso3"]))
        if since == founding and founding > first_year:
            parts.append(f"{since}: {listed}")
        elif since != founding and first_year < since <= last_year:
            parts.append(f"{since}: +{listed}")
    if not parts:
        return ""  # no change of membership within the years shown
    text = f"BRICS as of each year ({'; '.join(parts)})"
    if founding > first_year:
        text += f"; before {founding} its members count in the rest of the world"
    return text + "."


def gap_notes(p: Params, frames: Frames, s: SeriesSet, rows: pd.DataFrame) -> list[str]:
    ind = frames.indicator(p.indicator)
    notes = [excluded_note(s.excluded)]
    if p.measure == "ratio":
        notes.append(f"Ratio = {REFERENCES[p.ref]} ÷ country (log scale): 10 means the reference has ten times the "
                     "country's value; below 1 the country is ahead. A zero value has no ratio (gap in the line).")
    if p.ref == "leader" and len(s.reference.frame):
        lead = s.reference.frame
        runs = lead.groupby("iso3")["year"].agg(lambda y: ", ".join(str(v) for v in sorted(y)))
        form = "" if p.mode == "absolute" else f" ({MODES[p.mode]})"
        notes.append(f"Leader each year: the best country with data that year{form}: "
                     + "; ".join(f"{frames.name(i)} ({y})" for i, y in runs.items()) + ".")
    elif p.ref == "G7":
        notes.append("G7 median: the median of the G7 members with data that year.")
    if any(f.kind == "group" for f in s.followers):
        how = ("the median of the members with data" if ind["kind"] != "total" else
               {"absolute": "the sum over the members with data", "share_world": "the members' combined share",
                "per_capita": "the members' total over their total population",
                "per_gdp": "the members' total over their total GDP"}[p.mode])
        notes.append(f"Group lines (dotted) show {how}, each year counting the countries that were members then; "
                     "hover shows how many members had data.")
        if "BRICS" in [f.series for f in s.followers]:
            notes.append(brics_note(frames, int(rows["year"].min()), int(rows["year"].max())))
    flagged = rows[rows["note"].map(lambda n: isinstance(n, str) and bool(n))]
    for note, part in flagged.groupby("note"):
        where = ", ".join(f"{r.label} {r.year}" for r in part.head(6).itertuples())
        more = f" and {len(part) - 6} more" if len(part) > 6 else ""
        notes.append(f"◇ marks a value with a note: “{note}” ({where}{more}).")
    if p.mode in ("per_capita", "per_gdp"):
        notes.append(f"Shown {MODES[p.mode]}; denominators are World Bank population / GDP (current US$) of the "
                     "same year or the latest earlier one (at most 5 years back).")
    return notes


# -- 2. trends and catch-up -----------------------------------------------------------------------------------
def _in_window(frame: pd.DataFrame, p: Params) -> pd.DataFrame:
    return frame[(frame["year"] >= p.year_from) & (frame["year"] <= p.year_to) & (frame["display"] > 0)]


def _fit(frame: pd.DataFrame, p: Params) -> gap.Trend | None:
    try:
        return gap.trend(frame[["year", "display"]].rename(columns={"display": "value"}), p.year_from, p.year_to)
    except gap.TooFewPoints:
        return None


def points_table(p: Params, frames: Frames) -> View:
    """The yearly values each trend is fitted to (positive values in the window): the trend chart's markers."""
    if (not p.countries and not p.groups) or p.year_from is None:
        return View(pd.DataFrame(columns=POINT_COLUMNS))
    s = _series(p, frames)
    parts = [_in_window(f.frame, p).assign(series=f.series, kind=f.kind, label=f.label)
             for f in (*s.followers, s.reference)]
    table = pd.concat(parts, ignore_index=True)
    table["name"] = [frames.name(i) if isinstance(i, str) else None for i in table["iso3"]]
    return View(table[POINT_COLUMNS])


def _line_end(t: gap.Trend, end: float, lo: float, hi: float) -> float:
    """Where a projected line stops: at ``end``, or earlier where it leaves [lo / LINE_MARGIN, hi * LINE_MARGIN]."""
    if end <= t.last_year:
        return float(t.last_year)
    bound = hi * LINE_MARGIN if t.slope > 0 else lo / LINE_MARGIN
    reach = t.year_at(bound)
    return float(max(t.last_year, min(end, reach if reach is not None else end)))


def _line(t: gap.Trend | None, end: float | None, lo: float, hi: float, crossing: float) -> dict:
    """A trend's growth and the dashed line the chart draws for it, with the crossing marker if it is drawn."""
    if t is None:
        return dict.fromkeys(["cagr", "cagr_low", "cagr_high", "line_from", "line_to", "line_value_from",
                              "line_value_to", "crossing_value"], np.nan)
    to = _line_end(t, end if end is not None else t.last_year, lo, hi)
    return {"cagr": t.cagr, "cagr_low": t.cagr_low, "cagr_high": t.cagr_high, "line_from": float(t.first_year),
            "line_to": to, "line_value_from": t.value_at(t.first_year), "line_value_to": t.value_at(to),
            "crossing_value": t.value_at(crossing) if crossing <= to + 1e-9 else np.nan}


def trend_table(p: Params, frames: Frames) -> View:
    """Per follower: its growth (CAGR with 95% interval) over the window and the catch-up status against the
    reference (``gap.catch_up``); then a row for the reference. ``line_*`` is the dashed trend line the chart
    draws: over the fitted years, and on to the crossing for a significant one within the horizon, stopping
    where it would leave the range of the data by more than ``LINE_MARGIN`` times."""
    ind = frames.indicator(p.indicator)
    empty = pd.DataFrame(columns=TREND_COLUMNS)
    if not p.countries and not p.groups:
        return View(empty, (), {"empty": "Pick at least one country or group"})
    if p.year_from is None:
        return View(empty, (), {"empty": f"No complete years of {ind['name']}"})
    s = _series(p, frames)
    rseries = s.reference.frame[["year", "display"]].rename(columns={"display": "value"})
    ref_points = len(_in_window(s.reference.frame, p))
    ref_trend = _fit(s.reference.frame, p)
    rows = []  # (row, its trend, where its line ends before bounding)
    for f in s.followers:
        series = f.frame[["year", "display"]].rename(columns={"display": "value"})
        result = gap.catch_up(series, rseries, p.year_from, p.year_to, bool(ind["higher_is_better"]))
        points = len(_in_window(f.frame, p))
        status = gap.catch_up_text(result)
        if result["status"] == gap.INSUFFICIENT:
            n, who = (points, "") if points < gap.MIN_POINTS else (ref_points, " for the reference")
            status = f"insufficient data{who}: {plural(n, 'positive yearly value')} in the window"
        crossing = result["crossing_year"] if result["status"] == gap.CONVERGING else None
        rows.append(({"series": f.series, "kind": f.kind, "label": f.label, "points": points,
                      "status": result["status"], "status_text": status,
                      "years_to_catch_up": np.nan if crossing is None else result["years"],
                      "crossing_year": np.nan if crossing is None else crossing},
                     result["follower"] or _fit(f.frame, p),  # a short reference: still show the country's growth
                     crossing))
    ends = [end for _, _, end in rows if end is not None]
    rows.append(({"series": REFERENCE_ROW, "kind": "reference", "label": s.reference.label, "points": ref_points,
                  "status": "", "status_text": "reference", "years_to_catch_up": np.nan, "crossing_year": np.nan},
                 ref_trend, max([p.year_to, *ends])))
    shown = points_table(p, frames).table["display"]
    lo, hi = (float(shown.min()), float(shown.max())) if len(shown) else (np.nan, np.nan)
    lines = [{**row, **_line(t, end, lo, hi, row["crossing_year"]),
              "reference_cagr": ref_trend.cagr if ref_trend else np.nan} for row, t, end in rows]
    clipped = any(t is not None and end is not None and t.last_year < end and line["line_to"] < end - 1e-9
                  for (_, t, end), line in zip(rows, lines))
    table = pd.DataFrame(lines).assign(indicator_id=p.indicator, mode=p.mode, reference=s.reference.label,
                                       window_from=p.year_from, window_to=p.year_to)[TREND_COLUMNS]
    window = span(p.year_from, p.year_to)
    meta = {"period": window, "unit": unit_label(ind, p.mode),
            "title": f"{ind['name']}: growth trends and catch-up",
            "assumption": f"Dashed: log-linear trends fitted to {window}, drawn on to the crossing year if both keep "
                          f"their {window} trends (at most {gap.HORIZON} years ahead"
                          + (f", and at most {LINE_MARGIN}× beyond the range of the data" if clipped else "")
                          + "); × marks the crossing."}
    if table["cagr"].isna().all():
        meta["empty"] = (f"No trend to draw: no country or group has {gap.MIN_POINTS} positive yearly values in "
                         f"{window}")
    return View(table, tuple(n for n in trend_notes(p, s, clipped) if n), meta)


def trend_notes(p: Params, s: SeriesSet, clipped: bool) -> list[str]:
    window = span(p.year_from, p.year_to)
    notes = [
        f"CAGR: compound annual growth from a least-squares fit of the logarithm of the values on the year, over "
        f"{window} (positive values only), with its 95% interval (Student's t). Years to catch up: when the "
        f"country's trend line would reach the reference's, if both keep their {window} trends — a projection, "
        "not a forecast.",
        f"Where the 95% intervals of the two growth rates overlap, the data do not say which grows faster: no "
        f"year is given (“growth difference not significant”). A crossing more than {gap.HORIZON} years ahead is "
        f"shown as “not within {gap.HORIZON} years”.",
        f"No trend is estimated from fewer than {gap.MIN_POINTS} positive yearly values in the window "
        "(“insufficient data”).",
    ]
    if clipped:
        notes.append(f"Projected lines stop where they would leave the range of the data by more than "
                     f"{LINE_MARGIN}×; the table gives the crossing years.")
    notes.append(excluded_note(s.excluded))
    return notes


# -- 3-4. concentration and blocs -----------------------------------------------------------------------------
def _editions(periods: list[str]) -> list[str]:
    """Every June and November edition from the first to the last one (missing editions become gaps)."""
    first, last = periods[0], periods[-1]
    return [p for year in range(int(first[:4]), int(last[:4]) + 1) for p in (f"{year}-06", f"{year}-11")
            if first <= p <= last]


@dataclass(frozen=True)
class _Concentration:
    table: pd.DataFrame  # CONC_COLUMNS, one row per period in the range (missing periods have no shares)
    obs: pd.DataFrame  # complete periods
    excluded: pd.DataFrame
    sparse: tuple[str, ...]  # early periods left out for too few countries
    by_edition: bool


def _concentration(indicator: str, frames: Frames) -> _Concentration:
    """Once per indicator and store file: it does not depend on the countries or years chosen."""
    return frames.memo(("gap-concentration", indicator), lambda: _build_concentration(indicator, frames))


def _build_concentration(indicator: str, frames: Frames) -> _Concentration:
    obs_all = frames.obs(indicator)
    obs = complete_periods(obs_all)
    excluded = obs_all.loc[obs_all.index.difference(obs.index)]
    conc = gap.concentration(obs)
    sparse: tuple[str, ...] = ()
    # A "top 5 share" of three countries says nothing: start where every period has enough countries with data.
    few = conc.index[conc["countries"] < MIN_COUNTRIES]
    if len(few):
        sparse = tuple(conc.loc[: few.max(), "period"].astype(str))
        conc = conc.loc[few.max() + 1:]
    if conc.empty:
        return _Concentration(pd.DataFrame(columns=CONC_COLUMNS), obs, excluded, sparse, False)
    largest = obs.loc[obs.groupby("period")["value"].idxmax().to_numpy(), ["period", "iso3"]]
    top = dict(zip(largest["period"].astype(str), largest["iso3"]))
    by_edition = bool(conc["period"].str.len().max() > 4)
    periods = (_editions(list(conc["period"])) if by_edition else
               [str(y) for y in range(int(conc["year"].min()), int(conc["year"].max()) + 1)])
    full = conc.set_index("period").reindex(periods).rename_axis("period").reset_index()
    full = full.assign(year=full["period"].str[:4].astype(int), indicator_id=indicator,
                       countries=full["countries"].fillna(0).astype(int), top_country=full["period"].map(top))
    full["top_name"] = [frames.name(i) if isinstance(i, str) else None for i in full["top_country"]]
    return _Concentration(full[CONC_COLUMNS], obs, excluded, sparse, by_edition)


def concentration_table(p: Params, frames: Frames) -> View:
    """Per period (each TOP500 edition, else each year) from the first with at least ``MIN_COUNTRIES`` countries:
    the share of the total of countries with data held by the largest 1, 2 and 5, and the HHI. Depends on ``conc``
    only: once per indicator and store file."""
    return frames.memo(("gap-concentration-view", p.conc), lambda: _concentration_view(p.conc, frames))


def blocs_table(p: Params, frames: Frames) -> View:
    """Per year and bloc (G7, BRICS by the year each member joined, rest of world), the share of the total of the
    countries with data; over the same years as the concentration chart. Once per ``conc`` and store file."""
    return frames.memo(("gap-blocs-view", p.conc), lambda: _blocs_view(p.conc, frames))


def _concentration_view(conc: str, frames: Frames) -> View:
    ind = frames.indicator(conc)
    c = _concentration(conc, frames)
    if c.table.empty:
        return View(c.table, (), {"empty": f"Not enough countries with data for {ind['name']}"})
    held = c.table[c.table["countries"] > 0]
    notes = ["Share of the total of the countries with data that period held by the largest 1, 2 and 5; HHI "
             "(Herfindahl-Hirschman index, sum of squared percentage shares: 10,000 = one country holds all). "
             f"The number of countries with data changes over time ({int(held['countries'].min())}–"
             f"{int(held['countries'].max())}); hover shows it.", excluded_note(c.excluded)]
    if c.sparse:
        notes.append(f"Left out: {c.sparse[0]}–{c.sparse[-1]}, when some periods have fewer than {MIN_COUNTRIES} "
                     "countries with data.")
    if c.by_edition:
        gaps = list(c.table.loc[c.table["countries"] == 0, "period"])
        notes.append("Every TOP500 edition (June and November lists) is its own point"
                     + (f"; editions missing from the collected files: {', '.join(gaps)} (gaps in the lines)."
                        if gaps else "."))
    if conc == "notable_ai_models":
        notes.append("A model developed by organisations in several countries counts once for each, so shares are "
                     "of the sum of country counts.")
    return View(c.table, tuple(n for n in notes if n),
                {"period": f"{c.table['period'].iloc[0]} to {c.table['period'].iloc[-1]}",
                 "by_edition": c.by_edition, "title": f"{ind['name']}: share held by the largest countries"})


def _blocs_view(conc: str, frames: Frames) -> View:
    ind = frames.indicator(conc)
    c = _concentration(conc, frames)
    if c.table.empty:
        return View(pd.DataFrame(columns=BLOC_COLUMNS), (), {"empty": f"Not enough countries with data for "
                                                                      f"{ind['name']}"})
    first, last = int(c.table["year"].min()), int(c.table["year"].max())
    shares = gap.bloc_shares(c.obs[c.obs["year"] >= first], frames.members, BLOCS)
    grid = pd.MultiIndex.from_product([range(first, last + 1), [*BLOCS, gap.REST]], names=["year", "bloc"])
    table = shares.set_index(["year", "bloc"]).reindex(grid).reset_index()
    table = table.assign(indicator_id=conc, label=table["bloc"].map(BLOC_LABELS),
                         countries=table["countries"].fillna(0).astype(int))[BLOC_COLUMNS]
    g7 = ", ".join(sorted(frames.name(i) for i in frames.group_members("G7")["iso3"]))
    notes = [brics_note(frames, first, last),
             f"G7: {g7}. Shares of the total of the countries with data each year; the rest of the world is every "
             "other country with data; a bloc none of whose members has data that year shows 0%.",
             excluded_note(c.excluded)]
    if c.sparse:
        notes.append(f"Starts in {first}, as the concentration chart does.")
    if c.by_edition:
        notes.append("Yearly: each year uses the latest TOP500 edition within that year.")
    return View(table, tuple(n for n in notes if n),
                {"period": span(first, last), "title": f"{ind['name']}: share of the total by bloc"})


TABLES = {"gap": gap_table, "trend": trend_table, "concentration": concentration_table, "blocs": blocs_table,
          "points": points_table}
