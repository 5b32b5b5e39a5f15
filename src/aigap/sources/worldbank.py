"""World Bank World Development Indicators: GDP, GDP per capita, population, R&D, researchers, internet, high-tech exports.

Two raw folders:

- ``worldbank_wdi/``: the official per-indicator wide downloads (``API_<CODE>_DS2_en_csv_v2_<n>.csv``: four
  preamble lines, then ``Country Name, Country Code, Indicator Name, Indicator Code, 1960 ... 2025`` and a
  trailing empty field) for GDP per capita, R&D expenditure, researchers and internet users (that one re-saved
  by Excel: no quotes, float noise such as 1.899999976, kept as is), plus datahub.io's long mirrors
  (``Country Name, Country Code, Year, Value``) of population and GDP. The GDP mirror ends in 2023; for the
  years it lacks altogether, GDP is derived as GDP per capita x population and labelled so.
- ``worldbank_wdi_extra/``: the official wide download of high-technology exports (an older WDI release).

The wide files are found by indicator code (the numeric suffix changes between releases) and must carry
that code in every row. Country codes are ISO3 for economies plus World Bank aggregate codes, which are
excluded by code (``ctx.wb_aggregates`` from the WB metadata file, plus :data:`EXCLUDED`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .base import (
    Context,
    Indicator,
    Source,
    SourceFormatError,
    Where,
    check_unique,
    concat,
    read_csv,
    tidy,
    to_number,
)

_API = "https://api.worldbank.org/v2/en/indicator/{code}?downloadformat=csv"

WDI = Source(
    id="worldbank_wdi",
    folder="worldbank_wdi",
    publisher="World Bank",
    title="World Development Indicators: GDP, GDP per capita, population, R&D expenditure, researchers, internet users",
    url="https://data.worldbank.org/",
    licence="CC BY 4.0",
    vintage="WDI release 2026-07-13 (wide files); datahub.io mirror runs of March 2026 (population to 2024, GDP to 2023)",
    citation="World Bank, World Development Indicators",
    caveats=(
        "Mixed vintages: GDP per capita, R&D, researchers and internet users are the 13 July 2026 WDI release; "
        "population and GDP come from datahub.io's automated mirror of the WDI API (March 2026 run).",
        "The GDP mirror ends in 2023; 2024 GDP is derived as GDP per capita x population and labelled as derived.",
        "R&D expenditure and researchers are sparse after 2022 (UNESCO UIS lag): use the latest available year "
        "and show it.",
        "The internet-users file is a copy re-saved by Excel: the values are the World Bank's, with float noise "
        "(e.g. 1.899999976) kept as is.",
        "Values are as published; no imputation.",
    ),
    downloads={
        "API_NY.GDP.PCAP.CD_DS2_en_csv_v2_33610.csv": _API.format(code="NY.GDP.PCAP.CD"),
        "API_GB.XPD.RSDV.GD.ZS_DS2_en_csv_v2_232.csv": _API.format(code="GB.XPD.RSDV.GD.ZS"),
        "API_SP.POP.SCIE.RD.P6_DS2_en_csv_v2_37695.csv": _API.format(code="SP.POP.SCIE.RD.P6"),
        "API_IT.NET.USER.ZS_DS2_en_csv_v2_33086.csv": _API.format(code="IT.NET.USER.ZS"),
        "datahub_population_SP.POP.TOTL.csv": "https://raw.githubusercontent.com/datasets/population/main/data/population.csv",
        "datahub_gdp_NY.GDP.MKTP.CD.csv": "https://raw.githubusercontent.com/datasets/gdp/main/data/gdp.csv",
    },
    manual=(
        "Each World Bank API URL returns a zip: put its API_<CODE>_DS2_*.csv into worldbank_wdi/ (the numeric "
        "suffix changes between releases; the adapter finds the file by indicator code)."
    ),
)

WDI_EXTRA = Source(
    id="worldbank_wdi_extra",
    folder="worldbank_wdi_extra",
    publisher="World Bank",
    title="World Development Indicators: High-technology exports (% of manufactured exports)",
    url="https://data.worldbank.org/indicator/TX.VAL.TECH.MF.ZS",
    licence="CC BY 4.0",
    vintage="WDI release 2026-04-08",
    citation="World Bank, World Development Indicators (source: UN Comtrade)",
    caveats=(
        "An older WDI release (8 April 2026) than the other World Bank series (13 July 2026).",
        "The series starts in 2007; 2024 covers fewer economies than 2019-2023.",
        "Shares are volatile for small export bases and re-exporters (e.g. CAF 95.6 in 2019); apparent breaks in "
        "large economies (HKG 2017, CHE 2017, IRL 2022) are reclassifications, not structural change.",
        "The copy was rebuilt from a code-search index's stored text of a public repository's committed copy "
        "(length and structure checked).",
    ),
    downloads={
        "API_TX.VAL.TECH.MF.ZS_DS2_en_csv_v2_1859.csv": _API.format(code="TX.VAL.TECH.MF.ZS"),
    },
    manual=(
        "The World Bank API URL returns a zip: put its API_TX.VAL.TECH.MF.ZS_DS2_*.csv into worldbank_wdi_extra/."
    ),
)

SOURCES = (WDI, WDI_EXTRA)

_WDI_NOTE = "Values are as published by the World Bank; no imputation."

INDICATORS = (
    Indicator(
        id="gdp_usd",
        name="GDP (current US$)",
        pillar="context",
        unit="current US$ (nominal)",
        description="Gross domestic product at purchaser's prices, converted at official exchange rates.",
        source_id=WDI.id,
        series_code="NY.GDP.MKTP.CD",
        kind="total",
        caveats=(
            "Up to 2023 from datahub.io's mirror of the WDI API (March 2026 run); 2024 is derived as GDP per capita "
            "(WDI July 2026) x population (datahub) and labelled as derived.",
            "The derived year and the published years come from different WDI vintages: a 2023-2024 change mixes "
            "data revisions with growth.",
        ),
    ),
    Indicator(
        id="gdp_per_capita_usd",
        name="GDP per capita (current US$)",
        pillar="context",
        unit="current US$ per person (nominal)",
        description="GDP divided by midyear population, converted at official exchange rates.",
        source_id=WDI.id,
        series_code="NY.GDP.PCAP.CD",
        kind="rate",
        caveats=(_WDI_NOTE,),
    ),
    Indicator(
        id="population",
        name="Population, total",
        pillar="context",
        unit="people",
        description="Midyear total population: all residents regardless of legal status or citizenship.",
        source_id=WDI.id,
        series_code="SP.POP.TOTL",
        kind="total",
        caveats=("From datahub.io's mirror of the WDI API (March 2026 run); data end in 2024.",),
    ),
    Indicator(
        id="rd_expenditure_pct_gdp",
        name="R&D expenditure (% of GDP)",
        pillar="talent & research",
        unit="% of GDP",
        description="Gross domestic expenditure on research and development (business, government, higher "
        "education and private non-profit) as a share of GDP.",
        source_id=WDI.id,
        series_code="GB.XPD.RSDV.GD.ZS",
        kind="rate",
        caveats=(
            "UNESCO Institute for Statistics data via WDI; sparse after 2022 (2024 covers about 30 economies): "
            "use the latest available year and show it.",
        ),
    ),
    Indicator(
        id="researchers_per_million",
        name="Researchers in R&D (per million people)",
        pillar="talent & research",
        unit="researchers (full-time equivalent) per million people",
        description="Professionals engaged in the conception or creation of new knowledge, products, processes, "
        "methods or systems, per million people.",
        source_id=WDI.id,
        series_code="SP.POP.SCIE.RD.P6",
        kind="rate",
        caveats=(
            "UNESCO Institute for Statistics data via WDI; sparse after 2022 and missing for some large economies "
            "in recent years (e.g. Brazil 2020-2024): use the latest available year and show it.",
        ),
    ),
    Indicator(
        id="internet_users_pct",
        name="Individuals using the Internet (% of population)",
        pillar="readiness",
        unit="% of population",
        description="Share of the population that used the Internet from any location in the last three months.",
        source_id=WDI.id,
        series_code="IT.NET.USER.ZS",
        kind="rate",
        caveats=(
            "ITU data via WDI; 2025 covers few economies.",
            "The file copy was re-saved by Excel: float noise such as 1.899999976 is kept as is.",
        ),
    ),
    Indicator(
        id="high_tech_exports_pct",
        name="High-technology exports (% of manufactured exports)",
        pillar="context",
        unit="% of manufactured exports",
        description="Exports of products with high R&D intensity (aerospace, computers, pharmaceuticals, "
        "scientific instruments, electrical machinery) as a share of manufactured exports.",
        source_id=WDI_EXTRA.id,
        series_code="TX.VAL.TECH.MF.ZS",
        kind="rate",
        caveats=(
            "UN Comtrade data via WDI (release 2026-04-08); the series starts in 2007.",
            "Volatile for small export bases and re-exporters; breaks in HKG (2017), CHE (2017) and IRL (2022) are "
            "reclassifications. A share says nothing about the absolute size of exports.",
        ),
    ),
)

# Codes in the WDI files that are neither economies nor aggregates in the WB metadata file.
EXCLUDED = {
    "INX": "World Bank 'Not classified' income-group placeholder (no data in any WDI file)",
}

DERIVED_GDP_NOTE = "derived: GDP per capita x population (World Bank)"
POPULATION_FILE = "datahub_population_SP.POP.TOTL.csv"
GDP_FILE = "datahub_gdp_NY.GDP.MKTP.CD.csv"
WIDE_SKIP = 4
WIDE_ID_COLUMNS = ("Country Name", "Country Code", "Indicator Name", "Indicator Code")
LONG_COLUMNS = ("Country Name", "Country Code", "Year", "Value")
_YEAR = re.compile(r"\d{4}")


@dataclass(frozen=True)
class _Wide:
    indicator_id: str
    code: str
    source: Source


WIDE = (
    _Wide("gdp_per_capita_usd", "NY.GDP.PCAP.CD", WDI),
    _Wide("rd_expenditure_pct_gdp", "GB.XPD.RSDV.GD.ZS", WDI),
    _Wide("researchers_per_million", "SP.POP.SCIE.RD.P6", WDI),
    _Wide("internet_users_pct", "IT.NET.USER.ZS", WDI),
    _Wide("high_tech_exports_pct", "TX.VAL.TECH.MF.ZS", WDI_EXTRA),
)


def wide_path(folder: Path, code: str) -> Path:
    """The one official download for ``code`` in ``folder`` (``API_<CODE>_DS2_*.csv``)."""
    pattern = f"API_{code}_DS2_*.csv"
    found = sorted(folder.glob(pattern))
    if not found:
        raise SourceFormatError(folder / pattern, f"file not found (the World Bank download for {code})")
    if len(found) > 1:
        raise SourceFormatError(
            found[1], f"two files for indicator {code} ({found[0].name}, {found[1].name}); keep only one release"
        )
    return found[0]


def _excluded(ctx: Context) -> dict[str, str]:
    return {**ctx.wb_aggregates, **EXCLUDED}


def read_wide(ctx: Context, path: Path, code: str) -> pd.DataFrame:
    """iso3, period, value (NaN where blank) for the economies of one official wide WDI file; the index is the
    file's line and ``value_column``/``period_column`` the year column each value is in."""
    frame = read_csv(path, required=WIDE_ID_COLUMNS, skip_lines=WIDE_SKIP)
    header_row = WIDE_SKIP + 1
    years = [c for c in frame.columns if c not in WIDE_ID_COLUMNS]
    for col in years:
        if not _YEAR.fullmatch(col):
            raise SourceFormatError(path, f"unexpected column {col!r}; expected a year", row=header_row, column=col)
    if not years:
        raise SourceFormatError(path, "no year columns", row=header_row)
    wrong = frame["Indicator Code"].str.strip() != code
    if wrong.any():
        row = int(frame.index[wrong.to_numpy().nonzero()[0][0]])
        raise SourceFormatError(
            path, f"indicator code {frame.loc[row, 'Indicator Code']!r}, expected {code!r}",
            row=row, column="Indicator Code",
        )
    frame["Country Code"] = frame["Country Code"].str.strip()
    check_unique(frame, ["Country Code"], path)
    values = pd.DataFrame({year: to_number(frame, year, path) for year in years}, index=frame.index)
    iso3 = ctx.resolver.iso3(frame["Country Code"], path=path, column="Country Code", excluded=_excluded(ctx))
    values.insert(0, "iso3", iso3)
    values = values[iso3.notna()]
    out = values.melt(id_vars="iso3", var_name="period", value_name="value", ignore_index=False)
    return out.assign(value_column=out["period"], period_column=out["period"])


