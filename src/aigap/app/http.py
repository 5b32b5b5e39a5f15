"""HTTP hygiene and page weight: security headers, caching rules, no version strings, a light first load.

- Content-Security-Policy without 'unsafe-inline' scripts: Dash's own inline scripts are allowed by hash
  (``Dash.csp_hashes``, computed once every callback is registered). Styles may be inline (plotly and Dash set
  style attributes). ``frame-ancestors`` comes from $AIGAP_FRAME_ANCESTORS (default 'self').
- X-Content-Type-Options, Referrer-Policy; no Server version, no Python, Dash or package version in the page (the
  config's version fields are blanked, the bundles' fingerprints hashed).
- Cache-Control: fingerprinted component bundles and assets (``?m=<mtime>`` in the page) for a year, immutable;
  HTML, callbacks, the API and /download revalidate (no-cache) with an ETag, so a warm visit transfers only what
  changed. Static files are compressed once per process (brotli or gzip), everything else by flask-compress.
- :class:`PageDash` serves each page with the component bundles its layout uses (the 1.3 MB grid bundle only where
  a grid is), points dcc.Graph at a partial plotly.js (assets/vendor, built by scripts/build-plotly) instead of
  the full plotly.min.js, and uses a page template with ``lang``, one ``main`` and one ``contentinfo`` landmark.
  assets/aigap-load.js reads the two ``aigap:`` meta tags it writes.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import html
import os
import re
from collections.abc import Callable
from pathlib import Path

import brotli
import dash
from dash import Dash
from dash.fingerprint import check_fingerprint
from flask import Response, request
from plotly.io.json import to_json_plotly

_VERSIONS = re.compile(r'"(python_version|dash_version|plotly_version)":"[^"]*"')
_FINGERPRINT = re.compile(r"\.v([\w-]+)m([0-9a-fA-F]+)\.")  # Dash's .v<package version>m<mtime>. in bundle names
IMMUTABLE = "public, max-age=31536000, immutable"
SUITES = "/_dash-component-suites/"
VENDOR = "vendor"  # assets/vendor: served, but not put in every page by Dash
PLOTLY_BUNDLE = f"{VENDOR}/plotly-aigap.min.js"

# Dash's default template minus the IE alert, with a language, and with no <footer> around the scripts (the
# layout's own footer is the page's one contentinfo landmark).
INDEX = """<!DOCTYPE html>
<html lang="en">
<head>
{%metas%}
<title>{%title%}</title>
{%favicon%}
{%css%}
</head>
<body>
{%app_entry%}
{%config%}
{%scripts%}
{%renderer%}
</body>
</html>
"""

# Static files are compressed once per process at a high level (brotli 9: plotly.js 441 KB against 495 KB at
# the per-response level flask-compress uses), and with gzip for clients without brotli (plain HTTP).
_ENCODE = {"br": lambda data: brotli.compress(data, quality=9), "gzip": lambda data: gzip.compress(data, 9, mtime=0)}
_TEXT = {"text/javascript", "application/javascript", "text/css", "application/json"}
_compressed: dict[tuple[str, str, str], bytes] = {}

_SCRIPT = re.compile(r'<script src="[^"]*' + SUITES + r'([^"]+)"></script>\n?')
_NAMESPACE = re.compile(r'"namespace":\s*"([^"]+)"')


def frame_ancestors() -> str:
    return os.environ.get("AIGAP_FRAME_ANCESTORS", "'self'")


def csp(script_hashes: list[str]) -> str:
    return "; ".join([
        "default-src 'self'",
        "script-src 'self' " + " ".join(script_hashes),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {frame_ancestors()}",
    ])


def library(suite_path: str) -> str | None:
    """The component namespace a /_dash-component-suites/ bundle serves, or None for Dash's core (always loaded)."""
    top, _, rest = suite_path.partition("/")
    if top != "dash":
        return top
    return "dash_table" if rest.startswith("dash_table/") else None


def namespaces(layout: Callable[[], object] | object) -> frozenset[str]:
    """Every component library a layout (or layout function, called without a query) uses, at any depth."""
    tree = layout() if callable(layout) else layout
    return frozenset(_NAMESPACE.findall(to_json_plotly(tree)))


