"""A procedure version compiled into flat per-step lists for the event loop.

The engine's inner loop looks steps up by integer index in plain Python lists (faster
than attribute access on pydantic models), and draws random numbers from iterators over
pre-drawn numpy blocks (:func:`sampler`), so that numpy is called once per few thousand
draws rather than once per draw.

Case attributes are compiled to value indices: a case's attribute *combination* is one
integer (mixed radix over the attributes), and a choice whose flows are guarded (``when``)
looks up, per combination, the flows open to the case and their cumulative
probabilities. The attribute ``channel`` lists ``online`` first, so that a case whose
channel uniform is below the online share is online (see :mod:`bpr.sim.arrivals`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from bpr.errors import SimulationError
from bpr.model.load import suggest
from bpr.sim.scenario import Scenario
from models.procedure import (
    ActorKind,
    Distribution,
    Exponential,
    Fixed,
    LogNormal,
    ProcedureVersion,
    StepKind,
    Triangular,
    Uniform,
    VisitKind,
)

__all__ = [
    "BLOCK",
    "HOME_TRAVEL_DEFAULT_MINUTES",
    "Attribute",
    "CompiledModel",
    "Drawer",
    "Draws",
    "Kind",
    "Pool",
    "Presence",
    "Route",
    "channel_kind",
    "check_fits",
    "compile_model",
    "drawer",
    "iterate",
    "online_share_of",
    "sampler",
    "uniform_drawer",
    "uniforms",
]

HOME_TRAVEL_DEFAULT_MINUTES = 30.0
"""Staff travel to a resident's home, one way, when the scenario does not say
(``home_visit_travel_minutes``); an assumption for a municipality of 100,000."""

BLOCK = 4096
"""Random numbers drawn per numpy call."""


class Kind:
    """Step kinds as the engine sees them."""

    ROUTE = 0   # start, choice, and-split: no time, pass on
    JOIN = 1    # and-join: wait for every incoming branch
    END = 2     # end: the token finishes
    POOL = 3    # task of a staff or approver pool (queues, office calendar)
    FREE = 4    # task of an actor with unlimited capacity (resident, external, system)


class Route:
    """How a step's outgoing flows are taken."""

    NONE = 0     # end step
    SINGLE = 1   # one flow
    CHOICE = 2   # exclusive choice by probability
    SPLIT = 3    # and-split: all flows
    CHANNEL = 4  # the channel choice: online cases take the online flow
    GUARDED = 5  # exclusive choice among the flows open to the case's attributes


class Presence:
    """How a task stands to the resident's visits (see :mod:`bpr.sim.engine`)."""

    NONE = 0         # the resident is not there: ends a visit
    WALK_IN = 1      # in person at the counter, queueing
    APPOINTMENT = 2  # in person at the counter at a booked slot: no queue
    HOME = 3         # staff at the resident's home
    WAITS = 4        # staff work the resident stays for: keeps a visit open


@dataclass(frozen=True)
class Attribute:
    """A case attribute as the engine draws it: values and cumulative probabilities."""

    name: str
    values: tuple[str, ...]
    cumulative: tuple[float, ...]


@dataclass(frozen=True)
class Pool:
    """A team of staff (or approvers) working in parallel."""

    actor: str
    name: str
    kind: str
    headcount: int
    office_hours: bool


