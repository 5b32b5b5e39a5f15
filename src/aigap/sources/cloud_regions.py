"""Public-cloud regions by country: TeleGeography's Cloud Infrastructure Map (snapshot of 2 January 2025).

``cloud_regions.json`` is the map's JSON: ``{"cloud_regions": [{metro_area, country, latitude, longitude,
cloud_service_providers: [{name, cloud_region, cloud_region_name, zones, in_service}]}]}``, one entry per
metro map point with the provider regions there (8 hyperscale providers).

- ``cloud_regions``: provider regions in service (``in_service`` true) per country, period "2025-01".
- ``cloud_regions_announced``: provider regions announced but not yet in service (``in_service`` false).
  Every country on the map gets both figures (0 where it has none of that kind); countries not on the map
  are absent.

Format traps:

- Some metros are listed at several map points with the *same* provider regions (Beijing, Shanghai, Tokyo,
  Amsterdam, Chicago, Hermiston, San Francisco and Washington twice, Columbus three times), and Sydney lists
  AWS ap-southeast-2 twice: a region repeated within one metro (same provider, region code and region
  name) is one region and is counted once; the number of repeated listings collapsed goes into the value's
  note (49 listings in this snapshot: 357 listings, 308 distinct regions). A repeated region whose
  entries disagree on ``in_service`` is an error. (Counting every listing, as SOURCE.md's tally does,
  gives the United States 72 in-service regions instead of 46 and China 57 instead of 44.)
- The map files Hong Kong under "China". Its metro is named "Hong Kong", so ``METRO_COUNTRY`` moves that
  metro to Hong Kong (HKG) explicitly; China's figure excludes it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from .base import Context, Indicator, Source, SourceFormatError, Where, concat, require_file, source_rows, tidy

SOURCE = Source(
    id="cloud_regions_telegeography",
    folder="cloud_regions_telegeography",
    publisher="TeleGeography",
    title="Cloud Infrastructure Map: cloud regions of 8 hyperscale providers",
    url="https://www.cloudinfrastructuremap.com/",
    licence="No licence stated (TeleGeography's free map); aggregate counts used with attribution",
    vintage="snapshot of 2 January 2025",
    citation="TeleGeography, Cloud Infrastructure Map (cloudinfrastructuremap.com), accessed January 2025",
    caveats=(
        "Only 8 providers (AWS, Microsoft Azure, Google Cloud, Oracle, IBM, Alibaba, Huawei, Tencent): no "
        "regional or sovereign clouds and no colocation data centres.",
        "One region counts as one whatever its size: a coarse proxy for cloud presence, not capacity.",
        "The map files Hong Kong under China; Hong Kong's metro is counted for Hong Kong (HKG), not China.",
        "Snapshot of early January 2025: regions launched later are missing.",
        "Regions repeated at several map points of the same metro are counted once.",
    ),
    downloads={"cloud_regions.json": "https://www.cloudinfrastructuremap.com/api/service/cloud-regions.js"},
)

SOURCES = (SOURCE,)

PERIOD = "2025-01"
FILE = "cloud_regions.json"

INDICATORS = (
    Indicator(
        id="cloud_regions",
        name="Public-cloud regions in service",
        pillar="compute",
        unit="cloud regions",
        description=(
            "Number of in-service cloud regions of 8 hyperscale providers (AWS, Azure, Google Cloud, Oracle, "
            "IBM, Alibaba, Huawei, Tencent) located in the country, from TeleGeography's Cloud Infrastructure "
            "Map (January 2025). Each provider region counts once."
        ),
        source_id=SOURCE.id,
        series_code="cloud_service_providers[in_service=true]",
        higher_is_better=True,
        kind="total",
        caveats=SOURCE.caveats,
    ),
    Indicator(
        id="cloud_regions_announced",
        name="Public-cloud regions announced (not yet in service)",
        pillar="compute",
        unit="cloud regions",
        description=(
            "Number of cloud regions of the same 8 providers announced for the country but not yet in service "
            "in January 2025 (TeleGeography Cloud Infrastructure Map)."
        ),
        source_id=SOURCE.id,
        series_code="cloud_service_providers[in_service=false]",
        higher_is_better=True,
        kind="total",
        caveats=(
            "Announcements, not capacity: timing and delivery are uncertain.",
            *SOURCE.caveats,
        ),
        rankable=False,
    ),
)

# Names the resolver does not know.
ALIASES = {"Turkey": "TUR"}
# Every country field on the map is a country; nothing excluded so far.
EXCLUDED: dict[str, str] = {}
# (metro_area, country as filed) -> country the metro is counted for.
METRO_COUNTRY = {("Hong Kong", "China"): "Hong Kong"}

_REGION_KEY = ["country_name", "metro_area", "provider", "cloud_region", "cloud_region_name"]


def _require(obj: object, key: str, kind: type, path: Path, where: str, *, nullable: bool = False) -> object:
    """obj[key], which must be of ``kind`` (and non-empty text); errors name the JSON path in ``column``."""
    if not isinstance(obj, dict):
        raise SourceFormatError(path, f"expected a JSON object, found {type(obj).__name__}", column=where)
    if key not in obj:
        raise SourceFormatError(path, f"missing key {key!r}", column=f"{where}.{key}")
    value = obj[key]
    if value is None and nullable:
        return None
    if not isinstance(value, kind):
        raise SourceFormatError(
            path, f"expected {kind.__name__}, found {type(value).__name__} {value!r}", column=f"{where}.{key}"
        )
    if isinstance(value, str) and not value.strip():
        raise SourceFormatError(path, "empty text", column=f"{where}.{key}")
    return value


def _key_lines(text: str, key: str, expected: int) -> list[int | None]:
    """Line number of each occurrence of ``"key":`` in document order, if there are exactly ``expected``."""
    lines = [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r'(?<!\\)"' + re.escape(key) + r'"\s*:', text)]
    return lines if len(lines) == expected else [None] * expected


def read_regions(folder: Path) -> pd.DataFrame:
    """One row per provider listing: country_name, metro_area, provider, cloud_region, cloud_region_name,
    in_service, json_path, country_path, country_line (where it is in the file). The country is as filed,
    after ``METRO_COUNTRY``."""
    path = require_file(folder / FILE)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
        data = json.loads(text)
    except UnicodeDecodeError as exc:
        raise SourceFormatError(path, f"not UTF-8 (byte offset {exc.start})",
                                row=raw[: exc.start].count(b"\n") + 1) from None
    except json.JSONDecodeError as exc:
        raise SourceFormatError(path, f"malformed JSON ({exc.msg}); the file may be truncated", row=exc.lineno,
                                column="$") from None
    metros = _require(data, "cloud_regions", list, path, "$")
    if not metros:
        raise SourceFormatError(path, "no metro areas", column="$.cloud_regions")
    # Physical line of each metro's "country" key (for error rows), when the file allows finding it.
    country_lines = _key_lines(text, "country", len(metros))
    rows = []
    for i, metro in enumerate(metros):
        where = f"$.cloud_regions[{i}]"
        metro_area = _require(metro, "metro_area", str, path, where).strip()
        country = _require(metro, "country", str, path, where).strip()
        providers = _require(metro, "cloud_service_providers", list, path, where)
        if not providers:
            raise SourceFormatError(path, "metro area without any provider region",
                                    column=f"{where}.cloud_service_providers")
        for j, provider in enumerate(providers):
            pwhere = f"{where}.cloud_service_providers[{j}]"
            region_code = _require(provider, "cloud_region", str, path, pwhere, nullable=True)
            rows.append(
                {
                    "country_name": METRO_COUNTRY.get((metro_area, country), country),
                    "filed_country": country,
                    "metro_area": metro_area,
                    "provider": _require(provider, "name", str, path, pwhere).strip(),
                    "cloud_region": region_code.strip() if isinstance(region_code, str) else "",
                    "cloud_region_name": _require(provider, "cloud_region_name", str, path, pwhere).strip(),
                    "in_service": _require(provider, "in_service", bool, path, pwhere),
                    "json_path": pwhere,
                    "country_path": f"{where}.country",
                    "country_line": country_lines[i],
                }
            )
    return pd.DataFrame(rows)


def unique_regions(listings: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Collapse a region repeated at several map points of one metro; conflicting repeats are an error.

    Adds ``repeats``: how many extra listings each kept region had.
    """
    first = listings.drop_duplicates(_REGION_KEY, keep="first")
    merged = listings.merge(first[_REGION_KEY + ["in_service"]], on=_REGION_KEY, suffixes=("", "_first"))
    conflict = merged["in_service"] != merged["in_service_first"]
    if conflict.any():
        bad = merged[conflict].iloc[0]
        raise SourceFormatError(
            path,
            f"duplicate key: region {bad['provider']} {bad['cloud_region'] or bad['cloud_region_name']!r} in "
            f"{bad['metro_area']} is listed twice with different in_service values",
            column=f"{bad['json_path']}.in_service",
        )
    counts = listings.groupby(_REGION_KEY, sort=False).size().rename("listings").reset_index()
    out = first.merge(counts, on=_REGION_KEY)
    out["repeats"] = out["listings"] - 1
    return out.drop(columns="listings")


