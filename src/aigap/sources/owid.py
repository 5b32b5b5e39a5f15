"""Our World in Data grapher exports: CSET private AI investment and AI patents, AI Index newly funded AI companies.

Every file is a standard OWID grapher CSV, ``Entity, Code, Year, <value column>``. Countries are
mapped by their ISO3 ``Code``. OWID's own regions (``OWID_WRL`` for World, an empty ``Code`` for
"Europe") are not countries: they are excluded from the country observations (and recorded as
exclusions) and returned, under OWID's entity name, by :func:`aggregates`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .base import (
    AGGREGATE_COLUMNS,
    Context,
    Indicator,
    Source,
    SourceFormatError,
    Where,
    check_rows,
    check_unique,
    concat,
    read_csv,
    tidy,
    to_number,
)

CSET = Source(
    id="owid_cset_ai_investment",
    folder="owid_cset_ai_investment",
    publisher="Our World in Data, from CSET Emerging Technology Observatory (Country Activity Tracker: AI)",
    title="Estimated private investment in AI companies (2014-2023) and AI patent applications per million people (2014-2019)",
    url="https://ourworldindata.org/grapher/private-investment-in-artificial-intelligence-cset",
    licence="CC BY 4.0 (OWID charts; CSET CAT source listed as CC BY 4.0)",
    vintage="OWID grapher export as of April 2025 (investment to 2023, patents to 2019)",
    citation=(
        "Center for Security and Emerging Technology, Country Activity Tracker: Artificial Intelligence "
        "(Crunchbase data) - processed by Our World in Data"
    ),
    caveats=(
        "Investment is OWID's constant 2021 US$ (US-CPI deflated), in dollars; CSET's own files are nominal USD millions - do not mix.",
        "Investment is equity investment received by privately held AI companies headquartered in the country (Crunchbase; undisclosed deal values imputed).",
        "Crunchbase coverage of low-profile firms in emerging markets is thin; zeros are recorded 'no deal' values.",
        "This export stops in 2023 (investment) and 2019 (patents); OWID/ETO have since published newer versions.",
        "Patents are counted by filing office, not inventor residence; India's patent series breaks after 2018.",
    ),
    downloads={
        "private-investment-in-artificial-intelligence-cset.csv":
            "https://ourworldindata.org/grapher/private-investment-in-artificial-intelligence-cset.csv",
        # OWID retired this chart slug; the pinned GitHub copy is the file this snapshot uses.
        "artificial-intelligence-patents-submitted-per-million.csv":
            "https://raw.githubusercontent.com/JunyiiBlvd/205_Final_Pro/d5b8c4012d20f93a93b3b2c9aaf8749d4dbd7130/"
            "artificial-intelligence-patents-submitted-per-million.csv",
    },
)

NEWLY_FUNDED = Source(
    id="owid_ai_index_newly_funded",
    folder="owid_ai_index_newly_funded",
    publisher="Our World in Data, from Stanford HAI AI Index Report 2025 (data: Quid)",
    title="Newly funded AI companies, 2013-2024 (United States, China, Europe, World)",
    url="https://ourworldindata.org/grapher/newly-funded-artificial-intelligence-companies",
    licence="CC BY 4.0 (OWID); AI Index data CC BY-ND 4.0 - attribute 'AI Index 2025 / Quid'",
    vintage="AI Index 2025 (data to 2024)",
    citation="Stanford HAI, AI Index Report 2025 (data: Quid) - processed by Our World in Data",
    caveats=(
        "Only the United States, China, Europe and World are published: a comparison of the US and China, not a country map.",
        "A company counts in the year it receives its first private investment, by Quid's AI-company definition and deal threshold.",
    ),
    downloads={
        "newly-funded-artificial-intelligence-companies.csv":
            "https://ourworldindata.org/grapher/newly-funded-artificial-intelligence-companies.csv",
    },
)

SOURCES = (CSET, NEWLY_FUNDED)


@dataclass(frozen=True)
class Series:
    indicator_id: str
    source: Source
    file: str
    column: str


SERIES = (
    Series("ai_private_investment", CSET, "private-investment-in-artificial-intelligence-cset.csv",
           "Estimated investment - Field: All"),
    Series("ai_patents_per_million", CSET, "artificial-intelligence-patents-submitted-per-million.csv",
           "Patent applications per 1 million people - Field: All"),
    Series("ai_newly_funded_companies", NEWLY_FUNDED, "newly-funded-artificial-intelligence-companies.csv",
           "Newly founded AI companies"),
)

ENTITY, CODE, YEAR = "Entity", "Code", "Year"

# OWID's own codes for its regions and income groups: not countries; their rows become aggregates.
EXCLUDED = {
    "OWID_WRL": "OWID aggregate: World (kept as a regional aggregate)",
    "OWID_EUR": "OWID region: Europe (kept as a regional aggregate)",
    "OWID_AFR": "OWID region: Africa (kept as a regional aggregate)",
    "OWID_ASI": "OWID region: Asia (kept as a regional aggregate)",
    "OWID_NAM": "OWID region: North America (kept as a regional aggregate)",
    "OWID_SAM": "OWID region: South America (kept as a regional aggregate)",
    "OWID_OCE": "OWID region: Oceania (kept as a regional aggregate)",
    "OWID_EU27": "OWID aggregate: European Union (27) (kept as a regional aggregate)",
    "OWID_HIC": "OWID income group: high-income countries (kept as a regional aggregate)",
    "OWID_UMC": "OWID income group: upper-middle-income countries (kept as a regional aggregate)",
    "OWID_LMC": "OWID income group: lower-middle-income countries (kept as a regional aggregate)",
    "OWID_LIC": "OWID income group: low-income countries (kept as a regional aggregate)",
}
# Rows OWID publishes with an empty Code: regions defined by the underlying publisher.
EXCLUDED_NO_CODE = {
    "Europe": "region without a code (AI Index/Quid 'Europe'; kept as a regional aggregate)",
}
# OWID's code for Kosovo is not ISO; the World Bank's XKX is the reference code.
ALIASES = {"OWID_KOS": "XKX"}

INDICATORS = (
    Indicator(
        id="ai_private_investment",
        name="Private investment in AI companies (CSET estimate)",
        pillar="investment",
        unit="US$, constant 2021",
        description=(
            "Estimated equity investment (venture capital, private equity, M&A; excluding debt, grants and public "
            "companies) received by privately held AI companies headquartered in the country, undisclosed deal "
            "values imputed; CSET Country Activity Tracker from Crunchbase, in constant 2021 US dollars as "
            "published by Our World in Data."
        ),
        source_id=CSET.id,
        series_code="Estimated investment - Field: All",
        higher_is_better=True,
        kind="total",
        caveats=(
            "Dollars, not millions: constant 2021 US$ as published by OWID.",
            "By company headquarters; Crunchbase coverage is thin for emerging markets.",
            "Zeros are recorded 'no deal' values; years missing for a country are absent.",
            "Not comparable in level with OECD.AI/Preqin or AI Index/Quid figures.",
        ),
    ),
    Indicator(
        id="ai_patents_per_million",
        name="AI patent applications per million people",
        pillar="talent & research",
        unit="patent applications per million people",
        description=(
            "AI patent applications (CSET classification) filed in the country's jurisdiction per million "
            "inhabitants; CSET Country Activity Tracker as published by Our World in Data."
        ),
        source_id=CSET.id,
        series_code="Patent applications per 1 million people - Field: All",
        higher_is_better=True,
        kind="rate",
        caveats=(
            "Counted by filing office, not inventor residence (about half of US filings come from abroad).",
            "India's series breaks after 2018; the export stops in 2019.",
        ),
    ),
    Indicator(
        id="ai_newly_funded_companies",
        name="Newly funded AI companies",
        pillar="investment",
        unit="companies",
        description=(
            "Number of AI companies receiving their first private investment in the year (Quid, Stanford AI Index "
            "2025), as published by Our World in Data. Only the United States and China among countries; Europe "
            "and World are regional aggregates."
        ),
        source_id=NEWLY_FUNDED.id,
        series_code="Newly founded AI companies",
        higher_is_better=True,
        kind="total",
        caveats=(
            "Only the United States, China, Europe and World are published.",
            "Quid's AI-company definition and deal threshold (see the AI Index 'Economy' chapter).",
        ),
        rankable=False,
    ),
)


def _first_row(frame: pd.DataFrame, mask: pd.Series) -> int:
    return int(frame.index[mask.to_numpy().nonzero()[0][0]])


def _read(path: Path, series: Series) -> pd.DataFrame:
    """The file's rows with entity, code, period, value and is_aggregate (index = physical line number)."""
    frame = read_csv(path, required=[ENTITY, CODE, YEAR, series.column])
    entity = frame[ENTITY].str.strip()
    code = frame[CODE].str.strip()
    year = frame[YEAR].str.strip()
    if (entity == "").any():
        raise SourceFormatError(path, "empty entity name", row=_first_row(frame, entity == ""), column=ENTITY)
    bad_year = ~year.str.fullmatch(r"\d{4}")
    if bad_year.any():
        row = _first_row(frame, bad_year)
        raise SourceFormatError(path, f"not a year: {frame.loc[row, YEAR]!r}", row=row, column=YEAR)
    no_code = code == ""
    unknown_no_code = no_code & ~entity.isin(EXCLUDED_NO_CODE)
    if unknown_no_code.any():
        row = _first_row(frame, unknown_no_code)
        raise SourceFormatError(
            path,
            f"entity {entity[row]!r} has an empty Code: list it in the adapter's EXCLUDED_NO_CODE or fix the file",
            row=row,
            column=CODE,
        )
    keyed = pd.DataFrame({ENTITY: entity, CODE: code, YEAR: year}, index=frame.index)
    check_unique(keyed, [ENTITY, YEAR], path)
    check_unique(keyed[~no_code], [CODE, YEAR], path)
    value = to_number(frame, series.column, path, allow_missing=False)
    return pd.DataFrame(
        {
            "entity": entity,
            "code": code,
            "period": year,
            "value": value,
            "is_aggregate": no_code | code.isin(EXCLUDED),
        },
        index=frame.index,
    )


