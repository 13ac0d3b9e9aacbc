"""Per-case and per-year measures of a procedure version, from the expected counts.

Every measure is a sum over steps of (expected executions × the step's amount), so a
version's total is exactly the sum of its steps' contributions. The diff relies on this:
attributing every step to one change makes the changes' savings add up to the
difference of the two versions' totals.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import chain
from operator import attrgetter, ge

import numpy as np

from bpr.analysis.graph import Overrides, completion_share, counts_and_completion, visit_kind
from bpr.analysis.principles import is_analog
from bpr.model.collector import collector_paused
from models.procedure import ActorKind, HeldBy, ProcedureVersion, Step, StepKind, VisitKind

__all__ = [
    "MEASURE_NAMES",
    "Measures",
    "Metrics",
    "StepCounts",
    "change_savings",
    "fully_digital_share",
    "measure",
    "step_counts",
    "step_measures",
]

MEASURE_NAMES: tuple[str, ...] = (
    "resident_minutes",
    "travel_minutes",
    "system_minutes",
    "external_minutes",
    "counter_visits",
    "appointment_visits",
    "home_visits",
    "in_person_steps",
    "paper_steps",
    "sheets",
    "seals",
    "signatures",
    "transcriptions",
    "cash_payments",
    "handoffs",
    "attachments",
    "attachments_held_by_government",
    "delay_days",
)
"""The scalar measures, in display order (staff minutes per actor are kept apart)."""

_GOVERNMENT = (HeldBy.MUNICIPALITY, HeldBy.OTHER_GOVERNMENT)


def _sorted(mapping: Mapping[str, float]) -> dict[str, float]:
    # A plain dict (not a MappingProxyType) so that results pickle for process pools.
    return dict(sorted(mapping.items())) if len(mapping) > 1 else dict(mapping)


@dataclass(frozen=True, slots=True)
class Measures:
    """Additive measures of a step, a change or a whole version (per case or per year).

    Attributes:
        resident_minutes: working minutes of resident actors (travel included).
        travel_minutes: the part of ``resident_minutes`` spent on ``travel`` steps.
        staff_minutes: minutes per staff or approver actor id.
        system_minutes: minutes of system actors (not staff time).
        external_minutes: minutes of external actors (doctors, other agencies).
        counter_visits: visits of the resident to an office (来庁): a run of in-person
            steps and the staff steps the resident waits for between them is one visit;
            appointment visits included, home visits not.
        appointment_visits: the part of ``counter_visits`` made by appointment.
        home_visits: visits of staff to the resident's home (訪問: staff travel).
        in_person_steps: executions of in-person steps.
        paper_steps: executions of steps that write or handle paper.
        sheets: sheets of paper used.
        seals: seals (押印) affixed.
        signatures: handwritten signatures (自署).
        transcriptions: re-typings from one medium to another (転記).
        cash_payments: cash payments.
        handoffs: hand-offs of the case between actors.
        attachments: attached documents.
        attachments_held_by_government: attachments whose information the municipality
            or another government body already holds (once-only candidates).
        delay_days: expected elapsed days of delays, summed over steps (not a lead time
            when branches run in parallel).
    """

    resident_minutes: float = 0.0
    travel_minutes: float = 0.0
    staff_minutes: Mapping[str, float] = field(default_factory=dict)
    system_minutes: float = 0.0
    external_minutes: float = 0.0
    counter_visits: float = 0.0
    appointment_visits: float = 0.0
    home_visits: float = 0.0
    in_person_steps: float = 0.0
    paper_steps: float = 0.0
    sheets: float = 0.0
    seals: float = 0.0
    signatures: float = 0.0
    transcriptions: float = 0.0
    cash_payments: float = 0.0
    handoffs: float = 0.0
    attachments: float = 0.0
    attachments_held_by_government: float = 0.0
    delay_days: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "staff_minutes", _sorted(self.staff_minutes))

    @staticmethod
    def from_values(values: Iterable[float], staff_minutes: Mapping[str, float]) -> Measures:
        """``Measures(staff_minutes=staff_minutes, **dict(zip(MEASURE_NAMES, values)))``,
        a third of the time: the analyses build hundreds of thousands of these.

        Args:
            values: the scalar measures in :data:`MEASURE_NAMES` order.
            staff_minutes: minutes per staff actor (any order: they are sorted).
        """
        return _measures(*values, staff_minutes=staff_minutes)

    @classmethod
    def zero(cls) -> Measures:
        """All measures 0."""
        return cls()

    @staticmethod
    def sum(items: Iterable[Measures]) -> Measures:
        """The sum of ``items`` (zero when empty)."""
        items = list(items)
        staff: dict[str, float] = {}
        for item in items:
            for actor, minutes in item.staff_minutes.items():
                staff[actor] = staff.get(actor, 0.0) + minutes
        if len(items) < _ARRAY_SUM_FROM:
            values = [0.0] * len(MEASURE_NAMES)
            for item in items:  # one pass, one result: linear in the number of items
                values = [total + value
                          for total, value in zip(values, _scalars(item), strict=True)]
            return Measures.from_values(values, staff)
        # The same additions in the same order, on an array: a running sum (``cumsum`` adds
        # row after row, never pairwise) from a row of zeros, as the loop above starts.
        table = np.zeros((len(items) + 1, len(MEASURE_NAMES)))
        table[1:] = _table(items).reshape(len(items), len(MEASURE_NAMES))
        return Measures.from_values(np.cumsum(table, axis=0)[-1].tolist(), staff)

    @property
    def staff_minutes_total(self) -> float:
        """Minutes of all staff and approver actors."""
        return math.fsum(self.staff_minutes.values())

    def _combine(self, other: Measures, sign: float) -> Measures:
        values = [a + sign * b for a, b in zip(_scalars(self), _scalars(other), strict=True)]
        staff = dict(self.staff_minutes)
        for actor, minutes in other.staff_minutes.items():
            staff[actor] = staff.get(actor, 0.0) + sign * minutes
        return Measures.from_values(values, staff)

    def __add__(self, other: Measures) -> Measures:
        return self._combine(other, 1.0)

    def __sub__(self, other: Measures) -> Measures:
        return self._combine(other, -1.0)

    def scaled(self, factor: float) -> Measures:
        """Every measure multiplied by ``factor`` (e.g. the annual volume)."""
        return Measures.from_values([value * factor for value in _scalars(self)],
                                    {a: m * factor for a, m in self.staff_minutes.items()})

    def as_dict(self, *, hours: bool = False) -> dict[str, float]:
        """A flat view: scalar measures, ``staff_minutes_total`` and ``staff_minutes[<actor>]``.

        Args:
            hours: give ``*_hours`` (minutes / 60) instead of ``*_minutes``.
        """
        def key(name: str) -> str:
            return name.replace("_minutes", "_hours") if hours else name

        scale = 1 / 60 if hours else 1.0
        out: dict[str, float] = {}
        for name in MEASURE_NAMES:
            value = getattr(self, name)
            out[key(name)] = value * scale if name.endswith("_minutes") else value
        out[key("staff_minutes_total")] = self.staff_minutes_total * scale
        for actor, minutes in self.staff_minutes.items():
            out[f"{key('staff_minutes')}[{actor}]"] = minutes * scale
        return out

    def isclose(self, other: Measures, *, rel: float = 1e-9, abs_: float = 1e-6) -> bool:
        """True when every measure (and every actor's staff minutes) agrees: each value of
        :meth:`as_dict` (an actor missing on one side counts as 0)."""
        def close(a: float, b: float) -> bool:
            return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)

        if not all(close(a, b) for a, b in zip(_scalars(self), _scalars(other), strict=True)):
            return False
        if not close(self.staff_minutes_total, other.staff_minutes_total):
            return False
        mine, theirs = self.staff_minutes, other.staff_minutes
        return all(close(mine.get(a, 0.0), theirs.get(a, 0.0)) for a in {*mine, *theirs})

    def is_zero(self, *, abs_: float = 1e-6) -> bool:
        """``self.isclose(Measures(), abs_=abs_)``, faster: every value of :meth:`as_dict`
        is within ``abs_`` of 0 (a relative tolerance cannot help near 0)."""
        within = partial(ge, abs_)  # False for NaN, as math.isclose is
        return all(map(within, map(abs, _scalars(self)))) and \
            all(map(within, map(abs, self.staff_minutes.values()))) and \
            within(abs(self.staff_minutes_total))


_NO_STAFF: Mapping[str, float] = {}


def _table(items: Iterable[Measures]) -> np.ndarray:
    """The scalar measures of ``items``, one after the other, as one flat array (faster
    than an array from a list of tuples)."""
    return np.fromiter(chain.from_iterable(map(_scalars, items)), dtype=float)
_ARRAY_SUM_FROM = 64
"""From this many items on, :meth:`Measures.sum` adds on an array (the same sum)."""
_scalars = attrgetter(*MEASURE_NAMES)
"""The scalar measures of a :class:`Measures` as a tuple, in :data:`MEASURE_NAMES` order."""
_new = object.__new__
_set = object.__setattr__  # past the frozen dataclass's __setattr__, as its __init__ does


def _measures(resident_minutes: float, travel_minutes: float, system_minutes: float,
              external_minutes: float, counter_visits: float, appointment_visits: float,
              home_visits: float, in_person_steps: float, paper_steps: float, sheets: float,
              seals: float, signatures: float, transcriptions: float, cash_payments: float,
              handoffs: float, attachments: float, attachments_held_by_government: float,
              delay_days: float, *, staff_minutes: Mapping[str, float]) -> Measures:
    """:meth:`Measures.from_values`, each slot set by name (a loop over the names takes
    twice as long, and the analyses build hundreds of thousands of these)."""
    m = _new(Measures)
    _set(m, "resident_minutes", resident_minutes)
    _set(m, "travel_minutes", travel_minutes)
    _set(m, "staff_minutes", _sorted(staff_minutes))
    _set(m, "system_minutes", system_minutes)
    _set(m, "external_minutes", external_minutes)
    _set(m, "counter_visits", counter_visits)
    _set(m, "appointment_visits", appointment_visits)
    _set(m, "home_visits", home_visits)
    _set(m, "in_person_steps", in_person_steps)
    _set(m, "paper_steps", paper_steps)
    _set(m, "sheets", sheets)
    _set(m, "seals", seals)
    _set(m, "signatures", signatures)
    _set(m, "transcriptions", transcriptions)
    _set(m, "cash_payments", cash_payments)
    _set(m, "handoffs", handoffs)
    _set(m, "attachments", attachments)
    _set(m, "attachments_held_by_government", attachments_held_by_government)
    _set(m, "delay_days", delay_days)
    return m


@dataclass(frozen=True)
class Metrics:
    """The measures of one procedure version.

    Attributes:
        procedure: procedure id.
        version: version label (as-is, to-be, ...).
        annual_volume: applications per year.
        visits: expected executions per case of every step.
        per_step: per-case measures of every step (they sum to ``per_case``).
        per_case: per-case totals.
        per_year: ``per_case`` × ``annual_volume``.
        fully_digital_share: share of cases whose whole path has no analog step (paper,
            in-person, mail, ...: :func:`bpr.analysis.principles.is_analog`), mixed over
            attribute combinations.
    """

    procedure: str
    version: str
    annual_volume: float
    visits: Mapping[str, float]
    per_step: Mapping[str, Measures]
    per_case: Measures
    per_year: Measures
    fully_digital_share: float = 0.0

    def step_per_year(self, step_id: str) -> Measures:
        """Per-year measures of one step.

        Raises:
            KeyError: no such step.
        """
        return self.per_step[step_id].scaled(self.annual_volume)


def change_savings(before: Metrics, after: Metrics,
                   changes: Sequence[tuple[Sequence[str], Sequence[str]]]) -> list[Measures]:
    """The savings per year of each change: the per-year measures of its as-is steps (in
    ``before``) minus those of its to-be steps (in ``after``).

    Each is the same value, to the last bit, as ``Measures.sum(before.step_per_year(s)
    for s in as_is_steps) - Measures.sum(after.step_per_year(s) for s in to_be_steps)``:
    the same floating-point operations in the same order, done for all changes at once
    on arrays (the diff of a 50,000-step model has 50,000 changes).

    Args:
        before: metrics of the as-is.
        after: metrics of the to-be.
        changes: ``(as-is step ids, to-be step ids)`` per change.
    """
    sides = []
    for metrics, side in ((before, 0), (after, 1)):
        ids = list(metrics.per_step)
        row = {step_id: i for i, step_id in enumerate(ids)}
        per_year = _table(metrics.per_step[s] for s in ids).reshape(len(ids), len(MEASURE_NAMES))
        per_year *= metrics.annual_volume
        totals = np.zeros((len(changes), len(MEASURE_NAMES)))
        # Sequential sums, as Measures.sum adds: first every change's first step, then
        # every second step, ...
        layers: list[tuple[list[int], list[int]]] = []
        for c, change in enumerate(changes):
            for k, step_id in enumerate(change[side]):
                if k == len(layers):
                    layers.append(([], []))
                layers[k][0].append(c)
                layers[k][1].append(row[step_id])
        for which, rows in layers:
            totals[which] += per_year[rows]
        staff: list[dict[str, float]] = []
        volume = metrics.annual_volume
        staffed = {s: m.staff_minutes for s, m in metrics.per_step.items() if m.staff_minutes}
        for change in changes:
            minutes: dict[str, float] = {}
            for step_id in change[side]:
                for actor, value in staffed.get(step_id, _NO_STAFF).items():
                    minutes[actor] = minutes.get(actor, 0.0) + value * volume
            staff.append(minutes)  # (sorted once, by Measures.from_values)
        sides.append((totals, staff))
    (old_totals, old_staff), (new_totals, new_staff) = sides
    difference = old_totals + -1.0 * new_totals
    savings = []
    for values, mine, theirs in zip(difference.tolist(), old_staff, new_staff, strict=True):
        for actor, theirs_minutes in theirs.items():
            mine[actor] = mine.get(actor, 0.0) + -1.0 * theirs_minutes
        savings.append(Measures.from_values(values, mine))
    return savings


def step_measures(model: ProcedureVersion, step: Step, visits: float, entries: float,
                  handoffs: float, home_entries: float = 0.0) -> Measures:
    """Per-case measures of one step.

    Args:
        model: the version the step belongs to (for its actors).
        step: the step.
        visits: its expected executions per case.
        entries: expected counter visits starting at this step per case.
        handoffs: expected hand-offs into this step per case.
        home_entries: expected home visits starting at this step per case.

    Returns:
        The step's contribution to every measure. Only tasks consume actor minutes;
        facts (paper, seal, ...) count per execution of the step that carries them.
    """
    return _step_measures(model.actor(step.actor).kind if step.actor else None, step, visits,
                          entries, handoffs, home_entries)


def _step_measures(kind: ActorKind | None, step: Step, visits: float, entries: float,
                   handoffs: float, home_entries: float) -> Measures:
    """:func:`step_measures` with the kind of the step's actor already looked up."""
    values = [0.0] * len(MEASURE_NAMES)
    staff: dict[str, float] = {}
    minutes = visits * step.duration.mean if step.kind is StepKind.TASK else 0.0
    if minutes:
        if kind is ActorKind.RESIDENT:
            values[_RESIDENT] = minutes
            if step.travel:
                values[_TRAVEL] = minutes
        elif kind in (ActorKind.STAFF, ActorKind.APPROVER):
            assert step.actor is not None
            staff[step.actor] = minutes
        elif kind is ActorKind.SYSTEM:
            values[_SYSTEM] = minutes
        elif kind is ActorKind.EXTERNAL:
            values[_EXTERNAL] = minutes
    for at, on in zip(_FLAG_AT, _flags(step), strict=True):
        if on:
            values[at] = visits
    if step.sheets:
        values[_SHEETS] = visits * step.sheets
    if step.attachments:
        values[_ATTACHMENTS] = visits * len(step.attachments)
        held = sum(1 for a in step.attachments if a.held_by in _GOVERNMENT)
        if held:
            values[_HELD] = visits * held
    if step.delay is not None:
        values[_DELAY] = visits * step.delay.mean
    if entries:
        values[_COUNTER] = entries
        if visit_kind(step) is VisitKind.APPOINTMENT:
            values[_APPOINTMENT] = entries
    if home_entries:
        values[_HOME] = home_entries
    if handoffs:
        values[_HANDOFFS] = handoffs
    return _measures(*values, staff_minutes=staff)


_AT = {name: i for i, name in enumerate(MEASURE_NAMES)}
(_RESIDENT, _TRAVEL, _SYSTEM, _EXTERNAL, _SHEETS, _ATTACHMENTS, _HELD, _DELAY, _COUNTER,
 _APPOINTMENT, _HOME, _HANDOFFS) = (
    _AT[name] for name in ("resident_minutes", "travel_minutes", "system_minutes",
                           "external_minutes", "sheets", "attachments",
                           "attachments_held_by_government", "delay_days", "counter_visits",
                           "appointment_visits", "home_visits", "handoffs"))
_FLAG_AT = tuple(_AT[name] for name in ("in_person_steps", "paper_steps", "seals", "signatures",
                                        "transcriptions", "cash_payments"))
"""Where each per-execution fact of a step counts (the facts in :data:`_flags` order)."""
_flags = attrgetter("in_person", "paper", "seal", "signature", "transcription", "cash")


def fully_digital_share(model: ProcedureVersion, *, overrides: Overrides | None = None) -> float:
    """Share of cases whose path from start to end has no analog step (paper, in-person,
    mail, phone, seal, ...: :func:`bpr.analysis.principles.is_analog`).

    Exact per attribute combination and mixed by the combinations' probabilities: when 60%
    of cases apply online and every later step follows the channel, it is 0.6.

    Raises:
        AnalysisError: see :func:`bpr.analysis.graph.expected_visits`.
    """
    return completion_share(model, is_analog, overrides=overrides)


@collector_paused()
def measure(model: ProcedureVersion, *, overrides: Overrides | None = None) -> Metrics:
    """Measure a procedure version per case and per year.

    Args:
        model: a validated procedure version.
        overrides: case-attribute distributions replacing the version's own, e.g.
            ``{"channel": {"online": 0.9, "counter": 0.1}}`` (see
            :func:`bpr.model.attributes.with_online_share` for an online share).

    Returns:
        Its :class:`Metrics`.

    Raises:
        AnalysisError: the expected visits cannot be computed, or ``overrides`` names an
            attribute or value the version does not have.
    """
    counts, digital = counts_and_completion(model, is_analog, overrides=overrides)
    kinds = {a.id: a.kind for a in model.actors}
    visits, entries = counts.visits, counts.counter_entries
    handoffs, home = counts.handoffs, counts.home_entries
    per_step = {s.id: _step_measures(kinds[s.actor] if s.actor else None, s, visits[s.id],
                                     entries.get(s.id, 0.0), handoffs.get(s.id, 0.0),
                                     home.get(s.id, 0.0)) for s in model.steps}
    per_case = Measures.sum(per_step.values())
    return Metrics(procedure=model.id, version=model.version, annual_volume=model.annual_volume,
                   visits=counts.visits, per_step=per_step,
                   per_case=per_case, per_year=per_case.scaled(model.annual_volume),
                   fully_digital_share=digital)


@dataclass(frozen=True)
class StepCounts:
    """Steps of a version as drawn, and as a case goes through them.

    A to-be that keeps a paper route beside the online one may draw more steps than its
    as-is and still be shorter for the average case: the per-case figures weight every
    step by its expected executions.

    Attributes:
        tasks: task steps in the model.
        paper_steps: steps with ``paper`` in the model.
        tasks_per_case: expected task executions per case (path-weighted).
        paper_steps_per_case: expected executions of paper steps per case.
    """

    tasks: int
    paper_steps: int
    tasks_per_case: float
    paper_steps_per_case: float

    def as_dict(self) -> dict[str, float]:
        """``{field: value}`` with the per-case figures rounded to 4 places."""
        return {"tasks": self.tasks, "paper_steps": self.paper_steps,
                "tasks_per_case": round(self.tasks_per_case, 4) + 0.0,
                "paper_steps_per_case": round(self.paper_steps_per_case, 4) + 0.0}


def step_counts(model: ProcedureVersion, result: Metrics) -> StepCounts:
    """The raw and the path-weighted step counts of ``model`` (measured as ``result``)."""
    tasks = [s for s in model.steps if s.kind is StepKind.TASK]
    return StepCounts(tasks=len(tasks), paper_steps=sum(1 for s in model.steps if s.paper),
                      tasks_per_case=math.fsum(result.visits[s.id] for s in tasks),
                      paper_steps_per_case=result.per_case.paper_steps)
