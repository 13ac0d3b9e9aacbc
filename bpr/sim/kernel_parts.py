"""The compiled kernel's building blocks, in numba: its data, random draws, the office
calendar and the event heap (the event loop itself is :mod:`bpr.sim.kernel`).

* :data:`Model` and :data:`State`: the packed model (read only) and the loop's state,
  namedtuples of numpy arrays (:mod:`bpr.sim.packing` builds and grows them); the loop's
  scalars live in the ``ints`` and ``floats`` registers (``I_*``, ``F_*``).
* :func:`draw`: the next number of a random stream, from its ring buffer of pre-drawn
  numbers.
* :func:`worked`, :func:`start_at`, :func:`finish_at`:
  :class:`bpr.sim.calendar.OfficeCalendar`'s functions on its day tables, operation for
  operation.
* :func:`push`, :func:`pop`: a binary heap of ``(time, sequence)`` keys.

Compiled code is cached on disk (``NUMBA_CACHE_DIR``, by default
``~/.cache/tetsuzuki/numba``), so only the first call on a machine compiles.
"""

from __future__ import annotations

import os
from collections import namedtuple
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

if "NUMBA_CACHE_DIR" not in os.environ:  # before numba reads its configuration
    _base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    os.environ["NUMBA_CACHE_DIR"] = str(Path(_base) / "tetsuzuki" / "numba")

import numpy as np
from numba import njit

from bpr.sim.calendar import MINUTES_PER_DAY

__all__ = ["ERRORS", "FAILED", "FINISHED", "MARGIN", "PAUSED", "RESERVE", "Model", "State", "bisect",
           "compiled", "draw", "fail", "finish_at", "inlined", "pop", "push", "start_at", "worked"]

FINISHED, PAUSED, FAILED = 0, 1, 2
"""What :func:`bpr.sim.kernel.run` returns."""

MARGIN = 1024
"""Room kept free in every growing table between two events (one event's tokens)."""

RESERVE = 256
"""Pre-drawn numbers kept ready in each random stream between two events."""

ERRORS = {1: "no flow of a guarded choice is open to a case",
          2: f"a step drew more than {RESERVE} random numbers within one instant",
          3: f"more than {MARGIN} tokens moved within one instant"}
"""Failure codes in ``ints[I_ERROR]``: more than :data:`RESERVE` draws or :data:`MARGIN`
tokens in one instant (a loop of zero-time steps taken that often), or a guarded choice
with no open flow (``ints[I_ERROR_STEP]`` and ``ints[I_ERROR_CASE]`` say where)."""

# Integer registers (State.ints).
(I_HEAP, I_SEQ, I_NEXT, I_CASES_HW, I_FREE_CASES, I_NODES_HW, I_FREE_NODE, I_WAITS, I_LEAD,
 I_PENDING, I_ARRIVED, I_CASES, I_COMPLETED, I_BACKLOG, I_STUCK, I_IN_SYSTEM, I_ERROR,
 I_ERROR_STEP, I_ERROR_CASE, I_MORE) = range(20)
# I_MORE: 1 while more arrivals may come than the block in Model.arr_* (the caller's to hand)
N_INTS = 20
# Float registers (State.floats).
F_WIP_AREA, F_WIP_LAST = 0, 1
# Case table columns.
C_ARRIVAL, C_WORK, C_WAIT, C_TRAVEL = range(4)                          # State.case_f
C_TOKENS, C_COHORT, C_ONLINE, C_PRESENT, C_COMBO, C_VISITS, C_HOME, C_APPOINTMENTS = range(8)

Model = namedtuple("Model", [
    # per step
    "kind", "pool", "route", "resident", "presence", "office_free", "joins_needed", "join_slot",
    "succ_ptr", "succ", "cum", "ch_online", "ch_ptr", "ch_pos", "ch_cum",
    "guard_row", "guard_start", "guard_cum", "guard_pos",
    "s_duration", "s_delay", "s_draw", "s_trip", "constant", "is_constant",
    # per pool
    "office_pool", "worked_ws", "worked_we", "month_worked", "months",
    # the office calendar
    "cal_open", "cal_length", "cal_cum_start", "cal_cum_end", "cal_days", "cal_total",
    # the run
    "ws", "we", "stop", "keep_cases",
    # the current block of arrivals (replaced by the caller between calls)
    "arr_time", "arr_start", "arr_online", "arr_combo"])
"""The packed model (read only; the caller replaces the arrival block and the guard
tables between calls); see :mod:`bpr.sim.packing`."""

State = namedtuple("State", [
    "ints", "floats", "buffer", "read", "filled", "flagged", "pending",
    "heap_time", "heap_seq", "heap_code", "heap_case",
    "case_f", "case_i", "case_join", "free_cases",
    "node_case", "node_step", "node_worked", "node_next", "queue_head", "queue_tail", "free",
    "busy", "busy_month", "executions", "totals", "lead", "waits", "wait_days", "columns",
    "completed_per_day", "arrivals_per_day", "done_per_day", "stack"])
"""The loop's state (mutated in place, grown by :mod:`bpr.sim.packing` between calls)."""

_F = TypeVar("_F", bound=Callable[..., Any])
_OPTIONS: dict[str, Any] = {"cache": True, "_nrt": False, "nogil": True}


