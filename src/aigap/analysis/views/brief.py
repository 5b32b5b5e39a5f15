"""Country brief: one country's standing on each pillar of the AI-gap index, its largest and smallest gaps by
indicator, their trends, its groups and the sources of every number, for one printable page.

Nothing is derived anew: pillar scores come from the Equal pillars index (``views.index.result``), ranks and
percentiles from ``measures.rank``, per-indicator standing, leaders and peer medians from the Country profile
(``views.profile``: ``analysis.profile.profile_table``), trend series from its ``series`` table. The peer group is
the country's World Bank income group (current classification).

A country has *enough data* for a brief when the index scores it: values on at least ``min_pillars`` (3) of the
5 pillars within the index's look-back window. For the others the page says "not enough data" and why.

Not in ``views.PAGES``: the brief is a printable page (``/brief/<ISO3>``, ``aigap brief``), not a Dash page, and
the registry requires a Dash page per entry. It has the same shape (PARAMS, Params, parse, TABLES) all the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import presets as P
from ..formatting import span
from ..measures import members_in_year, rank
from ..profile import peer_groups
from . import index as index_view
from . import profile as profile_view
from .base import Frames, ParamError, Query, View

PARAMS = ("country",)
INDEX_PRESET = P.DEFAULT_PRESET  # Equal pillars
GAPS = 3  # largest and smallest gaps shown
MIN_RANKED = 10  # an indicator counts for the gaps if at least this many countries have a value in its period
TREND_YEARS = 10  # sparklines cover at most the last ten years of a series
INDEX_ROW = "index"
GROUP_KINDS = {"wb_income": "Income group (World Bank)", "wb_region": "Region (World Bank)", "club": "Member of"}
_DENOMINATORS = {"per_capita": "population", "per_gdp": "gdp_usd"}

PILLAR_COLUMNS = ["pillar", "label", "score", "rank", "of", "percentile", "leader_iso3", "leader_name",
                  "leader_score", "gap_to_leader", "peer_group", "peer_median", "peer_n", "vs_peer_median",
                  "indicators", "inputs", "with_data", "period", "sources"]
GAP_COLUMNS = ["which", "indicator_id", "name", "unit", "pillar", "value", "period", "year", "partial", "rank", "of",
               "percentile", "leader_iso3", "leader_name", "leader_value", "gap_ratio", "income_median", "income_n",
               "source_id", "sources"]
TREND_COLUMNS = ["indicator_id", "year", "period", "value", "note"]
GROUP_COLUMNS = ["kind", "kind_label", "group_id", "name", "since"]
SOURCE_COLUMNS = ["no", "source_id", "publisher", "title", "licence", "vintage", "url", "indicators"]


@dataclass(frozen=True)
class Params:
    country: str


def parse(query: Query, frames: Frames) -> Params:
    """The country's ISO3 code, any case. A brief has no default country: an unknown code is always refused."""
    query.unknown(PARAMS)
    raw = query.text("country")
    if raw is None or raw.upper() not in frames.names:
        shown = "" if raw is None else f"; got {raw[:24]!r}"
        raise ParamError(f"'country' must be a country's ISO 3166 alpha-3 code such as BRA{shown}")
    return Params(raw.upper())


def index_params() -> index_view.Params:
    """The index the pillar scores come from (the Index page's default)."""
    return index_view.Params(P.PRESETS[INDEX_PRESET].choice)


# -- the sources, numbered in order of first use ---------------------------------------------------------------
class _Sources:
    def __init__(self, frames: Frames) -> None:
        self.frames = frames
        self.order: dict[str, int] = {}
        self.indicators: dict[str, list[str]] = {}

    def refs(self, indicator_ids) -> str:
        """'1, 3': the numbers of these indicators' sources, numbering new sources as they appear."""
        numbers = []
        for ind_id in indicator_ids:
            ind = self.frames.indicator(ind_id)
            source = ind["source_id"]
            self.order.setdefault(source, len(self.order) + 1)
            names = self.indicators.setdefault(source, [])
            if ind["name"] not in names:
                names.append(ind["name"])
            numbers.append(self.order[source])
        return ", ".join(str(n) for n in sorted(set(numbers)))

    def table(self) -> pd.DataFrame:
        first = self.frames.indicators.drop_duplicates("source_id").set_index("source_id")
        rows = []
        for source, no in self.order.items():
            ind = first.loc[source]
            rows.append({"no": no, "source_id": source, "publisher": ind.get("publisher"),
                         "title": ind.get("source_title"), "licence": ind.get("licence"),
                         "vintage": ind.get("vintage"), "url": ind.get("source_url"),
                         "indicators": "; ".join(self.indicators[source])})
        return pd.DataFrame(rows, columns=SOURCE_COLUMNS)


