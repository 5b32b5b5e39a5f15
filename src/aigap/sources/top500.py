"""TOP500 supercomputer lists: total Rmax and number of listed systems per installation country and edition.

One workbook per list edition (``TOP500_YYYYMM.xls``/``.xlsx``, sheet 0, one row per system, exactly
500 rows). The period is the edition taken from the file name ("2025-06").

Format traps handled here (see ``top500/SOURCE.md``):

- The header row is row 2 in the 2000-06 ... 2007-11 ``.xls`` files (a blank title row precedes it) and
  row 1 afterwards; it is found as the first of the top rows holding both "Rank" and "Country".
- Rmax is in GFlop/s up to 2016-11 in a column named ``RMax``/``Rmax`` without a unit, and in TFlop/s
  from 2017-06 in ``Rmax [TFlop/s]``. A unit written in the column name (``[TFlop/s]``, ``[GFlop/s]``)
  is used as written; a unit-less name is GFlop/s and is accepted only up to 2016-11 (per SOURCE.md),
  so a later edition with a unit-less column fails instead of being silently mis-scaled.
- ``TOP500_202311.xlsx`` has a second sheet (a transposed copy); sheet 0 is the list.
- Old ``.xls`` files make xlrd print "OLE2 inconsistency" warnings; they are harmless and suppressed.
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import pandas as pd

from .base import (
    Context,
    Indicator,
    Source,
    SourceFormatError,
    Where,
    check_rows,
    check_unique,
    concat,
    require_file,
    source_rows,
    tidy,
)

SOURCE = Source(
    id="top500",
    folder="top500",
    publisher="TOP500.org (E. Strohmaier, J. Dongarra, H. Simon, M. Meuer; Prometeus GmbH)",
    title="TOP500 lists of the 500 most powerful computer systems, June 2000 to June 2025 (49 editions)",
    url="https://www.top500.org/lists/top500/",
    licence="No open-data licence stated; free download after registration; attribution required",
    vintage="June 2025 list (editions 2000-06 to 2025-06; 2021-06, 2022-11 and 2025-11 missing)",
    citation="TOP500.org, TOP500 lists June 2000 - June 2025 (cite as \"TOP500.org, list of <Month YYYY>\")",
    caveats=(
        "TOP500 only lists systems whose owners submit a LINPACK run: Chinese sites have largely stopped "
        "submitting since about 2019, so China is understated.",
        "Hyperscaler and commercial AI clusters (OpenAI/Microsoft, xAI, Meta, Google TPU pods) almost never "
        "submit; TOP500 misses most private AI compute.",
        "Rmax is FP64 HPC (LINPACK) performance, not AI training capacity (FP16/FP8).",
        "Systems count in their installation country (cloud systems where they are installed), not the "
        "owner's nationality.",
        "Editions 2021-06, 2022-11 and 2025-11 are missing from the collected files.",
    ),
    manual=(
        "top500.org requires a free registration: log in, download "
        "https://www.top500.org/lists/top500/YYYY/MM/download/TOP500_YYYYMM.xlsx for each edition "
        "(older editions are .xls) and put the files, named TOP500_YYYYMM.xls/.xlsx, in top500/."
    ),
)

SOURCES = (SOURCE,)

_CAVEATS = SOURCE.caveats

INDICATORS = (
    Indicator(
        id="top500_rmax",
        name="TOP500 performance (sum of Rmax of listed systems)",
        pillar="compute",
        unit="TFlop/s (Rmax, FP64 LINPACK)",
        description=(
            "Sum of the measured LINPACK performance (Rmax) of all systems on the TOP500 list of that edition "
            "installed in the country. Editions up to November 2016 publish Rmax in GFlop/s; those values are "
            "divided by 1000 to give TFlop/s (June 2017 onward the list itself gives TFlop/s)."
        ),
        source_id=SOURCE.id,
        series_code="Rmax [TFlop/s] (RMax/Rmax in GFlop/s until 2016-11)",
        higher_is_better=True,
        kind="total",
        caveats=_CAVEATS,
    ),
    Indicator(
        id="top500_systems",
        name="Systems on the TOP500 list",
        pillar="compute",
        unit="systems",
        description="Number of the 500 systems of that TOP500 list edition installed in the country.",
        source_id=SOURCE.id,
        series_code="Country (count of rows)",
        higher_is_better=True,
        kind="total",
        caveats=_CAVEATS,
    ),
)

# TOP500's own spellings the country resolver does not know.
ALIASES = {
    "Korea, South": "KOR",
    "Saudia Arabia": "SAU",  # publisher's misspelling in some editions
    "Turkey": "TUR",
}
# TOP500 lists installation countries only; nothing to exclude so far.
EXCLUDED: dict[str, str] = {}

LIST_LENGTH = 500
PERIOD_FROM = "file name"  # the edition is read from TOP500_YYYYMM.xlsx
HEADER_SCAN_ROWS = 10  # the header is searched for among the sheet's first rows
# Last edition whose unit-less Rmax column is in GFlop/s (SOURCE.md); from 2017-06 the name carries the unit.
LAST_UNITLESS_GFLOPS_EDITION = "2016-11"
_FILE_RE = re.compile(r"^TOP500_(\d{4})(0[1-9]|1[0-2])\.(xls|xlsx)$", re.IGNORECASE)
_UNIT_RE = re.compile(r"\[\s*([A-Z]?)flop/?s\s*\]", re.IGNORECASE)
# Rmax unit -> divisor giving TFlop/s.
_DIVISOR = {"G": 1000.0, "T": 1.0}


def edition_files(folder: Path) -> dict[str, Path]:
    """Edition "YYYY-MM" -> workbook path for every ``TOP500_*`` file in the folder."""
    if not folder.is_dir():
        raise SourceFormatError(folder, "raw folder not found")
    found: dict[str, Path] = {}
    for path in sorted(folder.glob("TOP500_*")):
        match = _FILE_RE.match(path.name)
        if not match:
            raise SourceFormatError(path, "file name is not TOP500_YYYYMM.xls or TOP500_YYYYMM.xlsx")
        edition = f"{match.group(1)}-{match.group(2)}"
        if edition in found:
            raise SourceFormatError(path, f"edition {edition} is also in {found[edition].name}")
        found[edition] = path
    if not found:
        raise SourceFormatError(folder / "TOP500_YYYYMM.xlsx", "no TOP500 list files found")
    return found


# Only empty cells are missing: pandas would otherwise turn texts such as "NA" or "n/a" into NaN silently.
_NA_ONLY_BLANK = {"keep_default_na": False, "na_values": [""]}


def _read_sheet0(path: Path) -> pd.DataFrame:
    """Sheet 0 as raw cells (no header); index i is spreadsheet row i + 1."""
    require_file(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pandas' xlrd deprecation notice
            if path.suffix.lower() == ".xls":
                import xlrd

                # xlrd prints "OLE2 inconsistency" warnings to its logfile (stdout by default): harmless.
                book = xlrd.open_workbook(str(path), logfile=io.StringIO(), on_demand=True)
                try:
                    return pd.read_excel(book, sheet_name=0, header=None, engine="xlrd", **_NA_ONLY_BLANK)
                finally:
                    book.release_resources()
            return pd.read_excel(path, sheet_name=0, header=None, engine="openpyxl", **_NA_ONLY_BLANK)
    except Exception as exc:  # xlrd/openpyxl/zipfile raise many kinds for a broken workbook
        raise SourceFormatError(path, f"cannot read sheet 0 of the workbook: {type(exc).__name__}: {exc}") from None


def _rmax_column(path: Path, edition: str, header: list[str], header_row: int) -> tuple[str, float]:
    """The Rmax column's name and the divisor that converts it to TFlop/s."""
    unitless = edition <= LAST_UNITLESS_GFLOPS_EDITION
    expected = "RMax" if unitless else "Rmax [TFlop/s]"
    candidates = [h for h in header if h.lower().replace(" ", "").startswith("rmax")]
    if not candidates:
        raise SourceFormatError(
            path, f"no Rmax column (expected {expected!r} for edition {edition}); found {header}",
            row=header_row, column=expected,
        )
    if len(candidates) > 1:
        raise SourceFormatError(path, f"several Rmax columns {candidates}", row=header_row, column=candidates[1])
    name = candidates[0]
    unit = _UNIT_RE.search(name)
    if unit:
        prefix = unit.group(1).upper()
        if prefix not in _DIVISOR:
            raise SourceFormatError(path, f"unsupported Rmax unit {unit.group(0)!r}", row=header_row, column=name)
        return name, _DIVISOR[prefix]
    if name.lower() != "rmax":
        raise SourceFormatError(path, f"unrecognised Rmax column (expected {expected!r})", row=header_row, column=name)
    if not unitless:
        raise SourceFormatError(
            path,
            f"Rmax column has no unit; unit-less Rmax means GFlop/s only up to {LAST_UNITLESS_GFLOPS_EDITION} "
            f"and this is edition {edition} (expected {expected!r})",
            row=header_row, column=name,
        )
    return name, _DIVISOR["G"]


