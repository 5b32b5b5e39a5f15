"""The Index view functions (what the page, its CSV links and /download/index.csv show): property tests on
generated observations, agreement with the slow reference, and checks on the real store (defect 5: the models
pillar)."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import index_reference as ref
from aigap.analysis import index as ix
from aigap.analysis import presets as P
from aigap.analysis.measures import complete_periods
from aigap.analysis.views import ParamError, Query, base
from aigap.analysis.views import index as V
from aigap.store import Store

ISOS = ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG"]
YEARS = list(range(2020, 2026))
# Real ids, so the census and model-sum rules apply: (id, pillar, kind, higher is better)
SPECS = [("ai_vc_investment", "investment", "total", True), ("top500_rmax", "compute", "total", True),
         ("notable_ai_models", "models", "total", True), ("rd_expenditure_pct_gdp", "talent & research", "rate", True),
         ("internet_users_pct", "readiness", "rate", True), ("imf_aipi", "readiness", "score", True),
         ("population", "context", "total", True), ("gdp_usd", "context", "total", True)]
INDICATORS = pd.DataFrame([{"indicator_id": i, "name": i.replace("_", " "), "pillar": p, "kind": k,
                            "higher_is_better": h, "rankable": True, "unit": "u", "source_id": "src",
                            "publisher": "pub", "vintage": "v1"} for i, p, k, h in SPECS])
COUNTRIES = pd.DataFrame({"iso3": ISOS, "name": [f"Country {i}" for i in ISOS]})
INDEX_IDS = [i for i, p, _, _ in SPECS if p != "context" and i not in P.COMPARISONS]

values_st = st.one_of(st.just(0.0), st.floats(min_value=1e-3, max_value=1e6, allow_nan=False))


@st.composite
def observations(draw) -> pd.DataFrame:
    rows = []
    for ind in INDEX_IDS + ["imf_aipi"]:
        for year in draw(st.lists(st.sampled_from(YEARS), unique=True, max_size=4)):
            period = f"{year}-06" if ind == "top500_rmax" else str(year)
            for iso in draw(st.lists(st.sampled_from(ISOS), unique=True, max_size=len(ISOS))):
                rows.append({"iso3": iso, "indicator_id": ind, "period": period, "year": year,
                             "value": draw(values_st), "source_id": "src", "note": None})
    for i, iso in enumerate(ISOS):
        for year in range(2014, 2026):
            rows.append({"iso3": iso, "indicator_id": "population", "period": str(year), "year": year,
                         "value": 1e6 * (i + 1), "source_id": "src", "note": None})
            rows.append({"iso3": iso, "indicator_id": "gdp_usd", "period": str(year), "year": year,
                         "value": 1e10 * (i + 2), "source_id": "src", "note": None})
    return pd.DataFrame(rows).astype({"year": "int64", "value": "float64"})


@st.composite
def params(draw) -> V.Params:
    pillars = draw(st.lists(st.sampled_from(ix.PILLARS), min_size=1, max_size=5, unique=True))
    indicators, iw, pw = {}, {}, {}
    for pillar in pillars:
        ids = [i for i, p, _, _ in SPECS if p == pillar and i in INDEX_IDS]
        chosen = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=len(ids), unique=True))
        indicators[pillar] = tuple((i, draw(st.sampled_from(P.forms_for(INDICATORS.set_index("indicator_id")
                                                                             .loc[i, "kind"])))) for i in chosen)
        pw[pillar] = draw(st.sampled_from([0.0, 0.5, 1.0, 3.0]))
        iw.update({i: draw(st.sampled_from([0.0, 1.0, 2.0])) for i in chosen})
    spec = ix.IndexSpec(indicators=indicators, pillar_weights=pw, indicator_weights=iw,
                        method=draw(st.sampled_from(ix.METHODS)), log_totals=draw(st.booleans()),
                        year=draw(st.sampled_from(YEARS)), max_lag=draw(st.integers(0, 4)),
                        min_pillars=draw(st.integers(1, len(pillars))))
    return V.Params(P.canonical(P.Choice(spec, draw(st.booleans()))))


def frames_of(obs: pd.DataFrame) -> base.Frames:
    return base.Frames.from_tables(INDICATORS, COUNTRIES, obs)


def scored(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["enough_data"]].set_index("iso3")


@settings(max_examples=30)
@given(observations(), params())
def test_scores_stay_in_range_and_ranks_follow_scores(obs, p):
    table = V.ranking_table(p, frames_of(obs)).table
    got = scored(table)
    if p.spec.method != "zscore":
        values = table[["score", *p.spec.pillars()]].to_numpy(dtype=float)
        assert np.all((values[~np.isnan(values)] >= -1e-9) & (values[~np.isnan(values)] <= 100 + 1e-9))
    else:  # a z-score is at most sqrt(n - 1) standard deviations from the mean
        assert (got["score"].abs() <= np.sqrt(len(ISOS)) + 1e-9).all()
    assert got["score"].notna().all() and table.loc[~table["enough_data"], "score"].isna().all()
    better = got.sort_values("score", ascending=False)
    assert better["rank"].is_monotonic_increasing and (got["rank"] >= 1).all()


@settings(max_examples=25)
@given(observations(), params())
def test_the_view_agrees_with_the_slow_reference(obs, p):
    frames = frames_of(obs)
    table = V.ranking_table(p, frames).table.set_index("iso3")
    want = ref.compute(obs, p.spec, INDICATORS, frames.obs("population"), frames.obs("gdp_usd"),
                       p.choice.census_zero)["composite"]
    want = want[want["pillars_with_data"] > 0]
    assert set(table.index) == set(want.index)
    if table.empty:
        return
    for column in ("score", "pillars_with_data", "enough_data", "rank"):
        pd.testing.assert_series_equal(table[column].sort_index(), want[column].sort_index(), check_dtype=False,
                                       check_names=False, check_exact=False, rtol=1e-9)


@settings(max_examples=30)
@given(observations(), params())
def test_weights_are_normalised(obs, p):
    weights = V.weights_table(p, frames_of(obs)).table
    per_pillar = weights.drop_duplicates("pillar")
    assert per_pillar["pillar_share"].sum() == pytest.approx(1.0)
    assert list(per_pillar["pillar"]) == p.spec.pillars()
    for _, part in weights.groupby("pillar"):
        assert part["indicator_share"].sum() == pytest.approx(1.0) and (part["indicator_share"] >= 0).all()


@settings(max_examples=25)
@given(observations(), params())
def test_rank_ranges_contain_the_median_rank(obs, p):
    frames = frames_of(obs)
    ranking = V.ranking_table(p, frames).table
    robust = V.robustness_table(p, frames).table
    for table in (scored(ranking), robust):
        assert (table["rank_p5"] <= table["median_rank"]).all() and (table["median_rank"] <= table["rank_p95"]).all()
        for lo, hi, text in zip(table["rank_p5"], table["rank_p95"], table["rank_range"]):
            first, _, last = text.partition("-")
            assert int(first) <= lo and hi <= int(last or first)
    assert len(robust) == min(V.TOP, int(ranking["enough_data"].sum()))


@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(observations(), params(), st.data())
def test_raising_one_countrys_input_never_lowers_its_score(obs, p, data):
    used = obs[obs["indicator_id"].isin(P.indicator_ids(p.spec))]
    if used.empty:
        return
    row = data.draw(st.sampled_from(list(used.index)))
    raised = obs.copy()
    raised.loc[row, "value"] += data.draw(st.floats(min_value=0.0, max_value=1e6))
    iso = obs.loc[row, "iso3"]
    before = V.ranking_table(p, frames_of(obs)).table.set_index("iso3")
    after = V.ranking_table(p, frames_of(raised)).table.set_index("iso3")
    assert set(before.index) == set(after.index)  # a value changes scores, never who has data
    if iso in before.index and before.loc[iso, "enough_data"]:
        assert after.loc[iso, "score"] >= before.loc[iso, "score"] - 1e-9


@settings(max_examples=25)
@given(observations(), params())
def test_countries_below_the_minimum_coverage_get_no_score(obs, p):
    """Coverage counted from the raw observations (any complete value in the window): a country with fewer pillars
    than the minimum is never scored, whatever census zeros are added."""
    spec = p.spec
    window = complete_periods(obs[(obs["year"] <= spec.year) & (obs["year"] >= spec.year - spec.max_lag)])
    pillar_of = {i: x for x in spec.pillars() for i, _ in spec.indicators[x]}
    has = window[window["indicator_id"].isin(list(pillar_of))]
    coverage = has.assign(pillar=has["indicator_id"].map(pillar_of)).groupby("iso3")["pillar"].nunique()
    table = V.ranking_table(p, frames_of(obs)).table.set_index("iso3")
    for iso in table.index:
        if coverage.get(iso, 0) < spec.min_pillars:
            assert not table.loc[iso, "enough_data"] and pd.isna(table.loc[iso, "score"])
    assert set(table.index) <= set(coverage.index)  # no row from zeros alone


@settings(max_examples=25)
@given(observations(), params())
def test_map_and_missing_list_are_the_ranking_split(obs, p):
    frames = frames_of(obs)
    ranking = V.ranking_table(p, frames)
    view = V.map_table(p, frames)
    assert list(view.table["iso3"]) == list(ranking.table["iso3"])
    assert list(view.table["scored"]) == list(ranking.table["enough_data"])
    listed = [name for _, names in view.meta["missing"] for name in names]
    assert sorted(listed) == sorted(ranking.table.loc[~ranking.table["enough_data"], "name"])
    assert ranking.meta["scored"] + ranking.meta["short"] == len(ranking.table)


@settings(max_examples=25)
@given(observations(), params())
def test_model_counts_are_the_sum_over_the_window(obs, p):
    spec = p.spec
    pillar = {i: (x, f) for x in spec.pillars() for i, f in spec.indicators[x]}
    if "notable_ai_models" not in pillar or pillar["notable_ai_models"][1] != "absolute":
        return
    matrix = V.result(p, frames_of(obs))["matrix"]["notable_ai_models:absolute"].dropna()
    counts = obs[(obs["indicator_id"] == "notable_ai_models") & (obs["year"] <= spec.year)
                 & (obs["year"] >= spec.year - spec.max_lag)]
    sums = counts.groupby("iso3")["value"].sum()
    for iso, value in matrix.items():
        assert value == pytest.approx(sums.get(iso, 0.0))  # 0 only for a census zero
        if iso not in sums.index:
            assert p.choice.census_zero


# --- parsing ------------------------------------------------------------------------------------------------------
@settings(max_examples=25)
@given(observations(), params())
def test_parse_reads_back_the_pages_own_query_string(obs, p):
    frames = frames_of(obs)
    assert V.parse(Query(P.encode(p.choice), strict=True), frames) == p
    assert hash(V.parse(Query(P.encode(p.choice)), frames)) == hash(p)


# --- the real store -----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def store_frames(store_db):
    store = Store(store_db)
    return base.Frames(store.indicators(), store.countries(), store.groups(), store.group_members(),
                       store.observations)


@pytest.fixture(scope="module")
def default(store_frames):
    return V.parse(Query({}), store_frames)


def test_defect5_models_pillar_inputs_are_not_zero_for_germany_japan_israel(store_frames, default):
    """Defect 5: the census rule made the models pillar one year of an incomplete list (2025 notable models: 8
    countries), so Germany, Japan and Israel had 0 notable models. Their inputs are the window's sums now."""
    result = V.result(default, store_frames)
    matrix = result["matrix"]
    models = [f"{i}:{f}" for i, f in default.spec.indicators["models"]]
    for iso in ("DEU", "JPN", "ISR"):
        assert (matrix.loc[iso, models] > 0).all(), matrix.loc[iso, models]
        assert result["pillars"].loc[iso, "models"] > 0
    start, year = default.spec.year - default.spec.max_lag, default.spec.year
    notable = store_frames.obs("notable_ai_models").query("@start <= year <= @year")
    for iso in ("DEU", "JPN", "ISR"):  # the input is the sum over the window, from the store's own rows
        assert matrix.loc[iso, "notable_ai_models:absolute"] == notable.query("iso3 == @iso")["value"].sum()


