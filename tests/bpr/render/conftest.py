"""Shared fixtures of the report tests.

The small test catalog (``make_procedures`` in ``test_report.py``) and its report, each
built once for the session and shared by the modules that only read them (a report build
draws every diagram with Graphviz: building the same report in every module was most of
their time). One session-wide Chromium (the executable, skipped with a reason when it is
absent) and that report written with its PDF, for all browser tests.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from bpr.render.pdf import BROWSER_FLAGS, CHROMIUM_NAMES, print_report, with_pdf
from bpr.render.publish import write_report
from bpr.render.report import MANIFEST, build_report, read_sources

RunChromium = Callable[[list[str]], bytes]


@pytest.fixture(scope="session")
def test_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small test catalog with its invalid model (``make_procedures()``). Read only:
    a test that changes sources copies the folder first."""
    from tests.bpr.render.test_report import make_procedures

    return make_procedures(tmp_path_factory.mktemp("procedures"))


@pytest.fixture(scope="session")
def test_catalog_report(test_catalog: Path) -> dict[str, bytes]:
    """``build_report`` of :func:`test_catalog`, built once. Read only: modules take a copy."""
    return build_report(read_sources(test_catalog))


@pytest.fixture(scope="session")
def valid_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small test catalog without its invalid model (``make_procedures(broken=False)``).
    Read only: a test that changes sources copies the folder first."""
    from tests.bpr.render.test_report import make_procedures

    return make_procedures(tmp_path_factory.mktemp("valid-procedures"), broken=False)


@pytest.fixture(scope="session")
def valid_catalog_report(valid_catalog: Path) -> dict[str, bytes]:
    """``build_report`` of :func:`valid_catalog`, built once. Read only: modules take a copy."""
    return build_report(read_sources(valid_catalog))


def _chromium() -> str | None:
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> RunChromium:
    """Run headless Chromium with the given arguments (own profile); its standard output."""
    exe = _chromium()
    if exe is None:
        pytest.skip("Chromium is not installed (scripts/setup.sh installs Debian's chromium)")
    profile = tmp_path_factory.mktemp("chromium-profile")

    def run(args: list[str]) -> bytes:
        done = subprocess.run([exe, *BROWSER_FLAGS, "--virtual-time-budget=5000",
                               f"--user-data-dir={profile}", *args],
                              capture_output=True, timeout=180, check=True, stdin=subprocess.DEVNULL)
        return done.stdout

    return run


@pytest.fixture(scope="session")
def printed_site(chromium: RunChromium, valid_catalog: Path, valid_catalog_report: dict[str, bytes],
                 tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of the small test catalog (no invalid model) with ``report.pdf``, written."""
    files = dict(valid_catalog_report)
    files = with_pdf(files, print_report(files), MANIFEST)
    out = tmp_path_factory.mktemp("printed") / "report"
    write_report(out, files)
    (out.parent / "procedures").symlink_to(valid_catalog)
    return out
