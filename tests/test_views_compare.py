"""The compare view: property tests on generated observations and memberships, and checks on the real store.

Expected numbers are computed here from the raw observations (the year's edition = the latest period of that
year over all countries; membership by join year ``since`` and last year ``until``), never by the view's code.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st

from aigap.analysis.views import ParamError, Query, base, compare as cv
from aigap.store import Store
from view_data import COUNTRIES, ISOS, observation_rows

YEARS = list(range(2015, 2023))
INDICATORS = pd.DataFrame([
    {"indicator_id": "tot", "name": "A total", "unit": "units", "kind": "total", "higher_is_better": True},
    {"indicator_id": "lst", "name": "A list", "unit": "systems", "kind": "total", "higher_is_better": True},
    {"indicator_id": "rate", "name": "A rate", "unit": "%", "kind": "rate", "higher_is_better": True},
    {"indicator_id": "population", "name": "Population", "unit": "people", "kind": "total",
     "higher_is_better": True},
])
GROUPS = pd.DataFrame([{"group_id": "GRP", "name": "A group", "kind": "club", "source": "test", "url": ""}])



@st.composite
def frames(draw) -> base.Frames:
    """Annual totals, a list published once or twice a year, a rate, population every year, and a group whose
    members join (since) and leave (until) at drawn years."""
    years = draw(st.lists(st.sampled_from(YEARS), unique=True, min_size=1, max_size=5))
    rows = observation_rows(draw, "tot", [str(y) for y in years])
    rows += observation_rows(draw, "lst", [f"{y}-{m}" for y in years for m in draw(st.sampled_from([["06"], ["06", "11"]]))])
    rows += observation_rows(draw, "rate", [str(y) for y in years])
    rows += [{"iso3": iso, "indicator_id": "population", "period": str(y), "year": y,
              "value": draw(st.floats(1e5, 1e9)), "source_id": "src", "note": None}
             for iso in ISOS for y in range(2010, 2023)]
    members = []
    for iso in draw(st.lists(st.sampled_from(ISOS), unique=True, min_size=1)):
        since = draw(st.one_of(st.none(), st.sampled_from(YEARS)))
        until = draw(st.one_of(st.none(), st.sampled_from([y for y in YEARS if since is None or y >= since])))
        members.append({"group_id": "GRP", "iso3": iso, "since": since if since is not None else np.nan,
                        "until": until if until is not None else np.nan})
    return base.Frames.from_tables(INDICATORS, COUNTRIES, pd.DataFrame(rows), GROUPS, pd.DataFrame(members))


def params(ind: str, agg: str = "sum", mode: str = "absolute", countries=(), groups=("GRP",), custom=()) -> cv.Params:
    return cv.Params(ind, tuple(countries), tuple(groups), tuple(custom), agg, mode, False, YEARS[0], YEARS[-1])


def editions(frames: base.Frames, ind: str) -> pd.DataFrame:
    """Each year's rows of its latest period over all countries (the rule, written out independently)."""
    obs = frames.obs(ind)
    latest = obs.groupby("year")["period"].transform("max")
    return obs[obs["period"] == latest]


def members_in(frames: base.Frames, year: int) -> list[str]:
    m = frames.group_members("GRP")
    current = [(math.isnan(s) or s <= year) and (math.isnan(u) or year <= u)
               for s, u in zip(m["since"].astype(float), m["until"].astype(float))]
    return list(m.loc[current, "iso3"])


def group_rows(table: pd.DataFrame, series: str = "GRP") -> pd.DataFrame:
    return table[table["series"] == series].set_index("year")


@given(frames(), st.sampled_from(["tot", "lst"]))
def test_a_group_sum_is_the_sum_of_the_members_present_that_year(fr, ind):
    table = cv.lines_table(params(ind), fr).table
    rows = group_rows(table)
    yearly = editions(fr, ind)
    for year in YEARS:
        present = yearly[(yearly["year"] == year) & yearly["iso3"].isin(members_in(fr, year))]
        if present.empty:
            assert year not in rows.index
            continue
        row = rows.loc[year]
        assert row["value"] == pytest.approx(present["value"].sum())
        assert row["display"] == row["value"]
        assert row["members_with_data"] == len(present)
        assert row["members"] == len(members_in(fr, year))
        assert row["members_with_data"] <= row["members"]


