"""Country profile: every indicator for one country, set against all countries, its peer groups, the leader
and (optionally) one comparison country.

Pure functions: DataFrames in, DataFrames out. Observation frames have the store's columns
``iso3, indicator_id, period, year, value, source_id, note`` and may hold every indicator at once.

A year's value follows ``measures.latest_per_year`` (one period per indicator and year, the latest of that year
over all countries: a TOP500 year is its November list). For each indicator the country's *latest year* is the
reference: its rank and percentile are among the countries with a value for that same period (as
``measures.rank`` defines them; computed here in one pass over all indicators, and checked against
``measures.rank`` by the tests), the peer-group medians and the leader are taken over that period too. A value
covering part of its period (year to date) keeps its flag, and the rank's text says the period is partial.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .measures import complete_periods, latest_per_year

# The peer groups whose medians a profile shows: the World Bank income group and region (every country with a
# World Bank classification has exactly one of each).  Key = column prefix, value = group kind in the store.
PEER_GROUP_KINDS = {"income": "wb_income", "region": "wb_region"}
# Pillars in reading order: what a country invests, builds and produces first; readiness scores; context last.
PILLAR_ORDER = ["investment", "compute", "models", "talent & research", "readiness", "context"]

# One row per indicator: what the profile table shows and what its CSV holds.
COLUMNS = [
    "iso3", "indicator_id", "pillar", "name", "unit", "kind", "higher_is_better", "rankable",
    "period", "year", "value", "note", "partial",
    "rank", "of", "percentile", "rank_text",
    "income_group", "income_median", "income_n", "region", "region_median", "region_n",
    "leader_iso3", "leader_name", "leader_value", "gap_ratio", "is_leader",
    "peer_iso3", "peer_period", "peer_year", "peer_value", "peer_note", "peer_partial",
    "latest_year_any", "countries_latest_any", "remark",
]
SERIES_COLUMNS = ["indicator_id", "role", "iso3", "year", "period", "value", "note"]


def order_indicators(indicators: pd.DataFrame) -> pd.DataFrame:
    """The catalogue in the profile's reading order: by ``PILLAR_ORDER`` (other pillars last), then id."""
    order = {p: i for i, p in enumerate(PILLAR_ORDER)}
    rank_of = indicators["pillar"].map(order).fillna(len(order))
    return indicators.assign(_order=rank_of).sort_values(["_order", "pillar", "indicator_id"], kind="stable") \
        .drop(columns="_order").reset_index(drop=True)


