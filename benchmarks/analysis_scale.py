"""Benchmark (not a test): validation, metrics and diff on generated models of 1,000 to
50,000 steps.

A generated model is a chain of blocks, each of about 10 steps: a resident task, a counter
step, a staff check with a rework loop (20% back), a choice guarded by the case attribute
``channel`` (online or paper route, the paper route posts a letter), and every fifth block
an and-split/and-join pair around two staff tasks. The to-be version of the same size
drops the paper steps' paper and moves 10% of the rework elsewhere, so diff matches every
step.

What is measured, for each operation: ``--repeat`` timed runs (default 3; min and median
of CPU and wall seconds printed), then one more run, untimed, under ``tracemalloc`` for the
**peak memory**: the peak of the Python allocations made during the operation above what
was allocated before it (numpy and scipy buffers included: they report to tracemalloc;
the input models are not counted). Timing and tracing are apart because tracing slows
allocation-heavy code two- to threefold. The process's peak RSS (inputs, the YAML parse
and every operation together) is printed at the end.

* **parse**: :func:`bpr.model.yaml_reader.read_yaml` of the model's text (written as JSON,
  which is YAML: libyaml's fast path, :mod:`bpr.model.yaml_fast`; ruamel alone took about
  90 s at 50,000 steps). :data:`bpr.model.yaml_reader.MAX_FILE_BYTES` (1 MiB, a product
  decision that stays) refuses model files of more than about 4,000 generated steps, so
  the benchmark calls ``read_yaml`` and ``validate_located`` directly, past the size check
  of ``load_procedure_text``;
* **validate**: :func:`bpr.model.load.validate_located` on the YAML already read (shape by
  pydantic, then the structural checks, guards included);
* **soundness**: :func:`bpr.analysis.soundness.check_soundness`, the rest of what
  ``tetsuzuki validate`` runs (SESE fragments in sequence, :mod:`bpr.analysis.sese`; the
  whole state space at once took about 25 s at 50,000 steps);
* **metrics**: :func:`bpr.analysis.metrics.measure` on the in-memory model;
* **diff**: :func:`bpr.analysis.diff.diff` of the as-is and to-be models in memory.

Usage::

    .venv/bin/python benchmarks/analysis_scale.py [--sizes 1000 10000 50000] [--repeat 3]
        [--what parse validate soundness metrics diff]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from bpr.analysis.diff import diff
from bpr.analysis.metrics import measure
from bpr.analysis.soundness import check_soundness
from bpr.model.load import validate_located
from bpr.model.yaml_reader import read_yaml
from models.procedure import ProcedureVersion


def generate(steps: int, version: str = "as-is") -> dict[str, Any]:
    """Plain data of a model with about ``steps`` steps (see the module docstring)."""
    paper = version == "as-is"
    data: dict[str, Any] = {
        "id": "scale", "name": "規模試験", "version": version, "category": "other",
        "annual_volume": 1000, "volume_source": "assumption: benchmark",
        "attributes": {"channel": {"online": 0.6, "counter": 0.4}},
        "actors": [{"id": "resident", "name": "申請者", "kind": "resident"},
                   {"id": "clerk", "name": "窓口", "kind": "staff"},
                   {"id": "office", "name": "係", "kind": "staff"}],
        "steps": [{"id": "start", "name": "開始", "kind": "start"}], "flows": [],
    }
    add_step, add_flow = data["steps"].append, data["flows"].append
    last = "start"
    block = 0
    while len(data["steps"]) < steps - 1:
        b = f"b{block}"
        add_step({"id": f"{b}-write", "name": "記入", "actor": "resident", "duration": 5,
                  "paper": paper})
        add_step({"id": f"{b}-counter", "name": "窓口", "actor": "clerk", "duration": 5,
                  "in_person": True})
        add_step({"id": f"{b}-check", "name": "確認", "actor": "clerk", "duration": 3})
        add_step({"id": f"{b}-ok", "name": "不備?", "kind": "choice"})
        add_step({"id": f"{b}-route", "name": "経路", "kind": "choice"})
        add_step({"id": f"{b}-online", "name": "電子", "actor": "office", "duration": 1,
                  "channel": "online"})
        add_step({"id": f"{b}-post", "name": "郵送", "actor": "office", "duration": 2,
                  "channel": "mail", "paper": paper})
        add_flow({"from": last, "to": f"{b}-write"})
        add_flow({"from": f"{b}-write", "to": f"{b}-counter"})
        add_flow({"from": f"{b}-counter", "to": f"{b}-check"})
        add_flow({"from": f"{b}-check", "to": f"{b}-ok"})
        rework = 0.2 if paper else 0.1
        add_flow({"from": f"{b}-ok", "to": f"{b}-write", "probability": rework})
        add_flow({"from": f"{b}-ok", "to": f"{b}-route", "probability": round(1 - rework, 6)})
        add_flow({"from": f"{b}-route", "to": f"{b}-online", "when": {"channel": "online"}})
        add_flow({"from": f"{b}-route", "to": f"{b}-post", "when": {"channel": "counter"}})
        last = f"{b}-merge"
        add_step({"id": last, "name": "合流", "actor": "office", "duration": 1})
        add_flow({"from": f"{b}-online", "to": last})
        add_flow({"from": f"{b}-post", "to": last})
        if block % 5 == 4:
            add_step({"id": f"{b}-split", "name": "並行", "kind": "and-split"})
            add_step({"id": f"{b}-x", "name": "照会", "actor": "office", "duration": 4})
            add_step({"id": f"{b}-y", "name": "審査", "actor": "clerk", "duration": 4})
            add_step({"id": f"{b}-join", "name": "待合せ", "kind": "and-join"})
            for a, z in ((last, f"{b}-split"), (f"{b}-split", f"{b}-x"), (f"{b}-split", f"{b}-y"),
                         (f"{b}-x", f"{b}-join"), (f"{b}-y", f"{b}-join")):
                add_flow({"from": a, "to": z})
            last = f"{b}-join"
        block += 1
    add_step({"id": "end", "name": "終了", "kind": "end"})
    add_flow({"from": last, "to": "end"})
    return data


def _timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], list[float], int]:
    """(CPU seconds of each run, wall seconds of each run, peak traced bytes of one more
    run under tracemalloc)."""
    cpu, wall = [], []
    for _ in range(repeat):
        gc.collect()
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    gc.collect()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return cpu, wall, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 50_000])
    parser.add_argument("--repeat", type=int, default=3)
    what = ["parse", "validate", "soundness", "metrics", "diff"]
    parser.add_argument("--what", nargs="+", default=what, choices=what,
                        help="what to measure (default: all)")
    args = parser.parse_args()
    print(f"load average before the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} CPUs (wall time includes waiting for a CPU)")
    c0 = time.process_time()
    total = 0
    for i in range(10_000_000):
        total += i
    print(f"reference: a 10,000,000-step Python loop takes {time.process_time() - c0:.2f} s CPU "
          "here (to compare runs across machines and loads)")
    print(f"{'steps':>7} {'flows':>7} {'what':<9} {'cpu min':>8} {'cpu med':>8} "
          f"{'wall min':>8} {'wall med':>8} {'peak MB':>8}")
    print("(parse: the model's text, "
          f"{len(json.dumps(generate(args.sizes[-1]), ensure_ascii=False).encode()) / 2**20:.1f}"
          f" MB at {args.sizes[-1]:,} steps; the other rows: the model in memory)")
    for size in args.sizes:
        as_is_data, to_be_data = generate(size), generate(size, "to-be")
        text = json.dumps(as_is_data, ensure_ascii=False)  # JSON is YAML
        located = read_yaml(text, "<benchmark>", kind="model file")
        as_is: ProcedureVersion = ProcedureVersion.model_validate(as_is_data)
        to_be: ProcedureVersion = ProcedureVersion.model_validate(to_be_data)
        runs: list[tuple[str, Callable[[], Any]]] = [
            ("parse", lambda text=text: read_yaml(text, "<benchmark>", kind="model file")),
            ("validate", lambda located=located: validate_located(located)),
            ("soundness", lambda as_is=as_is: check_soundness(as_is)),
            ("metrics", lambda as_is=as_is: measure(as_is)),
            ("diff", lambda as_is=as_is, to_be=to_be: diff(as_is, to_be)),
        ]
        for name, fn in runs:
            if name not in args.what:
                continue
            cpu, wall, peak = _timed(fn, args.repeat)
            print(f"{len(as_is.steps):>7} {len(as_is.flows):>7} {name:<9} {min(cpu):>8.2f} "
                  f"{statistics.median(cpu):>8.2f} {min(wall):>8.2f} "
                  f"{statistics.median(wall):>8.2f} {peak / 2**20:>8.1f}", flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the whole run: {rss:.0f} MB")


if __name__ == "__main__":
    main()
