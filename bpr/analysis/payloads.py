"""JSON-ready views of analysis results: what ``tetsuzuki metrics`` and ``tetsuzuki diff``
print with ``--format json``, and what the analysis flow stores.

Pure: each function takes a model or a change set and returns plain dicts, lists, strings
and numbers (minute measures as hours), ready for :func:`json.dumps`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bpr.analysis.diff import Change, ChangeSet
from bpr.analysis.ecrs import ECRS_KINDS
from bpr.analysis.measures import AppliedMeasure
from bpr.analysis.metrics import Measures, Metrics, measure, step_counts
from bpr.analysis.profile import ecrs_profile
from models.procedure import ProcedureVersion

__all__ = [
    "DIFF_COLUMNS",
    "SHORT_NAMES",
    "changeset_payload",
    "hours",
    "measures_payload",
    "metrics_payload",
    "step_rows",
]

DIFF_COLUMNS = ("resident_hours", "staff_hours_total", "counter_visits", "paper_steps", "sheets",
                "seals", "signatures", "transcriptions", "handoffs", "attachments")
"""Savings columns of the change table (per year)."""

SHORT_NAMES = {"resident_hours": "resident_h", "staff_hours_total": "staff_h",
               "counter_visits": "visits", "paper_steps": "paper", "transcriptions": "retypings"}
"""Short column names of the measures in step rows and change tables."""


def _round(values: dict[str, float], digits: int = 2) -> dict[str, float]:
    return {k: round(v, digits) + 0.0 for k, v in values.items()}


def metrics_payload(model: ProcedureVersion) -> dict[str, Any]:
    """What ``tetsuzuki metrics --format json`` prints for ``model``."""
    result = measure(model)
    return {"procedure": model.id, "version": model.version, "annual_volume": model.annual_volume,
            "fully_digital_share": result.fully_digital_share,
            "visits": dict(result.visits), "per_case": result.per_case.as_dict(),
            "per_year": result.per_year.as_dict(),
            "per_year_hours": result.per_year.as_dict(hours=True),
            "step_counts": step_counts(model, result).as_dict(),
            "steps": step_rows(model, result)}


def step_rows(model: ProcedureVersion, result: Metrics) -> list[dict[str, Any]]:
    """One row per step of ``model``: its expected visits and its share of the per-year
    measures of :data:`DIFF_COLUMNS` (hours for time, short names)."""
    return [{"step": s.id, "visits": round(result.visits[s.id], 4),
             **{SHORT_NAMES.get(k, k): round(v, 2) for k, v in
                result.step_per_year(s.id).as_dict(hours=True).items() if k in DIFF_COLUMNS}}
            for s in model.steps]


def hours(measures: Measures) -> float:
    """Resident + staff hours of ``measures`` (what the ECRS profile counts)."""
    return (measures.resident_minutes + measures.staff_minutes_total) / 60


def measures_payload(applied: Sequence[AppliedMeasure]) -> list[dict[str, Any]]:
    """JSON-ready rows of the BPR measures a to-be applies."""
    return [{"key": m.key, "label": m.label, "steps": list(m.steps), "evidence": m.evidence}
            for m in applied]


def _change_payload(change: Change) -> dict[str, Any]:
    return {"kind": change.kind.value, "also": [k.value for k in change.also],
            "as_is_steps": list(change.as_is_steps), "to_be_steps": list(change.to_be_steps),
            "label": change.label, "combine": change.combine, "details": list(change.details),
            "savings_per_year": _round(change.savings.as_dict(hours=True), 6),
            "rationale": change.rationale, "warnings": list(change.warnings),
            "hours_by_kind": {k.value: round(hours(m), 6) + 0.0 for k, m in change.by_kind.items()},
            "eliminated_facts": {f: round(v, 6) for f, v in change.eliminated_facts.items()}}


def changeset_payload(changeset: ChangeSet,
                      applied: Sequence[AppliedMeasure] | None = None) -> dict[str, Any]:
    """A JSON-ready view of a change set (hours for minute measures, per year).

    Args:
        changeset: the change set.
        applied: the BPR measures the to-be applies (:func:`bpr.analysis.measures.
            applied_measures`); listed under ``measures_applied`` when given.
    """
    profile = ecrs_profile(changeset)
    by_kind = changeset.by_kind()

    def side(metrics: Metrics, counts: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"version": metrics.version,
                               "per_year": _round(metrics.per_year.as_dict(hours=True), 6)}
        if counts is not None:
            out["step_counts"] = counts.as_dict()
        return out

    payload: dict[str, Any] = {
        "procedure": changeset.procedure,
        "as_is": side(changeset.as_is, changeset.as_is_counts),
        "to_be": side(changeset.to_be, changeset.to_be_counts),
        "changes": [_change_payload(c) for c in changeset.changes],
        "total_savings_per_year": _round(changeset.total_savings().as_dict(hours=True), 6),
        "ecrs_profile": {"hours": {k.value: v for k, v in profile.hours.items()},
                         "share": {k.value: v for k, v in profile.share.items()},
                         "total_hours": profile.total_hours},
        "savings_by_kind_per_year": {k.value: _round(by_kind[k].as_dict(hours=True), 6)
                                     for k in ECRS_KINDS},
        "suggestions": [{"as_is_step": s.as_is_step, "to_be_step": s.to_be_step,
                         "similarity": s.similarity, "reason": s.reason}
                        for s in changeset.suggestions],
        "warnings": list(changeset.warnings),
    }
    if applied is not None:
        payload["measures_applied"] = measures_payload(applied)
    return payload
