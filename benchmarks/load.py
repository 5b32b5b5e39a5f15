"""Load: simulated visitors against `aigap serve`, next to a minimal Dash app served the same way, in one run.

Run from the repository root:

    .venv/bin/python benchmarks/load.py                           # 10 and 50 users, 60 s per step, both mixes
    .venv/bin/python benchmarks/load.py --duration 20 --users 50  # quicker
    .venv/bin/python benchmarks/load.py --record                  # re-record benchmarks/load_recorded.json

What a visitor does (a closed loop, no think time, one keep-alive connection per visitor): opens a page as the
browser does (GET the page, GET /_dash-layout: kind ``page``), then POSTs every callback the browser POSTed when it
opened that page (kind ``callback``: Dash's page router, then the page's own callbacks in the browser's order), then
downloads the page's table and one API CSV (kind ``api``). The callbacks come from a real browser session
(``--record``: headless Chromium through Playwright on every registered page, the requests it sent kept in
benchmarks/load_recorded.json).

Two mixes:

* ``repeated``: the recorded visits as they are: every request has been seen before (the shared response cache
  and each worker's view memo can answer);
* ``unseen``: every visit opens its page with a query string never used before (random indicator, countries,
  years ... from the catalogue), and every callback body is rebuilt from the answers of the previous ones, as the
  browser does (the page layout the router returned, the options a callback set): no answer can come from a cache.

The floor (benchmarks/floor_app.py): a page load (GET /, GET /_dash-layout) and its one callback with a random
value, served by the command `aigap serve` runs (read from the running process: the same server, workers and
options; only the app differs). Reported per step: requests/s, p50/p95/p99 per kind, errors (non-2xx or no answer
within --timeout), server CPU ms per request (user+system of the server's processes), and the ratios to the floor
(``api`` is compared with the floor's page load, the floor having no API).
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
RECORDED = HERE / "load_recorded.json"
UPDATE = "/_dash-update-component"
ROUTER = "_pages_content.children"
TICKS = os.sysconf("SC_CLK_TCK")
# ISO3 codes for random picks (countries most sources cover first); unknown ones fall back to the page's defaults.
COUNTRIES = ["USA", "CHN", "IND", "BRA", "ZAF", "IDN", "DEU", "FRA", "GBR", "JPN", "KOR", "CAN", "ITA", "MEX", "TUR",
             "SAU", "ARG", "AUS", "NGA", "KEN", "EGY", "VNM", "SGP", "ARE", "ISR", "ESP", "NLD", "SWE", "POL", "CHL",
             "COL", "PER", "PAK", "BGD", "ETH", "GHA", "MAR", "THA", "MYS", "PHL", "NZL", "IRL", "FIN", "NOR", "CHE"]


# -- recording ----------------------------------------------------------------------------------------------------
def record(db: Path, port: int) -> None:
    """Open every registered page (and a few with a query string) in headless Chromium; keep what it requested."""
    import dash
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    os.environ["AIGAP_CACHE_DIR"] = tempfile.mkdtemp(prefix="aigap-load-rec-")
    sys.path.insert(0, str(REPO / "src"))
    from aigap.app import create_app

    app = create_app(db)
    server = make_server("127.0.0.1", port, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app.server.test_client().get("/")  # registers the pages
    urls = [page["relative_path"] for page in dash.page_registry.values()]
    urls += ["/?indicator=ai_vc_investment", "/compare?countries=USA,CHN,IND,DEU", "/profile?country=IND",
             "/data?indicator=cloud_regions&country=USA,CHN", "/gap?indicator=internet_users"]
    visits = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        page = browser.new_page()
        posts: list = []
        page.on("request", lambda r: posts.append(json.loads(r.post_data))
                if r.method == "POST" and UPDATE in r.url else None)
        for url in urls:
            posts.clear()
            page.goto(f"http://127.0.0.1:{port}{url}")
            page.wait_for_load_state("networkidle")
            seen = -1
            while seen != len(posts):  # chained callbacks: wait until a second passes without a new one
                seen = len(posts)
                page.wait_for_timeout(1500)
            path, _, search = url.partition("?")
            visits.append({"path": path, "search": f"?{search}" if search else "", "posts": list(posts)})
            print(f"recorded {url}: {len(posts)} callbacks")
        browser.close()
    server.shutdown()
    RECORDED.write_text(json.dumps(visits, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {RECORDED}")


# -- visits -------------------------------------------------------------------------------------------------------
def id_key(ident) -> str:
    if isinstance(ident, dict):
        return json.dumps(ident, sort_keys=True, separators=(",", ":"))
    return ident


def walk(tree, values: dict) -> None:
    """Collect the props of every component with an id in a layout (JSON as Dash sends it)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict) and "props" in node and "type" in node:
            props = node["props"]
            if "id" in props:
                values.setdefault(id_key(props["id"]), {}).update(props)
            stack.extend(v for v in props.values() if isinstance(v, (dict, list)))


