"""Index: build your own composite AI-gap index, see how robust its ranking is, and set it against the published
indices (IMF AIPI, Oxford Insights GAIRI, Tortoise GAII).

The numbers come from :mod:`aigap.analysis.views.index`; this module lays them out. The specification lives in the
URL (``presets.encode`` / ``decode``). One small callback turns the controls into that URL and the state store
``ix-state``; the map and ranking redraw from the cached view results when the state changes, then (``ix-drawn``)
robustness, the comparison with the published indices and the inputs.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from urllib.parse import parse_qsl

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, Patch, State, callback, clientside_callback, dcc, html

from ...analysis import index as ix
from ...analysis import presets as P
from ...analysis.views import index as V
from .. import components as c
from .. import views
from . import index_figures as F

dash.register_page(__name__, path="/index", name="Index", title="AI-gap index · aigap", order=5)

PAGE = "index"
FORM_SHORT = {"absolute": "absolute", "per_capita": "per person", "per_gdp": "per GDP"}
CONTROL_IDS = ["ix-method", "ix-log", "ix-zero", "ix-year", "ix-lag", "ix-min"]
PATTERNS = [("ix-pw", "pillar"), ("ix-use", "ind"), ("ix-form", "ind"), ("ix-iw", "ind")]
DOWNLOADS = (("ix", "ranking"), ("ix-robust", "robustness"), ("ix-compare", "pairs"))


def _pid(kind: str, ind: str) -> dict:
    return {"type": kind, "ind": ind}


def _dom_id(kind: str, ind: str, key: str = "ind") -> str:
    """The DOM id Dash gives a pattern-matching id (keys sorted, compact JSON), for a label's html_for."""
    return json.dumps({key: ind, "type": kind}, sort_keys=True, separators=(",", ":"))


def indicator_rows(choice: P.Choice, ctx: V.Context, pillar: str) -> list:
    spec = choice.spec
    used = dict(spec.indicators.get(pillar, ()))
    rows = []
    for ind in ctx.pillar_indicators(pillar):
        row = ctx.candidates.loc[ind]
        forms = P.forms_for(row["kind"])
        first, last = ctx.span.get(ind, (None, None))
        span = " (no data)" if first is None else f" ({first})" if first == last else f" ({first}-{last})"
        form_label = dbc.Label(f"Form of {row['name']}", html_for=_dom_id("ix-form", ind),
                               className="visually-hidden")
        form_control = ([form_label, dbc.Select(id=_pid("ix-form", ind), value=used.get(ind, forms[0]), size="sm",
                                                options=[{"label": FORM_SHORT[f], "value": f} for f in forms])]
                        if len(forms) > 1 else html.Small(row["kind"], className="text-muted"))
        rows.append(dbc.Row([
            dbc.Col(dbc.Checkbox(id=_pid("ix-use", ind), value=ind in used, label_class_name="small",
                                 label=html.Span([row["name"], html.Small(span, className="text-muted")])), xs=6),
            dbc.Col(form_control, xs=4),
            dbc.Col([dbc.Label(f"Weight of {row['name']} within its pillar", html_for=_dom_id("ix-iw", ind),
                               className="visually-hidden"),
                     dbc.Input(id=_pid("ix-iw", ind), type="number", min=0, max=P.WEIGHT_MAX, step=0.5, size="sm",
                               value=spec.indicator_weights.get(ind, 1.0), debounce=True)], xs=2),
        ], className="g-1 align-items-center mb-1"))
    return rows


