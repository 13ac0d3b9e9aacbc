"""Simulation results: one replication, and the summary over replications.

Everything here is a pydantic model, so ``result.model_dump(mode="json")`` is plain JSON
and ``ReplicationResult.model_validate(data)`` rebuilds a result (e.g. after it came back
from a worker process); :func:`summarise` accepts results from any number of batches.

Scalar results of a replication are kept in one flat ``metrics`` mapping, described in
:data:`METRICS` (plus ``hours:<actor>`` and ``utilisation:<actor>`` per staff pool), so
that the summary, the tables and the store treat them alike.

An undefined statistic — the mean lead time of a replication in which no case finished,
the counter wait when nobody was served in person, the confidence interval of a single
replication — is ``None`` (``null`` in JSON), never NaN: NaN is not JSON, and a reader
must not mistake "no data" for a number. Results read back with NaN (stored before this
rule) are turned into ``None`` on validation.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bpr.errors import SimulationError

__all__ = [
    "METRICS",
    "ActorResult",
    "Estimate",
    "ReplicationResult",
    "Summary",
    "estimate",
    "paired_differences",
    "summarise",
    "t_quantile_975",
]

METRICS: dict[str, str] = {
    "arrived": "applications arrived in the observed period, per year",
    "completed": "cases completed in the observed period, per year",
    "backlog_end": "cases in progress at the end of the observed period",
    "unfinished": "cases of the observed period still open when the simulation stopped",
    "stuck": "cases of the observed period that can never finish: every branch waits at an "
    "and-join",
    "lead_time_days_mean": "lead time from application to end, calendar days, mean per case",
    "lead_time_days_p50": "lead time, median",
    "lead_time_days_p90": "lead time, 90th percentile",
    "resident_minutes_mean": "resident minutes per case: working + waiting + travel",
    "resident_working_minutes_mean": "resident minutes per case spent on steps (own or in person)",
    "resident_waiting_minutes_mean": "resident minutes per case waiting at the counter",
    "resident_travel_minutes_mean": "resident minutes per case travelling",
    "counter_visits_mean": "counter visits per case (walk-in and appointment)",
    "counter_wait_minutes_mean": "waiting time at the counter per in-person service, mean",
    "counter_wait_minutes_p90": "waiting time at the counter per in-person service, 90th pct",
    "wip_mean": "cases in progress, time average over the observed period",
    "resident_hours": "resident hours, per year",
    "staff_hours": "working hours of all staff and approver pools, per year",
    "counter_visits": "counter visits (walk-in and appointment), per year",
    "home_visits": "home visits by staff, per year",
    "appointment_visits": "counter visits at a booked slot, per year",
    "paper_steps": "steps handling paper, per year",
    "sheets": "sheets of paper, per year",
    "seals": "seals (押印), per year",
    "signatures": "handwritten signatures (自署), per year",
    "transcriptions": "re-typings (転記), per year",
}
"""Name and meaning of every scalar metric."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


def _nan_is_none(value: object) -> object:
    """NaN means "undefined": store it as ``None``."""
    return None if isinstance(value, float) and math.isnan(value) else value


class ActorResult(_Frozen):
    """Work of one staff or approver pool in the observed period."""

    actor: str
    name: str
    kind: str
    headcount: int
    hours: float = Field(description="Working hours spent on cases, per year.")
    utilisation: float = Field(description="Share of the pool's open hours spent working.")


class ReplicationResult(_Frozen):
    """The outcome of one replication of one procedure version under one scenario."""

    procedure: str
    version: str
    scenario: str
    replication: int
    seed: int = Field(description="The scenario's base seed.")
    spawn_key: list[int] = Field(description="SeedSequence spawn key of this replication.")
    start: date = Field(description="First observed day.")
    end: date = Field(description="Last observed day.")
    years: float = Field(description="Length of the observed period in years of 365 days.")
    cases: int = Field(description="Cases simulated, warm-up included.")
    metrics: dict[str, float | None] = Field(
        description="Scalar results (see METRICS); None where undefined (e.g. no case finished).")
    throughput_per_month: dict[str, float] = Field(description="Cases completed per month.")
    actors: list[ActorResult]
    step_visits: dict[str, float] = Field(
        description="Executions of each step per case of the observed period.")
    case_table: dict[str, list[float]] | None = Field(
        None, description="Per-case columns of the observed period's finished cases, when asked "
        "for: arrival_minute (clock minutes from the first simulated day, warm-up included), "
        "lead_time_days, working, waiting, travel (resident minutes) and visits.")
    percentiles: str = Field(
        "exact", description="How the percentile metrics were computed: 'exact', or from a "
        "histogram with its relative error once a replication has more values than it keeps "
        "exactly (bpr.sim.quantiles).")

    @field_validator("metrics", mode="before")
    @classmethod
    def _undefined(cls, value: object) -> object:
        if isinstance(value, dict):
            return {k: _nan_is_none(v) for k, v in value.items()}
        return value


class Estimate(_Frozen):
    """Mean over replications with a 95% confidence interval (Student t).

    ``mean`` is ``None`` when no replication has a value (``n`` = 0); the interval and
    ``sd`` are ``None`` with fewer than two.
    """

    mean: float | None
    low: float | None
    high: float | None
    half_width: float | None
    sd: float | None
    n: int


