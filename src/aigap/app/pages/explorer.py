"""Explorer: any indicator against any other for one year, as a scatter of countries.

Each axis in a chosen form (absolute / per capita / per GDP where the indicator is a total), bubbles sized by
population, coloured by region, income group or club membership, labels for the US, China and any highlighted
country. The view lives in the URL; the CSV download holds exactly the points drawn.
"""

from __future__ import annotations

import textwrap

import dash
import numpy as np
import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, callback, dcc, html

from ...analysis.measures import MODES, allowed_modes, normalise, value_for_year
from .. import components as c

dash.register_page(__name__, path="/explorer", name="Explorer", title="Explorer · aigap", order=3)

DEFAULT_X = "gdp_per_capita_usd"
DEFAULT_Y = "ai_diffusion"
FALLBACK_Y = "internet_users_pct"
# A scatter compares levels: share of the world total is a rescaled absolute value, so it is not offered here.
AXIS_MODES = ("absolute", "per_capita", "per_gdp")
MAX_LAG = 10
# Population for bubble sizes: the year shown or the latest earlier figure up to this many years back.
POPULATION_LAG = 5
# Bubble diameter (px) = SIZE_MAX * sqrt(population / SIZE_REFERENCE): area proportional to population, and the
# same scale in every view so years and indicator pairs can be compared. Tiny countries get SIZE_MIN.
SIZE_REFERENCE = 1.5e9
SIZE_MAX = 60.0
SIZE_MIN = 4.0
PLAIN_SIZE = 10.0
NOT_CLASSIFIED = "Not classified"
OTHER = "Other"
GREY = "#999999"
INCOME_ORDER = ["Low income", "Lower middle income", "Upper middle income", "High income"]
CSV_COLUMNS = ["iso3", "name", "indicator_x", "source_x", "year_x", "period_x", "value_x", "display_x", "note_x",
               "indicator_y", "source_y", "year_y", "period_y", "value_y", "display_y", "note_y",
               "population", "population_year", "colour_group"]


# -- colour schemes -----------------------------------------------------------------------------------------
def colour_options() -> list[dict]:
    options = [{"label": "World Bank region", "value": "wb_region"},
               {"label": "World Bank income group", "value": "income"},
               {"label": "UN region", "value": "un_region"},
               {"label": "G7 / BRICS / other", "value": "g7_brics"}]
    clubs = c.store().groups()
    clubs = clubs[clubs["kind"] == "club"]
    options += [{"label": f"{row.name} / other", "value": row.group_id} for row in clubs.itertuples()]
    options.append({"label": "One colour", "value": "none"})
    return options


def colour_title(scheme: str, year: int) -> str:
    for option in colour_options():
        if option["value"] == scheme:
            label = option["label"]
            break
    else:
        label = scheme
    if scheme in ("wb_region", "income"):
        return f"{label} (current classification)"
    if scheme in ("un_region", "none"):
        return label
    return f"{label} (membership in {year})"


def _members(group_id: str, year: int) -> set[str]:
    """Countries in a club in ``year`` (joined by then, not yet left)."""
    members = c.store().group_members(group_id)
    since = pd.to_numeric(members["since"], errors="coerce")
    until = pd.to_numeric(members["until"], errors="coerce")
    current = (since.isna() | (since <= year)) & (until.isna() | (until >= year))
    return set(members.loc[current, "iso3"])


CLASSIFICATION_COLUMNS = {"wb_region": "wb_region", "income": "wb_income_group", "un_region": "un_region"}


def categories(scheme: str) -> list[str]:
    """Every group of a scheme in legend order (not only those in the view), so colours stay put across views."""
    if scheme == "none":
        return ["All countries"]
    if scheme in CLASSIFICATION_COLUMNS:
        if scheme == "income":
            return INCOME_ORDER
        return sorted(c.store().countries()[CLASSIFICATION_COLUMNS[scheme]].dropna().unique())
    names = dict(zip(c.store().groups()["group_id"], c.store().groups()["name"]))
    return [names.get(club, club) for club in (["G7", "BRICS"] if scheme == "g7_brics" else [scheme])]


