"""Index page in headless Chromium: the ranking shown is index.build's for the URL's specification, the robustness
chart has index.robustness's error bars, the "not enough data" list is there, the CSV is the ranking, presets switch
the whole specification, a weight change changes ranking and URL, and the shared link reproduces the ranking."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import pytest

from aigap.analysis import index as ix
from aigap.analysis import presets as P
from aigap.store import Store
from browser_helpers import figure, wait_for_graph

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[1] / "screenshots"
ROWS_JS = """() => Array.from(document.querySelectorAll('#ix-ranking tbody tr')).map(tr =>
  [tr.dataset.iso3, ...Array.from(tr.querySelectorAll('td')).map(td => td.innerText.trim())])"""
WEIGHT_THUMB = """[id='{"pillar":"inv","type":"ix-pw"}'] [role=slider]"""


@pytest.fixture(scope="module")
def store_data(store_db):
    store = Store(store_db)
    indicators = store.indicators()
    ids = [*P.candidates(indicators).index, *P.DENOMINATORS, *P.COMPARISONS]
    obs = pd.concat([store.observations(i) for i in ids], ignore_index=True)
    years = list(range(2010, max(int(obs["year"].max()), P.DEFAULT_YEAR) + 1))
    names = dict(zip(store.countries()["iso3"], store.countries()["name"]))
    return {"obs": obs, "indicators": indicators, "years": years, "names": names,
            "population": obs[obs["indicator_id"] == "population"], "gdp": obs[obs["indicator_id"] == "gdp_usd"]}


def choice_of(url: str, d: dict) -> P.Choice:
    return P.decode(dict(parse_qsl(urlsplit(url).query)), d["indicators"], d["years"])


def expected_composite(url: str, d: dict) -> tuple[P.Choice, pd.DataFrame]:
    """index.build for the URL's specification, from the store's observations."""
    choice = choice_of(url, d)
    spec = choice.spec
    prepared = P.prepare_observations(d["obs"], spec, d["indicators"], d["population"], d["gdp"], choice.census_zero)
    return choice, ix.build(prepared, spec, d["indicators"], d["population"], d["gdp"])["composite"]


def shown_ranking(page) -> dict[str, tuple[int, str]]:
    return {row[0]: (int(row[1]), row[3]) for row in page.evaluate(ROWS_JS)}


def assert_ranking_matches(page, d: dict) -> P.Choice:
    choice, comp = expected_composite(page.url, d)
    scored = comp[comp["enough_data"]]
    expected = {iso: (int(r), f"{s:.2f}" if choice.spec.method == "zscore" else f"{s:.1f}")
                for iso, r, s in zip(scored.index, scored["rank"], scored["score"])}
    assert shown_ranking(page) == expected
    return choice


def wait_until(page, js: str, arg=None, timeout: float = 20.0) -> None:
    """Poll a predicate from Python (page.wait_for_function sometimes misses a pushState made by a callback)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(js, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {js[:80]}")
        page.wait_for_timeout(200)


def wait_for_ranking(page, timeout: int = 30000) -> None:
    page.wait_for_selector("#ix-ranking tbody tr", timeout=timeout)
    wait_for_graph(page, "ix-robust", timeout=timeout)


def check_robustness_chart(page, d: dict) -> None:
    """The error bars are index.robustness's 5th-95th percentile ranks around the median, for the top 40."""
    fig = figure(page, "ix-robust")
    choice = choice_of(page.url, d)
    robust = P.compute(d["obs"], choice.spec, d["indicators"], d["population"], d["gdp"],
                       choice.census_zero)["robustness"]
    bars = [t for t in fig["data"] if t.get("error_x") and t["error_x"].get("visible")]
    assert bars, "no error bars"
    by_name = {d["names"].get(i, i): r for i, r in robust.iterrows()}
    shown = 0
    for trace in bars:
        plus, minus = list(trace["error_x"]["array"]), list(trace["error_x"]["arrayminus"])
        assert len(plus) == len(minus) == len(trace["y"]) > 0
        for name, x, hi, lo in zip(trace["y"], trace["x"], plus, minus):
            r = by_name[name]
            assert x == pytest.approx(r["median_rank"])
            assert x + hi == pytest.approx(r["rank_p95"]) and x - lo == pytest.approx(r["rank_p5"])
            shown += 1
    assert shown == min(40, len(robust))
    fragile = P.fragile(robust, 40)
    words = page.inner_text("#ix-robust-words")
    first = fragile.index[0]
    assert (f"{d['names'][first]} ranks {P.rank_range(fragile.loc[first, 'rank_p5'], fragile.loc[first, 'rank_p95'])}"
            " depending on weights and normalisation") in words


def test_default_view_robustness_missing_list_download_and_presets(page, live_server, store_data, console_errors):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server}/index")
    wait_for_ranking(page)
    wait_until(page, "() => window.location.search.includes('preset=equal')")
    choice = assert_ranking_matches(page, store_data)
    assert choice == P.canonical(P.PRESETS["equal"].choice)
    # the not-enough-data list: every country below the minimum with at least one pillar, with its count
    _, comp = expected_composite(page.url, store_data)
    short = comp[~comp["enough_data"] & (comp["pillars_with_data"] > 0)]
    text = page.inner_text("#ix-missing-list")
    assert f"Not enough data ({len(short)} countries)" in text
    for iso in short.index[:10]:
        assert store_data["names"][iso] in text
    # the map: scored countries coloured, the others grey
    fig = figure(page, "ix-map")
    assert set(fig["data"][0]["locations"]) == set(comp.index[comp["enough_data"]])
    assert set(fig["data"][1]["locations"]) == set(short.index)
    check_robustness_chart(page, store_data)
    # the choices in words and the link that reproduces them
    summary = page.inner_text("#ix-summary")
    assert "Equal pillars" in summary and "Investment — weight 1 (20%)" in summary
    assert page.get_attribute("#ix-link", "href").endswith(P.search_string(choice))
    assert page.input_value("#ix-link-text").endswith(P.search_string(choice))
    # the CSV is the ranking (scored and not-enough-data countries)
    with page.expect_download() as info:
        page.click("#ix-download-btn")
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text())))
    got = {r["iso3"]: r for r in rows}
    assert set(got) == set(comp.index[comp["pillars_with_data"] > 0])
    for iso, r in comp[comp["enough_data"]].iterrows():
        assert int(got[iso]["rank"]) == r["rank"] and float(got[iso]["score"]) == pytest.approx(r["score"], rel=1e-9)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "index.png"), full_page=True)
    # a preset switches the whole specification; the IMF structure ranks like the IMF AIPI
    page.click("#ix-preset")
    page.click('text="IMF AIPI structure"')
    wait_until(page, "() => window.location.search.includes('preset=imf')")
    wait_until(page, "() => document.querySelector('#ix-summary').innerText.includes('IMF AIPI structure')")
    assert_ranking_matches(page, store_data)
    rho = float(page.inner_text("#ix-compare-rows tr[data-indicator=imf_aipi] td:last-child"))
    assert rho > 0.9
    assert page.is_checked("""[id='{"ind":"imf_aipi_innovation","type":"ix-use"}']""")
    assert not page.is_checked("""[id='{"ind":"ai_vc_investment","type":"ix-use"}']""")
    assert console_errors == []


