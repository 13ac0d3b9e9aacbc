"""The procedure graph and its expected counts, solved exactly as sparse linear systems.

A case enters at the start step and moves along flows. Several flows out of an ordinary
step are an exclusive choice taken with their probabilities; an ``and-split`` sends the
case down every branch (weight 1 each); an ``and-join`` with *k* incoming flows fires once
per *k* arrivals. The expected number of executions of every step per case is then the
solution of the absorbing-Markov-chain system

    v = e_start + Mᵀ v,   M[i, j] = weight(i → j) / (k_j if j is an and-join else 1)

which handles rework loops (a loop taken with probability p runs its steps 1/(1-p) times)
and parallel branches without simulation.

**Case attributes.** Flows guarded by ``when`` route a case by its attributes, drawn once
at arrival. Each combination of the *routing attributes* (those some guard mentions) is
its own chain; every figure here is the mixture Σ_c P(c) · figure_c, exact because a case
keeps its attributes for its whole path. ``overrides`` replaces attribute distributions
(a scenario's online share) before solving; see
:func:`bpr.model.attributes.with_attribute_overrides`.

**Visits.** A visit starts when the resident arrives and ends when they leave. In-person
steps (``visit`` walk-in or appointment) and staff steps marked ``resident: waits`` between
them form one counter visit; gateways do not break it. ``visit: home`` steps are home
visits (staff travel to the resident), counted apart and never counter visits. A visit
starts at an in-person step entered (through gateways and waited-for steps) from a step
outside a visit of its kind; the start step is outside every visit.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import MatrixRankWarning, spsolve

from bpr.analysis.chain import Chain, arrivals, solve_visits
from bpr.errors import AnalysisError
from bpr.model.attributes import Combination, attribute_combinations, with_attribute_overrides
from models.procedure import ProcedureVersion, Step, StepKind, VisitKind

__all__ = [
    "GATEWAY_KINDS",
    "CombinationVisits",
    "ExpectedCounts",
    "Overrides",
    "build_graph",
    "completion_share",
    "counter_entries",
    "counts_and_completion",
    "expected_counts",
    "expected_visits",
    "expected_visits_by_combination",
    "flow_traffic",
    "flow_weights",
    "handoffs_into",
    "transfer",
    "visit_entries",
    "visit_kind",
]

GATEWAY_KINDS = frozenset({StepKind.CHOICE, StepKind.AND_SPLIT, StepKind.AND_JOIN})
"""Step kinds that route a case and do no work; transfers pass through them."""

Overrides = Mapping[str, Mapping[str, float]]
"""``attribute -> {value: probability}``: distributions replacing the version's own."""


class CombinationVisits(NamedTuple):
    """Expected visits of the cases sharing one combination of routing attributes.

    Attributes:
        combination: the values of the routing attributes (empty for a version without
            guards: one combination of probability 1).
        probability: share of cases with these values.
        visits: ``step id -> expected executions per case`` of these cases.
    """

    combination: Combination
    probability: float
    visits: dict[str, float]


@dataclass(frozen=True)
class ExpectedCounts:
    """The expected per-case counts of a version, mixed over attribute combinations.

    Attributes:
        visits: expected executions of every step.
        counter_entries: counter visits starting at each in-person step that is not a home
            visit (walk-in and appointment).
        home_entries: home visits starting at each ``visit: home`` step.
        handoffs: hand-offs between actors into each task.
        by_combination: the visits of each combination of routing attributes.
    """

    visits: dict[str, float]
    counter_entries: dict[str, float]
    home_entries: dict[str, float]
    handoffs: dict[str, float]
    by_combination: tuple[CombinationVisits, ...]


def visit_kind(step: Step) -> VisitKind | None:
    """How a step meets the resident: ``walk-in`` (the default for in-person tasks),
    ``appointment`` or ``home``; ``None`` for a step that is not an in-person task."""
    if step.kind is not StepKind.TASK or not step.in_person:
        return None
    return step.visit or VisitKind.WALK_IN


def _inside_visit(step: Step) -> bool:
    """A staff step the resident waits for: it continues the visit around it."""
    return step.kind is StepKind.TASK and not step.in_person and step.resident == "waits"


