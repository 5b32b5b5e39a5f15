"""OECD.AI VC investment adapter: real-file spot checks and strict handling of malformed exports."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from aigap.sources import oecd
from aigap.sources.base import TIDY_COLUMNS, SourceFormatError
from aigap.validate import validate_observations

FOLDER = oecd.SOURCE.folder
FILE = oecd.FILE
FIX = Path(__file__).resolve().parent / "fixtures" / "oecd"


def _raw(raw_dir) -> pd.DataFrame:
    # Independent reading: plain pandas, numbers parsed by pandas itself.
    return pd.read_csv(raw_dir / FOLDER / FILE, keep_default_na=False)


def _value(frame: pd.DataFrame, iso3: str, period: str) -> float:
    hit = frame[(frame["iso3"] == iso3) & (frame["period"] == period)]
    assert len(hit) == 1, (iso3, period, hit)
    return float(hit["value"].iloc[0])


# --- real file -------------------------------------------------------------------------------------


def test_real_file_shape_and_validation(ctx, reference):
    out = oecd.parse(ctx)
    assert list(out.columns) == TIDY_COLUMNS
    validate_observations(out, reference[0], {i.id: i for i in oecd.INDICATORS}, "oecd")
    assert set(out["indicator_id"]) == {"ai_vc_investment"}
    assert set(out["source_id"]) == {"oecd_ai_vc_investment"}


def test_real_file_spot_checks(ctx, raw_dir):
    out = oecd.parse(ctx)
    raw = _raw(raw_dir)
    # Published figures quoted in SOURCE.md (USD millions, nominal).
    assert _value(out, "USA", "2025") == 202518
    assert _value(out, "USA", "2024") == 106165
    assert _value(out, "CHN", "2025") == 19102
    assert _value(out, "IND", "2025") == 2256
    assert _value(out, "BRA", "2025") == 868
    # Every country row of the raw file comes through unchanged.
    for code, year in [("USA", 2026), ("ZAF", 2025), ("ARE", 2025), ("SAU", 2025), ("TWN", 2012), ("KOR", 2012)]:
        expected = raw.loc[(raw["Country"] == code) & (raw["Year"] == year), "Sum_of_deals"]
        assert len(expected) == 1
        assert _value(out, code, str(year)) == float(expected.iloc[0])
    countries = raw[~raw["Country"].isin(["GPAI", "OECD", "EU27"])]
    assert len(out) == len(countries)
    assert out["iso3"].nunique() == countries["Country"].nunique() == 114
    # Explicit zeros (deal-less years) are published values and kept.
    assert (out["value"] == 0).sum() == (countries["Sum_of_deals"] == 0).sum() > 0


def test_real_file_partial_year_note(ctx, raw_dir):
    out = oecd.parse(ctx)
    partial = out[out["period"] == "2026"]
    assert len(partial) > 0
    assert set(partial["note"]) == {"year to date (OECD.AI export of 2026-09-27)"}
    assert out.loc[out["period"] != "2026", "note"].isna().all()


def test_real_file_aggregates_excluded_and_recorded(ctx, raw_dir):
    out = oecd.parse(ctx)
    assert not set(out["iso3"]) & {"GPAI", "OECD", "EU27"}
    raw = _raw(raw_dir)
    excl = ctx.resolver.exclusions_frame()
    excl = excl[excl["file"] == f"{FOLDER}/{FILE}"]
    assert set(excl["raw_value"]) == {"GPAI", "OECD", "EU27"}
    assert set(excl["column"]) == {"Country"}
    for _, row in excl.iterrows():
        assert row["reason"].startswith("aggregate")
        assert row["rows"] == (raw["Country"] == row["raw_value"]).sum()


def test_source_metadata():
    assert oecd.SOURCE.manual and "oecd.ai" in oecd.SOURCE.manual and FOLDER in oecd.SOURCE.manual
    assert not oecd.SOURCE.downloads
    text = " ".join(oecd.SOURCE.caveats).lower()
    for word in ("nominal", "headquarter", "preqin", "2026"):
        assert word in text


# --- fixtures --------------------------------------------------------------------------------------


def test_fixture_ok(fixture_ctx):
    ctx = fixture_ctx(FOLDER, {FILE: FIX / "ok.csv"})
    out = oecd.parse(ctx).set_index(["iso3", "period"])
    assert out.loc[("USA", "2025"), "value"] == 202518
    assert out.loc[("USA", "2026"), "note"] == oecd.PARTIAL_NOTE
    assert pd.isna(out.loc[("USA", "2025"), "note"])
    assert out.loc[("CIV", "2025"), "value"] == 0
    assert len(out) == 3
    excl = ctx.resolver.exclusions_frame()
    assert excl[["raw_value", "rows"]].values.tolist() == [["OECD", 1]]


@pytest.mark.parametrize(
    "fixture, row, column, words",
    [
        ("missing_column.csv", 1, "Sum_of_deals", "missing column"),
        ("renamed_column.csv", 1, "Sum_of_deals", "missing column"),
        ("non_numeric.csv", 3, "Sum_of_deals", "non-numeric"),
        ("duplicate_key.csv", 4, "Country", "duplicate key"),
        ("unknown_country.csv", 3, "Country", "unknown country 'G20'"),
        ("other_stage.csv", 3, "STAGE", "'Seed'"),
        ("other_industry.csv", 2, "INDUSTRY", "'Healthcare'"),
        ("bad_year.csv", 2, "Year", "not a year"),
        ("truncated.csv", 3, None, "expected 6 fields"),
        ("empty.csv", None, None, "empty"),
        ("header_only.csv", None, None, "no data rows"),
    ],
)
def test_fixture_errors(fixture_ctx, fixture, row, column, words):
    ctx = fixture_ctx(FOLDER, {FILE: FIX / fixture})
    with pytest.raises(SourceFormatError) as info:
        oecd.parse(ctx)
    exc = info.value
    assert exc.file.endswith(f"{FOLDER}/{FILE}")
    assert exc.row == row
    assert exc.column == column
    assert words in str(exc)


def test_missing_file(fixture_ctx):
    ctx = fixture_ctx(FOLDER, {"other.csv": "x"})
    with pytest.raises(SourceFormatError, match="file not found") as info:
        oecd.parse(ctx)
    assert info.value.file.endswith(FILE)