def controls(p: V.Params, ctx: V.Context, year_note: str) -> html.Div:
    spec = p.spec
    presets = [{"label": x.label, "value": k} for k, x in P.PRESETS.items()]
    presets.append({"label": "Custom (your own choices)", "value": P.CUSTOM})
    # Typed weights (Enter or leaving the box applies them), each labelled by its pillar's name.
    weights = [dbc.Row([dbc.Col(dbc.Label(V.PILLAR_SHORT[x], html_for=_dom_id("ix-pw", P.PILLAR_KEYS[x], "pillar"),
                                          className="small mb-0"), xs=7),
                        dbc.Col(dbc.Input(id={"type": "ix-pw", "pillar": P.PILLAR_KEYS[x]}, type="number", min=0,
                                          max=P.WEIGHT_MAX, step=0.5, size="sm", debounce=True,
                                          value=spec.pillar_weights.get(x, 1.0)), xs=5)],
                       className="g-1 align-items-center mb-1") for x in ix.PILLARS]
    accordion = dbc.Accordion(
        [dbc.AccordionItem([html.Div([html.Small("Use", className="text-muted me-auto"),
                                      html.Small("Form · weight", className="text-muted")], className="d-flex mb-1"),
                            *indicator_rows(p.choice, ctx, x)], title=V.PILLAR_SHORT[x], item_id=P.PILLAR_KEYS[x])
         for x in ix.PILLARS],
        start_collapsed=True, always_open=True, id="ix-accordion", className="mb-2")
    return html.Div([
        dbc.Label("Preset", html_for="ix-preset", className="fw-semibold"),
        dcc.Dropdown(id="ix-preset", options=presets, value=p.preset, clearable=False, searchable=False),
        html.Div(preset_note(p.preset), id="ix-preset-note", className="small text-muted mt-1 mb-2"),
        html.Div("Pillar weights (0-5)", className="fw-semibold"),
        html.Div(weights, className="mb-2"),
        html.Div("Indicators of each pillar", className="fw-semibold"),
        html.Div("Tick the indicators to use; totals can be taken per person or per GDP; the number is the weight "
                 "within the pillar. Years in brackets: data available.", className="small text-muted"),
        accordion,
        dbc.Row([
            dbc.Col(c.radio_group("Normalisation", "ix-method",
                                  [{"label": P.METHOD_LABELS[m], "value": m} for m in ix.METHODS], spec.method,
                                  class_name="mb-0"), xs=12),
            dbc.Col([dbc.Checkbox(id="ix-log", value=spec.log_totals, label="Log-transform totals",
                                  label_class_name="fw-semibold"), html.Div(P.LOG_HELP, className="small text-muted mb-1")],
                    xs=12),
            dbc.Col([dbc.Checkbox(id="ix-zero", value=p.choice.census_zero, label="Not on a census list counts as zero",
                                  label_class_name="fw-semibold"),
                     html.Div(P.CENSUS_HELP, className="small text-muted mb-1")], xs=12),
            dbc.Col([dbc.Label("Reference year", html_for="ix-year", className="small"),
                     dcc.Dropdown(id="ix-year", options=[{"label": str(y), "value": y} for y in reversed(ctx.years)],
                                  value=spec.year, clearable=False)], xs=4),
            dbc.Col([dbc.Label("Years back", html_for="ix-lag", className="small"),
                     dbc.Input(id="ix-lag", type="number", min=0, max=P.LAG_MAX, step=1, value=spec.max_lag,
                               debounce=True)], xs=4),
            dbc.Col([dbc.Label("Min. pillars", html_for="ix-min", className="small"),
                     dbc.Input(id="ix-min", type="number", min=1, max=len(ix.PILLARS), step=1, value=spec.min_pillars,
                               debounce=True)], xs=4),
            dbc.Col(html.Div(year_note, id="ix-year-note", className="small text-muted"), xs=12),
        ], className="g-2"),
    ])


