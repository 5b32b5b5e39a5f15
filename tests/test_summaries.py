"""Plain-language summaries: the numbers in each sentence, parsed back, are the view table's numbers; the leader
named is the table's top row; year-to-date, look-back and missing countries are said. Real store and generated
frames."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from scipy.stats import spearmanr

from aigap.analysis import summaries
from aigap.analysis.views import base, compute, parse
from view_data import COUNTRIES, observation_rows

_NUM = re.compile(r"(?<![\w.])([−+-]?\d[\d,]*(?:\.\d+)?)( trillion| billion| million)?(%)?")
_SCALE = {" trillion": 1e12, " billion": 1e9, " million": 1e6, None: 1}


def numbers(text: str) -> list[tuple[float, float]]:
    """Every number in a sentence as (value, half the unit of its last shown digit)."""
    out = []
    for digits, scale, _pct in _NUM.findall(text):
        scale = _SCALE[scale or None]
        body = digits.replace(",", "").replace("−", "-")
        decimals = len(body.split(".")[1]) if "." in body else 0
        out.append((float(body) * scale, 0.5 * 10 ** -decimals * scale + 1e-9))
    return out


def shows(text: str, value: float) -> bool:
    """Whether the sentence writes ``value`` (to the precision it is written with)."""
    return any(abs(v - value) <= tol for v, tol in numbers(text))


def run(frames, page: str, query: dict) -> tuple[object, object, str]:
    table, p = parse(page, query, frames)
    view = compute(page, table, p, frames)
    return p, view, summaries.describe(page, table, p, view, frames)


# -- Overview on the real store ----------------------------------------------------------------------------
@pytest.mark.parametrize("query", [
    {},  # venture capital 2025, absolute: shares of the total
    {"year": "2026"},  # year to date
    {"mode": "share_world", "year": "2020"},
    {"indicator": "top500_rmax", "year": "2019"},
    {"indicator": "notable_ai_models", "year": "2023"},
])
def test_overview_share_sentences_are_the_tables_shares(store_frames, query):
    p, view, text = run(store_frames, "overview", query)
    t = view.table
    shares = t["display"] if p.mode == "share_world" else 100 * t["display"] / t["display"].sum()
    assert text.startswith(f"In {p.year} ")
    first, second = t.iloc[0], t.iloc[1]
    assert re.search(rf"(the )?{re.escape(first['name'])} held ", text)
    assert f"; {second['name']}" in text or f"; the {second['name']}" in text
    assert shows(text, shares.iloc[0]) and shows(text, shares.iloc[1])
    assert f"the {len(t)} countries with data" in text
    missing = set(store_frames.obs(p.indicator)["iso3"]) - set(t["iso3"])
    assert (f"{len(missing)} more countries have data for other years only" in text) == bool(missing)
    partial = t["note"].map(summaries.is_partial).any()
    assert ("year to date" in text) == partial
    assert partial == (query.get("year") == "2026")


@pytest.mark.parametrize("query", [
    {"indicator": "internet_users_pct"},  # a rate, three years of look-back
    {"mode": "per_capita"},
    {"indicator": "ai_diffusion", "lag": "0"},
    {"indicator": "oxford_gairi", "year": "2023"},
])
def test_overview_value_sentences_are_the_tables_values(store_frames, query):
    p, view, text = run(store_frames, "overview", query)
    t = view.table
    assert re.search(rf"In {p.year} (the )?{re.escape(t.iloc[0]['name'])}(,| and| had the highest| scored highest)",
                     text)
    assert shows(text, t["display"].iloc[0]) and shows(text, t["display"].iloc[1])
    assert shows(text, t["display"].median())
    lagged = int((t["lag"] > 0).sum())
    assert (f"{lagged} of them have no {p.year} value" in text) == (lagged > 0)
    if p.mode == "per_capita":
        assert "per million people" in text


@settings(max_examples=40)
@given(st.data())
def test_overview_on_generated_frames_names_the_largest_and_its_share(data):
    indicators = pd.DataFrame([{"indicator_id": "tot", "name": "Widgets made", "unit": "widgets", "kind": "total",
                                "higher_is_better": True}])
    years = data.draw(st.lists(st.integers(2015, 2022), unique=True, min_size=1, max_size=3))
    obs = pd.DataFrame(observation_rows(data.draw, "tot", [str(y) for y in years]))
    frames = base.Frames.from_tables(indicators, COUNTRIES, obs)
    year = data.draw(st.sampled_from(years))
    p, view, text = run(frames, "overview", {"indicator": "tot", "year": str(year)})
    t = view.table
    assert text.startswith(f"In {year} ")
    if t["display"].sum() > 0:
        top = t.loc[t["display"].idxmax()]
        assert top["display"] == t["display"].iloc[0]
        assert shows(text, 100 * top["display"] / t["display"].sum())
        assert f"{t.iloc[0]['name']} held" in text
    assert f"the {len(t)} countr" in text


# -- the other pages --------------------------------------------------------------------------------------
def test_compare_uses_the_latest_whole_year_and_says_so(store_frames):
    p, view, text = run(store_frames, "compare", {})
    t = view.table
    partial_years = {y for y, n in zip(t["year"], t["note"]) if summaries.is_partial(n)}
    year = int(t.loc[~t["year"].isin(partial_years), "year"].max())
    last = t[t["year"] == year]
    assert text.startswith(f"In {year} ")
    top, low = last.loc[last["display"].idxmax()], last.loc[last["display"].idxmin()]
    assert top["label"] in text.split(" the highest")[0] and low["label"] in text
    assert shows(text, top["display"]) and shows(text, low["display"])
    assert partial_years and all(f"{y}" in text for y in partial_years) and "known only to date" in text


@pytest.mark.parametrize("query", [{}, {"indicator": "internet_users_pct", "ref": "CHN"},
                                   {"measure": "difference"}])
def test_gap_sentence_gives_each_followers_ratio_or_difference(store_frames, query):
    p, view, text = run(store_frames, "gap", query)
    t = view.table
    last = t[t["year"] == t["year"].max()]
    column = "ratio" if p.measure == "ratio" else "difference"
    for r in last.itertuples():
        assert r.label in text
        assert shows(text, abs(getattr(r, column)))
    assert ("known only to date" in text) == (p.indicator == "ai_vc_investment")


def test_explorer_states_the_rank_correlation_and_the_top(store_frames):
    p, view, text = run(store_frames, "explorer", {})
    t = view.table
    rho = spearmanr(t["display_x"], t["display_y"]).statistic
    assert shows(text, rho) and f"the {len(t)} countries with both values" in text
    top = t.loc[t["display_y"].idxmax()]
    assert top["name"] in text and shows(text, top["display_y"])
    lagged = int(((t["lag_x"] > 0) | (t["lag_y"] > 0)).sum())
    assert (f"{lagged} countries use a value from up to" in text) == (lagged > 0)


@pytest.mark.parametrize("country", ["BRA", "USA", "TUV"])
def test_profile_names_the_best_and_weakest_standing(store_frames, country):
    p, view, text = run(store_frames, "profile", {"country": country})
    t = view.table
    assert f"has data for {int(t['value'].notna().sum())} of {len(t)} indicators" in text
    ranked = t[t["rank"].notna() & (t["pillar"] != "context")]
    best_part, worst_part = text.split("best standing")[1].split("Its weakest")
    for part, pick in ((best_part, ranked["percentile"].max()), (worst_part, ranked["percentile"].min())):
        tied = ranked[ranked["percentile"] == pick]  # any of the rows tied at the top (bottom) may be named
        assert any(re.search(rf"{re.escape(r['name'])} – {r['rank']}(st|nd|rd|th) of {r['of']:,} in "
                             rf"{re.escape(str(r['period']))}", part, re.I) for _, r in tied.iterrows()), part


@pytest.mark.parametrize("query", [{}, {"preset": "capacity"}, {"table": "map", "preset": "imf"}])
def test_index_sentence_is_the_ranking(store_frames, query):
    p, view, text = run(store_frames, "index", query)
    t = view.table
    flag = "enough_data" if "enough_data" in t else "scored"
    scored = t[t[flag].astype(bool)].sort_values("rank")
    assert f"{scored.iloc[0]['name']} ranks first" in text
    assert shows(text, scored.iloc[0]["score"]) and shows(text, scored.iloc[1]["score"])
    assert f"of the {len(scored)} countries" in text
    short = len(t) - len(scored)
    assert (f"{short} more countries have too little data" in text) == (short > 0)


def nested_brackets(text: str) -> bool:
    """A bracket opened inside another, or two bracketed groups side by side: 'Index (Oxford) (113th …)'."""
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth > 1:
            return True
    return ") (" in text


@pytest.mark.parametrize("name, query", [
    ("overview", {"indicator": "imf_aipi", "year": "2023"}),
    ("overview", {"indicator": "oxford_gairi", "year": "2023"}),
    ("compare", {"indicator": "imf_aipi"}),
    ("compare", {"indicator": "imf_aipi", "countries": "USA"}),
])
def test_an_index_score_is_scored_on_the_index_with_its_scale(store_frames, name, query):
    p, view, text = run(store_frames, name, query)
    ind = store_frames.indicator(p.indicator)
    scale = re.search(r"\d+-\d+", ind["unit"]).group(0)
    assert "scored" in text and " had " not in text and "index score" not in text
    assert re.search(rf"on the {re.escape(ind['name'].rstrip(')'))}.*\b{scale}\)", text), text
    assert not nested_brackets(text), text
    t = view.table
    if name == "compare":
        t = t[t["year"] == t["year"].max()]
    assert shows(text, t["display"].max())


def test_a_tie_at_the_top_is_stated_with_one_unit_form(store_frames):
    p, view, text = run(store_frames, "overview", {"indicator": "internet_users_pct"})
    t = view.table
    tied = t[t["display"] == t["display"].iloc[0]]
    assert len(tied) > 1  # the real data: several countries at 100% of population
    head = text.split(" tied for the highest ")[0]
    assert all(name in head for name in tied["name"]), text
    assert re.search(rf"at {tied['display'].iloc[0]:.0f}%", text)
    assert "% of population" not in text.split(" of the ")[-1]  # the unit is said once, in the name
    assert not re.search(r"\d% of population", text)
    after = t.iloc[len(tied)]
    assert f"; {after['name']}" in text or f"; the {after['name']}" in text
    assert shows(text, after["display"]) and shows(text, t["display"].median())


@pytest.mark.parametrize("country", ["TUV", "BRA", "NGA", "IND"])
def test_profile_sentence_has_no_nested_brackets(store_frames, country):
    _p, _view, text = run(store_frames, "profile", {"country": country})
    assert not nested_brackets(text), text


def test_gap_blocs_sentence_has_a_verb_and_every_share(store_frames):
    p, view, text = run(store_frames, "gap", {"table": "blocs"})
    t = view.table.dropna(subset=["share"])
    last = t[t["year"] == t["year"].max()]
    first = last.iloc[0]
    assert text.startswith(f"In {int(t['year'].max())} the {first['bloc']} held ")
    assert all(shows(text, share) for share in last["share"])
    assert "the rest of the world" in text


def test_index_with_every_pillar_required_says_all(store_frames):
    p, view, text = run(store_frames, "index", {"min": "5"})
    assert p.spec.min_pillars == len(p.spec.pillars()) == 5
    assert "with data on all 5 pillars" in text and "at least" not in text


@pytest.mark.parametrize("query", [{"table": "robustness"}, {"table": "robustness", "preset": "capacity"}])
def test_robustness_sentence_counts_stable_ranks_and_names_the_widest(store_frames, query):
    p, view, text = run(store_frames, "index", query)
    t = view.table
    assert f"{int(t['robust'].sum())} of the top {len(t)} countries" in text
    width = t["rank_p95"].apply(math.ceil) - t["rank_p5"].apply(math.floor)
    widest = t[width == width.max()]
    assert all(name in text.split("The widest")[1] for name in widest["name"]), text
    lo, hi = math.floor(widest["rank_p5"].iloc[0]), math.ceil(widest["rank_p95"].iloc[0])
    assert shows(text, lo) and shows(text, hi)


@pytest.mark.parametrize("query", [{"table": "pairs"}, {"table": "pairs", "preset": "imf"}])
def test_pairs_sentence_is_each_published_index_rank_correlation(store_frames, query):
    p, view, text = run(store_frames, "index", query)
    groups = list(view.table.groupby("index_name"))
    assert len(groups) >= 2
    for name, rows in groups:
        rho = spearmanr(rows["our_rank"], rows["their_rank"]).statistic
        part = text.split(f"with the {name}")[0].rsplit(":", 1)[-1].rsplit(";", 1)[-1].rsplit(" and ", 1)[-1]
        assert shows(part, rho), (name, rho, text)
        assert f"{name} ({rows['edition'].iloc[0]}, {len(rows)} countries)" in text


@pytest.mark.parametrize("query", [{}, {"indicator": "internet_users_pct"}, {"indicator": "imf_aipi"}])
def test_coverage_sentence_counts_countries_years_and_the_latest_whole_year(store_frames, query):
    p, view, text = run(store_frames, "data", {"table": "coverage", **query})
    years = view.meta["years"]
    assert text.startswith(f"{view.meta['countries']} countr")
    assert str(years[0]) in text and str(years[-1]) in text
    t = view.table
    full = int((t["years_with_data"] == len(years)).sum())
    assert f"{full} of them ha" in text
    obs = store_frames.obs(p.indicator)
    partial = sorted(set(obs["year"]) - set(summaries.complete_periods(obs)["year"]))
    whole = max(y for y in years if y not in partial and (t[str(y)] > 0).any())
    count = int((t[str(whole)] > 0).sum())
    assert re.search(rf"The latest whole year is {whole}, with data for {count}( of the {len(t)} countries drawn|"
                     rf" countr)", text), text
    assert ("known only to date" in text) == bool(partial)


def test_a_table_without_a_summary_is_refused(store_frames):
    table, p = parse("index", {"table": "weights"}, store_frames)
    with pytest.raises(LookupError, match="no summary for index/weights"):
        summaries.describe("index", "weights", p, compute("index", table, p, store_frames), store_frames)


def test_numbers_read_back_as_written():
    """The parser the tests use reads the formatter's forms (guards the tests themselves)."""
    got = numbers("73%, 6.9%, 202,518 and 1.23 billion; −0.57")
    want = [(73.0, 0.5), (6.9, 0.05), (202518.0, 0.5), (1.23e9, 0.005e9), (-0.57, 0.005)]
    assert [v for v, _ in got] == [v for v, _ in want]
    assert [t for _, t in got] == pytest.approx([t for _, t in want])
