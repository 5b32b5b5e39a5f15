"""The Dash web app: the pages in ``pages/`` over the read-only store, plus a small JSON/CSV API.

The app never parses publisher files and never writes the store; it reads through
:class:`aigap.store.Store`; every number a page shows comes from a view function in :mod:`aigap.analysis.views`.
"""

from __future__ import annotations

from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import Dash, dcc, html

from . import http, state

HERE = Path(__file__).resolve().parent


def nav_links() -> list[dbc.NavItem]:
    """One link per registered page, named and ordered by its register_page call: registering adds it to the bar."""
    return [dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact"))
            for page in dash.page_registry.values()]


def _layout() -> html.Div:
    links = nav_links()
    return html.Div(
        [
            dcc.Location(id="url", refresh=False),
            dcc.Location(id="nav", refresh="callback-nav"),
            html.A("Skip to content", href="#main", className="visually-hidden-focusable"),
            dbc.Navbar(
                dbc.Container(
                    [
                        # On a phone the tagline would push the menu button off the bar: the brand is "aigap" there.
                        dbc.NavbarBrand(["aigap", html.Span(": the AI gap, country by country",
                                                            className="d-none d-sm-inline")], href="/"),
                        dbc.NavbarToggler(id="navbar-toggler", n_clicks=0),
                        dbc.Collapse(dbc.Nav(links, navbar=True), id="navbar-collapse", navbar=True),
                    ],
                    fluid=True,
                ),
                color="dark",
                dark=True,
                className="mb-2",
            ),
            dbc.Container(html.Main(dash.page_container, id="main"), fluid=True),
            html.Footer(
                dbc.Container(
                    html.Small(
                        [
                            "Figures come from publisher files through aigap's adapters; see ",
                            dcc.Link("Data & sources", href="/data"),
                            " for definitions, licences, vintages and caveats.",
                        ],
                        className="text-muted",
                    ),
                    fluid=True,
                ),
                className="py-3",
            ),
        ]
    )


def create_app(db_path: Path | str | None = None) -> Dash:
    """Build the Dash app over the store at ``db_path`` (default data/aigap.duckdb or $AIGAP_DB)."""
    state.configure(db_path)
    app = http.PageDash(
        __name__,
        use_pages=True,
        pages_folder=str(HERE / "pages"),
        assets_folder=str(HERE / "assets"),
        title="aigap",
        suppress_callback_exceptions=True,
        serve_locally=True,
        update_title=None,
        compress=True,
    )
    app.layout = _layout
    from . import api, brief, cache, embed, guard, views

    api.register(app.server)
    brief.register(app.server)
    embed.register(app.server)
    cache.register(app)
    views.register(app.server)
    http.register(app)
    guard.register(app)

    @app.callback(
        dash.Output("navbar-collapse", "is_open"),
        dash.Input("navbar-toggler", "n_clicks"),
        dash.Input("url", "pathname"),
        dash.State("navbar-collapse", "is_open"),
        prevent_initial_call=True,
    )
    def _toggle(n, pathname, is_open):
        """The collapsed menu on phone widths: the toggler opens and closes it, following a link closes it."""
        return not is_open if dash.ctx.triggered_id == "navbar-toggler" else False

    return app
