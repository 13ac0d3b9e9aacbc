"""Steps of the deployments in ``prefect.yaml`` that run on the worker.

:func:`enter_project` is the pull step: it moves into the project checkout named by the
worker's ``TETSUZUKI_PROJECT_DIR`` and says exactly what is wrong when that setting is
missing or does not name a checkout — instead of a ``FileNotFoundError`` about a
temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from bpr.errors import TetsuzukiError

__all__ = ["PROJECT_DIR_ENV", "DeploymentError", "enter_project"]

PROJECT_DIR_ENV = "TETSUZUKI_PROJECT_DIR"


class DeploymentError(TetsuzukiError):
    """A worker is not set up to run tetsuzuki's deployments."""


def enter_project() -> dict[str, str]:
    """Change into the project checkout given by ``$TETSUZUKI_PROJECT_DIR``.

    Returns:
        ``{"directory": the checkout}`` (a pull step's output).

    Raises:
        DeploymentError: the variable is unset, or does not name a tetsuzuki checkout.
    """
    raw = os.environ.get(PROJECT_DIR_ENV, "").strip()
    if not raw:
        raise DeploymentError(
            f"{PROJECT_DIR_ENV} is not set on this worker: start the worker with "
            f"{PROJECT_DIR_ENV}=/path/to/the/tetsuzuki/checkout (where scripts/setup.sh ran)")
    folder = Path(raw).expanduser()
    if not (folder / "procedures" / "catalog.yaml").is_file():
        raise DeploymentError(f"{PROJECT_DIR_ENV}={raw} is not a tetsuzuki checkout "
                              "(no procedures/catalog.yaml there)")
    os.chdir(folder)
    return {"directory": str(folder.resolve())}
