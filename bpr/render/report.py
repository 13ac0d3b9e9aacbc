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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

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
from bpr.i18n import N_, localize, translator
from bpr.model.canonical import content_hash
from bpr.model.catalog import AS_IS_FILE, CATALOG_FILE, TO_BE_FILE, Catalog, CatalogEntry, load_catalog_text
from bpr.model.load import load_located_text
from bpr.model.yaml_reader import Located
from bpr.planning.figures import version_figures
from bpr.render.change_map import change_map
from bpr.render.diagram import diagram
from bpr.render.diagram_diff import diff_diagram, marker_text
from bpr.render.drawing import Drawing, Drawings
from bpr.render.print_doc import (
    PRINT_DOCUMENT,
    PrintedProcedure,
    common_rules,
    page_rules,
    print_document,
    with_page_rules,
)
from bpr.render.text import number
from models.procedure import ProcedureVersion

if TYPE_CHECKING:
    from bpr.render.national_page import National
    from bpr.render.summary import SummaryOptions

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
    # --- summary page (bpr/render/summary.py): weights.yaml and scenarios/city.yaml, when present
    settings: tuple[SourceFile, ...] = ()

    @property
    def files(self) -> dict[str, str]:
        """Source path -> SHA-256 of its bytes, sorted by path."""
        found = [self.catalog] if self.catalog else []
        found += list(self.settings)
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
    # --- summary page: the ranking's weights and the city scenario it simulates
    from bpr.render.summary import SETTINGS_FILES

    settings = tuple(f for f in (_read(root, name) for name in SETTINGS_FILES) if f is not None)
    return ReportSources(catalog_file, catalog_error, tuple(procedures), settings)


# --------------------------------------------------------------------------- analysis

_LANG = "ja"
"""The report's language: every text a reader sees goes through its catalog."""
_ = translator(_LANG)

_MIN, _HOURS = N_("min"), N_("hours")
_MEASURE_LABELS = {
    "resident_minutes": (N_("Applicant's working time"), _MIN),
    "travel_minutes": (N_("of which travel time"), _MIN),
    "staff_minutes_total": (N_("Staff working time"), _MIN),
    "system_minutes": (N_("System processing time"), _MIN),
    "external_minutes": (N_("Time of outside parties"), _MIN),
    "counter_visits": (N_("Counter visits"), N_("times")),
    "in_person_steps": (N_("Face-to-face steps"), N_("step(s)")),
    "paper_steps": (N_("Paper steps"), N_("step(s)")),
    "sheets": (N_("Forms"), N_("sheet(s)")),
    "seals": (N_("Seals"), N_("times")),
    "signatures": (N_("Handwritten signatures"), N_("times")),
    "transcriptions": (N_("Re-typing"), N_("times")),
    "cash_payments": (N_("Cash payments"), N_("times")),
    "handoffs": (N_("Hand-offs between staff"), N_("times")),
    "attachments": (N_("Attachments"), N_("document(s)")),
    "attachments_held_by_government": (N_("of which information the government holds"), N_("document(s)")),
    "delay_days": (N_("Waiting days"), N_("day(s)")),
}
_SEVERITY = {"high": N_("high"), "medium": N_("medium"), "low": N_("low"), "info": N_("info")}
_PRINCIPLE = {"digital-first": N_("digital first"), "once-only": N_("once only"),
              "analog-rule": N_("analog rule"), "online-retyped": N_("online but re-typed")}
_STAGE = {"analog": N_("analog"), "digitization": N_("digitization"),
          "digitalization": N_("digitalization"), "transformation": N_("digital transformation")}
_CATEGORY = {"childcare": N_("childcare"), "long-term-care": N_("long-term care"),
             "disaster": N_("disaster relief"), "car": N_("car"), "other": N_("other")}
_SIM_HEADINGS = (N_("version"), N_("scenario"), N_("replications"))
"""Headings of the simulation table's first columns (the others: bpr.sim.tables.REPORT_COLUMNS)."""
_SIM_VERSIONS = {"as-is": N_("as-is"), "to-be": N_("to-be")}
_KIND = {"E": N_("Eliminate"), "C": N_("Combine"), "R": N_("Rearrange"), "S": N_("Simplify"),
         "A": N_("Added"), "M": N_("Other change"), "U": N_("Unchanged")}