@given(frames(), st.sampled_from(["median", "popweighted"]), st.sampled_from(["absolute", "per_capita"]))
def test_median_and_weighted_mean_lie_between_the_smallest_and_largest_member(fr, agg, mode):
    ind = "rate" if mode == "absolute" else "tot"
    table = cv.lines_table(params(ind, agg, mode, countries=ISOS), fr).table
    countries = table[table["kind"] == "country"]
    for year, row in group_rows(table).iterrows():
        assert 1 <= row["members_with_data"] <= row["members"]
        values = countries[(countries["year"] == year) & countries["series"].isin(members_in(fr, year))]["display"]
        assert len(values) == row["members_with_data"]
        assert values.min() * (1 - 1e-9) <= row["display"] <= values.max() * (1 + 1e-9)


@given(frames(), st.sampled_from(["tot", "lst"]))
def test_per_capita_times_population_gives_the_value_back(fr, ind):
    table = cv.lines_table(params(ind, "sum", "per_capita", countries=ISOS), fr).table
    pop = fr.obs("population").set_index(["iso3", "year"])["value"]
    for row in table[table["kind"] == "country"].itertuples():
        assert row.display * pop[(row.series, row.year)] / 1e6 == pytest.approx(row.value)
    yearly = editions(fr, ind)
    for year, row in group_rows(table).iterrows():  # the members' total over their total population
        present = yearly[(yearly["year"] == year) & yearly["iso3"].isin(members_in(fr, year))]
        total_pop = sum(pop[(iso, year)] for iso in present["iso3"])
        assert row["display"] * total_pop / 1e6 == pytest.approx(row["value"])
        assert row["value"] == pytest.approx(present["value"].sum())


@given(frames(), st.lists(st.sampled_from(ISOS), unique=True, min_size=1))
def test_a_list_year_is_one_edition_whichever_countries_are_drawn(fr, chosen):
    """Defect: with only countries missing from the November list on the chart, the old page showed their June
    values (the latest period was chosen among the countries drawn, not over all countries)."""
    table = cv.lines_table(params("lst", countries=chosen, groups=(), custom=chosen), fr).table
    everyone = cv.lines_table(params("lst", groups=(), custom=ISOS), fr).table
    obs = fr.obs("lst")
    for year in YEARS:
        in_year = obs[obs["year"] == year]
        mine = table[table["year"] == year]
        if in_year.empty:
            assert mine.empty and year not in set(everyone["year"])
            continue
        edition = in_year["period"].max()
        on_list = in_year.loc[in_year["period"] == edition]
        assert set(mine["period"]) <= {edition}
        assert set(mine.loc[mine["kind"] == "country", "series"]) == set(chosen) & set(on_list["iso3"])
        drawn = on_list[on_list["iso3"].isin(chosen)]
        if drawn.empty:
            assert mine.empty
        else:
            assert group_rows(table, cv.CUSTOM_ID).loc[year, "value"] == pytest.approx(drawn["value"].sum())
        # The custom set of every country is the year's total, which is that edition's total.
        assert group_rows(everyone, cv.CUSTOM_ID).loc[year, "value"] == pytest.approx(on_list["value"].sum())


@given(frames(), st.sampled_from(["tot", "lst"]), st.lists(st.sampled_from(ISOS), unique=True))
def test_shares_are_of_every_country_and_a_group_share_is_its_members_shares(fr, ind, chosen):
    table = cv.lines_table(params(ind, "sum", "share_world", countries=chosen), fr).table
    countries = table[table["kind"] == "country"]
    assert (countries.groupby("year")["display"].sum() <= 100 + 1e-9).all()
    yearly = editions(fr, ind)
    for year, row in group_rows(table).iterrows():
        this_year = yearly[yearly["year"] == year]
        present = this_year[this_year["iso3"].isin(members_in(fr, year))]
        total = this_year["value"].sum()
        assert total > 0  # a period whose total is 0 has no shares
        assert row["display"] == pytest.approx(100 * present["value"].sum() / total)
        drawn = countries[(countries["year"] == year) & countries["series"].isin(present["iso3"])]
        if set(present["iso3"]) <= set(chosen):  # every member drawn: the group's share is the sum of theirs
            assert row["display"] == pytest.approx(drawn["display"].sum())


