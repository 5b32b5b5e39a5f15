"""A corpus of damaged publisher folders: each is a good fixture folder with one file damaged in one place, and each
must be refused with a SourceFormatError naming the file, the row, the column and the rule (or kind of damage).

The folders are built at test time from the small fixtures under tests/fixtures/ (TOP500 workbooks with openpyxl),
so the corpus runs on a plain clone. The last test runs `aigap snapshot` on one damaged folder with the real
reference files and checks it exits 1 and writes nothing.
"""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from openpyxl import Workbook

from aigap.sources import (cloud_regions, epoch_compute, epoch_models, imf, microsoft, oecd, owid, oxford, top500,
                           tortoise, worldbank)
from aigap.sources.base import SourceFormatError

FIX = Path(__file__).resolve().parent / "fixtures"
FUTURE = "no period after the source's vintage"
FINITE = "values are finite numbers"

Files = dict[str, bytes]

WDI, EXTRA = worldbank.WDI.folder, worldbank.WDI_EXTRA.folder
POP, GDP = worldbank.POPULATION_FILE, worldbank.GDP_FILE
INTERNET = "API_IT.NET.USER.ZS_DS2_en_csv_v2_33086.csv"
PCAP = "API_NY.GDP.PCAP.CD_DS2_en_csv_v2_33610.csv"
RD = "API_GB.XPD.RSDV.GD.ZS_DS2_en_csv_v2_232.csv"
RESEARCHERS = "API_SP.POP.SCIE.RD.P6_DS2_en_csv_v2_37695.csv"
HIGH_TECH = "API_TX.VAL.TECH.MF.ZS_DS2_en_csv_v2_1859.csv"
NEWLY = "newly-funded-artificial-intelligence-companies.csv"
INVEST = "private-investment-in-artificial-intelligence-cset.csv"
PATENTS = "artificial-intelligence-patents-submitted-per-million.csv"
OECD, OWID_NEW, OWID_CSET = oecd.SOURCE.folder, owid.NEWLY_FUNDED.folder, owid.CSET.folder
MS, OX, TT = microsoft.SOURCE.folder, oxford.SOURCE.folder, tortoise.SOURCE.folder
NOTABLE, LARGE = epoch_models.NOTABLE.folder, epoch_models.LARGE_SCALE.folder
CLUSTERS, CAMPUSES = epoch_compute.SUPERCOMPUTERS.folder, epoch_compute.FRONTIER.folder
MS_Q1 = "Q1 2026 AI Diffusion"


@dataclass(frozen=True)
class Case:
    """One damaged folder: ``build()`` gives its files; the refusal must name ``file``, ``row``, ``column`` and
    contain ``says`` (the rule broken, or the kind of damage)."""

    id: str
    module: ModuleType
    folder: str
    build: Callable[[], Files]
    file: str
    row: int | None
    column: str | None
    says: str


def good(folder: str) -> Files:
    """The good fixture files of one publisher folder, under the publisher's file names."""
    named = {
        oecd.SOURCE.folder: {oecd.FILE: FIX / "oecd" / "ok.csv"},
        OWID_NEW: {NEWLY: FIX / "owid" / "newly_ok.csv"},
        OWID_CSET: {INVEST: FIX / "owid" / "cset_investment_ok.csv", PATENTS: FIX / "owid" / "cset_patents_ok.csv"},
        microsoft.SOURCE.folder: {microsoft.FILE: FIX / "microsoft" / "good.csv"},
        oxford.SOURCE.folder: {oxford.FILE_2023: FIX / "oxford" / "good_2023.csv",
                               oxford.FILE_2024: FIX / "oxford" / "good_2024.csv"},
        tortoise.SOURCE.folder: {tortoise.FILE: FIX / "tortoise" / "good.csv"},
        epoch_models.NOTABLE.folder: {epoch_models.NOTABLE_FILE.name: FIX / "epoch_models" / "notable_ok.csv"},
        epoch_models.LARGE_SCALE.folder: {epoch_models.LARGE_SCALE_FILE.name: FIX / "epoch_models" / "large_ok.csv"},
        epoch_compute.SUPERCOMPUTERS.folder: {
            epoch_compute.SUPERCOMPUTERS_FILE: FIX / "epoch_compute" / "clusters_ok.csv"},
        epoch_compute.FRONTIER.folder: {epoch_compute.FRONTIER_FILE: FIX / "epoch_compute" / "data_centers_ok.csv"},
        cloud_regions.SOURCE.folder: {cloud_regions.FILE: FIX / "cloud_regions" / "regions_ok.json"},
        imf.SOURCE.folder: {imf.FILE: FIX / "imf" / "good.json"},
    }
    if folder in named:
        return {name: path.read_bytes() for name, path in named[folder].items()}
    return {p.name: p.read_bytes() for p in sorted((FIX / "worldbank" / folder).iterdir())}


