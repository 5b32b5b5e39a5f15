"""The Gap page's figures and trend table, drawn from the view tables of :mod:`aigap.analysis.views.gap` as they
are (plain dicts: no plotly validation). Layout only: every number comes from a view table."""

from __future__ import annotations

import textwrap

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import html

from ...analysis.gap import REST
from ...analysis.views import gap as gv
from ...analysis.views.base import View
from .. import components as c

NOTE_SYMBOL = "diamond-open"
REFERENCE_COLOUR = c.QUALITATIVE[7]  # black
BLOC_COLOURS = {"G7": c.QUALITATIVE[0], "BRICS": c.QUALITATIVE[3], REST: "#888888"}
GREY_TEXT = {"size": 10, "color": "#777777"}
# Years on an x axis: at most this many labels (plotly picks whole, evenly spaced years), so they never need turning
# on a phone; a year axis has no title (its labels say what it is).
YEAR_AXIS = {"tickformat": "d", "nticks": 8, "automargin": True}


def _figure(traces: list[dict], layout: dict) -> dict:
    return c.plain_figure(traces, {"hovermode": "closest", "legend": c.LEGEND_BELOW, **layout})


def _title(text: str, size: int = 14) -> dict:
    return c.chart_title(text, size)


def _none(values) -> list:
    """Plain floats, None where missing (a gap in a line, never a zero)."""
    return [None if pd.isna(v) else float(v) for v in values]


def _log_axis(values) -> dict:
    """Label only the powers of ten when the values span three decades or more (no cluttered 2s and 5s)."""
    arr = np.asarray([v for v in values if v is not None and v > 0], dtype=float)
    return {"type": "log", "dtick": 1} if len(arr) and arr.max() / arr.min() >= 1000 else {"type": "log"}


def _flagged(note) -> bool:
    return isinstance(note, str) and bool(note)


def _times(ratio: float) -> str:
    return f"{ratio:,.0f}" if abs(ratio) >= 100 else f"{ratio:.3g}"


# -- 1. gap over time -----------------------------------------------------------------------------------------
def _hover_gap(r, unit: str, measure: str) -> str:
    ref = f"leader ({r.reference_name})" if r.reference == gv.REFERENCES["leader"] and r.reference_name else \
        r.reference
    if measure == "ratio":
        head = (f"<b>{r.label}</b> {r.year}: {ref} is {_times(r.ratio)}× {r.label}" if not pd.isna(r.ratio)
                else f"<b>{r.label}</b> {r.year}: no ratio ({r.label} is 0)")
    else:
        head = f"<b>{r.label}</b> {r.year}: {ref} − {r.label} = {c.format_value(r.difference, unit)}"
    text = f"{head}<br>{r.label}: {c.format_value(r.display, unit)}; {ref}: {c.format_value(r.reference_display, unit)}"
    if isinstance(r.period, str) and r.period != str(r.year) and r.kind == "country":
        text += f" (period {r.period})"
    if r.kind == "group" and not pd.isna(r.members_with_data):
        text += f"<br>{int(r.members_with_data)} members with data"
    return text + (f"<br><i>{r.note}</i>" if _flagged(r.note) else "")


def _gap_trace(i: int, sid: str, part: pd.DataFrame, years: list[int], view: View, measure: str) -> dict:
    colour = c.QUALITATIVE[i % 7]
    is_group = part["kind"].iloc[0] == "group"
    hover = {r.year: _hover_gap(r, view.meta["unit"], measure) for r in part.itertuples()}
    shown = part["ratio"].where(part["ratio"] > 0) if measure == "ratio" else part["difference"]
    by_year = dict(zip(part["year"], shown))
    values = [by_year.get(y) for y in years]  # a year without a value is a gap (None), never bridged
    notes = dict(zip(part["year"], part["note"]))
    flags = [_flagged(notes.get(y)) for y in years]
    if len(years) == 1:  # one year of data (e.g. a single-vintage index): bars, not lines
        return {"type": "bar", "x": [part["label"].iloc[0]], "y": _none(values), "name": part["label"].iloc[0],
                "customdata": [sid], "hovertext": [hover[years[0]]], "hoverinfo": "text",
                "marker": {"color": colour}, "showlegend": False}
    return {"type": "scatter", "x": years, "y": _none(values), "name": part["label"].iloc[0],
            "customdata": [sid] * len(years), "text": [hover.get(y, "") for y in years],
            "hovertemplate": "%{text}<extra></extra>", "mode": "lines+markers", "connectgaps": False,
            "line": {"color": colour, "width": 2, "dash": "dot" if is_group else "solid"},
            "marker": {"color": colour, "size": [10 if f else 6 for f in flags],
                       "symbol": [NOTE_SYMBOL if f else ("square" if is_group else "circle") for f in flags]}}


