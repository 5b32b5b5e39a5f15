"""Explorer: any indicator against any other for one year, as a scatter of countries.

The points, their forms, colour groups, bubble sizes and notes come from :mod:`aigap.analysis.views.explorer`;
this module lays them out. The view lives in the URL; the CSV link serves exactly the points drawn.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from ...analysis.measures import MODE_SHORT, MODES
from ...analysis.views import explorer as ex
from .. import components as c
from .. import guard, views

dash.register_page(__name__, path="/explorer", name="Explorer", title="Explorer · aigap", order=3)

PAGE = "explorer"
GREY = "#999999"


def query(p: ex.Params) -> dict:
    """The URL's query values for a view (flags as 1/0, as links have always had them)."""
    return {**vars(p), "size": int(p.size), "logx": int(p.logx), "logy": int(p.logy),
            "highlight": list(p.highlight) or None}


def parse(**values) -> ex.Params:
    """Typed view parameters from control values, leniently (a bad value falls back to its default)."""
    values["highlight"] = guard.items(values.get("highlight"))
    return views.parse(PAGE, values)[1]


# -- controls ---------------------------------------------------------------------------------------------------
def colour_options() -> list[dict]:
    return [{"label": label, "value": key} for key, label in ex.colour_schemes(views.frames()).items()]


def axis_mode_options(kind: str) -> list[dict]:
    return [{**o, "label": MODE_SHORT[o["value"]]} for o in c.mode_options(kind) if o["value"] in ex.AXIS_MODES]


def slider_marks(years: list[int]) -> dict:
    """A mark for every year both indicators have; labels thinned so they do not overlap."""
    if not years:
        return {}
    every = 1 if len(years) <= 12 else 5
    labelled = {y for y in years if y % every == 0} | {years[0], years[-1]}
    if len(years) > 12:  # keep the end labels clear of their neighbours
        labelled -= {y for y in years if y not in (years[0], years[-1])
                     and (abs(y - years[0]) < 3 or abs(years[-1] - y) < 3)}
    return {y: (str(y) if y in labelled else "") for y in years}


def slider_range(years: list[int]) -> tuple[int, int, dict, bool]:
    """(min, max, marks, disabled) of the year slider."""
    return (years[0] if years else 0), (years[-1] if years else 1), slider_marks(years), not years


def year_label(year: int | None, years: list[int]) -> str:
    if not years:
        return "Year: none (the two indicators share no year)"
    if len(years) == 1:
        return f"Year: {year} (the only year both indicators have)"
    which = "of" if year in years else "not one of"
    return f"Year: {year} ({which} {len(years)} years both indicators have, {years[0]}-{years[-1]})"


