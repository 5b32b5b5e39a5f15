"""The plausibility rules (catalogue.RULES, catalogue.VINTAGES) and their checks: on rows as adapters read them
(validate.check_plausible) and on a snapshot as `aigap ingest` loads it (validate.check_snapshot)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from aigap import catalogue
from aigap.paths import DEFAULT_SNAPSHOT
from aigap.sources.base import SourceFormatError, Where
from aigap.validate import check_plausible, check_snapshot, latest_start, period_start


def test_every_indicator_has_one_rule_and_every_source_a_vintage():
    indicators = catalogue.indicators()
    assert set(catalogue.RULES) == set(indicators)
    assert {i.source_id for i in indicators.values()} <= set(catalogue.VINTAGES) <= set(catalogue.sources())
    for ind in indicators.values():
        rule = catalogue.RULES[ind.id]
        assert ind.value_range == (rule.low, rule.high)  # the store records the rule's bounds
        assert rule.low < rule.high
        if ind.unit.startswith("index score, 0-100") or ind.unit.startswith("%") or "percent" in ind.unit:
            assert (rule.low, rule.high) == (0, 100), ind.id


@pytest.mark.parametrize("period, start", [("2023", date(2023, 1, 1)), ("2025-06", date(2025, 6, 1)),
                                           ("2025-H2", date(2025, 7, 1)), ("2026-Q1", date(2026, 1, 1)),
                                           ("2026-Q4", date(2026, 10, 1))])
def test_period_start(period, start):
    assert period_start(period) == start


def test_a_period_may_start_neither_after_the_vintage_nor_after_today():
    assert latest_start("oecd_ai_vc_investment", today=date(2030, 1, 1)) == date(2026, 9, 27)
    assert latest_start("oecd_ai_vc_investment", today=date(2026, 1, 5)) == date(2026, 1, 5)


@pytest.mark.parametrize("indicator, value, rule", [
    ("ai_diffusion", 100.5, "percentage within 0-100"),
    ("imf_aipi", -0.1, "score within 0-1"),
    ("frontier_dc_power_mw", -5, "no negative power"),
    ("population", 9e15, "population at most 1e+10"),
    ("notable_ai_models", 0, "model count at least 1"),
])
def test_rule_names(indicator, value, rule):
    assert catalogue.RULES[indicator].broken_by(value) == rule


def rows(values: list[float], *, indicator: str = "frontier_dc_power_mw", period: str = "2025-12") -> pd.DataFrame:
    return pd.DataFrame({"iso3": "USA", "indicator_id": indicator, "period": period, "value": values},
                        index=pd.Index(range(2, 2 + len(values)), name="row"))


def test_edge_values_pass_and_the_first_bad_row_is_named():
    check_plausible(rows([0.0, 1e6]), Where("f.csv", "MW"))
    with pytest.raises(SourceFormatError) as info:
        check_plausible(rows([1.0, float("nan"), -1.0]), Where("f.csv", "MW"))
    assert (info.value.row, info.value.column) == (3, "MW")
    assert "values are finite numbers" in str(info.value)


def test_a_sum_is_refused_naming_the_rows_summed():
    summed = rows([2e6]).assign(rows=[(9, 4, 7)])
    with pytest.raises(SourceFormatError) as info:
        check_plausible(summed, Where("f.csv", "MW"))
    assert info.value.row == 4
    assert "from rows 4, 7, 9" in str(info.value) and "power at most 1e+06" in str(info.value)


def test_per_row_columns_override_where():
    wide = rows([50.0], indicator="internet_users_pct", period="2099").assign(value_column="2099", period_column="2099")
    with pytest.raises(SourceFormatError) as info:
        check_plausible(wide, Where("f.csv", None))
    assert (info.value.row, info.value.column) == (2, "2099")


def test_rows_counted_without_values_are_checked_for_their_period():
    counted = rows([0.0], indicator="notable_ai_models", period="2099").drop(columns="value")
    with pytest.raises(SourceFormatError, match="no period after the source's vintage"):
        check_plausible(counted, Where("models.csv", "Country", "Publication date"))
    check_plausible(counted.assign(period="2025"), Where("models.csv", "Country", "Publication date"))


# --------------------------------------------------------------------------- the snapshot, as ingest loads it


def test_the_shipped_snapshot_passes():
    check_snapshot(DEFAULT_SNAPSHOT)


@pytest.fixture()
def snapshot_copy(tmp_path) -> Path:
    return Path(shutil.copytree(DEFAULT_SNAPSHOT, tmp_path / "snapshot"))


def damage(snapshot: Path, file: str, prefix: str, field: int, new: str) -> int:
    """Set field ``field`` of the line starting with ``prefix``; returns that line's number."""
    path = snapshot / file
    lines = path.read_text(encoding="utf-8").split("\n")
    number = next(i for i, line in enumerate(lines) if line.startswith(prefix))
    cells = lines[number].split(",")
    cells[field] = new
    lines[number] = ",".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")
    return number + 1


ABW_POP = ("observations/worldbank_wdi.csv", "ABW,population,2024,")
USA_RMAX = ("observations/top500.csv", "USA,top500_rmax,2025-06,")
WORLD_INVEST = ("aggregates.csv", "World,ai_private_investment,2023,")


@pytest.mark.parametrize("where, field, new, column, says", [
    (ABW_POP, 4, "9e15", "value", "population at most 1e+10"),
    (ABW_POP, 4, "-1", "value", "no negative population"),
    (ABW_POP, 4, "inf", "value", "values are finite numbers"),
    (ABW_POP, 4, "nan", "value", "non-numeric value 'nan'"),
    (ABW_POP, 4, "", "value", "empty value"),
    (ABW_POP, 2, "2099", "period", "no period after the source's vintage"),
    (ABW_POP, 2, "2024-13", "period", "periods look like"),
    (ABW_POP, 1, "populaton", "indicator_id", "indicators are catalogue ids"),
    (USA_RMAX, 4, "-6698604.97", "value", "no negative compute"),
    (WORLD_INVEST, 4, "-1", "value", "no negative money"),
], ids=["9e15", "negative", "inf", "nan-text", "empty", "2099", "month-13", "unknown-indicator", "top500",
        "aggregate"])
def test_a_damaged_snapshot_is_refused_naming_file_line_and_column(snapshot_copy, where, field, new, column, says):
    file, prefix = where
    line = damage(snapshot_copy, file, prefix, field, new)
    with pytest.raises(SourceFormatError) as info:
        check_snapshot(snapshot_copy)
    exc = info.value
    assert (Path(exc.file), exc.row, exc.column) == (snapshot_copy / file, line, column)
    assert says in str(exc)


def test_a_snapshot_record_spanning_lines_is_still_numbered_by_line(snapshot_copy):
    """A quoted note with a line break above the damage: the strict reader counts physical lines."""
    file, prefix = ABW_POP
    path = snapshot_copy / file
    header, first, rest = path.read_text(encoding="utf-8").split("\n", 2)
    path.write_text("\n".join([header, first + '"two\nlines"', rest]), encoding="utf-8")
    line = damage(snapshot_copy, file, prefix, 4, "9e15")
    with pytest.raises(SourceFormatError) as info:
        check_snapshot(snapshot_copy)
    assert (info.value.row, info.value.column) == (line, "value")
