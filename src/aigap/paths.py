"""Where aigap keeps its files, and the environment variables that move them.

A tiny module on purpose: the read side (store, app) needs two paths and must not import the ETL modules to
learn them.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / "data"
DEFAULT_SNAPSHOT = DATA_DIR / "snapshot"
DEFAULT_DB = DATA_DIR / "aigap.duckdb"


def db_path() -> Path:
    """The store file: $AIGAP_DB, else data/aigap.duckdb."""
    return Path(os.environ.get("AIGAP_DB", DEFAULT_DB))


def snapshot_path() -> Path:
    """The snapshot folder ingest reads: $AIGAP_SNAPSHOT, else data/snapshot."""
    return Path(os.environ.get("AIGAP_SNAPSHOT", DEFAULT_SNAPSHOT))
