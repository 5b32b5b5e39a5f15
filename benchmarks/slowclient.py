"""Slow clients against the servers `aigap serve` could run: does a normal request still answer, and how fast?

Run from the repository root:

    .venv/bin/python benchmarks/slowclient.py                        # every setup, N = 2 and 300, 20 s throughput
    .venv/bin/python benchmarks/slowclient.py --setups waitress aigap-serve --seconds 10   # a few, quicker

Each setup serves the shipped store (data/aigap.duckdb, or --db) on a free loopback port, in its own process group:

* ``gunicorn-sync``: today's (before issue 8) `aigap serve`: gunicorn, 2 sync workers, --preload (the baseline);
* ``gunicorn-gevent``: gunicorn, 2 gevent workers, 1000 connections each;
* ``uvicorn-a2wsgi``: uvicorn, 2 workers, the WSGI app wrapped by a2wsgi (its thread pool: 8 threads);
* ``waitress``: one waitress process, 8 threads, connection limit 2000, poll() instead of select();
* ``aigap-serve``: `aigap serve` as shipped now, with its defaults.

For each setup and N in (2, 300), N slow connections are opened and held while normal requests are timed:

* ``slow headers``: a GET whose request line and headers arrive one byte every --trickle seconds (never finished);
* ``short body``: a POST to the callback endpoint announcing Content-Length 1000 and sending 11 bytes of it.

The normal requests, --repeat of each, one at a time, each on a new connection, with a --timeout deadline: the
overview page (GET /), an API call (GET /api/v1/observations?indicator=...&country=USA) and the overview map's
Dash callback (POST /_dash-update-component with the body the browser sends when the page opens, built from the
app's callback map by benchmarks/dashboard.py). Then, with no slow client, --clients threads send that mix
back to back for --seconds: throughput and latency percentiles.

The table gives, per scenario, the slowest of the normal requests (``>T`` = none answered within the deadline)
and how many failed. The goal (issue 8): with 300 slow connections open, every normal request answers in < 1 s,
and throughput is not below gunicorn-sync's. Other processes on the machine inflate the figures: run it when it
is quiet, and compare setups within one run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "benchmarks"
PY = sys.executable
UPDATE = "/_dash-update-component"
API = "/api/v1/observations?indicator=ai_vc_investment&country=USA"


def asgi():
    """uvicorn's app factory for the ``uvicorn-a2wsgi`` setup (`--factory slowclient:asgi`)."""
    from a2wsgi import WSGIMiddleware

    from aigap.app.wsgi import server

    return WSGIMiddleware(server, workers=8)


def _bind(port: int) -> str:
    return f"127.0.0.1:{port}"


SETUPS = {
    "gunicorn-sync": lambda port, db: [PY, "-m", "gunicorn", "--workers", "2", "--bind", _bind(port), "--preload",
                                       "aigap.app.wsgi:server"],
    "gunicorn-gevent": lambda port, db: [PY, "-m", "gunicorn", "--workers", "2", "--worker-class", "gevent",
                                         "--worker-connections", "1000", "--bind", _bind(port),
                                         "aigap.app.wsgi:server"],
    "uvicorn-a2wsgi": lambda port, db: [PY, "-m", "uvicorn", "--factory", "slowclient:asgi", "--app-dir", str(BENCH),
                                        "--workers", "2", "--host", "127.0.0.1", "--port", str(port),
                                        "--no-access-log"],
    "waitress": lambda port, db: [PY, "-m", "waitress", "--listen", _bind(port), "--threads", "8",
                                  "--connection-limit", "2000", "--asyncore-use-poll", "aigap.app.wsgi:server"],
    "aigap-serve": lambda port, db: [PY, "-m", "aigap.cli", "serve", "--port", str(port), "--db", str(db)],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def callback_body(db: Path) -> bytes:
    """The overview map's callback as the browser POSTs it when the page opens (from the app's callback map)."""
    sys.path.insert(0, str(BENCH))
    from dashboard import Bench, payload

    bench = Bench(db)
    page = bench.pages["overview"]
    values = bench.values(page, {})
    bench.run_upstream(page, values, [])
    return json.dumps(payload(page.main, values, [])).encode()


class Server:
    """One setup's server in its own process group; stopped with its whole group."""

    def __init__(self, name: str, db: Path, log: Path) -> None:
        self.port = free_port()
        # Each setup starts with an empty response cache of its own (app/cache.py), as a fresh deployment would.
        env = {**os.environ, "AIGAP_DB": str(db), "PYTHONUNBUFFERED": "1", "AIGAP_CACHE_DIR": str(log.parent / name)}
        self.log = log.open("w")
        self.proc = subprocess.Popen(SETUPS[name](self.port, db), cwd=REPO, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, body: bytes, limit: float = 120) -> float:
        """Until the callback answers 200 (the app is loaded in the worker that answers)."""
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < limit:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log.name}")
            if request(self.port, "POST", UPDATE, body, timeout=30)[0] == 200:
                return time.perf_counter() - t0
            time.sleep(0.2)
        raise RuntimeError(f"not ready within {limit:.0f} s; see {self.log.name}")

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
        except ProcessLookupError:
            pass
        self.log.close()