def layout(**query) -> html.Div:
    _, p = views.parse(PAGE, query)
    ctx = V.context(views.frames())
    summary, fig_map, table, missing = ranking_group(p)
    fig_robust, robust_words = robustness_group(p)
    compare_rows, fig_compare, compare_note = comparison_group(p)
    sources, year_note = inputs_group(p)
    abouts = {graph: about(p, graph) for graph in ABOUT}
    # The label above the box, not in the group: beside it on a phone it left the link 90 px ("http://127.0.0.").
    link_group = html.Div([
        dbc.Label("Link to this index", html_for="ix-link-text", className="small fw-semibold mb-0"),
        dbc.InputGroup([
            dbc.Input(id="ix-link-text", readonly=True, value="", size="sm", className="font-monospace small"),
            dbc.InputGroupText(dcc.Clipboard(target_id="ix-link-text", title="Copy the link",
                                             style={"cursor": "pointer"})),
            html.A("Open", id="ix-link", href=p.search, className="btn btn-outline-secondary btn-sm",
                   title="Open this index in the browser (the same URL)")], size="sm")], className="mb-2")
    links = {prefix: c.download_link(prefix, views.download_href(PAGE, p.search, table=name))
             for prefix, name in DOWNLOADS}
    outputs = html.Div([
        html.Div(summary, id="ix-summary", className="mb-2"), link_group,
        c.chart_block("ix-map", 400, fig_map, abouts["ix-map"]),
        html.H2("Ranking", className="h6 mt-2"),
        html.Div(table, id="ix-table"),
        html.Div(missing, id="ix-missing", className="mt-2"),
        html.Div(sources, id="ix-sources", className="mt-2"), links["ix"]])
    return html.Div([
        html.H1("Build an AI-gap index", className="h3"),
        html.P("Choose the indicators of five pillars (investment, compute, models, talent & research, readiness), "
               "their weights and how they are put on a common scale. The ranking, the map, how robust each rank is "
               "to those choices and how the result compares with the published indices update at once; the link "
               "below reproduces exactly this index.", className="small"),
        dcc.Store(id="ix-state", data=p.search), dcc.Store(id="ix-drawn", data=p.search),
        dbc.Row([dbc.Col(dbc.Card(dbc.CardBody(controls(p, ctx, year_note))), lg=4, className="mb-2"), dbc.Col(outputs, lg=8)]),
        dbc.Row([
            dbc.Col([html.H2("How robust is each rank?", className="h5"),
                     html.Div(robust_words, id="ix-robust-words", className="small"),
                     c.chart_block("ix-robust", fig_robust["layout"]["height"], fig_robust,
                                   abouts["ix-robust"], sized=False),
                     links["ix-robust"]], lg=7),
            dbc.Col([html.H2("Compared with the published indices", className="h5"),
                     html.Div(compare_rows, id="ix-compare-table"),
                     c.chart_block("ix-compare", 420, fig_compare, abouts["ix-compare"]),
                     html.Div(compare_note, id="ix-compare-note", className="small text-muted"),
                     links["ix-compare"]], lg=5),
        ], className="mt-3"),
    ])


# Graph id -> (its view table, its chart name in app/embed.py or None).
ABOUT = {"ix-map": ("map", "map"), "ix-robust": ("robustness", None), "ix-compare": ("pairs", "comparison")}


def about(p: V.Params, graph_id: str) -> list:
    """The summary, export, embed link and data table under one of the page's charts."""
    table, chart = ABOUT[graph_id]
    view, ranking = views.view(PAGE, p, table), views.view(PAGE, p, "ranking")
    used = tuple((c.indicator(r.indicator_id), r.text) for r in views.view(PAGE, p, "inputs").table.itertuples())
    if graph_id == "ix-map":
        text = c.ChartText(view.meta["title"], f"{ranking.meta['title']} index; {view.meta['colorbar']}", used,
                           ranking.notes)
    elif graph_id == "ix-robust":
        text = c.ChartText(view.meta.get("title", ""), F.ROBUST_AXIS, used, view.notes)
    else:
        comparison = views.view(PAGE, p, "comparison")
        text = c.ChartText(F.COMPARE_TITLE, f"{ranking.meta['title']} index against the published indices",
                           tuple((c.indicator(r.indicator_id), str(r.edition)) for r in comparison.table.itertuples()),
                           comparison.notes[:1])
    return c.chart_about(graph_id, PAGE, table, p, view, p.search, text, chart)


def preset_note(preset: str) -> str:
    return P.PRESETS[preset].explanation if preset in P.PRESETS else "Your own choices; pick a preset to start again."


