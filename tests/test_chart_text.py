"""The text alternatives under a chart, in headless Chromium: the "Show as table" table holds the view table the
chart draws (the same columns and rows as its CSV for the page's state, numbers rounded for reading), and the
summary sentence under it is analysis.summaries.describe for that state."""

from __future__ import annotations

import io
import math
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from axe_playwright_python.sync_playwright import Axe

from aigap.analysis import summaries, views
from browser_helpers import wait_for_graph

pytestmark = pytest.mark.browser
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa", "best-practice"]  # as tests/test_a11y.py

_TABLE_JS = """id => {
  const box = document.getElementById(id + '-about');
  const table = box.querySelector('details table');
  return {head: [...table.querySelectorAll('thead th')].map(th => [th.textContent, th.getAttribute('scope')]),
          rows: [...table.querySelectorAll('tbody tr')].map(tr => [...tr.children].map(td => td.textContent)),
          caption: table.querySelector('caption').textContent,
          summary: box.querySelector('details > summary').textContent,
          more: (box.querySelector('details p') || {}).textContent || ''};
}"""


def same(cell: str, value: object) -> bool:
    """A shown cell against the CSV's value: numbers within their rounding, flags as yes/no, text as it is."""
    if pd.isna(value):
        return cell == ""
    if isinstance(value, (bool,)) or str(value) in ("True", "False"):
        return cell == ("yes" if str(value) == "True" else "no")
    try:
        number = float(value)
    except (TypeError, ValueError):
        return cell == str(value)
    shown = float(cell.replace(",", ""))
    return math.isclose(shown, number, rel_tol=5e-3, abs_tol=5e-3)


CASES = [
    ("/?indicator=ai_vc_investment&year=2024&mode=per_capita", "overview", "ov-map", "map"),
    ("/compare?indicator=top500_rmax&countries=USA,CHN,DEU", "compare", "cmp-graph", "lines"),
    ("/gap?indicator=ai_vc_investment&ref=CHN", "gap", "gap-graph", "gap"),
    ("/explorer", "explorer", "exp-graph", "points"),
    ("/data?indicator=top500_rmax", "data", "data-coverage", "coverage"),
]


@pytest.mark.parametrize("path, name, graph_id, table", CASES, ids=[c[2] for c in CASES])
def test_table_and_summary_are_the_view_s(page, live_server, store_frames, console_errors, path, name, graph_id,
                                          table):
    page.goto(live_server + path)
    wait_for_graph(page, graph_id)
    assert page.locator(f"#{graph_id}-about details table").count() == 0  # built when first opened
    page.click(f"#{graph_id}-about details > summary")
    page.wait_for_selector(f"#{graph_id}-about details table", state="visible")
    search = urlsplit(page.url).query
    p = views.parse(name, parse_qs(search, keep_blank_values=True), store_frames, strict=False)[1]
    view = views.compute(name, table, p, store_frames)

    shown = page.evaluate(_TABLE_JS, graph_id)
    response = page.request.get(f"{live_server}/download/{name}.csv?{search}&table={table}")
    assert response.ok
    csv = pd.read_csv(io.StringIO(response.text()), dtype=str, keep_default_na=False, na_values=[""])
    assert list(csv.columns) == [str(c) for c in view.table.columns]
    assert len(csv) == len(view.table)

    assert shown["summary"] == "Show as table"
    assert [h for h, _ in shown["head"]] == list(csv.columns)
    assert {scope for _, scope in shown["head"]} == {"col"}
    rows = shown["rows"]
    assert 0 < len(rows) <= len(csv)
    if len(rows) < len(csv):  # a long table is cut, and says so
        assert f"{len(csv) - len(rows)} more row" in shown["more"].replace(",", "")
    for got, (_, want) in zip(rows, csv.head(len(rows)).iterrows()):
        assert len(got) == len(want)
        assert all(same(cell, value) for cell, value in zip(got, want)), (got, list(want))

    sentence = page.inner_text(f"#{graph_id}-summary")
    assert sentence == summaries.describe(name, table, p, view, store_frames)
    assert page.locator(f'[aria-describedby="{graph_id}-summary"]').count() == 1  # the graph's box

    page.click(f"#{graph_id}-about details table")  # a click inside counts as one on the toggle: nothing changes
    page.wait_for_timeout(300)
    assert page.locator(f"#{graph_id}-about details table").is_visible()
    assert page.evaluate(_TABLE_JS, graph_id) == shown
    result = Axe().run(page, context=f"#{graph_id}-about",
                       options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    serious = [(v["id"], len(v["nodes"])) for v in result.response["violations"]
               if v["impact"] in ("critical", "serious")]
    assert serious == []
    assert console_errors == []
