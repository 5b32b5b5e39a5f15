"""Oxford Insights Government AI Readiness Index: 2023 totals and the 2024 total with its three pillars.

Two files:

- ``oxford_gairi_2023_total_extracted.csv`` (``iso3, oxford_gairi_2023_total, year``): the 2023 edition's
  overall score by ISO3 code, extracted unchanged from the JSON snapshot kept in ``../imf_aipi/``
  (key ``metrics.governmentReadiness``), itself built from the openAFRICA copy of the 2023 public dataset.
- ``ai_readiness_2024.csv`` (``country, total_score, government_pillar, technology_sector_pillar,
  data_infrastructure_pillar``): the 2024 edition, a hand-made CSV of the report's Annex II "Full rankings"
  by country name. The edition year is the one in the file name.

Both editions feed one indicator (``oxford_gairi``) with periods "2023" and "2024"; the pillars exist
for 2024 only.
"""

from __future__ import annotations


import pandas as pd

from .base import (Context, Indicator, Source, SourceFormatError, Where, check_unique, check_unique_iso3, concat,
                   read_csv, tidy, to_number)

SOURCE = Source(
    id="oxford_insights_gairi",
    folder="oxford_insights_gairi",
    publisher="Oxford Insights",
    title="Government AI Readiness Index (2023 totals; 2024 totals and pillars)",
    url="https://oxfordinsights.com/ai-readiness/",
    licence="CC BY-SA 4.0 (2024 report); CC-BY (2023 public dataset, per openAFRICA)",
    vintage="2023 edition; 2024 edition (published December 2024)",
    citation="Oxford Insights, Government AI Readiness Index 2023 and 2024",
    caveats=(
        "Measures how ready a government is to use AI in public services, not a country's AI capacity or use.",
        "Editions change methodology (the 2024 indicator set differs from 2023), so changes between "
        "2023 and 2024 are only indicative.",
        "The 2024 figures are a hand-made CSV of the report's Annex II 'Full rankings' (GitHub "
        "ALBADI140/goverment_ai_amplification), not an official download.",
        "The 2023 totals come from a third-party JSON extract (GitHub vibewatch/FutureGrid) of the "
        "openAFRICA copy of the 2023 public dataset.",
        "Pillar scores are available for 2024 only.",
    ),
    manual=(
        "Oxford Insights offers no direct download. 2024: copy the Annex II 'Full rankings' table of the "
        "2024 report on https://oxfordinsights.com/ai-readiness/ into oxford_insights_gairi/ai_readiness_2024.csv "
        "(country,total_score,government_pillar,technology_sector_pillar,data_infrastructure_pillar). 2023: "
        "take the overall scores from the 2023 public dataset "
        "(https://open.africa/dataset/government-ai-readiness-index-2023, "
        "or metrics.governmentReadiness in imf_aipi/global-ai-metrics.json) into "
        "oxford_insights_gairi/oxford_gairi_2023_total_extracted.csv (iso3,oxford_gairi_2023_total,year)."
    ),
)
SOURCES = (SOURCE,)

FILE_2023 = "oxford_gairi_2023_total_extracted.csv"
ISO3_2023 = "iso3"
VALUE_2023 = "oxford_gairi_2023_total"
YEAR_2023 = "year"
PERIOD_2023 = "2023"  # the year the value column and the year column both name

FILE_2024 = "ai_readiness_2024.csv"
PERIOD_2024 = "2024"  # the edition named in the file name
COUNTRY_2024 = "country"
COLUMNS_2024 = {
    "total_score": "oxford_gairi",
    "government_pillar": "oxford_gairi_government",
    "technology_sector_pillar": "oxford_gairi_technology",
    "data_infrastructure_pillar": "oxford_gairi_data_infrastructure",
}

# Every 2024 name is one the resolver knows (ISO, UN and CLDR names such as "Republic of Korea",
# "Lao PDR", "Viet Nam", "Turkiye", "Cote d'Ivoire"); names it does not know go here.
ALIASES: dict[str, str] = {}
EXCLUDED: dict[str, str] = {}

_CAVEATS = (
    "Government readiness, not AI capacity or use; do not average with the IMF AIPI or Microsoft diffusion.",
    "Editions change methodology; year-on-year changes are only indicative.",
)

