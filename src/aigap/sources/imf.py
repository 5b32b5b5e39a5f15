"""IMF AI Preparedness Index (AIPI), 2023: the overall score and its four sub-indices.

One file, ``global-ai-metrics.json``: an unchanged copy of the JSON snapshot in GitHub
``vibewatch/FutureGrid`` (``data/global-ai-metrics.json``), built by that repo's script from the IMF
DataMapper API (indicators AI_PI, DI, HCLMP, IEI, RE), keeping the 2023 value keyed by ISO3. The
adapter reads ``metrics.readiness`` (ISO3 -> AI_PI) and ``metrics.readinessSubIndices`` (ISO3 ->
{digitalInfrastructure, humanCapital, innovation, regulationEthics}); the vintage year comes from
``metrics.readinessMeta.year`` / ``metrics.readinessSubIndexMeta.year``. The other keys of the JSON
(Microsoft diffusion, Oxford 2023 totals) belong to other sources and are not read here.

The same folder holds ``imf_aipi_2023_extracted.csv``, a flat table derived from this JSON; it is a
convenience copy and is not parsed (the tests cross-check it against the JSON).

Thirteen keys are IMF country groups, not countries; they are excluded from the country table with
their reason and returned by :func:`aggregates` under the group's plain name. A JSON ``null`` is a
missing value (absent row). Anything else that is not a JSON number raises
:class:`SourceFormatError` with the JSON path of the value as ``column`` (rows are ``None`` except
for JSON syntax errors, which carry the line number). A value its plausibility rule refuses is named by
its JSON path and the line of its key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .base import (AGGREGATE_COLUMNS, Context, Indicator, Source, SourceFormatError, Where, check_rows, concat,
                   require_file, tidy)

FILE = "global-ai-metrics.json"

# Where the JSON was taken from (same shape as the file in the raw folder).
_FUTUREGRID_COMMIT = "34efef32b51c937faa0c80db19fcb57fc46e9c0f"
_FUTUREGRID_URL = (
    f"https://raw.githubusercontent.com/vibewatch/FutureGrid/{_FUTUREGRID_COMMIT}/data/global-ai-metrics.json"
)
# The publisher's own API, one URL per series. Its JSON shape differs
# ({"values": {"AI_PI": {"SGP": {"2023": 0.80...}}}}), so these are recorded for reference, not fetched
# into the raw folder: a re-download of FILE must come from the FutureGrid extract the snapshot was built from.
IMF_API = {
    "AI_PI": "https://www.imf.org/external/datamapper/api/v1/AIPI/AI_PI",
    "DI": "https://www.imf.org/external/datamapper/api/v1/AIPI/DI",
    "HCLMP": "https://www.imf.org/external/datamapper/api/v1/AIPI/HCLMP",
    "IEI": "https://www.imf.org/external/datamapper/api/v1/AIPI/IEI",
    "RE": "https://www.imf.org/external/datamapper/api/v1/AIPI/RE",
}

# Economies are the file's ISO3 keys (not IMF groups) in either section; tests/test_views_data.py checks the counts
# against the file and the store.
_MISSING_TOTALS = (
    "9 of the 174 economies in the file have no AIPI total (Afghanistan, Macao, Maldives, Puerto Rico, Somalia, "
    "South Sudan, São Tomé and Príncipe, Taiwan and Uzbekistan), though some of their sub-indices are published: "
    "the AIPI has values for 165 economies."
)

SOURCE = Source(
    id="imf_aipi",
    folder="imf_aipi",
    publisher="International Monetary Fund",
    title="AI Preparedness Index (AIPI), 2023, with its four sub-indices (IMF DataMapper)",
    url="https://www.imf.org/external/datamapper/AI_PI@AIPI/ADVEC/EME/LIC",
    licence="IMF Copyright and Usage terms (https://www.imf.org/external/terms.htm): free re-use with attribution",
    vintage="2023 (single vintage; JSON extract of the DataMapper API generated 2026-06-30)",
    citation=(
        "International Monetary Fund, AI Preparedness Index (AIPI), IMF DataMapper; methodology: Cazzaniga et al. "
        "(2024), Gen-AI: Artificial Intelligence and the Future of Work, IMF Staff Discussion Note SDN/2024/001"
    ),
    caveats=(
        "Single vintage (2023): no time series.",
        "The four sub-indices are weighted contributions on a 0-0.25 scale that add up to the AIPI "
        "(to within 0.01, rounding), not 0-1 scores.",
        "A capacity index: do not average it with usage (Microsoft AI diffusion) or government-readiness "
        "(Oxford Insights) scores.",
        "The file is a third-party JSON extract of the IMF DataMapper API (GitHub vibewatch/FutureGrid), "
        "not an IMF download; values are copied unchanged.",
        "Thirteen IMF country groups (advanced economies, emerging market economies, low-income countries, "
        "regions) are kept apart as aggregates; most of them are published rounded to two decimals.",
        _MISSING_TOTALS,
    ),
    downloads={FILE: _FUTUREGRID_URL},
    manual=(
        "global-ai-metrics.json is the FutureGrid extract (GitHub vibewatch/FutureGrid, data/global-ai-metrics.json, "
        f"commit {_FUTUREGRID_COMMIT}); put it in imf_aipi/. The IMF's own API "
        "(https://www.imf.org/external/datamapper/api/v1/AIPI/AI_PI and /DI, /HCLMP, /IEI, /RE) returns the same "
        "figures in a different JSON shape that this adapter does not read."
    ),
)
SOURCES = (SOURCE,)

TOTAL_PATH = ("metrics", "readiness")
SUB_PATH = ("metrics", "readinessSubIndices")
TOTAL_YEAR_PATH = ("metrics", "readinessMeta", "year")
SUB_YEAR_PATH = ("metrics", "readinessSubIndexMeta", "year")

# JSON field of a sub-index -> (indicator id, IMF series code, IMF label).
SUB_INDICES = {
    "digitalInfrastructure": ("imf_aipi_digital_infrastructure", "DI", "Digital Infrastructure"),
    "humanCapital": ("imf_aipi_human_capital", "HCLMP", "Human Capital and Labor Market Policies"),
    "innovation": ("imf_aipi_innovation", "IEI", "Innovation and Economic Integration"),
    "regulationEthics": ("imf_aipi_regulation", "RE", "Regulation and Ethics"),
}

# IMF DataMapper country-group codes that appear as keys beside the ISO3 codes -> the group's plain name.
# (WE is the IMF's Western Hemisphere region, i.e. Latin America and the Caribbean; the United States and
# Canada are in NMQ, North America.)
GROUPS = {
    "ADVEC": "Advanced economies",
    "EME": "Emerging market economies",
    "LIC": "Low-income countries",
    "EU": "European Union",
    "EURO": "Euro area",
    "EUQ": "Europe",
    "APQ": "Asia and Pacific",
    "AS5": "ASEAN-5",
    "MAE": "Major advanced economies (G7)",
    "MECA": "Middle East and Central Asia",
    "NMQ": "North America",
    "SSQ": "Sub-Saharan Africa",
    "WE": "Western Hemisphere (Latin America and the Caribbean)",
}
EXCLUDED = {code: f"IMF country-group aggregate {code}: {name}" for code, name in GROUPS.items()}
ALIASES: dict[str, str] = {}

_COMMON_CAVEATS = (
    "Single vintage (2023).",
    "Capacity index: not comparable with usage or government-readiness scores.",
)

INDICATORS = (
    Indicator(
        id="imf_aipi",
        name="IMF AI Preparedness Index",
        pillar="readiness",
        unit="index score, 0-1",
        description=(
            "The IMF's AI Preparedness Index (AI_PI): a country's readiness to adopt AI, built from about 30 "
            "indicators in four pillars (digital infrastructure; human capital and labour-market policies; "
            "innovation and economic integration; regulation and ethics). Higher is better prepared."
        ),
        source_id=SOURCE.id,
        series_code="AI_PI",
        higher_is_better=True,
        kind="score",
        caveats=(_MISSING_TOTALS, *_COMMON_CAVEATS),
    ),
    *(
        Indicator(
            id=ind_id,
            name=f"IMF AIPI sub-index: {label}",
            pillar="readiness",
            unit="weighted contribution to the AIPI, 0-0.25",
            description=(
                f"The {label} pillar ({code}) of the IMF AI Preparedness Index, published as its weighted "
                "contribution: the four sub-indices add up to the AIPI, so each lies on a 0-0.25 scale."
            ),
            source_id=SOURCE.id,
            series_code=code,
            higher_is_better=True,
            kind="score",
            caveats=(
                "Weighted contribution on a 0-0.25 scale that adds up to the AIPI, not a 0-1 score.",
                *_COMMON_CAVEATS,
            ),
        )
        for ind_id, code, label in SUB_INDICES.values()
    ),
)


class _Object(dict):
    """A JSON object that remembers keys the file gave twice (json keeps only the last one)."""

    duplicates: list[str]


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object()
    obj.duplicates = []
    for key, value in pairs:
        if key in obj:
            obj.duplicates.append(key)
        obj[key] = value
    return obj


def _no_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def load(path: Path) -> Any:
    """Parse the JSON strictly: UTF-8, no NaN/Infinity; objects remember duplicated keys."""
    data = require_file(path).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceFormatError(
            path, f"cannot be decoded as UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            row=data[: exc.start].count(b"\n") + 1,
        ) from None
    try:
        return json.loads(text, object_pairs_hook=_object, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise SourceFormatError(path, f"malformed JSON ({exc.msg}, column {exc.colno}); "
                                      "the file may be truncated", row=exc.lineno) from None
    except ValueError as exc:
        raise SourceFormatError(path, f"malformed JSON: {exc}") from None


def _where(keys: tuple[str, ...]) -> str:
    return ".".join(keys)


def _check_object(obj: Any, keys: tuple[str, ...], path: Path, what: str = "") -> Mapping[str, Any]:
    where = _where(keys)
    if not isinstance(obj, dict):
        raise SourceFormatError(path, f"{what}expected a JSON object, found {type(obj).__name__}", column=where)
    dups = getattr(obj, "duplicates", [])
    if dups:
        raise SourceFormatError(path, f"{what}duplicate key {dups[0]!r}", column=f"{where}.{dups[0]}")
    return obj


def _get(doc: Any, keys: tuple[str, ...], path: Path) -> Any:
    node = doc
    for depth, key in enumerate(keys):
        node = _check_object(node, keys[:depth], path) if depth else _check_object(node, ("$",), path)
        if key not in node:
            raise SourceFormatError(path, f"missing key {key!r}", column=_where(keys[: depth + 1]))
        node = node[key]
    return node


def _number(value: Any, keys: tuple[str, ...], iso: str, path: Path) -> float | None:
    """A JSON number as float; null is missing; anything else (string, bool, object) is an error."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SourceFormatError(
            path, f"ISO3 key {iso!r}: non-numeric value {value!r} (expected a JSON number or null)",
            column=_where(keys),
        )
    return float(value)


