"""Index: build your own composite AI-gap index, see how robust its ranking is, and set it against the published
indices (IMF AIPI, Oxford Insights GAIRI, Tortoise GAII).

The specification (indicators and their forms, weights, normalisation, log transform, reference year, look-back,
minimum pillars, census rule) lives in the URL (``aigap.analysis.presets.encode`` / ``decode``); the index itself
is ``aigap.analysis.presets.compute``, which builds it from the steps of ``aigap.analysis.index`` and adds the
rank robustness (1,000 Dirichlet weight draws x three normalisations, fixed seed). The observations of every
indicator the page can use are read in one store query per store file and kept in memory.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import replace
from urllib.parse import parse_qsl, urlsplit

import dash
import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import ALL, Input, Output, State, callback, dcc, html

from ...analysis import index as ix
from ...analysis import presets as P
from ...analysis.measures import complete_periods
from .. import components as c

dash.register_page(__name__, path="/index", name="Index", title="AI-gap index · aigap", order=5)

TOP = 40  # countries in the robustness chart
YEAR_MIN = 2010
PILLAR_SHORT = {"investment": "Investment", "compute": "Compute", "models": "Models",
                "talent & research": "Talent & research", "readiness": "Readiness"}
FORM_SHORT = {"absolute": "absolute", "per_capita": "per person", "per_gdp": "per GDP"}
COMPARE_COLOURS = {"imf_aipi": c.QUALITATIVE[0], "oxford_gairi": c.QUALITATIVE[1], "tortoise_gaii": c.QUALITATIVE[2]}
COMPARE_SYMBOLS = {"imf_aipi": "circle", "oxford_gairi": "square", "tortoise_gaii": "diamond"}
CSV_COLUMNS = ["iso3", "name", "rank", "score", *ix.PILLARS, "pillars_with_data", "enough_data", "median_rank",
               "rank_p5", "rank_p95", "robust"]
LOG_HELP = ("Totals (dollars, FLOP/s, counts of models or regions) are heavy-tailed: the United States and China "
            "are orders of magnitude ahead, so on a linear scale everyone else is squeezed near zero. The log "
            "transform (log10, with zero placed six decades below the largest value) ranks differences of scale "
            "instead. Rates and scores are never logged.")
CENSUS_HELP = ("TOP500, Epoch AI's model lists and the cloud-region map are censuses: a country that is not listed "
               "has none listed. With this on, a country that has real data on enough pillars counts as 0 there, "
               "and only the latest edition in the look-back window counts. With it off, a country with one "
               "small system or model scores below a country with none, whose pillar is simply skipped.")


# -- data: one store query per store file ----------------------------------------------------------------------
_CACHE: dict = {}
_LOCK = threading.Lock()


def data() -> dict:
    """Observations of every indicator the index can use, the denominators and the published comparisons (one
    query, kept until an ingest swaps the store file), with the indicator table and country names."""
    store = c.store()
    key = store.version()
    with _LOCK:
        if _CACHE.get("key") == key:
            return _CACHE["data"]
    indicators = store.indicators()
    candidates = P.candidates(indicators)
    ids = list(dict.fromkeys([*candidates.index, *P.DENOMINATORS, *P.COMPARISONS]))
    obs = store.observations(ids)
    obs["year"] = obs["year"].astype("int64")
    complete = complete_periods(obs)
    span = complete.groupby("indicator_id")["year"].agg(["min", "max"])
    in_index = complete[complete["indicator_id"].isin(candidates.index)]
    top_year = int(in_index["year"].max()) if len(in_index) else P.DEFAULT_YEAR
    loaded = {
        "obs": obs,
        "population": obs[obs["indicator_id"] == "population"],
        "gdp": obs[obs["indicator_id"] == "gdp_usd"],
        "indicators": indicators,
        "candidates": candidates,
        "names": c.country_names(),
        "span": {i: (int(r["min"]), int(r["max"])) for i, r in span.iterrows()},
        "years": list(range(YEAR_MIN, max(top_year, P.DEFAULT_YEAR) + 1)),
        "published": P.published_scores(obs),
    }
    loaded["year_counts"] = P.best_year(obs, P.PRESETS[P.DEFAULT_PRESET].choice.spec, loaded["years"])[1]
    with _LOCK:
        _CACHE.update(key=key, data=loaded)
    return loaded


def params_of(search: str | None) -> dict:
    return dict(parse_qsl((search or "").lstrip("?"), keep_blank_values=True))


_RESULTS: "OrderedDict[tuple, dict]" = OrderedDict()  # recent index results, by store file and URL state


def compute(choice: P.Choice) -> dict:
    d = data()
    key = (c.store().version(), P.search_string(choice))
    with _LOCK:
        if key in _RESULTS:
            _RESULTS.move_to_end(key)
            return _RESULTS[key]
    result = P.compute(d["obs"], choice.spec, d["indicators"], d["population"], d["gdp"], choice.census_zero)
    with _LOCK:
        _RESULTS[key] = result
        while len(_RESULTS) > 32:
            _RESULTS.popitem(last=False)
    return result


# -- layout -----------------------------------------------------------------------------------------------------
def _candidate_order(candidates: pd.DataFrame, pillar: str) -> list[str]:
    """A pillar's indicators: the default ones first, then the rest by id."""
    defaults = [i for i, _ in P.DEFAULT_INDICATORS.get(pillar, ())]
    ids = candidates.index[candidates["pillar"] == pillar].tolist()
    return [i for i in defaults if i in ids] + sorted(i for i in ids if i not in defaults)


