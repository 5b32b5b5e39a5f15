"""Country profile: every indicator for one country, grouped by pillar: its latest value, rank, the medians of
its World Bank income group and region, the leader and the gap to it, a trend line, and a comparison country."""

from __future__ import annotations

import threading

import dash
import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, callback, dcc, html

from ...analysis.profile import (CSV_COLUMNS, YearlyIndex, group_membership, peer_groups, profile_table,
                                 yearly_values)
from .. import components as c

dash.register_page(__name__, path="/profile", name="Country profile", title="Country profile · aigap", order=2)

DEFAULT_COUNTRY = "BRA"
# Pillars in reading order: what a country invests, builds and produces first; readiness scores; context last.
PILLAR_ORDER = ["investment", "compute", "models", "talent & research", "readiness", "context"]
COUNTRY_COLOUR, PEER_COLOUR = c.QUALITATIVE[0], c.QUALITATIVE[1]
SPARK_CONFIG = {"displayModeBar": False, "responsive": False}
SPARK_LAYOUT = {
    "height": 38, "width": 150, "margin": {"l": 2, "r": 4, "t": 4, "b": 4}, "showlegend": False,
    "xaxis": {"visible": False, "fixedrange": True}, "yaxis": {"visible": False, "fixedrange": True},
    "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
    "hoverlabel": {"font": {"size": 11}}, "font": {"size": 11},
}

# -- data: the whole store reduced to one value per indicator, country and year, once per store file ---------
_lock = threading.Lock()
_cache: dict = {}


def profile_data() -> dict:
    """Yearly values of every indicator with row indexes, indicators in pillar order, group memberships and
    country names; rebuilt when an ingest swaps in a new store file."""
    s = c.store()
    key = s.version()
    with _lock:
        if _cache.get("key") == key:
            return _cache["data"]
    indicators = s.indicators()
    order = {p: i for i, p in enumerate(PILLAR_ORDER)}
    indicators = indicators.assign(_order=indicators["pillar"].map(order).fillna(len(order))) \
        .sort_values(["_order", "pillar", "indicator_id"], kind="stable").drop(columns="_order") \
        .reset_index(drop=True)
    data = {
        "index": YearlyIndex(yearly_values(s.observations())),
        "indicators": indicators,
        "meta": indicators.set_index("indicator_id").to_dict("index"),
        "groups": group_membership(s.group_members(), s.groups()),
        "names": c.country_names(),
    }
    with _lock:
        _cache["key"], _cache["data"] = key, data
    return data


def valid_country(value: str | None, names: dict[str, str]) -> str | None:
    iso = (value or "").strip().upper()
    return iso if iso in names else None


def compute(iso3: str, peer: str | None, data: dict | None = None) -> pd.DataFrame:
    """The profile table for a country (and comparison country) from the cached yearly values."""
    data = data or profile_data()
    rows = data["index"].needed(iso3, peer)
    return profile_table(rows, data["indicators"], iso3, peer, data["groups"], data["names"], reduced=True)


# -- layout -----------------------------------------------------------------------------------------------------
def layout(country: str | None = None, peer: str | None = None, **_other) -> html.Div:
    names = c.country_names()
    iso = valid_country(country, names) or DEFAULT_COUNTRY
    other = valid_country(peer, names)
    other = other if other != iso else None
    options = c.country_options()
    return html.Div(
        [
            html.H1(f"Country profile: {names.get(iso, iso)}", id="prof-title", className="h3"),
            dbc.Row(
                [
                    dbc.Col([dbc.Label("Country", html_for="prof-country"),
                             dcc.Dropdown(id="prof-country", options=options, value=iso, clearable=False,
                                          searchable=True)], md=4),
                    dbc.Col([dbc.Label("Compare with", html_for="prof-peer"),
                             dcc.Dropdown(id="prof-peer", options=options, value=other, clearable=True,
                                          searchable=True, placeholder="Pick a country to compare (optional)")],
                            md=4),
                    dbc.Col(html.Div(id="prof-summary", className="small pt-md-4"), md=4),
                ],
                className="g-2 mb-2",
            ),
            dcc.Loading(html.Div(id="prof-table"), type="default"),
            html.Div(id="prof-note", children=method_note(), className="small text-muted"),
            c.download_controls("prof"),
        ]
    )


