"""Data & sources: the stored observations of one indicator for the chosen countries and years, the coverage
matrix (countries x years) drawn from those same rows, the catalogue of every indicator with its coverage, the
names excluded as non-countries and the publisher's own aggregates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

import pandas as pd

from .base import Frames, ParamError, Query, View, indicator_param, plural

PARAMS = ("indicator", "country", "from", "to", "coverage")
DEFAULT_INDICATOR = "ai_vc_investment"
YEAR_MIN, YEAR_MAX = 1900, 2100
# The coverage matrix draws this many countries (those with most years of data) unless coverage=all.
COVERAGE_LIMIT = 60
# The observation table: the store's columns plus the country name and unit (the CSV's header, in this order).
OBS_COLUMNS = ["iso3", "country", "indicator_id", "period", "year", "value", "unit", "note", "source_id"]
CATALOGUE_COLUMNS = ["indicator_id", "name", "pillar", "kind", "unit", "description", "publisher", "source_id",
                     "series_code", "licence", "vintage", "caveats", "source_caveats", "countries", "observations",
                     "first_period", "last_period"]
EXCLUDED_COLUMNS = ["file", "column_name", "raw_value", "reason", "rows_excluded"]
AGGREGATE_COLUMNS = ["entity", "indicator_id", "period", "year", "value", "source_id", "note"]
CAVEAT_SEPARATOR = " | "


@dataclass(frozen=True)
class Params:
    indicator: str = DEFAULT_INDICATOR
    country: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    coverage: str | None = None  # "all": the coverage matrix draws every country

    def query(self) -> dict[str, object]:
        """The page's URL parameters for these values (``from`` is a Python keyword, hence year_from)."""
        return {"indicator": self.indicator, "country": self.country, "from": self.year_from, "to": self.year_to,
                "coverage": self.coverage}


def parse(query: Query, frames: Frames) -> Params:
    """Country codes are ISO3, in either case; a reversed year range is refused (strict) or swapped (lenient)."""
    indicator = indicator_param(query, frames, default=DEFAULT_INDICATOR)
    known = list(frames.names)
    codes = query.items("country", known + [iso.lower() for iso in known], ())
    year_from = query.integer("from", YEAR_MIN, YEAR_MAX, None)
    year_to = query.integer("to", YEAR_MIN, YEAR_MAX, None)
    if year_from is not None and year_to is not None and year_from > year_to:
        if query.strict:
            raise ParamError(f"'from' ({year_from}) is after 'to' ({year_to})")
        year_from, year_to = year_to, year_from
    return Params(indicator=indicator, country=tuple(dict.fromkeys(code.upper() for code in codes)),
                  year_from=year_from, year_to=year_to, coverage=query.choice("coverage", ["all"], None))


def selected(p: Params, frames: Frames) -> pd.DataFrame:
    """The stored observations of the indicator for the chosen countries and years, by country and period."""
    obs = frames.obs(p.indicator)
    keep = pd.Series(True, index=obs.index)
    if p.country:
        keep &= obs["iso3"].isin(p.country)
    if p.year_from is not None:
        keep &= obs["year"] >= p.year_from
    if p.year_to is not None:
        keep &= obs["year"] <= p.year_to
    return obs[keep].sort_values(["iso3", "period"], kind="stable").reset_index(drop=True)


def span_text(periods: pd.Series) -> str:
    """'2023' or '2010 to 2024' (periods as published)."""
    ordered = sorted(periods.astype(str).unique())
    return ordered[0] if len(ordered) == 1 else f"{ordered[0]} to {ordered[-1]}"


def observations(p: Params, frames: Frames) -> View:
    """The grid's rows (and its CSV): every stored observation chosen by indicator, countries and years."""
    ind = frames.indicator(p.indicator)
    rows = selected(p, frames)
    table = rows.assign(country=rows["iso3"].map(frames.name), unit=ind["unit"])[OBS_COLUMNS]
    years = frames.years(p.indicator)
    meta = {"first_year": years[0] if years else None, "last_year": years[-1] if years else None,
            "rows": len(table), "countries": int(table["iso3"].nunique())}
    if len(table):
        note = (f"{len(table):,} observations of {ind['name']} for "
                f"{plural(meta['countries'], 'country', 'countries')}, {span_text(table['period'])}.")
        return View(table, (note,), meta)
    who = ", ".join(frames.name(i) for i in p.country[:5]) + (" and others" if len(p.country) > 5 else "")
    span = (f" from {p.year_from}" if p.year_from is not None else "") + \
           (f" to {p.year_to}" if p.year_to is not None else "")
    has = f"; it has data for {years[0]} to {years[-1]}" if years else ""
    message = f"No data for {ind['name']}" + (f" for {who}" if who else "") + span + has + "."
    return View(table, (message,), {**meta, "empty": message})


