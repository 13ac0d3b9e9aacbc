"""Soundness of a procedure: can every case finish, exactly once, with every step usable?

A procedure version is translated into a *workflow net* (W.M.P. van der Aalst, "The
application of Petri nets to workflow management", J. Circuits, Systems and Computers 8(1),
1998): one source place ``i`` and one sink place ``o``, one place per flow, and transitions
for the steps. A step with several incoming flows that is not an ``and-join`` is an XOR
merge and one with several outgoing flows that is not an ``and-split`` an XOR choice, so
such a step becomes one transition per (incoming flow, outgoing flow) pair; an
``and-join`` consumes a token from every incoming flow and an ``and-split`` produces one
on every outgoing flow. Flows of probability 0 are never taken and are left out.

The net is *sound* (van der Aalst 1998; W.M.P. van der Aalst et al., "Soundness of
workflow nets: classification, decidability, and analysis", Formal Aspects of Computing
23(3), 2011) when

* **option to complete**: from every marking reachable from ``[i]`` the final marking
  ``[o]`` can be reached;
* **proper completion**: a reachable marking that marks ``o`` is ``[o]`` itself;
* **no dead transitions**: every step runs in some case.

The nets built here are *free-choice* (every flow has one target step, whose transitions
all consume the same places), and a sound free-choice workflow net is *safe* (no place
ever holds two tokens; van der Aalst 1998, 2011). A second token on a place is therefore
reported as unsound at once, which keeps the state space finite: a marking is a set of
places, held as a bit mask. :func:`check_soundness` explores the reachability graph
breadth first, so every counterexample is a shortest firing sequence; it stops after
:data:`MAX_MARKINGS` markings with a "too large to check exhaustively" warning.

The exploration goes a single-entry single-exit fragment at a time
(:mod:`bpr.analysis.sese`, :mod:`bpr.analysis.statespace`): the model is cut at the flows
every case crosses exactly once, the sequence level of the refined process structure tree
(J. Vanhatalo, H. Völzer, F. Leymann, "Faster and more focused control-flow analysis for
business process models through SESE decomposition", ICSOC 2007; J. Vanhatalo, H. Völzer,
J. Koehler, "The refined process structure tree", Data & Knowledge Engineering 68(9),
2009), and each fragment's small state space is checked alone: a sequence of workflow nets
is sound exactly when each is (W.M.P. van der Aalst, "Workflow verification: finding
control-flow errors using Petri-net-based techniques", LNCS 1806, 2000). From the first
fragment that is not sound, the whole model is explored as one net, so findings and
counterexamples are those of the whole state space (``decompose=False`` explores it at
once, sound or not). A 50,000-step block-structured model takes about 3 s instead of 25 s.

Two structural pre-checks run first, in time linear in the model, and settle the common
mistakes without the state space (both are exact, their counterexamples executable):

* an and-join reached from the start along steps that are neither and-splits nor
  and-joins sees a single token, so it waits forever (typically an exclusive choice
  feeding the join on one branch only);
* an and-split (reached from the start without passing an and-join) one of whose branches
  reaches an end without passing an and-join finishes the case while another branch is
  still open (improper completion).

Separately, a loop that is almost never left is flagged as a warning: the rule is a step
expected to run more than :data:`MAX_EXPECTED_VISITS` (1,000) times per case, i.e. a loop
whose exit probability per round is below 1/1,000 (:func:`bpr.analysis.graph.expected_visits`).
Simulated cases of such a model practically never finish.
"""

from __future__ import annotations

import networkx as nx

from bpr.analysis.graph import expected_visits
from bpr.analysis.statespace import (
    SINK,
    SOURCE,
    Finding,
    FindingKind,
    SoundnessReport,
    Transition,
    WorkflowNet,
    deadlock,
    explore,
    quoted,
    taken,
    workflow_net,
)
from bpr.errors import AnalysisError, Problem
from bpr.model.yaml_reader import Located
from models.procedure import ProcedureVersion, StepKind

__all__ = [
    "MAX_EXPECTED_VISITS",
    "MAX_MARKINGS",
    "SINK",
    "SOURCE",
    "Finding",
    "FindingKind",
    "SoundnessReport",
    "Transition",
    "WorkflowNet",
    "check_soundness",
    "soundness_problems",
    "workflow_net",
]

MAX_MARKINGS = 100_000
"""Largest number of reachable markings explored before the check gives up with a warning
(the largest catalog model has 119 and the whole catalog takes about 0.1 s; 100,000
markings take a few seconds)."""
MAX_EXPECTED_VISITS = 1_000.0
"""A step expected to run more often than this per case is in a loop whose exit probability
is below 1/1,000 per round: a warning."""
# --------------------------------------------------------------------------- pre-checks


def _graph(model: ProcedureVersion) -> nx.DiGraph[str]:
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(s.id for s in model.steps)
    graph.add_edges_from(taken(model))
    return graph


