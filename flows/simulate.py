"""``simulate_catalog``: procedures × versions × scenarios × batches of replications.

The sweep is cut into *units* (:class:`SimTask`): one procedure version, one scenario and
a batch of at most about :data:`TARGET_CASES_PER_TASK` simulated cases — one stored row;
a small procedure gets all its replications in one unit. Units are then packed into a
few Prefect tasks per worker (:data:`~bpr.sim.workload.TASKS_PER_WORKER`), balanced by
their estimated cost, the expected simulated events (longest-processing-time first,
:func:`bpr.sim.workload.pack`): Prefect's per-task overhead (0.1–0.3 s) is paid a few
times per worker, not once per unit. The flow writes each unit's results to the store in
its own transaction as its task completes, so a run that dies keeps only whole units,
shows as ``interrupted``, and is completed by running it again with ``resume_run`` (the
missing units are packed anew; packing never changes results).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.runtime import flow_run
from pydantic import Field

from bpr.errors import SimulationError
from bpr.sim import Scenario, load_scenario, simulate_batch, summarise
from bpr.sim.compiled import channel_kind, check_fits
from bpr.sim.periods import resolve_periods
from bpr.sim.results import ReplicationResult
from bpr.sim.tables import group_replications
from bpr.sim.workload import events_per_case, pack, task_count
from flows.common import (
    WORKERS_ENV,
    LoadedVersion,
    as_is_for_runner,
    catalog_ids,
    code_version,
    load_catalog_versions,
    recorded_run,
    task_runner_from_env,
)
from flows.resume import ResumeError, plan_hash, resolve_options, scenario_hash
from models.procedure import ProcedureVersion
from models.store.database import Store

__all__ = [
    "DEFAULT_ONLINE_SHARES",
    "TARGET_CASES_PER_TASK",
    "SimTask",
    "check_sweep",
    "default_workers",
    "pack_tasks",
    "plan_tasks",
    "scenario_variants",
    "simulate_catalog",
    "simulate_task",
    "simulate_units",
    "store_task_results",
    "summarise_run",
]

OnlineShare = Annotated[float, Field(ge=0, le=1)]
"""An online share: a number in [0, 1] (Prefect validates flow parameters against it)."""

DEFAULT_ONLINE_SHARES: tuple[float, ...] = (0.3, 0.6, 0.9)
TARGET_CASES_PER_TASK = 20_000
"""Most simulated cases of one unit (one stored row); units are packed into tasks."""

BUILTIN_SCENARIO = Path(__file__).resolve().parents[1] / "procedures" / "scenarios" / "default.yaml"


@dataclass(frozen=True)
class SimTask:
    """One unit of work: a procedure version, a scenario and a batch of replications,
    with its estimated cost (expected simulated events)."""

    version: LoadedVersion
    scenario: Scenario
    batch: int
    replications: tuple[int, ...]
    cost: float = 0.0

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.version.content_hash, self.scenario.name, self.batch)


def scenario_variants(base: Scenario, online_shares: tuple[float, ...], *,
                      has_channel_choice: bool) -> list[Scenario]:
    """The scenarios a version is simulated under.

    A version with a channel (a ``channel`` case attribute or a channel choice) gets one
    scenario per online share (named
    ``<base>-online-<share>``); a version without one (a paper as-is) cannot be affected by
    the share and is simulated once, under the base scenario. The variants are validated
    either way, so a share outside [0, 1] is refused whatever the version.

    Raises:
        ScenarioError: a share is not a number between 0 and 1.
    """
    # Every variant draws its random numbers under the base scenario's name: the as-is
    # (under the base) and the to-be at each share see the same applicants (paired).
    variants = [base.with_overrides(online_share=share, name=f"{base.name}-online-{share:g}",
                                    stream_name=base.seed_name)
                for share in online_shares]
    if has_channel_choice and variants:
        return variants
    # A version without a channel keeps its own routes: a share in the base scenario does
    # not apply to it (the engine refuses a share it cannot apply).
    return [base.model_copy(update={"online_share": None}) if base.online_share is not None else base]


def check_sweep(versions: list[LoadedVersion], base: Scenario, online_shares: tuple[float, ...],
                catalog_ids: set[str]) -> None:
    """Check, before anything runs, that the sweep's scenarios are valid and fit the catalog
    and each version (the variants differ from the base only in the online share).

    Raises:
        ScenarioError: a share is outside [0, 1]; the burst names an unknown procedure id;
            a headcount override names an actor that is not a pool of some version (located
            in the scenario file).
    """
    scenario_variants(base, online_shares, has_channel_choice=True)
    base.check_procedures(catalog_ids | {v.model.id for v in versions})
    for loaded in versions:
        check_fits(loaded.model, base)


def plan_tasks(versions: list[LoadedVersion], base: Scenario, online_shares: tuple[float, ...],
               replications: int, target_cases: int = TARGET_CASES_PER_TASK) -> list[SimTask]:
    """Cut the sweep into units of at most about ``target_cases`` simulated cases each,
    with their cost: expected events per case × expected cases."""
    tasks: list[SimTask] = []
    events: dict[str, float] = {}
    by_procedure: dict[str, list[ProcedureVersion]] = {}
    for loaded in versions:
        by_procedure.setdefault(loaded.model.id, []).append(loaded.model)
    # `auto` periods: one per procedure, shared by its versions (compared on the same applicants).
    bases = {pid: resolve_periods(base, models) for pid, models in by_procedure.items()}
    for loaded in versions:
        procedure_base = bases[loaded.model.id]
        years = (procedure_base.horizon_days + procedure_base.warmup) / 365
        per_replication = max(1.0, loaded.model.annual_volume * years +
                              (base.burst.applications if base.burst else 0))
        batch_size = max(1, min(replications, math.ceil(target_cases / per_replication)))
        per_case = events.setdefault(loaded.content_hash, events_per_case(loaded.model))
        for scenario in scenario_variants(procedure_base, online_shares,
                                          has_channel_choice=channel_kind(loaded.model) is not None):
            for batch, first in enumerate(range(0, replications, batch_size)):
                reps = tuple(range(first, min(replications, first + batch_size)))
                tasks.append(SimTask(loaded, scenario, batch, reps,
                                     cost=per_case * per_replication * len(reps)))
    return tasks


def builtin_sweep(replications: int = 10) -> tuple[list[LoadedVersion], Scenario, list[SimTask]]:
    """The built-in catalog, the base scenario and the units of ``run all``'s sweep with
    its defaults (the built-in scenario over one year, :data:`DEFAULT_ONLINE_SHARES`),
    checked as :func:`simulate_catalog` checks them: what the benchmarks run."""
    versions = load_catalog_versions()
    base = load_scenario(BUILTIN_SCENARIO).with_overrides(horizon_days=365)
    check_sweep(versions, base, DEFAULT_ONLINE_SHARES, catalog_ids())
    return versions, base, plan_tasks(versions, base, DEFAULT_ONLINE_SHARES, replications,
                                      TARGET_CASES_PER_TASK)


def default_workers() -> int:
    """Workers to pack for when none are given: ``$TETSUZUKI_WORKERS`` (what a deployment
    run's task runner uses), else the CPUs this process may use."""
    text = os.environ.get(WORKERS_ENV, "").strip()
    if text.isdigit() and int(text) > 0:
        return int(text)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return cpus or 1


def pack_tasks(units: list[SimTask], workers: int, tasks: int | None = None
               ) -> list[list[SimTask]]:
    """The units packed into ``tasks`` tasks (default: a few per worker) of about equal
    cost (LPT), the costliest first (:func:`bpr.sim.workload.pack`)."""
    count = min(tasks, len(units)) if tasks else task_count(len(units), workers)
    return pack(units, lambda u: u.cost, max(1, count))


@task(name="simulate-batch", retries=2, retry_delay_seconds=1)
def simulate_task(model: ProcedureVersion, scenario: Scenario,
                  replications: tuple[int, ...]) -> list[dict[str, Any]]:
    """Simulate a batch of replications; returns JSON-ready replication results."""
    return [r.model_dump(mode="json") for r in simulate_batch(model, scenario, replications)]


@task(name="simulate-units", retries=2, retry_delay_seconds=1,
      persist_result=False, cache_policy=NO_CACHE)
def simulate_units(units: list[tuple[ProcedureVersion, Scenario, tuple[int, ...]]]
                   ) -> list[list[dict[str, Any]]]:
    """Simulate packed units, one after another; for each unit its JSON-ready replication
    results (as :func:`simulate_task` gives them)."""
    return [[r.model_dump(mode="json") for r in simulate_batch(model, scenario, replications)]
            for model, scenario, replications in units]


def _strict_json(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The results, after checking they hold no NaN or Infinity (not JSON; undefined
    statistics are stored as null)."""
    try:
        json.dumps(results, allow_nan=False)
    except ValueError as exc:
        raise SimulationError(f"internal error: a simulation result is not a finite number "
                              f"({exc}); nothing of this task was stored") from None
    return results


def store_task_results(store: Store, run_id: int, task: SimTask, results: list[dict[str, Any]]) -> None:
    """One unit's replication results (checked finite: :func:`_strict_json`) stored as a
    row of run ``run_id``, keyed by its version, scenario and batch."""
    v = task.version
    store.put_simulation_result(
        run_id, version_hash=v.content_hash, procedure_id=v.model.id,
        version=v.model.version, name=v.model.name, canonical_json=v.canonical_json,
        scenario_key=task.scenario.name, batch=task.batch, replications=task.replications,
        results={"scenario": task.scenario.model_dump(mode="json"),
                 "replications": _strict_json(results)})


def summarise_run(store: Store, run_id: int) -> list[dict[str, Any]]:
    """One row per (procedure, version, scenario) of a run: the headline estimates, with
    the cases still open when the simulation stopped (``unfinished``, per replication; they
    are left out of the lead time)."""
    groups = group_replications(ReplicationResult.model_validate(rep)
                                for row in store.simulation_results(run_id)
                                for rep in row.results["replications"])
    rows = []
    for (procedure, version, scenario), results in sorted(groups.items()):
        m = summarise(results).metrics

        def mean(name: str, metrics: Any = m) -> float | None:
            est = metrics.get(name)
            return None if est is None or est.mean is None else round(est.mean, 2)

        rows.append({"procedure": procedure, "version": version, "scenario": scenario,
                     "replications": len({r.replication for r in results}),
                     "completed": mean("completed"),
                     "lead_time_days": mean("lead_time_days_mean"),
                     "staff_hours": mean("staff_hours"),
                     "counter_wait_min": mean("counter_wait_minutes_mean"),
                     "paper_steps": mean("paper_steps"), "seals": mean("seals"),
                     "transcriptions": mean("transcriptions"), "backlog": mean("backlog_end"),
                     "unfinished": mean("unfinished")})
    return rows


def _check_unchanged(run_id: int, stored: dict[str, Any], plan: str, base: Scenario) -> None:
    """Refuse to resume a run whose scenario or task plan is not what it was."""
    if scenario_hash(base.model_dump_json()) != stored["scenario_sha256"]:
        raise ResumeError(f"run {run_id}: its scenario ({stored['scenario_file'] or 'built-in'}) "
                          "changed since the run started; start a new run")
    if plan != stored["plan_sha256"]:
        raise ResumeError(f"run {run_id}: the catalog changed since the run started (its task "
                          f"plan differs: {stored['tasks']} tasks stored); start a new run")


def _markdown(rows: list[dict[str, Any]], run_id: int) -> str:
    lines = [f"# Simulation sweep, run {run_id}", "",
             "Per procedure version and scenario: mean over replications.", "",
             "| procedure | version | scenario | completed | lead time (days) | staff hours | "
             "paper steps | seals | re-typings |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['procedure']} | {r['version']} | {r['scenario']} | {r['completed']} | "
                     f"{r['lead_time_days']} | {r['staff_hours']} | {r['paper_steps']} | "
                     f"{r['seals']} | {r['transcriptions']} |")
    open_rows = [r for r in rows if r.get("unfinished")]
    if open_rows:
        lines += ["", "Cases still open when the simulation stopped are left out of the lead "
                  "times (per replication):", ""]
        lines += [f"* {r['procedure']} {r['version']} ({r['scenario']}): {r['unfinished']}"
                  for r in open_rows]
    return "\n".join(lines) + "\n"


@flow(name="simulate-catalog", log_prints=True, task_runner=task_runner_from_env("thread"))
def simulate_catalog(procedures: list[str] | None = None,
                     online_shares: tuple[OnlineShare, ...] | None = None,
                     replications: int | None = None,
                     years: float | None = None,
                     seed: int | None = None,
                     scenario_file: str | None = None,
                     database_url: str | None = None,
                     resume_run: int | None = None,
                     target_cases_per_task: int | None = None,
                     workers: int | None = None,
                     pack_into: int | None = None) -> int:
    """Simulate the catalog (or some procedures) under the scenario variants and store it.

    Options left as ``None`` take their defaults on a new run (all procedures, shares
    0.3/0.6/0.9, 10 replications, 1 year, the scenario's seed, the built-in scenario,
    :data:`TARGET_CASES_PER_TASK`) and the run's own values on a resumed one.

    Args:
        procedures: procedure ids; all of the catalog when omitted.
        online_shares: online shares to sweep for versions with a channel choice, each in
            [0, 1] (checked by Prefect's parameter validation and again by the scenario).
        replications: replications per (version, scenario).
        years: observed horizon in years (the scenario's horizon is replaced).
        seed: base seed; the scenario's when omitted.
        scenario_file: base scenario YAML; the built-in default when omitted.
        database_url: store URL; ``$TETSUZUKI_DATABASE_URL`` or ``.tetsuzuki/`` when omitted.
        resume_run: id of an interrupted or failed simulation run to complete: its stored
            tasks are kept and the missing ones run, with the run's own parameters.
        target_cases_per_task: most simulated cases of one unit (one stored row).
        workers: parallel workers the units are packed for (a few tasks each); the CPUs
            of this machine when omitted. Never changes results.
        pack_into: Prefect tasks to pack the units into, instead of a few per worker (at
            most one per unit). Never changes results.

    Returns:
        The run id in the store.

    Raises:
        ResumeError: an option contradicts the resumed run's own, or the catalog or
            scenario changed since it started.
        StorageError: the resumed run is of another kind, completed, or still running.
    """
    logger = get_run_logger()
    stored, store = None, None
    if resume_run is not None:  # a new run opens the store only once the sweep is checked
        store = Store(database_url)
        resumed = store.run(resume_run)
        if resumed.kind != "simulate":
            raise ResumeError(f"run {resume_run} is an {resumed.kind} run, not a simulation "
                              "run; `run simulate --resume` cannot complete it")
        stored = resumed.parameters
    given = {"procedures": procedures, "online_shares": online_shares,
             "replications": replications, "years": years, "seed": seed,
             "scenario_file": str(Path(scenario_file).resolve()) if scenario_file else None,
             "target_cases_per_task": target_cases_per_task}
    defaults = {"online_shares": DEFAULT_ONLINE_SHARES, "replications": 10, "years": 1.0,
                "target_cases_per_task": TARGET_CASES_PER_TASK}
    options = resolve_options(given, defaults, stored, resume_run)
    base = load_scenario(options["scenario_file"] or BUILTIN_SCENARIO).with_overrides(
        horizon_days=max(1, round(options["years"] * 365)), seed=options["seed"])
    shares = tuple(options["online_shares"])
    versions = load_catalog_versions(options["procedures"])
    check_sweep(versions, base, shares, catalog_ids())
    tasks = plan_tasks(versions, base, shares, options["replications"],
                       options["target_cases_per_task"])
    plan = plan_hash([(*t.key, t.replications) for t in tasks])
    store = store or Store(database_url)
    if stored is not None:
        _check_unchanged(resume_run or 0, stored, plan, base)
        store.adopt_run(resume_run or 0, kind="simulate",
                        flow_run_id=str(flow_run.id) if flow_run.id else None)
        run_id = resume_run or 0
        done = store.done_tasks(run_id)
    else:
        parameters = {**options, "seed": base.seed, "scenario": base.name,
                      "scenario_sha256": scenario_hash(base.model_dump_json()),
                      "plan_sha256": plan, "tasks": len(tasks)}
        run_id = store.start_run("simulate", parameters, seed=base.seed,
                                 code_version=code_version(),
                                 flow_run_id=str(flow_run.id) if flow_run.id else None,
                                 tasks_expected=len(tasks))
        done = set()
    todo = [t for t in tasks if t.key not in done]
    packed = pack_tasks(todo, workers or default_workers(), pack_into)
    logger.info("run %s: %d units (%d already stored) packed into %d tasks, %d versions",
                run_id, len(todo), len(tasks) - len(todo), len(packed), len(versions))
    with store.hold(run_id), recorded_run(store, run_id):
        futures = {simulate_units.submit(as_is_for_runner(
            [(t.version.model, t.scenario, t.replications) for t in group])): group
            for group in packed}
        for future in as_completed(list(futures)):
            for t, results in zip(futures[future], future.result(), strict=True):
                store_task_results(store, run_id, t, results)
    rows = summarise_run(store, run_id)
    store.close()
    create_table_artifact(key="simulation-sweep", table=rows,
                          description=f"Simulation sweep (run {run_id}): means over replications")
    create_markdown_artifact(key="simulation-sweep-summary", markdown=_markdown(rows, run_id),
                             description=f"Simulation sweep (run {run_id})")
    logger.info("run %s completed: %d result rows", run_id, len(rows))
    return run_id
