"""Countries: the ISO3 reference table and the resolver that maps every publisher's names and codes to ISO3.

The resolver knows the ISO 3166 codes and the English names of the datahub list (CLDR, ISO official,
UNTERM short and formal). Anything else must be listed by the adapter, either as an alias
(``{"Korea, South": "KOR"}``) or as an exclusion with its reason (``{"World": "aggregate"}``).
An unknown name fails the snapshot with the file, row and column. Exclusions are recorded, never
dropped silently.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .sources import country_codes
from .sources.base import SourceFormatError

COUNTRY_COLUMNS = [
    "iso3", "iso2", "m49", "name", "un_region", "un_subregion", "wb_region", "wb_income_group",
    "wb_classification", "wb_lending_category", "independent",
]


def normalise(name: str) -> str:
    """Case-, accent- and article-insensitive form of a country name."""
    text = str(name).replace("\u2019", "'")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().strip()
    text = re.sub(r"\s*\(the\)\s*$", "", text)
    text = re.sub(r"^the\s+", "", text)
    return re.sub(r"\s+", " ", text)


def build_reference(codes: pd.DataFrame, classification: pd.DataFrame) -> pd.DataFrame:
    """Join the ISO list with the World Bank classification; WB-only economies (Kosovo, Channel Islands) join too."""
    wb = classification[~classification["is_aggregate"]]
    merged = codes.merge(wb.drop(columns=["is_aggregate"]), on="iso3", how="outer", indicator=True)
    only_wb = merged["_merge"] == "right_only"
    merged.loc[only_wb, "name"] = merged.loc[only_wb, "wb_name"]
    merged.loc[only_wb, "independent"] = True
    merged["independent"] = merged["independent"].astype(bool)
    return merged[COUNTRY_COLUMNS + ["wb_name", *country_codes.NAME_COLUMNS]].sort_values("iso3").reset_index(drop=True)


@dataclass
class Exclusion:
    file: str
    column: str
    raw_value: str
    reason: str
    rows: int


@dataclass
class CountryResolver:
    """Maps raw names/codes to ISO3 through the reference names plus each adapter's explicit lists."""

    reference: pd.DataFrame
    excluded: list[Exclusion] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.codes = set(self.reference["iso3"])
        candidates: dict[str, set[str]] = {}
        for col in ("name", "wb_name", *country_codes.NAME_COLUMNS):
            for iso3, name in zip(self.reference["iso3"], self.reference[col]):
                if isinstance(name, str) and name.strip():
                    candidates.setdefault(normalise(name), set()).add(iso3)
        # A name two countries share is ambiguous: an adapter must alias it explicitly.
        self.names = {n: next(iter(c)) for n, c in candidates.items() if len(c) == 1}

    def iso3(
        self,
        values: pd.Series,
        *,
        path: Path,
        column: str,
        aliases: Mapping[str, str] | None = None,
        excluded: Mapping[str, str] | None = None,
    ) -> pd.Series:
        """ISO3 for each value (index kept); excluded values give NA and are recorded with their reason."""
        aliases = {normalise(k): v for k, v in (aliases or {}).items()}
        excluded_norm = {normalise(k): (k, v) for k, v in (excluded or {}).items()}
        for target in aliases.values():
            if target not in self.codes:
                raise ValueError(f"alias target {target!r} is not a reference ISO3 code")
        out: dict[str, str | None] = {}
        for raw in pd.unique(values):
            text = "" if raw is None or (isinstance(raw, float) and pd.isna(raw)) else str(raw).strip()
            key = normalise(text)
            if key in excluded_norm:
                out[raw] = None
            elif key in aliases:
                out[raw] = aliases[key]
            elif text in self.codes:
                out[raw] = text
            elif key in self.names:
                out[raw] = self.names[key]
            else:
                row = int(values.index[(values == raw).to_numpy().nonzero()[0][0]]) if text else None
                if row is None:
                    blank = values.isna() | (values.astype("string").str.strip() == "")
                    row = int(values.index[blank.to_numpy().nonzero()[0][0]])
                raise SourceFormatError(
                    path,
                    f"unknown country {text!r}: map it to ISO3 in the adapter's aliases or list it as excluded",
                    row=row,
                    column=column,
                )
        result = values.map(out)
        for raw, iso in out.items():
            if iso is None:
                text = "" if raw is None or (isinstance(raw, float) and pd.isna(raw)) else str(raw).strip()
                self.excluded.append(
                    Exclusion(
                        file=f"{path.parent.name}/{path.name}",
                        column=column,
                        raw_value=text or "(blank)",
                        reason=excluded_norm[normalise(text)][1],
                        rows=int((values == raw).sum()) if text else int(
                            (values.isna() | (values.astype("string").str.strip() == "")).sum()),
                    )
                )
        return result

    def exclusions_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame([e.__dict__ for e in self.excluded], columns=["file", "column", "raw_value", "reason", "rows"])
        return frame.drop_duplicates().sort_values(["file", "column", "raw_value"]).reset_index(drop=True)
