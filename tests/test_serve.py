"""`aigap serve` as a user starts it: gunicorn workers on a loopback port, store built if missing."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


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


def test_serve_builds_the_store_and_answers_pages_and_api(tmp_path: Path):
    db = tmp_path / "aigap.duckdb"
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "aigap.cli", "serve", "--port", str(port), "--workers", "2", "--db", str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ}, start_new_session=True)
    try:
        deadline = time.time() + 60
        status = None
        while time.time() < deadline:
            try:
                status, body = get(f"http://127.0.0.1:{port}/")
                break
            except OSError:
                time.sleep(0.3)
        assert status == 200 and b"aigap" in body
        assert db.exists()  # built from the shipped snapshot on first start
        status, body = get(f"http://127.0.0.1:{port}/api/v1/indicators")
        assert status == 200 and len(json.loads(body)) >= 20
        status, body = get(f"http://127.0.0.1:{port}/api/v1/observations?indicator=nope")
        assert status == 400 and b"unknown indicator" in body
        for path in ("/compare", "/profile", "/explorer", "/index", "/gap", "/data", "/methods"):
            assert get(f"http://127.0.0.1:{port}{path}")[0] == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        out = proc.communicate(timeout=20)[0].decode(errors="replace")
    assert "gunicorn" in out.lower() or "Booting worker" in out, out
