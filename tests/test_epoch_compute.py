"""Epoch AI compute adapter: GPU-cluster H100e and frontier data-centre power, real files and broken fixtures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from aigap.sources import epoch_compute
from aigap.sources.base import TIDY_COLUMNS, SourceFormatError
from aigap.validate import validate_observations

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "epoch_compute"
CLUSTERS = "epoch_ai_supercomputers"
CLUSTERS_FILE = "AI Supercomputers (public dataset).csv"
FRONTIER = "epoch_frontier_data_centers"


def value(frame: pd.DataFrame, iso3: str, indicator: str) -> float:
    hit = frame[(frame["iso3"] == iso3) & (frame["indicator_id"] == indicator)]
    assert len(hit) == 1, (iso3, indicator, len(hit))
    return float(hit["value"].iloc[0])


def note(frame: pd.DataFrame, iso3: str, indicator: str):
    hit = frame[(frame["iso3"] == iso3) & (frame["indicator_id"] == indicator)]
    return hit["note"].iloc[0]


@pytest.fixture()
def parsed(ctx):
    return epoch_compute.parse(ctx), ctx


@pytest.fixture(scope="module")
def raw_clusters(raw_dir) -> pd.DataFrame:
    return pd.read_csv(raw_dir / CLUSTERS / CLUSTERS_FILE, dtype=str, keep_default_na=False, encoding="utf-8-sig")


# ---------------------------------------------------------------------------------------------------------
# Real files


def test_shape_and_validation(parsed, reference):
    frame, _ = parsed
    assert list(frame.columns) == TIDY_COLUMNS
    validate_observations(frame, reference[0], {i.id: i for i in epoch_compute.INDICATORS}, label="epoch_compute")
    periods = frame.groupby("indicator_id")["period"].unique()
    assert list(periods["gpu_cluster_h100e"]) == ["2025-11"]
    assert list(periods["frontier_dc_power_mw"]) == ["2025-12"]
    assert not next(i for i in epoch_compute.INDICATORS if i.id == "frontier_dc_power_mw").rankable


def test_h100e_against_plain_pandas(parsed, raw_clusters):
    frame, _ = parsed
    raw = raw_clusters
    use = raw[(raw["Status"] == "Existing") & (raw["Include in Standard Analysis"] == "1 checked out of 1")
              & (raw["Exclude"] == "")]
    sums = pd.to_numeric(use["H100 equivalents"].replace("", None)).groupby(use["Country"]).sum()
    for name, iso3 in [("United States of America", "USA"), ("China", "CHN"), ("Germany", "DEU"), ("India", "IND"),
                       ("Brazil", "BRA"), ("Korea (Republic of)", "KOR"), ("Hong Kong", "HKG")]:
        assert value(frame, iso3, "gpu_cluster_h100e") == sums[name]
    # Countries whose only counted clusters lack an H100e estimate are absent, not 0.
    for iso3 in ("PHL", "MYS", "MEX"):
        assert frame[(frame["iso3"] == iso3) & (frame["indicator_id"] == "gpu_cluster_h100e")].empty
    # The sum over countries plus the blank-country rows is the whole included existing total.
    blank = pd.to_numeric(use.loc[use["Country"] == "", "H100 equivalents"].replace("", None)).sum()
    total = frame.loc[frame["indicator_id"] == "gpu_cluster_h100e", "value"].sum()
    assert total + blank == pd.to_numeric(use["H100 equivalents"].replace("", None)).sum()


def test_h100e_against_source_md(parsed, raw_clusters):
    """SOURCE.md sums *all* Existing rows: USA ~1.39 M, China ~231 k, Germany 26 k, Norway 20 k, Japan 19 k,
    France 18 k. Epoch's standard-analysis filter removes duplicates and superseded phases, so the adapter's
    figures are at most those; India's largest cluster is Yotta Shakti NM1 (4,096)."""
    frame, _ = parsed
    raw = raw_clusters
    existing = raw[raw["Status"] == "Existing"]
    all_existing = pd.to_numeric(existing["H100 equivalents"].replace("", None)).groupby(existing["Country"]).sum()
    for name, iso3, approx, tol in [
        ("United States of America", "USA", 1.39e6, 0.01e6), ("China", "CHN", 231e3, 1e3),
        ("Germany", "DEU", 26e3, 1e3), ("Norway", "NOR", 20e3, 1e3), ("Japan", "JPN", 19e3, 1e3),
        ("France", "FRA", 18e3, 1e3),
    ]:
        assert all_existing[name] == pytest.approx(approx, abs=tol)
        assert value(frame, iso3, "gpu_cluster_h100e") <= all_existing[name]
    assert value(frame, "USA", "gpu_cluster_h100e") < all_existing["United States of America"]
    india = existing[existing["Country"] == "India"]
    top = india.loc[pd.to_numeric(india["H100 equivalents"].replace("", None)).idxmax()]
    assert top["Name"].startswith("Yotta Shakti") and float(top["H100 equivalents"]) == 4096
    assert frame[frame["iso3"] == "ZAF"].empty


