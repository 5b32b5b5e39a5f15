"""Compare page in headless Chromium: country lines are the store's yearly values, group lines are the
aggregates computed here from the store, controls change the figure and the URL, the URL reproduces the view,
the CSV is exactly the lines shown, and the page works at a phone width."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from aigap import export
from aigap.analysis.measures import normalise, value_for_year
from aigap.analysis.views import base, compare as cv
from aigap.analysis.views import parse as parse_view
from aigap.store import Store
from browser_helpers import choose_option, figure, wait_for_change, wait_for_graph

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[1] / "screenshots"
GRAPH = "cmp-graph"
VC = "ai_vc_investment"
DEFAULT_COUNTRIES = ["BRA", "IND", "ZAF", "IDN", "USA", "CHN"]
CSV_COLUMNS = ["series", "kind", "label", "year", "period", "value", "display", "members_with_data", "members",
               "source_id", "note"]


def lines(fig: dict) -> dict[str, dict[int, float]]:
    """{series id: {year: y}} of the drawn points (gaps left out); traces carry their series id in customdata."""
    out = {}
    for trace in fig["data"]:
        ids = trace.get("customdata")
        if not ids:
            continue  # the legend entry explaining the marker of noted values
        out[ids[0]] = {int(x): y for x, y in zip(trace["x"], trace["y"])
                       if y is not None and not (isinstance(y, float) and math.isnan(y))}
    return out


def hover(fig: dict, series: str, year: int) -> str:
    trace = next(t for t in fig["data"] if (t.get("customdata") or [None])[0] == series)
    return trace["text"][list(map(int, trace["x"])).index(year)]


def members(store: Store, group_id: str) -> dict[str, float]:
    """{iso3: year joined (nan when the group does not say)}."""
    frame = store.group_members(group_id)
    return {r.iso3: (float(r.since) if r.since is not None and r.since == r.since else math.nan)
            for r in frame.itertuples()}


def wait_for_url(page, fragment: str) -> None:
    page.wait_for_function("f => decodeURIComponent(window.location.search).includes(f)", arg=fragment,
                           timeout=15000)


def test_default_view_is_the_store_and_the_g7_sum(page, live_server, store_db, console_errors):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server}/compare")
    fig = wait_for_graph(page, GRAPH)
    wait_for_url(page, "countries=BRA,IND,ZAF,IDN,USA,CHN")
    assert all(p in page.url for p in ("indicator=ai_vc_investment", "groups=G7", "agg=sum", "mode=absolute"))
    store = Store(store_db)
    yearly = store.yearly(VC)
    shown = lines(fig)
    assert list(shown) == DEFAULT_COUNTRIES + ["G7"]
    for iso in DEFAULT_COUNTRIES:
        mine = yearly[yearly["iso3"] == iso]
        assert shown[iso] == dict(zip(mine["year"].astype(int), mine["value"])), iso
    g7 = yearly[yearly["iso3"].isin(members(store, "G7"))]
    expected = g7.groupby("year")["value"].sum()
    assert shown["G7"] == pytest.approx({int(y): v for y, v in expected.items()}, rel=1e-12)
    assert "7 of 7 members with data" in hover(fig, "G7", 2024)
    # Year-to-date values (2026) get their own marker symbol, and the note under the chart says why.
    symbols = page.evaluate("id => document.querySelector('#' + id + ' .js-plotly-plot')._fullData"
                            ".filter(t => t.customdata).map(t => [t.customdata[0], Array.from(t.x),"
                            " [].concat(t.marker.symbol)])", GRAPH)
    for series, xs, marks in symbols:
        by_year = dict(zip(map(int, xs), marks))
        assert by_year[2026] != by_year[2024], series
    note = page.inner_text("#cmp-note")
    assert "year to date" in note and "n of m members with data" in note
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "compare.png"), full_page=True)
    assert console_errors == []


def test_controls_change_the_figure_and_the_url_and_the_url_reproduces_it(page, live_server, store_db,
                                                                         console_errors):
    page.goto(f"{live_server}/compare?indicator={VC}&countries=BRA,IND,USA&groups=G7&agg=sum&from=2015&to=2025")
    before = wait_for_graph(page, GRAPH)
    # Per capita: each country's value over its population; the G7 sum is the members' total over their total.
    page.check("#cmp-mode input[value=per_capita]")
    wait_for_url(page, "mode=per_capita")
    fig = wait_for_change(page, GRAPH, before)
    store = Store(store_db)
    population = store.observations("population")
    yearly = store.yearly(VC, year_from=2015, year_to=2025)
    per_capita = normalise(yearly, "per_capita", population)
    shown = lines(fig)
    for iso in ("BRA", "IND", "USA"):
        mine = per_capita[per_capita["iso3"] == iso]
        assert shown[iso] == pytest.approx(dict(zip(mine["year"].astype(int), mine["display"])), rel=1e-12)
    g7 = yearly[yearly["iso3"].isin(members(store, "G7"))]
    for year, part in g7.groupby("year"):
        pop = value_for_year(population, int(year), max_lag=50).set_index("iso3")["value"]
        expected = part["value"].sum() / (pop.loc[list(part["iso3"])].sum() / 1e6)
        assert shown["G7"][int(year)] == pytest.approx(expected, rel=1e-9)
    # Adding a country adds its line and writes it to the URL.
    choose_option(page, "cmp-countries", "Kenya (KEN)")
    page.keyboard.press("Escape")
    wait_for_url(page, "countries=BRA,IND,USA,KEN")
    fig = wait_for_change(page, GRAPH, fig)
    assert "KEN" in lines(fig)
    # The log toggle sets the y axis to log (and says so in the URL).
    page.click("#cmp-log")
    wait_for_url(page, "log=1")
    page.wait_for_function("id => document.querySelector('#' + id + ' .js-plotly-plot').layout.yaxis.type"
                           " === 'log'", arg=GRAPH, timeout=15000)
    fig = figure(page, GRAPH)
    # The URL opened in a new page shows the same figure.
    other = page.context.new_page()
    other.goto(page.url)
    again = wait_for_graph(other, GRAPH)
    assert lines(again) == lines(fig)
    assert [t.get("name") for t in again["data"]] == [t.get("name") for t in fig["data"]]
    assert again["axes"]["ytype"] == "log"
    assert console_errors == []


def test_score_indicator_refuses_sums_and_per_capita_and_says_what_is_missing(page, live_server, store_db,
                                                                              console_errors):
    page.goto(f"{live_server}/compare?indicator={VC}&countries=BRA,TWN&groups=G7&agg=sum&mode=per_capita")
    before = wait_for_graph(page, GRAPH)
    # Switch to a score: no per capita, no sum (the median is the default for rates and scores).
    choose_option(page, "cmp-indicator", "Readiness: IMF AI Preparedness Index")
    wait_for_url(page, "indicator=imf_aipi")
    fig = wait_for_change(page, GRAPH, before)
    assert "mode=absolute" in page.url and "agg=median" in page.url
    assert page.is_disabled("#cmp-mode input[value=per_capita]")
    assert page.is_disabled("#cmp-agg input[value=sum]")
    store = Store(store_db)
    yearly = store.yearly("imf_aipi")
    g7 = yearly[yearly["iso3"].isin(members(store, "G7"))]
    assert lines(fig)["G7"] == pytest.approx({int(y): v for y, v in g7.groupby("year")["value"].median().items()})
    assert "No data for Taiwan on IMF AI Preparedness Index" in page.inner_text("#cmp-missing")
    # A URL asking for a sum or per capita of a score falls back; nothing to draw at all: the empty state says why.
    page.goto(f"{live_server}/compare?indicator=imf_aipi&countries=TWN&groups=none&agg=sum&mode=per_capita")
    page.wait_for_selector(f"#{GRAPH} .annotation-text", timeout=15000)
    assert "No data for Taiwan on IMF AI Preparedness Index" in page.text_content(f"#{GRAPH} .annotation-text")
    wait_for_url(page, "agg=median")
    assert "mode=absolute" in page.url
    assert console_errors == []


def test_csv_is_exactly_the_lines_shown_with_brics_by_join_year(page, live_server, store_db, console_errors):
    page.goto(f"{live_server}/compare?indicator={VC}&countries=BRA,USA&groups=BRICS&custom=KEN,NGA&agg=sum"
              "&mode=absolute&from=2015&to=2026")
    fig = wait_for_graph(page, GRAPH)
    wait_for_url(page, "from=2015")
    with page.expect_download() as info:
        page.click("#cmp-download-btn")
    text = Path(info.value.path()).read_text()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == CSV_COLUMNS
    # The link is /download with the page's own query: the same bytes as asking for it directly, and exactly the
    # view's table for the parameters in the page's URL.
    search = page.evaluate("window.location.search")
    direct = page.request.get(f"{live_server}/download/compare.csv{search}")
    assert direct.ok and direct.text() == text
    store = Store(store_db)
    frames = base.Frames(store.indicators(), store.countries(), store.groups(), store.group_members(),
                         store.observations)
    table_name, params = parse_view("compare", parse_qs(urlsplit(page.url).query), frames)
    assert text == export.to_csv(cv.TABLES[table_name](params, frames).table)
    csv_lines: dict[str, dict[int, float]] = {}
    for row in rows:
        csv_lines.setdefault(row["series"], {})[int(row["year"])] = float(row["display"])
    assert csv_lines == lines(fig)
    yearly = store.yearly(VC, year_from=2015, year_to=2026)
    for row in (r for r in rows if r["kind"] == "country"):
        stored = yearly[(yearly["iso3"] == row["series"]) & (yearly["year"] == int(row["year"]))].iloc[0]
        assert (float(row["value"]), row["period"], row["source_id"]) == (stored["value"], stored["period"],
                                                                          stored["source_id"])
        assert row["note"] == (stored["note"] if isinstance(stored["note"], str) else "")
    # BRICS: each year sums the members that had joined by then (Egypt, Ethiopia, Iran, UAE from 2024 ...).
    joined = members(store, "BRICS")
    brics = {int(r["year"]): r for r in rows if r["series"] == "BRICS"}
    for year, row in brics.items():
        had_joined = [iso for iso, since in joined.items() if not since > year]
        part = yearly[(yearly["year"] == year) & yearly["iso3"].isin(had_joined)]
        assert float(row["value"]) == pytest.approx(part["value"].sum(), rel=1e-12)
        assert int(row["members_with_data"]) == len(part)
        assert f"of {len(had_joined)} members with data" in hover(fig, "BRICS", year)
    assert "of 5 members" in hover(fig, "BRICS", 2023) and "of 10 members" in hover(fig, "BRICS", 2025)
    custom = {int(r["year"]): float(r["value"]) for r in rows if r["series"] == "CUSTOM"}
    expected = yearly[yearly["iso3"].isin(["KEN", "NGA"])].groupby("year")["value"].sum()
    assert custom == pytest.approx({int(y): v for y, v in expected.items()}, rel=1e-12)
    assert "year to date" in brics[2026]["note"]
    assert console_errors == []


def test_phone_width_keeps_the_graph_in_view(page, live_server, console_errors):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/compare")
    wait_for_graph(page, GRAPH)
    box = page.locator(f"#{GRAPH} .main-svg").first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 391 and box["width"] >= 300 and box["height"] >= 300
    assert page.evaluate("document.documentElement.scrollWidth") <= 392  # no sideways scrolling
    page.screenshot(path=str(SHOTS / "compare_phone.png"), full_page=True)
    assert console_errors == []


def test_unknown_codes_in_the_link_are_named(dash_app):
    """A code the link asked for that is no country or group is said on the page, not silently dropped."""
    from aigap.app.pages import compare as page_module

    with dash_app.server.test_request_context():
        text = str(page_module.layout(countries="BRA,QQQ,usa", groups="G7,NOPE").to_plotly_json())
        assert "No country or group 'QQQ', 'NOPE': left out" in text
        assert "No country or group" not in str(page_module.layout(countries="BRA,usa").to_plotly_json())
