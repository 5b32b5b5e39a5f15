"""Gap page in headless Chromium: the gap lines, the catch-up table and the concentration chart show what the
analysis functions compute from the store; the reference is in the URL and the URL reproduces the view; the CSV
links download /download/gap.csv?<the page's query>&table=..., the table and series shown."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from aigap.analysis.gap import MIN_POINTS, catch_up, catch_up_text, gap_series
from aigap.analysis.measures import complete_periods, latest_per_year, top_shares
from aigap.store import Store
from browser_helpers import wait_for_change, wait_for_graph

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[1] / "screenshots"
VIEW = ("/gap?indicator=ai_vc_investment&ref=USA&countries=BRA,IND,ZAF,IDN&groups=none&measure=ratio"
        "&mode=absolute&from=2016&to=2025&conc=top500_rmax")

_TABLE_JS = """
() => Array.from(document.querySelectorAll('#gap-table tbody tr')).map(
  tr => ({series: tr.dataset.series, cells: Array.from(tr.querySelectorAll('td')).map(td => td.innerText.trim())}))
"""


def yearly(store: Store, indicator: str):
    """One value per country and year, complete periods only: what the page's lines and trends use."""
    return latest_per_year(complete_periods(store.observations(indicator)))


def series(frame, iso3: str):
    return frame[frame["iso3"] == iso3][["year", "value"]]


def download(page, button: str, table: str) -> list[dict]:
    """The CSV the link downloads; it is /download/gap.csv with the page's own query string and the table name."""
    href = page.get_attribute(button, "href")
    search = page.evaluate("() => window.location.search").lstrip("?")
    assert href == f"/download/gap.csv?{search}&table={table}"
    with page.expect_download() as info:
        page.click(button)
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text())))
    assert rows == list(csv.DictReader(io.StringIO(page.request.get(page.url.split("/gap")[0] + href).text())))
    return rows


def shown_table(page) -> dict[str, list[str]]:
    page.wait_for_selector("#gap-table tbody tr", timeout=20000)
    return {row["series"]: row["cells"] for row in page.evaluate(_TABLE_JS)}


def test_gap_lines_and_concentration_match_the_store(page, live_server, store_db, console_errors):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(live_server + VIEW)
    fig = wait_for_graph(page, "gap-graph")
    assert page.title() == "Gap to the leaders · aigap"
    assert fig["axes"]["ytype"] == "log"  # ratios on a log axis
    store = Store(store_db)
    frame = yearly(store, "ai_vc_investment")
    usa = series(frame, "USA")
    lines = {t["customdata"][0]: t for t in fig["data"] if t.get("customdata")}
    assert set(lines) == {"BRA", "IND", "ZAF", "IDN"}
    for iso, trace in lines.items():
        expected = gap_series(series(frame, iso), usa)
        expected = expected[expected["ratio"].notna()]
        got = {int(x): y for x, y in zip(trace["x"], trace["y"]) if y is not None}
        assert got.keys() == set(expected["year"].astype(int))
        for year, ratio in zip(expected["year"], expected["ratio"]):
            assert got[int(year)] == pytest.approx(ratio, rel=1e-12)
    assert 2026 not in {int(x) for t in lines.values() for x, y in zip(t["x"], t["y"]) if y is not None}
    assert "year to date" in page.inner_text("#gap-note")  # the left-out 2026 values are said to be left out

    # Concentration of TOP500 compute, every edition its own point: the 2025-06 top-2 share is the store's.
    conc = wait_for_graph(page, "gap-conc-graph")
    top2 = next(t for t in conc["data"] if t["name"] == "Top 2")
    shown = dict(zip(top2["x"], top2["y"]))
    edition = store.observations("top500_rmax")
    edition = edition[edition["period"] == "2025-06"]
    assert shown["2025-06"] == pytest.approx(top_shares(edition["value"], ks=(2,))["top2"], rel=1e-12)
    assert shown.get("2022-11") is None  # a missing edition is a gap, not a zero
    note = page.inner_text("#gap-conc-note")
    assert "stopped submitting" in note and "2022-11" in note
    bloc_note = page.inner_text("#gap-bloc-note")
    assert "BRICS as of each year" in bloc_note and "2025: +Indonesia" in bloc_note

    SHOTS.mkdir(exist_ok=True)
    page.wait_for_timeout(300)
    page.screenshot(path=str(SHOTS / "gap.png"), full_page=True)
    rows = download(page, "#gap-conc-download-btn", "concentration")  # the concentration series shown
    assert [r["period"] for r in rows] == top2["x"]  # a missing edition is a row without shares
    assert {r["period"]: float(r["top2"]) for r in rows if r["top2"]} == {
        x: y for x, y in shown.items() if y is not None}
    bloc_rows = download(page, "#gap-bloc-download-btn", "blocs")
    blocs = wait_for_graph(page, "gap-bloc-graph")
    brics = next(t for t in blocs["data"] if t["name"].startswith("BRICS"))
    assert [float(r["share"]) if r["share"] else None for r in bloc_rows if r["bloc"] == "BRICS"] == brics["y"]
    gap_rows = download(page, "#gap-download-btn", "gap")
    assert {(r["series"], int(r["year"])): float(r["ratio"]) for r in gap_rows if r["ratio"]} == {
        (iso, int(x)): y for iso, t in lines.items() for x, y in zip(t["x"], t["y"]) if y is not None}
    assert console_errors == []