def _pid(kind: str, ind: str) -> dict:
    return {"type": kind, "ind": ind}


def _dom_id(ident: dict) -> str:
    """The DOM id Dash gives a pattern-matching id (keys sorted, compact JSON), for a label's html_for."""
    return json.dumps(dict(sorted(ident.items())), separators=(",", ":"))


def indicator_rows(choice: P.Choice, d: dict, pillar: str) -> list:
    spec = choice.spec
    used = dict(spec.indicators.get(pillar, ()))
    rows = []
    for ind in _candidate_order(d["candidates"], pillar):
        row = d["candidates"].loc[ind]
        forms = P.forms_for(row["kind"])
        first, last = d["span"].get(ind, (None, None))
        span = " (no data)" if first is None else f" ({first})" if first == last else f" ({first}-{last})"
        form = used.get(ind, forms[0])
        if len(forms) > 1:
            form_control = dbc.Select(id=_pid("ix-form", ind), options=[{"label": FORM_SHORT[f], "value": f}
                                                                       for f in forms],
                                      value=form, size="sm")
        else:
            form_control = html.Small(row["kind"], className="text-muted")
        rows.append(dbc.Row(
            [
                dbc.Col(dbc.Checkbox(id=_pid("ix-use", ind), value=ind in used,
                                     label=html.Span([row["name"], html.Small(span, className="text-muted")]),
                                     label_class_name="small"), xs=6),
                dbc.Col([dbc.Label(f"Form of {row['name']}", html_for=_dom_id(_pid("ix-form", ind)),
                                   className="visually-hidden") if len(forms) > 1 else None, form_control], xs=4),
                dbc.Col([dbc.Label(f"Weight of {row['name']} within its pillar", html_for=_dom_id(_pid("ix-iw", ind)),
                                   className="visually-hidden"),
                         dbc.Input(id=_pid("ix-iw", ind), type="number", min=0, max=P.WEIGHT_MAX, step=0.5,
                                   value=spec.indicator_weights.get(ind, 1.0), size="sm", debounce=True,
                                   )], xs=2),
            ],
            className="g-1 align-items-center mb-1",
        ))
    return rows


