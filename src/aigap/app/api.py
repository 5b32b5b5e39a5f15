"""/api/v1: the catalogue and observations as JSON or CSV, with parameter validation (400, never 500)."""

from __future__ import annotations

from flask import Flask, Response, jsonify, request

from .. import export
from ..analysis.views.base import ParamError, Query
from . import openapi, state

MAX_BODY = 1024 * 1024  # the largest legitimate callback body is a few KB; anything over 1 MB gets 413


def _query() -> Query:
    """The request's parameters, read strictly: a repeated, unknown or empty parameter is refused (the names are
    the ones the OpenAPI document declares for this path)."""
    query = Query(request.args.to_dict(flat=False), strict=True)
    query.unknown(openapi.API_PARAMS[request.path])
    empty = sorted(key for key, value in query.values.items() if not value)
    if empty:
        raise ParamError(f"parameter(s) without a value: {', '.join(empty)}")
    return query


def _format(query: Query) -> str:
    return query.choice("format", ["json", "csv"], "json")


def error(message: str, status: int = 400):
    """The one JSON error shape of every 4xx answer of the API and /download."""
    response = jsonify({"error": message, "status": status})
    response.status_code = status
    return response


def _document() -> dict:
    """The OpenAPI document over the app's store, built once per store file."""
    store = state.store()
    return store.memo(("openapi",), lambda: openapi.document(store))


def register(server: Flask) -> None:
    server.config["MAX_CONTENT_LENGTH"] = MAX_BODY

    @server.errorhandler(413)
    def too_large(_exc):
        return error(f"request body over {MAX_BODY // 1024} KB", 413)

    @server.get("/api/v1/indicators")
    def api_indicators():
        try:
            fmt = _format(_query())
        except ParamError as exc:
            return error(str(exc))
        frame = state.store().indicators()
        if fmt == "csv":
            frame = frame.assign(caveats=frame["caveats"].map(" | ".join),
                                 source_caveats=frame["source_caveats"].map(" | ".join))
            return Response(export.to_csv(frame), mimetype="text/csv")
        return Response(export.to_json(frame), mimetype="application/json")

    @server.get("/api/v1/observations")
    def api_observations():
        store = state.store()
        try:
            query = _query()
            indicator_id = query.text("indicator")
            if indicator_id is None:
                raise ParamError("'indicator' is required, e.g. ?indicator=ai_vc_investment; see /api/v1/indicators")
            if indicator_id not in set(store.indicators()["indicator_id"]):
                raise ParamError(f"unknown indicator {indicator_id!r}; see /api/v1/indicators")
            known = list(store.countries()["iso3"])  # upper or lower case, as the document's enum says
            codes = tuple(dict.fromkeys(c.upper() for c in query.items("country", known + [c.lower() for c in known],
                                                                       ())))
            year_from = query.integer("from", openapi.YEAR_MIN, openapi.YEAR_MAX, None)
            year_to = query.integer("to", openapi.YEAR_MIN, openapi.YEAR_MAX, None)
            if year_from is not None and year_to is not None and year_from > year_to:
                raise ParamError(f"'from' ({year_from}) is after 'to' ({year_to})")
            fmt = _format(query)
        except ParamError as exc:
            return error(str(exc))
        frame = store.observations(indicator_id, codes or None, year_from, year_to)
        if fmt == "csv":
            return Response(export.to_csv(frame), mimetype="text/csv",
                            headers={"Content-Disposition": f"attachment; filename={indicator_id}.csv"})
        return Response(export.to_json(frame), mimetype="application/json")

    @server.get("/api/v1/openapi.json")
    def api_openapi():
        return jsonify(_document())

    @server.get("/api/v1/docs")
    def api_docs():
        return Response(openapi.html_page(_document()), mimetype="text/html")

    @server.route("/api/<path:_rest>")
    def api_unknown(_rest):  # without this, Dash's page router would answer 200 with an HTML page
        return error(f"no such endpoint {request.path}; try /api/v1/indicators", 404)