@given(frames(), st.sampled_from(["tot", "lst"]))
def test_every_country_drawn_shares_sum_to_100(fr, ind):
    table = cv.lines_table(params(ind, "sum", "share_world", countries=ISOS, groups=()), fr).table
    totals = editions(fr, ind).groupby("year")["value"].sum()
    for year, total in table.groupby("year")["display"].sum().items():
        assert totals[year] > 0 and total == pytest.approx(100)


@given(frames(), st.sampled_from(["tot", "rate"]), st.sampled_from(["sum", "median", "popweighted"]),
       st.sampled_from(["absolute", "per_capita", "share_world"]), st.lists(st.sampled_from(ISOS), unique=True),
       st.lists(st.sampled_from(ISOS), unique=True), st.booleans(), st.sampled_from(YEARS), st.sampled_from(YEARS))
def test_parse_gives_back_the_parameters_it_wrote(fr, ind, agg, mode, countries, custom, log, y0, y1):
    """The URL the page writes (url_params) parses back to the same view, strictly."""
    kind = fr.indicator(ind)["kind"]
    years = fr.years(ind)
    y0, y1 = sorted((min(max(y0, years[0]), years[-1]), min(max(y1, years[0]), years[-1])))
    p = cv.Params(ind, tuple(countries), ("GRP",), tuple(custom),
                  agg if agg in cv.allowed_aggregates(kind) else "median",
                  mode if kind == "total" else "absolute", log, y0, y1)
    query = {k: str(v) for k, v in cv.url_params(p).items() if v not in (None, "")}
    assert cv.parse(Query(query), fr) == p


# -- the real store ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def store(store_db):
    return Store(store_db)




def joined_by(store: Store, group_id: str, year: int) -> list[str]:
    m = store.group_members(group_id)
    return [r.iso3 for r in m.itertuples() if not r.since > year]  # a NaN join year: always a member


def test_brics_counts_its_members_by_join_year(store, store_frames):
    p = cv.parse(Query({"indicator": "ai_vc_investment", "countries": "none", "groups": "BRICS",
                        "from": "2020", "to": "2025"}), store_frames)
    rows = group_rows(cv.lines_table(p, store_frames).table, "BRICS")
    assert rows.loc[2023, "members"] == 5 and rows.loc[2024, "members"] == 9 and rows.loc[2025, "members"] == 10
    yearly = store.yearly("ai_vc_investment")
    for year in (2023, 2024, 2025):
        part = yearly[(yearly["year"] == year) & yearly["iso3"].isin(joined_by(store, "BRICS", year))]
        assert rows.loc[year, "value"] == pytest.approx(part["value"].sum(), rel=1e-12)
        assert rows.loc[year, "members_with_data"] == len(part)
    assert "EGY" not in joined_by(store, "BRICS", 2023) and "EGY" in joined_by(store, "BRICS", 2024)


def test_g7_sum_is_its_seven_members(store, store_frames):
    p = cv.parse(Query({"indicator": "ai_vc_investment", "countries": "USA,JPN", "groups": "G7"}), store_frames)
    table = cv.lines_table(p, store_frames).table
    g7 = group_rows(table, "G7")
    yearly = store.yearly("ai_vc_investment")
    members = list(store.group_members("G7")["iso3"])
    assert len(members) == 7
    expected = yearly[yearly["iso3"].isin(members)].groupby("year")["value"].sum()
    assert g7["value"].to_dict() == pytest.approx({int(y): v for y, v in expected.items()}, rel=1e-12)
    assert (g7["members"] == 7).all()