def read_edition(path: Path, edition: str) -> pd.DataFrame:
    """One list: columns Rank, Country, rmax_tflops; index = spreadsheet row number (1-based).

    Every system's Rmax and the edition must pass the ``top500_rmax`` rule before any country sum.
    """
    cells = _read_sheet0(path)
    cells.index = cells.index + 1
    header_row = None
    for row_no in cells.index[:HEADER_SCAN_ROWS]:
        texts = {str(v).strip() for v in cells.loc[row_no] if pd.notna(v)}
        if {"Rank", "Country"} <= texts:
            header_row = int(row_no)
            break
    if header_row is None:
        raise SourceFormatError(
            path, f"no header row holding 'Rank' and 'Country' in the first {HEADER_SCAN_ROWS} rows of sheet 0",
            column="Country",
        )
    header = [str(v).strip() if pd.notna(v) else f"(blank column {j + 1})" for j, v in enumerate(cells.loc[header_row])]
    for name in ("Rank", "Country"):
        if header.count(name) > 1:
            raise SourceFormatError(path, "duplicate column name in header", row=header_row, column=name)
    rmax_name, divisor = _rmax_column(path, edition, header, header_row)

    body = cells.loc[header_row + 1:].copy()
    body.columns = header
    body = body[body.notna().any(axis=1)]  # blank rows (e.g. trailing) carry no system
    if len(body) != LIST_LENGTH:
        raise SourceFormatError(
            path,
            f"{len(body)} systems below the header; every TOP500 list has exactly {LIST_LENGTH} "
            "(truncated or edited file: sums would be understated)",
            row=int(body.index[-1]) if len(body) else header_row,
            column="Rank",
        )
    out = pd.DataFrame(index=body.index)
    out["Rank"] = _numbers(body["Rank"], path, "Rank")
    check_unique(out, ["Rank"], path)
    out["Country"] = body["Country"]
    out["rmax_tflops"] = _numbers(body[rmax_name], path, rmax_name) / divisor
    check_rows(pd.DataFrame({"indicator_id": "top500_rmax", "period": edition, "value": out["rmax_tflops"]}),
               Where(path, rmax_name, PERIOD_FROM))
    return out


