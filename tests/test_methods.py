"""The Methods page states every choice the code makes, with the constants read from the code (defect 6)."""

from __future__ import annotations

import importlib
import re

import pytest

from aigap.analysis import gap, index, measures, presets
from aigap.analysis.views import gap as gap_view, overview


@pytest.fixture(scope="module")
def methods(dash_app):
    """The page module (a Dash page registers itself, so it is imported once the app exists)."""
    return importlib.import_module("aigap.app.pages.methods")


def _flat(text: str) -> str:
    """The page's Markdown as one line of words (no emphasis, no line breaks)."""
    return re.sub(r"\s+", " ", text.replace("**", ""))


STATEMENTS = [
    # Four choices that needed the code to reproduce.
    "Partial values (year to date) are left out of the index",
    "The log applies to every form of a total, including its per-capita and per-GDP forms",
    "over all countries with a value for that indicator",
    "Index eligibility (the minimum number of pillars) is counted after older list editions are dropped",
    # The rules in analysis/measures.py and analysis/gap.py.
    "a year of a list means its last edition of the year",
    "a country missing from that edition has no value for that year",
    "Shares are taken over every country with data in the same period, before any look-back pick",
    "Group membership by join and leave year",
    "the exact Student t quantile with n - 2 degrees of freedom",
    'Overlapping growth intervals mean "not significant"',
    "Model counts (Epoch AI's model lists) use the sum over the look-back window",
    "with the latest year flagged incomplete",
]


@pytest.mark.parametrize("statement", STATEMENTS)
def test_the_page_states_each_choice(methods, statement):
    assert statement in _flat(methods.text())


def test_the_layout_shows_the_text(methods):
    assert methods.layout().children.children == methods.text()


def test_constants_are_the_codes(methods):
    text = _flat(methods.text())
    assert f"at most {measures.DENOMINATOR_MAX_LAG} years earlier" in text
    assert f"floored {index.LOG_DECADES} decades below" in text
    assert f"At least {gap.MIN_POINTS} positive yearly values" in text
    assert f"The default reference year is {presets.DEFAULT_YEAR}" in text
    assert f"default to N = {overview.default_lag('total')}" in text
    assert f"at most {overview.LAG_MAX})" in text
    assert f"the default look-back is {presets.PRESETS[presets.DEFAULT_PRESET].choice.spec.max_lag} years" in text
    assert f'a crossing more than {gap.HORIZON} years ahead is reported as "not within {gap.HORIZON} years"' in text
    assert f"by more than {gap_view.LINE_MARGIN} times" in text


def test_the_text_follows_the_constants(methods, monkeypatch):
    """Change a constant in the code and the page says the new value: the text cannot drift."""
    monkeypatch.setattr(measures, "DENOMINATOR_MAX_LAG", 7)
    monkeypatch.setattr(gap, "HORIZON", 33)
    monkeypatch.setattr(index, "LOG_DECADES", 9)
    text = _flat(methods.text())
    assert "at most 7 years earlier" in text
    assert '"not within 33 years"' in text
    assert "floored 9 decades below" in text
