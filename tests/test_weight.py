"""Page weight in headless Chromium: what a first and a repeat visit of every page transfer, which bundles load.

Sizes are Chromium's own transfer sizes (CDP Network.loadingFinished encodedDataLength: response headers plus the
body as sent, i.e. compressed where the server compressed it; 0 for a response served from the browser cache).
A cold visit starts from an empty browser cache; the warm visit is a reload in the same browser context.
"""

from __future__ import annotations

import dash
import pytest

pytestmark = pytest.mark.browser

COLD_MAX = 1_500_000  # bytes transferred by a first visit (issue 8)
WARM_MAX = 150_000  # bytes transferred by a repeat visit
NO_GRAPH = {"/methods"}  # pages that draw no chart
GRID_BUNDLE = "/dash_ag_grid/"

# Every dcc.Graph on the page drawn by plotly.js; the page's own graphs have appeared first.
_DRAWN = """min => {
  if (document.querySelector('._dash-loading')) return false;
  const graphs = [...document.querySelectorAll('.dash-graph')];
  return graphs.length >= min && graphs.every(g => g.querySelector('.main-svg'));
}"""


class Transfers:
    """Bytes and URLs of the responses a page received, from the DevTools protocol."""

    def __init__(self, page):
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.urls: dict[str, str] = {}
        self.sizes: dict[str, float] = {}
        self.cdp.on("Network.responseReceived", lambda e: self.urls.__setitem__(e["requestId"], e["response"]["url"]))
        self.cdp.on("Network.loadingFinished", lambda e: self.sizes.__setitem__(e["requestId"], e["encodedDataLength"]))

    def reset(self, *, clear_cache: bool) -> None:
        if clear_cache:
            self.cdp.send("Network.clearBrowserCache")
        self.urls.clear()
        self.sizes.clear()

    def total(self) -> int:
        return int(sum(self.sizes.values()))

    def requested(self) -> list[str]:
        return list(self.urls.values())


def _visit(page, url: str, min_graphs: int, *, reload: bool = False) -> None:
    if reload:
        page.reload(wait_until="networkidle")
    else:
        page.goto(url, wait_until="networkidle")
    page.wait_for_function(_DRAWN, arg=min_graphs, timeout=60000)
    page.wait_for_load_state("networkidle")


def test_every_page_is_light_and_still_draws(page, live_server, dash_app, console_errors):
    paths = [p["relative_path"] for p in dash.page_registry.values()]
    net = Transfers(page)
    rows, problems, grids = [], [], []
    for path in paths:
        min_graphs = 0 if path in NO_GRAPH else 1
        net.reset(clear_cache=True)
        _visit(page, live_server + path, min_graphs)
        cold, urls = net.total(), net.requested()
        has_grid = page.locator(".ag-root-wrapper").count() > 0
        grids += [path] if has_grid else []
        drawn = page.locator(".dash-graph .main-svg").count()
        landmarks = [page.get_by_role(role).count() for role in ("main", "contentinfo")]
        if landmarks != [1, 1]:
            problems.append(f"{path}: main and contentinfo landmarks {landmarks}, not one each")
        net.reset(clear_cache=False)
        _visit(page, live_server + path, min_graphs, reload=True)
        warm = net.total()
        rows.append(f"{path}: cold {cold / 1e3:.0f} KB, warm {warm / 1e3:.0f} KB, {drawn} plot layers")
        if cold > COLD_MAX:
            problems.append(f"{path}: cold visit {cold:,} B > {COLD_MAX:,}")
        if warm > WARM_MAX:
            problems.append(f"{path}: warm visit {warm:,} B > {WARM_MAX:,}")
        if any(GRID_BUNDLE in u for u in urls) != has_grid:
            problems.append(f"{path}: grid bundle requested {not has_grid}, grid on page {has_grid}")
        problems += [f"{path}: full plotly.js requested ({u})" for u in urls if u.split("?")[0].endswith("/plotly.min.js")]
    print("\n".join(rows))
    assert not problems, "\n".join(problems + rows)
    assert grids == ["/data"], grids  # the one page with grids: the check above is not vacuous
    assert console_errors == []


def test_maps_draw_countries_from_the_local_topojson(page, live_server, console_errors):
    net = Transfers(page)
    _visit(page, live_server + "/", 1)
    assert page.locator(".choroplethlocation").count() > 50  # the countries with data, shaped from world_110m
    assert any("/assets/topojson/" in u for u in net.requested())
    assert console_errors == []


def test_navigating_to_a_page_with_a_bundle_this_one_lacks_loads_it_in_full(page, live_server, console_errors):
    _visit(page, live_server + "/", 1)
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("link", name="Data & sources").first.click()
    page.wait_for_selector(".ag-root-wrapper", timeout=60000)
    assert page.evaluate("window.__sameDocument") is None  # a new document, with the grid bundle
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("link", name="Overview").first.click()
    page.wait_for_function("() => location.pathname === '/'")
    page.wait_for_function(_DRAWN, arg=1, timeout=60000)
    assert page.evaluate("window.__sameDocument") is True  # back needs nothing new: Dash's in-app navigation
    assert console_errors == []
