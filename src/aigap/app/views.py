"""The app's door to the view layer: store frames, view results cached per store file, and /download.

``/download/<page>.csv?<the page's own query string>`` (and ``.json``) answers with exactly the table the page
draws: the CSV button on each page is a link to it. Bad parameters give 400 with the API's JSON error shape.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask import Flask, Response, request

from .. import export
from ..analysis import views
from ..analysis.views import Frames, ParamError, UnknownPage, View
from ..store import Store
from . import state
from .api import error

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def build_frames(store: Store) -> Frames:
    """Frames over a store: observations and aggregates read once per indicator and store file, whole-table
    data a view builds kept in the same per-file memo."""

    def load(indicator_id: str):
        return store.memo(("obs", indicator_id), lambda: store.observations(indicator_id))

    def load_aggregates(indicator_id: str):
        return store.memo(("aggregates", indicator_id), lambda: store.aggregates(indicator_id))

    return Frames(store.indicators(), store.countries(), store.groups(), store.group_members(), load,
                  store.excluded_names(), load_aggregates, lambda key, fn: store.memo(("frames", key), fn))


def frames() -> Frames:
    """The app store's frames, built once per store file."""
    store = state.store()
    return store.memo(("frames",), lambda: build_frames(store))


def parse(page: str, params: Mapping[str, object], strict: bool = False) -> tuple[str, object]:
    """(table, typed parameters) of a page's query string; lenient by default (a page opened from an old link)."""
    return views.parse(page, params, frames(), strict=strict)


def view(page: str, params: object, table: str | None = None) -> View:
    """The view's result for these parameters, computed once per store file (treat it as read-only)."""
    table = table or next(iter(views.module(page).TABLES))
    store = state.store()
    return store.memo(("view", page, table, params), lambda: views.compute(page, table, params, frames()))


def download_href(page: str, search: str | None, fmt: str = "csv", table: str | None = None) -> str:
    """The /download link for a page's current query string (``?a=1&b=2`` or empty)."""
    search = (search or "").lstrip("?")
    if table:
        search = "&".join(filter(None, [search, f"table={table}"]))
    return f"/download/{page}.{fmt}" + (f"?{search}" if search else "")


def filename(page: str, table: str, params: object, fmt: str) -> str:
    """A readable file name from the view's parameters: aigap_overview_map_ai_vc_investment_2025_absolute.csv."""
    values = vars(params).items() if hasattr(params, "__dict__") else ()
    parts = [page, table, *[
        key if value is True else "-".join(str(v) for v in value if v not in (None, "")) if isinstance(value, tuple)
        else str(value)
        for key, value in values if value not in (None, "", (), False)]]
    parts = [part for part in parts if part]
    stem = _SAFE.sub("-", "_".join(str(p) for p in parts))[:150].strip("-_")
    return f"aigap_{stem}.{fmt}"


def register(server: Flask) -> None:
    @server.get("/download/<page>.<fmt>")
    def download(page: str, fmt: str):
        if fmt not in ("csv", "json"):
            return error(f"format must be csv or json, got {fmt!r}", 404)
        try:
            table, params = parse(page, request.args.to_dict(flat=False), strict=True)
        except UnknownPage as exc:
            return error(str(exc), 404)
        except ParamError as exc:
            return error(str(exc))
        result = view(page, params, table)
        body = export.to_csv(result.table) if fmt == "csv" else export.to_json(result.table)
        return Response(body, mimetype="text/csv" if fmt == "csv" else "application/json",
                        headers={"Content-Disposition":
                                 f'attachment; filename="{filename(page, table, params, fmt)}"'})

    @server.route("/download/<path:_rest>")
    def download_unknown(_rest):  # without this, Dash's page router would answer 200 with an HTML page
        return error(f"no such download {request.path}; try /download/<page>.csv", 404)
