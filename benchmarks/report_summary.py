"""The cost of the report's summary page and charts against ``plan``'s own computation.

Measured in the same run, CPU and wall, min/median of repeats, on the built-in catalog:

* ``plan``: :func:`bpr.planning.catalog_plan.catalog_plan` of the catalog (``tetsuzuki plan
  --no-simulation``'s computation; the reference);
* ``summary``: :func:`bpr.render.summary.build_summary` without the city simulation (the
  plan, the 6-point share curve, the ranking, four charts, the page);
* ``plan + city``: the plan and its peak month from ``--city-replications`` paired
  replications (``tetsuzuki plan --replications N``'s computation);
* ``summary + city``: the summary with the same city simulation and its monthly chart;
* ``procedure charts``: the 31 procedures' own charts.

Run: ``.venv/bin/python benchmarks/report_summary.py [--repeats 3] [--city-replications 2]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from bpr.cli.plan_cmd import load_pairs
from bpr.model.catalog import builtin_root
from bpr.planning.catalog_plan import catalog_plan, city_peak
from bpr.planning.figures import version_figures
from bpr.render.report import read_sources
from bpr.render.summary import CITY_FILE, SummaryOptions, build_summary, procedure_chart
from bpr.sim.city import load_city_scenario_text


def measure(run: Callable[[], object], repeats: int) -> tuple[list[float], list[float]]:
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--city-replications", type=int, default=2)
    args = parser.parse_args()
    sources = read_sources(builtin_root())
    pairs = load_pairs()
    city_source = next(s for s in sources.settings if s.path == CITY_FILE)
    city = load_city_scenario_text(city_source.data.decode("utf-8"), city_source.path)
    reps = args.city_replications
    figures = [(version_figures(a), version_figures(b)) for _i, _n, _l, a, b in pairs]
    cases: dict[str, Callable[[], object]] = {
        "plan": lambda: catalog_plan(pairs),
        "summary": lambda: build_summary(sources.settings, pairs, {}, SummaryOptions(city_replications=0)),
        "procedure charts": lambda: [procedure_chart(a, b) for a, b in figures],
        "plan + city": lambda: catalog_plan(pairs, peak=city_peak(pairs, city, reps)),
        "summary + city": lambda: build_summary(sources.settings, pairs, {},
                                                SummaryOptions(city_replications=reps)),
    }
    results = {name: measure(run, args.repeats) for name, run in cases.items()}
    base_wall = statistics.median(results["plan"][0])
    base_cpu = statistics.median(results["plan"][1])
    print(f"{len(pairs)} procedures, {args.repeats} repeats, city replications {reps}")
    print(f"{'case':18} {'wall min':>9} {'wall med':>9} {'cpu min':>9} {'cpu med':>9} "
          f"{'× plan wall':>11} {'× plan cpu':>10}")
    for name, (walls, cpus) in results.items():
        print(f"{name:18} {min(walls):9.2f} {statistics.median(walls):9.2f} {min(cpus):9.2f} "
              f"{statistics.median(cpus):9.2f} {statistics.median(walls) / base_wall:11.1f} "
              f"{statistics.median(cpus) / base_cpu:10.1f}")


if __name__ == "__main__":
    main()
