"""Data & sources: the observations behind any view in a filterable table, every indicator's definition, source,
licence, caveats and coverage, and what the last ingest did (including the names it excluded as non-countries)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import PurePosixPath
from urllib.parse import urlencode

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from dash import Input, Output, State, callback, clientside_callback, dcc, html

from .. import components as c

dash.register_page(__name__, path="/data", name="Data & sources", title="Data & sources · aigap", order=4)

# The coverage matrix shows this many countries (those with most years of data) unless "show all" is ticked.
COVERAGE_LIMIT = 60
HAS_DATA = c.QUALITATIVE[0]  # Okabe-Ito blue on a pale grey background: distinguishable for colour-blind readers
NO_DATA = "#ececec"
YEAR_MIN, YEAR_MAX = 1900, 2100

# The observation table: store columns plus the country name and unit; indicator_id is hidden on screen but kept in
# the rows and in the CSV so a downloaded file says what it holds. Header names are the column names of the CSV.
GRID_COLUMNS = [
    {"field": "iso3", "headerName": "iso3", "headerTooltip": "ISO 3166-1 alpha-3 code", "width": 90,
     "pinned": "left"},
    {"field": "country", "headerName": "country", "headerTooltip": "Country name", "width": 170, "pinned": "left"},
    {"field": "indicator_id", "headerName": "indicator_id", "hide": True},
    {"field": "period", "headerName": "period", "headerTooltip": "Period as published (year, half, quarter, "
                                                                  "list edition)", "width": 100},
    {"field": "year", "headerName": "year", "filter": "agNumberColumnFilter", "width": 95},
    {"field": "value", "headerName": "value", "filter": "agNumberColumnFilter", "type": "rightAligned",
     "width": 150, "valueFormatter": {"function": "params.value == null ? '' : Math.abs(params.value) >= 1e6 ? "
                                       "d3.format(',.0f')(params.value) : d3.format(',.6~g')(params.value)"},
     "useValueFormatterForExport": False,  # the CSV keeps every digit, the screen shows 6 significant ones
     "headerTooltip": "Value as stored (the CSV keeps full precision)"},
    {"field": "unit", "headerName": "unit", "width": 200, "tooltipField": "unit"},
    {"field": "note", "headerName": "note", "flex": 1, "minWidth": 220, "tooltipField": "note",
     "headerTooltip": "Set when a value is year to date, derived or otherwise special"},
    {"field": "source_id", "headerName": "source_id", "width": 150},
]
EXPORT_COLUMNS = [col["field"] for col in GRID_COLUMNS]

CATALOGUE_COLUMNS = [
    {"field": "link", "headerName": "Indicator", "cellRenderer": "markdown", "width": 230, "pinned": "left",
     "tooltipField": "indicator_id"},
    {"field": "name", "headerName": "Name", "width": 300, "tooltipField": "name"},
    {"field": "pillar", "headerName": "Pillar", "width": 130},
    {"field": "unit", "headerName": "Unit", "width": 190, "tooltipField": "unit"},
    {"field": "publisher", "headerName": "Source", "width": 200, "tooltipField": "publisher"},
    {"field": "licence", "headerName": "Licence", "width": 220, "tooltipField": "licence"},
    {"field": "vintage", "headerName": "Vintage", "width": 200, "tooltipField": "vintage"},
    {"field": "countries", "headerName": "Countries", "filter": "agNumberColumnFilter", "width": 115},
    {"field": "observations", "headerName": "Observations", "filter": "agNumberColumnFilter", "width": 130},
    {"field": "first_period", "headerName": "First", "width": 100},
    {"field": "last_period", "headerName": "Last", "width": 100},
]

EXCLUDED_COLUMNS = [
    {"field": "file", "headerName": "File", "width": 330, "tooltipField": "file"},
    {"field": "column_name", "headerName": "Column", "width": 160},
    {"field": "raw_value", "headerName": "Name in the file", "width": 220, "tooltipField": "raw_value"},
    {"field": "reason", "headerName": "Why excluded", "width": 420, "tooltipField": "reason"},
    {"field": "rows_excluded", "headerName": "Rows", "filter": "agNumberColumnFilter", "width": 90},
]

DEFAULT_COL = {"sortable": True, "filter": True, "resizable": True, "floatingFilter": True}


# -- reading the URL ---------------------------------------------------------------------------------------------
def parse_countries(value) -> list[str]:
    known = c.country_names()
    items = value if isinstance(value, (list, tuple)) else c.split_list(value)
    seen: list[str] = []
    for item in items:
        code = str(item).strip().upper()
        if code in known and code not in seen:
            seen.append(code)
    return seen


def parse_year(value) -> int | None:
    year = c.to_int(value)
    return year if year is not None and YEAR_MIN <= year <= YEAR_MAX else None


def year_range(year_from, year_to) -> tuple[int | None, int | None]:
    year_from, year_to = parse_year(year_from), parse_year(year_to)
    if year_from is not None and year_to is not None and year_from > year_to:
        year_from, year_to = year_to, year_from
    return year_from, year_to


def layout(indicator: str | None = None, country: str | None = None, to: str | None = None,
           coverage: str | None = None, **other) -> html.Div:
    ind_id = c.valid_indicator(indicator)
    countries = parse_countries(country)
    year_from, year_to = year_range(other.get("from"), to)  # "from" is a Python keyword
    return html.Div(
        [
            html.H1("Data & sources", className="h3"),
            html.P("The observations behind every chart, what each indicator measures, where it comes from, its "
                   "licence and caveats, which countries and years have data, and what the last ingest did.",
                   className="text-muted small mb-2"),
            dbc.Row(
                [
                    dbc.Col([dbc.Label("Indicator", html_for="data-indicator"),
                             dcc.Dropdown(id="data-indicator", options=c.indicator_options(), value=ind_id,
                                          clearable=False)], md=6, lg=5),
                    dbc.Col([dbc.Label("Countries (empty = all)", html_for="data-countries"),
                             dcc.Dropdown(id="data-countries", options=c.country_options(), value=countries,
                                          multi=True, placeholder="All countries")], md=6, lg=5),
                    dbc.Col([dbc.Label("From year", html_for="data-from"),
                             dcc.Input(id="data-from", type="number", min=YEAR_MIN, max=YEAR_MAX, step=1,
                                       value=year_from, debounce=True, className="form-control")], md=3, lg=1,
                            xs=6),
                    dbc.Col([dbc.Label("To year", html_for="data-to"),
                             dcc.Input(id="data-to", type="number", min=YEAR_MIN, max=YEAR_MAX, step=1,
                                       value=year_to, debounce=True, className="form-control")], md=3, lg=1,
                            xs=6),
                ],
                className="g-2 mb-2",
            ),
            html.Div(id="data-definition", children=definition(ind_id), className="mb-3"),
            html.H2("Observations", className="h5", id="observations"),
            html.Div([html.Span(id="data-count"), html.Span(id="data-shown", className="ms-1")],
                     className="small mb-1"),
            dag.AgGrid(
                id="data-grid",
                columnDefs=GRID_COLUMNS,
                rowData=[],
                defaultColDef=DEFAULT_COL,
                dashGridOptions={"animateRows": False, "tooltipShowDelay": 300, "rowHeight": 30, "headerHeight": 34,
                                 "floatingFiltersHeight": 34,
                                 "suppressCellFocus": False, "enableCellTextSelection": True},
                getRowId="params.data.iso3 + '|' + params.data.period",
                csvExportParams={"fileName": f"aigap_{ind_id}.csv", "allColumns": True,
                                 "columnKeys": EXPORT_COLUMNS},
                style={"height": "430px"},
            ),
            html.Div(
                [
                    html.Button("Download CSV of the table as shown", id="data-download-btn",
                                className="btn btn-outline-primary btn-sm me-2"),
                    html.A("CSV of all rows selected above (API, before column filters)", id="data-api-link",
                           href="", className="btn btn-outline-secondary btn-sm", download=""),
                    html.Div("The first button saves exactly the rows the table shows, after its column filters, in "
                             "its current sort order, with full-precision values (plus the hidden indicator_id "
                             "column). The second link returns every row chosen by the indicator, country and year "
                             "controls, as the store holds them.", className="small text-muted mt-1"),
                ],
                className="my-2",
            ),
            dbc.Row(
                [
                    dbc.Col([html.H2("Coverage", className="h5"),
                             html.Div(id="data-coverage-note", className="small"),
                             dbc.Checklist(id="data-cov-all", options=[{"label": "Draw all countries (a tall "
                                                                        "figure)", "value": "all"}],
                                           value=["all"] if coverage == "all" else [], className="small"),
                             dcc.Loading(dcc.Graph(id="data-coverage", config=c.GRAPH_CONFIG), type="default")],
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
                rowData=catalogue_rows(),
                defaultColDef=DEFAULT_COL,
                dashGridOptions={"tooltipShowDelay": 300, "enableCellTextSelection": True},
                style={"height": "420px"},
            ),
        ]
    )


# -- pieces ------------------------------------------------------------------------------------------------------
def source_record(source_id: str) -> dict:
    sources = c.store().sources().set_index("source_id", drop=False)
    return sources.loc[source_id].to_dict() if source_id in sources.index else {}


def coverage_record(ind_id: str) -> dict:
    cov = c.store().coverage().set_index("indicator_id")
    return cov.loc[ind_id].to_dict() if ind_id in cov.index else {}


def _fact(label: str, value) -> list:
    return [html.Dt(label, className="col-sm-4"), html.Dd(value, className="col-sm-8 mb-1")]


def how_to_get(source: Mapping) -> list:
    urls = source.get("download_urls") or {}
    manual = source.get("manual")
    parts: list = []
    if urls:
        parts.append(html.Ul([html.Li([html.Code(name), ": ", html.A(url, href=url, target="_blank",
                                                                   rel="noopener", className="text-break")])
                              for name, url in urls.items()], className="mb-1"))
    if isinstance(manual, str) and manual.strip():
        parts.append(html.P(manual, className="mb-1"))
    if not parts:
        parts.append(html.P("No download instructions recorded.", className="mb-1 text-muted"))
    return parts


def definition(ind_id: str) -> dbc.Card:
    """The selected indicator in full: what it measures, its source and licence, caveats and how to get the file."""
    ind = c.indicator(ind_id)
    source = source_record(ind["source_id"])
    cov = coverage_record(ind_id)
    caveats = list(ind.get("caveats") or [])
    source_caveats = [t for t in (ind.get("source_caveats") or []) if t not in caveats]
    coverage_text = (f"{cov['countries']} countries, {cov['observations']:,} observations, "
                     f"{cov['first_period']} to {cov['last_period']}") if cov else "no observations"
    about = [
        html.H2(ind["name"], className="h5 mb-1"),
        html.Div([html.Code(ind_id), " · ", ind["pillar"], " · ", ind["kind"]], className="small text-muted mb-2"),
        html.P(ind["description"], className="mb-2"),
        html.Dl(
            _fact("Unit", ind["unit"])
            + _fact("Pillar", ind["pillar"])
            + _fact("Kind", {"total": "total (can be summed across countries)", "rate": "rate (per person, per "
                             "GDP or a share)", "score": "score (an index; not additive)"}.get(ind["kind"],
                                                                                              ind["kind"]))
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


def catalogue_rows() -> list[dict]:
    table = c.store().indicators()
    cov = c.store().coverage()
    merged = table.merge(cov, on="indicator_id", how="left").sort_values(["pillar", "name"])
    rows = []
    for r in merged.itertuples():
        rows.append({
            "indicator_id": r.indicator_id,
            "link": f"[{r.indicator_id}](/data?indicator={r.indicator_id})",
            "name": r.name, "pillar": r.pillar, "unit": r.unit, "publisher": r.publisher, "licence": r.licence,
            "vintage": r.vintage,
            "countries": None if pd.isna(r.countries) else int(r.countries),
            "observations": None if pd.isna(r.observations) else int(r.observations),
            "first_period": r.first_period if isinstance(r.first_period, str) else None,
            "last_period": r.last_period if isinstance(r.last_period, str) else None,
        })
    return rows


def excluded_all() -> html.Details:
    excluded = c.store().excluded_names()
    return html.Details(
        [
            html.Summary(f"All names excluded as non-countries, every source ({len(excluded)} names, "
                         f"{int(excluded['rows_excluded'].sum()):,} rows)", className="small"),
            dag.AgGrid(
                id="data-excluded",
                columnDefs=EXCLUDED_COLUMNS,
                rowData=excluded.to_dict("records"),
                defaultColDef=DEFAULT_COL,
                dashGridOptions={"tooltipShowDelay": 300, "enableCellTextSelection": True},
                style={"height": "360px"},
            ),
        ],
        className="mb-2",
    )


def excluded_for(ind: Mapping) -> html.Details:
    """Names this indicator's source files held that the adapter did not count as countries."""
    excluded = c.store().excluded_names()
    folder = ind["source_id"] + "/"
    mine = excluded[excluded["file"].str.startswith(folder)]
    code = str(ind.get("series_code") or "")
    # A source folder with one file per series (World Bank): keep the file of this series when it is identifiable.
    own_file = mine[mine["file"].map(lambda f: bool(code) and code in PurePosixPath(f).name)]
    if not own_file.empty:
        mine = own_file
    if mine.empty:
        return html.Details([html.Summary("Names excluded as non-countries: none in this source's files",
                                          className="small")], className="mb-2", id="data-excluded-details")
    table = dbc.Table(
        [html.Thead(html.Tr([html.Th("Name in the file"), html.Th("Why excluded"), html.Th("Rows")])),
         html.Tbody([html.Tr([html.Td(r.raw_value), html.Td(r.reason), html.Td(f"{int(r.rows_excluded):,}")])
                     for r in mine.itertuples()])],
        size="sm", bordered=False, striped=True, className="small mb-1",
    )
    files = sorted(mine["file"].unique())
    return html.Details(
        [
            html.Summary(f"Names excluded as non-countries in this source's files: {len(mine)} names, "
                         f"{int(mine['rows_excluded'].sum()):,} rows", className="small"),
            html.Div(["Files: ", ", ".join(files)], className="small text-muted text-break"),
            html.Div(table, style={"maxHeight": "300px", "overflowY": "auto"}),
        ],
        className="mb-2", id="data-excluded-details",
    )


