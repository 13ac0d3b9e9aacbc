"""The onlining ranking as plain rows, and the stored simulation figure it may use.

Pure: :func:`rank_rows` turns :func:`bpr.planning.ranking.rank` output into rows keyed by
:data:`RANK_COLUMNS` (what ``tetsuzuki rank`` prints and the analysis flow stores);
:func:`simulated_waiting` picks, from a procedure's rows of the results store (already
read by the caller), the counter waiting hours per year of both versions in the latest
completed run that simulated both (the one figure the expected counts cannot give).
"""

from __future__ import annotations

import re
from typing import Any

from bpr.analysis.ecrs import ChangeKind
from bpr.planning.ranking import Ranked, RankRange, SimulatedWaiting, waiting_hours_from_simulation

__all__ = ["RANK_COLUMNS", "rank_rows", "round_figure", "simulated_waiting"]

RANK_COLUMNS = (
    "rank", "procedure", "name", "score", "benefit", "feasibility", "effort", "annual_volume",
    "resident_hours_saved", "resident_minutes_saved_per_case", "waiting_hours_saved",
    "staff_hours_saved",
    "staff_hours_saved_by_actor", "counter_visits_avoided", "paper_steps_removed",
    "seals_removed", "transcriptions_removed", "legal_in_person", "legal_original_paper",
    "fixed_attachments", "changes", "source", "measures")
"""Columns of the CSV/XLSX/JSON ranking (plus best_rank, worst_rank, most_sensitive_to with
``--sensitivity``). ``measures`` names the BPR measures the to-be applies, joined by
``; ``."""

_KIND_ORDER = (ChangeKind.ELIMINATE, ChangeKind.COMBINE, ChangeKind.REARRANGE,
               ChangeKind.SIMPLIFY, ChangeKind.ADDED, ChangeKind.MODIFIED)


def round_figure(value: float, digits: int = 2) -> float:
    """``value`` rounded to ``digits`` decimals, with ``-0.0`` shown as ``0.0``."""
    rounded = round(value, digits)
    return 0.0 if rounded == 0 else rounded


_ONLINE_VARIANT = re.compile(r"^(?P<base>.+)-online-(?P<share>[0-9.]+)$")


def _to_be_scenario(base: str, available: list[str], online_share: float | None) -> str | None:
    """The to-be scenario to compare with the as-is under ``base``: ``base`` itself, else one
    of the online-share variants ``<base>-online-<share>`` that the simulation flow makes for
    a to-be with a channel choice (the one asked for, else the median share)."""
    if base in available:
        return base
    variants: list[tuple[float, str]] = []
    for name in available:
        match = _ONLINE_VARIANT.match(name)
        if match and match["base"] == base:
            try:
                variants.append((float(match["share"]), name))
            except ValueError:
                continue
    if not variants:
        return None
    variants.sort()
    if online_share is None:
        return variants[(len(variants) - 1) // 2][1]
    for share, name in variants:
        if abs(share - online_share) < 1e-9:
            return name
    return None


def simulated_waiting(results: list[Any], online_share: float | None = None
                      ) -> SimulatedWaiting | None:
    """Counter waiting hours per year of both versions in the latest completed run that
    simulated both.

    Args:
        results: :meth:`models.store.database.Store.completed_results` rows of one procedure (the
            latest completed run first); each has ``run_id``, ``version``,
            ``scenario_key`` and ``results["replications"]``.
        online_share: for a to-be simulated at several online shares (scenarios
            ``<base>-online-<share>``), the share to use; ``None`` takes the median one.

    Returns:
        :func:`bpr.planning.ranking.waiting_hours_from_simulation` of the as-is under the
        ``default`` scenario when the run has it (else the first scenario by name) and of
        the to-be under the same scenario or its online-share variant, labelled
        ``"simulation (run N)"``, followed by ``"; to-be <scenario>"`` when the to-be's
        scenario differs. ``None`` when no completed run has both.
    """
    runs: dict[int, dict[tuple[str, str], list[dict[str, Any]]]] = {}
    for row in results:
        reps = row.results.get("replications", []) if isinstance(row.results, dict) else []
        runs.setdefault(row.run_id, {}).setdefault((row.scenario_key, row.version), []).extend(
            r for r in reps if isinstance(r, dict))
    for run_id in sorted(runs, reverse=True):
        by_key = runs[run_id]
        to_be_scenarios = sorted(s for s, v in by_key if v == "to-be")
        for scenario in sorted({s for s, v in by_key if v == "as-is"},
                               key=lambda s: (s != "default", s)):
            paired = _to_be_scenario(scenario, to_be_scenarios, online_share)
            if paired is None:
                continue
            label = f"simulation (run {run_id})" + ("" if paired == scenario
                                                    else f"; to-be {paired}")
            return SimulatedWaiting(label, waiting_hours_from_simulation(by_key[(scenario, "as-is")]),
                                    waiting_hours_from_simulation(by_key[(paired, "to-be")]))
    return None


def rank_rows(ranked: list[Ranked], ranges: list[RankRange] | None = None) -> list[dict[str, Any]]:
    """One plain row per ranked procedure with every figure its score came from.

    Args:
        ranked: :func:`bpr.planning.ranking.rank` output.
        ranges: :func:`bpr.planning.ranking.sensitivity` output, to add best/worst rank columns.

    Returns:
        Rows keyed by :data:`RANK_COLUMNS` (figures per year, rounded to 2 decimals;
        ``waiting_hours_saved`` is ``None`` without simulated waiting hours).
    """
    by_id = {r.procedure: r for r in ranges or []}
    rows: list[dict[str, Any]] = []
    for r in ranked:
        c = r.candidate
        row: dict[str, Any] = {
            "rank": r.rank, "procedure": c.procedure, "name": c.name, "score": round_figure(r.score),
            "benefit": round_figure(r.benefit), "feasibility": round_figure(r.feasibility, 3),
            "effort": round_figure(r.effort, 3), "annual_volume": round_figure(c.annual_volume),
            "resident_hours_saved": round_figure(r.savings["resident_hours"]),
            "resident_minutes_saved_per_case": round_figure(
                r.savings["resident_hours"] * 60 / c.annual_volume if c.annual_volume else 0.0),
            "waiting_hours_saved": (round_figure(r.savings["waiting_hours"])
                                    if "waiting_hours" in r.savings else None),
            "staff_hours_saved": round_figure(r.savings["staff_hours"]),
            "staff_hours_saved_by_actor": {a: round_figure(h) for a, h in r.staff_hours_saved.items()},
            "counter_visits_avoided": round_figure(r.savings["counter_visits"]),
            "paper_steps_removed": round_figure(r.savings["paper_steps"]),
            "seals_removed": round_figure(r.savings["seals"]),
            "transcriptions_removed": round_figure(r.savings["transcriptions"]),
            "legal_in_person": c.legal.in_person,
            "legal_original_paper": c.legal.original_paper,
            "fixed_attachments": c.legal.fixed_attachments,
            "changes": " ".join(f"{k.value}{c.changes[k]}" for k in _KIND_ORDER
                                if c.changes.get(k)),
            "source": c.source,
            "measures": "; ".join(c.measures),
        }
        if c.procedure in by_id:
            rr = by_id[c.procedure]
            row.update(best_rank=rr.best, worst_rank=rr.worst,
                       most_sensitive_to=rr.most_sensitive_to or "")
        rows.append(row)
    return rows
