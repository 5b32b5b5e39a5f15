"""OECD.AI: venture-capital investment in AI start-ups by country and year (data from Preqin).

One file, a manual CSV export of the OECD.AI chart "VC investments in AI by country": columns
``Country`` (ISO3, plus the aggregates GPAI/OECD/EU27), ``Country_label``, ``INDUSTRY``, ``STAGE``,
``Sum_of_deals`` (USD millions, nominal) and ``Year``. The export is filtered to all industries and
the VC stage; the adapter checks that filter instead of assuming it. The last year (2026) is a
partial year at the export date and is labelled so on every value.
"""

from __future__ import annotations

import pandas as pd

from .base import (Context, Indicator, Source, SourceFormatError, Where, check_unique, concat, read_csv, tidy,
                   to_number)

SOURCE = Source(
    id="oecd_ai_vc_investment",
    folder="oecd_ai_vc_investment",
    publisher="OECD.AI Policy Observatory (data from Preqin)",
    title="VC investments in AI by country (OECD.AI chart export, 2012-2026)",
    url="https://oecd.ai/en/data?selectedArea=investments-in-ai-and-data",
    licence="OECD.AI terms: free re-use with attribution; underlying deal data (c) Preqin - cite, do not resell",
    vintage="OECD.AI export of 2026-09-27",
    citation="OECD.AI (2026), data from Preqin; visualisation 'VC investments in AI by country'",
    caveats=(
        "Values are nominal USD millions; deflate before comparing across years.",
        "Country is where the investee AI start-up is headquartered, not the investor's nationality.",
        "Deal coverage is Preqin's; levels are not comparable with Quid (AI Index) or Crunchbase (CSET) figures.",
        "2026 is a partial year (export of 2026-09-27) and can be dominated by a few mega-rounds.",
        "Country-years missing from the export are absent, not zero; explicit zeros (no recorded deal) are kept.",
    ),
    manual=(
        "OECD.AI offers no API: on https://oecd.ai/en/data?selectedArea=investments-in-ai-and-data export the "
        "chart 'VC investments in AI by country' (all industries, VC stage, all countries and years) as CSV "
        "and put it in oecd_ai_vc_investment/ as vc_investimentos_pais_ano.csv."
    ),
)
SOURCES = (SOURCE,)

FILE = "vc_investimentos_pais_ano.csv"
VALUE = "Sum_of_deals"
COUNTRY = "Country"
YEAR = "Year"
# The export must hold exactly this filter; anything else is another series.
EXPECTED_FILTER = {"INDUSTRY": "-- All industries --", "STAGE": "VC"}
# The export date fixes which year is incomplete.
EXPORT_DATE = "2026-09-27"
PARTIAL_YEAR = "2026"
PARTIAL_NOTE = f"year to date (OECD.AI export of {EXPORT_DATE})"

EXCLUDED = {
    "GPAI": "aggregate: GPAI member countries (OECD.AI)",
    "OECD": "aggregate: OECD member countries (OECD.AI)",
    "EU27": "aggregate: European Union, 27 member states (OECD.AI)",
}
ALIASES: dict[str, str] = {}

INDICATORS = (
    Indicator(
        id="ai_vc_investment",
        name="Venture-capital investment in AI start-ups",
        pillar="investment",
        unit="USD millions, nominal",
        description=(
            "Total value of venture-capital deals in AI start-ups headquartered in the country, all industries, "
            "per year, as published by OECD.AI from Preqin data (Sum_of_deals)."
        ),
        source_id=SOURCE.id,
        series_code=VALUE,
        higher_is_better=True,
        kind="total",
        caveats=(
            "Nominal USD; not deflated.",
            "By investee headquarters, not investor nationality.",
            f"2026 is year to date (export of {EXPORT_DATE}).",
            "Preqin coverage; not comparable in level with Quid or Crunchbase-based series.",
        ),
    ),
)


def _check_filter(frame: pd.DataFrame, path) -> None:
    for column, expected in EXPECTED_FILTER.items():
        text = frame[column].str.strip()
        bad = text != expected
        if bad.any():
            row = int(frame.index[bad.to_numpy().nonzero()[0][0]])
            raise SourceFormatError(
                path,
                f"expected every row to have {column} = {expected!r}, found {frame.loc[row, column]!r}; "
                "export the chart with all industries and the VC stage only",
                row=row,
                column=column,
            )


def _years(frame: pd.DataFrame, path) -> pd.Series:
    years = frame[YEAR].str.strip()
    bad = ~years.str.fullmatch(r"\d{4}")
    if bad.any():
        row = int(frame.index[bad.to_numpy().nonzero()[0][0]])
        raise SourceFormatError(path, f"not a year: {frame.loc[row, YEAR]!r}", row=row, column=YEAR)
    return years


def parse(ctx: Context) -> pd.DataFrame:
    path = ctx.folder(SOURCE) / FILE
    frame = read_csv(path, required=[COUNTRY, "INDUSTRY", "STAGE", VALUE, YEAR])
    _check_filter(frame, path)
    frame[COUNTRY] = frame[COUNTRY].str.strip()
    period = _years(frame, path)
    frame[YEAR] = period
    check_unique(frame, [COUNTRY, YEAR], path)
    value = to_number(frame, VALUE, path, allow_missing=False)
    iso3 = ctx.resolver.iso3(frame[COUNTRY], path=path, column=COUNTRY, aliases=ALIASES, excluded=EXCLUDED)
    out = pd.DataFrame({"iso3": iso3, "period": period, "value": value})
    out["note"] = None
    out.loc[out["period"] == PARTIAL_YEAR, "note"] = PARTIAL_NOTE
    out = out[out["iso3"].notna()]
    return concat([tidy(out, source_id=SOURCE.id, indicator_id="ai_vc_investment", where=Where(path, VALUE, YEAR))])
