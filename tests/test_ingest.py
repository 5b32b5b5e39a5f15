"""The store round trip: snapshot -> DuckDB -> read-only queries; atomic swap; refused snapshots."""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

from aigap import catalogue
from aigap.ingest import IngestError, ingest
from aigap.snapshot import DEFAULT_SNAPSHOT
from aigap.store import Store, StoreMissing


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot_rows() -> list[dict]:
    rows = []
    for path in sorted((DEFAULT_SNAPSHOT / "observations").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            rows += list(csv.DictReader(fh))
    return rows


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("store") / "aigap.duckdb"
    ingest(DEFAULT_SNAPSHOT, db)
    return db


def test_every_snapshot_value_arrives_exactly(store_path):
    rows = snapshot_rows()
    store = Store(store_path)
    stored = store.observations()
    assert len(stored) == len(rows)
    expected = {(r["iso3"], r["indicator_id"], r["period"]): float(r["value"]) for r in rows}
    got = {(r.iso3, r.indicator_id, r.period): r.value for r in stored.itertuples()}
    assert got == expected  # exact float equality: no rounding anywhere


def test_catalogue_and_reference_tables(store_path):
    store = Store(store_path)
    assert set(store.indicators()["indicator_id"]) == set(catalogue.indicators())
    assert set(store.sources()["source_id"]) == set(catalogue.sources())
    countries = store.countries()
    assert countries.loc[countries.iso3 == "NAM", "iso2"].item() == "NA"
    assert len(store.group_members("G7")) == 7
    assert store.last_ingest()["run_id"] == 1
    counts = store.ingest_counts().set_index("source_id")["observations"]
    assert counts.sum() == len(snapshot_rows())


def test_yearly_view_takes_the_latest_period_of_each_year(store_path):
    store = Store(store_path)
    all_rows = store.observations("top500_rmax", ["USA"])
    yearly = store.yearly("top500_rmax", ["USA"])
    assert len(yearly) == all_rows["year"].nunique()
    for row in yearly.itertuples():
        assert row.period == all_rows.loc[all_rows.year == row.year, "period"].max()


def test_store_is_read_only(store_path):
    store = Store(store_path)
    with pytest.raises(duckdb.Error):
        store.query("DELETE FROM observations")


def test_missing_store_is_a_clear_error(tmp_path):
    with pytest.raises(StoreMissing, match="aigap ingest"):
        Store(tmp_path / "none.duckdb").indicators()


def copy_snapshot(tmp_path) -> Path:
    target = tmp_path / "snapshot"
    shutil.copytree(DEFAULT_SNAPSHOT, target)
    return target


def corrupt_duplicate(snap: Path) -> None:
    path = sorted((snap / "observations").glob("*.csv"))[0]
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines + [lines[1]]))


def corrupt_country(snap: Path) -> None:
    path = sorted((snap / "observations").glob("*.csv"))[0]
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines + ["ZZZ" + lines[1][3:]]))


def corrupt_value(snap: Path) -> None:
    path = sorted((snap / "observations").glob("*.csv"))[0]
    lines = path.read_text().splitlines(keepends=True)
    cells = lines[1].split(",")
    cells[4] = "lots"
    path.write_text("".join([lines[0], ",".join(cells)] + lines[2:]))


def corrupt_truncate(snap: Path) -> None:
    path = sorted((snap / "observations").glob("*.csv"))[0]
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2].rsplit(b",", 1)[0])


def corrupt_missing_file(snap: Path) -> None:
    (snap / "countries.csv").unlink()


@pytest.mark.parametrize("corrupt", [corrupt_duplicate, corrupt_country, corrupt_value, corrupt_truncate,
                                     corrupt_missing_file])
def test_a_bad_snapshot_leaves_the_previous_store_untouched(tmp_path, corrupt):
    db = tmp_path / "aigap.duckdb"
    ingest(DEFAULT_SNAPSHOT, db)
    before = sha(db)
    snap = copy_snapshot(tmp_path)
    corrupt(snap)
    with pytest.raises((IngestError, duckdb.Error)):
        ingest(snap, db)
    assert sha(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["aigap.duckdb", "snapshot"]


def test_an_interrupted_ingest_leaves_the_previous_store_untouched(tmp_path):
    db = tmp_path / "aigap.duckdb"
    ingest(DEFAULT_SNAPSHOT, db)
    before = sha(db)

    def interrupt(message: str) -> None:
        if message.startswith("observations"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ingest(DEFAULT_SNAPSHOT, db, progress=interrupt)
    assert sha(db) == before
    assert [p.name for p in tmp_path.iterdir()] == ["aigap.duckdb"]


def test_reingest_swaps_the_file_keeps_history_and_open_readers_see_it(tmp_path):
    db = tmp_path / "aigap.duckdb"
    ingest(DEFAULT_SNAPSHOT, db)
    reader = Store(db)
    assert reader.last_ingest()["run_id"] == 1
    ingest(DEFAULT_SNAPSHOT, db)
    assert reader.last_ingest()["run_id"] == 2  # the reader reopened the swapped-in file
    assert list(reader.ingest_runs()["run_id"]) == [1, 2]
    files = reader.query("SELECT kind, COUNT(*) AS n FROM ingest_files WHERE run_id = 2 GROUP BY kind")
    assert set(files["kind"]) >= {"snapshot"}
