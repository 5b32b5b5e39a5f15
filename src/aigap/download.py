"""Fetch the publishers' current files into a cache folder laid out like ../shared/data/raw.

Only sources with a direct download are fetched; for the others (TOP500 needs a login, OECD.AI an
export by hand) the files are copied from ``manual_from`` when given, and `aigap info` says where to
get them. A zip (the World Bank API's per-indicator download) is unpacked into the source's folder.
"""

from __future__ import annotations

import io
import logging
import shutil
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from . import catalogue

USER_AGENT = "aigap (+https://github.com/aigap) python-urllib"
log = logging.getLogger(__name__)


class DownloadError(OSError):
    """A publisher URL that did not give a file."""


def mirror(url: str, base_url: str | None) -> str:
    """The URL to fetch: the publisher's, or the same path under a mirror (used by tests)."""
    if not base_url:
        return url
    parts = urlsplit(url)
    return base_url.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")


def fetch(url: str, target: Path, timeout: float = 60) -> int:
    """Download ``url`` to ``target`` (unpacking a zip next to it); returns bytes received."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = response.read()
    except OSError as exc:
        raise DownloadError(f"{url}: {exc}") from None
    if not payload:
        raise DownloadError(f"{url}: empty response")
    target.parent.mkdir(parents=True, exist_ok=True)
    if payload[:4] == b"PK\x03\x04" and target.suffix.lower() != ".xlsx":
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            archive.extractall(target.parent)
    else:
        tmp = target.with_name(target.name + ".part")
        tmp.write_bytes(payload)
        tmp.replace(target)
    log.info("fetched %s (%d bytes) into %s", url, len(payload), target.parent)
    return len(payload)


def fetch_all(cache: Path, *, base_url: str | None = None, manual_from: Path | None = None,
              progress: Callable[[str], None] = lambda _m: None) -> None:
    cache = Path(cache)
    for source in catalogue.sources().values():
        folder = cache / source.folder
        if folder.is_dir():
            shutil.rmtree(folder)  # a fresh copy each run: no stale release left beside the new one
        for name, url in source.downloads.items():
            url = mirror(url, base_url)
            size = fetch(url, folder / name)
            progress(f"{source.id}: {name} ({size:,} bytes) from {url}")
        if manual_from and (Path(manual_from) / source.folder).is_dir():
            for path in sorted((Path(manual_from) / source.folder).iterdir()):
                if path.is_file() and path.name not in source.downloads and not (folder / path.name).exists():
                    folder.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, folder / path.name)
                    log.info("copied %s into %s (no direct download)", path, folder)
                    progress(f"{source.id}: {path.name} copied from {manual_from} (no direct download)")
        elif source.manual and not folder.is_dir():
            progress(f"{source.id}: skipped, no direct download — {source.manual}")
