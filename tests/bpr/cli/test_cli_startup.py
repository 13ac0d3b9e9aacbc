"""The command line starts without the heavy libraries: a command imports what it needs.

`tetsuzuki catalog`, `validate` or `runs` should not pay for numpy, scipy, Jinja, SQLAlchemy
or Prefect before doing anything (each costs tenths of a second to seconds to import);
the commands that need them import them when they run."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("numpy", "scipy", "jinja2", "sqlalchemy", "alembic", "prefect", "matplotlib", "dask")


def _loaded_after(code: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", f"{code}\nimport json, sys\n"
                          f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"],
                         capture_output=True, text=True, check=True, timeout=120)
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


def test_starting_the_command_line_imports_none_of_the_heavy_libraries() -> None:
    assert _loaded_after("import bpr.cli") == []


def test_the_check_sees_a_library_a_command_imports() -> None:
    assert "numpy" in _loaded_after("import bpr.cli\nimport bpr.analysis.metrics")
