"""Benchmark of the simulation engine (not a test): simulated cases per second and memory.

Runs the reference model ``benchmarks/reference-model.yaml`` (8 steps, a resident, a
counter pool of 3, a back office of 2, a 20% rework loop, a 60/40 online/counter choice,
the office calendar) through:

* ``bpr.sim`` compiled — the default kernel: the event loop in numba (``bpr.sim.kernel``);
* ``bpr.sim`` Python — the pure-Python reference loop (heapq over per-step lists), which
  gives identical results (``tests/bpr/sim/test_kernel.py``);
* the same model written on SimPy 4, the field's standard kernel, sharing the engine's
  arrivals, calendar and pre-drawn random numbers so that only the kernel differs;
* Prosimos 2.1.0 on the same model exported with ``tetsuzuki prosimos export``, measured in
  the same run in its own virtual environment (``benchmarks/.venv-prosimos``, created on
  first use by ``prosimos_env.py``); its time is that of its simulation
  call alone (start-up and model loading excluded).

Rates are simulated cases per CPU second of the process (``time.process_time``, the best
of ``--repeat`` runs), so that other work on the machine weighs less; wall time is shown
beside. The compiled kernel's first-call compile time is measured in fresh processes with
an empty numba cache (cold) and again with that cache filled (warm).

Usage::

    .venv/bin/python benchmarks/sim_engine.py [--cases 100000] [--python-cases 100000]
        [--simpy-cases 100000] [--prosimos-cases 5000] [--repeat 3] [--no-compile-time]

Peak memory is measured with ``tracemalloc`` in separate runs (tracing slows Python
down, so timings come from untraced runs).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from bpr.interop.prosimos import export_prosimos
from bpr.model.load import load_procedure
from bpr.sim import Scenario, simulate_replication
from bpr.sim.arrivals import ArrivalPlan, generate_arrivals
from bpr.sim.compiled import compile_model, sampler, uniforms
from bpr.sim.engine import office_calendar
from bpr.sim.seeds import replication_seed, stream
from models.procedure import ProcedureVersion

MODEL = Path(__file__).with_name("reference-model.yaml")


def scenario_for(model: ProcedureVersion, cases: int) -> Scenario:
    """A default-calendar scenario long enough for about ``cases`` arrivals."""
    days = max(1, round(cases / model.annual_volume * 365))
    return Scenario(name="benchmark", horizon_days=days, drain_days=60)


def run_engine(model: ProcedureVersion, cases: int, kernel: str = "compiled") -> tuple[int, float, float]:
    """Simulated cases, wall seconds and CPU seconds of one replication of the engine."""
    scenario = scenario_for(model, cases)
    began, cpu = time.perf_counter(), time.process_time()
    result = simulate_replication(model, scenario, 0, kernel=kernel)
    return result.cases, time.perf_counter() - began, time.process_time() - cpu


_FIRST_CALL = """
import time
began, cpu = time.perf_counter(), time.process_time()
from pathlib import Path
from bpr.model.load import load_procedure
from bpr.sim import Scenario, simulate_replication
model = load_procedure(Path({model!r}))
simulate_replication(model, Scenario(name="first", horizon_days=5), 0, kernel="compiled")
print(time.perf_counter() - began, time.process_time() - cpu)
"""


def first_call(cache: Path) -> tuple[float, float]:
    """Wall and CPU seconds of a fresh process's first compiled replication (imports
    included) with the numba cache directory ``cache``."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    done = subprocess.run([sys.executable, "-c", _FIRST_CALL.format(model=str(MODEL))], env=env,
                          capture_output=True, text=True, check=True)
    wall, cpu = done.stdout.split()
    return float(wall), float(cpu)


def run_simpy(model: ProcedureVersion, cases: int) -> tuple[int, float, float]:
    """The same model on SimPy: one process per case, ``simpy.Resource`` per pool."""
    import simpy

    scenario = scenario_for(model, cases)
    cm = compile_model(model, scenario)
    root = replication_seed(scenario.seed, model.id, scenario.name, 0)
    window_end = scenario.warmup + scenario.horizon_days
    office = office_calendar(scenario, window_end + scenario.drain + 30)
    plan = ArrivalPlan(office.origin, scenario.warmup, window_end, model.annual_volume,
                       model.seasonality, cm.online_share, scenario.counter_profile,
                       scenario.online_profile)
    times, online = generate_arrivals(stream(root, "arrivals"), plan, office)
    index = {sid: i for i, sid in enumerate(cm.step_ids)}
    dur = {sid: sampler(cm.durations[i], stream(root, sid)) for sid, i in index.items()}
    rework_delay = cm.delays[index["fix"]]
    assert rework_delay is not None
    delay = sampler(rework_delay, stream(root, "delay"), 1440.0)
    draws = uniforms(stream(root, "choice"))

    began, cpu = time.perf_counter(), time.process_time()
    env = simpy.Environment()
    counter = simpy.Resource(env, capacity=3)
    back_office = simpy.Resource(env, capacity=2)
    lead_times: list[float] = []

    def staff(resource: simpy.Resource, step: str):  # type: ignore[no-untyped-def]
        with resource.request() as request:
            yield request
            worked = office.worked(env.now)
            yield env.timeout(office.finish_at(worked + next(dur[step])) - env.now)

    def case(arrival: float, is_online: bool):  # type: ignore[no-untyped-def]
        if is_online:
            yield env.timeout(next(dur["apply-online"]))
        else:
            yield env.timeout(next(dur["travel"]))
            yield from staff(counter, "reception")
        while True:
            yield from staff(back_office, "review")
            if next(draws) >= 0.2:
                break
            yield env.timeout(next(dur["fix"]) + next(delay))
        lead_times.append((env.now - arrival) / 1440)

    def source():  # type: ignore[no-untyped-def]
        for t, is_online in zip(times.tolist(), online.tolist(), strict=True):
            yield env.timeout(t - env.now)
            env.process(case(t, is_online))

    env.process(source())
    env.run(until=(window_end + scenario.drain) * 1440)
    return len(times), time.perf_counter() - began, time.process_time() - cpu


