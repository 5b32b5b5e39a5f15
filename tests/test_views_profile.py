"""The country profile's view functions: property tests on generated observations, and checks on the real store."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from aigap import export
from aigap.analysis.measures import latest_per_year
from aigap.analysis.views import ParamError, Query, base, profile as pv
from aigap.store import Store

ISOS = ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG"]
COUNTRIES = pd.DataFrame({"iso3": ISOS, "name": [f"Country {i}" for i in ISOS]})
INDICATORS = pd.DataFrame([
    {"indicator_id": "tot", "name": "A total", "pillar": "investment", "unit": "units", "kind": "total",
     "higher_is_better": True, "rankable": True},
    {"indicator_id": "lst", "name": "A list", "pillar": "compute", "unit": "systems", "kind": "total",
     "higher_is_better": True, "rankable": True},
    {"indicator_id": "scr", "name": "A score", "pillar": "readiness", "unit": "score", "kind": "score",
     "higher_is_better": True, "rankable": True},
    {"indicator_id": "low", "name": "Lower is better", "pillar": "context", "unit": "%", "kind": "rate",
     "higher_is_better": False, "rankable": True},
    {"indicator_id": "few", "name": "Not ranked", "pillar": "compute", "unit": "sites", "kind": "total",
     "higher_is_better": True, "rankable": False},
])
GROUPS = pd.DataFrame({"group_id": ["INC_A", "INC_B", "REG_A", "REG_B", "CLUB"],
                       "name": ["Income A", "Income B", "Region A", "Region B", "A club"],
                       "kind": ["wb_income", "wb_income", "wb_region", "wb_region", "club"],
                       "source": "test", "url": ""})
MEMBERS = pd.DataFrame(
    [("INC_A", iso, None, None) for iso in ISOS[:4]] + [("INC_B", iso, None, None) for iso in ISOS[4:6]]
    + [("REG_A", iso, None, None) for iso in ISOS[::2]] + [("REG_B", iso, None, None) for iso in ISOS[1:6:2]]
    + [("CLUB", "AAA", 2000, None), ("CLUB", "BBB", 2000, 2010)],
    columns=["group_id", "iso3", "since", "until"])
YTD = "year to date (export of 2025-06-30)"
# A profile of every country per example (~0.1 s each on a loaded machine): fewer examples than hypothesis's 100.
FEW = settings(max_examples=25)
VALUES = st.one_of(st.floats(min_value=0, max_value=1e4, allow_nan=False), st.sampled_from([0.0, 1.0, 5.0]))


def _rows(draw, indicator: str, periods: list[str], note=None) -> list[dict]:
    rows = []
    for period in periods:
        for iso in draw(st.lists(st.sampled_from(ISOS), unique=True, min_size=1)):
            value = draw(st.one_of(VALUES, st.just(np.nan))) if indicator == "scr" else draw(VALUES)
            rows.append({"iso3": iso, "indicator_id": indicator, "period": period, "year": int(period[:4]),
                         "value": value, "source_id": "src", "note": note(period) if note else None})
    return rows


@st.composite
def observations(draw) -> pd.DataFrame:
    years = draw(st.lists(st.integers(2018, 2025), unique=True, min_size=1, max_size=4))
    rows = _rows(draw, "tot", [str(y) for y in years], note=lambda p: YTD if p == str(max(years)) else None)
    rows += _rows(draw, "lst", [f"{y}-{m}" for y in years for m in draw(st.sampled_from([["06"], ["06", "11"]]))])
    rows += _rows(draw, "scr", [str(y) for y in years])
    rows += _rows(draw, "low", [str(y) for y in years])
    rows += _rows(draw, "few", [str(years[0])])
    return pd.DataFrame(rows)


def _frames(obs: pd.DataFrame) -> base.Frames:
    return base.Frames.from_tables(INDICATORS, COUNTRIES, obs, GROUPS, MEMBERS)


def _profiles(obs: pd.DataFrame) -> pd.DataFrame:
    """Every country's profile, stacked."""
    frames = _frames(obs)
    return pd.concat([pv.profile_view(pv.Params(iso), frames).table for iso in ISOS], ignore_index=True)


def _period_values(obs: pd.DataFrame, ind: str, period: str) -> pd.Series:
    """Every country's value in one period, straight from the observations (no value: not counted)."""
    rows = obs[(obs["indicator_id"] == ind) & (obs["period"] == period)].dropna(subset=["value"])
    return rows.set_index("iso3")["value"]


