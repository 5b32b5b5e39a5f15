"""Compare: countries and country groups over time, one line each, in any sensible normalisation.

Each year shows one period for every country: the latest period of that year over ALL countries
(``latest_per_year`` on the whole indicator, never on the countries drawn), so a TOP500 year is its November list
whichever countries are on the chart. Shares are of every country with data in the period. Groups (clubs, World
Bank and UN regions, income groups, a custom set) are aggregated per year over the members that belonged to the
group that year (join year ``since``, last year ``until``) and have data: sum, median or population-weighted mean.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from ..measures import DENOMINATOR_MAX_LAG, MODES, denominator, group_aggregate, member_count, member_rows, \
    normalise
from .base import Frames, Query, View, indicator_param, mode_param, plural

PARAMS = ("indicator", "countries", "groups", "custom", "agg", "mode", "log", "from", "to")
DEFAULT_INDICATOR = "ai_vc_investment"
DEFAULT_COUNTRIES = ("BRA", "IND", "ZAF", "IDN", "USA", "CHN")
DEFAULT_GROUPS = ("G7",)
MAX_COUNTRIES = 15  # lines beyond this are unreadable; a custom set aggregates any number of countries
CUSTOM_ID = "CUSTOM"
NONE = "none"  # a list the user emptied (a missing parameter means "the default")
AGGREGATES = {"sum": "sum", "median": "median", "popweighted": "population-weighted mean"}
GROUP_KINDS = {"club": "club", "wb_income": "World Bank income group", "wb_region": "World Bank region",
               "un_region": "UN region", "un_subregion": "UN sub-region"}
LINE_COLUMNS = ["series", "kind", "label", "year", "period", "value", "display", "members_with_data", "members",
                "source_id", "note"]
_DENOMINATOR = {"per_capita": "population", "per_gdp": "gdp_usd"}


@dataclass(frozen=True)
class Params:
    indicator: str = DEFAULT_INDICATOR
    countries: tuple[str, ...] = DEFAULT_COUNTRIES
    groups: tuple[str, ...] = DEFAULT_GROUPS
    custom: tuple[str, ...] = ()
    agg: str = "sum"
    mode: str = "absolute"
    log: bool = False
    year_from: int | None = None
    year_to: int | None = None


def allowed_aggregates(kind: str) -> list[str]:
    """A sum only makes sense for totals; rates and scores are summarised by a median or weighted mean."""
    return list(AGGREGATES) if kind == "total" else ["median", "popweighted"]


def default_aggregate(kind: str) -> str:
    return "sum" if kind == "total" else "median"


def _codes(query: Query, key: str, allowed: Iterable[str], default: tuple[str, ...]) -> tuple[str, ...]:
    """A list of codes; 'none' is the empty list, and a list of only unknown codes (lenient) is the default."""
    items = query.items(key, allowed, default, none=NONE)
    raw = query.text(key)
    return tuple(default) if not items and raw is not None and raw != NONE else items


def parse(query: Query, frames: Frames) -> Params:
    ind_id = indicator_param(query, frames, default=DEFAULT_INDICATOR)
    kind = frames.indicator(ind_id)["kind"]
    names = list(frames.names)
    years = frames.years(ind_id)
    y0 = y1 = None
    if years:
        y0 = query.integer("from", years[0], years[-1], years[0])
        y1 = query.integer("to", years[0], years[-1], years[-1])
        y0, y1 = min(y0, y1), max(y0, y1)
    return Params(indicator=ind_id,
                  countries=_codes(query, "countries", names, DEFAULT_COUNTRIES),
                  groups=_codes(query, "groups", frames.groups["group_id"], DEFAULT_GROUPS),
                  custom=query.items("custom", names, (), none=NONE),
                  agg=query.choice("agg", allowed_aggregates(kind), default_aggregate(kind)),
                  mode=mode_param(query, kind), log=query.flag("log", False), year_from=y0, year_to=y1)


def url_params(p: Params) -> dict[str, object]:
    """The query string that gives ``p`` back (the page writes it to the URL and the download link)."""
    return {"indicator": p.indicator, "countries": ",".join(p.countries) or NONE,
            "groups": ",".join(p.groups) or NONE, "custom": ",".join(p.custom), "agg": p.agg, "mode": p.mode,
            "log": 1 if p.log else None, "from": p.year_from, "to": p.year_to}


def group_choices(frames: Frames) -> list[tuple[str, str]]:
    """(group id, label) for the groups menu: clubs first, then income groups and regions, each by name."""
    order = {kind: i for i, kind in enumerate(GROUP_KINDS)}
    rows = sorted(frames.groups.itertuples(), key=lambda r: (order.get(r.kind, len(order)), r.name))
    return [(r.group_id, f"{r.name} ({GROUP_KINDS.get(r.kind, r.kind)})") for r in rows]


def group_name(frames: Frames, group_id: str) -> str:
    if group_id == CUSTOM_ID:
        return "Custom set"
    names = frames.groups.set_index("group_id")["name"]
    return str(names.get(group_id, group_id))


def memberships(p: Params, frames: Frames) -> dict[str, pd.DataFrame]:
    """{group id: iso3, since, until} for the chosen groups and the custom set (a member every year)."""
    out = {gid: frames.group_members(gid)[["iso3", "since", "until"]] for gid in p.groups}
    if p.custom:
        out[CUSTOM_ID] = pd.DataFrame({"iso3": list(p.custom), "since": float("nan"), "until": float("nan")})
    return out


def yearly_display(p: Params, frames: Frames) -> pd.DataFrame:
    """Every country's yearly row (one period per year, chosen over all countries) with ``display`` in the mode:
    once per indicator, mode and store file (``Frames.memo``; treat as read-only).

    Shares are taken here, on every country with data, before any country or member is picked.
    """
    return frames.memo(("compare-yearly", p.indicator, p.mode), lambda: _yearly_display(p.indicator, p.mode, frames))


def _yearly_display(indicator: str, mode: str, frames: Frames) -> pd.DataFrame:
    yearly = frames.yearly(indicator)
    if yearly.empty:
        return yearly.assign(display=pd.Series(dtype=float))
    den = frames.denominator(_DENOMINATOR[mode]) if mode in _DENOMINATOR else None
    return normalise(yearly, mode, den, den)


def period_span(frame: pd.DataFrame) -> str:
    """'2024' or '2015 to 2024'."""
    periods = sorted(frame["period"].astype(str).unique())
    if not periods:
        return "no data"
    return periods[0] if len(periods) == 1 else f"{periods[0]} to {periods[-1]}"


def _join(values: Iterable) -> str | None:
    unique = sorted({str(v) for v in values if isinstance(v, str) and v})
    return "; ".join(unique) if unique else None


def group_line(members: pd.DataFrame, rows: pd.DataFrame, p: Params, frames: Frames) -> pd.DataFrame:
    """One row per year: the aggregate of the members that belonged to the group that year and have a value.

    ``rows`` are every country's yearly rows in the range. A sum shown per capita (per GDP) is the members' total
    over their total population (GDP), i.e. the population (GDP)-weighted mean of their per-capita values.
    """
    part = member_rows(rows, members).dropna(subset=["display"])
    how, weights = p.agg, frames.denominator("population") if p.agg == "popweighted" else None
    if p.agg == "sum" and p.mode in _DENOMINATOR:
        how, weights = "popweighted", frames.denominator(_DENOMINATOR[p.mode])
    if how == "popweighted":  # a member without a weight is not in the mean: leave it out of every column
        part = part[denominator(weights, part).notna()]
    if part.empty:
        return pd.DataFrame(columns=LINE_COLUMNS)
    isos = list(members["iso3"])
    shown = group_aggregate(part, isos, how, weights, column="display")
    value = group_aggregate(part, isos, p.agg, weights if p.agg == "popweighted" else None, column="value")
    by_year = part.groupby("year")
    return shown.rename(columns={"value": "display"}).assign(
        value=shown["year"].map(value.set_index("year")["value"]),
        period=shown["year"].map(by_year["period"].agg(_join)),
        note=shown["year"].map(by_year["note"].agg(_join)),
        source_id=shown["year"].map(by_year["source_id"].agg(_join)),
        members=[member_count(members, int(y)) for y in shown["year"]])


def lines_table(p: Params, frames: Frames) -> View:
    """The points the chart draws: one row per line (country, group, custom set) and year with a value.

    Columns: series (iso3 or group id), kind (country/group), label, year, period, value (the stored value or the
    members' aggregate of it), display (the value in the chosen form: what is drawn), members_with_data and members
    (groups only), source_id, note. On a log scale zeros and negatives are left out (they cannot be drawn).
    """
    ind = frames.indicator(p.indicator)
    empty = pd.DataFrame(columns=LINE_COLUMNS)
    if p.year_from is None:
        msg = f"No data for {ind['name']}."
        return View(empty, (), {"empty": msg, "missing": (msg,), "hidden": 0, "period": "no data",
                                "title": ind["name"], "unit": unit_text(ind, p.mode)})
    y0, y1 = p.year_from, p.year_to
    shown = yearly_display(p, frames)
    in_range = shown[(shown["year"] >= y0) & (shown["year"] <= y1)]
    span = f" in {y0}–{y1}" if y0 != y1 else f" in {y0}"
    form = "" if p.mode == "absolute" else f" ({MODES[p.mode]})"
    parts, missing = [], []
    for iso in p.countries[:MAX_COUNTRIES]:
        name = frames.name(iso)
        mine = in_range[in_range["iso3"] == iso]
        points = mine.dropna(subset=["display"])
        if points.empty:
            every = shown[shown["iso3"] == iso]
            if every.empty:
                missing.append(f"No data for {name} on {ind['name']}; the source does not cover it.")
            elif mine.empty:
                missing.append(f"No data for {name} on {ind['name']}{span}; its data cover {period_span(every)}.")
            else:
                den = "population" if p.mode == "per_capita" else "GDP"
                missing.append(f"No data for {name} on {ind['name']}{form}{span}: no {den} figure.")
            continue
        parts.append(points.assign(series=iso, kind="country", label=name, members_with_data=pd.NA, members=pd.NA))
    for gid, members in memberships(p, frames).items():
        line = group_line(members, in_range, p, frames)
        gname = group_name(frames, gid)
        if line.empty:
            missing.append(f"No data for any {gname} member on {ind['name']}{form}{span}.")
            continue
        parts.append(line.assign(series=gid, kind="group", label=f"{gname} ({AGGREGATES[p.agg]})"))
    if len(p.countries) > MAX_COUNTRIES:
        missing.append(f"Showing the first {MAX_COUNTRIES} of the {len(p.countries)} countries chosen; a custom set "
                       "aggregates any number of countries into one line.")
    table = pd.concat([part[LINE_COLUMNS] for part in parts], ignore_index=True) if parts else empty
    table = table.astype({"year": int, "value": float, "display": float, "members_with_data": "Int64",
                          "members": "Int64"})
    hidden = 0
    if p.log:  # a log axis cannot show zeros: they are left out, and a note says how many
        hidden = int((table["display"] <= 0).sum())
        table = table[table["display"] > 0].reset_index(drop=True)
    meta = {"missing": tuple(missing), "hidden": hidden, "empty": None if len(table) else _empty_text(missing, hidden),
            "period": period_span(table) if len(table) else "no data", "unit": unit_text(ind, p.mode),
            "title": f"{ind['name']}, {y0}–{y1}" if y0 != y1 else f"{ind['name']}, {y0}"}
    return View(table, tuple(line_notes(table, p, frames, hidden)) if len(table) else (), meta)


def _empty_text(missing: list[str], hidden: int) -> str:
    if len(missing) == 1:
        return missing[0]
    if missing:
        return "No data for any of the chosen countries or groups (see above)."
    if hidden:
        return "Only zeros to show: they cannot be drawn on a log scale."
    return "Choose countries or groups to compare."


def unit_text(ind: dict, mode: str) -> str:
    """The y axis carries the unit (the chart title carries the indicator's name)."""
    if mode == "share_world":
        return "% of the world total (countries with data)"
    return ind["unit"] if mode == "absolute" else f"{ind['unit']}, {MODES[mode]}"


def _membership_changes(members: pd.DataFrame, p: Params, frames: Frames) -> str:
    """'from 2024: Egypt, Iran; until 2020: United Kingdom' for members who joined or left within the range."""
    since = pd.to_numeric(members["since"], errors="coerce")
    until = pd.to_numeric(members["until"], errors="coerce")
    changes = []
    for word, years, inside in (("from", since, since > p.year_from), ("until", until, until < p.year_to)):
        for year in sorted(years[inside].unique()):
            who = sorted(frames.name(i) for i in members.loc[inside & (years == year), "iso3"])
            changes.append(f"{word} {int(year)}: {', '.join(who)}")
    return "; ".join(changes)


def line_notes(table: pd.DataFrame, p: Params, frames: Frames, hidden: int = 0) -> list[str]:
    """The sentences under the chart: which period a year means, flagged values, how groups are counted."""
    notes = []
    countries = table[table["kind"] == "country"]
    if countries["period"].astype(str).str.len().gt(4).any():
        latest = countries.groupby("year")["period"].max().tail(3)
        used = "; ".join(f"{year}: {period}" for year, period in latest.items())
        notes.append("Sub-annual data: each year shows the latest period within that year over all countries, and a "
                     f"country not in it has no value for the year (e.g. {used}).")
    flagged = table[table["note"].map(lambda n: isinstance(n, str) and bool(n))]
    for note, part in flagged.groupby("note"):
        where = ", ".join(f"{r.label} {r.year}" for r in part.head(6).itertuples())
        more = f" and {len(part) - 6} more" if len(part) > 6 else ""
        notes.append(f"◇ (open diamond) marks a value with a note: “{note}” ({where}{more}).")
    if (table["kind"] == "group").any():
        how = {"sum": "the sum of", "median": "the median of", "popweighted": "the population-weighted mean of"}
        text = (f"Group lines show, for each year, {how[p.agg]} the members with data that year; hover shows "
                "“n of m members with data”.")
        if p.agg == "sum":
            text += " A sum over fewer members than the group has understates the group."
            if p.mode in _DENOMINATOR:
                den = "population" if p.mode == "per_capita" else "GDP"
                text += f" Shown {MODES[p.mode]}: the members' total divided by their total {den}."
        notes.append(text)
        for gid in p.groups:
            changes = _membership_changes(frames.group_members(gid), p, frames)
            if changes:
                notes.append(f"{group_name(frames, gid)}: each year counts only the countries that were members "
                             f"then ({changes}).")
        if p.custom:
            notes.append("Custom set: " + ", ".join(frames.name(i) for i in p.custom) + ".")
    if p.year_from == p.year_to:
        notes.append(f"Only {p.year_from} is shown, so the chart has points, not trends.")
    if p.mode in _DENOMINATOR:
        notes.append(f"Shown {MODES[p.mode]}; denominators are World Bank population / GDP (current US$) of the "
                     f"same year or the latest earlier one (at most {DENOMINATOR_MAX_LAG} years back).")
    elif p.mode == "share_world":
        notes.append("Share of world: percentage of the total of all countries with data in the same period.")
    if p.log:
        if hidden:
            notes.append(f"Log scale: {plural(hidden, 'zero value')} cannot be drawn and are left out of the lines.")
    else:
        positive = table.loc[table["display"] > 0, "display"]
        if len(positive) and positive.max() > 1000 * positive.min():
            notes.append("The values span more than three orders of magnitude: switch on the log scale to see the "
                         "trends of the smaller series.")
    return notes


TABLES = {"lines": lines_table}
