"""Data & sources: the observations behind any view in a filterable table, every indicator's definition, source,
licence, caveats and coverage, and what the last ingest did (including the names it excluded as non-countries).

The numbers come from :mod:`aigap.analysis.views.data`; this module lays them out.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath
from urllib.parse import urlencode

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, dcc, html

from ...analysis.views import data as dv
from .. import components as c
from .. import guard, views
from .data_grids import CATALOGUE_COLUMNS, DEFAULT_COL, EXCLUDED_COLUMNS, GRID_COLUMNS, GRID_OPTIONS

dash.register_page(__name__, path="/data", name="Data & sources", title="Data & sources · aigap", order=7)

PAGE = "data"
HAS_DATA = c.QUALITATIVE[0]  # Okabe-Ito blue on a pale grey background: distinguishable for colour-blind readers
NO_DATA = "#ececec"
KINDS = {"total": "total (can be summed across countries)", "rate": "rate (per person, per GDP or a share)",
         "score": "score (an index; not additive)"}

def layout(**query) -> html.Div:
    _, p = views.parse(PAGE, query)
    search = c.query_string(p.query())
    return html.Div(
        [
            html.H1("Data & sources", className="h3"),
            c.unknown_codes(query, ("country",), views.frames().names),
            html.P("The observations behind every chart, what each indicator measures, where it comes from, its "
                   "licence and caveats, which countries and years have data, and what the last ingest did.",
                   className="text-muted small mb-2"),
            dbc.Row(
                [
                    dbc.Col([dbc.Label("Indicator", html_for="data-indicator"),
                             dcc.Dropdown(id="data-indicator", options=c.indicator_options(), value=p.indicator,
                                          clearable=False)], md=6, lg=5),
                    dbc.Col([dbc.Label("Countries (empty = all)", html_for="data-countries"),
                             dcc.Dropdown(id="data-countries", options=c.country_options(), value=list(p.country),
                                          multi=True, placeholder="All countries")], md=6, lg=5),
                    dbc.Col([dbc.Label("From year", html_for="data-from"),
                             dcc.Input(id="data-from", type="number", min=dv.YEAR_MIN, max=dv.YEAR_MAX, step=1,
                                       value=p.year_from, debounce=True, className="form-control")], md=3, lg=1,
                            xs=6),
                    dbc.Col([dbc.Label("To year", html_for="data-to"),
                             dcc.Input(id="data-to", type="number", min=dv.YEAR_MIN, max=dv.YEAR_MAX, step=1,
                                       value=p.year_to, debounce=True, className="form-control")], md=3, lg=1,
                            xs=6),
                ],
                className="g-2 mb-2",
            ),
            html.Div(id="data-definition", children=definition(p.indicator), className="mb-3"),
            html.H2("Observations", className="h5", id="observations"),
            html.Div([html.Span(id="data-count"), html.Span(id="data-shown", className="ms-1")],
                     className="small mb-1"),
            dag.AgGrid(
                id="data-grid",
                columnDefs=GRID_COLUMNS,
                rowData=[],
                defaultColDef=DEFAULT_COL,
                dashGridOptions={**GRID_OPTIONS, "animateRows": False, "rowHeight": 30, "headerHeight": 34,
                                 "floatingFiltersHeight": 34, "suppressCellFocus": False},
                getRowId="params.data.iso3 + '|' + params.data.period",
                style={"height": "430px"},
            ),
            c.download_link("data", views.download_href(PAGE, search)),
            html.Div(["The CSV holds every row chosen by the indicator, country and year controls, with "
                      "full-precision values and the hidden indicator_id column (the table's own column filters "
                      "and sort are not applied). ",
                      html.A("The same rows from the API", id="data-api-link", href="", download="")],
                     className="small text-muted mb-2"),
            dbc.Row(
                [
                    dbc.Col([html.H2("Coverage", className="h5"),
                             html.Div(id="data-coverage-note", className="small"),
                             dbc.Checklist(id="data-cov-all", options=[{"label": "Draw all countries (a tall "
                                                                        "figure)", "value": "all"}],
                                           value=["all"] if p.coverage == "all" else [], className="small"),
                             c.chart_block("data-coverage", coverage_height(len(views.view(PAGE, p, "coverage").table)),
                                           sized=False),
                             c.download_link("data-coverage", views.download_href(PAGE, search, table="coverage"))],
                            lg=8),
                    dbc.Col([html.H2("Aggregates published by the source", className="h5"),
                             html.Div(id="data-aggregates", className="mb-3"),
                             html.H2("Last ingest", className="h5"),
                             html.Div(id="data-ingest", className="mb-3"),
                             html.Div(id="data-excluded-source"),
                             excluded_all()],
                            lg=4),
                ],
                className="mt-3",
            ),
            html.H2("Catalogue of all indicators", className="h5 mt-3"),
            html.P("Click an indicator to see its definition and data.", className="small text-muted mb-1"),
            dag.AgGrid(
                id="data-catalogue",
                columnDefs=CATALOGUE_COLUMNS,
                rowData=catalogue().to_dict("records"),
                defaultColDef=DEFAULT_COL,
                dashGridOptions=GRID_OPTIONS,
                style={"height": "420px"},
            ),
            c.download_link("data-catalogue", views.download_href(PAGE, "", table="catalogue")),
        ]
    )


# -- pieces ------------------------------------------------------------------------------------------------------
def catalogue():
    """Every indicator with its coverage (the view ignores the page's filters: one result per store file)."""
    return views.view(PAGE, None, "catalogue").table


def source_record(source_id: str) -> dict:
    sources = c.store().sources().set_index("source_id", drop=False)
    return sources.loc[source_id].to_dict() if source_id in sources.index else {}


def _fact(label: str, value) -> list:
    return [html.Dt(label, className="col-sm-4"), html.Dd(value, className="col-sm-8 mb-1")]


def how_to_get(source: Mapping) -> list:
    urls = source.get("download_urls") or {}
    manual = source.get("manual") if isinstance(source.get("manual"), str) else ""
    parts = [html.Ul([html.Li([html.Code(name), ": ", html.A(url, href=url, target="_blank", rel="noopener",
                                                            className="text-break")]) for name, url in urls.items()],
                     className="mb-1")] if urls else []
    parts += [html.P(manual, className="mb-1")] if manual.strip() else []
    return parts or [html.P("No download instructions recorded.", className="mb-1 text-muted")]


def definition(ind_id: str) -> dbc.Card:
    """The selected indicator in full: what it measures, its source and licence, caveats and how to get the file."""
    ind = views.frames().indicator(ind_id)
    source = source_record(ind["source_id"])
    row = catalogue().set_index("indicator_id").loc[ind_id]
    coverage_text = (f"{row['countries']} countries, {row['observations']:,} observations, "
                     f"{row['first_period']} to {row['last_period']}") if row["observations"] else "no observations"
    caveats, source_caveats = dv.caveats_of(ind)
    about = [
        html.H2(ind["name"], className="h5 mb-1"),
        html.Div([html.Code(ind_id), " · ", ind["pillar"], " · ", ind["kind"]], className="small text-muted mb-2"),
        html.P(ind["description"], className="mb-2"),
        html.Dl(
            _fact("Unit", ind["unit"])
            + _fact("Pillar", ind["pillar"])
            + _fact("Kind", KINDS.get(ind["kind"], ind["kind"]))
            + _fact("Higher is better", "yes" if ind["higher_is_better"] else "no (lower is better)")
            + _fact("Publisher's series code", html.Code(ind["series_code"]))
            + _fact("Coverage in the store", coverage_text),
            className="row small mb-0",
        ),
    ]
    src = [
        html.H3("Source", className="h6 mb-1"),
        html.Dl(
            _fact("Publisher", ind["publisher"])
            + _fact("Title", ind["source_title"])
            + _fact("URL", html.A(ind["source_url"], href=ind["source_url"], target="_blank", rel="noopener",
                                  className="text-break", id="data-source-url"))
            + _fact("Licence", html.Span(ind["licence"], id="data-licence"))
            + _fact("Vintage", ind["vintage"])
            + _fact("Citation", html.Span(ind["citation"], className="fst-italic"))
            + _fact("Source id", html.Code(ind["source_id"])),
            className="row small mb-1",
        ),
        html.H3("How to get the file", className="h6 mb-1"),
        html.Div(how_to_get(source), className="small"),
    ]
    caveat_list = [html.Li(t) for t in caveats] + [html.Li([html.Span("Source: ", className="text-muted"), t])
                                                  for t in source_caveats]
    return dbc.Card(
        dbc.CardBody(
            [
                dbc.Row([dbc.Col(about, lg=6), dbc.Col(src, lg=6)]),
                html.H3("Caveats", className="h6 mt-2 mb-1"),
                html.Ul(caveat_list or [html.Li("None recorded.")], className="small mb-0", id="data-caveats"),
            ]
        ),
        className="border-primary-subtle",
    )


def excluded_all() -> html.Details:
    view = dv.excluded_view(views.frames().excluded_names())
    return html.Details(
        [
            html.Summary(f"All names excluded as non-countries, every source ({view.meta['names']} names, "
                         f"{view.meta['rows']:,} rows)", className="small"),
            dag.AgGrid(
                id="data-excluded",
                columnDefs=EXCLUDED_COLUMNS,
                rowData=view.table.to_dict("records"),
                defaultColDef=DEFAULT_COL,
                dashGridOptions=GRID_OPTIONS,
                style={"height": "360px"},
            ),
        ],
        className="mb-2",
    )


def excluded_for(ind: Mapping) -> html.Details:
    """Names this indicator's source files held that the adapter did not count as countries."""
    view = dv.excluded_view(views.frames().excluded_names(), ind)
    if view.table.empty:
        return html.Details([html.Summary(view.notes[0], className="small")], className="mb-2",
                            id="data-excluded-details")
    table = dbc.Table(
        [html.Thead(html.Tr([html.Th("Name in the file"), html.Th("Why excluded"), html.Th("Rows")])),
         html.Tbody([html.Tr([html.Td(r.raw_value), html.Td(r.reason), html.Td(f"{int(r.rows_excluded):,}")])
                     for r in view.table.itertuples()])],
        size="sm", bordered=False, striped=True, className="small mb-1",
    )
    return html.Details(
        [
            html.Summary(view.notes[0], className="small"),
            html.Div(["Files: ", ", ".join(view.meta["files"])], className="small text-muted text-break"),
            html.Div(table, style={"maxHeight": "300px", "overflowY": "auto"}),
        ],
        className="mb-2", id="data-excluded-details",
    )


def ingest_panel(ind: Mapping) -> html.Div:
    run = c.store().last_ingest()
    if not run:
        return html.P("No ingest recorded.", className="small text-muted")
    mine = dv.ingest_count(c.store().ingest_counts(run.get("run_id")), ind["source_id"])
    finished = str(run.get("finished_at") or "")
    when = finished.replace("T", " ").replace("+00:00", " UTC")
    items = [
        html.Li([html.Strong("Finished: "), when]),
        html.Li([html.Strong("Run: "), f"#{run.get('run_id')} by aigap {run.get('aigap_version')}, from the snapshot "
                 "folder ", html.Code("/".join(PurePosixPath(str(run.get("snapshot") or "?")).parts[-2:]))]),
        html.Li([html.Strong("Observations stored: "), f"{int(run.get('observations') or 0):,} in all"
                 + (f"; {mine:,} read from {ind['source_id']} (all its indicators and published aggregates)"
                    if mine is not None else "")]),
    ]
    return html.Ul(items, className="small mb-0 list-unstyled", id="data-ingest-list")


def aggregates_panel(p: dv.Params, ind: Mapping) -> html.Div:
    view = views.view(PAGE, p, "aggregates")
    if view.table.empty:
        return html.P(view.notes[0], className="small text-muted")
    table = dbc.Table(
        [html.Thead(html.Tr([html.Th("Entity"), html.Th("Period"), html.Th("Value"), html.Th("Note")])),
         html.Tbody([html.Tr([html.Td(r.entity), html.Td(r.period), html.Td(c.format_value(r.value)),
                              html.Td(r.note or "")]) for r in view.table.itertuples()])],
        size="sm", striped=True, className="small mb-1", id="data-aggregates-table",
    )
    return html.Div([
        html.Div(table, style={"maxHeight": "260px", "overflowY": "auto"}),
        html.Div(f"As published by {ind['publisher']} ({ind['unit']}); group figures are the source's own, not "
                 "sums of the country rows, and are not in the observation table.", className="small text-muted"),
    ])


def coverage_height(rows: int) -> int:
    """The coverage figure's height in pixels for this many country rows (and a title of up to two lines)."""
    return max(220, 15 * rows + 130)


def coverage_figure(view, ind: Mapping) -> dict:
    """The coverage view's matrix: a cell is drawn where the country has at least one observation that year."""
    table, years = view.table, view.meta["years"]
    title = c.chart_title(f"{ind['name']}: years with data, by country", 13)  # wrapped: a phone cut it
    z = [[1 if n > 0 else None for n in row] for row in table[[str(y) for y in years]].to_numpy().tolist()]
    heatmap = {
        "type": "heatmap", "z": z, "x": years, "y": table["name"].tolist(), "text": view.meta["text"],
        "hovertemplate": "%{text}<extra></extra>", "colorscale": [[0, HAS_DATA], [1, HAS_DATA]], "zmin": 0,
        "zmax": 1, "showscale": False, "xgap": 1, "ygap": 1,
    }
    return c.plain_figure([heatmap], {
        "height": coverage_height(len(table)), "plot_bgcolor": NO_DATA,
        "margin": {"l": 10, "r": 10, "t": c.title_top(title) + 32, "b": 20}, "title": title,  # + the years' axis
        "xaxis": {"side": "top", "showgrid": False, "tickformat": "d",
                  "nticks": 8},  # one label a year turned sideways on a phone
        "yaxis": {"autorange": "reversed", "automargin": True, "showgrid": False, "tickfont": {"size": 10},
                  "dtick": 1},
    })


def grid_rows(table) -> list[dict]:
    """The view's rows as plain values for the grid (a missing value is null, not NaN)."""
    return table.astype(object).where(table.notna(), None).to_dict("records")


def api_href(p: dv.Params) -> str:
    params = {"indicator": p.indicator, "country": ",".join(p.country), "from": p.year_from, "to": p.year_to,
              "format": "csv"}
    return "/api/v1/observations?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


# -- callbacks ---------------------------------------------------------------------------------------------------
@callback(
    Output("data-definition", "children"),
    Output("data-ingest", "children"),
    Output("data-excluded-source", "children"),
    Output("data-from", "placeholder"),
    Output("data-to", "placeholder"),
    Input("data-indicator", "value"),
)
def on_indicator(ind_id):
    _, p = views.parse(PAGE, {"indicator": ind_id})
    ind = views.frames().indicator(p.indicator)
    years = views.frames().years(p.indicator)
    first, last = (str(years[0]), str(years[-1])) if years else ("", "")
    return definition(p.indicator), ingest_panel(ind), excluded_for(ind), first, last


@callback(
    Output("data-grid", "rowData"),
    Output("data-count", "children"),
    Output("data-api-link", "href"),
    Output("data-coverage", "figure"),
    Output("data-coverage-note", "children"),
    Output("data-aggregates", "children"),
    Output("url", "search", allow_duplicate=True),
    Output("data-download-btn", "href"),
    Output("data-coverage-download-btn", "href"),
    Output("data-coverage-about", "children"),
    Input("data-indicator", "value"),
    Input("data-countries", "value"),
    Input("data-from", "value"),
    Input("data-to", "value"),
    Input("data-cov-all", "value"),
    prevent_initial_call="initial_duplicate",
)
def update(ind_id, countries, year_from, year_to, cov_all):
    _, p = views.parse(PAGE, {"indicator": ind_id, "country": guard.items(countries), "from": year_from,
                              "to": year_to, "coverage": "all" if guard.items(cov_all) == "all" else None})
    ind = views.frames().indicator(p.indicator)
    rows = views.view(PAGE, p, "observations")
    cov = views.view(PAGE, p, "coverage")
    count = html.Span(rows.notes[0], className="text-danger" if rows.table.empty else None)
    fig = coverage_figure(cov, ind) if len(cov.table) else c.empty_figure(cov.meta["empty"])
    search = c.query_string(p.query())
    years = cov.meta.get("years") or []
    period = f"{years[0]}-{years[-1]}" if years else "no data"
    text = c.ChartText(c.plain_title(fig) if len(cov.table) else cov.meta["empty"],
                       "Years with at least one observation, by country", ((ind, period),), cov.notes)
    return (grid_rows(rows.table), count, api_href(p), fig, " ".join(cov.notes), aggregates_panel(p, ind), search,
            views.download_href(PAGE, search), views.download_href(PAGE, search, table="coverage"),
            c.chart_about("data-coverage", PAGE, "coverage", p, cov, search, text))


# How many rows the table shows after its column filters, counted in the browser (no round trip).
clientside_callback(
    """
    function(virtual, rows) {
        if (!rows || !rows.length) { return ""; }
        const shown = virtual ? virtual.length : rows.length;
        return shown === rows.length ? "The table shows all of them."
            : "The table's column filters show " + shown.toLocaleString("en") + " of them (the CSV holds all "
              + rows.length.toLocaleString("en") + ").";
    }
    """,
    Output("data-shown", "children"),
    Input("data-grid", "virtualRowData"),
    State("data-grid", "rowData"),
)
