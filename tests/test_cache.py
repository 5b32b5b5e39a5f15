"""The shared response cache (app/cache.py) across real server processes over real stores.

Two apps, each in its own process, share one cache folder: what one computed the other serves byte for byte; a new
store file swapped in under the same path is a miss that shows the new data; a refused request never enters the
cache; the folder stays within its bound. Plus a check that no page module reaches for a clock, randomness or the
request (a callback's answer must depend on its inputs and the store only, or it must be listed in cache.UNCACHED).
"""

from __future__ import annotations

import ast
import http.client
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aigap.app import cache
from aigap.paths import DEFAULT_SNAPSHOT

PAGES = Path(cache.__file__).resolve().parent / "pages"
BOUND_MB = 0.5
# A process that serves the app on a free loopback port and prints the port.
SERVE = """
import sys
from werkzeug.serving import make_server
from aigap.app import create_app
server = make_server("127.0.0.1", 0, create_app(sys.argv[1]).server, threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""
GRID = "data-grid.rowData"  # the data page's table: rows of the indicator and countries asked for
CHOSEN = {"data-indicator": "cloud_regions", "data-countries": ["USA"], "data-cov-all": []}
USA_BEFORE, USA_AFTER = "46.0", "4646.0"


class App:
    """One served app in a child process."""

    def __init__(self, db: Path, env: dict) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", SERVE, str(db)], env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)

    def start(self) -> App:
        line = self.proc.stdout.readline()
        assert line.strip().isdigit(), f"the app did not start (exit {self.proc.poll()})"
        self.port = int(line)
        return self

    def request(self, method: str, path: str, body: object = None) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            data = None if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
            conn.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def changed_store(root: Path) -> Path:
    """A store whose USA cloud-region count differs, built by ingest from an edited copy of the snapshot."""
    from aigap.ingest import ingest

    snapshot = root / "snapshot"
    shutil.copytree(DEFAULT_SNAPSHOT, snapshot)
    obs = snapshot / "observations" / "cloud_regions_telegeography.csv"
    old = f"USA,cloud_regions,2025-01,2025,{USA_BEFORE},"
    text = obs.read_text(encoding="utf-8")
    assert text.count(old) == 1
    obs.write_text(text.replace(old, f"USA,cloud_regions,2025-01,2025,{USA_AFTER},"), encoding="utf-8")
    ingest(snapshot, root / "changed.duckdb")
    return root / "changed.duckdb"


@pytest.fixture(scope="module")
def apps(store_db, tmp_path_factory):
    """(two apps serving the same store path with one cache folder, the folder, (served path, changed store))."""
    root = tmp_path_factory.mktemp("cache")
    served = root / "served.duckdb"
    shutil.copyfile(store_db, served)
    env = {**os.environ, "AIGAP_CACHE_DIR": str(root / "cache"), "AIGAP_CACHE_MB": str(BOUND_MB)}
    pair = [App(served, env), App(served, env)]  # they import while the second store is built
    try:
        changed = changed_store(root)
        yield [a.start() for a in pair], root / "cache", (served, changed)
    finally:
        for a in pair:
            a.stop()


def grid_body(app: App) -> dict:
    """The renderer's request for the data page's table, for the inputs in CHOSEN (others unset)."""
    status, _, raw = app.request("GET", "/_dash-dependencies")
    assert status == 200
    dep = next(d for d in json.loads(raw) if GRID in d["output"])
    outputs = [dict(zip(("id", "property"), part.rsplit(".", 1))) for part in dep["output"].strip(".").split("...")]
    inputs = [{"id": i["id"], "property": i["property"], "value": CHOSEN.get(i["id"])} for i in dep["inputs"]]
    return {"output": dep["output"], "outputs": outputs, "inputs": inputs, "state": [],
            "changedPropIds": ["data-indicator.value"]}


def usa_rows(raw: bytes) -> list[dict]:
    return [r for r in json.loads(raw)["response"]["data-grid"]["rowData"] if "USA" in r.values()]


def test_a_callback_computed_in_one_process_is_served_by_the_other_until_a_new_store_arrives(apps):
    (one, two), folder, (served, changed) = apps
    body = grid_body(one)
    first = one.request("POST", "/_dash-update-component", body)
    again = two.request("POST", "/_dash-update-component", body)
    assert (first[0], first[1]["x-aigap-cache"]) == (200, "miss")
    assert (again[0], again[1]["x-aigap-cache"]) == (200, "hit")
    assert again[2] == first[2]  # byte-identical
    assert USA_BEFORE.removesuffix(".0") in json.dumps(usa_rows(first[2]))
    for headers in (first[1], again[1]):  # the response hygiene of app/http.py applies to hits alike
        assert "script-src" in headers["content-security-policy"] and headers["x-content-type-options"] == "nosniff"

    download = "/download/data.csv?indicator=cloud_regions&country=USA"
    got = [app.request("GET", download) for app in (two, one)]
    assert [g[1]["x-aigap-cache"] for g in got] == ["miss", "hit"] and got[0][2] == got[1][2]
    assert got[1][1]["etag"] == got[0][1]["etag"] and got[1][1]["cache-control"] == "no-cache"

    os.replace(shutil.copyfile(changed, served.with_suffix(".new")), served)  # what aigap ingest does
    after = [app.request("POST", "/_dash-update-component", body) for app in (two, one)]
    assert [a[1]["x-aigap-cache"] for a in after] == ["miss", "hit"] and after[0][2] == after[1][2]
    assert after[0][2] != first[2]
    assert USA_AFTER.removesuffix(".0") in json.dumps(usa_rows(after[0][2]))
    fresh = one.request("GET", download)
    assert fresh[1]["x-aigap-cache"] == "miss" and USA_AFTER.removesuffix(".0").encode() in fresh[2]


def test_a_refused_request_never_enters_the_cache(apps):
    (one, two), folder, _ = apps
    body = grid_body(one)
    forged = {**body, "inputs": body["inputs"][:-1]}  # one input short: app/guard.py refuses it
    before = sorted(os.listdir(folder))
    for app in (one, two, one):
        status, headers, raw = app.request("POST", "/_dash-update-component", forged)
        assert status == 400 and "x-aigap-cache" not in headers and json.loads(raw)["status"] == 400
    bad_api = one.request("GET", "/api/v1/observations?indicator=no_such_thing")
    assert bad_api[0] == 400 and "x-aigap-cache" not in bad_api[1]
    assert sorted(os.listdir(folder)) == before


def test_the_cache_stays_within_its_bound(apps):
    """Write several times the bound through both processes: the folder ends under the bound plus the sixteenth
    each process may write between two prunes."""
    (one, two), folder, _ = apps
    status, _, raw = one.request("GET", "/api/v1/indicators")
    indicators = [row["indicator_id"] for row in json.loads(raw)]
    written = 0
    for n, indicator in enumerate(indicators * 3):
        app = (one, two)[n % 2]
        status, headers, raw = app.request("GET", f"/api/v1/observations?indicator={indicator}&from={1990 + n % 30}")
        assert status == 200
        written += len(raw) if headers.get("x-aigap-cache") == "miss" and len(raw) <= BOUND_MB * 2**20 / 8 else 0
    bound = BOUND_MB * 2**20
    assert written > 2 * bound  # the test wrote enough to overflow an unbounded cache
    size = sum(f.stat().st_size for f in folder.iterdir())
    assert 0 < size <= bound * (1 + 2 / 16)


def test_no_page_reads_a_clock_randomness_or_the_request():
    """A callback's answer is cached on its inputs and the store; a page that used any of these would be wrong when
    cached (list its outputs in cache.UNCACHED and change this test)."""
    banned = {"time", "datetime", "random", "secrets", "uuid", "flask", "os"}
    for source in PAGES.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not {n.split(".")[0] for n in names} & banned, f"{source.name} imports {names}"
            assert not (isinstance(node, ast.Attribute) and node.attr in {"cookies", "headers", "remote"}), \
                f"{source.name} reads request data ({node.attr})"
