"""profile_table on small frames whose answers can be worked out by hand, and against measures.rank /
latest_per_year on random frames. Property tests of the profile's views: tests/test_views_profile.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aigap.analysis.measures import latest_per_year, rank
from aigap.analysis.profile import (COLUMNS, SERIES_COLUMNS, YearlyIndex, gap_ratio, group_membership,
                                    order_indicators, peer_groups, profile_table, rank_text, sparkline_series,
                                    yearly_values)

NAMES = {"AAA": "Aland", "BBB": "Boria", "CCC": "Cirth", "DDD": "Dorn", "EEE": "Eru"}


def obs_frame(rows):
    """rows: (indicator_id, iso3, period, value[, note]) -> a store-shaped observation frame."""
    records = []
    for row in rows:
        ind_id, iso3, period, value = row[:4]
        note = row[4] if len(row) > 4 else None
        records.append({"iso3": iso3, "indicator_id": ind_id, "period": period, "year": int(period[:4]),
                        "value": value, "source_id": "test", "note": note})
    return pd.DataFrame(records)


def indicators_frame(specs):
    """specs: (indicator_id, pillar, higher_is_better, rankable[, kind])."""
    return pd.DataFrame([{"indicator_id": i, "pillar": p, "name": f"Indicator {i}", "unit": "units",
                          "higher_is_better": h, "rankable": r, "kind": rest[0] if rest else "total"}
                         for i, p, h, r, *rest in specs])


GROUPS = pd.DataFrame(
    [("INC_1", "AAA", "Income one", "wb_income"), ("INC_1", "BBB", "Income one", "wb_income"),
     ("INC_2", "CCC", "Income two", "wb_income"), ("INC_2", "DDD", "Income two", "wb_income"),
     ("REG_1", "AAA", "Region one", "wb_region"), ("REG_1", "CCC", "Region one", "wb_region"),
     ("REG_1", "DDD", "Region one", "wb_region"), ("REG_2", "BBB", "Region two", "wb_region"),
     ("CLUB", "AAA", "A club", "club"), ("CLUB", "BBB", "A club", "club")],
    columns=["group_id", "iso3", "name", "kind"])

INDICATORS = indicators_frame([
    ("hi", "capacity", True, True),      # higher is better
    ("lo", "capacity", False, True),     # lower is better
    ("nr", "capacity", True, False),     # not rankable
    ("none", "capacity", True, True),    # no data for AAA
    ("zero", "investment", True, True),  # AAA's value is 0
    ("top", "investment", True, True),   # AAA ties for first
    ("old", "investment", True, True),   # AAA's latest year is older than the indicator's
])

OBS = obs_frame([
    # hi: AAA has two periods in 2023, the later one counts; CCC has no 2023 value
    ("hi", "AAA", "2022", 10.0), ("hi", "BBB", "2022", 20.0), ("hi", "CCC", "2022", 40.0),
    ("hi", "AAA", "2023-06", 5.0), ("hi", "AAA", "2023-11", 15.0), ("hi", "BBB", "2023-11", 30.0),
    ("hi", "DDD", "2023-11", 60.0),
    # lo
    ("lo", "AAA", "2023", 3.0), ("lo", "BBB", "2023", 1.0), ("lo", "CCC", "2023", 3.0), ("lo", "DDD", "2023", 6.0),
    # nr
    ("nr", "AAA", "2023", 2.0, "year to date (export of 2023-09-01)"), ("nr", "BBB", "2023", 4.0),
    # none: nothing for AAA
    ("none", "BBB", "2021", 1.0), ("none", "BBB", "2024", 2.0), ("none", "CCC", "2024", 3.0),
    ("none", "AAA", "2024", np.nan),
    # zero
    ("zero", "AAA", "2023", 0.0), ("zero", "BBB", "2023", 5.0),
    # top: tie at the top
    ("top", "AAA", "2023", 9.0), ("top", "BBB", "2023", 9.0), ("top", "CCC", "2023", 1.0),
    # old
    ("old", "AAA", "2020", 5.0), ("old", "BBB", "2022", 7.0),
])


@pytest.fixture(scope="module")
def table():
    return profile_table(OBS, INDICATORS, "AAA", "BBB", GROUPS, NAMES).set_index("indicator_id")


def test_columns_and_order(table):
    full = profile_table(OBS, INDICATORS, "AAA", "BBB", GROUPS, NAMES)
    assert list(full.columns) == COLUMNS
    assert full["indicator_id"].tolist() == INDICATORS["indicator_id"].tolist()
    assert (full["iso3"] == "AAA").all()


def test_latest_value_rank_percentile_leader_gap_and_medians(table):
    row = table.loc["hi"]
    # 2023: AAA 15 (the November period, not June's 5), BBB 30, DDD 60; CCC has only 2022
    assert (row["period"], row["year"], row["value"]) == ("2023-11", 2023, 15.0)
    assert (row["rank"], row["of"], row["percentile"]) == (3, 3, 0.0)
    assert row["rank_text"] == "3 of the 3 with data" and not row["partial"]
    assert (row["leader_iso3"], row["leader_value"], row["gap_ratio"]) == ("DDD", 60.0, 4.0)
    assert not row["is_leader"]
    # income group INC_1 = AAA, BBB -> median(15, 30); region REG_1 = AAA, CCC, DDD, CCC without 2023 -> (15, 60)
    assert (row["income_group"], row["income_median"], row["income_n"]) == ("INC_1", 22.5, 2)
    assert (row["region"], row["region_median"], row["region_n"]) == ("REG_1", 37.5, 2)
    assert (row["peer_iso3"], row["peer_period"], row["peer_year"], row["peer_value"]) == ("BBB", "2023-11", 2023,
                                                                                         30.0)
    assert pd.isna(row["remark"]) and pd.isna(row["note"])


def test_lower_is_better(table):
    row = table.loc["lo"]
    # values AAA 3, BBB 1, CCC 3, DDD 6; lower is better: BBB first, AAA and CCC share second
    assert (row["rank"], row["of"]) == (2, 4)
    assert row["percentile"] == pytest.approx(100 * 2 / 3)  # at least as good as CCC and DDD, of 3 others
    assert (row["leader_iso3"], row["leader_value"]) == ("BBB", 1.0)
    assert row["gap_ratio"] == 3.0  # the country's value is 3 times the leader's
    assert row["income_median"] == 2.0 and row["region_median"] == 3.0


def test_not_rankable_is_not_ranked_and_flags_its_note(table):
    row = table.loc["nr"]
    assert row["remark"] == "not ranked"
    assert pd.isna(row["rank"]) and pd.isna(row["of"]) and pd.isna(row["percentile"])
    assert pd.isna(row["leader_iso3"]) and pd.isna(row["gap_ratio"])
    assert row["note"] == "year to date (export of 2023-09-01)" and row["partial"]
    assert row["value"] == 2.0 and row["income_median"] == 3.0  # medians are still given


def test_missing_data_says_which_year_others_have(table):
    row = table.loc["none"]
    assert pd.isna(row["value"]) and pd.isna(row["year"]) and pd.isna(row["rank"])
    assert row["remark"] == "no data for Aland; 2 countries have 2024 data"
    assert (row["latest_year_any"], row["countries_latest_any"]) == (2024, 2)
    assert pd.isna(row["income_median"]) and pd.isna(row["leader_iso3"])
    # the comparison country's own latest value is still shown
    assert (row["peer_year"], row["peer_value"]) == (2024, 2.0)


def test_zero_value_leaves_the_gap_undefined(table):
    row = table.loc["zero"]
    assert (row["rank"], row["of"], row["leader_iso3"], row["leader_value"]) == (2, 2, "BBB", 5.0)
    assert pd.isna(row["gap_ratio"])
    assert row["remark"] == "gap ratio undefined: Aland's value is 0"


def test_tie_at_the_top_makes_the_country_the_leader(table):
    row = table.loc["top"]
    assert (row["rank"], row["of"], row["percentile"]) == (1, 3, 100.0)
    assert (row["leader_iso3"], row["leader_value"], row["gap_ratio"]) == ("AAA", 9.0, 1.0)
    assert row["is_leader"] and row["remark"] == "leader"


def test_older_latest_year_is_ranked_in_its_own_year_and_said(table):
    row = table.loc["old"]
    assert (row["year"], row["rank"], row["of"]) == (2020, 1, 1)  # alone in 2020
    assert row["remark"] == "leader; latest for Aland is 2020 (1 country has 2022 data)"
    # the comparison country has no 2020 value: its latest (2022) is shown, and peer_year says so
    assert (row["peer_year"], row["peer_value"]) == (2022, 7.0)


def test_gap_ratio_cases():
    assert gap_ratio(2.0, 10.0) == (5.0, "")
    assert gap_ratio(10.0, 2.0, higher_is_better=False) == (5.0, "")
    value, why = gap_ratio(0.0, 10.0)
    assert np.isnan(value) and "is 0" in why
    value, why = gap_ratio(3.0, 0.0, higher_is_better=False)
    assert np.isnan(value) and "leader's value is 0" in why
    assert np.isnan(gap_ratio(np.nan, 1.0)[0])


def test_no_peer_same_peer_and_no_groups():
    alone = profile_table(OBS, INDICATORS, "AAA", None, GROUPS, NAMES)
    assert alone["peer_iso3"].isna().all() and alone["peer_value"].isna().all()
    same = profile_table(OBS, INDICATORS, "AAA", "AAA", GROUPS, NAMES)
    assert same["peer_iso3"].isna().all()
    # EEE belongs to no group and has no data at all
    nobody = profile_table(OBS, INDICATORS, "EEE", "BBB", GROUPS, NAMES).set_index("indicator_id")
    assert nobody["income_group"].isna().all() and nobody["income_median"].isna().all()
    assert nobody["value"].isna().all()
    assert nobody.loc["hi", "remark"] == "no data for Eru; 3 countries have 2023 data"
    assert nobody.loc["hi", "peer_value"] == 30.0


def test_unknown_country_names_fall_back_to_codes():
    table = profile_table(OBS, INDICATORS, "AAA", None, GROUPS).set_index("indicator_id")
    assert table.loc["zero", "remark"] == "gap ratio undefined: AAA's value is 0"


def test_peer_groups_and_membership_join():
    groups = peer_groups(GROUPS, "AAA")
    assert groups["income"] == ("INC_1", "Income one", ["AAA", "BBB"])
    assert groups["region"] == ("REG_1", "Region one", ["AAA", "CCC", "DDD"])
    members = GROUPS[["group_id", "iso3"]]
    info = GROUPS[["group_id", "name", "kind"]].drop_duplicates()
    joined = group_membership(members, info)
    assert joined.sort_values(["group_id", "iso3"]).reset_index(drop=True).equals(
        GROUPS[["group_id", "iso3", "name", "kind"]].sort_values(["group_id", "iso3"]).reset_index(drop=True))


def random_obs(seed: int, countries: int = 30, indicators: int = 4) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(indicators):
        for k in range(countries):
            for year in range(2018, 2024):
                if rng.random() < 0.35:
                    continue
                for period in ([str(year)] if i % 2 else [f"{year}-06", f"{year}-11"]):
                    if period.endswith("-11") and rng.random() < 0.2:
                        continue  # on the June list only: no value for the year
                    value = float(rng.integers(0, 8)) if i == 0 else float(rng.lognormal(2, 1))  # ties in i=0
                    rows.append((f"i{i}", f"C{k:02d}", period, value))
    specs = [(f"i{i}", "p", bool(i % 3), True) for i in range(indicators)]
    return obs_frame(rows), indicators_frame(specs)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rank_and_percentile_agree_with_measures_rank(seed):
    obs, indicators = random_obs(seed)
    for iso3 in ("C00", "C07", "C19"):
        table = profile_table(obs, indicators, iso3, "C01").set_index("indicator_id")
        for ind in indicators.itertuples():
            yearly = latest_per_year(obs[obs["indicator_id"] == ind.indicator_id])
            mine = yearly[yearly["iso3"] == iso3]
            if mine.empty:
                assert pd.isna(table.loc[ind.indicator_id, "value"])
                continue
            year = int(mine["year"].max())
            current = yearly[yearly["year"] == year]
            ranked = rank(current, higher_is_better=ind.higher_is_better).set_index("iso3")
            row = table.loc[ind.indicator_id]
            assert row["year"] == year
            assert row["value"] == ranked.loc[iso3, "value"]
            assert (row["rank"], row["of"]) == (ranked.loc[iso3, "rank"], ranked.loc[iso3, "of"])
            assert row["percentile"] == pytest.approx(ranked.loc[iso3, "percentile"])
            best = ranked[ranked["rank"] == 1]
            assert row["leader_value"] == best["value"].iloc[0]
            assert row["leader_iso3"] in best.index


@pytest.mark.parametrize("seed", [4, 5])
def test_yearly_values_is_latest_per_year_for_each_indicator(seed):
    obs, _ = random_obs(seed)
    mine = yearly_values(obs)
    theirs = pd.concat([latest_per_year(g) for _, g in obs.groupby("indicator_id")]).dropna(subset=["value"])
    key = ["indicator_id", "iso3", "year"]
    pd.testing.assert_frame_equal(mine.sort_values(key).reset_index(drop=True),
                                  theirs.sort_values(key).reset_index(drop=True))


@pytest.mark.parametrize("seed", [6, 7])
def test_yearly_index_gives_the_same_table(seed):
    """YearlyIndex.table (what the page runs: rows reduced once per store file) is profile_table of the raw rows."""
    obs, indicators = random_obs(seed, countries=40, indicators=5)
    index = YearlyIndex(yearly_values(obs))
    for iso3, peer in (("C03", "C04"), ("C10", None), ("ZZZ", "C01")):
        pd.testing.assert_frame_equal(index.table(indicators, iso3, peer, GROUPS, NAMES),
                                      profile_table(obs, indicators, iso3, peer, GROUPS, NAMES))
    # and on the hand-made frame
    index = YearlyIndex(yearly_values(OBS))
    pd.testing.assert_frame_equal(index.table(INDICATORS, "AAA", "BBB", GROUPS, NAMES),
                                  profile_table(OBS, INDICATORS, "AAA", "BBB", GROUPS, NAMES))



def test_a_country_only_on_a_years_june_list_has_no_value_that_year():
    """Defect: the profile took each country's own latest period of a year, so a country missing from the November
    TOP500 list kept its June value, ranked among November values."""
    obs = obs_frame([("lst", "AAA", "2023-06", 50.0), ("lst", "BBB", "2023-06", 10.0), ("lst", "BBB", "2023-11", 20.0),
                     ("lst", "CCC", "2023-11", 5.0), ("lst", "AAA", "2022-11", 40.0), ("lst", "BBB", "2022-11", 1.0)])
    indicators = indicators_frame([("lst", "compute", True, True)])
    yearly = yearly_values(obs)
    assert set(yearly.loc[yearly["year"] == 2023, "period"]) == {"2023-11"}
    assert "AAA" not in set(yearly.loc[yearly["year"] == 2023, "iso3"])
    row = profile_table(obs, indicators, "AAA", "BBB").iloc[0]
    # AAA's latest year is 2022 (its 2023 value is June's, not the year's list); ranked among 2022's list
    assert (row["period"], row["value"], row["rank"], row["of"]) == ("2022-11", 40.0, 1, 2)
    assert (row["peer_period"], row["peer_value"]) == ("2022-11", 1.0)
    assert row["remark"] == "leader; latest for AAA is 2022 (2 countries have 2023 data)"
    series = sparkline_series(yearly, {"BBB": "country"})
    assert series[["year", "period", "value"]].values.tolist() == [[2022, "2022-11", 1.0], [2023, "2023-11", 20.0]]


def test_rank_text_counts_those_with_a_value_and_says_a_period_is_partial():
    obs = obs_frame([("scr", "AAA", "2024", 0.5), ("scr", "BBB", "2024", 0.7), ("scr", "CCC", "2024", np.nan),
                     ("ytd", "AAA", "2025", 3.0, "year to date (export of 2025-05-01)"),
                     ("ytd", "BBB", "2025", 9.0, "year to date (export of 2025-05-01)"), ("ytd", "BBB", "2024", 20.0)])
    indicators = indicators_frame([("scr", "readiness", True, True, "score"), ("ytd", "investment", True, True)])
    table = profile_table(obs, indicators, "AAA", "BBB").set_index("indicator_id")
    assert table.loc["scr", "rank_text"] == "2 of the 2 with a score"  # CCC has no score: not counted
    ytd = table.loc["ytd"]
    assert (ytd["rank"], ytd["of"], bool(ytd["partial"]), bool(ytd["peer_partial"])) == (2, 2, True, True)
    assert ytd["rank_text"] == "2 of the 2 with data for 2025, a partial period"
    assert rank_text(1, 1234, "total", "2020", False) == "1 of the 1,234 with data"


def test_sparkline_series_keeps_gaps_and_leaves_out_single_points():
    obs = obs_frame([("a", "AAA", "2018", 1.0), ("a", "AAA", "2021", 4.0), ("a", "BBB", "2020", 2.0),
                     ("b", "BBB", "2019", 1.0), ("b", "BBB", "2020", 0.0)])
    series = sparkline_series(yearly_values(obs), {"AAA": "country", "BBB": "peer"})
    assert list(series.columns) == SERIES_COLUMNS
    a = series[series["indicator_id"] == "a"]
    assert a["year"].tolist() == [2018, 2019, 2020, 2021] and (a["role"] == "country").all()
    assert a["value"].isna().tolist() == [False, True, True, False]  # missing years are gaps, never 0
    b = series[series["indicator_id"] == "b"]
    assert (b["iso3"].tolist(), b["value"].tolist()) == (["BBB", "BBB"], [1.0, 0.0])
    assert sparkline_series(yearly_values(obs), {"CCC": "country"}).empty


def test_indicators_in_reading_order():
    ordered = order_indicators(indicators_frame([("x", "context", True, True), ("y", "zzz", True, True),
                                                 ("b", "investment", True, True), ("a", "investment", True, True),
                                                 ("c", "compute", True, True)]))
    assert ordered["indicator_id"].tolist() == ["a", "b", "c", "x", "y"]