@dataclass
class _Version:
    source: SourceFile
    model: ProcedureVersion | None = None
    errors: list[str] = field(default_factory=list)
    metrics: Metrics | None = None
    findings: list[Finding] = field(default_factory=list)
    stage: StageAssessment | None = None
    svg: str | None = None
    drawing: Drawing | None = None  # the diagram being drawn (bpr/render/drawing.py)
    located: Located | None = None  # the raw data, for the summary's pair checks


def _load(source: SourceFile, drawings: Drawings) -> _Version:
    """Load, analyse and start drawing one version; problems become error lines, not
    exceptions."""
    version_ = _Version(source)
    try:
        version_.model, version_.located = load_located_text(source.data.decode("utf-8"), source.path)
    except UnicodeDecodeError:
        version_.errors.append(_("{path}: file is not UTF-8 text").format(path=source.path))
        return version_
    except InvalidModelError as exc:
        version_.errors += [str(p) for p in exc.problems]
        return version_
    try:
        version_.metrics = measure(version_.model)
        version_.findings = check(version_.model)
        version_.stage = stage(version_.model)
    except TetsuzukiError as exc:
        version_.errors.append(_("{path}: analysis failed: {error}").format(path=source.path, error=exc))
    version_.drawing = drawings.draw(diagram(version_.model))
    return version_


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
            label, unit = "　" + _("Staff: {actor}").format(actor=actor_names.get(actor, actor)), _MIN
        else:
            label, unit = _MEASURE_LABELS[key]
        per_year_unit, scale = (_HOURS, 60.0) if unit == _MIN else (unit, 1.0)

        def cell(data: Mapping[str, float], scale: float = 1.0, key: str = key) -> str:
            return number(data[key] / scale) if key in data else "—"

        def delta(a: Mapping[str, float], b: Mapping[str, float], scale: float = 1.0,
                  key: str = key) -> str:
            return number((b[key] - a[key]) / scale) if key in a and key in b else "—"

        rows.append({"label": localize(label, _), "unit": _(unit), "year_unit": _(per_year_unit),
                     "as_is": cell(old), "to_be": cell(new), "delta": delta(old, new),
                     "as_is_year": cell(old_year, scale), "to_be_year": cell(new_year, scale),
                     "delta_year": delta(old_year, new_year, scale)})
    return rows


def _findings(version_: _Version | None) -> list[dict[str, str]]:
    if version_ is None or version_.model is None:
        return []
    names = {s.id: s.name for s in version_.model.steps}
    return [{"severity": _(_SEVERITY.get(f.severity.value, f.severity.value)),
             "severity_key": f.severity.value,
             "principle": _(_PRINCIPLE.get(f.principle.value, f.principle.value)),
             "step": f"{names.get(f.step, f.step)}（{f.step}）" if f.step else _("(whole procedure)"),
             "message": localize(f.message, _)} for f in version_.findings]


def _stage(version_: _Version | None) -> dict[str, Any] | None:
    if version_ is None or version_.stage is None:
        return None
    s = version_.stage
    return {"stage": _(_STAGE.get(s.stage.value, s.stage.value)), "share": number(100 * s.digital_share),
            "reasons": [localize(r, _) for r in s.reasons]}


