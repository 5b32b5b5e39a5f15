"""The gap page's view functions: property tests on generated observations, and checks on the real store."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings, strategies as st

from aigap.analysis import gap
from aigap.analysis.views import ParamError, Query, base, gap as gv

ISOS = ["USA", "CHN", "DEU", "FRA", "BRA", "IND", "ZAF", "EGY"]
INDICATORS = pd.DataFrame([
    {"indicator_id": "tot", "name": "A total", "unit": "units", "kind": "total", "higher_is_better": True},
    {"indicator_id": "lst", "name": "A list", "unit": "flops", "kind": "total", "higher_is_better": True},
    {"indicator_id": "low", "name": "A cost", "unit": "days", "kind": "score", "higher_is_better": False},
    {"indicator_id": "population", "name": "Population", "unit": "people", "kind": "total",
     "higher_is_better": True},
])
COUNTRIES = pd.DataFrame({"iso3": ISOS, "name": [f"Country {i}" for i in ISOS]})
GROUPS = pd.DataFrame({"group_id": ["G7", "BRICS", "GRP"], "name": ["G7", "BRICS", "A group"],
                       "kind": ["club"] * 3, "source": [None] * 3, "url": [None] * 3})
YEARS = list(range(2008, 2021))
FEW = settings(max_examples=30)  # each example builds every view table (pandas: ~0.1 s on a busy machine)


@st.composite
def members(draw) -> pd.DataFrame:
    """G7 and BRICS with generated join years (BRICS founded 2009 or later), and a group members join and leave."""
    rows = [("G7", iso, 1976.0, None) for iso in ("USA", "DEU", "FRA")]
    founding = draw(st.integers(2009, 2015))
    rows += [("BRICS", iso, float(founding), None) for iso in ("CHN", "BRA", "IND")]
    rows += [("BRICS", iso, float(draw(st.integers(founding, 2020))), None) for iso in ("ZAF", "EGY")]
    for iso in draw(st.lists(st.sampled_from(ISOS), unique=True, min_size=1, max_size=5)):
        since = draw(st.one_of(st.none(), st.integers(2008, 2020)))
        until = draw(st.one_of(st.none(), st.integers(since or 2008, 2020)))
        rows.append(("GRP", iso, since, until))
    return pd.DataFrame(rows, columns=["group_id", "iso3", "since", "until"])


def _rows(draw, indicator: str, periods: list[str], note=None) -> list[dict]:
    rows = []
    for period in periods:
        for iso in draw(st.lists(st.sampled_from(ISOS), unique=True, min_size=1)):
            value = draw(st.one_of(st.just(0.0), st.floats(min_value=1e-3, max_value=1e6)))
            rows.append({"iso3": iso, "indicator_id": indicator, "period": period, "year": int(period[:4]),
                         "value": value, "source_id": "src", "note": note})
    return rows


@st.composite
def observations(draw) -> pd.DataFrame:
    years = draw(st.lists(st.sampled_from(YEARS), unique=True, min_size=1, max_size=9))
    rows = _rows(draw, "tot", [str(y) for y in years])
    rows += _rows(draw, "tot", ["2021"], note="year to date")  # left out as a partial period
    rows += _rows(draw, "lst", [f"{y}-{m}" for y in years for m in draw(st.sampled_from([["06"], ["06", "11"]]))])
    rows += _rows(draw, "low", [str(y) for y in years])
    rows += [{"iso3": iso, "indicator_id": "population", "period": str(y), "year": y, "value": 1e6 * (i + 1),
              "source_id": "src", "note": None} for i, iso in enumerate(ISOS) for y in YEARS]
    return pd.DataFrame(rows)


@st.composite
def trending(draw) -> pd.DataFrame:
    """Observations of "tot" that follow a growth trend per country (with noise): trends, crossings, projections."""
    rows = []
    for i, iso in enumerate(ISOS):
        base = draw(st.floats(min_value=1, max_value=1e5))
        growth = draw(st.floats(min_value=-0.2, max_value=1.0))
        noise = draw(st.lists(st.floats(min_value=-0.2, max_value=0.2), min_size=len(YEARS), max_size=len(YEARS)))
        missing = draw(st.sets(st.sampled_from(YEARS), max_size=3))
        rows += [{"iso3": iso, "indicator_id": "tot", "period": str(y), "year": y, "source_id": "src", "note": None,
                  "value": base * (1 + growth) ** k * math.exp(e)}
                 for k, (y, e) in enumerate(zip(YEARS, noise)) if y not in missing]
        rows += [{"iso3": iso, "indicator_id": "population", "period": str(y), "year": y, "value": 1e6 * (i + 1),
                  "source_id": "src", "note": None} for y in YEARS]
    return pd.DataFrame(rows)


def _frames(obs: pd.DataFrame, groups_members: pd.DataFrame) -> base.Frames:
    return base.Frames.from_tables(INDICATORS, COUNTRIES, obs, GROUPS, groups_members)


def _edition_values(obs: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """Each year's values, computed here independently: the year's last period over all countries."""
    data = obs[(obs["indicator_id"] == indicator) & ~obs["note"].fillna("").str.startswith("year to date")]
    last = {y: max(part["period"]) for y, part in data.groupby("year")}
    return data[[last[y] == p for y, p in zip(data["year"], data["period"])]]


def _member_in(m: pd.DataFrame, iso: str, year: int) -> bool:
    rows = m[m["iso3"] == iso]
    return any((pd.isna(r.since) or r.since <= year) and (pd.isna(r.until) or year <= r.until)
               for r in rows.itertuples())


params_st = st.builds(
    gv.Params, indicator=st.sampled_from(["tot", "lst", "low"]), ref=st.sampled_from(list(gv.REFERENCES)),
    countries=st.lists(st.sampled_from(ISOS), unique=True, max_size=4).map(tuple),
    groups=st.lists(st.sampled_from(["G7", "BRICS", "GRP"]), unique=True, max_size=2).map(tuple),
    mode=st.sampled_from(["absolute", "per_capita", "share_world"]), year_from=st.sampled_from([2008, 2011]),
    year_to=st.sampled_from([2016, 2020]))


def _fix(p: gv.Params) -> gv.Params:
    return p if p.indicator != "low" else gv.Params(**{**vars(p), "mode": "absolute"})


# -- gap lines ------------------------------------------------------------------------------------------------
@FEW
@given(observations(), members(), params_st)
def test_gap_ratio_times_country_is_the_reference(obs, m, p):
    p = _fix(p)
    table = gv.gap_table(p, _frames(obs, m)).table
    assume(len(table))
    has_ratio = table["ratio"].notna()
    assert np.allclose(table.loc[has_ratio, "ratio"] * table.loc[has_ratio, "display"],
                       table.loc[has_ratio, "reference_display"], rtol=1e-9)
    assert np.allclose(table["reference_display"] - table["display"], table["difference"], rtol=1e-9, atol=1e-9)
    assert (table.loc[~has_ratio, "display"] == 0).all()  # only a zero has no ratio
    assert table["year"].max() < 2021 if len(table) else True  # the year to date is left out


@FEW
@given(observations(), members(), st.sampled_from(["USA", "CHN"]), st.sampled_from(["tot", "lst"]))
def test_a_country_reference_is_its_value_in_the_years_edition(obs, m, ref, ind):
    """A TOP500-like year is its last edition: the reference's value is from that edition or missing."""
    p = gv.Params(ind, ref=ref, countries=tuple(ISOS), groups=())
    table = gv.gap_table(p, _frames(obs, m)).table
    expected = _edition_values(obs, ind)
    expected = dict(zip(expected.loc[expected["iso3"] == ref, "year"], expected.loc[expected["iso3"] == ref, "value"]))
    for r in table.itertuples():
        assert r.reference_display == pytest.approx(expected[r.year])
    assert set(table["year"]) <= set(expected)


