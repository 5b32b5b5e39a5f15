"""Country groups: political clubs (coded from their official member lists, with the year each joined)
and the statistical groupings the raw files carry (UN M49 regions, World Bank regions and income groups).

No public data file lists G7/G20/BRICS/EU/OECD membership, so these lists are written here, each
with the page that states it. They are memberships, not figures.
"""

from __future__ import annotations

import re

import pandas as pd

GROUP_COLUMNS = ["group_id", "name", "kind", "source", "url"]
MEMBER_COLUMNS = ["group_id", "iso3", "since", "until"]

# group_id -> (name, source, url, {iso3: year joined or None})
CLUBS: dict[str, tuple[str, str, str, dict[str, int | None]]] = {
    "G7": (
        "G7",
        "G7 members (Canada, France, Germany, Italy, Japan, UK, US; the EU takes part but is not a member)",
        "https://www.consilium.europa.eu/en/policies/g7/",
        {iso: 1976 for iso in ("CAN", "FRA", "DEU", "ITA", "JPN", "GBR", "USA")},
    ),
    "G20": (
        "G20 (country members)",
        "G20 members: 19 countries plus the EU and (since 2023) the African Union; only the countries are listed",
        "https://g20.org/about-the-g20/",
        {
            iso: 1999
            for iso in (
                "ARG", "AUS", "BRA", "CAN", "CHN", "FRA", "DEU", "IND", "IDN", "ITA", "JPN", "KOR",
                "MEX", "RUS", "SAU", "ZAF", "TUR", "GBR", "USA",
            )
        },
    ),
    "BRICS": (
        "BRICS",
        "BRIC founded 2009 (first summit, Yekaterinburg); South Africa invited December 2010; Egypt, Ethiopia, Iran "
        "and the UAE joined 1 January 2024; Indonesia 6 January 2025. Saudi Arabia was invited in 2023 but has not "
        "confirmed membership and is not counted.",
        "https://brics.br/en/about-the-brics",
        {"BRA": 2009, "RUS": 2009, "IND": 2009, "CHN": 2009, "ZAF": 2010,
         "EGY": 2024, "ETH": 2024, "IRN": 2024, "ARE": 2024, "IDN": 2025},
    ),
    "EU27": (
        "European Union (27)",
        "EU member states and year of accession (the UK, a member 1973-2020, is not in EU27)",
        "https://european-union.europa.eu/principles-countries-history/eu-countries_en",
        {
            **{iso: 1958 for iso in ("BEL", "FRA", "DEU", "ITA", "LUX", "NLD")},
            "DNK": 1973, "IRL": 1973, "GRC": 1981, "PRT": 1986, "ESP": 1986,
            "AUT": 1995, "FIN": 1995, "SWE": 1995,
            **{iso: 2004 for iso in ("CYP", "CZE", "EST", "HUN", "LVA", "LTU", "MLT", "POL", "SVK", "SVN")},
            "BGR": 2007, "ROU": 2007, "HRV": 2013,
        },
    ),
    "OECD": (
        "OECD",
        "OECD member countries and the year each ratified the Convention",
        "https://www.oecd.org/en/about/members-partners.html",
        {
            **{iso: 1961 for iso in (
                "AUT", "BEL", "CAN", "DNK", "FRA", "DEU", "GRC", "ISL", "IRL", "LUX", "NLD", "NOR",
                "PRT", "ESP", "SWE", "CHE", "TUR", "GBR", "USA")},
            "ITA": 1962, "JPN": 1964, "FIN": 1969, "AUS": 1971, "NZL": 1973, "MEX": 1994, "CZE": 1995,
            "HUN": 1996, "POL": 1996, "KOR": 1996, "SVK": 2000, "CHL": 2010, "SVN": 2010, "ISR": 2010,
            "EST": 2010, "LVA": 2016, "LTU": 2018, "COL": 2020, "CRI": 2021,
        },
    ),
}

_DERIVED = {
    # column of the countries table -> (kind, id prefix, source, url)
    "un_region": ("un_region", "UN", "UN Statistics Division, M49 regions (via datahub country-codes)",
                  "https://unstats.un.org/unsd/methodology/m49/"),
    "un_subregion": ("un_subregion", "UNSUB", "UN Statistics Division, M49 sub-regions (via datahub country-codes)",
                     "https://unstats.un.org/unsd/methodology/m49/"),
    "wb_region": ("wb_region", "WB", "World Bank regions, FY2026 classification",
                  "https://datahelpdesk.worldbank.org/knowledgebase/articles/906519"),
    "wb_income_group": ("wb_income", "INC", "World Bank income groups, FY2026 classification (2024 GNI per capita)",
                        "https://datahelpdesk.worldbank.org/knowledgebase/articles/906519"),
}


def _slug(text: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", text.upper()).strip("_")


def build(countries: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(groups, memberships) for the clubs above and for every region/income value in the countries table."""
    groups, members = [], []
    known = set(countries["iso3"])
    for gid, (name, source, url, joined) in CLUBS.items():
        unknown = set(joined) - known
        if unknown:
            raise ValueError(f"group {gid}: members not in the country reference: {sorted(unknown)}")
        groups.append((gid, name, "club", source, url))
        members += [(gid, iso, year, None) for iso, year in sorted(joined.items())]
    for column, (kind, prefix, source, url) in _DERIVED.items():
        for value in sorted(countries[column].dropna().unique()):
            if not str(value).strip():
                continue
            gid = f"{prefix}_{_slug(value)}"
            groups.append((gid, value, kind, source, url))
            isos = countries.loc[countries[column] == value, "iso3"]
            members += [(gid, iso, None, None) for iso in sorted(isos)]
    group_frame = pd.DataFrame(groups, columns=GROUP_COLUMNS)
    member_frame = pd.DataFrame(members, columns=MEMBER_COLUMNS).astype({"since": "Int64", "until": "Int64"})
    return group_frame, member_frame
