"""The explorer's view: property tests on generated observations and memberships, and checks on the real store.

Every expectation is computed here from the raw generated rows with plain loops, not with the measures the view
uses, so a wrong rule in either shows up as a difference.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import given, strategies as st

from aigap import export
from aigap.analysis import views
from aigap.analysis.views import ParamError, Query, base, explorer as ex

ISOS = ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF"]
INDICATORS = pd.DataFrame([
    {"indicator_id": "rate", "name": "A rate", "unit": "%", "kind": "rate", "higher_is_better": True},
    {"indicator_id": "tot", "name": "A total", "unit": "units", "kind": "total", "higher_is_better": True},
    {"indicator_id": "lst", "name": "A list", "unit": "systems", "kind": "total", "higher_is_better": True},
    {"indicator_id": "population", "name": "Population", "unit": "people", "kind": "total",
     "higher_is_better": True},
    {"indicator_id": "gdp_usd", "name": "GDP", "unit": "US$", "kind": "total", "higher_is_better": True},
])
GROUPS = pd.DataFrame([
    {"group_id": "CLUB", "name": "The club", "kind": "club", "source": "made up", "url": ""},
    {"group_id": "G7", "name": "G7", "kind": "club", "source": "made up", "url": ""},
    {"group_id": "BRICS", "name": "BRICS", "kind": "club", "source": "made up", "url": ""},
])
YEARS = range(2015, 2023)
MAX_DEN_LAG = 5  # the documented denominator look-back (population / GDP at most five years older)


def _values(draw, indicator: str, periods: list[str], lo: float) -> list[dict]:
    rows = []
    for period in periods:
        for iso in draw(st.lists(st.sampled_from(ISOS), unique=True)):
            value = draw(st.one_of(st.just(0.0), st.floats(min_value=lo, max_value=1e6, allow_nan=False)))
            note = draw(st.sampled_from([None, None, "estimate"]))
            rows.append({"iso3": iso, "indicator_id": indicator, "period": period, "year": int(period[:4]),
                         "value": value, "source_id": "src", "note": note})
    return rows


def _denominator_rows(draw, indicator: str) -> list[dict]:
    rows = []
    for iso in ISOS:
        for year in draw(st.lists(st.integers(2008, 2022), unique=True, max_size=6)):
            rows.append({"iso3": iso, "indicator_id": indicator, "period": str(year), "year": year,
                         "value": draw(st.floats(min_value=1e3, max_value=2e9)), "source_id": "wb", "note": None})
    return rows


@st.composite
def frames(draw) -> base.Frames:
    years = draw(st.lists(st.sampled_from(YEARS), unique=True, min_size=1, max_size=5))
    rows = _values(draw, "rate", [str(y) for y in years], -50)
    rows += _values(draw, "tot", [str(y) for y in draw(st.lists(st.sampled_from(YEARS), unique=True, min_size=1,
                                                                   max_size=5))], 0)
    rows += _values(draw, "lst", [f"{y}-{m}" for y in years for m in draw(st.sampled_from([["06"], ["06", "11"]]))],
                    0)
    rows += _denominator_rows(draw, "population") + _denominator_rows(draw, "gdp_usd")
    members = [{"group_id": "G7", "iso3": "AAA", "since": None, "until": None}]
    for iso in ISOS[1:]:
        if draw(st.booleans()):
            since = draw(st.one_of(st.none(), st.integers(2012, 2024)))
            until = draw(st.one_of(st.none(), st.integers(since or 2012, 2025)))
            members.append({"group_id": draw(st.sampled_from(["CLUB", "BRICS"])), "iso3": iso, "since": since,
                            "until": until})
    countries = pd.DataFrame({"iso3": ISOS, "name": [f"Country {i}" for i in ISOS],
                              "wb_region": [draw(st.sampled_from(["North", "South", None])) for _ in ISOS],
                              "wb_income_group": [draw(st.sampled_from(["High income", "Low income", None]))
                                                  for _ in ISOS],
                              "un_region": [draw(st.sampled_from(["Africa", "Europe"])) for _ in ISOS]})
    obs = pd.DataFrame(rows, columns=["iso3", "indicator_id", "period", "year", "value", "source_id", "note"])
    return base.Frames.from_tables(INDICATORS, countries, obs, GROUPS, pd.DataFrame(members))


view_params = st.builds(
    ex.Params, x=st.sampled_from(["rate", "tot", "lst"]), y=st.sampled_from(["rate", "tot", "lst"]),
    year=st.sampled_from(YEARS), lag=st.integers(0, 4),
    colour=st.sampled_from(["wb_region", "income", "un_region", "g7_brics", "CLUB", "none"]),
    size=st.booleans(), logx=st.booleans(), logy=st.booleans(),
    highlight=st.lists(st.sampled_from(ISOS), unique=True, max_size=2).map(tuple))


def with_modes(p: ex.Params, xmode: str, ymode: str = "absolute") -> ex.Params:
    kinds = {"rate": "rate", "tot": "total", "lst": "total"}
    return ex.Params(**{**vars(p), "xmode": xmode if kinds[p.x] == "total" else "absolute",
                        "ymode": ymode if kinds[p.y] == "total" else "absolute"})


# -- independent expectations ----------------------------------------------------------------------------------
def year_value(f: base.Frames, ind: str, iso: str, year: int, lag: int) -> tuple[int, float] | None:
    """(year, value) of a country's value for ``year``: that year's last edition, else up to ``lag`` years back."""
    obs = f.obs(ind)
    for y in range(year, year - lag - 1, -1):
        in_year = obs[obs["year"] == y]
        if in_year.empty:
            continue
        edition = in_year[in_year["period"] == max(in_year["period"])]
        mine = edition[edition["iso3"] == iso]
        if len(mine):
            return y, float(mine["value"].iloc[-1])
    return None


def den_value(f: base.Frames, ind: str, iso: str, year: int) -> tuple[int, float] | None:
    """(year, value) of population / GDP for ``year``: that year or the latest of the five before."""
    return year_value(f, ind, iso, year, MAX_DEN_LAG)


def member_in(f: base.Frames, club: str, iso: str, year: int) -> bool:
    rows = f.members[(f.members["group_id"] == club) & (f.members["iso3"] == iso)]
    return any((pd.isna(r.since) or r.since <= year) and (pd.isna(r.until) or year <= r.until)
               for r in rows.itertuples())


# -- properties ----------------------------------------------------------------------------------------------------
@given(frames(), view_params, st.sampled_from(["per_capita", "per_gdp"]))
def test_per_capita_or_per_gdp_times_the_denominator_gives_the_value_back(f, p, mode):
    p = with_modes(p, mode, mode)
    view = ex.points_table(p, f)
    den = {"per_capita": ("population", 1e6), "per_gdp": ("gdp_usd", 1e9)}[mode]
    for row in view.table.itertuples():
        for axis, m in (("x", p.xmode), ("y", p.ymode)):
            value, display, year = getattr(row, f"value_{axis}"), getattr(row, f"display_{axis}"), \
                getattr(row, f"year_{axis}")
            if m == "absolute":
                assert display == value
            else:
                _, amount = den_value(f, den[0], row.iso3, year)  # of the value's own year
                assert display * amount / den[1] == pytest.approx(value, rel=1e-9, abs=1e-9)


@given(frames(), view_params)
def test_every_country_with_both_values_is_drawn_with_both(f, p):
    """Absolute forms, linear axes: the points are exactly the countries with an X and a Y value in the window."""
    p = ex.Params(**{**vars(p), "logx": False, "logy": False})
    table = ex.points_table(p, f).table
    assert table["display_x"].notna().all() and table["display_y"].notna().all()
    expected = {iso for iso in ISOS if year_value(f, p.x, iso, p.year, p.lag) and year_value(f, p.y, iso, p.year,
                                                                                               p.lag)}
    assert set(table["iso3"]) == expected
    assert table["iso3"].is_unique and list(table["iso3"]) == sorted(table["iso3"])
    for row in table.itertuples():
        assert (row.year_x, row.value_x) == year_value(f, p.x, row.iso3, p.year, p.lag)
        assert (row.year_y, row.value_y) == year_value(f, p.y, row.iso3, p.year, p.lag)


@given(frames(), view_params)
def test_lag_is_within_the_chosen_look_back(f, p):
    table = ex.points_table(p, f).table
    for axis in ("x", "y"):
        assert ((table[f"lag_{axis}"] >= 0) & (table[f"lag_{axis}"] <= p.lag)).all()
        assert (table[f"year_{axis}"] == p.year - table[f"lag_{axis}"]).all()


@given(frames(), view_params)
def test_a_log_axis_holds_only_positive_values_and_says_what_it_left_out(f, p):
    view = ex.points_table(p, f)
    if p.logx:
        assert (view.table["display_x"] > 0).all()
    if p.logy:
        assert (view.table["display_y"] > 0).all()
    linear = ex.points_table(ex.Params(**{**vars(p), "logx": False, "logy": False}), f).table
    left_out = set(linear["iso3"]) - set(view.table["iso3"])
    assert left_out == set(view.meta.get("dropped", {}).get("log", ()))
    if left_out:
        assert any("cannot sit on a log axis" in n for n in view.notes)


@given(frames(), view_params)
def test_population_and_bubble_size(f, p):
    table = ex.points_table(p, f).table
    for row in table.itertuples():
        found = den_value(f, "population", row.iso3, p.year)
        if found is None:
            assert pd.isna(row.population) and pd.isna(row.population_year)
        else:
            assert (row.population_year, row.population) == found
    if not p.size:
        assert (table["size"] == ex.PLAIN_SIZE).all()
        return
    ordered = table.assign(pop=table["population"].fillna(0)).sort_values("pop")
    assert ordered["size"].is_monotonic_increasing
    assert (table["size"] >= ex.SIZE_MIN).all()
    assert (table.loc[table["population"].isna(), "size"] == ex.SIZE_MIN).all()
    big = table[table["size"] > ex.SIZE_MIN]  # above the floor, area is proportional to population
    for row in big.itertuples():
        assert row.size ** 2 / row.population == pytest.approx(ex.SIZE_MAX ** 2 / ex.SIZE_REFERENCE)


@given(frames(), view_params)
def test_a_country_is_in_a_club_only_in_years_it_was_a_member(f, p):
    for scheme, clubs in (("CLUB", ("CLUB",)), ("g7_brics", ("G7", "BRICS"))):
        view = ex.points_table(ex.Params(**{**vars(p), "colour": scheme}), f)
        names = dict(zip(GROUPS["group_id"], GROUPS["name"]))
        for row in view.table.itertuples():
            mine = [names[c] for c in clubs if member_in(f, c, row.iso3, p.year)]
            assert row.colour_group == (mine[0] if mine else ex.OTHER)
        assert set(view.meta["order"]) == set(view.table["colour_group"])
        if ex.OTHER in view.meta["order"]:
            assert view.meta["order"][-1] == ex.OTHER


@given(frames(), view_params)
def test_labels_are_the_leaders_and_the_highlighted(f, p):
    table = ex.points_table(p, f).table
    assert set(table.loc[table["labelled"], "iso3"]) == set(p.highlight) & set(table["iso3"])


_BAD_PLURAL = re.compile(r"(?<![\d,.])1 (countries|values|more countries)\b|(?<![\d,.])1 of [\d,]+ countr\w+ have"
                         r"|(?<![\d,.])1 country have"
                         r"|(?<![\d,.])([02-9]|[1-9]\d{1,2}) (country|value)\b")


@given(frames(), view_params)
def test_notes_use_correct_plurals(f, p):
    """Defect: the page said '1 of 5 countries have no 2024 value; their latest ...' and '1 more have'."""
    for mode in ("absolute", "per_capita"):
        view = ex.points_table(with_modes(p, mode, mode), f)
        for note in (*view.notes, *view.meta["axis_notes"]["x"], *view.meta["axis_notes"]["y"]):
            assert not _BAD_PLURAL.search(note), note


def test_plural_pattern_catches_the_old_wording():
    assert _BAD_PLURAL.search("1 of 5 countries have no 2024 value; their latest earlier value is shown")
    assert _BAD_PLURAL.search("2 countries have both values; 1 more countries have only the X value")
    assert not _BAD_PLURAL.search("1 of 5 countries has no 2024 value; its latest earlier value is shown")


# -- the real store --------------------------------------------------------------------------------------------


def test_default_view(store_frames):
    p = ex.parse(Query({}), store_frames)
    years = ex.common_years(store_frames, "gdp_per_capita_usd", "ai_diffusion")
    assert (p.x, p.y, p.year, p.lag, p.colour, p.logx, p.logy) == ("gdp_per_capita_usd", "ai_diffusion", years[-1],
                                                                   3, "wb_region", True, False)
    table = ex.points_table(p, store_frames).table
    assert {"USA", "CHN", "IND"} <= set(table["iso3"])
    assert set(table.loc[table["labelled"], "iso3"]) == {"USA", "CHN"}


def test_default_year_is_not_a_year_to_date(store_frames):
    """Defect: VC investment against AI diffusion opened on 2026, whose VC totals cover a few months only."""
    p = ex.parse(Query({"x": "ai_vc_investment", "y": "ai_diffusion"}), store_frames)
    assert ex.common_years(store_frames, p.x, p.y)[-1] == 2026
    assert p.year == 2025
    assert not store_frames.obs("ai_vc_investment").query("year == 2025")["note"].fillna("").str.contains(
        "year to date").any()


def test_brics_membership_follows_the_year(store_frames):
    params = {"x": "gdp_per_capita_usd", "y": "internet_users_pct", "lag": "0", "colour": "g7_brics"}
    groups = {year: ex.points_table(ex.parse(Query({**params, "year": str(year)}), store_frames),
                                    store_frames).table.set_index("iso3")["colour_group"] for year in (2023, 2024)}
    assert groups[2023]["EGY"] == "Other" and groups[2024]["EGY"] == "BRICS"  # Egypt joined on 1 January 2024
    assert groups[2023]["BRA"] == groups[2024]["BRA"] == "BRICS"
    assert groups[2024]["USA"] == "G7"


def test_a_country_without_population_is_not_said_to_lack_a_value(store_frames):
    """Defect: Taiwan (VC investment and TOP500 systems, no World Bank population) was counted as having 'only the
    Y value'; it has both and lacks the denominator, and the notes say so."""
    p = ex.parse(Query({"x": "ai_vc_investment", "xmode": "per_capita", "y": "top500_systems", "year": "2024",
                        "lag": "0", "logx": "0", "logy": "0"}), store_frames)
    view = ex.points_table(p, store_frames)
    assert "TWN" not in set(view.table["iso3"])
    assert view.meta["dropped"]["no_denominator"] == ("TWN",)
    x = ex.axis_values(store_frames, "ai_vc_investment", "absolute", 2024, 0)
    y = ex.axis_values(store_frames, "top500_systems", "absolute", 2024, 0)
    assert view.meta["dropped"]["y_only"] == len(set(y["iso3"]) - set(x["iso3"]))
    assert any("no population or GDP figure" in n and "Taiwan" in n for n in view.notes)
    pop = store_frames.obs("population").query("year == 2024").set_index("iso3")["value"]
    for row in view.table.itertuples():
        assert row.display_x * pop[row.iso3] / 1e6 == pytest.approx(row.value_x, rel=1e-12)
        assert row.population == pop[row.iso3]


