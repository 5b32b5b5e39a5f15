"""Microsoft AI Economy Institute, AI Diffusion: share of the working-age population using generative AI.

One file, ``AI_Diffusion_Q12026_Update.csv`` from the official GitHub repo ``microsoft/ai-diffusion-report``:
``Economy`` plus one column per period (``H1 2025 AI Diffusion``, ``H2 2025 AI Diffusion``,
``Q1 2026 AI Diffusion``), values written as percentages (``70.10%``). The file is encoded in Mac Roman
(the one non-ASCII byte, 0x9F, is the "ü" of "Türkiye"), with CRLF line endings.

Periods come from the column headers ("H1 2025 AI Diffusion" -> "2025-H1"); an unrecognised header is an
error rather than a silently skipped column. Every value must carry its "%" sign, so a file re-saved with
fractions (0.701) cannot pass for percentages.
"""

from __future__ import annotations

import re

import pandas as pd

from .base import (Context, Indicator, Source, SourceFormatError, Where, check_unique, check_unique_iso3, concat,
                   read_csv, tidy, to_number)

SOURCE = Source(
    id="microsoft_ai_diffusion",
    folder="microsoft_ai_diffusion",
    publisher="Microsoft AI Economy Institute (AIEI)",
    title="AI Diffusion Report: share of the working-age population using generative AI, 147 economies "
          "(H1 2025, H2 2025, Q1 2026)",
    url="https://github.com/microsoft/ai-diffusion-report",
    licence="MIT (repository LICENSE.md, (c) 2026 Microsoft)",
    vintage="Q1 2026 update (file added 2026-05-06)",
    citation=(
        "Microsoft AI Economy Institute, AI Diffusion Report (Q1 2026 update); method: Misra et al. (2025), "
        "Measuring AI Diffusion: A Population-Normalized Metric for Tracking Global AI Usage, arXiv:2511.02781"
    ),
    caveats=(
        "Measures use of generative AI, not AI capability or investment.",
        "Estimated from aggregated, anonymised Microsoft telemetry adjusted for device and OS market share, internet "
        "penetration and population; it undercounts domestic apps Microsoft cannot see (e.g. Chinese apps: "
        "CNNIC reports a far higher generative-AI penetration for China).",
        "Estimates are revised between releases; all three periods come from the same (Q1 2026) release.",
        "H1/H2 are half-years and Q1 2026 a quarter: a shorter window is not strictly comparable with a half-year.",
    ),
    downloads={
        "AI_Diffusion_Q12026_Update.csv":
            "https://raw.githubusercontent.com/microsoft/ai-diffusion-report/main/data/AI_Diffusion_Q12026_Update.csv",
    },
)
SOURCES = (SOURCE,)

FILE = "AI_Diffusion_Q12026_Update.csv"
ENCODING = "mac_roman"
COUNTRY = "Economy"
_HEADER = re.compile(r"^(?P<part>H[12]|Q[1-4]) (?P<year>\d{4}) AI Diffusion$")

# Names the resolver does not know.
ALIASES = {"Congo (DRC)": "COD"}
EXCLUDED: dict[str, str] = {}

INDICATORS = (
    Indicator(
        id="ai_diffusion",
        name="AI diffusion: share of working-age people using generative AI",
        pillar="readiness",
        unit="percent of working-age population",
        description=(
            "Share of the working-age population that used a generative-AI product during the period, estimated by "
            "Microsoft's AI Economy Institute from aggregated, anonymised telemetry adjusted for device and OS market "
            "share, internet penetration and population. Half-years 2025-H1 and 2025-H2 and the quarter 2026-Q1."
        ),
        source_id=SOURCE.id,
        series_code="H1 2025 / H2 2025 / Q1 2026 AI Diffusion",
        higher_is_better=True,
        kind="rate",
        caveats=(
            "Usage, not capability; telemetry undercounts apps Microsoft cannot see (notably in China).",
            "Estimates are revised between releases.",
        ),
    ),
)


def period_of(header: str) -> str | None:
    """ "H1 2025 AI Diffusion" -> "2025-H1"; "Q1 2026 AI Diffusion" -> "2026-Q1"; anything else -> None."""
    match = _HEADER.match(header.strip())
    return f"{match['year']}-{match['part']}" if match else None


def parse(ctx: Context) -> pd.DataFrame:
    path = ctx.folder(SOURCE) / FILE
    frame = read_csv(path, required=[COUNTRY], encoding=ENCODING)
    periods: dict[str, str] = {}
    for column in frame.columns:
        if column == COUNTRY:
            continue
        period = period_of(column)
        if period is None:
            raise SourceFormatError(path, f"unrecognised column header {column!r}; expected e.g. "
                                          "'H1 2025 AI Diffusion' or 'Q1 2026 AI Diffusion'", row=1, column=column)
        periods[column] = period
    if not periods:
        raise SourceFormatError(path, "no period columns (e.g. 'Q1 2026 AI Diffusion') in the header", row=1)
    if len(set(periods.values())) != len(periods):
        column = next(c for c in periods if list(periods.values()).count(periods[c]) > 1)
        raise SourceFormatError(path, f"two columns give period {periods[column]}", row=1, column=column)

    frame[COUNTRY] = frame[COUNTRY].str.strip()
    check_unique(frame, [COUNTRY], path)
    values = {}
    for column in periods:
        text = frame[column].str.strip()
        no_sign = (text != "") & ~text.str.endswith("%")
        if no_sign.any():
            row = int(frame.index[no_sign.to_numpy().nonzero()[0][0]])
            raise SourceFormatError(path, f"value {text[row]!r} has no '%' sign; expected a percentage like '70.10%'",
                                    row=row, column=column)
        values[column] = to_number(frame, column, path, strip="%")
    iso3 = ctx.resolver.iso3(frame[COUNTRY], path=path, column=COUNTRY, aliases=ALIASES, excluded=EXCLUDED)
    check_unique_iso3(iso3, frame[COUNTRY], path, COUNTRY)
    keep = iso3.notna()
    return concat(
        tidy(pd.DataFrame({"iso3": iso3, "period": period, "value": values[column]})[keep],
             source_id=SOURCE.id, indicator_id="ai_diffusion", where=Where(path, column, column))
        for column, period in periods.items()
    )
