"""Explorer: any indicator against any other for one year, as a scatter of countries.

One row per country with both values: each axis in its chosen form (absolute, per capita, per GDP), the period
and look-back of each value, the colour group (region, income group, or club membership in the year shown),
population and the bubble diameter drawn. The page lays this table out; its CSV is this table.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..measures import DENOMINATOR_MAX_LAG, MODES, complete_periods, denominator_with_year, edition_of_year, \
    members_in_year, normalise, value_in_window
from .base import Frames, Query, View, indicator_param, mode_param, plural
from .overview import period_text

PARAMS = ("x", "y", "xmode", "ymode", "year", "lag", "colour", "size", "logx", "logy", "highlight")
DEFAULT_X = "gdp_per_capita_usd"
DEFAULT_Y = "ai_diffusion"
FALLBACK_Y = "internet_users_pct"
# A scatter compares levels: a share of the total is a rescaled absolute value, so it is not offered here.
AXIS_MODES = ("absolute", "per_capita", "per_gdp")
LAG_MAX = 10
LEADERS = ("USA", "CHN")
# Bubble diameter (px) = SIZE_MAX * sqrt(population / SIZE_REFERENCE): area proportional to population, the same
# scale in every view so years and pairs can be compared; tiny countries (and unknown population) get SIZE_MIN.
SIZE_REFERENCE = 1.5e9
SIZE_MAX = 60.0
SIZE_MIN = 4.0
PLAIN_SIZE = 10.0
NOT_CLASSIFIED = "Not classified"
OTHER = "Other"
ONE_COLOUR = "All countries"
INCOME_ORDER = ("Low income", "Lower middle income", "Upper middle income", "High income")
# Colour schemes read from the countries table: (label, column).
CLASSIFICATIONS = {"wb_region": ("World Bank region", "wb_region"),
                   "income": ("World Bank income group", "wb_income_group"),
                   "un_region": ("UN region", "un_region")}
G7_BRICS = ("G7", "BRICS")
COLUMNS = ["iso3", "name",
           "indicator_x", "source_x", "year_x", "period_x", "lag_x", "value_x", "display_x", "note_x",
           "indicator_y", "source_y", "year_y", "period_y", "lag_y", "value_y", "display_y", "note_y",
           "population", "population_year", "colour_group", "size", "labelled"]
_AXIS = ["iso3", "indicator_id", "source_id", "year", "period", "lag", "value", "display", "note"]


@dataclass(frozen=True)
class Params:
    x: str
    y: str
    xmode: str = "absolute"
    ymode: str = "absolute"
    year: int | None = None
    lag: int = 0
    colour: str = "wb_region"
    size: bool = True
    logx: bool = False
    logy: bool = False
    highlight: tuple[str, ...] = ()


# -- parameters -------------------------------------------------------------------------------------------------
def colour_schemes(frames: Frames) -> dict[str, str]:
    """{scheme: label} in menu order: classifications, G7 / BRICS, each club in the store, one colour."""
    schemes = {key: label for key, (label, _column) in CLASSIFICATIONS.items()}
    schemes["g7_brics"] = "G7 / BRICS / other"
    clubs = frames.groups[frames.groups["kind"] == "club"]
    schemes.update({g: f"{name} / other" for g, name in zip(clubs["group_id"], clubs["name"])})
    schemes["none"] = "One colour"
    return schemes


def default_lag(*kinds: str) -> int:
    """A missing total (not on the TOP500 list, no deal) is not "an older value": only rates and scores look back."""
    return 0 if "total" in kinds else 3


def default_y(frames: Frames) -> str:
    return DEFAULT_Y if frames.indicator(DEFAULT_Y) else FALLBACK_Y


def common_years(frames: Frames, x: str, y: str) -> list[int]:
    """The years both indicators have values for: the year slider's marks."""
    return sorted(set(frames.years(x)) & set(frames.years(y)))


def default_year(frames: Frames, x: str, y: str) -> int | None:
    """The latest year both indicators cover with whole-period values (a year to date understates a total)."""
    complete = set.intersection(*(set(complete_periods(frames.obs(i))["year"].astype(int)) for i in (x, y)))
    years = sorted(complete) or common_years(frames, x, y)
    return years[-1] if years else None