@dataclass
class CompiledModel:
    """Per-step lists indexed by step number (the order of ``steps`` in the model)."""

    procedure: str
    version: str
    step_ids: list[str]
    kind: list[int]
    actor: list[str | None]
    pool: list[int]                 # pool index for POOL steps, else -1
    office_free: list[bool]         # FREE step whose actor works office hours
    resident: list[int]             # 0: not the resident's, 1: working, 2: travel, 3: present
    in_person: list[bool]
    durations: list[Distribution]
    delays: list[Distribution | None]
    route: list[int]
    successors: list[list[int]]
    cumulative: list[list[float]]   # cumulative probabilities of CHOICE successors
    joins_needed: list[int]
    paper: list[bool]
    sheets: list[int]
    seal: list[bool]
    signature: list[bool]
    transcription: list[bool]
    pools: list[Pool]
    start: int
    online_share: float
    channel_step: int = -1
    channel_online: int = -1        # index in successors of the channel step
    channel_others: list[int] = field(default_factory=list)
    channel_cumulative: list[float] = field(default_factory=list)
    presence: list[int] = field(default_factory=list)
    channels: dict[int, tuple[int, list[int], list[float]]] = field(default_factory=dict)
    """Channel choice step -> (online flow position, other positions, their cumulative)."""
    home_travel: list[Distribution | None] = field(default_factory=list)  # one way, per step
    attributes: list[Attribute] = field(default_factory=list)
    radix: list[int] = field(default_factory=list)          # combination = Σ index × radix
    channel_attribute: int = -1                             # index of `channel`, or -1
    guards: dict[int, list[tuple[list[tuple[int, frozenset[int]]], float | None]]] = \
        field(default_factory=dict)                         # step -> per flow (guard, probability)
    guarded_table: dict[int, dict[int, tuple[list[float], list[int]]]] = field(default_factory=dict)

    def open_flows(self, step: int, combination: int) -> tuple[list[float], list[int]]:
        """Cumulative probabilities and successor positions of the flows of a guarded
        choice open to a case with attribute ``combination`` (memoised).

        Among the open flows, one may omit its probability and takes the rest of 1; the
        probabilities are then normalised (a single open flow is always taken).

        Raises:
            SimulationError: no flow is open to the combination (an invalid model).
        """
        table = self.guarded_table.setdefault(step, {})
        found = table.get(combination)
        if found is not None:
            return found
        values = [(combination // self.radix[a]) % len(self.attributes[a].values)
                  for a in range(len(self.attributes))]
        open_positions: list[int] = []
        probabilities: list[float | None] = []
        for position, (guard, probability) in enumerate(self.guards[step]):
            if all(values[a] in allowed for a, allowed in guard):
                open_positions.append(position)
                probabilities.append(probability)
        if not open_positions:
            case = {self.attributes[a].name: self.attributes[a].values[v] for a, v in enumerate(values)}
            raise SimulationError(f"{self.procedure} ({self.version}): no flow out of step "
                                  f"'{self.step_ids[step]}' is open to a case with {case}")
        missing = [i for i, p in enumerate(probabilities) if p is None]
        given = sum(p for p in probabilities if p is not None)
        rest = max(0.0, 1.0 - given)
        filled = [p if p is not None else (rest / len(missing) if len(missing) else 0.0)
                  for p in probabilities]
        result = (_cumulative(filled), open_positions)
        table[combination] = result
        return result


Drawer = Callable[[int], np.ndarray]
"""Draws the next ``size`` numbers of a stream. numpy's generators fill an array one
element after the other, so the numbers do not depend on how the stream is cut into
blocks: the Python engine draws :data:`BLOCK` at a time, the compiled kernel starts with
fewer (:mod:`bpr.sim.packing`)."""

Draws = float | Drawer
"""A stream of numbers: a constant (a ``fixed`` distribution draws nothing) or a block drawer."""


def drawer(dist: Distribution, rng: np.random.Generator, scale: float = 1.0) -> Draws:
    """The stream of draws from ``dist`` times ``scale``: a constant for a fixed
    distribution, else a function drawing the next numbers (:data:`Drawer`). Both kernels consume the same
    blocks in the same order, so they see the same numbers.

    Args:
        dist: a duration or delay distribution of the procedure model.
        rng: the random stream to draw from.
        scale: unit conversion (1440 turns days into minutes).
    """
    if isinstance(dist, Fixed):
        return float(dist.value * scale)

    def draw(size: int) -> np.ndarray:
        if isinstance(dist, Uniform):
            block = rng.uniform(dist.low, dist.high, size)
        elif isinstance(dist, Triangular):
            block = rng.triangular(dist.low, dist.mode, dist.high, size)
        elif isinstance(dist, Exponential):
            block = rng.exponential(dist.mean, size)
        elif isinstance(dist, LogNormal):
            sigma2 = math.log1p((dist.sd / dist.mean) ** 2)
            block = rng.lognormal(math.log(dist.mean) - sigma2 / 2, math.sqrt(sigma2), size)
        else:  # pragma: no cover
            raise SimulationError(f"unknown distribution {dist!r}")
        scaled: np.ndarray = block * scale
        return scaled

    return draw


def uniform_drawer(rng: np.random.Generator) -> Drawer:
    """The block drawer of U(0, 1) numbers from ``rng``."""
    def draw(size: int) -> np.ndarray:
        return rng.random(size)

    return draw


def iterate(draws: Draws) -> Iterator[float]:
    """An endless iterator over a stream; ``next()`` on it is the Python engine's fast path."""
    if isinstance(draws, float):
        return itertools.repeat(draws)

    def blocks() -> Iterator[float]:
        while True:
            yield from draws(BLOCK).tolist()

    return blocks()


def sampler(dist: Distribution, rng: np.random.Generator, scale: float = 1.0) -> Iterator[float]:
    """An endless iterator of draws from ``dist`` times ``scale`` (see :func:`drawer`).

    Args:
        dist: a duration or delay distribution of the procedure model.
        rng: the random stream to draw from.
        scale: unit conversion (1440 turns days into minutes).

    Returns:
        An iterator; ``next()`` on it is the fast path of the engine.
    """
    return iterate(drawer(dist, rng, scale))


def uniforms(rng: np.random.Generator) -> Iterator[float]:
    """An endless iterator of U(0, 1) draws."""
    return iterate(uniform_drawer(rng))


def _cumulative(probabilities: list[float]) -> list[float]:
    total = sum(probabilities)
    if total <= 0:
        probabilities = [1.0] * len(probabilities)
        total = float(len(probabilities))
    out = list(itertools.accumulate(p / total for p in probabilities))
    out[-1] = 1.0  # guard against rounding leaving a gap at the top
    return out


def channel_kind(model: ProcedureVersion) -> str | None:
    """How ``model`` splits online from other applications: ``"attribute"`` (a ``channel``
    case attribute), ``"choice"`` (the legacy ``channel_choice`` marker) or ``None``."""
    if "channel" in model.attributes:
        return "attribute"
    if model.channel_choice is not None:
        return "choice"
    return None


def online_share_of(model: ProcedureVersion, scenario: Scenario) -> float:
    """The share of ``model``'s applications made online under ``scenario``: the scenario's
    ``online_share`` when set, else the model's own (``channel: online`` probability, or the
    probability of the channel choice's online flow), else 0.

    Raises:
        ScenarioError: the scenario sets an online share and the version has no ``channel``
            attribute with an ``online`` value (nor a legacy channel choice) to apply it to.
    """
    kind = channel_kind(model)
    share = scenario.online_share
    if share is not None:
        if kind is None or (kind == "attribute" and "online" not in model.attributes["channel"]):
            what = ("its channel attribute has no value 'online'" if kind else
                    "it has no `channel` case attribute (nor a channel choice)")
            raise scenario.error(("online_share",), f"the online share {share:g} cannot be applied "
                                 f"to {model.id} ({model.version}): {what}")
        return share
    if kind == "attribute":
        return model.attributes["channel"].get("online", 0.0)
    if kind == "choice":
        choice = model.channel_choice
        assert choice is not None
        for f in model.outgoing(choice.step):
            if f.target == choice.online:
                return f.probability or 0.0
    return 0.0


def _attributes(model: ProcedureVersion, share: float) -> list[Attribute]:
    """The model's attributes for the engine; ``channel`` lists ``online`` first with the
    online share, the other values scaled to the rest in proportion."""
    out = []
    for name, distribution in model.attributes.items():
        values = list(distribution)
        probabilities = [distribution[v] for v in values]
        if name == "channel" and "online" in distribution:
            others = [v for v in values if v != "online"]
            weights = [distribution[v] for v in others]
            total = sum(weights)
            scaled = [(w / total if total > 0 else 1.0 / len(others)) * (1 - share) for w in weights]
            values, probabilities = ["online", *others], [share, *scaled]
        out.append(Attribute(name, tuple(values), tuple(_cumulative(probabilities))))
    return out


def check_fits(model: ProcedureVersion, scenario: Scenario) -> None:
    """Check that ``scenario`` can be applied to ``model``: every actor whose headcount it
    sets is a staff or approver pool of the model.

    Raises:
        ScenarioError: located at the ``headcount`` key in the scenario file when it was
            read from one, with a "did you mean" for a misspelt actor id.
    """
    actors = {a.id: a for a in model.actors}
    for actor_id in scenario.headcount:
        where = ("headcount", actor_id)
        if actor_id not in actors:
            raise scenario.error(where, f"unknown actor '{actor_id}' in {model.id} ({model.version})",
                                 hint=suggest(actor_id, list(actors)), key=True)
        if actors[actor_id].kind not in (ActorKind.STAFF, ActorKind.APPROVER):
            raise scenario.error(where, f"'{actor_id}' in {model.id} ({model.version}) is a "
                                 f"{actors[actor_id].kind.value} with unlimited capacity; only staff "
                                 "and approvers have a headcount", key=True)


def compile_model(model: ProcedureVersion, scenario: Scenario) -> CompiledModel:
    """Compile a validated procedure version for the engine under ``scenario``.

    Args:
        model: a validated procedure version.
        scenario: supplies headcount overrides, travel times and the online share.

    Returns:
        The compiled model.

    Raises:
        ScenarioError: the scenario does not fit the model (see :func:`check_fits` and
            :func:`online_share_of`).
    """
    check_fits(model, scenario)
    share = online_share_of(model, scenario)
    actors = {a.id: a for a in model.actors}
    pools: list[Pool] = []
    pool_index: dict[str, int] = {}
    for a in model.actors:
        if a.kind in (ActorKind.STAFF, ActorKind.APPROVER):
            pool_index[a.id] = len(pools)
            pools.append(Pool(a.id, a.name, a.kind.value, scenario.headcount.get(a.id, a.headcount),
                              a.works_office_hours))

    index = {s.id: i for i, s in enumerate(model.steps)}
    kinds = {StepKind.START: Kind.ROUTE, StepKind.CHOICE: Kind.ROUTE, StepKind.AND_SPLIT: Kind.ROUTE,
             StepKind.AND_JOIN: Kind.JOIN, StepKind.END: Kind.END}
    cm = CompiledModel(
        procedure=model.id, version=model.version, step_ids=list(index), kind=[], actor=[], pool=[],
        office_free=[], resident=[], in_person=[], durations=[], delays=[], route=[], successors=[],
        cumulative=[], joins_needed=[], paper=[], sheets=[], seal=[], signature=[],
        transcription=[], pools=pools, start=index[model.start.id], online_share=share)
    cm.attributes = _attributes(model, share)
    radix = 1
    for attribute in cm.attributes:
        cm.radix.append(radix)
        radix *= len(attribute.values)
    names = [a.name for a in cm.attributes]
    cm.channel_attribute = names.index("channel") if "channel" in names else -1
    home_travel = scenario.home_visit_travel_minutes
    for step in model.steps:
        actor = actors.get(step.actor or "")
        kind = kinds.get(step.kind, Kind.FREE)
        if kind == Kind.FREE and actor is not None and actor.id in pool_index:
            kind = Kind.POOL
        cm.kind.append(kind)
        cm.actor.append(actor.id if actor else None)
        cm.pool.append(pool_index[actor.id] if kind == Kind.POOL and actor else -1)
        cm.office_free.append(kind == Kind.FREE and actor is not None and actor.works_office_hours)
        is_resident = actor is not None and actor.kind is ActorKind.RESIDENT and step.is_activity
        present = step.in_person and step.is_activity
        waits = step.resident == "waits" and step.is_activity and not present
        cm.resident.append((2 if step.travel else 1) if is_resident else
                           (3 if present else 4 if waits else 0))
        cm.in_person.append(present)
        if present:
            visit = step.visit or VisitKind.WALK_IN
            cm.presence.append({VisitKind.WALK_IN: Presence.WALK_IN,
                                VisitKind.APPOINTMENT: Presence.APPOINTMENT,
                                VisitKind.HOME: Presence.HOME}[visit])
        else:
            cm.presence.append(Presence.WAITS if waits else Presence.NONE)
        cm.home_travel.append(home_travel if present and step.visit is VisitKind.HOME else None)
        travel = scenario.travel_minutes if step.travel and scenario.travel_minutes is not None else None
        cm.durations.append(travel if travel is not None else step.duration)
        cm.delays.append(step.delay)
        outs = model.outgoing(step.id)
        cm.successors.append([index[f.target] for f in outs])
        probabilities = [f.probability if f.probability is not None else 1.0 for f in outs]
        cm.cumulative.append(_cumulative(probabilities) if len(outs) > 1 else [1.0] * len(outs))
        guarded = any(f.when for f in outs)
        if not outs:
            cm.route.append(Route.NONE)
        elif step.kind is StepKind.AND_SPLIT:
            cm.route.append(Route.SPLIT)
        elif guarded:
            cm.route.append(Route.GUARDED)
            cm.guards[len(cm.route) - 1] = [(_guard(cm.attributes, f.when or {}), f.probability)
                                            for f in outs]
        elif len(outs) == 1:
            cm.route.append(Route.SINGLE)
        else:
            cm.route.append(Route.CHOICE)
        cm.joins_needed.append(len(model.incoming(step.id)))
        cm.paper.append(step.paper and step.is_activity)
        cm.sheets.append(step.sheets if step.is_activity else 0)
        cm.seal.append(step.seal and step.is_activity)
        cm.signature.append(step.signature and step.is_activity)
        cm.transcription.append(step.transcription and step.is_activity)

    choice = model.channel_choice
    if choice is not None and cm.route[index[choice.step]] != Route.GUARDED:
        s = index[choice.step]
        outs = model.outgoing(choice.step)
        targets = [f.target for f in outs]
        online = targets.index(choice.online)
        probabilities = [f.probability or 0.0 for f in outs]
        cm.route[s] = Route.CHANNEL
        cm.channel_step = s
        cm.channel_online = online
        cm.channel_others = [j for j in range(len(outs)) if j != online]
        cm.channel_cumulative = _cumulative([probabilities[j] for j in cm.channel_others])
        cm.channels[s] = (cm.channel_online, cm.channel_others, cm.channel_cumulative)
    return cm


def _guard(attributes: list[Attribute], when: dict[str, str | tuple[str, ...]]
           ) -> list[tuple[int, frozenset[int]]]:
    """A flow's ``when`` as (attribute position, allowed value indices) pairs."""
    position = {a.name: i for i, a in enumerate(attributes)}
    guard = []
    for name, allowed in when.items():
        wanted = {allowed} if isinstance(allowed, str) else set(allowed)
        if name not in position:
            raise SimulationError(f"a flow is guarded by the unknown case attribute '{name}'")
        values = attributes[position[name]].values
        guard.append((position[name], frozenset(i for i, v in enumerate(values) if v in wanted)))
    return guard
