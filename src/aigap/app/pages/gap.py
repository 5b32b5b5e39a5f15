"""Gap: how far countries and groups are behind a reference (the US, China, the G7 median or each year's leader),
how fast the gap moves and when, if both keep their trends, it would close; and how concentrated AI capacity is
across countries and between BRICS, the G7 and the rest of the world.

Every series is yearly: the latest period within each year (``latest_per_year``), after leaving out values the
adapters mark as covering part of a period (``complete_periods``: e.g. the OECD.AI 2026 year to date). The one
exception is the concentration chart of TOP500 compute, where every list edition is its own point.
"""

from __future__ import annotations

from collections import Counter

import dash
import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from dash import Input, Output, State, callback, dcc, html

from ...analysis import gap
from ...analysis.measures import MODES, allowed_modes, complete_periods, group_aggregate, latest_per_year, normalise
from .. import components as c

dash.register_page(__name__, path="/gap", name="Gap", title="Gap to the leaders · aigap", order=6)

DEFAULT_COUNTRIES = ["BRA", "IND", "ZAF", "IDN"]
DEFAULT_REFERENCE = "USA"
REFERENCES = {"USA": "United States", "CHN": "China", "G7": "G7 median", "leader": "Leader each year"}
MEASURES = {"ratio": "Ratio (reference ÷ country)", "difference": "Difference (reference − country)"}
CONCENTRATION = {"ai_vc_investment": "Investment (AI venture capital)", "top500_rmax": "Compute (TOP500)",
                 "notable_ai_models": "Models (notable AI models)"}
DEFAULT_CONCENTRATION = "ai_vc_investment"
BLOCS = ("G7", "BRICS")
REST = "Rest of world"
NONE = "none"  # in the URL: a list the user emptied (a missing parameter means "the default")
WINDOW = 10  # default trend window: the last 10 complete years
MIN_COUNTRIES = 5  # concentration starts where every period has at least this many countries with data
CAP_YEARS = 50  # trend lines are drawn at most this many years beyond the data
NOTE_SYMBOL = "diamond-open"
REFERENCE_COLOUR = c.QUALITATIVE[7]  # black
BLOC_COLOURS = {"G7": c.QUALITATIVE[0], "BRICS": c.QUALITATIVE[3], REST: "#888888"}

GAP_CSV = ["series", "kind", "label", "indicator_id", "mode", "year", "period", "value", "display",
           "members_with_data", "reference", "reference_iso3", "reference_period", "reference_display", "ratio",
           "difference", "source_id", "note"]
TREND_CSV = ["series", "kind", "label", "indicator_id", "mode", "reference", "window_from", "window_to", "points",
             "cagr", "cagr_low", "cagr_high", "reference_cagr", "status", "years_to_catch_up", "crossing_year"]
CONC_CSV = ["indicator_id", "period", "year", "top1", "top2", "top5", "hhi", "countries", "total", "top_country"]
BLOC_CSV = ["indicator_id", "year", "bloc", "share", "value", "countries"]


# -- validation -----------------------------------------------------------------------------------------------
def parse_list(raw: str | None, valid, default: list[str]) -> list[str]:
    """A comma list from the URL: unknown entries dropped; missing or all-bad -> default; 'none' -> empty."""
    if raw is None:
        return list(default)
    if str(raw).strip().lower() == NONE:
        return []
    kept = [i for i in dict.fromkeys(v.upper() for v in c.split_list(raw)) if i in valid]
    return kept if kept else list(default)


def list_param(values: list[str] | None) -> str:
    return ",".join(values) if values else NONE


def group_names() -> dict[str, str]:
    groups = c.store().groups()
    return dict(zip(groups["group_id"], groups["name"]))


def group_options() -> list[dict]:
    groups = c.store().groups()
    kinds = {"club": "club", "wb_income": "income group", "wb_region": "World Bank region",
             "un_region": "UN region", "un_subregion": "UN sub-region"}
    return [{"label": f"{r.name} ({kinds.get(r.kind, r.kind)})", "value": r.group_id}
            for r in groups.sort_values(["kind", "name"]).itertuples()]


def complete_years(ind_id: str) -> list[int]:
    """Years with at least one complete-period value (a year known only to date is not a year of data)."""
    obs = complete_periods(c.store().observations(ind_id))
    return sorted(int(y) for y in obs["year"].unique())


def default_window(years: list[int]) -> tuple[int | None, int | None]:
    if not years:
        return None, None
    return max(years[0], years[-1] - WINDOW + 1), years[-1]


def window(years: list[int], year_from, year_to) -> tuple[int | None, int | None]:
    """Validated (from, to) within the indicator's years; bad or missing values fall back to the default."""
    if not years:
        return None, None
    d0, d1 = default_window(years)
    y0, y1 = c.to_int(year_from), c.to_int(year_to)
    y0 = y0 if y0 is not None and years[0] <= y0 <= years[-1] else d0
    y1 = y1 if y1 is not None and years[0] <= y1 <= years[-1] else d1
    return (y1, y0) if y0 > y1 else (y0, y1)


def year_options(years: list[int]) -> list[dict]:
    return [{"label": str(y), "value": y} for y in years]


# -- layout ---------------------------------------------------------------------------------------------------
def _labelled(label: str, control_id: str, control, note: str | None = None) -> html.Div:
    children = [dbc.Label(label, html_for=control_id, className="mb-0 fw-semibold small"), control]
    if note:
        children.append(html.Div(note, className="form-text mt-0"))
    return html.Div(children, className="mb-2")


def _radio(control_id: str, options, value) -> dcc.RadioItems:
    return dcc.RadioItems(id=control_id, options=options, value=value, inline=False, className="small",
                          inputClassName="form-check-input me-1", labelClassName="form-check-label d-block")


