"""The compiled event loop: :func:`bpr.sim.engine._run` in numba, step for step.

The model, the random streams, the calendar and every piece of loop state are numpy
arrays (packed by :mod:`bpr.sim.packing`): a heap of ``(time, sequence)`` keys, case
records in a table whose rows are reused once a case is done, pool queues as linked
lists, and one ring buffer of pre-drawn numbers per random stream. The loop does exactly
what the Python loop does, in the same order — the same events, the same ties broken by
the same sequence numbers, the zero-time steps entered depth first (an explicit stack in
place of the recursion of ``enter``/``route``) and the same floating-point operations — so
that it consumes the same numbers and returns identical results.

The loop pauses (returns :data:`PAUSED`) between two events when a random stream runs low
or a table nears its capacity; the caller draws the next block of the stream or grows
the table and calls it again (numpy's generators stay in Python, so the numbers are
numpy's own). Compiled code is cached on disk (``NUMBA_CACHE_DIR``, by default
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

__all__ = ["ERRORS", "FINISHED", "MARGIN", "PAUSED", "RESERVE", "Model", "State", "run"]

FINISHED, PAUSED, FAILED = 0, 1, 2
"""What :func:`run` returns."""

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
 I_ERROR_STEP, I_ERROR_CASE, I_STATUS) = range(20)
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
    "ws", "we", "stop", "keep_cases", "arr_time", "arr_start", "arr_online", "arr_combo"])
"""The packed model (read only); see :mod:`bpr.sim.packing`."""

State = namedtuple("State", [
    "ints", "floats", "buffer", "read", "filled", "flagged", "pending",
    "heap_time", "heap_seq", "heap_code", "heap_case",
    "case_f", "case_i", "case_join", "free_cases",
    "node_case", "node_step", "node_worked", "node_next", "queue_head", "queue_tail", "free",
    "busy", "busy_month", "executions", "totals", "lead", "waits", "wait_days", "columns",
    "completed_per_day", "arrivals_per_day", "done_per_day", "stack"])
"""The loop's state (mutated in place, grown by :mod:`bpr.sim.packing` between calls)."""

_DONE, _CONTINUE = 0, 1
_F = TypeVar("_F", bound=Callable[..., Any])
_OPTIONS: dict[str, Any] = {"cache": True, "_nrt": False}


def _compiled(function: _F) -> _F:
    """``numba.njit`` with the kernel's options: cached on disk, and without reference
    counting (the loop allocates nothing, every array belongs to the caller): the atomic
    increments and decrements of each array taken from the model and state tuples
    otherwise cost about 90% of its time."""
    return cast(_F, njit(**_OPTIONS)(function))


def _inlined(function: _F) -> _F:
    """:func:`_compiled`, and inlined into its caller by numba: a call passes the model and
    state tuples as hundreds of scalars, too costly once per token."""
    return cast(_F, njit(**_OPTIONS, inline="always")(function))


_POOL, _FREE, _END, _JOIN = 3, 4, 2, 1
_SINGLE, _CHOICE, _SPLIT, _CHANNEL, _GUARDED = 1, 2, 3, 4, 5
_WALK_IN, _APPOINTMENT, _HOME, _WAITS = 1, 2, 3, 4
_DAY = 1440.0
_MASK = 2 * 4096 - 1  # ring buffers of 2 × BLOCK numbers (bpr.sim.compiled.BLOCK)


@_compiled
def _fail(st: State, code: int) -> None:
    if st.ints[I_ERROR] == 0:
        st.ints[I_ERROR] = code


@_compiled
def _running_low(ints: np.ndarray, flagged: np.ndarray, pending: np.ndarray, k: int,
                 dry: bool) -> None:
    """Flag stream ``k`` for a refill at the next pause (the slow path of :func:`_draw`,
    kept apart, with few arguments, so that :func:`_draw` stays small enough to inline)."""
    if dry and ints[I_ERROR] == 0:
        ints[I_ERROR] = 2
    if not flagged[k]:
        flagged[k] = True
        pending[ints[I_PENDING]] = k
        ints[I_PENDING] += 1


@_compiled
def _draw(m: Model, st: State, k: int) -> float:
    """The next number of stream ``k``."""
    if m.is_constant[k]:
        return m.constant[k]
    r = st.read[k]
    st.read[k] = r + 1
    if st.filled[k] - r <= RESERVE:
        _running_low(st.ints, st.flagged, st.pending, k, r >= st.filled[k])
    return st.buffer[k, r & _MASK]


# -- the office calendar (bpr.sim.calendar.OfficeCalendar) -------------------------------

