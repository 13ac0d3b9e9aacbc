"""``tetsuzuki metrics``, ``tetsuzuki check`` and ``tetsuzuki diff``: measuring and comparing.

The analysis (numpy, scipy) is imported by the commands that use it, not when the command
line starts (``tetsuzuki catalog`` does not need it).
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bpr.cli.app import app
from bpr.cli.output import Format, emit, say
from bpr.errors import DiffError
from bpr.i18n import N_, localize, localize_all, translator

if TYPE_CHECKING:
    from bpr.analysis.diff import ChangeSet
    from bpr.analysis.ecrs import ChangeKind
    from bpr.analysis.measures import AppliedMeasure
    from bpr.analysis.metrics import Measures, StepCounts
    from models.procedure import ProcedureVersion

__all__ = [
    "check",
    "diff_cmd",
    "diff_rows",
    "load_diff_pair",
    "metrics",
    "print_diff",
    "print_metrics",
    "resolve_pair",
    "step_count_rows",
]

FormatOption = Annotated[Format, typer.Option(
    "--format", help="table, json, markdown or csv (csv: one table, see the command's help).")]


class Lang(StrEnum):
    """A language of the texts (:data:`bpr.i18n.LANGUAGES`)."""

    EN = "en"
    JA = "ja"


LangOption = Annotated[Lang, typer.Option(
    "--lang", help="Language of the texts (titles, findings, ECRS details, warnings, evidence): en or ja. "
    "Column names and machine values (kinds, rules, ids) stay as they are.")]


_STEPS_TITLE = N_("steps: in the model and per case (path-weighted)")


def _gap(fmt: Format) -> None:
    """A blank line between two Markdown tables (each starts with its own heading)."""
    if fmt is Format.MARKDOWN:
        print()


def print_metrics(model: ProcedureVersion, fmt: Format, *, steps: bool = False,
                  lang: str = "en") -> None:
    """Print the measures of ``model`` as ``tetsuzuki metrics`` does (texts in ``lang``)."""
    from bpr.analysis.metrics import measure, step_counts
    from bpr.analysis.payloads import metrics_payload, step_rows

    _ = translator(lang)
    if fmt is Format.JSON:
        emit([], fmt, payload=metrics_payload(model))
        return
    result = measure(model)
    if fmt is Format.CSV and steps:
        emit(step_rows(model, result), fmt)  # one table per CSV stream: the steps
        return
    per_case = result.per_case.as_dict(hours=True)
    per_year = result.per_year.as_dict(hours=True)
    rows = [{"measure": k, "per_case": round(per_case[k], 4), "per_year": round(per_year[k], 2)}
            for k in per_year]
    emit(rows, fmt, title=localize(N_("{name} ({id}, {version}): {volume:g} cases per year",
                                      name=model.name, id=model.id, version=model.version,
                                      volume=model.annual_volume), _))
    if fmt is not Format.CSV:
        _gap(fmt)
        emit(step_count_rows([(model.version, step_counts(model, result))]), fmt,
             title=_(_STEPS_TITLE))
    if steps:
        _gap(fmt)
        emit(step_rows(model, result), fmt, title=_(N_("per step (per year)")))


@app.command()
def metrics(
    file: Annotated[Path, typer.Argument(help="A model file.")],
    fmt: FormatOption = Format.TABLE,
    steps: Annotated[bool, typer.Option("--steps", help="Also show every step's share.")] = False,
    lang: LangOption = Lang.EN,
) -> None:
    """Expected per-case and per-year measures of one procedure version.

    Minutes are shown as hours; per year = per case × annual_volume. CSV holds one table:
    the measures, or with --steps the per-step table.
    """
    from bpr.model.load import load_procedure

    print_metrics(load_procedure(file), fmt, steps=steps, lang=lang.value)


@app.command()
def check(
    file: Annotated[Path, typer.Argument(help="A model file.")],
    fmt: FormatOption = Format.TABLE,
    lang: LangOption = Lang.EN,
) -> None:
    """Findings against the digital principles and analog rules, and the version's stage."""
    from bpr.analysis.principles import check as check_principles
    from bpr.analysis.principles import stage
    from bpr.model.load import load_procedure

    _ = translator(lang.value)
    model = load_procedure(file)
    assessment = stage(model)
    findings = check_principles(model)
    rows = [{"severity": f.severity.value, "principle": f.principle.value, "step": f.step,
             "rule": f.rule, "visits": round(f.visits, 3), "message": localize(f.message, _)}
            for f in findings]
    reasons = [localize(r, _) for r in assessment.reasons]
    if fmt is Format.JSON:
        emit([], fmt, payload={"procedure": model.id, "version": model.version,
                               "stage": assessment.stage.value,
                               "digital_share": assessment.digital_share,
                               "reasons": reasons, "findings": rows})
        return
    emit(rows, fmt, title=_(N_("{id} ({version}): stage {stage} — {reasons}; {count} findings")).format(
        id=model.id, version=model.version, stage=assessment.stage.value, reasons="; ".join(reasons),
        count=len(findings)))


