"""Compile the simulation kernel ahead of use: ``python -m bpr.sim.warm``.

numba compiles the kernel on its first call (about 20 s of CPU) and caches it on disk
(``NUMBA_CACHE_DIR``, by default ``~/.cache/tetsuzuki/numba``); a later process loads it
in about a second. ``scripts/setup.sh`` runs this once, so that no run or test — and no
worker process started at the same moment as others — pays for the compilation.
"""

from __future__ import annotations

import time

__all__ = ["warm"]


def warm() -> float:
    """Run one short replication and one short city replication; returns the seconds."""
    from bpr.model.catalog import builtin_root
    from bpr.model.load import load_procedure
    from bpr.sim import Scenario, simulate_replication

    began = time.perf_counter()
    root = builtin_root()
    model = load_procedure(root / "childcare" / "child-allowance-claim" / "to-be.yaml")
    simulate_replication(model, Scenario(name="warm-up", horizon_days=3, warmup_days=0,
                                         drain_days=3), 0)
    return time.perf_counter() - began


if __name__ == "__main__":  # pragma: no cover - run by scripts/setup.sh
    print(f"simulation kernel ready ({warm():.1f} s)")
