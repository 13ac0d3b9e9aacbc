"""The stored national totals of a national run, read without importing Prefect.

``tetsuzuki national`` and ``tetsuzuki report`` / ``verify`` (the report's national page)
read them; the flow (:mod:`flows.national`) writes them.
"""

from __future__ import annotations

from bpr.planning.national import NationalSummary
from models.store.database import Store

__all__ = ["NATIONAL_TOTALS_KIND", "national_payload"]

NATIONAL_TOTALS_KIND = "national-totals"
"""The analysis-result kind of a national run's totals."""


def national_payload(store: Store, run_id: int | None = None) -> tuple[int, NationalSummary] | None:
    """The stored national totals of a run (the newest completed national run when
    ``run_id`` is omitted), or ``None`` when there is none.

    Raises:
        StorageError: no run ``run_id``.
    """
    if run_id is None:
        run_id = store.latest_completed_run("national")
        if run_id is None:
            return None
    else:
        store.run(run_id)
    rows = store.analysis_results(run_id, kind=NATIONAL_TOTALS_KIND)
    if not rows:
        return None
    return run_id, NationalSummary.model_validate(rows[0].payload)
