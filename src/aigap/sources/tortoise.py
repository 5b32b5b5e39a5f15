"""Tortoise Media, The Global AI Index: total score and seven pillar scores for 62 countries.

One file, ``AI_index_db.csv`` (the widely redistributed Kaggle copy, first commit of GitHub
``williamjwall/AI_global_index``): ``Country``, the seven pillars ``Talent, Infrastructure, Operating
Environment, Research, Development, Government Strategy, Commercial``, ``Total score``, and descriptors
(``Region, Cluster, Income group, Political regime``) that are not read. Every score is rescaled
0-100 within the 62 countries: the leader scores 100 and the last country 0.

The file does not state its edition year. The ranking order predates the 2023 edition, so the values are
filed under period "2021" with a note on every row saying the year is not stated.
"""

from __future__ import annotations

import pandas as pd

from .base import (Context, Indicator, Source, Where, check_unique, check_unique_iso3, concat, read_csv,
                   tidy, to_number)

_COMMIT = "0d2fe596f531fdb4ae3ce219acb70c497001b6be"

SOURCE = Source(
    id="tortoise_global_ai_index",
    folder="tortoise_global_ai_index",
    publisher="Tortoise Media",
    title="The Global AI Index (62 countries; total and seven pillar scores; edition c. 2021)",
    url="https://www.tortoisemedia.com/intelligence/global-ai/",
    licence=(
        "Rankings published openly by Tortoise Media; Kaggle redistribution - "
        "cite 'Tortoise Media, The Global AI Index'"
    ),
    vintage="edition not stated in the file; c. 2021 (ranking order predates the 2023 edition)",
    citation="Tortoise Media, The Global AI Index",
    caveats=(
        "The file does not state its edition year; the ranking order (USA, China, UK, Canada, Israel, Singapore, "
        "South Korea, ...) predates the 2023 edition, so the values are filed under 2021 (c. 2021).",
        "Scores are min-max rescaled within the 62 countries (leader = 100, last = 0): a 0 means last of the 62, "
        "not no activity; scores are not comparable across editions.",
        "Only 62 countries; in sub-Saharan Africa only Kenya, Nigeria and South Africa.",
        "A capacity index; do not average it with usage or government-readiness scores.",
        "The file is a redistributed copy (Kaggle 'AI Index', GitHub williamjwall/AI_global_index, first commit), "
        "not a Tortoise download.",
    ),
    downloads={
        "AI_index_db.csv": f"https://raw.githubusercontent.com/williamjwall/AI_global_index/{_COMMIT}/AI_index_db.csv",
    },
)
SOURCES = (SOURCE,)

FILE = "AI_index_db.csv"
COUNTRY = "Country"
PERIOD = "2021"
NOTE = "edition year not stated in the file; c. 2021 (see caveats)"

# Publisher column -> (indicator id, name, what the pillar covers).
COLUMNS = {
    "Total score": ("tortoise_gaii", "Global AI Index (Tortoise Media): total score",
                    "the overall score across the seven pillars"),
    "Talent": ("tortoise_gaii_talent", "Global AI Index: Talent pillar",
               "availability of skilled AI practitioners (Implementation sub-index)"),
    "Infrastructure": ("tortoise_gaii_infrastructure", "Global AI Index: Infrastructure pillar",
                       "reliability and scale of access infrastructure, from electricity and internet to "
                       "supercomputing (Implementation sub-index)"),
    "Operating Environment": ("tortoise_gaii_operating_environment", "Global AI Index: Operating Environment pillar",
                              "regulatory context and public opinion around AI (Implementation sub-index)"),
    "Research": ("tortoise_gaii_research", "Global AI Index: Research pillar",
                 "extent of specialist research and researchers (Innovation sub-index)"),
    "Development": ("tortoise_gaii_development", "Global AI Index: Development pillar",
                    "development of fundamental platforms and algorithms (Innovation sub-index)"),
    "Government Strategy": ("tortoise_gaii_government_strategy", "Global AI Index: Government Strategy pillar",
                            "depth of government commitment to AI: strategy and spending (Investment sub-index)"),
    "Commercial": ("tortoise_gaii_commercial", "Global AI Index: Commercial pillar",
                   "level of start-up activity, investment and business initiatives (Investment sub-index)"),
}

# Names the resolver does not know (CLDR and the UN now say "Türkiye").
ALIASES = {"Turkey": "TUR"}
EXCLUDED: dict[str, str] = {}

INDICATORS = tuple(
    Indicator(
        id=ind_id,
        name=name,
        pillar="readiness",
        unit="index score, 0-100 (leader = 100, last of the 62 = 0)",
        description=(
            f"Tortoise Media's Global AI Index, {column!r}: {what}. Rescaled so that the leading country "
            "scores 100 and the last 0. Filed under the readiness pillar with the rest of the composite index, "
            "although the Talent and Research pillars measure talent and research capacity."
            if ind_id != "tortoise_gaii" else
            "Tortoise Media's Global AI Index total score, the weighted combination of its seven pillars (Talent, "
            "Infrastructure, Operating Environment, Research, Development, Government Strategy, Commercial); "
            "rescaled so that the leading country (USA) scores 100 and the last 0."
        ),
        source_id=SOURCE.id,
        series_code=column,
        higher_is_better=True,
        kind="score",
        caveats=(
            "Edition year not stated in the file; filed as c. 2021.",
            "Relative score (leader = 100, last of the 62 = 0); not comparable across editions.",
            "62 countries only.",
        ),
    )
    for column, (ind_id, name, what) in COLUMNS.items()
)


def parse(ctx: Context) -> pd.DataFrame:
    path = ctx.folder(SOURCE) / FILE
    frame = read_csv(path, required=[COUNTRY, *COLUMNS])
    frame[COUNTRY] = frame[COUNTRY].str.strip()
    check_unique(frame, [COUNTRY], path)
    values = {column: to_number(frame, column, path) for column in COLUMNS}
    iso3 = ctx.resolver.iso3(frame[COUNTRY], path=path, column=COUNTRY, aliases=ALIASES, excluded=EXCLUDED)
    check_unique_iso3(iso3, frame[COUNTRY], path, COUNTRY)
    keep = iso3.notna()
    return concat(
        tidy(pd.DataFrame({"iso3": iso3, "period": PERIOD, "value": values[column], "note": NOTE})[keep],
             source_id=SOURCE.id, indicator_id=ind_id, where=Where(path, column))
        for column, (ind_id, _name, _what) in COLUMNS.items()
    )
