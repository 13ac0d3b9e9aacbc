"""The compiled event loop: :func:`bpr.sim.engine._run` in numba, step for step.

The model, the random streams, the calendar and every piece of loop state are numpy
arrays (packed by :mod:`bpr.sim.packing`): a heap of ``(time, sequence)`` keys, case
records in a table whose rows are reused once a case is done, pool queues as linked
lists, and one ring buffer of pre-drawn numbers per random stream. The loop does exactly
what the Python loop does, in the same order — the same events, the same ties broken by
the same sequence numbers, the zero-time steps entered depth first (an explicit stack in
place of the recursion of ``enter``/``route``) and the same floating-point operations — so
that it consumes the same numbers and returns identical results.

The loop pauses (returns :data:`PAUSED`) between two events when a random stream runs low,
a table nears its capacity, the buffers of lead times and counter waits fill up or the
block of arrivals is used up; the caller draws the next block of the stream, grows the
table, takes the values over (:class:`bpr.sim.quantiles.Sample`) or hands over the next
arrivals, and calls it again (numpy's generators stay in Python, so the numbers are
numpy's own). Its data, draws, calendar and heap are in :mod:`bpr.sim.kernel_parts`.

The loop releases the GIL (numba's ``nogil``): threads of one process run replications
side by side, which is how the ``run all`` flow simulates (a thread task runner, no
worker process to start). numba's disk cache does not tell a function compiled with
``nogil`` from one compiled without it; a change to this file invalidates it.
"""

from __future__ import annotations

import numpy as np

from bpr.sim.calendar import MINUTES_PER_DAY
from bpr.sim.kernel_parts import (
    C_APPOINTMENTS,
    C_ARRIVAL,
    C_COHORT,
    C_COMBO,
    C_HOME,
    C_ONLINE,
    C_PRESENT,
    C_TOKENS,
    C_TRAVEL,
    C_VISITS,
    C_WAIT,
    C_WORK,
    F_WIP_AREA,
    F_WIP_LAST,
    FAILED,
    FINISHED,
    I_ARRIVED,
    I_BACKLOG,
    I_CASES,
    I_CASES_HW,
    I_COMPLETED,
    I_ERROR,
    I_ERROR_CASE,
    I_ERROR_STEP,
    I_FREE_CASES,
    I_FREE_NODE,
    I_HEAP,
    I_IN_SYSTEM,
    I_LEAD,
    I_MORE,
    I_NEXT,
    I_NODES_HW,
    I_PENDING,
    I_STUCK,
    I_WAITS,
    MARGIN,
    PAUSED,
    Model,
    State,
    bisect,
    compiled,
    draw,
    fail,
    finish_at,
    inlined,
    pop,
    push,
    start_at,
    worked,
)

__all__ = ["run"]

_DONE, _CONTINUE = 0, 1
_POOL, _FREE, _END, _JOIN = 3, 4, 2, 1
_SINGLE, _CHOICE, _SPLIT, _CHANNEL, _GUARDED = 1, 2, 3, 4, 5
_WALK_IN, _APPOINTMENT, _HOME, _WAITS = 1, 2, 3, 4
_DAY = MINUTES_PER_DAY



@compiled
def _wip(m: Model, st: State, t: float, change: int) -> None:
    clipped = m.ws if t < m.ws else (m.we if t > m.we else t)
    st.floats[F_WIP_AREA] += st.ints[I_IN_SYSTEM] * (clipped - st.floats[F_WIP_LAST])
    st.floats[F_WIP_LAST] = clipped
    st.ints[I_IN_SYSTEM] += change


@compiled
def _spread(busy: np.ndarray, bounds: np.ndarray, lo: float, hi: float) -> None:
    mo = bisect(bounds, lo, True) - 1
    while hi > lo and 0 <= mo < busy.size:
        top = bounds[mo + 1]
        part = (hi if hi < top else top) - lo
        if part > 0:
            busy[mo] += part
        lo = top
        mo += 1


@compiled
def _start_job(m: Model, st: State, case: int, s: int, worked_request: float, t: float,
               p: int) -> None:
    d = draw(m, st, m.s_duration[s])
    staff = d
    if m.s_trip[s] >= 0:
        staff += 2 * draw(m, st, m.s_trip[s])
    office = m.office_pool[p]
    w = worked(m, t) if office else t
    if staff > 0:
        finish = finish_at(m, w + staff) if office else w + staff
    else:
        finish = start_at(m, w) if office else w
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
                    fail(st, 3)
                else:
                    st.waits[n] = waited
                    st.wait_days[n] = t // _DAY
                    st.ints[I_WAITS] = n + 1
    push(st, finish, _DONE, case, s)