@FEW
@given(observations(), members(), st.sampled_from(["tot", "low"]))
def test_no_country_is_ahead_of_the_leader(obs, m, ind):
    p = gv.Params(ind, ref="leader", countries=tuple(ISOS), groups=())
    table = gv.gap_table(p, _frames(obs, m)).table
    ahead = table["display"] > table["reference_display"] if ind == "tot" else \
        table["display"] < table["reference_display"]
    assert not ahead.any()
    assert set(table["reference_iso3"]) <= set(ISOS)


@FEW
@given(observations(), members(), st.sampled_from(["G7", "BRICS", "GRP"]))
def test_a_group_total_is_the_sum_of_the_members_of_that_year(obs, m, gid):
    p = gv.Params("tot", ref="USA", countries=(), groups=(gid,))
    frames = _frames(obs, m)
    table = gv.gap_table(p, frames).table
    values = _edition_values(obs, "tot")
    group = m[m["group_id"] == gid]
    for r in table.itertuples():
        member = np.array([_member_in(group, i, r.year) for i in values["iso3"]], dtype=bool)
        part = values[(values["year"] == r.year).to_numpy() & member]
        assert r.display == pytest.approx(part["value"].sum())
        assert r.value == pytest.approx(part["value"].sum()) and r.members_with_data == len(part)