def ingest_panel(ind: Mapping) -> html.Div:
    run = c.store().last_ingest()
    if not run:
        return html.P("No ingest recorded.", className="small text-muted")
    counts = c.store().ingest_counts(run.get("run_id"))
    mine = counts[counts["source_id"] == ind["source_id"]]["observations"]
    finished = str(run.get("finished_at") or "")
    when = finished.replace("T", " ").replace("+00:00", " UTC")
    items = [
        html.Li([html.Strong("Finished: "), when]),
        html.Li([html.Strong("Run: "), f"#{run.get('run_id')} by aigap {run.get('aigap_version')}, from the snapshot "
                 "folder ", html.Code("/".join(PurePosixPath(str(run.get("snapshot") or "?")).parts[-2:]))]),
        html.Li([html.Strong("Observations stored: "), f"{int(run.get('observations') or 0):,} in all"
                 + (f"; {int(mine.iloc[0]):,} read from {ind['source_id']} (all its indicators and "
                    "published aggregates)" if len(mine) else "")]),
    ]
    return html.Ul(items, className="small mb-0 list-unstyled", id="data-ingest-list")


def aggregates_panel(ind: Mapping, year_from: int | None, year_to: int | None) -> html.Div:
    agg = c.store().aggregates(ind["indicator_id"])
    if year_from is not None:
        agg = agg[agg["year"] >= year_from]
    if year_to is not None:
        agg = agg[agg["year"] <= year_to]
    if agg.empty:
        return html.P("None for this indicator" + (" in the chosen years" if year_from or year_to else "") + ".",
                      className="small text-muted")
    table = dbc.Table(
        [html.Thead(html.Tr([html.Th("Entity"), html.Th("Period"), html.Th("Value"), html.Th("Note")])),
         html.Tbody([html.Tr([html.Td(r.entity), html.Td(r.period), html.Td(c.format_value(r.value)),
                              html.Td(r.note or "")]) for r in agg.itertuples()])],
        size="sm", striped=True, className="small mb-1", id="data-aggregates-table",
    )
    return html.Div([
        html.Div(table, style={"maxHeight": "260px", "overflowY": "auto"}),
        html.Div(f"As published by {ind['publisher']} ({ind['unit']}); group figures are the source's own, not "
                 "sums of the country rows, and are not in the observation table.", className="small text-muted"),
    ])


