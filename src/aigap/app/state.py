"""The one store the app reads, opened lazily in each server process (after gunicorn forks)."""

from __future__ import annotations

import os
from pathlib import Path

from ..ingest import DEFAULT_DB
from ..store import Store

_path: Path = Path(os.environ.get("AIGAP_DB", DEFAULT_DB))
_store: Store | None = None


def configure(db_path: Path | str | None) -> None:
    global _path, _store
    if db_path is not None:
        _path = Path(db_path)
    _store = None


def store() -> Store:
    global _store
    if _store is None:
        _store = Store(_path)
    return _store
