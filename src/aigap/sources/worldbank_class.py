"""World Bank country classification: region and income group of each economy, and the list of WB aggregates.

Primary file: the WDI ``Metadata_Country`` CSV (FY2026 classification, July 2025). ``CLASS.xlsx``
(FY2025) adds the lending category and the economies FY2026's file lacks (Taiwan, China), labelled
with their fiscal year. Rows with a blank region are World Bank aggregates (WLD, HIC, EUU, ...): the
WDI adapters exclude exactly those codes.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .base import Source, SourceFormatError, check_unique, read_csv, require_file

SOURCE = Source(
    id="worldbank_class",
    folder="worldbank_class",
    publisher="World Bank",
    title="World Bank Country and Lending Groups (FY2026 Metadata_Country; FY2025 CLASS.xlsx)",
    url="https://datahelpdesk.worldbank.org/knowledgebase/articles/906519-world-bank-country-and-lending-groups",
    licence="CC BY 4.0",
    vintage="FY2026 (set 1 July 2025)",
    citation="World Bank, World Development Indicators / World Bank Country and Lending Groups",
    caveats=(
        "Income groups are the FY2026 classification (2024 GNI per capita, Atlas method); Ethiopia and Venezuela are unclassified in FY2026.",
        "Regions follow the July-2025 grouping (Middle East, North Africa, Afghanistan & Pakistan).",
        "Taiwan, China is not in the FY2026 WDI file; its region and income group come from CLASS.xlsx FY2025.",
    ),
    downloads={
        "CLASS.xlsx": "https://datacatalogfiles.worldbank.org/ddh-published/0037712/DR0090755/CLASS.xlsx",
    },
    manual=(
        "Metadata_Country_*.csv comes inside the zip of any WDI indicator download, e.g. "
        "https://api.worldbank.org/v2/en/indicator/NY.GDP.PCAP.PP.KD?downloadformat=csv ; put it in worldbank_class/."
    ),
)

CLASS_FILE = "CLASS.xlsx"
METADATA_GLOB = "Metadata_Country_*.csv"


def _metadata_path(folder: Path) -> Path:
    found = sorted(folder.glob(METADATA_GLOB))
    if not found:
        raise SourceFormatError(folder / METADATA_GLOB, "file not found")
    return found[-1]


def parse(folder: Path) -> pd.DataFrame:
    """iso3, wb_name, wb_region, wb_income_group, wb_lending_category, wb_classification, is_aggregate."""
    path = _metadata_path(folder)
    meta = read_csv(path, required=["Country Code", "Region", "IncomeGroup", "TableName"])
    check_unique(meta, ["Country Code"], path)
    out = pd.DataFrame(
        {
            "iso3": meta["Country Code"].str.strip(),
            "wb_name": meta["TableName"],
            "wb_region": meta["Region"].replace("", None),
            "wb_income_group": meta["IncomeGroup"].replace("", None),
            "wb_classification": "FY2026",
        }
    )
    out["is_aggregate"] = out["wb_region"].isna()

    class_path = require_file(folder / CLASS_FILE)
    try:
        econ = pd.read_excel(class_path, sheet_name="List of economies", dtype=str)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise SourceFormatError(class_path, f"cannot read sheet 'List of economies': {exc}") from None
    missing = [c for c in ("Economy", "Code", "Region", "Income group", "Lending category") if c not in econ.columns]
    if missing:
        raise SourceFormatError(class_path, f"missing column(s) {missing}", row=1, column=missing[0])
    econ = econ[econ["Region"].notna() & econ["Code"].notna()]
    econ.index = econ.index + 2  # header is row 1 in the sheet
    check_unique(econ, ["Code"], class_path)
    lending = dict(zip(econ["Code"], econ["Lending category"]))
    out["wb_lending_category"] = out["iso3"].map(lending)

    extra = econ[~econ["Code"].isin(out["iso3"])]
    if len(extra):
        out = pd.concat(
            [
                out,
                pd.DataFrame(
                    {
                        "iso3": extra["Code"],
                        "wb_name": extra["Economy"],
                        "wb_region": extra["Region"],
                        "wb_income_group": extra["Income group"],
                        "wb_classification": "FY2025",
                        "is_aggregate": False,
                        "wb_lending_category": extra["Lending category"],
                    }
                ),
            ],
            ignore_index=True,
        )
    return out.sort_values("iso3").reset_index(drop=True)


def aggregate_codes(classification: pd.DataFrame) -> dict[str, str]:
    """World Bank aggregate code -> its name, for the WDI adapters' exclusion lists."""
    agg = classification[classification["is_aggregate"]]
    return {code: f"World Bank aggregate: {name}" for code, name in zip(agg["iso3"], agg["wb_name"])}