def coverage(p: Params, frames: Frames) -> View:
    """The coverage matrix: one row per drawn country (most years with data first, ties by name), one column per
    year from the first to the last with data, each cell the number of observations of that country and year.

    Drawn are the first ``COVERAGE_LIMIT`` countries, or all with ``coverage=all``; ``meta['text']`` is the
    hover text of every cell (the periods behind it).
    """
    rows = selected(p, frames)
    if rows.empty:
        return View(pd.DataFrame(columns=["iso3", "name", "years_with_data"]), (),
                    {"years": [], "text": [], "countries": 0, "hidden": [], "empty": "No data for this selection"})
    years = list(range(int(rows["year"].min()), int(rows["year"].max()) + 1))
    cells: dict[tuple[str, int], list[str]] = {}  # the periods behind each cell, in order (plain Python: fast)
    for iso, year, period in zip(rows["iso3"].tolist(), rows["year"].tolist(), rows["period"].astype(str).tolist()):
        cells.setdefault((iso, int(year)), []).append(period)
    counts = rows.groupby(["iso3", "year"]).size().unstack(fill_value=0).reindex(columns=years, fill_value=0)
    matrix = counts.reset_index()
    matrix.columns = ["iso3", *[str(y) for y in years]]
    matrix.insert(1, "name", matrix["iso3"].map(frames.name))
    matrix.insert(2, "years_with_data", (counts > 0).sum(axis=1).to_numpy())
    matrix = matrix.sort_values(["years_with_data", "name"], ascending=[False, True], kind="stable")
    drawn = matrix if p.coverage == "all" else matrix.head(COVERAGE_LIMIT)
    hidden = matrix["name"].iloc[len(drawn):].tolist()
    text = [[f"{name} ({iso}), {y}: " + ", ".join(cells.get((iso, y), ["no data"])) for y in years]
            for iso, name in zip(drawn["iso3"], drawn["name"])]
    note = (f"Blue: at least one observation in the year; grey: no data. "
            f"{plural(len(matrix), 'country', 'countries')} with data, sorted by number of years with data.")
    if hidden:
        more = f" and {len(hidden) - 10} more" if len(hidden) > 10 else ""
        verb = "is" if len(hidden) == 1 else "are"
        note += (f" Drawn: the first {len(drawn)} in that order (ties by name); {len(hidden)} more {verb} not "
                 f"drawn ({', '.join(hidden[:10])}{more}): tick \"Draw all countries\" to see them.")
    return View(drawn.reset_index(drop=True), (note,),
                {"years": years, "text": text, "countries": len(matrix), "hidden": hidden})


def caveats_of(ind: Mapping) -> tuple[list[str], list[str]]:
    """(the indicator's caveats, its source's caveats that the indicator does not already state)."""
    own = list(ind.get("caveats") or [])
    return own, [t for t in ind.get("source_caveats") or [] if t not in own]


def catalogue(_p: Params | None, frames: Frames) -> View:
    """Every indicator: what it measures, its source, licence, vintage, caveats and coverage in the store."""
    rows = []
    for ind in frames.indicators.sort_values(["pillar", "name"]).to_dict("records"):
        obs = frames.obs(ind["indicator_id"])
        periods = obs["period"].astype(str)
        own, source = caveats_of(ind)
        rows.append({**{k: ind.get(k) for k in CATALOGUE_COLUMNS},
                     "caveats": CAVEAT_SEPARATOR.join(own), "source_caveats": CAVEAT_SEPARATOR.join(source),
                     "countries": int(obs["iso3"].nunique()), "observations": len(obs),
                     "first_period": periods.min() if len(obs) else None,
                     "last_period": periods.max() if len(obs) else None})
    return View(pd.DataFrame(rows, columns=CATALOGUE_COLUMNS))


def excluded_view(names: pd.DataFrame, ind: Mapping | None = None) -> View:
    """Names the source files held that the adapters did not count as countries: of every source (``ind`` None)
    or of the indicator's source; where the source has one file per series (World Bank), of that series' file."""
    mine = names
    if ind is not None:
        mine = names[names["file"].str.startswith(ind["source_id"] + "/")]
        code = str(ind.get("series_code") or "")
        own_file = mine[mine["file"].map(lambda f: bool(code) and code in PurePosixPath(f).name)]
        if not own_file.empty:
            mine = own_file
    table = mine[EXCLUDED_COLUMNS].reset_index(drop=True)
    rows = int(table["rows_excluded"].sum())
    where = "in this source's files" if ind is not None else "from every source"
    note = (f"Names excluded as non-countries {where}: {len(table)} names, {rows:,} rows" if len(table)
            else f"Names excluded as non-countries: none {where}")
    return View(table, (note,), {"names": len(table), "rows": rows, "files": sorted(table["file"].unique())})


def aggregates_view(aggregates: pd.DataFrame, p: Params) -> View:
    """The source's own group figures (regions, income groups) for the indicator in the chosen years."""
    keep = aggregates["indicator_id"] == p.indicator
    if p.year_from is not None:
        keep &= aggregates["year"] >= p.year_from
    if p.year_to is not None:
        keep &= aggregates["year"] <= p.year_to
    table = aggregates[keep][AGGREGATE_COLUMNS].sort_values(["entity", "period"], kind="stable")
    chosen = " in the chosen years" if p.year_from is not None or p.year_to is not None else ""
    return View(table.reset_index(drop=True), () if len(table) else (f"None for this indicator{chosen}.",))


def ingest_count(counts: pd.DataFrame, source_id: str) -> int | None:
    """Observations the last ingest read from one source (all its indicators and published aggregates)."""
    mine = counts.loc[counts["source_id"] == source_id, "observations"]
    return int(mine.iloc[0]) if len(mine) else None


def excluded(p: Params, frames: Frames) -> View:
    return excluded_view(frames.excluded_names(), frames.indicator(p.indicator))


def aggregates(p: Params, frames: Frames) -> View:
    return aggregates_view(frames.aggregates(p.indicator), p)


TABLES = {"observations": observations, "coverage": coverage, "catalogue": catalogue, "excluded": excluded,
          "aggregates": aggregates}
