"""Colour scales for maps: which scale lets a reader tell the countries after the leader apart.

A total such as AI investment is skewed: the leader holds ten times the next country, so on a linear colour scale
every other country gets the bottom colour. :func:`choose` keeps a linear scale where it works (its middle country
sits at least :data:`MIDDLE_MIN` of the way up the scale), else a log scale where every value is positive and that
works, else bins (as Our World in Data's maps use): cuts at quantiles of the distinct values, each rounded to the
fewest significant digits that keep the same countries on either side. Pure: values in, a :class:`ColourScale` out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

LINEAR, LOG, BINS = "linear", "log", "bins"
MIDDLE_MIN = 0.1  # how far up the scale the median country must sit for a continuous scale to be kept
N_BINS = 6


@dataclass(frozen=True)
class ColourScale:
    """How values map to colours: ``kind`` linear, log or bins. ``edges`` (bins only) are the bin boundaries,
    lowest value first and highest last: bin i holds edges[i] <= v < edges[i+1], the last one its upper edge too."""

    kind: str
    edges: tuple[float, ...] = ()

    @property
    def legend(self) -> str:
        """What the legend says about the scale."""
        return {LINEAR: "", LOG: "log scale", BINS: "grouped into bins"}[self.kind]

    def position(self, values: Iterable[float]) -> np.ndarray:
        """The value drawn for each value: itself (linear), its log10 (log) or its bin number (bins)."""
        v = np.asarray(list(values), dtype=float)
        if self.kind == LOG:
            return np.log10(v)
        if self.kind == BINS:
            return bin_of(v, self.edges)
        return v

    def labels(self) -> list[str]:
        """One label per bin, 'low – high', with as few digits as keep the edges apart (bins only)."""
        for digits in range(3, 16):
            shown = [_short(e, digits) for e in self.edges]
            if len(set(shown)) == len(shown):
                break
        return [f"{lo} – {hi}" for lo, hi in zip(shown[:-1], shown[1:])]

    def ticks(self, values: Iterable[float]) -> tuple[list[float], list[str]] | None:
        """(positions, labels) of the legend's ticks in drawn units: the bins, or round values on a log scale
        (powers of ten, with 2 and 5 between them when the values span less than two decades)."""
        if self.kind == BINS:
            return list(range(len(self.edges) - 1)), self.labels()
        if self.kind != LOG:
            return None
        v = _finite(values)
        lo, hi = math.floor(math.log10(v.min())), math.ceil(math.log10(v.max()))
        steps = (1,) if hi - lo > 2 else (1, 2, 5)
        marks = [m * 10.0 ** e for e in range(lo, hi + 1) for m in steps]
        marks = [m for m in marks if v.min() <= m <= v.max()] or [float(v.min()), float(v.max())]
        return [math.log10(m) for m in marks], [_short(m) for m in marks]


def choose(values: Iterable[float]) -> ColourScale:
    """The scale for these values: linear if it spreads them, else log (all values positive) if that does, else
    bins. NaN and infinite values are ignored (they are drawn as no data)."""
    v = _finite(values)
    if len(v) < 3 or v.min() == v.max() or _middle(v) >= MIDDLE_MIN:
        return ColourScale(LINEAR)
    if v.min() > 0 and _middle(np.log10(v)) >= MIDDLE_MIN:
        return ColourScale(LOG)
    return ColourScale(BINS, bin_edges(v))


def bin_edges(values: Iterable[float], n: int = N_BINS) -> tuple[float, ...]:
    """Edges of at most ``n`` bins covering every value: the lowest and highest value, and between them cuts at
    quantiles of the distinct values, rounded (same countries on either side). No bin is empty; with three
    distinct values or more, the values below the highest fall into at least two bins."""
    v = np.sort(_finite(values))
    if len(v) == 0:
        return ()
    lo, hi = float(v[0]), float(v[-1])
    if lo == hi:
        return (lo, hi)
    distinct = np.unique(v)
    by_split: dict[int, float] = {}  # one cut per split of the values: no empty bin
    for cut in np.quantile(distinct, np.arange(1, n) / n):
        rounded = _round_keeping(float(cut), v)
        if lo < rounded < hi:  # only not so for values apart by a float's last digit
            by_split.setdefault(int((v < rounded).sum()), rounded)
    return (lo, *sorted(by_split.values()), hi)


def bin_of(values: np.ndarray, edges: tuple[float, ...]) -> np.ndarray:
    """The bin number of each value (NaN stays NaN; values outside the edges go to the nearest bin)."""
    values = np.asarray(values, dtype=float)
    out = np.clip(np.searchsorted(np.asarray(edges), values, side="right") - 1, 0, max(len(edges) - 2, 0))
    return np.where(np.isnan(values), np.nan, out.astype(float))


def _finite(values: Iterable[float]) -> np.ndarray:
    v = np.asarray(list(values), dtype=float)
    return v[np.isfinite(v)]


def _middle(v: np.ndarray) -> float:
    """How far up the scale (0 bottom, 1 top) the median value sits."""
    return float((np.median(v) - v.min()) / (v.max() - v.min()))


def _round_keeping(cut: float, values: np.ndarray) -> float:
    """``cut`` (strictly between the lowest and highest value) to the fewest significant digits that leave the
    same values below it and stay strictly between them."""
    below, lo, hi = int((values < cut).sum()), values.min(), values.max()
    for digits in range(1, 16):
        rounded = float(f"{cut:.{digits}g}")
        if lo < rounded < hi and int((values < rounded).sum()) == below:
            return rounded
    return cut


def _short(x: float, digits: int = 3) -> str:
    """A number for a legend: 1.2k, 35M, 0.004 (``digits`` significant digits, no exponent)."""
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= size:
            return _sig(x / size, digits) + suffix
    return _sig(x, digits)


def _sig(x: float, digits: int) -> str:
    return np.format_float_positional(x, precision=digits, fractional=False, trim="-")
