"""Means and percentiles in bounded memory (:class:`bpr.sim.quantiles.Sample`): exact up
to the cap, then counts and means exact and percentiles within the histogram's stated
error; values added one by one or in blocks give the same numbers (the two kernels)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpr.sim.quantiles import ALPHA, TINY, Sample

values_ = st.lists(st.floats(0.0, 1e6, allow_nan=False) | st.just(0.0), min_size=1, max_size=300)


@settings(max_examples=200, deadline=None)
@given(values=values_, cap=st.integers(1, 40), cuts=st.lists(st.integers(0, 300), max_size=6))
def test_a_sample_counts_and_averages_exactly_and_bounds_its_percentile_error(
        values: list[float], cap: int, cuts: list[int]) -> None:
    one, blocks = Sample(cap), Sample(cap)
    for v in values:
        one.add(v)
    bounds = [0, *sorted(c for c in cuts if c <= len(values)), len(values)]
    for a, b in itertools.pairwise(bounds):
        blocks.extend(np.asarray(values[a:b], dtype=float))
    assert one.count == blocks.count == len(values)
    assert one.exact == blocks.exact == (len(values) <= cap)
    assert one.mean() == blocks.mean()   # the same groups, summed alike
    assert one.mean() == pytest.approx(math.fsum(values) / len(values), rel=1e-9, abs=1e-9)
    ordered = sorted(values)
    for q in (0, 50, 90, 100):
        got = one.percentile(q)
        assert got == blocks.percentile(q)
        assert got is not None
        if one.exact:
            assert got == float(np.percentile(np.asarray(values), q))
        else:
            x = ordered[math.floor(q / 100 * (len(values) - 1))]
            if x < TINY:
                assert got == 0.0
            else:
                assert abs(got - x) <= ALPHA * x * (1 + 1e-9)


def test_an_empty_sample_has_no_mean_nor_percentile() -> None:
    sample = Sample(4)
    assert sample.mean() is None and sample.percentile(90) is None and sample.exact


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.floats(0.0, 1e6, allow_nan=False), max_size=300), cap=st.integers(1, 400),
       qs=st.lists(st.floats(0.0, 100.0), min_size=1, max_size=4))
def test_percentiles_asked_together_equal_each_asked_alone(values: list[float], cap: int,
                                                           qs: list[float]) -> None:
    """A result's p50 and p90 are computed in one pass: the same numbers, exact or not."""
    sample = Sample(cap)
    sample.extend(np.asarray(values, dtype=float))
    assert sample.percentiles(*qs) == [sample.percentile(q) for q in qs]
    if sample.exact and values:
        assert sample.percentiles(*qs) == [float(np.percentile(np.asarray(values), q)) for q in qs]