def test_notes_say_what_the_models_inputs_are(store_frames, default):
    notes = " ".join(V.ranking_table(default, store_frames).notes)
    start = default.spec.year - default.spec.max_lag
    latest = int(complete_periods(store_frames.obs("notable_ai_models"))["year"].max())
    assert f"Notable AI models: the sum of {start}-{latest}" in notes
    assert "Latest year incomplete" in notes and f"{latest} (Notable AI models)" in notes


def test_real_ranking_is_complete_and_the_csv_is_the_table(store_frames, default):
    view = V.ranking_table(default, store_frames)
    table = view.table
    assert table.loc[0, "iso3"] == "USA" and view.meta["scored"] >= 60 and view.meta["short"] > 0
    assert table["enough_data"].iloc[:view.meta["scored"]].all() and not table["enough_data"].iloc[view.meta["scored"]:].any()
    csv = pd.read_csv(io.StringIO(table.to_csv(index=False)), keep_default_na=False, na_values=[""])
    assert list(csv.columns) == list(table.columns)


def test_comparison_and_pairs_agree(store_frames, default):
    comparison = V.comparison_table(default, store_frames).table.set_index("indicator_id")
    pairs = V.pairs_table(default, store_frames).table
    for ind, part in pairs.groupby("indicator_id"):
        assert comparison.loc[ind, "countries"] == len(part)
        rho = part["our_rank"].rank().corr(part["their_rank"].rank())
        assert comparison.loc[ind, "spearman"] == pytest.approx(rho, abs=0.02)  # ties: min rank vs average rank