# -- trends ---------------------------------------------------------------------------------------------------
@settings(max_examples=60)
@given(st.one_of(observations(), trending()), members(), params_st)
def test_trend_intervals_contain_the_estimate_and_lines_stay_bounded(obs, m, p):
    p = _fix(p) if "lst" in set(obs["indicator_id"]) else gv.Params(**{**vars(p), "indicator": "tot"})
    frames = _frames(obs, m)
    view = gv.trend_table(p, frames)
    table = view.table
    if table.empty:
        return
    points = gv.points_table(p, frames).table
    fitted = table[table["cagr"].notna()]
    assert (fitted["cagr_low"] <= fitted["cagr"] + 1e-12).all()
    assert (fitted["cagr"] <= fitted["cagr_high"] + 1e-12).all()
    assert ((points["year"] >= p.year_from) & (points["year"] <= p.year_to) & (points["display"] > 0)).all()
    counts = points["series"].value_counts()
    assert [counts.get(s, 0) for s in table["series"]] == table["points"].tolist()
    assert (table["points"][table["cagr"].notna()] >= gap.MIN_POINTS).all()
    # A projected line never runs past the horizon, nor more than LINE_MARGIN times beyond the data's range.
    lo, hi = points["display"].min(), points["display"].max()
    assert (fitted["line_to"] <= p.year_to + gap.HORIZON).all()
    projected = fitted[fitted["line_to"] > p.year_to]
    assert (projected["line_value_to"] <= hi * gv.LINE_MARGIN * (1 + 1e-9)).all()
    assert (projected["line_value_to"] >= lo / gv.LINE_MARGIN * (1 - 1e-9)).all()
    converging = table[table["status"] == gap.CONVERGING]
    assert (converging["years_to_catch_up"] <= gap.HORIZON).all()
    ref = table[table["kind"] == "reference"].iloc[0]
    for r in table[table["kind"] != "reference"].itertuples():  # a year only where the growth intervals are apart
        if r.status not in (gap.AHEAD, gap.INSUFFICIENT):
            overlap = r.cagr_low <= ref.cagr_high and ref.cagr_low <= r.cagr_high
            assert overlap == (r.status == gap.NOT_SIGNIFICANT)
    assert table.loc[table["status"] != gap.CONVERGING, "crossing_year"].isna().all()


@FEW
@given(st.floats(min_value=1, max_value=1e6), st.floats(min_value=1, max_value=1e6),
       st.floats(min_value=-0.3, max_value=0.5), st.floats(min_value=-0.3, max_value=0.5),
       st.lists(st.floats(min_value=-0.3, max_value=0.3), min_size=8, max_size=8), st.integers(4, 8))