INDICATORS = (
    Indicator(
        id="oxford_gairi",
        name="Government AI Readiness Index (Oxford Insights)",
        pillar="readiness",
        unit="index score, 0-100",
        description=(
            "Oxford Insights' overall Government AI Readiness score: how ready a government is to implement AI "
            "in public services; the mean of its Government, Technology Sector and Data & Infrastructure pillars. "
            "2023 and 2024 editions."
        ),
        source_id=SOURCE.id,
        series_code="total_score (2024); oxford_gairi_2023_total (2023)",
        higher_is_better=True,
        kind="score",
        caveats=(*_CAVEATS, "2024 values come from a hand-made transcription of the report's Annex II."),
    ),
    Indicator(
        id="oxford_gairi_government",
        name="Government AI Readiness: Government pillar",
        pillar="readiness",
        unit="index score, 0-100",
        description=(
            "Government pillar of the Oxford Insights Government AI Readiness Index (vision, governance and ethics, "
            "digital capacity, adaptability). 2024 edition."
        ),
        source_id=SOURCE.id,
        series_code="government_pillar",
        higher_is_better=True,
        kind="score",
        caveats=(*_CAVEATS, "2024 edition only."),
    ),
    Indicator(
        id="oxford_gairi_technology",
        name="Government AI Readiness: Technology Sector pillar",
        pillar="readiness",
        unit="index score, 0-100",
        description=(
            "Technology Sector pillar of the Oxford Insights Government AI Readiness Index (maturity, innovation "
            "capacity, human capital). 2024 edition."
        ),
        source_id=SOURCE.id,
        series_code="technology_sector_pillar",
        higher_is_better=True,
        kind="score",
        caveats=(*_CAVEATS, "2024 edition only."),
    ),
    Indicator(
        id="oxford_gairi_data_infrastructure",
        name="Government AI Readiness: Data & Infrastructure pillar",
        pillar="readiness",
        unit="index score, 0-100",
        description=(
            "Data & Infrastructure pillar of the Oxford Insights Government AI Readiness Index (infrastructure, "
            "data availability, data representativeness). 2024 edition."
        ),
        source_id=SOURCE.id,
        series_code="data_infrastructure_pillar",
        higher_is_better=True,
        kind="score",
        caveats=(*_CAVEATS, "2024 edition only."),
    ),
)


def _parse_2023(ctx: Context) -> pd.DataFrame:
    path = ctx.folder(SOURCE) / FILE_2023
    frame = read_csv(path, required=[ISO3_2023, VALUE_2023, YEAR_2023])
    frame[ISO3_2023] = frame[ISO3_2023].str.strip()
    years = frame[YEAR_2023].str.strip()
    bad = years != PERIOD_2023
    if bad.any():
        row = int(frame.index[bad.to_numpy().nonzero()[0][0]])
        raise SourceFormatError(path, f"expected year {PERIOD_2023} (the column {VALUE_2023!r} holds the 2023 "
                                      f"edition), found {years[row]!r}", row=row, column=YEAR_2023)
    check_unique(frame, [ISO3_2023], path)
    value = to_number(frame, VALUE_2023, path)
    iso3 = ctx.resolver.iso3(frame[ISO3_2023], path=path, column=ISO3_2023, aliases=ALIASES, excluded=EXCLUDED)
    check_unique_iso3(iso3, frame[ISO3_2023], path, ISO3_2023)
    out = pd.DataFrame({"iso3": iso3, "period": PERIOD_2023, "value": value})
    return tidy(out[out["iso3"].notna()], source_id=SOURCE.id, indicator_id="oxford_gairi",
                where=Where(path, VALUE_2023, YEAR_2023))


def _parse_2024(ctx: Context) -> pd.DataFrame:
    path = ctx.folder(SOURCE) / FILE_2024
    frame = read_csv(path, required=[COUNTRY_2024, *COLUMNS_2024])
    frame[COUNTRY_2024] = frame[COUNTRY_2024].str.strip()
    check_unique(frame, [COUNTRY_2024], path)
    values = {column: to_number(frame, column, path) for column in COLUMNS_2024}
    iso3 = ctx.resolver.iso3(frame[COUNTRY_2024], path=path, column=COUNTRY_2024, aliases=ALIASES, excluded=EXCLUDED)
    check_unique_iso3(iso3, frame[COUNTRY_2024], path, COUNTRY_2024)
    keep = iso3.notna()
    return concat(
        tidy(pd.DataFrame({"iso3": iso3, "period": PERIOD_2024, "value": values[column]})[keep],
             source_id=SOURCE.id, indicator_id=ind_id, where=Where(path, column))
        for column, ind_id in COLUMNS_2024.items()
    )


def parse(ctx: Context) -> pd.DataFrame:
    return concat([_parse_2023(ctx), _parse_2024(ctx)])