def gap_figure(view: View, measure: str, year_from: int | None, year_to: int | None) -> dict:
    rows = view.table
    first, last = view.meta["years"]
    years = list(range(first, last + 1))
    traces = [_gap_trace(i, sid, rows[rows["series"] == sid], years, view, measure)
              for i, sid in enumerate(rows["series"].unique())]
    if rows["note"].map(_flagged).any():
        traces.append({"type": "scatter", "x": [None], "y": [None], "mode": "markers", "hoverinfo": "skip",
                       "name": "value with a note",
                       "marker": {"symbol": NOTE_SYMBOL, "size": 10, "color": "#555555"}})
    level = 1 if measure == "ratio" else 0
    shapes = [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": level, "y1": level,
               "line": {"color": "#999999", "width": 1, "dash": "dash" if measure == "ratio" else "solid"}}]
    annotations = [{"text": "parity (1×)", "xref": "paper", "x": 1, "yref": "y", "y": 0, "showarrow": False,
                    "xanchor": "right", "yanchor": "top", "font": GREY_TEXT}] if measure == "ratio" else []
    single, window = len(years) == 1, 0
    if year_from is not None and year_to is not None and year_from < year_to and not single:
        shapes.append({"type": "rect", "xref": "x", "x0": year_from - 0.5, "x1": year_to + 0.5, "yref": "paper",
                       "y0": 0, "y1": 1, "fillcolor": "#eeeeee", "opacity": 0.5, "line": {"width": 0},
                       "layer": "below"})
        annotations.append({"text": f"trend window {year_from}–{year_to}", "xref": "x", "x": year_from - 0.5,
                            "yref": "paper", "y": 1, "xanchor": "left", "yanchor": "bottom", "showarrow": False,
                            "font": GREY_TEXT})
        window = 16  # the window's label sits above the plot, under the title
    xaxis = ({"title": c.axis_text(f"Country or group, {first}"), "automargin": True} if single else YEAR_AXIS)
    yaxis = _log_axis([y for t in traces for y in t["y"]] + [1]) if measure == "ratio" else {"type": "linear"}
    title = _title(view.meta["title"])
    return _figure(traces, {"title": title, "margin": {"l": 10, "r": 10, "t": c.title_top(title, window), "b": 10},
                            "shapes": shapes, "annotations": annotations, "xaxis": xaxis,
                            "yaxis": {"title": c.axis_text(view.meta["ytitle"], 30), "automargin": True, **yaxis}})


# -- 2. trends ------------------------------------------------------------------------------------------------
def trend_figure(trend: View, points: pd.DataFrame) -> dict:
    """Markers: the values each trend is fitted to; dashed: the fitted lines (and their bounded projection)."""
    unit = trend.meta["unit"]
    traces = []
    for i, r in enumerate(trend.table.itertuples()):
        is_ref = r.kind == "reference"
        colour = REFERENCE_COLOUR if is_ref else c.QUALITATIVE[i % 7]
        group = "reference" if is_ref else r.series
        pts = points[points["series"] == r.series]
        traces.append({
            "type": "scatter", "x": pts["year"].tolist(), "y": _none(pts["display"]), "mode": "markers",
            "name": r.label, "legendgroup": group, "customdata": [r.series] * len(pts),
            "text": [n if is_ref and isinstance(n, str) else "" for n in pts["name"]],
            "marker": {"color": colour, "size": 8 if is_ref else 7, "symbol": "diamond" if is_ref else "circle"},
            "hovertemplate": f"<b>{r.label}</b> %{{x}}: %{{y:,.4g}} {unit} %{{text}}<extra></extra>"})
        if pd.isna(r.cagr):
            continue
        xs = [r.line_from, r.line_to]
        traces.append({
            "type": "scatter", "x": xs, "y": [r.line_value_from, r.line_value_to], "mode": "lines",
            "name": f"{r.label} trend", "legendgroup": group, "showlegend": False,
            "line": {"color": colour, "dash": "dash", "width": 1.5},
            "hovertemplate": f"{r.label} trend ({100 * r.cagr:+.1f}% a year) %{{x:.0f}}: %{{y:,.4g}}<extra></extra>"})
        if not pd.isna(r.crossing_value):
            traces.append({
                "type": "scatter", "x": [r.crossing_year], "y": [r.crossing_value], "mode": "markers",
                "showlegend": False, "legendgroup": group, "marker": {"symbol": "x", "size": 10, "color": colour},
                "hovertemplate": f"{r.label} would reach the reference around %{{x:.0f}}<extra></extra>"})
    traces.append({"type": "scatter", "x": [None], "y": [None], "mode": "lines", "name": "fitted trend",
                   "line": {"color": "#777777", "dash": "dash", "width": 1.5}, "hoverinfo": "skip"})
    title = _title(trend.meta["title"])
    note = textwrap.wrap(trend.meta["assumption"], 56)  # under the title, above the plot: fits a phone
    return _figure(traces, {
        "title": title,
        "annotations": [{"text": "<br>".join(note), "x": 0, "y": 1.0, "xref": "paper", "yref": "paper",
                         "xanchor": "left", "yanchor": "bottom", "align": "left", "showarrow": False,
                         "font": {"size": 11, "color": "#444444"}}],
        "margin": {"l": 10, "r": 10, "t": c.title_top(title, 4 + 15 * len(note)), "b": 10},
        "xaxis": YEAR_AXIS,
        "yaxis": {"title": c.axis_text(f"{unit} (log scale)", 24), "automargin": True,
                  **_log_axis([y for t in traces for y in t["y"]])}})


