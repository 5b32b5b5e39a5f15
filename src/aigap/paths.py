"""Where aigap keeps its files, and the environment variables that move them.

A tiny module on purpose: the read side (store, app) needs two paths and must not import the ETL modules to
learn them.

Two layouts. In a repository checkout (src/aigap next to pyproject.toml: an editable install, or PYTHONPATH=src)
everything stays under the repository's data/ folder, as the scripts and docs expect. From an installed wheel the
snapshot is the copy shipped inside the package (aigap/data/snapshot, put there by setup.py at build time) and the
store goes to the user's data folder, since site-packages may be read-only and is replaced on upgrade.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_REPO = PACKAGE_DIR.parents[1]
IN_CHECKOUT = PACKAGE_DIR.parent.name == "src" and (_REPO / "pyproject.toml").is_file()


def user_data_dir() -> Path:
    """The per-user folder for application data, where platformdirs would put it (without the dependency)."""
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local") / "aigap"
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "aigap"
    xdg = os.environ.get("XDG_DATA_HOME", "")
    return (Path(xdg) if os.path.isabs(xdg) else home / ".local" / "share") / "aigap"


DATA_DIR = _REPO / "data" if IN_CHECKOUT else user_data_dir()
DEFAULT_SNAPSHOT = DATA_DIR / "snapshot" if IN_CHECKOUT else PACKAGE_DIR / "data" / "snapshot"
DEFAULT_DB = DATA_DIR / "aigap.duckdb"


def db_path() -> Path:
    """The store file: $AIGAP_DB, else data/aigap.duckdb in a checkout or aigap.duckdb in the user data folder."""
    return Path(os.environ.get("AIGAP_DB", DEFAULT_DB))


def snapshot_path() -> Path:
    """The snapshot folder ingest reads: $AIGAP_SNAPSHOT, else data/snapshot in a checkout or the shipped copy."""
    return Path(os.environ.get("AIGAP_SNAPSHOT", DEFAULT_SNAPSHOT))