def _solved(model: ProcedureVersion, overrides: Overrides | None, chain: Chain | None = None
            ) -> tuple[Chain, list[tuple[Combination, float, np.ndarray, np.ndarray]]]:
    """(chain, [(combination, probability, weights, visits)]) for every possible combination
    (``chain``: the model's, overrides applied, when already built)."""
    if chain is None:
        chain = Chain(with_attribute_overrides(model, overrides))
    model = chain.model
    solved = []
    for combination, probability in attribute_combinations(model):
        weights = chain.weights(combination if combination else None)
        solved.append((combination, probability, weights, solve_visits(chain, weights)))
    return chain, solved


def expected_counts(model: ProcedureVersion, *, overrides: Overrides | None = None
                    ) -> ExpectedCounts:
    """Every expected per-case count of ``model`` in one pass (one factorisation of each
    system per attribute combination).

    Args:
        model: a validated procedure version (one start step).
        overrides: attribute distributions replacing the version's own.

    Raises:
        AnalysisError: a linear system is singular (a loop that cannot exit), or
            ``overrides`` names an attribute or value the version does not have.
    """
    return _expected_counts(Chain(with_attribute_overrides(model, overrides)))


def counts_and_completion(model: ProcedureVersion, avoid: Callable[[Step], bool], *,
                          overrides: Overrides | None = None) -> tuple[ExpectedCounts, float]:
    """``(expected_counts(model), completion_share(model, avoid))`` with the same
    ``overrides``, indexing the graph once (what :func:`bpr.analysis.metrics.measure`
    needs).

    Raises:
        AnalysisError: see :func:`expected_counts`.
    """
    chain = Chain(with_attribute_overrides(model, overrides))
    return _expected_counts(chain), _completion_share(chain, avoid)


def _expected_counts(chain: Chain) -> ExpectedCounts:
    chain, solved = _solved(chain.model, None, chain)
    steps = chain.model.steps
    n = len(steps)
    kinds = [visit_kind(s) for s in steps]
    office = np.array([k in (VisitKind.WALK_IN, VisitKind.APPOINTMENT) for k in kinds])
    home = np.array([k is VisitKind.HOME for k in kinds])
    gateway = np.array([s.kind in GATEWAY_KINDS for s in steps])
    through_visit = gateway | np.array([_inside_visit(s) for s in steps])
    task = np.array([s.kind is StepKind.TASK for s in steps])
    actors = sorted({s.actor for s in steps if s.kind is StepKind.TASK and s.actor})
    actor_column = {a: k for k, a in enumerate(actors)}
    actor_of = np.array([actor_column.get(s.actor or "", -1) if s.kind is StepKind.TASK else -1
                         for s in steps])
    visits = np.zeros(n)
    entries = np.zeros((n, 2))
    handoffs = np.zeros(n)
    by_combination = []
    for combination, probability, weights, v in solved:
        by_combination.append(CombinationVisits(dict(combination), probability,
                                                dict(zip(chain.ids, v.tolist(), strict=True))))
        visits += probability * v
        sources = np.column_stack([np.where(office, 0.0, v), np.where(home, 0.0, v)])
        entries += probability * arrivals(chain, weights, sources, through_visit,
                                          per_branch=False)
        if actors:
            by_actor = np.zeros((n, len(actors)))
            rows = np.flatnonzero(task & (actor_of >= 0))
            by_actor[rows, actor_of[rows]] = v[rows]
            arrived = arrivals(chain, weights, by_actor, gateway, per_branch=True)
            same = np.where(actor_of >= 0, arrived[np.arange(n), np.maximum(actor_of, 0)], 0.0)
            handoffs += probability * np.where(task, arrived.sum(axis=1) - same, 0.0)
    ids = chain.ids
    # (Python floats from ``tolist``, the values ``float(array[i])`` gives, in one call.)
    at_office, at_home, entered = office.tolist(), home.tolist(), entries.tolist()
    return ExpectedCounts(
        visits=dict(zip(ids, visits.tolist(), strict=True)),
        counter_entries={sid: e[0] for sid, e, o in zip(ids, entered, at_office, strict=True) if o},
        home_entries={sid: e[1] for sid, e, h in zip(ids, entered, at_home, strict=True) if h},
        handoffs={sid: max(h, 0.0) for sid, h, t in zip(ids, handoffs.tolist(), task.tolist(),
                                                         strict=True) if t},
        by_combination=tuple(by_combination))