def read_long(ctx: Context, path: Path) -> tuple[pd.DataFrame, set[str]]:
    """(iso3, period, value for the economies of a datahub long file; every year the file covers, aggregates too)."""
    frame = read_csv(path, required=LONG_COLUMNS)
    frame["Country Code"] = frame["Country Code"].str.strip()
    frame["Year"] = frame["Year"].str.strip()
    bad = ~frame["Year"].str.fullmatch(_YEAR.pattern)
    if bad.any():
        row = int(frame.index[bad.to_numpy().nonzero()[0][0]])
        raise SourceFormatError(path, f"not a year: {frame.loc[row, 'Year']!r}", row=row, column="Year")
    check_unique(frame, ["Country Code", "Year"], path)
    # The long format lists observations only: a blank value is a damaged row, not a missing one.
    value = to_number(frame, "Value", path, allow_missing=False)
    iso3 = ctx.resolver.iso3(frame["Country Code"], path=path, column="Country Code", excluded=_excluded(ctx))
    out = pd.DataFrame({"iso3": iso3, "period": frame["Year"], "value": value})
    return out[iso3.notna()], set(frame["Year"])


def derive_gdp(pcap: pd.DataFrame, population: pd.DataFrame, gdp_years: set[str]) -> pd.DataFrame:
    """GDP = GDP per capita x population, only for years absent from the GDP file, where both exist.

    Each derived row keeps the GDP per capita file's line and column (``rows``, ``value_column``) for refusals.
    """
    both = pcap.dropna(subset=["value"]).rename_axis("row").reset_index().merge(
        population.dropna(subset=["value"]), on=["iso3", "period"], suffixes=("_pcap", "_pop")
    )
    both = both[~both["period"].isin(gdp_years)]
    return pd.DataFrame(
        {
            "iso3": both["iso3"],
            "period": both["period"],
            "value": both["value_pcap"] * both["value_pop"],
            "note": DERIVED_GDP_NOTE,
            "rows": [(row,) for row in both["row"]],
            "value_column": both["value_column"],
            "period_column": both["period_column"],
        }
    )


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["iso3", "period"], kind="stable")


