"""Country profile: every indicator for one country, grouped by pillar: its latest value, rank, the medians of
its World Bank income group and region, the leader and the gap to it, a trend line, and a comparison country.

The numbers come from :mod:`aigap.analysis.views.profile`; this module lays them out.
"""

from __future__ import annotations

from urllib.parse import parse_qs

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from .. import components as c
from .. import views

dash.register_page(__name__, path="/profile", name="Country profile", title="Country profile · aigap", order=2)

PAGE = "profile"
COUNTRY_COLOUR, PEER_COLOUR = c.QUALITATIVE[0], c.QUALITATIVE[1]
SPARK_CONFIG = {**c.GRAPH_CONFIG, "displayModeBar": False, "responsive": False}  # no toolbar on a sparkline
SPARK_LAYOUT = {
    "height": 38, "width": 150, "margin": {"l": 2, "r": 4, "t": 4, "b": 4}, "showlegend": False,
    "xaxis": {"visible": False, "fixedrange": True}, "yaxis": {"visible": False, "fixedrange": True},
    "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
    "hoverlabel": {"font": {"size": 11}}, "font": {"size": 11},
}
# The country's line, then the comparison country's (plain dicts: no graph_objects validation per sparkline).
TRACE_STYLES = {
    role: {"type": "scatter", "mode": "lines+markers", "connectgaps": False,
           "line": {"color": colour, "width": 1.6, "dash": dash_style}, "marker": {"color": colour}}
    for role, colour, dash_style in (("country", COUNTRY_COLOUR, "solid"), ("peer", PEER_COLOUR, "dot"))
}


def search_of(p) -> str:
    return c.query_string({"country": p.country, "peer": p.peer})


def notice_of(text: str | None) -> dbc.Alert | None:
    return dbc.Alert(text, color="warning", className="py-1 small") if text else None


def _first_draw() -> bool:
    """True on the callback's call on page load, whose outputs the layout already holds."""
    try:
        return dash.ctx.triggered_id is None
    except dash.exceptions.MissingCallbackContextException:  # called as a function (tests)
        return False


# -- layout -----------------------------------------------------------------------------------------------------
def layout(**query) -> html.Div:
    """The page for the country the URL asks for, drawn in full: filled in by a callback, the table pushed
    everything under it down as it arrived (a layout shift of 0.87). ``update`` redraws it on a change."""
    _, p = views.parse(PAGE, query)
    options = c.country_options()
    title, notice, summary, table, href, series_href, brief, about = render(p)
    return html.Div(
        [
            html.Div([html.H1(title, id="prof-title", className="h3 mb-0"),
                      html.A("Printable brief", id="prof-brief", href=brief,
                             className="btn btn-outline-secondary btn-sm")],
                     className="d-flex flex-wrap align-items-center gap-2 mb-2"),
            html.Div(notice, id="prof-notice"),
            dbc.Row(
                [
                    dbc.Col([dbc.Label("Country", html_for="prof-country"),
                             dcc.Dropdown(id="prof-country", options=options, value=p.country, clearable=False,
                                          searchable=True)], md=4),
                    dbc.Col([dbc.Label("Compare with", html_for="prof-peer"),
                             dcc.Dropdown(id="prof-peer", options=options, value=p.peer, clearable=True,
                                          searchable=True, placeholder="Pick a country to compare (optional)")],
                            md=4),
                    dbc.Col(html.Div(summary, id="prof-summary", className="small pt-md-4"), md=4),
                ],
                className="g-2 mb-2",
            ),
            html.Div(about, id="prof-about"),
            dcc.Loading(html.Div(table, id="prof-table"), type="default"),
            html.Div(id="prof-note", children=method_note(), className="small text-muted"),
            html.Div([c.download_link("prof", href, "Download CSV of this table"),
                      c.download_link("prof-series", series_href, "Download CSV of the trend lines")],
                     className="d-flex gap-2"),
        ]
    )



def method_note() -> html.Ul:
    return html.Ul(
        [
            html.Li("Each row uses the country's latest year with data. A year means one period for every "
                    "country: the latest of that year (the November TOP500 list; a country not on it has no "
                    "value that year). Rank, percentile, group medians and the leader are taken over the "
                    "countries with a value for that same period; a country without one is not counted as zero."),
            html.Li("Percentile: share of the other countries with data that the country matches or beats. "
                    "Indicators that only track a few countries or sites are not ranked."),
            html.Li("Group medians: the country's World Bank income group and region (current classification, "
                    "applied to every year), over the members with data that year (n), the country included."),
            html.Li("Gap: the leader's value divided by the country's, i.e. how many times the country's level "
                    "the leader has (where lower is better, the country's value divided by the leader's); "
                    "undefined when the country's value is 0."),
            html.Li("Flagged values (⚑) are year to date, derived or carry a publisher's note (in full on "
                    "hover); a year to date is ranked among the other values of the same partial period. The "
                    "trend lines show one value a year, gaps where a year is missing."),
        ],
        className="mt-2",
    )


