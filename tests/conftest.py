"""Shared fixtures: the real raw publisher folder, the country reference, and adapter contexts.

Two country references: ``real_reference`` is built from the raw publisher files (skips without them) and
backs ``ctx``, which parses the real files; ``reference`` is built from the shipped snapshot plus the
hand-reviewed name slice in tests/fixtures/reference/, so ``fixture_ctx`` and the adapter fixture tests
run on a plain clone. tests/test_countries.py checks that the two agree wherever they overlap.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import settings

from aigap.countries import COUNTRY_COLUMNS
from aigap.paths import DEFAULT_SNAPSHOT
from aigap.snapshot import load_reference
from aigap.sources.country_codes import NAME_COLUMNS

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


# The reason worldbank_class.aggregate_codes gives each World Bank aggregate; the snapshot records it per file.
WB_AGGREGATE = "World Bank aggregate: "


def snapshot_reference(snapshot: Path = DEFAULT_SNAPSHOT,
                       names: Path = FIXTURES / "reference" / "names.csv") -> tuple[pd.DataFrame, dict[str, str]]:
    """(countries reference, WB aggregate codes) as load_reference returns them, without the raw files.

    Countries come from the snapshot's countries.csv; the name variants (World Bank, CLDR, ISO, UNTERM)
    only for the few countries in ``names``, the ones fixture files spell differently; the aggregate
    codes from the World Bank exclusions the snapshot records.
    """
    ref = pd.read_csv(snapshot / "countries.csv", dtype=str, keep_default_na=False)
    ref["independent"] = ref["independent"] == "True"
    ref = ref.replace("", None)
    variants = pd.read_csv(names, dtype=str, keep_default_na=False)
    ref = ref.merge(variants, on="iso3", how="left", validate="one_to_one")
    ref = ref[COUNTRY_COLUMNS + ["wb_name", *NAME_COLUMNS]]
    excluded = pd.read_csv(snapshot / "excluded_names.csv", dtype=str, keep_default_na=False)
    wb = excluded[excluded["reason"].str.startswith(WB_AGGREGATE)]
    return ref, dict(sorted(zip(wb["raw_value"], wb["reason"])))


@pytest.fixture(scope="session")
def real_reference(raw_dir):
    """(countries reference, WB aggregate codes) derived from the real raw files."""
    return load_reference(raw_dir)


@pytest.fixture(scope="session")
def reference():
    """(countries reference, WB aggregate codes) from the shipped snapshot and the fixture name slice."""
    return snapshot_reference()


@pytest.fixture()
def ctx(raw_dir, real_reference):
    """A fresh adapter Context over the real raw folder."""
    from aigap.snapshot import make_context

    return make_context(raw_dir, real_reference)


@pytest.fixture()
def fixture_ctx(tmp_path, reference):
    """make(folder, {name: text or bytes or Path}) -> Context whose raw root holds just that folder's files.

    Its resolver knows every reference ISO3 code and country name, and the name variants of the
    countries in tests/fixtures/reference/names.csv.
    """
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
def store_frames(store_db):
    """The view layer's Frames over the test store, built by the same code the app runs."""
    from aigap.app.views import build_frames
    from aigap.store import Store

    return build_frames(Store(store_db))


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
