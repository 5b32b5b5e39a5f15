"""The catalogue: every source and indicator the adapters declare, gathered in one place."""

from __future__ import annotations

from functools import cache

from .sources import adapters, country_codes, worldbank_class
from .sources.base import Indicator, Source


@cache
def sources() -> dict[str, Source]:
    found: dict[str, Source] = {}
    for source in (country_codes.SOURCE, worldbank_class.SOURCE,
                   *(s for m in adapters() for s in m.SOURCES)):
        if source.id in found:
            raise ValueError(f"source id {source.id!r} declared twice")
        found[source.id] = source
    return found


@cache
def indicators() -> dict[str, Indicator]:
    found: dict[str, Indicator] = {}
    known_sources = sources()
    for module in adapters():
        for ind in module.INDICATORS:
            if ind.id in found:
                raise ValueError(f"indicator id {ind.id!r} declared twice")
            if ind.source_id not in known_sources:
                raise ValueError(f"indicator {ind.id!r}: unknown source {ind.source_id!r}")
            found[ind.id] = ind
    return found
