"""Packing a compiled model for the compiled kernel, and driving it.

:func:`run_kernel` is the compiled counterpart of :func:`bpr.sim.engine._run`: it packs a
:class:`~bpr.sim.compiled.CompiledModel`, its random streams, the office calendar and the
arrivals into numpy arrays (:data:`bpr.sim.kernel_parts.Model`, ``State``),
runs :func:`bpr.sim.kernel.run`, and between its pauses draws the next block of a random
stream (with numpy, as the Python loop does) or grows a table. It returns the same
:class:`~bpr.sim.raw.Raw` counters.

Guarded choices are tabulated in advance for the attribute combinations that arrive;
a combination to which no flow is open fails the run with the reference engine's error.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import bpr.sim.kernel as kernel
import bpr.sim.kernel_parts as parts
from bpr.errors import SimulationError
from bpr.sim.calendar import MINUTES_PER_DAY, OfficeCalendar
from bpr.sim.compiled import BLOCK, CompiledModel, Drawer, Draws, Kind, Route
from bpr.sim.raw import COLUMNS, Raw, month_days

__all__ = ["ArrivalArrays", "run_kernel"]

ArrivalArrays = tuple[np.ndarray, np.ndarray, np.ndarray]
"""Some of one procedure's arriving cases: clock minutes (increasing), online flags,
attribute combinations (one chunk of :func:`bpr.sim.engine.arrival_blocks`)."""

_EMPTY: ArrivalArrays = (np.zeros(0), np.zeros(0, np.bool_), np.zeros(0, np.int64))

ARRIVAL_BLOCK = 1 << 16
"""Arrivals handed to the kernel at a time (the chunks they come from are calendar months)."""

STAGE = 1 << 14
"""Lead times (and, with ``keep_cases``, case rows) and counter waits the kernel buffers
before the caller takes them over (:class:`bpr.sim.quantiles.Sample`)."""

_STACK = 4096
_FIRST = 512
"""Numbers drawn first for each stream (a city has hundreds of streams, most of them used
a few hundred times a year); each refill then draws as many as the stream has drawn so
far, up to :data:`~bpr.sim.compiled.BLOCK`: a little-used stream draws a few times what it
uses, not thousands more (with full blocks, the catalog sweep drew 92 million numbers and
used 27 million)."""
_I64 = np.int64
_LOW = 4 * parts.RESERVE
"""A stream with at most this many numbers left is refilled at a pause for another's refill."""