def refill(entries, values: dict):
    """An inputs/state list with each value taken from the page as it now is (recorded value otherwise)."""
    out = []
    for entry in entries:
        if isinstance(entry, list):
            out.append(refill(entry, values))
            continue
        props = values.get(id_key(entry["id"]), {})
        out.append({**entry, "value": props[entry["property"]]} if entry["property"] in props else entry)
    return out


class Catalogue:
    """Random query strings per page from the store's indicators (via the API) and a list of countries."""

    def __init__(self, indicators: list[str], rng: random.Random) -> None:
        self.ind, self.rng = indicators, rng

    def countries(self, lo: int, hi: int) -> str:
        return ",".join(self.rng.sample(COUNTRIES, self.rng.randint(lo, hi)))

    def years(self) -> dict:
        a = self.rng.randint(1995, 2018)
        return {"from": a, "to": self.rng.randint(a + 3, 2025)}

    def search(self, path: str) -> str:
        r, pick = self.rng, self.rng.choice
        query = {
            "/": lambda: {"indicator": pick(self.ind), "year": r.randint(2015, 2025), "lag": r.randint(0, 5)},
            "/compare": lambda: {"indicator": pick(self.ind), "countries": self.countries(2, 7), **self.years()},
            "/profile": lambda: {"country": pick(COUNTRIES), "peer": pick(COUNTRIES)},
            "/explorer": lambda: {"x": pick(self.ind), "y": pick(self.ind), "year": r.randint(2012, 2025),
                                  "highlight": self.countries(1, 3)},
            "/data": lambda: {"indicator": pick(self.ind), "country": self.countries(1, 8), "from": r.randint(1995, 2020)},
            "/index": lambda: {"year": r.randint(2018, 2025), "lag": r.randint(0, 5), "min": r.randint(2, 5)},
            "/gap": lambda: {"indicator": pick(self.ind), "countries": self.countries(2, 6), **self.years()},
        }.get(path)
        return "?" + urlencode(query()) if query else ""

    def api(self) -> str:
        return "/api/v1/observations?" + urlencode({"indicator": self.rng.choice(self.ind), "format": "csv",
                                                    "country": self.rng.choice(COUNTRIES),
                                                    "from": self.rng.randint(1990, 2020)})


class Client:
    """One visitor's keep-alive connection; records (kind, seconds, ok) per request."""

    def __init__(self, port: int, timeout: float, log: list, errors: list) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.log, self.errors = log, errors

    def send(self, kind: str, method: str, path: str, body: dict | None = None) -> bytes | None:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Accept-Encoding": "gzip", **({"Content-Type": "application/json"} if data else {})}
        t = time.perf_counter()
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            raw = response.read()
            if response.getheader("Content-Encoding") == "gzip":
                raw = gzip.decompress(raw)
            ok = 200 <= response.status < 300
            if response.getheader("Connection", "").lower() == "close":
                self.conn.close()
            if not ok:
                self.errors.append(f"{response.status} {method} {path[:100]}: {raw[:200]!r}")
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            raw, ok = None, False
            self.errors.append(f"{type(exc).__name__} {method} {path[:100]}")
        self.log.append((kind, time.perf_counter() - t, ok))
        return raw if ok else None


def aigap_visit(client: Client, visit: dict, catalogue: Catalogue | None, follow: bool = False) -> str:
    """One page visit; with a catalogue (the unseen mix) under a new query string. Following the answers (always in
    the unseen mix) rebuilds each body from the page as the previous answers left it, as the browser does. Returns
    the page's query string as its callbacks normalised it (what its CSV link carries)."""
    follow = follow or catalogue is not None
    search = catalogue.search(visit["path"]) if catalogue else visit["search"]
    client.send("page", "GET", visit["path"] + search)
    client.send("page", "GET", "/_dash-layout")
    values = {"_pages_location": {"pathname": visit["path"], "search": search},
              "url": {"pathname": visit["path"], "search": search}}
    for body in visit["posts"]:
        if follow:
            body = {**body, "inputs": refill(body["inputs"], values), "state": refill(body.get("state", []), values)}
        raw = client.send("callback", "POST", UPDATE, body)
        if follow and raw:
            for key, props in json.loads(raw).get("response", {}).items():
                values.setdefault(key, {}).update(props)
                walk(list(props.values()), values)
    shown = values["url"]["search"] if follow else visit["shown"]
    page = visit["path"].strip("/") or "overview"
    if page != "methods":
        client.send("api", "GET", f"/download/{page}.csv{shown}")
    client.send("api", "GET", catalogue.api() if catalogue else "/api/v1/observations?indicator=ai_vc_investment"
                "&country=USA&format=csv")
    return shown