def test_catch_up_table_matches_the_analysis_and_the_csv(page, live_server, store_db, console_errors):
    page.goto(f"{live_server}/gap?indicator=ai_vc_investment&ref=USA&countries=BRA,IND,IDN,URY&groups=none"
              "&measure=ratio&mode=absolute&from=2016&to=2025")
    trend = wait_for_graph(page, "gap-trend-graph")
    table = shown_table(page)
    store = Store(store_db)
    frame = yearly(store, "ai_vc_investment")
    usa = series(frame, "USA")
    results = {iso: catch_up(series(frame, iso), usa, 2016, 2025) for iso in ("BRA", "IND", "IDN", "URY")}
    assert set(table) == {*results, "reference"}
    for iso, result in results.items():
        label, _points, _cagr, _ref_cagr, status, years, crossing = table[iso]
        if result["status"] == "insufficient data":
            continue
        assert status == catch_up_text(result)
        if result["status"] == "converging":
            assert years == f"{result['years']:,.0f}" and crossing == f"{result['crossing_year']:.0f}"
        else:
            assert years == crossing == "—"
        assert _cagr.startswith(f"{100 * result['follower'].cagr:+.1f}%")
        assert _ref_cagr == f"{100 * result['reference'].cagr:+.1f}%"
    # Uruguay has three positive yearly values in 2016-2025: no trend is extrapolated.
    assert results["URY"]["status"] == "insufficient data"
    assert table["URY"][4] == "insufficient data: 3 positive yearly values in the window"
    assert table["URY"][5] == table["URY"][6] == "—"
    assert "if both keep their 2016–2025 trends" in " ".join(
        a["text"] for a in page.evaluate("() => document.querySelector('#gap-trend-graph .js-plotly-plot')"
                                         ".layout.annotations"))
    # Defect: dashed projections reached 10^16 US$; now no drawn line leaves the data's range by more than 10x.
    markers = [y for t in trend["data"] if t.get("customdata") for y in t["y"] if y]
    drawn = [y for t in trend["data"] for y in (t.get("y") or []) if y]
    assert max(drawn) <= 10 * max(markers) and min(drawn) >= min(markers) / 10

    # The CSV holds the table's rows, with the numbers behind the rounded cells.
    rows = download(page, "#gap-trend-download-btn", "trend")
    assert [r["series"] for r in rows] == list(table)
    for r in rows:
        cells = table[r["series"]]
        assert r["label"] == cells[0] and r["points"] == cells[1] and r["status_text"] == cells[4]
        if r["series"] == "reference":
            assert int(r["points"]) >= MIN_POINTS and float(r["cagr"]) == pytest.approx(
                results["BRA"]["reference"].cagr, rel=1e-9)
            continue
        result = results[r["series"]]
        if result["status"] == "converging":
            assert float(r["years_to_catch_up"]) == pytest.approx(result["years"], rel=1e-9)
            assert float(r["crossing_year"]) == pytest.approx(result["crossing_year"], rel=1e-12)
            assert cells[5] == f"{float(r['years_to_catch_up']):,.0f}"
        else:
            assert r["years_to_catch_up"] == "" and cells[5] == "—"
        if result["follower"] is not None:
            assert float(r["cagr"]) == pytest.approx(result["follower"].cagr, rel=1e-9)
            assert float(r["cagr_low"]) == pytest.approx(result["follower"].cagr_low, rel=1e-9)
            assert float(r["cagr_high"]) == pytest.approx(result["follower"].cagr_high, rel=1e-9)
    assert console_errors == []