def run_prosimos(model: ProcedureVersion, cases: int) -> tuple[int, float, float]:
    """Prosimos 2.1.0 on ``model`` exported for about ``cases`` cases: (cases, wall, CPU)
    seconds of its simulation call, measured inside its own virtual environment."""
    from prosimos_env import RUNNER, prosimos_python  # a sibling script

    exported = export_prosimos(model, scenario_for(model, cases))
    with tempfile.TemporaryDirectory() as tmp:
        bpmn, params = Path(tmp) / "model.bpmn", Path(tmp) / "model.json"
        bpmn.write_bytes(exported.bpmn)
        params.write_text(json.dumps(exported.parameters), encoding="utf-8")
        done = subprocess.run([str(prosimos_python()), str(RUNNER), str(bpmn), str(params),
                               str(cases), "7"], capture_output=True, text=True, check=True)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return int(figures["cases"]), float(figures["seconds"]), float(figures["cpu_seconds"])


def peak_memory(model: ProcedureVersion, cases: int) -> float:
    """Peak traced memory (MiB) of one engine replication of about ``cases`` cases."""
    tracemalloc.start()
    run_engine(model, cases)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases for the compiled kernel")
    parser.add_argument("--python-cases", type=int, default=100_000,
                        help="cases for the Python reference kernel")
    parser.add_argument("--simpy-cases", type=int, default=100_000, help="0 to skip SimPy")
    parser.add_argument("--prosimos-cases", type=int, default=5_000,
                        help="cases for Prosimos, measured in the same run; 0 to skip")
    parser.add_argument("--repeat", type=int, default=3, help="best of N engine runs")
    parser.add_argument("--no-compile-time", dest="compile_time", action="store_false",
                        help="skip measuring the first-call compile time")
    args = parser.parse_args()
    model = load_procedure(MODEL)
    run_engine(model, 1000)  # compile (or load the cache), warm imports and caches
    run_engine(model, 1000, "python")

    def best(runs: list[tuple[int, float, float]]) -> tuple[int, float, float]:
        return min(runs, key=lambda r: r[2])

    compiled = best([run_engine(model, args.cases) for _ in range(args.repeat)])
    rows = [("bpr.sim compiled (numba)", *compiled),
            ("bpr.sim Python reference",
             *best([run_engine(model, args.python_cases, "python") for _ in range(args.repeat)]))]
    if args.simpy_cases:
        try:
            rows.append(("SimPy 4, same model", *run_simpy(model, args.simpy_cases)))
        except ImportError:
            print("simpy is not installed; skipping the SimPy comparison")
    if args.prosimos_cases:
        rows.append(("Prosimos 2.1.0, same model", *run_prosimos(model, args.prosimos_cases)))
    rate = compiled[0] / compiled[2]

    print(f"reference model: {MODEL.name}, office calendar, best of {args.repeat} runs by CPU time")
    print(f"{'kernel':26} {'cases':>8} {'wall s':>7} {'CPU s':>6} {'cases/s':>9} "
          f"{'per CPU s':>10} {'compiled is':>11}")
    ratios = {}
    for name, n, seconds, cpu_seconds in rows:
        ratios[name] = rate / (n / cpu_seconds)
        print(f"{name:26} {n:8,d} {seconds:7.2f} {cpu_seconds:6.2f} {n / seconds:9,.0f} "
              f"{n / cpu_seconds:10,.0f} {ratios[name]:10.1f}x")
    print(f"bar: 1,000,000 cases per CPU second (compiled) -> "
          f"{'met' if rate >= 1_000_000 else 'NOT met'} ({rate:,.0f})")
    prosimos = ratios.get("Prosimos 2.1.0, same model")
    if prosimos is not None:
        print(f"bar: 300x Prosimos per CPU second -> {'met' if prosimos >= 300 else 'NOT met'} "
              f"({prosimos:,.0f}x)")
    if args.compile_time:
        with tempfile.TemporaryDirectory() as cache:
            cold = first_call(Path(cache))
            warm = first_call(Path(cache))
        print(f"first call in a fresh process (imports + one short replication): empty numba cache "
              f"{cold[0]:.1f} s wall / {cold[1]:.1f} s CPU; cache filled {warm[0]:.1f} s wall / "
              f"{warm[1]:.1f} s CPU")
    for n in (10_000, args.cases):
        print(f"peak traced memory, {n:,} cases (compiled kernel): {peak_memory(model, n):.1f} MiB")


if __name__ == "__main__":
    main()
