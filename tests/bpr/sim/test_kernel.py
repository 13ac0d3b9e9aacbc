"""The compiled kernel against the pure-Python reference loop: identical results.

Both kernels read the same pre-drawn random streams in the same order and break ties
between events by the same sequence numbers, so for the same seeds every field of every
result must be equal — not close: equal. The horizon is short (60 days) so that the
Python loop stays quick; the catalog's busiest procedures still draw thousands of
numbers per stream, past the first blocks and refills of the compiled kernel.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bpr.errors import SimulationError
from bpr.model.load import load_procedure, load_procedure_text
from bpr.sim import Scenario, simulate_batch, simulate_replication
from bpr.sim.city import load_city_scenario, simulate_city
from bpr.sim.engine import kernel_choice
from models.procedure import ProcedureVersion
from tests.bpr.sim.conftest import always_scenario, queue_model
from tests.conftest import EXAMPLE, PROCEDURES, ROOT

CATALOG = sorted(p for p in PROCEDURES.glob("**/*.yaml") if p.stem in ("as-is", "to-be"))
REFERENCE = ROOT / "benchmarks" / "reference-model.yaml"


def test_the_catalog_has_versions_to_compare() -> None:
    assert len(CATALOG) >= 40


def _both(model: ProcedureVersion, scenario: Scenario, replications: range) -> None:
    compiled = simulate_batch(model, scenario, replications, keep_cases=True, kernel="compiled")
    python = simulate_batch(model, scenario, replications, keep_cases=True, kernel="python")
    for fast, reference in zip(compiled, python, strict=True):
        assert fast.cases == reference.cases
        assert fast.metrics == reference.metrics
        assert fast.actors == reference.actors
        assert fast.step_visits == reference.step_visits
        assert fast.throughput_per_month == reference.throughput_per_month
        assert fast.case_table == reference.case_table
        assert fast == reference


@pytest.mark.parametrize("path", CATALOG, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_both_kernels_agree_on_every_catalog_version(path: Path) -> None:
    model = load_procedure(path)
    _both(model, Scenario(name="kernel", warmup_days=10, horizon_days=60, drain_days=30), range(2))


def test_both_kernels_agree_on_the_reference_model() -> None:
    """The benchmark's model at full length: some 20,000 cases, every stream refilled."""
    _both(load_procedure(REFERENCE), Scenario(name="kernel", horizon_days=365), range(1))


def test_both_kernels_agree_on_scenario_variants() -> None:
    """Online share, a burst, headcount and travel overrides, around-the-clock queues."""
    model = load_procedure(EXAMPLE / "to-be.yaml").model_copy(update={"annual_volume": 6000.0})
    base = Scenario(name="variants", horizon_days=60)
    for scenario in (base.with_overrides(online_share=0.3, travel_minutes=12),
                     base.with_overrides(headcount={"counter": 1}),
                     Scenario.model_validate({**base.model_dump(), "burst": {
                         "start": "2025-04-14", "days": 5, "applications": 800}})):
        _both(model, scenario, range(1))
    _both(queue_model(2, 10.0, 0.15 * 1440 * 365), always_scenario(horizon_days=20), range(2))


def test_both_kernels_agree_on_a_city() -> None:
    city = load_city_scenario(PROCEDURES / "scenarios" / "city.yaml")
    city = city.model_copy(update={"scenario": city.scenario.with_overrides(horizon_days=61)})
    models = [load_procedure(p) for p in CATALOG if p.stem == "to-be"]
    compiled = simulate_city(models, city, range(2), "to-be", kernel="compiled")
    python = simulate_city(models, city, range(2), "to-be", kernel="python")
    assert compiled == python
    assert sum(r.cases for r in compiled) > 1000


def test_the_compiled_kernel_is_the_default_and_the_environment_selects(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TETSUZUKI_KERNEL", raising=False)
    assert kernel_choice() == "compiled"
    monkeypatch.setenv("TETSUZUKI_KERNEL", "python")
    assert kernel_choice() == "python"
    assert kernel_choice("compiled") == "compiled"   # the parameter wins
    monkeypatch.setenv("TETSUZUKI_KERNEL", "cython")
    with pytest.raises(SimulationError, match=r"unknown simulation kernel 'cython' \(TETSUZUKI_KERNEL\)"):
        simulate_replication(load_procedure(REFERENCE), Scenario(name="x", horizon_days=5), 0)


def test_a_case_no_guarded_flow_is_open_to_fails_alike_in_both_kernels() -> None:
    model = load_procedure_text("""
id: guarded
name: 条件
version: test
category: other
annual_volume: 2000
volume_source: "assumption: test"
attributes:
  channel: {online: 1.0}
  household: {single: 0.5, family: 0.5}
actors:
  - {id: resident, name: 申請者, kind: resident}
  - {id: clerk, name: 係, kind: staff, headcount: 2}
steps:
  - {id: start, name: 開始, kind: start, actor: resident}
  - {id: which, name: 分岐, kind: choice, actor: clerk}
  - {id: work, name: 処理, actor: clerk, duration: 10}
  - {id: end, name: 終了, kind: end, actor: resident}
flows:
  - {from: start, to: which}
  - {from: which, to: work, when: {household: single}}
  - {from: which, to: end, when: {household: family}}
  - {from: work, to: end}
""", "guarded.yaml")
    # Validation refuses such a model; the engine's own check stays for models built in code.
    model = model.model_copy(update={"flows": tuple(f for f in model.flows
                                                    if not (f.source == "which" and f.target == "end"))})
    scenario = Scenario(name="x", horizon_days=30)
    for kernel in ("compiled", "python"):
        with pytest.raises(SimulationError, match=r"no flow out of step 'which' is open to a case "
                                                  r"with \{'channel': 'online', 'household': 'family'\}"):
            simulate_replication(model, scenario, 0, kernel=kernel)


def test_an_instant_beyond_the_compiled_kernels_reserve_fails_with_a_clear_error() -> None:
    """A loop of zero-time steps left with probability 0.001 takes ~1,000 turns in one
    instant: more than the 256 numbers the compiled kernel keeps ready per stream between
    two events. It stops with an error naming the cause and the fix (the reference
    kernel's recursion fails on such a model too, with a RecursionError)."""
    model = load_procedure_text("""
id: spin
name: 空回り
version: test
category: other
annual_volume: 50
volume_source: "assumption: test"
actors:
  - {id: resident, name: 申請者, kind: resident}
  - {id: system, name: システム, kind: system}
steps:
  - {id: start, name: 開始, kind: start, actor: resident}
  - {id: check, name: 確認, actor: system, duration: 0}
  - {id: again, name: 再確認, kind: choice, actor: system}
  - {id: end, name: 終了, kind: end, actor: resident}
flows:
  - {from: start, to: check}
  - {from: check, to: again}
  - {from: again, to: check, probability: 0.999}
  - {from: again, to: end, probability: 0.001}
""", "spin.yaml")
    scenario = Scenario(name="x", horizon_days=30)
    with pytest.raises(SimulationError, match=r"spin \(test\): the compiled kernel stopped: a step "
                                              r"drew more than 256 random numbers within one instant "
                                              r"\(a loop of steps that take no time, taken that often\? "
                                              r"give one of its steps a duration\)"):
        simulate_replication(model, scenario, 0, kernel="compiled")
    # One turn less often: the same loop runs, and both kernels still agree.
    _both(model.model_copy(update={"flows": tuple(
        f.model_copy(update={"probability": {0.999: 0.9, 0.001: 0.1}[f.probability]})
        if f.probability is not None else f for f in model.flows)}), scenario, range(1))