def method_note() -> html.Ul:
    return html.Ul(
        [
            html.Li("Each row uses the country's latest year with data (the latest period within that year, e.g. "
                    "the June or November TOP500 list). Rank, percentile, group medians and the leader are "
                    "taken over the countries with data for that same year; a country without data is not "
                    "counted as zero."),
            html.Li("Percentile: share of the other countries with data that the country matches or beats. "
                    "Indicators that only track a few countries or sites are not ranked."),
            html.Li("Group medians: the country's World Bank income group and region (current classification, "
                    "applied to every year), over the members with data that year (n), the country included."),
            html.Li("Gap: the leader's value divided by the country's, i.e. how many times the country's level "
                    "the leader has (where lower is better, the country's value divided by the leader's); "
                    "undefined when the country's value is 0."),
            html.Li("Flagged values (⚑) are year to date, derived or carry a publisher's note (in full on "
                    "hover). The trend lines show one value a year, gaps where a year is missing."),
        ],
        className="mt-2",
    )


# -- table --------------------------------------------------------------------------------------------------------
def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def gap_text(ratio: float) -> str:
    if ratio < 10:
        return f"×{ratio:.2f}"
    if ratio < 100:
        return f"×{ratio:.1f}"
    return f"×{ratio:,.0f}"


def fmt(value) -> str:
    """Counts as whole numbers ("9", not "9.00"); everything else as the other pages show it."""
    if not _missing(value) and float(value).is_integer() and abs(value) < 1e6:
        return f"{value:,.0f}"
    return c.format_value(value)


def short_publisher(publisher: str) -> str:
    return str(publisher).split(" (")[0].split(", ")[0]


def short_note(note: str, limit: int = 20) -> str:
    text = note.split(";")[0].split(" (")[0].split(":")[0]
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def flag_text(note) -> str:
    return "" if _missing(note) or not note else f"\n⚑ {short_note(note)}"


def cell(children, className: str | None = None, title: str | None = None, **kwargs) -> html.Td:
    """A table cell of plain text whose lines break at "\n" (the table sets white-space: pre-line): one
    component, however many lines. The Dash renderer's cost grows with the number of components, so a row is
    kept to about a dozen of them."""
    if className:
        kwargs["className"] = className
    if title:
        kwargs["title"] = title
    return html.Td(children, **kwargs)


def series_by_indicator(frame: pd.DataFrame) -> dict[str, dict[int, float]]:
    """{indicator_id: {year: value}} of one country's yearly rows."""
    out: dict[str, dict[int, float]] = {}
    for ind_id, year, value in zip(frame["indicator_id"].astype(str).tolist(), frame["year"].tolist(),
                                   frame["value"].tolist()):
        out.setdefault(ind_id, {})[int(year)] = float(value)
    return out


# Each trace style is built and validated once by go.Scatter; a sparkline fills in only its data arrays (building
# and validating ~40 small go.Scatter objects per request would cost ~20 ms).
TRACE_STYLES = [
    go.Scatter(mode="lines+markers", connectgaps=False, line={"color": colour, "width": 1.6, "dash": dash_style},
               marker={"color": colour}).to_plotly_json()
    for colour, dash_style in ((COUNTRY_COLOUR, "solid"), (PEER_COLOUR, "dot"))
]


def sparkline(ind_id: str, series: dict[str, dict[int, float] | None], names: dict[str, str]) -> dcc.Graph | str:
    """A small line per country (the country, then the comparison country) if it has more than one year."""
    traces = []
    for iso, style in zip(series, TRACE_STYLES):
        by_year = series[iso]
        if not by_year or len(by_year) < 2:
            continue
        years = list(range(min(by_year), max(by_year) + 1))
        values = [by_year.get(y) for y in years]  # missing years stay gaps (None), never 0
        traces.append({**style, "x": years, "y": values,
                       "text": [fmt(v) if v is not None else "" for v in values],
                       "marker": {**style["marker"], "size": [0] * (len(years) - 1) + [5]},  # a dot at the end
                       "hovertemplate": f"{names.get(iso, iso)} %{{x}}: %{{text}}<extra></extra>"})
    if not traces:
        return ""
    # Axes hidden and no template: the process default (plotly_white) would add nothing here.
    figure = {"data": traces, "layout": SPARK_LAYOUT}
    return dcc.Graph(id=f"prof-spark-{ind_id}", figure=figure, config=SPARK_CONFIG,
                     style={"height": "38px", "width": "150px"})