def resolve_pair(first: Path, second: Path | None) -> tuple[Path, Path]:
    """The as-is and to-be files from ``diff`` arguments (two files, or one folder).

    Raises:
        DiffError: a path that does not exist, a folder without both files, or a single
            file argument.
    """
    from bpr.model.lineage import AS_IS_FILE, TO_BE_FILE

    for path in (first, second):
        if path is not None and not path.exists():
            raise DiffError(f"no such file or folder: {path}")
    if second is not None:
        return first, second
    if not first.is_dir():
        raise DiffError(f"{first}: give AS_IS TO_BE files, or one procedure folder")
    pair = first / AS_IS_FILE, first / TO_BE_FILE
    missing = [p.name for p in pair if not p.is_file()]
    if missing:
        raise DiffError(f"{first}: folder has no {' and no '.join(missing)}")
    return pair


def load_diff_pair(first: Path, second: Path | None, *, allow_any_order: bool = False
                   ) -> tuple[ProcedureVersion, ProcedureVersion]:
    """The two versions ``diff`` compares, checked before anything is computed.

    A folder's pair gets the checks of ``tetsuzuki validate`` (labels, same procedure,
    lineage: :func:`bpr.model.lineage.load_pair`). Two files given by the user must be versions
    of one procedure, and files named as-is.yaml / to-be.yaml must hold those labels. A
    to-be given first and an as-is second is refused unless ``allow_any_order``; any other
    pair of labels than as-is → to-be (two to-be variants, say) is compared with a warning
    on standard error, printed before any table.

    Raises:
        DiffError: a path is missing, the procedures differ, or the order is reversed.
        InvalidModelError: a file or the folder's pair is invalid (every problem, located).
    """
    from bpr.analysis.diff import require_same_procedure
    from bpr.model.lineage import load_pair

    as_is_file, to_be_file = resolve_pair(first, second)
    old, new = load_pair(as_is_file, to_be_file, check_lineage=second is None)
    require_same_procedure(old, new, (str(as_is_file), str(to_be_file)))
    labels = (old.version, new.version)
    if labels == ("to-be", "as-is") and not allow_any_order:
        raise DiffError(f"{as_is_file} is the to-be and {to_be_file} the as-is: give the as-is "
                        "first (diff AS_IS TO_BE), or add --allow-any-order to compare them "
                        "this way round")
    if labels != ("as-is", "to-be") and not allow_any_order:
        say(f"warning: comparing '{old.version}' ({as_is_file}) as the old version with "
              f"'{new.version}' ({to_be_file}) as the new one, not as-is → to-be",
              file=sys.stderr)
    return old, new


def step_count_rows(counts: list[tuple[str, StepCounts]]) -> list[dict[str, Any]]:
    """One row per version: task and paper steps as drawn and per case (path-weighted)."""
    return [{"version": label, "tasks": c.tasks, "tasks_per_case": round(c.tasks_per_case, 2),
             "paper_steps": c.paper_steps,
             "paper_steps_per_case": round(c.paper_steps_per_case, 2)} for label, c in counts]


def _kind_cells(by_kind: dict[ChangeKind, Measures]) -> dict[str, float]:
    """Resident + staff hours by ECRS kind (the columns ``E_h`` … ``S_h``)."""
    from bpr.analysis.ecrs import ECRS_KINDS
    from bpr.analysis.metrics import Measures
    from bpr.analysis.payloads import hours

    return {f"{k.value}_h": round(round(hours(by_kind.get(k, Measures())), 6), 2) + 0.0
            for k in ECRS_KINDS}


def _savings_cells(savings: Measures) -> dict[str, float]:
    # Rounding to 6 places first removes float noise, so that a sum of changes and a
    # difference of totals that agree to 1e-9 also print the same 2-decimal figure.
    from bpr.analysis.payloads import DIFF_COLUMNS, SHORT_NAMES

    values = savings.as_dict(hours=True)
    return {SHORT_NAMES.get(k, k): round(round(values[k], 6), 2) + 0.0 for k in DIFF_COLUMNS}


def _clip(text: str, width: int | None) -> str:
    text = " ".join(text.split())
    return text if width is None or len(text) <= width else text[: width - 1] + "…"


def diff_rows(changeset: ChangeSet, *, width: int | None = None, lang: str = "en"
              ) -> list[dict[str, Any]]:
    """Rows of the change table: every change except unchanged ones without savings,
    then a TOTAL row over *all* changes. Each row splits its resident + staff hours into
    ``E_h``, ``C_h``, ``R_h``, ``S_h`` (at the level of facts; they add up to
    ``resident_h + staff_h``).

    Args:
        changeset: the change set.
        width: shorten rationales to this many characters (``None``: in full).
        lang: language of the warnings (``en`` or ``ja``).
    """
    from bpr.analysis.ecrs import ChangeKind

    _ = translator(lang)
    rows: list[dict[str, Any]] = []
    for change in changeset.changes:
        if change.kind is ChangeKind.UNCHANGED and change.savings.is_zero():
            continue
        rows.append({"kind": change.kind.value, "also": "".join(k.value for k in change.also),
                     "change": change.label, **_savings_cells(change.savings),
                     **_kind_cells(dict(change.by_kind)),
                     "rationale": _clip(change.rationale or "", width),
                     "warnings": "; ".join(localize(w, _) for w in change.warnings)})
    rows.append({"kind": "", "also": "", "change": "TOTAL",
                 **_savings_cells(changeset.total_savings()), **_kind_cells(changeset.by_kind()),
                 "rationale": "", "warnings": ""})
    return rows