def floor_visit(client: Client, rng: random.Random) -> None:
    client.send("page", "GET", "/")
    client.send("page", "GET", "/_dash-layout")
    value = str(rng.randrange(100))
    client.send("callback", "POST", UPDATE, {
        "output": "out.children", "outputs": {"id": "out", "property": "children"},
        "inputs": [{"id": "pick", "property": "value", "value": value}], "changedPropIds": ["pick.value"]})


# -- servers ------------------------------------------------------------------------------------------------------
def tree_cpu(pid: int) -> float:
    """User+system CPU seconds of a process and all its descendants (alive ones)."""
    children: dict[int, list[int]] = defaultdict(list)
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry)] = fields
            children[int(fields[1])].append(int(entry))
    total, stack = 0.0, [pid]
    while stack:
        p = stack.pop()
        if p in stats:
            total += (int(stats[p][11]) + int(stats[p][12])) / TICKS
        stack.extend(children.get(p, []))
    return total


class Served:
    def __init__(self, argv: list[str], port: int, env: dict, cwd: Path) -> None:
        self.port, self.argv = port, argv
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                raise SystemExit(f"port {port} is in use: stop what listens there (or pass --port)")
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited: {' '.join(argv)}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", "/_dash-layout")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"no answer from {' '.join(argv)}")

    def cmdline(self) -> list[str]:
        return Path(f"/proc/{self.proc.pid}/cmdline").read_text().rstrip("\0").split("\0")

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)


FLOOR_IN_CLI = """
import sys
sys.path.insert(0, {here!r})
import floor_app
sys.modules["aigap.app.wsgi"] = floor_app  # `aigap serve` loads its app from here: it serves the floor instead
from aigap.cli import app
app(["serve", "--port", "{port}", "--db", {db!r}])
"""


def floor_argv(aigap_argv: list[str], aigap_port: int, port: int, db: Path) -> list[str]:
    """`aigap serve` serving floor_app instead of aigap (same server, processes, threads, options): the command it
    exec'd with the app swapped (a server such as gunicorn), or the CLI itself with the app module swapped (a server
    it runs in process, such as waitress)."""
    app_refs = [n for n, a in enumerate(aigap_argv) if a.startswith("aigap.app.wsgi")]
    if not app_refs:
        return [sys.executable, "-c", FLOOR_IN_CLI.format(here=str(HERE), port=port, db=str(db))]
    argv = list(aigap_argv)
    argv[app_refs[0]] = "floor_app:" + argv[app_refs[0]].split(":", 1)[1]
    return [a.replace(str(aigap_port), str(port)) for a in argv]


# -- a step -------------------------------------------------------------------------------------------------------
def pct(values: list[float], q: float) -> float:
    xs = sorted(values)
    if not xs:
        return float("nan")
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    return xs[lo] + (xs[min(lo + 1, len(xs) - 1)] - xs[lo]) * (pos - lo)


def step(served: Served, users: int, duration: float, timeout: float, visit) -> dict:
    logs: list[list] = [[] for _ in range(users)]
    errors: list[str] = []
    stop = time.perf_counter() + duration

    def user(n: int) -> None:
        client = Client(served.port, timeout, logs[n], errors)
        rng = random.Random(f"{served.port}-{users}-{n}-{time.time()}")
        while time.perf_counter() < stop:
            visit(client, rng, n)

    cpu0, t0, own0 = tree_cpu(served.proc.pid), time.perf_counter(), time.process_time()
    threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall, cpu, own = time.perf_counter() - t0, tree_cpu(served.proc.pid) - cpu0, time.process_time() - own0
    rows = [r for log in logs for r in log]
    result = {"requests": len(rows), "rps": len(rows) / wall, "errors": sum(not ok for _, _, ok in rows),
              "cpu_ms": 1000 * cpu / max(len(rows), 1), "kinds": {}, "examples": errors[:3],
              "client_cpu_ms": 1000 * own / max(len(rows), 1)}
    for kind in ("page", "callback", "api"):
        times = [t for k, t, _ in rows if k == kind]
        if times:
            result["kinds"][kind] = {"n": len(times), **{f"p{q}": pct(times, q) for q in (50, 95, 99)}}
    return result


