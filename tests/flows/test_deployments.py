"""prefect.yaml declares both flows on a process work pool, with a portable pull step."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

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
    texts = [str(v) for step in pull for args in step.values() for v in args.values()]
    assert texts, "a pull step is declared"
    assert not any(Path(t).is_absolute() for t in texts)
    assert any("{{ $" in t for t in texts)  # taken from the worker's environment
