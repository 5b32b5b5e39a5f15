"""TOP500 adapter: real lists spot-checked against plain pandas and SOURCE.md, and broken workbooks.

Fixture workbooks are built at test time with openpyxl (no binary fixtures in the repository).
"""

from __future__ import annotations

import io
import time
import warnings

import pandas as pd
import pytest
from openpyxl import Workbook

from aigap.snapshot import make_context
from aigap.sources import top500
from aigap.sources.base import TIDY_COLUMNS, SourceFormatError
from aigap.validate import validate_observations

RAW_FOLDER = "top500"


@pytest.fixture(scope="module")
def parsed(raw_dir, real_reference):
    """(tidy frame, seconds taken, context) for one run over the 49 real editions."""
    ctx = make_context(raw_dir, real_reference)
    start = time.perf_counter()
    frame = top500.parse(ctx)
    return frame, time.perf_counter() - start, ctx


def value(frame: pd.DataFrame, iso3: str, indicator: str, period: str) -> float:
    hit = frame[(frame["iso3"] == iso3) & (frame["indicator_id"] == indicator) & (frame["period"] == period)]
    assert len(hit) == 1, (iso3, indicator, period, len(hit))
    return float(hit["value"].iloc[0])


def read_raw(raw_dir, name: str, header: int) -> pd.DataFrame:
    """The list read the plain way SOURCE.md describes (pd.read_excel with a fixed header row)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.read_excel(raw_dir / RAW_FOLDER / name, sheet_name=0, header=header)


# ---------------------------------------------------------------------------------------------------------
# Real files


def test_shape_and_validation(parsed, reference):
    frame, _, _ = parsed
    assert list(frame.columns) == TIDY_COLUMNS
    validate_observations(frame, reference[0], {i.id: i for i in top500.INDICATORS}, label="top500")
    assert set(frame["source_id"]) == {"top500"}
    assert set(frame["indicator_id"]) == {"top500_rmax", "top500_systems"}


def test_all_49_editions_with_500_systems_each(parsed, raw_dir):
    frame, _, _ = parsed
    files = sorted(p.name for p in (raw_dir / RAW_FOLDER).glob("TOP500_*"))
    editions = sorted({f"{n[7:11]}-{n[11:13]}" for n in files})
    assert len(editions) == 49
    systems = frame[frame["indicator_id"] == "top500_systems"].groupby("period")["value"].sum()
    assert sorted(systems.index) == editions
    assert (systems == 500).all()
    for missing in ("2021-06", "2022-11", "2025-11"):
        assert missing not in systems.index


def test_june_2025_against_plain_pandas(parsed, raw_dir):
    frame, _, _ = parsed
    raw = read_raw(raw_dir, "TOP500_202506.xlsx", header=0)
    by_country = raw.groupby("Country")["Rmax [TFlop/s]"].agg(["count", "sum"])
    for name, iso3 in [("United States", "USA"), ("China", "CHN"), ("Brazil", "BRA"), ("India", "IND"),
                       ("Germany", "DEU"), ("Japan", "JPN")]:
        assert value(frame, iso3, "top500_systems", "2025-06") == by_country.loc[name, "count"]
        assert value(frame, iso3, "top500_rmax", "2025-06") == pytest.approx(by_country.loc[name, "sum"], rel=1e-12)
    assert raw["Rmax [TFlop/s]"].sum() == pytest.approx(
        frame.query("indicator_id == 'top500_rmax' and period == '2025-06'")["value"].sum(), rel=1e-12
    )


def test_june_2025_against_source_md(parsed):
    """SOURCE.md: US 175 / 6,698,605 TFlop/s; China 47 / 281,270; Brazil 9 / 67,912; India 6 / 29,412; South Africa 0."""
    frame, _, _ = parsed
    for iso3, systems, rmax in [("USA", 175, 6_698_605), ("CHN", 47, 281_270), ("BRA", 9, 67_912), ("IND", 6, 29_412)]:
        assert value(frame, iso3, "top500_systems", "2025-06") == systems
        assert value(frame, iso3, "top500_rmax", "2025-06") == pytest.approx(rmax, abs=1)
    # No South African system on that list: absent, not 0.
    assert frame.query("iso3 == 'ZAF' and period == '2025-06'").empty


def test_gflops_editions_are_divided_by_1000(parsed, raw_dir):
    frame, _, _ = parsed
    # 2000-06: header on the second row, RMax in GFlop/s.
    old = read_raw(raw_dir, "TOP500_200006.xls", header=1)
    us = old[old["Country"] == "United States"]
    assert value(frame, "USA", "top500_rmax", "2000-06") == pytest.approx(us["RMax"].sum() / 1000, rel=1e-12)
    assert value(frame, "USA", "top500_systems", "2000-06") == len(us)
    # 2016-11: header on the first row, Rmax (unit-less) in GFlop/s.
    late = read_raw(raw_dir, "TOP500_201611.xls", header=0)
    cn = late[late["Country"] == "China"]
    assert value(frame, "CHN", "top500_rmax", "2016-11") == pytest.approx(cn["Rmax"].sum() / 1000, rel=1e-12)
    # Across the unit switch the world total moves by well under 2x, not by 1000x.
    world = frame[frame["indicator_id"] == "top500_rmax"].groupby("period")["value"].sum()
    assert 1 < world["2017-06"] / world["2016-11"] < 2
    assert world["2016-11"] == pytest.approx(late["Rmax"].sum() / 1000, rel=1e-12)


def test_aliases_used(parsed, raw_dir):
    frame, _, _ = parsed
    # 2009-11 spells "Korea, South"; TOP500's "Saudia Arabia" typo appears in some editions.
    names = set()
    for path in sorted((raw_dir / RAW_FOLDER).glob("TOP500_*")):
        header = 1 if path.name < "TOP500_2008" else 0
        names |= set(read_raw(raw_dir, path.name, header)["Country"].astype(str).str.strip())
    assert {"Korea, South", "Saudia Arabia", "Turkey"} <= names
    assert "KOR" in set(frame["iso3"]) and "SAU" in set(frame["iso3"]) and "TUR" in set(frame["iso3"])


def test_no_exclusions_and_quiet(parsed, raw_dir, reference, capfd):
    # (Speed is measured by benchmarks/ingest.py, not asserted here.)
    frame, _seconds, ctx = parsed
    assert ctx.resolver.exclusions_frame().empty  # every TOP500 country maps to a country
    # xlrd's "OLE2 inconsistency" chatter is suppressed.
    capfd.readouterr()
    top500.read_edition(raw_dir / RAW_FOLDER / "TOP500_200006.xls", "2000-06")
    out, err = capfd.readouterr()
    assert "OLE2" not in out and "OLE2" not in err


def test_second_sheet_of_2023_11_ignored(parsed, raw_dir):
    frame, _, _ = parsed
    raw = read_raw(raw_dir, "TOP500_202311.xlsx", header=0)
    assert len(raw) == 500
    assert value(frame, "USA", "top500_systems", "2023-11") == (raw["Country"] == "United States").sum()


# ---------------------------------------------------------------------------------------------------------
# Fixture workbooks

TFLOPS_HEADER = ["Rank", "Name", "Country", "Rmax [TFlop/s]", "Rpeak [TFlop/s]"]


def workbook(header: list[str], rows: list[list], *, title_rows: int = 0) -> bytes:
    wb = Workbook()
    ws = wb.active
    for _ in range(title_rows):
        ws.append([None] * len(header))
    ws.append(header)
    for row in rows:
        ws.append(row)
    extra = wb.create_sheet("Sheet1")  # a second sheet must be ignored
    extra.append(["not", "the", "list"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def systems(n: int = 500, country=lambda i: "United States" if i % 3 else "Korea, South", rmax=lambda i: 1000.0 + i):
    return [[i, f"System {i}", country(i), rmax(i), rmax(i) * 1.5] for i in range(1, n + 1)]


def run(fixture_ctx, files: dict[str, bytes]) -> pd.DataFrame:
    return top500.parse(fixture_ctx(RAW_FOLDER, files))


def test_fixture_tflops_edition(fixture_ctx):
    rows = systems()
    frame = run(fixture_ctx, {"TOP500_202006.xlsx": workbook(TFLOPS_HEADER, rows)})
    expected = pd.DataFrame(rows, columns=TFLOPS_HEADER).groupby("Country")["Rmax [TFlop/s]"].agg(["count", "sum"])
    assert value(frame, "USA", "top500_rmax", "2020-06") == expected.loc["United States", "sum"]
    assert value(frame, "KOR", "top500_rmax", "2020-06") == expected.loc["Korea, South", "sum"]
    assert value(frame, "KOR", "top500_systems", "2020-06") == expected.loc["Korea, South", "count"]


def test_fixture_gflops_edition_with_title_row(fixture_ctx):
    header = ["Rank", "Site", "Manufacturer", "Computer", "Country", "Year", "Processors", "RMax", "RPeak"]
    rows = [[i, "Site", "Maker", "Box", "Germany", 2000, 64, 2000.0 + i, 3000.0] for i in range(1, 501)]
    frame = run(fixture_ctx, {"TOP500_200511.xlsx": workbook(header, rows, title_rows=1)})
    assert value(frame, "DEU", "top500_rmax", "2005-11") == pytest.approx(sum(2000.0 + i for i in range(1, 501)) / 1000)
    assert value(frame, "DEU", "top500_systems", "2005-11") == 500


def expect_error(fixture_ctx, files: dict[str, bytes], *, file: str, row, column, match: str) -> SourceFormatError:
    with pytest.raises(SourceFormatError, match=match) as info:
        run(fixture_ctx, files)
    exc = info.value
    assert exc.file.endswith(file)
    assert exc.row == row
    assert exc.column == column
    return exc


def test_missing_rmax_column(fixture_ctx):
    header = ["Rank", "Name", "Country", "Rpeak [TFlop/s]"]
    rows = [[i, "x", "France", 1.0] for i in range(1, 501)]
    expect_error(fixture_ctx, {"TOP500_202406.xlsx": workbook(header, rows)}, file="TOP500_202406.xlsx",
                 row=1, column="Rmax [TFlop/s]", match="no Rmax column")


def test_unitless_rmax_after_2016_is_refused(fixture_ctx):
    header = ["Rank", "Name", "Country", "Rmax"]
    rows = [[i, "x", "France", 1.0] for i in range(1, 501)]
    expect_error(fixture_ctx, {"TOP500_201806.xlsx": workbook(header, rows)}, file="TOP500_201806.xlsx",
                 row=1, column="Rmax", match="no unit")


def test_gflops_unit_in_name_is_converted(fixture_ctx):
    header = ["Rank", "Name", "Country", "Rmax [GFlop/s]"]
    rows = [[i, "x", "France", 2000.0] for i in range(1, 501)]
    frame = run(fixture_ctx, {"TOP500_201806.xlsx": workbook(header, rows)})
    assert value(frame, "FRA", "top500_rmax", "2018-06") == pytest.approx(500 * 2.0)


def test_no_header_row(fixture_ctx):
    header = ["Rank", "Name", "Nation", "Rmax [TFlop/s]"]
    rows = [[i, "x", "France", 1.0] for i in range(1, 501)]
    expect_error(fixture_ctx, {"TOP500_202406.xlsx": workbook(header, rows)}, file="TOP500_202406.xlsx",
                 row=None, column="Country", match="no header row")


def test_non_numeric_rmax(fixture_ctx):
    rows = systems()
    rows[41][3] = "n/a"  # system 42 -> sheet row 43 (header is row 1)
    expect_error(fixture_ctx, {"TOP500_202006.xlsx": workbook(TFLOPS_HEADER, rows)}, file="TOP500_202006.xlsx",
                 row=43, column="Rmax [TFlop/s]", match="non-numeric value 'n/a'")


def test_empty_rmax(fixture_ctx):
    rows = systems()
    rows[9][3] = None
    expect_error(fixture_ctx, {"TOP500_202006.xlsx": workbook(TFLOPS_HEADER, rows, title_rows=1)},
                 file="TOP500_202006.xlsx", row=12, column="Rmax [TFlop/s]", match="empty value")


def test_duplicate_rank(fixture_ctx):
    rows = systems()
    rows[100][0] = 100  # rank 100 twice: the second is system 101 on sheet row 102
    expect_error(fixture_ctx, {"TOP500_202006.xlsx": workbook(TFLOPS_HEADER, rows)}, file="TOP500_202006.xlsx",
                 row=102, column="Rank", match="duplicate key")


def test_unknown_country(fixture_ctx):
    rows = systems(country=lambda i: "Atlantis" if i == 77 else "Japan")
    expect_error(fixture_ctx, {"TOP500_202006.xlsx": workbook(TFLOPS_HEADER, rows)}, file="TOP500_202006.xlsx",
                 row=78, column="Country", match="unknown country 'Atlantis'")


def test_truncated_list(fixture_ctx):
    rows = systems(n=499)
    expect_error(fixture_ctx, {"TOP500_202006.xlsx": workbook(TFLOPS_HEADER, rows)}, file="TOP500_202006.xlsx",
                 row=500, column="Rank", match="499 systems")


def test_too_many_rows(fixture_ctx):
    rows = systems(n=501)
    expect_error(fixture_ctx, {"TOP500_202006.xlsx": workbook(TFLOPS_HEADER, rows)}, file="TOP500_202006.xlsx",
                 row=502, column="Rank", match="501 systems")


def test_empty_file(fixture_ctx):
    expect_error(fixture_ctx, {"TOP500_202006.xlsx": b""}, file="TOP500_202006.xlsx", row=None, column=None,
                 match="file is empty")


def test_truncated_workbook(fixture_ctx):
    good = workbook(TFLOPS_HEADER, systems())
    expect_error(fixture_ctx, {"TOP500_202011.xlsx": good[: len(good) // 2]}, file="TOP500_202011.xlsx", row=None,
                 column=None, match="cannot read sheet 0")


def test_not_an_xls(fixture_ctx):
    expect_error(fixture_ctx, {"TOP500_200006.xls": b"not an excel file at all"}, file="TOP500_200006.xls",
                 row=None, column=None, match="cannot read sheet 0")


def test_bad_file_name(fixture_ctx):
    good = workbook(TFLOPS_HEADER, systems())
    expect_error(fixture_ctx, {"TOP500_2020.xlsx": good}, file="TOP500_2020.xlsx", row=None, column=None,
                 match="TOP500_YYYYMM")


def test_same_edition_twice(fixture_ctx):
    good = workbook(TFLOPS_HEADER, systems())
    expect_error(fixture_ctx, {"TOP500_202006.xls": good, "TOP500_202006.xlsx": good}, file="TOP500_202006.xlsx",
                 row=None, column=None, match="edition 2020-06 is also in TOP500_202006.xls")


def test_no_files(fixture_ctx):
    with pytest.raises(SourceFormatError, match="no TOP500 list files"):
        run(fixture_ctx, {"SOURCE.md": "notes"})


def test_text_na_is_not_silently_blank(fixture_ctx):
    rows = systems()
    rows[4][2] = "NA"  # pandas would read "NA" as missing by default; here it is an unknown country
    expect_error(fixture_ctx, {"TOP500_202006.xlsx": workbook(TFLOPS_HEADER, rows)}, file="TOP500_202006.xlsx",
                 row=6, column="Country", match="unknown country 'NA'")