def yearly_values(obs: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator, country and year, by the shared rule ``measures.latest_per_year`` (the year's
    period is chosen over all countries first; a country missing from it has no value that year). Rows without
    a value are then dropped (missing is missing). Sorted by indicator, country, year."""
    yearly = latest_per_year(obs)
    yearly = yearly.dropna(subset=["value"])
    return yearly.sort_values(["indicator_id", "iso3", "year"], kind="stable").reset_index(drop=True)


def group_membership(members: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """``store.group_members()`` joined with ``store.groups()``: iso3, group_id, name, kind, since, until."""
    info = groups[["group_id", "name", "kind"]]
    keep = [c for c in ("group_id", "iso3", "since", "until") if c in members]
    return members[keep].merge(info, on="group_id", how="left")


def peer_groups(groups: pd.DataFrame | None, iso3: str) -> dict[str, tuple[str, str, list[str]]]:
    """{prefix: (group_id, group name, member iso3s)} for the peer-group kinds the country belongs to."""
    out: dict[str, tuple[str, str, list[str]]] = {}
    if groups is None or groups.empty:
        return out
    gids = groups["group_id"].astype(str).tolist()
    isos = groups["iso3"].astype(str).tolist()
    kinds = groups["kind"].astype(str).tolist()
    labels = groups["name"].tolist() if "name" in groups else gids
    for prefix, kind in PEER_GROUP_KINDS.items():
        mine = [i for i, (iso, k) in enumerate(zip(isos, kinds)) if iso == iso3 and k == kind]
        if not mine:
            continue
        group_id = gids[mine[0]]
        name = labels[mine[0]] if isinstance(labels[mine[0]], str) else group_id
        out[prefix] = (group_id, name, [iso for iso, gid in zip(isos, gids) if gid == group_id])
    return out


def current_clubs(groups: pd.DataFrame, iso3: str) -> list[str]:
    """Names of the clubs (G7, BRICS, ...) the country belongs to now: joined, and no last year recorded."""
    mine = groups[(groups["iso3"] == iso3) & (groups["kind"] == "club")]
    if "until" in mine:
        mine = mine[mine["until"].isna()]
    return mine["name"].astype(str).tolist()


def gap_ratio(value: float, leader_value: float, higher_is_better: bool = True) -> tuple[float, str]:
    """How many times the leader's level the gap is: leader / country when higher is better (country / leader
    when lower is better), with the reason when it is undefined."""
    if pd.isna(value) or pd.isna(leader_value):
        return np.nan, ""
    if value < 0 or leader_value < 0:
        return np.nan, "gap ratio undefined for negative values"
    if higher_is_better:
        if value == 0:
            return np.nan, "gap ratio undefined: the value is 0"
        return leader_value / value, ""
    if leader_value == 0:
        return np.nan, "gap ratio undefined: the leader's value is 0"
    return value / leader_value, ""


def rank_text(rank: int, of: int, kind: str | None, period: str, partial: bool) -> str:
    """'12 of the 165 with a score': N counts only the countries with a value (a score for scores and indices,
    data otherwise) in the same period; a partial period says so."""
    what = "a score" if kind == "score" else "data"
    text = f"{rank} of the {of:,} with {what}"
    return f"{text} for {period}, a partial period" if partial else text


def _text(value) -> str | None:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def profile_table(obs: pd.DataFrame, indicators: pd.DataFrame, iso3: str, peer: str | None = None,
                  groups: pd.DataFrame | None = None, names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per indicator of ``indicators`` (in its order) describing ``iso3``; columns ``COLUMNS``.

    ``obs``: observations of all countries for those indicators (every period: reduced by
    ``yearly_values``). ``indicators``: the store's indicator table (indicator_id, pillar,
    name, unit, higher_is_better, rankable, kind). ``groups``: memberships with iso3, group_id, kind (and name),
    e.g. ``group_membership(store.group_members(), store.groups())``. ``names``: iso3 -> country name.

    - value / period / year / note: the country's latest year; ``partial`` when the value covers part of
      its period (year to date), by ``measures.complete_periods``.
    - rank / of / percentile: as ``measures.rank`` gives them among the countries with a value for the same
      period, honouring higher_is_better (1 = best, ties share the best rank; percentile = share of the other
      countries it is at least as good as); empty (remark "not ranked") when the indicator is not rankable.
      ``rank_text`` says it in words: "12 of the 165 with a score".
    - income_median / region_median (and _n): median over the members of the country's World Bank income
      group / region with a value for that period (the country included), and how many members have one.
    - leader_iso3 / leader_value: the best country in that period (the country itself when it ranks first, ties
      otherwise go to the first ISO code); gap_ratio = leader / country (country / leader when lower is
      better): 1 for the leader, empty with a remark when the country's value is 0. No leader or gap for
      indicators that are not rankable.
    - peer_*: the comparison country's value for the same year, else its own latest year (peer_year says).
    - no data: remark "no data for <country>; N countries have <latest year> data".
    """
    yearly = yearly_values(obs)
    return YearlyIndex(yearly).table(indicators, iso3, peer, groups, names)


