"""Checks of one version file beyond its shape and graph: what its label allows, what
``replaces`` may name, and declarations nothing uses.

* ``replaces`` and ``eliminated`` say what a to-be did with as-is steps: an as-is version
  has neither (refused at the field);
* a step replacing a step the same version still has on the same route (a case can go
  through both: nothing was replaced, and the diff merges two unrelated changes into one)
  is reported as a warning at the ``replaces`` entry; on another route it is what the
  catalog's online steps do (they take over part of a paper route's cases, which stays),
  and nothing is said;
* an actor no step is done by is reported as a warning (a lane may be drawn before its
  steps are).

Warnings leave the model valid (``tetsuzuki validate`` prints them; loaders accept it): a
model may still be read by analyses that study such a to-be.

The checks read the raw located data, like :func:`bpr.model.structure.structural_problems`,
so their problems are reported together with every other problem of the file.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import networkx as nx

from bpr.errors import Problem
from bpr.model.yaml_reader import Located

__all__ = ["version_problems", "version_warnings"]

AS_IS = "as-is"


def _items(located: Located, key: str) -> list[tuple[int, dict[str, Any]]]:
    value = located.data.get(key) if isinstance(located.data, dict) else None
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)] \
        if isinstance(value, list) else []


class _Reach:
    """Which steps a case can go through after which, from the raw flows: a bit set of
    reachable strongly connected components per component, built once (linear in the
    flows times the components / 64)."""

    def __init__(self, located: Located) -> None:
        graph: nx.DiGraph[str] = nx.DiGraph()
        graph.add_edges_from((f["from"], f["to"]) for _, f in _items(located, "flows")
                             if isinstance(f.get("from"), str) and isinstance(f.get("to"), str))
        dag = nx.condensation(graph)
        self.component: dict[str, int] = dag.graph["mapping"]
        self.reach: dict[int, int] = {}
        for c in reversed(list(nx.topological_sort(dag))):
            bits = 1 << c
            for after in dag.successors(c):
                bits |= self.reach[after]
            self.reach[c] = bits

    def reaches(self, source: str, target: str) -> bool:
        """A case at ``source`` can go on to ``target`` (a step reaches itself)."""
        if source not in self.component or target not in self.component:
            return False
        return bool(self.reach[self.component[source]] >> self.component[target] & 1)


def version_problems(located: Located) -> list[Problem]:
    """Errors: ``replaces`` or ``eliminated`` in an as-is version."""
    if not isinstance(located.data, dict):
        return []
    as_is = located.data.get("version") == AS_IS
    problems: list[Problem] = []
    for i, step in _items(located, "steps"):
        replaces = step.get("replaces")
        if as_is and isinstance(replaces, list) and replaces:
            problems.append(located.problem(
                ("steps", i, "replaces"), "an as-is version replaces nothing: `replaces` names "
                "the as-is steps a to-be step takes over", hint="remove it, or set the version "
                "to to-be", key=True, show_value=False))
    eliminated = located.data.get("eliminated")
    if as_is and isinstance(eliminated, list) and eliminated:
        problems.append(located.problem(
            ("eliminated",), "an as-is version eliminates nothing: `eliminated` lists the as-is "
            "steps a to-be no longer does", hint="remove it, or set the version to to-be",
            key=True, show_value=False))
    return problems


def _same_route_replaces(located: Located) -> list[Problem]:
    steps = _items(located, "steps")
    ids = {step["id"] for _, step in steps if isinstance(step.get("id"), str)}
    reach: _Reach | None = None
    problems: list[Problem] = []
    for i, step in steps:
        replaces, sid = step.get("replaces"), step.get("id")
        if not isinstance(replaces, list) or not isinstance(sid, str):
            continue
        for j, old in enumerate(replaces):
            if not isinstance(old, str) or old not in ids or old == sid:
                continue
            reach = reach or _Reach(located)
            if reach.reaches(sid, old) or reach.reaches(old, sid):
                problems.append(located.problem(
                    ("steps", i, "replaces", j), f"replaces step '{old}', which this version "
                    "still has on the same route (a case can go through both): nothing is "
                    "replaced, and the diff merges two unrelated changes into one", hint=f"remove "
                    f"'{old}' from `replaces`, or remove the step '{old}'", show_value=False))
    return problems


def version_warnings(located: Located) -> list[Problem]:
    """Warnings: ``replaces`` naming a step the version still has on the same route (at the
    entry), and actors declared and done no step by (at their ``id``)."""
    if not isinstance(located.data, dict) or located.data.get("version") == AS_IS:
        replaced: list[Problem] = []
    else:
        replaced = _same_route_replaces(located)
    used = {step.get("actor") for _, step in _items(located, "steps")}
    unused = [located.problem(("actors", i, "id"), "actor is declared but no step is done by it",
                              hint="remove it, or give it its steps")
              for i, actor in _items(located, "actors") if actor.get("id") not in used]
    return [dataclasses.replace(p, severity="warning") for p in replaced + unused]
