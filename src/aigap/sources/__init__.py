"""Source adapters: one module per publisher, each turning its raw folder into tidy observations.

Every adapter module exposes ``SOURCES`` (tuple of :class:`~aigap.sources.base.Source`),
``INDICATORS`` (tuple of :class:`~aigap.sources.base.Indicator`) and
``parse(ctx: Context) -> DataFrame`` returning ``base.TIDY_COLUMNS``. A module may also expose
``aggregates(ctx) -> DataFrame`` (columns ``base.AGGREGATE_COLUMNS``) for figures the publisher
gives only for regions (e.g. "Europe", "World").
"""

from __future__ import annotations

import importlib
from types import ModuleType

# Order matters only for display; each module is independent.
ADAPTER_MODULES = (
    "worldbank",
    "oecd",
    "owid",
    "top500",
    "epoch_compute",
    "cloud_regions",
    "epoch_models",
    "imf",
    "oxford",
    "tortoise",
    "microsoft",
)


def adapters() -> list[ModuleType]:
    return [importlib.import_module(f"{__name__}.{name}") for name in ADAPTER_MODULES]
