"""Embeds: ``/embed/<page>?<the page's own query string>[&chart=NAME]`` is one chart of a page with its title,
source line, notes and a link back to the full view, and nothing else (no navigation), filling its frame.

``CHARTS`` maps each page to its embeddable charts (the first is the default), each a function ``(params) ->
Chart`` that draws the page's own cached view results (app/views.py) with the page's own figure function, so an
embed shows exactly what the page shows. The page modules are imported when a chart is drawn, not with this
module: Dash imports them itself when the app is created, and importing one before would register its page and
callbacks twice.

The HTML carries the figure as a JSON data block, which the CSP (app/http.py: no inline scripts) does not treat as
a script, drawn by assets/vendor/aigap-embed.js on aigap's partial plotly.js (assets/vendor is served but Dash
does not put it in every dashboard page). Which sites may frame an embed: ``$AIGAP_FRAME_ANCESTORS``, the CSP's
``frame-ancestors`` sources (default ``'self'``: no other site), e.g. ``'self' https://example.org``.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from urllib.parse import unquote_plus, urlencode

import dash
from flask import Flask, Response, request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from plotly.io.json import to_json_plotly

from ..analysis import summaries
from ..analysis.views import ParamError, Query
from . import components as c
from . import views

HERE = Path(__file__).resolve().parent
SCRIPT = "vendor/aigap-embed.js"
_ENV = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
# The chart toolbar of an embed: the PNG download alone.
CONFIG = {**{k: v for k, v in c.GRAPH_CONFIG.items() if k != "modeBarButtonsToRemove"},
          "modeBarButtons": [["toImage"]], "responsive": True}
TOP, TOP_ANNOTATED = 10, 30  # figure top margin (the title is the page's heading), with room for a note above


@dataclass(frozen=True)
class Chart:
    """What an embed shows: the figure (a plotly figure dict) and the words around it."""

    figure: dict
    title: str
    sources: tuple[tuple[Mapping, str], ...]  # (an indicator's catalogue row, the period shown)
    notes: tuple[str, ...] = ()
    subtitle: str = ""
    summary: str = ""

    @property
    def caveats(self) -> list[str]:
        """The first three caveats of each source, as the page's source note lists them."""
        return [text for ind, _ in self.sources for text in list(ind.get("caveats") or [])[:3]]


def _page(name: str) -> ModuleType:
    """A page module as Dash imported it (see the module docstring)."""
    return importlib.import_module(f"{__package__}.pages.{name}")


def _summary(page: str, table: str, p: object, view) -> str:
    try:
        return summaries.describe(page, table, p, view, views.frames())
    except LookupError:  # a chart without a summary sentence
        return ""


def _text(title: object) -> str:
    """A plotly title (dict or text) as one line of plain text."""
    text = title.get("text", "") if isinstance(title, Mapping) else (title or "")
    return " ".join(re.sub(r"(?<=-)<br>", "", str(text)).replace("<br>", " ").split())  # textwrap breaks at '-'


def _chart(page: str, table: str, p: object, view, draw: Callable[[], dict], sources: tuple, title: str = "",
           notes: tuple[str, ...] | None = None, subtitle: str = "") -> Chart:
    """The chart of one view: drawn by the page's figure function, or the view's empty-state message."""
    figure = c.empty_figure(view.meta["empty"]).to_plotly_json() if view.table.empty else draw()
    return Chart(figure, title or _text(figure["layout"].get("title")) or view.meta.get("empty", ""), sources,
                 tuple(view.notes) if notes is None else notes, subtitle, _summary(page, table, p, view))


# -- the charts of each page --------------------------------------------------------------------------------------
def overview_map(p) -> Chart:
    view, ind = views.view("overview", p, "map"), c.indicator(p.indicator)
    return _chart("overview", "map", p, view, lambda: _page("overview").map_figure(view, ind, p.mode),
                  ((ind, view.meta.get("period", "")),), view.meta.get("title", ""))


def overview_bar(p) -> Chart:
    view, ind = views.view("overview", p, "map"), c.indicator(p.indicator)
    chart = _chart("overview", "map", p, view, lambda: _page("overview").bar_figure(view),
                   ((ind, view.meta.get("period", "")),), view.meta.get("title", ""))
    return replace(chart, subtitle=_text(chart.figure["layout"].get("title")))