def request(port: int, method: str, path: str, body: bytes | None = None, timeout: float = 5,
            conn: http.client.HTTPConnection | None = None) -> tuple[int, float]:
    """(status, seconds); status 0 for a timeout or a connection error."""
    t0 = time.perf_counter()
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        r.read()
        status = r.status
    except (OSError, http.client.HTTPException):
        conn.close()
        status = 0
    finally:
        if own:
            conn.close()
    return status, time.perf_counter() - t0


class SlowClients:
    """``n`` connections held open: headers trickled a byte at a time, or a POST body shorter than announced."""

    def __init__(self, port: int, kind: str, n: int, trickle: float) -> None:
        self.socks: list[socket.socket] = []
        self.stop = threading.Event()
        if kind == "slow headers":
            self.pending = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow\r\n" + b"X-Slow: 1\r\n" * 1000
            first = b""
        else:
            self.pending = b""
            first = (b"POST " + UPDATE.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
                     b"\r\nContent-Length: 1000\r\n\r\n{\"output\": ")
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            if first:
                s.sendall(first)
            self.socks.append(s)
        self.thread = threading.Thread(target=self._trickle, args=(trickle,), daemon=True)
        self.thread.start()

    def _trickle(self, every: float) -> None:
        i = 0
        while self.pending and not self.stop.wait(every if i else 0):
            byte = self.pending[i % len(self.pending):][:1]
            for s in list(self.socks):
                try:
                    s.send(byte)
                except OSError:
                    self.socks.remove(s)  # the server closed it
            i += 1

    def close(self) -> int:
        """Closes them all; returns how many the server had not closed by then."""
        self.stop.set()
        self.thread.join()
        alive = 0
        for s in self.socks:
            s.setblocking(False)
            try:
                alive += s.recv(1) != b""
            except BlockingIOError:
                alive += 1
            except OSError:
                pass
            s.close()
        return alive


def probe(port: int, body: bytes, repeat: int, timeout: float) -> dict[str, list[float | None]]:
    """Each kind of normal request ``repeat`` times, one at a time: seconds, or None when it failed."""
    kinds = {"page": ("GET", "/", None), "api": ("GET", API, None), "callback": ("POST", UPDATE, body)}
    out: dict[str, list[float | None]] = {k: [] for k in kinds}
    for _ in range(repeat):
        for kind, (method, path, data) in kinds.items():
            status, seconds = request(port, method, path, data, timeout=timeout)
            out[kind].append(seconds if status == 200 else None)
    return out


