"""Pieces every page shares: palettes, graph config, indicator pickers, the source note under each chart,
URL-state helpers and data-access shortcuts over the store."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from urllib.parse import urlencode

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import dash_bootstrap_components as dbc
from dash import dcc, html

from ..analysis.measures import MODES, allowed_modes
from . import state

# Okabe-Ito: distinguishable with the common forms of colour blindness.
QUALITATIVE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
SEQUENTIAL = "Viridis"
MISSING_GREY = "#d9d9d9"

# The chart toolbar an analyst needs: zoom, pan, reset, download as PNG. No "Share chart"/send-to-cloud or
# "Edit in Chart Studio" (they offer to upload the chart and its data, which some sources' terms forbid), no
# lasso/box select (nothing on a page reads a selection), no hover-mode or spike toggles.
MODEBAR_REMOVED = ["sendDataToCloud", "editInChartStudio", "select2d", "lasso2d", "autoScale2d", "zoomIn2d",
                   "zoomOut2d", "hoverClosestCartesian", "hoverCompareCartesian", "toggleSpikelines",
                   "hoverClosestGeo", "hoverClosestGl2d", "hoverClosestPie", "toggleHover", "resetViews",
                   "resetViewMapbox", "resetViewMap"]
GRAPH_CONFIG = {
    "displaylogo": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "modeBarButtonsToRemove": MODEBAR_REMOVED,
    "topojsonURL": "/assets/topojson/",  # served locally: no CDN needed
    "toImageButtonOptions": {"format": "png", "scale": 2},
    "responsive": True,
}

# One default template for every figure: naming a template per figure costs ~40 ms of validation each time.
pio.templates.default = "plotly_white"
_TEMPLATE = pio.templates["plotly_white"].to_plotly_json()


def chart_title(text: str, size: int = 14, width: int = 48) -> dict:
    """A figure title wrapped onto lines of ``width`` characters: plotly does not wrap, and a long title is cut
    on a phone. Leave ``title_top(title)`` pixels of top margin for it."""
    return {"text": "<br>".join(textwrap.wrap(text, width)) or text, "x": 0.01, "xanchor": "left",
            "font": {"size": size}}


def title_top(title: dict) -> int:
    """The top margin a chart_title needs (its lines and a little air)."""
    return 12 + 20 * (title["text"].count("<br>") + 1)


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


def axis_title(ind: Mapping, mode: str = "absolute") -> str:
    unit = ind["unit"]
    return f"{ind['name']} ({unit})" if mode == "absolute" else f"{ind['name']} ({unit}, {MODES[mode]})"








def query_string(params: Mapping[str, object]) -> str:
    """The URL search string for a view (empty values left out)."""
    clean = {}
    for key, value in params.items():
        if value is None or value == "" or value == []:
            continue
        clean[key] = ",".join(map(str, value)) if isinstance(value, (list, tuple)) else value
    return "?" + urlencode(clean) if clean else ""


def source_note(ind: Mapping, period_text: str, extra: Iterable[str] = ()) -> html.Div:
    """The line under every chart: what it is, where it comes from, which period, what to watch for."""
    caveats = list(ind.get("caveats") or [])
    items = [
        html.Span([html.Strong("Source: "), f"{ind['publisher']}, {ind['source_title']} ({ind['licence']}; "
                   f"vintage {ind['vintage']}). "]),
        html.Span([html.Strong("Period: "), period_text + ". "]),
        dcc.Link("Definition, caveats and data →", href=f"/data?indicator={ind['indicator_id']}"),
    ]
    notes = [html.Li(text) for text in extra if text]
    notes += [html.Li(text, className="text-muted") for text in caveats[:3]]
    return html.Div([html.Small(items), html.Ul(notes, className="small mb-0")] if notes else [html.Small(items)],
                    className="source-note border-top pt-1 mt-1")


def empty_figure(message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font={"size": 14})
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
