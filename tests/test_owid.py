"""OWID adapter (CSET investment and patents, AI Index newly funded companies): real files, aggregates, bad input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from aigap.sources import owid
from aigap.sources.base import AGGREGATE_COLUMNS, TIDY_COLUMNS, SourceFormatError
from aigap.validate import validate_aggregates, validate_observations

FIX = Path(__file__).resolve().parent / "fixtures" / "owid"
CSET = owid.CSET.folder
NEWLY = owid.NEWLY_FUNDED.folder
INVEST_FILE = "private-investment-in-artificial-intelligence-cset.csv"
PATENT_FILE = "artificial-intelligence-patents-submitted-per-million.csv"
NEWLY_FILE = "newly-funded-artificial-intelligence-companies.csv"
INDICATORS = {i.id: i for i in owid.INDICATORS}


def _raw(raw_dir, folder, name) -> pd.DataFrame:
    return pd.read_csv(raw_dir / folder / name, keep_default_na=False, dtype={"Code": str})


def _value(frame, key_col, key, indicator, period) -> float:
    hit = frame[(frame[key_col] == key) & (frame["indicator_id"] == indicator) & (frame["period"] == period)]
    assert len(hit) == 1, (key, indicator, period, hit)
    return float(hit["value"].iloc[0])


# --- real files ------------------------------------------------------------------------------------


def test_real_files_validate(ctx, reference):
    out = owid.parse(ctx)
    assert list(out.columns) == TIDY_COLUMNS
    validate_observations(out, reference[0], INDICATORS, "owid")
    assert set(out["indicator_id"]) == set(INDICATORS)
    agg = owid.aggregates(ctx)
    assert list(agg.columns) == AGGREGATE_COLUMNS
    validate_aggregates(agg, INDICATORS, "owid")


def test_real_investment_is_dollars_not_millions(ctx, raw_dir):
    out = owid.parse(ctx)
    raw = _raw(raw_dir, CSET, INVEST_FILE)
    col = "Estimated investment - Field: All"
    # SOURCE.md, 2023 in billions of constant-2021 US$: USA 77.7, China 9.1, India 7.3, UK 4.4.
    for iso3, billions in [("USA", 77.7), ("CHN", 9.1), ("IND", 7.3), ("GBR", 4.4)]:
        value = _value(out, "iso3", iso3, "ai_private_investment", "2023")
        assert round(value / 1e9, 1) == billions
        expected = raw.loc[(raw["Code"] == iso3) & (raw["Year"] == 2023), col]
        assert value == float(expected.iloc[0])
    countries = raw[raw["Code"] != "OWID_WRL"]
    got = out[out["indicator_id"] == "ai_private_investment"]
    assert len(got) == len(countries)
    assert (got["value"] == 0).sum() == (countries[col] == 0).sum()  # published zeros are kept


def test_real_patents_match_raw(ctx, raw_dir):
    out = owid.parse(ctx)
    raw = _raw(raw_dir, CSET, PATENT_FILE)
    col = "Patent applications per 1 million people - Field: All"
    expected = {
        (c, str(y)): float(v) for c, y, v in zip(raw["Code"], raw["Year"], raw[col]) if not c.startswith("OWID_")
    }
    got = out[out["indicator_id"] == "ai_patents_per_million"]
    assert dict(zip(zip(got["iso3"], got["period"]), got["value"])) == expected


def test_real_newly_funded_countries_and_aggregates(ctx, raw_dir):
    out = owid.parse(ctx)
    got = out[out["indicator_id"] == "ai_newly_funded_companies"]
    assert set(got["iso3"]) == {"USA", "CHN"}
    # SOURCE.md, 2024: USA 1,143, China 109, Europe 447, World 2,049.
    assert _value(out, "iso3", "USA", "ai_newly_funded_companies", "2024") == 1143
    assert _value(out, "iso3", "CHN", "ai_newly_funded_companies", "2024") == 109
    agg = owid.aggregates(ctx)
    assert _value(agg, "entity", "Europe", "ai_newly_funded_companies", "2024") == 447
    assert _value(agg, "entity", "World", "ai_newly_funded_companies", "2024") == 2049
    assert not INDICATORS["ai_newly_funded_companies"].rankable


def test_real_aggregates_world_everywhere(ctx, raw_dir):
    agg = owid.aggregates(ctx)
    counts = agg.groupby(["indicator_id", "entity"]).size().to_dict()
    raw_inv = _raw(raw_dir, CSET, INVEST_FILE)
    raw_pat = _raw(raw_dir, CSET, PATENT_FILE)
    raw_new = _raw(raw_dir, NEWLY, NEWLY_FILE)
    assert counts == {
        ("ai_private_investment", "World"): (raw_inv["Entity"] == "World").sum(),
        ("ai_patents_per_million", "World"): (raw_pat["Entity"] == "World").sum(),
        ("ai_newly_funded_companies", "World"): (raw_new["Entity"] == "World").sum(),
        ("ai_newly_funded_companies", "Europe"): (raw_new["Entity"] == "Europe").sum(),
    }
    # SOURCE.md: World 2023 private investment 126.8 bn.
    assert round(_value(agg, "entity", "World", "ai_private_investment", "2023") / 1e9, 1) == 126.8
    assert set(agg.loc[agg["indicator_id"] == "ai_newly_funded_companies", "source_id"]) == {NEWLY}
    assert agg["note"].isna().all()


def test_real_exclusions_recorded(ctx, raw_dir):
    owid.parse(ctx)
    excl = ctx.resolver.exclusions_frame()
    rows = {(r.file, r.column, r.raw_value): r.rows for r in excl.itertuples()}
    raw_new = _raw(raw_dir, NEWLY, NEWLY_FILE)
    assert rows[(f"{NEWLY}/{NEWLY_FILE}", "Code", "OWID_WRL")] == (raw_new["Code"] == "OWID_WRL").sum()
    assert rows[(f"{NEWLY}/{NEWLY_FILE}", "Entity", "Europe")] == (raw_new["Code"] == "").sum() == 12
    assert rows[(f"{CSET}/{INVEST_FILE}", "Code", "OWID_WRL")] == 10
    assert rows[(f"{CSET}/{PATENT_FILE}", "Code", "OWID_WRL")] == 6
    assert len(rows) == 4
    assert all(reason for reason in excl["reason"])


def test_source_metadata():
    for source in owid.SOURCES:
        assert source.downloads and not source.manual
    assert owid.CSET.downloads[INVEST_FILE] == (
        "https://ourworldindata.org/grapher/private-investment-in-artificial-intelligence-cset.csv"
    )
    assert owid.NEWLY_FUNDED.downloads[NEWLY_FILE].startswith("https://ourworldindata.org/grapher/")
    assert "China" in " ".join(owid.NEWLY_FUNDED.caveats)
    assert INDICATORS["ai_private_investment"].unit == "US$, constant 2021"
    assert INDICATORS["ai_patents_per_million"].kind == "rate"
    assert INDICATORS["ai_patents_per_million"].pillar == "talent & research"


# --- fixtures --------------------------------------------------------------------------------------


def test_fixture_ok_newly_funded(fixture_ctx):
    ctx = fixture_ctx(NEWLY, {NEWLY_FILE: FIX / "newly_ok.csv"})
    out = owid.parse(ctx)
    assert sorted(zip(out["iso3"], out["value"])) == [("CHN", 109.0), ("USA", 1143.0)]
    agg = owid.aggregates(ctx)
    assert sorted(zip(agg["entity"], agg["value"])) == [("Europe", 447.0), ("World", 2049.0)]
    excl = ctx.resolver.exclusions_frame()
    assert sorted(zip(excl["column"], excl["raw_value"], excl["rows"])) == [("Code", "OWID_WRL", 1), ("Entity", "Europe", 1)]


def test_fixture_ok_cset(fixture_ctx):
    ctx = fixture_ctx(CSET, {INVEST_FILE: FIX / "cset_investment_ok.csv", PATENT_FILE: FIX / "cset_patents_ok.csv"})
    out = owid.parse(ctx).set_index(["indicator_id", "iso3"])
    assert out.loc[("ai_private_investment", "USA"), "value"] == 77_700_000_000
    assert out.loc[("ai_patents_per_million", "KOR"), "value"] == 127.6
    agg = owid.aggregates(ctx)
    assert sorted(agg["indicator_id"]) == ["ai_patents_per_million", "ai_private_investment"]
    assert set(agg["entity"]) == {"World"}


@pytest.mark.parametrize(
    "fixture, row, column, words",
    [
        ("newly_missing_code.csv", 1, "Code", "missing column"),
        ("newly_renamed_value.csv", 1, "Newly founded AI companies", "missing column"),
        ("newly_non_numeric.csv", 3, "Newly founded AI companies", "non-numeric value 'n/a'"),
        ("newly_duplicate.csv", 4, "Entity", "duplicate key"),
        ("newly_unknown_code.csv", 3, "Code", "unknown country 'ATL'"),
        ("newly_unknown_owid.csv", 3, "Code", "unknown country 'OWID_NAX'"),
        ("newly_unknown_no_code.csv", 3, "Code", "'Asia' has an empty Code"),
        ("newly_bad_year.csv", 2, "Year", "not a year"),
        ("newly_truncated.csv", 3, None, "expected 4 fields"),
        ("newly_empty.csv", None, None, "empty"),
    ],
)
def test_fixture_errors(fixture_ctx, fixture, row, column, words):
    ctx = fixture_ctx(NEWLY, {NEWLY_FILE: FIX / fixture})
    # aggregates() reads the same file strictly; only parse() maps countries.
    calls = (owid.parse,) if "unknown country" in words else (owid.parse, owid.aggregates)
    for call in calls:
        with pytest.raises(SourceFormatError) as info:
            call(ctx)
        exc = info.value
        assert exc.file.endswith(f"{NEWLY}/{NEWLY_FILE}")
        assert exc.row == row
        assert exc.column == column
        assert words in str(exc)


def test_cset_missing_second_file(fixture_ctx):
    ctx = fixture_ctx(CSET, {INVEST_FILE: FIX / "cset_investment_ok.csv"})
    with pytest.raises(SourceFormatError, match="file not found") as info:
        owid.parse(ctx)
    assert info.value.file.endswith(PATENT_FILE)
