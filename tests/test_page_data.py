"""Data & sources page in headless Chromium: the grid holds exactly the store's rows for the URL's view, the
definition shows licence and source, the coverage matrix matches the store, the URL reproduces the view, and the
CSV links (/download/data.csv with the page's query string) hold exactly what the table and the matrix draw."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from aigap import export
from aigap.store import Store
from browser_helpers import wait_for_graph

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[1] / "screenshots"
GRID = "data-grid"
COVERAGE_LIMIT = 60  # countries the coverage matrix draws unless "all" is asked for

_ROWS_JS = """
([id, afterFilter]) => {
  const api = dash_ag_grid.getApi(id);
  const rows = [];
  if (afterFilter) { api.forEachNodeAfterFilterAndSort(n => rows.push(n.data)); }
  else { api.forEachNode(n => rows.push(n.data)); }
  return rows;
}
"""


def wait_for_rows(page, indicator: str, count: int, timeout: int = 20000) -> list[dict]:
    """Wait until the grid holds ``count`` rows of ``indicator``; return its row data (all rows, grid order)."""
    page.wait_for_function(
        """([id, ind, n]) => {
             let api;
             try { api = dash_ag_grid.getApi(id); } catch (e) { return false; }
             if (!api || api.isDestroyed()) return false;
             let total = 0, same = true;
             api.forEachNode(node => { total += 1; if (node.data.indicator_id !== ind) same = false; });
             return total === n && same;
           }""",
        arg=[GRID, indicator, count], timeout=timeout)
    return grid_rows(page)


def grid_rows(page, after_filter: bool = False) -> list[dict]:
    return page.evaluate(_ROWS_JS, [GRID, after_filter])


def as_records(frame) -> list[tuple]:
    return [(r.iso3, r.indicator_id, r.period, int(r.year), float(r.value), r.source_id, r.note or None)
            for r in frame.itertuples()]


def grid_records(rows: list[dict]) -> list[tuple]:
    return [(r["iso3"], r["indicator_id"], r["period"], int(r["year"]), float(r["value"]), r["source_id"],
             r["note"] or None) for r in rows]


def csv_records(text: str) -> list[tuple]:
    return [(r["iso3"], r["indicator_id"], r["period"], int(r["year"]), float(r["value"]), r["source_id"],
             r["note"] or None) for r in csv.DictReader(io.StringIO(text))]


def expected_coverage(obs, names: dict, limit: int | None) -> set[tuple[str, int]]:
    """(country name, year) cells with data among the countries the matrix draws (most years first)."""
    years = obs.groupby("iso3")["year"].apply(set)
    order = sorted(years.index, key=lambda iso: (-len(years[iso]), names.get(iso, iso)))
    drawn = order if limit is None else order[:limit]
    return {(names.get(iso, iso), int(y)) for iso in drawn for y in years[iso]}


def drawn_coverage(fig: dict) -> set[tuple[str, int]]:
    trace = fig["data"][0]
    return {(name, int(year)) for name, row in zip(trace["y"], trace["z"]) for year, v in zip(trace["x"], row)
            if v == 1}


def test_data_page_matches_store_definition_and_coverage(page, live_server, store_db, console_errors):
    store = Store(store_db)
    names = dict(zip(store.countries()["iso3"], store.countries()["name"]))
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server}/data?indicator=top500_rmax")
    expected = store.observations("top500_rmax")
    rows = wait_for_rows(page, "top500_rmax", len(expected))
    assert grid_records(rows) == as_records(expected)
    assert {r["country"] for r in rows} == {names[i] for i in expected["iso3"]}
    assert {r["unit"] for r in rows} == {store.indicator("top500_rmax")["unit"]}
    assert page.title() == "Data & sources · aigap"

    # The definition, near the top: licence, source link, series code, caveats, how to get the files.
    ind = store.indicator("top500_rmax")
    definition = page.inner_text("#data-definition")
    for text in (ind["name"], ind["licence"], ind["vintage"], ind["series_code"], ind["caveats"][0]):
        assert text in definition
    assert page.get_attribute("#data-source-url", "href") == ind["source_url"]
    assert "registration" in definition  # TOP500's manual download instruction
    assert page.locator("#data-definition").bounding_box()["y"] < 768  # visible without scrolling

    # Coverage: countries x years with data, the 60 countries with most years drawn and the rest named.
    fig = wait_for_graph(page, "data-coverage")
    assert drawn_coverage(fig) == expected_coverage(expected, names, COVERAGE_LIMIT)
    z_values = {v for row in fig["data"][0]["z"] for v in row}
    assert z_values <= {1, None}  # missing is blank, never zero
    assert "61 countries with data" in page.inner_text("#data-coverage-note")
    assert "Slovakia" in page.inner_text("#data-coverage-note")  # the one not drawn is named

    # Last ingest and the names excluded as non-countries (collapsible) are on the page.
    run = store.last_ingest()
    assert f"#{run['run_id']}" in page.inner_text("#data-ingest")
    assert f"{int(run['observations']):,}" in page.inner_text("#data-ingest")
    excluded = store.excluded_names()
    assert f"{len(excluded)} names" in page.inner_text("body")  # the collapsible list of every source

    SHOTS.mkdir(exist_ok=True)
    # AG Grid leaves grids below the fold blank in a full-page capture: capture through a viewport as tall as the
    # page (same 1366 px width, so the same layout), then return to 1366x768.
    height = page.evaluate("() => document.documentElement.scrollHeight")
    page.set_viewport_size({"width": 1366, "height": height})
    page.wait_for_selector("#data-catalogue .ag-row")
    first = store.indicators().sort_values(["pillar", "name"]).iloc[0]["indicator_id"]
    assert page.locator(f"#data-catalogue a[href='/data?indicator={first}']").count() == 1  # links to its page
    page.wait_for_timeout(300)
    page.screenshot(path=str(SHOTS / "data.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    assert console_errors == []


def test_changing_the_indicator_changes_table_definition_and_url(page, live_server, store_db, console_errors):
    store = Store(store_db)
    page.goto(f"{live_server}/data?indicator=top500_rmax&country=USA,CHN&from=2010&to=2024")
    before = store.observations("top500_rmax", ["USA", "CHN"], 2010, 2024)
    wait_for_rows(page, "top500_rmax", len(before))
    page.click("#data-indicator")
    page.fill("input.dash-dropdown-search", "IMF AI Preparedness")
    page.click(".dash-dropdown-content label:has-text('Readiness: IMF AI Preparedness Index')")
    page.wait_for_function("() => window.location.search.includes('indicator=imf_aipi')", timeout=15000)
    after = store.observations("imf_aipi", ["USA", "CHN"], 2010, 2024)
    assert len(after) > 0
    rows = wait_for_rows(page, "imf_aipi", len(after))
    assert grid_records(rows) == as_records(after)
    assert "IMF AI Preparedness Index" in page.inner_text("#data-definition")
    assert store.indicator("imf_aipi")["licence"] in page.inner_text("#data-definition")
    url = page.url
    assert "country=USA%2CCHN" in url and "from=2010" in url and "to=2024" in url
    assert page.get_attribute("#data-download-btn", "href") == \
        "/download/data.csv?indicator=imf_aipi&country=USA%2CCHN&from=2010&to=2024"
    # The IMF publishes group aggregates: shown in their own small table.
    assert "Advanced economies" in page.inner_text("#data-aggregates")
    # ... and names its files held that were excluded as non-countries (IMF groups), in a collapsible section.
    imf_excluded = store.excluded_names().query("file.str.startswith('imf_aipi/')")
    assert f"{len(imf_excluded)} names" in page.inner_text("#data-excluded-source")

    other = page.context.new_page()
    other.goto(url)
    again = wait_for_rows(other, "imf_aipi", len(after))
    assert again == rows
    assert "IMF AI Preparedness Index" in other.inner_text("#data-definition")
    assert console_errors == []


def test_csv_download_is_the_table_and_the_view(page, live_server, store_db, console_errors):
    store = Store(store_db)
    names = dict(zip(store.countries()["iso3"], store.countries()["name"]))
    page.goto(f"{live_server}/data?indicator=top500_rmax&country=USA,CHN,JPN&from=2010&to=2020")
    expected = store.observations("top500_rmax", ["USA", "CHN", "JPN"], 2010, 2020)
    rows = wait_for_rows(page, "top500_rmax", len(expected))

    # The CSV link is /download/data.csv with the page's own query string: the rows the table holds, every digit.
    href = page.get_attribute("#data-download-btn", "href")
    assert href == "/download/data.csv?indicator=top500_rmax&country=USA%2CCHN%2CJPN&from=2010&to=2020"
    with page.expect_download() as info:
        page.click("#data-download-btn")
    text = Path(info.value.path()).read_text(encoding="utf-8")
    assert text == page.request.get(live_server + href).text()
    assert text.splitlines()[0] == "iso3,country,indicator_id,period,year,value,unit,note,source_id"
    assert csv_records(text) == as_records(expected) == grid_records(rows)
    assert [r["country"] for r in csv.DictReader(io.StringIO(text))] == [names[i] for i in expected["iso3"]]

    # A column filter and a sort change what the table shows (and it says so); the CSV holds every row chosen above.
    page.evaluate("""id => { const api = dash_ag_grid.getApi(id);
        api.setFilterModel({iso3: {filterType: 'text', type: 'equals', filter: 'USA'}});
        api.applyColumnState({state: [{colId: 'value', sort: 'desc'}], defaultState: {sort: null}}); }""", GRID)
    page.wait_for_function("() => document.querySelector('#data-shown').innerText.includes('of them')")
    usa = expected[expected["iso3"] == "USA"].sort_values("value", ascending=False, kind="stable")
    assert grid_records(grid_rows(page, after_filter=True)) == as_records(usa)
    assert f"{len(usa):,} of them (the CSV holds all {len(expected):,})" in page.inner_text("#data-shown")
    assert page.get_attribute("#data-download-btn", "href") == href

    # The API link: the same rows exactly as the store returns them.
    response = page.request.get(live_server + page.get_attribute("#data-api-link", "href"))
    assert response.ok
    assert response.text() == export.to_csv(expected)

    # The coverage matrix follows the same view, and its CSV holds the matrix it draws (observations per cell).
    fig = wait_for_graph(page, "data-coverage")
    assert drawn_coverage(fig) == expected_coverage(expected, names, None)
    cov_href = page.get_attribute("#data-coverage-download-btn", "href")
    assert cov_href == href + "&table=coverage"
    matrix = list(csv.DictReader(io.StringIO(page.request.get(live_server + cov_href).text())))
    assert {(r["name"], int(y)) for r in matrix for y in r if y.isdigit() and int(r[y]) > 0} == drawn_coverage(fig)
    per_cell = expected.groupby(["iso3", "year"]).size()
    assert {(r["iso3"], int(y)): int(r[y]) for r in matrix for y in r if y.isdigit() and int(r[y])} == \
        {(iso, int(year)): int(n) for (iso, year), n in per_cell.items()}
    assert console_errors == []


def test_bad_url_values_fall_back_and_empty_view_says_so(page, live_server, store_db, console_errors):
    store = Store(store_db)
    page.goto(f"{live_server}/data?indicator=nope&country=XXX,bra&from=abc&to=1901")
    # Unknown indicator -> default; unknown code dropped; bad year dropped; 1901 kept (a valid year, no data).
    default = "ai_vc_investment"
    page.wait_for_function("() => window.location.search.includes('indicator=ai_vc_investment')", timeout=15000)
    assert "country=BRA" in page.url and "XXX" not in page.url and "from=" not in page.url
    assert "No country or group 'XXX'" in page.inner_text("main")  # the dropped code is named on the page
    assert "No data for" in page.inner_text("#data-count")
    assert store.observations(default, ["BRA"], None, 1901).empty
    assert console_errors == []
