"""``aigap brief <ISO3> -o FILE.pdf|.html``: the country brief without a server.

The HTML is the page ``/brief/<ISO3>`` serves (``app.brief.render`` over the same store); the PDF is Chromium's own
print-to-PDF of that HTML (Debian's /usr/bin/chromium, or $AIGAP_CHROMIUM), which honours the page's ``@page`` size.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .analysis.views import brief as brief_view
from .analysis.views.base import Query
from .store import Store

PDF_TIMEOUT = 90  # seconds for Chromium to print one page
_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--no-pdf-header-footer")


class BriefError(RuntimeError):
    """The brief could not be written (unknown country, no Chromium, Chromium failed)."""


def chromium() -> str:
    """The Chromium to print with: $AIGAP_CHROMIUM, else ``chromium`` on the PATH."""
    found = os.environ.get("AIGAP_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise BriefError("no Chromium found for the PDF: install Debian's chromium or set $AIGAP_CHROMIUM "
                         "(or write .html instead)")
    return found


def html(iso3: str, store: Store, paper: str = "a4") -> str:
    """The brief's HTML for ``iso3`` from ``store`` (ParamError for a code that is not a country)."""
    from .app.brief import render
    from .app.views import build_frames

    frames = build_frames(store)
    return render(brief_view.parse(Query({"country": iso3}), frames), frames, paper)


def pdf(page: str, output: Path, timeout: float = PDF_TIMEOUT) -> None:
    """Print ``page`` (HTML) to ``output`` with headless Chromium, in a throw-away profile."""
    with tempfile.TemporaryDirectory(prefix="aigap-brief-") as tmp:
        source = Path(tmp) / "brief.html"
        source.write_text(page, encoding="utf-8")
        target = Path(tmp) / "brief.pdf"
        command = [chromium(), *_FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}", f"--print-to-pdf={target}",
                   source.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise BriefError(f"Chromium did not print the brief within {timeout:.0f} s") from None
        if not target.exists() or target.read_bytes()[:5] != b"%PDF-":
            tail = (done.stderr or "").strip().splitlines()[-3:]
            raise BriefError(f"Chromium wrote no PDF (exit {done.returncode}): {' | '.join(tail)}")
        shutil.move(str(target), output)


def write(iso3: str, output: Path, store: Store, paper: str = "a4") -> Path:
    """Write the brief as ``.html`` or ``.pdf`` (by the output's suffix)."""
    suffix = output.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise BriefError(f"write the brief to a .pdf or .html file, not {output.name!r}")
    page = html(iso3, store, paper)
    if suffix == ".pdf":
        pdf(page, output)
    else:
        output.write_text(page, encoding="utf-8")
    return output