# -- table --------------------------------------------------------------------------------------------------------
def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


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


def flag(note) -> list:
    """A value's note in full, wrapped in its column (cut to 20 characters it read "⚑ edition year not…", and a
    phone has no hover to show the rest)."""
    return [] if _missing(note) or not note else [html.Div(f"⚑ {note}", className="flag-note")]


def cell(children, className: str | None = None, title: str | None = None, **kwargs) -> html.Td:
    """A table cell of plain text whose lines break at "\n" (the table sets white-space: pre-line): one
    component, however many lines (a value's note is a block of its own). The Dash renderer's cost grows with the
    number of components, so a row is kept to about a dozen of them."""
    if className:
        kwargs["className"] = className
    if title:
        kwargs["title"] = title
    return html.Td(children, **kwargs)


def series_lines(series) -> dict[str, list[dict]]:
    """{indicator_id: [{role, iso3, x, y}, ...]} from the series view's rows (sorted by indicator, role, year)."""
    out: dict[str, list[dict]] = {}
    for ind_id, role, iso, year, value in zip(series["indicator_id"], series["role"], series["iso3"],
                                              series["year"], series["value"]):
        lines = out.setdefault(ind_id, [])
        if not lines or lines[-1]["role"] != role:
            lines.append({"role": role, "iso3": iso, "x": [], "y": []})
        lines[-1]["x"].append(int(year))
        lines[-1]["y"].append(None if _missing(value) else float(value))  # a missing year is a gap, never 0
    return out


def sparkline(ind_id: str, lines: list[dict], names: dict[str, str]) -> dcc.Graph | str:
    """A small line per country (the country, then the comparison country), as the series view gives them."""
    traces = [{**TRACE_STYLES[line["role"]], "x": line["x"], "y": line["y"],
               "text": [fmt(v) if v is not None else "" for v in line["y"]],
               "marker": {**TRACE_STYLES[line["role"]]["marker"], "size": [0] * (len(line["x"]) - 1) + [5]},
               "hovertemplate": f"{names.get(line['iso3'], line['iso3'])} %{{x}}: %{{text}}<extra></extra>"}
              for line in lines]
    if not traces:
        return ""
    return dcc.Graph(id=f"prof-spark-{ind_id}", figure={"data": traces, "layout": SPARK_LAYOUT},
                     config=SPARK_CONFIG, style={"height": "38px", "width": "150px"})


def value_cells(row, remark: str, name: str) -> list[html.Td]:
    """Value, rank, the two group medians, leader and gap of a row with data."""
    # An older year than other countries have: say how many have the newer one (in full on hover).
    stale = [r for r in remark.split("; ") if r.startswith("latest for")]
    newer = [html.Div(f"newer: {int(row.latest_year_any)} ({row.countries_latest_any} countries)")] if stale else []
    flagged = not _missing(row.note) and bool(row.note)
    title = "; ".join(([row.note] if flagged else []) + stale) or None
    cells = [cell([html.Strong(fmt(row.value)), f"\n{row.period}", *flag(row.note), *newer],
                  "table-warning" if flagged else None, title)]
    if row.rankable:
        cells.append(cell(f"{row.rank_text}\n{ordinal(round(row.percentile))} percentile",
                          "table-warning" if row.partial else None))
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


def peer_cell(row, has: bool) -> html.Td:
    if _missing(row.peer_value):
        return cell("no data", "text-muted")
    older = has and int(row.peer_year) != int(row.year)
    return cell([f"{fmt(row.peer_value)}\n{row.peer_period}" + (" (other year)" if older else ""),
                 *flag(row.peer_note)], title=None if _missing(row.peer_note) else row.peer_note)


