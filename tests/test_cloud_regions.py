"""TeleGeography cloud regions adapter: real snapshot spot checks and broken JSON fixtures."""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from aigap.sources import cloud_regions
from aigap.sources.base import TIDY_COLUMNS, SourceFormatError
from aigap.validate import validate_observations

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "cloud_regions"
FOLDER = "cloud_regions_telegeography"
FILE = "cloud_regions.json"


def value(frame: pd.DataFrame, iso3: str, indicator: str) -> float:
    hit = frame[(frame["iso3"] == iso3) & (frame["indicator_id"] == indicator)]
    assert len(hit) == 1, (iso3, indicator, len(hit))
    return float(hit["value"].iloc[0])


def note(frame: pd.DataFrame, iso3: str, indicator: str):
    return frame[(frame["iso3"] == iso3) & (frame["indicator_id"] == indicator)]["note"].iloc[0]


@pytest.fixture()
def parsed(ctx):
    return cloud_regions.parse(ctx), ctx


@pytest.fixture(scope="module")
def raw_json(raw_dir) -> dict:
    return json.loads((raw_dir / FOLDER / FILE).read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------------------
# Real file


def test_shape_and_validation(parsed, reference):
    frame, ctx = parsed
    assert list(frame.columns) == TIDY_COLUMNS
    validate_observations(frame, reference[0], {i.id: i for i in cloud_regions.INDICATORS}, label="cloud_regions")
    assert set(frame["period"]) == {"2025-01"}
    assert ctx.resolver.exclusions_frame().empty


def test_source_md_listing_counts(raw_json):
    """SOURCE.md counts listings: 357 (315 in service, 42 announced) in 47 countries; US 72/2, China 57/0
    (Hong Kong included), India 11/1, Brazil 9/0, South Africa 6/0."""
    counts = defaultdict(lambda: [0, 0])
    for metro in raw_json["cloud_regions"]:
        for p in metro["cloud_service_providers"]:
            counts[metro["country"]][0 if p["in_service"] else 1] += 1
    assert sum(c[0] for c in counts.values()) == 315 and sum(c[1] for c in counts.values()) == 42
    assert len(counts) == 47
    assert counts["United States"] == [72, 2] and counts["China"] == [57, 0] and counts["India"] == [11, 1]
    assert counts["Brazil"] == [9, 0] and counts["South Africa"] == [6, 0]


def test_distinct_regions_against_plain_python(parsed, raw_json):
    frame, _ = parsed
    regions = defaultdict(set)
    for metro in raw_json["cloud_regions"]:
        country = "Hong Kong" if (metro["metro_area"], metro["country"]) == ("Hong Kong", "China") else metro["country"]
        for p in metro["cloud_service_providers"]:
            regions[country].add((metro["metro_area"], p["name"], p["cloud_region"], p["cloud_region_name"], p["in_service"]))
    for name, iso3 in [("United States", "USA"), ("China", "CHN"), ("Hong Kong", "HKG"), ("India", "IND"),
                       ("Brazil", "BRA"), ("South Africa", "ZAF"), ("Japan", "JPN"), ("Turkey", "TUR")]:
        live = sum(1 for r in regions[name] if r[4])
        assert value(frame, iso3, "cloud_regions") == live, name
        assert value(frame, iso3, "cloud_regions_announced") == len(regions[name]) - live, name
    assert value(frame, "USA", "cloud_regions") == 46
    assert value(frame, "CHN", "cloud_regions") == 38
    assert value(frame, "HKG", "cloud_regions") == 6
    assert frame.loc[frame["indicator_id"] == "cloud_regions", "value"].sum() == 266
    assert frame.loc[frame["indicator_id"] == "cloud_regions_announced", "value"].sum() == 42
    assert frame["iso3"].nunique() == 48  # 47 filed countries + Hong Kong


def test_notes(parsed):
    frame, _ = parsed
    assert "26 repeated listing(s)" in note(frame, "USA", "cloud_regions")
    assert note(frame, "HKG", "cloud_regions") == "filed under China by the map; counted here by metro name"
    assert note(frame, "AUT", "cloud_regions") == "no region in service; 2 announced"
    assert value(frame, "AUT", "cloud_regions") == 0
    assert pd.isna(note(frame, "BRA", "cloud_regions"))
    # Countries not on the map are absent, not 0.
    assert frame[frame["iso3"] == "NGA"].empty


# ---------------------------------------------------------------------------------------------------------
# Fixtures


def base_doc() -> dict:
    return json.loads((FIXTURES / "regions_ok.json").read_text(encoding="utf-8"))


def dump(doc: dict) -> str:
    return json.dumps(doc, indent=2) + "\n"


def expect_error(fixture_ctx, content, *, row, column, match):
    with pytest.raises(SourceFormatError, match=match) as info:
        cloud_regions.parse(fixture_ctx(FOLDER, {FILE: content}))
    exc = info.value
    assert exc.file.endswith(FILE)
    assert exc.row == row
    assert exc.column == column


def test_fixture_counts(fixture_ctx):
    frame = cloud_regions.parse(fixture_ctx(FOLDER, {FILE: FIXTURES / "regions_ok.json"}))
    live = frame[frame["indicator_id"] == "cloud_regions"].set_index("iso3")
    ann = frame[frame["indicator_id"] == "cloud_regions_announced"].set_index("iso3")
    assert live["value"].to_dict() == {"AUS": 2.0, "AUT": 0.0, "CHN": 2.0, "HKG": 1.0, "TUR": 1.0}
    assert ann["value"].to_dict() == {"AUS": 0.0, "AUT": 1.0, "CHN": 0.0, "HKG": 0.0, "TUR": 0.0}
    assert live.loc["CHN", "note"] == "2 repeated listing(s) of the same region counted once"
    assert live.loc["AUS", "note"] == "1 repeated listing(s) of the same region counted once"
    assert live.loc["AUT", "note"] == "no region in service; 1 announced"
    assert live.loc["HKG", "note"] == "filed under China by the map; counted here by metro name"
    assert pd.isna(live.loc["TUR", "note"])


def test_malformed_json(fixture_ctx):
    text = dump(base_doc())
    cut = text[: len(text) // 2]
    expect_error(fixture_ctx, cut, row=cut.count("\n") + 1, column="$", match="malformed JSON")


def test_empty_file(fixture_ctx):
    expect_error(fixture_ctx, "", row=None, column=None, match="file is empty")


def test_missing_top_key(fixture_ctx):
    expect_error(fixture_ctx, dump({"name": "Cloud Regions", "regions": []}), row=None, column="$.cloud_regions",
                 match="missing key 'cloud_regions'")


def test_no_metros(fixture_ctx):
    expect_error(fixture_ctx, dump({"name": "Cloud Regions", "cloud_regions": []}), row=None,
                 column="$.cloud_regions", match="no metro areas")


def test_missing_country_key(fixture_ctx):
    doc = base_doc()
    del doc["cloud_regions"][2]["country"]
    expect_error(fixture_ctx, dump(doc), row=None, column="$.cloud_regions[2].country", match="missing key 'country'")


def test_missing_provider_key(fixture_ctx):
    doc = base_doc()
    del doc["cloud_regions"][0]["cloud_service_providers"][2]["in_service"]
    expect_error(fixture_ctx, dump(doc), row=None, column="$.cloud_regions[0].cloud_service_providers[2].in_service",
                 match="missing key 'in_service'")


def test_non_boolean_in_service(fixture_ctx):
    doc = base_doc()
    doc["cloud_regions"][5]["cloud_service_providers"][0]["in_service"] = "yes"
    expect_error(fixture_ctx, dump(doc), row=None, column="$.cloud_regions[5].cloud_service_providers[0].in_service",
                 match="expected bool, found str 'yes'")


def test_provider_not_an_object(fixture_ctx):
    doc = base_doc()
    doc["cloud_regions"][1]["cloud_service_providers"][0] = "Alibaba Cloud"
    expect_error(fixture_ctx, dump(doc), row=None, column="$.cloud_regions[1].cloud_service_providers[0]",
                 match="expected a JSON object")


def test_unknown_country(fixture_ctx):
    doc = base_doc()
    doc["cloud_regions"][4]["country"] = "Atlantis"
    text = dump(doc)
    line = text.splitlines().index('      "country": "Atlantis",') + 1
    expect_error(fixture_ctx, text, row=line, column="$.cloud_regions[4].country", match="unknown country 'Atlantis'")


def test_conflicting_duplicate(fixture_ctx):
    doc = base_doc()
    second = copy.deepcopy(doc["cloud_regions"][3])
    second["cloud_service_providers"][1]["in_service"] = False
    doc["cloud_regions"][3] = second
    expect_error(fixture_ctx, dump(doc), row=None, column="$.cloud_regions[3].cloud_service_providers[1].in_service",
                 match="duplicate key")
