"""Checks of one version file beyond its shape and graph: what its label allows, and
declarations nothing uses.

* ``replaces`` and ``eliminated`` say what a to-be did with as-is steps: an as-is version
  has neither (refused at the field);
* a step that replaces a step the same version still has is reported as a warning: the
  diff then makes the kept step's change and this step's one change (the catalog does it
  on purpose where an online step takes part of a paper route's cases, which stays);
* an actor no step is done by is reported as a warning (a lane may be drawn before its
  steps are).

The checks read the raw located data, like :func:`bpr.model.structure.structural_problems`,
so their problems are reported together with every other problem of the file.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from bpr.errors import Problem
from bpr.model.yaml_reader import Located

__all__ = ["version_problems", "version_warnings"]

AS_IS = "as-is"


def _items(located: Located, key: str) -> list[tuple[int, dict[str, Any]]]:
    value = located.data.get(key) if isinstance(located.data, dict) else None
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)] \
        if isinstance(value, list) else []


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


def version_warnings(located: Located) -> list[Problem]:
    """Warnings: ``replaces`` naming a step the version still has (at the entry), and actors
    declared and done no step by (at their ``id``)."""
    steps = _items(located, "steps")
    ids = {step["id"] for _, step in steps if isinstance(step.get("id"), str)}
    warnings = []
    if located.data.get("version") != AS_IS:
        for i, step in steps:
            replaces = step.get("replaces")
            for j, old in enumerate(replaces if isinstance(replaces, list) else []):
                if isinstance(old, str) and old in ids and old != step.get("id"):
                    warnings.append(located.problem(
                        ("steps", i, "replaces", j), f"replaces step '{old}', which this "
                        "version still has: the diff makes the two steps' changes one",
                        hint=f"remove '{old}' from `replaces` unless this step takes over "
                        f"part of its cases", show_value=False))
    used = {step.get("actor") for _, step in steps}
    warnings += [located.problem(("actors", i, "id"), "actor is declared but no step is done "
                                 "by it", hint="remove it, or give it its steps")
                 for i, actor in _items(located, "actors") if actor.get("id") not in used]
    return [dataclasses.replace(w, severity="warning") for w in warnings]
