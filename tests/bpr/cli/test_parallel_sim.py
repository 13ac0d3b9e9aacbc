"""`tetsuzuki simulate` on several cores gives exactly the results of one core."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bpr.cli import app
from bpr.cli.parallel_sim import CASES_PER_WORKER, run_replications, workers_for
from bpr.model.load import load_procedure
from bpr.sim import Scenario, simulate_batch
from tests.conftest import EXAMPLE

runner = CliRunner()


def test_replications_on_two_processes_equal_those_in_one() -> None:
    model = load_procedure(EXAMPLE / "to-be.yaml")
    scenario = Scenario(name="parallel", horizon_days=60)
    numbers = [0, 1, 2, 3, 4]
    seen: list[int] = []
    parallel = run_replications(model, scenario, numbers, workers=2, progress=seen.append)
    assert parallel == simulate_batch(model, scenario, numbers)
    assert sorted(seen) == numbers  # progress for every replication


def test_the_cli_prints_the_same_figures_with_any_number_of_workers() -> None:
    args = ["simulate", str(EXAMPLE), "--replications", "4", "--years", "0.2", "--format", "json"]
    one = runner.invoke(app, [*args, "--workers", "1"])
    two = runner.invoke(app, [*args, "--workers", "2"])
    assert one.exit_code == 0, one.output
    assert two.exit_code == 0, two.output
    assert json.loads(one.stdout) == json.loads(two.stdout)


@pytest.mark.parametrize(("requested", "replications", "cases", "expected"), [
    (3, 10, 1.0, 3),            # asked for: given, however small the work
    (8, 2, 1e6, 2),             # never more processes than replications
    (0, 10, 100.0, 1),          # small work stays in this process
    (0, 1, 1e7, 1),             # one replication: nothing to share
])
def test_workers_follow_the_request_or_the_expected_work(requested: int, replications: int,
                                                         cases: float, expected: int) -> None:
    assert workers_for(requested, replications, cases) == expected


def test_large_work_uses_more_than_one_process_when_there_are_cpus() -> None:
    import os

    cpus = len(os.sched_getaffinity(0))
    assert workers_for(0, 10, 2 * CASES_PER_WORKER) == min(cpus, 10)
