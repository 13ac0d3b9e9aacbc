"""Shared fixtures: paths to the project, the catalog and ../shared, and a model writer."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("long", max_examples=2_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
LONG_RUN = os.environ.get("HYPOTHESIS_PROFILE") == "long"
"""``HYPOTHESIS_PROFILE=long pytest ...``: property tests with bounded examples run many more."""

ROOT = Path(__file__).resolve().parents[1]
PROCEDURES = ROOT / "procedures"
SHARED = ROOT.parent / "shared"
EXAMPLE = PROCEDURES / "childcare" / "child-allowance-claim"


@pytest.fixture
def shared_dir() -> Path:
    """../shared beside the project; tests needing it skip with a reason when absent."""
    if not SHARED.is_dir():
        pytest.skip(f"../shared is not present at {SHARED}")
    return SHARED


@pytest.fixture
def write_model(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write dedented YAML text to ``tmp_path/name`` and return its path."""

    def write(text: str, name: str = "model.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


MINIMAL = """\
id: mini
name: 最小の手続
version: as-is
category: other
annual_volume: 100
volume_source: "assumption: test"
actors:
  - {id: resident, name: 申請者, kind: resident}
  - {id: clerk, name: 窓口, kind: staff, headcount: 2}
steps:
  - {id: start, name: 開始, kind: start, actor: resident}
  - {id: apply, name: 申請書を書く, actor: resident, duration: 10, paper: true, sheets: 1}
  - {id: check, name: 確認する, actor: clerk, duration: 5, channel: counter, in_person: true}
  - {id: end, name: 終了, kind: end, actor: resident}
flows:
  - {from: start, to: apply}
  - {from: apply, to: check}
  - {from: check, to: end}
"""


@pytest.fixture
def minimal_yaml() -> str:
    """A small valid model as YAML text, to be varied by tests."""
    return MINIMAL


# --------------------------------------------------------------------------- parallel runs

SESSION_GROUPS = {"prefect_server": "prefect", "dask_cluster": "prefect", "chromium": "report",
                  "test_catalog": "report", "valid_catalog": "report"}
"""Session fixtures that are expensive to set up (a Prefect server, a Dask cluster, Chromium,
a built report) -> the group of tests that share one worker under ``pytest-xdist``."""


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under ``pytest -n 2 --dist loadgroup`` (``scripts/test.sh``): each test module runs on
    one worker (its module fixtures are built once), the tests that share an expensive session
    fixture run together (:data:`SESSION_GROUPS`; every test under ``tests/flows`` shares the
    Prefect server), and groups with a ``slow`` test are handed out first, so that no long
    group starts last while the other worker idles. Without ``--dist loadgroup``: no change."""
    if config.getoption("dist", "no") != "loadgroup":
        return
    flows = ROOT / "tests" / "flows"
    group: dict[str, str] = {}
    for item in items:
        used = [SESSION_GROUPS[name] for name in getattr(item, "fixturenames", ())
                if name in SESSION_GROUPS]
        if flows in item.path.parents:
            used.append("prefect")
        name = used[0] if used else item.path.relative_to(ROOT).as_posix()
        group[item.nodeid] = name
        item.add_marker(pytest.mark.xdist_group(name))
    slow = {group[item.nodeid] for item in items if item.get_closest_marker("slow")}
    slow |= set(SESSION_GROUPS.values())
    items.sort(key=lambda item: group[item.nodeid] not in slow)  # stable: otherwise in order
