"""Tortoise Global AI Index adapter: real-file spot checks, the undated-edition note, and bad inputs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from aigap.sources import tortoise
from aigap.sources.base import TIDY_COLUMNS, SourceFormatError
from aigap.validate import validate_observations

FIX = Path(__file__).resolve().parent / "fixtures" / "tortoise"
INDICATORS = {i.id: i for i in tortoise.INDICATORS}
PILLARS = ["Talent", "Infrastructure", "Operating Environment", "Research", "Development",
           "Government Strategy", "Commercial"]


@pytest.fixture()
def tidy(ctx):
    return tortoise.parse(ctx)


@pytest.fixture()
def raw(raw_dir):
    return pd.read_csv(raw_dir / tortoise.SOURCE.folder / tortoise.FILE).set_index("Country")


def _value(frame, iso3, indicator):
    hit = frame[(frame["iso3"] == iso3) & (frame["indicator_id"] == indicator)]
    assert len(hit) == 1, (iso3, indicator, len(hit))
    return float(hit["value"].iloc[0])


def test_shape_and_validation(tidy, reference):
    assert list(tidy.columns) == TIDY_COLUMNS
    validate_observations(tidy, reference[0], INDICATORS, "tortoise")
    assert len(tidy) == 62 * 8
    assert set(tidy["indicator_id"]) == set(INDICATORS) and len(INDICATORS) == 8
    assert set(tidy["period"]) == {"2021"}
    assert set(tidy["note"]) == {"edition year not stated in the file; c. 2021 (see caveats)"}
    assert any("edition year" in c for c in tortoise.SOURCE.caveats)


def test_spot_values(tidy, raw):
    assert _value(tidy, "USA", "tortoise_gaii") == 100.0 == raw.loc["United States of America", "Total score"]
    assert _value(tidy, "CHN", "tortoise_gaii") == 62.92 == raw.loc["China", "Total score"]
    assert _value(tidy, "GBR", "tortoise_gaii") == raw.loc["United Kingdom", "Total score"]
    assert _value(tidy, "NLD", "tortoise_gaii_talent") == raw.loc["The Netherlands", "Talent"]
    assert _value(tidy, "TUR", "tortoise_gaii_commercial") == raw.loc["Turkey", "Commercial"]
    assert _value(tidy, "KOR", "tortoise_gaii_government_strategy") == raw.loc["South Korea", "Government Strategy"]
    assert _value(tidy, "CHN", "tortoise_gaii_infrastructure") == 100.0


def test_every_pillar_matches_the_file(tidy, raw):
    ids = {c: tortoise.COLUMNS[c][0] for c in [*PILLARS, "Total score"]}
    wide = tidy.pivot(index="iso3", columns="indicator_id", values="value")
    for country, iso3 in (("India", "IND"), ("Brazil", "BRA"), ("South Africa", "ZAF"), ("Hong Kong", "HKG")):
        for column, ind in ids.items():
            assert wide.loc[iso3, ind] == raw.loc[country, column], (country, column)


def test_ranks_stated_in_source_md(tidy):
    total = tidy[tidy["indicator_id"] == "tortoise_gaii"].sort_values("value", ascending=False)
    order = total["iso3"].tolist()
    assert order[:3] == ["USA", "CHN", "GBR"]
    assert order.index("IND") + 1 == 17
    assert order.index("BRA") + 1 == 39
    assert order.index("ZAF") + 1 == 55


# --- small fixtures ---------------------------------------------------------------------------


def _run(fixture_ctx, name):
    return tortoise.parse(fixture_ctx(tortoise.SOURCE.folder, {tortoise.FILE: FIX / name}))


def _fails(fixture_ctx, name) -> SourceFormatError:
    with pytest.raises(SourceFormatError) as info:
        _run(fixture_ctx, name)
    exc = info.value
    assert exc.file.endswith(f"tortoise_global_ai_index/{tortoise.FILE}")
    return exc


def test_good_fixture(fixture_ctx):
    out = _run(fixture_ctx, "good.csv")
    assert sorted(set(out["iso3"])) == ["NLD", "TUR", "USA"]
    assert len(out) == 3 * 8
    assert _value(out, "TUR", "tortoise_gaii") == 14.39


def test_missing_column(fixture_ctx):
    exc = _fails(fixture_ctx, "missing_column.csv")
    assert (exc.row, exc.column) == (1, "Government Strategy")


def test_non_numeric(fixture_ctx):
    exc = _fails(fixture_ctx, "non_numeric.csv")
    assert (exc.row, exc.column) == (3, "Talent")
    assert "'n/a'" in str(exc)


def test_duplicate_country(fixture_ctx):
    exc = _fails(fixture_ctx, "duplicate.csv")
    assert (exc.row, exc.column) == (4, "Country")
    assert "duplicate" in str(exc)


def test_two_names_for_one_country(fixture_ctx):
    exc = _fails(fixture_ctx, "same_country.csv")
    assert (exc.row, exc.column) == (4, "Country")
    assert "NLD" in str(exc)


def test_unknown_country(fixture_ctx):
    exc = _fails(fixture_ctx, "unknown.csv")
    assert (exc.row, exc.column) == (4, "Country")
    assert "unknown country 'Turkey (Europe)'" in str(exc)


def test_truncated(fixture_ctx):
    exc = _fails(fixture_ctx, "truncated.csv")
    assert exc.row == 4


def test_empty(fixture_ctx):
    exc = _fails(fixture_ctx, "empty.csv")
    assert "empty" in str(exc)