def test_changing_the_reference_changes_the_figure_and_the_url(page, live_server, console_errors):
    page.goto(f"{live_server}/gap")  # the default view: BRA, IND, ZAF, IDN against the US on AI VC
    before = wait_for_graph(page, "gap-graph")
    page.wait_for_function("() => window.location.search.includes('ref=USA')", timeout=15000)
    assert {t["customdata"][0] for t in before["data"] if t.get("customdata")} == {"BRA", "IND", "ZAF", "IDN"}
    page.check("#gap-ref input[value=leader]")
    page.wait_for_function("() => window.location.search.includes('ref=leader')", timeout=15000)
    after = wait_for_change(page, "gap-graph", before)
    assert "leader" in after["title"]
    url = page.url
    # A new browser page opened on that URL shows the same figure and table.
    table = shown_table(page)
    other = page.context.new_page()
    other.goto(url)
    again = wait_for_graph(other, "gap-graph")
    assert [t["y"] for t in again["data"]] == [t["y"] for t in after["data"]]
    assert [t["x"] for t in again["data"]] == [t["x"] for t in after["data"]]
    assert shown_table(other) == table
    assert other.is_checked("#gap-ref input[value=leader]")
    assert console_errors == []


def test_bad_url_values_fall_back_to_defaults(dash_app):
    """The layout validates every URL value (no browser needed): unknown values give the defaults, never a crash."""
    from aigap.app.pages import gap as page_module

    def values(component, found=None):
        found = {} if found is None else found
        if getattr(component, "id", None) and hasattr(component, "value"):
            found[component.id] = component.value
        children = getattr(component, "children", None)
        for child in children if isinstance(children, (list, tuple)) else [children]:
            if hasattr(child, "to_plotly_json"):
                values(child, found)
        return found

    with dash_app.server.test_request_context():
        layout = page_module.layout(indicator="nope", ref="XX", countries="ZZZ,bra", groups="foo", measure="log",
                                    mode="per_gdp", conc="bad", **{"from": "abc", "to": "1800"})
        got = values(layout)
        assert "No country or group 'ZZZ', 'foo': left out" in str(layout.to_plotly_json())  # named, not dropped
        assert got["gap-indicator"] == "ai_vc_investment" and got["gap-ref"] == "USA"
        assert got["gap-countries"] == ["BRA"] and got["gap-groups"] == [] and got["gap-measure"] == "ratio"
        assert got["gap-mode"] == "per_gdp" and got["gap-conc"] == "ai_vc_investment"
        assert (got["gap-from"], got["gap-to"]) == (2016, 2025)  # the last ten complete years (2026 is to date)
        score = values(page_module.layout(indicator="imf_aipi", mode="per_capita", countries="none"))
        assert score["gap-mode"] == "absolute" and score["gap-countries"] == []  # per capita of a score: refused
