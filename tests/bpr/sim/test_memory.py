"""The engine frees each replication's working set when it returns.

The event loop's closures refer to each other; were that reference cycle left in place,
each replication's queues, heap and cases would stay alive until Python's cycle
collector happened to run, and a sequential sweep would grow to hundreds of MiB. The
test turns the cycle collector off, so any such cycle would accumulate, and checks that
the peak of the last replications is no higher than that of the first ones.
"""

from __future__ import annotations

import gc
import tracemalloc

from bpr.sim import Scenario, simulate_replication
from models.procedure import ProcedureVersion

REPLICATIONS = 50
MARGIN = 1.10
"""Peaks vary a little with the number of cases drawn (Poisson): 10% is far below the
growth one leaked replication per run would cause (its whole working set, each time)."""


def test_sequential_replications_do_not_accumulate_memory(as_is: ProcedureVersion) -> None:
    model = as_is.model_copy(update={"annual_volume": 1200.0})
    scenario = Scenario(name="memory", horizon_days=60, drain_days=30)
    peaks: list[int] = []
    currents: list[int] = []
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        for replication in range(REPLICATIONS):
            tracemalloc.reset_peak()
            result = simulate_replication(model, scenario, replication)
            assert result.cases > 150
            del result
            current, peak = tracemalloc.get_traced_memory()
            peaks.append(peak)
            currents.append(current)
    finally:
        tracemalloc.stop()
        gc.enable()
    first, last = max(peaks[:10]), max(peaks[-10:])
    assert last <= first * MARGIN, (first, last)
    # What stays allocated between replications does not grow either (no leaked cases).
    assert max(currents[-10:]) <= max(currents[:10]) * MARGIN + 64 * 1024, currents
