"""What both flows share: reading the catalog, the code version, the store, task runners.

This is orchestration glue (I/O at the edge); the computing is in ``bpr``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from bpr.errors import TetsuzukiError
from bpr.model.canonical import canonical_json, content_hash
from bpr.model.catalog import CatalogEntry, catalog_versions, load_catalog
from bpr.model.load import load_procedure
from models.procedure import ProcedureVersion
from models.store.database import RunStatus, Store

__all__ = [
    "LoadedVersion",
    "as_is_for_runner",
    "catalog_ids",
    "code_version",
    "load_catalog_versions",
    "make_task_runner",
    "reachable_scheduler",
    "recorded_run",
    "task_runner_from_env",
]

TASK_RUNNER_ENV = "TETSUZUKI_TASK_RUNNER"
WORKERS_ENV = "TETSUZUKI_WORKERS"
DASK_ADDRESS_ENV = "TETSUZUKI_DASK_ADDRESS"


@dataclass(frozen=True)
class LoadedVersion:
    """A validated procedure version with its catalog entry and content hash."""

    entry: CatalogEntry
    model: ProcedureVersion
    path: Path
    content_hash: str
    canonical_json: str


def load_catalog_versions(procedures: list[str] | None = None,
                          versions: tuple[str, ...] = ("as-is", "to-be"),
                          catalog_file: str | None = None) -> list[LoadedVersion]:
    """Load and validate the catalog's version files (all of them, or the given ids).

    Raises:
        InvalidModelError: a file is invalid (nothing is returned then).
        ValueError: an unknown procedure id was asked for.
    """
    catalog = load_catalog(catalog_file)
    root = Path(catalog_file).parent if catalog_file else None
    known = {e.id for e in catalog.procedures}
    unknown = sorted(set(procedures or ()) - known)
    if unknown:
        raise ValueError(f"unknown procedure id(s): {', '.join(unknown)}")
    loaded: list[LoadedVersion] = []
    for entry, as_is, to_be in catalog_versions(catalog, root):
        if procedures and entry.id not in procedures:
            continue
        for label, path in (("as-is", as_is), ("to-be", to_be)):
            if label not in versions or not path.is_file():
                continue
            model, digest, canonical = _load_version(path)
            loaded.append(LoadedVersion(entry, model, path, digest, canonical))
    return loaded


_LOADED: dict[tuple[str, int, int], tuple[ProcedureVersion, str, str]] = {}
"""Version files already loaded and validated in this process, by path, modification time
and size: the ``run all`` job's two flows read the catalog once (a changed file is read
again)."""


def _load_version(path: Path) -> tuple[ProcedureVersion, str, str]:
    """The validated model of a version file, its content hash and canonical JSON.

    Raises:
        InvalidModelError: the file is invalid.
    """
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    found = _LOADED.get(key)
    if found is None:
        model = load_procedure(path)
        found = (model, content_hash(model), canonical_json(model))
        if len(_LOADED) >= 1024:
            _LOADED.clear()
        _LOADED[key] = found
    return found


def catalog_ids(catalog_file: str | None = None) -> set[str]:
    """The procedure ids of the catalog (the built-in one when no file is given)."""
    return {e.id for e in load_catalog(catalog_file).procedures}


def code_version() -> str:
    """The package version, plus the git commit when run from a checkout."""
    try:
        base = version("tetsuzuki")
    except PackageNotFoundError:
        base = "unknown"
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True,
                                text=True, check=True, timeout=5,
                                cwd=Path(__file__).resolve().parent).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True, timeout=5,
                               cwd=Path(__file__).resolve().parent).stdout.strip()
        return f"{base}+g{commit}{'.dirty' if dirty else ''}"
    except (OSError, subprocess.SubprocessError):
        return base


def make_task_runner(kind: str, *, workers: int | None = None, dask_address: str | None = None
                     ) -> Any:
    """A Prefect task runner by name: ``process`` (local process pool, the default for
    CPU-bound sweeps), ``thread`` or ``dask`` (prefect-dask's DaskTaskRunner on the cluster
    at ``dask_address``, or a temporary local cluster when no address is given).

    Raises:
        ValueError: an unknown kind.
    """
    if kind == "process":
        from prefect.task_runners import ProcessPoolTaskRunner

        return ProcessPoolTaskRunner(max_workers=workers)
    if kind == "thread":
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=workers)
    if kind == "dask":
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=reachable_scheduler(dask_address))
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers or 2, "processes": True,
                                              "threads_per_worker": 1})
    raise ValueError(f"unknown task runner {kind!r}: use process, thread or dask")


def reachable_scheduler(address: str, timeout: float = 10.0) -> str:
    """``address`` (``tcp://HOST:PORT``) after checking that a scheduler listens there.

    Raises:
        TetsuzukiError: the address is malformed or nothing answers there within
            ``timeout`` seconds (instead of a raw ``OSError`` traceback after 30 s).
    """
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        host, port = parts.hostname, parts.port or 8786
    except ValueError:
        host, port = None, 0
    if parts.scheme not in ("tcp", "tls") or not host:
        raise TetsuzukiError(f"--dask-address {address!r}: expected tcp://HOST:PORT")
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        raise TetsuzukiError(f"cannot reach the Dask scheduler at {address}: "
                             f"{exc.strerror or exc} (is `dask scheduler` running there?)"
                             ) from None
    return address


def task_runner_from_env(default: str) -> Any:
    """The task runner a deployment run asked for through its environment
    (``$TETSUZUKI_TASK_RUNNER``: process, thread or dask; ``$TETSUZUKI_WORKERS``;
    ``$TETSUZUKI_DASK_ADDRESS``), or ``default``. The CLI chooses its own with
    ``with_options``; this is what a flow run started from a deployment uses.

    Raises:
        ValueError: an unknown runner name or a workers count that is not a number.
    """
    import os

    kind = os.environ.get(TASK_RUNNER_ENV, "").strip() or default
    workers_text = os.environ.get(WORKERS_ENV, "").strip()
    if workers_text and not workers_text.isdigit():
        raise ValueError(f"{WORKERS_ENV}={workers_text!r}: expected a whole number")
    address = os.environ.get(DASK_ADDRESS_ENV, "").strip() or None
    if kind not in ("process", "thread", "dask"):
        raise ValueError(f"{TASK_RUNNER_ENV}={kind!r}: use process, thread or dask")
    if kind == "dask" and address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=address)  # checked when the run starts on the worker
    return make_task_runner(kind, workers=int(workers_text) if workers_text else None)


def as_is_for_runner(value: Any) -> Any:
    """``value`` wrapped in Prefect's ``quote`` when the current flow run's task runner is
    Prefect's own thread or process pool: the task gets it as it is, and Prefect does not
    walk the models in it looking for futures (a cost per task). prefect-dask's runner does
    not unwrap a quote, so for it (and any other runner) the value is passed plainly."""
    from prefect.context import FlowRunContext
    from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner
    from prefect.utilities.annotations import quote

    context = FlowRunContext.get()
    runner = context.task_runner if context is not None else None
    if isinstance(runner, ThreadPoolTaskRunner | ProcessPoolTaskRunner):
        return quote(value)
    return value


@contextmanager
def recorded_run(store: Store, run_id: int) -> Iterator[None]:
    """Close the run ``completed`` when the block ends normally; on any exception close it
    ``failed`` with the error (and the store), then re-raise."""
    try:
        yield
    except BaseException as exc:
        store.finish_run(run_id, RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
        store.close()
        raise
    store.finish_run(run_id, RunStatus.COMPLETED)