def colour_groups(iso3: pd.Series, scheme: str, year: int) -> tuple[pd.Series, list[str]]:
    """Each country's colour group and the groups present, in legend order ('Not classified' / 'Other' last)."""
    known = categories(scheme)
    if scheme == "none":
        groups = pd.Series(known[0], index=iso3.index)
    elif scheme in CLASSIFICATION_COLUMNS:
        table = c.store().countries().set_index("iso3")[CLASSIFICATION_COLUMNS[scheme]]
        groups = iso3.map(table).fillna(NOT_CLASSIFIED)
    else:
        clubs = ["G7", "BRICS"] if scheme == "g7_brics" else [scheme]
        groups = pd.Series(OTHER, index=iso3.index)
        for club, name in reversed(list(zip(clubs, known))):  # G7 and BRICS do not overlap; first listed wins
            groups[iso3.isin(_members(club, year))] = name
    present = set(groups)
    order = [g for g in known if g in present]
    order += sorted(present - set(order) - {NOT_CLASSIFIED, OTHER})
    order += [g for g in (NOT_CLASSIFIED, OTHER) if g in present]
    return groups, order


def group_colours(scheme: str, order: list[str]) -> dict[str, str]:
    known = categories(scheme)
    known += [g for g in order if g not in known]
    # Okabe-Ito yellow is hard to see on white: used only when a scheme has more than seven groups.
    palette = [col for col in c.QUALITATIVE if col != "#F0E442"] if len(known) <= 7 else c.QUALITATIVE
    return {g: GREY if g in (NOT_CLASSIFIED, OTHER) else palette[known.index(g) % len(palette)] for g in order}


# -- URL state ----------------------------------------------------------------------------------------------
def default_lag(*kinds: str) -> int:
    # A missing total (not on the TOP500 list, no deal) is not "an older value": only rates and scores look back.
    return 0 if "total" in kinds else 3


def default_y() -> str:
    return DEFAULT_Y if c.indicator(DEFAULT_Y) else FALLBACK_Y