@compiled
def _release(st: State, case: int) -> None:
    """Give the case's row back (no token of it is left)."""
    st.free_cases[st.ints[I_FREE_CASES]] = case
    st.ints[I_FREE_CASES] += 1


@compiled
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


@compiled
def _route(m: Model, st: State, case: int, s: int, top: int) -> int:
    """Push the step(s) the token goes on to; returns the new stack top."""
    r = m.route[s]
    base = m.succ_ptr[s]
    if r == _SINGLE:
        j = 0
    elif r == _CHOICE:
        u = draw(m, st, m.s_draw[s])
        j = 0
        while u >= m.cum[base + j]:
            j += 1
    elif r == _GUARDED:
        start = m.guard_start[m.guard_row[s], st.case_i[case, C_COMBO]]
        if start < 0:
            fail(st, 1)
            st.ints[I_ERROR_STEP] = s
            st.ints[I_ERROR_CASE] = case
            return top
        u = draw(m, st, m.s_draw[s])
        i = 0
        while u >= m.guard_cum[start + i]:
            i += 1
        j = m.guard_pos[start + i]
    elif r == _CHANNEL:
        if st.case_i[case, C_ONLINE]:
            j = m.ch_online[s]
        else:
            u = draw(m, st, m.s_draw[s])
            first = m.ch_ptr[s]
            i = 0
            while u >= m.ch_cum[first + i]:
                i += 1
            j = m.ch_pos[first + i]
    elif r == _SPLIT:
        n = m.succ_ptr[s + 1] - base
        st.case_i[case, C_TOKENS] += n - 1
        if top + n > st.stack.size:
            fail(st, 3)
            return top
        for k in range(n):  # the first target on top: entered first, as in the recursion
            st.stack[top + k] = m.succ[base + n - 1 - k]
        return top + n
    else:
        return top
    if top >= st.stack.size:
        fail(st, 3)
        return top
    st.stack[top] = m.succ[base + j]
    return top + 1


@inlined
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
        request = worked(m, t) if m.office_pool[p] else t
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
                    fail(st, 3)
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
        d = draw(m, st, m.s_duration[s])
        role = m.resident[s]
        if role == 2:
            st.case_f[case, C_TRAVEL] += d
        elif role:
            st.case_f[case, C_WORK] += d
        if m.s_trip[s] >= 0:
            d += 2 * draw(m, st, m.s_trip[s])
        if m.office_free[s]:
            w = worked(m, t)
            finish = finish_at(m, w + d) if d > 0 else start_at(m, w)
        else:
            finish = t + d
        if m.s_delay[s] >= 0:
            finish += draw(m, st, m.s_delay[s])
        if finish > t:
            push(st, finish, _CONTINUE, case, s)
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


@inlined
def _cascade(m: Model, st: State, case: int, t: float, top: int) -> None:
    """Enter the stacked steps depth first (the zero-time steps of one instant)."""
    while top > 0 and st.ints[I_ERROR] == 0:
        top -= 1
        top = _enter(m, st, case, st.stack[top], t, top)


@compiled
def _room(m: Model, st: State) -> bool:
    """Whether every stream and table has its reserve for the next event, and the next
    arrival is known (the block is not used up while more may come)."""
    ints = st.ints
    return (ints[I_PENDING] == 0 and ints[I_HEAP] + MARGIN <= st.heap_time.size
            and (ints[I_FREE_CASES] > 0 or ints[I_CASES_HW] < st.case_f.shape[0])
            and (ints[I_FREE_NODE] >= 0 or ints[I_NODES_HW] + MARGIN <= st.node_next.size)
            and ints[I_WAITS] + MARGIN <= st.waits.size and ints[I_LEAD] < st.lead.size
            and (ints[I_NEXT] < m.arr_time.size or ints[I_MORE] == 0))


@compiled
def run(m: Model, st: State) -> int:
    """Run the event loop from where it stopped until the end (``FINISHED``), until a
    stream or table needs the caller (``PAUSED``), or until a failure (``FAILED``; see
    :data:`bpr.sim.kernel_parts.ERRORS`)."""
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
            pop(st)
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
                    d = draw(m, st, m.s_delay[s])
                    if d > 0:
                        push(st, t + d, _CONTINUE, case, s)
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
