"""The `aigap` command end to end, as a user runs it (a real subprocess, a real store file)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aigap.snapshot import DEFAULT_SNAPSHOT

REQUIRED_IDS = [
    "ai_vc_investment", "ai_private_investment", "top500_rmax", "top500_systems", "gpu_cluster_h100e",
    "cloud_regions", "notable_ai_models", "open_weight_ai_models", "large_scale_ai_models",
    "ai_patents_per_million", "rd_expenditure_pct_gdp", "researchers_per_million", "imf_aipi", "oxford_gairi",
    "tortoise_gaii", "ai_diffusion", "gdp_usd", "gdp_per_capita_usd", "population", "internet_users_pct",
    "high_tech_exports_pct",
]


def run(*args: str, env_db: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "AIGAP_DB": str(env_db)}
    proc = subprocess.run([sys.executable, "-m", "aigap.cli", *args], capture_output=True, text=True, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"aigap {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "aigap.duckdb"
    proc = run("ingest", env_db=path)
    assert "observations" in proc.stderr  # progress and summary go to stderr
    return path


def rows_in_snapshot(indicator_id: str, iso3: set[str] | None = None) -> list[dict]:
    out = []
    for path in sorted((DEFAULT_SNAPSHOT / "observations").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            out += [r for r in csv.DictReader(fh)
                    if r["indicator_id"] == indicator_id and (iso3 is None or r["iso3"] in iso3)]
    return out


def test_info_lists_sources_licences_and_last_ingest(db):
    proc = run("info", env_db=db)
    for text in ("top500", "CC BY 4.0", "Last ingest: run 1", "by hand"):
        assert text in proc.stdout


def test_indicators_csv_and_json(db):
    as_csv = list(csv.DictReader(io.StringIO(run("indicators", env_db=db).stdout)))
    as_json = json.loads(run("indicators", "--format", "json", env_db=db).stdout)
    assert [r["indicator_id"] for r in as_csv] == [r["indicator_id"] for r in as_json]
    assert set(REQUIRED_IDS) <= {r["indicator_id"] for r in as_csv}
    for row in as_json:
        assert row["unit"] and row["licence"] and row["pillar"] and row["source_url"].startswith("http")


@pytest.mark.parametrize("indicator_id", REQUIRED_IDS)
def test_export_gives_the_snapshot_figures_for_every_required_id(db, indicator_id):
    # In-process (same CLI code, same store file) to keep 21 runs fast; the subprocess tests cover start-up.
    from typer.testing import CliRunner

    from aigap.cli import app

    result = CliRunner().invoke(app, ["export", "--indicator", indicator_id], env={"AIGAP_DB": str(db)})
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows, f"no observations for {indicator_id}"
    assert {"iso3", "indicator_id", "period", "year", "value"} <= set(rows[0])
    expected = {(r["iso3"], r["period"]): float(r["value"]) for r in rows_in_snapshot(indicator_id)}
    assert {(r["iso3"], r["period"]): float(r["value"]) for r in rows} == expected


def test_export_filters_countries_years_and_writes_json(db, tmp_path):
    target = tmp_path / "out.json"
    run("export", "--indicator", "population", "--country", "BRA", "--country", "IND,ZAF",
        "--from", "2010", "--to", "2020", "--format", "json", "-o", str(target), env_db=db)
    rows = json.loads(target.read_text())
    assert {r["iso3"] for r in rows} == {"BRA", "IND", "ZAF"}
    assert {r["year"] for r in rows} == set(range(2010, 2021))


@pytest.mark.parametrize(
    "args, message",
    [
        (["export", "--indicator", "nope"], "unknown indicator"),
        (["export", "--indicator", "population", "--country", "XXX"], "unknown ISO3"),
        (["export", "--indicator", "population", "--from", "2020", "--to", "2010"], "after"),
        (["export", "--indicator", "population", "--format", "xml"], "xml"),
        (["snapshot"], "--raw"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(db, args, message):
    proc = run(*args, env_db=db, check=False)
    assert proc.returncode == 2
    assert message in proc.stderr


def test_commands_without_a_store_say_how_to_make_one(tmp_path):
    proc = run("info", env_db=tmp_path / "none.duckdb", check=False)
    assert proc.returncode == 1 and "aigap ingest" in proc.stderr


def test_a_bad_publisher_file_is_refused_and_nothing_changes(tmp_path, raw_dir):
    """A snapshot from a folder with a broken file exits non-zero naming file, row and column."""
    import shutil

    raw = tmp_path / "raw"
    for folder in ("country_codes_datahub", "worldbank_class", "microsoft_ai_diffusion"):
        shutil.copytree(raw_dir / folder, raw / folder)
    target = raw / "microsoft_ai_diffusion" / "AI_Diffusion_Q12026_Update.csv"
    text = target.read_bytes().decode("mac_roman").replace("70.10%", "seventy%", 1)
    target.write_bytes(text.encode("mac_roman"))
    out = tmp_path / "snap"
    proc = run("snapshot", "--raw", str(raw), "--out", str(out), env_db=tmp_path / "x.duckdb", check=False)
    assert proc.returncode == 1
    assert "AI_Diffusion_Q12026_Update.csv" in proc.stderr and "row" in proc.stderr and "column" in proc.stderr
    assert not out.exists()
