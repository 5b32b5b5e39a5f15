"""HTTP hygiene on every response: security headers, caching rules, and no version strings.

- Content-Security-Policy without 'unsafe-inline' scripts: Dash's own inline scripts are allowed by hash
  (``Dash.csp_hashes``, computed once every callback is registered). Styles may be inline (plotly and Dash set
  style attributes). ``frame-ancestors`` comes from $AIGAP_FRAME_ANCESTORS (default 'self').
- X-Content-Type-Options, Referrer-Policy; no Server version, no Python/Dash version in the page config.
- Cache-Control: fingerprinted component bundles for a year (Dash sets that); HTML, callbacks, the API and
  /download revalidate (no-cache) with an ETag, so a warm visit transfers only what changed.
"""

from __future__ import annotations

import os
import re

from dash import Dash
from flask import Response, request

_VERSIONS = re.compile(rb'"(python_version|dash_version)":"[^"]*"')


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


def register(app: Dash) -> None:
    hashes: list[str] = []

    @app.server.after_request
    def harden(response: Response) -> Response:
        if not hashes:  # every callback (and clientside script) is registered by the first request
            hashes.extend(app.csp_hashes())
        headers = response.headers
        headers["Content-Security-Policy"] = csp(hashes)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        headers.pop("Server", None)
        if response.mimetype == "text/html" and not response.direct_passthrough:
            response.set_data(_VERSIONS.sub(lambda m: b'"' + m.group(1) + b'":""', response.get_data()))
        if "Cache-Control" not in headers and request.method == "GET" and response.status_code == 200:
            headers["Cache-Control"] = "no-cache"
            if not response.direct_passthrough:
                response.add_etag()
                response.make_conditional(request)
        return response