def log_default(frames: Frames, ind_id: str) -> bool:
    """Ratio-scale quantities (GDP per capita, totals) read best on a log axis."""
    return ind_id == DEFAULT_X or frames.indicator(ind_id)["kind"] == "total"


def _highlight(query: Query, frames: Frames) -> tuple[str, ...]:
    """Country codes in any case ('bra' is Brazil); unknown codes refused (strict) or dropped (lenient)."""
    given = query.items("highlight", None, ())
    upper = ",".join(dict.fromkeys(code.upper() for code in given)) or "none"
    return Query({"highlight": upper}, strict=query.strict).items("highlight", frames.names, ())


def parse(query: Query, frames: Frames) -> Params:
    x = indicator_param(query, frames, "x", DEFAULT_X)
    y = indicator_param(query, frames, "y", default_y(frames))
    kind_x, kind_y = frames.indicator(x)["kind"], frames.indicator(y)["kind"]
    years = common_years(frames, x, y)
    # Any whole year in the shared range (the slider moves by one year); a year without shared data shows so.
    year = query.integer("year", years[0], years[-1], default_year(frames, x, y)) if years else None
    return Params(x=x, y=y, xmode=mode_param(query, kind_x, "xmode", AXIS_MODES),
                  ymode=mode_param(query, kind_y, "ymode", AXIS_MODES), year=year,
                  lag=query.integer("lag", 0, LAG_MAX, default_lag(kind_x, kind_y)),
                  colour=query.choice("colour", list(colour_schemes(frames)), "wb_region"),
                  size=query.flag("size", True), logx=query.flag("logx", log_default(frames, x)),
                  logy=query.flag("logy", log_default(frames, y)), highlight=_highlight(query, frames))


# -- pieces of the table ----------------------------------------------------------------------------------------
def axis_values(frames: Frames, ind_id: str, mode: str, year: int, lag: int) -> pd.DataFrame:
    """Each country's value for ``year`` (or up to ``lag`` years earlier) and ``display`` in the chosen form
    (NaN where the population or GDP figure is missing)."""
    current = value_in_window(frames.yearly(ind_id), year, max_lag=lag).dropna(subset=["value"])
    population = frames.denominator("population") if mode == "per_capita" else None
    gdp = frames.denominator("gdp_usd") if mode == "per_gdp" else None
    return normalise(current, mode, population, gdp)


def population_in(frames: Frames, iso3: pd.Series, year: int) -> pd.DataFrame:
    """Population and the year of that figure for each country in ``year``, by the one denominator rule."""
    keys = pd.DataFrame({"iso3": iso3, "year": year}, index=iso3.index)
    found = denominator_with_year(frames.denominator("population"), keys)
    value = found["den"]
    return pd.DataFrame({"population": value,
                         "population_year": found["den_year"].where(value.notna()).astype("Int64")})


def bubble_size(population: pd.Series) -> pd.Series:
    """Diameter in px: area proportional to population, at least SIZE_MIN (also for an unknown population)."""
    return (SIZE_MAX * (population / SIZE_REFERENCE) ** 0.5).clip(lower=SIZE_MIN).fillna(SIZE_MIN)


def categories(scheme: str, frames: Frames) -> list[str]:
    """Every group of a scheme in legend order (not only those in view), so colours stay put across views."""
    if scheme == "none":
        return [ONE_COLOUR]
    if scheme == "income":
        return list(INCOME_ORDER)
    if scheme in CLASSIFICATIONS:
        return sorted(frames.countries[CLASSIFICATIONS[scheme][1]].dropna().unique())
    names = dict(zip(frames.groups["group_id"], frames.groups["name"]))
    return [names.get(club, club) for club in _clubs(scheme)]


def _clubs(scheme: str) -> tuple[str, ...]:
    return G7_BRICS if scheme == "g7_brics" else (scheme,)