def coverage_figure(obs: pd.DataFrame, ind: Mapping, names: Mapping[str, str], show_all: bool
                    ) -> tuple[go.Figure, str]:
    """Countries (rows, most years first) by years (columns): 1 where the country has data that year."""
    if obs.empty:
        return c.empty_figure("No data for this selection"), ""
    periods: dict[str, dict[int, list[str]]] = {}
    for iso, year, period in zip(obs["iso3"].tolist(), obs["year"].tolist(), obs["period"].tolist()):
        periods.setdefault(iso, {}).setdefault(int(year), []).append(str(period))
    label = {iso: names.get(iso, iso) for iso in periods}
    order = sorted(periods, key=lambda iso: (-len(periods[iso]), label[iso]))
    shown = order if show_all else order[:COVERAGE_LIMIT]
    years = list(range(int(obs["year"].min()), int(obs["year"].max()) + 1))
    z, text = [], []
    for iso in shown:
        have = periods[iso]
        z.append([1 if y in have else None for y in years])
        text.append([f"{label[iso]} ({iso}), {y}: " + (", ".join(sorted(have[y])) if y in have else "no data")
                     for y in years])
    heatmap = {
        "type": "heatmap", "z": z, "x": years, "y": [label[iso] for iso in shown], "text": text,
        "hovertemplate": "%{text}<extra></extra>", "colorscale": [[0, HAS_DATA], [1, HAS_DATA]], "zmin": 0,
        "zmax": 1, "showscale": False, "xgap": 1, "ygap": 1,
    }
    layout = {
        "template": _white_template(), "height": max(220, 15 * len(shown) + 110), "plot_bgcolor": NO_DATA,
        "margin": {"l": 10, "r": 10, "t": 60, "b": 20},
        "title": {"text": f"{ind['name']}: years with data, by country", "x": 0.01, "y": 0.995,
                  "yanchor": "top", "yref": "container", "font": {"size": 13}},
        "xaxis": {"side": "top", "showgrid": False, "tickformat": "d",
                  **({"dtick": 1} if len(years) <= 20 else {})},
        "yaxis": {"autorange": "reversed", "automargin": True, "showgrid": False, "tickfont": {"size": 10},
                  "dtick": 1},
    }
    # A large matrix of plain lists: validating it would cost more than drawing it (callbacks stay < 50 ms).
    fig = go.Figure(data=[heatmap], layout=layout, _validate=False)
    hidden = order[len(shown):]
    note = (f"Blue: at least one observation in the year; grey: no data. {len(order)} countries with data, sorted "
            "by number of years with data.")
    if hidden:
        listed = ", ".join(label[iso] for iso in hidden[:10])
        more = f" and {len(hidden) - 10} more" if len(hidden) > 10 else ""
        note += (f" Drawn: the first {len(shown)} in that order (ties by name); {len(hidden)} more are not drawn "
                 f"({listed}{more}): tick \"Draw all countries\" to see them.")
    return fig, note


