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

import dataclasses
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

import networkx as nx

from bpr.analysis.graph import expected_visits
from bpr.analysis.sese import sequence_fragments
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
SOURCE = "i"
"""The source place of every workflow net."""
SINK = "o"
"""The sink place of every workflow net."""


# --------------------------------------------------------------------------- the net


@dataclass(frozen=True)
class Transition:
    """One transition of the workflow net: a way ``step`` can run.

    Attributes:
        step: the step id.
        consumes: places it takes a token from (``i``, or flow places ``a->b``).
        produces: places it puts a token on (flow places, or ``o``).
    """

    step: str
    consumes: tuple[str, ...]
    produces: tuple[str, ...]


@dataclass(frozen=True)
class WorkflowNet:
    """A workflow net: places (``i``, ``o`` and one per flow) and transitions."""

    places: tuple[str, ...]
    transitions: tuple[Transition, ...]


def _place(source: str, target: str) -> str:
    return f"{source}->{target}"  # step ids cannot contain '>', so no clash with i and o


def _taken(model: ProcedureVersion) -> list[tuple[str, str]]:
    """Flows a case can take: all but those of probability 0."""
    return [(f.source, f.target) for f in model.flows if f.probability != 0]


def workflow_net(model: ProcedureVersion) -> WorkflowNet:
    """Translate a procedure version into its workflow net (see the module docstring).

    Args:
        model: a validated procedure version.

    Returns:
        The net; its transitions are in step order.
    """
    flows = _taken(model)
    ins: dict[str, list[str]] = {s.id: [] for s in model.steps}
    outs: dict[str, list[str]] = {s.id: [] for s in model.steps}
    for source, target in flows:
        outs[source].append(_place(source, target))
        ins[target].append(_place(source, target))
    transitions: list[Transition] = []
    for step in model.steps:
        if step.kind is StepKind.START:
            inputs: list[tuple[str, ...]] = [(SOURCE,)]
        elif step.kind is StepKind.AND_JOIN:
            inputs = [tuple(ins[step.id])]
        else:
            inputs = [(p,) for p in ins[step.id]]
        if step.kind is StepKind.END:
            outputs: list[tuple[str, ...]] = [(SINK,)]
        elif step.kind is StepKind.AND_SPLIT:
            outputs = [tuple(outs[step.id])]
        else:
            outputs = [(p,) for p in outs[step.id]]
        transitions += [Transition(step.id, i, o) for i in inputs for o in outputs]
    return WorkflowNet((SOURCE, SINK, *(_place(s, t) for s, t in flows)), tuple(transitions))


# --------------------------------------------------------------------------- findings


class FindingKind(StrEnum):
    """What a finding is about."""

    DEADLOCK = "deadlock"
    """An and-join waits forever: no option to complete."""
    IMPROPER_COMPLETION = "improper-completion"
    """The case reaches an end while other branches are still open (or ends twice)."""
    UNSAFE = "unsafe"
    """Two tokens meet on one flow: branches of an and-split merge without an and-join."""
    NO_OPTION_TO_COMPLETE = "no-option-to-complete"
    """A case can get where no end is reachable (other than a deadlock at a join)."""
    DEAD_STEP = "dead-step"
    """A step runs in no case."""
    LOW_EXIT_LOOP = "low-exit-loop"
    """A loop left with probability below 1/1,000 per round (warning)."""
    TOO_LARGE = "too-large"
    """The state space exceeded the bound; the check is not exhaustive (warning)."""


@dataclass(frozen=True)
class Finding:
    """One soundness finding.

    Attributes:
        kind: what it is about.
        severity: ``"error"`` (unsound) or ``"warning"``.
        step: the step the finding is located at.
        message: what is wrong, naming the steps (the path is separate).
        path: a counterexample: the steps run from the start, in order (may be empty).
    """

    kind: FindingKind
    severity: str
    step: str
    message: str
    path: tuple[str, ...] = ()


@dataclass(frozen=True)
class SoundnessReport:
    """The result of :func:`check_soundness`.

    Attributes:
        findings: errors first, then warnings; empty for a sound model without warnings.
        markings: reachable markings explored (0 when a pre-check settled the question).
        exhaustive: the whole state space was explored (or a pre-check found an error).
    """

    findings: tuple[Finding, ...]
    markings: int
    exhaustive: bool

    @property
    def sound(self) -> bool:
        """No error among the findings (warnings allowed)."""
        return not any(f.severity == "error" for f in self.findings)


