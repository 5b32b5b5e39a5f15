"""Explorer page in headless Chromium: the scatter's points are what the store and the analysis functions give for
the view in the URL; the Y indicator, the year slider and the log toggles change the figure and the URL; the URL
reproduces the view in a new page; the year slider takes whole years; the CSV link serves exactly the points drawn,
the same bytes as /download/explorer.csv and the view's table."""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from aigap import export
from aigap.analysis.measures import normalise, value_for_year
from aigap.analysis.views import Query, base, explorer as ex
from aigap.store import Store
from browser_helpers import figure, wait_for_change, wait_for_graph

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[1] / "screenshots"
GRAPH = "exp-graph"


def expected_points(store: Store, x: str, y: str, year: int, lag: int, xmode: str = "absolute",
                    ymode: str = "absolute", logx: bool = False, logy: bool = False):
    """iso3 -> row with display_x, display_y (and the rest) for the view, computed from the store here."""
    population, gdp = store.observations("population"), store.observations("gdp_usd")

    def axis(ind, mode):
        current = value_for_year(store.observations(ind), year, max_lag=lag)
        return normalise(current, mode, population, gdp).dropna(subset=["display"])

    both = axis(x, xmode).merge(axis(y, ymode), on="iso3", suffixes=("_x", "_y"))
    if logx:
        both = both[both["display_x"] > 0]
    if logy:
        both = both[both["display_y"] > 0]
    return both.set_index("iso3")


def shown(fig: dict) -> dict:
    """iso3 -> (x, y) over every trace of the scatter."""
    return {iso: (x, y) for t in fig["data"] for iso, x, y in zip(t["customdata"], t["x"], t["y"])}


def assert_points(fig: dict, expected) -> None:
    got = shown(fig)
    assert set(got) == set(expected.index)
    for iso, (x, y) in got.items():
        assert x == pytest.approx(expected.loc[iso, "display_x"], rel=1e-12), iso
        assert y == pytest.approx(expected.loc[iso, "display_y"], rel=1e-12), iso


def view_of(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def choose(page, dropdown_id: str, search: str) -> None:
    """Pick an option of a Dash 4 dropdown through its search box."""
    page.click(f"#{dropdown_id}")
    page.fill(".dash-dropdown-content input.dash-dropdown-search", search)
    page.locator(".dash-dropdown-content .dash-dropdown-option", has_text=search).first.click()


def test_default_view_matches_store_with_labels_sizes_and_lag_note(page, live_server, store_db, console_errors):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server}/explorer")
    page.wait_for_function("() => window.location.search.includes('year=')", timeout=20000)
    fig = wait_for_graph(page, GRAPH)
    store = Store(store_db)
    y_default = "ai_diffusion" if store.indicator("ai_diffusion") else "internet_users_pct"
    view = view_of(page.url)
    common = sorted(set(store.years("gdp_per_capita_usd")) & set(store.years(y_default)))
    assert (view["x"], view["y"], int(view["year"])) == ("gdp_per_capita_usd", y_default, common[-1])
    assert view["lag"] == "3"  # rates and scores look back three years by default
    year = common[-1]
    expected = expected_points(store, "gdp_per_capita_usd", y_default, year, 3, logx=view["logx"] == "1")
    assert_points(fig, expected)
    assert fig["axes"]["xtype"] == ("log" if view["logx"] == "1" else "linear")
    assert "GDP per capita" in fig["axes"]["x"] and "current US$" in fig["axes"]["x"]  # titles carry units

    # The US and China are labelled; no one else is.
    labels = {iso: text for t in fig["data"] for iso, text in zip(t["customdata"], t["text"]) if text}
    assert labels == {"USA": "United States", "CHN": "China"}
    # Bubble diameter grows with the square root of population (area proportional to population).
    pop = value_for_year(store.observations("population"), year, max_lag=5).set_index("iso3")["value"]
    sizes = {iso: s for t in fig["data"] for iso, s in zip(t["customdata"], t["marker"]["size"])}
    for iso in ("USA", "CHN", "IND", "BRA"):
        if iso in sizes:
            assert sizes[iso] == pytest.approx(max(4.0, 60 * math.sqrt(pop[iso] / 1.5e9)))
    assert sizes["CHN"] / sizes["USA"] == pytest.approx(math.sqrt(pop["CHN"] / pop["USA"]))
    # Colour groups are World Bank regions by default.
    assert any(t["name"].startswith("North America") for t in fig["data"])

    note = page.inner_text("#exp-note")
    lagged_x = int((expected["lag_x"] > 0).sum())
    if lagged_x:
        verb = "has" if lagged_x == 1 else "have"
        assert f"{lagged_x} of {len(expected)} countries {verb} no {year} value" in note
    assert "Bubble area is proportional to population" in note
    assert note.count("Definition, caveats and data") == 2  # a source note for each indicator

    SHOTS.mkdir(exist_ok=True)
    page.wait_for_timeout(300)  # let the loading spinner go
    page.screenshot(path=str(SHOTS / "explorer.png"), full_page=True)
    assert console_errors == []


