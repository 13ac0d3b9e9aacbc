"""Structural checks of a procedure graph: references, probabilities, start/end, reachability.

The checks run on the *raw* data read from YAML (see :class:`bpr.model.load.Located`), not on a
validated model, so that they can be reported together with shape errors. Parts too
broken to interpret (a step without an id, a flow whose ``from`` is not a string) are
skipped here: the shape validation already reports them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from bpr.errors import Problem
from bpr.model.guards import GuardedGraph, guard_problems, guarded_steps
from bpr.model.yaml_reader import Located, suggest

__all__ = ["PROBABILITY_TOLERANCE", "structural_problems"]

PROBABILITY_TOLERANCE = 1e-6
"""How far the probabilities leaving a choice may be from summing to 1."""

_EVENT_OR_GATEWAY = {"start", "end", "choice", "and-split", "and-join"}


def _kind(step: dict[str, Any]) -> str:
    """The step's kind as written, or "" when it is not text (pydantic reports that)."""
    kind = step.get("kind", "task")
    return kind if isinstance(kind, str) else ""


def _items(value: Any) -> list[tuple[int, dict[str, Any]]]:
    if not isinstance(value, list):
        return []
    return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)]


def structural_problems(located: Located) -> list[Problem]:
    """Every structural problem of the procedure graph in ``located``.

    Returns:
        Problems in no particular order (the caller sorts them by position).
    """

    data = located.data
    problems: list[Problem] = []

    # Actors ----------------------------------------------------------------------------
    actor_ids: dict[str, None] = {}  # ordered, for "did you mean" and O(1) look-ups
    for i, actor in _items(data.get("actors")):
        aid = actor.get("id")
        if isinstance(aid, str):
            if aid in actor_ids:
                problems.append(located.problem(("actors", i, "id"), "duplicate actor id"))
            actor_ids[aid] = None

    # Steps -----------------------------------------------------------------------------
    steps: dict[str, dict[str, Any]] = {}
    step_index: dict[str, int] = {}
    for i, step in _items(data.get("steps")):
        sid = step.get("id")
        if not isinstance(sid, str):
            continue
        if sid in steps:
            problems.append(located.problem(("steps", i, "id"), "duplicate step id"))
            continue
        steps[sid] = step
        step_index[sid] = i
        kind = _kind(step)
        actor_ref = step.get("actor")
        if isinstance(actor_ref, str):
            if actor_ref not in actor_ids:
                problems.append(located.problem(("steps", i, "actor"), "unknown actor",
                                                hint=suggest(actor_ref, list(actor_ids))))
        elif actor_ref is None and kind == "task":
            problems.append(located.problem(("steps", i), "a task needs an `actor`",
                                            show_value=False))
        if kind in _EVENT_OR_GATEWAY and kind != "end":
            dur = step.get("duration")
            if dur not in (None, 0) and not (isinstance(dur, dict) and dur.get("value") == 0):
                problems.append(located.problem(("steps", i, "duration"),
                                                f"a {kind} step takes no time; remove `duration`",
                                                show_value=False))

    step_ids = list(steps)

    # Flows -----------------------------------------------------------------------------
    out_flows: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    in_count: dict[str, int] = defaultdict(int)
    # Plain adjacency lists (flows of probability 0 left out): reachability is a linear
    # search; networkx is used only on the few steps that cannot finish.
    succ: dict[str, list[str]] = {sid: [] for sid in step_ids}
    seen_pairs: set[tuple[str, str]] = set()
    broken_references = False
    for i, flow in _items(data.get("flows")):
        ends_ok = True
        for end in ("from", "to"):
            ref = flow.get(end)
            if isinstance(ref, str) and ref not in steps:
                problems.append(located.problem(("flows", i, end), "unknown step",
                                                hint=suggest(ref, step_ids)))
                ends_ok = False
            elif not isinstance(ref, str):
                ends_ok = False
        broken_references |= not ends_ok
        if not ends_ok:
            # Keep a flow with a known source in its choice so that the probabilities are
            # still checked against the flows the user wrote.
            if isinstance(flow.get("from"), str) and flow["from"] in steps and isinstance(
                    flow.get("to"), str):
                out_flows[flow["from"]].append((i, flow))
            continue
        source, target = flow["from"], flow["to"]
        if (source, target) in seen_pairs:
            problems.append(located.problem(("flows", i), f"duplicate flow {source} -> {target}",
                                            show_value=False))
            continue
        seen_pairs.add((source, target))
        out_flows[source].append((i, flow))
        in_count[target] += 1
        p = flow.get("probability")
        if not (isinstance(p, int | float) and not isinstance(p, bool) and p == 0):
            succ[source].append(target)

    # Per-step flow rules --------------------------------------------------------------
    # A step with guarded outgoing flows splits per attribute combination (bpr.model.guards).
    guarded = guarded_steps(out_flows)
    for sid, step in steps.items():
        i = step_index[sid]
        kind = _kind(step)
        outs = out_flows.get(sid, [])
        n_in = in_count.get(sid, 0)
        here = ("steps", i, "id")
        if kind == "start" and n_in:
            problems.append(located.problem(here, "a start step cannot have incoming flows"))
        if kind == "end" and outs:
            problems.append(located.problem(here, "an end step cannot have outgoing flows"))
        if kind != "end" and not outs:
            problems.append(located.problem(here, "step has no outgoing flow and is not an end "
                                            "(add a flow, or make it `kind: end`)"))
        if kind == "and-split":
            if len(outs) < 2:
                problems.append(located.problem(here, "an and-split needs at least 2 outgoing flows"))
            for fi, flow in outs:
                if flow.get("probability") is not None:
                    problems.append(located.problem(("flows", fi, "probability"),
                                                    "flows out of an and-split all run; "
                                                    "remove `probability`"))
            continue
        if kind == "and-join" and n_in < 2:
            problems.append(located.problem(here, "an and-join needs at least 2 incoming flows"))
        if sid in guarded:
            continue
        if len(outs) == 1:
            fi, flow = outs[0]
            p = flow.get("probability")
            if isinstance(p, int | float) and not isinstance(p, bool) and math.isfinite(p) and \
                    not math.isclose(p, 1.0, abs_tol=PROBABILITY_TOLERANCE):
                problems.append(located.problem(("flows", fi, "probability"),
                                                "the only flow out of a step must have "
                                                "probability 1 (or none)"))
        elif len(outs) > 1:
            total = 0.0
            complete = True
            for fi, flow in outs:
                p = flow.get("probability")
                if p is None:
                    problems.append(located.problem(("flows", fi), f"flow {sid} -> {flow['to']} "
                                                    "leaves a choice and needs a `probability`",
                                                    show_value=False))
                    complete = False
                elif isinstance(p, int | float) and not isinstance(p, bool) and math.isfinite(p):
                    total += float(p)
                else:
                    complete = False  # a non-number or non-finite value is reported on its own
            if complete and not math.isclose(total, 1.0, abs_tol=PROBABILITY_TOLERANCE):
                # The sum is the step's, not this flow's: no "(got ...)" of one flow's value.
                shown = " + ".join(f"{flow['probability']:g}" for _, flow in outs)
                problems.append(located.problem(("flows", outs[0][0], "probability"),
                                                f"probabilities of the flows leaving '{sid}' "
                                                f"({shown}) sum to {total:g}, not 1",
                                                show_value=False))

    # Start, end, reachability, loops ---------------------------------------------------
    starts = [sid for sid, s in steps.items() if s.get("kind") == "start"]
    ends = [sid for sid, s in steps.items() if s.get("kind") == "end"]
    if steps and not starts:
        problems.append(located.problem(("steps",), "no start step: mark the first step "
                                        "`kind: start`", show_value=False))
    if len(starts) > 1:
        for sid in starts[1:]:
            problems.append(located.problem(("steps", step_index[sid], "kind"),
                                            f"more than one start step (first is '{starts[0]}')"))
    if steps and not ends:
        problems.append(located.problem(("steps",), "no end step: mark the last step(s) "
                                        "`kind: end`", show_value=False))
    problems += guard_problems(located, GuardedGraph(
        steps, step_index, out_flows, start=starts[0] if len(starts) == 1 else None,
        broken=broken_references))
    if starts and ends and not broken_references:
        # With broken references every reachability message would be a consequence of
        # them; the user fixes the references first.
        dead_ends = {sid for sid, s in steps.items() if s.get("kind") != "end" and not out_flows.get(sid)}
        problems += _reachability(located, succ, starts[0], ends, step_index, dead_ends)

    # Channel choice --------------------------------------------------------------------
    choice = data.get("channel_choice")
    if isinstance(choice, dict):
        cstep, online = choice.get("step"), choice.get("online")
        if isinstance(cstep, str) and cstep not in steps:
            problems.append(located.problem(("channel_choice", "step"), "unknown step",
                                            hint=suggest(cstep, step_ids)))
        elif isinstance(cstep, str):
            targets = [f["to"] for _, f in out_flows.get(cstep, [])]
            if len(targets) < 2:
                problems.append(located.problem(("channel_choice", "step"),
                                                "the channel choice must be a step with at least "
                                                "two outgoing flows"))
            elif steps[cstep].get("kind") == "and-split":
                problems.append(located.problem(("channel_choice", "step"),
                                                "the channel choice must be an exclusive choice, "
                                                "not an and-split"))
            if isinstance(online, str) and online not in targets:
                problems.append(located.problem(("channel_choice", "online"),
                                                f"not a successor of '{cstep}'",
                                                hint=suggest(online, targets)))
    return problems