def layout(**query) -> html.Div:
    d = data()
    choice = P.decode(query, d["indicators"], d["years"])
    spec = choice.spec
    preset = P.preset_of(choice)
    preset_options = [{"label": p.label, "value": k} for k, p in P.PRESETS.items()]
    preset_options.append({"label": "Custom (your own choices)", "value": P.CUSTOM})
    weight_sliders = [
        html.Div([html.Div(PILLAR_SHORT[p], className="small mb-0", id=f"ix-pw-label-{P.PILLAR_KEYS[p]}"),
                  dcc.Slider(id={"type": "ix-pw", "pillar": P.PILLAR_KEYS[p]}, min=0, max=P.WEIGHT_MAX, step=0.5,
                             value=spec.pillar_weights.get(p, 1.0), marks={i: str(i) for i in range(6)})],
                 className="mb-1")
        for p in ix.PILLARS
    ]
    accordion = dbc.Accordion(
        [dbc.AccordionItem(
            [html.Div([html.Small("Use", className="text-muted me-auto"),
                       html.Small("Form · weight", className="text-muted")], className="d-flex mb-1"),
             *indicator_rows(choice, d, p)],
            title=PILLAR_SHORT[p], item_id=P.PILLAR_KEYS[p]) for p in ix.PILLARS],
        start_collapsed=True, always_open=True, id="ix-accordion", className="mb-2",
    )
    controls = html.Div(
        [
            dbc.Label("Preset", html_for="ix-preset", className="fw-semibold"),
            dcc.Dropdown(id="ix-preset", options=preset_options, value=preset, clearable=False,
                         searchable=False),
            html.Div(id="ix-preset-note", className="small text-muted mt-1 mb-2"),
            html.Div("Pillar weights (0-5)", className="fw-semibold"),
            html.Div(weight_sliders, className="mb-2"),
            html.Div("Indicators of each pillar", className="fw-semibold"),
            html.Div("Tick the indicators to use; totals can be taken per person or per GDP; the number is the "
                     "weight within the pillar. Years in brackets: data available.", className="small text-muted"),
            accordion,
            dbc.Row(
                [
                    dbc.Col([dbc.Label("Normalisation", html_for="ix-method", className="fw-semibold"),
                             dbc.RadioItems(id="ix-method", value=spec.method,
                                            options=[{"label": P.METHOD_LABELS[m], "value": m} for m in ix.METHODS])],
                            xs=12),
                    dbc.Col([dbc.Checkbox(id="ix-log", value=spec.log_totals, label="Log-transform totals",
                                          label_class_name="fw-semibold"),
                             html.Div(LOG_HELP, className="small text-muted mb-1")], xs=12),
                    dbc.Col([dbc.Checkbox(id="ix-zero", value=choice.census_zero,
                                          label="Not on a census list counts as zero",
                                          label_class_name="fw-semibold"),
                             html.Div(CENSUS_HELP, className="small text-muted mb-1")], xs=12),
                    dbc.Col([dbc.Label("Reference year", html_for="ix-year", className="small"),
                             dcc.Dropdown(id="ix-year", options=[{"label": str(y), "value": y}
                                                                 for y in reversed(d["years"])],
                                          value=spec.year, clearable=False)], xs=4),
                    dbc.Col([dbc.Label("Years back", html_for="ix-lag", className="small"),
                             dbc.Input(id="ix-lag", type="number", min=0, max=P.LAG_MAX, step=1, value=spec.max_lag,
                                       debounce=True)], xs=4),
                    dbc.Col([dbc.Label("Min. pillars", html_for="ix-min", className="small"),
                             dbc.Input(id="ix-min", type="number", min=1, max=len(ix.PILLARS), step=1,
                                       value=spec.min_pillars, debounce=True)], xs=4),
                    dbc.Col(html.Div(id="ix-year-note", className="small text-muted"), xs=12),
                ],
                className="g-2",
            ),
        ]
    )
    outputs = html.Div(
        [
            html.Div(id="ix-summary", className="mb-2"),
            dbc.InputGroup(
                [dbc.Label("Link to this index", html_for="ix-link-text", className="input-group-text small mb-0"),
                 dbc.Input(id="ix-link-text", readonly=True, value="", size="sm", className="font-monospace small"),
                 dbc.InputGroupText(dcc.Clipboard(target_id="ix-link-text", title="Copy the link",
                                                  style={"cursor": "pointer"})),
                 html.A("Open", id="ix-link", href="#", className="btn btn-outline-secondary btn-sm",
                        title="Open this index in the browser (the same URL)")],
                size="sm", className="mb-2"),
            dcc.Loading(dcc.Graph(id="ix-map", config=c.GRAPH_CONFIG, style={"height": "400px"}), type="default"),
            html.H2("Ranking", className="h6 mt-2"),
            dcc.Loading(html.Div(id="ix-table", style={"maxHeight": "460px", "overflowY": "auto"}), type="default"),
            html.Div(id="ix-missing", className="mt-2"),
            html.Div(id="ix-sources", className="mt-2"),
            c.download_controls("ix"),
        ]
    )
    return html.Div(
        [
            html.H1("Build an AI-gap index", className="h3"),
            html.P("Choose the indicators of five pillars (investment, compute, models, talent & research, readiness), "
                   "their weights and how they are put on a common scale. The ranking, the map, how robust each rank "
                   "is to those choices and how the result compares with the published indices update at once; "
                   "the link below reproduces exactly this index.", className="small"),
            dbc.Row([dbc.Col(dbc.Card(dbc.CardBody(controls)), lg=4, className="mb-2"), dbc.Col(outputs, lg=8)]),
            dbc.Row(
                [
                    dbc.Col([html.H2("How robust is each rank?", className="h5"),
                             html.Div(id="ix-robust-words", className="small"),
                             dcc.Loading(dcc.Graph(id="ix-robust", config=c.GRAPH_CONFIG), type="default")], lg=7),
                    dbc.Col([html.H2("Compared with the published indices", className="h5"),
                             html.Div(id="ix-compare-table"),
                             dcc.Loading(dcc.Graph(id="ix-compare", config=c.GRAPH_CONFIG,
                                                   style={"height": "420px"}), type="default"),
                             html.Div(id="ix-compare-note", className="small text-muted")], lg=5),
                ],
                className="mt-3",
            ),
        ]
    )


# -- reading the controls ------------------------------------------------------------------------------------------
def _weight(value, default: float = 1.0) -> float:
    try:
        w = float(value)
    except (TypeError, ValueError):
        return default
    return min(max(w, 0.0), P.WEIGHT_MAX) if np.isfinite(w) else default


def choice_from_controls(method, log, zero, year, lag, min_pillars, pw_ids, pw, use_ids, use, form_ids, forms,
                         iw_ids, iw, d: dict) -> P.Choice:
    """The choice the controls show, validated like a URL (unknown values fall back to the defaults)."""
    form_of = {i["ind"]: f for i, f in zip(form_ids, forms)}
    weight_of = {i["ind"]: _weight(w) for i, w in zip(iw_ids, iw)}
    entries = []
    for ident, on in zip(use_ids, use):
        ind = ident["ind"]
        if on and ind in d["candidates"].index:
            form = form_of.get(ind, "absolute")
            entries.append(f"{ind}:{form}:{weight_of.get(ind, 1.0)!r}")
    params = {
        "ind": ",".join(entries),
        "w": ",".join(f"{i['pillar']}:{_weight(v)!r}" for i, v in zip(pw_ids, pw)),
        "m": method, "log": "1" if log else "0", "zero": "1" if zero else "0",
        "year": year, "lag": lag, "min": min_pillars,
    }
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return P.decode(params, d["indicators"], d["years"])


