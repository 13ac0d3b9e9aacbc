"""Benchmark (not a test): peak memory of ``tetsuzuki simulate`` as the simulated period grows.

Runs ``tetsuzuki simulate`` on the reference model (``benchmarks/reference-model.yaml``)
with its volume raised to ``--volume`` applications a year (default 10,000,000) and its
headcounts raised in proportion (so the offices keep the reference model's utilisation and
the cases in the system stay about as many however long the run), one replication, for
each of ``--years`` (default 0.05, 0.1, 0.2 and 0.5), each in a fresh process, and prints
the simulated cases (about: the volume over the warm-up and observed days), the process's
CPU and wall seconds and its peak resident set size (``ru_maxrss``), plus the same for
50,000 applications a year (the program's own footprint). Memory is *flat* when the peak
does not grow with the cases; the last column is the growth per simulated case over that
small run.

``--overloaded`` keeps the reference headcounts instead: 3 counter clerks for 10,000,000
applications a year, so nearly every case is still queueing at the end and memory grows
with the cases in the system (each needs its queue entry and its record), as it must.

Usage::

    .venv/bin/python benchmarks/sim_memory.py [--volume 10000000] [--years 0.05 0.1 0.2 0.5]
        [--overloaded]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

MODEL = Path(__file__).with_name("reference-model.yaml")

# Runs the CLI in this process and prints, as the last line of standard error, the
# process's CPU seconds and peak RSS (kilobytes on Linux).
_CHILD = """
import json, resource, sys, time
from bpr.cli import main
wall = time.perf_counter()
sys.argv = ["tetsuzuki", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"cpu": usage.ru_utime + usage.ru_stime, "wall": time.perf_counter() - wall,
                  "rss_mb": usage.ru_maxrss / 1024}), file=sys.stderr)
"""


def run(model: Path, years: float, volume: int) -> dict[str, float]:
    """One ``tetsuzuki simulate`` in a fresh process: its CPU, wall, peak RSS and cases."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, "simulate", str(model), "--years", str(years),
         "--replications", "1", "--workers", "1", "--format", "json"],
        capture_output=True, text=True, check=False)
    figures: dict[str, float] = json.loads(done.stderr.strip().splitlines()[-1])
    try:
        figures["cases"] = _cases(json.loads(done.stdout), volume)
    except ValueError:
        figures["cases"] = float("nan")
    return figures


def _cases(result: dict[str, object], volume: int) -> float:
    """About how many cases arrived: the volume over the warm-up and observed days (the
    JSON holds per-year figures, not the raw count)."""
    scenario = result["scenario"]
    assert isinstance(scenario, dict)
    return volume * (scenario["warmup_days"] + scenario["horizon_days"]) / 365


def scaled(text: str, volume: int, staff: bool) -> str:
    """The reference model's text at ``volume`` a year, with its headcounts scaled alike
    when ``staff``."""
    factor = volume / 20_000
    text = text.replace("annual_volume: 20000", f"annual_volume: {volume}")
    if staff:
        text = re.sub(r"headcount: (\d+)",
                      lambda m: f"headcount: {math.ceil(int(m.group(1)) * factor)}", text)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volume", type=int, default=10_000_000)
    parser.add_argument("--years", type=float, nargs="+", default=[0.05, 0.1, 0.2, 0.5])
    parser.add_argument("--overloaded", action="store_true",
                        help="keep the reference headcounts (the queues grow without bound)")
    args = parser.parse_args()
    print(f"load average before the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "model.yaml"
        text = MODEL.read_text(encoding="utf-8")
        model.write_text(scaled(text, args.volume, not args.overloaded), encoding="utf-8")
        print(f"{'years':>6} {'cases ~':>10} {'cpu s':>7} {'wall s':>7} {'peak MB':>8} "
              f"{'KB/case':>8}")
        small = Path(tmp) / "small.yaml"  # the program's own footprint: a few thousand cases
        small.write_text(scaled(text, 50_000, not args.overloaded), encoding="utf-8")
        base = run(small, 0.05, 50_000)
        print(f"{0.05:>6.3f} {base['cases']:>10,.0f} {base['cpu']:>7.1f} "
              f"{base['wall']:>7.1f} {base['rss_mb']:>8.0f} {'':>8}", flush=True)
        for years in args.years:
            got = run(model, years, args.volume)
            grow = (got["rss_mb"] - base["rss_mb"]) * 1024 / max(got["cases"] - base["cases"], 1)
            print(f"{years:>6.3f} {got['cases']:>10,.0f} {got['cpu']:>7.1f} {got['wall']:>7.1f} "
                  f"{got['rss_mb']:>8.0f} {grow:>8.2f}", flush=True)


if __name__ == "__main__":
    main()
