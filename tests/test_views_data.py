"""The Data & sources views: property tests on generated observations, and checks against the real store (the
observation table is the store's SQL answer for the same filters, the coverage counts are the observations per
country and year, the catalogue's coverage is the store's, and the IMF caveat's counts are the store's)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from aigap import export
from aigap.analysis.views import ParamError, Query, base, data as dv
from aigap.store import Store

ISOS = ["AAA", "BBB", "CCC", "DDD", "EEE"]
INDICATORS = pd.DataFrame([
    {"indicator_id": "ann", "name": "Annual total", "pillar": "investment", "kind": "total", "unit": "US$",
     "description": "d", "publisher": "P", "source_id": "src", "series_code": "A", "licence": "CC BY 4.0",
     "vintage": "2025", "caveats": ["own caveat"], "source_caveats": ["own caveat", "source caveat"],
     "higher_is_better": True},
    {"indicator_id": "lst", "name": "A list", "pillar": "compute", "kind": "total", "unit": "systems",
     "description": "d", "publisher": "Q", "source_id": "top", "series_code": "L", "licence": "none",
     "vintage": "2025-06", "caveats": [], "source_caveats": [], "higher_is_better": True},
])
COUNTRIES = pd.DataFrame({"iso3": ISOS, "name": [f"Country {i}" for i in ISOS]})


@st.composite
def observations(draw) -> pd.DataFrame:
    rows = []
    for ind, suffixes in (("ann", [""]), ("lst", ["-06", "-11"])):
        for year in draw(st.lists(st.integers(2000, 2012), unique=True, max_size=6)):
            for suffix in suffixes:
                for iso in draw(st.lists(st.sampled_from(ISOS), unique=True)):
                    rows.append({"iso3": iso, "indicator_id": ind, "period": f"{year}{suffix}", "year": year,
                                 "value": draw(st.floats(0, 1e9, allow_nan=False)), "source_id": "src",
                                 "note": draw(st.sampled_from([None, "year to date"]))})
    columns = ["iso3", "indicator_id", "period", "year", "value", "source_id", "note"]
    return pd.DataFrame(rows, columns=columns).sample(frac=1, random_state=0)  # the store's order is not assumed


years = st.one_of(st.none(), st.integers(1998, 2014))
countries = st.lists(st.sampled_from(ISOS), unique=True, max_size=3).map(tuple)


def _frames(obs: pd.DataFrame) -> base.Frames:
    return base.Frames.from_tables(INDICATORS, COUNTRIES, obs)


def _chosen(obs: pd.DataFrame, p: dv.Params) -> list[tuple]:
    """The rows the filters choose, by plain Python over the records (not the view's pandas code)."""
    rows = [r for r in obs.to_dict("records") if r["indicator_id"] == p.indicator
            and (not p.country or r["iso3"] in p.country)
            and (p.year_from is None or r["year"] >= p.year_from) and (p.year_to is None or r["year"] <= p.year_to)]
    return sorted((r["iso3"], r["period"], r["year"], r["value"], r["note"]) for r in rows)


@given(observations(), st.sampled_from(["ann", "lst"]), countries, years, years)
def test_observation_table_is_exactly_the_rows_chosen(obs, ind, chosen, year_from, year_to):
    p = dv.Params(ind, chosen, year_from, year_to)
    view = dv.observations(p, _frames(obs))
    table = view.table
    assert list(table.columns) == dv.OBS_COLUMNS
    got = [(r.iso3, r.period, r.year, r.value, r.note) for r in table.itertuples()]
    assert sorted(got) == _chosen(obs, p)
    assert got == sorted(got, key=lambda r: (r[0], r[1]))  # by country, then period
    assert (table["country"] == "Country " + table["iso3"]).all()
    assert (table["unit"] == INDICATORS.set_index("indicator_id").loc[ind, "unit"]).all()
    if year_from is not None:
        assert (table["year"] >= year_from).all()
    if year_to is not None:
        assert (table["year"] <= year_to).all()
    assert view.notes[0].startswith(f"{len(table):,} observations" if len(table) else "No data")


@given(observations(), st.sampled_from(["ann", "lst"]), countries, years, years, st.booleans())
def test_coverage_counts_are_the_observations_per_country_and_year(obs, ind, chosen, year_from, year_to, show_all):
    p = dv.Params(ind, chosen, year_from, year_to, "all" if show_all else None)
    view = dv.coverage(p, _frames(obs))
    rows = _chosen(obs, p)
    counts: dict[tuple[str, int], int] = {}
    for iso, _period, year, _value, _note in rows:
        counts[(iso, year)] = counts.get((iso, year), 0) + 1
    drawn = view.table
    if not rows:
        assert drawn.empty
        return
    years_ = view.meta["years"]
    assert years_ == list(range(min(y for _, y in counts), max(y for _, y in counts) + 1))
    assert list(drawn.columns) == ["iso3", "name", "years_with_data", *map(str, years_)]
    for row in drawn.to_dict("records"):
        for year in years_:
            assert row[str(year)] == counts.get((row["iso3"], year), 0)
        assert row["years_with_data"] == sum(1 for (iso, _y) in counts if iso == row["iso3"])
    with_data = {iso for iso, _ in counts}
    assert view.meta["countries"] == len(with_data)
    assert len(drawn) == (len(with_data) if show_all else min(len(with_data), dv.COVERAGE_LIMIT))
    assert drawn["iso3"].is_unique and set(drawn["iso3"]) <= with_data
    assert drawn["years_with_data"].is_monotonic_decreasing
    assert len(view.meta["text"]) == len(drawn) and all(len(t) == len(years_) for t in view.meta["text"])


def test_coverage_draws_the_countries_with_most_years_first():
    """More countries than the limit: those left out have no more years with data than the last one drawn."""
    isos = [f"C{i:02d}" for i in range(dv.COVERAGE_LIMIT + 5)]
    obs = pd.DataFrame([{"iso3": iso, "indicator_id": "ann", "period": str(2000 + y), "year": 2000 + y,
                         "value": 1.0, "source_id": "src", "note": None}
                        for i, iso in enumerate(isos) for y in range(i % 7 + 1)])
    frames = base.Frames.from_tables(INDICATORS, pd.DataFrame({"iso3": isos, "name": isos}), obs)
    view = dv.coverage(dv.Params("ann"), frames)
    assert len(view.table) == dv.COVERAGE_LIMIT
    hidden = view.meta["hidden"]
    assert len(hidden) == 5 and not set(hidden) & set(view.table["name"])
    years_of = obs.groupby("iso3")["year"].nunique()
    assert years_of[hidden].max() <= view.table["years_with_data"].min()
    assert f"{len(hidden)} more are not drawn" in view.notes[0]
    assert len(dv.coverage(dv.Params("ann", coverage="all"), frames).table) == len(isos)


@given(observations())
def test_catalogue_counts_every_indicator(obs):
    table = dv.catalogue(None, _frames(obs)).table
    assert list(table["indicator_id"]) == ["lst", "ann"]  # by pillar, then name
    for row in table.itertuples():
        mine = obs[obs["indicator_id"] == row.indicator_id]
        assert row.observations == len(mine) and row.countries == mine["iso3"].nunique()
        if len(mine):
            assert (row.first_period, row.last_period) == (min(mine["period"]), max(mine["period"]))
    ann = table.set_index("indicator_id").loc["ann"]
    assert ann["caveats"] == "own caveat" and ann["source_caveats"] == "source caveat"  # not repeated


# -- parsing ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("params, message", [
    ({"from": "²⁰¹⁰"}, "from"), ({"to": "２０２０"}, "to"), ({"from": "1800"}, "from"),
    ({"to": "20x0"}, "to"),
    ({"from": "2020", "to": "2010"}, "after"), ({"country": "AAA,XXX"}, "XXX"),
    ({"country": ["AAA", "BBB"]}, "2 times"), ({"indicator": "nope"}, "indicator"), ({"coverage": "some"}, "coverage"),
])
def test_bad_parameters_are_refused_strictly_and_defaulted_leniently(params, message):
    frames = _frames(pd.DataFrame(columns=["iso3", "indicator_id", "period", "year", "value", "source_id", "note"]))
    query = {"indicator": "ann", **params}
    with pytest.raises(ParamError, match=message):
        dv.parse(Query(query), frames)
    p = dv.parse(Query(query, strict=False), frames)  # a page opened from an old link still opens
    assert set(p.country) <= set(ISOS)
    assert p.year_from is None or p.year_to is None or p.year_from <= p.year_to