def value_cells(row, remark: str, name: str) -> list[html.Td]:
    """Value, rank, the two group medians, leader and gap of a row with data."""
    # An older year than other countries have: say how many have the newer one (in full on hover).
    stale = [r for r in remark.split("; ") if r.startswith("latest for")]
    newer = f"\nnewer: {int(row.latest_year_any)} ({row.countries_latest_any} countries)" if stale else ""
    flagged = not _missing(row.note) and bool(row.note)
    title = "; ".join(([row.note] if flagged else []) + stale) or None
    cells = [cell([html.Strong(fmt(row.value)), f"\n{row.period}{flag_text(row.note)}{newer}"],
                  "table-warning" if flagged else None, title)]
    if row.rankable:
        cells.append(cell(f"{row.rank} of {row.of}\n{ordinal(round(row.percentile))} percentile"))
    else:
        cells.append(cell("not ranked", "text-muted", "This indicator covers only some countries or sites"))
    for prefix in ("income", "region"):
        value, n = getattr(row, f"{prefix}_median"), getattr(row, f"{prefix}_n")
        if _missing(n):
            cells.append(cell("", title="no World Bank classification"))
        elif _missing(value):
            cells.append(cell("—", title="no member has data for that year"))
        else:
            cells.append(cell(f"{fmt(value)}\nn = {n}"))
    if not row.rankable:
        cells += [cell(""), cell("")]
    elif row.is_leader:
        cells += [cell(name, "fw-bold"), cell("leader", "fw-bold text-success")]
    else:
        cells.append(cell(f"{row.leader_name}\n{fmt(row.leader_value)}"))
        if _missing(row.gap_ratio):
            why = [r.split(": ", 1)[-1] for r in remark.split("; ") if r.startswith("gap ratio undefined")]
            cells.append(cell("undefined" + (f"\n({why[0]})" if why else ""), "text-muted"))
        else:
            cells.append(cell(gap_text(row.gap_ratio)))
    return cells