def _changes(changes: ChangeSet, as_is: ProcedureVersion, to_be: ProcedureVersion) -> list[dict[str, Any]]:
    old = {s.id: s.name for s in as_is.steps}
    new = {s.id: s.name for s in to_be.steps}
    rows = []
    for change in changes.changes:
        saved = change.savings
        rows.append({
            "letters": marker_text(change), "kind": _(_KIND.get(change.kind.value, change.kind.value)),
            "kind_key": change.kind.value,
            "as_is": [f"{old.get(s, s)}（{s}）" for s in change.as_is_steps],
            "to_be": [f"{new.get(s, s)}（{s}）" for s in change.to_be_steps],
            "details": [localize(d, _) for d in change.details], "rationale": change.rationale or "",
            "warnings": [localize(w, _) for w in change.warnings],
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
    return [*({"letter": k.value, "kind": _(_KIND[k.value]), "hours": number(profile.hours.get(k, 0.0)),
               "share": number(100 * profile.share.get(k, 0.0))} for k in ECRS_KINDS),
            {"letter": "", "kind": _("Total"), "hours": number(profile.total_hours), "share": "100"}]


def _step_counts(as_is: _Version | None, to_be: _Version | None) -> list[dict[str, str]]:
    """Task and paper steps as drawn and per case (path-weighted), as-is and to-be."""
    counts = {label: step_counts(v.model, v.metrics) if v and v.model and v.metrics else None
              for label, v in (("as_is", as_is), ("to_be", to_be))}
    rows = []
    for label, drawn, per_case in ((N_("Number of tasks"), "tasks", "tasks_per_case"),
                                   (N_("Number of tasks handling paper"), "paper_steps",
                                    "paper_steps_per_case")):
        row = {"label": _(label)}
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

    def cell(column: str, value: Any) -> str:
        shown = show(value)
        return _(_SIM_VERSIONS[shown]) if column == "version" and shown in _SIM_VERSIONS else shown

    return [_(c) for c in columns], [[cell(c, row.get(c)) for c in columns] for row in rows]


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
                      trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_, ngettext=lambda singular, plural, n: _(singular if n == 1 else plural))
    return env


def generator_versions() -> dict[str, str]:
    """Versions of tetsuzuki and Graphviz, as recorded in the manifest."""
    try:
        package = version("tetsuzuki")
    except PackageNotFoundError:
        package = "unknown"
    # matplotlib and its font draw the charts (bpr/render/charts.py)
    from bpr.render.charts import chart_font

    return {"tetsuzuki": package, "graphviz": ".".join(str(p) for p in graphviz.version()),
            "matplotlib": _version_of("matplotlib"), "chart_font": chart_font()}


def _version_of(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


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
                 workers: int = 1, simulation_run: int | None = None,
                 summary: SummaryOptions | None = None,
                 national: National | None = None) -> dict[str, bytes]:
    """The files of the report site built from ``sources``: :attr:`BuiltReport.files` of
    :func:`build_site` (see there)."""
    return build_site(sources, simulation, workers=workers, simulation_run=simulation_run,
                      summary=summary, national=national).files


def build_site(sources: ReportSources, simulation: SimulationResults | None = None, *,
               workers: int = 1, simulation_run: int | None = None,
               summary: SummaryOptions | None = None,
               national: National | None = None) -> BuiltReport:
    """Build the report site from ``sources``.

    Args:
        sources: from :func:`read_sources`.
        simulation: optional simulation results per procedure id (see
            :data:`SimulationResults`); ``None`` when there are none.
        workers: Graphviz processes run at once (:class:`bpr.render.drawing.Drawings`:
            drawing the diagrams is most of the work; this process goes on with the
            models, charts and pages meanwhile); 1 draws each diagram in turn. The output
            is the same for any number of workers.
        simulation_run: id of the store's simulation run the results come from, recorded
            in the manifest so that ``verify`` can read the same results again.
        summary: the summary page's settings (online share, city replications), recorded
            in the manifest; ``None``: the defaults (:class:`bpr.render.summary.SummaryOptions`).
        national: a national run's id and totals for the national page
            (:mod:`bpr.render.national_page`), recorded in the manifest; ``None``: no page.

    Returns:
        The files (relative path, ``/`` separated -> bytes, sorted by path, including
        ``manifest.json``; identical inputs give identical bytes) and the model errors.

    Raises:
        RenderError: Graphviz is missing or failed.
    """
    env = _environment()
    from bpr.render.summary import SummaryOptions, build_summary, render_summary

    options = summary or SummaryOptions()  # the summary page's settings
    files: dict[str, bytes] = {}
    with Drawings(workers) as drawings:
        # Every procedure's models loaded and analysed, its diagrams handed to Graphviz
        # (drawn in other threads), its chart drawn; then the summary page while Graphviz
        # draws; then the pages, each waiting for its diagrams. Catalog order throughout.
        started = [_procedure_page(env, proc, [dict(r) for r in simulation[proc.id]]
                                   if simulation and proc.id in simulation else None,
                                   simulation is not None, files, drawings)
                   for proc in sources.procedures]
        pairs = [s.pair for s in started if s.pair is not None]
        excluded = {s.id: s.excluded for s in started if s.excluded}
        # --- summary page (bpr/render/summary.py): totals, ranking, city year, charts
        page = build_summary(sources.settings, pairs, excluded, options, simulation_run=simulation_run,
                             draw=drawings.chart)
        summary_html = render_summary(env, page)
        # ---
        summaries = [s.finish() for s in started]
        files.update(page.chart_files())  # drawn in the chart process meanwhile
    errors = {row["id"]: tuple(row["errors"]) for row in summaries if row["errors"]}
    stylesheet = env.loader.get_source(env, "style.css")[0] if env.loader else ""
    files["style.css"] = stylesheet.encode("utf-8")
    # --- national page (bpr/render/national_page.py), when a national run is given
    from bpr.render.national_page import build_national_page

    national_page = build_national_page(env, national, generator_versions())
    files.update(national_page.files)
    # ---
    index = env.get_template("index.html").render(
        procedures=summaries, catalog_error=sources.catalog_error,
        catalog=sources.catalog.path if sources.catalog else None, summary=summary_html,
        generator=generator_versions(), sources=sources.files, simulation=simulation is not None, root="",
        national=national_page.note)
    files["index.html"] = index.encode("utf-8")
    _add_print_files(files, sources)
    manifest = {
        "format": REPORT_FORMAT,
        "generator": generator_versions(),
        "simulation_sha256": simulation_hash(simulation),
        "simulation_run": simulation_run,
        "summary": page.manifest,
        "national": national_page.manifest,
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


@dataclass(frozen=True)
class _Started:
    """A procedure page begun by :func:`_procedure_page`: its summary pair (or why it is
    left out) at once; :attr:`finish` writes the page once its diagrams are drawn and
    returns its row for the index."""

    id: str
    pair: Any
    excluded: str | None
    finish: Callable[[], dict[str, Any]]


def _procedure_page(env: Environment, proc: ProcedureSources, sim: list[dict[str, Any]] | None,
                    simulation_given: bool, files: dict[str, bytes], drawings: Drawings) -> _Started:
    """Begin one procedure's files (page, diagrams, chart) into ``files``; see :class:`_Started`."""
    versions = {"as-is": _load(proc.as_is, drawings) if proc.as_is else None,
                "to-be": _load(proc.to_be, drawings) if proc.to_be else None}
    as_is, to_be = versions["as-is"], versions["to-be"]
    errors = [e for v in versions.values() if v for e in v.errors]
    names: dict[str, str] = {}
    for v in (to_be, as_is):
        if v and v.model:
            names.update({a.id: a.name for a in v.model.actors})
    changes: list[dict[str, Any]] = []
    profile: list[dict[str, str]] = []
    measures: list[dict[str, str]] = []
    set_warnings: list[str] = []
    suggestions: list[str] = []
    diff_drawing: Drawing | None = None
    map_drawing: Drawing | None = None  # diagrams (wt-diagrams): the change map
    chart: str | None = None
    chart_bytes: Callable[[], bytes] | None = None
    savings: dict[str, str] = {}
    if as_is and to_be and as_is.model and to_be.model:
        try:
            changeset = diff(as_is.model, to_be.model)
            # the planner's figures, one definition for every output (rank, plan, diff)
            before = version_figures(as_is.model, metrics=as_is.metrics)
            after = version_figures(to_be.model, metrics=to_be.metrics)
            saved = before.minus(after)
        except TetsuzukiError as exc:
            errors.append(_("diff failed: {error}").format(error=exc))
        else:
            changes = _changes(changeset, as_is.model, to_be.model)
            profile = _profile(ecrs_profile(changeset))
            step_names = {s.id: s.name for s in (*as_is.model.steps, *to_be.model.steps)}
            measures = [{"label": _(m.label),
                         "steps": "、".join(f"{step_names.get(s, s)}（{s}）" for s in m.steps) or "—",
                         "evidence": localize(m.evidence, _)}
                        for m in applied_measures(as_is.model, to_be.model, changeset)]
            set_warnings = [localize(w, _) for w in changeset.warnings]
            suggestions = [_("{old} ↔ {new} (similarity {similarity}): {reason}").format(
                old=s.as_is_step, new=s.to_be_step, similarity=number(s.similarity, 2),
                reason=localize(s.reason, _)) for s in changeset.suggestions]
            savings = {"resident_hours": number(saved["resident_hours"]),
                       "staff_hours": number(saved["staff_hours"]),
                       "visits": number(saved["counter_visits"])}
            # --- diagrams (wt-diagrams): diff side by side and the change map above it
            diff_drawing = drawings.draw(diff_diagram(as_is.model, to_be.model, changeset))
            map_drawing = drawings.draw(change_map(as_is.model, to_be.model, changeset))
            # --- end diagrams
            # --- summary page: the procedure's own before/after chart (bpr/render/summary.py)
            from bpr.render import charts
            from bpr.render.summary import procedure_chart_data

            chart = f"charts/procedures/{proc.id}.svg"
            args, kwargs = procedure_chart_data(before, after)
            chart_bytes = drawings.chart(charts.procedure_chart, *args, **kwargs)
    model = next((v.model for v in (to_be, as_is) if v and v.model), None)
    from bpr.render.summary import chart_caption, checked_pair  # the summary page (summary.py)

    pair, excluded = checked_pair(proc.entry, proc.as_is.path if proc.as_is else "",
                                  proc.to_be.path if proc.to_be else "", as_is, to_be)

    sim_columns: list[str] = []
    sim_rows: list[list[str]] = []
    if sim is not None:
        sim_columns, sim_rows = _simulation_rows(sim)
    category = proc.entry.category.value if proc.entry else (model.category.value if model else "")
    warning_count = sum(len(c["warnings"]) for c in changes) + len(set_warnings)

    def finish() -> dict[str, Any]:
        if chart is not None and chart_bytes is not None:
            files[chart] = chart_bytes()
        return _finish_page(env, proc, files, versions, errors, context, {
            "category": _(_CATEGORY.get(category, category)), "savings": savings,
            "warnings": warning_count, "changes": sum(c["kind_key"] != "U" for c in changes),
            "pair": pair, "excluded": excluded}, diff_drawing, map_drawing)

    context = {
        "id": proc.id, "folder": proc.folder, "entry": proc.entry, "model": model,
        "name": proc.entry.name if proc.entry else (model.name if model else proc.id),
        "sources": [{"path": v.source.path, "sha256": sha256(v.source.data),
                     "canonical": _canonical(v.model)} for v in versions.values() if v],
        "errors": errors,
        "metrics": _metric_rows(as_is.metrics if as_is else None, to_be.metrics if to_be else None, names),
        "findings": {"as-is": _findings(as_is), "to-be": _findings(to_be)},
        "stage": {"as-is": _stage(as_is), "to-be": _stage(to_be)},
        "step_counts": _step_counts(as_is, to_be), "measures": measures,
        "changes": changes, "profile": profile, "set_warnings": set_warnings,
        "suggestions": suggestions, "sim_columns": sim_columns, "sim_rows": sim_rows,
        "simulation_given": simulation_given, "generator": generator_versions(), "root": "../",
        "chart": chart, "chart_caption": chart_caption(),
    }
    return _Started(proc.id, pair, excluded, finish)


def _finish_page(env: Environment, proc: ProcedureSources, files: dict[str, bytes],
                 versions: Mapping[str, _Version | None], errors: list[str], context: dict[str, Any],
                 row: dict[str, Any], diff_drawing: Drawing | None, map_drawing: Drawing | None
                 ) -> dict[str, Any]:
    """The page of a procedure begun by :func:`_procedure_page`, once its diagrams are
    drawn (written into ``files`` with them); its row for the index."""
    for label, v in versions.items():
        if v and v.drawing:
            v.svg = v.drawing.svg()
            files[f"diagrams/{proc.id}.{label}.svg"] = (v.svg + "\n").encode("utf-8")
    diff_svg = diff_drawing.svg() if diff_drawing else None
    map_svg = map_drawing.svg() if map_drawing else None
    if diff_svg is not None:
        files[f"diagrams/{proc.id}.diff.svg"] = (diff_svg + "\n").encode("utf-8")
    if map_svg is not None:
        files[f"diagrams/{proc.id}.changes.svg"] = (map_svg + "\n").encode("utf-8")
    page = dict(context)
    page.update({
        "svg": {k: Markup(v.svg) if v and v.svg else None for k, v in versions.items()},
        "diff_svg": Markup(diff_svg) if diff_svg else None,
        "map_svg": Markup(map_svg) if map_svg else None,  # diagrams (wt-diagrams)
    })
    files[f"procedures/{proc.id}.html"] = env.get_template("procedure.html").render(**page).encode("utf-8")
    return {"id": proc.id, "no": proc.entry.no if proc.entry else None, "name": context["name"],
            "as_is": proc.as_is is not None, "to_be": proc.to_be is not None, "valid": not errors,
            "modelled": proc.as_is is not None or proc.to_be is not None, "errors": errors,
            **row}  # pair, excluded: for the summary page


def _canonical(model: ProcedureVersion | None) -> str:
    return content_hash(model) if model is not None else ""
