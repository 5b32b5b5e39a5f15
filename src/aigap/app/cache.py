"""One response cache for every server process: a callback, /download or /api/v1 answer is computed once per store
file and code, then served from disk by any worker or replica on the same machine.

What is cached: 200 answers of ``POST /_dash-update-component`` (keyed on the callback's output, outputs, inputs,
state and changedPropIds: everything Dash hands a callback), ``GET /download/...`` and ``GET /api/v1/...`` (keyed on
path and query string). The lookup happens inside Flask's dispatch, i.e. after every ``before_request`` check
(app/guard.py's envelope check: a refused request never reaches the cache) and before every ``after_request`` step
(security headers, Cache-Control/ETag, compression), so cached answers get those exactly like fresh ones.

Every key starts with the store version (path, inode, mtime of the file the process reads: an ingest swaps in a new
file, so its answers never mix with the old one's) and a digest of aigap's source and the libraries that shape an
answer (a new release never serves an old one's output). A callback's answer may depend on nothing but its inputs
and the store; pages use no clock, randomness (the index's robustness draws are seeded) or request data
(tests/test_cache.py checks the page modules for it); an output that had to is listed in ``UNCACHED``.

Storage: flask-caching's FileSystemCache (cachelib: atomic writes through a temporary file and ``os.replace``, so
concurrent writers and readers never see half a file), storing raw bytes (no pickle), in $AIGAP_CACHE_DIR (default
``<temp dir>/aigap-cache-<uid>``, created private to the user; a directory others can write is refused). Bounded by
$AIGAP_CACHE_MB (default 256): each process prunes the least recently used entries (a hit refreshes the file's
mtime) after writing a sixteenth of the bound, so the folder exceeds it by at most that much per writing process.
``X-Aigap-Cache: hit|miss`` on every cacheable answer says which it was.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from importlib.metadata import version as dist_version
from pathlib import Path
from typing import BinaryIO, Callable

from dash import Dash
from flask import Response, request
from flask_caching.backends.filesystemcache import FileSystemCache

from ..store import StoreMissing
from . import state

log = logging.getLogger("aigap.app")
HEADER = "X-Aigap-Cache"
CALLBACK_FIELDS = ("output", "outputs", "inputs", "state", "changedPropIds")
KEPT_HEADERS = ("Content-Type", "Content-Disposition")  # what describes the body; the rest is added per response
GET_PREFIXES = ("/download/", "/api/v1/")
UNCACHED: frozenset[str] = frozenset()  # callback outputs ("id.prop") whose answer depends on more than inputs+store
DEFAULT_MB = 256
_TMP_SUFFIX = FileSystemCache._fs_transaction_suffix
_STALE_TMP_S = 600  # a temporary file this old is a write that was killed half-way


def default_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"aigap-cache-{os.getuid()}"


def private_dir(path: Path) -> Path:
    """``path``, created if missing, owned by this user and writable by nobody else (entries are trusted)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = path.stat()
    if st.st_uid != os.getuid() or st.st_mode & 0o022:
        raise PermissionError(f"cache directory {path} is not private to this user (owner {st.st_uid}, "
                              f"mode {st.st_mode & 0o777:o}); set AIGAP_CACHE_DIR to a folder of your own")
    return path