def test_brazil_alone_on_the_top500_has_no_2017_value(store, store_frames):
    """Defect: Brazil alone on the chart showed 2 systems for 2017 (its June list) though it is not on the
    November list that 2017 means; with another country on the chart the point vanished."""
    p = cv.parse(Query({"indicator": "top500_systems", "countries": "BRA", "groups": "none",
                        "from": "2015", "to": "2019"}), store_frames)
    alone = cv.lines_table(p, store_frames).table
    with_china = cv.lines_table(cv.Params(**{**vars(p), "countries": ("BRA", "CHN")}), store_frames).table
    assert 2017 not in set(alone["year"])
    pd.testing.assert_frame_equal(alone, with_china[with_china["series"] == "BRA"].reset_index(drop=True))
    assert set(alone["period"]) == {f"{y}-11" for y in (2015, 2016, 2018, 2019)}


def test_top500_shares_of_every_country_sum_to_100_and_brics_is_its_members(store, store_frames):
    everyone = ",".join(store.countries()["iso3"])
    p = cv.parse(Query({"indicator": "top500_systems", "countries": "BRA,CHN,IND,RUS,ZAF", "groups": "BRICS",
                        "custom": everyone, "mode": "share_world", "from": "2017", "to": "2019"}), store_frames)
    table = cv.lines_table(p, store_frames).table
    custom = group_rows(table, cv.CUSTOM_ID)
    assert custom["display"].to_list() == pytest.approx([100, 100, 100])
    assert custom["value"].to_list() == [500, 500, 500]
    countries = table[table["kind"] == "country"]
    brics = group_rows(table, "BRICS")
    for year, row in brics.iterrows():  # every 2017-19 BRICS member is drawn as a country line
        assert row["display"] == pytest.approx(countries.loc[countries["year"] == year, "display"].sum())


@pytest.mark.parametrize("query, message", [
    ({"agg": "sum", "indicator": "imf_aipi"}, "agg"), ({"mode": "per_capita", "indicator": "imf_aipi"}, "mode"),
    ({"countries": "BRA,XXX"}, "countries"), ({"groups": "G8"}, "groups"), ({"from": "1900"}, "from"),
    ({"to": "２０２０"}, "to"), ({"log": "maybe"}, "log"), ({"countries": ["BRA", "USA"]}, "2 times"),
])
def test_bad_parameters_are_refused_strictly_and_defaulted_leniently(store_frames, query, message):
    with pytest.raises(ParamError, match=message):
        cv.parse(Query(query), store_frames)
    lenient = cv.parse(Query(query, strict=False), store_frames)
    if "countries" in query and isinstance(query["countries"], str):
        assert lenient.countries == ("BRA",)


def test_lenient_lists_fall_back_and_none_empties_them(store_frames):
    assert cv.parse(Query({"countries": "XXX"}, strict=False), store_frames).countries == cv.DEFAULT_COUNTRIES
    p = cv.parse(Query({"countries": "none", "groups": "none", "from": "2020", "to": "2018"}), store_frames)
    assert (p.countries, p.groups, p.year_from, p.year_to) == ((), (), 2018, 2020)
    view = cv.lines_table(p, store_frames)
    assert view.table.empty and view.meta["empty"] == "Choose countries or groups to compare."


def test_lines_memoised_across_parameters_equal_fresh_ones(store_frames):
    """The yearly values per indicator and mode and the denominators are memoised by the first parameters and
    reused by the next: each table must equal one computed on Frames that memoise nothing."""
    fresh = base.Frames(store_frames.indicators, store_frames.countries, store_frames.groups, store_frames.members,
                        store_frames.obs, memo=lambda _key, compute: compute())
    for query in ({"indicator": "ai_vc_investment", "countries": "BRA,IND", "mode": "per_capita", "agg": "sum"},
                  {"indicator": "ai_vc_investment", "countries": "USA,CHN,ZAF", "groups": "BRICS,G7",
                   "mode": "per_capita", "agg": "popweighted", "from": "2015", "to": "2021"},
                  {"indicator": "ai_vc_investment", "countries": "DEU", "custom": "BRA,IND", "mode": "share_world"},
                  {"indicator": "top500_rmax", "countries": "JPN,FRA", "groups": "G7", "mode": "per_gdp"}):
        p = cv.parse(Query(query), store_frames)
        shared, alone = cv.lines_table(p, store_frames), cv.lines_table(p, fresh)
        pd.testing.assert_frame_equal(shared.table, alone.table, obj=str(query))
        assert (shared.notes, repr(shared.meta)) == (alone.notes, repr(alone.meta))