def compiled(function: _F) -> _F:
    """``numba.njit`` with the kernel's options: cached on disk, and without reference
    counting (the loop allocates nothing, every array belongs to the caller): the atomic
    increments and decrements of each array taken from the model and state tuples
    otherwise cost about 90% of its time; and releasing the GIL (``nogil``), so that
    threads simulate in parallel."""
    return cast(_F, njit(**_OPTIONS)(function))


def inlined(function: _F) -> _F:
    """:func:`compiled`, and inlined into its caller by numba: a call passes the model and
    state tuples as hundreds of scalars, too costly once per token."""
    return cast(_F, njit(**_OPTIONS, inline="always")(function))


_DAY = MINUTES_PER_DAY
_MASK = 2 * 4096 - 1  # ring buffers of 2 × BLOCK numbers (bpr.sim.compiled.BLOCK)


@compiled
def fail(st: State, code: int) -> None:
    if st.ints[I_ERROR] == 0:
        st.ints[I_ERROR] = code


@compiled
def running_low(ints: np.ndarray, flagged: np.ndarray, pending: np.ndarray, k: int,
                 dry: bool) -> None:
    """Flag stream ``k`` for a refill at the next pause (the slow path of :func:`draw`,
    kept apart, with few arguments, so that :func:`draw` stays small enough to inline)."""
    if dry and ints[I_ERROR] == 0:
        ints[I_ERROR] = 2
    if not flagged[k]:
        flagged[k] = True
        pending[ints[I_PENDING]] = k
        ints[I_PENDING] += 1


@compiled
def draw(m: Model, st: State, k: int) -> float:
    """The next number of stream ``k``."""
    if m.is_constant[k]:
        return m.constant[k]
    r = st.read[k]
    st.read[k] = r + 1
    if st.filled[k] - r <= RESERVE:
        running_low(st.ints, st.flagged, st.pending, k, r >= st.filled[k])
    return st.buffer[k, r & _MASK]


# -- the office calendar (bpr.sim.calendar.OfficeCalendar) -------------------------------

@compiled
def bisect(values: np.ndarray, x: float, right: bool) -> int:
    """``bisect.bisect_right`` (``right``) or ``bisect_left`` of ``x`` in sorted ``values``."""
    lo, hi = 0, values.size
    while lo < hi:
        mid = (lo + hi) >> 1
        if values[mid] < x or (right and values[mid] == x):
            lo = mid + 1
        else:
            hi = mid
    return lo


@compiled
def worked(m: Model, t: float) -> float:
    if t <= 0.0:
        return 0.0
    day = int(t // _DAY)
    if day >= m.cal_days:
        return m.cal_total
    into = t - m.cal_open[day]
    if into <= 0.0:
        return m.cal_cum_start[day]
    length = m.cal_length[day]
    return m.cal_cum_start[day] + (into if into < length else length)


@compiled
def start_at(m: Model, worked: float) -> float:
    day = bisect(m.cal_cum_end, worked, True)
    if day >= m.cal_days:
        return np.inf
    return m.cal_open[day] + (worked - m.cal_cum_start[day])


@compiled
def finish_at(m: Model, worked: float) -> float:
    day = bisect(m.cal_cum_end, worked, False)
    if day >= m.cal_days:
        return np.inf
    while m.cal_length[day] == 0.0:
        day += 1
        if day >= m.cal_days:
            return np.inf
    return m.cal_open[day] + (worked - m.cal_cum_start[day])


# -- the heap of (time, sequence) keys ----------------------------------------------------

@compiled
def push(st: State, time: float, event: int, case: int, step: int) -> None:
    n = st.ints[I_HEAP]
    if n >= st.heap_time.size:
        fail(st, 3)
        return
    seq = st.ints[I_SEQ]
    st.ints[I_SEQ] = seq + 1
    ht, hs = st.heap_time, st.heap_seq
    while n > 0:
        parent = (n - 1) >> 1
        if ht[parent] < time or (ht[parent] == time and hs[parent] < seq):
            break
        ht[n], hs[n] = ht[parent], hs[parent]
        st.heap_code[n], st.heap_case[n] = st.heap_code[parent], st.heap_case[parent]
        n = parent
    ht[n], hs[n] = time, seq
    st.heap_code[n], st.heap_case[n] = step * 2 + event, case
    st.ints[I_HEAP] += 1


@compiled
def pop(st: State) -> None:
    """Remove the root (read it before calling)."""
    n = st.ints[I_HEAP] - 1
    st.ints[I_HEAP] = n
    ht, hs = st.heap_time, st.heap_seq
    time, seq = ht[n], hs[n]
    code, case = st.heap_code[n], st.heap_case[n]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= n:
            break
        right = child + 1
        if right < n and (ht[right] < ht[child] or (ht[right] == ht[child] and hs[right] < hs[child])):
            child = right
        if time < ht[child] or (time == ht[child] and seq < hs[child]):
            break
        ht[i], hs[i] = ht[child], hs[child]
        st.heap_code[i], st.heap_case[i] = st.heap_code[child], st.heap_case[child]
        i = child
    ht[i], hs[i] = time, seq
    st.heap_code[i], st.heap_case[i] = code, case
