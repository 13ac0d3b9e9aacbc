"""Real Prosimos 2.1.0 in its own virtual environment, shared by the benchmarks and tests.

Prosimos pins its own versions of numpy, pandas and others, so it lives in
``benchmarks/.venv-prosimos`` (git-ignored), created and filled from the package
registry on first use. ``benchmarks/sim_engine.py``, ``benchmarks/prosimos_side_by_side.py``
and ``tests/bpr/interop/test_prosimos_real.py`` all go through :func:`prosimos_python`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

__all__ = ["BATCH_RUNNER", "PROSIMOS_VERSION", "RUNNER", "VENV", "ProsimosUnavailable",
           "prosimos_python", "run_batch"]

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv-prosimos"
RUNNER = HERE / "prosimos" / "run_prosimos.py"
BATCH_RUNNER = HERE / "prosimos" / "run_batch.py"
PROSIMOS_VERSION = "2.1.0"


class ProsimosUnavailable(RuntimeError):
    """The Prosimos environment could not be created (no network, no registry, ...)."""


def prosimos_python() -> Path:
    """The Prosimos environment's interpreter, created and filled on first use.

    Raises:
        ProsimosUnavailable: the environment could not be created or Prosimos installed;
            the message carries pip's last output lines.
    """
    python = VENV / "bin" / "python"
    if not python.exists():
        made = subprocess.run([sys.executable, "-m", "venv", str(VENV)], capture_output=True,
                              text=True)
        if made.returncode != 0:
            raise ProsimosUnavailable(f"cannot create {VENV}: {made.stderr.strip()[-500:]}")
    probe = subprocess.run([str(python), "-c", "import prosimos"], capture_output=True)
    if probe.returncode != 0:
        done = subprocess.run([str(python), "-m", "pip", "install", "-q",
                               f"prosimos=={PROSIMOS_VERSION}"], capture_output=True, text=True)
        if done.returncode != 0:
            raise ProsimosUnavailable(f"cannot install prosimos=={PROSIMOS_VERSION} into {VENV}: "
                                      f"{done.stderr.strip()[-500:]}")
    return python


def run_batch(models: list[tuple[Path, Path]], cases: int, seed: int = 7,
              timeout: float = 1800) -> list[str | None]:
    """Run Prosimos on each (BPMN, parameters) pair in one process.

    Returns:
        For each pair, None when Prosimos completed the simulation, else its error.
    """
    python = prosimos_python()
    listing = json.dumps([[str(b), str(p)] for b, p in models])
    done = subprocess.run([str(python), str(BATCH_RUNNER), str(cases), str(seed)], input=listing,
                          capture_output=True, text=True, timeout=timeout, check=True)
    return list(json.loads(done.stdout.strip().splitlines()[-1]))
