"""Shared fixtures: paths to the project, the catalog and ../shared, and a model writer."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

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

REPORT_MODULES = frozenset(f"tests/bpr/render/{name}.py" for name in (
    "test_report", "test_report_publish", "test_report_print", "test_report_browser", "test_print_doc"))
"""The modules that share the small catalog's report and Chromium (tests/bpr/render/conftest.py)."""


def xdist_scope(nodeid: str) -> str:
    """The group of tests run on one worker under ``pytest -n 2 --dist loadgroup``
    (``scripts/test.sh``): a test module (its module fixtures are built once), every test
    under ``tests/flows`` (one Prefect server and Dask cluster), and :data:`REPORT_MODULES`."""
    module = nodeid.split("::", 1)[0]
    if module.startswith("tests/flows/"):
        return "prefect"
    return "report" if module in REPORT_MODULES else module


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadgroup`` groups by :func:`xdist_scope`. (xdist 3.8's own loadgroup marks
    groups by renaming test ids, which pytest 9.2 no longer allows: it would group nothing.)"""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return xdist_scope(nodeid)

    return GroupScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under ``--dist loadgroup``: the groups with a ``slow`` test (and the Prefect and report
    groups) come first, so that no long group starts last while the other worker idles
    (``--no-loadscope-reorder`` keeps this order). Otherwise: no change."""
    # on a worker, xdist sets ``dist`` to "no" and ``loadgroup`` to whether it was loadgroup
    if not config.getoption("loadgroup", False):
        return
    slow = {xdist_scope(item.nodeid) for item in items if item.get_closest_marker("slow")}
    slow |= {"prefect", "report"}
    items.sort(key=lambda item: xdist_scope(item.nodeid) not in slow)  # stable
