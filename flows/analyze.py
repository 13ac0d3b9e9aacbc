"""``analyze_catalog``: validate, measure, check and diff every procedure; store the results.

One unit per procedure (validation, metrics and principle findings of both versions, and
the as-is → to-be change set); the units are packed into a few tasks per worker, balanced
by the steps they hold (:func:`bpr.sim.workload.pack`), so Prefect's per-task overhead is
not paid once per procedure. Each procedure's results are written to the store in one
transaction as its task completes; the run is closed ``completed`` only when all are stored.
When an output folder is given, the auditors' report is written at the end.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.runtime import flow_run

from bpr.analysis.diff import diff
from bpr.analysis.metrics import measure
from bpr.analysis.principles import check, stage
from flows.common import (
    LoadedVersion,
    as_is_for_runner,
    code_version,
    load_catalog_versions,
    recorded_run,
    task_runner_from_env,
)
from models.store.database import Store

__all__ = ["analyze_catalog", "analyze_procedure", "analyze_procedures"]


def _version_payload(loaded: LoadedVersion) -> dict[str, Any]:
    metrics = measure(loaded.model)
    assessment = stage(loaded.model)
    return {
        "procedure": loaded.model.id, "version": loaded.model.version,
        "content_hash": loaded.content_hash,
        "per_case": metrics.per_case.as_dict(),
        "per_year": metrics.per_year.as_dict(hours=True),
        "visits": dict(metrics.visits),
        "stage": {"stage": assessment.stage.value, "digital_share": assessment.digital_share,
                  "reasons": list(assessment.reasons)},
        "findings": [{k: (v.value if hasattr(v, "value") else v)
                      for k, v in dataclasses.asdict(f).items()} for f in check(loaded.model)],
    }


@task(name="analyze-procedure", retries=2, retry_delay_seconds=1)
def analyze_procedure(versions: list[LoadedVersion]) -> dict[str, Any]:
    """Metrics and findings of each version of one procedure, and its change set."""
    from bpr.analysis.payloads import changeset_payload

    out: dict[str, Any] = {"versions": [_version_payload(v) for v in versions]}
    by_label = {v.model.version: v for v in versions}
    if "as-is" in by_label and "to-be" in by_label:
        out["changeset"] = changeset_payload(diff(by_label["as-is"].model, by_label["to-be"].model))
    return out


@task(name="analyze-procedures", retries=2, retry_delay_seconds=1,
      persist_result=False, cache_policy=NO_CACHE)
def analyze_procedures(groups: list[list[LoadedVersion]]) -> list[dict[str, Any]]:
    """:func:`analyze_procedure` of each group of versions (one procedure each), in order."""
    return [analyze_procedure.fn(versions) for versions in groups]


def _summary_row(procedure: str, result: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"procedure": procedure}
    for v in result["versions"]:
        row[f"{v['version']} stage"] = v["stage"]["stage"]
        row[f"{v['version']} findings"] = len(v["findings"])
    change = result.get("changeset")
    if change:
        saved = change["total_savings_per_year"]
        row["changes"] = sum(1 for c in change["changes"] if c["kind"] != "U")
        row["resident h/yr saved"] = round(saved.get("resident_hours", 0.0), 1)
        row["staff h/yr saved"] = round(saved.get("staff_hours_total", 0.0), 1)
        row["visits/yr avoided"] = round(saved.get("counter_visits", 0.0), 1)
        row["paper steps/yr removed"] = round(saved.get("paper_steps", 0.0), 1)
        row["audit warnings"] = sum(len(c["warnings"]) for c in change["changes"])
    return row


@flow(name="analyze-catalog", log_prints=True, task_runner=task_runner_from_env("thread"))
def analyze_catalog(procedures: list[str] | None = None, database_url: str | None = None,
                    report_dir: str | None = None) -> int:
    """Analyse the catalog (or some procedures), store the results, write the report.

    Args:
        procedures: procedure ids; the whole catalog when omitted.
        database_url: store URL; ``$TETSUZUKI_DATABASE_URL`` or ``.tetsuzuki/`` when omitted.
        report_dir: write the auditors' report there when given.

    Returns:
        The run id in the store.
    """
    logger = get_run_logger()
    versions = load_catalog_versions(procedures)  # validates everything before any work
    grouped: dict[str, list[LoadedVersion]] = {}
    for v in versions:
        grouped.setdefault(v.model.id, []).append(v)
    store = Store(database_url)
    run_id = store.start_run("analyze", {"procedures": procedures, "report_dir": report_dir},
                             seed=None, code_version=code_version(),
                             flow_run_id=str(flow_run.id) if flow_run.id else None,
                             tasks_expected=len(grouped))
    rows: list[dict[str, Any]] = []
    with store.hold(run_id), recorded_run(store, run_id):
        from bpr.sim.workload import pack, task_count
        from flows.simulate import default_workers

        packs = pack(list(grouped), lambda pid: sum(len(v.model.steps) for v in grouped[pid]),
                     task_count(len(grouped), default_workers()))
        futures = {analyze_procedures.submit(as_is_for_runner([grouped[pid] for pid in pids])): pids
                   for pids in packs}
        for future in as_completed(list(futures)):
            for pid, result in zip(futures[future], future.result(), strict=True):
                hashes = [v.content_hash for v in grouped[pid]]
                store.put_analysis_result(run_id, "procedure", pid, result, procedure_id=pid,
                                          version_hashes=hashes)
                for v in grouped[pid]:
                    store.put_version(v.content_hash, v.model.id, v.model.version, v.model.name,
                                      v.canonical_json)
                rows.append(_summary_row(pid, result))
        ranking = _ranking(grouped, store)
        if ranking:
            store.put_analysis_result(run_id, "ranking", "catalog", {"rows": ranking})
        if report_dir:
            _write_report(report_dir, database_url)
    store.close()
    order = {pid: i for i, pid in enumerate(grouped)}
    rows.sort(key=lambda r: order[r["procedure"]])
    create_table_artifact(key="catalog-analysis", table=rows,
                          description=f"Catalog analysis (run {run_id}): savings per year of to-be")
    create_markdown_artifact(key="catalog-analysis-summary", markdown=_markdown(rows, run_id),
                             description=f"Catalog analysis (run {run_id})")
    logger.info("run %s completed: %d procedures analysed", run_id, len(rows))
    return run_id


def _markdown(rows: list[dict[str, Any]], run_id: int) -> str:
    from bpr.render.text import markdown_table

    return f"# Catalog analysis, run {run_id}\n\n" + markdown_table(rows)


def _ranking(grouped: dict[str, list[LoadedVersion]], store: Store) -> list[dict[str, Any]]:
    """The onlining ranking of the analysed procedures (default weights), with the simulated
    counter waiting hours of the store's completed runs where they exist, as `tetsuzuki rank`
    does."""
    from bpr.planning.ranking import candidate, rank
    from bpr.planning.ranking_rows import rank_rows, simulated_waiting
    from bpr.planning.weights import load_weights

    candidates = []
    for pid, versions in grouped.items():
        by_label = {v.model.version: v for v in versions}
        if "as-is" in by_label and "to-be" in by_label:
            candidates.append(candidate(
                by_label["as-is"].model, by_label["to-be"].model,
                annual_volume=by_label["as-is"].entry.annual_volume,
                waiting=simulated_waiting(store.completed_results(pid))))
    return rank_rows(rank(candidates, load_weights())) if candidates else []


def _write_report(report_dir: str, database_url: str | None) -> None:
    """Write the auditors' report, with the latest completed simulation run if any."""
    from pathlib import Path

    from bpr.render.publish import publish_report

    publish_report(Path(report_dir), database_url=database_url)
