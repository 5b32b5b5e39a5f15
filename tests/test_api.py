"""/api/v1: good parameters give the store's rows; bad ones give HTTP 400 with a message, never 500."""

from __future__ import annotations

import csv
import io

import pytest

from aigap.store import Store


@pytest.fixture(scope="module")
def client(dash_app):
    return dash_app.server.test_client()


def test_indicators_json_and_csv(client, store_db):
    expected = set(Store(store_db).indicators()["indicator_id"])
    got = client.get("/api/v1/indicators")
    assert got.status_code == 200 and {r["indicator_id"] for r in got.get_json()} == expected
    as_csv = client.get("/api/v1/indicators?format=csv")
    assert {r["indicator_id"] for r in csv.DictReader(io.StringIO(as_csv.get_data(as_text=True)))} == expected


def test_observations_match_the_store(client, store_db):
    got = client.get("/api/v1/observations?indicator=top500_rmax&country=USA,chn&from=2010&to=2020")
    assert got.status_code == 200
    rows = got.get_json()
    expected = Store(store_db).observations("top500_rmax", ["USA", "CHN"], 2010, 2020)
    assert len(rows) == len(expected)
    assert {(r["iso3"], r["period"], r["value"]) for r in rows} == set(
        zip(expected["iso3"], expected["period"], expected["value"]))


def test_observations_csv_download(client, store_db):
    got = client.get("/api/v1/observations?indicator=ai_diffusion&format=csv")
    assert got.status_code == 200 and got.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(got.get_data(as_text=True))))
    assert {"iso3", "indicator_id", "period", "year", "value"} <= set(rows[0])
    assert len(rows) == len(Store(store_db).observations("ai_diffusion"))


@pytest.mark.parametrize(
    "query, fragment",
    [
        ("", "'indicator' is required"),
        ("indicator=nope", "unknown indicator 'nope'"),
        ("indicator=population&country=USA,XYZ", "XYZ"),
        ("indicator=population&from=20x0", "'from' must be a whole number"),
        ("indicator=population&from=%C2%B2%E2%81%B0%C2%B2%E2%81%B0", "'from' must be a whole number"),  # ²⁰²⁰
        ("indicator=population&from=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%90", "'from' must be"),  # full-width 2020
        ("indicator=population&indicator=gdp_usd", "given 2 times"),
        ("indicator=population&from=2020&to=2010", "after"),
        ("indicator=population&format=xml", "one of json, csv"),
        ("indicator=population&colour=red", "unknown parameter"),
        ("indicator=population&to=99999", "'to' must be a whole number"),
    ],
)
def test_bad_parameters_are_400_with_a_message(client, query, fragment):
    got = client.get(f"/api/v1/observations?{query}")
    assert got.status_code == 400
    assert fragment in got.get_json()["error"]


def test_unknown_endpoint_is_404_json(client):
    got = client.get("/api/v1/nothing")
    assert got.status_code == 404 and "indicators" in got.get_json()["error"]


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/download/nothing.csv", "/download/overview", "/download/a/b.csv", "/download/overview.xml",
                                  "/download/overview.csv?year=2099&indicator=population"])
def test_every_4xx_has_the_one_json_error_shape(client, path):
    got = client.get(path)
    assert 400 <= got.status_code < 500
    body = got.get_json()
    assert set(body) == {"error", "status"} and body["status"] == got.status_code and body["error"]


def test_a_body_over_one_megabyte_is_refused_with_413(client):
    got = client.post("/_dash-update-component", data=b"[" * (2 * 1024 * 1024), content_type="application/json")
    assert got.status_code == 413 and got.get_json()["status"] == 413
