"""``tetsuzuki bpmn import|export`` and ``tetsuzuki prosimos import|export``.

Output files are written with :mod:`bpr.render.output_files`: each whole or not at all, and the
Prosimos pairs (BPMN + JSON, model + scenario) both or neither.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bpr.cli.app import app
from bpr.errors import InvalidModelError
from bpr.model.canonical import content_hash
from bpr.model.dump import procedure_yaml
from bpr.model.load import load_procedure
from bpr.render.input_guard import refuse_inputs
from bpr.render.output_files import OutputError, write_file, write_files
from bpr.render.text import visible

__all__ = ["bpmn_app", "prosimos_app"]

bpmn_app = typer.Typer(help="BPMN 2.0 import and export (bpmn.io, Camunda, Signavio, ...).",
                       no_args_is_help=True)
prosimos_app = typer.Typer(help="Prosimos simulation models (BPMN + JSON parameters).",
                           no_args_is_help=True)
app.add_typer(bpmn_app, name="bpmn")
app.add_typer(prosimos_app, name="prosimos")


def _say(text: str) -> None:
    typer.echo(visible(text), err=True)


@bpmn_app.command("import")
def bpmn_import(
    file: Annotated[Path, typer.Argument(help="A BPMN 2.0 file.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The YAML model file to write.")],
    process: Annotated[list[str] | None, typer.Option(
        help="Process to import, by process id or pool name; repeat it to merge several "
        "(default: every pool of the collaboration, merged).")] = None,
    version: Annotated[str | None, typer.Option(help="Version label (default: as stored, "
                                                "else as-is).")] = None,
    procedure_id: Annotated[str | None, typer.Option(
        "--id", help="Procedure id (default: as stored, else derived from the name: its "
        "ASCII slug, or bpmn- and a hash of a Japanese name).")] = None,
) -> None:
    """Import BPMN processes as one procedure model; list what was approximated or left out.

    A process that is not sound (an exclusive branch into a parallel join, parallel branches
    never joined, ...) is refused, located at its BPMN elements; nothing is written."""
    from bpr.analysis.soundness import soundness_problems
    from bpr.interop.bpmn import import_bpmn

    refuse_inputs([output], [file])
    result = import_bpmn(file, process=tuple(process or ()), version=version,
                         procedure_id=procedure_id)
    checked = soundness_problems(result.model, result.located, file=str(file))
    errors = [p for p in checked if p.severity == "error"]
    if errors:
        raise InvalidModelError(errors)
    header = f"Imported from {file.name} by `tetsuzuki bpmn import`."
    if result.warnings or result.ignored:
        header += "\nCheck the notes printed at import: approximations and ignored elements."
    write_file(output, procedure_yaml(result.model, header))
    for note in result.warnings:
        _say(f"warning: {file}:{note}")
    for note in result.ignored:
        _say(f"ignored: {file}:{note}")
    for problem in checked:
        _say(str(problem))
    _say(f"wrote {output}: {result.model.id} ({result.model.version}), "
         f"{len(result.model.steps)} steps, sha256 {content_hash(result.model)[:12]}")


@bpmn_app.command("export")
def bpmn_export(
    file: Annotated[Path, typer.Argument(help="A procedure model (YAML).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The BPMN file to write.")],
) -> None:
    """Export a procedure model as BPMN 2.0 with a Graphviz-laid-out diagram."""
    from bpr.interop.bpmn import export_bpmn

    refuse_inputs([output], [file])
    model = load_procedure(file)
    write_file(output, export_bpmn(model))
    _say(f"wrote {output}: {model.id} ({model.version}), sha256 {content_hash(model)[:12]}")


@prosimos_app.command("export")
def prosimos_export(
    file: Annotated[Path, typer.Argument(help="A procedure model (YAML).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Base path: writes BASE.bpmn "
                                         "and BASE.json.")],
    scenario: Annotated[Path | None, typer.Option(help="Scenario YAML (default: the default "
                                                  "scenario's settings).")] = None,
) -> None:
    """Export a procedure and scenario as a Prosimos model (BPMN + JSON, seconds)."""
    from bpr.interop.prosimos import export_prosimos
    from bpr.sim.scenario import Scenario, load_scenario

    model = load_procedure(file)
    chosen = load_scenario(scenario) if scenario else Scenario(name="default")
    exported = export_prosimos(model, chosen)
    if output.is_dir():
        raise OutputError(output, "is a folder; give a base path such as FOLDER/NAME")
    base = output.with_suffix("") if output.suffix in (".bpmn", ".json") else output
    bpmn_file, json_file = Path(f"{base}.bpmn"), Path(f"{base}.json")
    refuse_inputs([bpmn_file, json_file], [file, scenario])
    write_files([(bpmn_file, exported.bpmn),
                 (json_file, json.dumps(exported.parameters, ensure_ascii=False, indent=2) + "\n")])
    for note in exported.warnings:
        _say(f"warning: {note}")
    _say(f"wrote {bpmn_file} and {json_file}")


@prosimos_app.command("import")
def prosimos_import(
    bpmn: Annotated[Path, typer.Argument(help="The Prosimos/Simod BPMN file.")],
    parameters: Annotated[Path, typer.Argument(help="Its JSON simulation parameters.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The YAML model file to write.")],
    scenario_output: Annotated[Path | None, typer.Option(
        "--scenario-output", help="Also write the scenario (YAML) read from the JSON.")] = None,
) -> None:
    """Import a Prosimos/Simod model as a procedure model (and a scenario)."""
    from bpr.interop.prosimos import import_prosimos, scenario_yaml

    refuse_inputs([output, scenario_output], [bpmn, parameters])
    result = import_prosimos(bpmn, parameters)
    outputs: list[tuple[Path, str]] = [(output, procedure_yaml(
        result.model, f"Imported from {bpmn.name} and {parameters.name} by `tetsuzuki prosimos import`."))]
    if scenario_output is not None:
        outputs.append((scenario_output, scenario_yaml(result.scenario)))
    write_files(outputs)
    for note in result.warnings:
        _say(f"warning: {note}")
    _say(f"wrote {output}: {result.model.id}, {len(result.model.steps)} steps")