def line_of(data: bytes, old: bytes) -> int:
    assert data.count(old) == 1, f"{old!r} must occur once in the fixture"
    return data[: data.index(old)].count(b"\n") + 1


def edit(module: ModuleType, folder: str, file: str, old: bytes, new: bytes, says: str, *, column: str | None,
         row: int | None = -1, case: str) -> Case:
    """A case replacing ``old`` (once in ``file``) by ``new``; the row expected is the line of ``old`` unless given."""
    data = good(folder)[file]
    expected_row = line_of(data, old) if row == -1 else row
    return Case(case, module, folder, lambda: {**good(folder), file: data.replace(old, new)}, file, expected_row,
                column, says)


def replace_file(module: ModuleType, folder: str, file: str, content: Callable[[bytes], bytes], says: str, *,
                 row: int | None, column: str | None, case: str) -> Case:
    return Case(case, module, folder, lambda: {**good(folder), file: content(good(folder)[file])}, file, row, column,
                says)


# --------------------------------------------------------------------------- TOP500 workbooks

TOP500_HEADER = ["Rank", "Name", "Country", "Rmax [TFlop/s]", "Rpeak [TFlop/s]"]


def workbook(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(TOP500_HEADER)
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def systems(rmax: Callable[[int], object] = lambda i: 1000.0 + i, n: int = 500) -> list[list]:
    return [[i, f"System {i}", "United States" if i % 3 else "Japan", rmax(i), 2000.0] for i in range(1, n + 1)]


def top500_case(case: str, name: str, rows: Callable[[], list[list]], *, row: int | None, column: str | None,
                says: str) -> Case:
    return Case(case, top500, top500.SOURCE.folder, lambda: {name: workbook(rows())}, name, row, column, says)


# --------------------------------------------------------------------------- the corpus

CASES = [
    # Periods after the source's vintage: the six accepted silently before, and more.
    edit(oecd, OECD, oecd.FILE, b"202518,2025", b"202518,2099", FUTURE, column="Year", case="oecd-year-2099"),
    edit(owid, OWID_NEW, NEWLY, b"USA,2024", b"USA,2099", FUTURE, column="Year", case="owid-year-2099"),
    edit(worldbank, WDI, POP, b"USA,2024", b"USA,2099", FUTURE, column="Year", case="wdi-population-year-2099"),
    top500_case("top500-june-2099", "TOP500_209906.xlsx", systems, row=2, column="file name", says=FUTURE),
    edit(microsoft, MS, microsoft.FILE, MS_Q1.encode(), b"Q1 2099 AI Diffusion", FUTURE, row=2,
         column="Q1 2099 AI Diffusion", case="microsoft-q1-2099"),
    edit(epoch_models, NOTABLE, epoch_models.NOTABLE_FILE.name, b"2024-05-01", b"2099-05-01", FUTURE,
         column="Publication date", case="epoch-notable-model-2099"),
    edit(epoch_models, LARGE, epoch_models.LARGE_SCALE_FILE.name, b"2024-11-11", b"2099-11-11", FUTURE,
         column="Publication date", case="epoch-large-model-2099"),
    edit(worldbank, WDI, INTERNET, b"2024,2025", b"2024,2099", FUTURE, row=6, column="2099",
         case="wdi-wide-header-2099"),
    edit(imf, imf.SOURCE.folder, imf.FILE, b'{"id": "imf-aipi", "year": 2023}', b'{"id": "imf-aipi", "year": 2099}',
         FUTURE, row=5, column="metrics.readinessMeta.year", case="imf-vintage-2099"),
    # Absurd magnitudes: out of scale, negative, above a physical ceiling, infinite.
    edit(worldbank, WDI, POP, b"United States,USA,2024,340110988\n",
         b"United States,USA,2024,340110988\nAruba,ABW,2024,9000000000000000\n", "population at most 1e+10",
         row=11, column="Value", case="wdi-population-aruba-9e15"),
    # USA's other campus has 295 MW: the country sum (290 MW) would pass; the campus row going in does not.
    edit(epoch_compute, CAMPUSES, epoch_compute.FRONTIER_FILE, b"Owner B,0,0", b"Owner B,0,-5", "no negative power",
         column="Current power (MW)", case="campus-power-minus-5-mw"),
    edit(epoch_compute, CLUSTERS, epoch_compute.SUPERCOMPUTERS_FILE, b"Alpha,Existing,United States of America,1000",
         b"Alpha,Existing,United States of America,-1000", "no negative compute", column="H100 equivalents",
         case="cluster-negative-h100e"),
    top500_case("top500-negative-rmax", "TOP500_202406.xlsx", lambda: systems(lambda i: -5.0 if i == 7 else 1000.0),
                row=8, column="Rmax [TFlop/s]", says="no negative compute"),
    top500_case("top500-rmax-1e12", "TOP500_202406.xlsx", lambda: systems(lambda i: 1e12 if i == 3 else 1000.0),
                row=4, column="Rmax [TFlop/s]", says="compute at most 1e+10"),
    edit(oecd, OECD, oecd.FILE, b"202518", b"-202518", "no negative money", column="Sum_of_deals",
         case="oecd-negative-money"),
    edit(oecd, OECD, oecd.FILE, b"202518", b"inf", FINITE, column="Sum_of_deals", case="oecd-inf"),
    edit(owid, OWID_CSET, INVEST, b"USA,2023,77700000000", b"USA,2023,-77700000000", "no negative money",
         column="Estimated investment - Field: All", case="owid-negative-investment"),
    edit(owid, OWID_NEW, NEWLY, b"USA,2024,1143", b"USA,2024,1143000000", "company count at most 1e+07",
         column="Newly founded AI companies", case="owid-newly-funded-1e9"),
    edit(microsoft, MS, microsoft.FILE, b"70.10%", b"500.00%", "percentage within 0-100", column=MS_Q1,
         case="microsoft-500-percent"),
    edit(microsoft, MS, microsoft.FILE, b"70.10%", b"-1.00%", "percentage within 0-100", column=MS_Q1,
         case="microsoft-negative-percent"),
    edit(microsoft, MS, microsoft.FILE, b"70.10%", b"inf%", FINITE, column=MS_Q1, case="microsoft-inf"),
    edit(worldbank, WDI, INTERNET, b"92,91.6", b"92,500", "percentage within 0-100", column="2025",
         case="wdi-internet-500-percent"),
    edit(worldbank, WDI, RD, b"3.44716", b"150", "percentage within 0-100", column="2023", case="wdi-rd-150-percent"),
    edit(worldbank, EXTRA, HIGH_TECH, b'"27.7650612563156"', b'"101"', "percentage within 0-100", column="2022",
         case="wdi-high-tech-exports-101-percent"),
    edit(worldbank, WDI, POP, b"CHN,2023,1410710000", b"CHN,2023,-1410710000", "no negative population",
         column="Value", case="wdi-negative-population"),
    edit(worldbank, WDI, GDP, b"USA,2023,27360935000000.0", b"USA,2023,2.7360935e+20", "money at most 5e+14",
         column="Value", case="wdi-gdp-2.7e20"),
    edit(worldbank, WDI, PCAP, b'"13293.1162269366"', b'"9000000"', "money at most 5e+14", column="2024",
         case="wdi-derived-gdp-from-absurd-gdp-per-capita"),
    edit(worldbank, WDI, PCAP, b'"78008.6895811877"', b'"-78008.6895811877"', "no negative money", column="2022",
         case="wdi-negative-gdp-per-capita"),
    edit(worldbank, WDI, RESEARCHERS, b'"9434.7613"', b'"2000000"', "rate at most 1e+06", column="2022",
         case="wdi-researchers-2-million-per-million"),
    edit(owid, OWID_CSET, PATENTS, b"127.6", b"-127.6", "no negative rate",
         column="Patent applications per 1 million people - Field: All", case="owid-negative-patents"),
    edit(imf, imf.SOURCE.folder, imf.FILE, b'"USA": 0.77120971679688', b'"USA": 500', "score within 0-1",
         column="metrics.readiness.USA", case="imf-index-500-on-0-1"),
    edit(imf, imf.SOURCE.folder, imf.FILE, b'"digitalInfrastructure": 0.20861737430096',
         b'"digitalInfrastructure": 0.9', "score within 0-0.25",
         column="metrics.readinessSubIndices.SGP.digitalInfrastructure", case="imf-dimension-out-of-scale"),
    edit(oxford, OX, oxford.FILE_2024, b"87.03", b"500", "score within 0-100", column="total_score",
         case="oxford-score-500"),
    edit(oxford, OX, oxford.FILE_2023, b"AFG,21.27", b"AFG,-21.27", "score within 0-100",
         column="oxford_gairi_2023_total", case="oxford-2023-negative-score"),
    edit(tortoise, TT, tortoise.FILE, b"36.35", b"Infinity", FINITE, column="Total score", case="tortoise-infinity"),
    edit(tortoise, TT, tortoise.FILE, b"33.83", b"133.83", "score within 0-100", column="Talent",
         case="tortoise-score-133"),
    # Damage the README lists as refused already: each names the file, the row and the column.
    edit(oecd, OECD, oecd.FILE, b"202518", b"NaN", "non-numeric value 'NaN'", column="Sum_of_deals",
         case="oecd-nan-text"),
    edit(oecd, OECD, oecd.FILE, b"202518", b"2O2518", "non-numeric value", column="Sum_of_deals",
         case="oecd-non-numeric"),
    edit(oecd, OECD, oecd.FILE, b"Sum_of_deals", b"Sum_deals", "missing column", column="Sum_of_deals",
         case="oecd-renamed-column"),
    edit(microsoft, MS, microsoft.FILE, b"Economy,", b"Country,", "missing column", column="Economy",
         case="microsoft-renamed-column"),
    edit(epoch_models, NOTABLE, epoch_models.NOTABLE_FILE.name, b"Model,Organization", b"Name,Organization",
         "missing column", column="Model", case="epoch-models-renamed-column"),
    edit(tortoise, TT, tortoise.FILE, b"Turkey,", b"The Netherlands,", "duplicate key", column="Country",
         case="tortoise-duplicate-key"),
    edit(worldbank, WDI, POP, b"KOR,2023", b"KOR,2022", "duplicate key", column="Country Code",
         case="wdi-duplicate-key"),
    edit(owid, OWID_NEW, NEWLY, b"United States,USA", b"United States,XYZ", "XYZ", column="Code",
         case="owid-unknown-country"),
    edit(oxford, OX, oxford.FILE_2024, b"Turkiye,", b"Atlantis,", "Atlantis", column="country",
         case="oxford-unknown-country"),
    edit(cloud_regions, cloud_regions.SOURCE.folder, cloud_regions.FILE, b'"country": "Australia"',
         b'"country": "Atlantis"', "Atlantis", column="$.cloud_regions[0].country", case="cloud-unknown-country"),
    edit(epoch_compute, CLUSTERS, epoch_compute.SUPERCOMPUTERS_FILE, b"Alpha,Existing", b"Alpha,Exists",
         "unknown Status", column="Status", case="cluster-unknown-status"),
    edit(oecd, OECD, oecd.FILE, "Côte d’Ivoire".encode(), "Côte d’Ivoire".encode("cp1252"), "cannot be decoded",
         column=None, case="oecd-wrong-encoding"),
    replace_file(oecd, OECD, oecd.FILE, lambda data: data[: data.index(b"VC,407409")] + b"VC,40", "truncated",
                 row=4, column=None, case="oecd-truncated"),
    replace_file(tortoise, TT, tortoise.FILE, lambda data: b"", "file is empty", row=None, column=None,
                 case="tortoise-empty-file"),
    replace_file(imf, imf.SOURCE.folder, imf.FILE, lambda data: data[:300], "truncated",
                 row=good(imf.SOURCE.folder)[imf.FILE][:300].count(b"\n") + 1, column=None, case="imf-truncated-json"),
    top500_case("top500-truncated-list", "TOP500_202406.xlsx", lambda: systems(n=499), row=500, column="Rank",
                says="499 systems"),
    top500_case("top500-non-numeric-rmax", "TOP500_202406.xlsx",
                lambda: systems(lambda i: "n/a" if i == 9 else 1000.0), row=10, column="Rmax [TFlop/s]",
                says="non-numeric value 'n/a'"),
]


@pytest.mark.parametrize("module, folder", sorted({(c.module, c.folder) for c in CASES}, key=lambda mf: mf[1]),
                         ids=lambda x: x if isinstance(x, str) else "")
def test_every_folder_passes_before_its_damage(module, folder, fixture_ctx):
    """The base folders are good: each refusal comes from its one damage."""
    files = {"TOP500_202406.xlsx": workbook(systems())} if module is top500 else good(folder)
    assert len(module.parse(fixture_ctx(folder, files)))


def test_the_corpus_is_large_and_covers_every_adapter():
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)
    assert {c.module for c in CASES} == {oecd, owid, worldbank, top500, microsoft, epoch_models, epoch_compute, imf,
                                         oxford, tortoise, cloud_regions}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_damaged_folder_is_refused_naming_file_row_column_and_rule(case: Case, fixture_ctx):
    ctx = fixture_ctx(case.folder, case.build())
    with pytest.raises(SourceFormatError) as info:
        case.module.parse(ctx)
    exc = info.value
    message = str(exc)
    assert Path(exc.file).name == case.file and f"file {exc.file}" in message
    assert exc.row == case.row, message
    assert exc.column == case.column, message
    if case.row is not None:
        assert f"row {case.row}" in message
    if case.column is not None:
        assert f"column {case.column!r}" in message
    assert case.says in message


def test_snapshot_command_exits_1_and_writes_nothing(raw_dir, tmp_path):
    """`aigap snapshot` on the real reference files plus one damaged folder: exit 1, the refusal on stderr, the
    existing snapshot folder untouched and no staging folder left."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for reference in ("country_codes_datahub", "worldbank_class"):
        (raw / reference).symlink_to(raw_dir / reference, target_is_directory=True)
    case = next(c for c in CASES if c.id == "campus-power-minus-5-mw")
    (raw / case.folder).mkdir()
    for name, data in case.build().items():
        (raw / case.folder / name).write_bytes(data)
    out = tmp_path / "snapshot"
    out.mkdir()
    (out / "kept.csv").write_text("a\n1\n")
    proc = subprocess.run([sys.executable, "-m", "aigap.cli", "snapshot", "--raw", str(raw), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    assert f"row {case.row}, column {case.column!r}" in proc.stderr and case.says in proc.stderr
    assert "Traceback" not in proc.stderr
    assert [p.name for p in out.iterdir()] == ["kept.csv"]
    assert not any(p.name.startswith("snapshot.") for p in tmp_path.iterdir())
