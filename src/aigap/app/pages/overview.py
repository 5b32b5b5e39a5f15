"""Overview: a world map and ranking of any indicator for any year, and how concentrated AI capacity is.

The numbers come from :mod:`aigap.analysis.views.overview`; this module lays them out.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from plotly.colors import sample_colorscale

from ...analysis.measures import MODES
from ...analysis.scales import BINS, ColourScale
from ...analysis.views import overview as ov
from .. import components as c
from .. import guard, views

dash.register_page(__name__, path="/", name="Overview", title="Overview · aigap", order=0)

PAGE = "overview"


def layout(**query) -> html.Div:
    _, p = views.parse(PAGE, query)
    ind = c.indicator(p.indicator)
    search = c.query_string(vars(p))
    return html.Div(
        [
            html.H1("Where countries stand on AI capacity", className="h3"),
            html.Div(id="ov-headlines", children=headline_cards(), className="mb-2"),
            dbc.Row(
                [
                    dbc.Col([dbc.Label("Indicator", html_for="ov-indicator"),
                             dcc.Dropdown(id="ov-indicator", options=c.indicator_options(), value=p.indicator,
                                          clearable=False)], md=5),
                    dbc.Col([dbc.Label("Year", html_for="ov-year"),
                             dcc.Dropdown(id="ov-year", clearable=False, value=p.year,
                                          options=year_options(p.indicator))], md=2),
                    dbc.Col(c.radio_group("Show as", "ov-mode", c.mode_options(ind["kind"]), p.mode, inline=True,
                                          class_name="mb-0"), md=3),
                    dbc.Col([dbc.Label("Use earlier data up to (years)", html_for="ov-lag"),
                             dcc.Input(id="ov-lag", type="number", min=0, max=ov.LAG_MAX, step=1, value=p.lag,
                                       className="form-control")], md=2),
                ],
                className="g-2 mb-2",
            ),
            dbc.Row([dbc.Col(c.chart_block("ov-map", 460), lg=7), dbc.Col(c.chart_block("ov-bar", 460), lg=5)]),
            html.Div(id="ov-note"),
            c.download_link("ov", views.download_href(PAGE, search)),
            html.P("Click a country on the map or a bar to open its profile.", className="small text-muted"),
        ]
    )


def year_options(ind_id: str) -> list[dict]:
    partial = ov.partial_years(views.frames().obs(ind_id))
    return [{"label": f"{y} (year to date)" if y in partial else str(y), "value": y}
            for y in reversed(views.frames().years(ind_id))]


def headline_cards() -> dbc.Row:
    table = views.view(PAGE, None, "headlines").table
    cards = [
        dbc.Col(
            dbc.Card(
                dbc.CardBody(
                    [
                        html.Div(row.label, className="small text-muted"),
                        html.Div(f"{row.top2_share:.0f}%", className="h4 mb-0"),
                        html.Div(f"held by the top two ({row.top2}); US + China {row.us_china_share:.0f}%",
                                 className="small"),
                        html.Div([f"{row.name}, {row.period}; share of the total of "
                                  f"{c.plural(row.countries, 'country', 'countries')} with data. ",
                                  dcc.Link("Source", href=f"/data?indicator={row.indicator_id}")],
                                 className="small text-muted"),
                    ]
                ),
                className="h-100",
            ),
            md=3, sm=6,
        )
        for row in table.itertuples()
    ]
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
    _, p = views.parse(PAGE, {"indicator": ind_id, "year": year, "mode": mode})
    ind = c.indicator(p.indicator)
    # A new indicator keeps the year only if it is a complete year of it (on load: the URL's year as parsed).
    year = ov.year_after_switch(views.frames().obs(p.indicator), p.year) if dash.ctx.triggered_id else p.year
    return year_options(p.indicator), year, c.mode_options(ind["kind"]), p.mode


def map_colours(scale: ColourScale, values, title: str) -> dict:
    """The choropleth's z, colours and legend for the view's colour scale: linear, log (ticks in the values'
    units) or bins (one colour per bin, labelled by its range); the legend's title says which."""
    colorbar = c.colorbar_below(f"{title} ({scale.legend})" if scale.legend else title)
    out = {"z": scale.position(values).tolist(), "colorscale": c.SEQUENTIAL, "colorbar": colorbar}
    ticks = scale.ticks(values)
    if ticks:
        colorbar.update(tickvals=ticks[0], ticktext=ticks[1])
    if scale.kind == BINS:
        n = len(ticks[0])
        colours = sample_colorscale(c.SEQUENTIAL, [i / (n - 1) for i in range(n)])
        out.update(colorscale=[[(i + j) / n, col] for i, col in enumerate(colours) for j in (0, 1)],
                   zmin=-0.5, zmax=n - 0.5)
        # Each boundary once, under the step between two colours: the bins' "low – high" labels side by side
        # overlapped on a phone's colour bar.
        bounds = [label.split(" – ")[0] for label in ticks[1]] + [ticks[1][-1].split(" – ")[-1]]
        colorbar.update(tickvals=[i - 0.5 for i in range(n + 1)], ticktext=bounds)
    return out