def parse(ctx: Context) -> pd.DataFrame:
    """Tidy observations of every indicator whose raw folder is present."""
    frames: list[pd.DataFrame] = []
    wide: dict[str, pd.DataFrame] = {}
    wide_paths: dict[str, Path] = {}
    for spec in WIDE:
        folder = ctx.folder(spec.source)
        if not folder.is_dir():
            continue
        path = wide_paths[spec.indicator_id] = wide_path(folder, spec.code)
        wide[spec.indicator_id] = read_wide(ctx, path, spec.code)
        frames.append(tidy(_sorted(wide[spec.indicator_id]), source_id=spec.source.id, indicator_id=spec.indicator_id,
                           where=Where(path, None)))

    folder = ctx.folder(WDI)
    if folder.is_dir():
        pop_path, gdp_path = folder / POPULATION_FILE, folder / GDP_FILE
        population, _ = read_long(ctx, pop_path)
        frames.append(tidy(_sorted(population), source_id=WDI.id, indicator_id="population",
                           where=Where(pop_path, "Value", "Year")))
        # Derivation only fills years the GDP mirror lacks altogether, never a country's gap in a covered year.
        gdp, gdp_years = read_long(ctx, gdp_path)
        derived = derive_gdp(wide["gdp_per_capita_usd"], population, gdp_years)
        published = tidy(gdp.assign(note=None), source_id=WDI.id, indicator_id="gdp_usd",
                         where=Where(gdp_path, "Value", "Year"))
        derived = tidy(derived, source_id=WDI.id, indicator_id="gdp_usd",
                       where=Where(wide_paths["gdp_per_capita_usd"], None))
        frames.append(_sorted(concat([published, derived])).reset_index(drop=True))
    return concat(frames)
