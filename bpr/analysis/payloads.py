"""JSON-ready views of analysis results: what ``tetsuzuki metrics`` and ``tetsuzuki diff``
print with ``--format json``, and what the analysis flow stores.

Pure: each function takes a model or a change set and returns plain dicts, lists, strings
and numbers (minute measures as hours), ready for :func:`json.dumps`.
"""

from __future__ import annotations

from typing import Any

from bpr.analysis.diff import Change, ChangeSet
from bpr.analysis.metrics import Metrics, measure
from bpr.analysis.profile import ecrs_profile
from models.procedure import ProcedureVersion

__all__ = [
    "DIFF_COLUMNS",
    "SHORT_NAMES",
    "changeset_payload",
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
            "steps": step_rows(model, result)}


def step_rows(model: ProcedureVersion, result: Metrics) -> list[dict[str, Any]]:
    """One row per step of ``model``: its expected visits and its share of the per-year
    measures of :data:`DIFF_COLUMNS` (hours for time, short names)."""
    return [{"step": s.id, "visits": round(result.visits[s.id], 4),
             **{SHORT_NAMES.get(k, k): round(v, 2) for k, v in
                result.step_per_year(s.id).as_dict(hours=True).items() if k in DIFF_COLUMNS}}
            for s in model.steps]


def _change_payload(change: Change) -> dict[str, Any]:
    return {"kind": change.kind.value, "also": [k.value for k in change.also],
            "as_is_steps": list(change.as_is_steps), "to_be_steps": list(change.to_be_steps),
            "label": change.label, "combine": change.combine, "details": list(change.details),
            "savings_per_year": _round(change.savings.as_dict(hours=True), 6),
            "rationale": change.rationale, "warnings": list(change.warnings)}


def changeset_payload(changeset: ChangeSet) -> dict[str, Any]:
    """A JSON-ready view of a change set (hours for minute measures, per year)."""
    profile = ecrs_profile(changeset)
    return {
        "procedure": changeset.procedure,
        "as_is": {"version": changeset.as_is.version,
                  "per_year": _round(changeset.as_is.per_year.as_dict(hours=True), 6)},
        "to_be": {"version": changeset.to_be.version,
                  "per_year": _round(changeset.to_be.per_year.as_dict(hours=True), 6)},
        "changes": [_change_payload(c) for c in changeset.changes],
        "total_savings_per_year": _round(changeset.total_savings().as_dict(hours=True), 6),
        "ecrs_profile": {"hours": {k.value: v for k, v in profile.hours.items()},
                         "share": {k.value: v for k, v in profile.share.items()}},
        "suggestions": [{"as_is_step": s.as_is_step, "to_be_step": s.to_be_step,
                         "similarity": s.similarity, "reason": s.reason}
                        for s in changeset.suggestions],
        "warnings": list(changeset.warnings),
    }
