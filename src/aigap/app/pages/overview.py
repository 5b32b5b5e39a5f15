"""Overview: a world map and ranking of any indicator for any year, and how concentrated AI capacity is."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from ...analysis.measures import (MODES, allowed_modes, complete_periods, normalise, top_shares,
                                  value_for_year)
from .. import components as c

dash.register_page(__name__, path="/", name="Overview", title="Overview · aigap", order=0)

# The capacities whose concentration the headline cards show.
HEADLINES = [("Investment", "ai_vc_investment"), ("Compute (TOP500)", "top500_rmax"),
             ("Compute (AI clusters)", "gpu_cluster_h100e"), ("Models", "notable_ai_models")]


def default_lag(kind: str) -> int:
    # A missing total (not on the TOP500 list, no deal) is not "an older value": only rates and scores look back.
    return 0 if kind == "total" else 3


def layout(indicator: str | None = None, year: str | None = None, mode: str | None = None,
           lag: str | None = None, **_other) -> html.Div:
    ind_id = c.valid_indicator(indicator)
    ind = c.indicator(ind_id)
    mode = mode if mode in allowed_modes(ind["kind"]) else "absolute"
    lag_value = c.to_int(lag, default_lag(ind["kind"]))
    return html.Div(
        [
            html.H1("Where countries stand on AI capacity", className="h3"),
            html.Div(id="ov-headlines", children=headline_cards(), className="mb-2"),
            dbc.Row(
                [
                    dbc.Col([dbc.Label("Indicator", html_for="ov-indicator"),
                             dcc.Dropdown(id="ov-indicator", options=c.indicator_options(), value=ind_id,
                                          clearable=False)], md=5),
                    dbc.Col([dbc.Label("Year", html_for="ov-year"),
                             dcc.Dropdown(id="ov-year", clearable=False, value=c.to_int(year),
                                          options=[{"label": str(y), "value": y}
                                                   for y in reversed(c.store().years(ind_id))])], md=2),
                    dbc.Col([dbc.Label("Show as"),
                             dcc.RadioItems(id="ov-mode", options=c.mode_options(ind["kind"]), value=mode,
                                            inline=True, inputClassName="me-1", labelClassName="me-3")], md=3),
                    dbc.Col([dbc.Label("Use earlier data up to (years)", html_for="ov-lag"),
                             dcc.Input(id="ov-lag", type="number", min=0, max=10, step=1, value=lag_value,
                                       className="form-control")], md=2),
                ],
                className="g-2 mb-2",
            ),
            dcc.Loading(
                dbc.Row(
                    [
                        dbc.Col(dcc.Graph(id="ov-map", config=c.GRAPH_CONFIG, style={"height": "460px"}), lg=7),
                        dbc.Col(dcc.Graph(id="ov-bar", config=c.GRAPH_CONFIG, style={"height": "460px"}), lg=5),
                    ]
                ),
                type="default",
            ),
            html.Div(id="ov-note"),
            c.download_controls("ov"),
            html.P("Click a country on the map or a bar to open its profile.", className="small text-muted"),
        ]
    )


def headline_cards() -> dbc.Row:
    cards = []
    names = c.country_names()
    for label, ind_id in HEADLINES:
        ind = c.indicator(ind_id)
        if ind is None:
            continue
        obs = c.store().observations_cached(ind_id)  # read once per store file, not per page view
        complete = complete_periods(obs)  # a year-to-date total would understate the year
        if complete.empty:
            continue
        year = int(complete["year"].max())
        current = value_for_year(complete, year)
        shares = top_shares(current.set_index("iso3")["value"], ks=(2,))
        total = current["value"].sum()
        us_cn = 100 * current[current["iso3"].isin(c.LEADERS)]["value"].sum() / total if total else float("nan")
        top_two = current.nlargest(2, "value")["iso3"].map(lambda i: names.get(i, i)).tolist()
        cards.append(
            dbc.Col(
                dbc.Card(
                    dbc.CardBody(
                        [
                            html.Div(label, className="small text-muted"),
                            html.Div(f"{shares['top2']:.0f}%", className="h4 mb-0"),
                            html.Div(f"held by the top two ({' and '.join(top_two)}); US + China {us_cn:.0f}%",
                                     className="small"),
                            html.Div([f"{ind['name']}, {c.period_text(current, year)}; share of the total of "
                                      f"{len(current)} countries with data. ",
                                      dcc.Link("Source", href=f"/data?indicator={ind_id}")],
                                     className="small text-muted"),
                        ]
                    ),
                    className="h-100",
                ),
                md=3, sm=6,
            )
        )
    return dbc.Row(cards, className="g-2")


@callback(
    Output("ov-year", "options"),
    Output("ov-year", "value"),
    Output("ov-mode", "options"),
    Output("ov-mode", "value"),
    Input("ov-indicator", "value"),
    State("ov-year", "value"),
    State("ov-mode", "value"),
)
def on_indicator(ind_id, year, mode):
    ind = c.indicator(c.valid_indicator(ind_id))
    years = c.store().years(ind["indicator_id"])
    if year not in years:
        year = years[-1] if years else None
    if mode not in allowed_modes(ind["kind"]):
        mode = "absolute"
    return [{"label": str(y), "value": y} for y in reversed(years)], year, c.mode_options(ind["kind"]), mode


def map_data(ind_id: str, year: int, mode: str, lag: int) -> pd.DataFrame:
    """The rows the map and bar chart show: one per country, with ``display`` in the chosen form."""
    obs = c.store().observations(ind_id, year_to=year)
    current = value_for_year(obs, year, max_lag=lag)
    if current.empty:
        return current.assign(display=pd.Series(dtype=float))
    population, gdp = c.denominators() if mode in ("per_capita", "per_gdp") else (None, None)
    shown = normalise(current, mode, population, gdp)
    return shown.dropna(subset=["display"])


@callback(
    Output("ov-map", "figure"),
    Output("ov-bar", "figure"),
    Output("ov-note", "children"),
    Output("url", "search", allow_duplicate=True),
    Input("ov-indicator", "value"),
    Input("ov-year", "value"),
    Input("ov-mode", "value"),
    Input("ov-lag", "value"),
    prevent_initial_call="initial_duplicate",
)
def update(ind_id, year, mode, lag):
    ind = c.indicator(c.valid_indicator(ind_id))
    lag = max(0, min(10, c.to_int(lag, 0)))
    search = c.query_string({"indicator": ind["indicator_id"], "year": year, "mode": mode, "lag": lag})
    if year is None:
        empty = c.empty_figure(f"No data for {ind['name']}")
        return empty, empty, "", search
    shown = map_data(ind["indicator_id"], int(year), mode, lag)
    names = c.country_names()
    if shown.empty:
        latest = c.store().years(ind["indicator_id"])
        msg = f"No data for {ind['name']} in {year}" + (f"; latest year is {latest[-1]}" if latest else "")
        empty = c.empty_figure(msg)
        return empty, empty, html.P(msg), search
    title = c.axis_title(ind, mode)
    shown = shown.assign(name=shown["iso3"].map(lambda i: names.get(i, i)))
    hover = [f"{n}: {c.format_value(v)}<br>{p}" + (f" (latest before {year})" if lg else "")
             for n, v, p, lg in zip(shown["name"], shown["display"], shown["period"], shown["lag"])]
    reverse = not ind["higher_is_better"]
    fig_map = c.plain_figure(
        [{"type": "choropleth", "locations": shown["iso3"].tolist(), "z": shown["display"].tolist(),
          "locationmode": "ISO-3", "text": hover, "hoverinfo": "text", "colorscale": c.SEQUENTIAL,
          "reversescale": reverse, "marker": {"line": {"color": "white", "width": 0.3}},
          "colorbar": {"title": {"text": MODES[mode] if mode != "absolute" else ind["unit"], "side": "right"},
                       "thickness": 12}}],
        {"geo": {"showframe": False, "showcoastlines": False, "showland": True, "landcolor": c.MISSING_GREY,
                 "showcountries": True, "countrycolor": "white",
                 "projection": {"type": "natural earth", "rotation": {"lon": 0}}, "lataxis": {"range": [-58, 85]}},
         "margin": {"l": 0, "r": 0, "t": 30, "b": 0},
         "title": {"text": f"{title}, {year}", "x": 0.01, "font": {"size": 14}},
         "annotations": [{"text": "grey: no data", "x": 0.01, "y": 0.02, "xref": "paper", "yref": "paper",
                          "showarrow": False, "font": {"size": 11}}]},
    )
    ranked = shown.sort_values("display", ascending=not ind["higher_is_better"]).head(25)
    colours = [c.QUALITATIVE[1] if iso in c.LEADERS else c.QUALITATIVE[0] for iso in ranked["iso3"]]
    fig_bar = c.plain_figure(
        [{"type": "bar", "x": ranked["display"].tolist(), "y": ranked["name"].tolist(), "orientation": "h",
          "marker": {"color": colours}, "customdata": ranked["iso3"].tolist(),
          "hovertemplate": "%{y}: %{x:,.4g}<extra></extra>"}],
        {"margin": {"l": 10, "r": 10, "t": 30, "b": 40},
         "yaxis": {"autorange": "reversed", "automargin": True, "title": None},
         "xaxis": {"title": {"text": title}},
         "title": {"text": f"Top {len(ranked)} of {len(shown)} countries", "x": 0.01, "font": {"size": 14}}},
    )
    extra = [c.lag_note(shown, int(year), names)]
    notes = shown["note"].dropna().unique()
    extra += [f"Note on some values: {n}." for n in notes]
    if mode != "absolute":
        extra.append(f"Shown {MODES[mode]}; denominators are World Bank population / GDP (current US$) of the "
                     "same year or the latest earlier one.")
    return fig_map, fig_bar, c.source_note(ind, c.period_text(shown, int(year)), extra), search


@callback(
    Output("ov-download", "data"),
    Input("ov-download-btn", "n_clicks"),
    State("ov-indicator", "value"),
    State("ov-year", "value"),
    State("ov-mode", "value"),
    State("ov-lag", "value"),
    prevent_initial_call=True,
)
def download(_n, ind_id, year, mode, lag):
    ind_id = c.valid_indicator(ind_id)
    if year is None:
        raise dash.exceptions.PreventUpdate
    shown = map_data(ind_id, int(year), mode, max(0, min(10, c.to_int(lag, 0))))
    columns = ["iso3", "indicator_id", "period", "year", "value", "source_id", "note", "lag", "display"]
    return c.csv_payload(shown[columns].sort_values("iso3"), f"aigap_{ind_id}_{year}_{mode}.csv")


@callback(
    Output("nav", "href"),
    Input("ov-map", "clickData"),
    Input("ov-bar", "clickData"),
    prevent_initial_call=True,
)
def open_profile(map_click, bar_click):
    trigger = dash.ctx.triggered_id
    click = map_click if trigger == "ov-map" else bar_click
    if not click or not click.get("points"):
        raise dash.exceptions.PreventUpdate
    point = click["points"][0]
    iso = point.get("location") or point.get("customdata")
    if not iso:
        raise dash.exceptions.PreventUpdate
    return f"/profile?country={iso}"
