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