def _q(ids: Iterable[str]) -> str:
    return ", ".join(f"'{s}'" for s in ids)


# --------------------------------------------------------------------------- pre-checks


def _graph(model: ProcedureVersion) -> nx.DiGraph[str]:
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(s.id for s in model.steps)
    graph.add_edges_from(_taken(model))
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
            findings.append(_deadlock(model, graph, join, path, {feeders[0]}))
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
                    f"{_q(others)} are still open, so the case ends before all its work is done "
                    "(or reaches an end more than once)",
                    (*to_split[split], *reach[end])))
                break
    return findings


def _deadlock(model: ProcedureVersion, graph: nx.DiGraph[str], join: str, path: tuple[str, ...],
              arrived: set[str]) -> Finding:
    """A finding for ``join`` waiting forever, having got branches from ``arrived`` only."""
    kind = {s.id: s.kind for s in model.steps}
    missing = [p for p in graph.predecessors(join) if p not in arrived]
    choices = [s for s in path[:-1] if kind[s] is not StepKind.AND_SPLIT
               and graph.out_degree(s) > 1]
    if choices:
        choice = choices[-1]
        branch = path[len(path) - 1 - path[::-1].index(choice):]
        message = (f"exclusive choice '{choice}' feeds and-join '{join}' on one branch only: a "
                   f"case taking {' → '.join(branch)} waits forever for the other branch "
                   f"(from {_q(missing)})")
        return Finding(FindingKind.DEADLOCK, "error", choice, message, path)
    message = (f"and-join '{join}' waits forever: a case reaches it from {_q(sorted(arrived))} "
               f"but never from {_q(missing)}")
    return Finding(FindingKind.DEADLOCK, "error", join, message, path)


def _first_joins(model: ProcedureVersion, graph: nx.DiGraph[str], split: str) -> list[str]:
    """The and-joins the branches of ``split`` reach first (in step order)."""
    joins = {s.id for s in model.steps if s.kind is StepKind.AND_JOIN}
    found: set[str] = set()
    seen, todo = {split}, list(graph.successors(split))
    while todo:
        step = todo.pop()
        if step in seen:
            continue
        seen.add(step)
        if step in joins:
            found.add(step)
        else:
            todo += graph.successors(step)
    return [s.id for s in model.steps if s.id in found]


# --------------------------------------------------------------------------- state space