def _table(index: YearlyIndex, indicators: pd.DataFrame, iso3: str, peer: str | None,
           groups: pd.DataFrame | None, names: Mapping[str, str] | None) -> pd.DataFrame:
    """``profile_table`` over an index: rows are looked up by country and by (indicator, year), never scanned."""
    names = names or {}
    label = names.get(iso3, iso3)
    ind = indicators.reset_index(drop=True)
    ids = [str(i) for i in ind["indicator_id"]]
    peer = peer if peer and peer != iso3 else None
    col_ind, col_iso, col_year, col_period = index.col_ind, index.col_iso, index.col_year, index.col_period
    col_value = index.col_value

    # The country's latest row per indicator (the first such row), the comparison country's rows by year.
    own_pos: dict[str, int] = {}
    for pos in index.positions(iso3):
        ind_id = col_ind[pos]
        if ind_id not in own_pos or col_year[pos] > col_year[own_pos[ind_id]]:
            own_pos[ind_id] = pos
    peer_pos: dict[str, dict[int, int]] = {}
    for pos in index.positions(peer):
        peer_pos.setdefault(col_ind[pos], {})[col_year[pos]] = pos
    latest_any = {ind_id: index.latest_year[ind_id] for ind_id in ids if ind_id in index.latest_year}
    count_latest = {ind_id: len(index.by_indicator_year[(ind_id, year)]) for ind_id, year in latest_any.items()}
    # Every country's value in the country's own period.
    pool: dict[str, list[tuple[str, float]]] = {}
    for ind_id, pos in own_pos.items():
        period = col_period[pos]
        pool[ind_id] = [(col_iso[k], col_value[k]) for k in index.by_indicator_year[(ind_id, col_year[pos])]
                        if col_period[k] == period]
    details = {pos: (col_period[pos], index.col_note[pos], index.col_partial[pos])
               for pos in (*own_pos.values(), *(k for years in peer_pos.values() for k in years.values()))}

    pgroups = {prefix: (gid, set(members)) for prefix, (gid, _n, members) in peer_groups(groups, iso3).items()}
    meta = ind.set_index(ind["indicator_id"].astype(str))
    cols = [col for col in ("pillar", "name", "unit", "kind", "higher_is_better", "rankable") if col in meta]
    meta_d = meta[cols].to_dict("index")

    rows = []
    for ind_id in ids:
        m = meta_d[ind_id]
        hib, rankable = bool(m["higher_is_better"]), bool(m.get("rankable", True))
        n_latest = count_latest.get(ind_id, 0)
        row = {"iso3": iso3, "indicator_id": ind_id, "pillar": m["pillar"], "name": m["name"], "unit": m["unit"],
               "kind": m.get("kind"), "higher_is_better": hib, "rankable": rankable, "is_leader": False,
               "latest_year_any": latest_any.get(ind_id), "countries_latest_any": n_latest}
        for prefix, (group_id, _members) in pgroups.items():
            row["income_group" if prefix == "income" else prefix] = group_id
        remarks = []
        if ind_id in own_pos:
            pos = own_pos[ind_id]
            value, year = col_value[pos], col_year[pos]
            period, note, is_partial = details[pos]
            row.update(period=period, year=year, value=value, note=note, partial=is_partial)
            current = pool[ind_id]
            if rankable:
                values = np.fromiter((v for _iso, v in current), dtype="float64", count=len(current))
                better = int((values > value).sum() if hib else (values < value).sum())
                of = len(values)
                # as measures.rank: ties share the best rank; percentile = share of the others it matches or beats
                row.update(rank=better + 1, of=of, percentile=100 * (of - better - 1) / max(of - 1, 1),
                           rank_text=rank_text(better + 1, of, m.get("kind"), period, is_partial))
                if better == 0:
                    row.update(leader_iso3=iso3, leader_value=value, gap_ratio=1.0, is_leader=True)
                    remarks.append("leader")
                else:
                    leader_value = float(values.max() if hib else values.min())
                    leader_iso = min(iso for iso, v in current if v == leader_value)  # ties: first ISO code
                    ratio, why = gap_ratio(value, leader_value, hib)
                    row.update(leader_iso3=leader_iso, leader_value=leader_value, gap_ratio=ratio)
                    if why:
                        remarks.append(why.replace("the value", f"{label}'s value"))
                row["leader_name"] = names.get(row["leader_iso3"], row["leader_iso3"])
            else:
                remarks.append("not ranked")
            for prefix, (_gid, members) in pgroups.items():
                part = [v for iso, v in current if iso in members]
                row[f"{prefix}_median"] = float(np.median(part)) if part else np.nan
                row[f"{prefix}_n"] = len(part)
            if year < latest_any[ind_id]:
                remarks.append(f"latest for {label} is {year} ({n_latest} {_countries(n_latest)} "
                               f"{latest_any[ind_id]} data)")
        elif ind_id in latest_any:
            remarks.append(f"no data for {label}; {n_latest} {_countries(n_latest)} {latest_any[ind_id]} data")
        else:
            remarks.append("no data for any country")
        if peer:
            row["peer_iso3"] = peer
            theirs = peer_pos.get(ind_id)
            if theirs:
                pick = theirs.get(row.get("year")) if "year" in row else None
                pos = pick if pick is not None else theirs[max(theirs)]
                period, note, is_partial = details[pos]
                row.update(peer_period=period, peer_year=col_year[pos], peer_value=col_value[pos], peer_note=note,
                           peer_partial=is_partial)
        row["remark"] = "; ".join(remarks) if remarks else None
        rows.append(row)

    table = pd.DataFrame(rows).reindex(columns=COLUMNS)
    for col in ("year", "rank", "of", "income_n", "region_n", "peer_year", "latest_year_any"):
        table[col] = table[col].astype("Int64")
    for col in ("value", "percentile", "income_median", "region_median", "leader_value", "gap_ratio",
                "peer_value"):
        table[col] = table[col].astype("float64")
    for col in ("partial", "peer_partial"):
        table[col] = table[col].astype("boolean")
    table["countries_latest_any"] = table["countries_latest_any"].astype("int64")
    return table


