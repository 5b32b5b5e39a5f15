"""Build the DuckDB store from the snapshot: into a new file, checked, then swapped in atomically.

A failed or interrupted ingest leaves the previous store untouched: the new file is written next to
it under a temporary name (``<store>.tmp-<pid>``) and only ``os.replace``-d into place once every check
has passed. A killed run cannot clean up after itself, so each run first removes the temporary files of
runs whose process is gone (a concurrent run's files stay). The history of ingest runs is carried over
from the previous store.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from . import __version__, catalogue
from .schema import TABLES
from .paths import DEFAULT_DB, DEFAULT_SNAPSHOT
from .sources.base import SourceFormatError
from .validate import check_snapshot
from .snapshot import dead_leftovers, fsync_path, repair

Progress = Callable[[str], None]
log = logging.getLogger(__name__)

_OBS_COLUMNS = {
    "iso3": "VARCHAR", "indicator_id": "VARCHAR", "period": "VARCHAR", "year": "INTEGER",
    "value": "DOUBLE", "source_id": "VARCHAR", "note": "VARCHAR",
}
_AGG_COLUMNS = {"entity": "VARCHAR", **{k: v for k, v in _OBS_COLUMNS.items() if k != "iso3"}}
_TABLE_FILES = {
    # table -> (snapshot file, column types)
    "countries": ("countries.csv", {
        "iso3": "VARCHAR", "iso2": "VARCHAR", "m49": "VARCHAR", "name": "VARCHAR", "un_region": "VARCHAR",
        "un_subregion": "VARCHAR", "wb_region": "VARCHAR", "wb_income_group": "VARCHAR",
        "wb_classification": "VARCHAR", "wb_lending_category": "VARCHAR", "independent": "BOOLEAN"}),
    "groups": ("groups.csv", {"group_id": "VARCHAR", "name": "VARCHAR", "kind": "VARCHAR", "source": "VARCHAR",
                              "url": "VARCHAR"}),
    "country_groups": ("country_groups.csv", {"group_id": "VARCHAR", "iso3": "VARCHAR", "since": "INTEGER",
                                              "until": "INTEGER"}),
    "excluded_names": ("excluded_names.csv", {"file": "VARCHAR", "column_name": "VARCHAR", "raw_value": "VARCHAR",
                                              "reason": "VARCHAR", "rows_excluded": "INTEGER"}),
    "aggregate_observations": ("aggregates.csv", _AGG_COLUMNS),
}


class IngestError(RuntimeError):
    """The snapshot cannot become a store (missing file, broken key, unknown code)."""


def _read_csv_sql(files: list[Path], columns: dict[str, str]) -> str:
    cols = ", ".join(f"'{k}': '{v}'" for k, v in columns.items())
    paths = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
    # Only the empty string is NULL: "NA" is Namibia's ISO2 code.
    return (f"read_csv([{paths}], header=true, columns={{{cols}}}, nullstr='', quote='\"', escape='\"', "
            "delim=',', auto_detect=false, strict_mode=true)")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _check(con: duckdb.DuckDBPyConnection, sql: str, message: str) -> None:
    row = con.execute(sql).fetchone()
    if row is not None:
        raise IngestError(message.format(*row))


def ingest(snapshot: Path = DEFAULT_SNAPSHOT, db: Path = DEFAULT_DB, progress: Progress = lambda _m: None) -> dict:
    """Build ``db`` from ``snapshot``; returns a summary (run id, counts)."""
    snapshot, db = Path(snapshot), Path(db)
    repair(snapshot, progress)
    obs_files = sorted((snapshot / "observations").glob("*.csv"))
    if not obs_files:
        raise IngestError(f"no observation files in {snapshot / 'observations'}; is the snapshot there?")
    for _table, (name, _cols) in _TABLE_FILES.items():
        if not (snapshot / name).is_file():
            raise IngestError(f"snapshot file missing: {snapshot / name}")
    try:
        check_snapshot(snapshot)  # the same plausibility rules the adapters apply, on what is about to be loaded
    except SourceFormatError as exc:
        raise IngestError(f"snapshot refused: {exc}") from None
    db.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(db, progress)
    tmp = db.with_name(f"{db.name}.tmp-{os.getpid()}")
    started, t0 = _now(), time.perf_counter()
    log.info("ingest %s (%d observation files) into %s", snapshot, len(obs_files), db)
    try:
        con = duckdb.connect(str(tmp))
        try:
            summary = _build(con, snapshot, obs_files, db, started, progress)
        finally:
            con.close()
        fsync_path(tmp)
        progress(f"replacing {db.name}")
        os.replace(tmp, db)
        fsync_path(db.parent)
    except BaseException:
        # Interrupted or failed: the previous store stays as it was.
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            if leftover.exists():
                leftover.unlink()
        raise
    log.info("ingest run %d: %d observations from %d sources into %s in %.1f s", summary["run_id"],
             summary["observations"], len(summary["by_source"]), db, time.perf_counter() - t0)
    progress(f"store ready: {db}")
    return summary


def _remove_leftovers(db: Path, progress: Progress) -> None:
    """Delete the temporary stores (and their write-ahead logs) of ingest runs that were killed."""
    stale = dead_leftovers(db, r"\.tmp-(?P<pid>\d+)(?:\.wal)?")
    for path in stale:
        path.unlink()
    if stale:
        names = ", ".join(p.name for p in stale)
        log.info("removed %d temporary file(s) left by killed ingest runs: %s", len(stale), names)
        progress(f"removed {len(stale)} temporary file(s) left by killed ingest runs: {names}")


def _insert_rows(con, table: str, rows: list[tuple]) -> None:
    """One multi-row INSERT (DuckDB's executemany goes row by row, each its own statement)."""
    if not rows:
        return
    marks = "(" + ", ".join("?" for _ in rows[0]) + ")"
    con.execute(f"INSERT INTO {table} VALUES " + ", ".join(marks for _ in rows), [v for row in rows for v in row])


def _build(con, snapshot: Path, obs_files: list[Path], previous_db: Path, started: str, progress: Progress) -> dict:
    for ddl in TABLES.values():
        con.execute(ddl)
    # Before the transaction: a failed ATTACH of a broken old store must not abort the build.
    run_id = _carry_history(con, previous_db)
    con.execute("BEGIN TRANSACTION")  # one commit (one disk sync) for the whole build
    progress("catalogue")
    sources = catalogue.sources()
    _insert_rows(
        con, "sources",
        [(s.id, s.publisher, s.title, s.url, s.licence, s.vintage, s.citation, json.dumps(list(s.caveats)),
          json.dumps(dict(s.downloads)), s.manual) for s in sources.values()],
    )
    _insert_rows(
        con, "indicators",
        [(i.id, i.name, i.pillar, i.unit, i.description, i.source_id, i.series_code, i.higher_is_better, i.kind,
          json.dumps(list(i.caveats)), i.value_range[0], i.value_range[1], i.rankable)
         for i in catalogue.indicators().values()],
    )
    progress("countries and groups")
    for table, (name, columns) in _TABLE_FILES.items():
        con.execute(f"INSERT INTO {table} SELECT * FROM {_read_csv_sql([snapshot / name], columns)}")
    progress(f"observations ({len(obs_files)} files)")
    # Stored in the order queries filter by (indicator, then country): DuckDB's zone maps then skip
    # most of the table without a separate index.
    con.execute(f"""INSERT INTO observations SELECT * FROM {_read_csv_sql(obs_files, _OBS_COLUMNS)}
                    ORDER BY indicator_id, iso3, period""")

    _check(con, """SELECT iso3, indicator_id, period FROM observations
                   GROUP BY iso3, indicator_id, period HAVING COUNT(*) > 1 LIMIT 1""",
           "duplicate observation {} {} {}")
    _check(con, """SELECT o.iso3 FROM observations o LEFT JOIN countries c ON o.iso3 = c.iso3
                   WHERE c.iso3 IS NULL LIMIT 1""", "observation for unknown country {!r}")
    for table in ("observations", "aggregate_observations"):
        _check(con, f"""SELECT o.indicator_id FROM {table} o LEFT JOIN indicators i ON o.indicator_id = i.indicator_id
                        WHERE i.indicator_id IS NULL LIMIT 1""", f"{table}: unknown indicator {{!r}}")
        _check(con, f"""SELECT o.indicator_id, o.source_id FROM {table} o JOIN indicators i
                        ON o.indicator_id = i.indicator_id WHERE o.source_id <> i.source_id LIMIT 1""",
               f"{table}: {{}} carries source {{!r}}, not the catalogue's")
    _check(con, """SELECT o.indicator_id, o.value FROM observations o JOIN indicators i
                   ON o.indicator_id = i.indicator_id
                   WHERE o.value < i.min_value OR o.value > i.max_value LIMIT 1""",
           "{} value {} outside the indicator's range")
    progress("ingest record")
    n_obs = con.execute("SELECT COUNT(*) FROM observations").fetchone()[0]
    con.execute("INSERT INTO ingest_runs VALUES (?, ?, ?, ?, ?, ?)",
                (run_id, started, _now(), str(snapshot), __version__, n_obs))
    files = [(run_id, "snapshot", f.relative_to(snapshot).as_posix(), f.stat().st_size, _sha256(f), None)
             for f in sorted(snapshot.rglob("*.csv"))]
    _insert_rows(con, "ingest_files", files)
    inputs = snapshot / "inputs.csv"
    if inputs.is_file():
        con.execute(f"""INSERT INTO ingest_files SELECT {run_id}, 'raw', file, bytes, sha256, NULL
                        FROM {_read_csv_sql([inputs], {'file': 'VARCHAR', 'bytes': 'BIGINT', 'sha256': 'VARCHAR'})}""")
    counts = dict(con.execute("SELECT source_id, COUNT(*) FROM observations GROUP BY source_id ORDER BY 1").fetchall())
    _insert_rows(con, "ingest_counts", [(run_id, k, v) for k, v in counts.items()])
    con.execute("COMMIT")
    con.execute("CHECKPOINT")
    return {"run_id": run_id, "observations": n_obs, "by_source": counts}


def _carry_history(con, previous_db: Path) -> int:
    """Copy earlier ingest records from the store being replaced; returns the new run id."""
    if not previous_db.exists():
        return 1
    try:
        quoted = str(previous_db).replace("'", "''")
        con.execute(f"ATTACH '{quoted}' AS previous (READ_ONLY)")
    except duckdb.Error as exc:
        log.warning("previous store %s unreadable (%s): ingest history starts again", previous_db, exc)
        return 1  # an unreadable old store has no history worth keeping
    try:
        for table in ("ingest_runs", "ingest_files", "ingest_counts"):
            con.execute(f"INSERT INTO {table} SELECT * FROM previous.{table}")
        last = con.execute("SELECT MAX(run_id) FROM ingest_runs").fetchone()[0]
    except duckdb.Error as exc:
        log.warning("previous store %s has no readable ingest history (%s): not carried over", previous_db, exc)
        last = None
    finally:
        con.execute("DETACH previous")
    return (last or 0) + 1


__all__ = ["ingest", "IngestError", "DEFAULT_DB"]
