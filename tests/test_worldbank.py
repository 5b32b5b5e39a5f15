"""World Bank WDI adapter: real-file spot checks and strict failures on malformed inputs.

Fixtures under ``fixtures/worldbank/<folder>/`` are the real files cut down to five codes (CHN, INX, KOR,
USA, WLD) and the years 2022-2025, with the publisher's formatting kept (BOM, quoting, trailing comma,
CRLF, the Excel re-save of the internet file). The datahub GDP fixture lacks CHN 2023 on purpose: a
country's gap in a year the GDP file covers must stay a gap, not be derived.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aigap import catalogue
from aigap.sources import worldbank as wb
from aigap.sources.base import TIDY_COLUMNS, SourceFormatError, is_period
from aigap.validate import validate_observations

FIX = Path(__file__).resolve().parent / "fixtures" / "worldbank"
WDI = "worldbank_wdi"
EXTRA = "worldbank_wdi_extra"

RD = "API_GB.XPD.RSDV.GD.ZS_DS2_en_csv_v2_232.csv"
PCAP = "API_NY.GDP.PCAP.CD_DS2_en_csv_v2_33610.csv"
RESEARCHERS = "API_SP.POP.SCIE.RD.P6_DS2_en_csv_v2_37695.csv"
INTERNET = "API_IT.NET.USER.ZS_DS2_en_csv_v2_33086.csv"
HIGHTECH = "API_TX.VAL.TECH.MF.ZS_DS2_en_csv_v2_1859.csv"
POP = "datahub_population_SP.POP.TOTL.csv"
GDP = "datahub_gdp_NY.GDP.MKTP.CD.csv"


# --------------------------------------------------------------------------- helpers


def fixture_bytes(folder: str, name: str) -> bytes:
    return (FIX / folder / name).read_bytes()


def edited(folder: str, name: str, old: bytes, new: bytes) -> bytes:
    data = fixture_bytes(folder, name)
    assert data.count(old) == 1, f"fixture edit {old!r} must match exactly once in {name}"
    return data.replace(old, new)


def line_of(data: bytes, needle: bytes, nth: int = 1) -> int:
    """1-based physical line number of the nth line containing ``needle`` (independent of the adapter)."""
    hits = [i + 1 for i, line in enumerate(data.split(b"\n")) if needle in line]
    return hits[nth - 1]


def make_ctx(fixture_ctx, wdi: dict | None = None, extra: dict | None = None, *, with_extra: bool = True):
    """Context over the fixture folders; ``wdi``/``extra`` replace files (value None removes one)."""
    ctx = None
    for folder, changes, wanted in ((WDI, wdi, True), (EXTRA, extra, with_extra)):
        if not wanted:
            continue
        files: dict = {p.name: p for p in (FIX / folder).iterdir()}
        for name, content in (changes or {}).items():
            if content is None:
                files.pop(name)
            else:
                files[name] = content
        ctx = fixture_ctx(folder, files)
    return ctx


def value(out: pd.DataFrame, iso3: str, indicator: str, period: str) -> pd.Series:
    rows = out[(out.iso3 == iso3) & (out.indicator_id == indicator) & (out.period == period)]
    assert len(rows) == 1, f"{iso3} {indicator} {period}: {len(rows)} rows"
    return rows.iloc[0]


def plain_wide(path: Path) -> pd.DataFrame:
    """A WDI wide file read with plain pandas, as SOURCE.md describes: code, period, value (non-null)."""
    frame = pd.read_csv(path, skiprows=4, encoding="utf-8-sig")
    frame = frame.drop(columns=[c for c in frame.columns if c.startswith("Unnamed")])
    years = [c for c in frame.columns if c.isdigit()]
    long = frame.melt(id_vars=["Country Code"], value_vars=years, var_name="period", value_name="value")
    return long.dropna(subset=["value"])


def raw_file(raw_dir: Path, folder: str, code: str) -> Path:
    (path,) = sorted((raw_dir / folder).glob(f"API_{code}_DS2_*.csv"))
    return path


# --------------------------------------------------------------------------- metadata


def test_declarations():
    ids = [i.id for i in wb.INDICATORS]
    assert ids == [
        "gdp_usd", "gdp_per_capita_usd", "population", "rd_expenditure_pct_gdp",
        "researchers_per_million", "internet_users_pct", "high_tech_exports_pct",
    ]
    assert {s.id for s in wb.SOURCES} == {WDI, EXTRA}
    by_id = {i.id: i for i in wb.INDICATORS}
    assert by_id["high_tech_exports_pct"].source_id == EXTRA
    assert all(catalogue.indicators()[i].value_range == (0, 100) for i in
               ("rd_expenditure_pct_gdp", "internet_users_pct", "high_tech_exports_pct"))
    assert by_id["gdp_usd"].kind == "total" and by_id["population"].kind == "total"
    assert {spec.indicator_id for spec in wb.WIDE} | {"population", "gdp_usd"} == set(ids)


# --------------------------------------------------------------------------- real files


@pytest.fixture(scope="module")
def real(raw_dir, real_reference):
    from aigap.snapshot import make_context

    ctx = make_context(raw_dir, real_reference)
    return ctx, wb.parse(ctx)


def test_real_output_is_valid(real, reference):
    ctx, out = real
    assert list(out.columns) == TIDY_COLUMNS
    validate_observations(out, reference[0], {i.id: i for i in wb.INDICATORS}, label="worldbank")
    assert set(out.indicator_id) == {i.id for i in wb.INDICATORS}
    assert out.period.map(lambda p: is_period(p) and len(p) == 4).all()
    assert np.isfinite(out.value).all()


def test_real_downloads_name_the_raw_files(raw_dir):
    for source in wb.SOURCES:
        on_disk = {p.name for p in (raw_dir / source.folder).iterdir() if p.name != "SOURCE.md"}
        assert set(source.downloads) == on_disk


def test_real_usa_rd_2023_equals_plain_pandas(real, raw_dir):
    _, out = real
    frame = pd.read_csv(raw_file(raw_dir, WDI, "GB.XPD.RSDV.GD.ZS"), skiprows=4, encoding="utf-8-sig")
    expected = frame.loc[frame["Country Code"] == "USA", "2023"].item()
    row = value(out, "USA", "rd_expenditure_pct_gdp", "2023")
    assert row.value == expected
    assert row.source_id == WDI and row.note is None


@pytest.mark.parametrize("spec", wb.WIDE, ids=lambda s: s.indicator_id)
def test_real_wide_values_equal_plain_pandas(real, raw_dir, spec):
    """Every published economy value of every wide file, bit for bit (the Excel float noise included)."""
    ctx, out = real
    plain = plain_wide(raw_file(raw_dir, spec.source.folder, spec.code))
    plain = plain[~plain["Country Code"].isin(set(ctx.wb_aggregates) | set(wb.EXCLUDED))]
    mine = out[out.indicator_id == spec.indicator_id]
    assert (mine.source_id == spec.source.id).all()
    assert mine.note.isna().all()
    expected = dict(zip(zip(plain["Country Code"], plain["period"]), plain["value"]))
    got = dict(zip(zip(mine.iso3, mine.period), mine.value))
    assert got == expected


def test_real_internet_keeps_excel_float_noise(real, raw_dir):
    _, out = real
    text = raw_file(raw_dir, WDI, "IT.NET.USER.ZS").read_text(encoding="utf-8-sig")
    usa = next(line for line in text.splitlines() if line.startswith("United States,USA,"))
    header = text.splitlines()[4].split(",")
    cell = usa.split(",")[header.index("2023")]
    assert value(out, "USA", "internet_users_pct", "2023").value == float(cell)


def test_real_china_gdp_2023_equals_datahub(real, raw_dir):
    _, out = real
    gdp = pd.read_csv(raw_dir / WDI / GDP)
    expected = gdp.loc[(gdp["Country Code"] == "CHN") & (gdp["Year"] == 2023), "Value"].item()
    row = value(out, "CHN", "gdp_usd", "2023")
    assert row.value == expected and row.note is None


def test_real_published_gdp_and_population_equal_datahub(real, raw_dir, reference):
    ctx, out = real
    for name, indicator in ((GDP, "gdp_usd"), (POP, "population")):
        plain = pd.read_csv(raw_dir / WDI / name)
        plain = plain[plain["Country Code"].isin(set(reference[0].iso3))]
        mine = out[(out.indicator_id == indicator) & out.note.isna()]
        expected = dict(zip(zip(plain["Country Code"], plain["Year"].astype(str)), plain["Value"].astype(float)))
        assert dict(zip(zip(mine.iso3, mine.period), mine.value)) == expected


def test_real_usa_gdp_2024_is_derived(real, raw_dir):
    _, out = real
    pcap = pd.read_csv(raw_file(raw_dir, WDI, "NY.GDP.PCAP.CD"), skiprows=4, encoding="utf-8-sig")
    pop = pd.read_csv(raw_dir / WDI / POP)
    pcap_usa = pcap.loc[pcap["Country Code"] == "USA", "2024"].item()
    pop_usa = pop.loc[(pop["Country Code"] == "USA") & (pop["Year"] == 2024), "Value"].item()
    row = value(out, "USA", "gdp_usd", "2024")
    assert row.value == pcap_usa * pop_usa
    assert row.note == "derived: GDP per capita x population (World Bank)"


def test_real_derived_only_for_years_absent_from_gdp_file(real, raw_dir):
    _, out = real
    gdp_years = set(pd.read_csv(raw_dir / WDI / GDP)["Year"].astype(str))
    gdp = out[out.indicator_id == "gdp_usd"]
    derived = gdp[gdp.note.notna()]
    assert len(derived)
    assert not set(derived.period) & gdp_years
    assert set(gdp[gdp.note.isna()].period) <= gdp_years
    # Where both inputs exist for such a year, the derived value is there.
    pcap = out[out.indicator_id == "gdp_per_capita_usd"].set_index(["iso3", "period"]).value
    pop = out[out.indicator_id == "population"].set_index(["iso3", "period"]).value
    both = pcap.index.intersection(pop.index)
    expected = {k for k in both if k[1] not in gdp_years}
    assert set(zip(derived.iso3, derived.period)) == expected


def test_real_no_aggregates(real):
    ctx, out = real
    assert {"WLD", "HIC", "EUU", "OED", "INX", "FCS"}.isdisjoint(out.iso3)
    assert set(ctx.wb_aggregates).isdisjoint(out.iso3)
    recorded = ctx.resolver.exclusions_frame()
    inx = recorded[recorded.raw_value == "INX"]
    assert len(inx) == 5 and (inx.reason == wb.EXCLUDED["INX"]).all()


def test_real_every_raw_economy_code_maps(real, raw_dir, reference):
    ctx, out = real
    economies = set(reference[0].iso3)
    non_economies = set(ctx.wb_aggregates) | set(wb.EXCLUDED)
    for spec in wb.WIDE:
        plain = pd.read_csv(raw_file(raw_dir, spec.source.folder, spec.code), skiprows=4, encoding="utf-8-sig")
        codes = set(plain["Country Code"])
        assert codes - non_economies <= economies
        with_data = set(plain.loc[plain.iloc[:, 4:].notna().any(axis=1), "Country Code"]) - non_economies
        assert set(out.loc[out.indicator_id == spec.indicator_id, "iso3"]) == with_data
    for name, indicator in ((GDP, "gdp_usd"), (POP, "population")):
        codes = set(pd.read_csv(raw_dir / WDI / name)["Country Code"])
        assert codes - non_economies <= economies
        published = out[(out.indicator_id == indicator) & out.note.isna()]
        assert set(published.iso3) == codes - non_economies


# --------------------------------------------------------------------------- fixtures: good input


def test_fixture_parse(fixture_ctx):
    ctx = make_ctx(fixture_ctx)
    out = wb.parse(ctx)
    assert list(out.columns) == TIDY_COLUMNS
    assert set(out.iso3) == {"CHN", "KOR", "USA"}  # WLD and INX excluded
    assert value(out, "USA", "rd_expenditure_pct_gdp", "2023").value == 3.44716
    assert value(out, "KOR", "internet_users_pct", "2022").value == 97.16855335
    assert value(out, "USA", "high_tech_exports_pct", "2024").source_id == EXTRA
    # Blank cells are absent rows, never zeros.
    assert out[(out.iso3 == "USA") & (out.indicator_id == "researchers_per_million")].period.tolist() == ["2022"]
    # Published GDP years keep the published value; 2024 (absent from the GDP file) is derived.
    assert value(out, "USA", "gdp_usd", "2023").value == 27360935000000.0
    derived = value(out, "KOR", "gdp_usd", "2024")
    assert derived.value == 36238.639908315 * 51751065.0
    assert derived.note == wb.DERIVED_GDP_NOTE
    # CHN 2023 is missing from the GDP file although 2023 is a covered year: no derivation fills the gap.
    assert out[(out.iso3 == "CHN") & (out.indicator_id == "gdp_usd")].period.tolist() == ["2022", "2024"]
    # 2025: GDP per capita exists but population does not.
    assert "2025" not in set(out.loc[out.indicator_id == "gdp_usd", "period"])
    recorded = ctx.resolver.exclusions_frame()
    assert set(recorded.raw_value) == {"INX", "WLD"}
    assert (recorded.loc[recorded.raw_value == "INX", "reason"] == wb.EXCLUDED["INX"]).all()
    assert recorded.loc[recorded.raw_value == "WLD", "reason"].str.startswith("World Bank aggregate").all()


def test_fixture_only_extra_folder(fixture_ctx):
    files = {p.name: p for p in (FIX / EXTRA).iterdir()}
    out = wb.parse(fixture_ctx(EXTRA, files))
    assert set(out.indicator_id) == {"high_tech_exports_pct"}


def test_fixture_only_wdi_folder(fixture_ctx):
    out = wb.parse(make_ctx(fixture_ctx, with_extra=False))
    assert "high_tech_exports_pct" not in set(out.indicator_id)
    assert "gdp_usd" in set(out.indicator_id)


def test_no_folders(fixture_ctx):
    ctx = fixture_ctx("unrelated", {"x.csv": "a\n1\n"})
    out = wb.parse(ctx)
    assert list(out.columns) == TIDY_COLUMNS and out.empty


def test_release_suffix_may_change(fixture_ctx):
    ctx = make_ctx(fixture_ctx, {RD: None, "API_GB.XPD.RSDV.GD.ZS_DS2_en_csv_v2_999.csv": FIX / WDI / RD})
    assert value(wb.parse(ctx), "USA", "rd_expenditure_pct_gdp", "2023").value == 3.44716


# --------------------------------------------------------------------------- fixtures: bad input


def fails(ctx) -> SourceFormatError:
    with pytest.raises(SourceFormatError) as info:
        wb.parse(ctx)
    return info.value


def test_missing_column_wide(fixture_ctx):
    data = edited(WDI, RD, b'"Indicator Name","Indicator Code",', b'"Indicator Name",')
    exc = fails(make_ctx(fixture_ctx, {RD: data}))
    assert Path(exc.file).name == RD
    assert (exc.row, exc.column) == (5, "Indicator Code")


def test_missing_column_long(fixture_ctx):
    data = edited(WDI, GDP, b"Year,Value", b"Year,Val")
    exc = fails(make_ctx(fixture_ctx, {GDP: data}))
    assert Path(exc.file).name == GDP
    assert (exc.row, exc.column) == (1, "Value")


def test_unexpected_column_wide(fixture_ctx):
    data = edited(WDI, PCAP, b'"2025",\n', b'"2025 (est.)",\n')
    exc = fails(make_ctx(fixture_ctx, {PCAP: data}))
    assert Path(exc.file).name == PCAP
    assert (exc.row, exc.column) == (5, "2025 (est.)")


def test_wrong_indicator_code_in_a_row(fixture_ctx):
    old = b'"United States","USA","Research and development expenditure (% of GDP)","GB.XPD.RSDV.GD.ZS"'
    data = edited(WDI, RD, old, old.replace(b"GB.XPD.RSDV.GD.ZS", b"GB.XPD.RSDV.GD.ZX"))
    exc = fails(make_ctx(fixture_ctx, {RD: data}))
    assert Path(exc.file).name == RD
    assert (exc.row, exc.column) == (line_of(data, b'"USA"'), "Indicator Code")
    assert "GB.XPD.RSDV.GD.ZX" in str(exc)


def test_wrong_indicator_file_under_the_name(fixture_ctx):
    """The GDP per capita download saved under the R&D file name: the code column gives it away."""
    exc = fails(make_ctx(fixture_ctx, {RD: FIX / WDI / PCAP}))
    assert Path(exc.file).name == RD
    assert (exc.row, exc.column) == (6, "Indicator Code")


def test_non_numeric_value_wide(fixture_ctx):
    data = edited(WDI, RD, b'"3.44716"', b'"3.44716 (e)"')
    exc = fails(make_ctx(fixture_ctx, {RD: data}))
    assert Path(exc.file).name == RD
    assert (exc.row, exc.column) == (line_of(data, b'"USA"'), "2023")


def test_non_numeric_value_excel_file(fixture_ctx):
    data = edited(WDI, INTERNET, b",93.52559662,", b",93.5 %,")
    exc = fails(make_ctx(fixture_ctx, {INTERNET: data}))
    assert Path(exc.file).name == INTERNET
    assert (exc.row, exc.column) == (line_of(data, b",USA,"), "2023")


def test_non_numeric_value_long(fixture_ctx):
    data = edited(WDI, GDP, b"USA,2023,27360935000000.0", b"USA,2023,n/a")
    exc = fails(make_ctx(fixture_ctx, {GDP: data}))
    assert Path(exc.file).name == GDP
    assert (exc.row, exc.column) == (line_of(data, b"USA,2023"), "Value")


def test_blank_value_long(fixture_ctx):
    data = edited(WDI, POP, b"KOR,2023,51712619", b"KOR,2023,")
    exc = fails(make_ctx(fixture_ctx, {POP: data}))
    assert Path(exc.file).name == POP
    assert (exc.row, exc.column) == (line_of(data, b"KOR,2023"), "Value")


def test_bad_year_long(fixture_ctx):
    data = edited(WDI, POP, b"USA,2024,", b"USA,2024e,")
    exc = fails(make_ctx(fixture_ctx, {POP: data}))
    assert Path(exc.file).name == POP
    assert (exc.row, exc.column) == (line_of(data, b"USA,2024e"), "Year")


def test_duplicate_key_wide(fixture_ctx):
    data = fixture_bytes(WDI, RESEARCHERS)
    usa = next(line for line in data.split(b"\n") if b'"USA"' in line)
    data += usa + b"\n"
    exc = fails(make_ctx(fixture_ctx, {RESEARCHERS: data}))
    assert Path(exc.file).name == RESEARCHERS
    assert (exc.row, exc.column) == (line_of(data, b'"USA"', nth=2), "Country Code")


def test_duplicate_key_long(fixture_ctx):
    data = fixture_bytes(WDI, GDP) + b"United States,USA,2022,1.0\n"
    exc = fails(make_ctx(fixture_ctx, {GDP: data}))
    assert Path(exc.file).name == GDP
    assert (exc.row, exc.column) == (line_of(data, b"USA,2022", nth=2), "Country Code")


def test_unknown_country_wide(fixture_ctx):
    data = edited(EXTRA, HIGHTECH, b'"USA"', b'"XUS"')
    exc = fails(make_ctx(fixture_ctx, extra={HIGHTECH: data}))
    assert Path(exc.file).name == HIGHTECH
    assert (exc.row, exc.column) == (line_of(data, b'"XUS"'), "Country Code")


def test_unknown_country_long(fixture_ctx):
    data = edited(WDI, POP, b"USA,2024", b"XUS,2024")
    exc = fails(make_ctx(fixture_ctx, {POP: data}))
    assert Path(exc.file).name == POP
    assert (exc.row, exc.column) == (line_of(data, b"XUS"), "Country Code")


def test_blank_country_code(fixture_ctx):
    data = edited(WDI, RD, b'"China","CHN"', b'"China",""')
    exc = fails(make_ctx(fixture_ctx, {RD: data}))
    assert (exc.row, exc.column) == (line_of(data, b'"China"'), "Country Code")


def test_truncated_wide(fixture_ctx):
    data = fixture_bytes(WDI, PCAP)
    data = data[: data.rindex(b'"13717')]  # cut inside the last record
    exc = fails(make_ctx(fixture_ctx, {PCAP: data}))
    assert Path(exc.file).name == PCAP
    assert exc.row == data.count(b"\n") + 1  # the last, incomplete physical line
    assert "truncated" in str(exc)


def test_truncated_inside_quotes(fixture_ctx):
    data = fixture_bytes(EXTRA, HIGHTECH)
    data = data[: data.rindex(b"High-technology") + 4]  # ends inside an open quoted cell
    exc = fails(make_ctx(fixture_ctx, extra={HIGHTECH: data}))
    assert Path(exc.file).name == HIGHTECH
    assert exc.row == line_of(data, b'"WLD"')


def test_truncated_long(fixture_ctx):
    data = fixture_bytes(WDI, GDP)
    data = data[: data.rindex(b",2023,")] + b",20"
    exc = fails(make_ctx(fixture_ctx, {GDP: data}))
    assert Path(exc.file).name == GDP
    assert exc.row == data.count(b"\n") + 1


def test_truncated_in_preamble(fixture_ctx):
    data = b"\n".join(fixture_bytes(WDI, RD).split(b"\n")[:3])
    exc = fails(make_ctx(fixture_ctx, {RD: data}))
    assert Path(exc.file).name == RD
    assert "preamble" in str(exc)


def test_header_only(fixture_ctx):
    data = b"\n".join(fixture_bytes(WDI, RD).split(b"\n")[:5]) + b"\n"
    exc = fails(make_ctx(fixture_ctx, {RD: data}))
    assert Path(exc.file).name == RD
    assert "no data rows" in str(exc)


@pytest.mark.parametrize("name", [RD, INTERNET, POP, GDP])
def test_empty_file(fixture_ctx, name):
    exc = fails(make_ctx(fixture_ctx, {name: b""}))
    assert Path(exc.file).name == name
    assert exc.row is None and "empty" in str(exc)


def test_undecodable_byte(fixture_ctx):
    data = edited(WDI, RD, b'"Korea, Rep."', b'"Cor\xe9e, R\xe9p."')
    exc = fails(make_ctx(fixture_ctx, {RD: data}))
    assert Path(exc.file).name == RD
    assert exc.row == line_of(data, b'"KOR"')


@pytest.mark.parametrize("name", [RESEARCHERS, POP])
def test_missing_file(fixture_ctx, name):
    exc = fails(make_ctx(fixture_ctx, {name: None}))
    assert "not found" in str(exc)
    assert "SP.POP" in Path(exc.file).name


def test_two_releases_of_one_indicator(fixture_ctx):
    ctx = make_ctx(fixture_ctx, {"API_GB.XPD.RSDV.GD.ZS_DS2_en_csv_v2_999.csv": FIX / WDI / RD})
    exc = fails(ctx)
    assert "two files" in str(exc)