# -- pieces of the output ----------------------------------------------------------------------------------------
def _fmt(value, zscore: bool) -> str:
    if value is None or pd.isna(value):
        return "–"
    return f"{value:.2f}" if zscore else f"{value:.1f}"


def _pct(share: float) -> str:
    return f"{100 * share:.0f}%"


def describe(choice: P.Choice, result: dict, d: dict, preset: str) -> html.Div:
    """The index in plain words: what is in it, with which weights, how it is scaled and who is left out."""
    spec = choice.spec
    table = d["candidates"]
    pillars = spec.pillars()
    pw = ix.normalise_weights(spec.pillar_weights, pillars)
    comp = result["composite"]
    scored = int(comp["enough_data"].sum())
    short = int(((~comp["enough_data"]) & (comp["pillars_with_data"] > 0)).sum())
    title = P.PRESETS[preset].label if preset in P.PRESETS else "Custom index"
    all_zero = all(spec.pillar_weights.get(p, 1.0) == 0 for p in pillars)
    parts = []
    for p in pillars:
        ids = [i for i, _ in spec.indicators[p]]
        iw = ix.normalise_weights(spec.indicator_weights, ids)
        items = [f"{table.loc[i, 'name']}" + ("" if f == "absolute" else f" {P.FORM_LABELS[f]}")
                 + (f" ({_pct(iw[i])})" if len(ids) > 1 else "") for i, f in spec.indicators[p]]
        parts.append(html.Li([html.Strong(f"{PILLAR_SHORT[p]} — weight {P.num_text(spec.pillar_weights.get(p, 1.0))} "
                                          f"({_pct(pw[p])}): "), "; ".join(items) + "."]))
    unused = [PILLAR_SHORT[p] for p in ix.PILLARS if p not in pillars]
    method_text = {"minmax": "rescaled to 0-100 (worst 0, best 100)",
                   "zscore": "turned into z-scores (distance from the mean in standard deviations)",
                   "percentile": "turned into percentile ranks (0-100)"}[spec.method]
    has_totals = any(table.loc[i, "kind"] == "total" for i in P.indicator_ids(spec))
    log_text = ("totals are log-transformed first, then every indicator is " if spec.log_totals and has_totals
                else "no log transform; every indicator is " if has_totals else "every indicator is ")
    census = result["census_years"]
    census_text = ""
    if choice.census_zero and census:
        listed = "; ".join(f"{table.loc[i, 'name']} ({y})" for i, y in census.items())
        census_text = (f" Census lists ({listed}): countries with enough data that are not listed count as 0 "
                       f"({len(result['census_zeros'])} such values).")
    elif not choice.census_zero:
        census_text = (" Countries missing from census lists (TOP500, model lists, cloud regions) are treated as "
                       "missing, not zero.")
    sentences = [
        (f"Reference year {spec.year}: each country's value for {spec.year}, or its latest value up to "
         f"{spec.max_lag} year{'s' if spec.max_lag != 1 else ''} earlier ({spec.year - spec.max_lag}-{spec.year})."
         if spec.max_lag else f"Reference year {spec.year}: values for {spec.year} only."),
        f"Each indicator: {log_text}{method_text}, with higher = better.",
        "A pillar is the weighted mean of the indicators a country has; the index is the weighted mean of its "
        f"pillars, only for countries with data on at least {spec.min_pillars} of the {len(pillars)} pillars used"
        " — the others are listed as not enough data, never scored from zeros." + census_text,
    ]
    if all_zero:
        sentences.append("All pillar weights are 0, so the pillars count equally.")
    return html.Div(
        [
            html.Div([html.Strong(f"{title}: "), f"{scored} countries scored, {short} with not enough data."]),
            html.Ul(parts, className="small mb-1"),
            html.Div(" ".join(sentences) + (f" Not used: {', '.join(unused)}." if unused else ""), className="small"),
        ]
    )


