"""The procedure graph and its expected counts, solved exactly as linear systems.

A case enters at the start step and moves along flows. Several flows out of an ordinary
step are an exclusive choice taken with their probabilities; an ``and-split`` sends the
case down every branch (weight 1 each); an ``and-join`` with *k* incoming flows fires once
per *k* arrivals. The expected number of executions of every step per case is then the
solution of the absorbing-Markov-chain system

    v = e_start + Mᵀ v,   M[i, j] = weight(i → j) / (k_j if j is an and-join else 1)

which handles rework loops (a loop taken with probability p runs its steps 1/(1-p) times)
and parallel branches without simulation.

The same machinery gives *transfers* between work steps through gateways, used for
counter visits (entries into an in-person segment) and hand-offs between actors.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from bpr.errors import AnalysisError
from models.procedure import ProcedureVersion, Step, StepKind

__all__ = [
    "GATEWAY_KINDS",
    "build_graph",
    "counter_entries",
    "expected_visits",
    "flow_traffic",
    "flow_weights",
    "handoffs_into",
    "transfer",
]

GATEWAY_KINDS = frozenset({StepKind.CHOICE, StepKind.AND_SPLIT, StepKind.AND_JOIN})
"""Step kinds that route a case and do no work; transfers pass through them."""

_NEGATIVE_TOLERANCE = 1e-9


def flow_weights(model: ProcedureVersion) -> dict[tuple[str, str], float]:
    """Weight of every flow: how many times it is taken per execution of its source.

    Args:
        model: a validated procedure version.

    Returns:
        ``(from, to) -> weight``: the probability of an exclusive choice, 1 for a single
        flow and for every branch of an and-split.
    """
    weights: dict[tuple[str, str], float] = {}
    for step in model.steps:
        outs = model.outgoing(step.id)
        for flow in outs:
            if step.kind is StepKind.AND_SPLIT or len(outs) == 1:
                weight = 1.0
            else:
                weight = float(flow.probability or 0.0)
            weights[(flow.source, flow.target)] = weight
    return weights


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


def _join_fan_in(model: ProcedureVersion) -> dict[str, int]:
    return {s.id: len(model.incoming(s.id)) for s in model.steps if s.kind is StepKind.AND_JOIN}


def _matrix(model: ProcedureVersion, ids: list[str], *, per_branch: bool) -> np.ndarray:
    """M[i, j]: arrivals at j per execution of i (divided at and-joins unless per_branch)."""
    index = {sid: i for i, sid in enumerate(ids)}
    fan_in = {} if per_branch else _join_fan_in(model)
    m = np.zeros((len(ids), len(ids)))
    for (source, target), weight in flow_weights(model).items():
        m[index[source], index[target]] += weight / fan_in.get(target, 1)
    return m


def _solve(a: np.ndarray, b: np.ndarray, model: ProcedureVersion, what: str) -> np.ndarray:
    try:
        x = np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise AnalysisError(
            f"procedure '{model.id}' ({model.version}): cannot compute {what}: the flow has a "
            "loop that cannot exit (every way out has probability 0)") from None
    if not np.all(np.isfinite(x)) or np.any(x < -_NEGATIVE_TOLERANCE):
        raise AnalysisError(f"procedure '{model.id}' ({model.version}): {what} are not finite "
                            "and non-negative; check the loop probabilities")
    return np.clip(x, 0.0, None)


def expected_visits(model: ProcedureVersion) -> dict[str, float]:
    """Expected number of executions of every step per case.

    Args:
        model: a validated procedure version (one start step).

    Returns:
        ``step id -> expected executions per case`` for every step (0 when unreachable).

    Raises:
        AnalysisError: the linear system is singular (a loop that cannot exit).
    """
    ids = [s.id for s in model.steps]
    m = _matrix(model, ids, per_branch=False)
    e = np.zeros(len(ids))
    e[ids.index(model.start.id)] = 1.0
    v = _solve(np.eye(len(ids)) - m.T, e, model, "expected visits")
    return {sid: float(v[i]) for i, sid in enumerate(ids)}


def flow_traffic(model: ProcedureVersion) -> dict[tuple[str, str], float]:
    """Expected traversals of every flow per case (source visits × flow weight).

    Raises:
        AnalysisError: see :func:`expected_visits`.
    """
    visits = expected_visits(model)
    return {edge: visits[edge[0]] * w for edge, w in flow_weights(model).items()}


def transfer(model: ProcedureVersion, *, per_branch: bool) -> dict[tuple[str, str], float]:
    """Arrivals at each work step caused by one execution of another, through gateways.

    Work steps here are all non-gateway steps (tasks, start and end). The transfer from
    ``a`` to ``b`` sums, over every path from ``a`` to ``b`` whose inner steps are all
    gateways, the product of the flow weights: ``X = W_SS + W_SG (I - W_GG)⁻¹ W_GS``.

    Args:
        model: a validated procedure version.
        per_branch: when False, an and-join divides by its number of incoming flows (so
            the transfers into a step add up to its visits); when True each incoming branch
            counts in full (what each branch hands over).

    Returns:
        ``(from, to) -> arrivals per execution of from``, non-zero entries only.

    Raises:
        AnalysisError: a cycle made of gateways only cannot be left.
    """
    ids = [s.id for s in model.steps]
    gateway = np.array([s.kind in GATEWAY_KINDS for s in model.steps])
    m = _matrix(model, ids, per_branch=per_branch)
    work = ~gateway
    w_ss = m[np.ix_(work, work)]
    if gateway.any():
        w_sg = m[np.ix_(work, gateway)]
        w_gg = m[np.ix_(gateway, gateway)]
        w_gs = m[np.ix_(gateway, work)]
        through = _solve(np.eye(int(gateway.sum())) - w_gg, w_gs, model, "transfers through gateways")
        x = w_ss + w_sg @ through
    else:
        x = w_ss
    work_ids = [sid for sid, is_work in zip(ids, work, strict=True) if is_work]
    return {(a, b): float(x[i, j]) for i, a in enumerate(work_ids) for j, b in enumerate(work_ids)
            if x[i, j] > 0}


def counter_entries(model: ProcedureVersion,
                    visits: dict[str, float] | None = None) -> dict[str, float]:
    """Expected entries per case into an in-person segment, attributed to the step entered.

    A segment is a maximal run of ``in_person`` tasks (gateways between them do not break
    it). A case enters one at an in-person task reached from the start or from a task that
    is not in person; each entry is one counter visit.

    Args:
        model: a validated procedure version.
        visits: expected visits when already computed.

    Returns:
        ``step id -> expected entries per case`` for every in-person task.
    """
    visits = visits if visits is not None else expected_visits(model)
    steps = {s.id: s for s in model.steps}
    entries = {s.id: 0.0 for s in model.steps if _in_person(s)}
    for (source, target), x in transfer(model, per_branch=False).items():
        if target in entries and not _in_person(steps[source]):
            entries[target] += visits[source] * x
    return entries


def handoffs_into(model: ProcedureVersion,
                  visits: dict[str, float] | None = None) -> dict[str, float]:
    """Expected hand-offs per case between actors, attributed to the task they enter.

    A hand-off is a flow from a task to the next task (through gateways) done by a
    different actor. Each branch arriving at an and-join hands over its own work, so
    branches are counted in full here.

    Returns:
        ``step id -> expected hand-offs per case into it`` for every task.
    """
    visits = visits if visits is not None else expected_visits(model)
    steps = {s.id: s for s in model.steps}
    into = {s.id: 0.0 for s in model.steps if s.kind is StepKind.TASK}
    for (source, target), x in transfer(model, per_branch=True).items():
        a, b = steps[source], steps[target]
        if a.kind is StepKind.TASK and b.kind is StepKind.TASK and a.actor != b.actor:
            into[target] += visits[source] * x
    return into


def _in_person(step: Step) -> bool:
    return step.kind is StepKind.TASK and step.in_person