# -- standing ---------------------------------------------------------------------------------------------------
def standing(values: pd.Series, iso3: str, peers: set[str]) -> dict:
    """Rank, of, percentile (``measures.rank``), the leader (ties: first ISO code), the gap to it, and the median
    of the peers with a value (the country included) for one score per country."""
    ranked = rank(values.dropna().rename("value").rename_axis("iso3").reset_index())
    mine = ranked[ranked["iso3"] == iso3]
    peer_values = values[values.index.isin(peers)].dropna()
    out = {"of": len(ranked), "peer_median": float(peer_values.median()) if len(peer_values) else np.nan,
           "peer_n": len(peer_values)}
    if len(ranked):
        leader = ranked.loc[ranked["rank"] == 1, "iso3"].min()
        out.update(leader_iso3=leader, leader_score=float(values[leader]))
    if mine.empty:
        return out
    row = mine.iloc[0]
    score = float(row["value"])
    return {**out, "score": score, "rank": int(row["rank"]), "percentile": float(row["percentile"]),
            "gap_to_leader": out["leader_score"] - score, "vs_peer_median": score - out["peer_median"]}


def _pillar_rows(p: Params, frames: Frames, sources: _Sources, peers: set[str]) -> tuple[pd.DataFrame, dict]:
    ip = index_params()
    spec = ip.spec
    res = index_view.result(ip, frames)
    composite, pillars, matrix = res["composite"], res["pillars"], res["matrix"]
    window = span(spec.year - spec.max_lag, spec.year)
    rows = []
    for pillar in spec.pillars():
        pairs = spec.indicators[pillar]
        ids = [i for i, _ in pairs] + [_DENOMINATORS[f] for _, f in pairs if f in _DENOMINATORS]
        columns = [f"{i}:{f}" for i, f in pairs]
        with_data = int(matrix.loc[p.country, columns].notna().sum()) if p.country in matrix.index else 0
        rows.append({"pillar": pillar, "label": index_view.PILLAR_SHORT[pillar],
                     **standing(pillars[pillar], p.country, peers),
                     "indicators": ", ".join(i for i, _ in pairs), "inputs": len(pairs), "with_data": with_data,
                     "period": window,
                     "sources": sources.refs(dict.fromkeys(ids))})
    scored = composite.loc[composite["enough_data"], "score"]
    every = sorted({int(n) for r in rows for n in r["sources"].split(", ") if n})
    rows.insert(0, {"pillar": INDEX_ROW, "label": f"AI-gap index ({P.PRESETS[INDEX_PRESET].label})",
                    **standing(scored, p.country, peers), "indicators": ", ".join(P.indicator_ids(spec)),
                    "inputs": len(spec.pillars()),
                    "with_data": int(composite.loc[p.country, "pillars_with_data"]) if p.country in composite.index
                    else 0, "period": window, "sources": ", ".join(map(str, every))})
    table = pd.DataFrame(rows).reindex(columns=PILLAR_COLUMNS)
    table["leader_name"] = table["leader_iso3"].map(lambda i: frames.name(i) if isinstance(i, str) else None)
    for col in ("rank", "of", "peer_n", "inputs", "with_data"):
        table[col] = table[col].astype("Int64")
    enough = p.country in composite.index and bool(composite.loc[p.country, "enough_data"])
    info = {"year": spec.year, "window": window, "min_pillars": spec.min_pillars, "pillars": len(spec.pillars()),
            "pillars_with_data": int(table.loc[0, "with_data"]), "enough": enough,
            "index_title": P.PRESETS[INDEX_PRESET].label}
    return table, info


def _gap_rows(p: Params, frames: Frames, sources: _Sources, first_year: int) -> pd.DataFrame:
    """The indicators on which the country stands lowest (largest gaps) and highest (smallest) among the
    countries with data: by percentile, then by the leader's multiple. Only the index's candidate indicators
    (not context, not the published composites) with a whole-period value from ``first_year`` on, ranked among at
    least ``MIN_RANKED`` countries: an old value or a rank among three says little."""
    profile = profile_view.profile_view(profile_view.Params(country=p.country), frames).table
    candidates = set(P.candidates(frames.indicators.reset_index(drop=True)).index)
    pool = profile[profile["indicator_id"].isin(candidates) & profile["rank"].notna()
                   & (profile["year"] >= first_year) & ~profile["partial"].fillna(False).astype(bool)
                   & (profile["of"] >= MIN_RANKED)]
    pool = pool.assign(_ratio=pool["gap_ratio"].fillna(np.inf))
    ordered = pool.sort_values(["percentile", "_ratio", "indicator_id"], ascending=[True, False, True])
    largest = ordered.head(GAPS)
    smallest = ordered.drop(largest.index).iloc[::-1].head(GAPS)
    table = pd.concat([largest.assign(which="largest"), smallest.assign(which="smallest")], ignore_index=True)
    table["source_id"] = [frames.indicator(i)["source_id"] for i in table["indicator_id"]]
    table["sources"] = [sources.refs([i]) for i in table["indicator_id"]]
    return table.reindex(columns=GAP_COLUMNS).reset_index(drop=True)


