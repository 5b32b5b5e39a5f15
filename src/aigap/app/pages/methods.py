"""Methods: every formula and every choice the dashboard's code makes, in words a reader can check.

Every constant the text states (a lag, a horizon, a floor) is read from the code when the page is drawn, so the
text cannot drift from what the code does.
"""

from __future__ import annotations

import dash
from dash import dcc, html

from ...analysis import gap, index, measures, presets
from ...analysis.views import gap as gap_view, overview

dash.register_page(__name__, path="/methods", name="Methods", title="Methods · aigap", order=9)


def text() -> str:
    census = "; ".join(sorted(set(presets.CENSUS.values())))
    look_back = presets.PRESETS[presets.DEFAULT_PRESET].choice.spec.max_lag
    total_lag, score_lag = overview.default_lag("total"), overview.default_lag("score")
    return f"""
# Methods

Every figure starts as a value in a publisher's file; the formulas and rules below are all aigap computes from
them. The code is in `src/aigap/analysis/` (pure functions, each with tests); the numbers in this text are read
from the code's own constants.

## Periods and years
Each observation has a *period*: a year (`2023`), a TOP500 edition (`2025-06`), a half-year (`2025-H1`), a
quarter (`2026-Q1`) or the month of a one-off snapshot. A **yearly view** takes, for each year, one period: the
latest period of that year in the data, over all countries. For a list published several times a year,
**a year of a list means its last edition of the year** (the November TOP500 list), and **a country missing from
that edition has no value for that year**: its June entry is not mixed in, so a year's total is that edition's
total. The chart says which edition a year means.

Where a view allows **earlier data** ("use earlier data up to N years"), a country with no value in the chosen
year shows its most recent value at most N years older (at most {overview.LAG_MAX}); the chart lists those
countries and years. Totals (investment, systems, models) default to N = {total_lag}: a
missing total is not an old value. Rates and scores default to N = {score_lag}.

**Partial values**: values the publisher gives for part of a period (the latest OECD.AI figure is *year to
date*) are flagged in the data, and **left out of concentration figures, trends, catch-up and the composite
index**; the overview opens on the latest complete year.

## Forms of an indicator
Only for totals (values that add up across countries):
- **per million people** = value / (population / 1,000,000)
- **per US$ billion of GDP** = value / (GDP in current US$ / 1,000,000,000)
- **% of the total of countries with data** = 100 x value / sum of the values of every country with data in
  the same period. This is a share of the countries the source covers, not of a world total the source may
  publish separately. **Shares are taken over every country with data in the same period, before any look-back
  pick**: a value from an older period is its share of that older period's total, never of the countries that
  happen to use the same period.

**Denominators**: population and GDP are the World Bank's, for the same year or the latest earlier year, **at
most {measures.DENOMINATOR_MAX_LAG} years earlier**; with no denominator in that range the value is missing
(never 0). Rates, percentages and index scores are shown only as published: a per-capita index score means
nothing.

## Ranks, percentiles and gaps (country profile)
- **Rank**: 1 = best among countries with data in that year (ties share the best rank; for an indicator
  where lower is better the order is reversed).
- **Percentile** = 100 x (number of other countries the country is at least as good as) / (countries - 1).
- **Gap to the leader** = leader's value / country's value (a ratio; "x times"); undefined when the
  country's value is zero.
- **Peer-group median**: the median over the members of the group with data in that year.

## Group aggregates (compare)
- **Group membership by join and leave year**: a country counts in a group from the year it joined up to and
  including the last year it was a member (BRICS members count from the year each joined); a year's aggregate
  uses the members of that year.
- **Sum** (totals only) over members with data that year; **median**; **population-weighted mean** =
  sum(value x population) / sum(population) over members with both. The number of members with data is
  shown with each point.

## Composite index
1. For the reference year, each chosen indicator in its chosen form (look-back rule as above; the default
   look-back is {look_back} years). **Partial values (year to date) are left out of the index.**
   **Model counts** (Epoch AI's model lists) **use the sum over the look-back window**, not one year's count,
   **with the latest year flagged incomplete** (the lists are filled in with a delay).
2. **Log transform** (optional, for heavy-tailed totals): log10(value), floored {index.LOG_DECADES} decades below
   the largest value; zeros sit on the floor. **The log applies to every form of a total, including its
   per-capita and per-GDP forms** (they are as heavy-tailed). A change of units becomes a constant shift that
   the normalisations ignore.
3. **Normalisation** per indicator (the best value scores highest whatever the indicator's direction), **over
   all countries with a value** for that indicator, including those that end up with too few pillars for a
   composite:
   - min-max = 100 x (x - min) / (max - min)
   - z-score = (x - mean) / standard deviation
   - percentile rank = 100 x (rank - 1) / (countries - 1), ties averaged
4. **Pillar score** = weighted mean of the pillar's indicators the country has (weights normalised to sum to 1).
5. **Composite** = weighted mean of the pillars the country has, **only** if it has at least the chosen
   minimum number of pillars; otherwise "not enough data" (never a score built from zeros).
   **Census zeros** (on by default, a visible switch): some sources are censuses whose absence means "none
   listed", not "unknown" ({census}). For a country that already has real data on at least the minimum
   number of pillars, such an indicator counts 0 where the country is not listed (in the latest edition within
   the look-back window; for model counts, in any year of the window). **Index eligibility (the minimum number of pillars) is counted after older list
   editions are dropped**: a country listed only in an older edition of a census list does not have that
   pillar. Without this rule a country with no system on the TOP500 list would have its compute pillar
   skipped while a country with one small system would score near 0 there.
   The default reference year is {presets.DEFAULT_YEAR}: the year with the most country values within the
   look-back window (GPU clusters, cloud regions and AI diffusion start in 2025).
6. **Rank robustness**: {presets.DRAWS:,} draws of pillar weights from a Dirichlet distribution centred on the
   chosen weights (alpha = 20 x number of pillars x weight, fixed seed), each computed under all three
   normalisations; each country's median rank and its 5th-95th percentile rank interval are shown. A rank
   is flagged as not robust when that interval spans more than 5 places.
7. **Comparison** with the published indices: Spearman rank correlation over the countries both rank.

## Gap, trend and catch-up
- **Gap** = reference / country (ratio) and reference - country (difference), per year both have.
- **Trend**: ordinary least squares of ln(value) on year over the chosen window, using positive values only;
  **compound annual growth** = exp(slope) - 1, with a 95% interval from the slope's standard error and **the
  exact Student t quantile with n - 2 degrees of freedom** (n = the number of yearly values fitted). At least
  {gap.MIN_POINTS} positive yearly values are required; with fewer, no trend is estimated.
- **Years to catch up**: if both series kept their fitted trends, the follower reaches the reference when
  ln f(t) = ln r(t), i.e. t = (ln r - ln f) / (growth_f - growth_r) years after the later of the two last
  observed years. **Overlapping growth intervals mean "not significant"**: when the 95% intervals of the two
  growth rates overlap, the data do not say which grows faster and no year is given. "Not converging" when
  the follower grows more slowly; "already ahead" when it is already above; a crossing more than
  {gap.HORIZON} years ahead is reported as **"not within {gap.HORIZON} years"**, never as a year. Projected
  trend lines are drawn at most to the crossing and stop where they leave the range of the data by more than
  {gap_view.LINE_MARGIN} times. This is an extrapolation under a stated assumption, not a forecast.
- **Concentration**: share of the total held by the top 1, 2 and 5 countries, and the
  Herfindahl-Hirschman index = sum over countries of (share in %)^2, from 0 to 10,000, over the countries
  with data in the period.
"""


def layout(**_params) -> html.Div:
    return html.Div(dcc.Markdown(text(), id="methods-text"), className="col-lg-9")
