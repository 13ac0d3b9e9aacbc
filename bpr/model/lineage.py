"""Lineage of a to-be version: every as-is step is kept, replaced or eliminated; and the
checks of a procedure folder's as-is/to-be pair.

Auditors rely on this: no as-is step may silently disappear from a redesign. The pair
checks (:func:`pair_problems`, :func:`load_pair`) are the one implementation that
``tetsuzuki validate``, ``tetsuzuki diff`` and every other reader of a folder pair use:

* a file named ``as-is.yaml`` holds ``version: as-is`` and one named ``to-be.yaml`` holds
  ``version: to-be`` (the problem is located at the ``version:`` line);
* both files are versions of the same procedure (located at the to-be's ``id:``);
* the to-be's lineage against the as-is is complete (:func:`lineage_problems`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bpr.errors import InvalidModelError, Problem
from bpr.model.load import Located, load_located, suggest
from models.procedure import ProcedureVersion

if TYPE_CHECKING:
    from bpr.model.catalog import CatalogEntry

__all__ = [
    "AS_IS_FILE",
    "FILE_LABELS",
    "TO_BE_FILE",
    "Lineage",
    "catalog_problems",
    "label_problems",
    "lineage",
    "lineage_problems",
    "load_catalog_pair",
    "load_pair",
    "pair_problems",
    "sort_problems",
]

AS_IS_FILE = "as-is.yaml"
"""Name of the as-is version file in a procedure folder."""
TO_BE_FILE = "to-be.yaml"
"""Name of the to-be version file in a procedure folder."""
FILE_LABELS = {AS_IS_FILE: "as-is", TO_BE_FILE: "to-be"}
"""The version label that a file of each of these names must hold."""


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
    if as_is.id != to_be.id:
        # Steps of another procedure: every lineage problem below would be noise.
        return [to_be_located.problem(("id",), f"procedure id differs from the as-is "
                                      f"'{as_is.id}': the two files are versions of different "
                                      "procedures")]
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
    return problems


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in reading order: by file, then line and column (stable otherwise)."""
    return sorted(problems, key=lambda p: (p.file, p.line, p.column))


def label_problems(file: str | Path, model: ProcedureVersion, located: Located) -> list[Problem]:
    """A file named ``as-is.yaml`` or ``to-be.yaml`` whose ``version`` label is another,
    located at its ``version:`` line (other file names may hold any label)."""
    expected = FILE_LABELS.get(Path(file).name)
    if expected is None or model.version == expected:
        return []
    return [located.problem(("version",), f"a file named {Path(file).name} must hold the "
                            f"{expected} version (version: {expected})")]


def pair_problems(as_is_file: str | Path, as_is: tuple[ProcedureVersion, Located],
                  to_be_file: str | Path, to_be: tuple[ProcedureVersion, Located], *,
                  check_lineage: bool = True) -> list[Problem]:
    """Problems of a pair of loaded version files, sorted: the version labels their names
    call for, and (``check_lineage``) the procedure id and the to-be's lineage."""
    problems = label_problems(as_is_file, *as_is) + label_problems(to_be_file, *to_be)
    if check_lineage:
        problems += lineage_problems(as_is[0], to_be[0], to_be[1])
    return sort_problems(problems)


def _load_checked(as_is_file: str | Path, to_be_file: str | Path, check_lineage: bool
                  ) -> tuple[list[Problem], list[tuple[ProcedureVersion, Located]]]:
    problems: list[Problem] = []
    loaded: list[tuple[ProcedureVersion, Located]] = []
    for file in (as_is_file, to_be_file):
        try:
            loaded.append(load_located(file))
        except InvalidModelError as exc:
            problems += exc.problems
        else:
            problems += label_problems(file, *loaded[-1])
    if len(loaded) == 2 and check_lineage:
        problems += lineage_problems(loaded[0][0], loaded[1][0], loaded[1][1])
    return problems, loaded


def load_pair(as_is_file: str | Path, to_be_file: str | Path, *, check_lineage: bool = True
              ) -> tuple[ProcedureVersion, ProcedureVersion]:
    """Load two version files and check them as a pair (see :func:`pair_problems`).

    Use ``check_lineage=True`` for the two files of a procedure folder; two files named
    by the user are compared as given, so only their labels are checked.

    Raises:
        InvalidModelError: every problem of both files, sorted by file and position.
    """
    problems, loaded = _load_checked(as_is_file, to_be_file, check_lineage)
    if problems:
        raise InvalidModelError(sort_problems(problems))
    return loaded[0][0], loaded[1][0]


def catalog_problems(entry: CatalogEntry, catalog_file: str | Path, model: ProcedureVersion,
                     located: Located) -> list[Problem]:
    """A version file that does not repeat its catalog entry's ``id`` and
    ``annual_volume`` exactly, located in the version file and naming the catalog file and
    both values."""
    problems: list[Problem] = []
    if model.id != entry.id:
        problems.append(located.problem(("id",), f"is not the id '{entry.id}' of its catalog "
                                        f"entry in {catalog_file}"))
    if model.annual_volume != entry.annual_volume:
        problems.append(located.problem(
            ("annual_volume",), f"differs from the catalog: {entry.annual_volume:g} in "
            f"{catalog_file}, {model.annual_volume:g} here; a version file repeats its catalog "
            "entry's annual_volume exactly", show_value=False))
    return problems


def load_catalog_pair(entry: CatalogEntry, catalog_file: str | Path, as_is_file: str | Path,
                      to_be_file: str | Path) -> tuple[ProcedureVersion, ProcedureVersion]:
    """The two versions of a catalog entry, with the checks of :func:`load_pair` (a
    folder's pair) and :func:`catalog_problems` for each file (the one place that checks
    models against the catalog, for every command that uses the catalog's figures).

    Raises:
        InvalidModelError: every problem of both files, sorted by file and position.
    """
    problems, loaded = _load_checked(as_is_file, to_be_file, True)
    for model, located in loaded:
        problems += catalog_problems(entry, catalog_file, model, located)
    if problems:
        raise InvalidModelError(sort_problems(problems))
    return loaded[0][0], loaded[1][0]