@FEW
@given(observations())
def test_rank_is_within_the_countries_with_a_value_in_the_same_period(obs):
    table = _profiles(obs)
    ranked = table[table["rank"].notna()]
    for row in ranked.itertuples():
        values = _period_values(obs, row.indicator_id, row.period)
        assert row.of == len(values)  # only countries with a value in the country's own period count
        assert 1 <= row.rank <= row.of
        assert 0 <= row.percentile <= 100
        better = (values > row.value) if row.higher_is_better else (values < row.value)
        assert row.rank == 1 + better.sum()
        assert f" of the {row.of} with {'a score' if row.kind == 'score' else 'data'}" in row.rank_text
        assert ("partial period" in row.rank_text) == bool(row.partial)
    assert table.loc[~table["rankable"], "rank"].isna().all()


@FEW
@given(observations())
def test_a_years_value_is_from_that_years_last_period_and_is_the_latest(obs):
    table = _profiles(obs)
    # a year's edition: its last period over all countries; a country has the year's value if it is on it
    on_edition = obs[obs["period"] == obs.groupby(["indicator_id", "year"])["period"].transform("max")]
    on_edition = on_edition.dropna(subset=["value"]).set_index(["indicator_id", "iso3", "year"]).sort_index()["period"]
    for row in table[table["value"].notna()].itertuples():
        mine = on_edition.loc[(row.indicator_id, row.iso3)]
        assert row.year == mine.index.max()  # the latest year in which the country has the year's value
        assert row.period == mine[row.year]
        assert row.value == _period_values(obs, row.indicator_id, row.period)[row.iso3]
        assert bool(row.partial) == (row.note == YTD)
    missing = table[table["value"].isna()]
    for row in missing.itertuples():
        ind = latest_per_year(obs[obs["indicator_id"] == row.indicator_id]).dropna(subset=["value"])
        assert row.iso3 not in set(ind["iso3"])


@FEW
@given(observations())
def test_percentile_and_rank_are_monotone_in_the_value(obs):
    table = _profiles(obs)
    ranked = table[table["rank"].notna()]
    for (ind, period), part in ranked.groupby(["indicator_id", "period"]):
        sign = 1 if part["higher_is_better"].iloc[0] else -1
        part = part.assign(better=sign * part["value"]).sort_values("better")
        assert part["percentile"].is_monotonic_increasing
        assert part["rank"].is_monotonic_decreasing
        values = _period_values(obs, ind, period)  # countries whose latest value is later compete here too
        top = part[part["value"] == (values.max() if sign == 1 else values.min())]
        assert (top["rank"] == 1).all() and top["is_leader"].all()
        assert (top["percentile"] == (100 if len(values) > 1 else 0)).all()  # alone: better than no other country


@FEW
@given(observations())
def test_the_leader_ranks_first_with_gap_ratio_one_and_everyone_else_is_behind(obs):
    table = _profiles(obs).set_index(["indicator_id", "iso3"])
    ranked = table[table["rank"].notna()]
    for (ind, iso), row in ranked.iterrows():
        values = _period_values(obs, ind, row["period"])
        best = values.max() if row["higher_is_better"] else values.min()
        assert row["leader_value"] == best == values[row["leader_iso3"]]
        leader = table.loc[(ind, row["leader_iso3"])]
        if leader["period"] == row["period"]:  # the leader's own profile is of the same period
            assert leader["rank"] == 1 and leader["gap_ratio"] == 1.0 and leader["is_leader"]
        assert row["is_leader"] == (row["rank"] == 1)
        if row["is_leader"]:
            assert row["leader_iso3"] == iso and row["gap_ratio"] == 1.0
        elif pd.notna(row["gap_ratio"]):
            assert row["gap_ratio"] >= 1
            hib = row["higher_is_better"]
            assert row["gap_ratio"] == pytest.approx(row["leader_value"] / row["value"] if hib
                                                     else row["value"] / row["leader_value"])
        else:
            assert "gap ratio undefined" in row["remark"]


