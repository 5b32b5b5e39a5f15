"""Overview page in headless Chromium: loads cleanly, controls change the figures, the URL reproduces the view,
the CSV download is what the store returns."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from aigap.analysis.measures import value_for_year
from browser_helpers import choose_option, wait_for_change, wait_for_graph
from aigap.store import Store

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[1] / "screenshots"


def test_overview_map_matches_store_and_url_reproduces_view(page, live_server, store_db, console_errors):
    page.goto(f"{live_server}/?indicator=top500_rmax&year=2024&mode=absolute&lag=0")
    fig = wait_for_graph(page, "ov-map")
    store = Store(store_db)
    expected = value_for_year(store.observations("top500_rmax", year_to=2024), 2024)
    got = dict(zip(fig["data"][0]["locations"], fig["data"][0]["customdata"]))  # z is the colour scale's
    assert got == dict(zip(expected["iso3"], expected["value"]))
    assert "2024-11" in page.inner_text("#ov-note")  # the period a yearly view uses is stated
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.screenshot(path=str(SHOTS / "overview.png"), full_page=True)
    assert console_errors == []


def test_changing_the_indicator_changes_the_map_and_the_url(page, live_server, console_errors):
    page.goto(f"{live_server}/?indicator=top500_rmax&year=2024")
    before = wait_for_graph(page, "ov-map")
    choose_option(page, "ov-indicator", "AI diffusion")
    page.wait_for_function("() => window.location.search.includes('ai_diffusion')", timeout=30000)
    after = wait_for_change(page, "ov-map", before, timeout=30000)
    url = page.url
    # A new browser page opened on that URL shows the same figure.
    other = page.context.new_page()
    other.goto(url)
    again = wait_for_graph(other, "ov-map")
    assert again["data"][0]["z"] == after["data"][0]["z"]
    assert again["data"][0]["locations"] == after["data"][0]["locations"]
    assert console_errors == []


def test_per_capita_mode_and_csv_download(page, live_server, store_db, console_errors):
    page.goto(f"{live_server}/?indicator=ai_vc_investment&year=2024&mode=per_capita&lag=0")
    fig = wait_for_graph(page, "ov-map")
    with page.expect_download() as info:
        page.click("#ov-download-btn")
    text = Path(info.value.path()).read_text()
    rows = list(csv.DictReader(io.StringIO(text)))
    store = Store(store_db)
    obs = value_for_year(store.observations("ai_vc_investment", year_to=2024), 2024)
    pop = value_for_year(store.observations("population", year_to=2024), 2024, max_lag=5).set_index("iso3")["value"]
    assert {r["iso3"] for r in rows} == set(fig["data"][0]["locations"])
    # The button is the page's /download URL: the same bytes as asking for it directly with the page's query.
    direct = page.request.get(f"{live_server}/download/overview.csv" + page.evaluate("window.location.search"))
    assert direct.ok and direct.text() == text
    for row in rows:
        assert float(row["value"]) == obs.set_index("iso3").loc[row["iso3"], "value"]
        assert float(row["display"]) == pytest.approx(float(row["value"]) / (pop[row["iso3"]] / 1e6), rel=1e-12)
    assert console_errors == []


def test_opens_on_the_latest_complete_year_with_a_map_that_tells_the_rest_apart(page, live_server, store_db,
                                                                               console_errors):
    """Defect: the Overview opened on a year to date (2026) while its cards used 2025, and its map of a skewed
    total was one colour for every country but the US."""
    page.goto(live_server)
    wait_for_graph(page, "ov-map")
    page.wait_for_function("() => window.location.search.includes('year=')", timeout=30000)
    obs = Store(store_db).observations("ai_vc_investment")
    ytd = obs["note"].fillna("").str.startswith("year to date")
    assert "indicator=ai_vc_investment" in page.url and obs.loc[ytd, "year"].max() > obs.loc[~ytd, "year"].max()
    complete = int(obs.loc[~ytd, "year"].max())
    assert f"year={complete}" in page.url
    assert f"Venture-capital investment in AI start-ups, {complete}" in page.inner_text("#ov-headlines")
    trace = page.evaluate("() => { const t = document.querySelector('#ov-map .js-plotly-plot')._fullData[0];"
                          " return {z: Array.from(t.z), loc: Array.from(t.locations), title: t.colorbar.title.text,"
                          " ticks: Array.from(t.colorbar.ticktext || [])}; }")
    rest = [z for z, iso in zip(trace["z"], trace["loc"]) if iso != "USA"]
    assert len(set(rest)) >= 3  # the countries after the leader get several colours, not one
    assert "bins" in trace["title"] or "log scale" in trace["title"]
    # Switching to an indicator and year of data in full, then back: a year to date is not picked for the reader.
    choose_option(page, "ov-indicator", "AI diffusion")
    page.wait_for_function("() => window.location.search.includes('ai_diffusion')", timeout=30000)
    latest = max(Store(store_db).observations("ai_diffusion")["year"])
    assert latest > complete  # a year the VC series only has to date
    choose_option(page, "ov-year", str(latest))
    page.wait_for_function(f"() => window.location.search.includes('year={latest}')", timeout=30000)
    choose_option(page, "ov-indicator", "Venture-capital investment")
    page.wait_for_function("() => window.location.search.includes('ai_vc_investment')", timeout=30000)
    assert f"year={complete}" in page.evaluate("window.location.search")
    assert console_errors == []


def test_disabled_modes_for_scores_and_empty_state(page, live_server, console_errors):
    page.goto(f"{live_server}/?indicator=imf_aipi&year=2023&mode=per_capita")
    wait_for_graph(page, "ov-map")
    assert "mode=absolute" in page.url  # per capita of an index score is refused
    assert page.is_disabled("#ov-mode input[value=per_capita]")
    assert console_errors == []


def test_shares_on_the_map_sum_to_100(page, live_server, console_errors):
    """Defect: shares were taken per picked period (Brazil 40%, TOP500 shares summing to 200% in 2017)."""
    page.goto(f"{live_server}/?indicator=top500_systems&year=2017&mode=share_world&lag=0")
    fig = wait_for_graph(page, "ov-map")
    assert sum(fig["data"][0]["customdata"]) == pytest.approx(100)
    assert "BRA" not in fig["data"][0]["locations"]  # on the June list only: no value for the year
    assert "2017-11" in page.inner_text("#ov-note")
    assert console_errors == []