@functools.cache
def _white_template() -> dict:
    return pio.templates["plotly_white"].to_plotly_json()


def grid_rows(obs: pd.DataFrame, unit: str, names: Mapping[str, str]) -> list[dict]:
    """The table's rows: the store's columns plus country name and unit, as plain Python values."""
    columns = {col: obs[col].tolist() for col in ("iso3", "indicator_id", "period", "year", "value", "note",
                                                  "source_id")}
    columns["country"] = [names.get(iso, iso) for iso in columns["iso3"]]
    columns["unit"] = [unit] * len(obs)
    columns["value"] = [None if v != v else v for v in columns["value"]]  # NaN is missing, not a number
    return [dict(zip(EXPORT_COLUMNS, row)) for row in zip(*(columns[col] for col in EXPORT_COLUMNS))]


def count_text(obs: pd.DataFrame, ind: Mapping, countries: list[str], year_from, year_to, names) -> list:
    if not obs.empty:
        return [html.Strong(f"{len(obs):,}"), f" observations of {ind['name']} for {obs['iso3'].nunique()} "
                f"countries, {c.period_text(obs)}."]
    who = ", ".join(names.get(i, i) for i in countries[:5]) + (" and others" if len(countries) > 5 else "")
    span = (f" from {year_from}" if year_from else "") + (f" to {year_to}" if year_to else "")
    years = c.store().years(ind["indicator_id"])
    latest = f"; it has data for {years[0]} to {years[-1]}" if years else ""
    return [html.Span(f"No data for {ind['name']}" + (f" for {who}" if who else "") + span + latest + ".",
                      className="text-danger")]