@_compiled
def _bisect(values: np.ndarray, x: float, right: bool) -> int:
    """``bisect.bisect_right`` (``right``) or ``bisect_left`` of ``x`` in sorted ``values``."""
    lo, hi = 0, values.size
    while lo < hi:
        mid = (lo + hi) >> 1
        if values[mid] < x or (right and values[mid] == x):
            lo = mid + 1
        else:
            hi = mid
    return lo


@_compiled
def _worked(m: Model, t: float) -> float:
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


@_compiled
def _start_at(m: Model, worked: float) -> float:
    day = _bisect(m.cal_cum_end, worked, True)
    if day >= m.cal_days:
        return np.inf
    return m.cal_open[day] + (worked - m.cal_cum_start[day])


@_compiled
def _finish_at(m: Model, worked: float) -> float:
    day = _bisect(m.cal_cum_end, worked, False)
    if day >= m.cal_days:
        return np.inf
    while m.cal_length[day] == 0.0:
        day += 1
        if day >= m.cal_days:
            return np.inf
    return m.cal_open[day] + (worked - m.cal_cum_start[day])


# -- the heap of (time, sequence) keys ----------------------------------------------------

@_compiled
def _push(st: State, time: float, event: int, case: int, step: int) -> None:
    n = st.ints[I_HEAP]
    if n >= st.heap_time.size:
        _fail(st, 3)
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


@_compiled
def _pop(st: State) -> None:
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


# -- the event loop -------------------------------------------------------------------------

@_compiled
def _wip(m: Model, st: State, t: float, change: int) -> None:
    clipped = m.ws if t < m.ws else (m.we if t > m.we else t)
    st.floats[F_WIP_AREA] += st.ints[I_IN_SYSTEM] * (clipped - st.floats[F_WIP_LAST])
    st.floats[F_WIP_LAST] = clipped
    st.ints[I_IN_SYSTEM] += change


@_compiled
def _spread(busy: np.ndarray, bounds: np.ndarray, lo: float, hi: float) -> None:
    mo = _bisect(bounds, lo, True) - 1
    while hi > lo and 0 <= mo < busy.size:
        top = bounds[mo + 1]
        part = (hi if hi < top else top) - lo
        if part > 0:
            busy[mo] += part
        lo = top
        mo += 1


@_compiled
def _start_job(m: Model, st: State, case: int, s: int, worked_request: float, t: float,
               p: int) -> None:
    d = _draw(m, st, m.s_duration[s])
    staff = d
    if m.s_trip[s] >= 0:
        staff += 2 * _draw(m, st, m.s_trip[s])
    office = m.office_pool[p]
    w = _worked(m, t) if office else t
    if staff > 0:
        finish = _finish_at(m, w + staff) if office else w + staff
    else:
        finish = _start_at(m, w) if office else w
    lo = w if w > m.worked_ws[p] else m.worked_ws[p]
    hi = w + staff if w + staff < m.worked_we[p] else m.worked_we[p]
    if hi > lo:
        st.busy[p] += hi - lo
    if m.months:
        _spread(st.busy_month[p], m.month_worked[p], w, w + staff)
    if m.resident[s] >= 3:
        st.case_f[case, C_WORK] += d
        mode = m.presence[s]
        if mode == _WALK_IN or mode == _WAITS:
            waited = w - worked_request
            st.case_f[case, C_WAIT] += waited
            if mode == _WALK_IN and st.case_i[case, C_COHORT]:
                n = st.ints[I_WAITS]
                if n >= st.waits.size:
                    _fail(st, 3)
                else:
                    st.waits[n] = waited
                    st.wait_days[n] = t // _DAY
                    st.ints[I_WAITS] = n + 1
    _push(st, finish, _DONE, case, s)


@_compiled
def _release(st: State, case: int) -> None:
    """Give the case's row back (no token of it is left)."""
    st.free_cases[st.ints[I_FREE_CASES]] = case
    st.ints[I_FREE_CASES] += 1


