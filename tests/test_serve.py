"""`aigap serve` as a user starts it: waitress processes on a loopback port, store built if missing, steady while
slow or stalled clients hold hundreds of connections, and a worker that dies is replaced."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 5) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class Serve:
    """`python -m aigap.cli serve` in its own process group; its output is collected."""

    def __init__(self, db: Path, *args: str) -> None:
        self.db = db
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "aigap.cli", "serve", "--port", str(self.port), "--db", str(db), *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ}, start_new_session=True)

    def wait(self, limit: float = 90) -> tuple[int, bytes]:
        deadline = time.time() + limit
        while time.time() < deadline:
            assert self.proc.poll() is None, self.stop()
            try:
                return get(self.url + "/")
            except OSError:
                time.sleep(0.3)
        raise AssertionError(f"no answer within {limit} s:\n{self.stop()}")

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in path.read_text().split()]

    def stop(self) -> str:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            return self.proc.communicate(timeout=20)[0].decode(errors="replace")
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            return self.proc.communicate()[0].decode(errors="replace")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One server for the module (starting one costs seconds), on a store path that does not exist yet."""
    server = Serve(tmp_path_factory.mktemp("serve") / "aigap.duckdb")
    try:
        yield server
    finally:
        server.stop()


def test_serve_builds_the_store_and_answers_pages_and_api(served):
    status, body = served.wait()
    assert status == 200 and b"aigap" in body
    assert served.db.exists()  # built from the shipped snapshot on first start
    status, body = get(f"{served.url}/api/v1/indicators")
    assert status == 200 and len(json.loads(body)) >= 20
    status, body = get(f"{served.url}/api/v1/observations?indicator=nope")
    assert status == 400 and b"unknown indicator" in body
    for path in ("/compare", "/profile", "/explorer", "/index", "/gap", "/data", "/methods"):
        assert get(f"{served.url}{path}")[0] == 200


def slow_connections(port: int, n: int, first: bytes, trickle: bytes, stop: threading.Event) -> list[socket.socket]:
    """``n`` connections that send ``first`` and then one byte of ``trickle`` every 0.5 s until ``stop``."""
    socks = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(n)]
    for s in socks:
        s.sendall(first)

    def run() -> None:
        for byte in trickle:
            if stop.wait(0.5):
                return
            for s in socks:
                s.send(bytes([byte]))

    threading.Thread(target=run, daemon=True).start()
    return socks


def still_open(socks: list[socket.socket]) -> int:
    """How many of ``socks`` the server has neither answered nor closed."""
    count = 0
    for s in socks:
        s.setblocking(False)
        try:
            s.recv(1)
        except BlockingIOError:
            count += 1
    return count


def timed_get(url: str) -> float:
    t0 = time.perf_counter()
    status, body = get(url, timeout=5)
    assert status == 200 and body
    return time.perf_counter() - t0


def test_300_slow_clients_do_not_stall_the_server(served):
    """The module's server (defaults: 2 processes x 4 threads), 300 clients sending their headers a byte at a time,
    then 300 POSTs whose body is shorter than their Content-Length: pages and the API still answer within the
    deadline (gunicorn's sync workers stalled ~30 s)."""
    assert served.wait()[0] == 200
    stop = threading.Event()
    headers = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Slow: 1\r\n" * 100
    short_body = (b"POST /_dash-update-component HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 1000\r\n\r\n{\"output\": ")
    socks = []
    try:
        socks += slow_connections(served.port, 300, b"G", headers[1:], stop)
        time.sleep(2)
        assert timed_get(served.url + "/") < 5
        assert timed_get(served.url + "/api/v1/indicators") < 5
        socks += slow_connections(served.port, 300, short_body, b"", stop)
        time.sleep(2)
        assert timed_get(served.url + "/compare") < 5
        assert timed_get(served.url + "/api/v1/observations?indicator=ai_vc_investment&country=USA") < 5
        assert still_open(socks) == 600  # held, not shed: the server really carried them meanwhile
    finally:
        stop.set()
        for s in socks:
            s.close()


def test_a_killed_worker_is_replaced(served):
    assert served.wait()[0] == 200
    before = served.workers()
    assert len(before) == 2
    os.kill(before[0], signal.SIGKILL)
    deadline = time.time() + 30
    while time.time() < deadline and (len(served.workers()) < 2 or before[0] in served.workers()):
        time.sleep(0.2)
    after = served.workers()
    assert len(after) == 2 and before[0] not in after and before[1] in after
    for _ in range(6):  # both processes, old and new, answer (connections spread over them)
        assert get(served.url + "/api/v1/indicators", timeout=10)[0] == 200
