"""Callbacks fail closed: a Dash callback request holds what the renderer sends, or gets a 4xx, never a 500.

Three layers, the first two doing the work:

- The envelope, checked before Dash reads it (:func:`envelope_error`): a JSON object, at most ``MAX_DEPTH`` deep,
  naming a registered callback, with exactly its declared outputs, inputs and state (a pattern-matching one as a
  list of ids of the declared shape, the same ids wherever the pattern recurs), a trigger among its inputs, and
  the URL's path and query string as text (``URL_PROPS``: Dash's own page router reads them before any page code
  runs). Anything else is a forged request: 400 with the API's JSON error shape.
- The values, in the pages: controls are read through the view layer (lenient ``views.parse``: a wrong type, an
  unknown value or an oversized one falls back to the default) and the readers here (:func:`items`,
  :func:`clicked_country`) for what is no single query value.
- The safety net (:func:`register`): an exception still raised inside a callback request answers 400 with the JSON
  error shape and logs one line (logger ``aigap.app``), not a traceback. tests/test_callback_fuzz.py counts how
  often it fires on fuzzed requests (never, so far).
"""

from __future__ import annotations

import json
import logging
import re

from dash import Dash
from dash._utils import split_callback_id
from flask import request
from werkzeug.exceptions import BadRequest, HTTPException, UnsupportedMediaType

from . import views
from .api import error

log = logging.getLogger("aigap.app")
MAX_DEPTH = 32  # nesting of a callback body; the app's deepest legitimate one is 5 (radio options sent as state)
_ISO3 = re.compile(r"[A-Z]{3}\Z")
_WILDCARDS = (["ALL"], ["ALLSMALLER"], ["MATCH"])
# dcc.Location's properties the browser sends as text: the path (from "/") and the query string (any text).
URL_PROPS = {"pathname": "/", "search": ""}


def _depth(value: object) -> int:
    """How deeply lists and objects nest in ``value``, counted without recursion (it may be hostile)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _pattern(dep_id: str) -> dict | None:
    return json.loads(dep_id) if dep_id.startswith("{") else None


def _matches(pattern: dict, concrete: object) -> bool:
    """Dash's rule for a pattern-matching id: the same keys, each wildcard key a string, number or boolean."""
    return (isinstance(concrete, dict) and set(concrete) == set(pattern)
            and all(isinstance(concrete[k], (str, int, float, bool)) if v in _WILDCARDS else concrete[k] == v
                    for k, v in pattern.items()))


def _slot_error(declared: dict, sent: object, where: str, seen: dict) -> str | None:
    """What is wrong with one output, input or state entry (``seen``: the ids each pattern was sent with)."""
    name = f"{where} {declared['id']}.{declared['property']}"
    pattern = _pattern(declared["id"])
    if pattern is None:
        if not (isinstance(sent, dict) and sent.get("id") == declared["id"]
                and sent.get("property") == declared["property"]):
            return f"{name} is missing or names another component"
        prefix, value = URL_PROPS.get(declared["property"]), sent.get("value")
        if prefix is not None and value is not None and not (isinstance(value, str) and value.startswith(prefix)):
            return f"{name} must be text" + (f" starting with {prefix!r}" if prefix else "")
        return None
    many = any(v in (["ALL"], ["ALLSMALLER"]) for v in pattern.values())  # else MATCH: one component
    entries = sent if many else [sent]
    if not isinstance(entries, list) or not all(isinstance(e, dict) and e.get("property") == declared["property"]
                                                and _matches(pattern, e.get("id")) for e in entries):
        return f"{name} must name components of that pattern"
    ids = [e["id"] for e in entries]
    if seen.setdefault(declared["id"], ids) != ids:
        return f"{name} names other components than its other uses"
    return None


def envelope_error(body: object, callback_map: dict) -> str | None:
    """Why ``body`` is no request the renderer could send for a registered callback (None when it is one)."""
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        return "the body must be a JSON object naming an 'output'"
    spec = callback_map.get(body["output"])
    if spec is None or "callback" not in spec:
        return "no such callback"
    if _depth(body) > MAX_DEPTH:
        return f"the body nests deeper than {MAX_DEPTH} levels"
    declared = split_callback_id(body["output"])
    outputs = body.get("outputs")
    if isinstance(declared, dict):
        declared, outputs = [declared], [outputs]
    seen: dict = {}
    for section, deps, sent in (("output", declared, outputs), ("input", spec["inputs"], body.get("inputs")),
                                ("state", spec["state"], body.get("state", []))):
        if not isinstance(sent, list) or len(sent) != len(deps):
            return f"'{section}s' must list the callback's {len(deps)} {section}(s)"
        problem = next(filter(None, (_slot_error(d, s, section, seen) for d, s in zip(deps, sent))), None)
        if problem:
            return problem
    changed = body.get("changedPropIds", [])
    inputs = {_prop_id(e) for entry in body["inputs"] for e in (entry if isinstance(entry, list) else [entry])}
    if not isinstance(changed, list) or not all(isinstance(c, str) and c in inputs for c in changed):
        return "'changedPropIds' must list some of the callback's inputs"
    return None


def _prop_id(entry: dict) -> str:
    """The renderer's name of an input (a pattern-matching id as compact JSON with sorted keys)."""
    key = entry["id"]
    if isinstance(key, dict):
        key = json.dumps(key, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"{key}.{entry['property']}"


def register(app: Dash) -> None:
    """Check every callback request's envelope, and answer what still fails inside a callback with 400."""
    path = app.config.routes_pathname_prefix + "_dash-update-component"

    @app.server.before_request
    def check_envelope():
        if request.path != path or request.method != "POST":
            return None
        try:
            body = request.get_json()
        except RecursionError:
            return error("bad callback request: the body nests too deeply")
        except (BadRequest, UnsupportedMediaType) as exc:  # not JSON, or not sent as JSON
            return error(f"bad callback request: {exc.description}", exc.code)
        problem = envelope_error(body, app.callback_map)
        return error(f"bad callback request: {problem}") if problem else None

    @app.server.errorhandler(Exception)
    def callback_failed(exc: Exception):
        if request.path != path:  # every other route keeps Flask's own handling
            if isinstance(exc, HTTPException):
                return exc
            raise exc
        if isinstance(exc, HTTPException) and exc.code and exc.code < 500:
            return error(f"bad callback request: {exc.description}", exc.code)
        body = request.get_json(silent=True)
        output = body.get("output") if isinstance(body, dict) else None
        log.warning("callback failed on its input, answered 400: %.120r raised %s: %.200r", output,
                    type(exc).__name__, str(exc))
        return error("bad callback request: the values given do not fit this callback")


# -- reading control values that are no single query value ---------------------------------------------------------
def items(value: object) -> str | None:
    """A multi-select's value as the comma-separated text the view layer parses: '' when none is picked, a list's
    items as text (what is no code is then an unknown code to the view); None, so the view's default applies, for
    a value no multi-select sends (a number, an object)."""
    if value is None or isinstance(value, str):
        return value or ""
    if isinstance(value, list):
        return ",".join(map(str, value))
    return None


def clicked_country(click: object) -> str | None:
    """The ISO3 code of the country a graph's clickData points at (a map's location, a bar's or marker's
    customdata), if it is a country of the store."""
    points = click.get("points") if isinstance(click, dict) else None
    point = points[0] if isinstance(points, list) and points and isinstance(points[0], dict) else {}
    code = point.get("location") or point.get("customdata")
    return code if isinstance(code, str) and _ISO3.match(code) and code in views.frames().names else None