def layout(indicator: str | None = None, ref: str | None = None, countries: str | None = None,
           groups: str | None = None, measure: str | None = None, mode: str | None = None,
           conc: str | None = None, **other) -> html.Div:
    ind_id = c.valid_indicator(indicator)
    ind = c.indicator(ind_id)
    names = c.country_names()
    chosen = parse_list(countries, names, DEFAULT_COUNTRIES)
    chosen_groups = parse_list(groups, group_names(), [])
    ref = ref if ref in REFERENCES else DEFAULT_REFERENCE
    measure = measure if measure in MEASURES else "ratio"
    mode = mode if mode in allowed_modes(ind["kind"]) else "absolute"
    conc = conc if conc in CONCENTRATION else DEFAULT_CONCENTRATION
    years = complete_years(ind_id)
    y0, y1 = window(years, other.get("from"), other.get("to"))

    controls = [
        _labelled("Indicator", "gap-indicator",
                  dcc.Dropdown(id="gap-indicator", options=c.indicator_options(), value=ind_id, clearable=False)),
        _labelled("Countries", "gap-countries",
                  dcc.Dropdown(id="gap-countries", options=c.country_options(), value=chosen, multi=True,
                               placeholder="Add countries")),
        _labelled("Groups", "gap-groups",
                  dcc.Dropdown(id="gap-groups", options=group_options(), value=chosen_groups, multi=True,
                               placeholder="Add groups (BRICS, G7, regions…)")),
        _labelled("Reference", "gap-ref",
                  _radio("gap-ref", [{"label": v, "value": k} for k, v in REFERENCES.items()], ref)),
        _labelled("Gap as", "gap-measure",
                  _radio("gap-measure", [{"label": v, "value": k} for k, v in MEASURES.items()], measure)),
        _labelled("Show as", "gap-mode", _radio("gap-mode", c.mode_options(ind["kind"]), mode)),
    ]
    window_controls = dbc.Row(
        [
            dbc.Col(_labelled("Fit trends from", "gap-from",
                              dcc.Dropdown(id="gap-from", options=year_options(years), value=y0, clearable=False)),
                    width=6, md=3, lg=2),
            dbc.Col(_labelled("to", "gap-to", dcc.Dropdown(id="gap-to", options=year_options(years), value=y1,
                                                           clearable=False)), width=6, md=3, lg=2),
        ],
        className="g-2",
    )
    return html.Div(
        [
            html.H1("Gap to the leaders", className="h3"),
            html.P("How far countries and groups are behind the United States, China, the G7 median or each "
                   "year's leader; how fast the gap moves; and how concentrated AI capacity is.",
                   className="text-muted small mb-2"),
            dbc.Row(
                [
                    dbc.Col(html.Div(controls, className="gap-controls"), lg=3, md=4),
                    dbc.Col(
                        [
                            html.H2("1. The gap over time", className="h5"),
                            html.Div(id="gap-missing", role="status"),
                            dcc.Loading(dcc.Graph(id="gap-graph", config=c.GRAPH_CONFIG, style={"height": "400px"}),
                                        type="default"),
                            html.Div(id="gap-note"),
                            c.download_controls("gap"),
                            html.H2("2. Trends and years to catch up", className="h5 mt-3"),
                            window_controls,
                            dcc.Loading(dcc.Graph(id="gap-trend-graph", config=c.GRAPH_CONFIG,
                                                  style={"height": "420px"}), type="default"),
                            html.Div(id="gap-trend-table", className="table-responsive"),
                            html.Div(id="gap-trend-note"),
                            c.download_controls("gap-trend"),
                        ],
                        lg=9, md=8,
                    ),
                ],
                className="g-3",
            ),
            html.H2("3–4. How concentrated is AI capacity, and is it spreading?", className="h5 mt-3"),
            dbc.Row(
                dbc.Col(_labelled("Measure", "gap-conc",
                                  dcc.RadioItems(id="gap-conc", value=conc, inline=True, className="small",
                                                 options=[{"label": v, "value": k}
                                                          for k, v in CONCENTRATION.items()],
                                                 inputClassName="form-check-input me-1",
                                                 labelClassName="form-check-label me-3")), md=12),
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.H3("Concentration: top countries' share and HHI", className="h6"),
                            dcc.Loading(dcc.Graph(id="gap-conc-graph", config=c.GRAPH_CONFIG,
                                                  style={"height": "420px"}), type="default"),
                            html.Div(id="gap-conc-note"),
                            c.download_controls("gap-conc"),
                        ],
                        lg=6,
                    ),
                    dbc.Col(
                        [
                            html.H3("BRICS, G7 and the rest of the world: shares of the total", className="h6"),
                            dcc.Loading(dcc.Graph(id="gap-bloc-graph", config=c.GRAPH_CONFIG,
                                                  style={"height": "420px"}), type="default"),
                            html.Div(id="gap-bloc-note"),
                            c.download_controls("gap-bloc"),
                        ],
                        lg=6,
                    ),
                ],
                className="g-3",
            ),
        ]
    )


@callback(
    Output("gap-mode", "options"),
    Output("gap-mode", "value"),
    Output("gap-from", "options"),
    Output("gap-from", "value"),
    Output("gap-to", "options"),
    Output("gap-to", "value"),
    Input("gap-indicator", "value"),
    State("gap-mode", "value"),
    prevent_initial_call=True,  # the layout already holds the URL's (validated) values
)
def on_indicator(ind_id, mode):
    ind = c.indicator(c.valid_indicator(ind_id))
    if mode not in allowed_modes(ind["kind"]):
        mode = "absolute"
    years = complete_years(ind["indicator_id"])
    y0, y1 = default_window(years)  # a new indicator: its own last ten years
    opts = year_options(years)
    return c.mode_options(ind["kind"]), mode, opts, y0, opts, y1


@callback(
    Output("url", "search", allow_duplicate=True),
    Input("gap-indicator", "value"),
    Input("gap-ref", "value"),
    Input("gap-countries", "value"),
    Input("gap-groups", "value"),
    Input("gap-measure", "value"),
    Input("gap-mode", "value"),
    Input("gap-from", "value"),
    Input("gap-to", "value"),
    Input("gap-conc", "value"),
    prevent_initial_call="initial_duplicate",
)
def write_url(ind_id, ref, countries, groups, measure, mode, year_from, year_to, conc):
    return c.query_string({"indicator": c.valid_indicator(ind_id), "ref": ref, "countries": list_param(countries),
                           "groups": list_param(groups), "measure": measure, "mode": mode, "from": year_from,
                           "to": year_to, "conc": conc})


# -- gap data -------------------------------------------------------------------------------------------------
def _members(group_id: str) -> pd.DataFrame:
    return c.store().group_members(group_id)[["iso3", "since", "until"]]