def test_weight_change_changes_ranking_and_url_and_the_link_reproduces_it(page, live_server, store_data,
                                                                         console_errors):
    page.goto(f"{live_server}/index?preset=equal")
    wait_for_ranking(page)
    before = shown_ranking(page)
    before_json = page.evaluate(f"() => JSON.stringify(({ROWS_JS})())")
    page.focus(WEIGHT_THUMB)
    page.keyboard.press("End")  # investment weight 1 -> 5
    wait_until(page, "() => window.location.search.includes('w=inv:5,')")
    wait_until(page, f"old => JSON.stringify(({ROWS_JS})()) !== old", before_json)
    assert "preset=custom" in page.url
    choice = assert_ranking_matches(page, store_data)
    assert choice.spec.pillar_weights["investment"] == 5.0
    after = shown_ranking(page)
    assert after != before
    # the shared link, opened in a new page, reproduces the ranking and the controls
    link = page.get_attribute("#ix-link", "href")
    assert urlsplit(link).query == urlsplit(page.url).query
    other = page.context.new_page()
    other.goto(link)
    other.wait_for_selector("#ix-ranking tbody tr", timeout=30000)
    assert shown_ranking(other) == after
    assert other.input_value("""[id='{"pillar":"inv","type":"ix-pw"}'] input""") == "5"
    assert console_errors == []