def expected_visits(model: ProcedureVersion, *, overrides: Overrides | None = None
                    ) -> dict[str, float]:
    """Expected number of executions of every step per case (mixed over combinations).

    Args:
        model: a validated procedure version (one start step).
        overrides: attribute distributions replacing the version's own.

    Returns:
        ``step id -> expected executions per case`` for every step (0 when unreachable).

    Raises:
        AnalysisError: the linear system is singular (a loop that cannot exit), or a bad
            override.
    """
    chain, solved = _solved(model, overrides)
    total = np.zeros(len(chain.ids))
    for _, probability, _, v in solved:
        total += probability * v
    return {sid: float(total[i]) for i, sid in enumerate(chain.ids)}


def expected_visits_by_combination(model: ProcedureVersion, *,
                                   overrides: Overrides | None = None
                                   ) -> list[CombinationVisits]:
    """Expected visits of every combination of the routing attributes that has a
    probability above 0, with that probability; the probabilities sum to 1 and the
    probability-weighted sum of the visits is :func:`expected_visits`.

    Raises:
        AnalysisError: see :func:`expected_visits`.
    """
    chain, solved = _solved(model, overrides)
    return [CombinationVisits(dict(c), p, dict(zip(chain.ids, v.tolist(), strict=True)))
            for c, p, _, v in solved]


def flow_weights(model: ProcedureVersion, *, overrides: Overrides | None = None
                 ) -> dict[tuple[str, str], float]:
    """Weight of every flow: how many times it is taken per execution of its source.

    Without guards: the probability of an exclusive choice, 1 for a single flow and for
    every branch of an and-split. With guards, the average over all cases executing the
    source (flow traffic / source visits), or over the combinations' probabilities where
    no case executes the source.

    Raises:
        AnalysisError: see :func:`expected_visits` (only for versions with guards).
    """
    chain = Chain(with_attribute_overrides(model, overrides))
    keys = list(zip((chain.ids[i] for i in chain.source), (chain.ids[j] for j in chain.target),
                    strict=True))
    if not chain.guarded:
        return dict(zip(keys, chain.base.tolist(), strict=True))
    _, solved = _solved(model, overrides)
    traffic = np.zeros(len(keys))
    executions = np.zeros(len(keys))
    mean = np.zeros(len(keys))
    for _, probability, weights, v in solved:
        traffic += probability * v[chain.source] * weights
        executions += probability * v[chain.source]
        mean += probability * weights
    effective = np.where(executions > 0, traffic / np.where(executions > 0, executions, 1), mean)
    return dict(zip(keys, effective.tolist(), strict=True))


def flow_traffic(model: ProcedureVersion, *, overrides: Overrides | None = None
                 ) -> dict[tuple[str, str], float]:
    """Expected traversals of every flow per case (source visits × flow weight, per
    combination, mixed).

    Raises:
        AnalysisError: see :func:`expected_visits`.
    """
    chain, solved = _solved(model, overrides)
    traffic = np.zeros(len(chain.source))
    for _, probability, weights, v in solved:
        traffic += probability * v[chain.source] * weights
    return {(chain.ids[i], chain.ids[j]): float(t)
            for i, j, t in zip(chain.source, chain.target, traffic, strict=True)}


def build_graph(model: ProcedureVersion) -> nx.DiGraph[str]:
    """The procedure as a networkx graph.

    Returns:
        A directed graph whose nodes are step ids (node attribute ``step``: the
        :class:`~models.procedure.Step`) and whose edges are flows (edge attribute
        ``weight``: see :func:`flow_weights`).
    """
    graph: nx.DiGraph[str] = nx.DiGraph()
    for step in model.steps:
        graph.add_node(step.id, step=step)
    for (source, target), weight in flow_weights(model).items():
        graph.add_edge(source, target, weight=weight)
    return graph


