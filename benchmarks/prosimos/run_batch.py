"""Run Prosimos on several models, one after the other (runs in .venv-prosimos).

Usage: run_batch.py CASES SEED < [[MODEL.bpmn, PARAMS.json], ...]
Prints a JSON list: null for each model Prosimos simulated, else the error it raised.
"""

import json
import random
import sys
import traceback

import numpy
from prosimos.simulation_engine import run_simulation

cases, seed = int(sys.argv[1]), int(sys.argv[2])
outcomes = []
for bpmn, params in json.load(sys.stdin):
    random.seed(seed)
    numpy.random.seed(seed)
    try:
        run_simulation(bpmn, params, cases, starting_at="2025-04-01T00:00:00.000+00:00")
        outcomes.append(None)
    except BaseException as exc:
        outcomes.append(f"{type(exc).__name__}: {exc}"
                        + ("" if str(exc) else traceback.format_exc()[-400:]))
print(json.dumps(outcomes))
