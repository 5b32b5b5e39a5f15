"""Methods: every formula the dashboard uses, in words a reader can check."""

from __future__ import annotations

import dash
from dash import dcc, html

from ...analysis.gap import MIN_POINTS
from ...analysis.index import LOG_DECADES
from ...analysis.presets import CENSUS, DEFAULT_YEAR

dash.register_page(__name__, path="/methods", name="Methods", title="Methods · aigap", order=9)

_CENSUS = "; ".join(sorted(set(CENSUS.values())))

TEXT = f"""
# Methods

Every figure starts as a value in a publisher's file; the formulas below are all aigap computes from them.
The code is in `src/aigap/analysis/` (pure functions, each with tests).

## Periods and years
Each observation has a *period*: a year (`2023`), a TOP500 edition (`2025-06`), a half-year (`2025-H1`), a
quarter (`2026-Q1`) or the month of a one-off snapshot. A **yearly view** takes, for each country and year,
the latest period within that year (e.g. the November TOP500 list), and says so under the chart.
Where a view allows **earlier data** ("use earlier data up to N years"), a country with no value in the
chosen year shows its most recent value at most N years older; the chart lists those countries and years.
Totals (investment, systems, models) default to N = 0: a missing total is not an old value.
Values the publisher gives for part of a period (the 2026 OECD.AI figure is *year to date*) are flagged,
and left out of concentration and trend figures.

## Forms of an indicator
Only for totals (values that add up across countries):
- **per million people** = value / (population / 1,000,000)
- **per US$ billion of GDP** = value / (GDP in current US$ / 1,000,000,000)
- **% of the total of countries with data** = 100 x value / sum of the values of all countries with data
  in the same period. This is a share of the countries the source covers, not of a world total the
  source may publish separately.

Population and GDP are the World Bank's, for the same year or the latest earlier year available. Rates,
percentages and index scores are shown only as published: a per-capita index score means nothing.

## Ranks, percentiles and gaps (country profile)
- **Rank**: 1 = best among countries with data in that year (ties share the best rank; for an indicator
  where lower is better the order is reversed).
- **Percentile** = 100 x (number of other countries the country is at least as good as) / (countries - 1).
- **Gap to the leader** = leader's value / country's value (a ratio; "x times"); undefined when the
  country's value is zero.
- **Peer-group median**: the median over the members of the group with data in that year.

## Group aggregates (compare)
- **Sum** (totals only) over members with data that year; **median**; **population-weighted mean** =
  sum(value x population) / sum(population) over members with both. The number of members with data is
  shown with each point. BRICS membership counts each member from the year it joined.

## Composite index
1. For the reference year, each chosen indicator in its chosen form (look-back rule as above).
2. **Log transform** (optional, for heavy-tailed totals): log10(value), floored {LOG_DECADES} decades below
   the largest value; zeros sit on the floor. A change of units becomes a constant shift that the
   normalisations ignore.
3. **Normalisation** per indicator (the best value scores highest whatever the indicator's direction):
   - min-max = 100 x (x - min) / (max - min)
   - z-score = (x - mean) / standard deviation
   - percentile rank = 100 x (rank - 1) / (countries - 1), ties averaged
4. **Pillar score** = weighted mean of the pillar's indicators the country has (weights normalised to sum to 1).
5. **Composite** = weighted mean of the pillars the country has, **only** if it has at least the chosen
   minimum number of pillars; otherwise "not enough data" (never a score built from zeros).
   **Census zeros** (on by default, a visible switch): some sources are censuses whose absence means "none
   listed", not "unknown" ({_CENSUS}). For a country that already has real data on at least the minimum
   number of pillars, such an indicator counts 0 where the country is not listed (latest edition in the
   look-back window only). Without this rule a country with no system on the TOP500 list would have its
   compute pillar skipped while a country with one small system would score near 0 there.
   The default reference year is {DEFAULT_YEAR}: the year with the most country values within the look-back
   window (GPU clusters, cloud regions and AI diffusion start in 2025).
6. **Rank robustness**: 1,000 draws of pillar weights from a Dirichlet distribution centred on the chosen
   weights (alpha = 20 x number of pillars x weight, fixed seed), each computed under all three
   normalisations; each country's median rank and its 5th-95th percentile rank interval are shown. A rank
   is flagged as not robust when that interval spans more than 5 places.
7. **Comparison** with the published indices: Spearman rank correlation over the countries both rank.

## Gap, trend and catch-up
- **Gap** = reference / country (ratio) and reference - country (difference), per year both have.
- **Trend**: ordinary least squares of ln(value) on year over the chosen window, using positive values only;
  **compound annual growth** = exp(slope) - 1, with a 95% interval from the slope's standard error and
  Student's t. At least {MIN_POINTS} positive yearly values are required; with fewer, no trend is estimated.
- **Years to catch up**: if both series kept their fitted trends, the follower reaches the reference when
  ln f(t) = ln r(t), i.e. t = (ln r - ln f) / (growth_f - growth_r) years after the later of the two last
  observed years. "Not converging" when the follower does not grow faster; "already ahead" when it is
  already above. This is an extrapolation under a stated assumption, not a forecast.
- **Concentration**: share of the total held by the top 1, 2 and 5 countries, and the
  Herfindahl-Hirschman index = sum over countries of (share in %)^2, from 0 to 10,000.
"""


def layout(**_params) -> html.Div:
    return html.Div(dcc.Markdown(TEXT), className="col-lg-9")
