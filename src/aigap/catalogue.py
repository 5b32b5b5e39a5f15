"""The catalogue: every source and indicator the adapters declare, gathered in one place, and the plausibility
rules every observation must pass (declared here once per indicator, checked by ``validate.check_plausible``)."""

from __future__ import annotations

import dataclasses
from datetime import date
from functools import cache

from .sources import adapters, country_codes, worldbank_class
from .sources.base import Indicator, Source


@dataclasses.dataclass(frozen=True)
class Rule:
    """What an indicator's values can be: ``low`` to ``high`` in the indicator's unit.

    ``noun`` names the quantity in refusals ("no negative power"); ``scale`` marks a published scale (a percentage
    or an index score), whose bounds are the scale's ends; otherwise ``high`` is a ceiling no country can reach,
    and ``why`` says so in refusals.
    """

    noun: str
    low: float
    high: float
    scale: bool = False
    why: str = ""

    def broken_by(self, value: float) -> str:
        """The rule's name as a refusal states it, for a finite value outside ``low``-``high``."""
        if self.scale:
            return f"{self.noun} within {self.low:g}-{self.high:g}"
        if value < self.low:
            return f"no negative {self.noun}" if self.low == 0 else f"{self.noun} at least {self.low:g}"
        return f"{self.noun} at most {self.high:g}"


PERCENT = Rule("percentage", 0, 100, scale=True)
SCORE_100 = Rule("score", 0, 100, scale=True)
AIPI = Rule("score", 0, 1, scale=True)
AIPI_DIMENSION = Rule("score", 0, 0.25, scale=True)  # each of the four dimensions weighs a quarter of the AIPI
MODELS = Rule("model count", 1, 1e5, why="a country-year without a model has no row; USA 84 in a year")

# Ceilings sit far above any real country (the largest in the shipped data in brackets) and far below an
# error of units or digits: a value above one is refused, never stored.
RULES: dict[str, Rule] = {
    "gdp_usd": Rule("money", 0, 5e14, why="5 times world GDP; USA 2.9e13"),
    "gdp_per_capita_usd": Rule("money", 0, 1e7, why="Monaco 2.9e5"),
    "population": Rule("population", 0, 1e10, why="more than the world's people; India 1.45e9"),
    "rd_expenditure_pct_gdp": PERCENT,
    "researchers_per_million": Rule("rate", 0, 1e6, why="one researcher per person"),
    "internet_users_pct": PERCENT,
    "high_tech_exports_pct": PERCENT,
    "ai_vc_investment": Rule("money", 0, 1e8, why="US$ 100 trillion; USA 2026 4.1e5 million"),
    "ai_private_investment": Rule("money", 0, 1e14, why="USA 1.5e11"),
    "ai_patents_per_million": Rule("rate", 0, 1e6, why="one patent per person"),
    "ai_newly_funded_companies": Rule("company count", 0, 1e7, why="USA 1,143"),
    "top500_rmax": Rule("compute", 0, 1e10, why="1e4 times the whole June 2025 list; USA 6.7e6 TFlop/s"),
    "top500_systems": Rule("system count", 0, 500, why="a TOP500 list has 500 systems"),
    "gpu_cluster_h100e": Rule("compute", 0, 1e10, why="USA 1.3e6 H100e"),
    "frontier_dc_power_mw": Rule("power", 0, 1e6, why="1 TW, a third of world generating capacity; USA 4,199 MW"),
    "cloud_regions": Rule("region count", 0, 1e4, why="USA 46"),
    "cloud_regions_announced": Rule("region count", 0, 1e4, why="USA 4"),
    "notable_ai_models": MODELS,
    "open_weight_ai_models": MODELS,
    "large_scale_ai_models": MODELS,
    "imf_aipi": AIPI,
    "imf_aipi_digital_infrastructure": AIPI_DIMENSION,
    "imf_aipi_human_capital": AIPI_DIMENSION,
    "imf_aipi_innovation": AIPI_DIMENSION,
    "imf_aipi_regulation": AIPI_DIMENSION,
    "oxford_gairi": SCORE_100,
    "oxford_gairi_government": SCORE_100,
    "oxford_gairi_technology": SCORE_100,
    "oxford_gairi_data_infrastructure": SCORE_100,
    "tortoise_gaii": SCORE_100,
    "tortoise_gaii_talent": SCORE_100,
    "tortoise_gaii_infrastructure": SCORE_100,
    "tortoise_gaii_operating_environment": SCORE_100,
    "tortoise_gaii_research": SCORE_100,
    "tortoise_gaii_development": SCORE_100,
    "tortoise_gaii_government_strategy": SCORE_100,
    "tortoise_gaii_commercial": SCORE_100,
    "ai_diffusion": PERCENT,
}

# The day each source's files were published or retrieved (its vintage in SOURCE.md): no period may start after
# it. A newer release must move its date here, with the Source's vintage text.
VINTAGES: dict[str, date] = {
    "worldbank_wdi": date(2026, 7, 13),  # WDI release; the datahub mirrors are older
    "worldbank_wdi_extra": date(2026, 4, 8),
    "oecd_ai_vc_investment": date(2026, 9, 27),  # export date
    "owid_cset_ai_investment": date(2025, 4, 26),  # OWID grapher export, committed 2025-04-26
    "owid_ai_index_newly_funded": date(2025, 4, 7),  # AI Index 2025 release
    "top500": date(2025, 6, 10),  # June 2025 list, published at ISC
    "epoch_ai_supercomputers": date(2025, 11, 16),  # mirror commit of the export
    "epoch_frontier_data_centers": date(2025, 12, 14),  # mirror commit
    "cloud_regions_telegeography": date(2025, 1, 2),
    "epoch_notable_models": date(2026, 1, 26),  # accessed
    "epoch_large_scale_models": date(2025, 5, 20),  # mirror commit
    "imf_aipi": date(2026, 6, 30),  # DataMapper extract generated
    "oxford_insights_gairi": date(2024, 12, 31),  # 2024 edition, published December 2024
    "tortoise_global_ai_index": date(2023, 6, 28),  # undated; predates the 2023 edition of this day
    "microsoft_ai_diffusion": date(2026, 5, 6),  # Q1 2026 update added
}


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
    """Every indicator, its ``value_range`` taken from its rule (so the store records the same bounds)."""
    found: dict[str, Indicator] = {}
    known_sources = sources()
    for module in adapters():
        for ind in module.INDICATORS:
            if ind.id in found:
                raise ValueError(f"indicator id {ind.id!r} declared twice")
            if ind.source_id not in known_sources:
                raise ValueError(f"indicator {ind.id!r}: unknown source {ind.source_id!r}")
            if ind.id not in RULES:
                raise ValueError(f"indicator {ind.id!r}: no plausibility rule in catalogue.RULES")
            if ind.source_id not in VINTAGES:
                raise ValueError(f"indicator {ind.id!r}: source {ind.source_id!r} has no date in catalogue.VINTAGES")
            rule = RULES[ind.id]
            found[ind.id] = dataclasses.replace(ind, value_range=(rule.low, rule.high))
    if set(RULES) - set(found):
        raise ValueError(f"rules for unknown indicators: {sorted(set(RULES) - set(found))}")
    return found
