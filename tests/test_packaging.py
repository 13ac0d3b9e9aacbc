"""The top-level packages are this project's, installed as the README says."""

from __future__ import annotations

from pathlib import Path

import bpr
import flows
import models
import procedures
from tests.conftest import ROOT


def test_models_package_is_this_projects() -> None:
    # `models` is a common name: make sure the import is not some other distribution's.
    assert Path(models.__file__).resolve().is_relative_to(ROOT)


def test_all_top_level_packages_resolve_inside_the_project() -> None:
    for package in (bpr, flows, procedures):
        assert Path(package.__file__).resolve().is_relative_to(ROOT), package.__name__