@dataclass
class _Explorer:
    """Breadth-first exploration of the reachability graph of a safe workflow net."""

    net: WorkflowNet
    max_markings: int
    model: ProcedureVersion
    graph: nx.DiGraph[str]
    source: str = SOURCE
    sink: str = SINK
    describe: bool = True
    """Build findings (else stop at the first problem, only noting it in ``bad``)."""
    lead: tuple[str, ...] = ()
    """The branch that brought the token on ``source`` (from the start), when the net is
    the rest of a model after sound fragments."""

    def __post_init__(self) -> None:
        bit = {p: 1 << k for k, p in enumerate(self.net.places)}
        self.bit = bit
        self.masks = [(sum(bit[p] for p in t.consumes), sum(bit[p] for p in t.produces))
                      for t in self.net.transitions]
        # The transitions consuming from each place (by place bit position): a marking
        # only tries those of its marked places, not every transition (linear, not
        # quadratic, in the size of the net).
        self.consumers: dict[int, list[int]] = {}
        self.always = [t for t, transition in enumerate(self.net.transitions)
                       if not transition.consumes]  # enabled in every marking
        for t, transition in enumerate(self.net.transitions):
            for p in dict.fromkeys(transition.consumes):
                self.consumers.setdefault(bit[p].bit_length() - 1, []).append(t)
        self.initial, self.final = bit[self.source], bit[self.sink]
        self.parent: dict[int, tuple[int, int] | None] = {self.initial: None}
        self.successors: dict[int, list[int]] = {}
        self.fired: set[str] = set()
        self.findings: list[Finding] = []
        self.bad = False
        self.exhaustive = True

    def sequence(self, marking: int, last: int | None = None) -> list[int]:
        """Transition indices fired from the initial marking to ``marking`` (then ``last``)."""
        out = [] if last is None else [last]
        link = self.parent[marking]
        while link is not None:
            marking, t = link
            out.append(t)
            link = self.parent[marking]
        return out[::-1]

    def places_of(self, marking: int) -> list[str]:
        return [p for p, b in self.bit.items() if marking & b]

    def run(self) -> None:
        queue = deque([self.initial])
        while queue:
            marking = queue.popleft()
            nexts: list[int] = []
            self.successors[marking] = nexts
            enabled = False
            if marking & self.final:
                if marking != self.final and self._report(self._improper, marking):
                    return
                continue
            for t in self._candidates(marking):  # in transition order, as a full scan
                consume, produce = self.masks[t]
                if marking & consume != consume:
                    continue
                enabled = True
                self.fired.add(self.net.transitions[t].step)
                rest = marking & ~consume
                if rest & produce:
                    if self._report(self._unsafe, marking, t, rest & produce):
                        return
                    continue
                new = rest | produce
                nexts.append(new)
                if new not in self.parent:
                    if len(self.parent) >= self.max_markings:
                        self.exhaustive = False
                        return
                    self.parent[new] = (marking, t)
                    queue.append(new)
            if not enabled and self._report(self._stuck, marking):
                return

    def _report(self, build: Callable[..., Finding], *args: int) -> bool:
        """Note a problem (and build its finding when describing); True: stop exploring."""
        self.bad = True
        if self.describe:
            self.findings.append(build(*args))
        return not self.describe

    def _candidates(self, marking: int) -> list[int]:
        """Transitions that consume from a marked place or from none, in increasing order
        (the others cannot fire)."""
        found = set(self.always)
        rest = marking
        while rest:
            low = rest & -rest
            found.update(self.consumers.get(low.bit_length() - 1, ()))
            rest ^= low
        return sorted(found)

    # Token provenance: which firing produced each token, to name the and-split or choice
    # behind a counterexample.
    def _origins(self, seq: list[int]) -> tuple[dict[str, int], list[list[int]]]:
        holder: dict[str, int] = {}
        parents: list[list[int]] = []
        for k, t in enumerate(seq):
            tr = self.net.transitions[t]
            parents.append([holder.pop(p) for p in tr.consumes if p in holder])
            for p in tr.produces:
                holder[p] = k
        return holder, parents

    @staticmethod
    def _ancestors(k: int, parents: list[list[int]]) -> set[int]:
        seen, todo = {k}, [k]
        while todo:
            for j in parents[todo.pop()]:
                if j not in seen:
                    seen.add(j)
                    todo.append(j)
        return seen

    def _split_between(self, seq: list[int], a: int, b: int,
                       parents: list[list[int]]) -> str | None:
        common = self._ancestors(a, parents) & self._ancestors(b, parents)
        splits = [k for k in common if len(self.net.transitions[seq[k]].produces) > 1]
        return self.net.transitions[seq[max(splits)]].step if splits else None

    def _steps(self, seq: list[int]) -> tuple[str, ...]:
        return tuple(self.net.transitions[t].step for t in seq)

    def _improper(self, marking: int) -> Finding:
        seq = self.sequence(marking)
        holder, parents = self._origins(seq)
        end_firing = holder[SINK]
        end = self.net.transitions[seq[end_firing]].step
        open_places = [p for p in self.places_of(marking) if p != SINK]
        waiting = sorted({p.split("->")[1] for p in open_places})
        split = self._split_between(seq, end_firing, holder[open_places[0]], parents)
        joins = _first_joins(self.model, self.graph, split) if split else []
        if split and len(joins) > 1:
            message = (f"the branches of and-split '{split}' are joined by different and-joins "
                       f"({_q(joins)}): a case reaches the end '{end}' while other branches are "
                       f"still open before {_q(waiting)}")
        else:
            message = (f"a case reaches the end '{end}' while a branch"
                       f"{f' of and-split {split!r}' if split else ''} is still open before "
                       f"{_q(waiting)}: the and-split has no and-join on every branch")
        return Finding(FindingKind.IMPROPER_COMPLETION, "error", split or end, message,
                       self._steps(seq))

    def _unsafe(self, marking: int, t: int, twice: int) -> Finding:
        seq = self.sequence(marking, t)
        place = self.places_of(twice)[0]
        holder = self._origins(seq[:-1])[0]
        split = self._split_between(seq, holder[place], len(seq) - 1, self._origins(seq)[1])
        of = f" of and-split '{split}'" if split else ""
        if place == SINK:
            step = self.net.transitions[seq[-1]].step
            message = (f"two branches{of} each reach an end (the second at '{step}'): a case "
                       "finishes twice; join the branches with an and-join before the end")
        else:
            meet = self.net.transitions[seq[-1]].step
            message = (f"two branches{of} meet at '{meet}', which is not an and-join: it runs once "
                       f"per branch and the flow {place.replace('->', ' → ')} would carry two "
                       "tokens of one case; join the branches with an and-join")
        return Finding(FindingKind.UNSAFE, "error", split or self.net.transitions[seq[-1]].step,
                       message,
                       self._steps(seq))

    def _stuck(self, marking: int) -> Finding:
        seq = self.sequence(marking)
        places = self.places_of(marking)
        join = places[0].split("->")[1]
        path = (*self._steps(seq), join)  # ends where the case waits
        arrived = {p.split("->")[0] for p in places if p.split("->")[1] == join}
        holder, parents = self._origins(seq)
        # The branch that brought the waiting token, back to the start.
        chain = [holder[places[0]]]
        while parents[chain[-1]]:
            chain.append(parents[chain[-1]][0])
        branch = (*(self.net.transitions[seq[k]].step for k in reversed(chain)), join)
        if self.source in self.net.transitions[seq[chain[-1]]].consumes:
            branch = (*self.lead, *branch)  # back through the fragments before this net
        found = _deadlock(self.model, self.graph, join, branch, arrived)
        return Finding(found.kind, found.severity, found.step, found.message, path)