class PageDash(Dash):
    """A Dash app whose pages load only the component bundles they use (see the module docstring)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, index_string=INDEX, assets_path_ignore=[f"^{VENDOR}$"], **kwargs)
        self._needs: dict[str | None, frozenset[str]] | None = None

    def page_needs(self) -> dict[str | None, frozenset[str]]:
        """Page path -> the libraries of the app shell plus that page's default layout; None -> the shell alone.

        Computed once, on the first page request (the layouts read the store)."""
        if self._needs is None:
            shell = namespaces(self.layout)
            needs: dict[str | None, frozenset[str]] = {None: shell}
            needs.update({page["relative_path"]: shell | namespaces(page["layout"])
                          for page in dash.page_registry.values()})
            self._needs = needs
        return self._needs

    def _page(self) -> dict | None:
        here = self.strip_relative_path(request.path)
        return next((p for p in dash.page_registry.values() if self.strip_relative_path(p["relative_path"]) == here),
                    None)

    @functools.cached_property
    def plotly_url(self) -> str:
        """The partial plotly.js's fingerprinted URL, read from the file once (not on every page request)."""
        path = Path(self.config.assets_folder, PLOTLY_BUNDLE)
        return f"{self.get_asset_url(PLOTLY_BUNDLE)}?m={path.stat().st_mtime}"

    def interpolate_index(self, **kwargs) -> str:
        needs = self.page_needs()
        page = self._page()
        here = needs[page["relative_path"] if page else None]
        scripts = kwargs["scripts"]
        optional = {library(m.group(1)) for m in _SCRIPT.finditer(scripts)} - {None}
        kwargs["scripts"] = _SCRIPT.sub(
            lambda m: "" if library(m.group(1)) in optional - here else _FINGERPRINT.sub(_unversioned, m.group(0)),
            scripts)
        full_load = sorted(path for path, libs in needs.items() if path and (libs & optional) - here)
        kwargs["metas"] += "\n" + "\n".join([_meta("aigap:plotly", self.plotly_url),
                                             _meta("aigap:full-load", " ".join(full_load))])
        kwargs["config"] = _VERSIONS.sub(lambda m: f'"{m.group(1)}":""', kwargs["config"])
        if page is not None and isinstance(page.get("title"), str):
            kwargs["title"] = html.escape(page["title"])
        return super().interpolate_index(**kwargs)


def _unversioned(match: re.Match) -> str:
    """A bundle fingerprint that still changes with the package version but does not show it (Dash only checks
    its shape, v<word>m<hex>, and serves the file without it)."""
    digest = hashlib.sha256(match.group(0).encode()).hexdigest()[:12]
    return f".v{digest}m{match.group(2)}."


def _meta(name: str, content: str) -> str:
    return f'<meta name="{name}" content="{html.escape(content)}">'


def _fingerprinted(assets_prefix: str) -> bool:
    """A URL whose content never changes: Dash's versioned bundles, or an asset with the ?m=<mtime> Dash adds."""
    path = request.path
    if path.startswith(SUITES):
        return check_fingerprint(path)[1]
    return path.startswith(assets_prefix) and "m" in request.args


def _compress_once(response: Response) -> None:
    """Encode a static text file (bundle or asset) from a per-process cache, keyed by file and ETag rather than by
    the URL's fingerprint so that made-up fingerprints cannot grow it; flask-compress leaves it alone then."""
    algorithm = request.accept_encodings.best_match(list(_ENCODE))
    if algorithm is None or response.mimetype not in _TEXT or "Content-Encoding" in response.headers:
        return
    etag = response.get_etag()[0] or ""
    key = (check_fingerprint(request.path)[0], etag, algorithm)
    response.direct_passthrough = False
    if key not in _compressed:
        _compressed[key] = _ENCODE[algorithm](response.get_data())
    elif callable(close := getattr(response.response, "close", None)):  # a file left unread
        response.call_on_close(close)
    response.set_data(_compressed[key])
    response.headers["Content-Encoding"] = algorithm
    response.headers.pop("Accept-Ranges", None)
    response.vary.add("Accept-Encoding")
    if etag:
        response.set_etag(f"{etag}-{algorithm}")
        response.make_conditional(request)


def register(app: Dash) -> None:
    hashes: list[str] = []
    assets_prefix = app.get_asset_url("")

    @app.server.after_request
    def harden(response: Response) -> Response:
        if not hashes:  # every callback (and clientside script) is registered by the first request
            hashes.extend(app.csp_hashes())
        headers = response.headers
        headers["Content-Security-Policy"] = csp(hashes)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        headers.pop("Server", None)
        if request.method != "GET" or response.status_code != 200:
            return response
        if _fingerprinted(assets_prefix):
            headers["Cache-Control"] = IMMUTABLE
        elif "Cache-Control" not in headers:
            headers["Cache-Control"] = "no-cache"
            if not response.direct_passthrough:
                response.add_etag()
                response.make_conditional(request)
        if request.path.startswith((SUITES, assets_prefix)):
            _compress_once(response)
        return response