@_compiled
def _complete(m: Model, st: State, case: int, t: float) -> None:
    st.done_per_day[int(t // _DAY)] += 1
    cf, ci = st.case_f, st.case_i
    if ci[case, C_COHORT]:
        n = st.ints[I_LEAD]
        st.lead[n] = (t - cf[case, C_ARRIVAL]) / _DAY
        st.totals[0] += cf[case, C_WORK]
        st.totals[1] += cf[case, C_WAIT]
        st.totals[2] += cf[case, C_TRAVEL]
        st.totals[3] += ci[case, C_VISITS]
        st.totals[4] += ci[case, C_HOME]
        st.totals[5] += ci[case, C_APPOINTMENTS]
        if m.keep_cases:
            st.columns[0, n] = cf[case, C_ARRIVAL]
            st.columns[1, n] = cf[case, C_WORK]
            st.columns[2, n] = cf[case, C_WAIT]
            st.columns[3, n] = cf[case, C_TRAVEL]
            st.columns[4, n] = ci[case, C_VISITS]
        st.ints[I_LEAD] = n + 1
    if t < m.we:
        st.ints[I_BACKLOG] -= 1
        if t >= m.ws:
            st.ints[I_COMPLETED] += 1
            st.completed_per_day[int(t // _DAY)] += 1
    _wip(m, st, t, -1)
    _release(st, case)


@_compiled
def _route(m: Model, st: State, case: int, s: int, top: int) -> int:
    """Push the step(s) the token goes on to; returns the new stack top."""
    r = m.route[s]
    base = m.succ_ptr[s]
    if r == _SINGLE:
        j = 0
    elif r == _CHOICE:
        u = _draw(m, st, m.s_draw[s])
        j = 0
        while u >= m.cum[base + j]:
            j += 1
    elif r == _GUARDED:
        start = m.guard_start[m.guard_row[s], st.case_i[case, C_COMBO]]
        if start < 0:
            _fail(st, 1)
            st.ints[I_ERROR_STEP] = s
            st.ints[I_ERROR_CASE] = case
            return top
        u = _draw(m, st, m.s_draw[s])
        i = 0
        while u >= m.guard_cum[start + i]:
            i += 1
        j = m.guard_pos[start + i]
    elif r == _CHANNEL:
        if st.case_i[case, C_ONLINE]:
            j = m.ch_online[s]
        else:
            u = _draw(m, st, m.s_draw[s])
            first = m.ch_ptr[s]
            i = 0
            while u >= m.ch_cum[first + i]:
                i += 1
            j = m.ch_pos[first + i]
    elif r == _SPLIT:
        n = m.succ_ptr[s + 1] - base
        st.case_i[case, C_TOKENS] += n - 1
        if top + n > st.stack.size:
            _fail(st, 3)
            return top
        for k in range(n):  # the first target on top: entered first, as in the recursion
            st.stack[top + k] = m.succ[base + n - 1 - k]
        return top + n
    else:
        return top
    if top >= st.stack.size:
        _fail(st, 3)
        return top
    st.stack[top] = m.succ[base + j]
    return top + 1


@_inlined
def _enter(m: Model, st: State, case: int, s: int, t: float, top: int) -> int:
    """A token of ``case`` enters step ``s`` at ``t``; returns the new stack top."""
    ci = st.case_i
    if ci[case, C_COHORT]:
        st.executions[s] += 1
    k = m.kind[s]
    if k >= _POOL:
        mode = m.presence[s]
        if mode:
            if mode != _WAITS:
                place = 2 if mode == _HOME else 1
                if ci[case, C_PRESENT] != place:
                    ci[case, C_PRESENT] = place
                    if place == 1:
                        ci[case, C_VISITS] += 1
                        if mode == _APPOINTMENT:
                            ci[case, C_APPOINTMENTS] += 1
                    else:
                        ci[case, C_HOME] += 1
        elif ci[case, C_PRESENT]:
            ci[case, C_PRESENT] = 0
    if k == _POOL:
        p = m.pool[s]
        request = _worked(m, t) if m.office_pool[p] else t
        if st.free[p]:
            st.free[p] -= 1
            _start_job(m, st, case, s, request, t, p)
        else:
            node = st.ints[I_FREE_NODE]
            if node >= 0:
                st.ints[I_FREE_NODE] = st.node_next[node]
            else:
                node = st.ints[I_NODES_HW]
                if node >= st.node_next.size:
                    _fail(st, 3)
                    return top
                st.ints[I_NODES_HW] = node + 1
            st.node_case[node], st.node_step[node], st.node_worked[node] = case, s, request
            st.node_next[node] = -1
            if st.queue_tail[p] >= 0:
                st.node_next[st.queue_tail[p]] = node
            else:
                st.queue_head[p] = node
            st.queue_tail[p] = node
        return top
    if k == _FREE:
        d = _draw(m, st, m.s_duration[s])
        role = m.resident[s]
        if role == 2:
            st.case_f[case, C_TRAVEL] += d
        elif role:
            st.case_f[case, C_WORK] += d
        if m.s_trip[s] >= 0:
            d += 2 * _draw(m, st, m.s_trip[s])
        if m.office_free[s]:
            w = _worked(m, t)
            finish = _finish_at(m, w + d) if d > 0 else _start_at(m, w)
        else:
            finish = t + d
        if m.s_delay[s] >= 0:
            finish += _draw(m, st, m.s_delay[s])
        if finish > t:
            _push(st, finish, _CONTINUE, case, s)
            return top
        return _route(m, st, case, s, top)
    if k == _END:
        ci[case, C_TOKENS] -= 1
        if not ci[case, C_TOKENS]:
            _complete(m, st, case, t)
        return top
    if k == _JOIN:
        slot = m.join_slot[s]
        count = st.case_join[case, slot] + 1
        if count < m.joins_needed[s]:
            st.case_join[case, slot] = count
            ci[case, C_TOKENS] -= 1
            if not ci[case, C_TOKENS]:
                if ci[case, C_COHORT]:
                    st.ints[I_STUCK] += 1  # every branch waits at a join: it never finishes
                _release(st, case)
            return top
        st.case_join[case, slot] = 0
    return _route(m, st, case, s, top)


@_inlined
def _cascade(m: Model, st: State, case: int, t: float, top: int) -> None:
    """Enter the stacked steps depth first (the zero-time steps of one instant)."""
    while top > 0 and st.ints[I_ERROR] == 0:
        top -= 1
        top = _enter(m, st, case, st.stack[top], t, top)


@_compiled
def _room(m: Model, st: State) -> bool:
    """Whether every stream and table has its reserve for the next event."""
    ints = st.ints
    return (ints[I_PENDING] == 0 and ints[I_HEAP] + MARGIN <= st.heap_time.size
            and (ints[I_FREE_CASES] > 0 or ints[I_CASES_HW] < st.case_f.shape[0])
            and (ints[I_FREE_NODE] >= 0 or ints[I_NODES_HW] + MARGIN <= st.node_next.size)
            and ints[I_WAITS] + MARGIN <= st.waits.size)


@_compiled
def run(m: Model, st: State) -> int:
    """Run the event loop from where it stopped until the end (:data:`FINISHED`), until a
    stream or table needs the caller (:data:`PAUSED`), or until a failure
    (:data:`FAILED`, see :data:`ERRORS`)."""
    ints, cf, ci = st.ints, st.case_f, st.case_i
    n_arrivals = m.arr_time.size
    while True:
        if ints[I_ERROR]:
            return FAILED
        if not _room(m, st):
            return PAUSED
        a = ints[I_NEXT]
        next_arrival = m.arr_time[a] if a < n_arrivals else np.inf
        if ints[I_HEAP] and st.heap_time[0] <= next_arrival:
            t = st.heap_time[0]
            code, case = st.heap_code[0], st.heap_case[0]
            _pop(st)
            if t > m.stop:
                break
            s, event = code >> 1, code & 1
            if event == _DONE:
                p = m.pool[s]
                node = st.queue_head[p]
                if node >= 0:
                    st.queue_head[p] = st.node_next[node]
                    if st.node_next[node] < 0:
                        st.queue_tail[p] = -1
                    st.node_next[node] = ints[I_FREE_NODE]
                    ints[I_FREE_NODE] = node
                    _start_job(m, st, st.node_case[node], st.node_step[node],
                               st.node_worked[node], t, p)
                else:
                    st.free[p] += 1
                if m.s_delay[s] >= 0:
                    d = _draw(m, st, m.s_delay[s])
                    if d > 0:
                        _push(st, t + d, _CONTINUE, case, s)
                        continue
            top = _route(m, st, case, s, 0)
        elif a < n_arrivals:
            t = next_arrival
            cohort = t >= m.ws
            if ints[I_FREE_CASES] > 0:
                ints[I_FREE_CASES] -= 1
                case = st.free_cases[ints[I_FREE_CASES]]
            else:
                case = ints[I_CASES_HW]
                ints[I_CASES_HW] = case + 1
            cf[case, C_ARRIVAL], cf[case, C_WORK], cf[case, C_WAIT], cf[case, C_TRAVEL] = t, 0.0, 0.0, 0.0
            ci[case, :] = 0
            ci[case, C_TOKENS] = 1
            ci[case, C_COHORT] = cohort
            ci[case, C_ONLINE] = m.arr_online[a]
            ci[case, C_COMBO] = m.arr_combo[a]
            st.case_join[case, :] = 0
            ints[I_NEXT] = a + 1
            ints[I_CASES] += 1
            ints[I_ARRIVED] += cohort
            ints[I_BACKLOG] += 1
            st.arrivals_per_day[int(t // _DAY)] += 1
            _wip(m, st, t, 1)
            st.stack[0] = m.arr_start[a]
            top = 1
        else:
            break
        _cascade(m, st, case, t, top)
    if ints[I_ERROR]:
        return FAILED
    _wip(m, st, m.we, 0)
    return FINISHED