class Summary(_Frozen):
    """Estimates over the replications of one procedure version under one scenario."""

    procedure: str
    version: str
    scenario: str
    replications: int
    start: date
    end: date
    metrics: dict[str, Estimate]
    throughput_per_month: dict[str, Estimate]
    step_visits: dict[str, Estimate]
    percentiles: str = Field("exact", description="How the replications' percentiles were "
                             "computed: 'exact' if in all of them, else the histogram's method.")


# Two-sided 95% Student t quantiles for 1..30 degrees of freedom.
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
         2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
         2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def t_quantile_975(df: int) -> float:
    """The 0.975 quantile of Student's t with ``df`` degrees of freedom.

    A table up to 30, then the Cornish-Fisher expansion around the normal quantile (error
    below 1e-4 there).

    Raises:
        ValueError: ``df`` < 1.
    """
    if df < 1:
        raise ValueError(f"degrees of freedom must be >= 1, got {df}")
    if df <= len(_T975):
        return _T975[df - 1]
    z = 1.959963984540054
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def estimate(values: Sequence[float | None]) -> Estimate:
    """Mean and 95% confidence interval of independent replications' values.

    Undefined values (``None``, NaN) are left out and ``n`` counts the others. With none
    left the mean is ``None``; with one the interval is unknown (``None``).

    Raises:
        SimulationError: no values.
    """
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not values:
        raise SimulationError("no replication results to summarise")
    if not finite:
        return Estimate(mean=None, low=None, high=None, half_width=None, sd=None, n=0)
    mean = statistics.fmean(finite)
    if len(finite) < 2:
        return Estimate(mean=mean, low=None, high=None, half_width=None, sd=None, n=len(finite))
    sd = statistics.stdev(finite)
    half = t_quantile_975(len(finite) - 1) * sd / math.sqrt(len(finite))
    return Estimate(mean=mean, low=mean - half, high=mean + half, half_width=half, sd=sd,
                    n=len(finite))


def _estimates(mappings: Iterable[Mapping[str, float | None]]) -> dict[str, Estimate]:
    rows = list(mappings)
    keys: list[str] = []
    for row in rows:
        keys += [k for k in row if k not in keys]
    return {k: estimate([row.get(k, 0.0) for row in rows]) for k in keys}


def summarise(results: Sequence[ReplicationResult]) -> Summary:
    """Combine replications of the same procedure version and scenario.

    Args:
        results: replication results, from one or several batches.

    Returns:
        The summary; replications with the same number are counted once.

    Raises:
        SimulationError: no results, or results of different procedures, versions or
            scenarios.
    """
    if not results:
        raise SimulationError("no replication results to summarise")
    first = results[0]
    unique: dict[int, ReplicationResult] = {}
    for r in results:
        if (r.procedure, r.version, r.scenario) != (first.procedure, first.version, first.scenario):
            raise SimulationError(
                f"cannot summarise {r.procedure} {r.version} under {r.scenario} together with "
                f"{first.procedure} {first.version} under {first.scenario}")
        unique.setdefault(r.replication, r)
    reps = [unique[k] for k in sorted(unique)]
    return Summary(
        procedure=first.procedure, version=first.version, scenario=first.scenario,
        replications=len(reps), start=first.start, end=first.end,
        metrics=_estimates(r.metrics for r in reps),
        throughput_per_month=_estimates(r.throughput_per_month for r in reps),
        step_visits=_estimates(r.step_visits for r in reps),
        percentiles=next((r.percentiles for r in reps if r.percentiles != "exact"), "exact"),
    )


def paired_differences(as_is: Sequence[ReplicationResult],
                       to_be: Sequence[ReplicationResult]) -> dict[str, Estimate]:
    """Per metric, the mean of the paired differences (to-be − as-is) over replications
    with its own 95% confidence interval.

    Replication *r* of both versions saw the same applicants (common random numbers,
    :mod:`bpr.sim.seeds`), so the differences of the pairs are independent across
    replications and their Student-t interval is the interval of the difference — much
    narrower than the two versions' intervals combined when the versions react alike to
    the same applicants (Law, *Simulation Modeling and Analysis*, common random numbers).

    Args:
        as_is: replication results of the first version.
        to_be: replication results of the second version, same procedure and scenario.

    Returns:
        Metric name -> estimate of the difference, for the metrics both versions have
        (in the order of :data:`METRICS`, then the others); a pair where either value is
        undefined is left out (``n`` counts the pairs used).

    Raises:
        SimulationError: no results; different procedures or scenarios; no replication
            number in common.
    """
    if not as_is or not to_be:
        raise SimulationError("no replication results to pair")
    a0, b0 = as_is[0], to_be[0]
    if (a0.procedure, a0.scenario) != (b0.procedure, b0.scenario):
        raise SimulationError(f"cannot pair {a0.procedure} under {a0.scenario} with "
                              f"{b0.procedure} under {b0.scenario}: paired replications share the "
                              "procedure and the scenario (they are seeded from both)")
    first = {r.replication: r for r in as_is}
    second = {r.replication: r for r in to_be}
    common = sorted(first.keys() & second.keys())
    if not common:
        raise SimulationError("the two versions have no replication number in common to pair")
    names = [k for k in METRICS if k in a0.metrics and k in b0.metrics]
    names += [k for k in a0.metrics if k in b0.metrics and k not in names]
    out: dict[str, Estimate] = {}
    for name in names:
        diffs: list[float | None] = []
        for r in common:
            a, b = first[r].metrics.get(name), second[r].metrics.get(name)
            diffs.append(None if a is None or b is None else b - a)
        out[name] = estimate(diffs)
    return out
