"""aigap as a normal Python package: the built wheel, installed with its dependencies into a fresh virtual
environment outside the repository, ingests, exports and serves from any folder, with its store in the user's
data folder and the snapshot it ships.

uv (installed in the project's venv by scripts/setup) builds the sdist and, from it, the wheel (so MANIFEST.in
is checked too) and installs from its cache; the first run on a machine downloads the dependencies from PyPI.
"""

from __future__ import annotations

import csv
import filecmp
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SNAPSHOT = REPO / "data" / "snapshot"
INDICATOR, SOURCE_FILE = "top500_systems", "top500.csv"


def run(*args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None,
        timeout: float = 300) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(a) for a in args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, f"{args}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc


def get(url: str, timeout: float = 10) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rows(path: Path, indicator: str) -> set[tuple]:
    """The observations of ``indicator`` in a tidy CSV, comparable across the snapshot and an export."""
    with path.open(encoding="utf-8", newline="") as f:
        return {(r["iso3"], r["period"], int(r["year"]), float(r["value"]), r["source_id"], r["note"])
                for r in csv.DictReader(f) if r["indicator_id"] == indicator}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, dict[str, str], Path]:
    """(venv bin folder, environment of a user with home and data folder in tmp, a working folder in tmp)."""
    tmp = tmp_path_factory.mktemp("wheel")
    uv = [sys.executable, "-m", "uv"]
    dist, venv, home = tmp / "dist", tmp / "venv", tmp / "home"
    run(*uv, "build", "--quiet", "--out-dir", dist, REPO)
    wheel, = dist.glob("aigap-*.whl")
    run(*uv, "venv", "--quiet", "--python", sys.executable, venv)
    run(*uv, "pip", "install", "--quiet", "--python", venv / "bin" / "python", wheel)
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "VIRTUAL_ENV", "AIGAP_DB", "AIGAP_SNAPSHOT", "PYTHONHOME"}}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "xdg"), PATH=f"{venv / 'bin'}{os.pathsep}{env['PATH']}")
    work = tmp / "work"
    work.mkdir()
    return venv / "bin", env, work


def test_installed_package_uses_its_own_snapshot_and_the_user_data_folder(installed):
    bin_dir, env, work = installed
    probe = ("import json, aigap.paths as p; print(json.dumps({'package': str(p.PACKAGE_DIR), "
             "'db': str(p.db_path()), 'snapshot': str(p.snapshot_path()), 'checkout': p.IN_CHECKOUT}))")
    where = json.loads(run(bin_dir / "python", "-c", probe, env=env, cwd=work).stdout)
    site = Path(run(bin_dir / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
                    env=env, cwd=work).stdout.strip())
    assert where == {"package": str(site / "aigap"), "db": str(Path(env["XDG_DATA_HOME"]) / "aigap" / "aigap.duckdb"),
                     "snapshot": str(site / "aigap" / "data" / "snapshot"), "checkout": False}
    shipped = Path(where["snapshot"])
    wanted = sorted(p.relative_to(SNAPSHOT) for p in SNAPSHOT.rglob("*.csv"))
    assert sorted(p.relative_to(shipped) for p in shipped.rglob("*.csv")) == wanted
    assert filecmp.cmpfiles(SNAPSHOT, shipped, [str(p) for p in wanted], shallow=False)[0] == [str(p) for p in wanted]


def test_wheel_ingests_exports_and_serves_from_any_folder(installed):
    bin_dir, env, work = installed
    store = Path(env["XDG_DATA_HOME"]) / "aigap" / "aigap.duckdb"

    done = run(bin_dir / "aigap", "ingest", env=env, cwd=work)
    assert f"store ready: {store}" in done.stderr and store.is_file()
    assert re.search(r"ingest run 1: [\d,]+ observations from 15 sources", done.stderr), done.stderr

    run(bin_dir / "aigap", "export", "--indicator", INDICATOR, "-o", "out.csv", env=env, cwd=work)
    exported = rows(work / "out.csv", INDICATOR)
    assert len(exported) > 100 and exported == rows(SNAPSHOT / "observations" / SOURCE_FILE, INDICATOR)
    assert sorted(p.name for p in work.iterdir()) == ["out.csv"]  # nothing else left in the working folder

    built = store.stat()
    port = free_port()
    proc = subprocess.Popen([bin_dir / "aigap", "serve", "--port", str(port)], env=env, cwd=work,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline, page = time.monotonic() + 90, None
        while page is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                page = get(f"http://127.0.0.1:{port}/")
            except OSError:
                time.sleep(0.3)
        assert page is not None and page[0] == 200 and b"aigap" in page[2]
        assets = re.findall(r'(?:href|src)="(/assets/[^"?]+)', page[2].decode())
        assert assets and all(get(f"http://127.0.0.1:{port}{a}")[0] == 200 for a in assets), assets
        status, kind, body = get(f"http://127.0.0.1:{port}/api/v1/indicators")
        assert status == 200 and kind.startswith("application/json")
        assert INDICATOR in {i["indicator_id"] for i in json.loads(body)}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.communicate(timeout=30)
    after = store.stat()  # served the store `aigap ingest` built in the user data folder, not a new one
    assert (after.st_ino, after.st_mtime_ns) == (built.st_ino, built.st_mtime_ns)
