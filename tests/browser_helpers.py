"""Reading what a page shows: the figure data plotly.js holds for a dcc.Graph, decoded from typed arrays."""

from __future__ import annotations

_FIGURE_JS = """
id => {
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  if (!gd || !gd._fullData) return null;
  const plain = v => (v && typeof v === 'object' && typeof v.length === 'number') ? Array.from(v) : v;
  const keep = ['x', 'y', 'z', 'locations', 'text', 'customdata', 'name', 'type', 'marker', 'error_x', 'error_y'];
  const data = gd._fullData.filter(t => t.visible !== false).map(t => {
    const out = {};
    for (const k of keep) { if (t[k] !== undefined) out[k] = plain(t[k]); }
    if (out.marker) out.marker = {size: plain(out.marker.size), color: plain(out.marker.color)};
    return out;
  });
  const title = gd.layout.title && (gd.layout.title.text || gd.layout.title);
  const axes = {x: gd.layout.xaxis && gd.layout.xaxis.title && gd.layout.xaxis.title.text,
                y: gd.layout.yaxis && gd.layout.yaxis.title && gd.layout.yaxis.title.text,
                xtype: gd.layout.xaxis && gd.layout.xaxis.type, ytype: gd.layout.yaxis && gd.layout.yaxis.type};
  return {data: data, title: title, axes: axes};
}
"""


def settle(page, ms: int = 0, timeout: int = 30000) -> None:
    """Wait until Dash has no callback in flight (no component marked loading), then ``ms`` for the DOM to follow."""
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=timeout)
    if ms:
        page.wait_for_timeout(ms)


def figure(page, graph_id: str) -> dict | None:
    """{'data': [trace fields as plain lists], 'title': str, 'axes': {...}} of the graph with this id."""
    return page.evaluate(_FIGURE_JS, graph_id)


def wait_for_graph(page, graph_id: str, timeout: int = 20000) -> dict:
    page.wait_for_function(
        "id => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');"
        " return gd && gd._fullData && gd._fullData.length; }",
        arg=graph_id, timeout=timeout)
    return figure(page, graph_id)


def wait_for_change(page, graph_id: str, before: dict, timeout: int = 15000) -> dict:
    """Wait until the graph's data differ from ``before`` (a figure() result); returns the new figure."""
    page.wait_for_function(
        "([id, old]) => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');"
        " if (!gd || !gd._fullData) return false;"
        " const now = JSON.stringify(gd._fullData.map(t => [Array.from(t.x || []), Array.from(t.y || []),"
        " Array.from(t.z || []), Array.from(t.locations || [])]));"
        " return now !== old; }",
        arg=[graph_id, _signature(before)], timeout=timeout)
    return figure(page, graph_id)


def _signature(fig: dict) -> str:
    import json

    return json.dumps([[t.get("x") or [], t.get("y") or [], t.get("z") or [], t.get("locations") or []]
                       for t in fig["data"]], separators=(",", ":"))


def choose_option(page, dropdown_id: str, text: str) -> None:
    """Pick an option of a Dash 4 dcc.Dropdown by typing in its search box and clicking the match."""
    page.click(f"#{dropdown_id}")
    page.fill("input.dash-dropdown-search", text)
    page.click(f".dash-dropdown-content label:has-text('{text}')")


# Every text box of each drawn plotly graph, for chart_text_problems: the graph's box, its title, axis titles
# (any axis: xtitle, y2title, ...), colour bars and their titles, legend and annotations ("labels"), its tick labels
# grouped by axis (x tick labels drawn turned, as plotly turns them when they do not fit side by side, flagged).
_CHART_TEXT_JS = """() => {
  const box = el => { const r = el.getBoundingClientRect();
                      return {l: r.left, t: r.top, r: r.right, b: r.bottom, w: r.width, h: r.height}; };
  const drawn = el => { const r = el.getBoundingClientRect();
                        return r.width > 0 && r.height > 0 && getComputedStyle(el).display !== 'none'; };
  const shown = el => drawn(el) && (el.textContent || '').trim() !== '';
  const name = el => (el.textContent || '').trim().slice(0, 40);
  return Array.from(document.querySelectorAll('.js-plotly-plot')).map((gd, i) => {
    const graph = box(gd);
    if (graph.w === 0 || graph.h === 0) return null;  // not displayed (a closed panel)
    const id = (gd.closest('[id]') || {}).id || ('graph ' + i);
    const labels = [];
    const add = (kind, sel) => gd.querySelectorAll(sel).forEach(el => { if (shown(el))
      labels.push({kind: kind, text: name(el), box: box(el)}); });
    add('title', '.gtitle');
    add('axis title', 'text[class^="x"][class$="title"], text[class^="y"][class$="title"]');
    add('colour-bar title', '.cbtitle text');
    add('legend', 'g.legend');
    add('annotation', 'g.annotation');
    gd.querySelectorAll('.cbfills').forEach(el => { if (drawn(el)) labels.push({kind: 'colour bar', text: '',
                                                                                  box: box(el)}); });
    const axes = {}, layers = new Map();
    gd.querySelectorAll('g[class$="tick"] > text, g[class$="tick2"] > text').forEach(el => {
      if (!shown(el)) return;
      const g = el.parentNode;
      if (!layers.has(g.parentNode)) layers.set(g.parentNode, layers.size);
      const key = g.getAttribute('class') + '@' + layers.get(g.parentNode);
      const turned = /rotate\\((-?\\d+)/.exec(el.getAttribute('transform') || '');
      (axes[key] = axes[key] || []).push({text: name(el), box: box(el),
                                          turned: !!turned && Math.abs(parseInt(turned[1])) % 180 !== 0});
    });
    const drags = Array.from(gd.querySelectorAll('.nsewdrag')).filter(drawn).map(box);
    const plot = drags.length ? {l: Math.min(...drags.map(b => b.l)), t: Math.min(...drags.map(b => b.t)),
                                 r: Math.max(...drags.map(b => b.r)), b: Math.max(...drags.map(b => b.b))} : null;
    const maps = Array.from(gd.querySelectorAll('g.geo')).filter(drawn).map(box);
    return {id: id, graph: graph, labels: labels, ticks: Object.entries(axes), plot: plot, maps: maps};
  }).filter(g => g);
}"""


