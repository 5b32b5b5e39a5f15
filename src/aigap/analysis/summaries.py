"""Plain-language summaries: one or two sentences under a chart that say what its view table shows.

"In 2025 the United States held 73% of the venture-capital investment in AI start-ups of the 90 countries with
data; China 6.9%." Every number in a sentence is read from the view's table (or is a sum, share, median or rank
correlation of its columns), formatted by :mod:`analysis.formatting`; the caveats that change the reading are
said in words: a year known only to date, values looked back to earlier years, countries without a value, the
form (per capita, share of the total). One function per chart kind, chosen by (page, table): :func:`describe`.
Pure: a view result and the frames in, a string out.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from . import presets as P
from .formatting import number, ordinal, percent, signed, span, with_unit
from .measures import MODES, PARTIAL_MARKERS, complete_periods
from .views.base import Frames, View, plural

Summary = Callable[[object, View, Frames], str]


def is_partial(note: object) -> bool:
    """A value (or a group's joined notes) flagged as covering part of its period (year to date)."""
    return isinstance(note, str) and any(marker in note.lower() for marker in PARTIAL_MARKERS)


def _lower(name: str) -> str:
    """'Venture-capital investment' -> 'venture-capital investment'; 'AI diffusion' and 'Global AI Index' (a
    name: its second word is capitalised) stay as they are."""
    words = name.split(" ")
    common = name[1:2].islower() and (len(words) == 1 or words[1][:1].islower())
    return name[:1].lower() + name[1:] if common else name


_ARTICLE = ("Netherlands", "Philippines", "Bahamas", "Gambia", "Maldives")


def _the(name: str) -> str:
    """'the United States', 'China': country names that read with an article get it."""
    article = name.startswith("United ") or name.endswith((" Islands", " Republic")) or name in _ARTICLE
    return f"the {name}" if article else name


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _possessive(name: str) -> str:
    """"Brazil's", "the United States'"."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _form(mode: str) -> str:
    return "" if mode == "absolute" else f" ({MODES[mode]})"


_SCALE = re.compile(r"\b(\d+(?:\.\d+)?-\d+(?:\.\d+)?)\b")


def _scale(unit: str | None) -> str | None:
    """'0-1' for an index score ('index score, 0-1'): such a value reads 'scored 0.771 on …', not 'had'."""
    if not unit or not unit.startswith("index score"):
        return None
    found = _SCALE.search(unit)
    return found.group(1) if found else ""


def _on_index(name: str, scale: str, form: str = "") -> str:
    """'the IMF AI Preparedness Index (0-1)'; a name already ending in brackets takes the scale inside them
    ('the Government AI Readiness Index (Oxford Insights, 0-100)')."""
    extra = ", ".join(x for x in (scale, form.strip(" ()")) if x)
    if not extra:
        return f"the {name}"
    return f"the {name[:-1]}, {extra})" if name.endswith(")") else f"the {name} ({extra})"


def _is_percent(unit: str | None) -> bool:
    return bool(unit) and unit.startswith("%")


def _value(value, unit: str | None) -> str:
    """A value after the first: '97.5%' for a percent unit (one unit form in a sentence), else the bare number."""
    return f"{number(value)}%" if _is_percent(unit) else number(value)


def _first_value(value, unit: str | None) -> str:
    """The first value of a sentence: with its unit, unless the unit is a percentage or an index scale (said
    once, as '%' or in the index's name)."""
    return _value(value, unit) if _is_percent(unit) or _scale(unit) is not None else with_unit(value, unit)


def _names(names: list[str], limit: int = 5) -> str:
    """'A', 'A and B', 'A, B and C', 'A, B, C, D, E and 3 more'."""
    names = [_the(n) for n in names]
    if len(names) > limit:
        names = names[:limit] + [f"{len(names) - limit} more"]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _empty(view: View) -> str | None:
    if len(view.table):
        return None
    text = str(view.meta.get("empty") or "No data to show")
    return text if text.endswith(".") else text + "."


def _partial_note(rows: pd.DataFrame, year_text: str) -> str:
    """'2026 is known only to date (year to date ...), so its totals understate the year.' when flagged."""
    flagged = rows[rows["note"].map(is_partial)] if len(rows) else rows
    if flagged.empty:
        return ""
    note = str(flagged["note"].iloc[0])
    part = "" if len(flagged) == len(rows) else f"{plural(len(flagged), 'value')} of "
    return f"{part}{year_text} {'is' if not part else 'are'} {note.split(' (')[0]}, so totals understate the year."


# -- Overview -------------------------------------------------------------------------------------------------
def overview_map(p, view: View, frames: Frames) -> str:
    """The leader and runner-up of the map's year, as shares of the total for totals, else as values with the
    median; then the look-back, missing countries and year to date."""
    if (empty := _empty(view)) is not None:
        return empty
    ind = frames.indicator(p.indicator)
    t = view.table
    n = len(t)
    name = _lower(ind["name"])
    first = t.iloc[0]
    second = t.iloc[1] if n > 1 else None
    total = t["display"].sum()
    countries = plural(n, "country", "countries")
    if p.mode == "share_world" or (p.mode == "absolute" and ind["kind"] == "total" and total > 0):
        share = (lambda r: r["display"]) if p.mode == "share_world" else (lambda r: 100 * r["display"] / total)
        text = f"In {p.year} {_the(first['name'])} held {percent(share(first))} of the {name} of the {countries} " \
               "with data"
        if second is not None:
            text += f"; {_the(second['name'])} {percent(share(second))}"
    else:
        unit = view.meta.get("unit") or ind["unit"]
        best = "highest" if ind["higher_is_better"] else "lowest"
        tied = t[t["display"] == first["display"]]
        scale = _scale(unit)
        if scale is not None:
            what = (f"tied for the {best} score on " if len(tied) > 1 else f"scored {best} on ") \
                + _on_index(ind["name"], scale, _form(p.mode))
        else:
            what = f"{'tied for' if len(tied) > 1 else 'had'} the {best} {name}{_form(p.mode)}"
        shown = _first_value(first["display"], unit)
        text = (f"In {p.year} {_names(list(tied['name']))} {what} of the {countries} with data, "
                f"{'at ' if len(tied) > 1 else ''}{shown}")
        if len(t) > len(tied):
            after = t.iloc[len(tied)]
            text += f"; {_the(after['name'])} {_value(after['display'], unit)}"
        text += f"; the median was {_value(t['display'].median(), unit)}"
    caveats = []
    lagged = int((t["lag"] > 0).sum())
    if lagged:
        caveats.append(f"{lagged} of them have no {p.year} value and use their latest from up to "
                       f"{plural(p.lag, 'year')} earlier")
    missing = set(frames.obs(p.indicator)["iso3"]) - set(t["iso3"])
    if missing:
        caveats.append(f"{plural(len(missing), 'more country has', 'more countries have')} data for other years "
                       f"only{' or no denominator' if p.mode in ('per_capita', 'per_gdp') else ''}")
    text += ". " + (_cap("; ".join(caveats)) + ". " if caveats else "")
    return (text + _partial_note(t, str(p.year))).strip()


def overview_headlines(p, view: View, frames: Frames) -> str:
    if (empty := _empty(view)) is not None:
        return empty
    parts = [f"{r.label[:1].lower() + r.label[1:]} {percent(r.top2_share)} ({r.top2}, {r.year})"
             for r in view.table.itertuples()]
    return "The two largest countries hold " + ", ".join(parts) + " of the total of the countries with data."


# -- Compare --------------------------------------------------------------------------------------------------
def compare_lines(p, view: View, frames: Frames) -> str:
    """The highest and lowest line in the latest year that is not known only to date."""
    if (empty := _empty(view)) is not None:
        return empty
    ind = frames.indicator(p.indicator)
    t = view.table
    partial_years = sorted({int(y) for y, n in zip(t["year"], t["note"]) if is_partial(n)})
    whole = t[~t["year"].isin(partial_years)]
    rows = whole if len(whole) else t
    year = int(rows["year"].max())
    last = rows[rows["year"] == year].sort_values(["display", "label"], ascending=[False, True])
    unit = view.meta.get("unit") or ind["unit"]
    top = last.iloc[0]
    scale = _scale(unit)
    index = _on_index(ind["name"], scale) if scale is not None else ""
    shown = _first_value(top["display"], unit)
    if len(last) == 1:
        text = (f"In {year} {_the(top['label'])} scored {shown} on {index}." if scale is not None else
                f"In {year} {_the(top['label'])} had {shown} of {_lower(ind['name'])}.")
    else:
        low = last.iloc[-1]
        what = f"scored highest on {index}" if scale is not None else f"had the highest {_lower(ind['name'])}"
        text = (f"In {year} {_the(top['label'])} {what} of the {plural(len(last), 'line')} with a value, {shown}; "
                f"{_the(low['label'])} the lowest, {_value(low['display'], unit)}.")
    caveats = []
    if partial_years and len(whole):
        caveats.append(f"{', '.join(map(str, partial_years))} {'is' if len(partial_years) == 1 else 'are'} "
                       "known only to date and not used here")
    if (t["kind"] == "group").any() and p.agg == "sum":
        caveats.append("group lines add up only the members with data each year")
    missing = len(view.meta.get("missing") or ())
    if missing:
        caveats.append(f"{plural(missing, 'chosen line has', 'chosen lines have')} no data")
    return text + (" " + _cap("; ".join(caveats)) + "." if caveats else "")


# -- Gap ------------------------------------------------------------------------------------------------------
def _excluded_years(indicator: str, frames: Frames) -> list[int]:
    obs = frames.obs(indicator)
    return sorted({int(y) for y in obs.loc[obs.index.difference(complete_periods(obs).index), "year"]})


def gap_gap(p, view: View, frames: Frames) -> str:
    """The reference's multiple of (or lead over) each follower in the latest year they share."""
    if (empty := _empty(view)) is not None:
        return empty
    from .views.gap import REFERENCE_PHRASE

    ind = frames.indicator(p.indicator)
    t = view.table
    year = int(t["year"].max())
    last = t[t["year"] == year]
    ref = REFERENCE_PHRASE[p.ref]
    if p.ref == "leader" and last["reference_name"].notna().any():
        ref = f"the leader ({_the(last['reference_name'].dropna().iloc[0])})"
    parts = []
    for r in last.itertuples():
        if p.measure == "ratio":
            parts.append(f"{number(r.ratio)} times {_possessive(_the(r.label))}" if pd.notna(r.ratio)
                         else f"no multiple of {_possessive(_the(r.label))} (a value of 0)")
        else:
            parts.append(f"{number(abs(r.difference))} {'more' if r.difference >= 0 else 'less'} than "
                         f"{_possessive(_the(r.label))}")
    listed = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    unit = view.meta.get("unit") or ind["unit"]
    text = f"In {year} the {_lower(ind['name'])}{_form(p.mode)} of {ref} was {listed}"
    text += "." if p.measure == "ratio" else f" ({unit})."
    behind = last[last["year"] == year]["series"].nunique()
    if behind < len(set(t["series"])):
        text += f" {plural(len(set(t['series'])) - behind, 'line ends', 'lines end')} before {year}."
    excluded = _excluded_years(p.indicator, frames)
    if excluded:
        text += f" Values known only to date ({', '.join(map(str, excluded))}) are left out."
    return text


def gap_trend(p, view: View, frames: Frames) -> str:
    t = view.table
    rows = t[(t["kind"] != "reference") & t["cagr"].notna()]
    if rows.empty:
        return _empty(view) or f"No trend: too few positive yearly values in {span(p.year_from, p.year_to)}."
    ref = t[t["kind"] == "reference"].iloc[0]
    same = rows["status_text"].nunique() == 1
    parts = [f"{_the(r.label)} {percent(100 * r.cagr)} a year" + ("" if same else f" ({r.status_text})")
             for r in rows.itertuples()]
    against = (f"against {percent(100 * ref['reference_cagr'])} for {_the(ref['label'])}"
               if pd.notna(ref["reference_cagr"]) else f"(no trend for {ref['label']})")
    status = f" Catch-up, for every line: {rows['status_text'].iloc[0]}." if same else ""
    return (f"Over {span(p.year_from, p.year_to)} the fitted growth was " + "; ".join(parts) + f", {against}."
            + status + " A projection of past trends, not a forecast.")


def gap_concentration(p, view: View, frames: Frames) -> str:
    if (empty := _empty(view)) is not None:
        return empty
    held = view.table[view.table["countries"] > 0]
    r = held.iloc[-1]
    return (f"In {r['period']} {_the(r['top_name'])} held {percent(r['top1'])} of the total of the "
            f"{plural(int(r['countries']), 'country', 'countries')} with data and the largest five "
            f"{percent(r['top5'])} (HHI {number(r['hhi'])} of 10,000).")


def gap_blocs(p, view: View, frames: Frames) -> str:
    if (empty := _empty(view)) is not None:
        return empty
    t = view.table.dropna(subset=["share"])
    year = int(t["year"].max())
    last = t[t["year"] == year]
    names = [{"G7": "the G7", "Rest of world": "the rest of the world"}.get(r.bloc, r.bloc) for r in last.itertuples()]
    shares = [percent(r.share) for r in last.itertuples()]
    text = f"In {year} {names[0]} held {shares[0]} of the total of the countries with data"
    rest = [f"{n} {v}" for n, v in zip(names[1:], shares[1:])]
    if rest:
        text += ", " + (rest[0] if len(rest) == 1 else ", ".join(rest[:-1]) + " and " + rest[-1])
    return _cap(text) + "."


# -- Explorer -------------------------------------------------------------------------------------------------
def spearman(x: pd.Series, y: pd.Series) -> float:
    """Spearman's rank correlation (average ranks for ties)."""
    return float(x.rank().corr(y.rank())) if len(x) >= 3 else np.nan


def explorer_points(p, view: View, frames: Frames) -> str:
    """How the two indicators go together (rank correlation), the highest on Y, and the look-back."""
    if (empty := _empty(view)) is not None:
        return empty
    ix, iy = frames.indicator(p.x), frames.indicator(p.y)
    t = view.table
    rho = spearman(t["display_x"], t["display_y"])
    x, y = _lower(ix["name"]) + _form(p.xmode), _lower(iy["name"]) + _form(p.ymode)
    if np.isnan(rho) or abs(rho) < 0.2:
        how = f"shows little relation to {x}"
    else:
        how = f"tends to be {'higher' if rho > 0 else 'lower'} where {x} is higher"
    top = t.loc[t["display_y"].idxmax()]
    text = (f"In {p.year}, across the {plural(len(t), 'country', 'countries')} with both values, {y} {how} "
            f"(Spearman's rank correlation {number(rho) if not np.isnan(rho) else 'undefined'}); "
            f"{_the(top['name'])} has the highest {_lower(iy['name'])}, {number(top['display_y'])}.")
    lagged = int(((t["lag_x"] > 0) | (t["lag_y"] > 0)).sum())
    if lagged:
        text += (f" {plural(lagged, 'country uses', 'countries use')} a value from up to "
                 f"{plural(p.lag, 'year')} before {p.year}.")
    return text


# -- Country profile -----------------------------------------------------------------------------------------
def profile_profile(p, view: View, frames: Frames) -> str:
    """How many indicators have data, and the best and weakest standing among the AI (non-context) indicators."""
    t = view.table
    name = view.meta.get("name") or frames.name(p.country)
    have = int(t["value"].notna().sum())
    text = f"{_cap(_the(name))} has data for {have} of {plural(len(t), 'indicator')}."
    ranked = t[t["rank"].notna() & (t["pillar"] != "context")].sort_values(["percentile", "indicator_id"])
    if len(ranked):
        best, worst = ranked.iloc[-1], ranked.iloc[0]

        def said(r) -> str:
            """'… Index (Oxford Insights) – 113th of 193 in 2024': a dash, as names carry brackets of their own."""
            return (f"{_lower(r['name'])} – {ordinal(r['rank'])} of {r['of']:,} in {r['period']}"
                    + (", a partial period" if pd.notna(r["partial"]) and bool(r["partial"]) else ""))

        text += f" Its best standing is on {said(best)}."
        text += f" Its weakest is on {said(worst)}." if len(ranked) > 1 else ""
    older = int((t["year"] < t["latest_year_any"]).sum())
    if older:
        text += f" {plural(older, 'value is', 'values are')} older than the indicator's latest year."
    return text


# -- Index ----------------------------------------------------------------------------------------------------
def index_ranking(p, view: View, frames: Frames) -> str:
    """Who ranks first and second, of how many scored, and how many have too little data."""
    t = view.table
    flag = "enough_data" if "enough_data" in t else "scored"
    scored = t[t[flag].astype(bool)].sort_values(["rank", "iso3"]) if len(t) else t
    spec = p.spec
    title = P.PRESETS[p.preset].label if p.preset in P.PRESETS else "custom"
    pillars = len(spec.pillars())
    needed = f"all {pillars}" if spec.min_pillars >= pillars else f"at least {spec.min_pillars} of the {pillars}"
    if scored.empty:
        return f"No country has data on {needed} pillars."
    first = scored.iloc[0]
    rule = f"with data on {needed} pillars" if pillars > 1 else "with a score"
    text = (f"In the {title} index for {spec.year} {_the(first['name'])} ranks first with a score of "
            f"{number(first['score'])} of the {plural(len(scored), 'country', 'countries')} {rule}")
    if len(scored) > 1:
        second = scored.iloc[1]
        text += f"; {_the(second['name'])} is {ordinal(second['rank'])} with {number(second['score'])}"
    text += "."
    short = len(t) - len(scored)
    if short:
        text += f" {plural(short, 'more country has', 'more countries have')} too little data to be scored."
    if spec.max_lag:
        text += f" Values from {span(spec.year - spec.max_lag, spec.year)}, each country's latest."
    return text


def index_robustness(p, view: View, frames: Frames) -> str:
    """How many of the top countries keep their rank within 5 places, and the widest 5-95% rank range."""
    if (empty := _empty(view)) is not None:
        return empty
    t = view.table
    steady = int(t["robust"].astype(bool).sum())
    width = np.ceil(t["rank_p95"]) - np.floor(t["rank_p5"])
    widest = t[width == width.max()]
    lo, hi = int(np.floor(widest["rank_p5"].iloc[0])), int(np.ceil(widest["rank_p95"].iloc[0]))
    text = (f"Under other pillar weightings and normalisations, {steady} of the top {len(t)} countries by median "
            f"rank stay within 5 places in 90% of cases.")
    if len(widest) == 1:
        owner = _possessive(_the(widest["name"].iloc[0]))
        return text + f" The widest range is {owner}, {ordinal(lo)} to {ordinal(hi)}."
    return text + (f" The widest ranges, {int(width.max())} places, are those of {_names(list(widest['name']))} "
                   f"({', '.join(widest['rank_range'])}).")


def index_pairs(p, view: View, frames: Frames) -> str:
    """Spearman's rank correlation between this index's ranks and each published index's, over the countries
    both rank."""
    t = view.table
    if t.empty:
        return "No published index ranks the countries this index scores."
    parts = []
    for (_ind, name, edition), rows in t.groupby(["indicator_id", "index_name", "edition"], sort=False):
        rho = spearman(rows["our_rank"], rows["their_rank"])
        parts.append(f"{number(rho) if not np.isnan(rho) else 'undefined'} with the {name} ({edition}, "
                     f"{plural(len(rows), 'country', 'countries')})")
    listed = parts[0] if len(parts) == 1 else "; ".join(parts[:-1]) + " and " + parts[-1]
    return (f"Spearman's rank correlation between this index's ranks and the published indices' (1 = the same "
            f"order), over the countries both rank: {listed}.")


# -- Data -----------------------------------------------------------------------------------------------------
def data_coverage(p, view: View, frames: Frames) -> str:
    """How many countries and years have data, how many countries have every year, and the latest whole year."""
    if (empty := _empty(view)) is not None:
        return empty
    ind = frames.indicator(p.indicator)
    t = view.table
    years = [int(y) for y in view.meta["years"]]
    hidden = bool(view.meta["hidden"])
    full = int((t["years_with_data"] == len(years)).sum())
    at_least = "at least " if hidden and full == len(t) else ""
    every = "the year" if len(years) == 1 else f"all {len(years)} years"
    text = (f"{_cap(plural(int(view.meta['countries']), 'country has', 'countries have'))} data on "
            f"{_lower(ind['name'])} in {span(years[0], years[-1])}; {at_least}{full} of them "
            f"{'has' if full == 1 else 'have'} data for {every}.")
    partial = set(_excluded_years(p.indicator, frames))
    whole = [y for y in years if y not in partial and (t[str(y)] > 0).any()]
    if whole:
        count = int((t[str(whole[-1])] > 0).sum())
        text += (f" The latest whole year is {whole[-1]}, with data for "
                 + (f"{count} of the {len(t)} countries drawn" if hidden else plural(count, "country", "countries")))
        text += f"; {', '.join(map(str, sorted(partial)))} {'is' if len(partial) == 1 else 'are'} known only to date." \
            if partial else "."
    return text


# -- Country brief --------------------------------------------------------------------------------------------
def brief_pillars(p, view: View, frames: Frames) -> str:
    """The country's index rank against its peer-group median, and its weakest and strongest pillars."""
    meta = view.meta
    t = view.table
    name = _the(meta["name"])
    if not meta["enough"]:
        return meta["message"]
    overall = t.iloc[0]
    text = (f"In the {meta['index_title']} AI-gap index for {meta['year']} {name} ranks {ordinal(overall['rank'])} "
            f"of {overall['of']} countries with a score of {number(overall['score'])}, against a median of "
            f"{number(overall['peer_median'])} for its income group ({meta['peer_group']}).")
    pillars = t.iloc[1:].dropna(subset=["score"]).sort_values(["percentile", "pillar"])
    if len(pillars) > 1:
        low, high = pillars.iloc[0], pillars.iloc[-1]
        text += (f" It stands highest on {high['label'].lower()} ({ordinal(high['rank'])} of {high['of']}) and "
                 f"lowest on {low['label'].lower()} ({ordinal(low['rank'])} of {low['of']}).")
    return text


SUMMARIES: dict[tuple[str, str], Summary] = {
    ("overview", "map"): overview_map,
    ("overview", "headlines"): overview_headlines,
    ("compare", "lines"): compare_lines,
    ("gap", "gap"): gap_gap,
    ("gap", "trend"): gap_trend,
    ("gap", "concentration"): gap_concentration,
    ("gap", "blocs"): gap_blocs,
    ("explorer", "points"): explorer_points,
    ("profile", "profile"): profile_profile,
    ("index", "ranking"): index_ranking,
    ("index", "map"): index_ranking,
    ("index", "robustness"): index_robustness,
    ("index", "pairs"): index_pairs,
    ("data", "coverage"): data_coverage,
    ("brief", "pillars"): brief_pillars,
}


def describe(page: str, table: str, params: object, view: View, frames: Frames) -> str:
    """One or two sentences saying what ``view`` (the result of ``page``'s ``table`` for ``params``) shows.

    Raises LookupError for a table without a summary (tables that are not charts: index weights, data lists)."""
    try:
        summary = SUMMARIES[(page, table)]
    except KeyError:
        raise LookupError(f"no summary for {page}/{table}; summaries: "
                          f"{', '.join('/'.join(k) for k in SUMMARIES)}") from None
    return summary(params, view, frames)
