"""Means and percentiles of a replication's values in bounded memory.

A replication reports the mean and some percentiles of each finished case's lead time and
of each counter service's wait. :class:`Sample` keeps the values themselves while there
are at most :data:`EXACT_CAP` of them — the percentiles are then numpy's exact ones, as
they always were, and every catalog and city run stays exact — and beyond that folds them,
:data:`EXACT_CAP` at a time, into a fixed-bin logarithmic histogram, the *DDSketch* of
Masson, Rim and Lee ("DDSketch: a fast and fully-mergeable quantile sketch with
relative-error guarantees", VLDB 2019): bin ``i`` holds the values in
``(γ^(i-1), γ^i]`` with ``γ = (1 + α) / (1 - α)``, and a percentile is reported as
``2γ^i / (γ + 1)`` of the bin holding its rank, within a relative error :data:`ALPHA` of
the true order statistic. Values below :data:`TINY` (zero waits) are counted apart and
reported as 0. The memory is then fixed (:data:`BINS` counts) however long the run.

Counts and means are exact in both modes: the mean of a histogram sample is the sum of
its values, added up :data:`EXACT_CAP` at a time, over their count. Both simulation
kernels hand a :class:`Sample` the same values in the same order, so they fold the same
groups and report identical numbers.
"""

from __future__ import annotations

import math
from array import array

import numpy as np

__all__ = ["ALPHA", "BINS", "EXACT_CAP", "TINY", "Sample", "method"]

EXACT_CAP = 1 << 20
"""Values kept exactly per sample (1,048,576: 8 MiB); beyond, the histogram."""

ALPHA = 0.001
"""Relative error of a histogram percentile (0.1%)."""

TINY = 1e-6
"""Values below this (minutes or days) count as 0 in the histogram."""

_GAMMA = (1 + ALPHA) / (1 - ALPHA)
_LOG_GAMMA = math.log(_GAMMA)
_LOW = math.ceil(math.log(TINY) / _LOG_GAMMA)
_HIGH = math.ceil(math.log(1e9) / _LOG_GAMMA)
BINS = _HIGH - _LOW + 2
"""Bins of the histogram: zero, then ``γ^i`` for values from :data:`TINY` to 1e9 (the
last bin also takes anything larger, reported as about 1e9)."""


def method(exact: bool) -> str:
    """How percentiles were computed, as results say it."""
    return "exact" if exact else f"histogram (DDSketch, relative error {ALPHA:.1%})"


class Sample:
    """The values of one measure of a replication, kept exactly up to ``cap`` and then as
    a histogram (see the module docstring).

    Args:
        cap: values kept exactly (and folded at a time once there are more).
    """

    __slots__ = ("_bins", "_buffer", "_total", "cap", "count")

    def __init__(self, cap: int = EXACT_CAP) -> None:
        self.cap = cap
        self.count = 0
        self._buffer = array("d")
        self._total = 0.0
        self._bins: np.ndarray | None = None

    @property
    def exact(self) -> bool:
        """Whether every value is still kept (exact percentiles)."""
        return self._bins is None

    def add(self, value: float) -> None:
        """Add one value (the Python kernel's path)."""
        if len(self._buffer) == self.cap:
            self._fold()
        self._buffer.append(value)
        self.count += 1

    def extend(self, values: np.ndarray) -> None:
        """Add values in order (the compiled kernel's path): the same as :meth:`add` on each."""
        at, n = 0, values.size
        while at < n:
            if len(self._buffer) == self.cap:
                self._fold()
            take = min(self.cap - len(self._buffer), n - at)
            self._buffer.frombytes(np.ascontiguousarray(values[at:at + take], dtype=float).tobytes())
            at += take
        self.count += n

    def values(self) -> array[float]:
        """Every value, in the order added.

        Raises:
            ValueError: the sample has become a histogram.
        """
        if not self.exact:
            raise ValueError("the values were folded into a histogram")
        return self._buffer

    def _fold(self) -> None:
        group = np.frombuffer(self._buffer, dtype=float)
        self._total += float(group.sum())
        if self._bins is None:
            self._bins = np.zeros(BINS, dtype=np.int64)
        self._bins += _counts(group)
        del group
        self._buffer = array("d")

    def mean(self) -> float | None:
        """The mean, or ``None`` (undefined) for no values."""
        if not self.count:
            return None
        buffer = np.frombuffer(self._buffer, dtype=float)
        if self.exact:
            return float(buffer.mean())
        return (self._total + float(buffer.sum())) / self.count

    def percentile(self, q: float) -> float | None:
        """The ``q``-th percentile (0–100), or ``None`` for no values: numpy's (linear
        interpolation) while exact, else the histogram's estimate of the order statistic
        of rank ``⌊q/100 · (n − 1)⌋`` (0-based), within :data:`ALPHA` of it."""
        if not self.count:
            return None
        buffer = np.frombuffer(self._buffer, dtype=float)
        if self._bins is None:
            return float(np.percentile(buffer, q))
        bins = self._bins + _counts(buffer)
        rank = math.floor(q / 100 * (self.count - 1))
        i = int(np.searchsorted(np.cumsum(bins), rank, side="right"))
        return _value(i)

    def percentiles(self, *qs: float) -> list[float | None]:
        """:meth:`percentile` of each of ``qs``, the values partitioned (or binned) once:
        numpy interpolates each percentile between the same order statistics whether it
        is asked for alone or with others, so each equals :meth:`percentile`'s."""
        if not self.count:
            return [None] * len(qs)
        buffer = np.frombuffer(self._buffer, dtype=float)
        if self._bins is None:
            return [float(v) for v in np.percentile(buffer, qs)]
        cumulative = np.cumsum(self._bins + _counts(buffer))
        return [_value(int(np.searchsorted(cumulative, math.floor(q / 100 * (self.count - 1)),
                                           side="right")))
                for q in qs]


def _counts(values: np.ndarray) -> np.ndarray:
    """How many of ``values`` fall in each bin (binned a slice at a time, so that the
    temporaries stay small)."""
    counts = np.zeros(BINS, dtype=np.int64)
    for at in range(0, values.size, _SLICE):
        counts += np.bincount(_bin(values[at:at + _SLICE]), minlength=BINS)
    return counts


_SLICE = 1 << 16


def _bin(values: np.ndarray) -> np.ndarray:
    """The bin of each value (0: below :data:`TINY`)."""
    safe = np.maximum(values, TINY)
    index = np.ceil(np.log(safe) / _LOG_GAMMA).astype(np.int64) - _LOW + 1
    index = np.clip(index, 1, BINS - 1)
    index[values < TINY] = 0
    return index


def _value(i: int) -> float:
    """The value reported for bin ``i``."""
    if i == 0:
        return 0.0
    return 2 * _GAMMA ** (i - 1 + _LOW) / (_GAMMA + 1)