def transfer(model: ProcedureVersion, *, per_branch: bool,
             combination: Mapping[str, str] | None = None) -> dict[tuple[str, str], float]:
    """Arrivals at each work step caused by one execution of another, through gateways.

    Work steps here are all non-gateway steps (tasks, start and end). The transfer from
    ``a`` to ``b`` sums, over every path from ``a`` to ``b`` whose inner steps are all
    gateways, the product of the flow weights: ``X = W_SS + W_SG (I - W_GG)⁻¹ W_GS``.

    Args:
        model: a validated procedure version.
        per_branch: when False, an and-join divides by its number of incoming flows (so
            the transfers into a step add up to its visits); when True each incoming branch
            counts in full (what each branch hands over).
        combination: route a case with these attribute values (default: guards ignored).

    Returns:
        ``(from, to) -> arrivals per execution of from``, non-zero entries only.

    Raises:
        AnalysisError: a cycle made of gateways only cannot be left.
    """
    chain = Chain(model)
    weights = chain.weights(combination)
    m = chain.transposed(weights, per_branch=per_branch).T.tocsr()
    gateway = np.array([s.kind in GATEWAY_KINDS for s in model.steps])
    work, gates = np.flatnonzero(~gateway), np.flatnonzero(gateway)
    x = m[work][:, work]
    if len(gates):
        a = sp.identity(len(gates), format="csc") - m[gates][:, gates].tocsc()
        with warnings.catch_warnings():
            warnings.simplefilter("error", MatrixRankWarning)
            try:
                through = sp.csr_matrix(spsolve(a, m[gates][:, work].tocsc()))
            except MatrixRankWarning:
                raise AnalysisError(f"procedure '{model.id}' ({model.version}): cannot compute "
                                    "transfers through gateways: the flow has a loop that cannot "
                                    "exit (every way out has probability 0)") from None
        x = x + m[work][:, gates] @ through
    x = sp.coo_matrix(x)
    return {(chain.ids[work[i]], chain.ids[work[j]]): float(value)
            for i, j, value in zip(x.row, x.col, x.data, strict=True) if value > 0}


def visit_entries(model: ProcedureVersion, *, overrides: Overrides | None = None
                  ) -> dict[str, float]:
    """Expected visits per case starting at each in-person step: counter visits at walk-in
    and appointment steps, home visits at home steps (see the module docstring).

    Raises:
        AnalysisError: see :func:`expected_visits`.
    """
    counts = expected_counts(model, overrides=overrides)
    return {**counts.counter_entries, **counts.home_entries}


def counter_entries(model: ProcedureVersion, visits: Mapping[str, float] | None = None, *,
                    overrides: Overrides | None = None) -> dict[str, float]:
    """Expected counter visits per case, attributed to the in-person step where each starts.

    A counter visit is a maximal run of in-person tasks that are not home visits, with the
    staff steps the resident waits for (``resident: waits``) between them; gateways do not
    break it. Appointment steps are counter visits too.

    Args:
        model: a validated procedure version.
        visits: accepted for compatibility and not needed: the entries are computed per
            attribute combination from that combination's own visits.
        overrides: attribute distributions replacing the version's own.

    Returns:
        ``step id -> expected entries per case`` for every in-person task that is not a
        home visit.
    """
    del visits
    return expected_counts(model, overrides=overrides).counter_entries


def handoffs_into(model: ProcedureVersion, visits: Mapping[str, float] | None = None, *,
                  overrides: Overrides | None = None) -> dict[str, float]:
    """Expected hand-offs per case between actors, attributed to the task they enter.

    A hand-off is a flow from a task to the next task (through gateways) done by a
    different actor. Each branch arriving at an and-join hands over its own work, so
    branches are counted in full here.

    Args:
        model: a validated procedure version.
        visits: accepted for compatibility and not needed (see :func:`counter_entries`).
        overrides: attribute distributions replacing the version's own.

    Returns:
        ``step id -> expected hand-offs per case into it`` for every task.
    """
    del visits
    return expected_counts(model, overrides=overrides).handoffs


def completion_share(model: ProcedureVersion, avoid: Callable[[Step], bool], *,
                     overrides: Overrides | None = None) -> float:
    """Share of cases that reach an end step without executing any step ``avoid`` selects.

    Each combination of routing attributes is solved on the graph with the avoided steps
    removed (with exclusive choices this is exactly the probability of such a path) and
    the shares are mixed by the combinations' probabilities: with 60% of cases online and
    every later step following the channel, an all-digital online route gives 0.6.

    Raises:
        AnalysisError: see :func:`expected_visits`.
    """
    return _completion_share(Chain(with_attribute_overrides(model, overrides)), avoid)


def _completion_share(chain: Chain, avoid: Callable[[Step], bool]) -> float:
    model = chain.model
    avoided = np.array([avoid(s) for s in model.steps])
    if avoided[chain.start]:
        return 0.0
    keep = ~avoided[chain.source] & ~avoided[chain.target]
    end = np.array([s.kind is StepKind.END for s in model.steps])
    share = 0.0
    for combination, probability in attribute_combinations(model):
        weights = chain.weights(combination if combination else None)
        v = solve_visits(chain, weights, keep=keep, what="the share of completing cases")
        share += probability * float(v[end].sum())
    return min(max(share, 0.0), 1.0)