def test_catch_up_is_symmetric_with_noisy_series(a0, b0, ga, gb, noise, n):
    assume(abs(math.log(a0 / b0)) > 1e-6)
    a = pd.DataFrame({"year": range(2010, 2010 + n), "value": [a0 * (1 + ga) ** k * math.exp(e)
                                                               for k, e in zip(range(n), noise)]})
    b = pd.DataFrame({"year": range(2010, 2010 + n), "value": [b0 * (1 + gb) ** k for k in range(n)]})
    ab, ba = gap.catch_up(a, b), gap.catch_up(b, a)
    assert ab["significant"] == ba["significant"]
    assert gap.AHEAD in {ab["status"], ba["status"]}  # one of the two is ahead today
    assert (ab["crossing_year"] is None) == (ba["crossing_year"] is None)
    assert ab["crossing_year"] is None or ab["crossing_year"] == pytest.approx(ba["crossing_year"], rel=1e-9)
    for x, y in ((ab, ba), (ba, ab)):
        if x["status"] in (gap.CONVERGING, gap.BEYOND, gap.NOT_CONVERGING, gap.NOT_SIGNIFICANT):
            assert y["status"] == gap.AHEAD
        if x["status"] == gap.CONVERGING:
            assert 0 < x["years"] <= gap.HORIZON and x["significant"]


# -- concentration and blocs ----------------------------------------------------------------------------------
@FEW
@given(observations(), members(), st.sampled_from(["tot", "lst"]))
def test_concentration_shares_are_monotone_and_hhi_in_range(obs, m, ind):
    view = gv.concentration_table(gv.Params("tot", conc=ind), _frames(obs, m))
    table = view.table
    held = table[table["countries"] > 0]
    assert (held["countries"] >= gv.MIN_COUNTRIES).all()
    held = held[held["top1"].notna()]  # every value zero: no shares
    assert (held["top1"] <= held["top2"] + 1e-9).all() and (held["top2"] <= held["top5"] + 1e-9).all()
    assert (held["top5"] <= 100 + 1e-9).all() and (held["top1"] >= 100 / held["countries"] - 1e-9).all()
    assert (held["hhi"] >= 10000 / held["countries"] - 1e-6).all() and (held["hhi"] <= 10000 + 1e-6).all()
    assert table.loc[table["countries"] == 0, ["top1", "top2", "top5", "hhi"]].isna().all().all()


def test_concentration_orders_and_hhi_on_one_hand_checked_period():
    """Shares 50/30/20 (and a zero): top1 50, top2 80, top5 100, HHI 2500 + 900 + 400 = 3800."""
    obs = pd.DataFrame({"iso3": ISOS[:6], "indicator_id": "tot", "period": "2020", "year": 2020,
                        "value": [50.0, 30.0, 10.0, 5.0, 5.0, 0.0], "source_id": "s", "note": None})
    table = gv.concentration_table(gv.Params("tot", conc="tot"), _frames(obs, pd.DataFrame(
        columns=["group_id", "iso3", "since", "until"]))).table
    row = table.iloc[0]
    assert (row.top1, row.top2, row.top5, row.hhi) == pytest.approx((50, 80, 100, 2500 + 900 + 100 + 25 + 25))
    assert row.countries == 5 and row.top_country == "USA"


@FEW
@given(observations(), members(), st.sampled_from(["tot", "lst"]))
def test_bloc_shares_sum_to_100_and_follow_membership_years(obs, m, ind):
    frames = _frames(obs, m)
    table = gv.blocs_table(gv.Params("tot", conc=ind), frames).table
    if table.empty:
        return
    values = _edition_values(obs, ind)
    for year, part in table.groupby("year"):
        year_values = values[values["year"] == year]
        total = year_values["value"].sum()
        if total > 0:
            assert part["share"].sum() == pytest.approx(100)  # NaN (a bloc before it was founded) is skipped
        for r in part.itertuples():
            bloc = m[m["group_id"] == r.bloc]
            if r.bloc == gap.REST:
                isos = [i for i in year_values["iso3"] if not any(_member_in(m[m["group_id"] == b], i, year)
                                                                  for b in gv.BLOCS)]
            else:
                isos = [i for i in year_values["iso3"] if _member_in(bloc, i, year)]
                if not any(_member_in(bloc, i, year) for i in ISOS):
                    assert math.isnan(r.share)  # before the bloc existed: no share at all, not 0%
                    continue
            held = year_values.loc[year_values["iso3"].isin(isos), "value"].sum()
            if total > 0:
                assert r.share == pytest.approx(100 * held / total)
            assert r.countries == len(isos)