def _members_in(frame: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Rows of members in the years they belonged to the group (a member counts from the year it joined)."""
    rows = frame.merge(members, on="iso3", how="inner")
    since = pd.to_numeric(rows["since"], errors="coerce")
    until = pd.to_numeric(rows["until"], errors="coerce")
    keep = (since.isna() | (rows["year"] >= since)) & (until.isna() | (rows["year"] <= until))
    return rows[keep].drop(columns=["since", "until"])


def _join(values) -> str | None:
    unique = sorted({str(v) for v in values if isinstance(v, str) and v})
    return "; ".join(unique) if unique else None


def _group_series(yearly: pd.DataFrame, members: pd.DataFrame, kind: str, mode: str, how: str | None,
                  population, gdp) -> pd.DataFrame:
    """One row per year for a group: year, value (stored units, sums only), display, members_with_data, note."""
    part = _members_in(yearly, members).dropna(subset=["display"])
    if part.empty:
        return pd.DataFrame(columns=["year", "value", "display", "members_with_data", "period", "note",
                                     "source_id"])
    isos = list(members["iso3"])
    if how is None:
        if kind != "total":
            how = "median"
        elif mode == "per_capita":
            how = "popweighted"  # = the members' total over their total population
        elif mode == "per_gdp":
            how, population = "popweighted", gdp  # GDP-weighted mean = total over total GDP
        else:
            how = "sum"
    agg = group_aggregate(part, isos, how, population, column="display")
    if agg.empty:
        return pd.DataFrame(columns=["year", "value", "display", "members_with_data", "period", "note",
                                     "source_id"])
    raw = part.groupby("year")["value"].sum() if (kind == "total" and mode == "absolute" and how == "sum") else None
    notes = part.groupby("year")["note"].agg(_join)
    sources = part.groupby("year")["source_id"].agg(_join)
    periods = part.groupby("year")["period"].agg(lambda p: _join(p.astype(str)))
    out = agg.rename(columns={"value": "display"})
    out["value"] = out["year"].map(raw) if raw is not None else np.nan
    out["note"] = out["year"].map(notes)
    out["source_id"] = out["year"].map(sources)
    out["period"] = out["year"].map(periods)
    return out


def gap_data(ind: dict, mode: str, ref: str, countries: list[str], groups: list[str]) -> dict:
    """Everything sections 1 and 2 draw, from one query of the indicator (and its denominator, if any).

    Returns followers (list of dicts: series, kind, label, frame), reference (dict with frame; frame has year,
    value, display, period, iso3 for the leader), missing (messages), excluded_note (partial-period rows left out),
    periods (the periods the yearly values come from).
    """
    s = c.store()
    ind_id = ind["indicator_id"]
    names = c.country_names()
    gnames = group_names()
    memberships = {gid: _members(gid) for gid in groups}
    if ref == "G7":
        memberships.setdefault("G7", _members("G7"))
    needed = set(countries).union(*(set(m["iso3"]) for m in memberships.values()))
    if ref in ("USA", "CHN"):
        needed.add(ref)
    whole = ref == "leader" or mode == "share_world"  # both need every country with data
    obs_all = s.observations(ind_id, None if whole else sorted(needed))
    obs = complete_periods(obs_all)
    excluded = obs_all.loc[obs_all.index.difference(obs.index)]
    population = gdp = None
    if mode in ("per_capita", "per_gdp") and len(obs):
        isos = sorted(obs["iso3"].unique())
        den_id = "population" if mode == "per_capita" else "gdp_usd"
        den = s.observations(den_id, isos, year_from=int(obs["year"].min()) - 10, year_to=int(obs["year"].max()))
        population, gdp = (den, None) if mode == "per_capita" else (None, den)
    shown = normalise(obs, mode, population, gdp) if len(obs) else obs.assign(display=pd.Series(dtype=float))
    yearly = latest_per_year(shown)
    if whole:
        yearly_needed = yearly[yearly["iso3"].isin(needed)]
    else:
        yearly_needed = yearly
    form = "" if mode == "absolute" else f" ({MODES[mode]})"
    missing: list[str] = []

    # Reference.
    if ref in ("USA", "CHN"):
        rframe = yearly[yearly["iso3"] == ref].dropna(subset=["display"])
        rframe = rframe[["year", "value", "display", "period", "iso3", "note", "source_id"]]
    elif ref == "G7":
        rframe = _group_series(yearly, memberships["G7"], ind["kind"], mode, "median", None, None)
        rframe = rframe.assign(iso3=None)
    else:
        valid = yearly.dropna(subset=["display"])
        if valid.empty:
            rframe = valid
        else:
            pick = valid.groupby("year")["display"].idxmax() if ind["higher_is_better"] else \
                valid.groupby("year")["display"].idxmin()
            rframe = valid.loc[pick.to_numpy()]
        rframe = rframe[["year", "value", "display", "period", "iso3", "note", "source_id"]]
    rframe = rframe.sort_values("year").reset_index(drop=True)
    reference = {"series": ref, "label": REFERENCES[ref], "frame": rframe}
    if rframe.empty:
        missing.append(f"No data for the reference ({REFERENCES[ref]}) on {ind['name']}{form}.")

    followers = []
    for iso in countries:
        name = names.get(iso, iso)
        mine = yearly_needed[yearly_needed["iso3"] == iso].dropna(subset=["display"])
        if mine.empty:
            every = obs_all[obs_all["iso3"] == iso]
            if every.empty:
                missing.append(f"No data for {name} on {ind['name']}; the source does not cover it.")
            elif mode in ("per_capita", "per_gdp"):
                missing.append(f"No data for {name} on {ind['name']}{form}: no "
                               f"{'population' if mode == 'per_capita' else 'GDP'} figure.")
            else:
                missing.append(f"No complete-period data for {name} on {ind['name']}; its only data cover "
                               f"{c.period_text(every)}.")
            continue
        frame = mine[["year", "value", "display", "period", "note", "source_id"]].assign(members_with_data=np.nan)
        followers.append({"series": iso, "kind": "country", "label": name, "frame": frame.reset_index(drop=True)})
    for gid in groups:
        frame = _group_series(yearly, memberships[gid], ind["kind"], mode, None, population, gdp)
        label = gnames.get(gid, gid)
        if frame.empty:
            missing.append(f"No data for any {label} member on {ind['name']}{form}.")
            continue
        followers.append({"series": gid, "kind": "group", "label": label, "frame": frame.reset_index(drop=True)})
    periods = sorted(yearly_needed["period"].astype(str).unique()) if len(yearly_needed) else []
    return {"ind": ind, "followers": followers, "reference": reference, "missing": missing,
            "excluded_note": _excluded_note(excluded), "periods": periods}


def gap_rows(data: dict, mode: str) -> pd.DataFrame:
    """The rows the gap chart draws: one per follower and common year (gap.gap_series), store columns kept."""
    ref = data["reference"]
    rframe = ref["frame"]
    if rframe.empty or not data["followers"]:
        return pd.DataFrame(columns=GAP_CSV)
    rseries = rframe[["year", "display"]].rename(columns={"display": "value"})
    rmeta = rframe.set_index("year")[["iso3", "period", "note"]]
    parts = []
    for f in data["followers"]:
        frame = f["frame"]
        g = gap.gap_series(frame[["year", "display"]].rename(columns={"display": "value"}), rseries)
        if g.empty:
            continue
        years = g["year"].to_numpy()
        meta = frame.set_index("year")[["period", "value", "members_with_data", "source_id", "note"]].reindex(years)
        rm = rmeta.reindex(years)
        n = len(g)
        parts.append({
            "series": [f["series"]] * n, "kind": [f["kind"]] * n, "label": [f["label"]] * n,
            "indicator_id": [data["ind"]["indicator_id"]] * n, "mode": [mode] * n, "year": years.astype(int),
            "period": meta["period"].to_numpy(object), "value": meta["value"].to_numpy(float),
            "display": g["value"].to_numpy(float), "members_with_data": meta["members_with_data"].to_numpy(float),
            "reference": [ref["label"]] * n, "reference_iso3": rm["iso3"].to_numpy(object),
            "reference_period": rm["period"].to_numpy(object),
            "reference_display": g["reference"].to_numpy(float), "ratio": g["ratio"].to_numpy(float),
            "difference": g["difference"].to_numpy(float), "source_id": meta["source_id"].to_numpy(object),
            "note": [_join([a, b]) for a, b in zip(meta["note"].to_numpy(object), rm["note"].to_numpy(object))],
        })
    if not parts:
        return pd.DataFrame(columns=GAP_CSV)
    return pd.DataFrame({col: np.concatenate([np.asarray(p[col], dtype=object if col not in
                                                          ("year", "value", "display", "members_with_data",
                                                           "reference_display", "ratio", "difference")
                                                          else None) for p in parts]) for col in GAP_CSV})


# -- trend data -----------------------------------------------------------------------------------------------
def _pct(x: float | None) -> str:
    return "—" if x is None or pd.isna(x) else f"{100 * x:+.1f}%"


def _years(x: float | None) -> str:
    if x is None or pd.isna(x):
        return "—"
    return "less than 1" if x < 1 else f"{x:,.0f}"


def _year(x: float | None) -> str:
    return "—" if x is None or pd.isna(x) else f"{x:.0f}"


def _positive_in_window(series: pd.DataFrame, year_from: int, year_to: int) -> int:
    values = series["value"]
    return int(((series["year"] >= year_from) & (series["year"] <= year_to) & (values > 0)).sum())


def status_text(result: dict, points: int, reference_points: int) -> str:
    """The words the table shows for a catch-up result."""
    status = result["status"]
    if status == "insufficient data":
        n, who = (points, "") if points < gap.MIN_POINTS else (reference_points, " for the reference")
        return f"insufficient data{who}: {n} positive yearly value{'' if n == 1 else 's'} in the window"
    if status == "converging":
        years = result["years"]
        span = "less than a year" if years < 1 else f"{years:,.0f} years"
        return f"converging in {span} (around {_year(result['crossing_year'])})"
    return status


def _try_trend(series: pd.DataFrame, year_from: int, year_to: int) -> gap.Trend | None:
    try:
        return gap.trend(series, year_from, year_to)
    except gap.TooFewPoints:
        return None


def trend_rows(data: dict, year_from: int, year_to: int, mode: str) -> tuple[pd.DataFrame, dict]:
    """The trend table (one row per follower) and the catch-up results (gap.catch_up) behind it."""
    ind = data["ind"]
    rframe = data["reference"]["frame"]
    rseries = rframe[["year", "display"]].rename(columns={"display": "value"})
    ref_points = _positive_in_window(rseries, year_from, year_to)
    ref_trend = _try_trend(rseries, year_from, year_to) if ref_points >= gap.MIN_POINTS else None
    results, rows = {}, []
    for f in data["followers"]:
        series = f["frame"][["year", "display"]].rename(columns={"display": "value"})
        result = gap.catch_up(series, rseries, year_from, year_to, bool(ind["higher_is_better"]))
        points = _positive_in_window(series, year_from, year_to)
        own = result["follower"]
        if own is None and points >= gap.MIN_POINTS:  # the reference was short: still show the country's growth
            own = _try_trend(series, year_from, year_to)
        results[f["series"]] = {**result, "own": own, "ref_trend": ref_trend}
        converging = result["status"] == "converging"
        rows.append({
            "series": f["series"], "kind": f["kind"], "label": f["label"], "indicator_id": ind["indicator_id"],
            "mode": mode, "reference": data["reference"]["label"], "window_from": year_from, "window_to": year_to,
            "points": points,
            "cagr": own.cagr if own else np.nan, "cagr_low": own.cagr_low if own else np.nan,
            "cagr_high": own.cagr_high if own else np.nan,
            "reference_cagr": ref_trend.cagr if ref_trend else np.nan,
            "status": status_text(result, points, ref_points),
            "years_to_catch_up": result["years"] if converging else np.nan,
            "crossing_year": result["crossing_year"] if converging else np.nan,
        })
    return pd.DataFrame(rows, columns=TREND_CSV), results


def _span(y0: int, y1: int) -> str:
    return str(y0) if y0 == y1 else f"{y0}–{y1}"


# -- figures --------------------------------------------------------------------------------------------------
# Figures are go.Figure objects built from plain trace and layout dicts without plotly's per-property validation
# (the traces are simple; validation alone would cost most of the callback's time budget).
TEMPLATE = pio.templates["plotly_white"]


def _figure(traces: list[dict], layout: dict) -> go.Figure:
    return go.Figure(data=traces, layout={"template": TEMPLATE, "hovermode": "closest", **layout}, _validate=False)


def _scatter(**kwargs) -> dict:
    return {"type": "scatter", **kwargs}


def _title(text: str, size: int = 14) -> dict:
    return {"text": text, "x": 0.01, "font": {"size": size}}


def _axis_title(text: str) -> dict:
    return {"text": text}


def _none(values) -> list:
    """Plain floats, None where missing (a gap in a line, never a zero)."""
    return [None if pd.isna(v) else float(v) for v in values]


LEGEND = {"orientation": "h", "yanchor": "top", "y": -0.14, "xanchor": "left", "x": 0}


def _log_axis(values) -> dict:
    """Label only the powers of ten when the values span three decades or more (no cluttered 2s and 5s)."""
    arr = np.asarray([v for v in values if v is not None and v > 0], dtype=float)
    if len(arr) and arr.max() / arr.min() >= 1000:
        return {"type": "log", "dtick": 1}
    return {"type": "log"}


def _flagged(note) -> bool:
    return isinstance(note, str) and bool(note)


def _times(ratio: float) -> str:
    return f"{ratio:,.0f}" if abs(ratio) >= 100 else f"{ratio:.3g}"


def _hover_gap(r, unit: str, measure: str, names: dict) -> str:
    ref_name = r.reference
    if r.reference == REFERENCES["leader"] and isinstance(r.reference_iso3, str):
        ref_name = f"leader ({names.get(r.reference_iso3, r.reference_iso3)})"
    if measure == "ratio":
        head = (f"<b>{r.label}</b> {r.year}: {ref_name} is {_times(r.ratio)}× {r.label}" if not pd.isna(r.ratio)
                else f"<b>{r.label}</b> {r.year}: no ratio ({r.label} is 0)")
    else:
        head = f"<b>{r.label}</b> {r.year}: {ref_name} − {r.label} = {c.format_value(r.difference, unit)}"
    text = (f"{head}<br>{r.label}: {c.format_value(r.display, unit)}; {ref_name}: "
            f"{c.format_value(r.reference_display, unit)}")
    if isinstance(r.period, str) and r.period != str(r.year) and r.kind == "country":
        text += f" (period {r.period})"
    if r.kind == "group" and not pd.isna(r.members_with_data):
        text += f"<br>{int(r.members_with_data)} members with data"
    if _flagged(r.note):
        text += f"<br><i>{r.note}</i>"
    return text


def _ref_phrase(data: dict) -> str:
    return {"USA": "the United States", "CHN": "China", "G7": "the G7 median",
            "leader": "each year's leader"}[data["reference"]["series"]]


def _unit(ind: dict, mode: str) -> str:
    return ind["unit"] if mode == "absolute" else f"{ind['unit']}, {MODES[mode]}"


def gap_figure(rows: pd.DataFrame, data: dict, measure: str, mode: str, year_from: int | None,
               year_to: int | None) -> go.Figure:
    ind = data["ind"]
    names = c.country_names()
    unit = _unit(ind, mode)
    years = list(range(int(rows["year"].min()), int(rows["year"].max()) + 1))
    column = "ratio" if measure == "ratio" else "difference"
    traces, flagged_any = [], False
    single = len(years) == 1  # one year of data (e.g. a single-vintage index): bars, not lines
    for i, (sid, part) in enumerate(rows.groupby("series", sort=False)):
        if single:
            r = next(part.itertuples())
            value = r.ratio if measure == "ratio" else r.difference
            traces.append({"type": "bar", "x": [r.label], "y": _none([value if measure != "ratio" or value > 0
                                                                      else np.nan]),
                           "name": r.label, "customdata": [sid], "hovertext": [_hover_gap(r, unit, measure, names)],
                           "hoverinfo": "text", "marker": {"color": c.QUALITATIVE[i % 7]},
                           "showlegend": False})
            continue
        colour = c.QUALITATIVE[i % 7]
        is_group = part["kind"].iloc[0] == "group"
        hover = {r.year: _hover_gap(r, unit, measure, names) for r in part.itertuples()}
        full = part.set_index("year").reindex(years)  # a year without a value is a gap, never bridged
        values = full[column]
        if measure == "ratio":
            values = values.where(values > 0)
        flags = [_flagged(n) for n in full["note"]]
        flagged_any |= any(flags)
        traces.append(_scatter(
            x=years, y=_none(values), name=part["label"].iloc[0], customdata=[sid] * len(years),
            text=[hover.get(y, "") for y in years], hovertemplate="%{text}<extra></extra>", mode="lines+markers",
            connectgaps=False, line={"color": colour, "width": 2, "dash": "dot" if is_group else "solid"},
            marker={"color": colour, "size": [10 if f else 6 for f in flags],
                    "symbol": [NOTE_SYMBOL if f else ("square" if is_group else "circle") for f in flags]}))
    if flagged_any:
        traces.append(_scatter(x=[None], y=[None], mode="markers", name="value with a note (see below)",
                               marker={"symbol": NOTE_SYMBOL, "size": 10, "color": "#555555"}, hoverinfo="skip"))
    ref_label = data["reference"]["label"]
    shapes, annotations = [], []
    if measure == "ratio":
        shapes.append({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": 1, "y1": 1,
                       "line": {"color": "#999999", "width": 1, "dash": "dash"}})
        annotations.append({"text": "parity (1×)", "xref": "paper", "x": 1, "yref": "y", "y": 0, "showarrow": False,
                            "xanchor": "right", "yanchor": "top", "font": {"size": 10, "color": "#777777"}})
        ytitle = f"{ref_label} ÷ country (times, log scale)"
        title = f"{ind['name']}: {_ref_phrase(data)} as a multiple of each country"
    else:
        shapes.append({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": 0, "y1": 0,
                       "line": {"color": "#999999", "width": 1}})
        ytitle = f"{ref_label} − country ({unit})"
        title = f"{ind['name']}: {_ref_phrase(data)} minus each country"
    if year_from is not None and year_to is not None and year_from < year_to and not single:
        shapes.append({"type": "rect", "xref": "x", "x0": year_from - 0.5, "x1": year_to + 0.5, "yref": "paper",
                       "y0": 0, "y1": 1, "fillcolor": "#eeeeee", "opacity": 0.5, "line": {"width": 0},
                       "layer": "below"})
        annotations.append({"text": f"trend window {year_from}–{year_to}", "xref": "x", "x": year_from - 0.5,
                            "yref": "paper", "y": 1, "xanchor": "left", "yanchor": "bottom", "showarrow": False,
                            "font": {"size": 10, "color": "#777777"}})
    return _figure(traces, {
        "title": _title(title), "margin": {"l": 10, "r": 10, "t": 50, "b": 10}, "legend": LEGEND,
        "shapes": shapes, "annotations": annotations,
        "xaxis": ({"title": _axis_title(f"Country or group, {years[0]}"), "automargin": True} if single else
                  {"title": _axis_title("Year"), "tickformat": "d", "dtick": 1 if len(years) <= 15 else None,
                   "automargin": True}),
        "yaxis": {"title": _axis_title(ytitle), "automargin": True,
                  **(_log_axis([y for t in traces for y in t["y"]] + [1]) if measure == "ratio"
                     else {"type": "linear"})},
    })


def _trend_line(t: gap.Trend, end: float) -> tuple[list[float], list[float]]:
    xs = [float(t.first_year), float(t.last_year)]
    if end > t.last_year:
        xs.append(float(end))
    return xs, [t.value_at(x) for x in xs]


def trend_figure(data: dict, results: dict, year_from: int, year_to: int, mode: str) -> go.Figure:
    ind = data["ind"]
    unit = _unit(ind, mode)
    ref = data["reference"]
    rframe = ref["frame"]
    ref_end = float(year_to)
    capped = False
    traces = []
    for i, f in enumerate(data["followers"]):
        sid, label, frame, colour = f["series"], f["label"], f["frame"], c.QUALITATIVE[i % 7]
        res = results[sid]
        pts = frame[(frame["year"] >= year_from) & (frame["year"] <= year_to) & (frame["display"] > 0)]
        traces.append(_scatter(
            x=pts["year"].tolist(), y=_none(pts["display"]), mode="markers", name=label, legendgroup=sid,
            customdata=[sid] * len(pts), marker={"color": colour, "size": 7},
            hovertemplate=f"<b>{label}</b> %{{x}}: %{{y:,.4g}} {unit}<extra></extra>"))
        own = res["own"]
        if own is None:
            continue
        end = float(own.last_year)
        if res["status"] == "converging":
            now = max(own.last_year, res["reference"].last_year)
            end = min(res["crossing_year"], now + CAP_YEARS)
            capped |= res["crossing_year"] > now + CAP_YEARS
            ref_end = max(ref_end, end)
        xs, ys = _trend_line(own, end)
        traces.append(_scatter(
            x=xs, y=ys, mode="lines", name=f"{label} trend", legendgroup=sid, showlegend=False,
            line={"color": colour, "dash": "dash", "width": 1.5},
            hovertemplate=f"{label} trend ({100 * own.cagr:+.1f}% a year) %{{x:.0f}}: %{{y:,.4g}}<extra></extra>"))
        if res["status"] == "converging" and res["crossing_year"] <= end + 1e-9:
            traces.append(_scatter(
                x=[res["crossing_year"]], y=[own.value_at(res["crossing_year"])], mode="markers",
                showlegend=False, legendgroup=sid, marker={"symbol": "x", "size": 10, "color": colour},
                hovertemplate=f"{label} would reach the reference around %{{x:.0f}}<extra></extra>"))
    rpts = rframe[(rframe["year"] >= year_from) & (rframe["year"] <= year_to) & (rframe["display"] > 0)]
    leader_names = c.country_names()
    rtext = [leader_names.get(i, i) if isinstance(i, str) else "" for i in rpts["iso3"]]
    traces.append(_scatter(
        x=rpts["year"].tolist(), y=_none(rpts["display"]), mode="markers", name=ref["label"], text=rtext,
        legendgroup="reference", marker={"color": REFERENCE_COLOUR, "size": 8, "symbol": "diamond"},
        hovertemplate=f"<b>{ref['label']}</b> %{{x}}: %{{y:,.4g}} {unit} %{{text}}<extra></extra>"))
    ref_trend = next((r["ref_trend"] for r in results.values()), None)
    if ref_trend is not None:
        xs, ys = _trend_line(ref_trend, ref_end)
        traces.append(_scatter(
            x=xs, y=ys, mode="lines", name=f"{ref['label']} trend", legendgroup="reference", showlegend=False,
            line={"color": REFERENCE_COLOUR, "dash": "dash", "width": 1.5},
            hovertemplate=f"{ref['label']} trend ({100 * ref_trend.cagr:+.1f}% a year) %{{x:.0f}}: "
                          f"%{{y:,.4g}}<extra></extra>"))
    traces.append(_scatter(x=[None], y=[None], mode="lines", name="fitted trend (dashed)",
                           line={"color": "#777777", "dash": "dash", "width": 1.5}, hoverinfo="skip"))
    assumption = (f"Dashed: log-linear trends fitted to {year_from}–{year_to}, drawn on to the crossing year "
                  f"if both keep their {year_from}–{year_to} trends"
                  + (f" (at most {CAP_YEARS} years ahead)" if capped else "") + "; × marks the crossing.")
    return _figure(traces, {
        "title": {**_title(f"{ind['name']}: growth trends and catch-up"), "y": 0.98, "yanchor": "top"},
        "annotations": [{"text": assumption, "x": 0, "y": 1.0, "xref": "paper", "yref": "paper",
                         "xanchor": "left", "yanchor": "bottom", "showarrow": False,
                         "font": {"size": 11, "color": "#444444"}}],
        "margin": {"l": 10, "r": 10, "t": 60, "b": 10}, "legend": LEGEND,
        "xaxis": {"title": _axis_title("Year"), "tickformat": "d", "automargin": True},
        "yaxis": {"title": _axis_title(f"{unit} (log scale)"), "automargin": True,
                  **_log_axis([y for t in traces for y in t["y"]])},
    })


def trend_table(table: pd.DataFrame) -> dbc.Table:
    head = html.Thead(html.Tr([html.Th(h, scope="col") for h in
                               ["Country / group", "Points", "Growth a year (CAGR) [95% interval]",
                                "Reference CAGR", "Status", "Years to catch up", "Crossing year"]]))
    body = []
    for r in table.itertuples():
        cagr = "—" if pd.isna(r.cagr) else f"{_pct(r.cagr)} [{_pct(r.cagr_low)}, {_pct(r.cagr_high)}]"
        body.append(html.Tr([
            html.Td(r.label), html.Td(str(r.points)), html.Td(cagr), html.Td(_pct(r.reference_cagr)),
            html.Td(r.status), html.Td(_years(r.years_to_catch_up)), html.Td(_year(r.crossing_year)),
        ], **{"data-series": r.series}))
    return dbc.Table([head, html.Tbody(body)], id="gap-table", bordered=False, hover=True, size="sm", striped=True,
                     className="small mb-1")


# -- notes ----------------------------------------------------------------------------------------------------
def _excluded_note(excluded: pd.DataFrame) -> str:
    if excluded.empty:
        return ""
    counts = Counter(zip(excluded["period"].astype(str), excluded["note"].astype(str)))
    parts = [f"{period} ({note}; {n} value{'' if n == 1 else 's'})" for (period, note), n in sorted(counts.items())]
    return "Left out as covering only part of the period: " + ", ".join(parts) + "."


def _period_phrase(periods: list[str], rows: pd.DataFrame) -> str:
    if rows.empty:
        return "no data"
    span = _span(int(rows["year"].min()), int(rows["year"].max()))
    if any(len(p) > 4 for p in periods):
        return f"{span}; sub-annual data: each year uses the latest period within that year (latest: {periods[-1]})"
    return span


def gap_notes(data: dict, rows: pd.DataFrame, mode: str, measure: str, ref: str) -> list[str]:
    names = c.country_names()
    notes = [data["excluded_note"]]
    if measure == "ratio":
        notes.append(f"Ratio = {REFERENCES[ref]} ÷ country (log scale): 10 means the reference has ten times the "
                     "country's value; below 1 the country is ahead. A zero value has no ratio (gap in the line).")
    if ref == "leader":
        lead = data["reference"]["frame"]
        if len(lead):
            runs = lead.groupby("iso3")["year"].agg(lambda y: ", ".join(str(v) for v in sorted(y)))
            listed = "; ".join(f"{names.get(i, i)} ({y})" for i, y in runs.items())
            form = "" if mode == "absolute" else f" ({MODES[mode]})"
            notes.append(f"Leader each year: the best country with data that year{form}: {listed}.")
    elif ref == "G7":
        notes.append("G7 median: the median of the G7 members with data that year.")
    if any(f["kind"] == "group" for f in data["followers"]):
        kind = data["ind"]["kind"]
        how = ("the median of the members with data" if kind != "total" else
               {"absolute": "the sum over the members with data",
                "share_world": "the members' combined share",
                "per_capita": "the members' total over their total population",
                "per_gdp": "the members' total over their total GDP"}[mode])
        notes.append(f"Group lines (dotted) show {how}, each year counting the countries that were members then; "
                     "hover shows how many members had data.")
        if "BRICS" in [f["series"] for f in data["followers"]]:
            notes.append(brics_note(int(rows["year"].min()), int(rows["year"].max())))
    flagged = rows[rows["note"].map(_flagged)] if len(rows) else rows
    for note, part in (flagged.groupby("note") if len(flagged) else []):
        where = ", ".join(f"{r.label} {r.year}" for r in part.head(6).itertuples())
        more = f" and {len(part) - 6} more" if len(part) > 6 else ""
        notes.append(f"◇ marks a value with a note: “{note}” ({where}{more}).")
    if mode in ("per_capita", "per_gdp"):
        notes.append(f"Shown {MODES[mode]}; denominators are World Bank population / GDP (current US$) of the "
                     "same year or the latest earlier one.")
    return notes


# -- callbacks ------------------------------------------------------------------------------------------------
def _clean_inputs(ind_id, ref, countries, groups, measure, mode, year_from, year_to):
    ind = c.indicator(ind_id) or c.indicator(c.DEFAULT_INDICATOR)
    names = c.country_names()
    gnames = group_names()
    ref = ref if ref in REFERENCES else DEFAULT_REFERENCE
    measure = measure if measure in MEASURES else "ratio"
    mode = mode if mode in allowed_modes(ind["kind"]) else "absolute"
    countries = [i for i in (countries or []) if i in names]
    groups = [g for g in (groups or []) if g in gnames]
    y0, y1 = c.to_int(year_from), c.to_int(year_to)
    if y0 is not None and y1 is not None and y0 > y1:
        y0, y1 = y1, y0
    return ind, ref, countries, groups, measure, mode, y0, y1


@callback(
    Output("gap-graph", "figure"),
    Output("gap-note", "children"),
    Output("gap-missing", "children"),
    Output("gap-trend-graph", "figure"),
    Output("gap-trend-table", "children"),
    Output("gap-trend-note", "children"),
    Input("gap-indicator", "value"),
    Input("gap-ref", "value"),
    Input("gap-countries", "value"),
    Input("gap-groups", "value"),
    Input("gap-measure", "value"),
    Input("gap-mode", "value"),
    Input("gap-from", "value"),
    Input("gap-to", "value"),
)
def update_gap(ind_id, ref, countries, groups, measure, mode, year_from, year_to):
    ind, ref, countries, groups, measure, mode, y0, y1 = _clean_inputs(ind_id, ref, countries, groups, measure,
                                                                       mode, year_from, year_to)
    if not countries and not groups:
        empty = c.empty_figure("Pick at least one country or group")
        return empty, "", "", empty, "", ""
    data = gap_data(ind, mode, ref, countries, groups)
    rows = gap_rows(data, mode)
    missing = [html.Div(m, className="small text-danger") for m in data["missing"]]
    if rows.empty:
        msg = " ".join(data["missing"]) or f"No years in common with the reference on {ind['name']}."
        empty = c.empty_figure(msg if len(msg) < 90 else "No data to compare: see the messages above")
        return empty, "", missing, empty, "", ""
    fig = gap_figure(rows, data, measure, mode, y0, y1)
    note = c.source_note(ind, _period_phrase(data["periods"], rows), gap_notes(data, rows, mode, measure, ref))
    if y0 is None or y1 is None:
        empty = c.empty_figure(f"No complete years of {ind['name']}")
        return fig, note, missing, empty, "", ""
    table, results = trend_rows(data, y0, y1, mode)
    if all(r["own"] is None for r in results.values()):
        tfig = c.empty_figure(f"No trend to draw: no country or group has {gap.MIN_POINTS} positive yearly values "
                              f"in {_span(y0, y1)}")
    else:
        tfig = trend_figure(data, results, y0, y1, mode)
    tnotes = [
        f"CAGR: compound annual growth from a least-squares fit of the logarithm of the values on the year, over "
        f"{y0}–{y1} (positive values only), with its 95% interval. Years to catch up: when the country's trend "
        f"line would reach the reference's, if both keep their {y0}–{y1} trends — a projection, not a forecast.",
        f"No trend is estimated from fewer than {gap.MIN_POINTS} positive yearly values in the window "
        "(“insufficient data”).",
    ]
    if (table["years_to_catch_up"] > CAP_YEARS).any():
        far = table[table["years_to_catch_up"] > CAP_YEARS]["label"].tolist()
        tnotes.append(f"Trend lines are drawn at most {CAP_YEARS} years ahead; the crossing of "
                      f"{', '.join(far)} lies beyond.")
    tnotes.append(data["excluded_note"])
    return fig, note, missing, tfig, trend_table(table), c.source_note(ind, _span(y0, y1), tnotes)


# The controls that define the gap and trend view, as States of its downloads.
_VIEW_STATE = [State(f"gap-{name}", "value") for name in
               ("indicator", "ref", "countries", "groups", "measure", "mode", "from", "to")]


@callback(
    Output("gap-download", "data"),
    Input("gap-download-btn", "n_clicks"),
    *_VIEW_STATE,
    prevent_initial_call=True,
)
def download_gap(_n, *args):
    ind, ref, countries, groups, measure, mode, y0, y1 = _clean_inputs(*args)
    if not countries and not groups:
        raise dash.exceptions.PreventUpdate
    rows = gap_rows(gap_data(ind, mode, ref, countries, groups), mode)
    return c.csv_payload(rows, f"aigap_gap_{ind['indicator_id']}_{ref}_{mode}.csv")


@callback(
    Output("gap-trend-download", "data"),
    Input("gap-trend-download-btn", "n_clicks"),
    *_VIEW_STATE,
    prevent_initial_call=True,
)
def download_trend(_n, *args):
    ind, ref, countries, groups, measure, mode, y0, y1 = _clean_inputs(*args)
    if (not countries and not groups) or y0 is None or y1 is None:
        raise dash.exceptions.PreventUpdate
    table, _ = trend_rows(gap_data(ind, mode, ref, countries, groups), y0, y1, mode)
    return c.csv_payload(table, f"aigap_trend_{ind['indicator_id']}_{ref}_{mode}_{y0}-{y1}.csv")


# -- concentration and blocs ----------------------------------------------------------------------------------
def _editions(periods: list[str]) -> list[str]:
    """Every June and November edition from the first to the last one (missing editions become gaps)."""
    first, last = periods[0], periods[-1]
    out = []
    for year in range(int(first[:4]), int(last[:4]) + 1):
        for month in ("06", "11"):
            p = f"{year}-{month}"
            if first <= p <= last:
                out.append(p)
    return out


def concentration_data(ind_id: str) -> dict:
    """From one query: concentration per period (``conc``), bloc shares per year (``shares``), the partial-period
    rows left out (``excluded``) and the early periods left out for having too few countries (``sparse``)."""
    obs_all = c.store().observations(ind_id)
    obs = complete_periods(obs_all)
    out = {"excluded": obs_all.loc[obs_all.index.difference(obs.index)], "sparse": [],
           "conc": pd.DataFrame(columns=CONC_CSV), "shares": pd.DataFrame(columns=BLOC_CSV)}
    conc = gap.concentration(obs)
    if conc.empty:
        return out
    # A "top 5 share" of three countries says nothing: start where every period has enough countries with data.
    few = conc.index[conc["countries"] < MIN_COUNTRIES]
    if len(few):
        out["sparse"] = conc.loc[: few.max(), "period"].astype(str).tolist()
        conc = conc.loc[few.max() + 1:]
        if conc.empty:
            return out
    top = obs.loc[obs.groupby("period")["value"].idxmax().to_numpy(), ["period", "iso3"]].set_index("period")["iso3"]
    out["conc"] = conc.assign(indicator_id=ind_id, top_country=conc["period"].map(top))[CONC_CSV].reset_index(
        drop=True)
    blocs = {}
    for gid in BLOCS:
        members = _members(gid)
        blocs[gid] = {r.iso3: (None if pd.isna(r.since) else int(r.since)) for r in members.itertuples()}
    shares = gap.bloc_shares(obs[obs["year"] >= int(conc["year"].min())], blocs)
    # A bloc none of whose members has data that year holds 0% of the total of the countries with data.
    grid = pd.MultiIndex.from_product([sorted(shares["year"].unique()), [*BLOCS, REST]], names=["year", "bloc"])
    shares = (shares.set_index(["year", "bloc"]).reindex(grid)
              .fillna({"share": 0.0, "value": 0.0, "countries": 0}).reset_index())
    shares["countries"] = shares["countries"].astype(int)
    # Before a bloc existed (BRICS: 2009) it has no share at all: a gap, not 0%.
    for gid, members in blocs.items():
        joined = [y for y in members.values() if y is not None]
        if joined and len(joined) == len(members):
            before = (shares["bloc"] == gid) & (shares["year"] < min(joined))
            shares.loc[before, ["share", "value"]] = np.nan
    out["shares"] = shares.assign(indicator_id=ind_id)[BLOC_CSV]
    return out


def concentration_figure(conc: pd.DataFrame, ind: dict, by_edition: bool) -> go.Figure:
    """Top-1/2/5 shares above, the HHI in a small chart below on the same x axis."""
    names = c.country_names()
    if by_edition:
        x = _editions(sorted(conc["period"].astype(str)))
        full = conc.set_index("period").reindex(x)
    else:
        x = list(range(int(conc["year"].min()), int(conc["year"].max()) + 1))
        full = conc.set_index("year").reindex(x)
    traces = []
    for i, (col, label) in enumerate([("top1", "Top 1"), ("top2", "Top 2"), ("top5", "Top 5")]):
        hover = ["" if pd.isna(v) else f"{label}: {v:.1f}% of the total of {int(n)} countries with data"
                 + (f"<br>largest: {names.get(t, t)}" if col == "top1" else "")
                 for v, n, t in zip(full[col], full["countries"], full["top_country"])]
        traces.append(_scatter(x=x, y=_none(full[col]), name=label, mode="lines+markers", connectgaps=False,
                               text=hover, hovertemplate="%{x}<br>%{text}<extra></extra>",
                               line={"color": c.QUALITATIVE[i], "width": 2}, marker={"size": 4}))
    traces.append(_scatter(x=x, y=_none(full["hhi"]), name="HHI (lower chart)", mode="lines+markers",
                           connectgaps=False, xaxis="x2", yaxis="y2", line={"color": "#555555", "width": 1.5},
                           marker={"size": 4}, hovertemplate="%{x}<br>HHI %{y:,.0f}<extra></extra>"))
    xaxis = {"type": "category", "nticks": 10} if by_edition else {"tickformat": "d"}
    return _figure(traces, {
        "title": _title(f"{ind['name']}: share held by the largest countries", 13),
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "legend": LEGEND,
        "xaxis": {**xaxis, "matches": "x2", "showticklabels": False, "anchor": "y"},
        "yaxis": {"title": _axis_title("% of the total"), "range": [0, 100], "domain": [0.36, 1],
                  "automargin": True},
        "xaxis2": {**xaxis, "anchor": "y2", "automargin": True,
                   "title": _axis_title("TOP500 edition" if by_edition else "Year")},
        "yaxis2": {"title": _axis_title("HHI"), "rangemode": "tozero", "domain": [0, 0.27], "automargin": True},
    })


def bloc_figure(shares: pd.DataFrame, ind: dict) -> go.Figure:
    years = list(range(int(shares["year"].min()), int(shares["year"].max()) + 1))
    traces = []
    for bloc in (*BLOCS, REST):
        part = shares[shares["bloc"] == bloc].set_index("year").reindex(years)
        if part["share"].isna().all():
            continue
        hover = ["" if pd.isna(v) else f"{bloc} {y}: {v:.1f}% ({int(n)} countries with data)" if n else
                 f"{bloc} {y}: no member with data (0%)" for y, v, n in zip(years, part["share"], part["countries"])]
        label = "BRICS (as of each year)" if bloc == "BRICS" else bloc
        traces.append(_scatter(x=years, y=_none(part["share"]), name=label, mode="lines+markers",
                               connectgaps=False, text=hover, hovertemplate="%{text}<extra></extra>",
                               line={"color": BLOC_COLOURS[bloc], "width": 2}, marker={"size": 5}))
    return _figure(traces, {
        "title": _title(f"{ind['name']}: share of the total by bloc", 13),
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "legend": LEGEND,
        "xaxis": {"title": _axis_title("Year"), "tickformat": "d", "automargin": True},
        "yaxis": {"title": _axis_title("% of the total of countries with data"), "range": [0, 100],
                  "automargin": True},
    })


def brics_note(first_year: int, last_year: int) -> str:
    """'BRICS as of each year (2024: +Egypt, …; 2025: +Indonesia)' from the stored join years."""
    names = c.country_names()
    members = _members("BRICS").dropna(subset=["since"])
    if members.empty:
        return ""
    members = members.assign(since=members["since"].astype(int))
    founding = int(members["since"].min())
    parts = []
    for since, part in members.groupby("since"):
        listed = ", ".join(sorted(names.get(i, i) for i in part["iso3"]))
        if since == founding:
            if founding > first_year:
                parts.append(f"{since}: {listed}")
        elif first_year < since <= last_year:
            parts.append(f"{since}: +{listed}")
    if not parts:
        return ""  # no change of membership within the years shown
    text = f"BRICS as of each year ({'; '.join(parts)})"
    if founding > first_year:
        text += f"; before {founding} its members count in the rest of the world"
    return text + "."


@callback(
    Output("gap-conc-graph", "figure"),
    Output("gap-conc-note", "children"),
    Output("gap-bloc-graph", "figure"),
    Output("gap-bloc-note", "children"),
    Input("gap-conc", "value"),
)
def update_concentration(conc_id):
    conc_id = conc_id if conc_id in CONCENTRATION else DEFAULT_CONCENTRATION
    ind = c.indicator(conc_id)
    data = concentration_data(conc_id)
    conc, shares, excluded = data["conc"], data["shares"], data["excluded"]
    if conc.empty:
        empty = c.empty_figure(f"Not enough countries with data for {ind['name']}")
        return empty, "", empty, ""
    names = c.country_names()
    by_edition = conc["period"].astype(str).str.len().max() > 4
    fig = concentration_figure(conc, ind, by_edition)
    notes = ["Share of the total of the countries with data that period held by the largest 1, 2 and 5; HHI "
             "(Herfindahl-Hirschman index, sum of squared percentage shares: 10,000 = one country holds all). "
             f"The number of countries with data changes over time ({int(conc['countries'].min())}–"
             f"{int(conc['countries'].max())}); hover shows it.", _excluded_note(excluded)]
    if data["sparse"]:
        notes.append(f"Left out: {data['sparse'][0]}–{data['sparse'][-1]}, when some periods have fewer than "
                     f"{MIN_COUNTRIES} countries with data.")
    if by_edition:
        present = set(conc["period"].astype(str))
        gaps = [p for p in _editions(sorted(present)) if p not in present]
        notes.append("Every TOP500 edition (June and November lists) is its own point"
                     + (f"; editions missing from the collected files: {', '.join(gaps)} (gaps in the lines)."
                        if gaps else "."))
    if conc_id == "notable_ai_models":
        notes.append("A model developed by organisations in several countries counts once for each, so shares are "
                     "of the sum of country counts.")
    period = f"{conc['period'].iloc[0]} to {conc['period'].iloc[-1]}"
    note = c.source_note(ind, period, notes)
    bfig = bloc_figure(shares, ind)
    g7 = ", ".join(sorted(names.get(i, i) for i in _members("G7")["iso3"]))
    bnotes = [brics_note(int(shares["year"].min()), int(shares["year"].max())),
              f"G7: {g7}. Shares of the total of the countries with data each year; the rest of the world is "
              "every other country with data; a bloc none of whose members has data that year shows 0%.",
              _excluded_note(excluded)]
    if data["sparse"]:
        bnotes.append(f"Starts in {int(shares['year'].min())}, as the concentration chart does.")
    if by_edition:
        bnotes.append("Yearly: each year uses the latest TOP500 edition within that year.")
    bnote = c.source_note(ind, _span(int(shares["year"].min()), int(shares["year"].max())), bnotes)
    return fig, note, bfig, bnote


@callback(
    Output("gap-conc-download", "data"),
    Input("gap-conc-download-btn", "n_clicks"),
    State("gap-conc", "value"),
    prevent_initial_call=True,
)
def download_concentration(_n, conc_id):
    conc_id = conc_id if conc_id in CONCENTRATION else DEFAULT_CONCENTRATION
    return c.csv_payload(concentration_data(conc_id)["conc"], f"aigap_concentration_{conc_id}.csv")


@callback(
    Output("gap-bloc-download", "data"),
    Input("gap-bloc-download-btn", "n_clicks"),
    State("gap-conc", "value"),
    prevent_initial_call=True,
)
def download_blocs(_n, conc_id):
    conc_id = conc_id if conc_id in CONCENTRATION else DEFAULT_CONCENTRATION
    return c.csv_payload(concentration_data(conc_id)["shares"], f"aigap_bloc_shares_{conc_id}.csv")
