"""The real Prosimos 2.1.0 runs our export of every catalog procedure version.

Prosimos lives in its own virtual environment (``benchmarks/prosimos_env.py``, shared with
the benchmarks), created from the package registry on first use; without it (no network,
no registry) the test is skipped with the reason.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from bpr.interop.prosimos import export_prosimos
from bpr.model.load import iter_model_files, load_procedure
from bpr.sim.scenario import Scenario
from tests.conftest import PROCEDURES, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from prosimos_env import ProsimosUnavailable, prosimos_python, run_batch


@pytest.mark.slow
def test_prosimos_simulates_the_export_of_every_catalog_version(tmp_path: Path) -> None:
    try:
        prosimos_python()
    except ProsimosUnavailable as exc:
        pytest.skip(f"real Prosimos not available: {exc}")
    files = list(iter_model_files([PROCEDURES]))
    assert len(files) == 62
    pairs = []
    for i, file in enumerate(files):
        exported = export_prosimos(load_procedure(file), Scenario(name="t", horizon_days=30))
        bpmn, params = tmp_path / f"{i}.bpmn", tmp_path / f"{i}.json"
        bpmn.write_bytes(exported.bpmn)
        params.write_text(json.dumps(exported.parameters), encoding="utf-8")
        pairs.append((bpmn, params))
    outcomes = run_batch(pairs, cases=20)
    failed = {str(f.relative_to(PROCEDURES)): o for f, o in zip(files, outcomes, strict=True) if o}
    assert failed == {}