def test_a_top500_year_is_its_november_list(store_frames):
    p = ex.parse(Query({"x": "top500_rmax", "xmode": "per_gdp", "y": "gdp_per_capita_usd", "year": "2017",
                        "lag": "0"}), store_frames)
    table = ex.points_table(p, store_frames).table
    assert set(table["period_x"]) == {"2017-11"}
    gdp = store_frames.obs("gdp_usd").query("year == 2017").set_index("iso3")["value"]
    for row in table.itertuples():
        assert row.display_x == pytest.approx(row.value_x / (gdp[row.iso3] / 1e9), rel=1e-12)


def test_a_year_between_the_shared_years_is_accepted_and_shows_what_there_is(store_frames):
    years = ex.common_years(store_frames, "notable_ai_models", "gdp_per_capita_usd")
    gap = next(y for y in range(years[0], years[-1]) if y not in years)
    p = ex.parse(Query({"x": "notable_ai_models", "y": "gdp_per_capita_usd", "year": str(gap)}), store_frames)
    assert p.year == gap
    view = ex.points_table(p, store_frames)
    assert view.table.empty and "share no countries" in view.meta["empty"]


@pytest.mark.parametrize("params, message, kept", [
    ({"year": "2023.8"}, "year", {}), ({"year": "１９９９"}, "year", {}), ({"lag": "-4"}, "lag", {}),
    ({"lag": "11"}, "lag", {}), ({"xmode": "per_gdp"}, "xmode", {}),
    ({"ymode": "share_world", "y": "ai_vc_investment"}, "ymode", {"y": "ai_vc_investment"}),
    ({"colour": "zzz"}, "colour", {}), ({"highlight": "xx,bra"}, "XX", {"highlight": "BRA"}),
    ({"size": "maybe"}, "size", {}), ({"x": "nope"}, "'x'", {}), ({"x": ["gdp_usd", "population"]}, "2 times", {}),
    ({"zoom": "2"}, "zoom", {}),
])
def test_bad_parameters_are_refused_strictly_and_defaulted_leniently(store_frames, params, message, kept):
    with pytest.raises(ParamError, match=message):
        views.parse("explorer", params, store_frames, strict=True)
    _, lenient = views.parse("explorer", params, store_frames, strict=False)
    assert lenient == ex.parse(Query(kept), store_frames)  # the bad value falls back to its default


