"""IMF AI Preparedness Index adapter: real-file spot checks, group exclusions, aggregates, and bad inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from aigap.sources import imf
from aigap.sources.base import AGGREGATE_COLUMNS, TIDY_COLUMNS, SourceFormatError
from aigap.validate import validate_aggregates, validate_observations

FIX = Path(__file__).resolve().parent / "fixtures" / "imf"
GROUP_CODES = {"ADVEC", "EME", "LIC", "EU", "EURO", "EUQ", "APQ", "AS5", "MAE", "MECA", "NMQ", "SSQ", "WE"}
INDICATORS = {i.id: i for i in imf.INDICATORS}


@pytest.fixture()
def raw_json(raw_dir):
    """The raw JSON read with plain json, independently of the adapter."""
    return json.loads((raw_dir / imf.SOURCE.folder / imf.FILE).read_text(encoding="utf-8"))


@pytest.fixture()
def tidy(ctx):
    return imf.parse(ctx)


def _value(frame, iso3, indicator):
    hit = frame[(frame["iso3"] == iso3) & (frame["indicator_id"] == indicator)]
    assert len(hit) == 1, (iso3, indicator, len(hit))
    return float(hit["value"].iloc[0])


def test_shape_and_validation(tidy, reference):
    assert list(tidy.columns) == TIDY_COLUMNS
    assert set(tidy["period"]) == {"2023"}
    assert set(tidy["source_id"]) == {"imf_aipi"}
    assert tidy["note"].isna().all()
    validate_observations(tidy, reference[0], INDICATORS, "imf")
    assert not set(tidy["iso3"]) & GROUP_CODES


def test_spot_values_match_the_json(tidy, raw_json):
    metrics = raw_json["metrics"]
    assert round(_value(tidy, "SGP", "imf_aipi"), 3) == 0.801
    for iso3 in ("SGP", "USA", "CHN", "BRA", "ZAF", "IND"):
        assert _value(tidy, iso3, "imf_aipi") == metrics["readiness"][iso3]
    subs = metrics["readinessSubIndices"]["SGP"]
    assert _value(tidy, "SGP", "imf_aipi_digital_infrastructure") == subs["digitalInfrastructure"]
    assert _value(tidy, "SGP", "imf_aipi_human_capital") == subs["humanCapital"]
    assert _value(tidy, "SGP", "imf_aipi_innovation") == subs["innovation"]
    assert _value(tidy, "SGP", "imf_aipi_regulation") == subs["regulationEthics"]


def test_counts_and_missing_values_are_absent(tidy, raw_json):
    metrics = raw_json["metrics"]
    countries_total = {k for k, v in metrics["readiness"].items() if k not in GROUP_CODES and v is not None}
    assert set(tidy.loc[tidy["indicator_id"] == "imf_aipi", "iso3"]) == countries_total
    assert len(countries_total) == 165
    for field, ind in (("digitalInfrastructure", "imf_aipi_digital_infrastructure"),
                       ("innovation", "imf_aipi_innovation")):
        expected = {k for k, v in metrics["readinessSubIndices"].items()
                    if k not in GROUP_CODES and v[field] is not None}
        assert set(tidy.loc[tidy["indicator_id"] == ind, "iso3"]) == expected
    # AFG has no AIPI and no innovation sub-index (JSON null), but its other sub-indices are there.
    afg = tidy[tidy["iso3"] == "AFG"]
    assert set(afg["indicator_id"]) == {"imf_aipi_digital_infrastructure", "imf_aipi_human_capital",
                                        "imf_aipi_regulation"}


def test_matches_the_extracted_csv(tidy, raw_dir):
    """The derived CSV in the same folder (14 significant digits) agrees with what the adapter read from the JSON."""
    csv = pd.read_csv(raw_dir / imf.SOURCE.folder / "imf_aipi_2023_extracted.csv")
    csv = csv[~csv["iso3"].isin(GROUP_CODES)]
    columns = {"AI_PI": "imf_aipi", "DI": "imf_aipi_digital_infrastructure", "HCLMP": "imf_aipi_human_capital",
               "IEI": "imf_aipi_innovation", "RE": "imf_aipi_regulation"}
    long = csv.melt(id_vars=["iso3"], value_vars=list(columns), var_name="code").dropna(subset=["value"])
    long["indicator_id"] = long["code"].map(columns)
    merged = long.merge(tidy, on=["iso3", "indicator_id"], how="outer", suffixes=("_csv", ""), indicator=True)
    assert (merged["_merge"] == "both").all()
    assert ((merged["value"] - merged["value_csv"]).abs() <= 1e-12 * merged["value"].abs()).all()


def test_sub_indices_add_up_to_the_total(tidy):
    wide = tidy.pivot(index="iso3", columns="indicator_id", values="value").dropna()
    parts = wide[[i for i in INDICATORS if i != "imf_aipi"]].sum(axis=1)
    assert ((parts - wide["imf_aipi"]).abs() <= 0.0101).all()


def test_group_codes_are_excluded_with_reasons(ctx):
    imf.parse(ctx)
    excl = ctx.resolver.exclusions_frame()
    assert set(excl["raw_value"]) == GROUP_CODES
    assert set(excl["column"]) == {"metrics.readiness", "metrics.readinessSubIndices"}
    assert len(excl) == 2 * len(GROUP_CODES)
    assert excl["reason"].str.startswith("IMF country-group aggregate").all()
    assert (excl["file"] == "imf_aipi/global-ai-metrics.json").all()


def test_aggregates(ctx, raw_json):
    agg = imf.aggregates(ctx)
    assert list(agg.columns) == AGGREGATE_COLUMNS
    validate_aggregates(agg, INDICATORS, "imf")
    assert set(agg["entity"]) == set(imf.GROUPS.values())
    assert len(agg) == 13 * 5
    advec = agg[(agg["entity"] == "Advanced economies") & (agg["indicator_id"] == "imf_aipi")]
    assert advec["value"].tolist() == [raw_json["metrics"]["readiness"]["ADVEC"]]
    assert round(advec["value"].iloc[0], 3) == 0.683
    lic = agg[(agg["entity"] == "Low-income countries") & (agg["indicator_id"] == "imf_aipi_regulation")]
    assert lic["value"].tolist() == [raw_json["metrics"]["readinessSubIndices"]["LIC"]["regulationEthics"]]
    assert set(agg["period"]) == {"2023"}


# --- small fixtures ---------------------------------------------------------------------------


def _run(fixture_ctx, name):
    ctx = fixture_ctx(imf.SOURCE.folder, {imf.FILE: FIX / name})
    return ctx, imf.parse(ctx)


def _fails(fixture_ctx, name) -> SourceFormatError:
    with pytest.raises(SourceFormatError) as info:
        _run(fixture_ctx, name)
    exc = info.value
    assert exc.file.endswith(f"imf_aipi/{imf.FILE}")
    return exc


def test_good_fixture(fixture_ctx):
    ctx, out = _run(fixture_ctx, "good.json")
    assert sorted(out.loc[out["indicator_id"] == "imf_aipi", "iso3"]) == ["SGP", "USA"]
    assert sorted(out.loc[out["indicator_id"] == "imf_aipi_innovation", "iso3"]) == ["SGP"]  # AFG null -> absent
    assert len(out) == 2 + 4 + 3
    agg = imf.aggregates(ctx)
    assert sorted(agg.loc[agg["indicator_id"] == "imf_aipi", "entity"]) == ["Advanced economies", "European Union"]
    assert agg.loc[(agg["entity"] == "European Union") & (agg["indicator_id"] == "imf_aipi"), "value"].item() == 0.66
    assert set(ctx.resolver.exclusions_frame()["raw_value"]) == {"ADVEC", "EU"}


def test_missing_key(fixture_ctx):
    exc = _fails(fixture_ctx, "missing_key.json")
    assert exc.column == "metrics.readinessSubIndices"
    assert exc.row is None
    assert "missing key" in str(exc)


def test_missing_sub_index(fixture_ctx):
    exc = _fails(fixture_ctx, "missing_subindex.json")
    assert exc.column == "metrics.readinessSubIndices.AFG.innovation"
    assert "'AFG'" in str(exc)


def test_non_numeric_value(fixture_ctx):
    exc = _fails(fixture_ctx, "non_numeric.json")
    assert exc.column == "metrics.readiness.USA"
    assert "'USA'" in str(exc) and "non-numeric" in str(exc)
    assert exc.row is None


def test_nan_constant_is_refused(fixture_ctx):
    exc = _fails(fixture_ctx, "nan.json")
    assert "NaN" in str(exc)


def test_duplicate_key(fixture_ctx):
    exc = _fails(fixture_ctx, "duplicate_key.json")
    assert exc.column == "metrics.readiness.SGP"
    assert "duplicate key 'SGP'" in str(exc)


def test_unknown_country(fixture_ctx):
    exc = _fails(fixture_ctx, "unknown_country.json")
    assert exc.column == "metrics.readinessSubIndices.XKV"
    assert "unknown country 'XKV'" in str(exc)
    assert exc.row is None


def test_vintage_year_must_be_an_integer(fixture_ctx):
    exc = _fails(fixture_ctx, "bad_year.json")
    assert exc.column == "metrics.readinessMeta.year"


def test_truncated_file(fixture_ctx):
    exc = _fails(fixture_ctx, "truncated.json")
    assert "malformed JSON" in str(exc)
    assert exc.row == len((FIX / "truncated.json").read_text().splitlines())


def test_empty_file(fixture_ctx):
    exc = _fails(fixture_ctx, "empty.json")
    assert "empty" in str(exc)


def test_missing_file(fixture_ctx):
    ctx = fixture_ctx(imf.SOURCE.folder, {})
    with pytest.raises(SourceFormatError, match="file not found"):
        imf.parse(ctx)
