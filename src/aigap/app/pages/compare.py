"""Compare: countries and country groups over time, as lines, in any sensible normalisation.

Each year shows one value per country: the latest period within that year (``latest_per_year``), so a
sub-annual series such as the TOP500 lists shows the last edition of each year. Groups (clubs, World Bank
regions and income groups, UN regions, or a custom set) are aggregated per year over the members that
belonged to the group that year and have data: sum, median or population-weighted mean.
"""

from __future__ import annotations

import textwrap

import dash
import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, callback, dcc, html

from ...analysis.measures import MODES, allowed_modes, group_aggregate, latest_per_year, normalise
from .. import components as c

dash.register_page(__name__, path="/compare", name="Compare", title="Compare · aigap", order=1)

DEFAULT_COUNTRIES = ["BRA", "IND", "ZAF", "IDN", "USA", "CHN"]
DEFAULT_GROUPS = ["G7"]
MAX_COUNTRIES = 15  # lines beyond this are unreadable; a custom set aggregates any number of countries
CUSTOM_ID = "CUSTOM"
NONE = "none"  # written to the URL for a list the user emptied (a missing parameter means "the default")
AGGREGATES = {"sum": "sum", "median": "median", "popweighted": "population-weighted mean"}
GROUP_KINDS = {"club": "club", "wb_income": "World Bank income group", "wb_region": "World Bank region",
               "un_region": "UN region", "un_subregion": "UN sub-region"}
LINE_COLUMNS = ["series", "kind", "label", "year", "period", "value", "display", "members_with_data", "members",
                "source_id", "note"]
CSV_COLUMNS = ["series", "kind", "year", "period", "value", "display", "members_with_data", "source_id", "note"]
NOTE_SYMBOL = "diamond-open"
# Countries: Okabe-Ito (colour-blind safe) without black, the yellow (faint as a thin line on white) last.
COUNTRY_COLOURS = [col for col in c.QUALITATIVE if col not in ("#F0E442", "#000000")] + ["#F0E442"]
# Groups: dark neutrals, dashed (each group its own dash pattern), square markers: never a country's colour.
GROUP_STYLES = [("#000000", "dash"), ("#777777", "dash"), ("#000000", "dot"), ("#8C510A", "dash"),
                ("#777777", "dot"), ("#000000", "dashdot")]


# -- options and validation -----------------------------------------------------------------------------------
def allowed_aggregates(kind: str) -> list[str]:
    """A sum only makes sense for totals; rates and scores are summarised by a median or weighted mean."""
    return list(AGGREGATES) if kind == "total" else ["median", "popweighted"]


def default_aggregate(kind: str) -> str:
    return "sum" if kind == "total" else "median"


def aggregate_options(kind: str) -> list[dict]:
    allowed = allowed_aggregates(kind)
    return [{"label": label.capitalize(), "value": key, "disabled": key not in allowed}
            for key, label in AGGREGATES.items()]


def group_table() -> pd.DataFrame:
    groups = c.store().groups()
    order = {kind: i for i, kind in enumerate(GROUP_KINDS)}
    groups = groups.assign(order=groups["kind"].map(order).fillna(len(order)))
    return groups.sort_values(["order", "name"]).set_index("group_id", drop=False)


def group_options() -> list[dict]:
    return [{"label": f"{row.name} ({GROUP_KINDS.get(row.kind, row.kind)})", "value": row.group_id}
            for row in group_table().itertuples()]


def year_options(years: list[int]) -> list[dict]:
    return [{"label": str(y), "value": y} for y in years]


def parse_list(raw: str | None, valid, default: list[str]) -> list[str]:
    """A comma list of codes from the URL: unknown codes dropped; missing or all bad -> default; 'none' -> empty."""
    if raw is None:
        return list(default)
    if str(raw).strip().lower() == NONE:
        return []
    items = [i.upper() for i in c.split_list(str(raw))]
    kept = list(dict.fromkeys(i for i in items if i in valid))
    return kept if kept else list(default)


def year_range(years: list[int], year_from, year_to) -> tuple[int | None, int | None]:
    """Validated (from, to) within the indicator's years; bad or missing values fall back to the full range."""
    if not years:
        return None, None
    lo, hi = years[0], years[-1]
    y0, y1 = c.to_int(year_from), c.to_int(year_to)
    y0 = y0 if y0 is not None and lo <= y0 <= hi else lo
    y1 = y1 if y1 is not None and lo <= y1 <= hi else hi
    return (y1, y0) if y0 > y1 else (y0, y1)