def layout(**values) -> html.Div:
    _, p = views.parse(PAGE, values)
    frames = views.frames()
    kind_x, kind_y = frames.indicator(p.x)["kind"], frames.indicator(p.y)["kind"]
    years = ex.common_years(frames, p.x, p.y)
    lo, hi, marks, disabled = slider_range(years)
    search = c.query_string(query(p))
    label = {"className": "me-1"}

    def axis_picker(axis: str, title: str, value: str, mode: str, kind: str) -> dbc.Col:
        return dbc.Col([dbc.Label(title, html_for=f"exp-{axis}", **label),
                        dcc.Dropdown(id=f"exp-{axis}", options=c.indicator_options(), value=value, clearable=False),
                        c.radio_group(f"{axis.upper()} axis shown as", f"exp-{axis}mode", axis_mode_options(kind),
                                      mode, inline=True, class_name="mb-0 mt-1")], lg=4, md=6)

    return html.Div(
        [
            html.H1("Explorer: any indicator against any other", className="h3"),
            c.unknown_codes(values, ("highlight",), frames.names),
            dbc.Row(
                [
                    axis_picker("x", "X axis (horizontal)", p.x, p.xmode, kind_x),
                    axis_picker("y", "Y axis (vertical)", p.y, p.ymode, kind_y),
                    dbc.Col([dbc.Label("Colour by", html_for="exp-colour"),
                             dcc.Dropdown(id="exp-colour", options=colour_options(), value=p.colour,
                                          clearable=False)], lg=2, md=6),
                    dbc.Col([dbc.Label("Earlier data up to (years)", html_for="exp-lag"),
                             dcc.Input(id="exp-lag", type="number", min=0, max=ex.LAG_MAX, step=1, value=p.lag,
                                       className="form-control")], lg=2, md=6),
                ],
                className="g-2 mb-1",
            ),
            dbc.Row(
                [
                    dbc.Col([dbc.Label(year_label(p.year, years), id="exp-year-label", html_for="exp-year"),
                             # Whole years only: the slider moves one year at a time, marks on the shared years.
                             c.labelled_slider("exp-year-label",
                                               dcc.Slider(id="exp-year", min=lo, max=hi, step=1, marks=marks,
                                                          value=p.year, disabled=disabled, allow_direct_input=False,
                                                          included=False,
                                                          tooltip={"placement": "top", "always_visible": False}),
                                               className="px-3")],
                            lg=5, md=12),
                    dbc.Col([dbc.Switch(id="exp-size", label="Size by population", value=p.size),
                             dbc.Switch(id="exp-logx", label="Log X axis", value=p.logx),
                             dbc.Switch(id="exp-logy", label="Log Y axis", value=p.logy)],
                            lg=3, md=6, className="d-flex flex-wrap column-gap-3 align-items-center"),
                    dbc.Col([dbc.Label("Label countries (US and China always)", html_for="exp-highlight"),
                             dcc.Dropdown(id="exp-highlight", options=c.country_options(), multi=True,
                                          value=list(p.highlight), placeholder="e.g. Brazil, India")],
                            lg=4, md=6),
                ],
                className="g-2 mb-2 align-items-end",
            ),
            c.chart_block("exp-graph", 660),
            html.Div(id="exp-note"),
            c.download_link("exp", views.download_href(PAGE, search)),
            html.P("Click a country to open its profile.", className="small text-muted"),
        ]
    )


@callback(
    Output("exp-xmode", "options"),
    Output("exp-xmode", "value"),
    Output("exp-ymode", "options"),
    Output("exp-ymode", "value"),
    Output("exp-year", "min"),
    Output("exp-year", "max"),
    Output("exp-year", "marks"),
    Output("exp-year", "value"),
    Output("exp-year", "disabled"),
    Output("exp-lag", "value"),
    Input("exp-x", "value"),
    Input("exp-y", "value"),
    State("exp-xmode", "value"),
    State("exp-ymode", "value"),
    State("exp-year", "value"),
    State("exp-lag", "value"),
)
def on_indicators(x, y, xmode, ymode, year, lag):
    new_pair = dash.ctx.triggered_id in ("exp-x", "exp-y")  # a new pair: its default look-back (the URL's on load)
    p = parse(x=x, y=y, xmode=xmode, ymode=ymode, year=year, lag=None if new_pair else lag)
    frames = views.frames()
    years = ex.common_years(frames, p.x, p.y)
    lo, hi, marks, disabled = slider_range(years)
    return (axis_mode_options(frames.indicator(p.x)["kind"]), p.xmode,
            axis_mode_options(frames.indicator(p.y)["kind"]), p.ymode, lo, hi, marks, p.year, disabled, p.lag)


# -- figure -----------------------------------------------------------------------------------------------------
def axis_label(ind: dict, mode: str) -> dict:
    """The axis title with units, wrapped (c.axis_text); a unit the name already states is not repeated: "GDP per
    capita (current US$)" in current US$ per person is "GDP per capita (current US$ per person (nominal))"."""
    name, unit = ind["name"], ind["unit"] if mode == "absolute" else f"{ind['unit']}, {MODES[mode]}"
    stated = name[name.rfind("(") + 1:-1] if name.endswith(")") else ""
    if stated == unit:
        return c.axis_text(name, 44)
    if stated and unit.lower().startswith(stated.lower()):
        name = name[:name.rfind("(")].rstrip()
    return c.axis_text(f"{name} ({unit})", 44)