def ranking_table(result: dict, spec: ix.IndexSpec, names: dict) -> html.Div:
    comp = result["composite"]
    scored = comp[comp["enough_data"]].sort_values(["rank", "score"], ascending=[True, False])
    if scored.empty:
        return html.P("No country has data on enough pillars: lower the minimum or choose other indicators.",
                      className="text-danger")
    pillars = spec.pillars()
    zscore = spec.method == "zscore"
    robust = result["robustness"]
    head = html.Thead(html.Tr([html.Th("Rank"), html.Th("Country"), html.Th("Score"),
                               *[html.Th(PILLAR_SHORT[p]) for p in pillars], html.Th("Pillars with data"),
                               html.Th("Rank range (5-95%)",
                                       title="Under 1,000 random weightings x 3 normalisations")]),
                      style={"position": "sticky", "top": 0, "background": "white"})
    body = []
    pillar_values = result["pillars"].reindex(scored.index)[pillars].to_numpy()
    if robust is not None:
        bounds = robust.reindex(scored.index)[["rank_p5", "rank_p95"]].to_numpy()
    for n, (iso, rank, score, count) in enumerate(zip(scored.index, scored["rank"], scored["score"],
                                                      scored["pillars_with_data"])):
        rng = P.rank_range(*bounds[n]) if robust is not None and not np.isnan(bounds[n][0]) else "–"
        body.append(html.Tr([html.Td(int(rank)),
                             html.Td(dcc.Link(names.get(iso, iso), href=f"/profile?country={iso}")),
                             html.Td(_fmt(score, zscore), className="fw-semibold"),
                             *[html.Td(_fmt(v, zscore)) for v in pillar_values[n]],
                             html.Td(f"{int(count)} of {len(pillars)}"),
                             html.Td(rng)],
                            **{"data-iso3": iso}))
    return dbc.Table([head, html.Tbody(body)], id="ix-ranking", size="sm", striped=True, hover=True,
                     className="small mb-0")


def missing_list(result: dict, spec: ix.IndexSpec, names: dict) -> html.Div:
    comp = result["composite"]
    short = comp[(~comp["enough_data"]) & (comp["pillars_with_data"] > 0)]
    n = len(spec.pillars())
    if short.empty:
        return html.Div(html.Small(f"Every country with data has at least {spec.min_pillars} of {n} pillars."),
                        id="ix-missing-list")
    groups = []
    for count, part in sorted(short.groupby("pillars_with_data"), key=lambda kv: -kv[0]):
        listed = sorted(names.get(i, i) for i in part.index)
        groups.append(html.Li([html.Strong(f"{int(count)} of {n} pillars ({len(listed)}): "), ", ".join(listed)]))
    return html.Div(
        [html.Div([html.Strong(f"Not enough data ({len(short)} countries)"),
                   f": fewer than {spec.min_pillars} of the {n} pillars have data; they are not scored (grey on "
                   "the map). Countries with no data on any pillar are not listed."], className="small"),
         html.Ul(groups, className="small mb-0")],
        id="ix-missing-list", className="border rounded p-2 bg-light",
    )


def index_map(result: dict, spec: ix.IndexSpec, names: dict) -> go.Figure:
    comp = result["composite"]
    scored = comp[comp["enough_data"]]
    short = comp[(~comp["enough_data"]) & (comp["pillars_with_data"] > 0)]
    n = len(spec.pillars())
    if scored.empty:
        return c.empty_figure("No country has data on enough pillars")
    zscore = spec.method == "zscore"
    hover = [f"{names.get(i, i)}: {_fmt(s, zscore)} (rank {int(r)})" for i, s, r in
             zip(scored.index, scored["score"], scored["rank"])]
    fig = go.Figure(go.Choropleth(locations=list(scored.index), z=scored["score"].to_numpy(), locationmode="ISO-3",
                                  text=hover, hoverinfo="text", colorscale=c.SEQUENTIAL, marker_line_color="white",
                                  marker_line_width=0.3, name="score",
                                  colorbar={"title": {"text": "Score (z)" if zscore else "Score (0-100)",
                                                      "side": "right"}, "thickness": 12}))
    if len(short):
        fig.add_trace(go.Choropleth(locations=list(short.index), z=[0] * len(short), locationmode="ISO-3",
                                    colorscale=[[0, c.MISSING_GREY], [1, c.MISSING_GREY]], showscale=False,
                                    marker_line_color="white", marker_line_width=0.3, name="not enough data",
                                    text=[f"{names.get(i, i)}: not enough data ({int(k)} of {n} pillars)"
                                          for i, k in zip(short.index, short["pillars_with_data"])],
                                    hoverinfo="text"))
    fig.update_geos(showframe=False, showcoastlines=False, showland=True, landcolor=c.MISSING_GREY,
                    showcountries=True, countrycolor="white", projection_type="natural earth",
                    lataxis_range=[-58, 85])
    fig.update_layout(margin={"l": 0, "r": 0, "t": 30, "b": 0},
                      title={"text": f"AI-gap index, {spec.year}: {len(scored)} countries scored", "x": 0.01,
                             "font": {"size": 14}},
                      annotations=[{"text": "grey: not enough data", "x": 0.01, "y": 0.02, "xref": "paper",
                                    "yref": "paper", "showarrow": False, "font": {"size": 11}}])
    return fig


