"""The pages' tables show what they hold, and say when there is more, in a real browser at the issue's sizes
(1440x900 and 390x844): the Data page's grids are drawn and in the accessibility tree before they are scrolled
to (ag-grid's content-visibility: auto had left them out: empty boxes in full-page shots, nothing under their
headings for a screen reader), the observation columns fill the grid and show source_id whole, the coverage
chart's title stays in its figure, the profile shows a value's note whole, and the index ranking says how many
countries it holds in a focusable, labelled scroll box whose headers do not wrap."""

from __future__ import annotations

import duckdb
import pytest
from browser_helpers import chart_text_problems, settle

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
GRIDS = ("data-grid", "data-catalogue")

# What Chromium's own accessibility tree (what a screen reader is given) names as column headers and cells.
def ax_names(page, roles: set[str]) -> set[str]:
    cdp = page.context.new_cdp_session(page)
    nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    cdp.detach()
    return {str(n.get("name", {}).get("value")) for n in nodes
            if str(n.get("role", {}).get("value")).lower() in roles and not n.get("ignored")}


# Per grid: its header cells (computed visibility and the text as drawn: innerText is empty for content the
# browser skips) and the drawn text of its first row.
GRID_JS = """id => { const g = document.getElementById(id);
  const heads = [...g.querySelectorAll('.ag-header-row-column .ag-header-cell')];
  const row = g.querySelector('.ag-center-cols-container .ag-row');
  return {heads: heads.map(h => [getComputedStyle(h).visibility, h.innerText.trim()]),
          row: row ? row.innerText.trim() : ''}; }"""


def test_data_grids_are_drawn_and_read_out_before_they_are_scrolled_to(page, live_server):
    """On a phone both grids are far below the fold: their headers and rows are drawn and in the accessibility
    tree at once, and the coverage chart's title stays inside its figure."""
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/data")
    page.wait_for_selector("#data-grid .ag-center-cols-container .ag-row", state="attached", timeout=30000)
    settle(page, 600)
    assert page.evaluate("() => window.scrollY") == 0
    for grid in GRIDS:
        assert page.locator(f"#{grid}").bounding_box()["y"] > PHONE["height"], grid  # off screen
        shown = page.evaluate(GRID_JS, grid)
        assert shown["heads"] and all(vis == "visible" and text for vis, text in shown["heads"]), (grid, shown)
        assert shown["row"], (grid, shown)
    headers = ax_names(page, {"columnheader"})
    assert {"iso3", "country", "Indicator", "Name"} <= headers, headers
    assert any(name.startswith("AGO") for name in ax_names(page, {"gridcell", "cell"}))
    titles = [p for p in chart_text_problems(page) if p.startswith("data-coverage: title")]
    assert not titles, titles


def test_observation_columns_fill_the_grid_and_show_source_id_whole(page, live_server):
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server}/data?indicator=cloud_regions")  # the longest source_id (27 characters)
    page.wait_for_selector("#data-grid .ag-cell[col-id='source_id']", state="attached", timeout=30000)
    settle(page, 600)
    page.locator("#data-grid").scroll_into_view_if_needed()
    got = page.evaluate("""() => { const g = document.getElementById('data-grid');
      const cells = [...g.querySelectorAll(".ag-cell[col-id='source_id']")];
      const last = [...g.querySelectorAll('.ag-header-row-column .ag-header-cell')].map(h => h.getBoundingClientRect().right);
      const cut = c => [c, ...c.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth);
      return {cut: cells.filter(cut).map(c => c.innerText), text: cells.length ? cells[0].innerText : '',
              cells: cells.length, gap: g.querySelector('.ag-root-wrapper').getBoundingClientRect().right - Math.max(...last)}; }""")
    assert got["text"] == "cloud_regions_telegeography" and not got["cut"], got
    assert 0 <= got["gap"] <= 16, got  # no wide empty band at the right


def test_profile_shows_a_values_note_whole(page, live_server, store_db):
    with duckdb.connect(str(store_db), read_only=True) as con:
        iso3, note = con.execute("SELECT iso3, note FROM observations WHERE indicator_id = 'tortoise_gaii' "
                                 "AND iso3 = 'DEU' AND note <> '' ORDER BY year DESC LIMIT 1").fetchone()
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/profile?country={iso3}")
    row = page.locator("#prof-row-tortoise_gaii")
    row.wait_for(timeout=30000)
    settle(page, 600)
    got = row.evaluate("""tr => { const td = tr.children[1];
      return {text: td.innerText.replace(/\\s+/g, ' '), cut: td.scrollWidth > td.clientWidth}; }""")
    assert f"⚑ {note}" in got["text"] and not got["cut"], (note, got)


def test_index_ranking_says_how_many_countries_it_holds(page, live_server):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/index")
    page.wait_for_selector("#ix-ranking tbody tr", timeout=30000)
    settle(page, 600)
    rows = page.locator("#ix-ranking tbody tr").count()
    count = page.locator("#ix-table-count").all_inner_texts()
    assert count and count[0].startswith(f"{rows} countries"), (rows, count)
    box = page.locator("#ix-table [role=region]")  # a scroll box a keyboard can reach, named for screen readers
    assert box.count() == 1 and box.get_attribute("tabindex") == "0"
    assert box.count() == 1 and f"{rows} countries" in (box.get_attribute("aria-label") or "")
    assert box.count() == 1 and box.evaluate("b => b.scrollHeight > b.clientHeight")  # more rows than it shows
    # One line per header ("Rank range (5-95%)" broke at its dash and left a tall blank above the rows); the link
    # box shows the link, not "http://127.0.0.".
    lines = page.eval_on_selector_all("#ix-ranking thead th", """ths => ths.map(th => { const r = document.createRange();
      r.selectNodeContents(th); return [th.innerText, new Set([...r.getClientRects()].map(x => Math.round(x.bottom))).size]; })""")
    assert all(n == 1 for _, n in lines), lines
    assert page.locator("#ix-link-text").bounding_box()["width"] >= 200
