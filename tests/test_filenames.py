"""Download file names: readable, and no separator left dangling by an empty value (``..._2015-_table.csv``)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from hypothesis import given, strategies as st

from aigap.analysis import views as registry
from aigap.app.views import filename

DANGLING = re.compile(r"(-_|_-|--|__|-\.|_\.)")


@pytest.mark.parametrize("page", registry.PAGES)
def test_default_view_names_are_clean(page, store_frames):
    table, params = registry.parse(page, {}, store_frames)
    name = filename(page, table, params, "csv")
    assert name.startswith(f"aigap_{page}_{table}") and name.endswith(".csv")
    assert not DANGLING.search(name), name


values = st.one_of(st.none(), st.just(""), st.integers(1990, 2030), st.sampled_from(["USA", "BRA", "G7"]))


@given(st.dictionaries(st.sampled_from(["indicator", "years", "countries", "mode", "log"]),
                       st.one_of(values, st.booleans(), st.tuples(values, values), st.lists(values).map(tuple)),
                       max_size=5))
def test_empty_values_leave_no_separator_behind(fields):
    name = filename("data", "observations", SimpleNamespace(**fields), "json")
    assert not DANGLING.search(name), name
    assert name.startswith("aigap_data_observations") and name.endswith(".json")