# -- output groups: laid out from the view tables -----------------------------------------------------------------
def ranking_group(p: V.Params) -> tuple:
    """(summary, map figure, ranking table, not-enough-data list)."""
    ranking = views.view(PAGE, p, "ranking")
    meta = ranking.meta
    items = [html.Li([html.Strong(head), text]) for head, text in views.view(PAGE, p, "weights").meta["lines"]]
    summary = html.Div([html.Div([html.Strong(f"{meta['title']}: "),
                                  f"{meta['scored']} countries scored, {meta['short']} with not enough data."]),
                        html.Ul(items, className="small mb-1"), html.Div(" ".join(ranking.notes), className="small")])
    return summary, map_figure(p), ranking_block(ranking, len(meta["pillars"])), missing_list(p)


def ranking_block(ranking, n_pillars: int) -> list:
    """The ranking in a box that scrolls, under a line saying how many countries it holds (it shows ~13 at a time:
    with nothing to say so, a reader took the 13th for the last)."""
    scored, table = ranking.meta["scored"], F.ranking_table(ranking, n_pillars)
    return [table] if not scored else [
        html.Div(f"{scored} countries, best first: scroll the table to see them all.", id="ix-table-count",
                 className="small mb-1"),
        html.Div(table, className="scroll-box", tabIndex="0", role="region",
                 **{"aria-label": f"Ranking of the {scored} countries (scrolls)"})]


def missing_list(p: V.Params) -> html.Div:
    meta = views.view(PAGE, p, "map").meta
    n, short = meta["pillars"], sum(len(names) for _, names in meta["missing"])
    if not short:
        return html.Div(html.Small(f"Every country with data has at least {meta['min_pillars']} of {n} pillars."),
                        id="ix-missing-list")
    groups = [html.Li([html.Strong(f"{k} of {n} pillars ({len(names)}): "), ", ".join(names)])
              for k, names in meta["missing"]]
    return html.Div([html.Div([html.Strong(f"Not enough data ({short} countries)"),
                               f": fewer than {meta['min_pillars']} of the {n} pillars have data; they are not scored "
                               "(grey on the map). Countries with no data on any pillar are not listed."],
                              className="small"), html.Ul(groups, className="small mb-0")],
                    id="ix-missing-list", className="border rounded p-2 bg-light")


def map_figure(p: V.Params) -> dict:
    view = views.view(PAGE, p, "map")
    return c.plain_figure(F.map_traces(view), {
        "geo": {"showframe": False, "showcoastlines": False, "showland": True, "landcolor": c.MISSING_GREY,
                "showcountries": True, "countrycolor": "white", "projection": {"type": "natural earth"},
                "lataxis": {"range": [-58, 85]}},
        "margin": {"l": 0, "r": 0, "t": c.title_top(title := c.chart_title(view.meta["title"])), "b": 0},
        "title": title,
        "annotations": [{"text": "grey: not enough data", "x": 0.01, "y": 0.02, "xref": "paper", "yref": "paper",
                         "showarrow": False, "font": {"size": 11}}]})


def robustness_group(p: V.Params) -> tuple:
    view = views.view(PAGE, p, "robustness")
    table = view.table
    if table.empty:
        return c.empty_figure(view.meta["empty"]), html.Div()
    fig = F.robustness_figure(view)
    lines = [html.Div(view.notes[0])]
    fragile = view.meta["fragile"]
    if fragile:
        items = [html.Li(f"{name} ranks {span} depending on weights and normalisation.") for name, span in fragile[:8]]
        if len(fragile) > 8:
            items.append(html.Li(f"… and {len(fragile) - 8} more in the chart."))
        lines.append(html.Ul(items, className="mb-1", id="ix-fragile"))
    return fig, html.Div(lines)


