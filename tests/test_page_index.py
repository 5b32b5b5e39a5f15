"""Index page in headless Chromium: the ranking, map, robustness chart and "not enough data" list shown are the
Index view's tables for the URL's specification, the CSV link gives /download/index.csv for that URL, presets switch
the whole specification, a weight change changes ranking and URL, and the shared link reproduces the ranking."""

from __future__ import annotations

import io
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import pytest

from aigap.analysis import presets as P
from aigap.analysis.views import Query, base
from aigap.analysis.views import index as V
from aigap.store import Store
from browser_helpers import figure, wait_for_graph

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[1] / "screenshots"
ROWS_JS = """() => Array.from(document.querySelectorAll('#ix-ranking tbody tr')).map(tr =>
  [tr.dataset.iso3, ...Array.from(tr.querySelectorAll('td')).map(td => td.innerText.trim())])"""
WEIGHT_BOX = """[id='{"pillar":"inv","type":"ix-pw"}']"""


@pytest.fixture(scope="module")
def frames(store_db):
    store = Store(store_db)
    return base.Frames(store.indicators(), store.countries(), store.groups(), store.group_members(),
                       store.observations)


def params_of(url: str, frames) -> V.Params:
    return V.parse(Query(dict(parse_qsl(urlsplit(url).query)), strict=False), frames)


def shown_ranking(page) -> dict[str, tuple[int, str]]:
    return {row[0]: (int(row[1]), row[3]) for row in page.evaluate(ROWS_JS)}


def assert_ranking_matches(page, frames) -> V.Params:
    """The table on screen is the ranking view's scored rows for the page's URL."""
    p = params_of(page.url, frames)
    view = V.ranking_table(p, frames)
    scored = view.table.head(view.meta["scored"])
    d = view.meta["decimals"]
    assert shown_ranking(page) == {iso: (int(r), f"{s:.{d}f}")
                                   for iso, r, s in zip(scored["iso3"], scored["rank"], scored["score"])}
    return p


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


def check_robustness_chart(page, frames) -> None:
    """The error bars are the robustness view's 5th-95th percentile ranks around the median, for the top 40."""
    fig = figure(page, "ix-robust")
    view = V.robustness_table(params_of(page.url, frames), frames)
    bars = [t for t in fig["data"] if t.get("error_x") and t["error_x"].get("visible")]
    assert bars, "no error bars"
    by_name = view.table.set_index("name")
    shown = 0
    for trace in bars:
        plus, minus = list(trace["error_x"]["array"]), list(trace["error_x"]["arrayminus"])
        assert len(plus) == len(minus) == len(trace["y"]) > 0
        for name, x, hi, lo in zip(trace["y"], trace["x"], plus, minus):
            r = by_name.loc[name]
            assert x == pytest.approx(r["median_rank"])
            assert x + hi == pytest.approx(r["rank_p95"]) and x - lo == pytest.approx(r["rank_p5"])
            shown += 1
    assert shown == len(view.table) == 40
    name, span = view.meta["fragile"][0]
    assert f"{name} ranks {span} depending on weights and normalisation" in page.inner_text("#ix-robust-words")


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url) as response:
        return response.read()


def test_default_view_robustness_missing_list_download_and_presets(page, live_server, frames, console_errors):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server}/index")
    wait_for_ranking(page)
    wait_until(page, "() => window.location.search.includes('preset=equal')")
    p = assert_ranking_matches(page, frames)
    assert p.choice == P.canonical(P.PRESETS["equal"].choice)
    # the not-enough-data list: every country below the minimum with at least one pillar, with its count
    table = V.ranking_table(p, frames).table
    short = table[~table["enough_data"]]
    text = page.inner_text("#ix-missing-list")
    assert f"Not enough data ({len(short)} countries)" in text
    for name in short["name"].head(10):
        assert name in text
    # the map: scored countries coloured, the others grey
    fig = figure(page, "ix-map")
    assert set(fig["data"][0]["locations"]) == set(table.loc[table["enough_data"], "iso3"])
    assert set(fig["data"][1]["locations"]) == set(short["iso3"])
    check_robustness_chart(page, frames)
    # the choices in words (the models inputs said), and the link that reproduces them
    summary = page.inner_text("#ix-summary")
    assert "Equal pillars" in summary and "Investment — weight 1 (20%)" in summary
    assert "Notable AI models: the sum of" in summary
    assert page.get_attribute("#ix-link", "href").endswith(p.search)
    assert page.input_value("#ix-link-text").endswith(p.search)
    # the CSV link is /download/index.csv for this URL: the ranking view's table, scored and not-enough-data rows
    href = page.get_attribute("#ix-download-btn", "href")
    assert href == f"/download/index.csv{p.search}&table=ranking"
    with page.expect_download() as info:
        page.click("#ix-download-btn")
    body = Path(info.value.path()).read_bytes()
    assert body == fetch(f"{live_server}{href}")
    got = pd.read_csv(io.BytesIO(body), keep_default_na=False, na_values=[""]).set_index("iso3")
    assert list(got.index) == list(table["iso3"])
    want = table.set_index("iso3")
    assert (got["rank"].dropna() == want["rank"].dropna().astype(int)).all()
    assert got["score"].to_numpy() == pytest.approx(want["score"].to_numpy(dtype=float), rel=1e-9, nan_ok=True)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "index.png"), full_page=True)
    # a preset switches the whole specification; the IMF structure ranks like the IMF AIPI
    page.click("#ix-preset")
    page.click('text="IMF AIPI structure"')
    wait_until(page, "() => window.location.search.includes('preset=imf')")
    wait_until(page, "() => document.querySelector('#ix-summary').innerText.includes('IMF AIPI structure')")
    assert_ranking_matches(page, frames)
    assert page.get_attribute("#ix-download-btn", "href").startswith("/download/index.csv?preset=imf&")
    rho = float(page.inner_text("#ix-compare-rows tr[data-indicator=imf_aipi] td:last-child"))
    assert rho > 0.9
    assert page.is_checked("""[id='{"ind":"imf_aipi_innovation","type":"ix-use"}']""")
    assert not page.is_checked("""[id='{"ind":"ai_vc_investment","type":"ix-use"}']""")
    assert console_errors == []


def test_weight_change_changes_ranking_and_url_and_the_link_reproduces_it(page, live_server, frames,
                                                                         console_errors):
    page.goto(f"{live_server}/index?preset=equal")
    wait_for_ranking(page)
    before = shown_ranking(page)
    before_json = page.evaluate(f"() => JSON.stringify(({ROWS_JS})())")
    page.fill(WEIGHT_BOX, "5")
    page.press(WEIGHT_BOX, "Enter")  # investment weight 1 -> 5, applied by Enter (the box keeps focus)
    wait_until(page, "() => window.location.search.includes('w=inv:5,')")
    wait_until(page, f"old => JSON.stringify(({ROWS_JS})()) !== old", before_json)
    assert "preset=custom" in page.url
    p = assert_ranking_matches(page, frames)
    assert p.spec.pillar_weights["investment"] == 5.0
    after = shown_ranking(page)
    assert after != before
    assert page.get_attribute("#ix-download-btn", "href") == f"/download/index.csv{p.search}&table=ranking"
    # the shared link, opened in a new page, reproduces the ranking and the controls
    link = page.get_attribute("#ix-link", "href")
    assert urlsplit(link).query == urlsplit(page.url).query
    other = page.context.new_page()
    other.goto(link)
    other.wait_for_selector("#ix-ranking tbody tr", timeout=30000)
    assert shown_ranking(other) == after
    assert other.input_value(WEIGHT_BOX) == "5"
    assert console_errors == []
