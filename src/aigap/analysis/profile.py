"""Country profile: every indicator for one country, set against all countries, its peer groups, the leader
and (optionally) one comparison country.

Pure functions: DataFrames in, DataFrames out. Observation frames have the store's columns
``iso3, indicator_id, period, year, value, source_id, note`` and may hold every indicator at once.

For each indicator the country's *latest year* is the reference: its rank and percentile are among the
countries with data for that same year (``measures.rank``), the peer-group medians and the leader are taken
over that year too. Within a year the latest period counts (e.g. November's TOP500 list), as everywhere else.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

# The peer groups whose medians a profile shows: the World Bank income group and region (every country with a
# World Bank classification has exactly one of each).  Key = column prefix, value = group kind in the store.
PEER_GROUP_KINDS = {"income": "wb_income", "region": "wb_region"}

# What the CSV download holds: exactly the table shown, one row per indicator.
CSV_COLUMNS = [
    "iso3", "indicator_id", "pillar", "period", "year", "value", "note",
    "rank", "of", "percentile",
    "income_group", "income_median", "income_n", "region", "region_median", "region_n",
    "leader_iso3", "leader_value", "gap_ratio",
    "peer_iso3", "peer_period", "peer_year", "peer_value", "peer_note",
    "remark",
]

COLUMNS = CSV_COLUMNS[:3] + ["name", "unit", "higher_is_better", "rankable"] + CSV_COLUMNS[3:] + [
    "is_leader", "latest_year_any", "countries_latest_any"]


def yearly_values(obs: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator, country and year: the latest period within the year.

    The same rule as ``measures.latest_per_year`` applied to each indicator, for a frame holding many
    indicators. Rows without a value are dropped (missing is missing). Sorted by indicator, country, year.
    """
    clean = obs.dropna(subset=["value"])
    if clean.empty:
        return clean.reset_index(drop=True)
    ordered = clean.sort_values(["indicator_id", "iso3", "year", "period"], kind="stable")
    keep = ~ordered.duplicated(["indicator_id", "iso3", "year"], keep="last")
    return ordered[keep].reset_index(drop=True)