def comparison_group(p: V.Params) -> tuple:
    view = views.view(PAGE, p, "comparison")
    pairs = views.view(PAGE, p, "pairs")
    rows = [html.Tr([html.Td(dcc.Link(r.name, href=f"/data?indicator={r.indicator_id}")), html.Td(r.edition),
                     html.Td(r.countries), html.Td("–" if r.spearman != r.spearman else f"{r.spearman:.2f}")],
                    **{"data-indicator": r.indicator_id}) for r in view.table.itertuples()]
    head = html.Thead(html.Tr([html.Th("Published index"), html.Th("Edition"), html.Th("Countries compared"),
                               html.Th("Spearman ρ")]))
    table = dbc.Table([head, html.Tbody(rows)], id="ix-compare-rows", size="sm", className="small mb-1")
    fig = F.comparison_figure(view, pairs)
    if fig is None:
        return table, c.empty_figure("Nothing to compare"), view.notes[0]
    return table, fig, view.notes[0]


def inputs_group(p: V.Params) -> tuple:
    view = views.view(PAGE, p, "inputs")
    items = [html.Li([dcc.Link(r.name, href=f"/data?indicator={r.indicator_id}"),
                      f" ({r.publisher}, {r.vintage}): {r.text}"]) for r in view.table.itertuples()]
    return (html.Details([html.Summary("Sources and periods used", className="small fw-semibold"),
                          html.Ul(items, className="small mb-0")], open=False), view.notes[0])


# -- callbacks ------------------------------------------------------------------------------------------------------
def _weight(value) -> float:
    """A weight typed into a control, clamped to 0-WEIGHT_MAX (1 when it is no number)."""
    try:
        return min(max(float(value), 0.0), P.WEIGHT_MAX) if math.isfinite(float(value)) else 1.0
    except (TypeError, ValueError):
        return 1.0


def choice_from_controls(values: list, ids: dict) -> P.Choice:
    """The choice the controls show, read like a URL (unknown values fall back to the defaults)."""
    method, log, zero, year, lag, min_pillars, pw, use, forms, iw = values
    form_of = {i["ind"]: f for i, f in zip(ids["ix-form"], forms)}
    weight_of = {i["ind"]: _weight(w) for i, w in zip(ids["ix-iw"], iw)}
    entries = [f"{i['ind']}:{form_of.get(i['ind'], 'absolute')}:{weight_of.get(i['ind'], 1.0)!r}"
               for i, on in zip(ids["ix-use"], use) if on]
    params = {"ind": ",".join(entries), "w": ",".join(f"{i['pillar']}:{_weight(v)!r}" for i, v in zip(ids["ix-pw"], pw)),
              "m": method, "log": "1" if log else "0", "zero": "1" if zero else "0", "year": year, "lag": lag,
              "min": min_pillars}
    return views.parse(PAGE, {k: v for k, v in params.items() if v not in (None, "")})[1].choice


def control_values(choice: P.Choice, ids: dict, shown: list) -> list:
    """What every control should show for a choice (callback order); the form and weight of an indicator not in
    use, and the weight of a pillar not in use, keep what they show."""
    spec = choice.spec
    used = {i: f for x in spec.pillars() for i, f in spec.indicators[x]}
    pillar_of = {P.PILLAR_KEYS[x]: x for x in spec.pillars()}
    pw, _, forms, iw = shown[6:]
    return [spec.method, spec.log_totals, choice.census_zero, spec.year, spec.max_lag, spec.min_pillars,
            [spec.pillar_weights[pillar_of[i["pillar"]]] if i["pillar"] in pillar_of else pw[n]
             for n, i in enumerate(ids["ix-pw"])],
            [i["ind"] in used for i in ids["ix-use"]],
            [used.get(i["ind"], forms[n]) for n, i in enumerate(ids["ix-form"])],
            [spec.indicator_weights[i["ind"]] if i["ind"] in used else iw[n] for n, i in enumerate(ids["ix-iw"])]]


def _same(a, b) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        return isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return float(a) == float(b)
    return a == b


