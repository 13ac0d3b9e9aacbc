"""Run one Prosimos simulation and print its figures as JSON (runs in .venv-prosimos).

Usage: run_prosimos.py MODEL.bpmn PARAMS.json CASES SEED
"""

import json
import random
import sys
import time

import numpy
from prosimos.simulation_engine import run_simulation

bpmn, params, cases, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
random.seed(seed)
numpy.random.seed(seed)
began, began_cpu = time.perf_counter(), time.process_time()
results, _log = run_simulation(bpmn, params, cases, starting_at="2025-04-01T00:00:00.000+00:00")
seconds = time.perf_counter() - began
cpu_seconds = time.process_time() - began_cpu
kpi = results[0]  # [process_kpi, task_exec_info, resource_utilization, started_at, ended_at]
print(json.dumps({
    "cases": cases,
    "seconds": seconds,
    "cpu_seconds": cpu_seconds,
    "lead_time_s_mean": kpi.idle_cycle_time.avg,
    "processing_s_mean": kpi.processing_time.avg,
    "waiting_s_mean": kpi.waiting_time.avg,
}))
