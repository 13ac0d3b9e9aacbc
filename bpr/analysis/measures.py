"""The BPR measures a to-be applies, read from the facts of its diff against the as-is.

Each measure is detected by one stated rule (also in the README); a measure is applied
when its rule holds for at least one change, and it names the steps that show it:

* **書かない窓口** (``no-handwriting-counter``): a change whose as-is steps include a
  resident step with paper or a signature, whose to-be steps include a staff step on the
  counter channel, and in which the resident writes by hand (paper or signature on a
  resident step) less often per year than before;
* **添付書類省略（情報連携）** (``attachments-by-data-exchange``): a change in which
  attachments whose information the municipality or another government body already
  holds are asked for less often per year;
* **データ取込（転記解消）** (``data-import``): an as-is step with re-typing (転記) is
  eliminated, or its change has no re-typing step left in the to-be;
* **電子決裁・専決** (``e-approval``): an as-is approver step with paper or a seal is
  eliminated (専決: decided without it), or its change has no approver step with paper
  or a seal left;
* **電子通知** (``e-notice``): a change whose as-is steps send or print paper (a staff,
  approver or system step with paper or on the mail channel) and whose to-be steps
  include a system step on the online channel (the office's system delivers it);
* **公金受取口座** (``public-funds-account``): an attachment about the account the money
  is paid into (its name contains 振込 or 受取口座) is asked for less often per year;
* **プッシュ型** (``push-type``): the share of cases in which the resident does no work
  (no resident task with minutes on its path) is higher in the to-be than in the as-is;
* **オンライン申請** (``online-application``): resident tasks on the online channel run
  more often per year in the to-be than in the as-is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bpr.analysis.diff import Change, ChangeSet
from bpr.analysis.diff import diff as diff_versions
from bpr.analysis.metrics import Metrics
from bpr.analysis.principles import share_avoiding
from bpr.i18n import N_
from models.procedure import ActorKind, Channel, ProcedureVersion, Step, StepKind

__all__ = ["MEASURE_LABELS", "AppliedMeasure", "applied_measures"]

MEASURE_LABELS: dict[str, str] = {
    "no-handwriting-counter": "書かない窓口",
    "attachments-by-data-exchange": "添付書類省略（情報連携）",
    "data-import": "データ取込（転記解消）",
    "e-approval": "電子決裁・専決",
    "e-notice": "電子通知",
    "public-funds-account": "公金受取口座",
    "push-type": "プッシュ型",
    "online-application": "オンライン申請",
}
"""Every measure's key and the name users read, in the order they are reported."""

_EPS = 1e-9


@dataclass(frozen=True)
class AppliedMeasure:
    """One BPR measure a to-be applies.

    Attributes:
        key: machine name (a key of :data:`MEASURE_LABELS`).
        label: the Japanese name (書かない窓口, ...).
        steps: ids of the steps that show it (to-be steps, or as-is steps that went).
        evidence: one sentence with the figure that satisfied the rule.
    """

    key: str
    label: str
    steps: tuple[str, ...]
    evidence: str


class _Pair:
    """The two versions and their metrics, with per-year counts over a change's steps."""

    def __init__(self, as_is: ProcedureVersion, to_be: ProcedureVersion,
                 changeset: ChangeSet) -> None:
        self.as_is, self.to_be, self.changeset = as_is, to_be, changeset

    def kind(self, model: ProcedureVersion, step: Step) -> ActorKind | None:
        return model.actor(step.actor).kind if step.actor else None

    def per_year(self, old: bool, steps: Iterable[str],
                 count: Callable[[ProcedureVersion, Step], float]) -> float:
        model, metrics = (self.as_is, self.changeset.as_is) if old else \
            (self.to_be, self.changeset.to_be)
        return sum(_yearly(metrics, s) * count(model, model.step(s)) for s in steps)


def _yearly(metrics: Metrics, step_id: str) -> float:
    return metrics.visits[step_id] * metrics.annual_volume


def _fmt(value: float) -> str:
    return f"{value:,.0f}"


def _handwriting(pair: _Pair) -> Callable[[ProcedureVersion, Step], float]:
    return lambda m, s: float(pair.kind(m, s) is ActorKind.RESIDENT and (s.paper or s.signature))


def _no_handwriting_counter(pair: _Pair, change: Change) -> AppliedMeasure | None:
    counter_staff = [s for s in change.to_be_steps
                     if pair.to_be.step(s).channel is Channel.COUNTER
                     and pair.kind(pair.to_be, pair.to_be.step(s)) is ActorKind.STAFF]
    if not counter_staff:
        return None
    before = pair.per_year(True, change.as_is_steps, _handwriting(pair))
    after = pair.per_year(False, change.to_be_steps, _handwriting(pair))
    if before <= _EPS or after >= before - _EPS:
        return None
    return _make("no-handwriting-counter", tuple(counter_staff),
                 N_("staff fill the form at the counter; hand-written forms {before} → {after} "
                    "per year", before=_fmt(before), after=_fmt(after)))


def _government_attachments(pair: _Pair, change: Change) -> AppliedMeasure | None:
    saved = change.savings.attachments_held_by_government
    if saved <= _EPS:
        return None
    return _make("attachments-by-data-exchange", change.to_be_steps or change.as_is_steps,
                 N_("{count} attachments per year whose information the government holds are no "
                    "longer asked for", count=_fmt(saved)))


def _data_import(pair: _Pair, change: Change) -> AppliedMeasure | None:
    retyped = [s for s in change.as_is_steps if pair.as_is.step(s).transcription]
    if not retyped or any(pair.to_be.step(s).transcription for s in change.to_be_steps):
        return None
    return _make("data-import", change.to_be_steps or tuple(retyped),
                 N_("re-typing ({steps}) no longer done: {count} per year",
                    steps=", ".join(retyped), count=_fmt(change.savings.transcriptions)))


