"""Figures and the ranking table of the Index page, laid out from the view tables (no data shaping)."""

from __future__ import annotations

from html import escape

from dash import dcc, html

from ...analysis.views import index as V
from .. import components as c

COMPARE_COLOURS = {"imf_aipi": c.QUALITATIVE[0], "oxford_gairi": c.QUALITATIVE[1], "tortoise_gaii": c.QUALITATIVE[2]}
COMPARE_SYMBOLS = {"imf_aipi": "circle", "oxford_gairi": "square", "tortoise_gaii": "diamond"}
COMPARE_TITLE = "Our rank vs theirs (among the countries both rank)"
ROBUST_AXIS = "Rank (1 = best): median and 5-95% range"


def _fmt(value, decimals: int) -> str:
    return "–" if value is None or value != value else f"{value:.{decimals}f}"


def ranking_table(ranking, n_pillars: int):
    """The ranking as ONE component (an HTML table in a Markdown block): as ~1,000 Dash components it cost the
    browser seconds per update, every component re-checking the renderer's store on every callback."""
    meta = ranking.meta
    if not meta["scored"]:
        return html.P("No country has data on enough pillars: lower the minimum or choose other indicators.",
                      className="text-danger")
    d = meta["decimals"]
    cells = ["Rank", "Country", "Score", *[V.PILLAR_SHORT[x] for x in meta["pillars"]], "Pillars with data",
             '<span title="Under 1,000 random weightings x 3 normalisations">Rank range (5-95%)</span>']
    head = "".join(f"<th>{cell if cell.startswith('<') else escape(cell)}</th>" for cell in cells)
    rows = [f'<tr data-iso3="{escape(r["iso3"])}"><td>{int(r["rank"])}</td>'
            f'<td><a href="/profile?country={escape(r["iso3"])}">{escape(r["name"])}</a></td>'
            f'<td class="fw-semibold">{_fmt(r["score"], d)}</td>'
            + "".join(f"<td>{_fmt(r[x], d)}</td>" for x in meta["pillars"])
            + f'<td>{r["pillars_with_data"]} of {n_pillars}</td><td>{escape(r["rank_range"] or "–")}</td></tr>'
            for r in ranking.table.head(meta["scored"]).to_dict("records")]
    table = (f'<table id="ix-ranking" class="table table-sm table-striped table-hover small mb-0"><thead '
             f'style="position:sticky;top:0;background:white"><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
             "</table>")
    return dcc.Markdown(table, dangerously_allow_html=True)


def map_traces(view) -> list[dict]:
    """The scored countries coloured by score, the others grey (both traces always there, for patching)."""
    table, meta = view.table, view.meta
    d, n = meta["decimals"], meta["pillars"]
    scored, short = table.head(int(table["scored"].sum())), table.iloc[int(table["scored"].sum()):]
    line = {"color": "white", "width": 0.3}
    return [{"type": "choropleth", "locations": scored["iso3"].tolist(), "z": scored["score"].tolist(),
             "locationmode": "ISO-3", "hoverinfo": "text", "colorscale": c.SEQUENTIAL, "name": "score",
             "text": [f"{nm}: {_fmt(s, d)} (rank {int(r)})" for nm, s, r in zip(scored["name"], scored["score"],
                                                                             scored["rank"])],
             "marker": {"line": line}, "colorbar": c.colorbar_below(meta["colorbar"])},
            {"type": "choropleth", "locations": short["iso3"].tolist(), "z": [0] * len(short), "locationmode": "ISO-3",
             "colorscale": [[0, c.MISSING_GREY], [1, c.MISSING_GREY]], "showscale": False, "name": "not enough data",
             "marker": {"line": line}, "hoverinfo": "text",
             "text": [f"{nm}: not enough data ({int(k)} of {n} pillars)"
                      for nm, k in zip(short["name"], short["pillars_with_data"])]}]


def robustness_figure(view) -> dict:
    """Median rank with its 5-95% range per country, and the rank with the chosen weights."""
    table = view.table
    traces = []
    for flag, colour, name in ((True, c.QUALITATIVE[0], "rank within 5 places"),
                               (False, c.QUALITATIVE[3], "rank moves more than 5 places")):
        part = table[table["robust"] == flag]
        traces.append({"type": "scatter", "mode": "markers", "name": name, "x": part["median_rank"].tolist(),
                       "y": part["name"].tolist(), "marker": {"color": colour, "size": 7},
                       "error_x": {"type": "data", "symmetric": False, "thickness": 1.5, "width": 3, "color": colour,
                                   "array": (part["rank_p95"] - part["median_rank"]).tolist(),
                                   "arrayminus": (part["median_rank"] - part["rank_p5"]).tolist()},
                       "customdata": list(zip(part["rank_p5"], part["rank_p95"])),
                       "hovertemplate": "%{y}: median rank %{x:.0f}, 5-95%: %{customdata[0]:.0f}-%{customdata[1]:.0f}"
                                        "<extra></extra>"})
    traces.append({"type": "scatter", "mode": "markers", "name": "rank with your weights", "x": table["rank"].tolist(),
                   "y": table["name"].tolist(), "marker": {"symbol": "diamond-open", "size": 8, "color": c.QUALITATIVE[7]},
                   "hovertemplate": "%{y}: rank %{x} with your weights<extra></extra>"})
    title = c.chart_title(view.meta["title"], 13)
    return c.plain_figure([t for t in traces if t["x"]], {
        "height": 18 * len(table) + 170, "margin": {"l": 10, "r": 10, "t": c.title_top(title), "b": 10},
        "title": title, "xaxis": {"title": c.axis_text(ROBUST_AXIS, 30), "rangemode": "tozero", "automargin": True},
        "yaxis": {"autorange": "reversed", "categoryorder": "array", "categoryarray": table["name"].tolist(),
                  "automargin": True, "title": None},
        "legend": {**c.LEGEND_BELOW, "font": {"size": 11}}})


def comparison_figure(view, pairs) -> dict | None:
    """Our rank against each published index's (None when no index shares countries with ours)."""
    traces = [{"type": "scatter", "mode": "markers", "name": f"{part['index_name'].iloc[0]} ({part['edition'].iloc[0]})",
               "x": part["their_rank"].tolist(), "y": part["our_rank"].tolist(), "text": part["name"].tolist(),
               "marker": {"color": COMPARE_COLOURS[ind], "size": 6, "symbol": COMPARE_SYMBOLS[ind], "opacity": 0.75},
               "hovertemplate": "%{text}: our rank %{y}, theirs %{x}<extra></extra>"}
              for ind, part in ((i, pairs.table[pairs.table["indicator_id"] == i]) for i in view.table["indicator_id"])
              if len(part)]
    if not traces:
        return None
    top = pairs.meta["top"]
    traces.append({"type": "scatter", "mode": "lines", "name": "same rank", "x": [1, top], "y": [1, top],
                   "line": {"color": "#888888", "dash": "dot", "width": 1}, "hoverinfo": "skip"})
    title = c.chart_title(COMPARE_TITLE, 13)
    return c.plain_figure(traces, {
        "margin": {"l": 10, "r": 10, "t": c.title_top(title), "b": 10}, "title": title,
        "xaxis": {"title": c.axis_text("Rank in the published index"), "autorange": "reversed", "automargin": True},
        "yaxis": {"title": c.axis_text("Rank in this index"), "autorange": "reversed", "automargin": True},
        "legend": {**c.LEGEND_BELOW, "font": {"size": 11}}})
