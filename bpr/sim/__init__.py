"""The simulation engine: a year of applications through a procedure version.

Pure computation: give it a validated :class:`~models.procedure.ProcedureVersion` and a
:class:`Scenario`, get JSON-serialisable results back. Orchestration (sweeps over
procedures, scenarios and batches of replications) lives in ``flows/``::

    from bpr.sim import load_scenario, simulate_batch, summarise
    results = simulate_batch(model, load_scenario("procedures/scenarios/default.yaml"), range(10))
    summary = summarise(results)          # mean and 95% CI of every metric
    payload = summary.model_dump(mode="json")
"""

from bpr.sim.engine import simulate_batch, simulate_replication
from bpr.sim.results import (
    METRICS,
    ActorResult,
    Estimate,
    ReplicationResult,
    Summary,
    paired_differences,
    summarise,
)
from bpr.sim.scenario import (
    Burst,
    OfficeHours,
    Scenario,
    ScenarioError,
    load_scenario,
    load_scenario_text,
)

__all__ = [
    "METRICS",
    "ActorResult",
    "Burst",
    "Estimate",
    "OfficeHours",
    "ReplicationResult",
    "Scenario",
    "ScenarioError",
    "Summary",
    "load_scenario",
    "load_scenario_text",
    "paired_differences",
    "simulate_batch",
    "simulate_replication",
    "summarise",
]
