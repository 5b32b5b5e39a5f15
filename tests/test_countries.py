"""Country reference, name resolution and groups (the snapshot-built reference; the real one where raw files exist)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from aigap import groups
from aigap.countries import COUNTRY_COLUMNS, CountryResolver, normalise
from aigap.sources.country_codes import NAME_COLUMNS
from aigap.sources.base import SourceFormatError


def test_normalise_is_accent_article_and_case_blind():
    assert normalise("Türkiye") == normalise("turkiye")
    assert normalise("Côte d\u2019Ivoire") == normalise("Cote d'Ivoire")
    assert normalise("United States of America (the)") == "united states of america"


@pytest.mark.parametrize("which", ["reference", "real_reference"])
def test_reference_has_iso_and_world_bank_economies(which, request):
    ref, aggregates = request.getfixturevalue(which)
    codes = set(ref["iso3"])
    assert {"USA", "CHN", "BRA", "IND", "ZAF", "XKX", "TWN"} <= codes
    assert ref.loc[ref.iso3 == "NAM", "iso2"].item() == "NA"  # Namibia, not a missing value
    assert "WLD" in aggregates and "WLD" not in codes
    assert ref["independent"].dtype == bool and ref.loc[ref.iso3 == "USA", "independent"].item()


def test_income_group_is_the_world_bank_file_s(real_reference, raw_dir):
    raw = pd.read_csv(next((raw_dir / "worldbank_class").glob("Metadata_Country_*.csv")), encoding="utf-8-sig")
    usa = raw[raw["Country Code"] == "USA"].iloc[0]
    assert real_reference[0].loc[real_reference[0].iso3 == "USA", "wb_income_group"].item() == usa["IncomeGroup"]


def test_fixture_reference_agrees_with_the_real_one(reference, real_reference):
    """The snapshot-built reference the fixture tests use is a faithful slice of the one the raw files give."""
    fixture, fixture_aggregates = reference
    real, real_aggregates = real_reference
    assert fixture[COUNTRY_COLUMNS].to_csv(index=False) == real[COUNTRY_COLUMNS].to_csv(index=False)
    assert fixture_aggregates == real_aggregates
    slice_ = fixture[fixture["wb_name"].notna()].set_index("iso3")
    assert len(slice_) >= 5
    variants = ["wb_name", *NAME_COLUMNS]
    expected = real.set_index("iso3").loc[slice_.index, variants]
    assert slice_[variants].fillna("").to_dict("index") == expected.fillna("").to_dict("index")
    # Every name the fixture resolver knows, the real resolver maps to the same country.
    fixture_names, real_names = CountryResolver(fixture).names, CountryResolver(real).names
    assert {n: real_names.get(n) for n in fixture_names} == fixture_names


def test_resolver_maps_names_codes_aliases_and_records_exclusions(reference):
    resolver = CountryResolver(reference[0])
    values = pd.Series(["USA", "Viet Nam", "Türkiye", "Korea, South", "World"], index=[2, 3, 4, 5, 6])
    got = resolver.iso3(values, path=Path("src/f.csv"), column="Country",
                        aliases={"Korea, South": "KOR"}, excluded={"World": "aggregate"})
    assert got.tolist()[:4] == ["USA", "VNM", "TUR", "KOR"] and pd.isna(got[6])
    excluded = resolver.exclusions_frame()
    assert excluded.to_dict("records") == [
        {"file": "src/f.csv", "column": "Country", "raw_value": "World", "reason": "aggregate", "rows": 1}]


def test_resolver_refuses_unknown_names_with_row_and_column(reference):
    resolver = CountryResolver(reference[0])
    with pytest.raises(SourceFormatError) as info:
        resolver.iso3(pd.Series(["France", "Narnia"], index=[2, 7]), path=Path("f.csv"), column="Country")
    assert (info.value.row, info.value.column) == (7, "Country") and "Narnia" in str(info.value)


def test_alias_to_unknown_code_is_a_programming_error(reference):
    with pytest.raises(ValueError):
        CountryResolver(reference[0]).iso3(pd.Series(["x"]), path=Path("f"), column="c", aliases={"x": "ZZZ"})


def test_groups(reference):
    group_frame, members = groups.build(reference[0])
    size = members.groupby("group_id").size()
    assert (size["G7"], size["G20"], size["EU27"], size["OECD"], size["BRICS"]) == (7, 19, 27, 38, 10)
    brics = members[members.group_id == "BRICS"].set_index("iso3")["since"]
    assert brics["IDN"] == 2025 and brics["ARE"] == 2024 and brics["BRA"] == 2009
    assert set(members["iso3"]) <= set(reference[0]["iso3"])
    kinds = set(group_frame["kind"])
    assert {"club", "un_region", "wb_region", "wb_income"} <= kinds
    assert group_frame["url"].str.startswith("https://").all()
    income = group_frame[group_frame.kind == "wb_income"].set_index("name")["group_id"]
    high = set(members.loc[members.group_id == income["High income"], "iso3"])
    assert "USA" in high and "IND" not in high
