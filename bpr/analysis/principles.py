"""Checks against the デジタル3原則 and the remaining analog rules, and the stage of a version.

Findings concern one step each and carry a severity. The rules (also in the README):

* **digital first** (デジタルファースト): a counter visit (entry into an in-person
  segment) and cash are *high*; paper, mail and re-typing not preceded by an online
  channel are *medium*; phone is *low*.
* **once only** (ワンスオンリー): an attachment held by the municipality is *high*, by
  another government body *medium* (it needs 情報連携); a legally required one is *low*.
* **analog rules** (アナログ規制): a seal is *high*; a handwritten signature, an in-person
  step and an original paper are *medium*.
* **online but re-typed**: a transcription reachable from a step on the online channel is
  *high*: the data arrived digitally and is typed again.

A step marked ``legally_required`` gets *info* instead (the law keeps it; the finding
is still shown). Steps no case reaches get no findings.

Stages, first rule that holds:

1. **transformation**: every case completes on a fully digital path and the resident
   does no work (no application: push-type or automatic);
2. **digitalization**: some cases complete on a fully digital path from start to end;
3. **digitization**: no case does, but some data is digital (an online or system
   channel, a system actor, or data re-typed into a system);
4. **analog**: none of the above.

A step is analog when it has paper, a seal, a signature, in-person presence, cash,
transcription, travel, an original paper (of its own or of an attachment), or the mail or
phone channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import networkx as nx

from bpr.analysis.graph import completion_share, counter_entries, expected_visits
from models.procedure import ActorKind, Channel, HeldBy, ProcedureVersion, Step, StepKind

__all__ = [
    "Finding",
    "Principle",
    "Severity",
    "Stage",
    "StageAssessment",
    "check",
    "digital_share",
    "is_analog",
    "stage",
]


class Principle(StrEnum):
    """The principle a finding is about."""

    DIGITAL_FIRST = "digital-first"
    ONCE_ONLY = "once-only"
    ANALOG_RULE = "analog-rule"
    ONLINE_RETYPED = "online-retyped"


class Severity(StrEnum):
    """How much a finding matters, most severe first."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


_SEVERITY_ORDER = {s: i for i, s in enumerate(Severity)}


class Stage(StrEnum):
    """Stage of a version on the way to DX."""

    ANALOG = "analog"
    DIGITIZATION = "digitization"
    DIGITALIZATION = "digitalization"
    TRANSFORMATION = "transformation"


@dataclass(frozen=True)
class Finding:
    """One finding about one step.

    Attributes:
        principle: the principle concerned.
        severity: how much it matters.
        step: the step id (``None`` for the whole version).
        rule: short machine name of the rule (``paper``, ``seal``, ``held-by-municipality``).
        message: one sentence for the reader.
        visits: expected executions per case of the step.
    """

    principle: Principle
    severity: Severity
    step: str | None
    rule: str
    message: str
    visits: float


@dataclass(frozen=True)
class StageAssessment:
    """The stage of a version and why.

    Attributes:
        stage: the stage.
        digital_share: share of cases completing on a fully digital path.
        reasons: sentences explaining the stage.
    """

    stage: Stage
    digital_share: float
    reasons: tuple[str, ...]


def is_analog(step: Step) -> bool:
    """True when the step keeps a case off a fully digital path (see the module rules)."""
    return (step.paper or step.seal or step.signature or step.in_person or step.cash
            or step.transcription or step.travel or step.original_paper
            or step.channel in (Channel.MAIL, Channel.PHONE)
            or any(a.original for a in step.attachments))


def digital_share(model: ProcedureVersion) -> float:
    """Share of cases that reach an end step without passing any analog step.

    Solved like the expected visits on the graph with analog steps removed, per
    combination of case attributes and mixed by their probabilities; with exclusive
    choices it is exactly the probability of an all-digital path.
    """
    return completion_share(model, is_analog)


def _has_digital_data(model: ProcedureVersion) -> bool:
    kinds = {a.id: a.kind for a in model.actors}
    return any(s.channel in (Channel.ONLINE, Channel.SYSTEM) or s.transcription
               or (s.kind is StepKind.TASK and kinds.get(s.actor or "") is ActorKind.SYSTEM)
               for s in model.steps)


