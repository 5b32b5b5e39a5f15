"""Every response carries the security headers, compresses text, revalidates cheaply and names no versions."""

from __future__ import annotations

import json
import re
import sys

import pytest


@pytest.fixture(scope="module")
def client(dash_app):
    return dash_app.server.test_client()


def _asset(client) -> str:
    html = client.get("/").get_data(as_text=True)
    return re.search(r'src="(/_dash-component-suites/[^"]+\.js)"', html).group(1)


def _callback_body() -> dict:
    return {"output": "navbar-collapse.is_open", "outputs": {"id": "navbar-collapse", "property": "is_open"},
            "inputs": [{"id": "navbar-toggler", "property": "n_clicks", "value": 1},
                     {"id": "url", "property": "pathname", "value": "/"}],
            "state": [{"id": "navbar-collapse", "property": "is_open", "value": False}],
            "changedPropIds": ["navbar-toggler.n_clicks"]}


@pytest.mark.parametrize("kind", ["page", "callback", "asset", "static", "api", "download", "error"])
def test_security_headers_on_every_kind_of_response(client, kind):
    if kind == "page":
        got = client.get("/compare")
    elif kind == "callback":
        got = client.post("/_dash-update-component", data=json.dumps(_callback_body()),
                          content_type="application/json")
    elif kind == "asset":
        got = client.get(_asset(client))
    elif kind == "static":
        got = client.get("/assets/topojson/world_110m.json")
    elif kind == "api":
        got = client.get("/api/v1/indicators")
    elif kind == "download":
        got = client.get("/download/overview.csv")
    else:
        got = client.get("/api/v1/nope")
    assert got.status_code == (404 if kind == "error" else 200), got.get_data(as_text=True)[:200]
    csp = got.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    assert directives["default-src"] == "'self'" and "frame-ancestors" in directives
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Referrer-Policy"]
    assert "Server" not in got.headers or not re.search(r"\d", got.headers["Server"])


def test_the_inline_scripts_of_a_page_are_allowed_by_hash(client):
    import base64
    import hashlib

    got = client.get("/")
    html = got.get_data(as_text=True)
    allowed = got.headers["Content-Security-Policy"]
    inline = [m.group(2) for m in re.finditer(r"<script( [^>]*)?>(.*?)</script>", html, re.S)
              if not (m.group(1) or "").strip().startswith(("src=", 'id="_dash-config"'))]
    executable = [s for s in inline if "Internet Explorer" not in s]  # the IE alert sits in a conditional comment
    assert executable
    for script in executable:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed


def test_no_version_strings_in_pages(client):
    import dash
    import dash_ag_grid
    import dash_bootstrap_components
    import plotly

    html = client.get("/data").get_data(as_text=True)
    assert sys.version.split()[0] not in html
    for version in (dash.__version__, plotly.__version__, dash_bootstrap_components.__version__,
                    dash_ag_grid.__version__):
        assert version not in html and version.replace(".", "_") not in html, version


def test_text_is_compressed_and_revalidates_with_an_etag(client):
    got = client.get("/api/v1/indicators", headers={"Accept-Encoding": "gzip"})
    assert got.headers.get("Content-Encoding") == "gzip"
    assert got.headers["Cache-Control"] == "no-cache" and got.headers.get("ETag")
    again = client.get("/api/v1/indicators", headers={"Accept-Encoding": "gzip", "If-None-Match": got.headers["ETag"]})
    assert again.status_code == 304




def _scripts(client, path: str) -> list[str]:
    return re.findall(r'<script src="([^"]+)"', client.get(path).get_data(as_text=True))


def test_a_page_loads_the_grid_bundle_only_where_a_grid_is(client):
    assert any("/dash_ag_grid/" in src for src in _scripts(client, "/data"))
    for path in ("/", "/compare", "/methods"):
        scripts = _scripts(client, path)
        assert not any("/dash_ag_grid/" in src or "/dash_table/" in src for src in scripts), path
        assert any("/dash_bootstrap_components/" in src for src in scripts)  # the navigation bar's, on every page
    # in-app navigation from a page without the grid bundle to /data is a full page load (assets/aigap-load.js)
    assert re.search(r'<meta name="aigap:full-load" content="/data">', client.get("/").get_data(as_text=True))
    assert re.search(r'<meta name="aigap:full-load" content="">', client.get("/data").get_data(as_text=True))


def test_graphs_get_the_partial_plotly_bundle_not_the_full_one(client):
    html = client.get("/").get_data(as_text=True)
    url = re.search(r'<meta name="aigap:plotly" content="([^"]+)">', html).group(1)
    got = client.get(url.replace("&amp;", "&"), headers={"Accept-Encoding": "br"})
    assert got.status_code == 200 and got.headers["Content-Encoding"] == "br"
    import brotli

    body = brotli.decompress(got.data)
    assert body.startswith(b"/*! plotly.js v") and b"traces: scatter bar heatmap choropleth" in body[:300]
    assert not any("plotly.min.js" in src for src in _scripts(client, "/"))


def test_the_page_template_has_a_language_and_no_landmark_of_its_own(client):
    html = client.get("/compare").get_data(as_text=True)
    assert html.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    assert "<footer" not in html and "<main" not in html  # the layout's html.Main and html.Footer are the landmarks
    assert "<title>Compare · aigap</title>" in html  # the page's own title before any script runs


@pytest.mark.parametrize("path", ["bundle", "/assets/aigap-load.js?m=1"])
def test_fingerprinted_files_are_cached_for_a_year_and_compressed_once(client, path):
    url = _asset(client) if path == "bundle" else path
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert first.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in first.headers["Vary"]
    assert client.get(url, headers={"Accept-Encoding": "gzip"}).data == first.data
    raw = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in raw.headers
    import gzip

    assert gzip.decompress(first.data) == raw.data


def test_files_without_a_fingerprint_revalidate(client):
    url = "/assets/topojson/world_110m.json"
    first = client.get(url, headers={"Accept-Encoding": "br"})
    assert first.headers["Cache-Control"] == "no-cache" and first.headers["ETag"]
    again = client.get(url, headers={"Accept-Encoding": "br", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data
