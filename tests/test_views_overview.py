"""The overview's view functions: property tests on generated observations, and checks on the real store."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st

from aigap.analysis import scales
from aigap.analysis.views import ParamError, Query, base, overview as ov
from view_data import COUNTRIES, ISOS, observation_rows

INDICATORS = pd.DataFrame([
    {"indicator_id": "tot", "name": "A total", "unit": "units", "kind": "total", "higher_is_better": True},
    {"indicator_id": "lst", "name": "A list", "unit": "systems", "kind": "total", "higher_is_better": True},
    {"indicator_id": "population", "name": "Population", "unit": "people", "kind": "total",
     "higher_is_better": True},
])



@st.composite
def observations(draw) -> pd.DataFrame:
    years = draw(st.lists(st.integers(2015, 2022), unique=True, min_size=1, max_size=5))
    rows = observation_rows(draw, "tot", [str(y) for y in years])
    rows += observation_rows(draw, "lst", [f"{y}-{m}" for y in years for m in draw(st.sampled_from([["06"], ["06", "11"]]))])
    rows += [{"iso3": iso, "indicator_id": "population", "period": str(y), "year": y, "value": 1e6 * (i + 1),
              "source_id": "src", "note": None} for i, iso in enumerate(ISOS) for y in range(2010, 2023)]
    return pd.DataFrame(rows)


def _frames(obs: pd.DataFrame) -> base.Frames:
    return base.Frames.from_tables(INDICATORS, COUNTRIES, obs)


@given(observations(), st.sampled_from(["tot", "lst"]), st.integers(2015, 2022))
def test_shares_sum_to_100_without_look_back(obs, ind, year):
    frames = _frames(obs)
    table = ov.map_table(ov.Params(ind, year, "share_world", 0), frames).table
    if table["value"].sum() > 0:
        assert table["display"].sum() == pytest.approx(100)
    assert (table["lag"] == 0).all()


@given(observations(), st.sampled_from(["tot", "lst"]), st.integers(2015, 2022), st.integers(0, 5))
def test_a_share_is_of_its_own_period_total(obs, ind, year, lag):
    """With a look-back, a country's share is its share of every country's total in the period its value is from."""
    frames = _frames(obs)
    table = ov.map_table(ov.Params(ind, year, "share_world", lag), frames).table
    data = frames.obs(ind)
    for row in table.itertuples():
        period_total = data.loc[data["period"] == row.period, "value"].sum()
        assert row.display == pytest.approx(100 * row.value / period_total)
    by_period = table.groupby("period")["display"].sum()
    assert (by_period <= 100 + 1e-9).all()


@given(observations(), st.integers(2015, 2022))
def test_a_list_year_is_one_edition_and_its_total(obs, year):
    frames = _frames(obs)
    table = ov.map_table(ov.Params("lst", year, "absolute", 0), frames).table
    data = frames.obs("lst")
    in_year = data[data["year"] == year]
    if in_year.empty:
        assert table.empty
        return
    edition = in_year["period"].max()
    assert set(table["period"]) == {edition}
    assert table["value"].sum() == pytest.approx(in_year.loc[in_year["period"] == edition, "value"].sum())


@given(observations(), st.sampled_from(["tot", "lst"]), st.integers(2015, 2022))
def test_per_capita_times_population_gives_the_value_back(obs, ind, year):
    frames = _frames(obs)
    table = ov.map_table(ov.Params(ind, year, "per_capita", 0), frames).table
    pop = frames.obs("population").set_index(["iso3", "year"])["value"]
    for row in table.itertuples():
        assert row.display * pop[(row.iso3, row.year)] / 1e6 == pytest.approx(row.value)


@given(observations(), st.sampled_from(["tot", "lst"]), st.integers(2015, 2022))
def test_ranks_follow_the_displayed_value(obs, ind, year):
    table = ov.map_table(ov.Params(ind, year, "absolute", 0), _frames(obs)).table
    assert table["rank"].is_monotonic_increasing
    assert table["display"].is_monotonic_decreasing
    assert (table["rank"] >= 1).all() and (table["rank"] <= len(table)).all()




def test_top500_2017_shares_are_of_the_november_list(store_frames):
    """Defect: Brazil showed 40% and shares summed to 200% (June and November lists mixed)."""
    table = ov.map_table(ov.Params("top500_systems", 2017, "share_world", 0), store_frames).table
    assert table["display"].sum() == pytest.approx(100)
    assert set(table["period"]) == {"2017-11"}
    assert table["value"].sum() == 500  # the year's total is the November list's 500 systems
    june = store_frames.obs("top500_systems").query("period == '2017-06'")
    assert "BRA" in set(june["iso3"]) and "BRA" not in set(table["iso3"])  # not on the November list: no value


def test_vc_shares_with_look_back_never_exceed_their_period(store_frames):
    table = ov.map_table(ov.Params("ai_vc_investment", 2025, "share_world", 3), store_frames).table
    assert table.groupby("period")["display"].sum().max() <= 100 + 1e-9
    assert table.loc[table["period"] == "2025", "display"].sum() == pytest.approx(100)


def test_overview_opens_on_the_latest_complete_year(store_frames):
    p = ov.parse(Query({}), store_frames)
    years = store_frames.years(p.indicator)
    assert p.year == years[-2]  # the latest year is a year to date
    assert store_frames.obs(p.indicator).query("year == @years[-1]")["note"].str.contains("year to date").all()


def test_opens_on_the_year_its_headline_card_uses(store_frames):
    """The map of a headline capacity opens on the year its card above reports (never a year to date)."""
    cards = ov.headlines_table(None, store_frames).table.set_index("indicator_id")["year"]
    assert len(cards) == len(ov.HEADLINES)
    for ind_id, year in cards.items():
        assert ov.parse(Query({"indicator": ind_id}), store_frames).year == year


@given(observations(), st.sampled_from(["tot", "lst"]), st.integers(2014, 2023), st.booleans())
def test_switching_indicator_keeps_a_complete_year_else_takes_the_latest_complete_one(obs, ind, year, partial):
    if partial:  # the latest year known only to date
        last = obs.loc[obs["indicator_id"] == ind, "year"].max()
        obs = obs.assign(note=obs["note"].mask((obs["indicator_id"] == ind) & (obs["year"] == last),
                                               "year to date (export of today)"))
    data = _frames(obs).obs(ind)
    complete = set(data.loc[data["note"].isna(), "year"])
    got = ov.year_after_switch(data, year)
    latest_complete = max(complete) if complete else max(data["year"])  # nothing complete: the latest there is
    assert got == (year if year in complete else latest_complete)
    assert ov.partial_years(data) == set(data["year"]) - complete


@given(observations(), st.sampled_from(["tot", "lst"]), st.integers(2015, 2022),
       st.sampled_from(["absolute", "share_world", "per_capita"]))
def test_every_country_on_the_map_has_one_colour_of_the_scale(obs, ind, year, mode):
    view = ov.map_table(ov.Params(ind, year, mode, 2), _frames(obs))
    if view.table.empty:
        return
    scale = view.meta["scale"]
    drawn = scale.position(view.table["display"])
    assert len(drawn) == len(view.table) and np.isfinite(drawn).all()
    if scale.kind == scales.BINS:
        assert set(drawn) <= set(range(len(scale.edges) - 1))
        assert scale.edges[0] == view.table["display"].min() and scale.edges[-1] == view.table["display"].max()
    elif scale.kind == scales.LOG:
        assert (view.table["display"] > 0).all()


def test_the_vc_map_is_not_linear_and_says_so(store_frames):
    view = ov.map_table(ov.parse(Query({}), store_frames), store_frames)
    scale = view.meta["scale"]
    assert scale.kind != scales.LINEAR and scale.legend


@pytest.mark.parametrize("params, message", [
    ({"year": "²⁰²⁰"}, "year"), ({"year": "２０２０"}, "year"), ({"lag": "99"}, "lag"), ({"mode": "per_capita",
     "indicator": "imf_aipi"}, "mode"), ({"indicator": ["a", "b"]}, "2 times"), ({"indicator": "nope"}, "indicator"),
])
def test_bad_parameters_are_refused_strictly_and_defaulted_leniently(store_frames, params, message):
    with pytest.raises(ParamError, match=message):
        ov.parse(Query(params), store_frames)
    ov.parse(Query(params, strict=False), store_frames)  # a page opened from an old link still opens