def robustness_view(result: dict, spec: ix.IndexSpec, names: dict) -> tuple[go.Figure, html.Div]:
    robust = result["robustness"]
    if robust is None or robust.empty:
        return c.empty_figure("No country has data on enough pillars"), html.Div()
    head = robust.sort_values(["median_rank", "rank_p5"]).head(TOP)
    label = [names.get(i, i) for i in head.index]
    ranks = result["composite"]["rank"]
    fig = go.Figure()
    for flag, colour, name in ((True, c.QUALITATIVE[0], "rank within 5 places"),
                               (False, c.QUALITATIVE[3], "rank moves more than 5 places")):
        part = head[head["robust"] == flag]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            x=part["median_rank"].to_numpy(), y=[names.get(i, i) for i in part.index], mode="markers", name=name,
            marker={"color": colour, "size": 7},
            error_x={"type": "data", "symmetric": False, "array": (part["rank_p95"] - part["median_rank"]).to_numpy(),
                     "arrayminus": (part["median_rank"] - part["rank_p5"]).to_numpy(), "thickness": 1.5, "width": 3,
                     "color": colour},
            customdata=np.stack([part["rank_p5"], part["rank_p95"]], axis=1),
            hovertemplate=("%{y}: median rank %{x:.0f}, 5-95%: %{customdata[0]:.0f}-%{customdata[1]:.0f}"
                           "<extra></extra>")))
    fig.add_trace(go.Scatter(x=[int(ranks[i]) for i in head.index], y=label, mode="markers",
                             name="rank with your weights", marker={"symbol": "diamond-open", "size": 8,
                                                                    "color": c.QUALITATIVE[7]},
                             hovertemplate="%{y}: rank %{x} with your weights<extra></extra>"))
    fig.update_layout(height=18 * len(head) + 150,
                      margin={"l": 10, "r": 10, "t": 75, "b": 40},
                      title={"text": f"Rank range under {P.DRAWS:,} weightings x 3 normalisations, top {len(head)}",
                             "x": 0.01, "y": 0.995, "yanchor": "top", "font": {"size": 13}},
                      xaxis={"title": "Rank (1 = best): median and 5-95% range", "rangemode": "tozero"},
                      yaxis={"autorange": "reversed", "categoryorder": "array", "categoryarray": label,
                             "automargin": True, "title": None},
                      legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "font": {"size": 11}})
    moving = P.fragile(robust, TOP)
    k = len(spec.pillars())
    what = ("the three normalisations (with one pillar there are no pillar weights to vary)" if k == 1 else
            f"{P.DRAWS:,} random pillar weightings around yours (Dirichlet, fixed seed) under each of the three "
            "normalisations")
    lines = [html.Div(f"Each country is ranked under {what}. The bars show where its rank falls in 90% of these "
                      f"cases; {len(head) - len(moving)} of the top {len(head)} stay within 5 places.")]
    if len(moving):
        shown = moving.head(8)
        items = [html.Li(f"{names.get(i, i)} ranks {P.rank_range(r.rank_p5, r.rank_p95)} depending on weights "
                         "and normalisation.") for i, r in shown.iterrows()]
        if len(moving) > len(shown):
            items.append(html.Li(f"… and {len(moving) - len(shown)} more in the chart."))
        lines.append(html.Ul(items, className="mb-1", id="ix-fragile"))
    return fig, html.Div(lines)


def comparison_view(result: dict, names: dict) -> tuple[html.Div, go.Figure]:
    d = data()
    comp = result["composite"]
    published = d["published"]
    table = P.compare_published(comp, d["obs"], published)
    rows = [html.Tr([html.Td(dcc.Link(r.name, href=f"/data?indicator={r.indicator_id}")), html.Td(r.edition),
                     html.Td(r.countries), html.Td("–" if pd.isna(r.spearman) else f"{r.spearman:.2f}")],
                    **{"data-indicator": r.indicator_id})
            for r in table.itertuples()]
    head = html.Thead(html.Tr([html.Th("Published index"), html.Th("Edition"), html.Th("Countries compared"),
                               html.Th("Spearman ρ")]))
    fig = go.Figure()
    top = 0
    for ind, (year, theirs) in published.items():
        pairs = P.rank_pairs(comp, theirs)
        if pairs.empty:
            continue
        top = max(top, len(pairs))
        fig.add_trace(go.Scatter(
            x=pairs["their_rank"].to_numpy(), y=pairs["our_rank"].to_numpy(), mode="markers",
            name=f"{P.COMPARISONS[ind][0]} ({year})", marker={"color": COMPARE_COLOURS[ind], "size": 6,
                                                             "symbol": COMPARE_SYMBOLS[ind], "opacity": 0.75},
            text=[names.get(i, i) for i in pairs.index],
            hovertemplate="%{text}: our rank %{y}, theirs %{x}<extra></extra>"))
    if not fig.data:
        return dbc.Table([head, html.Tbody(rows)], size="sm", className="small"), c.empty_figure("Nothing to compare")
    fig.add_trace(go.Scatter(x=[1, top], y=[1, top], mode="lines", name="same rank",
                             line={"color": "#888888", "dash": "dot", "width": 1}, hoverinfo="skip"))
    fig.update_layout(margin={"l": 10, "r": 10, "t": 30, "b": 40},
                      title={"text": "Our rank vs theirs (among the countries both rank)", "x": 0.01,
                             "font": {"size": 13}},
                      xaxis={"title": "Rank in the published index", "autorange": "reversed"},
                      yaxis={"title": "Rank in this index", "autorange": "reversed"},
                      legend={"orientation": "h", "y": -0.18, "font": {"size": 11}})
    return dbc.Table([head, html.Tbody(rows)], id="ix-compare-rows", size="sm", className="small mb-1"), fig


