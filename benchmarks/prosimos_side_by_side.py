"""Side-by-side benchmark (not a test): tetsuzuki's engine and Prosimos on the same model.

Exports ``benchmarks/prosimos/model.yaml`` with :func:`bpr.interop.prosimos.export_prosimos`,
runs the same number of cases through both simulators and prints, for each, simulated
cases per second, mean lead time and mean waiting time, and the ratios.

Prosimos 2.1 is never a dependency of the project: this script installs it into its own
virtual environment ``benchmarks/.venv-prosimos`` (git-ignored) on first use and runs it
there in a subprocess, seeded through Python's ``random`` and ``numpy.random``.

Definitions (the same for both):

* lead time: wall-clock time from a case's arrival to its end (Prosimos:
  ``idle_cycle_time``); with around-the-clock calendars no closed hours are counted;
* waiting time: lead time minus processing time (time a case waits for a resource).
  Prosimos measures processing per case; for our engine the mean processing per case is
  the expected one (expected visits × mean durations), exact in expectation.

Tolerance: both means are compared within 3·√2 standard deviations of our own estimate
over independent replications of the same length (measured in the same run), the
difference of two independent estimates of the same quantity. Queueing theory gives the
exact value of this model (an open Jackson network of M/M/c stations), printed too.

Usage::

    .venv/bin/python benchmarks/prosimos_side_by_side.py [--cases 20000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from prosimos_env import RUNNER, prosimos_python  # a sibling script

from bpr.interop.prosimos import export_prosimos
from bpr.model.load import load_procedure
from bpr.sim import Scenario, simulate_replication
from bpr.sim.calendar import MINUTES_PER_DAY
from bpr.sim.scenario import OfficeHours
from models.procedure import ProcedureVersion

HERE = Path(__file__).resolve().parent
MODEL = HERE / "prosimos" / "model.yaml"


def scenario(cases: int, volume: float, seed: int) -> Scenario:
    """Around-the-clock calendar, flat profiles, a horizon expecting ``cases`` arrivals."""
    return Scenario(
        name="prosimos-benchmark", horizon_days=max(1, round(cases / volume * 365)),
        warmup_days=0, drain_days=365,
        calendar=OfficeHours(open="00:00", close="24:00", weekdays=(0, 1, 2, 3, 4, 5, 6),
                             public_holidays=False, year_end=False),
        counter_profile=(1.0,) * 24, online_profile=(1.0,) * 24, replications=1, seed=seed)


def expected_processing_minutes() -> float:
    """Mean working minutes per case: visits per case × mean duration (geometric rework)."""
    model = load_procedure(MODEL)
    rework = next(f.probability for f in model.outgoing("review") if f.target == "resubmit")
    assert rework is not None
    visits = 1 / (1 - rework)
    return (visits * model.step("review").duration.mean + model.step("approve").duration.mean
            + (visits - 1) * model.step("resubmit").duration.mean)


def erlang_c_wait(arrival_rate: float, service_minutes: float, servers: int) -> float:
    """Mean wait in queue of an M/M/c queue (Erlang C), minutes."""
    load = arrival_rate * service_minutes
    rho = load / servers
    top = load ** servers / math.factorial(servers) / (1 - rho)
    p_wait = top / (sum(load ** k / math.factorial(k) for k in range(servers)) + top)
    return p_wait * service_minutes / (servers - load)


def theoretical_waiting_minutes(model: ProcedureVersion) -> float:
    """Mean waiting per case of the benchmark model as an open Jackson network: the rework
    loop makes intake see 1/(1-p) visits per case; the resident's step has no queue."""
    rate = model.annual_volume / (365 * MINUTES_PER_DAY)
    rework = next(f.probability for f in model.outgoing("review") if f.target == "resubmit") or 0.0
    visits = 1 / (1 - rework)
    intake, approver = model.actor("intake"), model.actor("approver")
    return (visits * erlang_c_wait(rate * visits, model.step("review").duration.mean, intake.headcount)
            + erlang_c_wait(rate, model.step("approve").duration.mean, approver.headcount))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--replications", type=int, default=10,
                        help="our replications used to measure the spread (the tolerance)")
    args = parser.parse_args()
    model = load_procedure(MODEL)
    chosen = scenario(args.cases, model.annual_volume, args.seed)

    began = time.perf_counter()
    ours = simulate_replication(model, chosen, 0)
    our_seconds = time.perf_counter() - began
    our_cases = ours.cases
    our_lead_min = ours.metrics["lead_time_days_mean"] * MINUTES_PER_DAY

    exported = export_prosimos(model, chosen)
    python = prosimos_python()
    with tempfile.TemporaryDirectory() as tmp:
        bpmn, params = Path(tmp) / "model.bpmn", Path(tmp) / "model.json"
        bpmn.write_bytes(exported.bpmn)
        params.write_text(json.dumps(exported.parameters), encoding="utf-8")
        done = subprocess.run([str(python), str(RUNNER), str(bpmn), str(params), str(our_cases),
                               str(args.seed)], capture_output=True, text=True, check=True)
    theirs = json.loads(done.stdout.strip().splitlines()[-1])

    processing = expected_processing_minutes()
    their_lead_min = theirs["lead_time_s_mean"] / 60
    their_wait_min = (theirs["lead_time_s_mean"] - theirs["processing_s_mean"]) / 60
    rows = [
        ("cases simulated", f"{our_cases:,}", f"{theirs['cases']:,}", ""),
        ("wall-clock seconds", f"{our_seconds:.2f}", f"{theirs['seconds']:.2f}", ""),
        ("cases per second", f"{our_cases / our_seconds:,.0f}",
         f"{theirs['cases'] / theirs['seconds']:,.0f}",
         f"{(our_cases / our_seconds) / (theirs['cases'] / theirs['seconds']):.1f}x"),
        ("mean lead time (min)", f"{our_lead_min:.1f}", f"{their_lead_min:.1f}",
         f"{our_lead_min / their_lead_min:.3f}"),
        ("mean processing (min)", f"{processing:.1f} (expected)",
         f"{theirs['processing_s_mean'] / 60:.1f}", ""),
        ("mean waiting (min)", f"{our_lead_min - processing:.1f}", f"{their_wait_min:.1f}",
         f"{(our_lead_min - processing) / their_wait_min:.3f}"),
    ]
    print(f"{'':24}{'tetsuzuki':>18}{'Prosimos 2.1':>16}{'ratio':>10}")
    for name, a, b, r in rows:
        print(f"{name:24}{a:>18}{b:>16}{r:>10}")

    # Tolerance: the spread of our own estimate over independent replications of the same
    # length. Two independent estimates with that standard deviation differ by more than
    # 3·√2·sd in fewer than 0.3% of runs if both simulate the same system.
    leads, waits = [], []
    for r in range(1, args.replications + 1):
        rep = simulate_replication(model, chosen, r)
        lead = rep.metrics["lead_time_days_mean"] * MINUTES_PER_DAY
        leads.append(lead)
        waits.append(lead - processing)
    sd_lead, sd_wait = statistics.stdev(leads), statistics.stdev(waits)
    tol_lead, tol_wait = 3 * math.sqrt(2) * sd_lead, 3 * math.sqrt(2) * sd_wait
    theory_wait = theoretical_waiting_minutes(model)
    print(f"queueing theory (Jackson network, Erlang C): waiting {theory_wait:.1f} min, "
          f"lead {theory_wait + processing:.1f} min")
    print(f"our spread over {args.replications} replications of {our_cases:,} cases: sd lead "
          f"{sd_lead:.1f} min, sd waiting {sd_wait:.1f} min")
    lead_ok = abs(our_lead_min - their_lead_min) <= tol_lead
    wait_ok = abs((our_lead_min - processing) - their_wait_min) <= tol_wait
    print(f"agreement: lead |{our_lead_min - their_lead_min:.1f}| <= {tol_lead:.1f} min: "
          f"{'yes' if lead_ok else 'NO'}; waiting |{our_lead_min - processing - their_wait_min:.1f}| "
          f"<= {tol_wait:.1f} min: {'yes' if wait_ok else 'NO'}")
    for note in exported.warnings:
        print(f"note: {note}")


if __name__ == "__main__":
    main()
