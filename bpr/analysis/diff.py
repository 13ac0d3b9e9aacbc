"""The change set between two versions of a procedure, with ECRS kinds and savings.

Matching rules (also in the README):

1. **By id**: an as-is step and a to-be step with the same id are the same step.
2. **By lineage**: a to-be step's ``replaces`` links it to those as-is steps. A link
   between two steps that both already have a same-id counterpart is ignored: it is
   history the id match already accounts for (so a to-be diffed with itself is empty).
3. **Groups**: the links above form a bipartite graph; each connected component is one
   change. ``replaces`` may be many-to-many, so one change can hold several as-is and
   several to-be steps (e.g. write-form → apply-online and assisted-entry, while
   completeness-check → assisted-entry and online-check: one *regroup*). An as-is step
   alone in its component is eliminated; a to-be step alone is added.
4. **Suggestions**: an eliminated as-is step and an added to-be step with similar names
   (or ids) are *suggested* as a possible match; they are never applied: the modeller
   adds ``replaces`` if they are right.

Position in the flow (for Rearrange): the flows that close a loop are cut (back edges
of a depth-first search from the start); a matched task has moved when the set of kept
changes before it, or after it, differs between the versions. Eliminated and added steps
are not counted, so removing or inserting a neighbour is not a move; start, end and
gateways never move.

Savings: each change's savings per year are the per-year measures of its as-is steps
minus those of its to-be steps (:mod:`bpr.analysis.metrics`). Every step belongs to exactly one
change, so the savings of all changes add up to the difference of the two versions'
totals, for every measure. Each change's savings are then split into E, C, R and S at
the level of facts (:func:`bpr.analysis.ecrs.split_savings`), so the totals by kind add up
to the same difference too.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bpr.analysis.ecrs import (
    ECRS_KINDS,
    FACT_NAMES,
    ChangeKind,
    StepFacts,
    classify_steps,
    split_facts,
)
from bpr.analysis.metrics import (
    Measures,
    Metrics,
    StepCounts,
    change_savings,
    measure,
    step_counts,
)
from bpr.analysis.moves import moved_groups
from bpr.errors import DiffError
from bpr.i18n import N_, join
from bpr.model.collector import collector_paused
from models.procedure import ProcedureVersion

__all__ = [
    "Change",
    "ChangeSet",
    "Suggestion",
    "diff",
    "match_groups",
    "require_same_procedure",
    "suggest_matches",
]

SUGGESTION_CUTOFF = 0.6
_SIMILAR_NAMES = N_("similar names")
_SIMILAR_IDS = N_("similar ids")
"""Smallest name (or id) similarity, 0..1 by difflib, for a suggested match."""

_KIND_ORDER = {k: i for i, k in enumerate(ChangeKind)}
_UNLISTED = N_("as-is step disappears without being listed under `eliminated`")
_NO_RATIONALE = N_("no rationale given for this change (audit)")
_FLOW_SAVINGS = N_("savings from a change of the flow count as Rearrange")
"""Messages without arguments, one object each for every change they concern."""


@dataclass(frozen=True, slots=True)
class Change:
    """One change between the versions.

    Attributes:
        kind: the primary kind (first of E, C, R, S that applies; else A, M or U).
        also: the other kinds that apply.
        as_is_steps: ids of the as-is steps concerned.
        to_be_steps: ids of the to-be steps concerned.
        savings: per-year savings: measures of the as-is steps minus the to-be steps.
        rationale: why, from ``eliminated`` (E) or the to-be steps' ``rationale``.
        warnings: audit warnings (no rationale, silently dropped step, ...).
        details: what changed, one short phrase each.
        combine: ``merge``, ``split`` or ``regroup`` when C applies.
        by_kind: the savings split into E, C, R, S at the level of facts (they add up to
            ``savings``); empty only for a change built without it.
        eliminated_facts: executions per year of each analog fact (``paper``, ``seal``,
            ``signature``, ``transcription``, ``attachments``, ``in_person``, ``travel``,
            ``cash``, ``original_paper``) that no longer happen.
    """

    kind: ChangeKind
    also: tuple[ChangeKind, ...]
    as_is_steps: tuple[str, ...]
    to_be_steps: tuple[str, ...]
    savings: Measures
    rationale: str | None
    warnings: tuple[str, ...]
    details: tuple[str, ...]
    combine: str | None = None
    by_kind: Mapping[ChangeKind, Measures] = field(default_factory=dict)
    eliminated_facts: Mapping[str, float] = field(default_factory=dict)

    def savings_of(self, kind: ChangeKind) -> Measures:
        """The part of the savings that falls to ``kind`` (zero when none does)."""
        return self.by_kind.get(kind, Measures())

    @property
    def label(self) -> str:
        """``a+b → c`` style summary of the steps."""
        old = "+".join(self.as_is_steps) or "∅"
        new = "+".join(self.to_be_steps) or "∅"
        return old if old == new else f"{old} → {new}"


@dataclass(frozen=True)
class Suggestion:
    """A possible match between an eliminated and an added step; never applied.

    Attributes:
        as_is_step: id of the as-is step without counterpart.
        to_be_step: id of the to-be step without lineage.
        similarity: 0..1 (difflib ratio of names, or of ids when higher).
        reason: what was similar.
    """

    as_is_step: str
    to_be_step: str
    similarity: float
    reason: str


@dataclass(frozen=True)
class ChangeSet:
    """All changes from one version to another.

    Attributes:
        procedure: procedure id (of the as-is).
        as_is: metrics of the as-is version.
        to_be: metrics of the to-be version.
        changes: every change (each step of both versions is in exactly one), in
            E, C, R, S, A, M, U order, then by step order.
        suggestions: possible matches, never applied.
        warnings: warnings about the pair as a whole.
        as_is_counts: raw and per-case step counts of the as-is (``None`` when built
            without them).
        to_be_counts: the same for the to-be.
    """

    procedure: str
    as_is: Metrics
    to_be: Metrics
    changes: tuple[Change, ...]
    suggestions: tuple[Suggestion, ...]
    warnings: tuple[str, ...]
    as_is_counts: StepCounts | None = None
    to_be_counts: StepCounts | None = None

    @property
    def changed(self) -> tuple[Change, ...]:
        """The changes that are not ``U`` (unchanged); empty for a model against itself."""
        return tuple(c for c in self.changes if c.kind is not ChangeKind.UNCHANGED)

    def total_savings(self) -> Measures:
        """Sum of the changes' savings: equals ``as_is.per_year - to_be.per_year``."""
        return Measures.sum(c.savings for c in self.changes)

    def by_kind(self) -> dict[ChangeKind, Measures]:
        """Savings per year by kind at the level of facts, for every kind: E, C, R and S
        add up to :meth:`total_savings`; A, M and U are always zero."""
        return {k: Measures.sum(c.savings_of(k) for c in self.changes) for k in ChangeKind}

    def by_step_kind(self) -> dict[ChangeKind, Measures]:
        """Savings per year by each change's step-level (primary) kind, for every kind:
        the rules before facts were split out (unchanged steps keep their savings in U)."""
        return {k: Measures.sum(c.savings for c in self.changes if c.kind is k) for k in ChangeKind}