def code_digest() -> str:
    """A digest of aigap's Python sources and of the libraries that shape an answer's bytes."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    for source in sorted(package.rglob("*.py")):
        digest.update(str(source.relative_to(package)).encode() + b"\0" + source.read_bytes())
    for name in ("dash", "plotly", "pandas", "numpy", "duckdb", "flask"):
        digest.update(f"{name}={dist_version(name)};".encode())
    return digest.hexdigest()[:16]


class _Raw:
    """cachelib serializer for bytes as they are (its default is pickle)."""

    def dump(self, value: bytes, f: BinaryIO) -> None:
        f.write(value)

    def load(self, f: BinaryIO) -> bytes:
        return f.read()


class ResponseCache(FileSystemCache):
    """A FileSystemCache of bytes with a size bound over the whole folder, shared by every process that uses it."""

    serializer = _Raw()

    def __init__(self, directory: Path, max_bytes: int) -> None:
        super().__init__(str(private_dir(directory)), threshold=0, default_timeout=0)  # no count file: pruned below
        self.directory = directory
        self.max_bytes = max_bytes
        self._written = 0
        self._prune_lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        value = super().get(key)
        if value is not None:
            try:
                os.utime(self._get_filename(key))  # recently used: pruned last
            except FileNotFoundError:
                pass
        return value

    def set(self, key: str, value: bytes, timeout: int | None = None, mgmt_element: bool = False) -> bool:
        if len(value) > self.max_bytes // 8:
            return False  # one answer may not push out a large part of the cache
        stored = super().set(key, value, timeout, mgmt_element)
        self._written += len(value)
        if self._written > self.max_bytes // 16 and self._prune_lock.acquire(blocking=False):
            try:
                self._written = 0
                self.prune()
            finally:
                self._prune_lock.release()
        return stored

    def prune(self) -> None:
        """Remove the least recently used entries until the folder holds at most 7/8 of the bound (and any
        temporary file a killed writer left)."""
        entries, total, now = [], 0, time.time()
        with os.scandir(self.directory) as it:
            for entry in it:
                try:
                    st = entry.stat()
                except FileNotFoundError:
                    continue
                if entry.name.endswith(_TMP_SUFFIX):
                    if now - st.st_mtime > _STALE_TMP_S:
                        _remove(entry.path)
                    continue
                entries.append((st.st_mtime, st.st_size, entry.path))
                total += st.st_size
        if total <= self.max_bytes:
            return
        for _, size, path in sorted(entries):
            _remove(path)
            total -= size
            if total <= self.max_bytes * 7 // 8:
                break

    def size(self) -> int:
        """Bytes held in the folder now."""
        with os.scandir(self.directory) as it:
            return sum(e.stat().st_size for e in it if not e.name.endswith(_TMP_SUFFIX))


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:  # another process pruned it first
        pass


def from_env() -> ResponseCache:
    """The cache in $AIGAP_CACHE_DIR (or the default folder), bounded by $AIGAP_CACHE_MB."""
    directory = Path(os.environ.get("AIGAP_CACHE_DIR") or default_dir())
    return ResponseCache(directory, int(float(os.environ.get("AIGAP_CACHE_MB", DEFAULT_MB)) * 1024 * 1024))


# -- the entries: a JSON line of headers, then the body -----------------------------------------------------------
def _pack(response: Response) -> bytes:
    headers = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
    return json.dumps(headers).encode() + b"\n" + response.get_data()


def _unpack(entry: bytes) -> Response:
    head, _, body = entry.partition(b"\n")
    return Response(body, status=200, headers=json.loads(head))


def _request_key(callback_path: str) -> str | None:
    """What identifies the answer to this request, or None when it is not cached."""
    if request.method == "POST" and request.path == callback_path:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or body.get("output") in UNCACHED:
            return None
        return "cb " + json.dumps({f: body.get(f) for f in CALLBACK_FIELDS}, sort_keys=True, separators=(",", ":"))
    if request.method == "GET" and request.path.startswith(GET_PREFIXES):
        return f"get {request.path}?{request.query_string.decode('latin-1')}"
    return None


def register(app: Dash) -> None:
    """Serve cacheable answers through the shared cache (see the module docstring)."""
    try:
        cache = from_env()
    except (OSError, ValueError) as exc:  # an unusable folder or bound: serve uncached rather than not at all
        log.warning("response cache off: %s", exc)
        return
    app.server.extensions["aigap_cache"] = cache
    code = code_digest()
    callback_path = app.config.routes_pathname_prefix + "_dash-update-component"
    dispatch: Callable = app.server.dispatch_request

    def version() -> str | None:
        try:
            return json.dumps(state.store().version())
        except StoreMissing:
            return None

    def cached_dispatch():
        what = _request_key(callback_path)
        before = version() if what is not None else None
        if before is None:
            return dispatch()
        key = f"{code} {before} {what}"
        entry = cache.get(key)
        if entry is not None:
            response = _unpack(entry)
            response.headers[HEADER] = "hit"
            return response
        response = app.server.make_response(dispatch())
        if response.status_code == 200 and not response.is_streamed:
            if version() == before:  # not when a new store arrived meanwhile: the answer may mix both
                cache.set(key, _pack(response))
            response.headers[HEADER] = "miss"
        return response

    app.server.dispatch_request = cached_dispatch