def sources_view(choice: P.Choice, result: dict, d: dict) -> html.Details:
    spec = choice.spec
    prepared = result["prepared"]
    real = prepared[prepared["note"].fillna("") != "not listed: counted as 0"]
    per = real.sort_values("year").groupby(["indicator_id", "iso3"])["year"].last()
    zeros = result["census_zeros"]
    items = []
    for ind in P.indicator_ids(spec):
        row = d["candidates"].loc[ind]
        years = per.loc[ind] if ind in per.index.get_level_values(0) else pd.Series(dtype="int64")
        if years.empty:
            text = f"no data between {spec.year - spec.max_lag} and {spec.year}"
            if ind in d["span"]:
                text += f" (data {d['span'][ind][0]}-{d['span'][ind][1]})"
            text += ": contributes nothing."
        else:
            older = int((years < spec.year).sum())
            text = (f"{len(years)} countries, "
                    + (f"{int(years.max())}" if years.min() == years.max()
                       else f"{int(years.min())}-{int(years.max())}")
                    + (f"; {older} use a year before {spec.year}" if older else ""))
            n_zero = int((zeros["indicator_id"] == ind).sum()) if len(zeros) else 0
            if n_zero:
                text += f"; {n_zero} not listed, counted as 0"
            text += "."
        items.append(html.Li([dcc.Link(row["name"], href=f"/data?indicator={ind}"),
                              f" ({row['publisher']}, {row['vintage']}): {text}"]))
    return html.Details([html.Summary("Sources and periods used", className="small fw-semibold"),
                         html.Ul(items, className="small mb-0")], open=False)


# -- the callback ------------------------------------------------------------------------------------------------
CONTROL_IDS = ["ix-method", "ix-log", "ix-zero", "ix-year", "ix-lag", "ix-min"]
PATTERNS = [("ix-pw", "pillar"), ("ix-use", "ind"), ("ix-form", "ind"), ("ix-iw", "ind")]


def control_values(choice: P.Choice, ids: dict, shown: dict | None = None) -> list:
    """The values every control should show for a choice (in the callback's output order). The form and weight
    of an indicator not in use, and the weight of a pillar not in use, keep what ``shown`` has."""
    spec = choice.spec
    used = {i: f for p in spec.pillars() for i, f in spec.indicators[p]}
    d = data()
    shown = shown or {}

    def keep(kind, n, default):
        values = shown.get(kind)
        return values[n] if values is not None and n < len(values) else default

    pillar_of = {P.PILLAR_KEYS[p]: p for p in spec.pillars()}
    return [spec.method, spec.log_totals, choice.census_zero, spec.year, spec.max_lag, spec.min_pillars,
            [spec.pillar_weights[pillar_of[i["pillar"]]] if i["pillar"] in pillar_of else keep("ix-pw", n, 1.0)
             for n, i in enumerate(ids["ix-pw"])],
            [i["ind"] in used for i in ids["ix-use"]],
            [used[i["ind"]] if i["ind"] in used else
             keep("ix-form", n, P.forms_for(d["candidates"].loc[i["ind"], "kind"])[0])
             for n, i in enumerate(ids["ix-form"])],
            [spec.indicator_weights[i["ind"]] if i["ind"] in used else keep("ix-iw", n, 1.0)
             for n, i in enumerate(ids["ix-iw"])]]


def _same(a, b) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        return isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return float(a) == float(b)
    return a == b