@app.command(name="diff")
def diff_cmd(
    as_is: Annotated[Path, typer.Argument(help="The as-is model, or a procedure folder with "
                                          "as-is.yaml and to-be.yaml.")],
    to_be: Annotated[Path | None, typer.Argument(help="The to-be model.")] = None,
    fmt: FormatOption = Format.TABLE,
    allow_any_order: Annotated[bool, typer.Option(
        "--allow-any-order", help="Compare the two files as given even when the first is the "
        "to-be and the second the as-is, and without a warning for other labels.")] = False,
    lang: LangOption = Lang.EN,
) -> None:
    """Change set from as-is to to-be with ECRS kinds, yearly savings and rationale.

    The two versions must be of the same procedure; a folder's pair must also pass the
    checks of `validate` (labels and lineage). CSV holds the change table only (with its
    TOTAL row).
    """
    from bpr.analysis.diff import diff
    from bpr.analysis.measures import applied_measures

    old, new = load_diff_pair(as_is, to_be, allow_any_order=allow_any_order)
    changeset = diff(old, new)
    print_diff(changeset, fmt, applied=applied_measures(old, new, changeset), lang=lang.value)


def print_diff(changeset: ChangeSet, fmt: Format,
               applied: tuple[AppliedMeasure, ...] | None = None, lang: str = "en") -> None:
    """Print a change set as ``tetsuzuki diff`` does: the change table with its TOTAL row,
    the per-year totals of both versions and their difference, the steps per case, the
    ECRS profile, the BPR measures applied (when given), the suggested matches and the
    warnings."""
    from bpr.analysis.ecrs import ECRS_KINDS
    from bpr.analysis.payloads import changeset_payload
    from bpr.analysis.profile import ecrs_profile

    _ = translator(lang)
    if fmt is Format.JSON:
        emit([], fmt, payload=localize_all(changeset_payload(changeset, applied), _))
        return
    width = 48 if fmt is Format.TABLE else None
    emit(localize_all(diff_rows(changeset, width=width, lang=lang), _), fmt, title=localize(N_(
        "{procedure}: {old} → {new}, savings per year (hours for time)",
        procedure=changeset.procedure, old=changeset.as_is.version, new=changeset.to_be.version), _))
    if fmt is Format.CSV:
        return  # one table per CSV stream: the changes with their TOTAL row
    totals = [{"version": changeset.as_is.version, **_savings_cells(changeset.as_is.per_year)},
              {"version": changeset.to_be.version, **_savings_cells(changeset.to_be.per_year)},
              {"version": "difference", **_savings_cells(changeset.as_is.per_year -
                                                         changeset.to_be.per_year)}]
    _gap(fmt)
    emit(totals, fmt, title=_(N_("per-year totals (difference = TOTAL of the changes)")))
    if changeset.as_is_counts is not None and changeset.to_be_counts is not None:
        _gap(fmt)
        emit(step_count_rows([(changeset.as_is.version, changeset.as_is_counts),
                              (changeset.to_be.version, changeset.to_be_counts)]), fmt,
             title=_(_STEPS_TITLE))
    profile = ecrs_profile(changeset)
    _gap(fmt)
    emit([*({"kind": k.value, "hours_saved": round(profile.hours[k], 1),
             "share": f"{profile.share[k]:.0%}"} for k in ECRS_KINDS),
          {"kind": "TOTAL", "hours_saved": round(profile.total_hours, 1), "share": ""}], fmt,
         title=_(N_("ECRS profile (resident + staff hours per year; analog facts that no longer "
                    "happen are E)")))
    if applied:
        _gap(fmt)
        emit([{"measure": m.label, "key": m.key, "steps": ", ".join(m.steps),
               "evidence": localize(m.evidence, _)} for m in applied], fmt,
             title=_(N_("BPR measures applied")))
    if changeset.suggestions:
        _gap(fmt)
        emit([{"as_is_step": s.as_is_step, "to_be_step": s.to_be_step,
               "similarity": s.similarity, "reason": localize(s.reason, _)}
              for s in changeset.suggestions],
             fmt, title=_(N_("suggested matches (not applied: add `replaces` if right)")))
    if changeset.warnings:
        _gap(fmt)
        emit([{"warning": localize(w, _)} for w in changeset.warnings], fmt, title=_(N_("warnings")))
