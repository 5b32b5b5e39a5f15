"""Gap: how far countries and groups are behind a reference (the US, China, the G7 median or each year's leader),
how fast the gap moves and whether, within a stated horizon, it would close; and how concentrated AI capacity is
across countries and between BRICS, the G7 and the rest of the world.

The numbers come from :mod:`aigap.analysis.views.gap`; this module lays them out (figures in ``gap_figures``).
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from ...analysis.views import gap as gv
from .. import components as c
from .. import guard, views
from . import gap_figures as figs

dash.register_page(__name__, path="/gap", name="Gap", title="Gap to the leaders · aigap", order=6)

PAGE = "gap"
# Download link id prefix -> the view table it serves.
DOWNLOADS = {"gap": "gap", "gap-trend": "trend", "gap-conc": "concentration", "gap-bloc": "blocs"}
# The controls, in the order of gv.PARAMS.
CONTROLS = ("gap-indicator", "gap-ref", "gap-countries", "gap-groups", "gap-measure", "gap-mode", "gap-from",
            "gap-to", "gap-conc")
GROUP_KINDS = {"club": "club", "wb_income": "income group", "wb_region": "World Bank region",
               "un_region": "UN region", "un_subregion": "UN sub-region"}


def params(*values) -> gv.Params:
    """The view parameters from the controls' values (leniently: a stale value falls back to its default)."""
    query = {key: guard.items(value) if key in ("countries", "groups") else value
             for key, value in zip(gv.PARAMS, values)}
    return views.parse(PAGE, query)[1]


def hrefs(p: gv.Params) -> list[str]:
    search = c.query_string(gv.to_query(p))
    return [views.download_href(PAGE, search, table=table) for table in DOWNLOADS.values()]


def group_options() -> list[dict]:
    groups = views.frames().groups.sort_values(["kind", "name"])
    return [{"label": f"{r.name} ({GROUP_KINDS.get(r.kind, r.kind)})", "value": r.group_id}
            for r in groups.itertuples()]


def year_options(ind_id: str) -> list[dict]:
    return [{"label": str(y), "value": y} for y in gv.complete_years(views.frames().obs(ind_id))]


def _labelled(label: str, control_id: str, control) -> html.Div:
    return html.Div([dbc.Label(label, html_for=control_id, className="mb-0 fw-semibold small"), control],
                    className="mb-2")


def _options(labels: dict[str, str]) -> list[dict]:
    return [{"label": v, "value": k} for k, v in labels.items()]


def _section(prefix: str, graph_id: str, height: int, href: str, *extra) -> list:
    return [c.chart_block(graph_id, height), *extra, html.Div(id=f"{graph_id.removesuffix('-graph')}-note"),
            c.download_link(prefix, href)]


def _about(graph_id: str, table: str, p: gv.Params, view, ind: dict, subtitle: str, chart: str,
           notes: tuple = ()) -> list:
    """The summary, export, embed link and data table under one of the page's charts."""
    text = c.ChartText(view.meta["title"], subtitle, ((ind, view.meta["period"]),), (*notes, *view.notes))
    return c.chart_about(graph_id, PAGE, table, p, view, c.query_string(gv.to_query(p)), text, chart)


def layout(**query) -> html.Div:
    _, p = views.parse(PAGE, query)
    ind = c.indicator(p.indicator)
    years = year_options(p.indicator)
    links = dict(zip(DOWNLOADS, hrefs(p)))
    controls = [
        _labelled("Indicator", "gap-indicator", dcc.Dropdown(id="gap-indicator", options=c.indicator_options(),
                                                             value=p.indicator, clearable=False)),
        _labelled("Countries", "gap-countries", dcc.Dropdown(id="gap-countries", options=c.country_options(),
                                                             value=list(p.countries), multi=True,
                                                             placeholder="Add countries")),
        _labelled("Groups", "gap-groups", dcc.Dropdown(id="gap-groups", options=group_options(),
                                                       value=list(p.groups), multi=True,
                                                       placeholder="Add groups (BRICS, G7, regions…)")),
        c.radio_group("Reference", "gap-ref", _options(gv.REFERENCES), p.ref),
        c.radio_group("Gap as", "gap-measure", _options(gv.MEASURES), p.measure),
        c.radio_group("Show as", "gap-mode", c.mode_options(ind["kind"]), p.mode),
    ]
    window = dbc.Row([
        dbc.Col(_labelled("Fit trends from", "gap-from", dcc.Dropdown(id="gap-from", options=years,
                                                                       value=p.year_from, clearable=False)),
                width=6, md=3, lg=2),
        dbc.Col(_labelled("to", "gap-to", dcc.Dropdown(id="gap-to", options=years, value=p.year_to,
                                                       clearable=False)), width=6, md=3, lg=2),
    ], className="g-2")
    return html.Div([
        html.H1("Gap to the leaders", className="h3"),
        html.P("How far countries and groups are behind the United States, China, the G7 median or each year's "
               "leader; how fast the gap moves; and how concentrated AI capacity is.",
               className="text-muted small mb-2"),
        dbc.Row([
            dbc.Col(html.Div(controls, className="gap-controls"), lg=3, md=4),
            dbc.Col([
                html.H2("1. The gap over time", className="h5"),
                c.unknown_codes(query, ("countries", "groups"),
                                [*views.frames().names, *views.frames().groups["group_id"]]),
                html.Div(id="gap-missing", role="status"),
                *_section("gap", "gap-graph", 400, links["gap"]),
                html.H2("2. Trends and years to catch up", className="h5 mt-3"),
                window,
                *_section("gap-trend", "gap-trend-graph", 460, links["gap-trend"],
                          html.Div(id="gap-trend-table", className="table-responsive", tabIndex="0", role="region",
                                   **{"aria-label": "Years to catch up, as a table (scrolls sideways)"})),
            ], lg=9, md=8),
        ], className="g-3"),
        html.H2("3–4. How concentrated is AI capacity, and is it spreading?", className="h5 mt-3"),
        dbc.Row(dbc.Col(c.radio_group("Measure", "gap-conc", _options(gv.CONCENTRATION), p.conc, inline=True),
                        md=12)),
        dbc.Row([
            dbc.Col([html.H3("Concentration: top countries' share and HHI", className="h6"),
                     *_section("gap-conc", "gap-conc-graph", 420, links["gap-conc"])], lg=6),
            dbc.Col([html.H3("BRICS, G7 and the rest of the world: shares of the total", className="h6"),
                     *_section("gap-bloc", "gap-bloc-graph", 420, links["gap-bloc"])], lg=6),
        ], className="g-3"),
    ])


