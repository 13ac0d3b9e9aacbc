"""``tetsuzuki validate`` and ``tetsuzuki show``: checking and reading model files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from bpr.cli.app import app
from bpr.cli.output import Format, emit, say
from bpr.errors import InvalidModelError, Problem, TetsuzukiError
from bpr.model.canonical import content_hash
from bpr.model.lineage import AS_IS_FILE, TO_BE_FILE, label_problems, lineage_problems, sort_problems
from bpr.model.load import Located, iter_model_files, load_located
from models.procedure import ProcedureVersion

__all__ = ["PROBLEM_COLUMNS", "show", "validate", "validate_paths"]


def _other_kind(file: Path) -> str | None:
    """``"a simulation scenario"`` (or a catalog, a weights file) when ``file`` has that
    kind's top-level keys and not a procedure model's; ``None`` otherwise."""
    from bpr.model.catalog import Catalog
    from bpr.model.load import read_yaml
    from bpr.planning.weights import Weights
    from bpr.sim.national import NationalScenario
    from bpr.sim.scenario import Scenario

    try:
        data = read_yaml(file.read_text(encoding="utf-8"), str(file)).data
    except (TetsuzukiError, OSError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or "steps" in data:
        return None
    keys = set(data)
    model_only = keys & (set(ProcedureVersion.model_fields) - {"name", "description"})
    kinds = (("a simulation scenario", Scenario, "tetsuzuki simulate MODEL --scenario FILE"),
             ("a catalog", Catalog, "tetsuzuki catalog --catalog FILE"),
             ("a ranking weights file", Weights, "tetsuzuki rank --weights FILE"),
             ("a national scenario", NationalScenario, "tetsuzuki run national --national FILE"))
    # The kind sharing the most top-level keys with the file (a catalog and a national
    # scenario both have reference_population).
    owned = sorted(((keys & (set(model.model_fields) - {"name", "description"}), name, use)
                    for name, model, use in kinds), key=lambda k: -len(k[0]))
    for own, name, use in owned:
        if own and len(own) > len(model_only):
            return f"{name} (it has {', '.join(sorted(own))}), not a procedure model: use it " \
                f"with `{use}`"
    return None


def validate_paths(paths: list[Path]) -> list[dict[str, Any]]:
    """Validate every model file under ``paths``; as-is/to-be pairs in one folder also get
    their lineage checked, and files named as-is.yaml / to-be.yaml their version label
    (:func:`bpr.model.lineage.pair_problems`, as ``diff`` does), and every valid model its
    soundness (:func:`bpr.analysis.soundness.soundness_problems`). Returns one result row per
    file, its problems sorted by position; a file is valid when none of them is an error
    (warnings are reported but accepted)."""
    results: list[dict[str, Any]] = []
    from bpr.analysis.soundness import soundness_problems  # numpy, scipy: only to validate
    from bpr.model.version_rules import version_warnings

    loaded: dict[Path, tuple[ProcedureVersion, Located]] = {}
    for file in iter_model_files(paths):
        row: dict[str, Any] = {"file": str(file), "procedure": None, "version": None,
                               "steps": None, "valid": False, "sha256": None, "problems": []}
        try:
            model, located = load_located(file)
        except InvalidModelError as exc:
            # Only a file that parsed (every problem has a line) can be another kind of file.
            other = _other_kind(file) if all(p.line for p in exc.problems) else None
            row["problems"] = ([Problem(str(file), 1, 1, f"this looks like {other}")]
                               if other else exc.problems)
        else:
            loaded[file] = (model, located)
            row.update(procedure=model.id, version=model.version, steps=len(model.steps),
                       valid=True, sha256=content_hash(model))
            row["problems"] = [*label_problems(file, model, located),
                               *soundness_problems(model, located),
                               *version_warnings(located)]
        results.append(row)
    by_file = {r["file"]: r for r in results}
    for file, (model, located) in loaded.items():
        if file.name != TO_BE_FILE:
            continue
        partner = loaded.get(file.with_name(AS_IS_FILE))
        if partner is not None:
            by_file[str(file)]["problems"] += lineage_problems(partner[0], model, located)
    for row in results:
        row["problems"] = sort_problems(row["problems"])
        row["valid"] = row["valid"] and all(p.severity != "error" for p in row["problems"])
    return results


PROBLEM_COLUMNS = ("file", "line", "column", "procedure", "step", "field", "value", "message",
                   "hint", "severity")
"""Columns of ``validate --format csv``: one row per problem."""


@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Model files or folders (searched recursively).")],
    fmt: Annotated[Format, typer.Option(
        "--format", help="table, json, markdown, or csv (one row per problem: "
        "file,line,column,procedure,step,field,value,message,hint,severity).")] = Format.TABLE,
) -> None:
    """Validate procedure models (shape, graph, lineage and soundness); exit 0 when all are
    valid (warnings allowed), 1 otherwise."""
    for p in paths:
        if not p.exists():
            say(f"error: no such file or folder: {p}", file=sys.stderr)
            raise typer.Exit(1)
    results = validate_paths(paths)
    ok = all(r["valid"] for r in results) and bool(results)
    if fmt is Format.JSON:
        payload = [{**r, "problems": [p.as_dict() for p in r["problems"]]} for r in results]
        emit([], Format.JSON, payload={"valid": ok, "files": payload})
    elif fmt is Format.CSV:
        emit([p.as_dict() for r in results for p in r["problems"]], fmt, columns=PROBLEM_COLUMNS)
    else:
        for r in results:
            for problem in r["problems"]:
                assert isinstance(problem, Problem)
                say(str(problem))
        rows = [{"file": r["file"], "procedure": r["procedure"], "version": r["version"],
                 "steps": r["steps"], "status": _status(r), "sha256": (r["sha256"] or "")[:12]}
                for r in results]
        emit(rows, fmt, title=f"{sum(r['valid'] for r in results)} of {len(results)} model "
             "files valid")
    if not results:
        say("error: no model files found", file=sys.stderr)
    raise typer.Exit(0 if ok else 1)


def _status(row: dict[str, Any]) -> str:
    """``valid``, ``valid (N warnings)`` or ``INVALID (N)``."""
    if not row["valid"]:
        return f"INVALID ({len(row['problems'])})"
    warnings = len(row["problems"])
    return f"valid ({warnings} warning{'s' if warnings > 1 else ''})" if warnings else "valid"


def _facts(step: Any) -> str:
    names = {"paper": "紙", "seal": "押印", "signature": "自署", "in_person": "対面",
             "transcription": "転記", "cash": "現金", "original_paper": "原本", "travel": "移動"}
    return " ".join(label for field, label in names.items() if getattr(step, field))


@app.command()
def show(
    file: Annotated[Path, typer.Argument(help="A model file.")],
    fmt: Annotated[Format, typer.Option(
        "--format", help="table, json, markdown, or csv (the steps only, one row per step; the "
        "actor column holds the actor's name).")] = Format.TABLE,
) -> None:
    """Show a model's actors, steps and facts."""
    model, _ = load_located(file)
    actors = {a.id: a for a in model.actors}
    rows = []
    for step in model.steps:
        actor = actors.get(step.actor or "")
        rows.append({
            "step": step.id, "name": step.name, "kind": step.kind.value,
            "actor": actor.name if actor else "", "minutes": round(step.duration.mean, 1),
            "delay_days": round(step.delay.mean, 1) if step.delay else None,
            "channel": step.channel.value, "facts": _facts(step),
            "attachments": len(step.attachments), "replaces": list(step.replaces),
        })
    if fmt is Format.JSON:
        emit(rows, fmt, payload={"procedure": model.id, "name": model.name,
                                 "version": model.version, "sha256": content_hash(model),
                                 "actors": [a.model_dump(mode="json") for a in model.actors],
                                 "steps": rows})
        return
    if fmt is Format.CSV:
        emit(rows, fmt)  # one table per CSV stream: the steps, each naming its actor
        return
    title = f"{model.name} ({model.id}, {model.version}) sha256 {content_hash(model)[:12]}"
    emit([{"actor": a.id, "name": a.name, "kind": a.kind.value, "headcount": a.headcount}
          for a in model.actors], fmt, title=f"{title} — actors")
    if fmt is Format.MARKDOWN:
        print()
    emit(rows, fmt, title="steps")
