"""Back and Forward in headless Chromium: on every page with state, three changes made through the controls, then
three steps back and three forward; after each step the URL, the controls and what is drawn are those of that
state, and stay so once the page has settled (no callback writes an older state back)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest

from browser_helpers import choose_option

pytestmark = pytest.mark.browser

# What the page shows: control values (checked radio, ticked box, typed number, picked dropdown labels), the
# title and series names of each chart, the href of each link and the text of a few elements (a table's first row).
_SNAPSHOT_JS = """
([controls, graphs, links, texts]) => {
  const out = {controls: {}, graphs: {}, links: {}, texts: {}};
  for (const id of controls) {
    const el = document.getElementById(id);
    let v = null;
    if (!el) v = null;
    else if (el.matches('input[type=checkbox]')) v = el.checked;
    else if (el.matches('input')) v = el.value;
    else if (el.querySelector('input[type=radio]')) {
      const c = el.querySelector('input[type=radio]:checked'); v = c ? c.value : null;
    } else if (el.querySelector('.dash-dropdown-value')) {
      v = Array.from(el.querySelectorAll('.dash-dropdown-value-item')).map(e => e.innerText.trim());
      if (!v.length) v = el.querySelector('.dash-dropdown-value').innerText.trim();
    } else v = el.innerText.trim();
    out.controls[id] = v;
  }
  for (const id of graphs) {
    const gd = document.querySelector('#' + id + ' .js-plotly-plot');
    const t = gd && gd.layout && gd.layout.title;
    out.graphs[id] = gd && gd._fullData ? [t && (t.text || t), gd._fullData.map(d => d.name || d.type)] : null;
  }
  for (const id of links) { const a = document.getElementById(id); out.links[id] = a && a.getAttribute('href'); }
  for (const sel of texts) { const e = document.querySelector(sel); out.texts[sel] = e && e.innerText.trim(); }
  return out;
}
"""

# No callback queued or running (the renderer's own bookkeeping, as dash.testing reads it).
_SETTLED_JS = """
() => {
  if (!window.store) return false;
  const cbs = Object.assign({}, window.store.getState().callbacks);
  delete cbs.stored; delete cbs.completed;
  return [].concat(...Object.values(cbs)).length === 0;
}
"""


@dataclass
class Walk:
    page: str  # the page's name in /download/<page>.csv
    start: str
    actions: list[Callable]
    controls: list[str]
    graphs: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    # URL parameter -> control id whose value (or label) must read the same as the URL says
    echoed: dict[str, str] = field(default_factory=dict)


def _dropdown(control: str, text: str) -> Callable:
    return lambda page: choose_option(page, control, text)


def _radio(control: str, value: str) -> Callable:
    return lambda page: page.check(f"#{control} input[value='{value}']")


def _click(selector: str) -> Callable:
    return lambda page: page.click(selector)


def _typed(control: str, value: str) -> Callable:
    def act(page):
        page.fill(f"#{control}", value)
        page.press(f"#{control}", "Enter")
    return act


WALKS = [
    Walk("overview", "/",
         [_dropdown("ov-year", "2020"), _radio("ov-mode", "per_capita"),
          _dropdown("ov-indicator", "Notable AI models")],
         ["ov-indicator", "ov-year", "ov-mode", "ov-lag"], ["ov-map", "ov-bar"], links=["ov-download-btn"],
         echoed={"year": "ov-year", "mode": "ov-mode", "lag": "ov-lag"}),
    Walk("compare", "/compare?indicator=top500_rmax&countries=USA,CHN&groups=G7",
         [_dropdown("cmp-countries", "Japan (JPN)"), _click("#cmp-log"), _radio("cmp-mode", "per_capita")],
         ["cmp-indicator", "cmp-countries", "cmp-groups", "cmp-mode", "cmp-log", "cmp-from", "cmp-to"],
         ["cmp-graph"], links=["cmp-download-btn"], echoed={"mode": "cmp-mode"}),
    Walk("profile", "/profile",
         [_dropdown("prof-country", "France (FRA)"), _dropdown("prof-peer", "Japan (JPN)"),
          _dropdown("prof-country", "Kenya (KEN)")],
         ["prof-country", "prof-peer"], texts=["#prof-title", "#prof-table tbody tr"],
         links=["prof-download-btn", "prof-series-download-btn"]),
    Walk("explorer", "/explorer?x=gdp_per_capita_usd&y=ai_diffusion&year=2025",
         [_dropdown("exp-colour", "Income group"), _click("#exp-logy"), _typed("exp-lag", "1")],
         ["exp-x", "exp-y", "exp-colour", "exp-lag", "exp-size", "exp-logx", "exp-logy"], ["exp-graph"],
         links=["exp-download-btn"], echoed={"lag": "exp-lag"}),
    Walk("index", "/index",
         [_radio("ix-method", "zscore"), _click("#ix-log"), _dropdown("ix-year", "2023")],
         ["ix-preset", "ix-method", "ix-log", "ix-zero", "ix-year", "ix-lag", "ix-min"], ["ix-map"],
         texts=["#ix-table tbody tr"], links=["ix-download-btn"], echoed={"m": "ix-method", "year": "ix-year"}),
    Walk("gap", "/gap?indicator=top500_rmax&countries=BRA,IND",
         [_radio("gap-ref", "CHN"), _radio("gap-measure", "difference"), _radio("gap-conc", "notable_ai_models")],
         ["gap-indicator", "gap-ref", "gap-countries", "gap-measure", "gap-mode", "gap-conc"],
         ["gap-graph", "gap-conc-graph"], links=["gap-download-btn", "gap-conc-download-btn"],
         echoed={"ref": "gap-ref", "measure": "gap-measure", "conc": "gap-conc"}),
    Walk("data", "/data",
         [_dropdown("data-indicator", "AI diffusion"), _typed("data-from", "2024"),
          _dropdown("data-countries", "France (FRA)")],
         ["data-indicator", "data-countries", "data-from", "data-to"], ["data-coverage"],
         texts=["#data-count", "#data-grid .ag-center-cols-container .ag-row"], links=["data-download-btn"],
         echoed={"from": "data-from"}),
]


def _settle(page) -> None:
    page.wait_for_function(_SETTLED_JS, timeout=30000)


def _snapshot(page, walk: Walk) -> dict:
    return page.evaluate(_SNAPSHOT_JS, [walk.controls, walk.graphs, walk.links, walk.texts])


def _steady(page, walk: Walk) -> dict:
    """The snapshot once the callbacks are done and the charts drawn (two reads 0.1 s apart alike, no callback
    queued in between, every chart present)."""
    _settle(page)
    before = _snapshot(page, walk)
    for _ in range(150):
        page.wait_for_timeout(100)
        _settle(page)
        now = _snapshot(page, walk)
        if now == before and all(now["graphs"].values()):
            return now
        before = now
    raise AssertionError(f"{walk.page} did not settle: {before}")


def _state(page, walk: Walk) -> tuple[str, dict]:
    """(the URL's query, the snapshot) once the page has settled."""
    snap = _steady(page, walk)
    return page.evaluate("location.search"), snap


def _query(search: str) -> dict[str, list[str]]:
    return {k: v for k, v in parse_qs(search.lstrip("?"), keep_blank_values=True).items() if k != "table"}


def _assert_matches_url(page, walk: Walk, search: str, snap: dict) -> None:
    """What the page shows is read from the URL: every download link carries the URL's query, and the controls
    named in ``echoed`` show the URL's values."""
    query = _query(search)
    for link in walk.links:
        assert snap["links"][link], (link, search)
        href = urlsplit(snap["links"][link])
        assert href.path == f"/download/{walk.page}.csv", (link, href)
        assert _query(href.query) == query, (link, href.query, search)
    for key, control in walk.echoed.items():
        shown = snap["controls"][control]
        shown = shown[0] if isinstance(shown, list) and len(shown) == 1 else shown  # a dropdown's one label
        assert str(shown if shown is not None else "") == query.get(key, [""])[0], (key, shown, search)


def _wait_for(page, walk: Walk, search: str, snap: dict, timeout: float = 20.0) -> None:
    """Wait until the URL and what the page shows are those of a recorded state."""
    deadline = time.monotonic() + timeout
    while True:
        now_search, now = page.evaluate("location.search"), _snapshot(page, walk)
        if (now_search, now) == (search, snap):
            return
        if time.monotonic() > deadline:
            differs = {k: (now[k], snap[k]) for k in snap if now[k] != snap[k]}
            raise AssertionError(f"expected the state of {search!r}; the URL is {now_search!r} and these differ "
                                 f"(shown, expected): {differs}")
        page.wait_for_timeout(100)


@pytest.mark.parametrize("walk", WALKS, ids=[w.page for w in WALKS])
def test_back_and_forward_restore_the_view(page, live_server, console_errors, walk):
    page.goto(live_server + walk.start)
    page.wait_for_function("() => window.location.search.length > 1", timeout=30000)
    states = [_state(page, walk)]
    for act in walk.actions:
        act(page)
        page.wait_for_function("s => window.location.search !== s", arg=states[-1][0], timeout=30000)
        states.append(_state(page, walk))
    # Four different states, each shown as its URL says: otherwise walking them proves nothing.
    assert len({s for s, _ in states}) == 4
    assert len({json.dumps(snap, sort_keys=True) for _, snap in states}) == 4
    for search, snap in states:
        _assert_matches_url(page, walk, search, snap)

    for go, i in [(page.go_back, 2), (page.go_back, 1), (page.go_back, 0),
                  (page.go_forward, 1), (page.go_forward, 2), (page.go_forward, 3)]:
        go()
        search, snap = states[i]
        _wait_for(page, walk, search, snap)
        assert page.evaluate("location.search") == search
        assert _steady(page, walk) == snap  # and it stays so: nothing wrote an older state back
    # The page's first URL replaced the address it was opened with (else Back from the first state lands there and
    # the page writes its URL again, losing the states ahead): four steps back leave the page.
    page.evaluate("setTimeout(() => history.go(-4), 0)")
    page.wait_for_url("about:blank", timeout=10000)
    assert console_errors == []