def parse(ctx: Context) -> pd.DataFrame:
    folder = ctx.folder(SOURCE)
    path = folder / FILE
    regions = unique_regions(read_regions(folder), path).reset_index(drop=True)
    try:
        regions["iso3"] = ctx.resolver.iso3(
            regions["country_name"], path=path, column="country", aliases=ALIASES, excluded=EXCLUDED
        )
    except SourceFormatError as exc:  # the resolver's row is a list position here: give the JSON path and line
        where = regions.loc[exc.row] if exc.row is not None else regions.iloc[0]
        line = where["country_line"]
        raise SourceFormatError(path, exc.detail, row=None if pd.isna(line) else int(line),
                                column=where["country_path"]) from None
    regions = regions[regions["iso3"].notna()]
    moved = regions[regions["country_name"] != regions["filed_country"]]
    filed_under = moved.groupby("iso3")["filed_country"].agg(lambda s: ", ".join(sorted(set(s)))).to_dict()
    by_country = regions["iso3"]
    live = regions["in_service"]
    counts = pd.DataFrame(
        {
            "in_service": live.groupby(by_country).sum().astype("float64"),
            "announced": (~live).groupby(by_country).sum().astype("float64"),
            "repeats_in_service": regions["repeats"].where(live, 0).groupby(by_country).sum(),
            "repeats_announced": regions["repeats"].where(~live, 0).groupby(by_country).sum(),
            "rows": source_rows(regions.set_index("country_line"), "iso3"),
        }
    ).rename_axis("iso3").reset_index()

    def note(row: pd.Series, announced: bool) -> str | None:
        parts = []
        if row["iso3"] in filed_under:
            parts.append(f"filed under {filed_under[row['iso3']]} by the map; counted here by metro name")
        if not announced and row["in_service"] == 0:
            parts.append(f"no region in service; {int(row['announced'])} announced")
        repeats = int(row["repeats_announced" if announced else "repeats_in_service"])
        if repeats:
            parts.append(f"{repeats} repeated listing(s) of the same region counted once")
        return "; ".join(parts) or None

    counts["period"] = PERIOD
    in_service = counts.assign(value=counts["in_service"], note=[note(r, False) for _, r in counts.iterrows()])
    announced = counts.assign(value=counts["announced"], note=[note(r, True) for _, r in counts.iterrows()])
    where = Where(path, "in_service")
    return concat(
        [
            tidy(in_service, source_id=SOURCE.id, indicator_id="cloud_regions", where=where),
            tidy(announced, source_id=SOURCE.id, indicator_id="cloud_regions_announced", where=where),
        ]
    )