def test_blank_country_excluded_with_reason(parsed, raw_clusters):
    _, ctx = parsed
    raw = raw_clusters
    used = raw[(raw["Status"] == "Existing") & (raw["Include in Standard Analysis"] == "1 checked out of 1")]
    exclusions = ctx.resolver.exclusions_frame()
    row = exclusions[exclusions["file"] == f"{CLUSTERS}/{CLUSTERS_FILE}"]
    assert len(row) == 1
    assert row["raw_value"].iloc[0] in {"", "(blank)"}  # the resolver may label a blank cell "(blank)"
    assert row["rows"].iloc[0] == (used["Country"] == "") .sum() == 16
    assert "several countries" in row["reason"].iloc[0]


def test_missing_estimates_are_noted(parsed, raw_clusters):
    frame, _ = parsed
    raw = raw_clusters
    used = raw[(raw["Status"] == "Existing") & (raw["Include in Standard Analysis"] == "1 checked out of 1")]
    missing = (used[used["H100 equivalents"] == ""]).groupby("Country").size()
    assert note(frame, "CHN", "gpu_cluster_h100e").startswith(f"{missing['China']} included existing cluster(s)")
    assert pd.isna(note(frame, "DEU", "gpu_cluster_h100e"))


def test_snapshot_period_matches_file(raw_clusters):
    dates = pd.to_datetime(raw_clusters["First Operational Date"].replace("", None))
    existing = raw_clusters["Status"] == "Existing"
    assert dates[existing].max() <= pd.Period(epoch_compute.SNAPSHOT_PERIOD, freq="M").end_time
    # SOURCE.md: latest date 2025-10-15 (a planned cluster), mirrored 2025-11-16: the export is of ~Nov 2025.
    assert dates.max() == pd.Timestamp("2025-10-15")


def test_frontier_power(parsed, raw_dir):
    frame, _ = parsed
    dc = pd.read_csv(raw_dir / FRONTIER / "data_centers.csv", dtype=str, keep_default_na=False)
    power = dc["Current power (MW)"].astype(float)
    # Independent of the address rule: every western-hemisphere campus is in the United States here.
    west = dc["Longitude"].str.strip().str.endswith("W")
    assert west.sum() == 14
    assert value(frame, "USA", "frontier_dc_power_mw") == power[west].sum()
    china = dc["Address"].str.contains("China")
    assert value(frame, "CHN", "frontier_dc_power_mw") == power[china].sum() == 339
    assert value(frame, "ARE", "frontier_dc_power_mw") == 0
    assert "not yet operational" in note(frame, "ARE", "frontier_dc_power_mw")
    assert note(frame, "USA", "frontier_dc_power_mw").startswith("14 tracked campus(es)")
    assert frame.loc[frame["indicator_id"] == "frontier_dc_power_mw", "value"].sum() == power.sum()


def test_frontier_current_power_is_december_2025(raw_dir):
    """'Current power' of every campus equals its timeline value in force in December 2025 (the period)."""
    dc = pd.read_csv(raw_dir / FRONTIER / "data_centers.csv", dtype=str, keep_default_na=False)
    tl = pd.read_csv(raw_dir / FRONTIER / "data_center_timelines.csv", dtype=str, keep_default_na=False)
    tl["date"] = pd.to_datetime(tl["Date"], format="%m/%d/%Y")
    period = pd.Period(epoch_compute.FRONTIER_SNAPSHOT_PERIOD, freq="M")
    for _, campus in dc.iterrows():
        steps = tl[tl["Data center"] == campus["Handle"]].sort_values("date")
        for day in (period.start_time + pd.Timedelta(days=14), period.end_time):
            in_force = steps[steps["date"] <= day]
            assert float(in_force["Power (MW)"].iloc[-1]) == float(campus["Current power (MW)"]), campus["Handle"]


# ---------------------------------------------------------------------------------------------------------
# Fixtures: AI supercomputers


def clusters_text() -> str:
    return (FIXTURES / "clusters_ok.csv").read_text(encoding="utf-8")


def run_clusters(fixture_ctx, text: str | bytes):
    ctx = fixture_ctx(CLUSTERS, {CLUSTERS_FILE: text})
    return epoch_compute.parse(ctx), ctx