def colour_groups(iso3: pd.Series, scheme: str, year: int, frames: Frames) -> tuple[pd.Series, list[str]]:
    """Each country's colour group and the groups present, in legend order ('Not classified' / 'Other' last).

    Club membership is that of ``year``: joined by then and not yet left."""
    known = categories(scheme, frames)
    if scheme == "none":
        groups = pd.Series(ONE_COLOUR, index=iso3.index)
    elif scheme in CLASSIFICATIONS:
        table = frames.countries.set_index("iso3")[CLASSIFICATIONS[scheme][1]]
        groups = iso3.map(table).fillna(NOT_CLASSIFIED)
    else:
        groups = pd.Series(OTHER, index=iso3.index)
        for club, name in reversed(list(zip(_clubs(scheme), known))):  # G7 and BRICS do not overlap
            members = frames.group_members(club)
            groups[iso3.isin(set(members.loc[members_in_year(members, year), "iso3"]))] = name
    present = set(groups)
    order = [g for g in known if g in present]
    order += sorted(present - set(order) - {NOT_CLASSIFIED, OTHER})
    order += [g for g in (NOT_CLASSIFIED, OTHER) if g in present]
    return groups, order


def colour_title(scheme: str, year: int, frames: Frames) -> str:
    label = colour_schemes(frames).get(scheme, scheme)
    if scheme in ("wb_region", "income"):
        return f"{label} (current classification)"
    if scheme in ("un_region", "none"):
        return label
    return f"{label} (membership in {year})"


# -- the table --------------------------------------------------------------------------------------------------
def points_table(p: Params, frames: Frames) -> View:
    """The points the scatter draws: one row per country with both values (in their forms, positive on a log
    axis), sorted by iso3. ``meta`` holds what the page says around it: legend order, notes per axis, periods."""
    ind_x, ind_y = frames.indicator(p.x), frames.indicator(p.y)
    empty = pd.DataFrame(columns=COLUMNS)
    years = tuple(common_years(frames, p.x, p.y))
    meta: dict[str, object] = {"years": years, "order": [], "categories": categories(p.colour, frames),
                               "colour_title": colour_title(p.colour, p.year, frames) if p.year else "",
                               "axis_notes": {"x": (), "y": ()}, "period": {"x": "", "y": ""}}
    if p.year is None:
        message = f"{ind_x['name']} and {ind_y['name']} have no year in common; choose another pair."
        return View(empty, (), {**meta, "empty": message})
    xs = axis_values(frames, p.x, p.xmode, p.year, p.lag)
    ys = axis_values(frames, p.y, p.ymode, p.year, p.lag)
    both = xs[_AXIS].merge(ys[_AXIS], on="iso3", suffixes=("_x", "_y"))
    dropped = {"x_only": len(xs) - len(both), "y_only": len(ys) - len(both), "both": len(both)}
    no_denominator = both["display_x"].isna() | both["display_y"].isna()
    dropped["no_denominator"] = tuple(both.loc[no_denominator, "iso3"])
    both = both[~no_denominator]
    negative = ((both["display_x"] <= 0) & p.logx) | ((both["display_y"] <= 0) & p.logy)
    dropped["log"] = tuple(both.loc[negative, "iso3"])
    both = both[~negative].sort_values("iso3").reset_index(drop=True)
    both = both.rename(columns={"indicator_id_x": "indicator_x", "indicator_id_y": "indicator_y",
                                "source_id_x": "source_x", "source_id_y": "source_y"})
    both = pd.concat([both, population_in(frames, both["iso3"], p.year)], axis=1)
    groups, order = colour_groups(both["iso3"], p.colour, p.year, frames)
    both = both.assign(name=both["iso3"].map(frames.name), colour_group=groups,
                       size=bubble_size(both["population"]) if p.size else PLAIN_SIZE,
                       labelled=both["iso3"].isin(set(LEADERS) | set(p.highlight)))
    table = both[COLUMNS]
    notes = general_notes(p, table, dropped, frames)
    meta.update(order=order, dropped=dropped)
    if table.empty:
        message = (f"{ind_x['name']} and {ind_y['name']} share no countries in {p.year}"
                   + (f" (even using data up to {p.lag} years earlier)" if p.lag else "")
                   + (" with positive values for the log axis" if dropped["log"] else "")
                   + ". Try another year or allow earlier data.")
        return View(empty, notes, {**meta, "empty": message})
    for axis, ind, mode in (("x", ind_x, p.xmode), ("y", ind_y, p.ymode)):
        meta["axis_notes"][axis] = axis_notes(table, axis, ind, mode, p.year, frames)
        periods = table[[f"period_{axis}"]].rename(columns={f"period_{axis}": "period"})
        meta["period"][axis] = period_text(periods, p.year, edition_of_year(frames.obs(ind["indicator_id"])))
    return View(table, notes, meta)