def throughput(port: int, body: bytes, clients: int, seconds: float) -> dict:
    """``clients`` threads, each on one keep-alive connection, sending page, API and callback in turn."""
    mix = [("GET", "/", None), ("GET", API, None), ("POST", UPDATE, body)]
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()
    end = time.perf_counter() + seconds

    def run(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = k
        while time.perf_counter() < end:
            method, path, data = mix[i % len(mix)]
            status, t = request(port, method, path, data, conn=conn)
            with lock:
                if status == 200:
                    times.append(t)
                else:
                    errors[0] += 1
            if status == 0:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            i += 1
        conn.close()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    times.sort()
    pct = (lambda q: times[min(len(times) - 1, int(q * len(times)))] * 1000) if times else (lambda q: float("nan"))
    return {"rps": len(times) / wall, "p50": pct(0.5), "p95": pct(0.95), "errors": errors[0]}


def recover(port: int, limit: float = 90) -> None:
    """Waits until the server answers a page promptly again (slow clients of the last scenario gone)."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit:
        status, seconds = request(port, "GET", "/", timeout=2)
        if status == 200 and seconds < 1:
            return
        time.sleep(0.5)


def fmt(values: list[float | None], timeout: float) -> str:
    ok = [v for v in values if v is not None]
    if not ok:
        return f">{timeout:g} s"
    worst = max(ok) if len(ok) == len(values) else None
    return f"{statistics.median(ok) * 1000:.0f} / {worst * 1000:.0f} ms" if worst is not None \
        else f"{statistics.median(ok) * 1000:.0f} ms, {len(values) - len(ok)} failed"


def table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"
    print(line(headers))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(line(r))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--setups", nargs="+", default=list(SETUPS), choices=list(SETUPS))
    ap.add_argument("--db", type=Path, default=REPO / "data" / "aigap.duckdb")
    ap.add_argument("--n", type=int, nargs="+", default=[2, 300], help="slow connections per scenario")
    ap.add_argument("--trickle", type=float, default=2.0, help="seconds between the slow clients' bytes")
    ap.add_argument("--hold", type=float, default=3.0, help="seconds the slow clients are open before timing")
    ap.add_argument("--repeat", type=int, default=3, help="normal requests of each kind per scenario")
    ap.add_argument("--timeout", type=float, default=5.0, help="deadline of one normal request")
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=20.0, help="length of the throughput run")
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 2 * max(args.n) + 256
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores, open files limit "
          f"{resource.getrlimit(resource.RLIMIT_NOFILE)[0]}")
    tmp = Path(tempfile.mkdtemp(prefix="aigap-slowclient-"))
    db = tmp / "aigap.duckdb"
    shutil.copy(args.db, db)  # one copy for every setup: the server never sees the repository's file change
    body = callback_body(db)
    print(f"callback body: {len(body)} bytes (overview map, page as first opened)\n")

    rows: list[list[str]] = []
    tput: list[list[str]] = []
    try:
        for name in args.setups:
            server = Server(name, db, tmp / f"{name}.log")
            try:
                ready = server.wait_ready(body)
                print(f"{name}: ready in {ready:.1f} s", flush=True)
                for kind in ("slow headers", "short body"):
                    for n in args.n:
                        recover(server.port)
                        slow = SlowClients(server.port, kind, n, args.trickle)
                        time.sleep(args.hold)
                        got = probe(server.port, body, args.repeat, args.timeout)
                        alive = slow.close()
                        failed = sum(v is None for vs in got.values() for v in vs)
                        rows.append([name, f"{n} {kind}", *(fmt(got[k], args.timeout) for k in got),
                                     str(failed), str(alive)])
                        print("  " + " | ".join(rows[-1][1:]), flush=True)
                recover(server.port)
                t = throughput(server.port, body, args.clients, args.seconds)
                tput.append([name, f"{t['rps']:.1f}", f"{t['p50']:.0f}", f"{t['p95']:.0f}", str(t["errors"])])
                print("  throughput " + " | ".join(tput[-1][1:]), flush=True)
            finally:
                server.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"\nNormal requests while slow connections are open (median / slowest of {args.repeat}; "
          f"deadline {args.timeout:g} s; slow clients trickle a byte every {args.trickle:g} s, timing starts "
          f"{args.hold:g} s after they connect)\n")
    table(["setup", "slow connections", "page GET", "API GET", "callback POST", "failed", "slow still open"], rows)
    print(f"\nThroughput: {args.clients} clients, keep-alive, page / API / callback in turn, {args.seconds:g} s, "
          "no slow clients\n")
    table(["setup", "requests/s", "p50 ms", "p95 ms", "errors"], tput)


if __name__ == "__main__":
    main()