def api_href(ind_id: str, countries: list[str], year_from, year_to) -> str:
    params = {"indicator": ind_id, "country": ",".join(countries), "from": year_from, "to": year_to,
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
    ind = c.indicator(c.valid_indicator(ind_id))
    years = c.store().years(ind["indicator_id"])
    first, last = (str(years[0]), str(years[-1])) if years else ("", "")
    return definition(ind["indicator_id"]), ingest_panel(ind), excluded_for(ind), first, last


@callback(
    Output("data-grid", "rowData"),
    Output("data-grid", "csvExportParams"),
    Output("data-count", "children"),
    Output("data-api-link", "href"),
    Output("data-coverage", "figure"),
    Output("data-coverage-note", "children"),
    Output("data-aggregates", "children"),
    Output("url", "search", allow_duplicate=True),
    Input("data-indicator", "value"),
    Input("data-countries", "value"),
    Input("data-from", "value"),
    Input("data-to", "value"),
    Input("data-cov-all", "value"),
    prevent_initial_call="initial_duplicate",
)
def update(ind_id, countries, year_from, year_to, cov_all):
    ind = c.indicator(c.valid_indicator(ind_id))
    ind_id = ind["indicator_id"]
    countries = parse_countries(countries or [])
    year_from, year_to = year_range(year_from, year_to)
    show_all = "all" in (cov_all or [])
    obs = view_rows(ind_id, countries, year_from, year_to)
    names = c.country_names()
    fig, note = coverage_figure(obs, ind, names, show_all)
    search = c.query_string({"indicator": ind_id, "country": countries, "from": year_from, "to": year_to,
                             "coverage": "all" if show_all else None})
    scope = "_".join([ind_id] + (countries[:5] if countries else []) + [
        f"{year_from or ''}-{year_to or ''}" if (year_from or year_to) else ""]).strip("_")
    export = {"fileName": f"aigap_{scope}_table.csv", "allColumns": True, "columnKeys": EXPORT_COLUMNS}
    return (grid_rows(obs, ind["unit"], names), export,
            count_text(obs, ind, countries, year_from, year_to, names), api_href(ind_id, countries, year_from, year_to),
            fig, note, aggregates_panel(ind, year_from, year_to), search)


def view_rows(ind_id: str, countries: list[str], year_from: int | None, year_to: int | None) -> pd.DataFrame:
    """The rows of the view: the store's observations for the indicator, countries and years chosen."""
    return c.store().observations(ind_id, countries or None, year_from, year_to)


@callback(
    Output("data-grid", "exportDataAsCsv"),
    Input("data-download-btn", "n_clicks"),
    prevent_initial_call=True,
)
def download(_n):
    return True


# How many rows the table shows after its column filters, counted in the browser (no round trip).
clientside_callback(
    """
    function(virtual, rows) {
        if (!rows || !rows.length) { return ""; }
        const shown = virtual ? virtual.length : rows.length;
        return shown === rows.length ? "The table shows all of them."
            : "The table's column filters show " + shown.toLocaleString("en") + " of them.";
    }
    """,
    Output("data-shown", "children"),
    Input("data-grid", "virtualRowData"),
    State("data-grid", "rowData"),
)
