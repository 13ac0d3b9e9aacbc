"""Publishing the auditors' report: the file and store I/O around :mod:`bpr.render.report`.

:func:`publish_report` reads the sources (:func:`bpr.render.report.read_sources`) and the
simulation results of the results store (:func:`stored_simulation`), builds the report
and writes it into a folder (:func:`write_report`). Both ``tetsuzuki report`` and the
``analyze-catalog`` flow call it; ``tetsuzuki verify`` reads a folder back with
:func:`read_folder`. The building and the comparison stay pure in :mod:`bpr.render.report` and
:mod:`bpr.render.verify`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from bpr.model.catalog import builtin_root
from bpr.render.input_guard import refuse_inputs
from bpr.render.national_page import National
from bpr.render.pdf import print_report, with_pdf
from bpr.render.report import (
    MANIFEST,
    REPORT_FORMAT,
    ReportError,
    build_site,
    read_sources,
    sha256,
)
from bpr.render.summary import SummaryOptions
from bpr.render.swap import Scan, publish_folder, scan

T = TypeVar("T")

__all__ = [
    "LeftFile",
    "Published",
    "earlier_report_files",
    "publish_report",
    "read_folder",
    "report_workers",
    "stored_simulation",
    "write_report",
]


def read_folder(folder: Path) -> dict[str, bytes]:
    """Every regular file under ``folder``: relative path (``/`` separated) -> bytes,
    sorted. Links, pipes and devices are not followed or opened (:func:`bpr.render.swap.scan`
    names them)."""
    return {p: folder.joinpath(*p.split("/")).read_bytes() for p in scan(folder).files}


@dataclass(frozen=True)
class LeftFile:
    """A file :func:`write_report` found in the folder and left there, and why."""

    path: str
    reason: str


def _outside(root: Path, relative: object, *, follow_last: bool) -> str | None:
    """Why ``relative`` (a path from a manifest, or of a report file) does not name a file
    inside ``root``, or ``None`` when it does. With ``follow_last`` a symbolic link as the
    last part counts too (for files that may be removed); without, only the folders on the
    way (a link there is replaced, not written through)."""
    if not isinstance(relative, str) or not relative:
        return "is not a relative path"
    parts = relative.split("/")
    if relative.startswith("/") or "\\" in relative or "\0" in relative or \
            any(part in ("", ".", "..") for part in parts):
        return "is not a plain relative path inside the folder (absolute, '..', '.' or empty parts)"
    target = root.joinpath(*PurePosixPath(relative).parts)
    real_root = root.resolve()
    resolved = target.resolve() if follow_last else target.parent.resolve() / target.name
    if not resolved.is_relative_to(real_root):
        return f"leads outside the folder through a symbolic link (to {resolved})"
    return None


_REFUSE = "refusing to write a report into its folder (choose an empty or new folder)"


def earlier_report_files(manifest_file: Path) -> dict[str, str]:
    """The files (relative path -> SHA-256) an earlier report's ``manifest.json`` lists.

    A folder holds an earlier report only when its manifest is tetsuzuki's own: a JSON
    object with ``"format": "tetsuzuki-report/<version>"`` and ``files`` and ``sources``
    mapping paths to SHA-256 hashes. Anything else (a web-app manifest, invalid JSON, an
    array, a manifest of another tool, one of a report format this version does not
    know) is someone else's file, and the folder is refused rather than overwritten.

    Raises:
        ReportError: naming ``manifest_file`` and why it is not a tetsuzuki report manifest.
    """
    def refuse(why: str) -> ReportError:
        return ReportError(f"{manifest_file} {why}: not a tetsuzuki report manifest; {_REFUSE}")

    try:
        data = json.loads(manifest_file.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise ReportError(f"{manifest_file} cannot be read ({exc.strerror or exc}); {_REFUSE}") from None
    except UnicodeDecodeError:
        raise refuse("is not UTF-8 text") from None
    except ValueError as exc:
        raise refuse(f"is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise refuse(f"holds a JSON {type(data).__name__}, not an object")
    found = data.get("format")
    if found is None:
        raise refuse('has no "format" field (a manifest of another tool, or of a tetsuzuki report '
                     "older than the format tag)")
    if found != REPORT_FORMAT:
        prefix = REPORT_FORMAT.rsplit("/", 1)[0] + "/"
        if isinstance(found, str) and found.startswith(prefix):
            raise refuse(f"has format {found!r}, which this version does not know "
                         f"(it writes {REPORT_FORMAT!r})")
        raise refuse(f"has format {found!r}, not {REPORT_FORMAT!r}")
    for field in ("files", "sources"):
        listed = data.get(field)
        if not isinstance(listed, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in listed.items()):
            raise refuse(f'has no "{field}" object of path -> SHA-256')
    return dict(data["files"])


_OLD_TEMP = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.(tmp|old)$")
"""Temporary files of the in-place writer of earlier versions, left by a crash."""


def write_report(out_dir: Path, files: dict[str, bytes]) -> list[LeftFile]:
    """Write the report ``files`` into ``out_dir``, replacing an earlier report there,
    atomically from the reader's side.

    The new report is built in a sibling folder and swapped in with one rename
    (:func:`bpr.render.swap.publish_folder`): a reader, or a crash at any moment, sees
    the earlier report whole or the new one whole. Files in the folder that are not the
    earlier report's (the user's own), and files of the earlier report changed since it
    was written, are kept (hard-linked into the new folder); files of the earlier report
    that the new one does not have are dropped; temporary files left in the folder by an
    interrupted writer of an earlier version, and sibling folders left by an interrupted
    publication, are removed. Nothing outside ``out_dir`` and its siblings of our naming
    is written or removed.

    Returns:
        The files kept in the folder: those that belong to neither report, and files of
        the earlier report that were changed since.

    Raises:
        ReportError: ``out_dir`` is a file or a symbolic link; it holds something that is
            not a regular file or folder (a link, a named pipe, a device: never followed or
            opened); it is a non-empty folder that holds no report (no ``manifest.json``,
            or one that is not tetsuzuki's, see :func:`earlier_report_files`); its
            ``manifest.json`` lists a path outside it.
        OutputError: the report could not be written (the folder is left as it was).
    """
    if os.path.islink(out_dir):
        raise ReportError(f"{out_dir} is a symbolic link: give the report folder itself")
    if os.path.lexists(out_dir) and not out_dir.is_dir():
        raise ReportError(f"{out_dir} is a file, not a folder")
    found = scan(out_dir) if out_dir.is_dir() else Scan()
    if found.unsafe:
        path, kind = next(iter(found.unsafe.items()))
        raise ReportError(f"{out_dir / path} is {kind}, not a file: a report folder holds only "
                          "files and folders; remove it (nothing was written)")
    manifest_file = out_dir / MANIFEST
    recorded: dict[str, Any] = {}
    present = {p for p in found.files if not _OLD_TEMP.match(PurePosixPath(p).name)}
    if found.files:
        if MANIFEST not in present:
            raise ReportError(f"{out_dir} is not empty and holds no {MANIFEST}: refusing to write a "
                              "report into it (choose an empty or new folder)")
        recorded = earlier_report_files(manifest_file)
        for path in recorded:
            why = _outside(out_dir, path, follow_last=True)
            if why is not None:
                raise ReportError(
                    f"{manifest_file} lists {path!r}, which {why}: refusing to write the report "
                    f"(that manifest was not written by `tetsuzuki report`; remove it or choose "
                    f"another folder)")
    for path in files:
        why = _outside(out_dir, path, follow_last=False)
        if why is not None:
            raise ReportError(f"{out_dir / path} {why}: refusing to write the report")
    left = [LeftFile(p, "is not part of the report; `tetsuzuki verify` will name it")
            for p in sorted(present - set(files) - set(recorded))]
    for stale in sorted((set(recorded) & present) - set(files)):
        if sha256(out_dir.joinpath(*stale.split("/")).read_bytes()) != recorded[stale]:
            left.append(LeftFile(stale, "was listed by the earlier report but changed since; "
                                        "kept (`tetsuzuki verify` will name it)"))
    publish_folder(out_dir, files, last=MANIFEST, carry=[f.path for f in left])
    return sorted(left, key=lambda f: f.path)


def report_workers(requested: int, procedures: int) -> int:
    """Graphviz processes run at once to build a report of ``procedures`` procedures
    (:class:`bpr.render.drawing.Drawings`): ``requested`` when positive; for 0, one per
    CPU, at most 8 (threads of the building process: nothing to start, so small catalogs
    get them too); 1 for a catalog without procedures."""
    if requested > 0:
        return requested
    return max(1, min(os.cpu_count() or 1, 8)) if procedures > 0 else 1


def stored_simulation(which: str, database_url: str | None = None
                      ) -> tuple[dict[str, list[dict[str, Any]]] | None, int | None]:
    """Simulation results for the report from the results store.

    Args:
        which: ``latest`` (the newest completed simulation run, if the store exists and
            has one), ``none``, or a run id.
        database_url: the store; default :func:`models.store.database.default_url`.

    Returns:
        (rows per procedure id, run id), or (None, None) without results.

    Raises:
        ReportError: a run id was given that the store does not have as completed.
    """
    if which == "none":
        return None, None
    from bpr.sim.results import ReplicationResult
    from bpr.sim.tables import simulation_rows
    from models.store.database import DATABASE_URL_ENV, RunStatus, Store, default_url

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


@dataclass(frozen=True)
class Published:
    """What :func:`publish_report` did.

    Attributes:
        files: the report's files, as written.
        left: files found in the folder and left there (see :func:`write_report`).
        simulation_run: the results store's simulation run shown, or ``None``.
        errors: procedure id -> the model errors its page shows, for invalid models.
        catalog_error: why the catalog could not be read, if so.
        procedures: the procedures folder read.
    """

    files: dict[str, bytes]
    left: list[LeftFile]
    simulation_run: int | None
    errors: dict[str, tuple[str, ...]]
    catalog_error: str | None
    procedures: Path


def publish_report(out_dir: Path, procedures: Path | None = None, workers: int = 0,
                   simulation: str = "latest", database_url: str | None = None,
                   summary: SummaryOptions | None = None, pdf: bool = False,
                   national: National | None = None,
                   meanwhile: Callable[[int | None], T] | None = None) -> tuple[Published, T | None]:
    """Build the report (with stored simulation results) and write it to ``out_dir``;
    with ``pdf``, also the whole report as one PDF, ``report.pdf``, printed with headless
    Chromium (:func:`bpr.render.pdf.print_report`) before anything is written;
    with ``national`` (a national run's id and totals), the national page.

    ``meanwhile`` (given the simulation run shown) is called in this thread once the
    report is built, while Chromium prints in another (``tetsuzuki report --verify``
    re-derives the report then, for a check once it is written); its result is returned
    beside what was published (``None`` without it). Its exception ends the print and
    nothing is written.

    Raises:
        ReportError: see :func:`write_report` and :func:`stored_simulation`.
        ChromiumError: ``pdf`` is set and Chromium is missing or failed (nothing written).
        OutputError: the report could not be written (``out_dir`` is left as it was), or
            a report file would replace a source file (:func:`refuse_inputs`).
    """
    root = procedures or builtin_root()
    sources = read_sources(root)
    rows, run_id = stored_simulation(simulation, database_url)
    built = build_site(sources, rows, workers=report_workers(workers, len(sources.procedures)),
                       simulation_run=run_id, summary=summary, national=national)
    files = built.files
    extra: T | None = None
    if pdf:
        with ThreadPoolExecutor(1, thread_name_prefix="chromium") as pool:
            printing = pool.submit(print_report, built.files)  # waits for Chromium: the GIL is free
            try:
                extra = meanwhile(run_id) if meanwhile is not None else None
            except BaseException:
                printing.cancel()
                raise
            files = with_pdf(built.files, printing.result(), MANIFEST)
    elif meanwhile is not None:
        extra = meanwhile(run_id)
    refuse_inputs([out_dir.joinpath(*p.split("/")) for p in files],
                  [root.joinpath(*p.split("/")) for p in sources.files])
    left = write_report(out_dir, files)
    return Published(files, left, run_id, built.errors, built.catalog_error, root), extra
