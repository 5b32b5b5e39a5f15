"""The one store the app reads, opened lazily in each server process (after gunicorn forks)."""

from __future__ import annotations

from pathlib import Path

from ..paths import db_path
from ..store import Store

_path: Path = db_path()
_store: Store | None = None


def configure(path: Path | str | None) -> None:
    global _path, _store
    if path is not None:
        _path = Path(path)
    _store = None


def store() -> Store:
    global _store
    if _store is None:
        _store = Store(_path)
    return _store
