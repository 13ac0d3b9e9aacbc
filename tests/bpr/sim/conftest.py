"""Fixtures of the simulation tests: small literal models and scenarios."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from bpr.model.load import load_procedure, load_procedure_text
from bpr.sim import Scenario
from models.procedure import ProcedureVersion
from tests.conftest import EXAMPLE


def queue_model(servers: int, mean_service: float, annual_volume: float,
                calendar: str = "always") -> ProcedureVersion:
    """One staff pool of ``servers`` serving residents in person, exponential service;
    every application online (``channel: online``), so arrivals come around the clock."""
    return load_procedure_text(f"""
id: queue
name: 待ち行列
version: test
category: other
annual_volume: {annual_volume}
volume_source: "assumption: test"
attributes:
  channel: {{online: 1.0}}
actors:
  - {{id: resident, name: 申請者, kind: resident}}
  - {{id: counter, name: 窓口, kind: staff, headcount: {servers}, calendar: {calendar}}}
steps:
  - {{id: start, name: 開始, kind: start, actor: resident}}
  - {{id: serve, name: 受付, actor: counter, duration: {{dist: exponential, mean: {mean_service}}},
     channel: counter, in_person: true}}
  - {{id: end, name: 終了, kind: end, actor: resident}}
flows:
  - {{from: start, to: serve}}
  - {{from: serve, to: end}}
""", "queue.yaml")


def always_scenario(horizon_days: int, **changes: object) -> Scenario:
    """Arrivals at a constant rate around the clock (all 'online', flat hourly profile)."""
    data: dict[str, object] = dict(name="always", online_share=1.0, online_profile=[1.0] * 24,
                                   warmup_days=20, horizon_days=horizon_days, drain_days=30)
    data.update(changes)
    return Scenario.model_validate(data)


def erlang_c_waiting(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Mean waiting time in queue of M/M/c (Erlang C formula)."""
    a = arrival_rate / service_rate
    below = sum(a**k / math.factorial(k) for k in range(servers))
    top = a**servers / math.factorial(servers) * servers / (servers - a)
    probability_wait = top / (below + top)
    return probability_wait / (servers * service_rate - arrival_rate)


@pytest.fixture
def as_is() -> ProcedureVersion:
    """The example as-is model (child-allowance claim)."""
    return load_procedure(EXAMPLE / "as-is.yaml")


@pytest.fixture
def to_be() -> ProcedureVersion:
    """The example to-be model (child-allowance claim)."""
    return load_procedure(EXAMPLE / "to-be.yaml")


@pytest.fixture
def model_text() -> Callable[[str], ProcedureVersion]:
    """Load a model from YAML text."""
    return lambda text: load_procedure_text(text, "test.yaml")
