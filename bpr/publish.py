"""Publishing the auditors' report: the file and store I/O around :mod:`bpr.report`.

:func:`publish_report` reads the sources (:func:`bpr.report.read_sources`) and the
simulation results of the results store (:func:`stored_simulation`), builds the report
and writes it into a folder (:func:`write_report`). Both ``tetsuzuki report`` and the
``analyze-catalog`` flow call it; ``tetsuzuki verify`` reads a folder back with
:func:`read_folder`. The building and the comparison stay pure in :mod:`bpr.report` and
:mod:`bpr.verify`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from bpr.catalog import builtin_root
from bpr.report import MANIFEST, ReportError, build_report, read_sources

__all__ = [
    "publish_report",
    "read_folder",
    "report_workers",
    "stored_simulation",
    "write_report",
]


def read_folder(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder``: relative path (``/`` separated) -> bytes, sorted."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def write_report(out_dir: Path, files: dict[str, bytes]) -> list[str]:
    """Write the report ``files`` into ``out_dir``, replacing an earlier report there.

    Files listed by an earlier ``manifest.json`` that the new report does not have are
    deleted; any other file is left alone (``verify`` will name it as added).

    Returns:
        Paths of files found in the folder that belong to neither report.

    Raises:
        ReportError: ``out_dir`` is a file, or a non-empty folder that holds no report.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise ReportError(f"{out_dir} is a file, not a folder")
    existing = read_folder(out_dir) if out_dir.is_dir() else {}
    previous: set[str] = set()
    if existing:
        if MANIFEST not in existing:
            raise ReportError(f"{out_dir} is not empty and holds no {MANIFEST}: refusing to write a "
                              "report into it (choose an empty or new folder)")
        try:
            previous = set(json.loads(existing[MANIFEST].decode("utf-8")).get("files", {}))
        except (ValueError, AttributeError):
            previous = set()
    for stale in sorted(previous - set(files)):
        target = out_dir.joinpath(*stale.split("/"))
        if target.is_file():
            target.unlink()
    for path, data in files.items():
        target = out_dir.joinpath(*path.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return sorted(set(existing) - set(files) - previous)


def report_workers(requested: int, procedures: int) -> int:
    """Processes to build a report of ``procedures`` procedures with: ``requested`` when
    positive; for 0, one per CPU, at most 8 and at most one per 8 procedures."""
    if requested > 0:
        return requested
    return max(1, min(os.cpu_count() or 1, 8, procedures // 8))


def stored_simulation(which: str, database_url: str | None = None
                      ) -> tuple[dict[str, list[dict[str, Any]]] | None, int | None]:
    """Simulation results for the report from the results store.

    Args:
        which: ``latest`` (the newest completed simulation run, if the store exists and
            has one), ``none``, or a run id.
        database_url: the store; default :func:`models.store.default_url`.

    Returns:
        (rows per procedure id, run id), or (None, None) without results.

    Raises:
        ReportError: a run id was given that the store does not have as completed.
    """
    if which == "none":
        return None, None
    from bpr.sim.results import ReplicationResult
    from bpr.sim.tables import simulation_rows
    from models.store import DATABASE_URL_ENV, RunStatus, Store, default_url

    url = database_url or default_url()
    if database_url is None and DATABASE_URL_ENV not in os.environ and url.startswith("sqlite:///") and \
            not Path(url.removeprefix("sqlite:///")).is_file():
        if which == "latest":
            return None, None  # no store yet: do not create one just to read nothing
        raise ReportError(f"no results store at {url}")
    store = Store(url)
    try:
        if which == "latest":
            run_id = store.latest_completed_run("simulate")
            if run_id is None:
                return None, None
        else:
            try:
                run_id = int(which)
            except ValueError:
                raise ReportError(f"--simulation takes latest, none or a run id, not {which!r}") \
                    from None
            if store.run(run_id).status != RunStatus.COMPLETED:
                raise ReportError(f"simulation run {run_id} is not completed")
        results = [ReplicationResult.model_validate(rep)
                   for row in store.simulation_results(run_id)
                   for rep in row.results["replications"]]
    finally:
        store.close()
    return simulation_rows(results), run_id


def publish_report(out_dir: Path, procedures: Path | None = None, workers: int = 0,
                   simulation: str = "latest", database_url: str | None = None
                   ) -> tuple[dict[str, bytes], list[str], int | None]:
    """Build the report (with stored simulation results) and write it to ``out_dir``.

    Returns:
        (files written, unknown files found in the folder, simulation run used or None).
    """
    sources = read_sources(procedures or builtin_root())
    rows, run_id = stored_simulation(simulation, database_url)
    files = build_report(sources, rows, workers=report_workers(workers, len(sources.procedures)),
                         simulation_run=run_id)
    unknown = write_report(out_dir, files)
    return files, unknown, run_id
