"""Lighthouse 12 on every page of a running `aigap serve`: performance and accessibility, desktop and mobile.

Run from the repository root:

    .venv/bin/python benchmarks/lighthouse.py                       # every page, desktop and mobile, 3 runs each
    .venv/bin/python benchmarks/lighthouse.py --runs 1 --pages / /data --save /tmp/lh   # quicker, keep the JSON

What it does: installs npm `lighthouse@12.2.3` into ~/.cache/aigap-lighthouse (outside the repository; once), starts
`aigap serve` on a loopback port over the store (data/aigap.duckdb, or --db), fetches every page and the files it
loads once per worker so that no run pays the server's one-time work (page-bundle map, compression cache), then runs
Lighthouse (Debian's /usr/bin/chromium, `--headless=new --no-sandbox`; its default throttling: mobile is a
simulated slow 4G phone with a 4x slower CPU, desktop `--preset=desktop`) --runs times per page and form factor,
with categories performance and accessibility. Each run starts from an empty browser cache (a cold visit).

Printed per page and form factor: the median performance score (and the range), the median largest contentful
paint and total blocking time, the median accessibility score, and the median bytes transferred (Lighthouse's
total-byte-weight: compressed sizes as sent). Targets (issue 8): desktop performance >= 90 and LCP < 2.5 s,
mobile performance >= 70.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LIGHTHOUSE = "12.2.3"
CACHE = Path(os.environ.get("AIGAP_LIGHTHOUSE_DIR", Path.home() / ".cache" / "aigap-lighthouse"))
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
FORMS = {"desktop": ["--preset=desktop"], "mobile": []}


def lighthouse_bin() -> Path:
    """The pinned Lighthouse CLI, installed from the npm registry into CACHE if it is not there yet."""
    package = CACHE / "node_modules" / "lighthouse" / "package.json"
    if not package.exists() or json.loads(package.read_text())["version"] != LIGHTHOUSE:
        CACHE.mkdir(parents=True, exist_ok=True)
        if not (CACHE / "package.json").exists():
            subprocess.run(["npm", "init", "-y"], cwd=CACHE, check=True, capture_output=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--save-exact", f"lighthouse@{LIGHTHOUSE}"],
                       cwd=CACHE, check=True)
    return CACHE / "node_modules" / ".bin" / "lighthouse"


def page_paths(db: Path) -> list[str]:
    """Every registered page, in navigation order (the app is built in this process only to read the registry)."""
    import dash

    from aigap.app import create_app

    create_app(db)
    return [page["relative_path"] for page in dash.page_registry.values()]


def get(url: str, encoding: str = "identity") -> bytes:
    request = urllib.request.Request(url, headers={"Accept-Encoding": encoding})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.read()


def start_server(db: Path, port: int, workers: int) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "aigap.cli", "serve", "--port", str(port), "--db", str(db),
                               "--workers", str(workers)], cwd=REPO, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            get(f"http://127.0.0.1:{port}/")
            return server
        except OSError:
            time.sleep(0.5)
    stop_server(server)
    raise SystemExit("aigap serve did not answer within 120 s")


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def warm_up(base: str, paths: list[str], rounds: int) -> None:
    """Request every page and every file it names, ``rounds`` times (each worker builds its caches once)."""
    for _ in range(rounds):
        for path in paths:
            html = get(base + path).decode()
            files = re.findall(r'(?:src|href|content)="(/[^"]+)"', html)
            for file in files:
                if file.startswith(("/_dash-component-suites/", "/assets/")):
                    get(base + file.replace("&amp;", "&"), encoding="br")


def run_lighthouse(binary: Path, url: str, form: str, save: Path | None, tag: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(save or tmp) / f"{tag}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(binary), url, *FORMS[form], "--only-categories=performance,accessibility",
                        "--chrome-flags=--headless=new --no-sandbox", "--output=json", f"--output-path={out}",
                        "--quiet"], check=True, env={**os.environ, "CHROME_PATH": CHROME})
        report = json.loads(out.read_text())
    audits = report["audits"]
    return {"performance": report["categories"]["performance"]["score"] * 100,
            "accessibility": report["categories"]["accessibility"]["score"] * 100,
            "lcp": audits["largest-contentful-paint"]["numericValue"] / 1000,
            "tbt": audits["total-blocking-time"]["numericValue"],
            "fcp": audits["first-contentful-paint"]["numericValue"] / 1000,
            "kb": audits["total-byte-weight"]["numericValue"] / 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pages", nargs="*", help="page paths (default: every registered page)")
    parser.add_argument("--forms", nargs="*", default=list(FORMS), choices=list(FORMS))
    parser.add_argument("--db", type=Path, default=REPO / "data" / "aigap.duckdb")
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--save", type=Path, help="keep every Lighthouse JSON report in this folder")
    args = parser.parse_args()

    binary = lighthouse_bin()
    paths = args.pages or page_paths(args.db)
    base = f"http://127.0.0.1:{args.port}"
    server = start_server(args.db, args.port, args.workers)
    rows = []
    try:
        warm_up(base, paths, rounds=2 * args.workers)
        for path in paths:
            for form in args.forms:
                runs = [run_lighthouse(binary, base + path, form, args.save,
                                       f"{path.strip('/') or 'overview'}-{form}-{i}") for i in range(args.runs)]
                rows.append((path, form, runs))
                print(f"  {path} {form}: " + ", ".join(f"{r['performance']:.0f}" for r in runs), file=sys.stderr)
    finally:
        stop_server(server)

    print(f"Lighthouse {LIGHTHOUSE}, {args.runs} runs per row (medians), Chromium {CHROME}, `aigap serve` "
          f"--workers {args.workers}, load average {os.getloadavg()[0]:.1f}\n")
    print("| page | form factor | performance (range) | LCP s | TBT ms | FCP s | accessibility | transferred KB |")
    print("|---|---|---|---|---|---|---|---|")
    for path, form, runs in rows:
        med = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        low, high = min(r["performance"] for r in runs), max(r["performance"] for r in runs)
        print(f"| {path} | {form} | {med['performance']:.0f} ({low:.0f}-{high:.0f}) | {med['lcp']:.2f} | "
              f"{med['tbt']:.0f} | {med['fcp']:.2f} | {med['accessibility']:.0f} | {med['kb']:.0f} |")


if __name__ == "__main__":
    main()
