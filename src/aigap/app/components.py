"""Pieces every page shares: palettes, graph config, indicator pickers, the source note under each chart,
URL-state helpers and data-access shortcuts over the store."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import dash_bootstrap_components as dbc
from dash import MATCH, Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from ..analysis import summaries
from ..analysis import views as analysis_views
from ..analysis.measures import MODES, allowed_modes
from ..analysis.views import View
from . import state, views

# Okabe-Ito: distinguishable with the common forms of colour blindness.
QUALITATIVE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
SEQUENTIAL = "Viridis"
MISSING_GREY = "#d9d9d9"

# The chart toolbar an analyst needs: zoom, pan, reset. No "Share chart"/send-to-cloud or "Edit in Chart Studio"
# (they offer to upload the chart and its data, which some sources' terms forbid), no lasso/box select (nothing on
# a page reads a selection), no hover-mode or spike toggles, and no camera: it saves the plot without its title,
# source and notes; the PNG and SVG buttons under each chart (chart_about) save it with them.
MODEBAR_REMOVED = ["toImage", "sendDataToCloud", "editInChartStudio", "select2d", "lasso2d", "autoScale2d",
                   "zoomIn2d", "zoomOut2d", "hoverClosestCartesian", "hoverCompareCartesian", "toggleSpikelines",
                   "hoverClosestGeo", "hoverClosestGl2d", "hoverClosestPie", "toggleHover", "resetViews",
                   "resetViewMapbox", "resetViewMap"]
GRAPH_CONFIG = {
    "displaylogo": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "modeBarButtonsToRemove": MODEBAR_REMOVED,
    "topojsonURL": "/assets/topojson/",  # served locally: no CDN needed
    "toImageButtonOptions": {"format": "png", "scale": 2},  # for an embed's toolbar (app/embed.py keeps toImage)
    "responsive": True,
}

# One default template for every figure: naming a template per figure costs ~40 ms of validation each time.
pio.templates.default = "plotly_white"
_TEMPLATE = pio.templates["plotly_white"].to_plotly_json()


# Text sized for both screens the figures are drawn on without knowing which (a ~360 px phone chart, a desktop one):
# titles wrapped to fit the phone, a horizontal legend at the foot of the figure (plotly reserves its height, so it
# never sits on the tick labels), axis titles wrapped and a size smaller.
LEGEND_BELOW = {"orientation": "h", "x": 0, "xanchor": "left", "y": 0, "yref": "container", "yanchor": "bottom"}
AXIS_FONT = {"size": 12}


def chart_title(text: str, size: int = 14, width: int = 48) -> dict:
    """A figure title wrapped onto lines of ``width`` characters (plotly does not wrap, and a long title is cut on a
    phone), anchored at the top of the figure. Leave ``title_top(title)`` pixels of top margin for it."""
    lines = textwrap.wrap(text, width, break_on_hyphens=False) or [text]  # plain_title rejoins with spaces
    # plotly.js 4.1 draws a title of several lines ~10 px higher than one line at the same anchor: padded for it.
    return {"text": "<br>".join(lines), "x": 0.01, "xanchor": "left", "y": 1, "yref": "container",
            "yanchor": "top", "pad": {"t": 6 if len(lines) == 1 else 16}, "font": {"size": size}}


def title_top(title: dict, above: int = 0) -> int:
    """The top margin a chart_title needs: its lines, air above the top tick label, and ``above`` pixels for what
    sits between it and the plot (an annotation or legend above the plot)."""
    return 16 + 20 * (title["text"].count("<br>") + 1) + above


def colorbar_below(title: str) -> dict:
    """A map's colour bar lying under the map (upright, at the side, it took ~40% of a phone's width and left the
    map a third of the chart): plotly grows the bottom margin to hold it (referred to the container, its title
    was drawn on the bar)."""
    return {"orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.02, "yanchor": "top",
            "len": 0.9, "thickness": 10, "nticks": 6, "title": {"text": title, "side": "top", "font": AXIS_FONT}}


def axis_text(text: str, width: int = 40) -> dict:
    """An axis title wrapped onto lines of ``width`` characters, at AXIS_FONT size (a long one ran past the plot
    on a phone)."""
    return {"text": "<br>".join(textwrap.wrap(text, width, break_on_hyphens=False)) or text, "font": AXIS_FONT}


def plain_title(figure: dict) -> str:
    """A figure's title as one line of plain text (its <br> line breaks as spaces)."""
    title = figure["layout"].get("title") or {}
    return " ".join(str(title.get("text", "") if isinstance(title, dict) else title).replace("<br>", " ").split())


def plain_figure(data: list[dict], layout: dict) -> dict:
    """A figure as a plain dict (no graph_objects validation: ~0.1 ms instead of ~10 ms), white template."""
    return {"data": data, "layout": {"template": _TEMPLATE, **layout}}