def test_lenient_parsing_keeps_what_is_valid():
    frames = _frames(pd.DataFrame(columns=["iso3", "indicator_id", "period", "year", "value", "source_id", "note"]))
    p = dv.parse(Query({"indicator": "lst", "country": "XXX,bbb,AAA,BBB", "from": "2020", "to": "2010"},
                       strict=False), frames)
    assert p == dv.Params("lst", ("BBB", "AAA"), 2010, 2020)
    assert dv.parse(Query({"country": "aaa"}), frames).country == ("AAA",)  # ISO3 codes in either case


# -- the real store ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def store(store_db) -> Store:
    return Store(store_db)




@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["top500_rmax", "imf_aipi", "ai_vc_investment", "population", "notable_ai_models"]),
       st.lists(st.sampled_from(["USA", "CHN", "BRA", "IND", "DEU", "JPN", "NGA"]), unique=True, max_size=4),
       st.one_of(st.none(), st.integers(1990, 2026)), st.one_of(st.none(), st.integers(1990, 2026)))
def test_observation_table_is_the_stores_answer(store, store_frames, ind, chosen, year_from, year_to):
    if year_from is not None and year_to is not None and year_from > year_to:
        year_from, year_to = year_to, year_from
    table = dv.observations(dv.Params(ind, tuple(chosen), year_from, year_to), store_frames).table
    expected = store.observations(ind, chosen or None, year_from, year_to)
    assert export.to_csv(table[expected.columns.tolist()]) == export.to_csv(expected)  # every digit, same order
    assert len(table) == len(expected)