def test_highlight_accepts_any_case_and_drops_unknown_codes_leniently(store_frames):
    assert ex.parse(Query({"highlight": "bra,Ind,BRA"}), store_frames).highlight == ("BRA", "IND")
    assert ex.parse(Query({"highlight": "xx,bra"}, strict=False), store_frames).highlight == ("BRA",)
    assert ex.parse(Query({"highlight": "none"}), store_frames).highlight == ()


def test_download_serves_the_view_table(dash_app, store_frames):
    query = ("x=top500_rmax&xmode=per_gdp&y=gdp_per_capita_usd&year=2024&lag=0&logx=1&logy=1&colour=income"
             "&highlight=BRA")
    response = dash_app.server.test_client().get(f"/download/explorer.csv?{query}")
    assert response.status_code == 200
    p = ex.parse(Query(dict(part.split("=") for part in query.split("&"))), store_frames)
    assert response.get_data(as_text=True) == export.to_csv(ex.points_table(p, store_frames).table)
    bad = dash_app.server.test_client().get("/download/explorer.csv?year=2023.8")
    assert bad.status_code == 400 and "year" in bad.get_json()["error"]


def test_points_memoised_across_parameters_equal_fresh_ones(store_frames):
    """Each indicator's yearly values and the population / GDP denominators are memoised by the first parameters
    and reused by the next: each table must equal one computed on Frames that memoise nothing."""
    fresh = base.Frames(store_frames.indicators, store_frames.countries, store_frames.groups, store_frames.members,
                        store_frames.obs, memo=lambda _key, compute: compute())
    for query in ({"x": "gdp_per_capita_usd", "y": "ai_vc_investment", "ymode": "per_capita", "year": "2022"},
                  {"x": "gdp_per_capita_usd", "y": "ai_vc_investment", "ymode": "per_gdp", "year": "2019",
                   "lag": "3", "colour": "g7_brics"},
                  {"x": "top500_rmax", "y": "gdp_per_capita_usd", "xmode": "per_capita", "year": "2023", "lag": "1"}):
        p = ex.parse(Query(query), store_frames)
        shared, alone = ex.points_table(p, store_frames), ex.points_table(p, fresh)
        pd.testing.assert_frame_equal(shared.table, alone.table, obj=str(query))
        assert (shared.notes, repr(shared.meta)) == (alone.notes, repr(alone.meta))