def table_view(view, series, p) -> html.Div:
    meta, names = view.meta, views.frames().names
    name = meta["name"]

    def th(title: str, sub, width: str | None = None) -> html.Th:
        return html.Th([title, html.Br(), html.Small(sub)], scope="col",
                       style={"minWidth": width} if width else None)

    header = [html.Th("Indicator", scope="col", style={"minWidth": "15rem"}),
              th(name, "latest value", "8.5rem"), th("Rank", "that period", "8.5rem"),
              th("Median", meta["income"] or "income group"), th("Median", meta["region"] or "region"),
              th("Leader", "best that period"), th("Gap", f"leader ÷ {name}")]
    if p.peer:
        header.append(th("Compare with", meta["peer_name"]))
    header.append(th("Trend", [html.Span("━ ", style={"color": COUNTRY_COLOUR}), name] + (
        [html.Span(" ┅ ", style={"color": PEER_COLOUR}), meta["peer_name"]] if p.peer else [])))
    ncols = len(header)

    lines = series_lines(series.table)
    body = []
    pillar = None
    for row in view.table.itertuples(index=False):
        if row.pillar != pillar:
            pillar = row.pillar
            body.append(html.Tr(html.Th(str(pillar).capitalize(), colSpan=ncols, scope="colgroup"),
                                className="table-secondary"))
        cells = [html.Td([dcc.Link(row.name, href=f"/data?indicator={row.indicator_id}", title=row.source),
                          html.Div(f"{row.unit} · {row.publisher}", className="text-muted")])]
        has = not _missing(row.value)
        remark = row.remark if not _missing(row.remark) else ""
        # No data: one line across the value, rank, median, leader and gap columns.
        cells += value_cells(row, remark, name) if has else [cell(remark or "no data", "text-muted fst-italic",
                                                                   colSpan=6)]
        if p.peer:
            cells.append(peer_cell(row, has))
        cells.append(html.Td(sparkline(row.indicator_id, lines.get(row.indicator_id, []), names), className="py-0"))
        attrs = {"data-value": repr(float(row.value)) if has else "",
                 "data-rank": str(row.rank) if has and row.rankable else ""}
        body.append(html.Tr(cells, id=f"prof-row-{row.indicator_id}", **attrs))

    sources = html.P([html.Strong("Sources: "), "; ".join(meta["publishers"]) + ". Vintages, licences and "
                      "caveats of each indicator: follow its name, or see ", dcc.Link("Data & sources", href="/data"),
                      "."], className="small mt-1 mb-0")
    return html.Div([
        html.Div("The table is wider than the screen: scroll it sideways to see every column.",
                 className="scroll-hint small text-muted mb-1"),
        html.Div(dbc.Table([html.Thead(html.Tr(header), className="align-bottom"), html.Tbody(body)],
                           size="sm", hover=True, className="small align-middle mb-0",
                           style={"whiteSpace": "pre-line"}),
                 className="table-responsive", tabIndex="0", role="region",
                 **{"aria-label": "Indicators of the profile, as a table (scrolls sideways)"}),
        sources,
    ])


def render(p) -> tuple:
    """(title, notice, summary, table, CSV link of the table, CSV link of the trend lines, brief link, the table's
    summary sentence and the trend lines as a table) for these parameters."""
    view, series = views.view(PAGE, p, "profile"), views.view(PAGE, p, "series")
    meta = view.meta
    notice = notice_of(meta["notice"])
    summary = [html.Div(meta["summary"][0]), html.Div(meta["summary"][1]),
               html.Div(meta["summary"][2], className="text-muted")]
    search = search_of(p)
    series_csv = views.download_href(PAGE, search, table="series")
    sentence = c.summary_text(PAGE, "profile", p, view)
    about = [html.P(sentence, id="prof-table-summary", className="chart-summary small mb-1"),
             c.data_table(PAGE, "series", search, f"trend lines of {meta['name']}", "prof-series")]
    return (meta["title"], notice, summary, table_view(view, series, p), views.download_href(PAGE, search),
            series_csv, f"/brief/{p.country}", about)


@callback(
    Output("prof-title", "children"),
    Output("prof-notice", "children"),
    Output("prof-summary", "children"),
    Output("prof-table", "children"),
    Output("prof-download-btn", "href"),
    Output("prof-series-download-btn", "href"),
    Output("prof-brief", "href"),
    Output("prof-about", "children"),
    Output("url", "search", allow_duplicate=True),
    Output("prof-peer", "value"),
    Input("prof-country", "value"),
    Input("prof-peer", "value"),
    State("url", "search"),
    prevent_initial_call="initial_duplicate",
)
def update(country, peer, search=None):
    """The page for the picked countries. While they are the ones the URL asked for (on load), the URL's own
    parameters are used: a code it named that is no country is then said, not silently replaced."""
    _, p = views.parse(PAGE, {"country": country, "peer": peer})
    _, asked = views.parse(PAGE, parse_qs((search or "").lstrip("?"), keep_blank_values=True))
    if (asked.country, asked.peer) == (p.country, p.peer):
        p = asked
    if _first_draw():  # the layout already shows these parameters
        return (*[dash.no_update] * 8, search_of(p), dash.no_update)
    # comparing a country with itself (or with nothing known): no comparison
    return (*render(p), search_of(p), dash.no_update if p.peer == peer else p.peer)
