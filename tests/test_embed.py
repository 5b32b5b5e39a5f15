"""/embed/<page>?<query>&chart=NAME: one chart with its title, source line, notes and a link back, no navigation.

Over HTTP: the figure drawn is the view's table (and the store's values), bad parameters say what is wrong. In
Chromium: the embed draws inside an iframe of a page on another loopback port that $AIGAP_FRAME_ANCESTORS allows,
fills its frame, and is refused in a frame of a port it does not allow.
"""

from __future__ import annotations

import html
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pandas as pd
import pytest

from aigap.analysis import views as V
from aigap.analysis.measures import value_for_year
from aigap.store import Store

MAP = "indicator=top500_rmax&year=2024&mode=absolute&lag=0"


@pytest.fixture(scope="module")
def client(dash_app):
    return dash_app.server.test_client()


def figure(body: str) -> dict:
    block = re.search(r'<script type="application/json" id="figure">(.*?)</script>', body, re.S)
    return json.loads(block.group(1))


def text_of(body: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</', body, re.S)
    return html.unescape(found.group(1)) if found else ""


def expected(page: str, query: str, frames, table: str | None = None):
    """The view result for a page's query string, computed afresh by the view layer (not the app's cache)."""
    name, p = V.parse(page, dict(parse_qsl(query, keep_blank_values=True)), frames)
    return V.compute(page, table or name, p, frames)


def plain(values) -> list:
    return [None if pd.isna(v) else float(v) for v in values]


def test_overview_map_is_the_store_and_the_view_with_title_source_and_link(client, store_db, store_frames):
    answer = client.get(f"/embed/overview?{MAP}&chart=map")
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    trace = figure(body)["data"][0]
    store_values = value_for_year(Store(store_db).observations("top500_rmax", year_to=2024), 2024)
    assert dict(zip(trace["locations"], trace["customdata"])) == dict(zip(store_values["iso3"],
                                                                         store_values["value"]))
    view = expected("overview", MAP, store_frames)
    assert text_of(body, "title") == view.meta["title"]
    source = html.unescape(" ".join(re.findall(r'<p class="source">(.*?)</p>', body, re.S)))
    ind = store_frames.indicator("top500_rmax")
    for part in (ind["publisher"], ind["source_title"], ind["licence"], ind["vintage"], view.meta["period"]):
        assert part in re.sub(r"<[^>]+>", "", source)
    assert "2024-11" in source  # the TOP500 list a yearly view uses is named
    notes = html.unescape(re.search(r'<details id="notes">(.*?)</details>', body, re.S).group(1))
    for text in [*view.notes, *list(ind["caveats"])[:3]]:  # as the page's source note lists them
        assert f">{text}</li>" in notes
    assert re.search(r'<a id="back" href="/\?' + re.escape(MAP.replace("&", "&amp;")) + r'" target="_top">', body)
    assert answer.headers["Content-Security-Policy"].endswith("frame-ancestors 'self'")


def test_bar_compare_and_explorer_draw_their_views(client, store_frames):
    query = "indicator=ai_vc_investment&year=2024&mode=per_capita&lag=1"
    view = expected("overview", query, store_frames)
    bar = figure(client.get(f"/embed/overview?{query}&chart=bar").get_data(as_text=True))["data"][0]
    top = view.table.head(25)
    assert bar["y"] == top["name"].tolist() and plain(bar["x"]) == plain(top["display"])

    query = "indicator=ai_vc_investment&countries=BRA,IND,USA&groups=G7&mode=absolute&from=2015&to=2024"
    view = expected("compare", query, store_frames)
    lines = figure(client.get(f"/embed/compare?{query}").get_data(as_text=True))["data"]
    drawn = {t["name"]: dict(zip(t["x"], t["y"])) for t in lines if t["x"] != [None]}
    assert set(drawn) == set(view.table["label"])
    assert sum(y is not None for line in drawn.values() for y in line.values()) == view.table["display"].notna().sum()
    for row in view.table.itertuples():
        assert drawn[row.label][row.year] == pytest.approx(float(row.display))

    query = "x=gdp_per_capita_usd&y=ai_diffusion&year=2025&lag=3"
    view = expected("explorer", query, store_frames)
    points = figure(client.get(f"/embed/explorer?{query}").get_data(as_text=True))["data"]
    drawn = {iso: (x, y) for t in points for iso, x, y in zip(t["customdata"], t["x"], t["y"])}
    assert drawn == {r.iso3: (pytest.approx(r.display_x), pytest.approx(r.display_y))
                     for r in view.table.itertuples()}


def test_every_chart_of_every_page_is_drawn_with_its_words(client):
    from aigap.app.embed import CHARTS

    for page, charts in CHARTS.items():
        for name in charts:
            answer = client.get(f"/embed/{page}?chart={name}")
            body = answer.get_data(as_text=True)
            assert answer.status_code == 200, (page, name, body[:300])
            assert figure(body)["data"] and text_of(body, "title"), (page, name)
            assert '<p class="source"><strong>Source: </strong>' in body, (page, name)
            assert f'href="{"/" if page == "overview" else "/" + page}"' in body  # default view: no query
            # No navigation: no navbar, no Dash app shell, nothing but the chart and its words.
            assert "<nav" not in body and "navbar" not in body and "_dash-config" not in body
            assert '<script type="application/json" id="figure">' in body and "<script>" not in body
    assert "aigap-embed.js" not in client.get("/").get_data(as_text=True)  # not loaded by the dashboard pages


def test_an_empty_view_says_why_in_place_of_the_chart(client, store_frames):
    query = "countries=&groups=&from=2016&to=2025"
    view = expected("gap", query, store_frames, "trend")
    body = client.get(f"/embed/gap?{query}&chart=trend").get_data(as_text=True)
    assert view.table.empty and view.meta["empty"]
    assert text_of(body, "title") == view.meta["empty"]
    assert view.meta["empty"] in json.dumps(figure(body)["layout"]["annotations"])


@pytest.mark.parametrize("url, status, words", [
    ("/embed/profile", 404, "No chart to embed"),
    ("/embed/nope?indicator=x", 404, "No chart to embed"),
    ("/embed/overview/extra", 404, "No such embed"),
    ("/embed/overview?chart=pie", 400, "'chart' must be one of map, bar"),
    ("/embed/overview?chart=map&chart=bar", 400, "'chart' is given 2 times"),
    ("/embed/overview?year=abc", 400, "'year' must be one of"),
    ("/embed/overview?colour=red", 400, "unknown parameter(s): colour"),
    ("/embed/overview?table=map", 400, "picks its chart with 'chart'"),
    ("/embed/compare?indicator=not_an_indicator", 400, "'indicator' must be one of"),
])
def test_bad_pages_and_parameters_say_what_is_wrong(client, url, status, words):
    answer = client.get(url)
    body = answer.get_data(as_text=True)
    assert answer.status_code == status and answer.mimetype == "text/html"
    assert words in text_of(body, "error")
    assert "<script" not in body and "Content-Security-Policy" in answer.headers


def test_figure_json_cannot_close_its_script_block():
    from aigap.app.embed import _json

    text = str(_json({"name": "</script><script>alert(1)</script> & 'x'"}))
    assert "<" not in text and ">" not in text and "'" not in text
    assert json.loads(text) == {"name": "</script><script>alert(1)</script> & 'x'"}


# -- in a browser, framed by another loopback origin ------------------------------------------------------------
FRAME = '<!DOCTYPE html><html lang="en"><title>host</title><body><h1>A host site</h1>' \
        '<iframe id="embed" src="{src}" title="aigap chart" style="width:640px;height:420px;border:0"></iframe>'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def host_site(html_text: str) -> ThreadingHTTPServer:
    """A tiny site on its own loopback port whose every page is ``html_text``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            data = html_text.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def framed(store_db):
    """(allowed host URL, refused host URL, app URL): `aigap serve` with $AIGAP_FRAME_ANCESTORS naming the first."""
    port = free_port()
    app = f"http://127.0.0.1:{port}"
    page = FRAME.format(src=f"{app}/embed/overview?{MAP}&chart=map")
    allowed, refused = host_site(page), host_site(page)
    allowed_url = f"http://127.0.0.1:{allowed.server_port}"
    env = {**os.environ, "AIGAP_FRAME_ANCESTORS": f"'self' {allowed_url}"}
    proc = subprocess.Popen([sys.executable, "-m", "aigap.cli", "serve", "--workers", "1", "--port", str(port),
                             "--db", str(store_db)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.time() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read().decode(errors="replace")
            try:
                urllib.request.urlopen(f"{app}/embed/overview", timeout=5).read()
                break
            except OSError:
                assert time.time() < deadline, "aigap serve did not answer within 60 s"
                time.sleep(0.3)
        yield allowed_url, f"http://127.0.0.1:{refused.server_port}", app
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
        allowed.shutdown()
        refused.shutdown()


@pytest.mark.browser
def test_the_embed_draws_inside_a_frame_of_an_allowed_site_and_fills_it(page, framed, console_errors, store_frames):
    allowed, _, app = framed
    page.goto(allowed)
    frame = page.frame_locator("#embed")
    frame.locator("#chart .main-svg").first.wait_for(timeout=30000)
    frame.locator("path.choroplethlocation").first.wait_for(timeout=15000)  # the topojson loaded in the frame
    view = expected("overview", MAP, store_frames)
    assert frame.locator("#title").inner_text() == view.meta["title"]
    assert "TOP500" in frame.locator(".source").first.inner_text()
    assert frame.locator("#back").get_attribute("href") == f"/?{MAP}"
    assert frame.locator("#back").get_attribute("target") == "_top"
    assert frame.locator("nav").count() == 0
    assert frame.locator(".modebar-btn").count() == 1  # the toolbar: download as PNG, nothing else
    assert "Download" in frame.locator(".modebar-btn").get_attribute("data-title")
    # Sized to its frame: the plot is as wide as the frame, and follows it when the frame changes size.
    width = lambda: frame.locator("#chart .main-svg").first.bounding_box()["width"]  # noqa: E731
    assert 600 <= width() <= 640
    page.eval_on_selector("#embed", "el => { el.style.width = '420px'; }")
    deadline = time.time() + 10
    while width() > 420 and time.time() < deadline:
        page.wait_for_timeout(100)
    assert 380 <= width() <= 420
    # The link back opens the full view in the whole window.
    frame.locator("#back").click()
    page.wait_for_url(f"{app}/?{MAP}", timeout=15000)
    assert console_errors == []


@pytest.mark.browser
def test_a_site_that_is_not_allowed_cannot_frame_the_embed(page, framed):
    _, refused, _ = framed
    with page.expect_console_message(lambda msg: "frame-ancestors" in msg.text, timeout=15000):
        page.goto(refused)
    child = next(f for f in page.frames if f != page.main_frame)
    assert child.query_selector("#title") is None and child.query_selector(".main-svg") is None
