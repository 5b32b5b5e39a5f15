"""Microsoft AI diffusion adapter: Mac Roman file, percent values, periods from headers, and bad inputs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from aigap.sources import microsoft
from aigap.sources.base import TIDY_COLUMNS, SourceFormatError
from aigap.validate import validate_observations

FIX = Path(__file__).resolve().parent / "fixtures" / "microsoft"
INDICATORS = {i.id: i for i in microsoft.INDICATORS}


@pytest.fixture()
def tidy(ctx):
    return microsoft.parse(ctx)


@pytest.fixture()
def raw(raw_dir):
    frame = pd.read_csv(raw_dir / microsoft.SOURCE.folder / microsoft.FILE, encoding="mac_roman", dtype=str)
    return frame.set_index("Economy")


def _value(frame, iso3, period):
    hit = frame[(frame["iso3"] == iso3) & (frame["period"] == period)]
    assert len(hit) == 1, (iso3, period, len(hit))
    return float(hit["value"].iloc[0])


def _pct(text: str) -> float:
    assert text.endswith("%")
    return float(text[:-1])


def test_shape_and_validation(tidy, reference):
    assert list(tidy.columns) == TIDY_COLUMNS
    validate_observations(tidy, reference[0], INDICATORS, "microsoft")
    assert set(tidy["indicator_id"]) == {"ai_diffusion"}
    assert tidy.groupby("period").size().to_dict() == {"2025-H1": 147, "2025-H2": 147, "2026-Q1": 147}
    assert tidy["note"].isna().all()


def test_spot_values(tidy, raw):
    assert _value(tidy, "ARE", "2026-Q1") == 70.1 == _pct(raw.loc["United Arab Emirates", "Q1 2026 AI Diffusion"])
    assert _value(tidy, "ARE", "2025-H1") == _pct(raw.loc["United Arab Emirates", "H1 2025 AI Diffusion"])
    for name, iso3 in (("Singapore", "SGP"), ("United States", "USA"), ("South Africa", "ZAF"),
                       ("Brazil", "BRA"), ("India", "IND"), ("China", "CHN"), ("South Korea", "KOR"),
                       ("Taiwan", "TWN"), ("Congo (DRC)", "COD"), ("Congo", "COG")):
        for column, period in (("H2 2025 AI Diffusion", "2025-H2"), ("Q1 2026 AI Diffusion", "2026-Q1")):
            assert _value(tidy, iso3, period) == _pct(raw.loc[name, column]), (name, period)


def test_turkiye_is_decoded_and_mapped(tidy, raw, raw_dir):
    assert b"T\x9frkiye" in (raw_dir / microsoft.SOURCE.folder / microsoft.FILE).read_bytes()
    assert "Türkiye" in raw.index
    assert _value(tidy, "TUR", "2026-Q1") == _pct(raw.loc["Türkiye", "Q1 2026 AI Diffusion"])


def test_no_exclusions(ctx):
    microsoft.parse(ctx)
    assert ctx.resolver.exclusions_frame().empty


@pytest.mark.parametrize("header, period", [
    ("H1 2025 AI Diffusion", "2025-H1"),
    ("H2 2025 AI Diffusion", "2025-H2"),
    ("Q1 2026 AI Diffusion", "2026-Q1"),
    ("Q4 2027 AI Diffusion", "2027-Q4"),
    ("Q1 2026 AI Diffusion (revised)", None),
    ("2026 AI Diffusion", None),
    ("H3 2025 AI Diffusion", None),
])
def test_period_of(header, period):
    assert microsoft.period_of(header) == period


# --- small fixtures ---------------------------------------------------------------------------


def _run(fixture_ctx, name):
    ctx = fixture_ctx(microsoft.SOURCE.folder, {microsoft.FILE: FIX / name})
    return microsoft.parse(ctx)


def _fails(fixture_ctx, name) -> SourceFormatError:
    with pytest.raises(SourceFormatError) as info:
        _run(fixture_ctx, name)
    exc = info.value
    assert exc.file.endswith(f"microsoft_ai_diffusion/{microsoft.FILE}")
    return exc


def test_good_fixture(fixture_ctx):
    out = _run(fixture_ctx, "good.csv")
    assert sorted(set(out["iso3"])) == ["ARE", "COD", "TUR"]
    assert len(out) == 9
    assert _value(out, "TUR", "2026-Q1") == 17.4
    assert _value(out, "COD", "2025-H1") == 7.0


def test_missing_column(fixture_ctx):
    exc = _fails(fixture_ctx, "missing_column.csv")
    assert (exc.row, exc.column) == (1, "Economy")


def test_unrecognised_header(fixture_ctx):
    exc = _fails(fixture_ctx, "bad_header.csv")
    assert (exc.row, exc.column) == (1, "Q1 2026 AI Diffusion (revised)")
    assert "unrecognised column header" in str(exc)


def test_value_without_percent_sign(fixture_ctx):
    exc = _fails(fixture_ctx, "no_percent.csv")
    assert (exc.row, exc.column) == (2, "Q1 2026 AI Diffusion")
    assert "'0.701'" in str(exc)


def test_non_numeric(fixture_ctx):
    exc = _fails(fixture_ctx, "non_numeric.csv")
    assert (exc.row, exc.column) == (2, "Q1 2026 AI Diffusion")
    assert "non-numeric" in str(exc)


def test_duplicate_economy(fixture_ctx):
    exc = _fails(fixture_ctx, "duplicate.csv")
    assert (exc.row, exc.column) == (4, "Economy")
    assert "duplicate" in str(exc)


def test_two_names_for_one_country(fixture_ctx):
    exc = _fails(fixture_ctx, "same_country.csv")
    assert (exc.row, exc.column) == (4, "Economy")
    assert "COD" in str(exc)


def test_unknown_country(fixture_ctx):
    exc = _fails(fixture_ctx, "unknown.csv")
    assert (exc.row, exc.column) == (4, "Economy")
    assert "unknown country 'Congo (Kinshasa)'" in str(exc)


def test_truncated(fixture_ctx):
    exc = _fails(fixture_ctx, "truncated.csv")
    assert exc.row == 4


def test_empty(fixture_ctx):
    exc = _fails(fixture_ctx, "empty.csv")
    assert "empty" in str(exc)


def test_utf8_resaved_file_fails_on_the_mangled_name(fixture_ctx):
    """Every byte decodes in Mac Roman, so a UTF-8 re-save cannot fail at decoding: "Türkiye" comes out as
    "T√ºrkiye", which the resolver rejects as an unknown country naming the row and column."""
    data = (FIX / "utf8.csv").read_bytes()
    assert "Türkiye".encode("utf-8") in data
    assert "Türkiye".encode("utf-8").decode("mac_roman") == "T√ºrkiye"
    exc = _fails(fixture_ctx, "utf8.csv")
    assert (exc.row, exc.column) == (3, "Economy")
    assert "unknown country 'T√ºrkiye'" in str(exc)
