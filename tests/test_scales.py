"""Map colour scales: bins cover every value once and are never empty, a skewed distribution gets a scale on which
the countries after the leader differ, log only for positive values; and the shipped data's skewed totals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

from aigap.analysis import scales
from aigap.analysis.measures import value_for_year

# Values as publishers give them: a few significant digits, zeros and (for balances) negatives.
number = st.builds(lambda m, e: round(m * 10.0 ** e, 6), st.integers(-999, 9999), st.integers(-3, 8))
positive = st.builds(lambda m, e: m * 10.0 ** e, st.integers(1, 9999), st.integers(-3, 8))
values_st = st.lists(number, min_size=1, max_size=200)


def skewed(draw_values):
    """A leader ten to a thousand times the next country."""
    return st.tuples(st.lists(draw_values, min_size=2, max_size=150), st.floats(10, 1000)).map(
        lambda t: [*t[0], max(abs(v) for v in t[0]) * t[1] + 1])


def _bins_holding(v: float, edges: tuple[float, ...]) -> int:
    """How many bins hold v, read from the edges alone (half-open, the last one closed)."""
    last = len(edges) - 2
    return sum(1 for i in range(last + 1)
               if edges[i] <= v < edges[i + 1] or (i == last and v == edges[-1]))


@given(values_st)
def test_bins_are_monotone_cover_every_value_once_and_none_is_empty(values):
    edges = scales.bin_edges(values)
    assert edges[0] == min(values) and edges[-1] == max(values)
    if min(values) == max(values):
        assert edges == (min(values), max(values))
        return
    assert all(a < b for a, b in zip(edges, edges[1:]))
    assert len(edges) - 1 <= scales.N_BINS
    for v in values:
        assert _bins_holding(v, edges) == 1
    assigned = scales.bin_of(np.array(values), edges)
    for v, b in zip(values, assigned):
        lo, hi = edges[int(b)], edges[int(b) + 1]
        assert lo <= v <= hi and (v < hi or int(b) == len(edges) - 2)
    assert set(assigned.astype(int)) == set(range(len(edges) - 1))  # no bin without a country


@given(values_st)
def test_two_different_values_give_two_bins_lowest_and_highest_apart(values):
    assume(min(values) < max(values))
    edges = scales.bin_edges(values)
    assigned = scales.bin_of(np.array(values), edges)
    assert len(edges) >= 3 and assigned[np.argmin(values)] != assigned[np.argmax(values)]


def _spread_of_the_rest(values: list[float]) -> tuple[float, int]:
    """(how much of the colour range the countries after the leader span, how many distinct values they hold)."""
    scale = scales.choose(values)
    pos = scale.position(values)
    top = int(np.argmax(values))
    rest = np.delete(pos, top)
    full = (len(scale.edges) - 2) if scale.kind == scales.BINS else pos.max() - pos.min()
    distinct = len(set(np.delete(np.array(values), top)))
    return ((rest.max() - rest.min()) / full if distinct > 1 else 0.0), distinct


@given(st.one_of(skewed(number), skewed(positive)))
def test_on_a_skewed_distribution_the_rest_get_more_than_one_colour(values):
    """Whatever the scale chosen, the countries after the leader span a visible part of it (at least the share
    MIDDLE_MIN of the colour range) whenever they differ at all; in bins, at least two bins."""
    spread, distinct = _spread_of_the_rest(values)
    assume(distinct > 1)
    assert spread >= scales.MIDDLE_MIN
    scale = scales.choose(values)
    if scale.kind == scales.BINS:
        rest = np.delete(scale.position(values), int(np.argmax(values)))
        assert len(set(rest)) > 1


@given(values_st)
def test_any_distribution_the_rest_span_a_visible_part_of_the_scale(values):
    assume(len(values) >= 3)
    spread, distinct = _spread_of_the_rest(values)
    if distinct > 1:
        assert spread >= scales.MIDDLE_MIN


@given(st.lists(number, min_size=3, max_size=100))
def test_log_only_for_positive_values(values):
    scale = scales.choose(values)
    if min(values) <= 0:
        assert scale.kind != scales.LOG
    if scale.kind == scales.LOG:
        assert np.isfinite(scale.position(values)).all()


@given(st.lists(st.floats(0, 100), min_size=3, max_size=100))
def test_an_even_spread_stays_linear(values):
    """Values whose middle country sits a tenth of the way up (shares, rates) keep their linear scale."""
    v = np.array(values)
    assume(v.max() > v.min() and (np.median(v) - v.min()) / (v.max() - v.min()) >= 0.1)
    assert scales.choose(values).kind == scales.LINEAR


def test_the_legend_says_which_scale():
    assert scales.choose([1, 2, 3, 4, 5]).legend == ""
    log = scales.choose([10, 20, 50, 100, 300, 1000, 100000])
    assert log.kind == scales.LOG and "log" in log.legend
    tickvals, ticktext = log.ticks([10, 20, 50, 100, 300, 1000, 100000])
    assert [10 ** t for t in tickvals] == pytest.approx([10, 100, 1000, 10000, 100000])
    assert ticktext == ["10", "100", "1k", "10k", "100k"]
    bins = scales.choose([0, 0, 1, 2, 3, 5, 8, 13, 2000])
    assert bins.kind == scales.BINS and "bins" in bins.legend
    positions, labels = bins.ticks([0, 0, 1, 2, 3, 5, 8, 13, 2000])
    assert positions == list(range(len(bins.edges) - 1))
    assert labels[0].startswith("0 – ") and labels[-1].endswith(" – 2k")


def test_nan_is_no_data():
    scale = scales.choose([0, 1, 2, 3, 1000, math.nan])
    assert scale.kind == scales.BINS
    assert math.isnan(scale.position([math.nan, 1])[0])


@pytest.mark.parametrize("indicator", ["ai_vc_investment", "top500_rmax", "gpu_cluster_h100e"])
def test_the_shipped_skewed_totals_get_a_scale_that_shows_the_rest(store_frames, indicator):
    """On the real latest complete year, the leader is far ahead, a linear scale leaves most countries in its
    bottom tenth, and the chosen scale does not."""
    obs = store_frames.obs(indicator)
    year = int(obs.loc[~obs["note"].fillna("").str.startswith("year to date"), "year"].max())
    values = value_for_year(obs, year)["value"].to_numpy()
    top, second = np.sort(values)[-2:][::-1]
    assert top > 3 * second
    linear = (values - values.min()) / (values.max() - values.min())
    assert (linear < 0.1).mean() > 0.8
    assert scales.choose(values).kind != scales.LINEAR
    spread, _ = _spread_of_the_rest(list(values))
    assert spread >= scales.MIDDLE_MIN