def _year(doc: Any, keys: tuple[str, ...], path: Path) -> str:
    year = _get(doc, keys, path)
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2100:
        raise SourceFormatError(path, f"expected the vintage year as a JSON integer, found {year!r}",
                                column=_where(keys))
    return str(year)


def _records(doc: Any, path: Path) -> pd.DataFrame:
    """key, section, indicator_id, period, value and keys (its JSON path) for every ISO3/group key of both
    sections."""
    rows: list[tuple[str, str, str, str, float | None, tuple[str, ...]]] = []
    total_year = _year(doc, TOTAL_YEAR_PATH, path)
    totals = _check_object(_get(doc, TOTAL_PATH, path), TOTAL_PATH, path)
    for key, raw in totals.items():
        rows.append((key, _where(TOTAL_PATH), "imf_aipi", total_year,
                     _number(raw, (*TOTAL_PATH, key), key, path), (*TOTAL_PATH, key)))

    sub_year = _year(doc, SUB_YEAR_PATH, path)
    subs = _check_object(_get(doc, SUB_PATH, path), SUB_PATH, path)
    for key, entry in subs.items():
        keys = (*SUB_PATH, key)
        entry = _check_object(entry, keys, path, what=f"ISO3 key {key!r}: ")
        extra = sorted(set(entry) - set(SUB_INDICES))
        if extra:
            raise SourceFormatError(path, f"ISO3 key {key!r}: unexpected sub-index {extra[0]!r}",
                                    column=_where((*keys, extra[0])))
        for field, (ind_id, _code, _label) in SUB_INDICES.items():
            if field not in entry:
                raise SourceFormatError(path, f"ISO3 key {key!r}: missing sub-index {field!r}",
                                        column=_where((*keys, field)))
            rows.append((key, _where(SUB_PATH), ind_id, sub_year, _number(entry[field], (*keys, field), key, path),
                         (*keys, field)))
    return pd.DataFrame(rows, columns=["key", "section", "indicator_id", "period", "value", "keys"])