def _listed(names: list[str], limit: int = 8) -> str:
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _verb(n: int, one: str = "has", many: str = "have") -> str:
    return one if n == 1 else many


def general_notes(p: Params, table: pd.DataFrame, dropped: dict, frames: Frames) -> tuple[str, ...]:
    """What is left out and why, how bubbles and colours are read, who is labelled."""
    notes = []
    if dropped["x_only"] or dropped["y_only"]:
        notes.append(f"{plural(dropped['both'], 'country has', 'countries have')} both values; "
                     f"{plural(dropped['x_only'], 'more country has', 'more countries have')} only the X value "
                     f"and {dropped['y_only']} only the Y value (not drawn).")
    if dropped["no_denominator"]:
        n = len(dropped["no_denominator"])
        notes.append(f"{plural(n, 'country', 'countries')} with both values but no population or GDP figure "
                     f"within {DENOMINATOR_MAX_LAG} years of the value {_verb(n, 'is', 'are')} not drawn: "
                     f"{_listed([frames.name(i) for i in dropped['no_denominator']])}.")
    if dropped["log"]:
        n = len(dropped["log"])
        notes.append(f"{plural(n, 'country', 'countries')} with a zero or negative value cannot sit on a log axis "
                     f"and {_verb(n, 'is', 'are')} not drawn.")
    if p.size and not table.empty:
        missing = table.loc[table["population"].isna(), "name"].tolist()
        smallest = SIZE_REFERENCE * (SIZE_MIN / SIZE_MAX) ** 2
        notes.append(
            f"Bubble area is proportional to population (diameter ∝ √population; a bubble {SIZE_MAX:.0f} px wide "
            f"is {SIZE_REFERENCE / 1e9:.1f} billion people, the same scale in every view); World Bank population "
            f"of {p.year} or up to {DENOMINATOR_MAX_LAG} years earlier. Countries under about "
            f"{smallest / 1e6:.1f} million people are drawn at the smallest size"
            + (f"; no population figure for {_listed(missing)} (smallest size)." if missing else "."))
    if p.colour in ("wb_region", "income"):
        notes.append("World Bank regions and income groups are the current (FY2026) classification, not that of "
                     "the year shown.")
    elif p.colour not in ("un_region", "none"):
        groups = frames.groups.set_index("group_id")
        notes += [f"{groups.loc[g, 'name']}: {groups.loc[g, 'source']}" for g in _clubs(p.colour)
                  if g in groups.index]
    absent = [frames.name(i) for i in p.highlight if i not in set(table["iso3"])]
    if absent:
        notes.append(f"Not in this view (no value for one of the indicators in {p.year}"
                     + (f" or the {p.lag} years before" if p.lag else "") + f"): {', '.join(absent)}.")
    notes.append("Labelled: the United States, China" + (" and highlighted countries" if p.highlight else "")
                 + ". Labelled points have a black outline.")
    return tuple(notes)


def axis_notes(table: pd.DataFrame, axis: str, ind: dict, mode: str, year: int, frames: Frames) -> tuple[str, ...]:
    """Which countries use older values, which values carry a publisher's flag, how the form is computed."""
    notes = []
    lagged = table[table[f"lag_{axis}"] > 0]
    if len(lagged):
        n = len(lagged)
        listed = _listed([f"{frames.name(i)} ({y})" for i, y in zip(lagged["iso3"], lagged[f"year_{axis}"])])
        notes.append(f"{ind['name']}: {n} of {plural(len(table), 'country', 'countries')} {_verb(n)} no {year} "
                     f"value; {_verb(n, 'its', 'their')} latest earlier value is shown: {listed}.")
    flags = table[f"note_{axis}"].dropna()
    for note in flags.unique():
        n = int((flags == note).sum())
        notes.append(f"{plural(n, 'value')} flagged ({note}); drawn with a dot in the centre.")
    if mode != "absolute":
        notes.append(f"Shown {MODES[mode]}; denominators are World Bank population / GDP (current US$) of the "
                     f"same year or the latest earlier one (at most {DENOMINATOR_MAX_LAG} years back).")
    return tuple(notes)


TABLES = {"points": points_table}