def map_figure(view, ind: dict, mode: str) -> dict:
    table = view.table
    hover = [f"{n}: {c.format_value(v)}<br>{per}" + (" (an earlier period)" if lg else "")
             for n, v, per, lg in zip(table["name"], table["display"], table["period"], table["lag"])]
    legend = MODES[mode] if mode != "absolute" else ind["unit"]
    return c.plain_figure(
        [{"type": "choropleth", "locations": table["iso3"].tolist(), "customdata": table["display"].tolist(),
          "locationmode": "ISO-3", "text": hover, "hoverinfo": "text",
          "reversescale": not ind["higher_is_better"], "marker": {"line": {"color": "white", "width": 0.3}},
          **map_colours(view.meta["scale"], table["display"], legend)}],
        {"geo": {"showframe": False, "showcoastlines": False, "showland": True, "landcolor": c.MISSING_GREY,
                 "showcountries": True, "countrycolor": "white",
                 "projection": {"type": "natural earth", "rotation": {"lon": 0}}, "lataxis": {"range": [-58, 85]}},
         "margin": {"l": 0, "r": 0, "t": c.title_top(title := c.chart_title(view.meta["title"])), "b": 0},
         "title": title,
         "annotations": [{"text": "grey: no data", "x": 0.01, "y": 0.02, "xref": "paper", "yref": "paper",
                          "showarrow": False, "font": {"size": 11}}]},
    )


def bar_figure(view) -> dict:
    ranked = view.table.head(25)
    colours = [c.QUALITATIVE[1] if iso in ov.LEADERS else c.QUALITATIVE[0] for iso in ranked["iso3"]]
    title = c.chart_title(f"Top {len(ranked)} of {c.plural(len(view.table), 'country', 'countries')}")
    return c.plain_figure(
        [{"type": "bar", "x": ranked["display"].tolist(), "y": ranked["name"].tolist(), "orientation": "h",
          "marker": {"color": colours}, "customdata": ranked["iso3"].tolist(),
          "hovertemplate": "%{y}: %{x:,.4g}<extra></extra>"}],
        {"margin": {"l": 10, "r": 10, "t": c.title_top(title), "b": 10},
         "yaxis": {"autorange": "reversed", "automargin": True, "title": None},
         "xaxis": {"title": c.axis_text(view.meta["unit"]), "nticks": 6, "automargin": True},
         "title": title},
    )


@callback(
    Output("ov-map", "figure"),
    Output("ov-bar", "figure"),
    Output("ov-note", "children"),
    Output("url", "search", allow_duplicate=True),
    Output("ov-download-btn", "href"),
    Output("ov-map-about", "children"),
    Output("ov-bar-about", "children"),
    Input("ov-indicator", "value"),
    Input("ov-year", "value"),
    Input("ov-mode", "value"),
    Input("ov-lag", "value"),
    prevent_initial_call="initial_duplicate",
)
def update(ind_id, year, mode, lag):
    _, p = views.parse(PAGE, {"indicator": ind_id, "year": year, "mode": mode, "lag": lag})
    search = c.query_string(vars(p))
    href = views.download_href(PAGE, search)
    view = views.view(PAGE, p)
    ind = c.indicator(p.indicator)
    if view.table.empty:
        empty = c.empty_figure(view.meta["empty"])
        return empty, empty, html.P(view.meta["empty"]), search, href, None, None
    bar = bar_figure(view)
    sources = ((ind, view.meta["period"]),)
    subtitle = f"{view.meta['unit']}, {view.meta['period']}"
    about = [c.chart_about(graph, PAGE, "map", p, view, search, c.ChartText(title, sub, sources, view.notes), chart)
             for graph, chart, title, sub in (
                 ("ov-map", "map", view.meta["title"], subtitle),
                 ("ov-bar", "bar", f"{view.meta['title']}: {bar['layout']['title']['text'].lower()}", subtitle))]
    return (map_figure(view, ind, p.mode), bar, c.source_note(ind, view.meta["period"], view.notes), search, href,
            *about)


@callback(
    Output("nav", "href"),
    Input("ov-map", "clickData"),
    Input("ov-bar", "clickData"),
    prevent_initial_call=True,
)
def open_profile(map_click, bar_click):
    trigger = dash.ctx.triggered_id
    iso = guard.clicked_country(map_click if trigger == "ov-map" else bar_click)
    if iso is None:
        raise dash.exceptions.PreventUpdate
    return f"/profile?country={iso}"