def _structural(model: ProcedureVersion, graph: nx.DiGraph[str]) -> list[Finding]:
    kind = {s.id: s.kind for s in model.steps}
    start = model.start.id
    findings: list[Finding] = []
    # 1. A single token (no and-split or and-join passed) arriving at an and-join.
    single = graph.subgraph([s for s in graph if kind[s] not in (StepKind.AND_SPLIT,
                                                                 StepKind.AND_JOIN)])
    paths = nx.single_source_shortest_path(single, start) if start in single else {}
    for join in [s for s in graph if kind[s] is StepKind.AND_JOIN]:
        feeders = [p for p in graph.predecessors(join) if p in paths]
        if feeders:
            path = (*paths[feeders[0]], join)
            findings.append(deadlock(model, graph, join, path, {feeders[0]}))
    # 2. An and-split with a branch reaching an end without any and-join.
    no_join = graph.subgraph([s for s in graph if kind[s] is not StepKind.AND_JOIN])
    to_split = nx.single_source_shortest_path(no_join, start) if start in no_join else {}
    ends = {s for s in graph if kind[s] is StepKind.END}
    for split in [s for s in graph if kind[s] is StepKind.AND_SPLIT and s in to_split]:
        for branch in graph.successors(split):
            if branch not in no_join:
                continue
            reach = nx.single_source_shortest_path(no_join, branch)
            end = next((e for e in reach if e in ends), None)
            if end is not None:
                others = [b for b in graph.successors(split) if b != branch]
                findings.append(Finding(
                    FindingKind.IMPROPER_COMPLETION, "error", split,
                    f"and-split '{split}' is not joined: its branch through '{branch}' reaches "
                    f"the end '{end}' without an and-join, while the branch(es) to "
                    f"{quoted(others)} are still open, so the case ends before all its work is done "
                    "(or reaches an end more than once)",
                    (*to_split[split], *reach[end])))
                break
    return findings


# --------------------------------------------------------------------------- loops


def _low_exit_loops(model: ProcedureVersion, graph: nx.DiGraph[str]) -> list[Finding]:
    try:
        visits = expected_visits(model)
    except AnalysisError as exc:
        return [Finding(FindingKind.LOW_EXIT_LOOP, "warning", model.start.id, str(exc))]
    findings = []
    position = {s.id: i for i, s in enumerate(model.steps)}
    for component in nx.strongly_connected_components(graph):
        loop = sorted(component, key=position.__getitem__)  # in model order
        worst = max(loop, key=lambda s: visits[s])
        if visits[worst] <= MAX_EXPECTED_VISITS:
            continue
        exits = [f for f in model.flows if f.source in component and f.target not in component
                 and f.probability != 0]
        exit_text = ", ".join(f"{f.source} → {f.target}" + (
            f" p={f.probability:g}" if f.probability is not None else "") for f in exits)
        findings.append(Finding(
            FindingKind.LOW_EXIT_LOOP, "warning", worst,
            f"the loop {quoted(loop)} is almost never left (exits: {exit_text or 'none'}): a case "
            f"runs '{worst}' {visits[worst]:,.0f} times on average, more than "
            f"{MAX_EXPECTED_VISITS:,.0f}; simulated cases will practically never finish",
            tuple(nx.shortest_path(graph, model.start.id, worst))))
    return findings


# --------------------------------------------------------------------------- entry points


def check_soundness(model: ProcedureVersion, *, max_markings: int = MAX_MARKINGS,
                    decompose: bool = True) -> SoundnessReport:
    """Check the classical soundness of ``model``'s workflow net, and its loops' exits.

    Args:
        model: a validated procedure version.
        max_markings: bound on the reachable markings explored (in each fragment, when
            decomposed).
        decompose: check the SESE fragments in sequence (:mod:`bpr.analysis.sese`; the
            same findings, counterexamples and marking count as the whole state space when
            every fragment is within the bound); ``False`` explores the whole state space
            at once.

    Returns:
        The findings (errors: unsound; warnings: a loop almost never left, or the state
        space too large to explore), each with a counterexample path of steps.
    """
    graph = _graph(model)
    findings = _structural(model, graph)
    markings, exhaustive = 0, True
    if not findings:
        findings, markings, exhaustive = explore(model, graph, max_markings, decompose)
        if not exhaustive:
            findings.append(Finding(
                FindingKind.TOO_LARGE, "warning", model.start.id,
                f"too large to check soundness exhaustively: more than {max_markings:,} "
                "reachable states (combinations of open branches); the structural checks and "
                "the states explored found nothing else"))
    findings += _low_exit_loops(model, graph)
    findings.sort(key=lambda f: f.severity != "error")
    return SoundnessReport(tuple(findings), markings, exhaustive)


def soundness_problems(model: ProcedureVersion, located: Located | None = None, *,
                       file: str = "<model>", max_markings: int = MAX_MARKINGS) -> list[Problem]:
    """:func:`check_soundness` as located problems, the path's steps with file:line:column.

    Args:
        model: a validated procedure version.
        located: the located data it was loaded from (positions of ``steps[i]``); without
            it, problems have line 0 and the path shows step ids only.
        file: the file name used when ``located`` is not given.
        max_markings: see :func:`check_soundness`.

    Returns:
        One problem per finding, ``severity`` ``"error"`` or ``"warning"``.
    """
    index = {s.id: i for i, s in enumerate(model.steps)}
    name = located.file if located is not None else file

    def where(step: str) -> tuple[int, int]:
        return located.where(("steps", index[step])) if located is not None else (0, 0)

    def shown(step: str) -> str:
        line, column = where(step)
        return f"{step} ({name}:{line}:{column})" if line else step

    problems = []
    for f in check_soundness(model, max_markings=max_markings).findings:
        line, column = where(f.step)
        path = f" (path: {' → '.join(shown(s) for s in f.path)})" if f.path else ""
        problems.append(Problem(name, line, column, f.message + path, procedure=model.id,
                                step=f.step, field=f"steps[{index[f.step]}]",
                                severity=f.severity))
    return problems