def _present(ctx: Context) -> list[Series]:
    return [s for s in SERIES if ctx.folder(s.source).is_dir()]


def parse(ctx: Context) -> pd.DataFrame:
    frames = []
    for series in _present(ctx):
        path = ctx.folder(series.source) / series.file
        rows = _read(path, series)
        coded = rows[rows["code"] != ""]
        iso3 = ctx.resolver.iso3(coded["code"], path=path, column=CODE, aliases=ALIASES, excluded=EXCLUDED)
        no_code = rows[rows["code"] == ""]
        if len(no_code):
            # Recorded by entity name: the Code cell is empty.
            ctx.resolver.iso3(no_code["entity"], path=path, column=ENTITY, excluded=EXCLUDED_NO_CODE)
        out = coded.assign(iso3=iso3)
        out = out[out["iso3"].notna()]
        check_unique(out, ["iso3", "period"], path)  # two codes mapped to one country
        frames.append(tidy(out, source_id=series.source.id, indicator_id=series.indicator_id,
                           where=Where(path, series.column, YEAR)))
    return concat(frames)


def aggregates(ctx: Context) -> pd.DataFrame:
    """OWID's World and Europe (and any other OWID region) rows, under OWID's entity name."""
    frames = []
    for series in _present(ctx):
        path = ctx.folder(series.source) / series.file
        rows = _read(path, series)
        agg = rows[rows["is_aggregate"]].assign(
            indicator_id=series.indicator_id, source_id=series.source.id, note=None
        )
        check_rows(agg, Where(path, series.column, YEAR))
        frames.append(agg[AGGREGATE_COLUMNS].reset_index(drop=True))
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=AGGREGATE_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out["value"] = out["value"].astype("float64")
    return out
