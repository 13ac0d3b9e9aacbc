"""Resuming a simulation run takes its own options from the store and refuses any that
contradict them, another kind of run, a live run, and a changed catalog or scenario."""

from __future__ import annotations

from pathlib import Path

import pytest

from bpr.errors import StorageError
from flows.resume import RESULT_OPTIONS, ResumeError, plan_hash, resolve_options
from flows.simulate import simulate_catalog
from models.store.database import RunStatus, Store

DEFAULTS = {"online_shares": (0.3, 0.6, 0.9), "replications": 10, "years": 1.0,
            "target_cases_per_task": 20_000}
NOTHING_GIVEN = dict.fromkeys(RESULT_OPTIONS)


def _stored(**changes: object) -> dict[str, object]:
    stored = resolve_options({**NOTHING_GIVEN, "seed": 42}, DEFAULTS, None, None)
    return {**stored, "scenario_sha256": "s", "plan_sha256": "p", **changes}


def test_a_new_run_takes_what_is_given_and_defaults_for_the_rest() -> None:
    options = resolve_options({**NOTHING_GIVEN, "replications": 3, "procedures": ["b", "a"]},
                              DEFAULTS, None, None)
    assert options["replications"] == 3 and options["procedures"] == ["a", "b"]
    assert options["online_shares"] == [0.3, 0.6, 0.9] and options["years"] == 1.0
    assert options["seed"] is None  # the scenario's seed, recorded by the flow


def test_resume_takes_the_runs_own_options_when_none_are_given() -> None:
    stored = _stored(replications=16)
    options = resolve_options(NOTHING_GIVEN, DEFAULTS, stored, 7)
    assert options["seed"] == 42 and options["replications"] == 16


def test_resume_accepts_options_equal_to_the_runs_own() -> None:
    stored = _stored(online_shares=[0.5])
    given = {**NOTHING_GIVEN, "seed": 42, "online_shares": (0.5,), "years": 1}
    assert resolve_options(given, DEFAULTS, stored, 7)["online_shares"] == [0.5]


@pytest.mark.parametrize(("option", "value", "flag"), [
    ("seed", 1, "--seed 1 (the run has 42)"),
    ("procedures", ["x"], "--procedure x (the run has (all))"),
    ("replications", 5, "--replications 5 (the run has 10)"),
    ("target_cases_per_task", 1, "--target-cases-per-task 1 (the run has 20000)"),
    ("online_shares", (0.5,), "--online-share 0.5 (the run has 0.3 0.6 0.9)"),
])
def test_resume_refuses_an_option_that_contradicts_the_run(option: str, value: object,
                                                          flag: str) -> None:
    with pytest.raises(ResumeError, match="run 7 is resumed with its own options") as err:
        resolve_options({**NOTHING_GIVEN, option: value}, DEFAULTS, _stored(), 7)
    assert flag in str(err.value)


def test_a_run_recorded_without_its_parameters_is_not_resumed_by_guesswork() -> None:
    with pytest.raises(ResumeError, match=r"without its full parameters \(.*plan_sha256"):
        resolve_options(NOTHING_GIVEN, DEFAULTS, {"replications": 10}, 3)


def test_the_plan_hash_sees_every_task_and_not_their_order() -> None:
    a = [("h1", "base", 0, (0, 1)), ("h2", "base", 0, (0, 1))]
    assert plan_hash(a) == plan_hash(list(reversed(a)))
    assert plan_hash(a) != plan_hash([*a[:1], ("h2", "base", 0, (0,))])


def test_the_flow_refuses_another_kind_a_live_run_and_changed_plans(
        prefect_server: str, store_file: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(store_file)
    analysis = store.start_run("analyze", {}, seed=None, code_version="t")
    store.finish_run(analysis, RunStatus.FAILED, error="x")
    with pytest.raises(ResumeError, match=f"run {analysis} is an analyze run"):
        simulate_catalog(database_url=store_file, resume_run=analysis)

    monkeypatch.setenv("TETSUZUKI_LEASE_SECONDS", "600")
    sweep = dict(procedures=["child-allowance-claim"], online_shares=(0.5,), replications=1,
                 years=0.05, seed=3)
    run = simulate_catalog(database_url=store_file, **sweep)
    stored = store.run(run)
    assert stored.parameters["seed"] == 3 and stored.parameters["tasks"] == stored.tasks_expected
    # pretend the run died half-way under a live lease held elsewhere: refused
    from sqlalchemy import update

    from models.store.database import Run
    from models.store.tables import utc_now

    with store.transaction() as s:
        s.execute(update(Run).where(Run.id == run).values(
            status=RunStatus.RUNNING, host="another-host.example", heartbeat_at=utc_now()))
    with pytest.raises(StorageError, match=r"still running on another-host\.example"):
        simulate_catalog(database_url=store_file, resume_run=run)
    # the same run, its plan changed under it (another scenario file): refused
    with store.transaction() as s:
        s.execute(update(Run).where(Run.id == run).values(heartbeat_at=None, status="failed"))
    changed = {**stored.parameters, "plan_sha256": "0" * 64}
    with store.transaction() as s:
        s.execute(update(Run).where(Run.id == run).values(parameters=changed))
    with pytest.raises(ResumeError, match="the catalog changed since the run started"):
        simulate_catalog(database_url=store_file, resume_run=run)
    assert store.run(run).status == RunStatus.FAILED  # a refused resume changes nothing
    store.close()
