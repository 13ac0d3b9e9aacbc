"""Benchmark of a city run (not a test): the whole catalog as one city, a year.

Simulates every procedure of the built-in catalog through the shared pools of
``procedures/scenarios/city.yaml`` in one event loop, ``--replications`` replications of
the as-is and of the to-be, on one core, with the compiled kernel (``--repeat`` times)
and the Python reference kernel (``--python-repeat`` times; 0 to skip); prints CPU and
wall time (min and median) and simulated cases per CPU second, beside the
single-procedure engine's figures measured in the same run on
``benchmarks/reference-model.yaml``. The bar: the city year × 10 replications × 2
versions in under 10 seconds.

Usage::

    .venv/bin/python benchmarks/city.py [--replications 10] [--repeat 3] [--python-repeat 1]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bpr.cli.simulate_cmd import city_models
from bpr.model.load import load_procedure
from bpr.sim import Scenario, simulate_replication
from bpr.sim.city import load_city_scenario, simulate_city_replication

ROOT = Path(__file__).resolve().parents[1]


def city_once(replications: int, kernel: str) -> tuple[int, float, float]:
    """Cases, wall and CPU seconds of the catalog city, as-is and to-be."""
    city = load_city_scenario(ROOT / "procedures" / "scenarios" / "city.yaml")
    as_is, to_be = city_models(ROOT / "procedures")
    cases = 0
    began, cpu = time.perf_counter(), time.process_time()
    for label, models in (("as-is", as_is), ("to-be", to_be)):
        for r in range(replications):
            cases += simulate_city_replication(models, city, r, label, kernel=kernel).cases
    return cases, time.perf_counter() - began, time.process_time() - cpu


def engine_once(cases: int, kernel: str) -> tuple[int, float, float]:
    """Cases, wall and CPU seconds of one replication of the reference model."""
    model = load_procedure(Path(__file__).with_name("reference-model.yaml"))
    days = max(1, round(cases / model.annual_volume * 365))
    scenario = Scenario(name="benchmark", horizon_days=days, drain_days=60)
    began, cpu = time.perf_counter(), time.process_time()
    result = simulate_replication(model, scenario, 0, kernel=kernel)
    return result.cases, time.perf_counter() - began, time.process_time() - cpu


def _line(name: str, runs: list[tuple[int, float, float]]) -> str:
    cases = runs[0][0]
    walls, cpus = [r[1] for r in runs], [r[2] for r in runs]
    return (f"{name:<34} {cases:>9,} cases  CPU min {min(cpus):6.2f} s, median "
            f"{statistics.median(cpus):6.2f} s  wall min {min(walls):6.2f} s, median "
            f"{statistics.median(walls):6.2f} s  {cases / min(cpus):>9,.0f} cases/CPU s")


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--python-repeat", type=int, default=1)
    parser.add_argument("--engine-cases", type=int, default=100_000)
    args = parser.parse_args()
    engine_once(1000, "compiled")  # compile or load the numba cache before timing
    print(f"city: catalog, 1 year, {args.replications} replications × (as-is, to-be), one core")
    city = [city_once(args.replications, "compiled") for _ in range(args.repeat)]
    print(_line("city, compiled kernel", city))
    if args.python_repeat:
        reference = [city_once(args.replications, "python") for _ in range(args.python_repeat)]
        print(_line("city, Python reference kernel", reference))
        print(f"compiled / Python (CPU, min): {min(r[2] for r in reference) / min(r[2] for r in city):.1f}x")
    for kernel in ("compiled", "python"):
        engine = [engine_once(args.engine_cases, kernel) for _ in range(args.repeat)]
        print(_line(f"engine, {kernel} (reference model)", engine))
    best = min(r[2] for r in city)
    print(f"bar: city year × {args.replications} replications × 2 versions under 10 s CPU -> "
          f"{'met' if best < 10 else 'NOT met'} ({best:.2f} s)")


if __name__ == "__main__":
    main()
