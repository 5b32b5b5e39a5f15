"""Shared fixtures: the real raw publisher folder, a country resolver built from it, and contexts for fixtures."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from aigap.snapshot import load_reference

# Example timing varies with machine load (CI, parallel work): no per-example deadline.
settings.register_profile("aigap", deadline=None)
settings.load_profile("aigap")

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
RAW = Path(os.environ.get("AIGAP_RAW", REPO.parent / "shared" / "data" / "raw"))

needs_raw = pytest.mark.skipif(not RAW.is_dir(), reason=f"raw publisher files not found at {RAW}")


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    if not RAW.is_dir():
        pytest.skip(f"raw publisher files not found at {RAW}")
    return RAW


@pytest.fixture(scope="session")
def reference(raw_dir):
    """(countries reference, WB aggregate codes) derived from the real raw files."""
    return load_reference(raw_dir)


@pytest.fixture()
def ctx(raw_dir, reference):
    """A fresh adapter Context over the real raw folder."""
    from aigap.snapshot import make_context

    return make_context(raw_dir, reference)


@pytest.fixture()
def fixture_ctx(tmp_path, reference):
    """make(folder, {name: text or bytes or Path}) -> Context whose raw root holds just that folder's files."""
    from aigap.snapshot import make_context

    def make(folder: str, files: dict[str, str | bytes | Path]):
        target = tmp_path / "raw" / folder
        target.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            dest = target / name
            if isinstance(content, Path):
                shutil.copyfile(content, dest)
            elif isinstance(content, bytes):
                dest.write_bytes(content)
            else:
                dest.write_text(content, encoding="utf-8")
        return make_context(tmp_path / "raw", reference)

    return make


@pytest.fixture(scope="session")
def store_db(tmp_path_factory) -> Path:
    """A store built from the shipped snapshot, shared by the app and API tests."""
    from aigap.ingest import ingest
    from aigap.snapshot import DEFAULT_SNAPSHOT

    db = tmp_path_factory.mktemp("store") / "aigap.duckdb"
    ingest(DEFAULT_SNAPSHOT, db)
    return db


@pytest.fixture(scope="session")
def dash_app(store_db):
    from aigap.app import create_app

    return create_app(store_db)


@pytest.fixture(scope="session")
def live_server(dash_app):
    """The real app on a free loopback port, in a background thread; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, dash_app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's headless Chromium (never a downloaded browser), as root-safe flags."""
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    }


@pytest.fixture()
def console_errors(page):
    """Browser console errors and page errors seen during a test (asserted empty by page tests)."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors
