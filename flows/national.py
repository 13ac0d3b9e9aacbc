"""``national_sweep``: population bands × procedures × versions × online shares × replications.

Every band of the national scenario (``procedures/scenarios/national.yaml``) is simulated
as one municipality of its representative population (volumes and headcounts scaled by
:func:`bpr.sim.national.band_model`); its results × its municipality count make the
national totals (:func:`bpr.planning.national.national_summary`).

Work items are (band, procedure version, scenario variant, replications); they are packed
into tasks of about ``target_cases_per_task`` simulated cases each, estimated from the
band's scaled volume × the simulated years × replications, so the small bands' tiny items
share a task instead of paying Prefect's per-task overhead each. The flow runs on Prefect's
Dask task runner: on the cluster at ``--dask-address`` or on a temporary local cluster.
Each task's items are stored as they complete (``simulation_results``, scenario key
``<band>/<scenario>``); the national totals are stored at the end (``analysis_results``,
kind ``national-totals``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.futures import as_completed
from prefect.runtime import flow_run

from bpr.errors import TetsuzukiError
from bpr.planning.national import BandRecord, NationalSummary, national_summary, national_table
from bpr.sim.compiled import channel_kind
from bpr.sim.national import NationalScenario, load_national_scenario, simulate_band
from bpr.sim.periods import resolve_periods
from bpr.sim.scenario import Scenario
from flows.common import (
    LoadedVersion,
    catalog_ids,
    code_version,
    load_catalog_versions,
    recorded_run,
    task_runner_from_env,
)
from flows.national_store import NATIONAL_TOTALS_KIND, national_payload
from flows.resume import scenario_hash
from flows.simulate import DEFAULT_ONLINE_SHARES, OnlineShare, check_sweep, scenario_variants
from models.store.database import Store

__all__ = [
    "BUILTIN_NATIONAL",
    "NATIONAL_TOTALS_KIND",
    "TARGET_CASES_PER_TASK",
    "NationalItem",
    "check_bands",
    "national_payload",
    "national_sweep",
    "national_task",
    "pack_items",
    "plan_items",
    "run_in_process",
]

BUILTIN_NATIONAL = Path(__file__).resolve().parents[1] / "procedures" / "scenarios" / "national.yaml"
TARGET_CASES_PER_TASK = 50_000
"""Simulated cases per task the packing aims at."""


@dataclass(frozen=True)
class NationalItem:
    """One band × procedure version × scenario variant × replications."""

    band: str
    version: LoadedVersion
    scenario: Scenario
    online_share: float | None
    replications: tuple[int, ...]
    cases: float
    """Estimated simulated cases (volume × simulated years × replications)."""

    @property
    def scenario_key(self) -> str:
        return f"{self.band}/{self.scenario.name}"


def check_bands(national: NationalScenario, bands: Sequence[str] | None) -> None:
    """Check that every band id asked for is one of the scenario's.

    Raises:
        TetsuzukiError: an unknown band id (the message lists the known ones).
    """
    known = [b.id for b in national.bands]
    unknown = [b for b in bands or () if b not in known]
    if unknown:
        raise TetsuzukiError(f"unknown band id(s): {', '.join(unknown)} (bands: {', '.join(known)})")


def plan_items(national: NationalScenario, versions: Sequence[LoadedVersion],
               online_shares: tuple[float, ...], replications: int, *,
               bands: Sequence[str] | None = None, **overrides: Any) -> list[NationalItem]:
    """Every work item of a national sweep, in band order.

    Args:
        national: the national scenario.
        versions: the procedure versions (the catalog, or some of it).
        online_shares: shares swept for versions with a channel choice.
        replications: replications per item (numbered from 0).
        bands: band ids to run (all when omitted).
        overrides: scenario fields replaced (``horizon_days``, ``seed``).

    Raises:
        ScenarioError: an override or share is invalid.
        TetsuzukiError: an unknown band id.
    """
    check_bands(national, bands)
    chosen = [national.band(b) for b in bands] if bands else list(national.bands)
    base = national.scenario.with_overrides(**overrides)
    by_procedure: dict[str, list[LoadedVersion]] = {}
    for v in versions:
        by_procedure.setdefault(v.model.id, []).append(v)
    # One simulated period per procedure (as the catalog sweep), the same in every band.
    periods = {pid: resolve_periods(base, [v.model for v in vs]) for pid, vs in by_procedure.items()}
    items: list[NationalItem] = []
    for band in chosen:
        for v in versions:
            resolved = periods[v.model.id]
            scenario = resolved.with_overrides(name=f"{national.name}-{band.id}")
            years = (resolved.horizon_days + resolved.warmup) / 365
            cases = max(1.0, v.model.annual_volume * national.ratio(band) * years) * replications
            has_channel = channel_kind(v.model) is not None
            for variant in scenario_variants(scenario, online_shares, has_channel_choice=has_channel):
                items.append(NationalItem(band.id, v, variant, variant.online_share if has_channel else None,
                                          tuple(range(replications)), cases))
    return items


def pack_items(items: Sequence[NationalItem], target_cases: int = TARGET_CASES_PER_TASK
               ) -> list[list[NationalItem]]:
    """Items packed into tasks of about ``target_cases`` estimated cases (an item larger
    than the target is a task of its own), largest first so the long tasks start early."""
    tasks: list[list[NationalItem]] = []
    current: list[NationalItem] = []
    load = 0.0
    for item in sorted(items, key=lambda i: -i.cases):
        if current and load + item.cases > target_cases:
            tasks.append(current)
            current, load = [], 0.0
        current.append(item)
        load += item.cases
    if current:
        tasks.append(current)
    return tasks


def _simulate_items(national: NationalScenario, items: Sequence[NationalItem]) -> list[list[dict[str, Any]]]:
    return [simulate_band(i.version.model, national, national.band(i.band), i.scenario, i.replications)
            for i in items]


@task(name="national-batch", retries=2, retry_delay_seconds=1)
def national_task(national: NationalScenario, items: list[NationalItem]) -> list[list[dict[str, Any]]]:
    """Simulate a packed list of items; per item, its replications' figures."""
    return _simulate_items(national, items)


def _record(item: NationalItem, replications: list[dict[str, Any]]) -> BandRecord:
    return BandRecord(band=item.band, procedure=item.version.model.id,
                      version=item.version.model.version, online_share=item.online_share,
                      replications=replications)


def run_in_process(national: NationalScenario, items: Iterable[NationalItem]) -> list[BandRecord]:
    """The same items simulated here, one after another (the reference a distributed run
    must equal, and the benchmark's one-core baseline)."""
    items = list(items)
    return [_record(i, reps) for i, reps in zip(items, _simulate_items(national, items), strict=True)]


def _records(store: Store, run_id: int) -> list[BandRecord]:
    out = []
    for row in store.simulation_results(run_id):
        info = row.results
        out.append(BandRecord(band=info["band"], procedure=row.procedure_id, version=row.version,
                              online_share=info["online_share"], replications=info["replications"]))
    return out


def _markdown(summary: NationalSummary, run_id: int) -> str:
    lines = [f"# National sweep, run {run_id}", "",
             f"Band counts: {summary.source_publisher}「{summary.source_title}」"
             f"{'' if summary.source_verified else ' (recalled, not verified against the table)'}.", "",
             "| band | municipalities | version | share | sheets | staff FTE | resident hours | "
             "peak wait p90 (min) |", "|---|---|---|---|---|---|---|---|"]
    for r in national_table(summary):
        lines.append(f"| {r['label']} | {r['municipalities']} | {r['version']} | {r['online_share']} | "
                     f"{r['paper_sheets']} | {r['staff_fte']} | {r['resident_hours']} | "
                     f"{r['peak_wait_p90_min']} |")
    return "\n".join(lines) + "\n"