def report(label: str, r: dict, floor: dict | None) -> None:
    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}x" if b else "-"

    base = f"| {label} | {r['requests']} | {r['rps']:.1f} | {r['errors']} | {r['cpu_ms']:.1f} | {r['client_cpu_ms']:.1f} |"
    if floor:
        base += f" {ratio(r['rps'], floor['rps'])} | {ratio(r['cpu_ms'], floor['cpu_ms'])} |"
    else:
        base += " 1 | 1 |"
    print(base)
    for kind, k in r["kinds"].items():
        ref = (floor or r)["kinds"].get("page" if kind == "api" else kind) if floor else None
        cells = " | ".join(f"{1000 * k[f'p{q}']:.0f}" + (f" ({ratio(k[f'p{q}'], ref[f'p{q}'])})" if ref else "")
                           for q in (50, 95, 99))
        print(f"|   {kind} (n={k['n']}) | p50/p95/p99 ms: {cells} |")
    for example in r["examples"]:
        print(f"  error: {example}")
    sys.stdout.flush()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, default=REPO / "data" / "aigap.duckdb")
    ap.add_argument("--users", default="10,50")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds per step")
    ap.add_argument("--mixes", default="repeated,unseen")
    ap.add_argument("--timeout", type=float, default=30.0, help="a request unanswered after this is an error")
    ap.add_argument("--port", type=int, default=8170, help="aigap on this port, the floor on the next")
    ap.add_argument("--record", action="store_true", help="re-record the browser's visits, then stop")
    args = ap.parse_args()
    if args.record:
        return record(args.db, args.port)
    visits = json.loads(RECORDED.read_text(encoding="utf-8"))
    cache_dir = Path(tempfile.mkdtemp(prefix="aigap-load-cache-"))
    env = {**os.environ, "AIGAP_CACHE_DIR": str(cache_dir), "PYTHONPATH": str(REPO / "src")}
    servers: list[Served] = []
    try:
        aigap = Served([sys.executable, "-m", "aigap.cli", "serve", "--port", str(args.port), "--db", str(args.db)],
                       args.port, env, REPO)
        servers.append(aigap)
        floor_cmd = floor_argv(aigap.cmdline(), args.port, args.port + 1, args.db)
        floor = Served(floor_cmd, args.port + 1, {**env, "PYTHONPATH": str(HERE)}, HERE)
        servers.append(floor)
        warm = Client(args.port, args.timeout, [], [])
        indicators = [line.split(",", 1)[0] for line in
                      (warm.send("api", "GET", "/api/v1/indicators?format=csv") or b"").decode().splitlines()[1:]]
        for visit in visits:  # every view of the repeated mix computed once (and each process's start-up paid)
            visit["shown"] = aigap_visit(warm, visit, None, follow=True)
        if warm.errors:
            raise SystemExit("the recorded visits fail: " + "; ".join(warm.errors[:3]))
        print(f"aigap serve: {' '.join(aigap.cmdline())}\nfloor: {' '.join(floor_cmd)}\n"
              f"{len(visits)} recorded visits, {sum(len(v['posts']) for v in visits)} callbacks; "
              f"{len(indicators)} indicators; load average before: {os.getloadavg()[0]:.1f}\n")
        print("| step | requests | req/s | errors | server CPU ms/req | load generator CPU ms/req | req/s vs floor | "
              "server CPU vs floor |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for users in map(int, args.users.split(",")):
            fl = step(floor, users, args.duration, args.timeout, lambda c, rng, n: floor_visit(c, rng))
            report(f"floor, {users} users", fl, None)
            for mix in args.mixes.split(","):
                def visit(c, rng, n, mix=mix):
                    catalogue = Catalogue(indicators, rng) if mix == "unseen" else None
                    aigap_visit(c, visits[rng.randrange(len(visits))], catalogue)
                r = step(aigap, users, args.duration, args.timeout, visit)
                report(f"aigap {mix}, {users} users", r, fl)
        print(f"\nload average after: {os.getloadavg()[0]:.1f}")
    finally:
        for served in servers:
            served.stop()
        shutil.rmtree(cache_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
