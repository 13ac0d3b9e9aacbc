"""Structural checks of case attributes and flow guards (``when``), on raw located data.

Rules (each problem is located at the guard, flow or step concerned):

* a guard names a declared attribute and declared values ("did you mean" otherwise);
* a guard on a flow out of an and-split is refused (every branch runs);
* a guard that no case satisfies is refused: every value it admits for some attribute has
  probability 0, or no case that reaches the flow's source satisfies it (checked per
  combination of the routing attributes when that is cheap: see :data:`PATH_CHECK_BUDGET`);
* at a step with guarded outgoing flows, for **every** combination of the attributes its
  guards mention: at least one flow is open, and the probabilities of the open flows sum
  to 1 (a single open flow needs no probability). Combinations of probability 0 are
  checked too, because an override of the distribution (a scenario's online share) can
  make them happen.

Steps without guarded outgoing flows keep the ordinary choice rules of
:mod:`bpr.model.structure`.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bpr.errors import Problem
from bpr.model.attributes import describe_combination, guard_admits, guard_values
from bpr.model.yaml_reader import Located, suggest
from models.procedure import MAX_ATTRIBUTE_COMBINATIONS

__all__ = ["PATH_CHECK_BUDGET", "GuardedGraph", "guard_problems", "guarded_steps"]

PATH_CHECK_BUDGET = 5_000_000
"""Largest (combinations × (steps + flows)) for which guards are checked along paths (a
search per combination of the routing attributes); larger models skip only that check."""

_TOLERANCE = 1e-6

FlowItem = tuple[int, dict[str, Any]]


@dataclass
class GuardedGraph:
    """What the guard checks need of the graph, built once by the caller.

    Attributes:
        steps: raw step data by id.
        step_index: position of each step in ``steps``.
        out_flows: raw flows (with their index) leaving each step whose ends are known.
        start: id of the start step, when there is exactly one usable.
        broken: references are broken (path checks are skipped).
    """

    steps: dict[str, dict[str, Any]]
    step_index: dict[str, int]
    out_flows: dict[str, list[FlowItem]]
    start: str | None = None
    broken: bool = False
    attributes: dict[str, dict[str, float | None]] = field(default_factory=dict)


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _attributes(data: Mapping[str, Any]) -> dict[str, dict[str, float | None]] | None:
    """Declared attributes as ``name -> value -> probability`` (None when not a number);
    ``None`` when ``attributes`` is malformed (the shape validation reports it)."""
    raw = data.get("attributes", {})
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        return None
    out: dict[str, dict[str, float | None]] = {}
    for name, values in raw.items():
        if not isinstance(values, dict):
            return None
        out[str(name)] = {str(v): _number(p) for v, p in values.items()}
    return out


def _when(flow: Mapping[str, Any]) -> dict[str, Any] | None:
    when = flow.get("when")
    return when if isinstance(when, dict) and when else None


def guarded_steps(out_flows: Mapping[str, Sequence[FlowItem]]) -> set[str]:
    """Steps with at least one guarded outgoing flow (their choices follow the guard rules)."""
    return {sid for sid, outs in out_flows.items() if any(_when(f) for _, f in outs)}


def guard_problems(located: Located, graph: GuardedGraph) -> list[Problem]:
    """Every problem of the attributes' use in guards (see the module docstring)."""
    attributes = _attributes(located.data)
    if attributes is None:
        return []
    graph.attributes = attributes
    problems: list[Problem] = []
    sound: set[int] = set()  # flows whose guard names known attributes and values only
    for sid, outs in graph.out_flows.items():
        kind = graph.steps[sid].get("kind", "task")
        for fi, flow in outs:
            when = _when(flow)
            if when is None:
                continue
            if kind == "and-split":
                problems.append(located.problem(("flows", fi, "when"), "flows out of an and-split "
                                                "all run; a guard (`when`) cannot select among "
                                                "them", key=True, show_value=False))
                continue
            found = _check_guard(located, fi, when, attributes)
            problems += found
            if not found:
                sound.add(fi)
    for sid in sorted(guarded_steps(graph.out_flows), key=lambda s: graph.step_index[s]):
        outs = graph.out_flows[sid]
        if graph.steps[sid].get("kind") == "and-split":
            continue
        if all(fi in sound for fi, f in outs if _when(f)):
            problems += _choice_problems(located, graph, sid, outs, attributes)
    if not problems:
        problems += _path_problems(located, graph, attributes)
    return problems


def _check_guard(located: Located, fi: int, when: dict[str, Any],
                 attributes: dict[str, dict[str, float | None]]) -> list[Problem]:
    problems: list[Problem] = []
    for name, value in when.items():
        where = ("flows", fi, "when", name)
        if name not in attributes:
            hint = suggest(name, list(attributes)) or (
                None if attributes else "declare it under `attributes` with its values")
            problems.append(located.problem(where, f"unknown case attribute '{name}'", key=True,
                                            show_value=False, hint=hint))
            continue
        values = attributes[name]
        items = [(where, value)] if isinstance(value, str) else \
            [((*where, j), v) for j, v in enumerate(value)] if isinstance(value, list) else []
        unknown = False
        for path, v in items:
            if isinstance(v, str) and v not in values:
                problems.append(located.problem(path, f"attribute '{name}' has no value '{v}'",
                                                hint=suggest(v, list(values))))
                unknown = True
        admitted = guard_values(value)
        if unknown or not admitted:
            if not admitted:
                unknown = True  # a non-string value: the shape validation reports it
            continue
        if all(values.get(v) == 0 for v in admitted):
            shown = " or ".join(f"{name}={v}" for v in admitted)
            problems.append(located.problem(where, f"no case has {shown} (probability 0): the "
                                            "flow is never taken"))
    return problems


