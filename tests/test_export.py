"""Publication export in headless Chromium: a chart's SVG download carries, in its text layer, the chart's title,
the source (publisher and licence from the catalogue) and every note of its view; its PNG is drawn at twice the
on-screen size. Expected words come from the view layer and the catalogue, not from the page's code."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from aigap.analysis import views
from browser_helpers import wait_for_graph

pytestmark = pytest.mark.browser


def words(text: str) -> str:
    return " ".join(str(text).split())


def svg_text(path: Path) -> str:
    """Every text node of the SVG, in document order, as one line of words."""
    root = ET.parse(path).getroot()
    parts = []
    for el in root.iter():
        parts += [el.text or "", el.tail or ""] if el.tag.endswith(("text", "tspan")) else []
    return words(" ".join(parts))


def state(page, name: str, frames):
    """The typed parameters of the view the page shows (read back from its URL)."""
    query = parse_qs(urlsplit(page.url).query, keep_blank_values=True)
    return views.parse(name, query, frames, strict=False)[1]


def export(page, graph_id: str, fmt: str) -> Path:
    button = page.locator(f'[data-export-for="{graph_id}"] [data-export="{fmt}"]')
    assert button.get_attribute("aria-label") == f"Download chart as {fmt.upper()}"
    with page.expect_download() as info:
        button.click()
    assert info.value.suggested_filename.endswith(f".{fmt}")
    return Path(info.value.path())


# (path, page, graph, view table, indicator parameters of the chart, title taken from the view's meta)
CASES = [
    ("/?indicator=top500_rmax&year=2024", "overview", "ov-map", "map", ("indicator",), True),
    ("/compare?indicator=ai_vc_investment", "compare", "cmp-graph", "lines", ("indicator",), True),
    ("/gap", "gap", "gap-bloc-graph", "blocs", ("conc",), True),
    ("/explorer", "explorer", "exp-graph", "points", ("x", "y"), False),
]


@pytest.mark.parametrize("path, name, graph_id, table, keys, titled", CASES, ids=[c[2] for c in CASES])
def test_svg_export_carries_title_source_and_notes(page, live_server, store_frames, console_errors, path, name,
                                                   graph_id, table, keys, titled):
    page.goto(live_server + path)
    wait_for_graph(page, graph_id)
    page.wait_for_selector(f'[data-export-for="{graph_id}"]')
    p = state(page, name, store_frames)
    view = views.compute(name, table, p, store_frames)
    text = svg_text(export(page, graph_id, "svg"))
    if titled:
        assert words(view.meta["title"]) in text
    for key in keys:
        ind = store_frames.indicator(getattr(p, key))
        assert words(ind["name"]) in text
        assert words(f"{ind['publisher']}, {ind['source_title']} ({ind['licence']};") in text
    assert view.notes or name == "overview"
    for note in view.notes:
        assert words(note) in text
    assert console_errors == []


def test_png_export_is_twice_the_screen_size(page, live_server, console_errors):
    page.goto(live_server + "/compare")
    wait_for_graph(page, "cmp-graph")
    page.wait_for_selector('[data-export-for="cmp-graph"]')
    width, height = page.evaluate("() => { const gd = document.querySelector('#cmp-graph .js-plotly-plot');"
                                  " return [gd._fullLayout.width, gd._fullLayout.height]; }")
    data = export(page, "cmp-graph", "png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    png_width, png_height = struct.unpack(">II", data[16:24])
    assert png_width == 2 * width
    assert png_height > 2 * height  # the chart at twice its size, and the captions above and below it
    assert console_errors == []
