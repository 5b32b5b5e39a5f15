"""Screenshots of every registered page at a desktop (1440x900) and a phone (390x844) size, into screenshots/.

    .venv/bin/python tests/screenshots.py http://127.0.0.1:8190

Serve the app first (``aigap serve --port 8190``); the files are named <page>-<width>.png (git-ignored)."""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

PAGES = {"overview": "/", "compare": "/compare", "profile": "/profile", "explorer": "/explorer", "index": "/index",
         "gap": "/gap", "data": "/data", "methods": "/methods"}
SIZES = [(1440, 900), (390, 844)]
OUT = Path(__file__).resolve().parents[1] / "screenshots"


def main(base: str) -> None:
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        for width, height in SIZES:
            page = browser.new_page(viewport={"width": width, "height": height}, is_mobile=width < 500,
                                    has_touch=width < 500)
            for name, path in PAGES.items():
                page.goto(base + path)
                page.wait_for_selector("#_pages_content > *", timeout=30000)
                page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')",
                                       timeout=30000)
                page.wait_for_timeout(1500)
                page.screenshot(path=str(OUT / f"{name}-{width}.png"), full_page=True)
                print(OUT / f"{name}-{width}.png")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8190")
