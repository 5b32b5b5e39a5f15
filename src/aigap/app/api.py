"""/api/v1: the catalogue and observations as JSON or CSV, with parameter validation (400, never 500)."""

from __future__ import annotations

from flask import Flask, Response, jsonify, request

from .. import export
from . import state

MAX_COUNTRIES = 300


class BadRequest(ValueError):
    pass


def _year(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or not 1900 <= int(raw) <= 2100:
        raise BadRequest(f"'{name}' must be a year between 1900 and 2100, got {raw!r}")
    return int(raw)


def _format() -> str:
    fmt = request.args.get("format", "json").lower()
    if fmt not in ("json", "csv"):
        raise BadRequest(f"'format' must be json or csv, got {fmt!r}")
    return fmt


def _error(message: str, status: int = 400):
    response = jsonify({"error": message, "status": status})
    response.status_code = status
    return response


def register(server: Flask) -> None:
    @server.get("/api/v1/indicators")
    def api_indicators():
        try:
            fmt = _format()
        except BadRequest as exc:
            return _error(str(exc))
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
            indicator_id = request.args.get("indicator", "").strip()
            if not indicator_id:
                raise BadRequest("'indicator' is required, e.g. ?indicator=ai_vc_investment")
            known = set(store.indicators()["indicator_id"])
            if indicator_id not in known:
                raise BadRequest(f"unknown indicator {indicator_id!r}; see /api/v1/indicators")
            codes = [c.strip().upper() for c in request.args.get("country", "").split(",") if c.strip()]
            if len(codes) > MAX_COUNTRIES:
                raise BadRequest(f"at most {MAX_COUNTRIES} countries per request")
            unknown = sorted(set(codes) - set(store.countries()["iso3"]))
            if unknown:
                raise BadRequest(f"unknown ISO3 code(s): {', '.join(unknown)}")
            year_from, year_to = _year("from"), _year("to")
            if year_from is not None and year_to is not None and year_from > year_to:
                raise BadRequest(f"'from' ({year_from}) is after 'to' ({year_to})")
            unknown_params = set(request.args) - {"indicator", "country", "from", "to", "format"}
            if unknown_params:
                raise BadRequest(f"unknown parameter(s): {', '.join(sorted(unknown_params))}")
            fmt = _format()
        except BadRequest as exc:
            return _error(str(exc))
        frame = store.observations(indicator_id, codes or None, year_from, year_to)
        if fmt == "csv":
            return Response(export.to_csv(frame), mimetype="text/csv",
                            headers={"Content-Disposition": f"attachment; filename={indicator_id}.csv"})
        return Response(export.to_json(frame), mimetype="application/json")

    @server.route("/api/<path:_rest>")
    def api_unknown(_rest):  # without this, Dash's page router would answer 200 with an HTML page
        return _error(f"no such endpoint {request.path}; try /api/v1/indicators", 404)
