"""Shared fixtures of the report tests that open the report in headless Chromium.

One session-wide Chromium (the executable, skipped with a reason when it is absent) and
one report of the small test catalog, written with its PDF, for all browser tests.
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
def printed_site(chromium: RunChromium, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of the small test catalog (no invalid model) with ``report.pdf``, written."""
    from tests.bpr.render.test_report import make_procedures

    root = make_procedures(tmp_path_factory.mktemp("procedures"), broken=False)
    files = build_report(read_sources(root))
    files = with_pdf(files, print_report(files), MANIFEST)
    out = tmp_path_factory.mktemp("printed") / "report"
    write_report(out, files)
    (out.parent / "procedures").symlink_to(root)
    return out
