"""Compare: countries and country groups over time, as lines, in any sensible normalisation.

The numbers come from :mod:`aigap.analysis.views.compare`; this module lays them out.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from ...analysis.measures import MODES
from ...analysis.views import compare as cv
from .. import components as c
from .. import guard, views

dash.register_page(__name__, path="/compare", name="Compare", title="Compare · aigap", order=1)

PAGE = "compare"
NOTE_SYMBOL = "diamond-open"
# Countries: Okabe-Ito (colour-blind safe) without black, the yellow (faint as a thin line on white) last.
COUNTRY_COLOURS = [col for col in c.QUALITATIVE if col not in ("#F0E442", "#000000")] + ["#F0E442"]
# Groups: dark neutrals, dashed (each group its own dash pattern), square markers: never a country's colour.
GROUP_STYLES = [("#000000", "dash"), ("#777777", "dash"), ("#000000", "dot"), ("#8C510A", "dash"),
                ("#777777", "dot"), ("#000000", "dashdot")]


def aggregate_options(kind: str) -> list[dict]:
    allowed = cv.allowed_aggregates(kind)
    return [{"label": label.capitalize(), "value": key, "disabled": key not in allowed}
            for key, label in cv.AGGREGATES.items()]


def group_options() -> list[dict]:
    return [{"label": label, "value": gid} for gid, label in cv.group_choices(views.frames())]


def year_options(ind_id: str) -> list[dict]:
    return [{"label": str(y), "value": y} for y in views.frames().years(ind_id)]


def control_query(ind_id, countries, groups, custom, agg, mode, log, year_from, year_to) -> dict:
    """The controls' values as the page's query string (then parsed like any URL)."""
    return {"indicator": ind_id, "countries": guard.items(countries), "groups": guard.items(groups),
            "custom": guard.items(custom), "agg": agg, "mode": mode, "log": "1" if log else "0", "from": year_from,
            "to": year_to}


# -- layout ---------------------------------------------------------------------------------------------------
def layout(**query) -> html.Div:
    _, p = views.parse(PAGE, query)
    ind = c.indicator(p.indicator)
    country_opts = c.country_options()
    years = year_options(p.indicator)
    href = views.download_href(PAGE, c.query_string(cv.url_params(p)))

    def labelled(label, control_id, control):
        return html.Div([dbc.Label(label, html_for=control_id, className="mb-0 fw-semibold small"), control],
                        className="mb-2")

    controls = [
        labelled("Indicator", "cmp-indicator",
                 dcc.Dropdown(id="cmp-indicator", options=c.indicator_options(), value=p.indicator,
                              clearable=False)),
        labelled("Countries", "cmp-countries",
                 dcc.Dropdown(id="cmp-countries", options=country_opts, value=list(p.countries), multi=True,
                              placeholder="Add countries")),
        labelled("Groups", "cmp-groups",
                 dcc.Dropdown(id="cmp-groups", options=group_options(), value=list(p.groups), multi=True,
                              placeholder="Add groups (G7, BRICS, EU27, income groups, regions)")),
        labelled("Custom set (aggregated as one line)", "cmp-custom",
                 dcc.Dropdown(id="cmp-custom", options=country_opts, value=list(p.custom), multi=True,
                              placeholder="Pick countries for a custom group")),
        c.radio_group("Aggregate groups by", "cmp-agg", aggregate_options(ind["kind"]), p.agg, inline=True,
                      note="Sum only for totals; rates and scores use the median or a weighted mean."),
        c.radio_group("Show as", "cmp-mode", c.mode_options(ind["kind"]), p.mode),
        dbc.Row(  # clipped: the dropdowns' hidden focus inputs are wider than a half column on a phone
            [
                dbc.Col(labelled("From", "cmp-from",
                                 dcc.Dropdown(id="cmp-from", options=years, value=p.year_from, clearable=False)),
                        width=6),
                dbc.Col(labelled("To", "cmp-to",
                                 dcc.Dropdown(id="cmp-to", options=years, value=p.year_to, clearable=False)),
                        width=6),
            ],
            className="g-2",
            style={"overflowX": "clip"},
        ),
        dbc.Switch(id="cmp-log", label="Log scale (y axis)", value=p.log, class_name="mb-2"),
    ]
    return html.Div(
        [
            html.H1("Compare countries and groups over time", className="h3"),
            dbc.Row(
                [
                    dbc.Col(html.Div(controls, className="cmp-controls"), lg=3, md=4),
                    dbc.Col(
                        [
                            html.Div(c.unknown_codes(query, ("countries", "groups", "custom"),
                                                     [*views.frames().names, *views.frames().groups["group_id"]]),
                                     id="cmp-unknown"),
                            html.Div(id="cmp-missing", role="status"),
                            c.chart_block("cmp-graph", 480),
                            html.Div(id="cmp-note"),
                            c.download_link("cmp", href),
                        ],
                        lg=9, md=8,
                    ),
                ],
                className="g-3",
            ),
        ]
    )


@callback(
    Output("cmp-mode", "options"),
    Output("cmp-mode", "value"),
    Output("cmp-agg", "options"),
    Output("cmp-agg", "value"),
    Output("cmp-from", "options"),
    Output("cmp-from", "value"),
    Output("cmp-to", "options"),
    Output("cmp-to", "value"),
    Input("cmp-indicator", "value"),
    State("cmp-mode", "value"),
    State("cmp-agg", "value"),
    State("cmp-agg", "options"),
    State("cmp-from", "value"),
    State("cmp-to", "value"),
)
def on_indicator(ind_id, mode, agg, agg_opts, year_from, year_to):
    new = bool(dash.ctx.triggered_id)
    # The options still describe the previous indicator. Coming to a total from a rate or score (where a sum
    # could not be chosen) gives the totals' default, the sum; otherwise the choice stays if it is allowed.
    first = agg_opts[0] if isinstance(agg_opts, list) and agg_opts and isinstance(agg_opts[0], dict) else {}
    was_total = bool(first) and not first.get("disabled")
    query = {"indicator": ind_id, "mode": mode, "agg": agg,
             "from": None if new else year_from, "to": None if new else year_to}  # a new indicator: whole period
    _, p = views.parse(PAGE, query)
    kind = c.indicator(p.indicator)["kind"]
    agg = cv.default_aggregate(kind) if new and kind == "total" and not was_total else p.agg
    opts = year_options(p.indicator)
    return c.mode_options(kind), p.mode, aggregate_options(kind), agg, opts, p.year_from, opts, p.year_to


# -- figure ---------------------------------------------------------------------------------------------------
def _hover(row, ind: dict, mode: str) -> str:
    unit = ind["unit"] if mode == "absolute" else MODES[mode]
    text = f"<b>{row.label}</b> {row.year}: {c.format_value(row.display, unit)}"
    if row.kind == "group":
        text += f"<br>{row.members_with_data} of {row.members} members with data"
    elif row.period and str(row.period) != str(row.year):
        text += f" (period {row.period})"
    if isinstance(row.note, str) and row.note:
        text += f"<br><i>{row.note}</i>"
    return text


def _noted(note) -> bool:
    return isinstance(note, str) and bool(note)


def line_trace(rows: list, years: list[int], ind: dict, mode: str, style: tuple[str, str], is_group: bool) -> dict:
    """One line over every year of the range: a year without a value is a gap, never bridged."""
    by_year = {row.year: row for row in rows}
    colour, dash_style = style
    flagged = [y in by_year and _noted(by_year[y].note) for y in years]
    base = "square" if is_group else "circle"
    return {
        "type": "scatter", "x": years, "mode": "lines+markers", "connectgaps": False,
        "y": [float(by_year[y].display) if y in by_year else None for y in years],
        "customdata": [rows[0].series] * len(years),
        "text": [_hover(by_year[y], ind, mode) if y in by_year else "" for y in years],
        "hovertemplate": "%{text}<extra></extra>", "name": rows[0].label,
        "line": {"color": colour, "width": 2.5 if is_group else 2, "dash": dash_style},
        "marker": {"color": colour, "size": [11 if f else 7 for f in flagged],
                   "symbol": [NOTE_SYMBOL if f else base for f in flagged], "line": {"width": 2, "color": colour}},
    }


def build_figure(view, ind: dict, mode: str, log: bool, year_from: int, year_to: int) -> dict:
    years = list(range(year_from, year_to + 1))
    series: dict[str, list] = {}
    for row in view.table.itertuples():
        series.setdefault(row.series, []).append(row)
    traces, n_country, n_group = [], 0, 0
    for rows in series.values():
        is_group = rows[0].kind == "group"
        if is_group:
            style = GROUP_STYLES[n_group % len(GROUP_STYLES)]
            n_group += 1
        else:  # past the palette, colours repeat with a dotted line
            style = (COUNTRY_COLOURS[n_country % len(COUNTRY_COLOURS)],
                     "solid" if n_country < len(COUNTRY_COLOURS) else "dot")
            n_country += 1
        traces.append(line_trace(rows, years, ind, mode, style, is_group))
    if any(_noted(n) for n in view.table["note"]):
        traces.append({"type": "scatter", "x": [None], "y": [None], "mode": "markers",
                       "name": "value with a note", "hoverinfo": "skip",
                       "marker": {"symbol": NOTE_SYMBOL, "size": 11, "color": "#555555",
                                  "line": {"width": 2, "color": "#555555"}}})
    title = c.chart_title(view.meta["title"])
    return c.plain_figure(traces, {
        "title": title, "margin": {"l": 10, "r": 10, "t": c.title_top(title), "b": 10}, "hovermode": "closest",
        "legend": c.LEGEND_BELOW,
        # At most eight year labels (never turned on a phone); a year axis needs no title.
        "xaxis": {"tickformat": "d", "nticks": 8, "range": [year_from - 0.5, year_to + 0.5], "automargin": True},
        "yaxis": {"title": c.axis_text(view.meta["unit"], 30), "type": "log" if log else "linear",
                  "automargin": True},
    })


# -- callbacks ------------------------------------------------------------------------------------------------
@callback(
    Output("cmp-graph", "figure"),
    Output("cmp-note", "children"),
    Output("cmp-missing", "children"),
    Output("url", "search", allow_duplicate=True),
    Output("cmp-download-btn", "href"),
    Output("cmp-graph-about", "children"),
    Input("cmp-indicator", "value"),
    Input("cmp-countries", "value"),
    Input("cmp-groups", "value"),
    Input("cmp-custom", "value"),
    Input("cmp-agg", "value"),
    Input("cmp-mode", "value"),
    Input("cmp-log", "value"),
    Input("cmp-from", "value"),
    Input("cmp-to", "value"),
    prevent_initial_call="initial_duplicate",
)
def update(ind_id, countries, groups, custom, agg, mode, log, year_from, year_to):
    _, p = views.parse(PAGE, control_query(ind_id, countries, groups, custom, agg, mode, log, year_from, year_to))
    search = c.query_string(cv.url_params(p))
    href = views.download_href(PAGE, search)
    view = views.view(PAGE, p)
    missing = view.meta["missing"]
    alert = (dbc.Alert([html.Div(m) for m in missing], color="warning", className="py-1 mb-1 small")
             if missing else None)
    if view.table.empty:
        return c.empty_figure(view.meta["empty"]), "", alert, search, href, None
    ind = c.indicator(p.indicator)
    fig = build_figure(view, ind, p.mode, p.log, p.year_from, p.year_to)
    text = c.ChartText(view.meta["title"], f"{view.meta['unit']}, {view.meta['period']}",
                       ((ind, view.meta["period"]),), (*missing, *view.notes))
    return (fig, c.source_note(ind, view.meta["period"], view.notes), alert, search, href,
            c.chart_about("cmp-graph", PAGE, "lines", p, view, search, text, "lines"))