@callback(
    Output("ix-preset", "value"), *[Output(i, "value") for i in CONTROL_IDS],
    *[Output({"type": t, key: ALL}, "value") for t, key in PATTERNS],
    Output("ix-preset-note", "children"), Output("ix-state", "data"), Output("url", "search", allow_duplicate=True),
    *[Output(f"{prefix}-download-btn", "href") for prefix, _ in DOWNLOADS],
    Input("ix-preset", "value"), *[Input(i, "value") for i in CONTROL_IDS],
    *[Input({"type": t, key: ALL}, "value") for t, key in PATTERNS],
    State("ix-state", "data"),
    prevent_initial_call="initial_duplicate",
)
def on_controls(preset, *args):
    """Controls -> the canonical choice -> URL and state (no index computed here); corrects controls that show
    something else (a preset picked, an out-of-range number)."""
    *shown, state = args
    shown = [*shown[:1], bool(shown[1]), bool(shown[2]), *shown[3:]]
    ids = {t: [item["id"] for item in dash.ctx.inputs_list[7 + n]] for n, (t, _) in enumerate(PATTERNS)}
    if dash.ctx.triggered_id == "ix-preset" and isinstance(preset, str) and preset in P.PRESETS:
        choice = P.canonical(P.PRESETS[preset].choice)
        years = V.context(views.frames()).years
        if choice.spec.year not in years:
            choice = P.Choice(replace(choice.spec, year=years[-1]), choice.census_zero)
    else:
        choice = choice_from_controls(shown, ids)
    wanted = control_values(choice, ids, shown)
    fixes = [dash.no_update if _same(s, w) else w for s, w in zip(shown[:6], wanted[:6])]
    fixes += [[dash.no_update if _same(s, w) else w for s, w in zip(ss, ww)] for ss, ww in zip(shown[6:], wanted[6:])]
    preset_now = P.preset_of(choice)
    search = P.search_string(choice)
    hrefs = [views.download_href(PAGE, search, table=name) for _, name in DOWNLOADS]
    return (preset_now, *fixes, preset_note(preset_now), dash.no_update if search == state else search, search,
            *hrefs)


def _params(search: object) -> V.Params:
    """The view parameters from the query string the state stores hold (anything else: the defaults)."""
    search = search if isinstance(search, str) else ""
    return views.parse(PAGE, dict(parse_qsl(search.lstrip("?"), keep_blank_values=True)))[1]


@callback(Output("ix-map", "figure"), Output("ix-table", "children"), Output("ix-missing", "children"),
          Output("ix-summary", "children"), Output("ix-drawn", "data"), Output("ix-map-about", "children"),
          Input("ix-state", "data"), prevent_initial_call=True)
def on_ranking(search):
    """The map and the ranking first; the other groups follow once they are drawn (``ix-drawn``)."""
    p = _params(search)
    summary, fig, table, missing = ranking_group(p)
    patch = Patch()  # the map's geography never changes: only its traces and title
    patch["data"] = fig["data"]
    patch["layout"]["title"]["text"] = fig["layout"]["title"]["text"]
    return patch, table, missing, summary, search, about(p, "ix-map")


@callback(Output("ix-robust", "figure"), Output("ix-robust-words", "children"), Output("ix-compare-table", "children"),
          Output("ix-compare", "figure"), Output("ix-compare-note", "children"), Output("ix-sources", "children"),
          Output("ix-year-note", "children"), Output("ix-robust-about", "children"),
          Output("ix-compare-about", "children"), Input("ix-drawn", "data"), prevent_initial_call=True)
def on_details(search):
    """Robustness, the published indices and the inputs, after the map and ranking (one callback: every callback
    costs the browser's renderer a pass over all components)."""
    p = _params(search)
    return (*robustness_group(p), *comparison_group(p), *inputs_group(p), about(p, "ix-robust"),
            about(p, "ix-compare"))


clientside_callback(  # the shareable link: this origin, this page, the query string on_controls wrote
    "search => { const link = window.location.origin + '/index' + search; return [link, link]; }",
    Output("ix-link", "href"), Output("ix-link-text", "value"), Input("url", "search"))