def list_param(values: list[str]) -> str:
    return ",".join(values) if values else NONE


# -- layout ---------------------------------------------------------------------------------------------------
def layout(indicator: str | None = None, countries: str | None = None, groups: str | None = None,
           custom: str | None = None, agg: str | None = None, mode: str | None = None, log: str | None = None,
           **other) -> html.Div:
    ind_id = c.valid_indicator(indicator)
    ind = c.indicator(ind_id)
    names = c.country_names()
    chosen = parse_list(countries, names, DEFAULT_COUNTRIES)
    chosen_groups = parse_list(groups, set(group_table().index), DEFAULT_GROUPS)
    custom_set = parse_list(custom, names, [])
    agg = agg if agg in allowed_aggregates(ind["kind"]) else default_aggregate(ind["kind"])
    mode = mode if mode in allowed_modes(ind["kind"]) else "absolute"
    log_on = str(log).lower() in ("1", "true", "yes", "on")
    years = c.store().years(ind_id)
    y0, y1 = year_range(years, other.get("from"), other.get("to"))
    country_opts = c.country_options()

    def labelled(label, control_id, control):
        return html.Div([dbc.Label(label, html_for=control_id, className="mb-0 fw-semibold small"), control],
                        className="mb-2")

    def radio_group(label, control_id, control, note=None):
        """A labelled group of radio buttons (a <label for> cannot point at a group)."""
        children = [html.Div(label, id=f"{control_id}-label", className="form-label mb-0 fw-semibold small"),
                    html.Div(control, role="radiogroup", **{"aria-labelledby": f"{control_id}-label"})]
        if note:
            children.append(html.Div(note, className="form-text mt-0"))
        return html.Div(children, className="mb-2")

    controls = [
        labelled("Indicator", "cmp-indicator",
                 dcc.Dropdown(id="cmp-indicator", options=c.indicator_options(), value=ind_id, clearable=False)),
        labelled("Countries", "cmp-countries",
                 dcc.Dropdown(id="cmp-countries", options=country_opts, value=chosen, multi=True,
                              placeholder="Add countries")),
        labelled("Groups", "cmp-groups",
                 dcc.Dropdown(id="cmp-groups", options=group_options(), value=chosen_groups, multi=True,
                              placeholder="Add groups (G7, BRICS, EU27, income groups, regions)")),
        labelled("Custom set (aggregated as one line)", "cmp-custom",
                 dcc.Dropdown(id="cmp-custom", options=country_opts, value=custom_set, multi=True,
                              placeholder="Pick countries for a custom group")),
        radio_group("Aggregate groups by", "cmp-agg",
                    dbc.RadioItems(id="cmp-agg", name="cmp-agg", options=aggregate_options(ind["kind"]), value=agg,
                                   inline=True, input_class_name="me-1", label_class_name="me-2 small"),
                    "Sum only for totals; rates and scores use the median or a weighted mean."),
        radio_group("Show as", "cmp-mode",
                    dbc.RadioItems(id="cmp-mode", name="cmp-mode", options=c.mode_options(ind["kind"]),
                                   value=mode, input_class_name="me-1", label_class_name="small")),
        dbc.Row(  # clipped: the dropdowns' hidden focus inputs are wider than a half column on a phone
            [
                dbc.Col(labelled("From", "cmp-from",
                                 dcc.Dropdown(id="cmp-from", options=year_options(years), value=y0,
                                              clearable=False)), width=6),
                dbc.Col(labelled("To", "cmp-to",
                                 dcc.Dropdown(id="cmp-to", options=year_options(years), value=y1,
                                              clearable=False)), width=6),
            ],
            className="g-2",
            style={"overflowX": "clip"},
        ),
        dbc.Switch(id="cmp-log", label="Log scale (y axis)", value=log_on, class_name="mb-2"),
    ]
    return html.Div(
        [
            html.H1("Compare countries and groups over time", className="h3"),
            dbc.Row(
                [
                    dbc.Col(html.Div(controls, className="cmp-controls"), lg=3, md=4),
                    dbc.Col(
                        [
                            html.Div(id="cmp-missing", role="status"),
                            dcc.Loading(dcc.Graph(id="cmp-graph", config=c.GRAPH_CONFIG,
                                                  style={"height": "480px"}), type="default"),
                            html.Div(id="cmp-note"),
                            c.download_controls("cmp"),
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
    ind = c.indicator(c.valid_indicator(ind_id))
    kind = ind["kind"]
    years = c.store().years(ind["indicator_id"])
    if mode not in allowed_modes(kind):
        mode = "absolute"
    # The options still describe the previous indicator. Coming to a total from a rate or score (where a sum
    # could not be chosen) gives the totals' default, the sum; otherwise the choice stays if it is allowed.
    was_total = bool(agg_opts) and not agg_opts[0].get("disabled")
    if agg not in allowed_aggregates(kind) or (dash.ctx.triggered_id and kind == "total" and not was_total):
        agg = default_aggregate(kind)
    if dash.ctx.triggered_id:  # a new indicator: its whole period
        year_from = year_to = None
    y0, y1 = year_range(years, year_from, year_to)
    opts = year_options(years)
    return c.mode_options(kind), mode, aggregate_options(kind), agg, opts, y0, opts, y1


# -- data -----------------------------------------------------------------------------------------------------
def _membership(group_id: str, custom: list[str]) -> pd.DataFrame:
    if group_id == CUSTOM_ID:
        return pd.DataFrame({"iso3": custom, "since": pd.NA, "until": pd.NA})
    return c.store().group_members(group_id)[["iso3", "since", "until"]]


def _members_in(frame: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Rows of members in the years they belonged to the group (a member counts from the year it joined)."""
    rows = frame.merge(members, on="iso3", how="inner")
    since = pd.to_numeric(rows["since"], errors="coerce")
    until = pd.to_numeric(rows["until"], errors="coerce")
    keep = (since.isna() | (rows["year"] >= since)) & (until.isna() | (rows["year"] <= until))
    return rows[keep].drop(columns=["since", "until"])


def _member_counts(members: pd.DataFrame, years: pd.Series) -> list[int]:
    """How many countries belonged to the group in each year."""
    since = pd.to_numeric(members["since"], errors="coerce").to_numpy(dtype=float, na_value=float("nan"))
    until = pd.to_numeric(members["until"], errors="coerce").to_numpy(dtype=float, na_value=float("nan"))
    return [int(((np.isnan(since) | (since <= y)) & (np.isnan(until) | (until >= y))).sum()) for y in years]


def _join(values) -> str | None:
    unique = sorted({str(v) for v in values if isinstance(v, str) and v})
    return "; ".join(unique) if unique else None


def lines_data(ind_id: str, countries: list[str], groups: list[str], custom: list[str], agg: str, mode: str,
               year_from: int, year_to: int) -> tuple[pd.DataFrame, list[str]]:
    """The points the chart draws (one row per series and year with a value) and the series without data.

    Columns: series, kind (country/group), label, year, period, value, display, members_with_data, members,
    source_id, note.
    """
    s = c.store()
    ind = c.indicator(ind_id)
    names = c.country_names()
    gtable = group_table()
    memberships = {gid: _membership(gid, custom) for gid in list(groups) + ([CUSTOM_ID] if custom else [])}
    needed = sorted(set(countries).union(*(set(m["iso3"]) for m in memberships.values())))
    if not needed:
        return pd.DataFrame(columns=LINE_COLUMNS), []
    # Share of world needs every country with data; the other forms only the countries on the chart.
    obs = s.observations(ind_id, None if mode == "share_world" else needed)
    need_pop = mode == "per_capita" or agg == "popweighted"
    population = s.observations("population", needed, year_to=year_to) if need_pop else None
    gdp = s.observations("gdp_usd", needed, year_to=year_to) if mode == "per_gdp" else None
    # Share of world needs every country of the period, so normalise first, then take each year's latest period.
    shown = latest_per_year(normalise(obs, mode, population, gdp)) if len(obs) else obs.assign(display=[])
    in_range = shown[(shown["year"] >= year_from) & (shown["year"] <= year_to)]
    rows, missing = [], []
    span = f" in {year_from}–{year_to}" if year_from != year_to else f" in {year_from}"
    form = "" if mode == "absolute" else f" ({MODES[mode]})"

    for iso in countries:
        name = names.get(iso, iso)
        mine = in_range[in_range["iso3"] == iso]
        points = mine.dropna(subset=["display"])
        if points.empty:
            every = shown[shown["iso3"] == iso]
            if every.empty:
                missing.append(f"No data for {name} on {ind['name']}; the source does not cover it.")
            elif mine.empty:
                missing.append(f"No data for {name} on {ind['name']}{span}; its data cover "
                               f"{c.period_text(every)}.")
            else:
                den = "population" if mode == "per_capita" else "GDP"
                missing.append(f"No data for {name} on {ind['name']}{form}{span}: no {den} figure.")
            continue
        rows.append(points.assign(series=iso, kind="country", label=name, members_with_data=pd.NA,
                                  members=pd.NA))

    for gid, members in memberships.items():
        gname = "Custom set" if gid == CUSTOM_ID else gtable.loc[gid, "name"]
        label = f"{gname} ({AGGREGATES[agg]})"
        part = _members_in(in_range, members).dropna(subset=["display"])
        if part.empty:
            missing.append(f"No data for any {gname} member on {ind['name']}{form}{span}.")
            continue
        isos = list(members["iso3"])
        how, weights = agg, population
        if agg == "sum" and mode in ("per_capita", "per_gdp"):
            # The members' total over their total population (GDP) = the population (GDP)-weighted mean of
            # their per-capita (per-GDP) values.
            how, weights = "popweighted", population if mode == "per_capita" else gdp
        shown_agg = group_aggregate(part, isos, how, weights, column="display")
        if shown_agg.empty:
            missing.append(f"No data for any {gname} member on {ind['name']}{form}{span}.")
            continue
        value_agg = group_aggregate(part, isos, agg, population, column="value").set_index("year")["value"]
        notes = part.groupby("year")["note"].agg(_join)
        sources = part.groupby("year")["source_id"].agg(_join)
        frame = shown_agg.rename(columns={"value": "display"}).assign(
            series=gid, kind="group", label=label, period=None,
            value=lambda f: f["year"].map(value_agg),
            members=lambda f: _member_counts(members, f["year"]),
            note=lambda f: f["year"].map(notes), source_id=lambda f: f["year"].map(sources),
            iso3=None, indicator_id=ind_id)
        rows.append(frame)

    if not rows:
        return pd.DataFrame(columns=LINE_COLUMNS), missing
    data = pd.concat([r[LINE_COLUMNS] for r in rows], ignore_index=True)
    data["year"] = data["year"].astype(int)
    return data, missing


# -- figure ---------------------------------------------------------------------------------------------------
def _hover(row, ind: dict, mode: str) -> str:
    unit = ind["unit"] if mode == "absolute" else MODES[mode]
    text = f"<b>{row.label}</b> {row.year}: {c.format_value(row.display, unit)}"
    if row.kind == "group":
        text += f"<br>{int(row.members_with_data)} of {int(row.members)} members with data"
    elif row.period and str(row.period) != str(row.year):
        text += f" (period {row.period})"
    if isinstance(row.note, str) and row.note:
        text += f"<br><i>{row.note}</i>"
    return text


def unit_title(ind: dict, mode: str) -> str:
    """The y axis carries the unit (the chart title carries the indicator's name), wrapped for phones."""
    if mode == "share_world":
        text = "% of the world total (countries with data)"
    else:
        text = ind["unit"] if mode == "absolute" else f"{ind['unit']}, {MODES[mode]}"
    return "<br>".join(textwrap.wrap(text, 40))


def build_figure(data: pd.DataFrame, ind: dict, mode: str, log: bool, year_from: int, year_to: int) -> go.Figure:
    fig = go.Figure()
    years = list(range(year_from, year_to + 1))
    flagged_any = False
    n_country = 0
    n_group = 0
    for sid, part in data.groupby("series", sort=False):
        is_group = part["kind"].iloc[0] == "group"
        if is_group:
            colour, dash = GROUP_STYLES[n_group % len(GROUP_STYLES)]
            n_group += 1
        else:  # past the palette, colours repeat with a dotted line
            colour = COUNTRY_COLOURS[n_country % len(COUNTRY_COLOURS)]
            dash = "solid" if n_country < len(COUNTRY_COLOURS) else "dot"
            n_country += 1
        # Every year of the range is on the line; a year without a value is a gap, never bridged.
        full = part.set_index("year").reindex(years)
        flagged = full["note"].map(lambda n: isinstance(n, str) and bool(n))
        flagged_any |= bool(flagged.any())
        base = "square" if is_group else "circle"
        fig.add_trace(go.Scatter(
            x=years,
            y=[None if pd.isna(v) else float(v) for v in full["display"]],
            customdata=[sid] * len(years),
            text=[_hover(r, ind, mode) if not pd.isna(r.display) else "" for r in
                  full.reset_index().itertuples()],
            hovertemplate="%{text}<extra></extra>",
            name=part["label"].iloc[0],
            mode="lines+markers",
            connectgaps=False,
            line={"color": colour, "width": 2.5 if is_group else 2, "dash": dash},
            marker={"color": colour, "size": [11 if f else 7 for f in flagged],
                    "symbol": [NOTE_SYMBOL if f else base for f in flagged],
                    "line": {"width": 2, "color": colour}},
        ))
    if flagged_any:
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name="value with a note (see below)",
                                 marker={"symbol": NOTE_SYMBOL, "size": 11, "color": "#555555",
                                         "line": {"width": 2, "color": "#555555"}},
                                 hoverinfo="skip"))
    span = f"{year_from}–{year_to}" if year_from != year_to else str(year_from)
    # Wrapped so that a long name stays readable on a phone (plotly titles do not wrap by themselves).
    title = "<br>".join(textwrap.wrap(f"{ind['name']}, {span}", 48))
    fig.update_layout(
        title={"text": title, "x": 0.01, "font": {"size": 14}},
        margin={"l": 10, "r": 10, "t": 24 + 18 * (title.count("<br>") + 1), "b": 10},
        hovermode="closest",
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "xanchor": "left", "x": 0},
        xaxis={"title": "Year", "tickformat": "d", "dtick": 1 if year_to - year_from <= 10 else None,
               "range": [year_from - 0.5, year_to + 0.5], "automargin": True},
        yaxis={"title": unit_title(ind, mode), "type": "log" if log else "linear", "automargin": True},
    )
    return fig


def notes_for(data: pd.DataFrame, ind: dict, groups: list[str], custom: list[str], agg: str, mode: str,
              log: bool, year_from: int, year_to: int, hidden: int = 0) -> list[str]:
    names = c.country_names()
    gnames = group_table()["name"]
    notes = []
    countries = data[data["kind"] == "country"]
    if countries["period"].astype(str).str.len().gt(4).any():
        latest = countries.groupby("year")["period"].max().tail(3)
        used = "; ".join(f"{year}: {period}" for year, period in latest.items())
        notes.append("Sub-annual data: each year shows each country's latest period within that year "
                     f"(e.g. {used}).")
    flagged = data[data["note"].map(lambda n: isinstance(n, str) and bool(n))]
    if not flagged.empty:
        for note, part in flagged.groupby("note"):
            where = ", ".join(f"{r.label} {r.year}" for r in part.head(6).itertuples())
            more = f" and {len(part) - 6} more" if len(part) > 6 else ""
            notes.append(f"◇ (open diamond) marks a value with a note: “{note}” ({where}{more}).")
    if not data[data["kind"] == "group"].empty:
        how = {"sum": "the sum of", "median": "the median of",
               "popweighted": "the population-weighted mean of"}[agg]
        text = (f"Group lines show, for each year, {how} the members with data that year; hover shows "
                "“n of m members with data”.")
        if agg == "sum":
            text += " A sum over fewer members than the group has understates the group."
            if mode in ("per_capita", "per_gdp"):
                den = "population" if mode == "per_capita" else "GDP"
                text += f" Shown {MODES[mode]}: the members' total divided by their total {den}."
        notes.append(text)
        for gid in groups:
            members = _membership(gid, custom)
            since = pd.to_numeric(members["since"], errors="coerce")
            joined = members.assign(since=since)[since > year_from]
            if not joined.empty:
                listed = "; ".join(f"from {int(year)}: " + ", ".join(sorted(names.get(i, i) for i in part["iso3"]))
                                   for year, part in joined.groupby("since"))
                notes.append(f"{gnames[gid]}: each year counts only the members that had joined by then ({listed}).")
        if custom:
            notes.append("Custom set: " + ", ".join(names.get(i, i) for i in custom) + ".")
    if year_from == year_to:
        notes.append(f"Only {year_from} is shown, so the chart has points, not trends.")
    if mode in ("per_capita", "per_gdp"):
        notes.append(f"Shown {MODES[mode]}; denominators are World Bank population / GDP (current US$) of the "
                     "same year or the latest earlier one.")
    elif mode == "share_world":
        notes.append("Share of world: percentage of the total of all countries with data in the same period.")
    if log:
        if hidden:
            notes.append(f"Log scale: {hidden} zero value(s) cannot be drawn and are left out of the lines.")
    else:
        positive = data.loc[data["display"] > 0, "display"]
        if len(positive) and positive.max() / positive.min() > 1000:
            notes.append("The values span more than three orders of magnitude: switch on the log scale to see the "
                         "trends of the smaller series.")
    return notes


# -- callbacks ------------------------------------------------------------------------------------------------
def _state(ind_id, countries, groups, custom, agg, mode, year_from, year_to):
    """Validated control values (callbacks can receive anything a URL or a stale page sends)."""
    ind = c.indicator(c.valid_indicator(ind_id))
    names = c.country_names()
    known_groups = set(group_table().index)
    countries = list(dict.fromkeys(i for i in (countries or []) if i in names))
    groups = [g for g in (groups or []) if g in known_groups]
    custom = [i for i in (custom or []) if i in names]
    agg = agg if agg in allowed_aggregates(ind["kind"]) else default_aggregate(ind["kind"])
    mode = mode if mode in allowed_modes(ind["kind"]) else "absolute"
    y0, y1 = year_range(c.store().years(ind["indicator_id"]), year_from, year_to)
    return ind, countries, groups, custom, agg, mode, y0, y1


@callback(
    Output("cmp-graph", "figure"),
    Output("cmp-note", "children"),
    Output("cmp-missing", "children"),
    Output("url", "search", allow_duplicate=True),
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
    ind, countries, groups, custom, agg, mode, y0, y1 = _state(ind_id, countries, groups, custom, agg, mode,
                                                               year_from, year_to)
    search = c.query_string({"indicator": ind["indicator_id"], "countries": list_param(countries),
                             "groups": list_param(groups), "custom": ",".join(custom), "agg": agg, "mode": mode,
                             "log": 1 if log else None, "from": y0, "to": y1})
    if y0 is None:
        msg = f"No data for {ind['name']}."
        return c.empty_figure(msg), "", dbc.Alert(msg, color="warning", className="py-1 small"), search
    data, missing = lines_data(ind["indicator_id"], countries[:MAX_COUNTRIES], groups, custom, agg, mode, y0, y1)
    if len(countries) > MAX_COUNTRIES:
        missing.append(f"Showing the first {MAX_COUNTRIES} of the {len(countries)} countries chosen; a custom set "
                       "aggregates any number of countries into one line.")
    alert = (dbc.Alert([html.Div(m) for m in missing], color="warning", className="py-1 mb-1 small")
             if missing else None)
    hidden = 0
    if log:  # a log axis cannot show zeros: they become gaps, and the note says how many
        hidden = int((data["display"] <= 0).sum())
        data = data[data["display"] > 0]
    if data.empty:
        if len(missing) == 1:
            msg = missing[0]
        elif missing:
            msg = "No data for any of the chosen countries or groups (see above)."
        elif hidden:
            msg = "Only zeros to show: they cannot be drawn on a log scale."
        else:
            msg = "Choose countries or groups to compare."
        return c.empty_figure(msg), "", alert, search
    fig = build_figure(data, ind, mode, bool(log), y0, y1)
    extra = notes_for(data, ind, groups, custom, agg, mode, bool(log), y0, y1, hidden)
    periods = data[data["kind"] == "country"]
    if periods.empty:  # only groups: their years
        periods = data.assign(period=data["year"].astype(str))
    note = c.source_note(ind, c.period_text(periods), extra)
    return fig, note, alert, search


@callback(
    Output("cmp-download", "data"),
    Input("cmp-download-btn", "n_clicks"),
    State("cmp-indicator", "value"),
    State("cmp-countries", "value"),
    State("cmp-groups", "value"),
    State("cmp-custom", "value"),
    State("cmp-agg", "value"),
    State("cmp-mode", "value"),
    State("cmp-log", "value"),
    State("cmp-from", "value"),
    State("cmp-to", "value"),
    prevent_initial_call=True,
)
def download(_n, ind_id, countries, groups, custom, agg, mode, log, year_from, year_to):
    ind, countries, groups, custom, agg, mode, y0, y1 = _state(ind_id, countries, groups, custom, agg, mode,
                                                               year_from, year_to)
    if y0 is None:
        raise dash.exceptions.PreventUpdate
    data, _missing = lines_data(ind["indicator_id"], countries[:MAX_COUNTRIES], groups, custom, agg, mode, y0, y1)
    if log:
        data = data[data["display"] > 0]
    out = data[CSV_COLUMNS].copy()
    out["members_with_data"] = out["members_with_data"].astype("Int64")
    filename = f"aigap_compare_{ind['indicator_id']}_{mode}_{agg}_{y0}-{y1}.csv"
    return c.csv_payload(out, filename)
