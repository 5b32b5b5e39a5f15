"""Country profile: every indicator for one country set against all countries, its World Bank peer groups, the
leader and a comparison country (the ``profile`` table), and the yearly series its trend lines draw (``series``)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..profile import (YearlyIndex, current_clubs, group_membership, order_indicators, peer_groups,
                       sparkline_series, yearly_values)
from .base import Frames, ParamError, Query, View, plural

PARAMS = ("country", "peer")
DEFAULT_COUNTRY = "BRA"
_SHOWN = 24  # longest refused code repeated on screen


@dataclass(frozen=True)
class Params:
    country: str = DEFAULT_COUNTRY
    peer: str | None = None
    # A code that is not a country, refused by lenient parsing (an old or mistyped link): the page says so
    # instead of silently showing the default. Strict parsing raises ParamError instead, so these stay None.
    unknown_country: str | None = None
    unknown_peer: str | None = None


def _country(query: Query, frames: Frames, key: str, default: str | None) -> tuple[str | None, str | None]:
    """(ISO3 code, the refused value): codes are matched case-insensitively against the store's countries."""
    raw = query.text(key)
    if raw is None:
        return default, None
    if raw.upper() in frames.names:
        return raw.upper(), None
    if query.strict:
        raise ParamError(f"'{key}' must be a country's ISO 3166 alpha-3 code such as {DEFAULT_COUNTRY}; got {raw!r}")
    return default, raw


def parse(query: Query, frames: Frames) -> Params:
    country, unknown_country = _country(query, frames, "country", DEFAULT_COUNTRY)
    peer, unknown_peer = _country(query, frames, "peer", None)
    return Params(country=country, peer=peer if peer != country else None,  # not compared with itself
                  unknown_country=unknown_country, unknown_peer=unknown_peer)


@dataclass(frozen=True)
class _Data:
    index: YearlyIndex
    indicators: pd.DataFrame
    groups: pd.DataFrame
    sources: dict[str, tuple[str | None, str | None]]  # indicator -> (short publisher, full source)


def profile_data(frames: Frames) -> _Data:
    """Every indicator's yearly values (one period per year, ``measures.latest_per_year``) with row indexes, the
    catalogue in reading order and the group memberships: built once per store file (``Frames.memo``)."""
    return frames.memo("profile_data", lambda: _build(frames))


def _build(frames: Frames) -> _Data:
    indicators = order_indicators(frames.indicators.reset_index(drop=True))
    parts = [frames.obs(i) for i in indicators["indicator_id"]]
    obs = pd.concat([part for part in parts if len(part)] or parts[:1], ignore_index=True)
    sources = {i: _source(row) for i, row in indicators.set_index("indicator_id").to_dict("index").items()}
    return _Data(YearlyIndex(yearly_values(obs)), indicators, group_membership(frames.members, frames.groups), sources)


def _source(ind: dict) -> tuple[str | None, str | None]:
    """(short publisher, 'publisher, title (vintage v)') of a catalogue row, where the catalogue has them."""
    publisher = ind.get("publisher")
    if not isinstance(publisher, str):
        return None, None
    short = publisher.split(" (")[0].split(", ")[0]
    return short, f"{publisher}, {ind.get('source_title')} (vintage {ind.get('vintage')})"


def notice(p: Params, frames: Frames) -> str | None:
    """What the page says when a link asked for a code that is not a country."""
    parts = []
    if p.unknown_country:
        parts.append(f"No country {p.unknown_country[:_SHOWN]!r}; showing {frames.name(p.country)}.")
    if p.unknown_peer:
        parts.append(f"No country {p.unknown_peer[:_SHOWN]!r} to compare with.")
    return " ".join(parts) or None


def profile_view(p: Params, frames: Frames) -> View:
    """One row per indicator (``analysis.profile.profile_table``, looked up in the per-store index), with its
    publisher and source."""
    data = profile_data(frames)
    table = data.index.table(data.indicators, p.country, p.peer, data.groups, frames.names)
    table.insert(table.columns.get_loc("kind"), "publisher", [data.sources[i][0] for i in table["indicator_id"]])
    table.insert(table.columns.get_loc("kind"), "source", [data.sources[i][1] for i in table["indicator_id"]])

    name = frames.name(p.country)
    own = peer_groups(data.groups, p.country)
    income = own["income"][1] if "income" in own else None
    region = own["region"][1] if "region" in own else None
    clubs = current_clubs(data.groups, p.country)
    with_data = int(table["value"].notna().sum())
    summary = (" · ".join(x for x in (income, region) if x) or "No World Bank classification",
               f"Member of {', '.join(clubs)}" if clubs else "",
               f"Data for {with_data} of {plural(len(table), 'indicator')}")
    publishers = tuple(dict.fromkeys(x for x in table["publisher"] if isinstance(x, str)))
    return View(table, (), {"title": f"Country profile: {name}", "name": name,
                            "peer_name": frames.name(p.peer) if p.peer else None,
                            "income": income, "region": region, "summary": summary, "publishers": publishers,
                            "notice": notice(p, frames)})


def series_view(p: Params, frames: Frames) -> View:
    """The yearly series the trend lines draw: the country's, then the comparison country's (gaps kept)."""
    index = profile_data(frames).index
    roles = {p.country: "country", **({p.peer: "peer"} if p.peer else {})}
    rows = pd.concat([index.country(iso) for iso in roles])
    return View(sparkline_series(rows, roles))


TABLES = {"profile": profile_view, "series": series_view}