def _numbers(values: pd.Series, path: Path, column: str) -> pd.Series:
    """Cells as floats; a blank or non-numeric cell is an error (every listed system has a rank and an Rmax)."""
    text = values.astype("string").str.strip()
    numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    bad = numbers.isna()
    if bad.any():
        row = int(values.index[bad.to_numpy().nonzero()[0][0]])
        raw = values[row]
        what = "empty value where a number is required" if pd.isna(raw) or not str(raw).strip() else f"non-numeric value {raw!r}"
        raise SourceFormatError(path, what, row=row, column=column)
    return numbers


def parse(ctx: Context) -> pd.DataFrame:
    frames = []
    for edition, path in edition_files(ctx.folder(SOURCE)).items():
        systems = read_edition(path, edition)
        systems["iso3"] = ctx.resolver.iso3(
            systems["Country"], path=path, column="Country", aliases=ALIASES, excluded=EXCLUDED
        )
        kept = systems[systems["iso3"].notna()]
        grouped = kept.groupby("iso3", sort=True)
        per_country = pd.DataFrame(
            {"rmax": grouped["rmax_tflops"].sum(), "systems": grouped.size().astype("float64"),
             "rows": source_rows(kept, "iso3")}
        ).reset_index()
        per_country["period"] = edition
        frames.append(tidy(per_country.rename(columns={"rmax": "value"}), source_id=SOURCE.id,
                           indicator_id="top500_rmax", where=Where(path, "Rmax", PERIOD_FROM)))
        frames.append(tidy(per_country.rename(columns={"systems": "value"}), source_id=SOURCE.id,
                           indicator_id="top500_systems", where=Where(path, "Country", PERIOD_FROM)))
    return concat(frames)
