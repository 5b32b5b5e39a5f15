"""Oxford Insights Government AI Readiness adapter: real-file spot checks and bad inputs for both editions."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from aigap.sources import oxford
from aigap.sources.base import TIDY_COLUMNS, SourceFormatError
from aigap.validate import validate_observations

FIX = Path(__file__).resolve().parent / "fixtures" / "oxford"
INDICATORS = {i.id: i for i in oxford.INDICATORS}


@pytest.fixture()
def tidy(ctx):
    return oxford.parse(ctx)


def _value(frame, iso3, indicator, period):
    hit = frame[(frame["iso3"] == iso3) & (frame["indicator_id"] == indicator) & (frame["period"] == period)]
    assert len(hit) == 1, (iso3, indicator, period, len(hit))
    return float(hit["value"].iloc[0])


def test_shape_and_validation(tidy, reference):
    assert list(tidy.columns) == TIDY_COLUMNS
    validate_observations(tidy, reference[0], INDICATORS, "oxford")
    counts = tidy.groupby(["indicator_id", "period"]).size().to_dict()
    assert counts == {
        ("oxford_gairi", "2023"): 193,
        ("oxford_gairi", "2024"): 188,
        ("oxford_gairi_government", "2024"): 188,
        ("oxford_gairi_technology", "2024"): 188,
        ("oxford_gairi_data_infrastructure", "2024"): 188,
    }
    assert tidy["note"].isna().all()


def test_2024_spot_values(tidy, raw_dir):
    raw = pd.read_csv(raw_dir / oxford.SOURCE.folder / oxford.FILE_2024).set_index("country")
    assert _value(tidy, "USA", "oxford_gairi", "2024") == 87.03 == raw.loc["United States", "total_score"]
    for name, iso3 in (("Singapore", "SGP"), ("Republic of Korea", "KOR"), ("Turkiye", "TUR"),
                       ("Cote d'Ivoire", "CIV"), ("Lao PDR", "LAO"), ("Viet Nam", "VNM"), ("China", "CHN")):
        assert _value(tidy, iso3, "oxford_gairi", "2024") == raw.loc[name, "total_score"]
    assert _value(tidy, "IND", "oxford_gairi_government", "2024") == raw.loc["India", "government_pillar"]
    assert _value(tidy, "BRA", "oxford_gairi_technology", "2024") == raw.loc["Brazil", "technology_sector_pillar"]
    assert _value(tidy, "ZAF", "oxford_gairi_data_infrastructure", "2024") == \
        raw.loc["South Africa", "data_infrastructure_pillar"]


def test_2024_total_is_the_mean_of_the_pillars(tidy):
    wide = tidy[tidy["period"] == "2024"].pivot(index="iso3", columns="indicator_id", values="value")
    mean = wide[["oxford_gairi_government", "oxford_gairi_technology", "oxford_gairi_data_infrastructure"]].mean(axis=1)
    assert ((mean - wide["oxford_gairi"]).abs() <= 0.0075).all()


def test_2023_spot_values(tidy, raw_dir):
    raw = pd.read_csv(raw_dir / oxford.SOURCE.folder / oxford.FILE_2023).set_index("iso3")
    assert _value(tidy, "USA", "oxford_gairi", "2023") == 84.8 == raw.loc["USA", "oxford_gairi_2023_total"]
    for iso3 in ("CHN", "BRA", "IND", "ZAF"):
        assert _value(tidy, iso3, "oxford_gairi", "2023") == raw.loc[iso3, "oxford_gairi_2023_total"]


def test_2023_matches_the_json_it_was_extracted_from(tidy, raw_dir):
    path = raw_dir / "imf_aipi" / "global-ai-metrics.json"
    if not path.is_file():
        pytest.skip("imf_aipi JSON not present")
    gov = json.loads(path.read_text(encoding="utf-8"))["metrics"]["governmentReadiness"]
    ours = tidy[(tidy["indicator_id"] == "oxford_gairi") & (tidy["period"] == "2023")]
    assert dict(zip(ours["iso3"], ours["value"])) == gov


def test_no_exclusions(ctx):
    oxford.parse(ctx)
    assert ctx.resolver.exclusions_frame().empty


# --- small fixtures ---------------------------------------------------------------------------


def _ctx(fixture_ctx, f2023="good_2023.csv", f2024="good_2024.csv"):
    return fixture_ctx(oxford.SOURCE.folder, {oxford.FILE_2023: FIX / f2023, oxford.FILE_2024: FIX / f2024})


def _fails(fixture_ctx, expected_file, **files) -> SourceFormatError:
    with pytest.raises(SourceFormatError) as info:
        oxford.parse(_ctx(fixture_ctx, **files))
    exc = info.value
    assert exc.file.endswith(f"oxford_insights_gairi/{expected_file}")
    return exc


def test_good_fixtures(fixture_ctx):
    out = oxford.parse(_ctx(fixture_ctx))
    assert len(out) == 3 + 3 * 4
    assert _value(out, "KOR", "oxford_gairi", "2024") == 79.98
    assert _value(out, "TUR", "oxford_gairi_data_infrastructure", "2024") == 73.6
    assert _value(out, "ZAF", "oxford_gairi", "2023") == 47.28


def test_2023_wrong_year(fixture_ctx):
    exc = _fails(fixture_ctx, oxford.FILE_2023, f2023="2023_wrong_year.csv")
    assert (exc.row, exc.column) == (3, "year")


def test_2023_duplicate_key(fixture_ctx):
    exc = _fails(fixture_ctx, oxford.FILE_2023, f2023="2023_duplicate.csv")
    assert (exc.row, exc.column) == (4, "iso3")
    assert "duplicate" in str(exc)


def test_2023_unknown_code(fixture_ctx):
    exc = _fails(fixture_ctx, oxford.FILE_2023, f2023="2023_unknown.csv")
    assert (exc.row, exc.column) == (4, "iso3")
    assert "unknown country 'SAF'" in str(exc)


def test_2024_missing_column(fixture_ctx):
    exc = _fails(fixture_ctx, oxford.FILE_2024, f2024="2024_missing_column.csv")
    assert (exc.row, exc.column) == (1, "data_infrastructure_pillar")


def test_2024_non_numeric(fixture_ctx):
    exc = _fails(fixture_ctx, oxford.FILE_2024, f2024="2024_non_numeric.csv")
    assert (exc.row, exc.column) == (3, "total_score")
    assert "'58,03'" in str(exc)


def test_2024_duplicate_country(fixture_ctx):
    exc = _fails(fixture_ctx, oxford.FILE_2024, f2024="2024_duplicate.csv")
    assert (exc.row, exc.column) == (3, "country")


def test_2024_two_names_for_one_country(fixture_ctx):
    exc = _fails(fixture_ctx, oxford.FILE_2024, f2024="2024_same_country.csv")
    assert (exc.row, exc.column) == (3, "country")
    assert "KOR" in str(exc)


def test_2024_unknown_country(fixture_ctx):
    exc = _fails(fixture_ctx, oxford.FILE_2024, f2024="2024_unknown.csv")
    assert (exc.row, exc.column) == (3, "country")
    assert "unknown country 'Turkiye (2024)'" in str(exc)


def test_2024_truncated(fixture_ctx):
    exc = _fails(fixture_ctx, oxford.FILE_2024, f2024="2024_truncated.csv")
    assert exc.row == 4
    assert "truncated" in str(exc)


def test_2024_empty(fixture_ctx):
    exc = _fails(fixture_ctx, oxford.FILE_2024, f2024="2024_empty.csv")
    assert "empty" in str(exc)
