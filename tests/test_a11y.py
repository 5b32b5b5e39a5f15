"""Accessibility of every page in a real browser: axe-core (WCAG 2.0/2.1/2.2 A and AA, best practice) finds no
critical or serious violation, on load and after the page's main interactions (a dropdown opened, a display mode
changed, the index re-weighted, another radio option picked); and no chart toolbar offers to upload a chart
("Share chart"/send to cloud, edit in Chart Studio) or carries buttons the pages do not use."""

from __future__ import annotations

from urllib.parse import urlsplit

import dash
import pytest
from axe_playwright_python.sync_playwright import Axe
from browser_helpers import settle

pytestmark = pytest.mark.browser

TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = ("critical", "serious")
# What a chart toolbar may hold (plotly's data-attr/data-val of each button, or its title).
TOOLBAR_ALLOWED = {"Download plot as a PNG", "Zoom", "Pan", "Reset axes", "Zoom in", "Zoom out", "Reset"}
TOOLBAR_FORBIDDEN_JS = """() => Array.from(document.querySelectorAll('.modebar-btn')).map(b => b.getAttribute('data-title'))"""

_axe = Axe()


def audit(page, state: str, found: list[str]) -> None:
    """Run axe on the page as it is; record each critical or serious violation with where it is."""
    # Only violations carry every node: collecting the passes of a page of 5,000 elements took most of the run.
    result = _axe.run(page, options={"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]})
    for v in result.response["violations"]:
        if v["impact"] in BLOCKING:
            targets = "; ".join(str(n["target"]) for n in v["nodes"][:5])
            found.append(f"{state}: {v['impact']} {v['id']} ({len(v['nodes'])}): {targets}")


def open_dropdown(page, dropdown_id: str) -> None:
    page.click(f"#{dropdown_id}")
    page.wait_for_selector(".dash-dropdown-content", timeout=10000)


def close_dropdown(page) -> None:
    page.keyboard.press("Escape")
    page.wait_for_selector(".dash-dropdown-content", state="detached", timeout=10000)


def pick(page, radio_group: str, value: str) -> None:
    page.check(f"#{radio_group} input[value='{value}']")
    settle(page, 400)


# Each page's main interactions: a list of (state name, action). The action leaves the page in that state.
def _overview(page):
    return [("indicator dropdown open", lambda: open_dropdown(page, "ov-indicator")),
            ("mode per person", lambda: (close_dropdown(page), pick(page, "ov-mode", "per_capita")))]


def _compare(page):
    return [("countries dropdown open", lambda: open_dropdown(page, "cmp-countries")),
            ("mode per person", lambda: (close_dropdown(page), pick(page, "cmp-mode", "per_capita")))]


def _profile(page):
    return [("peer dropdown open", lambda: open_dropdown(page, "prof-peer")),
            ("peer picked", lambda: (page.fill("input.dash-dropdown-search", "Germany"),
                                     page.click(".dash-dropdown-content label:has-text('Germany')"), close_dropdown(page),
                                     settle(page, 400)))]


def _explorer(page):
    def year_back():
        page.focus("#exp-year [role=slider]")
        page.keyboard.press("ArrowLeft")
        settle(page, 400)
    return [("log x axis", lambda: (page.check("#exp-logx"), settle(page, 400))), ("year moved", year_back),
            ("colour dropdown open", lambda: open_dropdown(page, "exp-colour"))]


def _index(page):
    def weight():
        box = page.locator("""[id='{"pillar":"inv","type":"ix-pw"}']""")
        box.fill("3")
        box.press("Enter")
        page.wait_for_function("() => window.location.search.includes('inv:3')", timeout=15000)
        settle(page, 800)
    return [("pillar weight typed", weight), ("normalisation changed", lambda: pick(page, "ix-method", "percentile")),
            ("pillar opened", lambda: (page.click(".accordion-button >> nth=0"), settle(page, 400)))]


def _gap(page):
    return [("reference leader", lambda: pick(page, "gap-ref", "leader")),
            ("groups dropdown open", lambda: open_dropdown(page, "gap-groups"))]


def _data(page):
    def years():
        page.fill("#data-from", "2015")
        page.press("#data-from", "Enter")
        settle(page, 400)
    return [("indicator dropdown open", lambda: open_dropdown(page, "data-indicator")),
            ("year typed", lambda: (close_dropdown(page), years()))]


INTERACTIONS = {"/": _overview, "/compare": _compare, "/profile": _profile, "/explorer": _explorer,
                "/index": _index, "/gap": _gap, "/data": _data, "/methods": lambda page: []}


@pytest.fixture(scope="module")
def paths(dash_app) -> list[str]:
    return [p["path"] for p in dash.page_registry.values()]


def test_every_page_is_audited(paths):
    """A page added later is not silently left out of the audit below."""
    assert set(paths) == set(INTERACTIONS)


def audit_on_load(page, url: str, width: int, height: int) -> list[str]:
    """Open the page at this window size, let it settle, and audit it (the violations found, as audit records them)."""
    page.set_viewport_size({"width": width, "height": height})
    page.goto(url)
    page.wait_for_selector("#_pages_content > *", timeout=20000)
    settle(page, 800)
    found: list[str] = []
    audit(page, f"{urlsplit(url).path} at {width} px, on load", found)
    return found


@pytest.mark.parametrize("path", list(INTERACTIONS))
def test_no_serious_axe_violation_and_no_upload_button(page, live_server, console_errors, path):
    found = audit_on_load(page, live_server + path, 1440, 900)

    titles = page.evaluate(TOOLBAR_FORBIDDEN_JS)
    unexpected = sorted({t for t in titles if t not in TOOLBAR_ALLOWED})
    assert not unexpected, f"{path}: toolbar buttons {unexpected}"
    if path not in ("/methods", "/profile"):
        assert titles, f"{path}: no chart toolbar found (the check above would pass vacuously)"

    for state, action in INTERACTIONS[path](page):
        action()
        audit(page, f"{path} {state}", found)
    assert not found, "\n".join(found)
    assert console_errors == []


@pytest.mark.parametrize("path", list(INTERACTIONS))
def test_no_serious_axe_violation_on_a_phone(page, live_server, path):
    """The same audit on load at the issue's phone size (390x844), where more of each page is below the fold: a grid
    with a flex column kept its header cells hidden from assistive technology until it was scrolled into view."""
    found = audit_on_load(page, live_server + path, 390, 844)
    assert not found, "\n".join(found)
    # The bar holds the brand and the menu button side by side, and nothing makes the page scroll sideways.
    brand, toggler = (page.locator(s).bounding_box() for s in (".navbar-brand", "#navbar-toggler"))
    assert brand["x"] + brand["width"] <= toggler["x"] and toggler["x"] + toggler["width"] <= 390, (brand, toggler)
    assert abs(brand["y"] + brand["height"] / 2 - toggler["y"] - toggler["height"] / 2) < 8, (brand, toggler)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
