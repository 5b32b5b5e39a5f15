"""The view layer: for every chart and table a page shows, one pure function that returns exactly what it draws.

Each page has a module here with ``PARAMS`` (the query-string keys it reads), ``parse(query, frames)`` (the typed
parameters) and ``TABLES`` ({table name: view function}, the first the default). ``run`` ties them together for
the page, its CSV button and ``/download/<page>.csv``.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import ModuleType

from .base import Frames, ParamError, Query, View

PAGES = ("overview", "compare", "profile", "explorer", "index", "gap", "data")


class UnknownPage(LookupError):
    """No view module for this page name."""


def module(page: str) -> ModuleType:
    if page not in PAGES:
        raise UnknownPage(f"no page {page!r}; pages with data: {', '.join(PAGES)}")
    return importlib.import_module(f"{__name__}.{page}")


def parse(page: str, params: Mapping[str, object], frames: Frames, strict: bool = True) -> tuple[str, object]:
    """(table name, typed parameters) from a page's query string; strict parsing raises ParamError."""
    mod = module(page)
    query = Query(params, strict=strict)
    query.unknown((*mod.PARAMS, "table"))
    table = query.choice("table", list(mod.TABLES), next(iter(mod.TABLES)))
    return table, mod.parse(query, frames)


def compute(page: str, table: str, params: object, frames: Frames) -> View:
    return module(page).TABLES[table](params, frames)


__all__ = ["PAGES", "Frames", "ParamError", "Query", "View", "UnknownPage", "module", "parse", "compute"]
