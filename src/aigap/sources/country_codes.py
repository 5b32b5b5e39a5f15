"""datahub "country-codes": the ISO 3166 list with UN M49 regions, the backbone of every country mapping."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .base import Source, SourceFormatError, check_unique, read_csv

SOURCE = Source(
    id="country_codes_datahub",
    folder="country_codes_datahub",
    publisher="datahub.io / Open Knowledge (from ISO 3166, UN M49, UNTERM, CLDR)",
    title="Country codes (ISO 3166, UN M49 regions)",
    url="https://datahub.io/core/country-codes",
    licence="ODC PDDL 1.0",
    vintage="2026-05-15",
    citation="datahub.io core/country-codes (UN Statistics Division M49; ISO 3166)",
    caveats=("Taiwan appears under ISO code TWN; Kosovo (XKX) is not in ISO 3166 and comes from the World Bank list.",),
    downloads={
        "country-codes.csv": "https://raw.githubusercontent.com/datasets/country-codes/main/data/country-codes.csv"
    },
)

FILE = "country-codes.csv"
ISO3 = "ISO3166-1-Alpha-3"
# Columns whose text is a name some publisher may use for the country.
NAME_COLUMNS = ("CLDR display name", "official_name_en", "UNTERM English Short", "UNTERM English Formal")
_COLUMNS = (ISO3, "ISO3166-1-Alpha-2", "M49", "is_independent", "Region Name", "Sub-region Name",
            *NAME_COLUMNS)
# CLDR's display names for these two are abbreviations; a dashboard shows the full short name.
_DISPLAY_OVERRIDES = {"US": "United States", "UK": "United Kingdom"}


def parse(folder: Path) -> pd.DataFrame:
    """One row per ISO3 code: iso3, iso2, m49, name, UN region/sub-region, and the name variants."""
    path = folder / FILE
    frame = read_csv(path, required=_COLUMNS)
    frame = frame[frame[ISO3].str.strip() != ""]
    bad = frame[~frame[ISO3].str.fullmatch(r"[A-Z]{3}")]
    if len(bad):
        raise SourceFormatError(path, f"not an ISO3 code: {bad.iloc[0][ISO3]!r}", row=int(bad.index[0]), column=ISO3)
    check_unique(frame, [ISO3], path)
    name = frame["CLDR display name"].where(frame["CLDR display name"] != "", frame["official_name_en"])
    out = pd.DataFrame(
        {
            "iso3": frame[ISO3],
            "iso2": frame["ISO3166-1-Alpha-2"],
            "m49": frame["M49"],
            "name": name.replace(_DISPLAY_OVERRIDES),
            "un_region": frame["Region Name"],
            "un_subregion": frame["Sub-region Name"],
            "independent": frame["is_independent"] == "Yes",
        }
    )
    for col in NAME_COLUMNS:
        out[col] = frame[col]
    return out.reset_index(drop=True)
