"""Epoch AI models adapter: per-country model counts checked against an independent count of the raw files."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from aigap.sources import epoch_models as em
from aigap.sources.base import TIDY_COLUMNS, SourceFormatError
from aigap.validate import validate_observations

FIX = Path(__file__).resolve().parent / "fixtures" / "epoch_models"
NOTABLE = em.NOTABLE.folder
LARGE = em.LARGE_SCALE.folder
NOTABLE_FILE = "notable_ai_models.csv"
LARGE_FILE = "large_scale_ai_models.csv"
COUNTRY = "Country (of organization)"
INDICATORS = {i.id: i for i in em.INDICATORS}

# Epoch's spelling -> ISO3, typed here for the test only.
NAMES = {
    "United States of America": "USA",
    "China": "CHN",
    "United Kingdom of Great Britain and Northern Ireland": "GBR",
    "France": "FRA",
    "Korea (Republic of)": "KOR",
    "Canada": "CAN",
    "Germany": "DEU",
    "Singapore": "SGP",
    "Hong Kong": "HKG",
    "Israel": "ISR",
    "Saudi Arabia": "SAU",
    "Japan": "JPN",
    "Switzerland": "CHE",
    "United Arab Emirates": "ARE",
    "India": "IND",
    "Taiwan": "TWN",
    "Iran (Islamic Republic of)": "IRN",
}


def _records(raw_dir, folder, name) -> list[dict[str, str]]:
    with open(raw_dir / folder / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _tokens(record) -> set[str]:
    return {t.strip() for t in record[COUNTRY].split(",") if t.strip()}


def _independent(records, *, since: int = 0, open_only: bool = False) -> Counter:
    """Models per country token (each model once per distinct token), from plain csv."""
    counts: Counter = Counter()
    for rec in records:
        if int(rec["Publication date"][:4]) < since:
            continue
        if open_only and not rec["Model accessibility"].startswith("Open weights"):
            continue
        counts.update(_tokens(rec))
    return counts


def _sum_since(out, indicator, iso3, since) -> float:
    part = out[(out["indicator_id"] == indicator) & (out["iso3"] == iso3) & (out["period"].astype(int) >= since)]
    return float(part["value"].sum())


# --- real files ------------------------------------------------------------------------------------


def test_real_files_validate(ctx, reference):
    out = em.parse(ctx)
    assert list(out.columns) == TIDY_COLUMNS
    validate_observations(out, reference[0], INDICATORS, "epoch_models")
    assert set(out["indicator_id"]) == set(INDICATORS)
    assert (out["value"] >= 1).all()  # only country-years with a model
    assert out["period"].str.fullmatch(r"\d{4}").all()


def test_real_notable_published_counts(ctx, raw_dir):
    out = em.parse(ctx)
    # SOURCE.md: models with >= 1 organisation in the country, publication year >= 2020.
    published = {"USA": 351, "CHN": 126, "GBR": 69, "FRA": 27, "KOR": 18, "CAN": 14, "DEU": 14,
                 "SGP": 11, "HKG": 8, "ISR": 7, "SAU": 4, "JPN": 4}
    independent = _independent(_records(raw_dir, NOTABLE, NOTABLE_FILE), since=2020)
    for name, iso3 in NAMES.items():
        got = _sum_since(out, "notable_ai_models", iso3, 2020)
        assert got == independent[name], name
        if iso3 in published:
            assert got == published[iso3], iso3
    # All-time: India 2; Brazil and South Africa have no notable model (absent rows, not zeros).
    assert _sum_since(out, "notable_ai_models", "IND", 0) == 2
    assert not out["iso3"].isin(["BRA", "ZAF"]).any()


def test_real_notable_per_year_and_total(ctx, raw_dir):
    out = em.parse(ctx)
    records = _records(raw_dir, NOTABLE, NOTABLE_FILE)
    by_year: Counter = Counter()
    total = 0
    for rec in records:
        tokens = _tokens(rec) - {"Multinational"}
        total += len(tokens)
        if "United States of America" in tokens:
            by_year[rec["Publication date"][:4]] += 1
    notable = out[out["indicator_id"] == "notable_ai_models"]
    assert notable["value"].sum() == total  # no country token lost
    usa = notable[notable["iso3"] == "USA"]
    assert dict(zip(usa["period"], usa["value"])) == {y: float(n) for y, n in by_year.items()}


def test_real_open_weights(ctx, raw_dir):
    out = em.parse(ctx)
    records = _records(raw_dir, NOTABLE, NOTABLE_FILE)
    kinds = {r["Model accessibility"] for r in records}
    assert {k for k in kinds if k.startswith("Open weights")} == {
        "Open weights (unrestricted)", "Open weights (non-commercial)", "Open weights (restricted use)"
    }
    independent = _independent(records, open_only=True)
    for name, iso3 in NAMES.items():
        assert _sum_since(out, "open_weight_ai_models", iso3, 0) == independent[name], name
    opened = out[out["indicator_id"] == "open_weight_ai_models"]
    assert opened["value"].sum() == sum(n for t, n in independent.items() if t != "Multinational")
    # A subset of the notable models, country-year by country-year.
    merged = opened.merge(out[out["indicator_id"] == "notable_ai_models"], on=["iso3", "period"])
    assert len(merged) == len(opened)
    assert (merged["value_x"] <= merged["value_y"]).all()


def test_real_large_scale(ctx, raw_dir):
    out = em.parse(ctx)
    # SOURCE.md: any organisation in the country, 2020+.
    published = {"USA": 141, "CHN": 115, "FRA": 21, "GBR": 18, "CAN": 17, "KOR": 14, "HKG": 5,
                 "DEU": 4, "JPN": 4, "CHE": 4, "ARE": 3}
    records = _records(raw_dir, LARGE, LARGE_FILE)
    independent = _independent(records, since=2020)
    for name, iso3 in NAMES.items():
        got = _sum_since(out, "large_scale_ai_models", iso3, 2020)
        assert got == independent[name], name
        if iso3 in published:
            assert got == published[iso3], iso3
    assert not out[out["indicator_id"] == "large_scale_ai_models"]["iso3"].isin(["IND", "BRA", "ZAF"]).any()


def test_real_partial_year_notes(ctx, raw_dir):
    out = em.parse(ctx)
    large = out[out["indicator_id"] == "large_scale_ai_models"]
    latest = max(r["Publication date"] for r in _records(raw_dir, LARGE, LARGE_FILE))
    assert latest == "2025-04-29"
    noted = large[large["note"].notna()]
    assert set(noted["period"]) == {"2025"}
    assert len(noted) == (large["period"] == "2025").sum()
    assert all(latest in note for note in noted["note"])
    # The notable file runs to 31 December 2025: no partial-year label.
    assert out.loc[out["source_id"] == NOTABLE, "note"].isna().all()


def test_real_exclusions_recorded(ctx, raw_dir):
    em.parse(ctx)
    excl = ctx.resolver.exclusions_frame()
    rows = {(r.file, r.raw_value): r.rows for r in excl.itertuples()}
    notable = _records(raw_dir, NOTABLE, NOTABLE_FILE)
    large = _records(raw_dir, LARGE, LARGE_FILE)
    blank = sum(1 for r in notable if not r[COUNTRY].strip())
    assert blank == 19  # SOURCE.md
    assert rows[(f"{NOTABLE}/{NOTABLE_FILE}", "(blank)")] == blank
    assert rows[(f"{NOTABLE}/{NOTABLE_FILE}", "Multinational")] == sum("Multinational" in _tokens(r) for r in notable)
    assert rows[(f"{LARGE}/{LARGE_FILE}", "Multinational")] == sum("Multinational" in _tokens(r) for r in large)
    assert (f"{LARGE}/{LARGE_FILE}", "(blank)") not in rows
    assert set(excl["column"]) == {COUNTRY}


def test_metadata():
    assert em.NOTABLE.downloads == {NOTABLE_FILE: "https://epoch.ai/data/notable_ai_models.csv"}
    assert em.LARGE_SCALE.downloads == {LARGE_FILE: "https://epoch.ai/data/large_scale_ai_models.csv"}
    for ind in em.INDICATORS:
        assert ind.pillar == "models" and ind.unit == "models" and ind.kind == "total"
        assert "absent" in ind.description.lower()
    assert "April 2025" in " ".join(em.LARGE_SCALE.caveats)


# --- fixtures --------------------------------------------------------------------------------------


def test_fixture_ok(fixture_ctx):
    ctx = fixture_ctx(NOTABLE, {NOTABLE_FILE: FIX / "notable_ok.csv"})
    ctx = fixture_ctx(LARGE, {LARGE_FILE: FIX / "large_ok.csv"})  # same raw root, second folder
    out = em.parse(ctx)
    got = {(r.indicator_id, r.iso3, r.period): r.value for r in out.itertuples()}
    assert got == {
        ("notable_ai_models", "KOR", "2025"): 1,
        ("notable_ai_models", "USA", "2024"): 2,  # repeated USA token counts once
        ("notable_ai_models", "GBR", "2024"): 1,
        ("open_weight_ai_models", "KOR", "2025"): 1,
        ("open_weight_ai_models", "USA", "2024"): 1,
        ("open_weight_ai_models", "GBR", "2024"): 1,
        ("large_scale_ai_models", "CHN", "2025"): 1,
        ("large_scale_ai_models", "CHN", "2024"): 1,
        ("large_scale_ai_models", "HKG", "2024"): 1,
    }
    notes = {(r.indicator_id, r.iso3, r.period): r.note for r in out.itertuples() if isinstance(r.note, str)}
    assert notes == {
        ("large_scale_ai_models", "CHN", "2025"): "partial year: file's latest model is dated 2025-04-29"
    }
    excl = ctx.resolver.exclusions_frame()
    assert sorted(zip(excl["file"], excl["raw_value"], excl["rows"])) == [
        (f"{LARGE}/{LARGE_FILE}", "Multinational", 1),
        (f"{NOTABLE}/{NOTABLE_FILE}", "(blank)", 1),
        (f"{NOTABLE}/{NOTABLE_FILE}", "Multinational", 1),  # repeated token counts once
    ]


@pytest.mark.parametrize(
    "fixture, row, column, words",
    [
        ("missing_column.csv", 1, COUNTRY, "missing column"),
        ("renamed_column.csv", 1, COUNTRY, "missing column"),
        ("bad_date.csv", 3, "Publication date", "'2024-13-01'"),
        ("duplicate_model.csv", 4, "Model", "duplicate key"),
        ("unknown_country.csv", 4, COUNTRY, "unknown country 'Atlantis'"),
        ("empty_token.csv", 2, COUNTRY, "empty country"),
        ("unknown_access.csv", 3, "Model accessibility", "'Open source'"),
        ("truncated.csv", 3, None, "truncated"),
        ("empty.csv", None, None, "empty"),
    ],
)
def test_fixture_errors(fixture_ctx, fixture, row, column, words):
    ctx = fixture_ctx(NOTABLE, {NOTABLE_FILE: FIX / fixture})
    with pytest.raises(SourceFormatError) as info:
        em.parse(ctx)
    exc = info.value
    assert exc.file.endswith(f"{NOTABLE}/{NOTABLE_FILE}")
    assert exc.row == row
    assert exc.column == column
    assert words in str(exc)


def test_large_scale_errors_name_its_file(fixture_ctx):
    ctx = fixture_ctx(LARGE, {LARGE_FILE: FIX / "unknown_country.csv"})
    with pytest.raises(SourceFormatError) as info:
        em.parse(ctx)
    assert info.value.file.endswith(f"{LARGE}/{LARGE_FILE}")
    assert (info.value.row, info.value.column) == (4, COUNTRY)


def test_accessibility_not_required_for_large_scale(fixture_ctx):
    text = "Model,Publication date,Country (of organization)\nBig,2024-12-31,Japan\n"
    ctx = fixture_ctx(LARGE, {LARGE_FILE: text})
    out = em.parse(ctx)
    assert out[["iso3", "indicator_id", "period", "value"]].values.tolist() == [
        ["JPN", "large_scale_ai_models", "2024", 1.0]
    ]
    assert pd.isna(out["note"].iloc[0])