@callback(
    Output("gap-mode", "options"),
    Output("gap-mode", "value"),
    Output("gap-from", "options"),
    Output("gap-from", "value"),
    Output("gap-to", "options"),
    Output("gap-to", "value"),
    Input("gap-indicator", "value"),
    State("gap-mode", "value"),
    prevent_initial_call=True,  # the layout already holds the URL's (validated) values
)
def on_indicator(ind_id, mode):
    p = params(ind_id, None, None, None, None, mode)  # a new indicator: its own last ten years
    years = year_options(p.indicator)
    return c.mode_options(c.indicator(p.indicator)["kind"]), p.mode, years, p.year_from, years, p.year_to


@callback(
    Output("url", "search", allow_duplicate=True),
    *[Output(f"{prefix}-download-btn", "href") for prefix in DOWNLOADS],
    *[Input(control, "value") for control in CONTROLS],
    prevent_initial_call="initial_duplicate",
)
def write_url(*values):
    p = params(*values)
    return c.query_string(gv.to_query(p)), *hrefs(p)


@callback(
    Output("gap-graph", "figure"),
    Output("gap-note", "children"),
    Output("gap-missing", "children"),
    Output("gap-trend-graph", "figure"),
    Output("gap-trend-table", "children"),
    Output("gap-trend-note", "children"),
    Output("gap-graph-about", "children"),
    Output("gap-trend-graph-about", "children"),
    *[Input(control, "value") for control in CONTROLS[:-1]],
)
def update_gap(*values):
    p = params(*values)
    ind = c.indicator(p.indicator)
    lines = views.view(PAGE, p, "gap")
    missing = [html.Div(m, className="small text-danger") for m in lines.meta["missing"]]
    if lines.table.empty:
        empty = c.empty_figure(lines.meta["empty"])
        return empty, "", missing, empty, "", "", None, None
    fig = figs.gap_figure(lines, p.measure, p.year_from, p.year_to)
    note = c.source_note(ind, lines.meta["period"], lines.notes)
    unit = f"{lines.meta['unit']}, "
    about = _about("gap-graph", "gap", p, lines, ind, unit + lines.meta["period"], "gap", lines.meta["missing"])
    trend = views.view(PAGE, p, "trend")
    if trend.table.empty:
        return fig, note, missing, c.empty_figure(trend.meta["empty"]), "", "", about, None
    tfig = (c.empty_figure(trend.meta["empty"]) if "empty" in trend.meta else
            figs.trend_figure(trend, views.view(PAGE, p, "points").table))
    return (fig, note, missing, tfig, figs.trend_html(trend.table),
            c.source_note(ind, trend.meta["period"], trend.notes), about,
            _about("gap-trend-graph", "trend", p, trend, ind, unit + trend.meta["period"], "trend"))


@callback(
    Output("gap-conc-graph", "figure"),
    Output("gap-conc-note", "children"),
    Output("gap-bloc-graph", "figure"),
    Output("gap-bloc-note", "children"),
    Output("gap-conc-graph-about", "children"),
    Output("gap-bloc-graph-about", "children"),
    Input("gap-conc", "value"),
)
def update_concentration(conc_id):
    p = views.parse(PAGE, {"conc": conc_id})[1]
    ind = c.indicator(p.conc)
    conc = views.view(PAGE, p, "concentration")
    if conc.table.empty:
        empty = c.empty_figure(conc.meta["empty"])
        return empty, "", empty, "", None, None
    blocs = views.view(PAGE, p, "blocs")
    return (figs.concentration_figure(conc), c.source_note(ind, conc.meta["period"], conc.notes),
            figs.bloc_figure(blocs), c.source_note(ind, blocs.meta["period"], blocs.notes),
            _about("gap-conc-graph", "concentration", p, conc, ind,
                   f"Shares of the total (%) and HHI, {conc.meta['period']}", "concentration"),
            _about("gap-bloc-graph", "blocs", p, blocs, ind, f"Shares of the total (%), {blocs.meta['period']}",
                   "blocs"))