def store():
    return state.store()


def indicator_table() -> pd.DataFrame:
    return store().indicators().set_index("indicator_id", drop=False)


def indicator(indicator_id: str) -> dict | None:
    table = indicator_table()
    return table.loc[indicator_id].to_dict() if indicator_id in table.index else None


def indicator_options(ids: Iterable[str] | None = None) -> list[dict]:
    table = indicator_table()
    if ids is not None:
        table = table.loc[[i for i in ids if i in table.index]]
    return [{"label": f"{row.pillar.capitalize()}: {row.name}", "value": row.indicator_id}
            for row in table.sort_values(["pillar", "name"]).itertuples()]


def country_names() -> dict[str, str]:
    countries = store().countries()
    return dict(zip(countries["iso3"], countries["name"]))


def country_options() -> list[dict]:
    return [{"label": f"{name} ({iso})", "value": iso} for iso, name in sorted(country_names().items(),
                                                                           key=lambda kv: kv[1])]


def mode_options(kind: str) -> list[dict]:
    allowed = allowed_modes(kind)
    return [{"label": label, "value": key, "disabled": key not in allowed} for key, label in MODES.items()]


def plural(n: int, one: str, many: str) -> str:
    """ "1 country", "2 countries": the count with its noun in the right number."""
    return f"{n:,} {one if n == 1 else many}"


# -- accessible controls ----------------------------------------------------------------------------------------
# dcc.RadioItems renders each option as a label[role=option] around its input (an interactive element inside
# another, with no name for the group); dbc.RadioItems renders native radio inputs with their own labels, and the
# fieldset's legend names the group. dcc.Dropdown and dcc.Slider are repaired in the browser by assets/a11y.js
# (their markup has no prop for it): the dropdown's labelled button is its tab stop, a slider's thumb is named by
# the label whose id labelled_slider records.
def radio_group(label: str, control_id: str, options: list[dict], value, inline: bool = False,
                note: str | None = None, class_name: str = "mb-2") -> html.Fieldset:
    """Radio buttons as a fieldset: its legend names the group, each native input is labelled by its option."""
    children = [html.Legend(label, className="radio-legend"),
                dbc.RadioItems(id=control_id, name=control_id, options=options, value=value, inline=inline,
                               class_name="small", input_class_name="me-1", label_class_name="me-2")]
    if note:
        children.append(html.Div(note, className="form-text mt-0"))
    return html.Fieldset(children, className=f"radio-group {class_name}")


def labelled_slider(label_id: str, slider: dcc.Slider, **kwargs) -> html.Div:
    """A dcc.Slider whose thumb (role=slider) is named by the element ``label_id`` (set by assets/a11y.js)."""
    return html.Div(slider, **{"data-slider-label": label_id}, **kwargs)


def query_string(params: Mapping[str, object]) -> str:
    """The URL search string for a view (empty values left out)."""
    clean = {}
    for key, value in params.items():
        if value is None or value == "" or value == []:
            continue
        clean[key] = ",".join(map(str, value)) if isinstance(value, (list, tuple)) else value
    return "?" + urlencode(clean) if clean else ""


def source_text(ind: Mapping) -> str:
    """"publisher, title (licence; vintage v).": where an indicator comes from, on screen and in an export."""
    return f"{ind['publisher']}, {ind['source_title']} ({ind['licence']}; vintage {ind['vintage']})."


def source_line(ind: Mapping, period_text: str) -> str:
    """The source and period of a chart's indicator as one line of an exported image."""
    return f"Source: {source_text(ind)} Period: {period_text}."


def screen_notes(notes: Iterable[str], inds: Iterable[Mapping] = ()) -> tuple[str, ...]:
    """The notes listed under a chart: the view's, then the first three caveats of each indicator it draws."""
    return (*[text for text in notes if text], *[text for ind in inds for text in list(ind.get("caveats") or [])[:3]])


def source_note(ind: Mapping, period_text: str, extra: Iterable[str] = ()) -> html.Div:
    """The line under every chart: what it is, where it comes from, which period, what to watch for."""
    items = [
        html.Span([html.Strong("Source: "), source_text(ind) + " "]),
        html.Span([html.Strong("Period: "), period_text + ". "]),
        dcc.Link("Definition, caveats and data →", href=f"/data?indicator={ind['indicator_id']}"),
    ]
    notes = [html.Li(text) for text in extra if text]
    notes += [html.Li(text, className="text-muted") for text in screen_notes((), [ind])]
    return html.Div([html.Small(items), html.Ul(notes, className="small mb-0")] if notes else [html.Small(items)],
                    className="source-note border-top pt-1 mt-1")