def _search(adjacency: dict[str, list[str]], roots: list[str]) -> set[str]:
    """Every node reachable from ``roots`` (included), in time linear in the graph."""
    seen = set(roots)
    stack = list(roots)
    while stack:
        for nxt in adjacency[stack.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _reachability(located: Located, succ: dict[str, list[str]], start: str, ends: list[str],
                  step_index: dict[str, int], dead_ends: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    reachable = _search(succ, [start])
    for sid in succ:
        if sid not in reachable:
            problems.append(located.problem(("steps", step_index[sid], "id"),
                                            f"step is unreachable from the start '{start}'"))
    pred: dict[str, list[str]] = {sid: [] for sid in succ}
    for source, targets in succ.items():
        for target in targets:
            pred[target].append(source)
    finishing = _search(pred, ends)
    stuck = [sid for sid in succ if sid in reachable and sid not in finishing]
    if not stuck:
        return problems
    stuck_set = set(stuck)
    import networkx as nx  # only here: loading a model does not import it otherwise

    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(stuck)
    graph.add_edges_from((s, t) for s in stuck for t in succ[s] if t in stuck_set)
    in_trap: set[str] = set()
    # A loop with no exit: a strongly connected group of stuck steps with more than one
    # step (or a self-loop) from which no flow leaves the group.
    for component in nx.strongly_connected_components(graph):
        group = set(component)
        if len(group) == 1:
            node = next(iter(group))
            if node not in succ[node]:
                continue
        exits = [t for s in group for t in succ[s] if t not in group]
        if all(t in stuck_set for t in exits):
            names = ", ".join(sorted(group, key=lambda s: step_index[s]))
            first = min(group, key=lambda s: step_index[s])
            problems.append(located.problem(("steps", step_index[first], "id"),
                                            f"loop with no exit: {names} never reach an end",
                                            show_value=False))
            in_trap |= group
    for sid in stuck:
        if sid not in in_trap and sid not in dead_ends:
            problems.append(located.problem(("steps", step_index[sid], "id"),
                                            "step cannot reach an end step"))
    return problems
