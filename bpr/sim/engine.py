"""The discrete-event simulation engine.

One replication simulates a procedure version under a scenario: applications arrive
(:mod:`bpr.sim.arrivals`), each case moves as one or more tokens through the steps, staff
and approver pools serve their queues first come, first served in office hours
(:mod:`bpr.sim.calendar`), and the results of the observed period are collected
(:mod:`bpr.sim.results`).

Two kernels run the same event loop (:func:`kernel_choice`). The reference, :func:`_run`,
is a readable loop over a binary heap (:mod:`heapq`) of ``(time, sequence, event, case,
step)`` tuples, with the model compiled into flat lists (:mod:`bpr.sim.compiled`) and
random numbers pre-drawn in numpy blocks. The default is its compiled twin
(:mod:`bpr.sim.kernel`, packed and driven by :mod:`bpr.sim.packing`), which reads the same
streams in the same order, breaks ties by the same sequence numbers and so returns
identical results. Only two kinds of event exist: a pool finishes a job (release a
server, start the next queued job) and a token continues after work or a delay. Steps
that take no time (start, choices, splits, joins, end) are passed through directly.
``benchmarks/sim_engine.py`` compares both kernels with SimPy and Prosimos.

Semantics (also in the README):

* time is in minutes from midnight of the first simulated day (``start - warmup_days``);
* a pool step starts when a member is free and the pool's calendar is open; its working
  minutes are laid on the calendar (30 minutes started at 17:00 end at 8:45 on the next
  working day);
* steps of unlimited actors (resident, external, system) take their duration in elapsed
  time, or on the office calendar when their actor says ``calendar: office``;
* ``delay`` (days) elapses after the work and holds nobody;
* an exclusive choice takes one flow by probability; the channel choice sends online
  applications to its online flow and the others along the remaining flows in proportion;
  an and-split starts every flow; an and-join continues once all its incoming flows have
  arrived for that case;
* counter waiting is the working time of the pool between the resident's arrival at an
  in-person step and the start of service (a resident arriving after closing comes back
  at opening; the night is not waiting);
* case attributes are drawn once per case at arrival (:mod:`bpr.sim.arrivals`); a choice
  whose flows are guarded (``when``) takes one of the flows open to the case's attributes,
  by their probabilities;
* visits: a visit starts at an in-person task when the resident is not already there and
  lasts over consecutive in-person tasks at the same place and tasks marked
  ``resident: waits`` (gateways in between do not end it); any other task ends it.
  ``walk-in`` and ``appointment`` visits are counter visits; ``home`` visits are not;
* an ``appointment`` step is served at the booked slot, which is the next moment a member
  of the pool is free for it in office hours (first come, first booked): the time until
  the slot is lead time, not counter waiting, and the staff time is consumed as usual;
* a ``home`` step adds the staff's round trip (twice the scenario's
  ``home_visit_travel_minutes``, default 30 minutes each way) to the staff time; the
  resident neither travels nor queues;
* the resident waits (queue and service) through a ``resident: waits`` step.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from bpr.errors import SimulationError
from bpr.sim.arrivals import ArrivalChunk, ArrivalSchedule, ArrivalStreams
from bpr.sim.calendar import MINUTES_PER_DAY, AlwaysCalendar, OfficeCalendar, WorkCalendar
from bpr.sim.compiled import (
    CompiledModel,
    Draws,
    Kind,
    Presence,
    Route,
    drawer,
    iterate,
    uniform_drawer,
)
from bpr.sim.quantiles import method
from bpr.sim.raw import COLUMNS, Raw, month_days
from bpr.sim.results import ActorResult, ReplicationResult
from bpr.sim.scenario import Scenario
from bpr.sim.seeds import replication_seed, stream, streams
from bpr.sim.unit import StreamNames, Unit, arrival_plan, office_calendar, prepare_unit, stream_names
from models.procedure import ProcedureVersion

__all__ = ["KERNELS", "Arrival", "StepStreams", "arrival_blocks", "case_arrivals", "kernel_choice",
           "office_calendar", "simulate_batch", "simulate_replication", "step_streams", "stream_lists"]

_DONE, _CONTINUE = 0, 1
# Fields of a case record (a list, for speed).
(_ARRIVAL, _WORK, _WAIT, _TRAVEL, _VISITS, _TOKENS, _COHORT, _ONLINE, _JOINS, _PRESENT, _COMBINATION,
 _HOME, _APPOINTMENTS, _SOURCE) = range(14)


KERNELS = ("compiled", "python")
"""The event loops: ``compiled`` (numba, :mod:`bpr.sim.kernel`, the default) and ``python``
(:func:`_run`, the readable reference it is tested against)."""


def kernel_choice(kernel: str | None = None) -> str:
    """The kernel to run: ``kernel`` if given, else the ``TETSUZUKI_KERNEL`` environment
    variable, else ``compiled``.

    Raises:
        SimulationError: an unknown kernel name.
    """
    choice = kernel or os.environ.get("TETSUZUKI_KERNEL") or "compiled"
    if choice not in KERNELS:
        where = "kernel" if kernel else "TETSUZUKI_KERNEL"
        raise SimulationError(f"unknown simulation kernel '{choice}' ({where}); "
                              f"choose one of {', '.join(KERNELS)}")
    return choice


def stream_lists(streams: StepStreams) -> tuple[list[Draws], list[Draws | None], list[Draws | None],
                                                list[Draws | None]]:
    """The streams in the order :func:`bpr.sim.packing.run_kernel` takes them."""
    return streams.durations, streams.delays, streams.draws, streams.home_travel


def simulate_replication(model: ProcedureVersion, scenario: Scenario, replication: int = 0, *,
                         keep_cases: bool = False, compiled: CompiledModel | None = None,
                         kernel: str | None = None) -> ReplicationResult:
    """Simulate one replication of ``model`` under ``scenario``.

    Args:
        model: a validated procedure version (not modified).
        scenario: the conditions; an ``auto`` warm-up or drain is chosen for ``model``
            alone (:func:`bpr.sim.periods.resolve_periods`; resolve it beforehand for
            all the versions compared, so that they share one period).
        replication: replication number; with the scenario's seed, the procedure id and the
            scenario name it determines every random number — not the version, so the
            versions of a procedure are paired (common random numbers, :mod:`bpr.sim.seeds`).
        keep_cases: also return per-case columns (``case_table``).
        compiled: the model already compiled for this scenario (saves time in batches).
        kernel: ``compiled`` or ``python`` (see :func:`kernel_choice`); both give
            identical results.

    Returns:
        The replication's results, JSON-serialisable with ``model_dump(mode="json")``.

    Raises:
        SimulationError: the scenario does not fit the model (unknown actor in a headcount
            override, an online share for a version without a channel, counter arrivals
            with an office that never opens, ...), or an unknown kernel.
    """
    choice = kernel_choice(kernel)
    return _replicate(prepare_unit(model, scenario, compiled), replication, keep_cases, choice)


def _replicate(unit: Unit, replication: int, keep_cases: bool, choice: str) -> ReplicationResult:
    """One replication of a prepared unit with the kernel ``choice``."""
    scenario, cm, office = unit.scenario, unit.compiled, unit.office
    root = replication_seed(scenario.seed, unit.model.id, scenario.seed_name, replication)
    ws, we, stop = unit.window_start, unit.window_end, unit.stop
    schedule = unit.schedule
    # Every stream of the replication, seeded at once.
    names = unit.seeded_names
    generators = dict(zip(names, streams(root, names), strict=True))
    step = step_streams(cm, root, unit.stream_names, generators)
    if choice == "python":
        incoming = case_arrivals(unit.model, cm, scenario, root, office, cm.start, 0, schedule,
                                 generators)
        raw = _run(cm, step, office, incoming, ws, we, stop, keep_cases)
    else:
        arrivals = arrival_blocks(unit.model, cm, scenario, root, office, schedule, generators)
        from bpr.sim.packing import run_kernel  # numba loads only when simulating

        raw = run_kernel(cm, stream_lists(step), office, [arrivals], [cm.start],
                         ws, we, stop, keep_cases, layouts=unit.layouts)
    return _result(cm, scenario, replication, root, office, raw)


def simulate_batch(model: ProcedureVersion, scenario: Scenario, replications: Iterable[int], *,
                   keep_cases: bool = False, progress: Callable[[int], Any] | None = None,
                   kernel: str | None = None) -> list[ReplicationResult]:
    """Simulate several replications (the unit of work of a Prefect task).

    Args:
        model: a validated procedure version.
        scenario: the conditions (``auto`` periods as in :func:`simulate_replication`).
        replications: replication numbers, e.g. ``range(0, 10)``.
        keep_cases: also return per-case columns.
        progress: called with each replication number once it is done.
        kernel: ``compiled`` or ``python`` (see :func:`kernel_choice`).

    Returns:
        One result per replication, in the order given.

    Raises:
        SimulationError: the scenario does not fit the model, or an unknown kernel.
    """
    unit = prepare_unit(model, scenario)
    results = []
    for r in replications:
        results.append(_replicate(unit, r, keep_cases, kernel_choice(kernel)))
        if progress is not None:
            progress(r)
    return results


Arrival = tuple[float, int, bool, int, int]
"""An arriving case: (clock minute, start step, online, attribute combination, source)."""


def _arrival_chunks(model: ProcedureVersion, cm: CompiledModel, scenario: Scenario,
                    root: np.random.SeedSequence, office: OfficeCalendar,
                    schedule: ArrivalSchedule | None,
                    generators: dict[str, np.random.Generator] | None) -> Iterator[ArrivalChunk]:
    if schedule is None:
        schedule = ArrivalSchedule(arrival_plan(model, cm, scenario, office), office)
    made = generators or {}

    def generator(purpose: str) -> np.random.Generator:
        found = made.get(purpose)
        return found if found is not None else stream(root, purpose)

    yield from schedule.chunks(ArrivalStreams(generator))


def case_arrivals(model: ProcedureVersion, cm: CompiledModel, scenario: Scenario,
                  root: np.random.SeedSequence, office: OfficeCalendar, start: int,
                  source: int = 0, schedule: ArrivalSchedule | None = None,
                  generators: dict[str, np.random.Generator] | None = None) -> Iterator[Arrival]:
    """The cases of ``model`` arriving in one replication, in time order.

    Args:
        model: the procedure version (volume, seasonality).
        cm: its compiled form (online share, attributes).
        scenario: the conditions (period, profiles, burst).
        root: the replication's seed sequence (:func:`bpr.sim.seeds.replication_seed`).
        office: the office calendar.
        start: the step cases enter first (an index into the event loop's step lists).
        source: a number the event loop keeps with each case (the procedure in a city).
        schedule: the arrival intensities of ``model`` under ``scenario``, if already at
            hand (:attr:`bpr.sim.unit.Unit.schedule`).
        generators: the arrival streams' generators by name, if already seeded
            (:func:`bpr.sim.seeds.streams`); the others are made as needed.

    Returns:
        An iterator of :data:`Arrival` tuples.

    Raises:
        SimulationError: see :func:`bpr.sim.arrivals.iter_arrivals` (on first use).
    """
    return _cases(_arrival_chunks(model, cm, scenario, root, office, schedule, generators), cm,
                  start, source)


def arrival_blocks(model: ProcedureVersion, cm: CompiledModel, scenario: Scenario,
                   root: np.random.SeedSequence, office: OfficeCalendar,
                   schedule: ArrivalSchedule | None = None,
                   generators: dict[str, np.random.Generator] | None = None
                   ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The cases of :func:`case_arrivals` as arrays, a calendar month (or a run of months,
    up to about :data:`~bpr.sim.arrivals.CHUNK_APPLICANTS` applicants) at a time, drawn
    when asked for (the compiled kernel's arrivals: memory for a month or a few, not the
    run); ``schedule`` and ``generators`` as for :func:`case_arrivals`.

    Yields:
        ``(times, online, combination)``: clock minutes (increasing, and after those of
        the previous block), online flags and attribute combinations.

    Raises:
        SimulationError: see :func:`bpr.sim.arrivals.iter_arrivals` (on first use).
    """
    for chunk in _arrival_chunks(model, cm, scenario, root, office, schedule, generators):
        arrays = chunk.times, chunk.online, _combination(chunk, cm)
        del chunk  # its attribute uniforms are not needed any more
        yield arrays


def _combination(chunk: ArrivalChunk, cm: CompiledModel) -> np.ndarray:
    """Each arriving case's attribute combination (mixed radix over the attributes)."""
    combination = np.zeros(chunk.times.size, dtype=np.int64)
    for a, attribute in enumerate(cm.attributes):
        u = chunk.uniforms[attribute.name]
        index = np.minimum(np.searchsorted(np.asarray(attribute.cumulative), u, side="right"),
                           len(attribute.values) - 1)
        combination += index * cm.radix[a]
    return combination


def _cases(chunks: Iterator[ArrivalChunk], cm: CompiledModel, start: int,
           source: int) -> Iterator[Arrival]:
    for chunk in chunks:
        for t, online, combo in zip(chunk.times.tolist(), chunk.online.tolist(),
                                    _combination(chunk, cm).tolist(), strict=True):
            yield (t, start, online, combo, source)


@dataclass
class StepStreams:
    """The random streams of each step (by step index): durations, delays (minutes),
    choice uniforms and the staff's one-way travel of home visits; ``None`` where a step
    has none. Each is a constant or a block drawer (:data:`bpr.sim.compiled.Draws`), read
    in the same order by both kernels."""

    durations: list[Draws]
    delays: list[Draws | None]
    draws: list[Draws | None]
    home_travel: list[Draws | None]

    def extend(self, other: StepStreams) -> None:
        """Append the streams of another model's steps (a city's merged model)."""
        self.durations += other.durations
        self.delays += other.delays
        self.draws += other.draws
        self.home_travel += other.home_travel


def step_streams(cm: CompiledModel, root: np.random.SeedSequence,
                 names: StreamNames | None = None,
                 generators: dict[str, np.random.Generator] | None = None) -> StepStreams:
    """The step streams of ``cm``, keyed by step id (identical steps of two versions draw
    identical numbers); ``names`` are their names if already at hand
    (:attr:`bpr.sim.unit.Unit.stream_names`), ``generators`` their generators by name
    (:func:`bpr.sim.seeds.streams`)."""
    if names is None:
        names = stream_names(cm)
    if generators is None:
        wanted = [name for per_step in names for name in per_step if name is not None]
        generators = dict(zip(wanted, streams(root, wanted), strict=True))
    durations, delays, draws, trips = names
    return StepStreams(
        durations=[drawer(d, generators[name]) for name, d in zip(durations, cm.durations, strict=True)],
        delays=[drawer(d, generators[name], MINUTES_PER_DAY) if d is not None and name else None
                for name, d in zip(delays, cm.delays, strict=True)],
        draws=[uniform_drawer(generators[name]) if name else None for name in draws],
        home_travel=[drawer(d, generators[name]) if d is not None and name else None
                     for name, d in zip(trips, cm.home_travel, strict=True)])


def _finished(case: list[Any], s: int, t: float) -> None:
    """Stands in for the event loop's closures once it has finished (see ``_run``)."""
    raise RuntimeError("the event loop has finished")


def _spread(busy: list[float], bounds: list[float], lo: float, hi: float) -> None:
    """Add the worked interval [lo, hi) to the months whose worked-time bounds it overlaps
    (``bounds[m]`` .. ``bounds[m + 1]`` is month m)."""
    m = bisect.bisect_right(bounds, lo) - 1
    while hi > lo and 0 <= m < len(busy):
        top = bounds[m + 1]
        part = (hi if hi < top else top) - lo
        if part > 0:
            busy[m] += part
        lo = top
        m += 1


def _run(cm: CompiledModel, streams: StepStreams, office: OfficeCalendar,
         incoming: Iterator[Arrival], ws: float, we: float, stop: float, keep_cases: bool,
         month_bounds: list[float] | None = None) -> Raw:
    """The event loop. Locals are bound for speed; see the module docstring.

    ``month_bounds`` (clock minutes of month starts, and the end of the last) also collects
    each pool's busy minutes per month (a city's monthly utilisation).
    """
    n_steps = len(cm.step_ids)
    raw = Raw(n_steps, len(cm.pools), int(we // MINUTES_PER_DAY) + 1,
              int(stop // MINUTES_PER_DAY), keep_cases, month_days(month_bounds))
    totals, columns, completed_per_day = raw.totals, raw.columns, raw.completed_per_day
    lead, case_lead, add_wait = raw.lead.add, raw.case_lead, raw.add_wait
    arrivals_per_day, done_per_day = raw.arrivals_per_day, raw.done_per_day
    always = AlwaysCalendar()
    calendars: list[WorkCalendar] = [office if p.office_hours else always for p in cm.pools]
    pool_worked = [c.worked for c in calendars]
    pool_start = [c.start_at for c in calendars]
    pool_finish = [c.finish_at for c in calendars]
    worked_ws = [c.worked(ws) for c in calendars]
    worked_we = [c.worked(we) for c in calendars]
    month_worked: list[list[float]] = []
    busy_month: list[list[float]] = []
    if month_bounds is not None:
        month_worked = [[c.worked(b) for b in month_bounds] for c in calendars]
        busy_month = raw.busy_per_month = [[0.0] * (len(month_bounds) - 1) for _ in cm.pools]
    free = [p.headcount for p in cm.pools]
    queues: list[deque[tuple[list[Any], int, float]]] = [deque() for _ in cm.pools]
    busy = raw.busy
    office_worked, office_start, office_finish = office.worked, office.start_at, office.finish_at

    durations = [iterate(d) for d in streams.durations]
    delays = [iterate(d) if d is not None else None for d in streams.delays]
    draws = [iterate(d) if d is not None else None for d in streams.draws]
    home_travel = [iterate(d) if d is not None else None for d in streams.home_travel]
    kind, pool, route_kind = cm.kind, cm.pool, cm.route
    successors, cumulative = cm.successors, cm.cumulative
    resident, office_free, joins_needed = cm.resident, cm.office_free, cm.joins_needed
    presence = cm.presence
    channels = cm.channels
    guarded_table, open_flows = cm.guarded_table, cm.open_flows
    executions = raw.executions
    heap: list[tuple[float, int, int, list[Any], int]] = []
    push, pop = heapq.heappush, heapq.heappop
    sequence = itertools.count()
    POOL, FREE, END, JOIN = Kind.POOL, Kind.FREE, Kind.END, Kind.JOIN
    SINGLE, CHOICE, CHANNEL, SPLIT, GUARDED = Route.SINGLE, Route.CHOICE, Route.CHANNEL, \
        Route.SPLIT, Route.GUARDED
    WALK_IN, APPOINTMENT, HOME, WAITS = Presence.WALK_IN, Presence.APPOINTMENT, Presence.HOME, \
        Presence.WAITS
    state = {"in_system": 0, "last": ws}

    def wip(t: float, change: int) -> None:
        clipped = ws if t < ws else (we if t > we else t)
        raw.wip_area += state["in_system"] * (clipped - state["last"])
        state["last"] = clipped
        state["in_system"] += change

    def start_job(case: list[Any], s: int, worked_request: float, t: float, p: int) -> None:
        d = next(durations[s])
        staff = d
        trip = home_travel[s]
        if trip is not None:
            staff += 2 * next(trip)
        w = pool_worked[p](t)
        finish = pool_finish[p](w + staff) if staff > 0 else pool_start[p](w)
        lo = w if w > worked_ws[p] else worked_ws[p]
        hi = w + staff if w + staff < worked_we[p] else worked_we[p]
        if hi > lo:
            busy[p] += hi - lo
        if busy_month:
            _spread(busy_month[p], month_worked[p], w, w + staff)
        if resident[s] >= 3:
            case[_WORK] += d
            mode = presence[s]
            if mode == WALK_IN or mode == WAITS:
                waited = w - worked_request
                case[_WAIT] += waited
                if mode == WALK_IN and case[_COHORT]:
                    add_wait(waited, t // MINUTES_PER_DAY)
        push(heap, (finish, next(sequence), _DONE, case, s))

    def complete(case: list[Any], t: float) -> None:
        done_per_day[int(t // MINUTES_PER_DAY)] += 1
        if case[_COHORT]:
            lead((t - case[_ARRIVAL]) / MINUTES_PER_DAY)
            totals[0] += case[_WORK]
            totals[1] += case[_WAIT]
            totals[2] += case[_TRAVEL]
            totals[3] += case[_VISITS]
            totals[4] += case[_HOME]
            totals[5] += case[_APPOINTMENTS]
            if columns is not None and case_lead is not None:
                case_lead.append((t - case[_ARRIVAL]) / MINUTES_PER_DAY)
                for name, value in zip(COLUMNS, (case[_ARRIVAL], case[_WORK], case[_WAIT],
                                                  case[_TRAVEL], case[_VISITS]), strict=True):
                    columns[name].append(value)
        if t < we:
            raw.backlog_end -= 1
            if t >= ws:
                raw.completed += 1
                completed_per_day[int(t // MINUTES_PER_DAY)] += 1
        wip(t, -1)

    def enter(case: list[Any], s: int, t: float) -> None:
        if case[_COHORT]:
            executions[s] += 1
        k = kind[s]
        if k >= POOL:
            # A visit starts at an in-person task unless the resident is already there (the
            # previous task was in person at the same place, or one the resident waits for;
            # gateways between them do not end a visit). Any other task ends it.
            mode = presence[s]
            if mode:
                if mode != WAITS:
                    place = 2 if mode == HOME else 1
                    if case[_PRESENT] != place:
                        case[_PRESENT] = place
                        if place == 1:
                            case[_VISITS] += 1
                            if mode == APPOINTMENT:
                                case[_APPOINTMENTS] += 1
                        else:
                            case[_HOME] += 1
            elif case[_PRESENT]:
                case[_PRESENT] = 0
        if k == POOL:
            p = pool[s]
            if free[p]:
                free[p] -= 1
                start_job(case, s, pool_worked[p](t), t, p)
            else:
                queues[p].append((case, s, pool_worked[p](t)))
            return
        if k == FREE:
            d = next(durations[s])
            role = resident[s]
            if role == 2:
                case[_TRAVEL] += d
            elif role:
                case[_WORK] += d
            trip = home_travel[s]
            if trip is not None:
                d += 2 * next(trip)
            if office_free[s]:
                w = office_worked(t)
                finish = office_finish(w + d) if d > 0 else office_start(w)
            else:
                finish = t + d
            later = delays[s]
            if later is not None:
                finish += next(later)
            if finish > t:
                push(heap, (finish, next(sequence), _CONTINUE, case, s))
            else:
                route(case, s, t)
            return
        if k == END:
            case[_TOKENS] -= 1
            if not case[_TOKENS]:
                complete(case, t)
            return
        if k == JOIN:
            arrived = case[_JOINS]
            if arrived is None:
                arrived = case[_JOINS] = {}
            count = arrived.get(s, 0) + 1
            if count < joins_needed[s]:
                arrived[s] = count
                case[_TOKENS] -= 1
                if not case[_TOKENS] and case[_COHORT]:
                    raw.stuck += 1  # every branch waits at a join: it can never finish
                return
            arrived[s] = 0
        route(case, s, t)

    def route(case: list[Any], s: int, t: float) -> None:
        r = route_kind[s]
        if r == SINGLE:
            j = 0
        elif r == CHOICE:
            u = next(draws[s])  # type: ignore[arg-type]
            cum = cumulative[s]
            j = 0
            while u >= cum[j]:
                j += 1
        elif r == GUARDED:
            table = guarded_table.get(s)
            found = table.get(case[_COMBINATION]) if table is not None else None
            if found is None:
                found = open_flows(s, case[_COMBINATION])
            cum, positions = found
            u = next(draws[s])  # type: ignore[arg-type]
            i = 0
            while u >= cum[i]:
                i += 1
            j = positions[i]
        elif r == CHANNEL:
            channel_online, channel_others, channel_cum = channels[s]
            if case[_ONLINE]:
                j = channel_online
            else:
                u = next(draws[s])  # type: ignore[arg-type]
                i = 0
                while u >= channel_cum[i]:
                    i += 1
                j = channel_others[i]
        elif r == SPLIT:
            targets = successors[s]
            case[_TOKENS] += len(targets) - 1
            for target in targets:
                enter(case, target, t)
            return
        else:
            return
        enter(case, successors[s][j], t)

    next_arrival, first, next_online, next_combination, next_source = next(
        incoming, (math.inf, 0, False, 0, 0))
    try:
        while True:
            if heap and heap[0][0] <= next_arrival:
                t, _, event, case, s = pop(heap)
                if t > stop:
                    break
                if event == _DONE:
                    p = pool[s]
                    queue = queues[p]
                    if queue:
                        waiting, s2, worked_request = queue.popleft()
                        start_job(waiting, s2, worked_request, t, p)
                    else:
                        free[p] += 1
                    later = delays[s]
                    if later is not None:
                        d = next(later)
                        if d > 0:
                            push(heap, (t + d, next(sequence), _CONTINUE, case, s))
                            continue
                route(case, s, t)
            elif next_arrival < math.inf:
                t = next_arrival
                cohort = t >= ws
                case = [t, 0.0, 0.0, 0.0, 0, 1, cohort, next_online, None, 0, next_combination,
                        0, 0, next_source]
                start = first
                next_arrival, first, next_online, next_combination, next_source = next(
                    incoming, (math.inf, 0, False, 0, 0))
                raw.cases += 1
                raw.arrived += cohort
                raw.backlog_end += 1
                arrivals_per_day[int(t // MINUTES_PER_DAY)] += 1
                wip(t, +1)
                enter(case, start, t)
            else:
                break
        wip(we, 0)
    finally:
        # enter and route refer to each other through their closures: a reference cycle
        # that would keep the replication's queues, heap and cases alive until the cycle
        # collector runs. Clearing the cells breaks it, so memory is freed on return.
        enter = route = _finished
    return raw


def _result(cm: CompiledModel, scenario: Scenario, replication: int, root: np.random.SeedSequence,
            office: OfficeCalendar, raw: Raw) -> ReplicationResult:
    years = scenario.horizon_days / 365.0
    ws_day = scenario.warmup
    we_day = ws_day + scenario.horizon_days
    cohort = max(raw.arrived, 1)
    per_year = {
        name: sum(n * w for n, w in zip(raw.executions, weights, strict=True)) / years
        for name, weights in (("paper_steps", cm.paper), ("sheets", cm.sheets), ("seals", cm.seal),
                              ("signatures", cm.signature), ("transcriptions", cm.transcription))
    }
    finished = raw.lead.count
    work, wait, travel, visits, home_visits, appointment_visits = raw.totals

    lead_p50, lead_p90 = raw.lead.percentiles(50, 90)

    def per_case(total: float) -> float | None:
        return total / finished if finished else None

    always = AlwaysCalendar()
    actors = []
    for p, pool in enumerate(cm.pools):
        calendar: WorkCalendar = office if pool.office_hours else always
        open_minutes = calendar.worked(we_day * MINUTES_PER_DAY) - calendar.worked(ws_day * MINUTES_PER_DAY)
        actors.append(ActorResult(
            actor=pool.actor, name=pool.name, kind=pool.kind, headcount=pool.headcount,
            hours=raw.busy[p] / 60.0 / years,
            utilisation=raw.busy[p] / (pool.headcount * open_minutes) if open_minutes else 0.0))
    metrics = {
        "arrived": raw.arrived / years,
        "completed": raw.completed / years,
        "backlog_end": float(raw.backlog_end),
        "unfinished": float(raw.arrived - finished),
        "stuck": float(raw.stuck),
        "lead_time_days_mean": raw.lead.mean(),
        "lead_time_days_p50": lead_p50,
        "lead_time_days_p90": lead_p90,
        "resident_minutes_mean": per_case(work + wait + travel),
        "resident_working_minutes_mean": per_case(work),
        "resident_waiting_minutes_mean": per_case(wait),
        "resident_travel_minutes_mean": per_case(travel),
        "counter_visits_mean": per_case(visits),
        "counter_wait_minutes_mean": raw.counter_waits.mean(),
        "counter_wait_minutes_p90": raw.counter_waits.percentile(90),
        "wip_mean": raw.wip_area / ((we_day - ws_day) * MINUTES_PER_DAY),
        "resident_hours": (work + wait + travel) / 60.0 / years,
        "staff_hours": sum(a.hours for a in actors),
        "counter_visits": visits / years,
        "home_visits": home_visits / years,
        "appointment_visits": appointment_visits / years,
        **per_year,
    }
    for a in actors:
        metrics[f"hours:{a.actor}"] = a.hours
        metrics[f"utilisation:{a.actor}"] = a.utilisation
    months: dict[str, float] = {}
    day = ws_day
    while day < we_day:  # cases complete in the window only: sum each month's days
        d = office.origin + timedelta(days=day)
        following = date(d.year + d.month // 12, d.month % 12 + 1, 1)
        end = min(we_day, (following - office.origin).days)
        months[f"{d.year:04d}-{d.month:02d}"] = float(sum(raw.completed_per_day[day:end]))
        day = end
    case_table = None
    if raw.columns is not None and raw.case_lead is not None:
        case_table = {"lead_time_days": list(raw.case_lead),
                      **{name: list(values) for name, values in raw.columns.items()}}
    return ReplicationResult(
        procedure=cm.procedure, version=cm.version, scenario=scenario.name, replication=replication,
        seed=scenario.seed, spawn_key=list(root.spawn_key),
        start=scenario.start, end=scenario.start + timedelta(days=scenario.horizon_days - 1),
        years=years, cases=raw.cases, metrics=metrics, throughput_per_month=months, actors=actors,
        step_visits={sid: n / cohort for sid, n in zip(cm.step_ids, raw.executions, strict=True)},
        case_table=case_table, percentiles=method(raw.exact),
    )