def empty_figure(message: str) -> go.Figure:
    fig = go.Figure()
    # Wrapped (one line ran off a phone's chart), a space kept at each break so the text still reads whole.
    fig.add_annotation(text=" <br>".join(textwrap.wrap(message, 44)), showarrow=False, x=0.5, y=0.5, xref="paper",
                       yref="paper", font={"size": 14})
    fig.update_layout(xaxis={"visible": False}, yaxis={"visible": False}, height=300,
                      margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return fig


def format_value(value: float | None, unit: str = "") -> str:
    if value is None or pd.isna(value):
        return "no data"
    magnitude = abs(value)
    if magnitude >= 1e12:
        text = f"{value / 1e12:,.2f} trillion"
    elif magnitude >= 1e9:
        text = f"{value / 1e9:,.2f} billion"
    elif magnitude >= 1e6:
        text = f"{value / 1e6:,.2f} million"
    elif magnitude >= 100:
        text = f"{value:,.0f}"
    elif magnitude >= 1:
        text = f"{value:,.2f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}".strip()








def download_link(prefix: str, href: str = "", label: str = "Download CSV of this view") -> html.Div:
    """A 'Download CSV' link to /download/<page>.csv with the view's query string: exactly the view's table.

    The page's URL callback keeps ``href`` in step with the controls (Output(f"{prefix}-download-btn", "href")).
    """
    return html.Div(
        html.A(label, id=f"{prefix}-download-btn", href=href, download="",
               className="btn btn-outline-primary btn-sm"),
        className="my-2",
    )


# -- what every chart carries: reserved height, summary, export, embed, its data as a table ----------------------
TABLE_CELLS = 600  # "Show as table" lists at most this many cells (rows x columns); the CSV holds every row


def chart_block(graph_id: str, height: int, figure: dict | None = None, about: list | None = None,
                sized: bool = True) -> html.Div:
    """A chart as every page lays it out: the dcc.Graph in a box that keeps its height before plotly draws (no
    layout shift), described for screen readers by its summary sentence, then ``<graph_id>-about`` which the
    page's callback fills with :func:`chart_about`. ``sized=False`` for a figure that sets its own height
    (``height`` then only reserves room for it)."""
    graph = dcc.Graph(id=graph_id, config=GRAPH_CONFIG, **({"style": {"height": f"{height}px"}} if sized else {}),
                      **({"figure": figure} if figure is not None else {}))
    aria = {"aria-describedby": f"{graph_id}-summary"}
    return html.Div([html.Div(dcc.Loading(graph, delay_show=300), className="chart-box",
                              style={"minHeight": f"{height}px"}, **aria),
                     html.Div(about, id=f"{graph_id}-about", className="chart-about")], className="chart-block")


@dataclass(frozen=True)
class ChartText:
    """The words around a chart, on screen and drawn into its PNG/SVG export: title, subtitle (unit, period),
    the indicators it draws with the period of each, and the notes listed under it (the view's; the indicators'
    caveats are added as source_note adds them)."""

    title: str
    subtitle: str
    sources: Sequence[tuple[Mapping, str]]
    notes: Sequence[str] = ()

    def lines(self) -> dict[str, str]:
        """The export captions as data-* attributes for assets/export.js."""
        return {"data-title": self.title, "data-subtitle": self.subtitle,
                "data-sources": json.dumps([source_line(ind, period) for ind, period in self.sources]),
                "data-notes": json.dumps(list(screen_notes(self.notes, [ind for ind, _ in self.sources])))}


def summary_text(page: str, table: str, params: object, view: View) -> str | None:
    """The chart's plain-language sentence (analysis.summaries), or None for a table that has none."""
    try:
        return summaries.describe(page, table, params, view, views.frames())
    except LookupError:
        return None


def chart_about(graph_id: str, page: str, table: str, params: object, view: View, search: str, text: ChartText,
                chart: str | None = None) -> list:
    """What goes under a chart: its summary sentence, PNG/SVG export buttons (assets/export.js draws the captions
    into the image), the embed link (``chart``: its name in app/embed.py) and its data table behind "Show as
    table" -- ``view.table`` as it is, the same rows and columns as its CSV."""
    summary = summary_text(page, table, params, view)
    stem = views.filename(page, table, params, "csv").removesuffix(".csv")
    actions = [html.Span("Download chart:", className="small text-muted"),
               *[html.Button(fmt.upper(), type="button", className="btn btn-outline-secondary btn-sm",
                             **{"data-export": fmt, "aria-label": f"Download chart as {fmt.upper()}"})
                 for fmt in ("png", "svg")]]
    if chart:
        from .embed import embed_href  # imported late: embed imports this module

        actions.append(html.A("Embed", href=embed_href(page, search, chart), className="small ms-2",
                              title="This chart alone, for a frame on another site"))
    return [
        html.P(summary, id=f"{graph_id}-summary", className="chart-summary small mb-1") if summary else None,
        html.Div(actions, className="chart-actions d-flex align-items-center gap-1 flex-wrap",
                 **{"data-export-for": graph_id, "data-filename": stem}, **text.lines()),
        data_table(page, table, search, text.title, graph_id),
    ]


def cell_text(value: object) -> str:
    """A table cell: whole numbers whole (thousands separated from 10,000, so years stay years), others to two
    decimals or three significant digits, yes/no for flags, nothing for a missing value."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, float, np.integer, np.floating)):
        value = float(value)
        if value.is_integer():
            return f"{value:,.0f}" if abs(value) >= 10_000 else f"{value:.0f}"
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.2f}" if abs(value) >= 1 else f"{value:.3g}"
    return str(value)


def table_body(table: pd.DataFrame, title: str, csv_href: str) -> list:
    """A view table as an accessible HTML table: a caption, column headers, the first column as row headers; long
    tables cut at TABLE_CELLS cells, with the CSV linked."""
    shown = table.head(max(10, TABLE_CELLS // max(len(table.columns), 1)))
    cut = len(table) - len(shown)
    rows = [html.Tr([html.Th(cell_text(row[0]), scope="row"), *[html.Td(cell_text(v)) for v in row[1:]]])
            for row in shown.itertuples(index=False)]
    caption = f"Data of the chart: {title}" + (f" (first {len(shown):,} of {len(table):,} rows)" if cut else "")
    body = html.Table([html.Caption(caption), html.Thead(html.Tr([html.Th(str(col), scope="col")
                                                                  for col in table.columns])),
                       html.Tbody(rows)], className="table table-sm table-striped small mb-1")
    note = html.P(["Not shown: ", plural(cut, "more row", "more rows"), ". ",
                   html.A("Every row as CSV", href=csv_href, download="")], className="small") if cut else None
    return [html.Div(body, className="table-responsive chart-table", tabIndex="0", role="region",
                     **{"aria-label": f"Data table: {title}"}), note]


def data_table(page: str, table: str, search: str | None, title: str, key: str) -> html.Details:
    """A view table behind a native "Show as table" toggle, built when first opened (:func:`fill_data_table`).
    Built up front, the hidden tables of every chart made up to 70% of a page's Dash components, and the renderer's
    work grows with their number: Back/Forward (a full re-render) took seconds. ``key`` tells apart two tables of
    one page and state (the graph id)."""
    ident = {"page": page, "table": table, "q": (search or "").lstrip("?"), "title": title, "key": key}
    return html.Details([html.Summary("Show as table", className="small"),
                         html.Div(id={"type": "chart-table", **ident})],
                        id={"type": "chart-table-open", **ident}, className="chart-data mb-1")


_TABLE_ID = {"page": MATCH, "table": MATCH, "q": MATCH, "title": MATCH, "key": MATCH}


@callback(Output({"type": "chart-table", **_TABLE_ID}, "children"),
          Input({"type": "chart-table-open", **_TABLE_ID}, "n_clicks"),
          State({"type": "chart-table", **_TABLE_ID}, "children"), prevent_initial_call=True)
def fill_data_table(_clicks: int | None, shown: object) -> list:
    """The table of the view and state named by the toggle's id, the first time the toggle is opened (a click in
    the table counts as a click on the toggle: it changes nothing once the table is there)."""
    ident = ctx.triggered_id
    if shown or not all(isinstance(ident.get(k), str) for k in ("page", "table", "q", "title")):
        raise PreventUpdate
    if ident["page"] not in analysis_views.PAGES or ident["table"] not in analysis_views.module(ident["page"]).TABLES:
        raise PreventUpdate  # an id no page makes (the ids come from the client)
    params = views.parse(ident["page"], parse_qs(ident["q"], keep_blank_values=True))[1]
    view = views.view(ident["page"], params, ident["table"])
    return table_body(view.table, ident["title"], views.download_href(ident["page"], ident["q"], table=ident["table"]))


def unknown_codes(query: Mapping[str, object], keys: Iterable[str], known: Iterable[str]) -> html.Div | None:
    """A message naming the codes a link asked for under ``keys`` that are not countries or groups (the view's
    parser drops them, so the page would otherwise show something else without a word)."""
    known = {code.upper() for code in known} | {"NONE"}  # codes are read in any case; "none" is the empty list
    unknown: list[str] = []
    for key in keys:
        raw = query.get(key)
        raw = raw[0] if isinstance(raw, (list, tuple)) and raw else raw
        if isinstance(raw, str):
            unknown += [part for part in map(str.strip, raw.split(",")) if part and part.upper() not in known]
    if not unknown:
        return None
    shown = ", ".join(repr(code[:24]) for code in dict.fromkeys(unknown[:5]))
    more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
    return html.Div(dbc.Alert(f"No country or group {shown}{more}: left out of this view.", color="warning",
                              className="py-1 small"), role="status")