def match_groups(as_is: ProcedureVersion,
                 to_be: ProcedureVersion) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Groups of matched steps: connected components of the id and ``replaces`` links.

    Returns:
        ``(as-is step ids, to-be step ids)`` per group, each side in model order; every
        step of both versions is in exactly one group. ``replaces`` entries naming no
        as-is step are ignored (see :func:`diff` for the warning).
    """
    old_ids = [s.id for s in as_is.steps]
    new_ids = [s.id for s in to_be.steps]
    old_pos = {s: i for i, s in enumerate(old_ids)}
    new_set = set(new_ids)
    # Union-find over the steps of both versions: as-is step i is node i, to-be step j is
    # node len(old_ids) + j.
    parent = list(range(len(old_ids) + len(new_ids)))

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for j, step in enumerate(to_be.steps):
        new_node = len(old_ids) + j
        if step.id in old_pos:
            parent[root(old_pos[step.id])] = root(new_node)
        for replaced in step.replaces:
            # A link between two steps that both keep a same-id counterpart is history
            # already folded into the id match (a to-be diffed with itself is empty).
            if replaced in old_pos and not (replaced in new_set and step.id in old_pos
                                            and replaced != step.id):
                parent[root(old_pos[replaced])] = root(new_node)
    # Groups in the order of their first as-is step, then those of added steps in the
    # order of their first to-be step; each side in model order.
    members: dict[int, tuple[list[str], list[str]]] = {}
    for i, step_id in enumerate(old_ids):
        members.setdefault(root(i), ([], []))[0].append(step_id)
    for j, step_id in enumerate(new_ids):
        members.setdefault(root(len(old_ids) + j), ([], []))[1].append(step_id)
    groups = [(tuple(old), tuple(new)) for old, new in members.values()]
    return groups


def suggest_matches(as_is: ProcedureVersion, to_be: ProcedureVersion,
                    groups: Iterable[tuple[tuple[str, ...], tuple[str, ...]]]) -> list[Suggestion]:
    """Suggested matches between unmatched as-is steps and unmatched to-be steps.

    Each unmatched step appears in at most one suggestion, the most similar first.
    """
    groups = list(groups)
    lonely_old = [as_is.step(g[0][0]) for g in groups if not g[1]]
    lonely_new = [to_be.step(g[1][0]) for g in groups if not g[0]]
    candidates: list[Suggestion] = []
    for old in lonely_old:
        for new in lonely_new:
            by_name = difflib.SequenceMatcher(None, old.name, new.name).ratio()
            by_id = difflib.SequenceMatcher(None, old.id, new.id).ratio()
            similarity, reason = max((by_name, _SIMILAR_NAMES), (by_id, _SIMILAR_IDS))
            if similarity >= SUGGESTION_CUTOFF:
                candidates.append(Suggestion(old.id, new.id, round(similarity, 3),
                                             N_("{reason}: '{old}' / '{new}'", reason=reason,
                                                old=old.name, new=new.name)))
    candidates.sort(key=lambda s: (-s.similarity, s.as_is_step, s.to_be_step))
    taken_old: set[str] = set()
    taken_new: set[str] = set()
    chosen = []
    for suggestion in candidates:
        if suggestion.as_is_step in taken_old or suggestion.to_be_step in taken_new:
            continue
        taken_old.add(suggestion.as_is_step)
        taken_new.add(suggestion.to_be_step)
        chosen.append(suggestion)
    return chosen


def _rationale(texts: Iterable[str | None]) -> str | None:
    unique: list[str] = []
    for text in texts:
        if text and text.strip() not in unique:
            unique.append(text.strip())
    return " / ".join(unique) if unique else None


def require_same_procedure(as_is: ProcedureVersion, to_be: ProcedureVersion,
                           files: tuple[str, str] | None = None) -> None:
    """Refuse to compare versions of two different procedures (the one check shared by
    :func:`diff`, the diff diagram and the command line).

    Args:
        as_is: the old side.
        to_be: the new side.
        files: the files the versions were read from, named in the message when given.

    Raises:
        DiffError: the procedure ids differ.
    """
    if as_is.id == to_be.id:
        return
    where = ("", "") if files is None else (f" in {files[0]}", f" in {files[1]}")
    raise DiffError(f"cannot diff two different procedures: '{as_is.id}' ({as_is.version})"
                    f"{where[0]} and '{to_be.id}' ({to_be.version}){where[1]}")


@collector_paused()
def diff(as_is: ProcedureVersion, to_be: ProcedureVersion) -> ChangeSet:
    """The change set from ``as_is`` to ``to_be``.

    Args:
        as_is: the version as it runs today.
        to_be: the redesigned version (with ``replaces`` and ``eliminated`` lineage).

    Returns:
        The :class:`ChangeSet`; see the module docstring for the rules.

    Raises:
        DiffError: the versions are of two different procedures.
        AnalysisError: expected counts of a version cannot be computed.
    """
    require_same_procedure(as_is, to_be)
    before, after = measure(as_is), measure(to_be)
    groups = match_groups(as_is, to_be)
    group_of_old = {s: i for i, (old, _) in enumerate(groups) for s in old}
    group_of_new = {s: i for i, (_, new) in enumerate(groups) for s in new}
    elimination = {e.step: e.rationale for e in to_be.eliminated}
    old_ids = {s.id for s in as_is.steps}

    set_warnings: list[str] = []
    for step in to_be.steps:
        for replaced in step.replaces:
            if replaced not in old_ids:
                set_warnings.append(N_("to-be step '{step}' replaces '{replaced}', which the "
                                       "as-is does not have; ignored", step=step.id,
                                       replaced=replaced))
    for elim in to_be.eliminated:
        if elim.step in group_of_old and groups[group_of_old[elim.step]][1]:
            set_warnings.append(N_("as-is step '{step}' is listed as eliminated but the to-be "
                                   "still has it or replaces it; treated as matched", step=elim.step))

    moved = moved_groups(as_is, to_be, groups, group_of_old, group_of_new)
    old_step = {s.id: s for s in as_is.steps}
    new_step = {s.id: s for s in to_be.steps}
    old_facts, new_facts = StepFacts(as_is, before), StepFacts(to_be, after)
    changes: list[Change] = []
    for index, ((old, new), savings) in enumerate(zip(groups, change_savings(before, after, groups),
                                                      strict=True)):
        new_steps = [new_step[s] for s in new]
        cls = classify_steps(as_is, to_be, [old_step[s] for s in old], new_steps,
                             moved=index in moved)
        warnings: list[str] = []
        if cls.kind is ChangeKind.ELIMINATE:
            rationale = _rationale(elimination.get(s) for s in old)
            if not all(s in elimination for s in old):
                warnings.append(_UNLISTED)
        else:
            rationale = _rationale(s.rationale for s in new_steps)
        if cls.kind is ChangeKind.MODIFIED:
            warnings.append(N_("changed, but not by eliminating, combining, rearranging or "
                               "simplifying: {details}",
                               details=join("; ", cls.details)))
        if cls.kind is not ChangeKind.UNCHANGED and rationale is None:
            warnings.append(_NO_RATIONALE)
        split = split_facts(old_facts, new_facts, old, new, cls.kind, savings)
        details = cls.details
        if split.eliminated and cls.kind is not ChangeKind.ELIMINATE:
            facts = [N_("{fact} {count:.0f}/yr", fact=FACT_NAMES.get(fact, fact), count=count)
                     for fact, count in split.eliminated.items()]
            details += (N_("eliminated facts: {facts}", facts=join(", ", facts)),)
        if cls.kind not in ECRS_KINDS:
            flow = split.by_kind.get(ChangeKind.REARRANGE)
            if flow is not None and not flow.is_zero():
                details += (_FLOW_SAVINGS,)
        changes.append(Change(cls.kind, cls.also, old, new, savings, rationale, tuple(warnings),
                              details, cls.combine, split.by_kind, split.eliminated))
    changes.sort(key=lambda c: _KIND_ORDER[c.kind])  # stable: keeps step order within a kind
    return ChangeSet(as_is.id, before, after, tuple(changes),
                     tuple(suggest_matches(as_is, to_be, groups)), tuple(set_warnings),
                     step_counts(as_is, before), step_counts(to_be, after))
