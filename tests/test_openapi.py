"""The API as a contract: /api/v1/openapi.json describes what the server does, and schemathesis holds it to it.

schemathesis runs (its CLI, as a user would) against the real app served from a thread, with all its checks and
100 examples per operation. Two rules OpenAPI cannot state are handed to it here: 'from' is not after 'to' in
/api/v1/observations (the hook below orders them; tests/test_api.py checks the 400 for a reversed range), and the
parameters of a page's download depend on each other and on the data (a year must have data for the indicator),
so a schema-valid download may be refused with 400 (the config below allows that for the "pages" operations only).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import schemathesis

from aigap.analysis import views
from aigap.app.openapi import API_PARAMS

EXAMPLES = 100
CONFIG = """
[[operations]]
include-tag = "pages"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "404"]
"""


@schemathesis.hook
def map_case(ctx, case):
    """Order 'from' and 'to' (values swapped as given, so an invalid one stays invalid)."""
    query = case.query
    if not query or "from" not in query or "to" not in query:
        return case
    try:
        if int(query["from"]) > int(query["to"]):
            case.query = {**query, "from": query["to"], "to": query["from"]}
    except (TypeError, ValueError):
        pass
    return case


def _get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get_content_type(), exc.read()


@pytest.fixture(scope="module")
def doc(live_server) -> dict:
    status, kind, body = _get(f"{live_server}/api/v1/openapi.json")
    assert status == 200 and kind == "application/json"
    return json.loads(body)


def _operations(doc: dict):
    for path, item in doc["paths"].items():
        yield path, item["get"]


def _concrete(path: str) -> str:
    return path.replace("{format}", "csv")


def test_every_page_download_is_described_with_its_modules_parameters_and_tables(doc):
    for page in views.PAGES:
        mod = views.module(page)
        op = doc["paths"][f"/download/{page}.{{format}}"]["get"]
        query = {p["name"]: p for p in op["parameters"] if p["in"] == "query"}
        assert list(query) == [*mod.PARAMS, "table"], page
        assert query["table"]["schema"]["enum"] == ["", *mod.TABLES]
    assert {p for p in doc["paths"] if p.startswith("/download/")} == {f"/download/{p}.{{format}}" for p in views.PAGES}


def test_api_parameters_and_enums_come_from_the_code_and_the_catalogue(doc, store_db):
    from aigap.store import Store

    store = Store(store_db)
    for path, names in API_PARAMS.items():
        assert [p["name"] for p in doc["paths"][path]["get"]["parameters"]] == list(names)
    params = {p["name"]: p for p in doc["paths"]["/api/v1/observations"]["get"]["parameters"]}
    assert params["indicator"]["schema"]["enum"] == sorted(store.indicators()["indicator_id"])
    assert set(params["country"]["schema"]["items"]["enum"]) >= set(store.countries()["iso3"])
    assert params["from"]["schema"] == {"type": "integer", "minimum": 1900, "maximum": 2100}


def test_an_unknown_or_repeated_parameter_is_refused_by_every_described_operation(doc, live_server):
    """What the document says in words (OpenAPI cannot say it in schema): checked on every operation it lists."""
    for path, op in _operations(doc):
        if not op.get("parameters"):
            continue
        url = live_server + _concrete(path)
        status, kind, body = _get(f"{url}?zz_not_a_parameter=1")
        assert (status, kind) == (400, "application/json") and "unknown parameter" in json.loads(body)["error"], path
        status, _, body = _get(f"{url}?format=json&format=json" if path.startswith("/api") else f"{url}?table=&table=")
        assert status == 400 and "given 2 times" in json.loads(body)["error"], path
        assert "given twice" in op["description"] and "not listed here" in op["description"]


@pytest.mark.parametrize("query", ["indicator=population&from=", "indicator=population&country=",
                                   "indicator=population&country=Usa", "indicator=population&format="])
def test_api_refuses_what_the_document_does_not_allow(live_server, query):
    status, _, body = _get(f"{live_server}/api/v1/observations?{query}")
    assert status == 400 and set(json.loads(body)) == {"error", "status"}


def test_country_codes_in_either_case_as_documented(live_server):
    got = [json.loads(_get(f"{live_server}/api/v1/observations?indicator=population&country={c}&from=2020")[2])
           for c in ("USA,chn", "usa,CHN")]
    assert got[0] == got[1] and {r["iso3"] for r in got[0]} == {"USA", "CHN"}


def test_the_docs_page_renders_the_document_without_scripts(doc, live_server):
    status, kind, body = _get(f"{live_server}/api/v1/docs")
    page = body.decode()
    assert status == 200 and kind == "text/html"
    assert "<script" not in page.lower() and 'href="http' not in page and "href='http" not in page
    for path, op in _operations(doc):
        assert f"GET {path}" in page
        for param in op.get("parameters", ()):
            assert f"<code>{param['name']}</code>" in page
    assert "/api/v1/openapi.json" in page


@pytest.fixture()
def quiet_server():
    """No werkzeug line per request while schemathesis sends thousands (captured logs slow the server down)."""
    logger = logging.getLogger("werkzeug")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


def test_schemathesis_finds_nothing_with_all_checks(live_server, tmp_path, quiet_server):
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run",
         f"{live_server}/api/v1/openapi.json", "--checks", "all", "--max-examples", str(EXAMPLES),
         "--workers", "2", "--seed", "1", "--no-color", "--request-timeout", "30"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
        env={**os.environ, "SCHEMATHESIS_HOOKS": "test_openapi", "PYTHONPATH": str(Path(__file__).parent)},
    )
    elapsed = time.monotonic() - started
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    print(f"schemathesis: {elapsed:.0f} s")
