"""Lineage of a to-be version: every as-is step is kept, replaced or eliminated.

Auditors rely on this: no as-is step may silently disappear from a redesign.
"""

from __future__ import annotations

from dataclasses import dataclass

from bpr.errors import Problem
from bpr.load import Located, suggest
from models.procedure import ProcedureVersion

__all__ = ["Lineage", "lineage", "lineage_problems"]


@dataclass(frozen=True)
class Lineage:
    """What became of each as-is step in a to-be version.

    Attributes:
        kept: as-is step ids present with the same id in the to-be.
        replaced: as-is step id -> to-be step ids that replace it.
        eliminated: as-is step id -> rationale.
        missing: as-is step ids with no trace in the to-be (an audit failure).
    """

    kept: tuple[str, ...]
    replaced: dict[str, tuple[str, ...]]
    eliminated: dict[str, str]
    missing: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """True when every as-is step is accounted for."""
        return not self.missing


def lineage(as_is: ProcedureVersion, to_be: ProcedureVersion) -> Lineage:
    """Account for every as-is step in ``to_be`` (pure; see :func:`lineage_problems`)."""
    to_be_ids = {s.id for s in to_be.steps}
    replaced: dict[str, list[str]] = {}
    for step in to_be.steps:
        for old in step.replaces:
            replaced.setdefault(old, []).append(step.id)
    eliminated = {e.step: e.rationale for e in to_be.eliminated}
    kept, missing = [], []
    for step in as_is.steps:
        if step.id in to_be_ids:
            kept.append(step.id)
        elif step.id not in replaced and step.id not in eliminated:
            missing.append(step.id)
    return Lineage(tuple(kept), {k: tuple(v) for k, v in replaced.items()}, eliminated,
                   tuple(missing))


def lineage_problems(as_is: ProcedureVersion, to_be: ProcedureVersion,
                     to_be_located: Located) -> list[Problem]:
    """Problems with the lineage of ``to_be`` against ``as_is``, located in the to-be file.

    Reported: ``replaces`` or ``eliminated`` naming a step the as-is does not have (with a
    suggestion), a step both kept and eliminated, and as-is steps that silently
    disappear.
    """
    problems: list[Problem] = []
    as_is_ids = [s.id for s in as_is.steps]
    to_be_ids = {s.id for s in to_be.steps}
    for i, step in enumerate(to_be.steps):
        for j, old in enumerate(step.replaces):
            if old not in as_is_ids:
                problems.append(to_be_located.problem(
                    ("steps", i, "replaces", j),
                    f"replaces a step that the as-is version '{as_is.version}' does not have",
                    hint=suggest(old, as_is_ids)))
    for i, elim in enumerate(to_be.eliminated):
        if elim.step not in as_is_ids:
            problems.append(to_be_located.problem(
                ("eliminated", i, "step"),
                f"eliminates a step that the as-is version '{as_is.version}' does not have",
                hint=suggest(elim.step, as_is_ids)))
        elif elim.step in to_be_ids:
            problems.append(to_be_located.problem(
                ("eliminated", i, "step"), "step is listed as eliminated but the to-be still has it"))
    for missing in lineage(as_is, to_be).missing:
        problems.append(to_be_located.problem(
            ("steps",), f"as-is step '{missing}' silently disappears: keep it, name it in a "
            "step's `replaces`, or list it under `eliminated` with a rationale",
            show_value=False))
    if as_is.id != to_be.id:
        problems.append(to_be_located.problem(("id",), f"procedure id differs from the as-is "
                                              f"'{as_is.id}'"))
    return problems
