"""Epoch AI compute infrastructure: GPU-cluster H100-equivalents and frontier AI data-centre power by country.

Two Epoch AI datasets, one raw folder each:

``epoch_ai_supercomputers`` -- "AI Supercomputers" / "GPU clusters" (one row per cluster or cluster phase).
    ``gpu_cluster_h100e`` = sum of ``H100 equivalents`` over the clusters with Status "Existing" that Epoch
    marks "Include in Standard Analysis" (cell "1 checked out of 1"; blank otherwise), by ``Country`` (the
    cluster's location). The flag is Epoch's own de-duplication: every "Possible Duplicate" row and the phases
    superseded by later records are unflagged, so summing flagged rows does not double-count. Rows with
    Exclude checked are left out too (none in this snapshot). A flagged cluster without an H100e estimate
    adds nothing and is counted in the value's note.

    Period: a single snapshot, ``SNAPSHOT_PERIOD`` = "2025-11". The file carries no export date; it was
    committed to its GitHub mirror on 2025-11-16 and its latest ``First Operational Date`` is 2025-10-15
    (a planned cluster; the latest existing one is 2025-07-22). Statuses ("Existing") are as of that export, so the month of export is the period. The
    adapter refuses a file with an existing cluster first operational after that month (a newer export
    must get a new period label). No yearly series is derived: Status is as of the export (clusters
    decommissioned earlier are missing from earlier years), seven flagged existing clusters have no First
    Operational Date (a cumulative "2025" figure would not equal the snapshot total), and annual and
    monthly periods would be mixed in one indicator.

    Country cells: blank for clusters Epoch could not place in one country (unknown, regional such as
    "The Nordics"/"Europe", or multi-country cloud pods); they are excluded with that reason. A cell naming
    several countries is not a known name and fails.

``epoch_frontier_data_centers`` -- "Frontier AI Data Centers" (``data_centers.csv``, one row per campus).
    ``frontier_dc_power_mw`` = sum of ``Current power (MW)`` over the tracked campuses in the country, period
    ``FRONTIER_SNAPSHOT_PERIOD`` = "2025-12" (mirror commit 2025-12-14; every campus's current power equals
    its timeline value in force in December 2025). The file has no Country column; the country comes from
    the Address by the rule in :func:`address_country`. Only 16 very large campuses: not rankable.
"""

from __future__ import annotations

import re
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
    read_csv,
    source_rows,
    tidy,
    to_number,
)

SUPERCOMPUTERS = Source(
    id="epoch_ai_supercomputers",
    folder="epoch_ai_supercomputers",
    publisher="Epoch AI",
    title="AI Supercomputers / GPU Clusters dataset (public dataset)",
    url="https://epoch.ai/data/gpu-clusters",
    licence="CC BY 4.0",
    vintage="export of about November 2025 (latest First Operational Date 2025-10-15)",
    citation=(
        "Konstantin Pilz, Robi Rahman, James Sanders, Lennart Heim, 'Trends in AI Supercomputers'. "
        "Published online at epoch.ai (Epoch AI, GPU Clusters dataset)"
    ),
    caveats=(
        "Epoch estimates the dataset covers only about 10-20% of global AI compute, biased towards publicly "
        "reported clusters.",
        "Chinese and private clusters are under-reported; Chinese systems are anonymised and rounded to one "
        "significant figure.",
        "Many H100-equivalent figures are Epoch estimates from power or chip counts.",
        "Country is where the cluster is located, not the owner's nationality.",
        "Only existing clusters in Epoch's standard analysis are summed (planned, decommissioned and possible "
        "duplicates are left out).",
    ),
    # Epoch's hub serves the dataset as a CSV refreshed daily; the file name here is the export's own name.
    # The URL is the hub's current CSV (the dataset was renamed from "AI Supercomputers" to "GPU clusters";
    # the older https://epoch.ai/data/ai_supercomputers.csv name is also in circulation). Not verified from
    # this machine: if it fails, download the CSV from the hub page and save it under the name below.
    downloads={"AI Supercomputers (public dataset).csv": "https://epoch.ai/data/gpu_clusters.csv"},
)

