"""The API as a contract: an OpenAPI 3.1 document of /api/v1 and of the pages' /download tables, and a plain HTML
page of the same document.

The document is built from the code and the live store, so it cannot drift from what the server does: the API's
parameters are declared here once (``API_PARAMS``; api.py refuses any other name), the download operations come
from ``aigap.analysis.views.PAGES`` and each view module's ``PARAMS`` and ``TABLES``, and the enums (indicator ids,
ISO3 codes) from the store's catalogue. tests/test_openapi.py runs schemathesis against the live server with it.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from ..analysis import views
from ..analysis.views.base import MAX_LIST, MAX_TEXT
from ..store import Store

YEAR_MIN, YEAR_MAX = 1900, 2100
STRICT = ("Parameters are read strictly: a parameter given twice or one not listed here is refused with 400; "
          "integers are ASCII digits only.")
API_STRICT = STRICT + " A parameter given without a value is refused too."
ERROR = {
    "type": "object",
    "description": "The one error shape of every 4xx answer of /api and /download.",
    "required": ["error", "status"],
    "additionalProperties": False,
    "properties": {"error": {"type": "string", "minLength": 1, "description": "what was wrong, in words"},
                   "status": {"type": "integer", "minimum": 400, "maximum": 499,
                              "description": "the HTTP status, repeated"}},
}
OBSERVATION = {
    "type": "object",
    "required": ["iso3", "indicator_id", "period", "year", "value", "source_id", "note"],
    "additionalProperties": False,
    "properties": {
        "iso3": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "indicator_id": {"type": "string"},
        "period": {"type": "string", "description": "2023, 2025-06 (a TOP500 edition), 2025-H1 or 2026-Q1"},
        "year": {"type": "integer"},
        "value": {"type": "number", "description": "full precision"},
        "source_id": {"type": "string"},
        "note": {"type": ["string", "null"], "description": "set where a value needs care (year to date, derived)"},
    },
}
# The query parameters of each /api/v1 operation: api.py reads exactly these names and refuses any other.
API_PARAMS: dict[str, tuple[str, ...]] = {
    "/api/v1/indicators": ("format",),
    "/api/v1/observations": ("indicator", "country", "from", "to", "format"),
}
_JSON_TYPES = {"bool": "boolean", "int64": "integer", "float64": "number", "object": "array"}


def _csv_or_json(json_schema: dict, what: str) -> dict:
    return {"description": what, "content": {"application/json": {"schema": json_schema},
                                             "text/csv": {"schema": {"type": "string"}}}}


def _errors(*statuses: int) -> dict:
    words = {400: "a bad parameter (the message names it)", 404: "no such thing"}
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {str(s): {"description": words[s], "content": body} for s in statuses}


def _query(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def _api_params(indicator_ids: list[str], iso3: list[str]) -> dict[str, dict]:
    """Every /api/v1 query parameter by name, with the live catalogue's enums."""
    year = {"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX}
    return {
        "format": _query("format", {"type": "string", "enum": ["json", "csv"], "default": "json"},
                         "json (default) or csv"),
        "indicator": _query("indicator", {"type": "string", "enum": indicator_ids},
                            "an indicator id from /api/v1/indicators", required=True),
        "country": {**_query("country", {"type": "array", "minItems": 1, "maxItems": MAX_LIST,
                                         "items": {"type": "string", "enum": iso3 + [c.lower() for c in iso3]}},
                             "ISO3 codes, comma-separated, upper or lower case (default: every country)"),
                    "style": "form", "explode": False},
        "from": _query("from", year, f"first year (a whole number {YEAR_MIN}-{YEAR_MAX}); not after 'to'"),
        "to": _query("to", year, f"last year (a whole number {YEAR_MIN}-{YEAR_MAX})"),
    }


def _record(frame: pd.DataFrame) -> dict:
    """A JSON schema of one row of ``frame`` as export.to_json writes it (null where the column has nulls)."""
    props = {}
    for column, dtype in frame.dtypes.items():
        kind = _JSON_TYPES.get(str(dtype), "string")
        schema = {"type": [kind, "null"] if frame[column].isna().any() else kind}
        if kind == "array":
            schema["items"] = {"type": "string"}
        props[column] = schema
    return {"type": "object", "required": list(props), "additionalProperties": False, "properties": props}


def _page_operation(page: str, indicator_ids: list[str]) -> dict:
    """/download/<page>.{format}: the page's own query parameters, named by its view module."""
    mod = views.module(page)
    any_text = {"type": "string", "maxLength": MAX_TEXT}
    indicator = {"type": "string", "enum": ["", *indicator_ids]}
    params = [_query(name, indicator if name in ("indicator", "x", "y") else any_text,
                     f"as in the page's own URL (/{'' if page == 'overview' else page}?{name}=...); "
                     "empty means the page's default")
              for name in mod.PARAMS]
    params.append(_query("table", {"type": "string", "enum": ["", *mod.TABLES]},
                         f"which of the page's tables (default {next(iter(mod.TABLES))})"))
    return {"get": {
        "operationId": f"download_{page}",
        "tags": ["pages"],
        "summary": f"the table(s) the /{'' if page == 'overview' else page} page draws",
        "description": ("Exactly the table the page's chart or table shows, the same file as its 'Download CSV' "
                        "link. Parameters a page reads from its URL depend on each other and on the data (a year "
                        "must have data for the chosen indicator, a mode must suit the indicator's kind): a "
                        "combination the page cannot draw is refused with 400. " + STRICT),
        "parameters": [{"name": "format", "in": "path", "required": True,
                        "schema": {"type": "string", "enum": ["csv", "json"]}}, *params],
        "responses": {"200": _csv_or_json({"type": "array", "items": {"type": "object"}},
                                          "the table, one object per row in JSON"),
                      **_errors(400, 404)},
    }}


def document(store: Store) -> dict:
    """The OpenAPI 3.1 document of the app's API and download tables over this store."""
    indicators = store.indicators()
    indicator_ids = sorted(indicators["indicator_id"])
    params = _api_params(indicator_ids, sorted(store.countries()["iso3"]))
    paths = {
        "/api/v1/indicators": {"get": {
            "operationId": "indicators", "tags": ["api"], "summary": "the catalogue of indicators",
            "description": "Every indicator with its source, licence, vintage and caveats (in CSV the caveats are "
                           "joined with ' | '). " + API_STRICT,
            "parameters": [params[n] for n in API_PARAMS["/api/v1/indicators"]],
            "responses": {"200": _csv_or_json({"type": "array", "items": {"$ref": "#/components/schemas/Indicator"}},
                                              "the catalogue"), **_errors(400)},
        }},
        "/api/v1/observations": {"get": {
            "operationId": "observations", "tags": ["api"], "summary": "the stored observations of one indicator",
            "description": "Values with full precision, ordered by country and period. " + API_STRICT,
            "parameters": [params[n] for n in API_PARAMS["/api/v1/observations"]],
            "responses": {"200": _csv_or_json({"type": "array", "items": {"$ref": "#/components/schemas/Observation"}},
                                              "the observations"), **_errors(400)},
        }},
        "/api/v1/openapi.json": {"get": {
            "operationId": "openapi", "tags": ["api"], "summary": "this document",
            "responses": {"200": {"description": "OpenAPI 3.1",
                                  "content": {"application/json": {"schema": {"type": "object"}}}}},
        }},
        "/api/v1/docs": {"get": {
            "operationId": "docs", "tags": ["api"], "summary": "this document as a web page",
            "responses": {"200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}},
        }},
        **{f"/download/{page}.{{format}}": _page_operation(page, indicator_ids) for page in views.PAGES},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "aigap API", "version": "1",
                 "description": "The AI-gap indicators behind the dashboard, as JSON or CSV. Unknown paths under "
                                "/api and /download answer 404 with the error shape. " + STRICT},
        "paths": paths,
        "components": {"schemas": {"Error": ERROR, "Observation": OBSERVATION, "Indicator": _record(indicators)}},
    }


def _schema_text(schema: dict) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "enum" in schema:
        shown = [repr(v) if v == "" else str(v) for v in schema["enum"]]
        return "one of " + ", ".join(shown[:20]) + (f", ... ({len(shown)} values)" if len(shown) > 20 else "")
    if schema.get("type") == "array":
        return f"comma-separated list of ({_schema_text(schema['items'])})"
    if "minimum" in schema:
        return f"{schema['type']} {schema['minimum']}-{schema['maximum']}"
    return str(schema.get("type", "any"))


def html_page(doc: dict) -> str:
    """The document as a readable page (no scripts: the CSP allows none from elsewhere, and none are needed)."""
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{escape(doc['info']['title'])}</title>"
             "<style>body{font-family:sans-serif;max-width:70em;margin:1em auto;padding:0 1em}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;"
             "vertical-align:top}code{background:#f4f4f4}</style></head><body>",
             f"<h1>{escape(doc['info']['title'])}</h1><p>{escape(doc['info']['description'])}</p>",
             "<p>Machine-readable: <a href='/api/v1/openapi.json'>/api/v1/openapi.json</a> (OpenAPI 3.1).</p>"]
    for path, item in doc["paths"].items():
        op = item["get"]
        parts.append(f"<h2 id='{escape(op['operationId'])}'><code>GET {escape(path)}</code></h2>"
                     f"<p>{escape(op['summary'])}. {escape(op.get('description', ''))}</p>")
        if op.get("parameters"):
            parts.append("<table><tr><th>parameter</th><th>in</th><th>required</th><th>values</th>"
                         "<th>meaning</th></tr>")
            for p in op["parameters"]:
                parts.append(f"<tr><td><code>{escape(p['name'])}</code></td><td>{p['in']}</td>"
                             f"<td>{'yes' if p['required'] else 'no'}</td><td>{escape(_schema_text(p['schema']))}</td>"
                             f"<td>{escape(p.get('description', ''))}</td></tr>")
            parts.append("</table>")
        answers = "; ".join(f"{code}: {r['description']} ({', '.join(r['content'])})"
                            for code, r in op["responses"].items())
        parts.append(f"<p>Answers: {escape(answers)}.</p>")
    errors = ", ".join(f"{k}: {v['type']}" for k, v in ERROR["properties"].items())
    parts.append(f"<h2>Errors</h2><p>Every 4xx is a JSON object {{{escape(errors)}}}.</p></body></html>")
    return "".join(parts)
