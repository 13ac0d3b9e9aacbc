"""Simulation results as table rows for reports: one row per version and scenario.

Pure: takes replication results (e.g. read back from the store) and returns plain rows
with rounded means and 95% confidence half-widths, in a stable order, so that a report
built from the same results is byte-identical.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from bpr.i18n import N_
from bpr.sim.results import Estimate, ReplicationResult, summarise

__all__ = ["REPORT_COLUMNS", "group_replications", "simulation_rows"]

REPORT_COLUMNS: dict[str, str] = {
    "completed": N_("completed / yr"),
    "lead_time_days_mean": N_("lead time (days)"),
    "lead_time_days_p90": N_("lead time p90 (days)"),
    "counter_wait_minutes_mean": N_("counter wait (min)"),
    "counter_visits": N_("counter visits / yr"),
    "resident_hours": N_("resident hours / yr"),
    "staff_hours": N_("staff hours / yr"),
    "paper_steps": N_("paper steps / yr"),
    "seals": N_("seals / yr"),
    "transcriptions": N_("re-typings / yr"),
    "backlog_end": N_("backlog at end"),
}
"""Metric name -> column heading (English; the report translates it), in display order."""

_VERSION_ORDER = {"as-is": 0, "to-be": 1}


def _cell(estimate: Estimate | None) -> str:
    if estimate is None or estimate.mean is None or not math.isfinite(estimate.mean):
        return ""
    digits = 2 if abs(estimate.mean) < 10 else 1 if abs(estimate.mean) < 1000 else 0
    text = f"{estimate.mean:,.{digits}f}"
    if estimate.half_width is not None and math.isfinite(estimate.half_width):
        text += f" ± {estimate.half_width:,.{digits}f}"
    return text


def group_replications(results: Iterable[ReplicationResult]
                       ) -> dict[tuple[str, str, str], list[ReplicationResult]]:
    """Replication results grouped by (procedure, version, scenario), in input order."""
    groups: dict[tuple[str, str, str], list[ReplicationResult]] = {}
    for result in results:
        groups.setdefault((result.procedure, result.version, result.scenario), []).append(result)
    return groups


def simulation_rows(results: Iterable[ReplicationResult]) -> dict[str, list[dict[str, Any]]]:
    """Rows per procedure id: version, scenario, replications and the report columns.

    Args:
        results: replication results of any procedures, versions and scenarios (each
            replication counted once).

    Returns:
        Procedure id -> rows ordered by version (as-is first) and scenario name.
    """
    groups = group_replications(results)
    out: dict[str, list[dict[str, Any]]] = {}
    for (procedure, version, scenario) in sorted(
            groups, key=lambda k: (k[0], _VERSION_ORDER.get(k[1], 2), k[1], k[2])):
        summary = summarise(groups[(procedure, version, scenario)])
        row: dict[str, Any] = {"version": version, "scenario": scenario,
                               "replications": summary.replications}
        for name, heading in REPORT_COLUMNS.items():
            row[heading] = _cell(summary.metrics.get(name))
        out.setdefault(procedure, []).append(row)
    return out
