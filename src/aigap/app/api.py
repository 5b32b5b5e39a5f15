"""/api/v1: the catalogue and observations as JSON or CSV, with parameter validation (400, never 500)."""

from __future__ import annotations

from flask import Flask, Response, jsonify, request

from .. import export
from ..analysis.views.base import ParamError, Query
from . import state

MAX_COUNTRIES = 300
MAX_BODY = 1024 * 1024  # the largest legitimate callback body is a few KB; anything over 1 MB gets 413


def _query(known: tuple[str, ...]) -> Query:
    """The request's parameters, read strictly: a repeated or unknown parameter is refused."""
    query = Query(request.args.to_dict(flat=False), strict=True)
    query.unknown(known)
    return query


def _format(query: Query) -> str:
    return query.choice("format", ["json", "csv"], "json")


def error(message: str, status: int = 400):
    """The one JSON error shape of every 4xx answer of the API and /download."""
    response = jsonify({"error": message, "status": status})
    response.status_code = status
    return response


def register(server: Flask) -> None:
    server.config["MAX_CONTENT_LENGTH"] = MAX_BODY

    @server.errorhandler(413)
    def too_large(_exc):
        return error(f"request body over {MAX_BODY // 1024} KB", 413)

    @server.get("/api/v1/indicators")
    def api_indicators():
        try:
            fmt = _format(_query(("format",)))
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
            query = _query(("indicator", "country", "from", "to", "format"))
            indicator_id = query.text("indicator")
            if indicator_id is None:
                raise ParamError("'indicator' is required, e.g. ?indicator=ai_vc_investment; see /api/v1/indicators")
            if indicator_id not in set(store.indicators()["indicator_id"]):
                raise ParamError(f"unknown indicator {indicator_id!r}; see /api/v1/indicators")
            codes = tuple(c.upper() for c in query.items("country", None, ()))
            unknown = sorted(set(codes) - set(store.countries()["iso3"]))
            if unknown:
                raise ParamError(f"unknown ISO3 code(s): {', '.join(unknown[:10])}")
            if len(codes) > MAX_COUNTRIES:
                raise ParamError(f"at most {MAX_COUNTRIES} countries per request")
            year_from, year_to = query.integer("from", 1900, 2100, None), query.integer("to", 1900, 2100, None)
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

    @server.route("/api/<path:_rest>")
    def api_unknown(_rest):  # without this, Dash's page router would answer 200 with an HTML page
        return error(f"no such endpoint {request.path}; try /api/v1/indicators", 404)