def test_changing_y_and_the_year_changes_figure_and_url_which_reproduces_the_view(page, live_server, store_db,
                                                                                  console_errors):
    store = Store(store_db)
    page.goto(f"{live_server}/explorer?x=gdp_per_capita_usd&y=internet_users_pct&year=2022&lag=0&logx=1")
    before = wait_for_graph(page, GRAPH)
    assert_points(before, expected_points(store, "gdp_per_capita_usd", "internet_users_pct", 2022, 0, logx=True))

    choose(page, "exp-y", "R&D expenditure")
    page.wait_for_function("() => window.location.search.includes('y=rd_expenditure_pct_gdp')", timeout=15000)
    after = wait_for_change(page, GRAPH, before)
    view = view_of(page.url)
    assert (view["year"], view["lag"]) == ("2022", "3")  # year kept; the new pair's default look-back
    assert_points(after, expected_points(store, "gdp_per_capita_usd", "rd_expenditure_pct_gdp", 2022, 3,
                                         logx=True))
    assert "R&D expenditure" in after["axes"]["y"]

    page.focus("#exp-year [role=slider]")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => window.location.search.includes('year=2021')", timeout=15000)
    earlier = wait_for_change(page, GRAPH, after)
    assert_points(earlier, expected_points(store, "gdp_per_capita_usd", "rd_expenditure_pct_gdp", 2021, 3,
                                           logx=True))
    assert page.get_attribute("#exp-year [role=slider]", "aria-valuenow") == "2021"

    # A new page opened on that URL shows the same figure.
    other = page.context.new_page()
    other.goto(page.url)
    again = wait_for_graph(other, GRAPH)
    assert again["data"] == earlier["data"]
    assert again["axes"] == earlier["axes"]
    assert view_of(other.url) == view_of(page.url)
    assert console_errors == []


def test_log_toggle_highlight_and_group_colours(page, live_server, store_db, console_errors):
    store = Store(store_db)
    page.goto(f"{live_server}/explorer?x=ai_vc_investment&xmode=per_capita&y=internet_users_pct&year=2024&lag=0"
              "&logx=0&logy=0&colour=g7_brics&highlight=BRA,IND")
    fig = wait_for_graph(page, GRAPH)
    assert fig["axes"]["xtype"] == "linear"
    assert_points(fig, expected_points(store, "ai_vc_investment", "internet_users_pct", 2024, 0,
                                       xmode="per_capita"))
    assert "per million people" in fig["axes"]["x"]
    labels = {iso for t in fig["data"] for iso, text in zip(t["customdata"], t["text"]) if text}
    assert labels == {"USA", "CHN", "BRA", "IND"} & set(shown(fig))
    groups = {t["name"].split(" (")[0]: set(t["customdata"]) for t in fig["data"]}
    assert list(groups)[-1] == "Other"
    assert {"BRA", "IND", "CHN"} <= groups["BRICS"] and "USA" in groups["G7"]

    page.click("#exp-logx")
    page.wait_for_function("() => window.location.search.includes('logx=1')", timeout=15000)
    page.wait_for_function("id => document.querySelector('#' + id + ' .js-plotly-plot').layout.xaxis.type === 'log'",
                           arg=GRAPH, timeout=15000)
    logged = figure(page, GRAPH)
    assert logged["axes"]["xtype"] == "log"
    # Zero investment cannot sit on a log axis: those countries leave the chart (and the note says so).
    assert_points(logged, expected_points(store, "ai_vc_investment", "internet_users_pct", 2024, 0,
                                          xmode="per_capita", logx=True))
    assert "cannot sit on a log axis" in page.inner_text("#exp-note")
    assert console_errors == []