def test_coverage_of_the_store_counts_its_observations(store, store_frames):
    view = dv.coverage(dv.Params("top500_rmax", coverage="all"), store_frames)
    counted = store.query("SELECT iso3, year, COUNT(*) AS n FROM observations WHERE indicator_id = 'top500_rmax' "
                          "GROUP BY iso3, year")
    cells = {(r.iso3, int(r.year)): int(r.n) for r in counted.itertuples()}
    drawn = {(row["iso3"], y): row[str(y)] for row in view.table.to_dict("records") for y in view.meta["years"]
             if row[str(y)]}
    assert drawn == cells
    assert view.meta["countries"] == len({iso for iso, _ in cells})


def test_catalogue_coverage_is_the_stores(store, store_frames):
    table = dv.catalogue(None, store_frames).table.set_index("indicator_id")
    coverage = store.coverage().set_index("indicator_id")
    assert set(table.index) == set(store.indicators()["indicator_id"])
    for col in ("countries", "observations", "first_period", "last_period"):
        assert table.loc[coverage.index, col].tolist() == coverage[col].tolist()
    for ind in store.indicators().itertuples():
        assert table.loc[ind.indicator_id, "licence"] == ind.licence
        assert all(c in table.loc[ind.indicator_id, "caveats"] for c in ind.caveats)


def test_excluded_names_of_a_source_are_its_files(store):
    names = store.excluded_names()
    everything = dv.excluded_view(names)
    assert len(everything.table) == len(names) and everything.meta["rows"] == names["rows_excluded"].sum()
    for ind in store.indicators().to_dict("records"):
        view = dv.excluded_view(names, ind)
        assert view.table["file"].str.startswith(ind["source_id"] + "/").all()
        assert view.meta["rows"] == view.table["rows_excluded"].sum()
        assert f"{view.meta['names']} names" in view.notes[0] or view.table.empty


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.none(), st.integers(2015, 2030)), st.one_of(st.none(), st.integers(2015, 2030)))
def test_aggregates_keep_to_the_chosen_years(store, year_from, year_to):
    agg = store.aggregates("imf_aipi")
    table = dv.aggregates_view(agg, dv.Params("imf_aipi", (), year_from, year_to)).table
    inside = agg[agg["year"].between(-1 if year_from is None else year_from, 9999 if year_to is None else year_to)]
    assert len(table) == len(inside)


def test_imf_caveat_counts_are_the_stores(store, store_frames, raw_dir):
    """Defect 7: 9 of the IMF's 174 economies have no AIPI total; the caveat must say how many have one."""
    caveats = dv.catalogue(None, store_frames).table.set_index("indicator_id").loc["imf_aipi", "caveats"]
    match = re.search(r"(\d+) of the (\d+) economies in the file have no AIPI total \(([^)]*)\).*values for (\d+) "
                      r"economies", caveats)
    assert match, caveats
    missing, in_file, names, with_total = int(match[1]), int(match[2]), match[3], int(match[4])
    totals = set(store.observations("imf_aipi")["iso3"])
    assert with_total == len(totals)
    economies = set(store.observations([f"imf_aipi{s}" for s in ("", "_digital_infrastructure", "_human_capital",
                                                                 "_innovation", "_regulation")])["iso3"])
    assert missing == len(economies - totals) and in_file == with_total + missing
    countries = store.countries().set_index("iso3")["name"]
    for iso in economies - totals:  # each economy without a total is named (store names, '&' written 'and')
        assert countries[iso].replace(" & ", " and ") in names
    # The IMF file itself: every ISO3 key (not a group) of either section.
    from aigap.sources.imf import GROUPS
    doc = json.loads((raw_dir / "imf_aipi" / "global-ai-metrics.json").read_text(encoding="utf-8"))
    keys = {k for section in ("readiness", "readinessSubIndices") for k in doc["metrics"][section] if k not in GROUPS}
    assert in_file == len(keys) and with_total == sum(
        1 for k, v in doc["metrics"]["readiness"].items() if k not in GROUPS and v is not None)


# -- /download ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("search, table", [
    ("indicator=top500_rmax&country=USA,CHN&from=2010&to=2020", "observations"),
    ("indicator=imf_aipi", "observations"),
    ("indicator=top500_rmax&table=coverage", "coverage"),
    ("indicator=top500_rmax&coverage=all&table=coverage", "coverage"),
    ("table=catalogue", "catalogue"),
])
def test_download_is_the_view_table(dash_app, store_frames, search, table):
    response = dash_app.server.test_client().get(f"/download/data.csv?{search}")
    assert response.status_code == 200
    query = dict(part.split("=") for part in search.split("&"))
    query.pop("table", None)
    p = dv.parse(Query(query), store_frames)
    assert response.get_data(as_text=True) == export.to_csv(dv.TABLES[table](p, store_frames).table)


@pytest.mark.parametrize("search", ["from=2020&to=2010", "country=XXX", "from=abc", "to=99999", "coverage=x",
                                    "indicator=top500_rmax&indicator=imf_aipi", "table=nope", "colour=red"])
def test_download_refuses_bad_parameters(dash_app, search):
    response = dash_app.server.test_client().get(f"/download/data.csv?{search}")
    assert response.status_code == 400
    assert response.get_json()["status"] == 400
