"""Numbers as words and sentences show them: one pure formatter for the plain-language summaries, the country
brief and (if it wants) the app, so a number reads the same wherever it is written.

Three significant digits (``202,518``, ``1.23``, ``0.045``, ``203 billion``), whole numbers kept whole
(``5 cloud regions``), percentages with no decimal from 10% up (``73%``, ``6.9%``).
"""

from __future__ import annotations

import pandas as pd

NO_DATA = "no data"
_SCALES = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))


def _missing(value) -> bool:
    return value is None or bool(pd.isna(value))


def _three(value: float) -> str:
    """Three significant digits, thousands separated: 202,518 / 123 / 12.3 / 1.23 / 0.0451."""
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}" if value else "0"


def number(value) -> str:
    """A number for a sentence: millions and up in words, whole numbers whole, else three significant digits."""
    if _missing(value):
        return NO_DATA
    value = float(value)
    for scale, word in _SCALES:
        if abs(value) >= scale:
            return f"{_three(value / scale)} {word}"
    if value == round(value):
        return f"{int(round(value)):,}"
    return _three(value)


def with_unit(value, unit: str | None) -> str:
    """``number`` followed by the unit: '45.2% of population', '5 cloud regions', '202,518 (USD millions,
    nominal)' (a unit with a comma in brackets, so the sentence still parses)."""
    text = number(value)
    if text == NO_DATA or not unit:
        return text
    if unit.startswith("%"):
        return f"{text}{unit}"
    return f"{text} ({unit})" if "," in unit else f"{text} {unit}"


def percent(value) -> str:
    """A percentage: '73%', '6.9%', '0.45%'."""
    if _missing(value):
        return NO_DATA
    value = float(value)
    if abs(value) >= 10:
        return f"{value:.0f}%"
    if abs(value) >= 1:
        return f"{value:.1f}%"
    return f"{value:.2g}%"


def signed(value) -> str:
    """A difference with its sign: '+5.2', '−3.10' (a true minus sign), '0'."""
    if _missing(value):
        return NO_DATA
    text = number(abs(float(value)))
    return text if float(value) == 0 else ("+" if value > 0 else "−") + text


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st."""
    n = int(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def span(first: int, last: int) -> str:
    """'2025' or '2016–2025'."""
    return str(first) if first == last else f"{first}–{last}"