def test_csv_download_is_exactly_the_points_shown(page, live_server, store_db, console_errors):
    store = Store(store_db)
    page.goto(f"{live_server}/explorer?x=top500_rmax&xmode=per_gdp&y=gdp_per_capita_usd&year=2024&lag=0"
              "&logx=1&logy=1&colour=income")
    fig = wait_for_graph(page, GRAPH)
    expected = expected_points(store, "top500_rmax", "gdp_per_capita_usd", 2024, 0, xmode="per_gdp",
                               logx=True, logy=True)
    assert_points(fig, expected)
    page.wait_for_function("() => window.location.search.includes('year=')", timeout=20000)
    search = urlparse(page.url).query
    href = page.get_attribute("#exp-download-btn", "href")
    assert href == f"/download/explorer.csv?{search}"  # the link carries the page's own view
    with page.expect_download() as info:
        page.click("#exp-download-btn")
    text = Path(info.value.path()).read_text()
    assert text == page.request.get(f"{live_server}{href}").text()
    frames = base.Frames(store.indicators(), store.countries(), store.groups(), store.group_members(),
                         store.observations)
    params = ex.parse(Query({k: v[0] for k, v in parse_qs(search).items()}), frames)
    assert text == export.to_csv(ex.points_table(params, frames).table)  # the view's table, byte for byte

    rows = list(csv.DictReader(io.StringIO(text)))
    assert {"iso3", "name", "year_x", "period_x", "value_x", "display_x", "year_y", "period_y", "value_y",
            "display_y", "population", "colour_group", "size"} <= set(rows[0])
    points = shown(fig)
    assert [r["iso3"] for r in rows] == sorted(points)
    group_of = {iso: t["name"].split(" (")[0] for t in fig["data"] for iso in t["customdata"]}
    size_of = {iso: s for t in fig["data"] for iso, s in zip(t["customdata"], t["marker"]["size"])}
    gdp = value_for_year(store.observations("gdp_usd"), 2024, max_lag=5).set_index("iso3")["value"]
    pop = value_for_year(store.observations("population"), 2024, max_lag=5).set_index("iso3")["value"]
    for row in rows:
        iso = row["iso3"]
        assert (float(row["display_x"]), float(row["display_y"])) == pytest.approx(points[iso], rel=1e-12)
        assert float(row["value_x"]) == expected.loc[iso, "value_x"]
        assert row["period_x"] == expected.loc[iso, "period_x"]  # the November list of 2024
        assert float(row["display_x"]) == pytest.approx(float(row["value_x"]) / (gdp[iso] / 1e9), rel=1e-12)
        assert float(row["value_y"]) == expected.loc[iso, "value_y"]
        assert (float(row["population"]) if row["population"] else None) == pop.get(iso)
        assert row["colour_group"] == group_of[iso]
        assert float(row["size"]) == pytest.approx(size_of[iso])
    assert console_errors == []


def test_year_slider_moves_in_whole_years(page, live_server, console_errors):
    """Defect: the slider (step=None) moved by 0.1 on a key press: the handle and its tooltip read 2023.8 while
    the chart showed another year."""
    page.goto(f"{live_server}/explorer?x=gdp_per_capita_usd&y=internet_users_pct&year=2010&lag=0")
    before = wait_for_graph(page, GRAPH)
    page.focus("#exp-year [role=slider]")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => window.location.search.includes('year=2008')", timeout=15000)
    before = wait_for_change(page, GRAPH, before)
    assert page.get_attribute("#exp-year [role=slider]", "aria-valuenow") == "2008"
    box = page.locator("#exp-year [data-orientation=horizontal]").first.bounding_box()
    page.mouse.click(box["x"] + 0.613 * box["width"], box["y"] + box["height"] / 2)  # between two marks
    page.wait_for_function("() => !window.location.search.includes('year=2008')", timeout=15000)
    wait_for_change(page, GRAPH, before)
    value = page.get_attribute("#exp-year [role=slider]", "aria-valuenow")
    assert re.fullmatch(r"\d{4}", value), value
    assert view_of(page.url)["year"] == value
    assert console_errors == []


def test_no_shared_year_is_an_empty_state_and_bad_parameters_fall_back(page, live_server, console_errors):
    page.goto(f"{live_server}/explorer?x=tortoise_gaii&y=ai_diffusion")
    page.wait_for_function("() => window.location.search.includes('x=tortoise_gaii')", timeout=20000)
    page.wait_for_selector(f"#{GRAPH} .annotation-text", timeout=15000)
    assert "no year in common" in page.inner_text(f"#{GRAPH}")
    assert "year=" not in page.url

    page.goto(f"{live_server}/explorer?x=nope&y=internet_users_pct&xmode=per_gdp&year=abc&lag=-4&colour=zzz"
              "&highlight=xx,bra&size=maybe")
    page.wait_for_function("() => window.location.search.includes('x=gdp_per_capita_usd')", timeout=20000)
    fig = wait_for_graph(page, GRAPH)
    view = view_of(page.url)
    assert "No country or group 'xx'" in page.inner_text("main")  # the dropped code is named on the page
    # Each bad value falls back to its default (two rates: three years of look-back).
    assert view["xmode"] == "absolute" and view["colour"] == "wb_region" and view["lag"] == "3"
    assert view["highlight"] == "BRA" and "Brazil" in page.inner_text("#exp-highlight")
    labels = {iso for t in fig["data"] for iso, text in zip(t["customdata"], t["text"]) if text}
    assert labels == {"USA", "CHN", "BRA"} & set(shown(fig))
    assert console_errors == []