def _provenance(records: pd.DataFrame, path: Path) -> pd.DataFrame:
    """``records`` with the JSON path (``value_column``) and line (``rows``) of each value, for refusals."""
    text = path.read_bytes().decode("utf-8-sig")
    found: dict[tuple[str, ...], int] = {(): 0}

    def start(keys: tuple[str, ...]) -> int:
        """Offset of the last key of ``keys``, searched after the key before it (objects have unique keys)."""
        if keys not in found:
            match = re.compile(rf'"{re.escape(keys[-1])}"\s*:').search(text, start(keys[:-1]))
            found[keys] = match.start() if match else start(keys[:-1])
        return found[keys]

    lines = [(text.count("\n", 0, start(keys)) + 1,) for keys in records["keys"]]
    return records.assign(value_column=records["keys"].map(_where), rows=lines)


def _year_path(indicator_id: str) -> str:
    return _where(TOTAL_YEAR_PATH if indicator_id == "imf_aipi" else SUB_YEAR_PATH)


def _resolve(ctx: Context, records: pd.DataFrame, path: Path) -> pd.Series:
    """ISO3 per record, section by section (so each exclusion is recorded with its JSON path)."""
    parts = []
    for section, part in records.groupby("section", sort=False):
        keys = list(dict.fromkeys(part["key"]))
        series = pd.Series(keys, index=pd.RangeIndex(len(keys)))
        try:
            iso = ctx.resolver.iso3(series, path=path, column=section, aliases=ALIASES, excluded=EXCLUDED)
        except SourceFormatError as exc:
            # The resolver's row is the position in `keys`: report the JSON path of that key instead.
            bad = keys[exc.row] if exc.row is not None else ""
            raise SourceFormatError(path, f"ISO3 key {bad!r}: {exc.detail}", column=f"{section}.{bad}") from None
        parts.append(part["key"].map(dict(zip(keys, iso))))
    return pd.concat(parts).reindex(records.index)


def parse(ctx: Context) -> pd.DataFrame:
    path = ctx.folder(SOURCE) / FILE
    records = _records(load(path), path)
    records["iso3"] = _resolve(ctx, records, path)
    countries = _provenance(records[records["iso3"].notna()], path)
    return concat(tidy(part, source_id=SOURCE.id, indicator_id=str(ind), where=Where(path, None, _year_path(ind)))
                  for ind, part in countries.groupby("indicator_id", sort=False))


def aggregates(ctx: Context) -> pd.DataFrame:
    """The IMF group figures (advanced economies, regions, ...) under the group's plain name."""
    path = ctx.folder(SOURCE) / FILE
    records = _records(load(path), path)
    groups = records[records["key"].isin(GROUPS) & records["value"].notna()].copy()
    groups["entity"] = groups["key"].map(GROUPS)
    groups["source_id"] = SOURCE.id
    groups["note"] = None
    for ind, part in _provenance(groups, path).groupby("indicator_id", sort=False):
        check_rows(part, Where(path, None, _year_path(ind)))
    out = groups[AGGREGATE_COLUMNS].reset_index(drop=True)
    out["value"] = out["value"].astype("float64")
    return out
