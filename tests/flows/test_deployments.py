"""prefect.yaml declares both flows on a process work pool, with a portable pull step."""

from __future__ import annotations

import asyncio
import importlib
from pathlib import Path
from typing import Any

import pytest
import yaml  # PyYAML comes with Prefect, which reads prefect.yaml with it too
from prefect.flows import Flow

from tests.conftest import ROOT


def _config() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "prefect.yaml").read_text("utf-8"))
    return data


def test_both_flows_are_deployed_on_a_process_pool() -> None:
    deployments = {d["name"]: d for d in _config()["deployments"]}
    assert set(deployments) == {"simulate-catalog", "analyze-catalog"}
    for deployment in deployments.values():
        path, _, name = deployment["entrypoint"].partition(":")
        assert (ROOT / path).is_file()
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert isinstance(getattr(module, name), Flow)
        assert deployment["work_pool"]["name"] == "tetsuzuki-process"


def test_pull_step_hard_codes_no_absolute_path() -> None:
    pull = _config()["pull"]
    assert [list(step) for step in pull] == [["flows.deploy_steps.enter_project"]]
    texts = [str(v) for step in pull for args in step.values() for v in (args or {}).values()]
    assert not any(Path(t).is_absolute() for t in texts)  # the path comes from the worker


def test_pull_step_enters_the_project_or_names_the_missing_setting(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.deployments.steps.core import run_step

    (step,) = _config()["pull"]
    monkeypatch.delenv("TETSUZUKI_PROJECT_DIR", raising=False)
    with pytest.raises(Exception, match="TETSUZUKI_PROJECT_DIR is not set on this worker"):
        asyncio.run(run_step(step))
    monkeypatch.setenv("TETSUZUKI_PROJECT_DIR", str(tmp_path))
    with pytest.raises(Exception, match="is not a tetsuzuki checkout"):
        asyncio.run(run_step(step))
    monkeypatch.setenv("TETSUZUKI_PROJECT_DIR", str(ROOT))
    monkeypatch.chdir(tmp_path)
    assert asyncio.run(run_step(step)) == {"directory": str(ROOT.resolve())}
    assert Path.cwd() == ROOT.resolve()


def test_the_simulation_deployment_runs_on_a_process_pool_and_can_choose(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

    from flows.common import task_runner_from_env

    (sim,) = [d for d in _config()["deployments"] if d["name"] == "simulate-catalog"]
    env = sim["work_pool"]["job_variables"]["env"]
    monkeypatch.setenv("TETSUZUKI_TASK_RUNNER", env["TETSUZUKI_TASK_RUNNER"])
    assert isinstance(task_runner_from_env("thread"), ProcessPoolTaskRunner)
    monkeypatch.setenv("TETSUZUKI_TASK_RUNNER", "thread")
    assert isinstance(task_runner_from_env("process"), ThreadPoolTaskRunner)
    monkeypatch.setenv("TETSUZUKI_TASK_RUNNER", "gpu")
    with pytest.raises(ValueError, match="use process, thread or dask"):
        task_runner_from_env("thread")


def test_an_unreachable_dask_scheduler_is_a_clean_error() -> None:
    import socket

    from bpr.errors import TetsuzukiError
    from flows.common import make_task_runner

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(TetsuzukiError, match=f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}"):
        make_task_runner("dask", dask_address=f"tcp://127.0.0.1:{port}")
    with pytest.raises(TetsuzukiError, match="expected tcp://HOST:PORT"):
        make_task_runner("dask", dask_address="http://")