def expect_error(fixture_ctx, folder, files, *, file, row, column, match):
    with pytest.raises(SourceFormatError, match=match) as info:
        epoch_compute.parse(fixture_ctx(folder, files))
    exc = info.value
    assert exc.file.endswith(file)
    assert exc.row == row
    assert exc.column == column


def test_fixture_clusters(fixture_ctx):
    frame, ctx = run_clusters(fixture_ctx, clusters_text())
    h = frame[frame["indicator_id"] == "gpu_cluster_h100e"].set_index("iso3")
    # Planned, decommissioned, not-included and Exclude-checked rows are left out; two identical anonymised
    # Chinese rows are two clusters (the file has no key: Epoch anonymises names and rounds values).
    assert h["value"].to_dict() == {"CHN": 400.0, "KOR": 64.0, "USA": 1500.5}
    assert h.loc["CHN", "note"] == "1 included existing cluster(s) without an H100e estimate not counted"
    assert set(h["period"]) == {"2025-11"}
    ex = ctx.resolver.exclusions_frame()
    assert len(ex) == 1 and ex["raw_value"].iloc[0] in {"", "(blank)"} and ex["rows"].iloc[0] == 1


def test_clusters_missing_column(fixture_ctx):
    text = clusters_text().replace("Include in Standard Analysis", "Included", 1)
    expect_error(fixture_ctx, CLUSTERS, {CLUSTERS_FILE: text}, file=CLUSTERS_FILE, row=1,
                 column="Include in Standard Analysis", match="missing column")


def test_clusters_non_numeric(fixture_ctx):
    text = clusters_text().replace("Beta,Existing,United States of America,500.5", "Beta,Existing,United States of America,~500")
    expect_error(fixture_ctx, CLUSTERS, {CLUSTERS_FILE: text}, file=CLUSTERS_FILE, row=3,
                 column="H100 equivalents", match="non-numeric value '~500'")


def test_clusters_unknown_country(fixture_ctx):
    text = clusters_text().replace("Zeta,Existing,Korea (Republic of)", "Zeta,Existing,Atlantis")
    expect_error(fixture_ctx, CLUSTERS, {CLUSTERS_FILE: text}, file=CLUSTERS_FILE, row=11, column="Country",
                 match="unknown country 'Atlantis'")


def test_clusters_multi_country_cell_fails(fixture_ctx):
    text = clusters_text().replace("Zeta,Existing,Korea (Republic of)", 'Zeta,Existing,"Norway, Sweden"')
    expect_error(fixture_ctx, CLUSTERS, {CLUSTERS_FILE: text}, file=CLUSTERS_FILE, row=11, column="Country",
                 match="unknown country 'Norway, Sweden'")


def test_clusters_unknown_status_and_checkbox(fixture_ctx):
    text = clusters_text().replace("Epsilon,Decommissioned", "Epsilon,Retired")
    expect_error(fixture_ctx, CLUSTERS, {CLUSTERS_FILE: text}, file=CLUSTERS_FILE, row=9, column="Status",
                 match="unknown Status 'Retired'")


def test_clusters_unknown_checkbox(fixture_ctx):
    text = clusters_text().replace("Alpha,Existing,United States of America,1000,2024-05-15,1 checked out of 1",
                                   "Alpha,Existing,United States of America,1000,2024-05-15,TRUE")
    expect_error(fixture_ctx, CLUSTERS, {CLUSTERS_FILE: text}, file=CLUSTERS_FILE, row=2,
                 column="Include in Standard Analysis", match="unexpected checkbox value 'TRUE'")


def test_clusters_bad_date(fixture_ctx):
    text = clusters_text().replace("2022-03-15", "15/03/2022")
    expect_error(fixture_ctx, CLUSTERS, {CLUSTERS_FILE: text}, file=CLUSTERS_FILE, row=11,
                 column="First Operational Date", match="not a YYYY-MM-DD date")


def test_clusters_newer_export_needs_new_period(fixture_ctx):
    text = clusters_text().replace("Beta,Existing,United States of America,500.5,2025-01-15",
                                   "Beta,Existing,United States of America,500.5,2026-02-15")
    expect_error(fixture_ctx, CLUSTERS, {CLUSTERS_FILE: text}, file=CLUSTERS_FILE, row=3,
                 column="First Operational Date", match="update SNAPSHOT_PERIOD")


def test_clusters_truncated(fixture_ctx):
    text = clusters_text()
    cut = text[: text.index("Zeta") + 20]  # last record cut mid-line
    expect_error(fixture_ctx, CLUSTERS, {CLUSTERS_FILE: cut}, file=CLUSTERS_FILE, row=11, column=None,
                 match="truncated")