# -- parameters -----------------------------------------------------------------------------------------------
@FEW
@given(observations(), members(), params_st, st.sampled_from(["ratio", "difference"]), st.data())
def test_the_query_string_reads_back_to_the_same_parameters(obs, m, p, measure, data):
    frames = _frames(obs, m)
    years = gv.complete_years(frames.obs(p.indicator))
    y0, y1 = sorted(data.draw(st.lists(st.sampled_from(years), min_size=2, max_size=2)))
    p = gv.Params(**{**vars(_fix(p)), "measure": measure, "year_from": y0, "year_to": y1})
    assert gv.parse(Query({k: str(v) for k, v in gv.to_query(p).items()}), frames) == p


# -- the real store -------------------------------------------------------------------------------------------


def test_default_view_gap_ratios_are_the_stores(store_frames):
    p = gv.parse(Query({}), store_frames)
    assert (p.countries, p.ref, p.year_from, p.year_to) == (gv.DEFAULT_COUNTRIES, "USA", 2016, 2025)
    table = gv.gap_table(p, store_frames).table
    obs = store_frames.obs("ai_vc_investment")
    values = obs[obs["note"].isna()].set_index(["iso3", "year"])["value"]
    assert 2026 not in set(table["year"])  # the year to date is left out
    assert table["ratio"].notna().sum() > 30
    for r in table[table["display"] > 0].itertuples():
        assert r.reference_display == values[("USA", r.year)] and r.display == values[(r.series, r.year)]
        assert r.ratio == pytest.approx(values[("USA", r.year)] / values[(r.series, r.year)], rel=1e-12)


def test_defect_catch_up_gives_no_year_centuries_ahead_nor_lines_to_1e16(store_frames):
    """Defect 4: India showed "converging in 399 years (around 2424)" and the trend axis reached 10^16 US$."""
    p = gv.parse(Query({"countries": "BRA,IND,ZAF,IDN", "from": "2016", "to": "2025"}), store_frames)
    view = gv.trend_table(p, store_frames)
    table = view.table.set_index("series")
    assert not table["status_text"].str.contains("converging in").any()  # every growth interval overlaps the US's
    assert (table.loc[["BRA", "IND", "ZAF", "IDN"], "status"] == gap.NOT_SIGNIFICANT).all()
    assert table["crossing_year"].isna().all()
    points = gv.points_table(p, store_frames).table
    assert table["line_value_to"].max() <= gv.LINE_MARGIN * points["display"].max()
    assert table["line_to"].max() == 2025


def test_a_converging_crossing_on_the_store_is_within_the_horizon(store_frames):
    p = gv.parse(Query({"indicator": "top500_rmax", "countries": "BRA,IND,DEU", "mode": "per_gdp", "from": "2010",
                        "to": "2025"}), store_frames)
    table = gv.trend_table(p, store_frames).table.set_index("series")
    ref = table.loc[gv.REFERENCE_ROW]
    for r in table[table["status"] == gap.CONVERGING].itertuples():
        assert r.years_to_catch_up <= gap.HORIZON and r.crossing_year <= 2025 + gap.HORIZON
        assert r.cagr_low > ref.cagr_high
    points = gv.points_table(p, store_frames).table
    assert table["line_value_to"].max() <= gv.LINE_MARGIN * points["display"].max() * (1 + 1e-9)