def _short(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _value_text(axis: str, ind: dict, mode: str, row: dict, year: int) -> str:
    """Two hover lines: which indicator, then the value with its unit, the period and any flag."""
    display, value, note = row[f"display_{axis}"], row[f"value_{axis}"], row[f"note_{axis}"]
    text = f"<b>{c.format_value(display)}</b> {ind['unit']}"
    if mode != "absolute":
        text += f", {MODES[mode]} (total {c.format_value(value)})"
    text += f" · {row[f'period_{axis}']}" + (f" (latest before {year})" if row[f"lag_{axis}"] else "")
    if isinstance(note, str) and note:
        text += f" · {_short(note, 40)}"
    return f"{axis.upper()}: {_short(ind['name'], 70)}<br>   {text}"


def _hover(row: dict, ind_x: dict, ind_y: dict, p: ex.Params) -> str:
    pop = (f"Population: {c.format_value(row['population'])} ({row['population_year']})"
           if pd.notna(row["population"]) else "Population: no data")
    return "<br>".join([f"<b>{row['name']}</b> ({row['iso3']}) · {row['colour_group']}",
                        _value_text("x", ind_x, p.xmode, row, p.year), _value_text("y", ind_y, p.ymode, row, p.year),
                        pop])


def group_colours(categories: list[str], order: list[str]) -> dict[str, str]:
    """A fixed colour per group of the scheme (so colours stay put across views); grey for the rest."""
    known = list(categories) + [g for g in order if g not in categories]
    # Okabe-Ito yellow is hard to see on white: used only when a scheme has more than seven groups.
    palette = [col for col in c.QUALITATIVE if col != "#F0E442"] if len(known) <= 7 else c.QUALITATIVE
    return {g: GREY if g in (ex.NOT_CLASSIFIED, ex.OTHER) else palette[known.index(g) % len(palette)] for g in order}


def build_figure(view, ind_x: dict, ind_y: dict, p: ex.Params) -> dict:
    """One trace per colour group, in the view's legend order; every point is a row of the view's table."""
    colours = group_colours(view.meta["categories"], view.meta["order"])
    top = view.table["display_y"].max()  # the highest point's label goes below it: above, the plot edge cuts it
    traces = []
    for group in view.meta["order"]:
        rows = view.table[view.table["colour_group"] == group].to_dict("records")
        labelled = [r["labelled"] for r in rows]
        flagged = [isinstance(r["note_x"], str) or isinstance(r["note_y"], str) for r in rows]
        traces.append({
            "type": "scatter", "mode": "markers+text", "name": f"{group} ({len(rows)})",
            "x": [r["display_x"] for r in rows], "y": [r["display_y"] for r in rows],
            "text": [r["name"] if lab else "" for r, lab in zip(rows, labelled)],
            "textposition": ["bottom center" if r["display_y"] == top else "top center" for r in rows],
            "textfont": {"size": 12, "color": "#222"}, "customdata": [r["iso3"] for r in rows],
            "hovertext": [_hover(r, ind_x, ind_y, p) for r in rows], "hovertemplate": "%{hovertext}<extra></extra>",
            "cliponaxis": False,
            # Drawn at 2/3 of the view's diameters (areas still in proportion): full size, the bubbles of
            # China and India covered a phone's plot.
            "marker": {"color": colours[group], "size": [r["size"] for r in rows], "sizemode": "diameter",
                       "sizeref": 1.5, "opacity": 0.8,
                       "line": {"color": ["#000000" if lab else "#ffffff" for lab in labelled],
                                "width": [2.0 if lab else 0.6 for lab in labelled]},
                       "symbol": ["circle-dot" if f else "circle" for f in flagged]},
        })
    legend_title = f"<b>{view.meta['colour_title']}</b>" + ("<br>Bubble area ∝ population" if p.size else "")
    title = c.chart_title(f"{_short(ind_y['name'])} against {_short(ind_x['name'])}, {p.year}: "
                          f"{c.plural(len(view.table), 'country', 'countries')}")
    return c.plain_figure(traces, {
        "margin": {"l": 10, "r": 30, "t": c.title_top(title) + 8, "b": 10},  # room for labels at the edges
        "title": title,
        "xaxis": {"title": axis_label(ind_x, p.xmode), "type": "log" if p.logx else "linear",
                  "automargin": True, "zeroline": False},
        "yaxis": {"title": axis_label(ind_y, p.ymode), "type": "log" if p.logy else "linear",
                  "automargin": True, "zeroline": False},
        # Below the plot, in rows: a legend at the side would leave no room for the plot on a phone.
        "legend": {**c.LEGEND_BELOW, "title": {"text": legend_title, "font": {"size": 12}, "side": "top"},
                   "itemsizing": "constant", "font": {"size": 12}},
        "hoverlabel": {"align": "left"},
        "uirevision": f"{p.x}|{p.y}|{p.xmode}|{p.ymode}|{p.logx}|{p.logy}",
    })


def notes_block(view, ind_x: dict, ind_y: dict, p: ex.Params) -> html.Div:
    blocks = [html.Ul([html.Li(t) for t in view.notes], className="small mb-1")] if view.notes else []
    for axis, ind in (("x", ind_x), ("y", ind_y)):
        blocks.append(html.Div([html.Strong(f"{axis.upper()} axis: {ind['name']}", className="small"),
                                c.source_note(ind, view.meta["period"][axis] or str(p.year),
                                              view.meta["axis_notes"][axis])], className="mb-1"))
    return html.Div(blocks)


@callback(
    Output("exp-graph", "figure"),
    Output("exp-note", "children"),
    Output("exp-year-label", "children"),
    Output("url", "search", allow_duplicate=True),
    Output("exp-download-btn", "href"),
    Output("exp-graph-about", "children"),
    Input("exp-x", "value"),
    Input("exp-y", "value"),
    Input("exp-xmode", "value"),
    Input("exp-ymode", "value"),
    Input("exp-year", "value"),
    Input("exp-lag", "value"),
    Input("exp-colour", "value"),
    Input("exp-size", "value"),
    Input("exp-logx", "value"),
    Input("exp-logy", "value"),
    Input("exp-highlight", "value"),
    prevent_initial_call="initial_duplicate",
)
def update(x, y, xmode, ymode, year, lag, colour, size, logx, logy, highlight):
    p = parse(x=x, y=y, xmode=xmode, ymode=ymode, year=year, lag=lag, colour=colour, size=bool(size),
              logx=bool(logx), logy=bool(logy), highlight=highlight)
    search = c.query_string(query(p))
    href = views.download_href(PAGE, search)
    view = views.view(PAGE, p)
    ind_x, ind_y = c.indicator(p.x), c.indicator(p.y)
    label = year_label(p.year, list(view.meta["years"]))
    if view.table.empty:
        message = html.P(view.meta["empty"], className="text-muted")
        notes = [message, notes_block(view, ind_x, ind_y, p)] if p.year is not None else message
        return c.empty_figure(view.meta["empty"]), html.Div(notes), label, search, href, None
    fig = build_figure(view, ind_x, ind_y, p)
    periods = {axis: view.meta["period"][axis] or str(p.year) for axis in ("x", "y")}
    text = c.ChartText(c.plain_title(fig), "; ".join(f"{axis.upper()}: {ind['unit']}, {periods[axis]}"
                                                      for axis, ind in (("x", ind_x), ("y", ind_y))),
                       ((ind_x, periods["x"]), (ind_y, periods["y"])),
                       (*view.notes, *view.meta["axis_notes"]["x"], *view.meta["axis_notes"]["y"]))
    return (fig, notes_block(view, ind_x, ind_y, p), label, search, href,
            c.chart_about("exp-graph", PAGE, "points", p, view, search, text, "scatter"))


@callback(
    Output("nav", "href", allow_duplicate=True),
    Input("exp-graph", "clickData"),
    prevent_initial_call=True,
)
def open_profile(click):
    iso = guard.clicked_country(click)
    if iso is None:
        raise dash.exceptions.PreventUpdate
    return f"/profile?country={iso}"