@flow(name="national-sweep", log_prints=True, task_runner=task_runner_from_env("dask"))
def national_sweep(national_file: str | None = None,
                   procedures: list[str] | None = None,
                   bands: list[str] | None = None,
                   online_shares: tuple[OnlineShare, ...] = DEFAULT_ONLINE_SHARES,
                   replications: int | None = None,
                   years: float | None = None,
                   seed: int | None = None,
                   database_url: str | None = None,
                   target_cases_per_task: int = TARGET_CASES_PER_TASK) -> int:
    """Simulate every band of the national scenario and store the national totals.

    Args:
        national_file: national scenario YAML; the built-in one when omitted.
        procedures: procedure ids; all of the catalog when omitted.
        bands: band ids; all bands when omitted.
        online_shares: shares swept for versions with a channel choice.
        replications: replications per item; the scenario's when omitted.
        years: observed years; the scenario's horizon when omitted.
        seed: base seed; the scenario's when omitted.
        database_url: store URL; ``$TETSUZUKI_DATABASE_URL`` or ``.tetsuzuki/`` when omitted.
        target_cases_per_task: packing target (simulated cases per task).

    Returns:
        The run id in the store.
    """
    logger = get_run_logger()
    path = Path(national_file).resolve() if national_file else BUILTIN_NATIONAL
    national = load_national_scenario(path)
    reps = replications or national.scenario.replications
    overrides: dict[str, Any] = {"seed": seed}
    if years is not None:
        overrides["horizon_days"] = max(1, round(years * 365))
    versions = load_catalog_versions(procedures)
    base = national.scenario.with_overrides(**overrides)
    check_sweep(versions, base, tuple(online_shares), catalog_ids())
    items = plan_items(national, versions, tuple(online_shares), reps, bands=bands, **overrides)
    tasks = pack_items(items, target_cases_per_task)
    store = Store(database_url)
    parameters = {"national_file": str(path), "procedures": procedures, "bands": bands,
                  "online_shares": list(online_shares), "replications": reps,
                  "years": years, "seed": base.seed, "target_cases_per_task": target_cases_per_task,
                  "scenario_sha256": scenario_hash(national.model_dump_json()),
                  "items": len(items), "tasks": len(tasks)}
    run_id = store.start_run("national", parameters, seed=base.seed, code_version=code_version(),
                             flow_run_id=str(flow_run.id) if flow_run.id else None,
                             tasks_expected=len(items))
    logger.info("run %s: %d items in %d tasks, %d bands, %d versions", run_id, len(items), len(tasks),
                len({i.band for i in items}), len(versions))
    with store.hold(run_id), recorded_run(store, run_id):
        futures = {national_task.submit(national, t): t for t in tasks}
        for future in as_completed(list(futures)):
            # One transaction per task: its items are stored together or not at all.
            store.put_simulation_results(run_id, [
                {"version_hash": item.version.content_hash, "procedure_id": item.version.model.id,
                 "version": item.version.model.version, "name": item.version.model.name,
                 "canonical_json": item.version.canonical_json, "scenario_key": item.scenario_key,
                 "batch": 0, "replications": item.replications,
                 "results": {"band": item.band, "online_share": item.online_share,
                             "scenario": item.scenario.model_dump(mode="json"),
                             "replications": results}}
                for item, results in zip(futures[future], future.result(), strict=True)])
        summary = national_summary(national, _records(store, run_id))
        store.put_analysis_result(run_id, NATIONAL_TOTALS_KIND, "summary", summary.model_dump(mode="json"))
    store.close()
    create_markdown_artifact(key="national-sweep", markdown=_markdown(summary, run_id),
                             description=f"National sweep (run {run_id})")
    logger.info("run %s completed: %d rows", run_id, len(summary.rows))
    return run_id