def _explore(model: ProcedureVersion, graph: nx.DiGraph[str], max_markings: int,
             decompose: bool = True) -> tuple[list[Finding], int, bool]:
    """Explore the state space a SESE fragment at a time (:mod:`bpr.analysis.sese`).

    Each fragment of the chain is checked as a workflow net of its own, from its entry
    place to its exit place. While fragments are sound, the next one starts where the
    previous one completes (its shortest completion extends the counterexample prefix).
    At the first fragment that is not (or is too large), the rest of the model from that
    fragment's entry is explored as one net, exactly as the whole model would be: its
    findings, and their paths after the prefix, are those of the whole state space.
    """
    net = workflow_net(model)
    kinds = {s.id: s.kind for s in model.steps}
    parts = sequence_fragments(
        kinds, model.start.id, [s for s, k in kinds.items() if k is StepKind.END],
        [(a, b, _place(a, b)) for a, b in _taken(model)], SOURCE, SINK)
    if not decompose or parts is None or len(parts) == 1:
        return _explore_net(model, graph, net, max_markings, SOURCE, set(kinds), ())
    prefix: list[tuple[Transition, ...]] = []
    markings = 0
    of_step: dict[str, list[Transition]] = {}
    for t in net.transitions:
        of_step.setdefault(t.step, []).append(t)
    position = {s: i for i, s in enumerate(kinds)}
    for k, part in enumerate(parts):
        own = WorkflowNet((), tuple(t for s in sorted(part.steps, key=position.__getitem__)
                                    for t in of_step.get(s, ())))
        explorer = _Explorer(_subnet(own, part.steps, part.entry, part.exit), max_markings,
                             model, graph, part.entry, part.exit, describe=False)
        explorer.run()
        if (explorer.bad or not explorer.exhaustive or _trapped(explorer)
                or len(explorer.fired) < len(part.steps)):
            rest = set().union(*(p.steps for p in parts[k:]))
            found, explored, exhaustive = _explore_net(
                model, graph, _subnet(net, rest, part.entry, SINK), max_markings, part.entry,
                rest, tuple(t for seq in prefix for t in seq))
            return found, markings + explored, exhaustive
        markings += len(explorer.parent) - 1  # its final marking is the next one's initial
        prefix.append(tuple(explorer.net.transitions[t]
                            for t in explorer.sequence(explorer.final)))
    return [], markings + 1, True