def group_membership(members: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """``store.group_members()`` joined with ``store.groups()``: iso3, group_id, name, kind."""
    info = groups[["group_id", "name", "kind"]]
    return members[["group_id", "iso3"]].merge(info, on="group_id", how="left")


def peer_groups(groups: pd.DataFrame | None, iso3: str) -> dict[str, tuple[str, str, list[str]]]:
    """{prefix: (group_id, group name, member iso3s)} for the peer-group kinds the country belongs to."""
    out: dict[str, tuple[str, str, list[str]]] = {}
    if groups is None or groups.empty:
        return out
    own = groups[groups["iso3"] == iso3]
    for prefix, kind in PEER_GROUP_KINDS.items():
        mine = own[own["kind"] == kind]
        if mine.empty:
            continue
        group_id = str(mine["group_id"].iloc[0])
        name = mine["name"].iloc[0] if "name" in mine and pd.notna(mine["name"].iloc[0]) else group_id
        members = groups.loc[groups["group_id"] == group_id, "iso3"].tolist()
        out[prefix] = (group_id, str(name), members)
    return out


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


def _text(value) -> str | None:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def profile_table(obs: pd.DataFrame, indicators: pd.DataFrame, iso3: str, peer: str | None = None,
                  groups: pd.DataFrame | None = None, names: Mapping[str, str] | None = None,
                  reduced: bool = False) -> pd.DataFrame:
    """One row per indicator of ``indicators`` (in its order) describing ``iso3``; columns ``COLUMNS``.

    ``obs``: observations of all countries for those indicators (every period: several periods of one year
    reduce to the latest; pass ``reduced=True`` when ``obs`` is already ``yearly_values`` output).
    ``indicators``: the store's indicator table (indicator_id, pillar, name, unit, higher_is_better,
    rankable). ``groups``: memberships with iso3, group_id, kind (and name), e.g.
    ``group_membership(store.group_members(), store.groups())``. ``names``: iso3 -> country name for remarks.

    - value / period / year / note: the country's latest year (its latest period within that year).
    - rank / of / percentile: as ``measures.rank`` gives them among the countries with data for that year,
      honouring higher_is_better (1 = best, ties share the best rank; percentile = share of the other
      countries it is at least as good as); empty (remark "not ranked") when the indicator is not rankable.
    - income_median / region_median (and _n): median over the members of the country's World Bank income
      group / region with data for that year (the country included), and how many members have data.
    - leader_iso3 / leader_value: the best country that year (the country itself when it ranks first);
      gap_ratio = leader / country (country / leader when lower is better): 1 for the leader, empty with a
      remark when the country's value is 0. No leader or gap for indicators that are not rankable.
    - peer_*: the comparison country's value for the same year, else its own latest year (peer_year says).
    - no data: remark "no data for <country>; N countries have <latest year> data".
    """
    names = names or {}
    label = names.get(iso3, iso3)
    ind = indicators.reset_index(drop=True)
    ids = ind["indicator_id"].astype(str).tolist()
    meta = ind.set_index(ind["indicator_id"].astype(str))
    hib_of = meta["higher_is_better"].astype(bool)
    rankable_of = meta["rankable"].astype(bool) if "rankable" in meta else pd.Series(True, index=meta.index)

    base = obs[obs["indicator_id"].isin(ids)]
    yearly = base.dropna(subset=["value"]) if reduced else yearly_values(base)
    keys = pd.DataFrame({"indicator_id": yearly["indicator_id"].astype(str).to_numpy(),
                         "iso3": yearly["iso3"].astype(str).to_numpy(),
                         "year": yearly["year"].to_numpy(dtype="int64"),
                         "value": yearly["value"].to_numpy(dtype="float64")})

    latest_any = keys.groupby("indicator_id")["year"].max()
    count_latest = keys[keys["year"].to_numpy() == keys["indicator_id"].map(latest_any).to_numpy()] \
        .groupby("indicator_id").size()

    own_mask = (keys["iso3"] == iso3).to_numpy()
    own_rows = yearly[own_mask].assign(indicator_id=keys.loc[own_mask, "indicator_id"].to_numpy())
    own = own_rows.sort_values(["indicator_id", "year"], kind="stable").drop_duplicates("indicator_id", keep="last").set_index("indicator_id")

    # Every country's value in the country's latest year of each indicator, and how the country compares.
    pool = keys.merge(own[["year"]].reset_index(), on=["indicator_id", "year"], how="inner")
    mine = pool["indicator_id"].map(own["value"]).to_numpy(dtype="float64")
    hib = pool["indicator_id"].map(hib_of).to_numpy(dtype=bool)
    values = pool["value"].to_numpy(dtype="float64")
    pool = pool.assign(better=np.where(hib, values > mine, values < mine),
                       not_better=np.where(hib, values <= mine, values >= mine),
                       score=np.where(hib, values, -values))
    counts = pool.groupby("indicator_id").agg(of=("value", "size"), better=("better", "sum"),
                                             not_better=("not_better", "sum"))
    best = pool.sort_values(["indicator_id", "score", "iso3"], ascending=[True, False, True]) \
        .drop_duplicates("indicator_id").set_index("indicator_id")

    pgroups = peer_groups(groups, iso3)
    medians = {}
    for prefix, (_gid, _name, members) in pgroups.items():
        part = pool[pool["iso3"].isin(members)]
        medians[prefix] = part.groupby("indicator_id")["value"].agg(["median", "size"]).to_dict("index")

    peer = peer if peer and peer != iso3 else None
    peer_latest, peer_same = {}, {}
    if peer:
        peer_mask = (keys["iso3"] == peer).to_numpy()
        peer_rows = yearly[peer_mask].assign(indicator_id=keys.loc[peer_mask, "indicator_id"].to_numpy())
        peer_latest = peer_rows.sort_values(["indicator_id", "year"], kind="stable") \
            .drop_duplicates("indicator_id", keep="last").set_index("indicator_id").to_dict("index")
        peer_same = peer_rows.merge(own[["year"]].reset_index(), on=["indicator_id", "year"]) \
            .set_index("indicator_id").to_dict("index")

    # Plain dicts from here on: one row per indicator is built in Python (fast for a few dozen indicators).
    own_d = own.to_dict("index")
    counts_d = counts.to_dict("index")
    best_d = best[["iso3", "value"]].to_dict("index")
    meta_d = meta[["pillar", "name", "unit"]].to_dict("index")
    hib_d, rankable_d = hib_of.to_dict(), rankable_of.to_dict()
    latest_d, count_d = latest_any.to_dict(), count_latest.to_dict()

    rows = []
    for ind_id in ids:
        m = meta_d[ind_id]
        rankable, hib_i = bool(rankable_d[ind_id]), bool(hib_d[ind_id])
        n_latest = int(count_d.get(ind_id, 0))
        row = {"iso3": iso3, "indicator_id": ind_id, "pillar": m["pillar"], "name": m["name"], "unit": m["unit"],
               "higher_is_better": hib_i, "rankable": rankable, "is_leader": False,
               "latest_year_any": latest_d.get(ind_id, np.nan), "countries_latest_any": n_latest}
        remarks = []
        for prefix, (group_id, _name, _members) in pgroups.items():
            row["income_group" if prefix == "income" else prefix] = group_id
        mine_row = own_d.get(ind_id)
        if mine_row is not None:
            value, year = float(mine_row["value"]), int(mine_row["year"])
            row.update(period=str(mine_row["period"]), year=year, value=value, note=_text(mine_row["note"]))
            stats = counts_d[ind_id]
            if rankable:
                of = int(stats["of"])
                row.update(rank=int(stats["better"]) + 1, of=of,
                           percentile=100 * (float(stats["not_better"]) - 1) / max(of - 1, 1))
                leader = best_d[ind_id]
                if row["rank"] == 1:
                    row.update(leader_iso3=iso3, leader_value=value, gap_ratio=1.0, is_leader=True)
                    remarks.append("leader")
                else:
                    ratio, why = gap_ratio(value, float(leader["value"]), hib_i)
                    row.update(leader_iso3=leader["iso3"], leader_value=float(leader["value"]), gap_ratio=ratio)
                    if why:
                        remarks.append(why.replace("the value", f"{label}'s value"))
            else:
                remarks.append("not ranked")
            for prefix, table in medians.items():
                got = table.get(ind_id)
                row[f"{prefix}_median"] = float(got["median"]) if got else np.nan
                row[f"{prefix}_n"] = int(got["size"]) if got else 0
            if year < row["latest_year_any"]:
                remarks.append(f"latest for {label} is {year}; {n_latest} {_countries(n_latest)} "
                               f"{int(row['latest_year_any'])} data")
        elif pd.notna(row["latest_year_any"]):
            remarks.append(f"no data for {label}; {n_latest} {_countries(n_latest)} "
                           f"{int(row['latest_year_any'])} data")
        else:
            remarks.append("no data for any country")
        if peer:
            row["peer_iso3"] = peer
            pick = peer_same.get(ind_id) or peer_latest.get(ind_id)
            if pick is not None:
                row.update(peer_period=str(pick["period"]), peer_year=int(pick["year"]),
                           peer_value=float(pick["value"]), peer_note=_text(pick["note"]))
        row["remark"] = "; ".join(remarks) if remarks else None
        rows.append(row)

    table = pd.DataFrame(rows).reindex(columns=COLUMNS)
    for col in ("year", "rank", "of", "income_n", "region_n", "peer_year", "latest_year_any"):
        table[col] = table[col].astype("Int64")
    for col in ("value", "percentile", "income_median", "region_median", "leader_value", "gap_ratio",
                "peer_value"):
        table[col] = table[col].astype("float64")
    table["countries_latest_any"] = table["countries_latest_any"].astype("int64")
    return table


def _countries(n: int) -> str:
    return "country has" if n == 1 else "countries have"


class YearlyIndex:
    """A yearly frame (``yearly_values`` output) with row positions by country and by (indicator, year), so the
    rows one profile needs are picked without scanning every row. Build once per store file."""

    def __init__(self, yearly: pd.DataFrame) -> None:
        self.yearly = yearly.reset_index(drop=True)
        self.by_country = {str(k): v for k, v in self.yearly.groupby("iso3", observed=True).indices.items()}
        pairs = self.yearly.groupby(["indicator_id", "year"], observed=True).indices
        self.by_indicator_year = {(str(k[0]), int(k[1])): v for k, v in pairs.items()}
        self.latest_year = {}
        for ind_id, year in self.by_indicator_year:
            self.latest_year[ind_id] = max(year, self.latest_year.get(ind_id, year))

    def country(self, iso3: str | None) -> pd.DataFrame:
        """Every yearly row of one country (all indicators), sorted by indicator and year."""
        positions = self.by_country.get(iso3) if iso3 else None
        return self.yearly.iloc[positions if positions is not None else []]

    def needed(self, iso3: str, peer: str | None = None) -> pd.DataFrame:
        """The rows ``profile_table(..., reduced=True)`` needs for this country and comparison country: every
        country's value in the country's latest year and in the latest year of each indicator, and the
        comparison country's rows."""
        own = self.country(iso3)
        years = own.groupby("indicator_id", observed=True)["year"].max()
        keys = {(str(i), int(y)) for i, y in years.items()}
        keys |= set(self.latest_year.items())
        parts = [self.by_indicator_year[k] for k in keys if k in self.by_indicator_year]
        if peer and peer in self.by_country:
            parts.append(self.by_country[peer])
        if not parts:
            return self.yearly.iloc[0:0]
        return self.yearly.iloc[np.unique(np.concatenate(parts))]


def trend_series(yearly: pd.DataFrame, indicator_id: str, iso3: str) -> pd.DataFrame:
    """A country's yearly values of one indicator, the missing years in between as NaN (gaps stay gaps)."""
    part = yearly[(yearly["indicator_id"] == indicator_id) & (yearly["iso3"] == iso3)]
    if part.empty:
        return pd.DataFrame({"year": pd.Series(dtype="int64"), "value": pd.Series(dtype="float64")})
    years = range(int(part["year"].min()), int(part["year"].max()) + 1)
    series = part.set_index("year")["value"].reindex(years)
    return pd.DataFrame({"year": list(years), "value": series.to_numpy(dtype=float)})