def _combinations(names: list[str], attributes: dict[str, dict[str, float | None]]
                  ) -> list[tuple[dict[str, str], float]]:
    values = [list(attributes[n].items()) for n in names]
    out = []
    for picked in itertools.product(*values):
        probability = math.prod((p or 0.0) for _, p in picked)
        out.append(({n: v for n, (v, _) in zip(names, picked, strict=True)}, probability))
    return out


def _mentioned(outs: Sequence[FlowItem], attributes: Mapping[str, Any]) -> list[str]:
    used = {name for _, f in outs for name in (_when(f) or {})}
    return [n for n in attributes if n in used]


def _choice_problems(located: Located, graph: GuardedGraph, sid: str, outs: list[FlowItem],
                     attributes: dict[str, dict[str, float | None]]) -> list[Problem]:
    names = _mentioned(outs, attributes)
    if math.prod(len(attributes[n]) for n in names) > MAX_ATTRIBUTE_COMBINATIONS:
        return []  # the attribute declaration itself is refused
    if any(f.get("probability") is not None and _number(f.get("probability")) is None
           for _, f in outs):
        return []  # a non-number probability is reported on its own
    stuck: list[str] = []
    unsplit: dict[int, list[str]] = {}
    wrong_sum: list[tuple[str, str, float, int]] = []
    single: dict[int, list[str]] = {}
    for combination, _ in _combinations(names, attributes):
        text = describe_combination(combination)
        open_ = [(fi, f) for fi, f in outs if guard_admits(_when(f), combination)]
        if not open_:
            stuck.append(text)
        elif len(open_) == 1:
            fi, f = open_[0]
            p = _number(f.get("probability"))
            if p is not None and not math.isclose(p, 1.0, abs_tol=_TOLERANCE):
                single.setdefault(fi, []).append(text)
        else:
            missing = [fi for fi, f in open_ if f.get("probability") is None]
            for fi in missing:
                unsplit.setdefault(fi, []).append(text)
            if not missing:
                total = math.fsum(_number(f["probability"]) or 0.0 for _, f in open_)
                if not math.isclose(total, 1.0, abs_tol=_TOLERANCE):
                    shown = ", ".join(f"{sid} -> {f.get('to')}: {_number(f['probability']):g}"
                                      for _, f in open_)
                    wrong_sum.append((text, shown, total, open_[0][0]))
    problems: list[Problem] = []
    if stuck:
        problems.append(located.problem(("steps", graph.step_index[sid], "id"),
                                        f"a case with {stuck[0]} has no way on from step '{sid}' "
                                        f"(no outgoing flow's `when` admits it){_more(stuck)}",
                                        show_value=False))
    for fi, texts in unsplit.items():
        flow = located.get(("flows", fi))
        problems.append(located.problem(("flows", fi), f"for a case with {texts[0]}, flow "
                                        f"{sid} -> {flow.get('to')} is one of several open flows "
                                        f"and needs a `probability`{_more(texts)}",
                                        show_value=False))
    for fi, texts in single.items():
        problems.append(located.problem(("flows", fi, "probability"),
                                        f"for a case with {texts[0]} this is the only open flow "
                                        f"out of '{sid}': its probability must be 1 (or none)"
                                        f"{_more(texts)}"))
    if wrong_sum:
        text, shown, total, fi = wrong_sum[0]
        others = [w[0] for w in wrong_sum]
        problems.append(located.problem(("flows", fi), f"for a case with {text}, the "
                                        f"probabilities of the open flows leaving '{sid}' ({shown}) "
                                        f"sum to {total:g}, not 1{_more(others)}",
                                        show_value=False))
    return problems


def _more(items: list[str]) -> str:
    return f" (and {len(items) - 1} more combination{'s' if len(items) > 2 else ''})" \
        if len(items) > 1 else ""


def _path_problems(located: Located, graph: GuardedGraph,
                   attributes: dict[str, dict[str, float | None]]) -> list[Problem]:
    """Guarded flows that no case reaching their source can take."""
    if graph.start is None or graph.broken:
        return []
    all_outs = [item for outs in graph.out_flows.values() for item in outs]
    names = _mentioned(all_outs, attributes)
    if not names:
        return []
    combos = [(c, p) for c, p in _combinations(names, attributes) if p > 0]
    size = len(graph.steps) + len(all_outs)
    if len(combos) * size > PATH_CHECK_BUDGET:
        return []
    taken: set[int] = set()
    reached_any: set[str] = set()
    for combination, _ in combos:
        seen = {graph.start}
        queue = deque([graph.start])
        while queue:
            sid = queue.popleft()
            for fi, flow in graph.out_flows.get(sid, ()):
                if _number(flow.get("probability")) == 0 or not guard_admits(_when(flow),
                                                                             combination):
                    continue
                taken.add(fi)
                target = flow.get("to")
                if isinstance(target, str) and target in graph.steps and target not in seen:
                    seen.add(target)
                    queue.append(target)
        reached_any |= seen
    problems: list[Problem] = []
    for sid in sorted(reached_any, key=lambda s: graph.step_index[s]):
        for fi, flow in graph.out_flows.get(sid, ()):
            when = _when(flow)
            if when is None or fi in taken or _number(flow.get("probability")) == 0:
                continue
            problems.append(located.problem(("flows", fi, "when"), f"no case that reaches '{sid}' "
                                            f"satisfies this guard: flow {sid} -> {flow.get('to')} "
                                            "is never taken (earlier guards on the way exclude "
                                            "it)"))
    return problems