def test_clusters_empty_and_header_only(fixture_ctx):
    expect_error(fixture_ctx, CLUSTERS, {CLUSTERS_FILE: ""}, file=CLUSTERS_FILE, row=None, column=None,
                 match="file is empty")


def test_clusters_header_only(fixture_ctx):
    header = clusters_text().splitlines()[0] + "\n"
    expect_error(fixture_ctx, CLUSTERS, {CLUSTERS_FILE: header}, file=CLUSTERS_FILE, row=None, column=None,
                 match="no data rows")


# ---------------------------------------------------------------------------------------------------------
# Fixtures: frontier data centres


def dc_text() -> str:
    return (FIXTURES / "data_centers_ok.csv").read_text(encoding="utf-8")


def test_fixture_frontier(fixture_ctx):
    frame = epoch_compute.parse(fixture_ctx(FRONTIER, {"data_centers.csv": dc_text()}))
    p = frame.set_index("iso3")["value"].to_dict()
    # Texas (ZIP) and Mississippi (state name) -> USA; Georgia with eastern longitude is the country.
    assert p == {"USA": 295.0, "CHN": 339.0, "ARE": 0.0, "GEO": 12.5}
    assert set(frame["period"]) == {"2025-12"}
    assert set(frame["indicator_id"]) == {"frontier_dc_power_mw"}


@pytest.mark.parametrize(
    ("address", "lat", "lon", "expected"),
    [
        ("10001 Lima Rd, Claude, TX 79019", "N", "W", "United States"),
        ("Amazon Data Services Inc, Madison Mega Site Canton, Mississippi Madison County", "N", "W", "United States"),
        ("Zhangbei County, Zhangjiakou, Hebei, China, 076471", "N", "E", "China"),
        ("Nexus Office, Al Dhafrah, Abu Dhabi, United Arab Emirates", "N", "E", "United Arab Emirates"),
        ("1 Rustaveli Ave, Tbilisi, Georgia", "N", "E", "Georgia"),
        ("076471", "N", "E", None),
    ],
)
def test_address_rule(address, lat, lon, expected):
    assert epoch_compute.address_country(address, lat, lon) == expected


def test_frontier_missing_column(fixture_ctx):
    text = dc_text().replace("Current power (MW)", "Power", 1)
    expect_error(fixture_ctx, FRONTIER, {"data_centers.csv": text}, file="data_centers.csv", row=1,
                 column="Current power (MW)", match="missing column")


def test_frontier_non_numeric(fixture_ctx):
    text = dc_text().replace("94402.1,339", "94402.1,339 MW")
    expect_error(fixture_ctx, FRONTIER, {"data_centers.csv": text}, file="data_centers.csv", row=4,
                 column="Current power (MW)", match="non-numeric value '339 MW'")


def test_frontier_duplicate_handle(fixture_ctx):
    text = dc_text().replace("Campus Tbilisi,", "Alibaba Zhangbei,")
    expect_error(fixture_ctx, FRONTIER, {"data_centers.csv": text}, file="data_centers.csv", row=6,
                 column="Handle", match="duplicate key")


def test_frontier_unknown_country(fixture_ctx):
    text = dc_text().replace("Abu Dhabi, United Arab Emirates", "Abu Dhabi, Emirates of Atlantis")
    expect_error(fixture_ctx, FRONTIER, {"data_centers.csv": text}, file="data_centers.csv", row=5,
                 column="Address", match="unknown country 'Emirates of Atlantis'")


def test_frontier_bad_coordinate(fixture_ctx):
    text = dc_text().replace('"24°9\'15""N"', "24.154")
    expect_error(fixture_ctx, FRONTIER, {"data_centers.csv": text}, file="data_centers.csv", row=5,
                 column="Latitude", match="degrees-minutes-seconds")


def test_frontier_no_country_in_address(fixture_ctx):
    text = dc_text().replace('"1 Rustaveli Ave, Tbilisi, Georgia"', "12345")
    expect_error(fixture_ctx, FRONTIER, {"data_centers.csv": text}, file="data_centers.csv", row=6,
                 column="Address", match="cannot derive a country")


def test_frontier_empty_and_truncated(fixture_ctx):
    expect_error(fixture_ctx, FRONTIER, {"data_centers.csv": ""}, file="data_centers.csv", row=None, column=None,
                 match="file is empty")


def test_frontier_truncated(fixture_ctx):
    text = dc_text()
    cut = text[: text.index("Stargate Abu Dhabi") + 30]
    expect_error(fixture_ctx, FRONTIER, {"data_centers.csv": cut}, file="data_centers.csv", row=5, column=None,
                 match="truncated")