def table_view(table: pd.DataFrame, iso3: str, peer: str | None, data: dict) -> html.Div:
    names, meta = data["names"], data["meta"]
    name = names.get(iso3, iso3)
    groups = peer_groups(data["groups"], iso3)
    income = groups.get("income", (None, "income group", []))[1]
    region = groups.get("region", (None, "region", []))[1]
    own_series = series_by_indicator(data["index"].country(iso3))
    peer_series = series_by_indicator(data["index"].country(peer)) if peer else {}

    def th(title: str, sub, width: str | None = None) -> html.Th:
        return html.Th([title, html.Br(), html.Small(sub)], scope="col",
                       style={"minWidth": width} if width else None)

    header = [html.Th("Indicator", scope="col", style={"minWidth": "15rem"}),
              th(name, "latest value", "8.5rem"), th("Rank", "that year", "7.5rem"),
              th("Median", income), th("Median", region), th("Leader", "best that year"),
              th("Gap", f"leader ÷ {name}")]
    if peer:
        header.append(th("Compare with", names.get(peer, peer)))
    header.append(th("Trend", [html.Span("━ ", style={"color": COUNTRY_COLOUR}), name] + (
        [html.Span(" ┅ ", style={"color": PEER_COLOUR}), names.get(peer, peer)] if peer else [])))
    ncols = len(header)

    body = []
    pillar = None
    table = table.assign(leader_name=[names.get(i, i) if isinstance(i, str) else "" for i in table["leader_iso3"]])
    for row in table.itertuples(index=False):
        if row.pillar != pillar:
            pillar = row.pillar
            body.append(html.Tr(html.Th(str(pillar).capitalize(), colSpan=ncols, scope="colgroup"),
                                className="table-secondary"))
        m = meta[row.indicator_id]
        source = f"{m['publisher']}, {m['source_title']} (vintage {m['vintage']})"
        cells = [html.Td([dcc.Link(row.name, href=f"/data?indicator={row.indicator_id}", title=source),
                          html.Div(f"{row.unit} · {short_publisher(m['publisher'])}", className="text-muted")])]
        has = not _missing(row.value)
        remark = row.remark if not _missing(row.remark) else ""
        # No data: one line across the value, rank, median, leader and gap columns.
        cells += value_cells(row, remark, name) if has else [cell(remark or "no data", "text-muted fst-italic",
                                                                   colSpan=6)]
        if peer:
            if _missing(row.peer_value):
                cells.append(cell("no data", "text-muted"))
            else:
                older = has and int(row.peer_year) != int(row.year)
                cells.append(cell(f"{fmt(row.peer_value)}\n{row.peer_period}" + (" (other year)" if older else "")
                                  + flag_text(row.peer_note), title=None if _missing(row.peer_note) else row.peer_note))
        series = {iso3: own_series.get(row.indicator_id)}
        if peer:
            series[peer] = peer_series.get(row.indicator_id)
        cells.append(html.Td(sparkline(row.indicator_id, series, names), className="py-0"))
        attrs = {"data-value": repr(float(row.value)) if has else "",
                 "data-rank": str(row.rank) if has and row.rankable else ""}
        body.append(html.Tr(cells, id=f"prof-row-{row.indicator_id}", **attrs))

    publishers = list(dict.fromkeys(short_publisher(meta[i]["publisher"]) for i in table["indicator_id"]))
    sources = html.P([html.Strong("Sources: "), "; ".join(publishers) + ". Vintages, licences and caveats of "
                      "each indicator: follow its name, or see ", dcc.Link("Data & sources", href="/data"), "."],
                     className="small mt-1 mb-0")
    return html.Div([
        html.Div(dbc.Table([html.Thead(html.Tr(header), className="align-bottom"), html.Tbody(body)],
                           size="sm", hover=True, className="small align-middle mb-0",
                           style={"whiteSpace": "pre-line"}),
                 className="table-responsive"),
        sources,
    ])


def summary(iso3: str, table: pd.DataFrame, data: dict) -> list:
    groups = data["groups"]
    own = groups[groups["iso3"] == iso3]
    labels = [own.loc[own["kind"] == kind, "name"].tolist() for kind in ("wb_income", "wb_region", "club")]
    parts = [x for x in labels[0] + labels[1]]
    text = " · ".join(parts) if parts else "No World Bank classification"
    clubs = ", ".join(labels[2])
    with_data = int(table["value"].notna().sum())
    return [html.Div(text), html.Div(f"Member of {clubs}" if clubs else ""),
            html.Div(f"Data for {with_data} of {len(table)} indicators", className="text-muted")]


@callback(
    Output("prof-title", "children"),
    Output("prof-summary", "children"),
    Output("prof-table", "children"),
    Output("url", "search", allow_duplicate=True),
    Output("prof-peer", "value"),
    Input("prof-country", "value"),
    Input("prof-peer", "value"),
    prevent_initial_call="initial_duplicate",
)
def update(country, peer):
    data = profile_data()
    names = data["names"]
    iso = valid_country(country, names) or DEFAULT_COUNTRY
    other = valid_country(peer, names)
    other = other if other != iso else None  # comparing a country with itself: no comparison
    table = compute(iso, other, data)
    search = c.query_string({"country": iso, "peer": other})
    return (f"Country profile: {names.get(iso, iso)}", summary(iso, table, data),
            table_view(table, iso, other, data), search, dash.no_update if other == peer else other)


@callback(
    Output("prof-download", "data"),
    Input("prof-download-btn", "n_clicks"),
    State("prof-country", "value"),
    State("prof-peer", "value"),
    prevent_initial_call=True,
)
def download(_n, country, peer):
    data = profile_data()
    names = data["names"]
    iso = valid_country(country, names) or DEFAULT_COUNTRY
    other = valid_country(peer, names)
    other = other if other != iso else None
    table = compute(iso, other, data)
    suffix = f"_vs_{other}" if other else ""
    return c.csv_payload(table[CSV_COLUMNS], f"aigap_profile_{iso}{suffix}.csv")
