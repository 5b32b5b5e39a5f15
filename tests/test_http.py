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
            "inputs": [{"id": "navbar-toggler", "property": "n_clicks", "value": 1}],
            "state": [{"id": "navbar-collapse", "property": "is_open", "value": False}],
            "changedPropIds": ["navbar-toggler.n_clicks"]}


@pytest.mark.parametrize("kind", ["page", "callback", "asset", "api", "download", "error"])
def test_security_headers_on_every_kind_of_response(client, kind):
    if kind == "page":
        got = client.get("/compare")
    elif kind == "callback":
        got = client.post("/_dash-update-component", data=json.dumps(_callback_body()),
                          content_type="application/json")
    elif kind == "asset":
        got = client.get(_asset(client))
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
    html = client.get("/").get_data(as_text=True)
    assert sys.version.split()[0] not in html
    import dash

    assert f'"dash_version":"{dash.__version__}"' not in html


def test_text_is_compressed_and_revalidates_with_an_etag(client):
    got = client.get("/api/v1/indicators", headers={"Accept-Encoding": "gzip"})
    assert got.headers.get("Content-Encoding") == "gzip"
    assert got.headers["Cache-Control"] == "no-cache" and got.headers.get("ETag")
    again = client.get("/api/v1/indicators", headers={"Accept-Encoding": "gzip", "If-None-Match": got.headers["ETag"]})
    assert again.status_code == 304


def test_fingerprinted_bundles_are_cached_for_a_year(client):
    got = client.get(_asset(client))
    assert "max-age=31536000" in got.headers["Cache-Control"]
