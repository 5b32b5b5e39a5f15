"""The read-only query layer: every question the CLI and the app ask of the store, in portable SQL.

Queries use standard SQL and ``?`` placeholders only, so the same text runs on DuckDB (embedded
default) and, with the placeholder swapped, on PostgreSQL. The DuckDB file is opened read-only,
lazily (after a server forks) and reopened when an ingest has swapped in a new file.
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path

import duckdb
import pandas as pd

from .paths import DEFAULT_DB

OBS_COLUMNS = "iso3, indicator_id, period, year, value, source_id, note"
MEMO_SIZE = 512  # computed results (view tables) kept per store file; the oldest unused go first


class StoreMissing(FileNotFoundError):
    """No store file yet: run ``aigap ingest``."""


class Store:
    """Read-only access to one store file."""

    def __init__(self, path: Path | str = DEFAULT_DB) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._stamp: tuple[int, int] | None = None
        self._cache: dict[str, pd.DataFrame] = {}
        self._memo: OrderedDict[Hashable, object] = OrderedDict()

    # -- connection -------------------------------------------------------------------------
    def _connection(self) -> duckdb.DuckDBPyConnection:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            raise StoreMissing(f"no store at {self.path}: run `aigap ingest` first") from None
        stamp = (st.st_ino, st.st_mtime_ns)
        with self._lock:
            if self._con is None or stamp != self._stamp:
                if self._con is not None:
                    self._con.close()
                self._con = duckdb.connect(str(self.path), read_only=True)
                self._stamp = stamp
                self._cache.clear()
                self._memo.clear()
            return self._con

    def version(self) -> tuple:
        """Identifies the store file now in place (path, inode, mtime): a key for caches derived from it."""
        self._connection()
        return (str(self.path), *self._stamp)

    def memo(self, key: Hashable, compute: Callable[[], object]) -> object:
        """``compute()`` once per store file and key: the one cache for anything derived from the store.

        Callers must treat the result as read-only (it is shared between requests).
        """
        self._connection()  # clears the memo if the file was swapped
        with self._lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
        value = compute()
        with self._lock:
            self._memo[key] = value
            while len(self._memo) > MEMO_SIZE:
                self._memo.popitem(last=False)
        return value

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None

    def query(self, sql: str, params: Sequence = ()) -> pd.DataFrame:
        cur = self._connection().cursor()
        try:
            cur.execute(sql, list(params))
            rows = cur.fetchall()
            columns = [d[0] for d in cur.description]
        finally:
            cur.close()
        return pd.DataFrame(rows, columns=columns)

    def _cached(self, key: str, sql: str) -> pd.DataFrame:
        """Small tables that only change with an ingest: read once per store file."""
        self._connection()  # clears the cache if the file was swapped
        if key not in self._cache:
            self._cache[key] = self.query(sql)
        return self._cache[key].copy()

    # -- catalogue --------------------------------------------------------------------------
    def indicators(self) -> pd.DataFrame:
        self._connection()  # clears the cache if the file was swapped
        if "indicators_parsed" not in self._cache:
            frame = self._cached(
                "indicators",
                """SELECT i.*, s.publisher, s.title AS source_title, s.url AS source_url, s.licence, s.vintage,
                          s.citation, s.caveats AS source_caveats
                   FROM indicators i JOIN sources s ON i.source_id = s.source_id
                   ORDER BY i.pillar, i.indicator_id""",
            )
            for col in ("caveats", "source_caveats"):
                frame[col] = frame[col].map(json.loads)
            self._cache["indicators_parsed"] = frame
        return self._cache["indicators_parsed"].copy()

    def indicator(self, indicator_id: str) -> dict | None:
        frame = self.indicators()
        match = frame[frame["indicator_id"] == indicator_id]
        return None if match.empty else match.iloc[0].to_dict()

    def sources(self) -> pd.DataFrame:
        frame = self._cached("sources", "SELECT * FROM sources ORDER BY source_id")
        frame["caveats"] = frame["caveats"].map(json.loads)
        frame["download_urls"] = frame["download_urls"].map(json.loads)
        return frame

    def countries(self) -> pd.DataFrame:
        return self._cached("countries", "SELECT * FROM countries ORDER BY iso3")

    def groups(self) -> pd.DataFrame:
        return self._cached("groups", "SELECT * FROM groups ORDER BY kind, group_id")

    def group_members(self, group_id: str | None = None) -> pd.DataFrame:
        members = self._cached("members", "SELECT * FROM country_groups ORDER BY group_id, iso3")
        if group_id is None:
            return members
        return members[members["group_id"] == group_id].reset_index(drop=True)

    # -- figures ----------------------------------------------------------------------------
    def observations(
        self,
        indicator_id: str | Sequence[str] | None = None,
        countries: Sequence[str] | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
    ) -> pd.DataFrame:
        """Observations as stored (every period), ordered by indicator, country, period.

        ``indicator_id`` is one id or several (one query for all of them).
        """
        where, params = self._filters(indicator_id, countries, year_from, year_to)
        return self.query(
            f"SELECT {OBS_COLUMNS} FROM observations {where} ORDER BY indicator_id, iso3, period", params
        )

    def observations_cached(self, indicator_id: str) -> pd.DataFrame:
        """All observations of one indicator, read once per store file (for denominators such as population)."""
        self._connection()  # clears the cache if the file was swapped
        key = f"obs:{indicator_id}"
        if key not in self._cache:
            self._cache[key] = self.observations(indicator_id)
        return self._cache[key].copy()

    def yearly(
        self,
        indicator_id: str,
        countries: Sequence[str] | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
    ) -> pd.DataFrame:
        """One value per country and year: the latest period within that year (e.g. the November TOP500 list)."""
        where, params = self._filters(indicator_id, countries, year_from, year_to)
        return self.query(
            f"""SELECT {OBS_COLUMNS} FROM (
                    SELECT {OBS_COLUMNS},
                           ROW_NUMBER() OVER (PARTITION BY iso3, year ORDER BY period DESC) AS rn
                    FROM observations {where}) ranked
                WHERE rn = 1 ORDER BY iso3, year""",
            params,
        )

    @staticmethod
    def _filters(indicator_id, countries, year_from, year_to) -> tuple[str, list]:
        clauses, params = [], []
        if isinstance(indicator_id, str):
            clauses.append("indicator_id = ?")
            params.append(indicator_id)
        elif indicator_id is not None:
            ids = list(indicator_id)
            clauses.append(f"indicator_id IN ({', '.join('?' for _ in ids)})")
            params.extend(ids)
        if countries:
            clauses.append(f"iso3 IN ({', '.join('?' for _ in countries)})")
            params.extend(countries)
        if year_from is not None:
            clauses.append("year >= ?")
            params.append(int(year_from))
        if year_to is not None:
            clauses.append("year <= ?")
            params.append(int(year_to))
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", params

    def aggregates(self, indicator_id: str) -> pd.DataFrame:
        return self.query(
            """SELECT entity, indicator_id, period, year, value, source_id, note FROM aggregate_observations
               WHERE indicator_id = ? ORDER BY entity, period""",
            [indicator_id],
        )

    def coverage(self) -> pd.DataFrame:
        """Per indicator: countries, observations, first and last period."""
        return self.query(
            """SELECT indicator_id, COUNT(DISTINCT iso3) AS countries, COUNT(*) AS observations,
                      MIN(period) AS first_period, MAX(period) AS last_period
               FROM observations GROUP BY indicator_id ORDER BY indicator_id"""
        )

    def source_coverage(self) -> pd.DataFrame:
        """Per source: observations (n) and first and last period."""
        return self.query("SELECT source_id, COUNT(*) AS n, MIN(period) AS first, MAX(period) AS last "
                          "FROM observations GROUP BY source_id ORDER BY source_id")

    def years(self, indicator_id: str) -> list[int]:
        frame = self.query("SELECT DISTINCT year FROM observations WHERE indicator_id = ? ORDER BY year",
                           [indicator_id])
        return [int(y) for y in frame["year"]]

    # -- provenance -------------------------------------------------------------------------
    def last_ingest(self) -> dict:
        frame = self.query("SELECT * FROM ingest_runs ORDER BY run_id DESC LIMIT 1")
        return frame.iloc[0].to_dict() if len(frame) else {}

    def ingest_runs(self) -> pd.DataFrame:
        return self.query("SELECT * FROM ingest_runs ORDER BY run_id")

    def ingest_counts(self, run_id: int | None = None) -> pd.DataFrame:
        if run_id is None:
            run_id = self.last_ingest().get("run_id")
        return self.query("SELECT source_id, observations FROM ingest_counts WHERE run_id = ? ORDER BY source_id",
                          [run_id])

    def excluded_names(self) -> pd.DataFrame:
        return self.query("SELECT * FROM excluded_names ORDER BY file, raw_value")
