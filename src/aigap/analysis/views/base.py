"""What every view shares: strict query parsing, the store frames a view reads, and the result it returns.

A view is a pure function ``(params, frames) -> View``: typed parameters parsed from the page's own query string,
store frames in, exactly the table a chart or table on screen draws out. The page lays that table out, its CSV
button and ``/download/<page>.csv`` serve it, and the property tests check it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from ..measures import MODES, Denominator, allowed_modes, denominator_table, latest_per_year

_INT = re.compile(r"-?[0-9]{1,6}\Z")  # ASCII digits only: '²⁰²⁰' and full-width digits are not years
_NUMBER = re.compile(r"-?[0-9]{1,9}(\.[0-9]{1,9})?\Z")
MAX_LIST = 300  # longest list a parameter may hold (there are fewer than 300 countries)
MAX_TEXT = 2000  # longest value a parameter may hold


class ParamError(ValueError):
    """A query parameter a view cannot use: /download answers 400 with this message."""


class Query:
    """A page's query string, read strictly (``strict=True``: a bad value raises :class:`ParamError`, for
    /download) or leniently (a bad value falls back to the default, for a page opened from an old link)."""

    def __init__(self, params: Mapping[str, object] | None = None, strict: bool = True) -> None:
        self.strict = strict
        self.values: dict[str, str] = {}
        for key, value in (params or {}).items():
            if isinstance(value, (list, tuple)):  # a multi-dict's list of values
                if len(value) > 1:
                    self._bad(f"'{key}' is given {len(value)} times; give it once")
                    continue
                value = value[0] if value else ""
            if value is None:
                continue
            if not isinstance(value, str):
                value = str(value)
            if len(value) > MAX_TEXT:
                self._bad(f"'{key}' is longer than {MAX_TEXT} characters")
                continue
            self.values[key] = value.strip()

    def _bad(self, message: str) -> None:
        if self.strict:
            raise ParamError(message)

    def _fail(self, message: str, default):
        self._bad(message)
        return default

    def text(self, key: str) -> str | None:
        value = self.values.get(key)
        return value if value else None

    def choice(self, key: str, allowed: Iterable[str], default: str | None) -> str | None:
        value = self.text(key)
        if value is None:
            return default
        allowed = list(allowed)
        if value not in allowed:
            shown = ", ".join(allowed[:12]) + (", ..." if len(allowed) > 12 else "")
            return self._fail(f"'{key}' must be one of {shown}; got {value!r}", default)
        return value

    def integer(self, key: str, lo: int, hi: int, default: int | None) -> int | None:
        return self._bounded(key, _INT, int, lo, hi, default, "a whole number")

    def number(self, key: str, lo: float, hi: float, default: float | None) -> float | None:
        return self._bounded(key, _NUMBER, float, lo, hi, default, "a number")

    def _bounded(self, key: str, pattern: re.Pattern, cast, lo, hi, default, kind: str):
        value = self.text(key)
        if value is None:
            return default
        if not pattern.match(value) or not lo <= cast(value) <= hi:
            return self._fail(f"'{key}' must be {kind} from {lo:g} to {hi:g}; got {value!r}", default)
        return cast(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self.text(key)
        if value is None:
            return default
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        return self._fail(f"'{key}' must be 1 or 0; got {value!r}", default)

    def items(self, key: str, allowed: Iterable[str] | None, default: Sequence[str], none: str = "none",
              limit: int = MAX_LIST) -> tuple[str, ...]:
        """A comma-separated list; ``none`` (or an empty value given on purpose) is the empty list.

        Unknown items are refused (strict) or dropped (lenient); duplicates are dropped, order kept."""
        if key not in self.values:
            return tuple(default)
        raw = self.values[key]
        if raw in ("", none):
            return ()
        parts = list(dict.fromkeys(p.strip() for p in raw.split(",") if p.strip()))
        if allowed is not None:
            allowed = set(allowed)
            unknown = [p for p in parts if p not in allowed]
            if unknown:
                self._bad(f"'{key}' has unknown value(s): {', '.join(unknown[:5])}")
                parts = [p for p in parts if p in allowed]
        if len(parts) > limit:
            self._bad(f"'{key}' holds {len(parts)} values; at most {limit}")
            parts = parts[:limit]
        return tuple(parts)

    def unknown(self, known: Iterable[str]) -> None:
        """Refuse parameters a view does not take (strict only)."""
        extra = sorted(set(self.values) - set(known))
        if extra:
            self._bad(f"unknown parameter(s): {', '.join(extra)}")


class Frames:
    """The store tables a view reads: the catalogue, countries, groups and memberships, and observations of
    any indicator through ``load`` (a store query, cached per store file, or a dict in a property test)."""

    def __init__(self, indicators: pd.DataFrame, countries: pd.DataFrame, groups: pd.DataFrame,
                 members: pd.DataFrame, load: Callable[[str], pd.DataFrame],
                 excluded: pd.DataFrame | None = None,
                 load_aggregates: Callable[[str], pd.DataFrame] | None = None,
                 memo: Callable[[Hashable, Callable[[], object]], object] | None = None) -> None:
        self.indicators = indicators.set_index("indicator_id", drop=False)
        self.countries = countries
        self.groups = groups
        self.members = members
        self._load = load
        self._excluded = excluded if excluded is not None else pd.DataFrame(
            columns=["file", "column_name", "raw_value", "reason", "rows_excluded"])
        self._load_aggregates = load_aggregates or (lambda _i: pd.DataFrame(
            columns=["entity", "indicator_id", "period", "year", "value", "source_id", "note"]))
        self.names: dict[str, str] = dict(zip(countries["iso3"], countries["name"]))
        self._memo = memo or self._local_memo
        self._local: dict[Hashable, object] = {}

    def _local_memo(self, key: Hashable, compute: Callable[[], object]) -> object:
        if key not in self._local:
            self._local[key] = compute()
        return self._local[key]

    def memo(self, key: Hashable, compute: Callable[[], object]) -> object:
        """``compute()`` once per store file (the app's Store.memo) or per Frames (tests): for data a view builds
        from whole tables and reuses across parameters. Treat the result as read-only."""
        return self._memo(key, compute)

    @classmethod
    def from_tables(cls, indicators: pd.DataFrame, countries: pd.DataFrame, observations: pd.DataFrame,
                    groups: pd.DataFrame | None = None, members: pd.DataFrame | None = None) -> Frames:
        """Frames over in-memory tables (property tests build these from generated observations)."""
        by_id = {k: v.reset_index(drop=True) for k, v in observations.groupby("indicator_id")}
        empty = observations.iloc[0:0]
        groups = groups if groups is not None else pd.DataFrame(columns=["group_id", "name", "kind", "source", "url"])
        members = members if members is not None else pd.DataFrame(columns=["group_id", "iso3", "since", "until"])
        return cls(indicators, countries, groups, members, lambda i: by_id.get(i, empty))

    def obs(self, indicator_id: str) -> pd.DataFrame:
        """Every stored observation of one indicator (all periods). Treat as read-only."""
        return self._load(indicator_id)

    def yearly(self, indicator_id: str) -> pd.DataFrame:
        """``measures.latest_per_year`` of one indicator, once per store file: views pick years and countries from
        it per request instead of reducing every observation again. Treat as read-only."""
        return self.memo(("yearly", indicator_id), lambda: latest_per_year(self.obs(indicator_id)))

    def denominator(self, indicator_id: str) -> Denominator:
        """An indicator (population, GDP) prepared once per store file for ``measures.denominator``."""
        return self.memo(("denominator", indicator_id), lambda: denominator_table(self.obs(indicator_id)))

    def excluded_names(self) -> pd.DataFrame:
        """Raw names the adapters recorded as not countries (regions, aggregates), with the file and reason."""
        return self._excluded

    def aggregates(self, indicator_id: str) -> pd.DataFrame:
        """The publisher's own aggregates (World, regions) of one indicator, kept apart from countries."""
        return self._load_aggregates(indicator_id)

    def indicator(self, indicator_id: str) -> dict | None:
        if indicator_id not in self.indicators.index:
            return None
        return self.indicators.loc[indicator_id].to_dict()

    def years(self, indicator_id: str) -> list[int]:
        return sorted(int(y) for y in self.obs(indicator_id)["year"].unique())

    def group_members(self, group_id: str) -> pd.DataFrame:
        return self.members[self.members["group_id"] == group_id].reset_index(drop=True)

    def name(self, iso3: str) -> str:
        return self.names.get(iso3, iso3)


@dataclass(frozen=True)
class View:
    """What a view returns: ``table`` is exactly what the chart or table draws (and what its CSV holds);
    ``notes`` are the sentences shown under it; ``meta`` holds anything else the page lays out (titles,
    period text, flags)."""

    table: pd.DataFrame
    notes: tuple[str, ...] = ()
    meta: Mapping[str, object] = field(default_factory=dict)


def indicator_param(query: Query, frames: Frames, key: str = "indicator", default: str = "ai_vc_investment") -> str:
    return query.choice(key, list(frames.indicators.index), default)


def mode_param(query: Query, kind: str, key: str = "mode", modes: Iterable[str] | None = None) -> str:
    allowed = [m for m in (modes or MODES) if m in allowed_modes(kind)]
    return query.choice(key, allowed, "absolute")


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 country', '2 countries'."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"