@FEW
@given(observations())
def test_peer_medians_lie_within_the_groups_values(obs):
    table = _profiles(obs)
    groups = MEMBERS.groupby("group_id")["iso3"].apply(set)
    for row in table[table["value"].notna()].itertuples():
        values = _period_values(obs, row.indicator_id, row.period)
        for gid, median, n in ((row.income_group, row.income_median, row.income_n),
                               (row.region, row.region_median, row.region_n)):
            if pd.isna(gid):  # no group of that kind: no median
                assert pd.isna(median) and pd.isna(n)
                continue
            members = values[values.index.isin(groups[gid])]
            assert n == len(members) and row.iso3 in members.index  # the country itself is a member with data
            assert members.min() <= median <= members.max()


@FEW
@given(observations(), st.sampled_from(ISOS), st.sampled_from(ISOS))
def test_the_comparison_country_is_the_same_year_else_its_latest(obs, iso3, peer):
    frames = _frames(obs)
    table = pv.profile_view(pv.parse(Query({"country": iso3, "peer": peer}), frames), frames).table
    if peer == iso3:
        assert table["peer_iso3"].isna().all()  # not compared with itself
        return
    for row in table.itertuples():
        theirs = latest_per_year(obs[obs["indicator_id"] == row.indicator_id]).dropna(subset=["value"])
        theirs = theirs[theirs["iso3"] == peer].set_index("year")
        if theirs.empty:
            assert pd.isna(row.peer_value)
            continue
        year = row.year if pd.notna(row.year) and row.year in theirs.index else theirs.index.max()
        assert (row.peer_year, row.peer_value, row.peer_period) == (year, theirs.loc[year, "value"],
                                                                    theirs.loc[year, "period"])


@FEW
@given(observations(), st.sampled_from(ISOS), st.sampled_from(ISOS))
def test_trend_lines_are_the_yearly_values_with_gaps(obs, iso3, peer):
    frames = _frames(obs)
    p = pv.Params(iso3, peer if peer != iso3 else None)
    series = pv.series_view(p, frames).table
    roles = {iso3: "country", **({p.peer: "peer"} if p.peer else {})}
    for ind in INDICATORS["indicator_id"]:
        yearly = latest_per_year(obs[obs["indicator_id"] == ind]).dropna(subset=["value"])
        for iso, role in roles.items():
            line = series[(series["indicator_id"] == ind) & (series["iso3"] == iso)]
            want = yearly[yearly["iso3"] == iso].set_index("year")["value"]
            if len(want) < 2:
                assert line.empty  # one point draws no line
                continue
            assert (line["role"] == role).all()
            assert line["year"].tolist() == list(range(want.index.min(), want.index.max() + 1))
            got = line.set_index("year")["value"]
            assert got.dropna().to_dict() == want.to_dict()  # missing years are gaps, never 0


@FEW
@given(observations())
def test_profile_and_series_are_what_the_tables_draw(obs):
    frames = _frames(obs)
    view = pv.profile_view(pv.Params("AAA", "BBB"), frames)
    assert view.table["indicator_id"].tolist() == ["tot", "few", "lst", "scr", "low"]  # pillars in reading order
    assert view.meta["summary"][0] == "Income A · Region A"
    assert view.meta["summary"][1] == "Member of A club"
    assert view.meta["title"] == "Country profile: Country AAA" and view.meta["notice"] is None
    other = pv.profile_view(pv.Params("BBB"), frames)
    assert other.meta["summary"][1] == ""  # BBB left the club in 2010


# -- parameters ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def store(store_db):
    return Store(store_db)




@pytest.mark.parametrize("params, message", [
    ({"country": "XXX"}, "country"), ({"peer": "nowhere"}, "peer"), ({"country": ["BRA", "IND"]}, "2 times"),
    ({"country": "BRA", "year": "2020"}, "unknown parameter"),
])
def test_bad_parameters_are_refused_strictly(store_frames, params, message):
    from aigap.analysis import views

    with pytest.raises(ParamError, match=message):
        views.parse("profile", params, store_frames)


def test_an_unknown_country_is_said_not_silently_replaced(store_frames):
    p = pv.parse(Query({"country": "xxx", "peer": "zaf"}, strict=False), store_frames)
    assert (p.country, p.peer, p.unknown_country) == ("BRA", "ZAF", "xxx")
    assert pv.profile_view(p, store_frames).meta["notice"] == "No country 'xxx'; showing Brazil."
    p = pv.parse(Query({"country": "ind", "peer": "IND"}), store_frames)
    assert (p.country, p.peer, p.unknown_country) == ("IND", None, None)  # lower case is fine; not with itself
    p = pv.parse(Query({"peer": "ABC"}, strict=False), store_frames)
    assert (p.country, p.peer) == ("BRA", None)
    assert pv.profile_view(p, store_frames).meta["notice"] == "No country 'ABC' to compare with."