def _e_approval(pair: _Pair, change: Change) -> AppliedMeasure | None:
    def analog_approval(model: ProcedureVersion, step_id: str) -> bool:
        step = model.step(step_id)
        return pair.kind(model, step) is ActorKind.APPROVER and (step.paper or step.seal)

    paper = [s for s in change.as_is_steps if analog_approval(pair.as_is, s)]
    if not paper or any(analog_approval(pair.to_be, s) for s in change.to_be_steps):
        return None
    how = N_("decided without it (専決)") if not change.to_be_steps else N_("approved electronically")
    return _make("e-approval", change.to_be_steps or tuple(paper),
                 N_("approval on paper or with seals ({steps}) {how}", steps=", ".join(paper), how=how))


def _e_notice(pair: _Pair, change: Change) -> AppliedMeasure | None:
    senders = (ActorKind.STAFF, ActorKind.APPROVER, ActorKind.SYSTEM)
    sends_paper = [s for s in change.as_is_steps
                   if pair.kind(pair.as_is, step := pair.as_is.step(s)) in senders
                   and (step.paper or step.channel is Channel.MAIL)]
    online = [s for s in change.to_be_steps
              if pair.to_be.step(s).channel is Channel.ONLINE
              and pair.kind(pair.to_be, pair.to_be.step(s)) is ActorKind.SYSTEM]
    if not sends_paper or not online:
        return None
    return _make("e-notice", tuple(online),
                 N_("paper sent by the office ({steps}) goes online for {count} cases per year",
                    steps=", ".join(sends_paper),
                    count=_fmt(pair.per_year(False, online, lambda m, s: 1.0))))


def _is_account(name: str) -> bool:
    return "振込" in name or "受取口座" in name


def _public_funds_account(pair: _Pair, change: Change) -> AppliedMeasure | None:
    def accounts(model: ProcedureVersion, step: Step) -> float:
        return float(sum(1 for a in step.attachments if _is_account(a.name)))

    before = pair.per_year(True, change.as_is_steps, accounts)
    after = pair.per_year(False, change.to_be_steps, accounts)
    if before <= _EPS or after >= before - _EPS:
        return None
    return _make("public-funds-account", change.to_be_steps or change.as_is_steps,
                 N_("bank-account documents {before} → {after} per year", before=_fmt(before),
                    after=_fmt(after)))


def _no_resident_work(model: ProcedureVersion) -> float:
    kinds = {a.id: a.kind for a in model.actors}
    work = {s.id for s in model.steps if s.kind is StepKind.TASK and s.duration.mean > 0
            and kinds.get(s.actor or "") is ActorKind.RESIDENT}
    return share_avoiding(model, work)


def _online_resident(pair: _Pair, old: bool) -> float:
    model = pair.as_is if old else pair.to_be
    return pair.per_year(old, (s.id for s in model.steps),
                         lambda m, s: float(s.kind is StepKind.TASK and s.channel is Channel.ONLINE
                                            and pair.kind(m, s) is ActorKind.RESIDENT))


def _make(key: str, steps: tuple[str, ...], evidence: str) -> AppliedMeasure:
    return AppliedMeasure(key, MEASURE_LABELS[key], steps, evidence)


_PER_CHANGE = (_no_handwriting_counter, _government_attachments, _data_import, _e_approval,
               _e_notice, _public_funds_account)


def applied_measures(as_is: ProcedureVersion, to_be: ProcedureVersion,
                     changeset: ChangeSet | None = None) -> tuple[AppliedMeasure, ...]:
    """The BPR measures ``to_be`` applies compared with ``as_is`` (rules in the module doc).

    Args:
        as_is: the version as it runs today.
        to_be: the redesigned version.
        changeset: their diff when already computed (else it is computed).

    Returns:
        One :class:`AppliedMeasure` per measure that applies (its steps merged over all
        changes that show it, evidence of the first), in the order of :data:`MEASURE_LABELS`.

    Raises:
        DiffError: the versions are of two different procedures.
        AnalysisError: expected counts of a version cannot be computed.
    """
    changeset = changeset if changeset is not None else diff_versions(as_is, to_be)
    pair = _Pair(as_is, to_be, changeset)
    found: dict[str, AppliedMeasure] = {}
    for change in changeset.changes:
        for rule in _PER_CHANGE:
            hit = rule(pair, change)
            if hit is None:
                continue
            if hit.key in found:
                first = found[hit.key]
                steps = first.steps + tuple(s for s in hit.steps if s not in first.steps)
                found[hit.key] = AppliedMeasure(first.key, first.label, steps, first.evidence)
            else:
                found[hit.key] = hit
    before, after = _no_resident_work(as_is), _no_resident_work(to_be)
    if after > before + 1e-6:
        found["push-type"] = _make("push-type", (), N_("cases with no work for the resident: "
                                                       "{before:.0%} → {after:.0%}",
                                                       before=before, after=after))
    online_before, online_after = _online_resident(pair, True), _online_resident(pair, False)
    if online_after > online_before + _EPS:
        steps = tuple(s.id for s in to_be.steps if s.channel is Channel.ONLINE
                      and s.kind is StepKind.TASK
                      and pair.kind(to_be, s) is ActorKind.RESIDENT and changeset.to_be.visits[s.id] > 0)
        found["online-application"] = _make(
            "online-application", steps, N_("resident steps online {before} → {after} per year",
                                            before=_fmt(online_before), after=_fmt(online_after)))
    return tuple(found[k] for k in MEASURE_LABELS if k in found)