def _countries(n: int) -> str:
    return "country has" if n == 1 else "countries have"


def sparkline_series(yearly: pd.DataFrame, roles: Mapping[str, str]) -> pd.DataFrame:
    """The trend lines: per indicator and country (``roles``: iso3 -> "country" / "peer"), one row per year
    from its first to its last year with a value, ``value`` empty where the year has none (a gap in the line,
    never 0). A series with fewer than two values draws no line and is left out. Columns ``SERIES_COLUMNS``."""
    rows = yearly[yearly["iso3"].isin(list(roles))]
    spans = rows.groupby(["indicator_id", "iso3"], observed=True)["year"].agg(["min", "max", "size"])
    spans = spans[spans["size"] >= 2]
    if spans.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "value" else "int64" if c == "year" else "object")
                             for c in SERIES_COLUMNS})
    lengths = (spans["max"] - spans["min"] + 1).to_numpy()
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    grid = pd.DataFrame({"indicator_id": np.repeat(spans.index.get_level_values(0).to_numpy(object), lengths),
                         "iso3": np.repeat(spans.index.get_level_values(1).to_numpy(object), lengths),
                         "year": np.repeat(spans["min"].to_numpy("int64"), lengths) + np.arange(lengths.sum()) - starts})
    series = grid.merge(rows[["indicator_id", "iso3", "year", "period", "value", "note"]],
                        on=["indicator_id", "iso3", "year"], how="left")
    series = series.assign(role=series["iso3"].map(roles),
                           year=series["year"].astype("int64"), value=series["value"].astype("float64"))
    return series[SERIES_COLUMNS].sort_values(["indicator_id", "role", "year"]).reset_index(drop=True)


class YearlyIndex:
    """A yearly frame (``yearly_values`` output) with row positions by country and by (indicator, year) and its
    columns as lists, so one profile looks up the rows it needs without scanning every row. Build once per store
    file."""

    def __init__(self, yearly: pd.DataFrame) -> None:
        self.yearly = yearly.reset_index(drop=True)
        self.col_ind = self.yearly["indicator_id"].astype(str).tolist()
        self.col_iso = self.yearly["iso3"].astype(str).tolist()
        self.col_year = self.yearly["year"].astype("int64").tolist()
        self.col_period = self.yearly["period"].astype(str).tolist()
        self.col_value = self.yearly["value"].astype("float64").tolist()
        self.col_note = [_text(note) for note in self.yearly["note"].tolist()]
        self.col_partial = (~self.yearly.index.isin(complete_periods(self.yearly).index)).tolist()
        self.by_country = {str(k): v for k, v in self.yearly.groupby("iso3", observed=True).indices.items()}
        pairs = self.yearly.groupby(["indicator_id", "year"], observed=True).indices
        self.by_indicator_year = {(str(k[0]), int(k[1])): v for k, v in pairs.items()}
        self.latest_year = {}
        for ind_id, year in self.by_indicator_year:
            self.latest_year[ind_id] = max(year, self.latest_year.get(ind_id, year))

    def positions(self, iso3: str | None) -> list[int]:
        """Row positions of one country (all indicators), in row order."""
        found = self.by_country.get(iso3) if iso3 else None
        return [] if found is None else found.tolist()

    def table(self, indicators: pd.DataFrame, iso3: str, peer: str | None = None,
              groups: pd.DataFrame | None = None, names: Mapping[str, str] | None = None) -> pd.DataFrame:
        """``profile_table`` of one country from this index (the same table, without reducing rows per call)."""
        return _table(self, indicators, iso3, peer, groups, names)

    def country(self, iso3: str | None) -> pd.DataFrame:
        """Every yearly row of one country (all indicators), sorted by indicator and year."""
        positions = self.by_country.get(iso3) if iso3 else None
        return self.yearly.iloc[positions if positions is not None else []]