# -- the real store -----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def brazil(store_frames):
    return pv.profile_view(pv.Params("BRA"), store_frames).table.set_index("indicator_id")


def test_imf_aipi_ranks_among_the_economies_with_a_score(brazil, store):
    """Defect 7: 9 of the IMF's 174 economies have no total in the source file; Brazil's rank is of the 165 with
    a score, and says so."""
    aipi = store.observations("imf_aipi")
    row = brazil.loc["imf_aipi"]
    with_score = aipi[(aipi["period"] == row["period"]) & aipi["value"].notna()]
    assert row["of"] == len(with_score) == 165
    assert row["rank_text"] == f"{row['rank']} of the 165 with a score"
    assert brazil.loc["internet_users_pct", "rank_text"].endswith(" with data")  # a rate is data, not a score


def test_vc_year_to_date_is_flagged_and_ranked_among_the_same_partial_period(brazil, store):
    """Defect: the latest VC value is the 2026 year to date; it is ranked among 2026 year-to-date values only,
    and the rank's text says the period is partial."""
    vc = store.observations("ai_vc_investment")
    row = brazil.loc["ai_vc_investment"]
    assert row["partial"] and row["note"].startswith("year to date")
    same = vc[vc["period"] == row["period"]]
    assert same["note"].str.startswith("year to date").all()
    assert row["of"] == len(same)
    assert row["rank"] == 1 + (same["value"] > row["value"]).sum()
    assert row["rank_text"].endswith(f"with data for {row['period']}, a partial period")


def test_top500_year_is_the_november_list(store_frames, store):
    """A country on a year's June list but not on its November list has no value that year (the trend line has
    a gap there); the profile's year is one edition for every country."""
    obs = store.observations("top500_systems")
    june, november = (set(obs.loc[obs["period"] == p, "iso3"]) for p in ("2017-06", "2017-11"))
    dropped = sorted(june - november)
    assert "BRA" in dropped
    series = pv.series_view(pv.Params("BRA"), store_frames).table
    line = series[series["indicator_id"] == "top500_systems"].set_index("year")
    assert pd.isna(line.loc[2017, "value"])
    editions = obs.groupby("year")["period"].max()
    assert (line["period"].dropna() == editions.reindex(line.dropna(subset=["period"]).index)).all()
    table = pv.profile_view(pv.Params("BRA"), store_frames).table.set_index("indicator_id")
    row = table.loc["top500_systems"]
    assert row["period"] == obs.loc[obs["year"] == row["year"], "period"].max()


def test_download_is_the_view_table(dash_app, store_frames):
    client = dash_app.server.test_client()
    for query, table, params in (("country=BRA&peer=ZAF", "profile", pv.Params("BRA", "ZAF")),
                                 ("country=IND&table=series", "series", pv.Params("IND"))):
        response = client.get(f"/download/profile.csv?{query}")
        assert response.status_code == 200
        assert response.get_data(as_text=True) == export.to_csv(pv.TABLES[table](params, store_frames).table)
    response = client.get("/download/profile.csv?country=XXX")
    assert response.status_code == 400 and "country" in response.get_json()["error"]


def test_profiles_from_the_memoised_index_equal_profile_table_on_the_observations(store_frames):
    """The view looks each country up in an index built once per store file; for several countries and comparison
    countries in a row it must give ``profile_table`` on the raw observations of every indicator."""
    from aigap.analysis.profile import profile_table

    data = pv.profile_data(store_frames)
    obs = pd.concat([store_frames.obs(i) for i in data.indicators["indicator_id"]], ignore_index=True)
    for country, peer in (("BRA", "USA"), ("IND", None), ("USA", "CHN"), ("TUV", "BRA")):
        view = pv.profile_view(pv.Params(country=country, peer=peer), store_frames).table
        fresh = profile_table(obs, data.indicators, country, peer, data.groups, store_frames.names)
        pd.testing.assert_frame_equal(view.drop(columns=["publisher", "source"]), fresh, obj=f"{country} {peer}")
