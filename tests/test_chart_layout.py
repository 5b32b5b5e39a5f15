"""Every chart's text fits at the issue's two screen sizes, a phone (390x844) and a desktop (1440x900): in a real
browser, no title, axis title, legend, annotation or tick label of any plotly graph on any registered page leaves
its graph or overlaps another (browser_helpers.chart_text_problems). The figures are built on the server without
knowing the screen, so each must be laid out to work at both widths."""

from __future__ import annotations

import dash
import pytest

from browser_helpers import chart_text_problems, settle

pytestmark = pytest.mark.browser

SIZES = {"phone": (390, 844), "desktop": (1440, 900)}
# Every chart is drawn: each chart box of the page (components.chart_block) holds a plotly graph (the graph's code
# loads after the page: counting graphs at once skipped the first page's), each graph holds its callback's figure
# (traces, or an empty state's message), plotly has laid it out, and a map has its countries (they come after the
# map's outline is fetched).
_DRAWN_JS = """() => { const gds = Array.from(document.querySelectorAll('.js-plotly-plot'));
  return Array.from(document.querySelectorAll('.chart-box')).every(b => b.querySelector('.js-plotly-plot')) &&
    gds.every(gd => gd._fullLayout && gd.querySelector('.main-svg') &&
      ((gd.data || []).length > 0 || ((gd.layout || {}).annotations || []).length > 0) &&
      (!gd._fullLayout.geo || gd.querySelector('path.choroplethlocation'))); }"""


@pytest.fixture(scope="module")
def registered(dash_app) -> list[str]:
    return sorted({p["path"] for p in dash.page_registry.values()})


@pytest.mark.parametrize("size", list(SIZES))
def test_chart_text_fits(page, live_server, registered, size):
    """One load per page: wait for the callbacks and the drawing, bring each graph into view, check its text."""
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    found: list[str] = []
    checked = 0
    for path in registered:
        page.goto(live_server + path)
        page.wait_for_selector("#_pages_content > *", timeout=30000)
        settle(page)
        page.wait_for_function(_DRAWN_JS, timeout=30000)
        for graph in page.locator(".js-plotly-plot").all():
            if graph.is_visible():
                graph.scroll_into_view_if_needed()
                checked += 1
        settle(page, 300)  # and plotly's responsive redraw after a resize or scroll
        found += [f"{path} at {width}px: {problem}" for problem in chart_text_problems(page)]
    assert checked >= 8, f"only {checked} graphs checked: the check would pass vacuously"
    assert not found, "\n".join(found)