def compare_lines(p) -> Chart:
    view, ind = views.view("compare", p, "lines"), c.indicator(p.indicator)
    return _chart("compare", "lines", p, view, lambda: _page("compare").build_figure(
        view, ind, p.mode, p.log, p.year_from, p.year_to), ((ind, view.meta.get("period", "")),),
        view.meta.get("title", ""), (*view.meta.get("missing", ()), *view.notes))


def gap_lines(p) -> Chart:
    view, ind = views.view("gap", p, "gap"), c.indicator(p.indicator)
    return _chart("gap", "gap", p, view, lambda: _page("gap_figures").gap_figure(
        view, p.measure, p.year_from, p.year_to), ((ind, view.meta.get("period", "")),),
        view.meta.get("title", ""), (*view.meta.get("missing", ()), *view.notes))


def gap_trend(p) -> Chart:
    view, ind = views.view("gap", p, "trend"), c.indicator(p.indicator)

    def draw() -> dict:
        if "empty" in view.meta:  # rows the page's table lists, but too few points for a chart
            return c.empty_figure(view.meta["empty"]).to_plotly_json()
        figure = _page("gap_figures").trend_figure(view, views.view("gap", p, "points").table)
        figure["layout"]["annotations"] = []  # the fitting assumption: the subtitle here, where it wraps
        return figure
    return _chart("gap", "trend", p, view, draw, ((ind, view.meta.get("period", "")),), view.meta.get("title", ""),
                  subtitle=view.meta.get("assumption", ""))


def _gap_shares(p, table: str, figure: str) -> Chart:
    """The Gap page's concentration and bloc charts: of the indicator ``conc``."""
    view = views.view("gap", p, table)
    return _chart("gap", table, p, view, lambda: getattr(_page("gap_figures"), figure)(view),
                  ((c.indicator(p.conc), view.meta.get("period", "")),), view.meta.get("title", ""))


def gap_concentration(p) -> Chart:
    return _gap_shares(p, "concentration", "concentration_figure")


def gap_blocs(p) -> Chart:
    return _gap_shares(p, "blocs", "bloc_figure")


def explorer_scatter(p) -> Chart:
    view = views.view("explorer", p, "points")
    ind_x, ind_y = c.indicator(p.x), c.indicator(p.y)
    periods = view.meta.get("period", {})
    sources = tuple((ind, periods.get(axis) or str(p.year)) for axis, ind in (("x", ind_x), ("y", ind_y)))
    axis_notes = view.meta.get("axis_notes", {})
    notes = (*view.notes, *axis_notes.get("x", ()), *axis_notes.get("y", ()))
    return _chart("explorer", "points", p, view, lambda: _page("explorer").build_figure(view, ind_x, ind_y, p),
                  sources, notes=notes)


def _index_sources(p) -> tuple[tuple[Mapping, str], ...]:
    """Every indicator the index uses, with the countries and years it contributes (the page's source list)."""
    inputs = views.view("index", p, "inputs").table
    return tuple((c.indicator(r.indicator_id), r.text) for r in inputs.itertuples())


def index_map(p) -> Chart:
    view, ranking = views.view("index", p, "map"), views.view("index", p, "ranking")
    return _chart("index", "map", p, view, lambda: _page("index_builder").map_figure(p), _index_sources(p),
                  view.meta.get("title", ""), tuple(ranking.notes), ranking.meta.get("title", ""))


def index_comparison(p) -> Chart:
    view, pairs = views.view("index", p, "comparison"), views.view("index", p, "pairs")

    def draw() -> dict:
        figure = _page("index_figures").comparison_figure(view, pairs)
        return figure or c.empty_figure("Nothing to compare").to_plotly_json()
    return _chart("index", "comparison", p, view, draw, _index_sources(p), notes=tuple(view.notes[:1]))


