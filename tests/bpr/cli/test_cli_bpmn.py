"""`tetsuzuki bpmn import|export` and `tetsuzuki prosimos import|export` as users call them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bpr.cli import app
from bpr.model.canonical import content_hash
from bpr.model.load import load_procedure
from tests.conftest import EXAMPLE

runner = CliRunner()


def test_bpmn_export_then_import_gives_the_same_model(tmp_path: Path) -> None:
    source = EXAMPLE / "as-is.yaml"
    result = runner.invoke(app, ["bpmn", "export", str(source), "-o", str(tmp_path / "m.bpmn")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["bpmn", "import", str(tmp_path / "m.bpmn"), "-o",
                                 str(tmp_path / "m.yaml")])
    assert result.exit_code == 0, result.output
    assert content_hash(load_procedure(tmp_path / "m.yaml")) == content_hash(load_procedure(source))


def test_bpmn_import_prints_warnings_and_ignored_elements(shared_dir: Path, tmp_path: Path) -> None:
    miwg = shared_dir / "bpmn" / "miwg-reference" / "A.4.1.bpmn"
    result = runner.invoke(app, ["bpmn", "import", str(miwg), "-o", str(tmp_path / "a.yaml")])
    assert result.exit_code == 0, result.output
    assert "ignored:" in result.output and "signavioMetaData ignored" in result.output
    # Both pools are merged: the message flows are hand-offs, noted as warnings.
    assert "warning:" in result.output and "hands the case over by a message flow" in result.output
    assert load_procedure(tmp_path / "a.yaml").steps


def test_prosimos_export_writes_bpmn_and_json(tmp_path: Path) -> None:
    result = runner.invoke(app, ["prosimos", "export", str(EXAMPLE / "to-be.yaml"), "-o",
                                 str(tmp_path / "p")])
    assert result.exit_code == 0, result.output
    params = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))
    assert {"resource_profiles", "task_resource_distribution", "arrival_time_distribution",
            "gateway_branching_probabilities", "resource_calendars"} <= set(params)
    result = runner.invoke(app, ["prosimos", "import", str(tmp_path / "p.bpmn"),
                                 str(tmp_path / "p.json"), "-o", str(tmp_path / "back.yaml"),
                                 "--scenario-output", str(tmp_path / "scenario.yaml")])
    assert result.exit_code == 0, result.output
    assert load_procedure(tmp_path / "back.yaml").annual_volume > 0
    assert (tmp_path / "scenario.yaml").read_text(encoding="utf-8").strip()


def test_bpmn_import_refuses_an_unsound_process_at_its_bpmn_lines(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.bpr.analysis.test_soundness import XOR_INTO_JOIN, model_yaml

    source = tmp_path / "bad.yaml"
    source.write_text(model_yaml(*XOR_INTO_JOIN), encoding="utf-8")
    bpmn = tmp_path / "bad.bpmn"
    assert runner.invoke(app, ["bpmn", "export", str(source), "-o", str(bpmn)]).exit_code == 0
    output = tmp_path / "back.yaml"
    proc = subprocess.run([sys.executable, "-c", "from bpr.cli import main; main()", "bpmn",
                           "import", str(bpmn), "-o", str(output)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"{bpmn}:") and ": error " in proc.stderr  # said once
    assert "exclusive choice 'check' feeds and-join 'join' on one branch only" in proc.stderr
    assert f"(path: start ({bpmn}:" in proc.stderr
    assert not output.exists()
