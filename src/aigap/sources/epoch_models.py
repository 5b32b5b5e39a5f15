"""Epoch AI model databases: notable AI models (and their open-weight subset) and large-scale models per country-year.

Each file has one row per model. ``Country (of organization)`` lists the country of every developing
organisation, comma-separated and often repeated ("United States of America,United States of America").
A model counts once for each distinct country in its cell, in the year of its ``Publication date``:
a US-UK collaboration counts for both, so country counts do not add up to the number of models.
"Multinational" and blank cells are not attributable to a country and are recorded as exclusions.

Epoch's lists are censuses of the models they track, so a country-year without a model is a genuine
"no model recorded", not missing data. Rows are emitted only for country-years with at least one model;
the indicator descriptions say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .base import (Context, Indicator, Source, SourceFormatError, Where, check_rows, check_unique, concat, read_csv,
                   source_rows, tidy)

NOTABLE = Source(
    id="epoch_notable_models",
    folder="epoch_notable_models",
    publisher="Epoch AI",
    title="Data on Notable AI Models",
    url="https://epoch.ai/data/notable-ai-models",
    licence="CC BY 4.0 (credit 'Epoch AI')",
    vintage="snapshot accessed 2026-01-26 (models published to 2025-12-31)",
    citation="Epoch AI, 'Data on AI Models'. Published online at epoch.ai.",
    caveats=(
        "Country is the headquarters country of the developing organisation(s), not where the model was trained.",
        "'Notable' is Epoch's editorial selection (state of the art, highly cited, historically significant or widely "
        "used); coverage favours well-documented, English-language releases and under-counts Chinese and other models.",
        "Recent months are incomplete: Epoch adds models with a lag.",
        "A model with organisations in several countries counts once for each; 'Multinational' and blank countries are not attributed.",
    ),
    downloads={"notable_ai_models.csv": "https://epoch.ai/data/notable_ai_models.csv"},
)

LARGE_SCALE = Source(
    id="epoch_large_scale_models",
    folder="epoch_large_scale_models",
    publisher="Epoch AI",
    title="Tracking Large-Scale AI Models (training compute above 10^23 FLOP)",
    url="https://epoch.ai/data/large-scale-ai-models",
    licence="CC BY 4.0 (credit 'Epoch AI')",
    vintage="snapshot of about May 2025 (models published to 2025-04-29)",
    citation="Epoch AI, 'Data on AI Models'. Published online at epoch.ai.",
    caveats=(
        "Country is the headquarters country of the developing organisation(s), not where the model was trained.",
        "The snapshot ends in April 2025 and misses the large 2025-26 wave of models.",
        "Includes models only estimated to exceed 10^23 FLOP; Epoch's coverage favours well-documented releases.",
        "A model with organisations in several countries counts once for each; 'Multinational' is not attributed.",
    ),
    downloads={"large_scale_ai_models.csv": "https://epoch.ai/data/large_scale_ai_models.csv"},
)

SOURCES = (NOTABLE, LARGE_SCALE)

MODEL = "Model"
DATE = "Publication date"
COUNTRY = "Country (of organization)"
ACCESS = "Model accessibility"

# Epoch's accessibility labels; the open-weight kinds all start with OPEN_WEIGHTS
# ("Open weights (unrestricted)", "(non-commercial)", "(restricted use)"). Any other label stops the
# adapter so that a new category is classified by a person, not guessed.
OPEN_WEIGHTS = "Open weights"
OTHER_ACCESS = ("", "Unreleased", "API access", "Hosted access (no API)")

ALIASES = {"Korea (Republic of)": "KOR"}
EXCLUDED = {
    "Multinational": "Epoch label for an organisation spanning several countries; not attributable to one country",
    "": "no country recorded for the model's organisation(s)",
}

_ABSENT = (
    "Rows exist only for country-years with at least one model; Epoch's list is a census of the models it tracks, "
    "so an absent country-year means no model recorded, not missing data."
)

INDICATORS = (
    Indicator(
        id="notable_ai_models",
        name="Notable AI models",
        pillar="models",
        unit="models",
        description=(
            "Number of notable AI models (Epoch AI) published in the year with at least one developing organisation "
            "headquartered in the country; a multi-country model counts once for each of its countries. " + _ABSENT
        ),
        source_id=NOTABLE.id,
        series_code=COUNTRY,
        higher_is_better=True,
        kind="total",
        caveats=(
            "Editorial selection; under-counts non-English releases.",
            "By developer headquarters; multi-country models count for each country, so countries do not sum to the model total.",
            "Absent country-years mean no notable model recorded.",
            "Recent months are incomplete.",
        ),
    ),
    Indicator(
        id="open_weight_ai_models",
        name="Open-weight notable AI models",
        pillar="models",
        unit="models",
        description=(
            "Number of notable AI models (Epoch AI) whose weights are published (Model accessibility 'Open weights', "
            "unrestricted, non-commercial or restricted use), per publication year and developer country, counted "
            "as for notable_ai_models. " + _ABSENT
        ),
        source_id=NOTABLE.id,
        series_code=ACCESS,
        higher_is_better=True,
        kind="total",
        caveats=(
            "Many notable models (mostly older ones) have no accessibility recorded and are not counted: a lower bound.",
            "By developer headquarters; multi-country models count for each country.",
            "Absent country-years mean no open-weight notable model recorded.",
        ),
    ),
    Indicator(
        id="large_scale_ai_models",
        name="Large-scale AI models (>10^23 FLOP)",
        pillar="models",
        unit="models",
        description=(
            "Number of AI models trained with more than 10^23 FLOP (known or estimated; Epoch AI) published in the "
            "year with at least one developing organisation headquartered in the country, counted as for "
            "notable_ai_models. " + _ABSENT
        ),
        source_id=LARGE_SCALE.id,
        series_code=COUNTRY,
        higher_is_better=True,
        kind="total",
        caveats=(
            "Snapshot ends April 2025: 2025 is a partial year.",
            "By developer headquarters; multi-country models count for each country.",
            "Absent country-years mean no large-scale model recorded.",
        ),
    ),
)


@dataclass(frozen=True)
class _File:
    source: Source
    name: str
    required: tuple[str, ...]


NOTABLE_FILE = _File(NOTABLE, "notable_ai_models.csv", (MODEL, DATE, COUNTRY, ACCESS))
LARGE_SCALE_FILE = _File(LARGE_SCALE, "large_scale_ai_models.csv", (MODEL, DATE, COUNTRY))


def _first_row(frame: pd.DataFrame, mask: pd.Series) -> int:
    return int(frame.index[mask.to_numpy().nonzero()[0][0]])


def _read(path: Path, spec: _File) -> pd.DataFrame:
    """The file with a checked model name, publication date and year (index = line where the record starts)."""
    frame = read_csv(path, required=spec.required)
    frame[MODEL] = frame[MODEL].str.strip()
    if (frame[MODEL] == "").any():
        raise SourceFormatError(path, "empty model name", row=_first_row(frame, frame[MODEL] == ""), column=MODEL)
    check_unique(frame, [MODEL], path)
    text = frame[DATE].str.strip()
    dates = pd.to_datetime(text.where(text.str.fullmatch(r"\d{4}-\d{2}-\d{2}")), format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        row = _first_row(frame, dates.isna())
        raise SourceFormatError(
            path, f"not a YYYY-MM-DD date: {frame.loc[row, DATE]!r}", row=row, column=DATE
        )
    frame["_date"] = dates
    frame["_year"] = dates.dt.year.astype(str)
    return frame


def _countries(ctx: Context, frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """One row per (model row, distinct ISO3): columns row, iso3. Excluded tokens are recorded by the resolver."""
    rows: list[int] = []
    tokens: list[str] = []
    for row, cell in frame[COUNTRY].items():
        text = str(cell).strip()
        parts = [t.strip() for t in text.split(",")] if text else [""]
        if text and "" in parts:
            raise SourceFormatError(path, f"empty country in list {cell!r}", row=int(row), column=COUNTRY)
        for token in dict.fromkeys(parts):  # distinct, in order
            rows.append(int(row))
            tokens.append(token)
    series = pd.Series(tokens, index=pd.Index(rows, name="row"), dtype=object)
    iso3 = ctx.resolver.iso3(series, path=path, column=COUNTRY, aliases=ALIASES, excluded=EXCLUDED)
    out = pd.DataFrame({"row": series.index, "iso3": iso3.to_numpy()})
    # Two spellings of one country in a cell still count the model once.
    return out[out["iso3"].notna()].drop_duplicates()


def _partial_year_note(frame: pd.DataFrame) -> tuple[str, str] | None:
    """(year, note) when the file's latest publication date is before that year's 31 December."""
    latest = frame["_date"].max()
    if (latest.month, latest.day) == (12, 31):
        return None
    return str(latest.year), f"partial year: file's latest model is dated {latest:%Y-%m-%d}"


def _count(frame: pd.DataFrame, countries: pd.DataFrame, *, path: Path, source: Source, indicator_id: str,
           partial: tuple[str, str] | None) -> pd.DataFrame:
    years = frame["_year"]
    keep = countries[countries["row"].isin(frame.index)]
    counted = keep.assign(period=years.reindex(keep["row"]).to_numpy(), indicator_id=indicator_id).set_index("row")
    where = Where(path, COUNTRY, DATE)
    check_rows(counted, where)  # each model's date, before it is counted
    counts = counted.groupby(["iso3", "period"], sort=True).size().rename("value").reset_index()
    counts["value"] = counts["value"].astype("float64")
    counts["rows"] = source_rows(counted, ["iso3", "period"]).to_numpy()
    counts["note"] = None
    if partial is not None:
        counts.loc[counts["period"] == partial[0], "note"] = partial[1]
    return tidy(counts, source_id=source.id, indicator_id=indicator_id, where=where)


def _open_weights(frame: pd.DataFrame, path: Path) -> pd.Series:
    access = frame[ACCESS].str.strip()
    is_open = access.str.startswith(OPEN_WEIGHTS)
    unknown = ~is_open & ~access.isin(OTHER_ACCESS)
    if unknown.any():
        row = _first_row(frame, unknown)
        raise SourceFormatError(
            path,
            f"unknown accessibility {frame.loc[row, ACCESS]!r}: classify it as open weights or not in the adapter",
            row=row,
            column=ACCESS,
        )
    return is_open


def parse(ctx: Context) -> pd.DataFrame:
    frames = []
    if ctx.folder(NOTABLE).is_dir():
        path = ctx.folder(NOTABLE) / NOTABLE_FILE.name
        frame = _read(path, NOTABLE_FILE)
        is_open = _open_weights(frame, path)
        countries = _countries(ctx, frame, path)
        partial = _partial_year_note(frame)
        frames.append(_count(frame, countries, path=path, source=NOTABLE, indicator_id="notable_ai_models",
                             partial=partial))
        frames.append(_count(frame[is_open], countries, path=path, source=NOTABLE,
                             indicator_id="open_weight_ai_models", partial=partial))
    if ctx.folder(LARGE_SCALE).is_dir():
        path = ctx.folder(LARGE_SCALE) / LARGE_SCALE_FILE.name
        frame = _read(path, LARGE_SCALE_FILE)
        countries = _countries(ctx, frame, path)
        frames.append(
            _count(frame, countries, path=path, source=LARGE_SCALE, indicator_id="large_scale_ai_models",
                   partial=_partial_year_note(frame))
        )
    return concat(frames)
