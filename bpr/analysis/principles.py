"""Checks against the デジタル3原則 and the remaining analog rules, and the stage of a version.

Findings concern one step each and carry a severity. The rules (also in the README):

* **digital first** (デジタルファースト): a counter visit (entry into an in-person
  segment) and cash are *high*; paper, mail and re-typing not preceded by an online
  channel are *medium*; phone is *low*.
* **once only** (ワンスオンリー): an attachment held by the municipality is *high*, by
  another government body *medium* (it needs 情報連携); a legally required one is *low*.
* **analog rules** (アナログ規制), only where the step names the law that requires them
  (``required_by``): a seal is *high*; a handwritten signature, an in-person step and an
  original paper are *medium*. Without ``required_by`` the same facts are digital-first
  findings (a seal *high*, a signature or an original paper *medium*); an in-person step
  gets none of its own (the counter visit where it starts is the finding);
* **書かない窓口**: a staff step at the counter that no resident hand-writing precedes is
  staff filling in the form for the resident: its paper and signature are *info*, not a
  finding against the resident.
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
from bpr.i18n import N_, Message
from models.procedure import ActorKind, Channel, HeldBy, ProcedureVersion, Step, StepKind

__all__ = [
    "Finding",
    "Principle",
    "Severity",
    "Stage",
    "StageAssessment",
    "assisted_steps",
    "check",
    "digital_share",
    "is_analog",
    "share_avoiding",
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



def share_avoiding(model: ProcedureVersion, avoid: set[str]) -> float:
    """Share of cases that reach an end step without passing any step of ``avoid`` (exact
    over the version's case attributes: :func:`bpr.analysis.graph.completion_share`).

    Args:
        model: a validated version.
        avoid: ids of the steps a case must not pass.

    Returns:
        A probability in 0..1.
    """
    return completion_share(model, lambda step: step.id in avoid)


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
    pct = N_("{share:.0%} of cases complete on a fully digital path", share=share)
    if share >= 1 - 1e-9 and not resident_work:
        return StageAssessment(Stage.TRANSFORMATION, share,
                               (pct, N_("the resident does no work: no application is needed")))
    if share > 1e-9:
        reasons = [pct]
        if resident_work:
            reasons.append(N_("residents still apply themselves"))
        return StageAssessment(Stage.DIGITALIZATION, share, tuple(reasons))
    if _has_digital_data(model):
        return StageAssessment(Stage.DIGITIZATION, share, (
            N_("no case completes on a fully digital path"),
            N_("some data is handled digitally (online/system channel, system actor or re-typing "
               "into a system)")))
    return StageAssessment(Stage.ANALOG, share, (N_("no step handles data digitally"),))


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


def assisted_steps(model: ProcedureVersion) -> set[str]:
    """Staff steps at the counter that no resident step with paper or a signature can
    precede: staff fill in the form for the resident (書かない窓口)."""
    kinds = {a.id: a.kind for a in model.actors}
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(s.id for s in model.steps)
    graph.add_edges_from((f.source, f.target) for f in model.flows)
    handwriting = {s.id for s in model.steps if kinds.get(s.actor or "") is ActorKind.RESIDENT
                   and (s.paper or s.signature)}
    return {s.id for s in model.steps
            if s.kind is StepKind.TASK and s.channel is Channel.COUNTER
            and kinds.get(s.actor or "") is ActorKind.STAFF
            and not (nx.ancestors(graph, s.id) & handwriting)}


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
    assisted_ids = assisted_steps(model)
    order = {s.id: i for i, s in enumerate(model.steps)}
    findings: list[Finding] = []
    for step in model.steps:
        v = visits[step.id]
        if v <= 0:
            continue

        def add(principle: Principle, severity: Severity, rule: str, message: str,
                step: Step = step, v: float = v) -> None:
            if step.legally_required:
                severity = Severity.INFO
                message = N_("{message} (kept by law: legally_required)", message=message)
            findings.append(Finding(principle, severity, step.id, rule, message, v))

        if entries.get(step.id, 0) > 0:
            add(Principle.DIGITAL_FIRST, Severity.HIGH, "counter-visit",
                N_("the resident must come in person ({visits:.2f} visits per case start here)",
                   visits=entries[step.id]))
        if step.cash:
            add(Principle.DIGITAL_FIRST, Severity.HIGH, "cash", N_("payment in cash"))
        assisted = step.id in assisted_ids
        if step.paper:
            text = (N_("staff fill in the form for the resident (書かない窓口)") if assisted
                    else N_("a paper document is written or handled"))
            if step.sheets:
                sheets = (N_("{n} sheets", n=step.sheets) if step.sheets > 1
                          else N_("{n} sheet", n=step.sheets))
                text = N_("{text} ({sheets})", text=text, sheets=sheets)
            if assisted:
                add(Principle.DIGITAL_FIRST, Severity.INFO, "assisted-paper", text)
            else:
                add(Principle.DIGITAL_FIRST, Severity.MEDIUM, "paper", text)
        if step.channel is Channel.MAIL:
            add(Principle.DIGITAL_FIRST, Severity.MEDIUM, "mail", N_("postal mail in the path"))
        if step.channel is Channel.PHONE:
            add(Principle.DIGITAL_FIRST, Severity.LOW, "phone", N_("a phone call in the path"))
        if step.transcription:
            if step.id in after_online:
                add(Principle.ONLINE_RETYPED, Severity.HIGH, "online-retyped",
                    N_("data that arrived online is re-typed (転記)"))
            else:
                add(Principle.DIGITAL_FIRST, Severity.MEDIUM, "transcription",
                    N_("data is re-typed from paper into a system (転記)"))
        for attachment in step.attachments:
            if attachment.held_by not in (HeldBy.MUNICIPALITY, HeldBy.OTHER_GOVERNMENT):
                continue
            holder = N_("the municipality") if attachment.held_by is HeldBy.MUNICIPALITY else \
                N_("another government body (情報連携)")
            severity = Severity.HIGH if attachment.held_by is HeldBy.MUNICIPALITY else Severity.MEDIUM
            if attachment.legally_required:
                severity = Severity.LOW
            add(Principle.ONCE_ONLY, severity, f"held-by-{attachment.held_by.value}",
                N_("attachment '{name}' is already held by {holder}", name=attachment.name,
                   holder=holder))
        originals = [a.name for a in step.attachments if a.original]
        law = step.required_by
        analog: list[tuple[Severity, str, Message]] = []
        if step.seal:
            analog.append((Severity.HIGH, "seal", N_("a seal (押印) is required")))
        if step.signature and not assisted:
            analog.append((Severity.MEDIUM, "signature",
                           N_("a handwritten signature (自署) is required")))
        if step.in_person and law:
            analog.append((Severity.MEDIUM, "in-person",
                           N_("presence in person (対面) is required")))
        if step.original_paper or originals:
            what = N_("an original paper document must be presented")
            if originals:
                what = N_("{text} ({names})", text=what, names=", ".join(originals))
            analog.append((Severity.MEDIUM, "original-paper", what))
        for severity, rule, message in analog:
            if law:
                add(Principle.ANALOG_RULE, severity, rule, N_("{message} by {law}", message=message,
                                                              law=law))
            else:
                add(Principle.DIGITAL_FIRST, severity, rule,
                    N_("{message}, with no law named (`required_by`): digital first asks to drop it",
                       message=message))
        if step.signature and assisted:
            add(Principle.DIGITAL_FIRST, Severity.INFO, "assisted-signature",
                N_("the resident signs a form staff filled in (書かない窓口)"))
    findings.sort(key=lambda f: (_SEVERITY_ORDER[f.severity], order.get(f.step or "", -1)))
    return findings
