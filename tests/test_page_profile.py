"""Country profile page in headless Chromium: loads cleanly, shows what the store says, the country dropdown
changes the table and the URL, the URL reproduces the view, the CSV download is /download/profile.csv, the
view's table."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import dash
import pytest

from aigap import export
from aigap.analysis.measures import latest_per_year, rank
from aigap.analysis.views import base, profile as pv
from aigap.store import Store
from browser_helpers import choose_option, wait_for_graph

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[1] / "screenshots"
ROW = "#prof-row-{}"


def expected_latest(store: Store, indicator_id: str, iso3: str) -> dict:
    """The country's latest yearly value (one period per year) and its rank among the countries with a value
    that year, from the store."""
    yearly = latest_per_year(store.observations(indicator_id))
    year = int(yearly.loc[yearly["iso3"] == iso3, "year"].max())
    higher_is_better = bool(store.indicator(indicator_id)["higher_is_better"])
    ranked = rank(yearly[yearly["year"] == year], higher_is_better=higher_is_better)
    me = ranked.set_index("iso3").loc[iso3]
    return {"year": year, "value": float(me["value"]), "rank": int(me["rank"]), "of": int(me["of"]),
            "period": me["period"]}


def row_state(page) -> dict:
    """indicator_id -> (data-value, data-rank, visible text) of every row of the table."""
    return page.evaluate(
        "() => Object.fromEntries(Array.from(document.querySelectorAll('tr[id^=prof-row-]')).map(r =>"
        " [r.id.slice(9), [r.dataset.value, r.dataset.rank, r.innerText]]))")


def open_profile(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(ROW.format("top500_rmax"), timeout=30000)


def test_profile_shows_store_values_ranks_and_missing_data(page, live_server, store_db, console_errors):
    page.set_viewport_size({"width": 1366, "height": 768})
    open_profile(page, f"{live_server}/profile?country=BRA")
    assert page.title() == "Country profile · aigap"
    assert page.inner_text("#prof-title") == "Country profile: Brazil"
    store = Store(store_db)
    for ind_id in ("top500_rmax", "ai_vc_investment"):
        want = expected_latest(store, ind_id, "BRA")
        row = page.locator(ROW.format(ind_id))
        assert float(row.get_attribute("data-value")) == want["value"]
        assert row.get_attribute("data-rank") == str(want["rank"])
        text = row.inner_text()
        assert f"{want['rank']} of the {want['of']} with data" in text
        assert want["period"] in text
    # ai_vc_investment's latest year is year to date: flagged on screen, and its rank says the period is partial
    vc = page.inner_text(ROW.format("ai_vc_investment"))
    assert "⚑ year to date" in vc and "a partial period" in vc
    # a score's rank counts the countries with a score
    aipi = store.observations("imf_aipi")
    assert f"of the {aipi['value'].notna().sum()} with a score" in page.inner_text(ROW.format("imf_aipi"))
    # an indicator Brazil has no data for says which year other countries have
    models = store.observations("notable_ai_models")
    latest = int(models["year"].max())
    assert "BRA" not in set(models["iso3"])
    assert (f"no data for Brazil; {int((models['year'] == latest).sum())} countries have {latest} data"
            in page.inner_text(ROW.format("notable_ai_models")))
    # not rankable indicators say so
    assert "not ranked" in page.inner_text(ROW.format("cloud_regions_announced"))
    # the sparkline is Brazil's yearly series (one TOP500 list a year), gaps left as gaps
    spark = wait_for_graph(page, "prof-spark-top500_rmax")
    yearly = latest_per_year(store.observations("top500_rmax"))
    yearly = yearly[yearly["iso3"] == "BRA"]
    got = {int(x): y for x, y in zip(spark["data"][0]["x"], spark["data"][0]["y"]) if y is not None}
    assert got == dict(zip(yearly["year"].astype(int), yearly["value"]))
    page.wait_for_timeout(300)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "profile.png"), full_page=True)
    assert console_errors == []


def test_country_dropdown_changes_table_and_url_and_url_reproduces_view(page, live_server, store_db,
                                                                       console_errors):
    open_profile(page, f"{live_server}/profile?country=BRA")
    before = row_state(page)
    choose_option(page, "prof-country", "India (IND")  # Dash 4's dropdown searches in a popover
    page.wait_for_function("() => window.location.search.includes('country=IND')", timeout=30000)
    page.wait_for_function("() => document.querySelector('#prof-title').innerText.endsWith('India')",
                           timeout=30000)
    page.wait_for_function("v => { const r = document.querySelector('#prof-row-top500_rmax');"
                           " return r && r.dataset.value !== v; }", arg=before["top500_rmax"][0], timeout=30000)
    after = row_state(page)
    assert after != before
    want = expected_latest(Store(store_db), "top500_rmax", "IND")
    assert float(after["top500_rmax"][0]) == want["value"]
    assert after["top500_rmax"][1] == str(want["rank"])
    url = page.url
    assert "country=IND" in url
    other = page.context.new_page()
    open_profile(other, url)
    other.wait_for_function("() => document.querySelector('#prof-title').innerText.endsWith('India')")
    assert row_state(other) == after
    assert console_errors == []


def test_peer_column_sparklines_and_csv_download(page, live_server, store_db, console_errors):
    open_profile(page, f"{live_server}/profile?country=BRA&peer=ZAF")
    assert "South Africa" in page.inner_text("#prof-table thead")
    spark = wait_for_graph(page, "prof-spark-top500_rmax")
    assert len(spark["data"]) == 2  # Brazil's line and South Africa's
    store = Store(store_db)
    frames = base.Frames(store.indicators(), store.countries(), store.groups(), store.group_members(),
                         store.observations)
    params = pv.Params("BRA", "ZAF")
    downloaded = {}
    for button, query, table in (("#prof-download-btn", "country=BRA&peer=ZAF", "profile"),
                                 ("#prof-series-download-btn", "country=BRA&peer=ZAF&table=series", "series")):
        assert page.get_attribute(button, "href") == f"/download/profile.csv?{query}"
        with page.expect_download() as info:
            page.click(button)
        assert info.value.suggested_filename == f"aigap_profile_{table}_BRA_ZAF.csv"
        text = downloaded[table] = Path(info.value.path()).read_text()
        assert text == page.request.get(f"{live_server}/download/profile.csv?{query}").text()
        assert text == export.to_csv(pv.TABLES[table](params, frames).table)  # the view's table, computed here
    rows = list(csv.DictReader(io.StringIO(downloaded["profile"])))
    assert [r["indicator_id"] for r in rows] == [r.split("prof-row-")[1] for r in page.eval_on_selector_all(
        "tr[id^=prof-row-]", "rows => rows.map(r => r.id)")]  # one row per row on screen, in its order
    assert {r["indicator_id"] for r in rows} == set(store.indicators()["indicator_id"])
    # the same numbers as on screen, and as the store gives them
    shown = row_state(page)
    vc = next(r for r in rows if r["indicator_id"] == "ai_vc_investment")
    assert float(vc["value"]) == float(shown["ai_vc_investment"][0]) == expected_latest(
        store, "ai_vc_investment", "BRA")["value"]
    assert vc["rank"] == shown["ai_vc_investment"][1]
    assert vc["note"].startswith("year to date") and vc["partial"] == "True"
    assert console_errors == []


def test_an_unknown_country_in_the_link_is_said(page, live_server, console_errors):
    open_profile(page, f"{live_server}/profile?country=XXX")
    assert page.inner_text("#prof-notice") == "No country 'XXX'; showing Brazil."
    assert page.inner_text("#prof-title") == "Country profile: Brazil"
    choose_option(page, "prof-country", "India (IND")  # another pick: the notice goes
    page.wait_for_function("() => document.querySelector('#prof-title').innerText.endsWith('India')",
                           timeout=30000)
    assert page.inner_text("#prof-notice") == ""
    assert console_errors == []


def find(component, component_id):
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, (str, int, float)):
            hit = find(child, component_id)
            if hit is not None:
                return hit
    return None


def test_bad_query_values_fall_back_and_a_country_is_not_compared_with_itself(dash_app):
    """Layout and callback called directly (speed is measured by benchmarks/dashboard.py, not asserted here)."""
    from aigap.app.pages import profile

    view = profile.layout(country="nowhere", peer="bra")
    assert find(view, "prof-country").value == "BRA"
    assert find(view, "prof-peer").value is None  # same as the country: no comparison
    assert find(view, "prof-notice").children.children == "No country 'nowhere'; showing Brazil."
    assert find(view, "prof-download-btn").href == "/download/profile.csv?country=BRA"
    view = profile.layout(country="ind", peer="ZAF")
    assert (find(view, "prof-country").value, find(view, "prof-peer").value) == ("IND", "ZAF")
    assert find(view, "prof-notice").children is None
    title, notice, _summary, _table, href, series_href, brief, _about, search, peer = profile.update("BRA", "BRA")
    assert (title, notice, search, peer) == ("Country profile: Brazil", None, "?country=BRA", None)
    assert brief == "/brief/BRA"
    assert href == "/download/profile.csv?country=BRA"
    assert series_href == "/download/profile.csv?country=BRA&table=series"
    title, notice, _summary, _table, href, _series_href, brief, _about, search, peer = profile.update("IND", "ZAF")
    assert brief == "/brief/IND"
    assert (title, search, peer) == ("Country profile: India", "?country=IND&peer=ZAF", dash.no_update)
    assert href == "/download/profile.csv?country=IND&peer=ZAF"
