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