FRONTIER = Source(
    id="epoch_frontier_data_centers",
    folder="epoch_frontier_data_centers",
    publisher="Epoch AI",
    title="Frontier AI Data Centers hub (data centres and their timelines)",
    url="https://epoch.ai/data/ai-data-centers",
    licence="CC BY 4.0",
    vintage="snapshot of about December 2025",
    citation="Epoch AI, 'Frontier AI Data Centers'. Published online at epoch.ai",
    caveats=(
        "Only a handful of the very largest AI campuses (16 sites, 13 of them in the United States); not a "
        "census of data centres: do not rank countries on it.",
        "Power and H100-equivalents are Epoch estimates from satellite imagery, permits and reporting.",
        "The country is derived from each campus's address.",
    ),
    # Epoch's hub files (not verified from this machine; the hub's newer exports may rename columns,
    # e.g. an added "IT power (MW)"): https://epoch.ai/data/ai-data-centers offers them as a zip too.
    downloads={
        "data_centers.csv": "https://epoch.ai/data/data_centers/data_centers.csv",
        "data_center_timelines.csv": "https://epoch.ai/data/data_centers/data_center_timelines.csv",
    },
)

SOURCES = (SUPERCOMPUTERS, FRONTIER)

INDICATORS = (
    Indicator(
        id="gpu_cluster_h100e",
        name="AI supercomputer capacity (existing GPU clusters, H100-equivalents)",
        pillar="compute",
        unit="H100-equivalents",
        description=(
            "Sum of Epoch AI's H100-equivalent performance of the existing GPU clusters / AI supercomputers "
            "located in the country that Epoch includes in its standard analysis (planned, decommissioned and "
            "possible-duplicate records excluded). Snapshot of Epoch's dataset (export of about November 2025)."
        ),
        source_id=SUPERCOMPUTERS.id,
        series_code="H100 equivalents (Status = Existing, Include in Standard Analysis)",
        higher_is_better=True,
        kind="total",
        caveats=SUPERCOMPUTERS.caveats,
    ),
    Indicator(
        id="frontier_dc_power_mw",
        name="Power of tracked frontier AI data-centre campuses",
        pillar="compute",
        unit="MW (current power)",
        description=(
            "Sum of Epoch AI's current power estimate (MW) of the frontier AI data-centre campuses it tracks in "
            "the country (campuses still under construction count 0 MW). Snapshot of about December 2025."
        ),
        source_id=FRONTIER.id,
        series_code="Current power (MW)",
        higher_is_better=True,
        kind="total",
        caveats=(
            "Only a handful of the very largest campuses; not a census; do not rank countries.",
            *FRONTIER.caveats[1:],
        ),
        rankable=False,
    ),
)

# ---------------------------------------------------------------------------------------------------------
# AI supercomputers

SUPERCOMPUTERS_FILE = "AI Supercomputers (public dataset).csv"
SNAPSHOT_PERIOD = "2025-11"
STATUSES = ("Existing", "Planned", "Decommissioned")
# Airtable checkbox export: "1 checked out of 1" when ticked; blank (or "0 checked out of 1") when not.
CHECKED = "1 checked out of 1"
UNCHECKED = ("", "0 checked out of 1")

ALIASES = {
    "Korea (Republic of)": "KOR",
}
EXCLUDED = {
    "": (
        "Country left blank by Epoch: cluster location unknown, regional (e.g. 'The Nordics', 'Europe') or "
        "spread over several countries; its H100e cannot be attributed to one country"
    ),
}