class _Feeder:
    """The arrivals of every procedure, merged in the order of ``heapq.merge`` over (time,
    start step) and handed out in blocks of at most :data:`ARRIVAL_BLOCK`, drawn from each
    procedure's chunks (one calendar month each) only as the event loop needs them; each
    case's combination as a compact index into :attr:`keys`, the (source, combination)
    keys in the order first met.

    Each procedure draws its own streams in its own order whenever it is asked, so the
    numbers do not depend on the blocks.
    """

    def __init__(self, sources: Sequence[Iterator[ArrivalArrays]], starts: Sequence[int]) -> None:
        self._sources = list(sources)
        self._starts = [int(s) for s in starts]
        n = len(self._sources)
        self._pending: list[ArrivalArrays] = [_EMPTY] * n
        self._done = [False] * n
        self._merged: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
        self._at = 0
        self.keys: list[int] = []
        self._index: dict[int, int] = {}
        self.new_keys = False

    def _pull(self, i: int) -> None:
        """Append source ``i``'s next chunk to its pending arrivals (or mark it done)."""
        chunk = next(self._sources[i], None)
        if chunk is None:
            self._done[i] = True
            return
        pending = self._pending[i]
        self._pending[i] = chunk if pending[0].size == 0 else (
            np.concatenate([pending[0], chunk[0]]), np.concatenate([pending[1], chunk[1]]),
            np.concatenate([pending[2], chunk[2]]))

    def _merge(self) -> bool:
        """Merge the pending arrivals that no later chunk can precede; ``False`` once
        every source is used up."""
        n = len(self._sources)
        while True:
            for i in range(n):
                while not self._done[i] and self._pending[i][0].size == 0:
                    self._pull(i)
            live = [i for i in range(n) if not self._done[i]]
            cut = min(float(self._pending[i][0][-1]) for i in live) if live else np.inf
            counts = [int(np.searchsorted(p[0], cut, side="left")) for p in self._pending]
            if sum(counts) or not live:
                break
            for i in live:  # nothing lies before the cut: draw on past it
                if self._pending[i][0][-1] == cut:
                    self._pull(i)
        if not sum(counts):
            return False
        taken = [(p[0][:k], p[1][:k], p[2][:k]) for p, k in zip(self._pending, counts, strict=True)]
        # The rest is copied: a view would keep the whole chunk alive.
        self._pending = [(p[0][k:].copy(), p[1][k:].copy(), p[2][k:].copy())
                         for p, k in zip(self._pending, counts, strict=True)]
        if n == 1:
            times, online, combination = taken[0]
            self._merged = (times, online, combination, np.zeros(counts[0], np.int8))
        else:
            times = np.concatenate([t[0] for t in taken])
            source = np.concatenate([np.full(k, i, np.int32) for i, k in enumerate(counts)])
            order = np.lexsort((np.asarray(self._starts, dtype=_I64)[source], times))
            self._merged = (times[order], np.concatenate([t[1] for t in taken])[order],
                            np.concatenate([t[2] for t in taken])[order], source[order])
        self._at = 0
        return True

    def block(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """The next arrivals (times, start steps, online flags, compact combinations), at
        most :data:`ARRIVAL_BLOCK` of them; ``None`` when there are no more."""
        if self._merged is None or self._at >= self._merged[0].size:
            self._merged = None
            if not self._merge():
                return None
        assert self._merged is not None
        lo, hi = self._at, self._at + ARRIVAL_BLOCK
        self._at = hi
        times, online, combination, source = (a[lo:hi] for a in self._merged)
        n = len(self._sources)
        source = source.astype(_I64)
        key = combination.astype(_I64) * n + source
        unique, inverse = _unique(key)
        compact = np.empty(unique.size, dtype=_I64)
        for u, k in enumerate(unique.tolist()):
            if k not in self._index:
                self._index[k] = len(self.keys)
                self.keys.append(k)
                self.new_keys = True
            compact[u] = self._index[k]
        start = np.asarray(self._starts, dtype=_I64)[source]
        return times, start, online.astype(_I64), compact[inverse.reshape(-1)]


def _unique(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(key, return_inverse=True)`` of a non-empty array; by a table of the
    values' range when it is small (a few combinations: no sort)."""
    low, high = int(key.min()), int(key.max())
    if low == high:  # one combination (no attributes)
        return key[:1], np.zeros(key.size, dtype=_I64)
    if high - low > 4 * key.size + 4096:
        return np.unique(key, return_inverse=True)
    present = np.zeros(high - low + 1, dtype=np.bool_)
    present[key - low] = True
    rank = np.cumsum(present, dtype=_I64) - 1
    return np.flatnonzero(present) + low, rank[key - low]


def _guards(cm: CompiledModel, keys: np.ndarray, n_sources: int
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per guarded step and compact combination: where its open flows' cumulative
    probabilities and successor positions start in the flat arrays (-1: none open)."""
    offsets = [offset for offset, _ in getattr(cm, "parts", [(0, cm)])]
    guarded = [s for s, r in enumerate(cm.route) if r == Route.GUARDED]
    row = np.full(len(cm.route), -1, dtype=_I64)
    start = np.full((max(len(guarded), 1), max(keys.size, 1)), -1, dtype=_I64)
    cum: list[float] = []
    positions: list[int] = []
    for r, s in enumerate(guarded):
        row[s] = r
        source = int(np.searchsorted(offsets, s, side="right")) - 1
        for c, key in enumerate(keys.tolist()):
            if key % n_sources != source:
                continue
            try:
                found_cum, found_positions = cm.open_flows(s, key // n_sources)
            except SimulationError:
                continue  # raised again, by the reference code, if a case meets it
            start[r, c] = len(cum)
            cum += found_cum
            positions += found_positions
    return row, start, np.asarray([*cum, 1.0]), np.asarray([*positions, 0], dtype=_I64)


def _streams(streams: Sequence[Sequence[Draws | None]]
             ) -> tuple[list[np.ndarray], list[Drawer], np.ndarray, np.ndarray]:
    """Stream ids per step for each kind of stream (-1: none), the drawn streams first;
    their drawers; each id's constant and whether it is one."""
    drawers = _drawers(streams)
    constants = [d for per_step in streams for d in per_step if isinstance(d, float)]
    drawn_id = {id(d): k for k, d in enumerate(drawers)}
    ids: list[np.ndarray] = []
    next_constant = len(drawers)
    for per_step in streams:
        row = []
        for d in per_step:
            if d is None:
                row.append(-1)
            elif isinstance(d, float):
                row.append(next_constant)
                next_constant += 1
            else:
                row.append(drawn_id[id(d)])
        ids.append(np.asarray(row, dtype=_I64))
    value = np.concatenate([np.zeros(len(drawers)), np.asarray(constants, dtype=float)])
    is_constant = np.arange(value.size) >= len(drawers)
    return ids, drawers, value, is_constant


def _drawers(streams: Sequence[Sequence[Draws | None]]) -> list[Drawer]:
    """The drawn streams, in the order of their ids (:func:`_streams`)."""
    return [d for per_step in streams for d in per_step if d is not None and not isinstance(d, float)]


def _elapsed(t: float) -> float:
    return t


def _layout(cm: CompiledModel, streams: Sequence[Sequence[Draws | None]], office: OfficeCalendar,
            ws: float, we: float, stop: float, keep_cases: bool,
            month_bounds: list[float] | None) -> parts.Model:
    """The packed model without its arrivals and guard tables: the same for every
    replication of a unit (which streams are drawn or constant does not depend on the
    seeds)."""
    (s_duration, s_delay, s_draw, s_trip), _, constant, is_constant = _streams(streams)
    n = len(cm.step_ids)
    joins = [s for s in range(n) if cm.kind[s] == Kind.JOIN]
    join_slot = np.full(n, -1, dtype=_I64)
    join_slot[joins] = np.arange(len(joins))
    succ_ptr = np.cumsum([0] + [len(x) for x in cm.successors]).astype(_I64)
    ch_online = np.full(n, -1, dtype=_I64)
    ch_ptr = np.zeros(n + 1, dtype=_I64)
    ch_pos: list[int] = []
    ch_cum: list[float] = []
    for s in range(n):
        ch_ptr[s] = len(ch_pos)
        if s in cm.channels:
            ch_online[s], others, cumulative = cm.channels[s]
            ch_pos += others
            ch_cum += cumulative
    ch_ptr[n] = len(ch_pos)
    open_tables, length, cum_start, cum_end, total = office.tables()
    worked = [office.worked if p.office_hours else _elapsed for p in cm.pools]
    bounds = month_bounds or []
    no_guards = np.zeros(0, dtype=_I64)
    return parts.Model(
        kind=np.asarray(cm.kind, _I64), pool=np.asarray(cm.pool, _I64), route=np.asarray(cm.route, _I64),
        resident=np.asarray(cm.resident, _I64), presence=np.asarray(cm.presence, _I64),
        office_free=np.asarray(cm.office_free, np.bool_), joins_needed=np.asarray(cm.joins_needed, _I64),
        join_slot=join_slot, succ_ptr=succ_ptr,
        succ=np.asarray([j for x in cm.successors for j in x] + [0], _I64),
        cum=np.asarray([c for x in cm.cumulative for c in x] + [1.0]),
        ch_online=ch_online, ch_ptr=ch_ptr, ch_pos=np.asarray([*ch_pos, 0], _I64),
        ch_cum=np.asarray([*ch_cum, 1.0]), guard_row=no_guards, guard_start=no_guards.reshape(0, 0),
        guard_cum=np.zeros(0), guard_pos=no_guards, s_duration=s_duration, s_delay=s_delay,
        s_draw=s_draw, s_trip=s_trip, constant=constant, is_constant=is_constant,
        office_pool=np.asarray([p.office_hours for p in cm.pools] + [False], np.bool_),
        worked_ws=np.asarray([w(ws) for w in worked] + [0.0]),
        worked_we=np.asarray([w(we) for w in worked] + [0.0]),
        month_worked=np.asarray([[w(b) for b in bounds] for w in worked] or [[0.0]]).reshape(
            max(len(worked), 1), -1) if bounds else np.zeros((1, 1)),
        months=bool(bounds), cal_open=np.asarray(open_tables), cal_length=np.asarray(length),
        cal_cum_start=np.asarray(cum_start), cal_cum_end=np.asarray(cum_end),
        cal_days=office.days, cal_total=float(total), ws=float(ws), we=float(we), stop=float(stop),
        keep_cases=keep_cases, arr_time=np.zeros(0), arr_start=no_guards, arr_online=no_guards,
        arr_combo=no_guards)


def _model(cm: CompiledModel, layout: parts.Model, feeder: _Feeder, n_sources: int
           ) -> tuple[parts.Model, bool]:
    """The packed model with the first block of arrivals (and whether more may come)."""
    first = feeder.block()
    times, start, online, compact = first if first is not None else (
        np.zeros(0), np.zeros(0, _I64), np.zeros(0, _I64), np.zeros(0, _I64))
    feeder.new_keys = False
    guard_row, guard_start, guard_cum, guard_pos = _guards(cm, np.asarray(feeder.keys, _I64),
                                                           n_sources)
    model = layout._replace(guard_row=guard_row, guard_start=guard_start, guard_cum=guard_cum,
                            guard_pos=guard_pos, arr_time=times, arr_start=start, arr_online=online,
                            arr_combo=compact)
    return model, first is not None


@dataclass
class _Packed:
    """What the replications of a unit share in the compiled kernel: the packed model
    without arrivals, and how many numbers each stream's last replication read."""

    layout: parts.Model
    n_joins: int
    usage: np.ndarray | None = None

    def first_fill(self, n_drawers: int) -> np.ndarray:
        """Numbers to draw first for each stream: :data:`_FIRST` for the first replication;
        then what the last one read, an eighth more and the reserve (at most the ring),
        so that most replications refill no stream: each refill is a pause of the
        kernel, which costs as much as drawing a few thousand numbers."""
        if self.usage is None or self.usage.size != n_drawers:
            return np.full(n_drawers, _FIRST, _I64)
        return np.clip(self.usage + self.usage // 8 + parts.RESERVE + 1, _FIRST, 2 * BLOCK)


def _state(model: parts.Model, drawers: list[Drawer], n_pools: int, n_steps: int, n_joins: int,
           n_months: int, days: int, stop_days: int, more: bool, first: np.ndarray) -> parts.State:
    capacity = 2 * parts.MARGIN
    ints = np.zeros(parts.N_INTS, dtype=_I64)
    ints[parts.I_FREE_NODE] = -1
    ints[parts.I_MORE] = more
    buffer = np.zeros((len(drawers), 2 * BLOCK))
    for k, (draw, size) in enumerate(zip(drawers, first.tolist(), strict=True)):
        buffer[k, :size] = draw(size)
    floats = np.zeros(2)
    floats[parts.F_WIP_LAST] = model.ws
    return parts.State(
        ints=ints, floats=floats, buffer=buffer, read=np.zeros(len(drawers), _I64),
        filled=first.astype(_I64), flagged=np.zeros(len(drawers), np.bool_),
        pending=np.zeros(len(drawers) + 1, _I64),
        heap_time=np.zeros(capacity), heap_seq=np.zeros(capacity, _I64),
        heap_code=np.zeros(capacity, _I64), heap_case=np.zeros(capacity, _I64),
        case_f=np.zeros((capacity, 4)), case_i=np.zeros((capacity, 8), _I64),
        case_join=np.zeros((capacity, max(n_joins, 1)), _I64), free_cases=np.zeros(capacity, _I64),
        node_case=np.zeros(capacity, _I64), node_step=np.zeros(capacity, _I64),
        node_worked=np.zeros(capacity), node_next=np.zeros(capacity, _I64),
        queue_head=np.full(n_pools + 1, -1, _I64), queue_tail=np.full(n_pools + 1, -1, _I64),
        free=np.zeros(n_pools + 1, _I64), busy=np.zeros(n_pools + 1),
        busy_month=np.zeros((max(n_pools, 1), n_months)), executions=np.zeros(n_steps, _I64),
        totals=np.zeros(6), lead=np.zeros(STAGE), waits=np.zeros(STAGE + parts.MARGIN),
        wait_days=np.zeros(STAGE + parts.MARGIN),
        columns=np.zeros((len(COLUMNS), STAGE if model.keep_cases else 0)),
        completed_per_day=np.zeros(days, _I64), arrivals_per_day=np.zeros(stop_days + 2, _I64),
        done_per_day=np.zeros(stop_days + 2, _I64), stack=np.zeros(_STACK, _I64))


def _grown(array_: np.ndarray) -> np.ndarray:
    bigger = np.zeros((2 * array_.shape[0], *array_.shape[1:]), dtype=array_.dtype)
    bigger[:array_.shape[0]] = array_
    return bigger


def _take(st: parts.State, raw: Raw) -> None:
    """Move the buffered lead times, case rows and counter waits into ``raw``."""
    ints = st.ints
    n = int(ints[parts.I_LEAD])
    raw.lead.extend(st.lead[:n])
    if raw.columns is not None and raw.case_lead is not None:
        raw.case_lead.extend(_doubles(st.lead[:n]))
        for i, name in enumerate(COLUMNS):
            raw.columns[name].extend(_doubles(st.columns[i, :n]))
    ints[parts.I_LEAD] = 0
    n = int(ints[parts.I_WAITS])
    raw.add_waits(st.waits[:n], st.wait_days[:n])
    ints[parts.I_WAITS] = 0


def _serve(st: parts.State, model: parts.Model, drawers: list[Drawer], raw: Raw, feeder: _Feeder,
           cm: CompiledModel, n_sources: int) -> tuple[parts.State, parts.Model]:
    """Draw the blocks of the streams that ran low, grow the tables that filled up, take
    the buffered values over and hand over the next block of arrivals."""
    ints = st.ints
    if ints[parts.I_LEAD] >= st.lead.size or ints[parts.I_WAITS] + parts.MARGIN > st.waits.size:
        _take(st, raw)
    if ints[parts.I_MORE] and ints[parts.I_NEXT] >= model.arr_time.size:
        block = feeder.block()
        if block is None:
            ints[parts.I_MORE] = 0
        else:
            times, start, online, compact = block
            model = model._replace(arr_time=times, arr_start=start, arr_online=online,
                                   arr_combo=compact)
            ints[parts.I_NEXT] = 0
            if feeder.new_keys:
                feeder.new_keys = False
                row, first, cum, positions = _guards(cm, np.asarray(feeder.keys, _I64), n_sources)
                model = model._replace(guard_row=row, guard_start=first, guard_cum=cum,
                                       guard_pos=positions)
    # Each pause costs as much as drawing a few thousand numbers: when a stream runs low,
    # the others that soon would are refilled too (every flagged one is among them).
    low: list[int] = np.flatnonzero(st.filled - st.read <= _LOW).tolist() if ints[parts.I_PENDING] else []
    for k in low:
        filled = int(st.filled[k])
        size = min(BLOCK, filled)
        at = filled % st.buffer.shape[1]
        numbers = drawers[k](size)
        head = min(size, st.buffer.shape[1] - at)  # the ring wraps around
        st.buffer[k, at:at + head] = numbers[:head]
        st.buffer[k, :size - head] = numbers[head:]
        st.filled[k] = filled + size
        st.flagged[k] = False
    ints[parts.I_PENDING] = 0
    margin = parts.MARGIN
    if ints[parts.I_HEAP] + margin > st.heap_time.size:
        st = st._replace(**{name: _grown(getattr(st, name))
                            for name in ("heap_time", "heap_seq", "heap_code", "heap_case")})
    if ints[parts.I_FREE_CASES] == 0 and ints[parts.I_CASES_HW] >= st.case_f.shape[0]:
        st = st._replace(**{name: _grown(getattr(st, name))
                            for name in ("case_f", "case_i", "case_join", "free_cases")})
    if ints[parts.I_FREE_NODE] < 0 and ints[parts.I_NODES_HW] + margin > st.node_next.size:
        st = st._replace(**{name: _grown(getattr(st, name))
                            for name in ("node_case", "node_step", "node_worked", "node_next")})
    return st, model


def _doubles(values: np.ndarray) -> array[float]:
    out = array("d")
    out.frombytes(np.ascontiguousarray(values, dtype=float).tobytes())
    return out


def run_kernel(cm: CompiledModel, streams: Sequence[Sequence[Draws | None]], office: OfficeCalendar,
               arrivals: Sequence[Iterator[ArrivalArrays]], starts: Sequence[int], ws: float,
               we: float, stop: float, keep_cases: bool,
               month_bounds: list[float] | None = None,
               layouts: dict[bool, Any] | None = None) -> Raw:
    """The compiled event loop: what :func:`bpr.sim.engine._run` returns, computed by
    :func:`bpr.sim.kernel.run`.

    Args:
        cm: the compiled model (a city's merged model too).
        streams: per step, the durations, delays, choice uniforms and home-travel streams
            (:class:`bpr.sim.engine.StepStreams` fields, in that order).
        office: the office calendar.
        arrivals: each procedure's arriving cases, in chunks drawn as the loop needs them
            (one entry outside a city; :func:`bpr.sim.engine.arrival_blocks`).
        starts: each procedure's first step.
        ws: start of the observed window (clock minutes); ``we`` its end; ``stop`` the end
            of the run.
        keep_cases: also collect the per-case columns.
        month_bounds: clock minutes of month starts (and the end), for busy minutes and
            counter waits per month (a city).
        layouts: where the packed model (without arrivals) and the streams' last usage
            are kept between the calls of one unit, by ``keep_cases``
            (:attr:`bpr.sim.unit.Unit.layouts`): the replications of a unit share them.

    Returns:
        The raw counters, equal to the reference loop's for the same streams.

    Raises:
        SimulationError: no flow of a guarded choice is open to an arriving case (the
            reference engine's message), or an instant needs more random numbers or
            tokens than the kernel keeps in reserve.
    """
    n_sources = len(arrivals)
    feeder = _Feeder(arrivals, starts)
    packed = layouts.get(keep_cases) if layouts is not None else None
    if packed is None:
        packed = _Packed(_layout(cm, streams, office, ws, we, stop, keep_cases, month_bounds),
                         sum(k == Kind.JOIN for k in cm.kind))
        if layouts is not None:
            layouts[keep_cases] = packed
    drawers = _drawers(streams)
    model, more = _model(cm, packed.layout, feeder, n_sources)
    n_steps, n_pools = len(cm.step_ids), len(cm.pools)
    days, stop_days = int(we // MINUTES_PER_DAY) + 1, int(stop // MINUTES_PER_DAY)
    n_months = max(len(month_bounds or []) - 1, 0)
    st = _state(model, drawers, n_pools, n_steps, packed.n_joins, n_months, days, stop_days, more,
                packed.first_fill(len(drawers)))
    st.free[:n_pools] = [p.headcount for p in cm.pools]
    raw = Raw(n_steps, n_pools, days, stop_days, keep_cases, month_days(month_bounds))
    while (status := kernel.run(model, st)) == parts.PAUSED:
        st, model = _serve(st, model, drawers, raw, feeder, cm, n_sources)
    ints = st.ints
    if status == parts.FAILED:
        code = int(ints[parts.I_ERROR])
        if code == 1:
            key = feeder.keys[int(st.case_i[ints[parts.I_ERROR_CASE], parts.C_COMBO])]
            cm.open_flows(int(ints[parts.I_ERROR_STEP]), key // n_sources)  # raises
        raise SimulationError(f"{cm.procedure} ({cm.version}): the compiled kernel stopped: "
                              f"{parts.ERRORS.get(code, code)} (a loop of steps that take no time, "
                              "taken that often? give one of its steps a duration)")
    _take(st, raw)
    packed.usage = st.read.copy()
    raw.executions = st.executions.tolist()
    raw.busy = st.busy[:n_pools].tolist()
    raw.totals = st.totals.tolist()
    raw.arrived, raw.cases = int(ints[parts.I_ARRIVED]), int(ints[parts.I_CASES])
    raw.completed, raw.backlog_end = int(ints[parts.I_COMPLETED]), int(ints[parts.I_BACKLOG])
    raw.stuck = int(ints[parts.I_STUCK])
    raw.wip_area = float(st.floats[parts.F_WIP_AREA])
    raw.completed_per_day = st.completed_per_day.tolist()
    raw.arrivals_per_day = st.arrivals_per_day.tolist()
    raw.done_per_day = st.done_per_day.tolist()
    if month_bounds is not None:
        raw.busy_per_month = st.busy_month[:n_pools].tolist()
    return raw
