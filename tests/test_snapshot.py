"""The shipped snapshot is exactly what the adapters derive from the raw publisher files."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pandas as pd
import pytest

from aigap import catalogue
from aigap.snapshot import DEFAULT_SNAPSHOT, derive, read_observations


@pytest.fixture(scope="session")
def rederived(raw_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rederive") / "snapshot"
    messages: list[str] = []
    derive(raw_dir, out, progress=messages.append)
    assert any("observations" in m for m in messages)  # progress is reported
    return out


def relative_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_rederived_snapshot_equals_the_shipped_one_byte_for_byte(rederived):
    assert relative_files(rederived) == relative_files(DEFAULT_SNAPSHOT)
    different = [f for f in relative_files(rederived)
                 if not filecmp.cmp(rederived / f, DEFAULT_SNAPSHOT / f, shallow=False)]
    assert different == [], f"re-derived files differ from the shipped snapshot: {different}"


def test_every_catalogued_indicator_has_observations_and_one_source():
    obs = read_observations(DEFAULT_SNAPSHOT)
    assert set(obs["indicator_id"]) == set(catalogue.indicators())
    assert not obs.duplicated(["iso3", "indicator_id", "period"]).any()
    assert (obs["year"] == obs["period"].astype(str).str[:4].astype(int)).all()


def test_every_raw_folder_is_used(raw_dir):
    folders = {p.name for p in raw_dir.iterdir() if p.is_dir()}
    used = {s.folder for s in catalogue.sources().values()}
    assert folders - used == set() or folders - used == {"epoch_gpu_clusters"}


def test_inputs_record_checksums_of_every_raw_file(raw_dir):
    inputs = pd.read_csv(DEFAULT_SNAPSHOT / "inputs.csv")
    on_disk = {p.relative_to(raw_dir).as_posix() for p in raw_dir.rglob("*") if p.is_file() and p.name != "SOURCE.md"}
    assert set(inputs["file"]) == on_disk
    assert inputs["sha256"].str.fullmatch(r"[0-9a-f]{64}").all()


def test_excluded_names_are_listed_with_reasons():
    excluded = pd.read_csv(DEFAULT_SNAPSHOT / "excluded_names.csv", keep_default_na=False)
    assert (excluded["reason"].str.len() > 0).all()
    assert {"World", "WLD", "Multinational"} & set(excluded["raw_value"])


def test_no_raw_file_is_shipped(raw_dir):
    import hashlib

    raw_sums = {hashlib.md5(p.read_bytes()).hexdigest() for p in raw_dir.rglob("*") if p.is_file()}
    repo = Path(__file__).resolve().parents[1]
    shipped = [p for p in (repo / "data").rglob("*") if p.is_file() and p.suffix != ".duckdb"]
    assert not [p for p in shipped if hashlib.md5(p.read_bytes()).hexdigest() in raw_sums]
