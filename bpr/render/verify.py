"""Verification of a report folder: re-derive the report from the sources, compare bytes.

:func:`verify_report` is pure: the caller reads the folder (``tetsuzuki verify`` does) and
the sources (:func:`bpr.render.report.read_sources`). Because the reference is a report rebuilt
from the sources, not the manifest, editing ``manifest.json`` cannot make a tampered
report pass; the manifest only serves to tell files edited by hand from files made stale
by a changed source. A ``report.pdf`` the manifest lists is checked without printing again
(:func:`bpr.render.pdf.check_pdf`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bpr.render.national_page import National
from bpr.render.pdf import check_pdf
from bpr.render.report import (
    MANIFEST,
    ReportSources,
    SimulationResults,
    build_report,
    generator_versions,
    sha256,
    simulation_hash,
)
from bpr.render.summary import SummaryOptions

__all__ = ["VerifyResult", "verify_report"]


@dataclass(frozen=True)
class VerifyResult:
    """What :func:`verify_report` found; every tuple is sorted.

    Attributes:
        changed: report files whose bytes differ from what the manifest recorded (edited
            after the report was made), or ``manifest.json`` itself when it was edited.
        added: files in the folder that the report does not have.
        removed: report files missing from the folder.
        stale: files that still match the manifest but not a report re-derived from the
            sources as they are now.
        sources_changed: source files whose bytes differ from the manifest.
        sources_added: source files the manifest does not list.
        sources_removed: source files the manifest lists that are gone.
        notes: explanations (a different Graphviz or tetsuzuki version, simulation input).
    """

    changed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    stale: tuple[str, ...] = ()
    sources_changed: tuple[str, ...] = ()
    sources_added: tuple[str, ...] = ()
    sources_removed: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    unsafe: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the folder is exactly the report the sources give."""
        return not (self.changed or self.added or self.removed or self.stale or self.sources_changed
                    or self.sources_added or self.sources_removed or self.unsafe)

    def lines(self) -> list[str]:
        """One line per finding, for people."""
        out = [f"not a file (never followed or opened): {p}" for p in self.unsafe]
        out += [f"changed: {p}" for p in self.changed]
        out += [f"added: {p}" for p in self.added]
        out += [f"removed: {p}" for p in self.removed]
        out += [f"stale (does not match the current sources): {p}" for p in self.stale]
        out += [f"source changed: {p}" for p in self.sources_changed]
        out += [f"source added: {p}" for p in self.sources_added]
        out += [f"source removed: {p}" for p in self.sources_removed]
        return out + [f"note: {n}" for n in self.notes]


def verify_report(present: Mapping[str, bytes], sources: ReportSources,
                  simulation: SimulationResults | None = None, *, workers: int = 1,
                  simulation_run: int | None = None,
                  unsafe: Mapping[str, str] | None = None,
                  summary: SummaryOptions | None = None,
                  national: National | None = None,
                  rebuilt: Mapping[str, bytes] | None = None) -> VerifyResult:
    """Check a report folder's files against the manifest and against a report re-derived
    from the sources.

    Args:
        present: every file in the report folder: relative path (``/``) -> bytes.
        sources: the sources as they are now (:func:`read_sources`).
        simulation: the simulation results the report was built with, if any.
        workers: Graphviz processes run at once while re-deriving the report (see
            :func:`bpr.render.report.build_site`).
        unsafe: entries of the folder that are not regular files or folders (path -> what
            it is: a symbolic link, a named pipe, ...); each one fails the check.
        summary: the summary page's settings the manifest records
            (:meth:`bpr.render.summary.SummaryOptions.from_manifest`).
        national: the national run the manifest names, read again from the store
            (:mod:`bpr.render.national_page`), if any.
        rebuilt: the report already derived from these same sources, simulation results,
            settings and national run (:func:`bpr.render.report.build_report`), when the
            caller derived it beforehand (``tetsuzuki report --verify`` does, while the PDF
            is printed); ``None``: derived here.

    Returns:
        The differences; :attr:`VerifyResult.ok` when there are none.
    """
    if rebuilt is None:
        rebuilt = build_report(sources, simulation, workers=workers, simulation_run=simulation_run,
                               summary=summary, national=national)
    notes: list[str] = []
    recorded: dict[str, Any] = {}
    manifest_ok = False
    raw = present.get(MANIFEST)
    if raw is not None:
        try:
            recorded = json.loads(raw.decode("utf-8"))
            manifest_ok = isinstance(recorded, dict) and isinstance(recorded.get("files"), dict) \
                and isinstance(recorded.get("sources"), dict)
        except (UnicodeDecodeError, json.JSONDecodeError):
            manifest_ok = False
        if not manifest_ok:
            notes.append("manifest.json is not a valid manifest")
            recorded = {}
    pdf = check_pdf(present, recorded if manifest_ok else {}, rebuilt, MANIFEST)  # report.pdf, if listed
    rebuilt = pdf.expected
    files: dict[str, str] = dict(recorded.get("files", {})) if manifest_ok else {}
    recorded_sources: dict[str, str] = dict(recorded.get("sources", {})) if manifest_ok else {}
    current_sources = sources.files

    sources_changed = sorted(p for p in recorded_sources
                             if p in current_sources and current_sources[p] != recorded_sources[p])
    sources_added = sorted(p for p in current_sources if manifest_ok and p not in recorded_sources)
    sources_removed = sorted(p for p in recorded_sources if p not in current_sources)
    sources_same = manifest_ok and not (sources_changed or sources_added or sources_removed)

    expected = {p: sha256(d) for p, d in rebuilt.items() if p != MANIFEST}
    changed: list[str] = []
    stale: list[str] = []
    if sources_same or not manifest_ok:
        # The sources are those the manifest names (or the manifest is unusable): the
        # re-derived report is the reference for every file, the manifest included.
        changed = sorted(p for p in set(expected) & set(present) if sha256(present[p]) != expected[p])
        removed = sorted(p for p in expected if p not in present)
        added = sorted(p for p in present if p not in expected and p != MANIFEST)
        if raw is None:
            removed = sorted([*removed, MANIFEST])
        elif raw != rebuilt[MANIFEST]:
            changed = sorted([*changed, MANIFEST])
    else:
        # Sources changed since: the manifest tells edited files from merely stale ones.
        for path in sorted(set(files) & set(present)):
            if sha256(present[path]) != files[path]:
                changed.append(path)
            elif expected.get(path) != files[path]:
                stale.append(path)
        removed = sorted(p for p in files if p not in present)
        added = sorted(p for p in present if p not in files and p != MANIFEST)
        stale = sorted([*stale, MANIFEST])
    changed = sorted({*changed, *pdf.changed})
    stale = sorted({*stale, *pdf.stale})
    notes += pdf.notes
    if manifest_ok:
        generator = recorded.get("generator")
        if generator != generator_versions():
            notes.append(f"made with {generator}, re-derived with {generator_versions()}")
        if recorded.get("simulation_sha256") != simulation_hash(simulation):
            notes.append("the report was made with other simulation results than those given "
                         "(`tetsuzuki verify` reads the run the manifest names from the results store)")
    return VerifyResult(tuple(changed), tuple(added), tuple(removed), tuple(stale),
                        tuple(sources_changed), tuple(sources_added), tuple(sources_removed), tuple(notes),
                        tuple(f"{path} ({kind})" for path, kind in sorted((unsafe or {}).items())))
