"""The workflow net of a procedure version and the exploration of its state space.

The translation and the properties checked are described in :mod:`bpr.analysis.soundness`,
which runs the pre-checks and the loop warnings and calls :func:`explore` here: the
reachability graph of the (safe) net explored breadth first, a SESE fragment at a time
(:mod:`bpr.analysis.sese`), with markings as bit masks over each fragment's places.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

import networkx as nx

from bpr.analysis.sese import sequence_fragments
from models.procedure import ProcedureVersion, StepKind

__all__ = [
    "SINK",
    "SOURCE",
    "Finding",
    "FindingKind",
    "SoundnessReport",
    "Transition",
    "WorkflowNet",
    "deadlock",
    "explore",
    "quoted",
    "taken",
    "workflow_net",
]

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


def taken(model: ProcedureVersion) -> list[tuple[str, str]]:
    """Flows a case can take: all but those of probability 0."""
    return [(f.source, f.target) for f in model.flows if f.probability != 0]


def workflow_net(model: ProcedureVersion) -> WorkflowNet:
    """Translate a procedure version into its workflow net (see the module docstring).

    Args:
        model: a validated procedure version.

    Returns:
        The net; its transitions are in step order.
    """
    flows = taken(model)
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


def quoted(ids: Iterable[str]) -> str:
    return ", ".join(f"'{s}'" for s in ids)



def deadlock(model: ProcedureVersion, graph: nx.DiGraph[str], join: str, path: tuple[str, ...],
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
                   f"(from {quoted(missing)})")
        return Finding(FindingKind.DEADLOCK, "error", choice, message, path)
    message = (f"and-join '{join}' waits forever: a case reaches it from {quoted(sorted(arrived))} "
               f"but never from {quoted(missing)}")
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
                       f"({quoted(joins)}): a case reaches the end '{end}' while other branches are "
                       f"still open before {quoted(waiting)}")
        else:
            message = (f"a case reaches the end '{end}' while a branch"
                       f"{f' of and-split {split!r}' if split else ''} is still open before "
                       f"{quoted(waiting)}: the and-split has no and-join on every branch")
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
        found = deadlock(self.model, self.graph, join, branch, arrived)
        return Finding(found.kind, found.severity, found.step, found.message, path)


def explore(model: ProcedureVersion, graph: nx.DiGraph[str], max_markings: int,
             decompose: bool = True) -> tuple[list[Finding], int, bool]:
    """Explore the state space a SESE fragment at a time (:mod:`bpr.analysis.sese`).

    Each fragment of the chain is checked as a workflow net of its own, from its entry
    place to its exit place. While fragments are sound, the next one starts where the
    previous one completes.
    At the first fragment that is not (or is too large), the whole model is explored as one
    net, so that the findings are exactly those of the full check: a sound model is checked
    a fragment at a time, an unsound one pays for its whole state space.
    """
    net = workflow_net(model)
    kinds = {s.id: s.kind for s in model.steps}
    parts = sequence_fragments(
        kinds, model.start.id, [s for s, k in kinds.items() if k is StepKind.END],
        [(a, b, _place(a, b)) for a, b in taken(model)], SOURCE, SINK)
    if not decompose or parts is None or len(parts) == 1:
        return _explore_net(model, graph, net, max_markings, SOURCE, set(kinds), ())
    markings = 0
    of_step: dict[str, list[Transition]] = {}
    for t in net.transitions:
        of_step.setdefault(t.step, []).append(t)
    position = {s: i for i, s in enumerate(kinds)}
    for part in parts:
        own = WorkflowNet((), tuple(t for s in sorted(part.steps, key=position.__getitem__)
                                    for t in of_step.get(s, ())))
        explorer = _Explorer(_subnet(own, part.steps, part.entry, part.exit), max_markings,
                             model, graph, part.entry, part.exit, describe=False)
        explorer.run()
        if (explorer.bad or not explorer.exhaustive or _trapped(explorer)
                or len(explorer.fired) < len(part.steps)):
            # Not sound (or too large): the whole state space gives the findings, so that
            # they are exactly the full check's. Resuming from this fragment's entry gave the
            # same paths but could name another of the flows of an unsafe step (the order in
            # which the two nets meet the second token differs), found by test_sese.
            return _explore_net(model, graph, net, max_markings, SOURCE, set(kinds), ())
        markings += len(explorer.parent) - 1  # its final marking is the next one's initial
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
                                    f"a case can get to {quoted(at)} and from there never reach "
                                    "an end", explorer._steps(explorer.sequence(m))))
        dead = [s.id for s in model.steps if s.id in steps and s.id not in explorer.fired]
        if dead:
            findings.append(Finding(FindingKind.DEAD_STEP, "error", dead[0],
                                    f"step(s) {quoted(dead)} run in no case: no way through the "
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