def _pct(x: float | None) -> str:
    return "—" if x is None or pd.isna(x) else f"{100 * x:+.1f}%"


def _years(x: float | None) -> str:
    return "—" if x is None or pd.isna(x) else ("less than 1" if x < 1 else f"{x:,.0f}")


def _year(x: float | None) -> str:
    return "—" if x is None or pd.isna(x) else f"{x:.0f}"


def trend_html(table: pd.DataFrame) -> dbc.Table:
    head = html.Thead(html.Tr([html.Th(h, scope="col") for h in
                               ["Country / group", "Points", "Growth a year (CAGR) [95% interval]",
                                "Reference CAGR", "Status", "Years to catch up", "Crossing year"]]))
    body = [html.Tr([html.Td(r.label), html.Td(str(r.points)),
                     html.Td("—" if pd.isna(r.cagr) else f"{_pct(r.cagr)} [{_pct(r.cagr_low)}, {_pct(r.cagr_high)}]"),
                     html.Td(_pct(r.reference_cagr)), html.Td(r.status_text), html.Td(_years(r.years_to_catch_up)),
                     html.Td(_year(r.crossing_year))],
                    className="fw-semibold" if r.kind == "reference" else None, **{"data-series": r.series})
            for r in table.itertuples()]
    return dbc.Table([head, html.Tbody(body)], id="gap-table", bordered=False, hover=True, size="sm", striped=True,
                     className="small mb-1")


# -- 3-4. concentration and blocs -----------------------------------------------------------------------------
def _line(x: list, y, name: str, colour: str, hover: list[str], **extra) -> dict:
    return {"type": "scatter", "x": x, "y": _none(y), "name": name, "mode": "lines+markers", "connectgaps": False,
            "text": hover, "hovertemplate": "%{text}<extra></extra>", "line": {"color": colour, "width": 2},
            "marker": {"size": 4}, **extra}


def concentration_figure(view: View) -> dict:
    """Top-1/2/5 shares above, the HHI in a small chart below on the same x axis."""
    conc = view.table
    x = conc["period"].tolist() if view.meta["by_edition"] else conc["year"].tolist()
    traces = []
    for i, (col, label) in enumerate([("top1", "Top 1"), ("top2", "Top 2"), ("top5", "Top 5")]):
        hover = [f"{x_}<br>" + ("" if pd.isna(v) else f"{label}: {v:.1f}% of the total of {n} countries with data"
                               + (f"<br>largest: {t}" if col == "top1" else ""))
                 for x_, v, n, t in zip(x, conc[col], conc["countries"], conc["top_name"])]
        traces.append(_line(x, conc[col], label, c.QUALITATIVE[i], hover))
    traces.append({"type": "scatter", "x": x, "y": _none(conc["hhi"]), "name": "HHI (lower chart)",
                   "mode": "lines+markers", "connectgaps": False, "xaxis": "x2", "yaxis": "y2",
                   "line": {"color": "#555555", "width": 1.5}, "marker": {"size": 4},
                   "hovertemplate": "%{x}<br>HHI %{y:,.0f}<extra></extra>"})
    xaxis = {"type": "category", "nticks": 6} if view.meta["by_edition"] else YEAR_AXIS
    return _figure(traces, {
        "title": (title := _title(view.meta["title"], 13)),
        "margin": {"l": 10, "r": 10, "t": c.title_top(title), "b": 10},
        "xaxis": {**xaxis, "matches": "x2", "showticklabels": False, "anchor": "y"},
        "yaxis": {"title": c.axis_text("% of the total"), "range": [0, 100], "domain": [0.36, 1], "automargin": True},
        "xaxis2": {**xaxis, "anchor": "y2", "automargin": True,
                   **({"title": c.axis_text("TOP500 edition")} if view.meta["by_edition"] else {})},
        "yaxis2": {"title": c.axis_text("HHI"), "rangemode": "tozero", "domain": [0, 0.27], "automargin": True}})


def bloc_figure(view: View) -> dict:
    traces = []
    for bloc in view.table["bloc"].unique():
        part = view.table[view.table["bloc"] == bloc]
        if part["share"].isna().all():
            continue
        hover = ["" if pd.isna(v) else f"{bloc} {y}: {v:.1f}% ({n} countries with data)" if n else
                 f"{bloc} {y}: no member with data (0%)" for y, v, n in zip(part["year"], part["share"],
                                                                          part["countries"])]
        traces.append(_line(part["year"].tolist(), part["share"], part["label"].iloc[0], BLOC_COLOURS[bloc], hover,
                            marker={"size": 5}))
    return _figure(traces, {
        "title": (title := _title(view.meta["title"], 13)),
        "margin": {"l": 10, "r": 10, "t": c.title_top(title), "b": 10},
        "xaxis": YEAR_AXIS,
        "yaxis": {"title": c.axis_text("% of the total of countries with data", 24), "range": [0, 100],
                  "automargin": True}})