def _subnet(net: WorkflowNet, steps: frozenset[str] | set[str], entry: str,
            exit_: str) -> WorkflowNet:
    """The transitions of ``steps`` as a workflow net from ``entry`` to ``exit_``."""
    transitions = tuple(t for t in net.transitions if t.step in steps)
    places = dict.fromkeys((entry, exit_, *(p for t in transitions
                                            for p in (*t.consumes, *t.produces))))
    return WorkflowNet(tuple(places), transitions)


def _trapped(explorer: _Explorer) -> list[int]:
    """Reachable markings from which the final marking cannot be reached (BFS order)."""
    reverse: dict[int, list[int]] = {m: [] for m in explorer.successors}
    for m, nexts in explorer.successors.items():
        for n in nexts:
            reverse[n].append(m)
    done, todo = {explorer.final}, [explorer.final] if explorer.final in reverse else []
    while todo:
        for m in reverse[todo.pop()]:
            if m not in done:
                done.add(m)
                todo.append(m)
    return [m for m in explorer.successors if m not in done]


def _lead(prefix: tuple[Transition, ...], place: str) -> tuple[str, ...]:
    """The steps of ``prefix`` that brought the token on ``place``, from the start: each
    firing back to the one that produced the first place it consumed (as
    :meth:`_Explorer._stuck` traces a branch)."""
    holder: dict[str, int] = {}
    first_parent: list[int | None] = []
    for k, t in enumerate(prefix):
        parents = [holder.pop(p) for p in t.consumes if p in holder]
        first_parent.append(parents[0] if parents else None)
        for p in t.produces:
            holder[p] = k
    chain: list[int] = []
    at: int | None = holder.get(place)
    while at is not None:
        chain.append(at)
        at = first_parent[at]
    return tuple(prefix[k].step for k in reversed(chain))


def _explore_net(model: ProcedureVersion, graph: nx.DiGraph[str], net: WorkflowNet,
                 max_markings: int, source: str, steps: set[str],
                 prefix_run: tuple[Transition, ...]) -> tuple[list[Finding], int, bool]:
    """The whole state space of ``net`` from ``[source]`` to ``[o]``; finding paths start
    with the steps of ``prefix_run`` (the firings before ``source`` is marked)."""
    prefix = tuple(t.step for t in prefix_run)
    explorer = _Explorer(net, max_markings, model, graph, source, SINK,
                         lead=_lead(prefix_run, source))
    explorer.run()
    findings = _unique(explorer.findings)
    if not findings and explorer.exhaustive:
        # Option to complete: every reachable marking reaches [o] (the graph is complete).
        trapped = _trapped(explorer)  # BFS order: shortest first
        if trapped:
            m = trapped[0]
            at = sorted({p.split("->")[1] for p in explorer.places_of(m)})
            findings.append(Finding(FindingKind.NO_OPTION_TO_COMPLETE, "error", at[0],
                                    f"a case can get to {_q(at)} and from there never reach "
                                    "an end", explorer._steps(explorer.sequence(m))))
        dead = [s.id for s in model.steps if s.id in steps and s.id not in explorer.fired]
        if dead:
            findings.append(Finding(FindingKind.DEAD_STEP, "error", dead[0],
                                    f"step(s) {_q(dead)} run in no case: no way through the "
                                    "and-splits and and-joins leads there"))
    if prefix:
        findings = [dataclasses.replace(f, path=(*prefix, *f.path)) if f.path else f
                    for f in findings]
    return findings, len(explorer.parent), explorer.exhaustive


def _unique(findings: list[Finding]) -> list[Finding]:
    """One finding per (kind, step): the first, i.e. the one with the shortest path."""
    seen: dict[tuple[FindingKind, str], Finding] = {}
    for f in findings:
        seen.setdefault((f.kind, f.step), f)
    return list(seen.values())


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
            f"the loop {_q(loop)} is almost never left (exits: {exit_text or 'none'}): a case "
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
        findings, markings, exhaustive = _explore(model, graph, max_markings, decompose)
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