@callback(
    Output("ix-preset", "value"),
    *[Output(i, "value") for i in CONTROL_IDS],
    *[Output({"type": t, key: ALL}, "value") for t, key in PATTERNS],
    Output("ix-preset-note", "children"),
    Output("ix-year-note", "children"),
    Output("ix-summary", "children"),
    Output("ix-link", "href"),
    Output("ix-link-text", "value"),
    Output("ix-map", "figure"),
    Output("ix-table", "children"),
    Output("ix-missing", "children"),
    Output("ix-sources", "children"),
    Output("ix-robust", "figure"),
    Output("ix-robust-words", "children"),
    Output("ix-compare-table", "children"),
    Output("ix-compare", "figure"),
    Output("ix-compare-note", "children"),
    Output("url", "search", allow_duplicate=True),
    Input("ix-preset", "value"),
    *[Input(i, "value") for i in CONTROL_IDS],
    *[Input({"type": t, key: ALL}, "value") for t, key in PATTERNS],
    State("url", "href"),
    prevent_initial_call="initial_duplicate",
)
def update(preset, method, log, zero, year, lag, min_pillars, pw, use, forms, iw, href):
    d = data()
    ctx = dash.ctx
    ids = {t: [item["id"] for item in ctx.inputs_list[7 + n]] for n, (t, _) in enumerate(PATTERNS)}
    from_preset = ctx.triggered_id == "ix-preset" and preset in P.PRESETS
    if from_preset:
        choice = P.canonical(P.PRESETS[preset].choice)
        if choice.spec.year not in d["years"]:
            choice = P.Choice(replace(choice.spec, year=d["years"][-1]), choice.census_zero)
    else:
        choice = choice_from_controls(method, log, zero, year, lag, min_pillars, ids["ix-pw"], pw, ids["ix-use"], use,
                                      ids["ix-form"], forms, ids["ix-iw"], iw, d)
    spec = choice.spec
    preset_now = P.preset_of(choice)
    if from_preset:
        controls = control_values(choice, ids)
    else:  # leave the controls as they are, except values that had to be corrected
        shown = [method, bool(log), bool(zero), year, lag, min_pillars, pw, use, forms, iw]
        wanted = control_values(choice, ids, {t: v for (t, _), v in zip(PATTERNS, (pw, use, forms, iw))})
        controls = [dash.no_update if _same(s, w) else w for s, w in zip(shown[:6], wanted[:6])]
        controls += [[dash.no_update if _same(s, w) else w for s, w in zip(ss, ww)]  # wildcards: one per item
                     for ss, ww in zip(shown[6:], wanted[6:])]
    search = P.search_string(choice)
    origin = ""
    if href:
        parts = urlsplit(href)
        origin = f"{parts.scheme}://{parts.netloc}"
    link = f"{origin}/index{search}"
    note = P.PRESETS[preset_now].explanation if preset_now in P.PRESETS else (
        "Your own choices; pick a preset to start again from one.")
    names = d["names"]
    result = compute(choice)
    year_note = year_text(choice, d)
    fig_map = index_map(result, spec, names)
    table = ranking_table(result, spec, names)
    missing = missing_list(result, spec, names)
    sources = sources_view(choice, result, d)
    fig_robust, robust_words = robustness_view(result, spec, names)
    compare_table, fig_compare = comparison_view(result, names)
    compare_note = ("Spearman's ρ compares the order of the countries both indices rank (1 = the same order). "
                    "The published indices measure readiness and preparedness (Oxford: governments; IMF: "
                    "preparedness; Tortoise, c. 2021: capacity and environment), so a capacity index need not "
                    "agree with them.")
    return (preset_now, *controls, note, year_note, describe(choice, result, d, preset_now), link, link, fig_map,
            table, missing, sources, fig_robust, robust_words, compare_table, fig_compare, compare_note, search)


def year_text(choice: P.Choice, d: dict) -> str:
    """Why the default reference year is what it is (counts computed from the store), and the window used."""
    spec = choice.spec
    counts = d["year_counts"]
    window = (f"Values from {spec.year - spec.max_lag} to {spec.year}, each country's latest."
              if spec.max_lag else f"Values for {spec.year} only.")
    if not counts:
        return window
    others = ", ".join(f"{y}: {counts[y]:,}" for y in (P.DEFAULT_YEAR - 1, P.DEFAULT_YEAR + 1) if y in counts)
    return (f"{window} The default, {P.DEFAULT_YEAR}, is the year in which the Equal pillars indicators have the most "
            f"country values within {P.DEFAULT_LAG} years back ({counts.get(P.DEFAULT_YEAR, 0):,}; {others}): GPU "
            f"clusters, cloud regions and AI diffusion start in 2025, and {P.DEFAULT_YEAR + 1} is still partial "
            "for investment and thin for R&D.")


@callback(
    Output("ix-download", "data"),
    Input("ix-download-btn", "n_clicks"),
    State("url", "search"),
    prevent_initial_call=True,
)
def download(_n, search):
    d = data()
    choice = P.decode(params_of(search), d["indicators"], d["years"])
    return c.csv_payload(ranking_frame(choice), f"aigap_index_{choice.spec.year}.csv")


def ranking_frame(choice: P.Choice) -> pd.DataFrame:
    """Every country with data on at least one pillar: rank, score, pillar scores and the rank range."""
    d = data()
    result = compute(choice)
    comp = result["composite"].join(result["pillars"])
    comp = comp[comp["pillars_with_data"] > 0]
    if result["robustness"] is not None:
        comp = comp.join(result["robustness"])
    comp = comp.reset_index().rename(columns={"index": "iso3"})
    comp["name"] = comp["iso3"].map(lambda i: d["names"].get(i, i))
    for col in CSV_COLUMNS:
        if col not in comp:
            comp[col] = np.nan
    return comp[CSV_COLUMNS].sort_values(["rank", "iso3"], na_position="last")