def stage(model: ProcedureVersion) -> StageAssessment:
    """The stage of a version by the rules in the module docstring.

    Raises:
        AnalysisError: the expected visits cannot be computed.
    """
    share = digital_share(model)
    kinds = {a.id: a.kind for a in model.actors}
    visits = expected_visits(model)
    resident_work = any(s.kind is StepKind.TASK and kinds.get(s.actor or "") is ActorKind.RESIDENT
                        and s.duration.mean > 0 and visits[s.id] > 0 for s in model.steps)
    pct = f"{share:.0%} of cases complete on a fully digital path"
    if share >= 1 - 1e-9 and not resident_work:
        return StageAssessment(Stage.TRANSFORMATION, share,
                               (pct, "the resident does no work: no application is needed"))
    if share > 1e-9:
        reasons = [pct]
        if resident_work:
            reasons.append("residents still apply themselves")
        return StageAssessment(Stage.DIGITALIZATION, share, tuple(reasons))
    if _has_digital_data(model):
        return StageAssessment(Stage.DIGITIZATION, share, (
            "no case completes on a fully digital path",
            "some data is handled digitally (online/system channel, system actor or re-typing "
            "into a system)"))
    return StageAssessment(Stage.ANALOG, share, ("no step handles data digitally",))


def _online_reach(model: ProcedureVersion) -> set[str]:
    """Steps reachable (strictly after) from a step on the online channel."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(s.id for s in model.steps)
    graph.add_edges_from((f.source, f.target) for f in model.flows)
    reach: set[str] = set()
    for step in model.steps:
        if step.channel is Channel.ONLINE:
            reach |= nx.descendants(graph, step.id)
    return reach


def check(model: ProcedureVersion) -> list[Finding]:
    """Findings of a version against the digital principles and analog rules.

    Returns:
        Findings sorted by severity, then by the order of the steps in the model.

    Raises:
        AnalysisError: the expected visits cannot be computed.
    """
    visits = expected_visits(model)
    entries = counter_entries(model, visits)
    after_online = _online_reach(model)
    order = {s.id: i for i, s in enumerate(model.steps)}
    findings: list[Finding] = []
    for step in model.steps:
        v = visits[step.id]
        if v <= 0:
            continue

        def add(principle: Principle, severity: Severity, rule: str, message: str,
                step: Step = step, v: float = v) -> None:
            if step.legally_required:
                severity, message = Severity.INFO, message + " (kept by law: legally_required)"
            findings.append(Finding(principle, severity, step.id, rule, message, v))

        if entries.get(step.id, 0) > 0:
            add(Principle.DIGITAL_FIRST, Severity.HIGH, "counter-visit",
                f"the resident must come in person ({entries[step.id]:.2f} visits per case start here)")
        if step.cash:
            add(Principle.DIGITAL_FIRST, Severity.HIGH, "cash", "payment in cash")
        if step.paper:
            sheets = f" ({step.sheets} sheet{'s' if step.sheets > 1 else ''})" if step.sheets else ""
            add(Principle.DIGITAL_FIRST, Severity.MEDIUM, "paper",
                f"a paper document is written or handled{sheets}")
        if step.channel is Channel.MAIL:
            add(Principle.DIGITAL_FIRST, Severity.MEDIUM, "mail", "postal mail in the path")
        if step.channel is Channel.PHONE:
            add(Principle.DIGITAL_FIRST, Severity.LOW, "phone", "a phone call in the path")
        if step.transcription:
            if step.id in after_online:
                add(Principle.ONLINE_RETYPED, Severity.HIGH, "online-retyped",
                    "data that arrived online is re-typed (転記)")
            else:
                add(Principle.DIGITAL_FIRST, Severity.MEDIUM, "transcription",
                    "data is re-typed from paper into a system (転記)")
        for attachment in step.attachments:
            if attachment.held_by not in (HeldBy.MUNICIPALITY, HeldBy.OTHER_GOVERNMENT):
                continue
            holder = "the municipality" if attachment.held_by is HeldBy.MUNICIPALITY else \
                "another government body (情報連携)"
            severity = Severity.HIGH if attachment.held_by is HeldBy.MUNICIPALITY else Severity.MEDIUM
            if attachment.legally_required:
                severity = Severity.LOW
            add(Principle.ONCE_ONLY, severity, f"held-by-{attachment.held_by.value}",
                f"attachment '{attachment.name}' is already held by {holder}")
        if step.seal:
            add(Principle.ANALOG_RULE, Severity.HIGH, "seal", "a seal (押印) is required")
        if step.signature:
            add(Principle.ANALOG_RULE, Severity.MEDIUM, "signature",
                "a handwritten signature (自署) is required")
        if step.in_person:
            add(Principle.ANALOG_RULE, Severity.MEDIUM, "in-person", "presence in person (対面) is required")
        originals = [a.name for a in step.attachments if a.original]
        if step.original_paper or originals:
            what = f" ({', '.join(originals)})" if originals else ""
            add(Principle.ANALOG_RULE, Severity.MEDIUM, "original-paper",
                f"an original paper document must be presented{what}")
    findings.sort(key=lambda f: (_SEVERITY_ORDER[f.severity], order.get(f.step or "", -1)))
    return findings