def _checkbox(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    """Airtable checkbox cells as booleans; any other text is an error."""
    text = frame[column].str.strip()
    bad = ~text.isin((CHECKED, *UNCHECKED))
    if bad.any():
        row = int(text.index[bad.to_numpy().nonzero()[0][0]])
        raise SourceFormatError(
            path, f"unexpected checkbox value {text[row]!r} (expected {CHECKED!r} or blank)", row=row, column=column
        )
    return text == CHECKED


def _dates(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    text = frame[column].str.strip()
    dates = pd.to_datetime(text.where(text != "", None), format="%Y-%m-%d", errors="coerce")
    bad = dates.isna() & (text != "")
    if bad.any():
        row = int(text.index[bad.to_numpy().nonzero()[0][0]])
        raise SourceFormatError(path, f"not a YYYY-MM-DD date: {text[row]!r}", row=row, column=column)
    return dates


def read_clusters(folder: Path) -> pd.DataFrame:
    """The clusters Epoch counts: existing, in the standard analysis, not excluded (index = file line number).

    Columns: Name, Country, h100e (NaN where Epoch gives no estimate), first_operational.
    """
    path = folder / SUPERCOMPUTERS_FILE
    frame = read_csv(
        path,
        required=[
            "Name", "Status", "Country", "H100 equivalents", "First Operational Date",
            "Include in Standard Analysis", "Exclude",
        ],
    )
    status = frame["Status"].str.strip()
    bad = ~status.isin(STATUSES)
    if bad.any():
        row = int(status.index[bad.to_numpy().nonzero()[0][0]])
        raise SourceFormatError(path, f"unknown Status {status[row]!r} (expected one of {STATUSES})", row=row,
                                column="Status")
    included = _checkbox(frame, "Include in Standard Analysis", path)
    excluded = _checkbox(frame, "Exclude", path)
    h100e = to_number(frame, "H100 equivalents", path)
    first = _dates(frame, "First Operational Date", path)

    existing = status == "Existing"
    snapshot_end = pd.Period(SNAPSHOT_PERIOD, freq="M").end_time
    late = existing & (first > snapshot_end)
    if late.any():
        row = int(first.index[late.to_numpy().nonzero()[0][0]])
        raise SourceFormatError(
            path,
            f"existing cluster first operational {first[row].date()} is after the snapshot period "
            f"{SNAPSHOT_PERIOD}: a newer export; update SNAPSHOT_PERIOD in the adapter",
            row=row, column="First Operational Date",
        )
    keep = existing & included & ~excluded
    return pd.DataFrame(
        {
            "Name": frame.loc[keep, "Name"],
            "Country": frame.loc[keep, "Country"].str.strip(),
            "h100e": h100e[keep],
            "first_operational": first[keep],
        }
    )


def _parse_supercomputers(ctx: Context) -> pd.DataFrame:
    folder = ctx.folder(SUPERCOMPUTERS)
    path = folder / SUPERCOMPUTERS_FILE
    clusters = read_clusters(folder)
    clusters["iso3"] = ctx.resolver.iso3(
        clusters["Country"], path=path, column="Country", aliases=ALIASES, excluded=EXCLUDED
    )
    clusters = clusters[clusters["iso3"].notna()]
    where = Where(path, "H100 equivalents")
    estimated = clusters[clusters["h100e"].notna()]
    check_rows(estimated.assign(indicator_id="gpu_cluster_h100e", period=SNAPSHOT_PERIOD, value=estimated["h100e"]),
               where)
    grouped = clusters.groupby("iso3", sort=True)
    out = pd.DataFrame(
        {
            "value": grouped["h100e"].sum(min_count=1),  # all estimates missing -> absent, not 0
            "missing": grouped["h100e"].apply(lambda s: int(s.isna().sum())),
            "rows": source_rows(clusters, "iso3"),
        }
    ).reset_index()
    out["note"] = [
        f"{n} included existing cluster(s) without an H100e estimate not counted" if n else None
        for n in out["missing"]
    ]
    out["period"] = SNAPSHOT_PERIOD
    return tidy(out, source_id=SUPERCOMPUTERS.id, indicator_id="gpu_cluster_h100e", where=where)


# ---------------------------------------------------------------------------------------------------------
# Frontier data centres

FRONTIER_FILE = "data_centers.csv"
FRONTIER_SNAPSHOT_PERIOD = "2025-12"

US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts",
    "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico",
    "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
}
_US_ZIP_RE = re.compile(r"\b([A-Z]{2})\s+\d{5}(?:-\d{4})?\s*$")
_US_STATE_RE = re.compile(r"^(" + "|".join(sorted(US_STATES.values(), key=len, reverse=True)) + r")\b")
_POSTCODE_RE = re.compile(r"^[\d\s-]+$")
_DMS_RE = re.compile(r"""^\s*\d{1,3}\s*°\s*\d{1,2}\s*'\s*\d{1,2}(?:\.\d+)?\s*"\s*([NSEW])\s*$""")


def address_country(address: str, latitude_hemisphere: str, longitude_hemisphere: str) -> str | None:
    """The country name an address ends with, by an explicit rule (None if the rule finds none).

    1. United States: the last part of the address (after the last comma) is "<state code> <ZIP>" with a
       USPS state code ("Claude, TX 79019") or starts with a state name ("Ridgeland, Mississippi"), and the
       coordinates are north/west. Returns "United States".
    2. Otherwise the last comma-separated part that is not a postal code names the country
       ("..., Hebei, China, 076471" -> "China"); the country resolver then maps it (unknown names fail).
    """
    parts = [p.strip() for p in address.split(",") if p.strip()]
    if not parts:
        return None
    last = parts[-1]
    zip_match = _US_ZIP_RE.search(last)
    us = (zip_match is not None and zip_match.group(1) in US_STATES) or _US_STATE_RE.match(last) is not None
    if us and (latitude_hemisphere, longitude_hemisphere) == ("N", "W"):
        return "United States"
    for part in reversed(parts):
        if not _POSTCODE_RE.match(part):
            return part
    return None


def _hemisphere(frame: pd.DataFrame, column: str, path: Path, allowed: str) -> pd.Series:
    out = {}
    for row, text in frame[column].items():
        match = _DMS_RE.match(text)
        if not match or match.group(1) not in allowed:
            raise SourceFormatError(path, f"not a degrees-minutes-seconds coordinate: {text!r}", row=int(row),
                                    column=column)
        out[row] = match.group(1)
    return pd.Series(out, dtype=object)


def read_campuses(folder: Path) -> pd.DataFrame:
    """Tracked campuses: Handle, Address, country_name (derived), power_mw; index = file line number."""
    path = folder / FRONTIER_FILE
    frame = read_csv(path, required=["Handle", "Address", "Latitude", "Longitude", "Current power (MW)"])
    frame["Handle"] = frame["Handle"].str.strip()
    blank = frame["Handle"] == ""
    if blank.any():
        raise SourceFormatError(path, "empty Handle", row=int(frame.index[blank.to_numpy().nonzero()[0][0]]),
                                column="Handle")
    check_unique(frame, ["Handle"], path)
    power = to_number(frame, "Current power (MW)", path, allow_missing=False)
    lat = _hemisphere(frame, "Latitude", path, "NS")
    lon = _hemisphere(frame, "Longitude", path, "EW")
    names = {}
    for row, address in frame["Address"].items():
        name = address_country(address, lat[row], lon[row])
        if name is None:
            raise SourceFormatError(path, f"cannot derive a country from address {address!r}", row=int(row),
                                    column="Address")
        names[row] = name
    return pd.DataFrame(
        {"Handle": frame["Handle"], "Address": frame["Address"], "country_name": pd.Series(names), "power_mw": power}
    )


def _parse_frontier(ctx: Context) -> pd.DataFrame:
    folder = ctx.folder(FRONTIER)
    path = folder / FRONTIER_FILE
    campuses = read_campuses(folder)
    campuses["iso3"] = ctx.resolver.iso3(campuses["country_name"], path=path, column="Address")
    where = Where(path, "Current power (MW)")
    check_rows(campuses.assign(indicator_id="frontier_dc_power_mw", period=FRONTIER_SNAPSHOT_PERIOD,
                               value=campuses["power_mw"]), where)
    grouped = campuses.groupby("iso3", sort=True)
    out = pd.DataFrame(
        {
            "value": grouped["power_mw"].sum(),
            "rows": source_rows(campuses, "iso3"),
            "campuses": grouped.size(),
            "zero": grouped["power_mw"].apply(lambda s: int((s == 0).sum())),
        }
    ).reset_index()
    out["note"] = [
        f"{n} tracked campus(es)" + (f", {z} at 0 MW (not yet operational)" if z else "")
        for n, z in zip(out["campuses"], out["zero"])
    ]
    out["period"] = FRONTIER_SNAPSHOT_PERIOD
    return tidy(out, source_id=FRONTIER.id, indicator_id="frontier_dc_power_mw", where=where)


def parse(ctx: Context) -> pd.DataFrame:
    frames = []
    if ctx.folder(SUPERCOMPUTERS).is_dir():
        frames.append(_parse_supercomputers(ctx))
    if ctx.folder(FRONTIER).is_dir():
        frames.append(_parse_frontier(ctx))
    return concat(frames)