CHARTS: dict[str, dict[str, Callable[[object], Chart]]] = {
    "overview": {"map": overview_map, "bar": overview_bar},
    "compare": {"lines": compare_lines},
    "explorer": {"scatter": explorer_scatter},
    "gap": {"gap": gap_lines, "trend": gap_trend, "concentration": gap_concentration, "blocs": gap_blocs},
    "index": {"map": index_map, "comparison": index_comparison},
}


# -- the page -------------------------------------------------------------------------------------------------------
def page_path(page: str) -> str:
    return "/" if page == "overview" else f"/{page}"


def embed_href(page: str, search: str | None, chart: str | None = None) -> str:
    """The /embed link of a page's chart for the page's current query string (``?a=1&b=2`` or empty)."""
    search = "&".join(filter(None, [(search or "").lstrip("?"), urlencode({"chart": chart}) if chart else ""]))
    return f"/embed/{page}" + (f"?{search}" if search else "")


def _back_href(page: str) -> str:
    """The full view: the page's path with the embed's own query string, less ``chart``."""
    raw = request.query_string.decode("latin-1")
    kept = "&".join(part for part in raw.split("&") if part and unquote_plus(part.split("=", 1)[0]) != "chart")
    return page_path(page) + (f"?{kept}" if kept else "")


def plot_figure(figure: dict) -> dict:
    """The page's figure for a frame: no title (the embed's heading says it), no fixed size."""
    layout = {k: v for k, v in figure["layout"].items() if k not in ("title", "height", "width")}
    above = any(a.get("yref") == "paper" and (a.get("y") or 0) >= 1 for a in layout.get("annotations") or ())
    layout["margin"] = {**(layout.get("margin") or {}), "t": TOP_ANNOTATED if above else TOP}
    layout["autosize"] = True
    return {"data": figure["data"], "layout": layout}


def _json(value: object) -> Markup:
    """JSON safe inside a <script type="application/json"> block: no '<', '>', '&' or "'" can end it early."""
    text = to_json_plotly(value)
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("'", "\\u0027")):
        text = text.replace(char, escaped)
    return Markup(text)


def _asset(path: str) -> str:
    """An asset's URL, fingerprinted like Dash's own (?m=<mtime>: cached a year by app/http.py)."""
    return f"{dash.get_asset_url(path)}?m={(HERE / 'assets' / path).stat().st_mtime}"


def render(page: str, name: str, p: object, chart: Chart) -> str:
    """The embed page of ``page``'s chart ``name`` for the parameters ``p``."""
    stem = views.filename(page, name, p, "png").removesuffix(".png")  # the PNG's name, like the CSV's
    config = {**CONFIG, "toImageButtonOptions": {**CONFIG["toImageButtonOptions"], "filename": stem}}
    return _ENV.get_template("embed.html").render(
        chart=chart, back=_back_href(page), figure=_json(plot_figure(chart.figure)), config=_json(config),
        plotly=dash.get_app().plotly_url, script=_asset(SCRIPT))


def error_page(message: str, status: int) -> Response:
    """A small HTML page that says what is wrong (an embed is read in a frame, where a JSON body helps no one)."""
    return Response(_ENV.get_template("embed.html").render(error=message, status=status), status=status,
                    mimetype="text/html")


def register(server: Flask) -> None:
    @server.get("/embed/<page>")
    def embed(page: str):
        charts = CHARTS.get(page)
        if charts is None:
            return error_page(f"No chart to embed on a page {page[:40]!r}; pages with charts: "
                              f"{', '.join(CHARTS)}.", 404)
        args = request.args.to_dict(flat=False)
        try:
            name = Query({"chart": args.pop("chart", None)}).choice("chart", list(charts), next(iter(charts)))
            if "table" in args:
                raise ParamError("an embed picks its chart with 'chart', not 'table'")
            _, p = views.parse(page, args, strict=True)
        except ParamError as exc:
            return error_page(f"This chart cannot be drawn: {exc}.", 400)
        return Response(render(page, name, p, charts[name](p)), mimetype="text/html")

    @server.get("/embed/")
    @server.get("/embed/<path:_rest>")
    def embed_unknown(_rest: str = ""):  # without this, Dash's page router would answer 200 with an HTML page
        return error_page(f"No such embed {request.path[:80]}; try /embed/<page>?<the page's query>&chart=<name>.",
                          404)