def _trend_rows(p: Params, frames: Frames, indicator_ids: list[str]) -> pd.DataFrame:
    """The country's yearly series of the gap indicators (gaps kept as empty values), its last ten years."""
    series = profile_view.series_view(profile_view.Params(country=p.country), frames).table
    mine = series[(series["role"] == "country") & series["indicator_id"].isin(indicator_ids)]
    last = mine.groupby("indicator_id")["year"].transform("max")
    return mine[mine["year"] > last - TREND_YEARS][TREND_COLUMNS].reset_index(drop=True)


def _group_rows(p: Params, frames: Frames, year: int) -> pd.DataFrame:
    """Income group, region and the clubs the country belonged to in ``year``."""
    mine = frames.members[frames.members["iso3"] == p.country]
    mine = mine[members_in_year(mine, year)].merge(frames.groups[["group_id", "name", "kind"]], on="group_id")
    mine = mine[mine["kind"].isin(list(GROUP_KINDS))]
    order = {kind: i for i, kind in enumerate(GROUP_KINDS)}
    mine = mine.assign(_o=mine["kind"].map(order), kind_label=mine["kind"].map(GROUP_KINDS))
    since = pd.to_numeric(mine["since"], errors="coerce").astype("Int64")
    mine = mine.assign(since=since).sort_values(["_o", "name"])
    return mine[GROUP_COLUMNS].reset_index(drop=True)


def _build(p: Params, frames: Frames) -> dict[str, View]:
    name = frames.name(p.country)
    sources = _Sources(frames)
    income = peer_groups(profile_view.profile_data(frames).groups, p.country).get("income")
    peers = set(income[2]) if income else set()
    pillars, info = _pillar_rows(p, frames, sources, peers)
    pillars["peer_group"] = income[1] if income else None
    gaps = _gap_rows(p, frames, sources, info["year"] - index_params().spec.max_lag)
    trends = _trend_rows(p, frames, list(gaps["indicator_id"]))
    groups = _group_rows(p, frames, info["year"])
    meta = {**info, "iso3": p.country, "name": name, "peer_group": income[1] if income else None,
            "title": f"AI-gap brief: {name}", "message": None if info["enough"] else not_enough(name, info)}
    notes = (f"Pillar scores: the {info['index_title']} index for {info['year']} (each country's latest value in "
             f"{info['window']}; totals log-transformed, each indicator rescaled 0-100, best = 100; a pillar is "
             "the mean of the indicators a country has). Rank: 1 = best, ties share the best rank; percentile: "
             "the share of the other countries with a score that the country matches or beats.",
             f"Peer group: the country's World Bank income group ({meta['peer_group'] or 'none'}, current "
             "classification); its median is over the members with a score, the country included.",
             f"Gaps: among the indicators of the index's pillars with a whole-period value for {name} in "
             f"{info['window']}, ranked among at least {MIN_RANKED} countries, those where it stands lowest (largest "
             "gaps) and highest (smallest) by percentile; the leader's multiple is the leader's value over the "
             "country's.")
    return {"pillars": View(pillars, notes, meta), "gaps": View(gaps, (), meta), "trends": View(trends, (), meta),
            "groups": View(groups, (), meta), "sources": View(sources.table(), (), meta)}


def not_enough(name: str, info: dict) -> str:
    return (f"Not enough data for a brief on {name}: it has scores on {info['pillars_with_data']} of the "
            f"{info['pillars']} pillars of the {info['index_title']} index for {info['year']} (values "
            f"{info['window']}); a brief needs at least {info['min_pillars']}, the index's own rule, so that no "
            "standing rests on too few inputs.")


def brief(p: Params, frames: Frames) -> dict[str, View]:
    """Every table of the brief, built together once per country and store file (they share the numbering of the
    sources). Treat the result as read-only."""
    return frames.memo(("brief", p), lambda: _build(p, frames))


def pillars_table(p: Params, frames: Frames) -> View:
    """The index row, then one row per pillar: score, rank of how many, percentile, the leader and the gap to it,
    the income-group median and the gap to it, the indicators, period and source numbers."""
    return brief(p, frames)["pillars"]


def gaps_table(p: Params, frames: Frames) -> View:
    return brief(p, frames)["gaps"]


def trends_table(p: Params, frames: Frames) -> View:
    return brief(p, frames)["trends"]


def groups_table(p: Params, frames: Frames) -> View:
    return brief(p, frames)["groups"]


def sources_table(p: Params, frames: Frames) -> View:
    return brief(p, frames)["sources"]


TABLES = {"pillars": pillars_table, "gaps": gaps_table, "trends": trends_table, "groups": groups_table,
          "sources": sources_table}
