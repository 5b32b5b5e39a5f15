"""The country brief as one printable HTML page: ``/brief/<ISO3>`` (``?paper=a4|letter``) and ``aigap brief``.

The page lays out the tables of :mod:`aigap.analysis.views.brief` and the summary sentence of
:mod:`aigap.analysis.summaries`; it computes nothing. Every number is written as
``<span data-key="table.row.column" data-value="raw">shown</span>``, so a test (or a reader's script) can trace
each one to its view table; names taken verbatim from the catalogue are marked ``data-label``. No scripts: the
sparklines are inline SVG and the paper size is an ``@page`` rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from flask import Flask, Response, request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from ..analysis import summaries
from ..analysis.formatting import number, signed, span
from ..analysis.views import brief as brief_view
from ..analysis.views.base import Frames, ParamError, Query

TEMPLATES = Path(__file__).resolve().parent / "templates"
PAPERS = {"a4": {"size": "A4", "width": "210mm"}, "letter": {"size": "letter", "width": "216mm"}}
SPARK_W, SPARK_H = 84, 18
_ENV = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


def _raw(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _num(row: Mapping, column: str, sign: bool = False, text: bool = False) -> Markup:
    """One number on the page, traceable: its view table, row key and column, its raw value, its display."""
    value = row.get(column)
    raw = _raw(value)
    if text:
        shown = raw
    elif raw == "":
        shown = "–"
    else:
        shown = signed(value) if sign else number(value)
    return Markup('<span data-key="{}" data-value="{}">{}</span>').format(
        f"{row['_table']}.{row['_key']}.{column}", raw, shown)


def sparkline(points: pd.DataFrame, name: str, key: str) -> Markup:
    """An inline SVG line of a yearly series (breaks where a year has no value), last point marked, and its
    years under it; 'one value' when there is nothing to draw."""
    valid = points.dropna(subset=["value"])
    if len(valid) < 2:
        return Markup('<span class="muted">one value</span>')
    years = points["year"].astype(int)
    y0, y1 = int(years.min()), int(years.max())
    lo, hi = float(valid["value"].min()), float(valid["value"].max())

    def xy(year: int, value: float) -> str:
        x = 2 + (SPARK_W - 4) * (year - y0) / max(y1 - y0, 1)
        y = SPARK_H - 2 - (SPARK_H - 4) * ((value - lo) / (hi - lo) if hi > lo else 0.5)
        return f"{x:.1f},{y:.1f}"

    runs, run = [], []
    for year, value in zip(years, points["value"]):
        if pd.isna(value):
            runs, run = runs + [run] if run else runs, []
        else:
            run.append(xy(int(year), float(value)))
    runs += [run] if run else []
    lines = "".join(f'<polyline points="{" ".join(r)}" fill="none" stroke="#0072B2" stroke-width="1.3"/>'
                    if len(r) > 1 else f'<circle cx="{r[0].split(",")[0]}" cy="{r[0].split(",")[1]}" r="1" '
                                       'fill="#0072B2"/>' for r in runs)
    last = valid.iloc[-1]
    cx, cy = xy(int(last["year"]), float(last["value"])).split(",")
    label = escape(f"Trend of {name}, {span(y0, y1)}: from {number(valid['value'].iloc[0])} to "
                   f"{number(last['value'])}")
    svg = (f'<svg role="img" aria-label="{label}" width="{SPARK_W}" height="{SPARK_H}" '
           f'viewBox="0 0 {SPARK_W} {SPARK_H}">{lines}<circle cx="{cx}" cy="{cy}" r="1.8" fill="#D55E00"/></svg>')
    years_text = Markup('<br><span class="muted" data-key="trends.{}.years" data-value="{}">{}</span>').format(
        key, f"{y0}-{y1}", span(y0, y1))
    return Markup(svg) + years_text


def _rows(frame: pd.DataFrame, table: str, key: str) -> list[dict]:
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return [{**r, "_table": table, "_key": r[key]} for r in records]


def render(p: brief_view.Params, frames: Frames, paper: str = "a4") -> str:
    """The brief's HTML for one country (``p`` from ``views.brief.parse``) on A4 or Letter paper."""
    tables = brief_view.brief(p, frames)
    pillars = tables["pillars"]
    trends = tables["trends"].table
    gaps = _rows(tables["gaps"].table, "gaps", "indicator_id")
    for row in gaps:
        row["sparkline"] = sparkline(trends[trends["indicator_id"] == row["indicator_id"]], row["name"],
                                     row["indicator_id"])
    return _ENV.get_template("brief.html").render(
        meta=pillars.meta, paper=PAPERS[paper], num=_num, notes=pillars.notes,
        summary=summaries.describe("brief", "pillars", p, pillars, frames),
        pillars=_rows(pillars.table, "pillars", "pillar"), gaps=gaps,
        groups=tables["groups"].table.to_dict("records"), sources=_rows(tables["sources"].table, "sources", "no"))


def register(server: Flask) -> None:
    from . import views
    from .api import error

    @server.get("/brief/<code>")
    def brief_page(code: str):
        try:
            query = Query(request.args.to_dict(flat=False))
            query.unknown(("paper",))
            paper = query.choice("paper", list(PAPERS), "a4")
        except ParamError as exc:
            return error(str(exc))
        frames = views.frames()
        try:
            p = brief_view.parse(Query({"country": code}), frames)
        except ParamError:
            return error(f"no country {code[:24]!r}: use an ISO 3166 alpha-3 code such as BRA", 404)
        store = views.state.store()
        html = store.memo(("brief-html", p, paper), lambda: render(p, frames, paper))
        return Response(html, mimetype="text/html")