def flag(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def valid_mode(mode: str | None, kind: str) -> str:
    return mode if mode in AXIS_MODES and mode in allowed_modes(kind) else "absolute"


# Short labels for the radio buttons; the axis title states the exact form (per million people, per US$ bn).
SHORT_MODES = {"absolute": "absolute", "per_capita": "per capita", "per_gdp": "per GDP"}


def axis_mode_options(kind: str) -> list[dict]:
    return [{**o, "label": SHORT_MODES[o["value"]]} for o in c.mode_options(kind) if o["value"] in AXIS_MODES]


def axis_label(ind: dict, mode: str, wrap: int = 45) -> str:
    """The axis title with units (components.axis_title), on two lines when long; a unit the name already
    states ('R&D expenditure (% of GDP)') is not repeated."""
    title = c.axis_title(ind, mode)
    if mode == "absolute" and f"({ind['unit']})".lower() in ind["name"].lower():
        title = ind["name"]
    if len(title) <= wrap:
        return title
    unit_part = title[len(ind["name"]):].strip()
    return "<br>".join(textwrap.wrap(ind["name"], wrap) + textwrap.wrap(unit_part, wrap))


def common_years(x_id: str, y_id: str) -> list[int]:
    store = c.store()
    return sorted(set(store.years(x_id)) & set(store.years(y_id)))


def slider_marks(years: list[int]) -> dict:
    """A mark for every selectable year; labels thinned so they do not overlap."""
    if not years:
        return {}
    every = 1 if len(years) <= 12 else 5
    labelled = {y for y in years if y % every == 0} | {years[0], years[-1]}
    if len(years) > 12:  # keep the end labels clear of their neighbours
        labelled -= {y for y in years if y not in (years[0], years[-1])
                     and (abs(y - years[0]) < 3 or abs(years[-1] - y) < 3)}
    return {y: (str(y) if y in labelled else "") for y in years}


def year_label(year: int | None, years: list[int]) -> str:
    if not years:
        return "Year: none (the two indicators share no year)"
    if len(years) == 1:
        return f"Year: {year} (the only year both indicators have)"
    return f"Year: {year} (of {len(years)} years both indicators have, {years[0]}-{years[-1]})"


def valid_highlight(value: str | None) -> list[str]:
    names = c.country_names()
    return [iso for iso in dict.fromkeys(v.upper() for v in c.split_list(value)) if iso in names]


def layout(x: str | None = None, y: str | None = None, xmode: str | None = None, ymode: str | None = None,
           year: str | None = None, lag: str | None = None, colour: str | None = None, size: str | None = None,
           logx: str | None = None, logy: str | None = None, highlight: str | None = None, **_other) -> html.Div:
    x_id = c.valid_indicator(x, DEFAULT_X)
    y_id = c.valid_indicator(y, default_y())
    x_ind, y_ind = c.indicator(x_id), c.indicator(y_id)
    years = common_years(x_id, y_id)
    year_value = c.to_int(year)
    if year_value not in years:
        year_value = years[-1] if years else None
    lag_value = c.to_int(lag, default_lag(x_ind["kind"], y_ind["kind"]))
    lag_value = max(0, min(MAX_LAG, lag_value))
    schemes = [o["value"] for o in colour_options()]
    colour_value = colour if colour in schemes else "wb_region"
    # Ratio-scale quantities (GDP per capita, totals) read best on a log axis.
    log_default_x = x_id == DEFAULT_X or x_ind["kind"] == "total"
    log_default_y = y_id == DEFAULT_X or y_ind["kind"] == "total"
    label = {"className": "me-1"}
    radio = {"inline": True, "inputClassName": "me-1", "labelClassName": "me-3"}
    return html.Div(
        [
            html.H1("Explorer: any indicator against any other", className="h3"),
            dbc.Row(
                [
                    dbc.Col([dbc.Label("X axis (horizontal)", html_for="exp-x", **label),
                             dcc.Dropdown(id="exp-x", options=c.indicator_options(), value=x_id, clearable=False),
                             html.Div([html.Span("Show as: ", className="small me-1"),
                                       dcc.RadioItems(id="exp-xmode", options=axis_mode_options(x_ind["kind"]),
                                                      value=valid_mode(xmode, x_ind["kind"]),
                                                      className="d-inline small", **radio)])],
                            lg=4, md=6),
                    dbc.Col([dbc.Label("Y axis (vertical)", html_for="exp-y", **label),
                             dcc.Dropdown(id="exp-y", options=c.indicator_options(), value=y_id, clearable=False),
                             html.Div([html.Span("Show as: ", className="small me-1"),
                                       dcc.RadioItems(id="exp-ymode", options=axis_mode_options(y_ind["kind"]),
                                                      value=valid_mode(ymode, y_ind["kind"]),
                                                      className="d-inline small", **radio)])],
                            lg=4, md=6),
                    dbc.Col([dbc.Label("Colour by", html_for="exp-colour"),
                             dcc.Dropdown(id="exp-colour", options=colour_options(), value=colour_value,
                                          clearable=False)], lg=2, md=6),
                    dbc.Col([dbc.Label("Earlier data up to (years)", html_for="exp-lag"),
                             dcc.Input(id="exp-lag", type="number", min=0, max=MAX_LAG, step=1, value=lag_value,
                                       className="form-control")], lg=2, md=6),
                ],
                className="g-2 mb-1",
            ),
            dbc.Row(
                [
                    dbc.Col([dbc.Label(year_label(year_value, years), id="exp-year-label", html_for="exp-year"),
                             html.Div(dcc.Slider(id="exp-year", min=years[0] if years else 0,
                                                 max=years[-1] if years else 1, step=None,
                                                 marks=slider_marks(years), value=year_value, disabled=not years,
                                                 allow_direct_input=False, included=False,
                                                 tooltip={"placement": "top", "always_visible": False}),
                                      className="px-3")],
                            lg=5, md=12),
                    dbc.Col([dbc.Switch(id="exp-size", label="Size by population", value=flag(size, True)),
                             dbc.Switch(id="exp-logx", label="Log X axis", value=flag(logx, log_default_x)),
                             dbc.Switch(id="exp-logy", label="Log Y axis", value=flag(logy, log_default_y))],
                            lg=3, md=6, className="d-flex flex-wrap column-gap-3 align-items-center"),
                    dbc.Col([dbc.Label("Label countries (US and China always)", html_for="exp-highlight"),
                             dcc.Dropdown(id="exp-highlight", options=c.country_options(), multi=True,
                                          value=valid_highlight(highlight), placeholder="e.g. Brazil, India")],
                            lg=4, md=6),
                ],
                className="g-2 mb-2 align-items-end",
            ),
            dcc.Loading(dcc.Graph(id="exp-graph", config=c.GRAPH_CONFIG, style={"height": "620px"}),
                        type="default"),
            html.Div(id="exp-note"),
            c.download_controls("exp"),
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
def on_indicators(x_id, y_id, xmode, ymode, year, lag):
    x_ind = c.indicator(c.valid_indicator(x_id, DEFAULT_X))
    y_ind = c.indicator(c.valid_indicator(y_id, default_y()))
    years = common_years(x_ind["indicator_id"], y_ind["indicator_id"])
    if year not in years:
        year = years[-1] if years else None
    if dash.ctx.triggered_id in ("exp-x", "exp-y"):  # a new pair: its default look-back (the URL's on load)
        lag = default_lag(x_ind["kind"], y_ind["kind"])
    return (axis_mode_options(x_ind["kind"]), valid_mode(xmode, x_ind["kind"]),
            axis_mode_options(y_ind["kind"]), valid_mode(ymode, y_ind["kind"]),
            years[0] if years else 0, years[-1] if years else 1, slider_marks(years), year, not years, lag)


# -- data -----------------------------------------------------------------------------------------------------
def axis_values(ind_id: str, mode: str, year: int, lag: int, population: pd.DataFrame) -> pd.DataFrame:
    """One row per country: the indicator's value for ``year`` (or up to ``lag`` years earlier) and ``display``."""
    obs = c.store().observations(ind_id, year_from=year - lag, year_to=year)
    current = value_for_year(obs, year, max_lag=lag)
    if current.empty:
        return current.assign(display=pd.Series(dtype=float))
    gdp = (c.store().observations("gdp_usd", year_from=year - lag - POPULATION_LAG, year_to=year)
           if mode == "per_gdp" else None)
    return normalise(current, mode, population, gdp).dropna(subset=["display"])


def scatter_data(x_id: str, y_id: str, xmode: str, ymode: str, year: int, lag: int, scheme: str,
                 logx: bool, logy: bool) -> tuple[pd.DataFrame, dict]:
    """The points the scatter draws (CSV_COLUMNS plus ``lag_x``, ``lag_y``), and counts of what was left out."""
    # Denominators and bubble sizes use the same or the latest earlier year: a few years of history suffice.
    population = c.store().observations("population", year_from=year - lag - POPULATION_LAG, year_to=year)
    xs = axis_values(x_id, xmode, year, lag, population)
    ys = axis_values(y_id, ymode, year, lag, population)
    keep = ["iso3", "indicator_id", "source_id", "year", "period", "value", "display", "note", "lag"]
    both = xs[keep].merge(ys[keep], on="iso3", suffixes=("_x", "_y"))
    dropped = {"x_only": len(xs) - len(both), "y_only": len(ys) - len(both), "log": 0}
    both = both.rename(columns={"indicator_id_x": "indicator_x", "indicator_id_y": "indicator_y",
                                "source_id_x": "source_x", "source_id_y": "source_y"})
    positive = pd.Series(True, index=both.index)
    if logx:
        positive &= both["display_x"] > 0
    if logy:
        positive &= both["display_y"] > 0
    dropped["log"] = int((~positive).sum())
    both = both[positive]
    pop = value_for_year(population, year, max_lag=POPULATION_LAG).set_index("iso3")
    names = c.country_names()
    both = both.assign(name=both["iso3"].map(lambda i: names.get(i, i)),
                       population=both["iso3"].map(pop["value"]) if len(pop) else float("nan"),
                       population_year=both["iso3"].map(pop["year"]).astype("Int64") if len(pop) else pd.NA)
    groups, _order = colour_groups(both["iso3"], scheme, year)
    both["colour_group"] = groups
    both = both.sort_values("iso3").reset_index(drop=True)
    return both[CSV_COLUMNS + ["lag_x", "lag_y"]], dropped


def bubble_size(population: pd.Series) -> pd.Series:
    return (SIZE_MAX * (population / SIZE_REFERENCE) ** 0.5).clip(lower=SIZE_MIN).fillna(SIZE_MIN)


# -- figure ---------------------------------------------------------------------------------------------------
def _value_text(axis: str, ind: dict, mode: str, display: float, value: float, period: str, lag: int, note,
                year: int) -> str:
    """Two hover lines: which indicator, then the value with its unit, the period and any flag."""
    if mode == "absolute":
        text = f"<b>{c.format_value(display)}</b> {ind['unit']}"
    else:
        text = f"<b>{c.format_value(display)}</b> {ind['unit']}, {MODES[mode]} (total {c.format_value(value)})"
    text += f" · {period}" + (f" (latest before {year})" if lag else "")
    if isinstance(note, str) and note:
        text += f" · {_short(note, 40)}"
    return f"{axis}: {_short(ind['name'], 70)}<br>   {text}"


def _short(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def build_figure(points: pd.DataFrame, x_ind: dict, y_ind: dict, xmode: str, ymode: str, year: int,
                 scheme: str, size: bool, logx: bool, logy: bool, labelled: set[str]) -> go.Figure:
    _, order = colour_groups(points["iso3"], scheme, year)
    colours = group_colours(scheme, order)
    sizes = bubble_size(points["population"]) if size else pd.Series(PLAIN_SIZE, index=points.index)
    flagged = points["note_x"].notna() | points["note_y"].notna()
    traces = []
    for group in order:
        part = points[points["colour_group"] == group]
        hover = []
        for r in part.itertuples():
            pop = (f"Population: {c.format_value(r.population)} ({r.population_year})"
                   if pd.notna(r.population) else "Population: no data")
            hover.append("<br>".join([f"<b>{r.name}</b> ({r.iso3}) · {group}",
                                      _value_text("X", x_ind, xmode, r.display_x, r.value_x, r.period_x, r.lag_x,
                                                  r.note_x, year),
                                      _value_text("Y", y_ind, ymode, r.display_y, r.value_y, r.period_y, r.lag_y,
                                                  r.note_y, year),
                                      pop]))
        is_labelled = part["iso3"].isin(labelled)
        is_flagged = flagged[part.index]
        # Per-point styles only where needed: plotly validates list-valued styles point by point (slow).
        line = ({"color": np.where(is_labelled, "#000000", "#ffffff"), "width": np.where(is_labelled, 2.0, 0.6)}
                if is_labelled.any() else {"color": "#ffffff", "width": 0.6})
        traces.append(go.Scatter(
            x=part["display_x"].to_numpy(), y=part["display_y"].to_numpy(), mode="markers+text",
            name=f"{group} ({len(part)})", text=np.where(is_labelled, part["name"], ""),
            textposition="top center", textfont={"size": 12, "color": "#222"}, customdata=part["iso3"].to_numpy(),
            hovertext=hover, hovertemplate="%{hovertext}<extra></extra>", cliponaxis=False,
            marker={"color": colours[group], "size": sizes[part.index].to_numpy(), "sizemode": "diameter",
                    "opacity": 0.8, "line": line,
                    "symbol": np.where(is_flagged, "circle-dot", "circle") if is_flagged.any() else "circle"},
        ))
    legend_title = f"<b>{colour_title(scheme, year)}</b>" + ("<br>Bubble area ∝ population" if size else "")
    return go.Figure(data=traces, layout=dict(
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        title={"text": f"{_short(y_ind['name'])} against {_short(x_ind['name'])}, {year}: {len(points)} countries",
               "x": 0.01, "font": {"size": 14}},
        xaxis={"title": {"text": axis_label(x_ind, xmode, wrap=110)}, "type": "log" if logx else "linear",
               "automargin": True, "zeroline": False},
        yaxis={"title": {"text": axis_label(y_ind, ymode)}, "type": "log" if logy else "linear",
               "automargin": True, "zeroline": False},
        # Below the plot, in rows: a legend at the side would leave no room for the plot on a phone.
        legend={"title": {"text": legend_title, "font": {"size": 12}, "side": "top"}, "itemsizing": "constant",
                "font": {"size": 12}, "orientation": "h", "x": 0, "xanchor": "left", "y": -0.17, "yanchor": "top"},
        hoverlabel={"align": "left"},
        uirevision=f"{x_ind['indicator_id']}|{y_ind['indicator_id']}|{xmode}|{ymode}|{logx}|{logy}",
    ))


def _axis_notes(ind: dict, mode: str, points: pd.DataFrame, suffix: str, year: int, names: dict) -> list[str]:
    frame = points[["iso3", f"year_{suffix}", f"lag_{suffix}"]].rename(
        columns={f"year_{suffix}": "year", f"lag_{suffix}": "lag"})
    notes = []
    lagged = c.lag_note(frame, year, names)
    if lagged:
        notes.append(f"{ind['name']}: {lagged}")
    for note in points[f"note_{suffix}"].dropna().unique():
        count = int((points[f"note_{suffix}"] == note).sum())
        notes.append(f"{count} value{'s' if count > 1 else ''} flagged ({note}); drawn with a dot in the centre.")
    if mode != "absolute":
        notes.append(f"Shown {MODES[mode]}; denominators are World Bank population / GDP (current US$) of the "
                     "same year or the latest earlier one.")
    return notes


def _period(points: pd.DataFrame, suffix: str, year: int) -> str:
    frame = points[[f"period_{suffix}"]].rename(columns={f"period_{suffix}": "period"})
    return c.period_text(frame, year)


@callback(
    Output("exp-graph", "figure"),
    Output("exp-note", "children"),
    Output("exp-year-label", "children"),
    Output("url", "search", allow_duplicate=True),
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
def update(x_id, y_id, xmode, ymode, year, lag, scheme, size, logx, logy, highlight):
    view = _view(x_id, y_id, xmode, ymode, year, lag, scheme, size, logx, logy, highlight)
    x_ind, y_ind = c.indicator(view["x"]), c.indicator(view["y"])
    search = c.query_string({"x": view["x"], "y": view["y"], "xmode": view["xmode"], "ymode": view["ymode"],
                             "year": view["year"], "lag": view["lag"], "colour": view["colour"],
                             "size": int(view["size"]), "logx": int(view["logx"]), "logy": int(view["logy"]),
                             "highlight": view["highlight"]})
    label = year_label(view["year"], view["years"])
    if view["year"] is None:
        msg = f"{x_ind['name']} and {y_ind['name']} have no year in common; choose another pair."
        return c.empty_figure(msg), html.P(msg, className="text-muted"), label, search
    year = view["year"]
    points, dropped = scatter_data(view["x"], view["y"], view["xmode"], view["ymode"], year, view["lag"],
                                   view["colour"], view["logx"], view["logy"])
    names = c.country_names()
    notes = _notes(x_ind, y_ind, view, points, dropped, names)
    if points.empty:
        msg = (f"{x_ind['name']} and {y_ind['name']} share no countries in {year}"
               + (f" (even using data up to {view['lag']} years earlier)" if view["lag"] else "")
               + (" with positive values for the log axis" if dropped["log"] else "")
               + ". Try another year or allow earlier data.")
        return c.empty_figure(msg), html.Div([html.P(msg, className="text-muted"), notes]), label, search
    labelled = set(c.LEADERS) | set(view["highlight"])
    fig = build_figure(points, x_ind, y_ind, view["xmode"], view["ymode"], year, view["colour"], view["size"],
                       view["logx"], view["logy"], labelled)
    return fig, notes, label, search


def _view(x_id, y_id, xmode, ymode, year, lag, scheme, size, logx, logy, highlight) -> dict:
    """Validated control values (the same for the figure and the download)."""
    x_ind = c.indicator(c.valid_indicator(x_id, DEFAULT_X))
    y_ind = c.indicator(c.valid_indicator(y_id, default_y()))
    years = common_years(x_ind["indicator_id"], y_ind["indicator_id"])
    year = c.to_int(year)
    if year not in years:
        year = years[-1] if years else None
    schemes = [o["value"] for o in colour_options()]
    return {"x": x_ind["indicator_id"], "y": y_ind["indicator_id"], "xmode": valid_mode(xmode, x_ind["kind"]),
            "ymode": valid_mode(ymode, y_ind["kind"]), "year": year, "years": years,
            "lag": max(0, min(MAX_LAG, c.to_int(lag, 0) or 0)),
            "colour": scheme if scheme in schemes else "wb_region", "size": bool(size), "logx": bool(logx),
            "logy": bool(logy), "highlight": valid_highlight(",".join(highlight or []))}


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _notes(x_ind: dict, y_ind: dict, view: dict, points: pd.DataFrame, dropped: dict, names: dict) -> html.Div:
    year = view["year"]
    general = []
    if dropped["x_only"] or dropped["y_only"]:
        general.append(f"{_count(len(points) + dropped['log'], 'country has', 'countries have')} both values; "
                       f"{dropped['x_only']} more {'has' if dropped['x_only'] == 1 else 'have'} only the X value "
                       f"and {dropped['y_only']} only the Y value (not drawn).")
    if dropped["log"]:
        general.append(f"{_count(dropped['log'], 'country', 'countries')} with a zero or negative value cannot sit "
                       "on a log axis and " + ("is" if dropped["log"] == 1 else "are") + " not drawn.")
    if view["size"] and not points.empty:
        missing = points[points["population"].isna()]
        general.append(
            f"Bubble area is proportional to population (diameter ∝ √population; a bubble {SIZE_MAX:.0f} px "
            f"wide is {SIZE_REFERENCE / 1e9:.1f} billion people, the same scale in every view); World Bank population of "
            f"{year} or up to {POPULATION_LAG} years earlier. Countries under about "
            f"{c.format_value(SIZE_REFERENCE * (SIZE_MIN / SIZE_MAX) ** 2)} people are drawn at the smallest size"
            + (f"; no population figure for {', '.join(missing['name'])} (smallest size)." if len(missing) else "."))
    if view["colour"] in ("wb_region", "income"):
        general.append("World Bank regions and income groups are the current (FY2026) classification, not that of "
                       "the year shown.")
    elif view["colour"] not in ("un_region", "none"):
        groups = c.store().groups().set_index("group_id")
        clubs = ["G7", "BRICS"] if view["colour"] == "g7_brics" else [view["colour"]]
        general += [f"{groups.loc[g, 'name']}: {groups.loc[g, 'source']}" for g in clubs if g in groups.index]
    absent = [names.get(iso, iso) for iso in view["highlight"] if iso not in set(points["iso3"])]
    if absent:
        general.append(f"Not in this view (no value for one of the indicators in {year}"
                       + (f" or the {view['lag']} years before" if view["lag"] else "") + f"): {', '.join(absent)}.")
    general.append("Labelled: the United States, China"
                   + (" and highlighted countries" if view["highlight"] else "")
                   + ". Labelled points have a black outline.")
    blocks = [html.Ul([html.Li(t) for t in general], className="small mb-1")]
    for label, ind, mode, suffix in (("X", x_ind, view["xmode"], "x"), ("Y", y_ind, view["ymode"], "y")):
        extra = _axis_notes(ind, mode, points, suffix, year, names) if not points.empty else []
        period = _period(points, suffix, year) if not points.empty else str(year)
        blocks.append(html.Div([html.Strong(f"{label} axis: {ind['name']}", className="small"),
                                c.source_note(ind, period, extra)], className="mb-1"))
    return html.Div(blocks)


@callback(
    Output("exp-download", "data"),
    Input("exp-download-btn", "n_clicks"),
    State("exp-x", "value"),
    State("exp-y", "value"),
    State("exp-xmode", "value"),
    State("exp-ymode", "value"),
    State("exp-year", "value"),
    State("exp-lag", "value"),
    State("exp-colour", "value"),
    State("exp-size", "value"),
    State("exp-logx", "value"),
    State("exp-logy", "value"),
    State("exp-highlight", "value"),
    prevent_initial_call=True,
)
def download(_n, x_id, y_id, xmode, ymode, year, lag, scheme, size, logx, logy, highlight):
    view = _view(x_id, y_id, xmode, ymode, year, lag, scheme, size, logx, logy, highlight)
    if view["year"] is None:
        raise dash.exceptions.PreventUpdate
    points, _ = scatter_data(view["x"], view["y"], view["xmode"], view["ymode"], view["year"], view["lag"],
                             view["colour"], view["logx"], view["logy"])
    name = f"aigap_{view['x']}_{view['xmode']}_vs_{view['y']}_{view['ymode']}_{view['year']}.csv"
    return c.csv_payload(points[CSV_COLUMNS], name)


@callback(
    Output("nav", "href", allow_duplicate=True),
    Input("exp-graph", "clickData"),
    prevent_initial_call=True,
)
def open_profile(click):
    if not click or not click.get("points"):
        raise dash.exceptions.PreventUpdate
    iso = click["points"][0].get("customdata")
    if not iso:
        raise dash.exceptions.PreventUpdate
    return f"/profile?country={iso}"
