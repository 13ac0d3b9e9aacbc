"""The auditors' report: a static HTML site for the whole catalog, and its verification.

:func:`build_report` turns the source files (the catalog and every procedure's as-is and
to-be models, read by :func:`read_sources`) into the files of a static site, as a mapping
from relative path to bytes: an index, one page per procedure (the three diagrams inline,
metrics side by side, principle findings, the ECRS change table with rationale and audit
warnings, simulation results when given), the diagrams as SVG files, a style sheet and
``manifest.json`` with the SHA-256 of every file written and of every source file.

The output is a pure function of its inputs (no timestamps, no absolute paths, sorted
keys), so :func:`bpr.render.verify.verify_report` can re-derive it from the sources and compare it byte for
byte with what is on disk. Writing and reading the output folder is left to the caller
(:mod:`bpr.render.publish`, used by the ``tetsuzuki report`` and ``verify`` commands and the
analysis flow).

Simulation results are an optional input: a mapping from procedure id to a list of rows
(mappings of column name to value), shown as a table on the procedure's page; their hash
(and the id of the results store's run they come from) is recorded in the manifest.
``tetsuzuki report`` passes those of the newest completed simulation run in the results
store, or of the run chosen with ``--simulation``; :func:`bpr.render.publish.stored_simulation`
reads them.

:func:`build_site` also returns the model errors each procedure's page shows, so that the
caller can name the invalid models; :func:`build_report` returns the files only.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from typing import Any

import graphviz
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from bpr.analysis.diff import ChangeSet, diff
from bpr.analysis.ecrs import ECRS_KINDS
from bpr.analysis.measures import applied_measures
from bpr.analysis.metrics import Metrics, measure, step_counts
from bpr.analysis.principles import Finding, StageAssessment, check, stage
from bpr.analysis.profile import EcrsProfile, ecrs_profile
from bpr.errors import InvalidModelError, TetsuzukiError
from bpr.model.canonical import content_hash
from bpr.model.catalog import AS_IS_FILE, CATALOG_FILE, TO_BE_FILE, Catalog, CatalogEntry, load_catalog_text
from bpr.model.load import load_procedure_text
from bpr.planning.figures import version_figures
from bpr.render.diagram import diagram, render
from bpr.render.diagram_diff import diff_diagram, marker_text
from bpr.render.print_doc import (
    PRINT_DOCUMENT,
    PrintedProcedure,
    common_rules,
    page_rules,
    print_document,
    with_page_rules,
)
from models.procedure import ProcedureVersion

__all__ = [
    "MANIFEST",
    "REPORT_FORMAT",
    "BuiltReport",
    "ProcedureSources",
    "ReportError",
    "ReportSources",
    "SimulationResults",
    "SourceFile",
    "build_report",
    "build_site",
    "generator_versions",
    "read_sources",
    "sha256",
    "simulation_hash",
]

MANIFEST = "manifest.json"
"""Name of the manifest in the report folder."""
REPORT_FORMAT = "tetsuzuki-report/1"
"""Format tag written into the manifest."""

SimulationResults = Mapping[str, Sequence[Mapping[str, Any]]]
"""Optional simulation results: procedure id -> rows (column name -> value)."""


class ReportError(TetsuzukiError):
    """The report cannot be built or verified (no sources, unreadable manifest, ...)."""


def sha256(data: bytes) -> str:
    """SHA-256 of ``data`` as lowercase hex."""
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class SourceFile:
    """A source file: its path relative to the procedures folder (``/`` separated) and bytes."""

    path: str
    data: bytes


@dataclass(frozen=True)
class ProcedureSources:
    """The sources of one procedure; either version may be missing (not modelled yet)."""

    id: str
    folder: str
    entry: CatalogEntry | None
    as_is: SourceFile | None
    to_be: SourceFile | None


@dataclass(frozen=True)
class ReportSources:
    """Everything a report is derived from.

    Attributes:
        catalog: the catalog file, if there is one.
        catalog_error: why the catalog could not be read, if it could not.
        procedures: catalog entries in catalog order, then folders the catalog does not
            list, sorted by path.
    """

    catalog: SourceFile | None
    catalog_error: str | None
    procedures: tuple[ProcedureSources, ...]

    @property
    def files(self) -> dict[str, str]:
        """Source path -> SHA-256 of its bytes, sorted by path."""
        found = [self.catalog] if self.catalog else []
        for proc in self.procedures:
            found += [f for f in (proc.as_is, proc.to_be) if f is not None]
        return {f.path: sha256(f.data) for f in sorted(found, key=lambda f: f.path)}


def _read(root: Path, relative: str) -> SourceFile | None:
    path = root.joinpath(*PurePosixPath(relative).parts)
    return SourceFile(relative, path.read_bytes()) if path.is_file() else None


def read_sources(root: str | Path) -> ReportSources:
    """Read the catalog and every procedure folder under ``root``.

    Args:
        root: the procedures folder (holding ``catalog.yaml`` and the procedure folders).

    Returns:
        The sources; folders without version files are listed with both versions missing
        when the catalog names them.

    Raises:
        ReportError: ``root`` is not a folder.
    """
    root = Path(root)
    if not root.is_dir():
        raise ReportError(f"no such procedures folder: {root}")
    catalog_file = _read(root, CATALOG_FILE)
    catalog: Catalog | None = None
    catalog_error: str | None = None
    if catalog_file is not None:
        try:
            catalog = load_catalog_text(catalog_file.data.decode("utf-8"), CATALOG_FILE)
        except (InvalidModelError, UnicodeDecodeError) as exc:
            catalog_error = str(exc)
    procedures: list[ProcedureSources] = []
    listed: set[str] = set()
    for entry in catalog.procedures if catalog else ():
        listed.add(entry.path)
        procedures.append(ProcedureSources(entry.id, entry.path, entry,
                                           _read(root, f"{entry.path}/{AS_IS_FILE}"),
                                           _read(root, f"{entry.path}/{TO_BE_FILE}")))
    folders = sorted({p.parent.relative_to(root).as_posix() for name in (AS_IS_FILE, TO_BE_FILE)
                      for p in root.rglob(name)})
    for folder in folders:
        if folder not in listed and folder != ".":
            procedures.append(ProcedureSources(PurePosixPath(folder).name, folder, None,
                                               _read(root, f"{folder}/{AS_IS_FILE}"),
                                               _read(root, f"{folder}/{TO_BE_FILE}")))
    return ReportSources(catalog_file, catalog_error, tuple(procedures))


# --------------------------------------------------------------------------- analysis

_MEASURE_LABELS = {
    "resident_minutes": ("申請者の作業時間", "分"),
    "travel_minutes": ("うち移動時間", "分"),
    "staff_minutes_total": ("職員の作業時間", "分"),
    "system_minutes": ("システム処理時間", "分"),
    "external_minutes": ("外部の作業時間", "分"),
    "counter_visits": ("来庁回数", "回"),
    "in_person_steps": ("対面の作業", "件"),
    "paper_steps": ("紙の作業", "件"),
    "sheets": ("用紙", "枚"),
    "seals": ("押印", "回"),
    "signatures": ("自署", "回"),
    "transcriptions": ("転記", "回"),
    "cash_payments": ("現金の支払", "回"),
    "handoffs": ("担当の引継ぎ", "回"),
    "attachments": ("添付書類", "通"),
    "attachments_held_by_government": ("うち行政が保有する情報", "通"),
    "delay_days": ("待ち日数", "日"),
}
_SEVERITY = {"high": "高", "medium": "中", "low": "低", "info": "情報"}
_PRINCIPLE = {"digital-first": "デジタルファースト", "once-only": "ワンスオンリー",
              "analog-rule": "アナログ規制", "online-retyped": "オンラインだが転記"}
_STAGE = {"analog": "アナログ", "digitization": "デジタイゼーション",
          "digitalization": "デジタライゼーション", "transformation": "デジタルトランスフォーメーション"}
_CATEGORY = {"childcare": "子育て", "long-term-care": "介護", "disaster": "被災者支援", "car": "自動車",
             "other": "その他"}
_KIND = {"E": "排除", "C": "結合", "R": "交換", "S": "簡素化", "A": "追加", "M": "その他の変更",
         "U": "変更なし"}


def number(value: float, digits: int = 1) -> str:
    """A number for people: thousands separators, ``digits`` decimals, no ``-0``."""
    if not math.isfinite(value):
        return str(value)
    rounded = round(value, digits)
    if rounded == 0:
        rounded = 0.0
    return f"{rounded:,.{digits}f}"


@dataclass
class _Version:
    source: SourceFile
    model: ProcedureVersion | None = None
    errors: list[str] = field(default_factory=list)
    metrics: Metrics | None = None
    findings: list[Finding] = field(default_factory=list)
    stage: StageAssessment | None = None
    svg: str | None = None


def _load(source: SourceFile) -> _Version:
    """Load, analyse and draw one version; problems become error lines, not exceptions."""
    version_ = _Version(source)
    try:
        version_.model = load_procedure_text(source.data.decode("utf-8"), source.path)
    except UnicodeDecodeError:
        version_.errors.append(f"{source.path}: file is not UTF-8 text")
        return version_
    except InvalidModelError as exc:
        version_.errors += [str(p) for p in exc.problems]
        return version_
    try:
        version_.metrics = measure(version_.model)
        version_.findings = check(version_.model)
        version_.stage = stage(version_.model)
    except TetsuzukiError as exc:
        version_.errors.append(f"{source.path}: analysis failed: {exc}")
    version_.svg = _inline(render(diagram(version_.model), "svg"))
    return version_


def _inline(svg: bytes) -> str:
    """The ``<svg>`` element of Graphviz output, without XML prolog, doctype and comments."""
    text = svg.decode("utf-8")
    return text[text.index("<svg"):].strip()


def _metric_rows(as_is: Metrics | None, to_be: Metrics | None,
                 actor_names: Mapping[str, str]) -> list[dict[str, str]]:
    old = as_is.per_case.as_dict() if as_is else {}
    new = to_be.per_case.as_dict() if to_be else {}
    old_year = as_is.per_year.as_dict() if as_is else {}
    new_year = to_be.per_year.as_dict() if to_be else {}
    keys = list(_MEASURE_LABELS)
    keys += sorted({k for k in (*old, *new) if k.startswith("staff_minutes[")})
    rows = []
    for key in keys:
        if key not in old and key not in new:
            continue
        if key.startswith("staff_minutes["):
            actor = key[len("staff_minutes["):-1]
            label, unit = f"　職員: {actor_names.get(actor, actor)}", "分"
        else:
            label, unit = _MEASURE_LABELS[key]
        per_year_unit, scale = ("時間", 60.0) if unit == "分" else (unit, 1.0)

        def cell(data: Mapping[str, float], scale: float = 1.0, key: str = key) -> str:
            return number(data[key] / scale) if key in data else "—"

        def delta(a: Mapping[str, float], b: Mapping[str, float], scale: float = 1.0,
                  key: str = key) -> str:
            return number((b[key] - a[key]) / scale) if key in a and key in b else "—"

        rows.append({"label": label, "unit": unit, "year_unit": per_year_unit,
                     "as_is": cell(old), "to_be": cell(new), "delta": delta(old, new),
                     "as_is_year": cell(old_year, scale), "to_be_year": cell(new_year, scale),
                     "delta_year": delta(old_year, new_year, scale)})
    return rows


def _findings(version_: _Version | None) -> list[dict[str, str]]:
    if version_ is None or version_.model is None:
        return []
    names = {s.id: s.name for s in version_.model.steps}
    return [{"severity": _SEVERITY.get(f.severity.value, f.severity.value), "severity_key": f.severity.value,
             "principle": _PRINCIPLE.get(f.principle.value, f.principle.value),
             "step": f"{names.get(f.step, f.step)}（{f.step}）" if f.step else "（手続全体）",
             "message": f.message} for f in version_.findings]


def _stage(version_: _Version | None) -> dict[str, Any] | None:
    if version_ is None or version_.stage is None:
        return None
    s = version_.stage
    return {"stage": _STAGE.get(s.stage.value, s.stage.value), "share": number(100 * s.digital_share),
            "reasons": list(s.reasons)}


def _changes(changes: ChangeSet, as_is: ProcedureVersion, to_be: ProcedureVersion) -> list[dict[str, Any]]:
    old = {s.id: s.name for s in as_is.steps}
    new = {s.id: s.name for s in to_be.steps}
    rows = []
    for change in changes.changes:
        saved = change.savings
        rows.append({
            "letters": marker_text(change), "kind": _KIND.get(change.kind.value, change.kind.value),
            "kind_key": change.kind.value,
            "as_is": [f"{old.get(s, s)}（{s}）" for s in change.as_is_steps],
            "to_be": [f"{new.get(s, s)}（{s}）" for s in change.to_be_steps],
            "details": list(change.details), "rationale": change.rationale or "",
            "warnings": list(change.warnings),
            "resident_hours": number(saved.resident_minutes / 60),
            "staff_hours": number(saved.staff_minutes_total / 60),
            "visits": number(saved.counter_visits), "paper": number(saved.paper_steps),
            "seals": number(saved.seals),
            "split": " / ".join(
                f"{k.value} {number((m.resident_minutes + m.staff_minutes_total) / 60)}"
                for k, m in change.by_kind.items()
                if abs(m.resident_minutes + m.staff_minutes_total) > 1e-6) or "—",
        })
    return rows


def _profile(profile: EcrsProfile) -> list[dict[str, str]]:
    return [*({"letter": k.value, "kind": _KIND[k.value], "hours": number(profile.hours.get(k, 0.0)),
               "share": number(100 * profile.share.get(k, 0.0))} for k in ECRS_KINDS),
            {"letter": "", "kind": "計", "hours": number(profile.total_hours), "share": "100"}]


def _step_counts(as_is: _Version | None, to_be: _Version | None) -> list[dict[str, str]]:
    """Task and paper steps as drawn and per case (path-weighted), as-is and to-be."""
    counts = {label: step_counts(v.model, v.metrics) if v and v.model and v.metrics else None
              for label, v in (("as_is", as_is), ("to_be", to_be))}
    rows = []
    for label, drawn, per_case in (("作業の数", "tasks", "tasks_per_case"),
                                   ("紙を扱う作業の数", "paper_steps", "paper_steps_per_case")):
        row = {"label": label}
        for side, c in counts.items():
            row[side] = str(getattr(c, drawn)) if c else "—"
            row[f"{side}_per_case"] = number(getattr(c, per_case), 2) if c else "—"
        rows.append(row)
    return rows


def _simulation_rows(rows: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[list[str]]]:
    columns: list[str] = []
    for row in rows:
        columns += [str(k) for k in row if str(k) not in columns]

    def show(value: Any) -> str:
        if isinstance(value, float):
            return number(value, 2)
        return "" if value is None else str(value)

    return columns, [[show(row.get(c)) for c in columns] for row in rows]


def simulation_hash(simulation: SimulationResults | None) -> str | None:
    """SHA-256 of the canonical JSON of the simulation input, or ``None`` without one."""
    if simulation is None:
        return None
    text = json.dumps(simulation, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return sha256(text.encode("utf-8"))


# --------------------------------------------------------------------------- building


@functools.cache
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("bpr.render", "templates"), autoescape=True,
                      undefined=StrictUndefined, keep_trailing_newline=True,
                      trim_blocks=True, lstrip_blocks=True)
    return env


def generator_versions() -> dict[str, str]:
    """Versions of tetsuzuki and Graphviz, as recorded in the manifest."""
    try:
        package = version("tetsuzuki")
    except PackageNotFoundError:
        package = "unknown"
    return {"tetsuzuki": package, "graphviz": ".".join(str(p) for p in graphviz.version())}


@dataclass(frozen=True)
class BuiltReport:
    """A report built by :func:`build_site`.

    Attributes:
        files: relative path (``/`` separated) -> bytes, sorted, with ``manifest.json``.
        errors: procedure id -> the error lines its page shows (invalid model, analysis or
            diff failed), for the procedures that have any, in report order.
        catalog_error: why the catalog could not be read (the index shows it), if so.
    """

    files: dict[str, bytes]
    errors: dict[str, tuple[str, ...]]
    catalog_error: str | None = None


def build_report(sources: ReportSources, simulation: SimulationResults | None = None, *,
                 workers: int = 1, simulation_run: int | None = None) -> dict[str, bytes]:
    """The files of the report site built from ``sources``: :attr:`BuiltReport.files` of
    :func:`build_site` (see there)."""
    return build_site(sources, simulation, workers=workers, simulation_run=simulation_run).files


def build_site(sources: ReportSources, simulation: SimulationResults | None = None, *,
               workers: int = 1, simulation_run: int | None = None) -> BuiltReport:
    """Build the report site from ``sources``.

    Args:
        sources: from :func:`read_sources`.
        simulation: optional simulation results per procedure id (see
            :data:`SimulationResults`); ``None`` when there are none.
        workers: procedures analysed in parallel processes (loading and analysing a
            model is CPU-bound Python); 1 does everything in this process. The output is
            the same for any number of workers.
        simulation_run: id of the store's simulation run the results come from, recorded
            in the manifest so that ``verify`` can read the same results again.

    Returns:
        The files (relative path, ``/`` separated -> bytes, sorted by path, including
        ``manifest.json``; identical inputs give identical bytes) and the model errors.

    Raises:
        RenderError: Graphviz is missing or failed.
    """
    env = _environment()
    jobs = [(proc, [dict(r) for r in simulation[proc.id]] if simulation and proc.id in simulation else None,
             simulation is not None) for proc in sources.procedures]
    if workers > 1 and len(jobs) > 1:
        # "spawn": a fresh interpreter per worker, safe whatever threads the caller runs.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
            parts = list(pool.map(_procedure_part, *zip(*jobs, strict=True)))
    else:
        parts = [_procedure_part(*job) for job in jobs]
    files: dict[str, bytes] = {}
    summaries: list[dict[str, Any]] = []
    errors: dict[str, tuple[str, ...]] = {}
    for part_files, summary in parts:
        files.update(part_files)
        summaries.append(summary)
        if summary["errors"]:
            errors[summary["id"]] = tuple(summary["errors"])
    stylesheet = env.loader.get_source(env, "style.css")[0] if env.loader else ""
    files["style.css"] = stylesheet.encode("utf-8")
    index = env.get_template("index.html").render(
        procedures=summaries, catalog_error=sources.catalog_error,
        catalog=sources.catalog.path if sources.catalog else None,
        generator=generator_versions(), sources=sources.files, simulation=simulation is not None, root="")
    files["index.html"] = index.encode("utf-8")
    _add_print_files(files, sources)
    manifest = {
        "format": REPORT_FORMAT,
        "generator": generator_versions(),
        "simulation_sha256": simulation_hash(simulation),
        "simulation_run": simulation_run,
        "sources": sources.files,
        "files": {path: sha256(data) for path, data in sorted(files.items())},
    }
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    files[MANIFEST] = text.encode("utf-8")
    return BuiltReport(dict(sorted(files.items())), errors, sources.catalog_error)


def _add_print_files(files: dict[str, bytes], sources: ReportSources) -> None:
    """Printing (:mod:`bpr.render.print_doc`): each procedure page gets the running headers
    of its printed pages, and ``print.html`` joins all pages into one document."""
    printed = [PrintedProcedure(p.id, tuple((label, sha256(f.data)) for label, f in
                                            (("as-is", p.as_is), ("to-be", p.to_be)) if f is not None))
               for p in sources.procedures]
    common = common_rules(f"tetsuzuki {generator_versions()['tetsuzuki']}")
    for path in [p for p in files if p.endswith(".html") and "/" not in p]:
        files[path] = with_page_rules(files[path].decode("utf-8"), common).encode("utf-8")
    for proc in printed:
        path = f"procedures/{proc.id}.html"
        if path in files:
            rules = common + page_rules(proc, "procedure", "body")
            files[path] = with_page_rules(files[path].decode("utf-8"), rules).encode("utf-8")
    files[PRINT_DOCUMENT] = print_document(files, printed, common=common)


def _procedure_part(proc: ProcedureSources, sim: list[dict[str, Any]] | None, simulation_given: bool,
                    ) -> tuple[dict[str, bytes], dict[str, Any]]:
    """The files of one procedure (page and diagrams) and its summary row for the index."""
    files: dict[str, bytes] = {}
    summary = _procedure_page(_environment(), proc, sim, simulation_given, files)
    return files, summary


def _procedure_page(env: Environment, proc: ProcedureSources, sim: list[dict[str, Any]] | None,
                    simulation_given: bool, files: dict[str, bytes]) -> dict[str, Any]:
    versions = {"as-is": _load(proc.as_is) if proc.as_is else None,
                "to-be": _load(proc.to_be) if proc.to_be else None}
    as_is, to_be = versions["as-is"], versions["to-be"]
    errors = [e for v in versions.values() if v for e in v.errors]
    names: dict[str, str] = {}
    for v in (to_be, as_is):
        if v and v.model:
            names.update({a.id: a.name for a in v.model.actors})
    for label, v in versions.items():
        if v and v.svg:
            files[f"diagrams/{proc.id}.{label}.svg"] = (v.svg + "\n").encode("utf-8")
    changes: list[dict[str, Any]] = []
    profile: list[dict[str, str]] = []
    measures: list[dict[str, str]] = []
    set_warnings: list[str] = []
    suggestions: list[str] = []
    diff_svg: str | None = None
    savings: dict[str, str] = {}
    if as_is and to_be and as_is.model and to_be.model:
        try:
            changeset = diff(as_is.model, to_be.model)
            # the planner's figures, one definition for every output (rank, plan, diff)
            saved = version_figures(as_is.model, metrics=as_is.metrics).minus(
                version_figures(to_be.model, metrics=to_be.metrics))
        except TetsuzukiError as exc:
            errors.append(f"diff failed: {exc}")
        else:
            changes = _changes(changeset, as_is.model, to_be.model)
            profile = _profile(ecrs_profile(changeset))
            measures = [{"label": m.label, "steps": ", ".join(m.steps) or "—",
                         "evidence": m.evidence}
                        for m in applied_measures(as_is.model, to_be.model, changeset)]
            set_warnings = list(changeset.warnings)
            suggestions = [f"{s.as_is_step} ↔ {s.to_be_step}（類似度 {number(s.similarity, 2)}）: {s.reason}"
                           for s in changeset.suggestions]
            savings = {"resident_hours": number(saved["resident_hours"]),
                       "staff_hours": number(saved["staff_hours"]),
                       "visits": number(saved["counter_visits"])}
            diff_svg = _inline(render(diff_diagram(as_is.model, to_be.model, changeset), "svg"))
            files[f"diagrams/{proc.id}.diff.svg"] = (diff_svg + "\n").encode("utf-8")
    model = next((v.model for v in (to_be, as_is) if v and v.model), None)
    sim_columns: list[str] = []
    sim_rows: list[list[str]] = []
    if sim is not None:
        sim_columns, sim_rows = _simulation_rows(sim)
    category = proc.entry.category.value if proc.entry else (model.category.value if model else "")
    warning_count = sum(len(c["warnings"]) for c in changes) + len(set_warnings)
    context = {
        "id": proc.id, "folder": proc.folder, "entry": proc.entry, "model": model,
        "name": proc.entry.name if proc.entry else (model.name if model else proc.id),
        "sources": [{"path": v.source.path, "sha256": sha256(v.source.data),
                     "canonical": _canonical(v.model)} for v in versions.values() if v],
        "errors": errors,
        "svg": {k: Markup(v.svg) if v and v.svg else None for k, v in versions.items()},
        "diff_svg": Markup(diff_svg) if diff_svg else None,
        "metrics": _metric_rows(as_is.metrics if as_is else None, to_be.metrics if to_be else None, names),
        "findings": {"as-is": _findings(as_is), "to-be": _findings(to_be)},
        "stage": {"as-is": _stage(as_is), "to-be": _stage(to_be)},
        "step_counts": _step_counts(as_is, to_be), "measures": measures,
        "changes": changes, "profile": profile, "set_warnings": set_warnings,
        "suggestions": suggestions, "sim_columns": sim_columns, "sim_rows": sim_rows,
        "simulation_given": simulation_given, "generator": generator_versions(), "root": "../",
    }
    files[f"procedures/{proc.id}.html"] = env.get_template("procedure.html").render(**context).encode("utf-8")
    return {"id": proc.id, "no": proc.entry.no if proc.entry else None, "name": context["name"],
            "category": _CATEGORY.get(category, category),
            "as_is": proc.as_is is not None, "to_be": proc.to_be is not None, "valid": not errors,
            "modelled": proc.as_is is not None or proc.to_be is not None,
            "savings": savings, "warnings": warning_count, "errors": errors,
            "changes": sum(c["kind_key"] != "U" for c in changes)}


def _canonical(model: ProcedureVersion | None) -> str:
    return content_hash(model) if model is not None else ""