def test_inputs_table_counts_zeros_and_sums(store_frames, default):
    inputs = V.inputs_table(default, store_frames).table.set_index("indicator_id")
    prepared = V.result(default, store_frames)["prepared"]
    assert inputs["zeros"].sum() == len(prepared.zeros)
    assert inputs.loc["notable_ai_models", "summed"] == "{}-{}".format(*prepared.sums["notable_ai_models"])
    assert set(inputs.index) == set(P.indicator_ids(default.spec))


@pytest.mark.parametrize("params, message", [
    ({"year": "²⁰²⁵"}, "year"), ({"ind": "nope:absolute"}, "cannot use"), ({"w": "inv:9"}, "'w'"),
    ({"m": ["minmax", "zscore"]}, "2 times"), ({"min": "x"}, "min"),
])
def test_bad_parameters_are_refused_strictly_and_defaulted_leniently(store_frames, params, message):
    with pytest.raises(ParamError, match=message):
        V.parse(Query(params), store_frames)
    assert V.parse(Query(params, strict=False), store_frames).spec.pillars()


def test_a_weight_change_is_a_new_parameter_set(store_frames, default):
    spec = replace(default.spec, pillar_weights={**default.spec.pillar_weights, "investment": 5.0})
    heavier = V.Params(P.canonical(P.Choice(spec)))
    assert heavier != default and heavier.preset == P.CUSTOM
    a = V.ranking_table(default, store_frames).table.set_index("iso3")["score"]
    b = V.ranking_table(heavier, store_frames).table.set_index("iso3")["score"]
    assert not np.allclose(a.dropna(), b.reindex(a.dropna().index))