def test_top500_concentration_has_a_gap_for_the_missing_edition(store_frames):
    table = gv.concentration_table(gv.Params("ai_vc_investment", conc="top500_rmax"), store_frames).table
    rows = table.set_index("period")
    assert rows.loc["2022-11", "countries"] == 0 and math.isnan(rows.loc["2022-11", "top2"])
    edition = store_frames.obs("top500_rmax").query("period == '2025-06'")["value"]
    shares = 100 * edition.sort_values(ascending=False) / edition.sum()
    assert rows.loc["2025-06", "top2"] == pytest.approx(shares.iloc[:2].sum(), rel=1e-12)
    assert rows.loc["2025-06", "hhi"] == pytest.approx((shares ** 2).sum(), rel=1e-12)


def test_brics_counts_indonesia_from_2025_and_shares_sum_to_100(store_frames):
    view = gv.blocs_table(gv.Params("ai_vc_investment", conc="ai_vc_investment"), store_frames)
    table = view.table
    assert table.groupby("year")["share"].sum().to_numpy() == pytest.approx(100)
    obs = store_frames.obs("ai_vc_investment")
    obs = obs[obs["note"].isna()]
    members = store_frames.group_members("BRICS")
    for year in (2024, 2025):  # Indonesia joined in 2025: in the rest of the world before
        isos = members.loc[members["since"] <= year, "iso3"]
        row = table[(table["bloc"] == "BRICS") & (table["year"] == year)].iloc[0]
        held = obs[(obs["year"] == year) & obs["iso3"].isin(isos)]
        assert row.value == pytest.approx(held["value"].sum()) and row.countries == len(held)
        assert ("IDN" in set(held["iso3"])) == (year == 2025)
    assert "2025: +Indonesia" in " ".join(view.notes)


@pytest.mark.parametrize("params, message", [
    ({"from": "２０２０"}, "from"), ({"ref": "XX"}, "ref"), ({"countries": "ZZZ"}, "countries"),
    ({"mode": "per_capita", "indicator": "imf_aipi"}, "mode"), ({"conc": "bad"}, "conc"),
    ({"measure": ["ratio", "difference"]}, "2 times"),
])
def test_bad_parameters_are_refused_strictly_and_defaulted_leniently(store_frames, params, message):
    with pytest.raises(ParamError, match=message):
        gv.parse(Query(params), store_frames)
    gv.parse(Query(params, strict=False), store_frames)


def test_lenient_parsing_keeps_what_is_valid(store_frames):
    p = gv.parse(Query({"countries": "ZZZ,bra", "groups": "none", "from": "2030", "to": "2018"}, strict=False),
                 store_frames)
    assert p.countries == ("BRA",) and p.groups == () and (p.year_from, p.year_to) == (2016, 2018)
    assert gv.parse(Query({"from": "2024", "to": "2018"}), store_frames).year_from == 2018  # swapped


@pytest.mark.parametrize("queries", [[
    {"indicator": "ai_vc_investment", "countries": "BRA,IND", "groups": "BRICS", "mode": "per_capita", "ref": "G7"},
    {"indicator": "ai_vc_investment", "countries": "ZAF,IDN,EGY", "groups": "G7", "mode": "per_capita",
     "from": "2016", "to": "2022", "ref": "leader", "conc": "top500_rmax"},
    {"indicator": "ai_vc_investment", "countries": "CHN", "mode": "share_world", "conc": "top500_rmax"},
    {"indicator": "top500_rmax", "countries": "DEU,JPN", "groups": "BRICS", "mode": "per_gdp", "ref": "CHN"},
]])
def test_tables_memoised_across_parameters_equal_fresh_ones(store_frames, queries):
    """The per-indicator memos (yearly values per mode, concentration, blocs, denominators) are built by the first
    parameters and reused by the next: each table must equal one computed on Frames that memoise nothing."""
    fresh = base.Frames(store_frames.indicators, store_frames.countries, store_frames.groups, store_frames.members,
                        store_frames.obs, memo=lambda _key, compute: compute())
    for query in queries:
        p = gv.parse(Query(query), store_frames)
        for name, table in gv.TABLES.items():
            shared, alone = table(p, store_frames), table(p, fresh)
            pd.testing.assert_frame_equal(shared.table, alone.table, obj=f"{name} {query}")
            assert (shared.notes, repr(shared.meta)) == (alone.notes, repr(alone.meta)), name