def _overlap(a: dict, b: dict, slack: float = 1.0) -> bool:
    return min(a["r"], b["r"]) - max(a["l"], b["l"]) > slack and min(a["b"], b["b"]) - max(a["t"], b["t"]) > slack


def chart_text_problems(page) -> list[str]:
    """Text of the page's plotly graphs that a reader cannot read whole: a title, axis title, legend, annotation or
    tick label leaving its graph's box (beyond 1 px), two of title/axis titles/legend/annotations overlapping, a tick
    label on one of them, neighbouring tick labels of one axis overlapping, x tick labels turned to fit; or so much
    text that the plot or map is squeezed (_squeezed)."""
    problems: list[str] = []
    for g in page.evaluate(_CHART_TEXT_JS):
        where, frame = g["id"], g["graph"]
        ticks = [t for _, axis in g["ticks"] for t in axis]
        for item in g["labels"] + [{"kind": "tick label", **t} for t in ticks]:
            b = item["box"]
            out = {side: round(d, 1) for side, d in (("left", frame["l"] - b["l"]), ("top", frame["t"] - b["t"]),
                                                     ("right", b["r"] - frame["r"]), ("bottom", b["b"] - frame["b"]))
                   if d > 1}
            if out:
                problems.append(f"{where}: {item['kind']} {item['text']!r} leaves the graph by {out} px")
        labels = g["labels"]
        for i, a in enumerate(labels):
            for b in labels[i + 1:]:
                if _overlap(a["box"], b["box"]):
                    problems.append(f"{where}: {a['kind']} {a['text']!r} overlaps {b['kind']} {b['text']!r}")
            for t in ticks:
                if _overlap(a["box"], t["box"]):
                    problems.append(f"{where}: {a['kind']} {a['text']!r} overlaps tick label {t['text']!r}")
        for key, axis in g["ticks"]:
            if key.startswith("x") and any(t["turned"] for t in axis):
                problems.append(f"{where}: {key.split('@')[0]} labels turned to fit ({axis[0]['text']!r}...)")
            for a, b in zip(axis, axis[1:]):
                if _overlap(a["box"], b["box"]):
                    problems.append(f"{where}: tick labels {a['text']!r} and {b['text']!r} overlap")
        problems += _squeezed(where, frame, g["plot"], g["maps"])
    return problems


def _squeezed(where: str, frame: dict, plot: dict | None, maps: list[dict]) -> list[str]:
    """The room the text leaves for the drawing: a chart's plot at least 45% of its height and half its width; a
    map filling 90% of the width or 60% of the height (its shape fixes the other side)."""
    found = []
    if plot and (plot["b"] - plot["t"] < 0.45 * frame["h"] or plot["r"] - plot["l"] < 0.5 * frame["w"]):
        found.append(f"{where}: plot {plot['r'] - plot['l']:.0f}x{plot['b'] - plot['t']:.0f} px of a "
                     f"{frame['w']:.0f}x{frame['h']:.0f} px chart: its text leaves it too little room")
    for m in maps:
        if m["w"] < 0.9 * frame["w"] and m["h"] < 0.6 * frame["h"]:
            found.append(f"{where}: map {m['w']:.0f}x{m['h']:.0f} px of a {frame['w']:.0f}x{frame['h']:.0f} px "
                         "chart: its legend or text leaves it too little room")
    return found
