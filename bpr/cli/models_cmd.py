"""``tetsuzuki validate`` and ``tetsuzuki show``: checking and reading model files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from bpr.canonical import content_hash
from bpr.cli import app
from bpr.cli.output import Format, console, emit
from bpr.errors import InvalidModelError, Problem
from bpr.lineage import lineage_problems
from bpr.load import Located, iter_model_files, load_located
from models.procedure import ProcedureVersion

__all__ = ["show", "validate", "validate_paths"]


def validate_paths(paths: list[Path]) -> list[dict[str, Any]]:
    """Validate every model file under ``paths``; as-is/to-be pairs in one folder also get
    their lineage checked. Returns one result row per file."""
    results: list[dict[str, Any]] = []
    loaded: dict[Path, tuple[ProcedureVersion, Located]] = {}
    for file in iter_model_files(paths):
        row: dict[str, Any] = {"file": str(file), "procedure": None, "version": None,
                               "steps": None, "valid": False, "sha256": None, "problems": []}
        try:
            model, located = load_located(file)
        except InvalidModelError as exc:
            row["problems"] = exc.problems
        else:
            loaded[file] = (model, located)
            row.update(procedure=model.id, version=model.version, steps=len(model.steps),
                       valid=True, sha256=content_hash(model))
        results.append(row)
    by_file = {r["file"]: r for r in results}
    for file, (model, located) in loaded.items():
        if file.name != "to-be.yaml":
            continue
        partner = loaded.get(file.with_name("as-is.yaml"))
        if partner is None:
            continue
        problems = lineage_problems(partner[0], model, located)
        if problems:
            row = by_file[str(file)]
            row["valid"] = False
            row["problems"] = problems
    return results


@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Model files or folders (searched recursively).")],
    fmt: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.TABLE,
) -> None:
    """Validate procedure models; exit 0 when all are valid, 1 otherwise."""
    for p in paths:
        if not p.exists():
            console.print(f"[red]error:[/red] no such file or folder: {p}")
            raise typer.Exit(1)
    results = validate_paths(paths)
    ok = all(r["valid"] for r in results) and bool(results)
    if fmt is Format.JSON:
        payload = [{**r, "problems": [p.as_dict() for p in r["problems"]]} for r in results]
        emit([], Format.JSON, payload={"valid": ok, "files": payload})
    else:
        for r in results:
            for problem in r["problems"]:
                assert isinstance(problem, Problem)
                print(str(problem))
        rows = [{"file": r["file"], "procedure": r["procedure"], "version": r["version"],
                 "steps": r["steps"], "status": "valid" if r["valid"] else
                 f"INVALID ({len(r['problems'])})", "sha256": (r["sha256"] or "")[:12]}
                for r in results]
        emit(rows, fmt if fmt is not Format.CSV else Format.TABLE,
             title=f"{sum(r['valid'] for r in results)} of {len(results)} model files valid")
    if not results:
        print("no model files found")
    raise typer.Exit(0 if ok else 1)


def _facts(step: Any) -> str:
    names = {"paper": "紙", "seal": "押印", "signature": "自署", "in_person": "対面",
             "transcription": "転記", "cash": "現金", "original_paper": "原本", "travel": "移動"}
    return " ".join(label for field, label in names.items() if getattr(step, field))


@app.command()
def show(
    file: Annotated[Path, typer.Argument(help="A model file.")],
    fmt: Annotated[Format, typer.Option("--format", help="table, json or markdown.")] = Format.TABLE,
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
    title = f"{model.name} ({model.id}, {model.version}) sha256 {content_hash(model)[:12]}"
    emit([{"actor": a.id, "name": a.name, "kind": a.kind.value, "headcount": a.headcount}
          for a in model.actors], fmt, title=f"{title} — actors")
    emit(rows, fmt, title="steps")
