"""`tetsuzuki validate` and `tetsuzuki show` as users call them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from bpr.cli import app
from tests.conftest import EXAMPLE, ROOT

BROKEN = ROOT / "tests" / "fixtures" / "broken"
runner = CliRunner()


def test_validate_valid_folder_exits_0() -> None:
    result = runner.invoke(app, ["validate", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "2 of 2 model files valid" in result.output


def test_validate_each_broken_fixture_exits_1_with_location() -> None:
    files = sorted(BROKEN.glob("*.yaml"))
    assert len(files) >= 15
    for file in files:
        result = runner.invoke(app, ["validate", str(file)])
        assert result.exit_code == 1, file
        assert f"{file}:" in result.output, file


def test_validate_mixed_paths_reports_json(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(EXAMPLE), str(BROKEN / "unknown-field.yaml"),
                                 "--format", "json"])
    assert result.exit_code == 1
    payload = json.loads(result.output)
    assert payload["valid"] is False
    by_name = {Path(f["file"]).name: f for f in payload["files"]}
    assert by_name["as-is.yaml"]["valid"] is True
    assert len(by_name["as-is.yaml"]["sha256"]) == 64
    problem = by_name["unknown-field.yaml"]["problems"][0]
    assert (problem["line"], problem["column"], problem["field"]) == (15, 5, "steps[1].sael")


def test_validate_checks_lineage_of_a_pair(tmp_path: Path) -> None:
    folder = tmp_path / "claim"
    folder.mkdir()
    (folder / "as-is.yaml").write_text((EXAMPLE / "as-is.yaml").read_text("utf-8"), "utf-8")
    to_be = (EXAMPLE / "to-be.yaml").read_text("utf-8")
    # drop the elimination of prepare-attachments: the step would silently disappear
    head, _, _ = to_be.partition("eliminated:")
    (folder / "to-be.yaml").write_text(head, "utf-8")
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 1
    assert "'prepare-attachments' silently disappears" in result.output


def test_validate_missing_path_exits_1(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1


def test_show_lists_steps_and_facts() -> None:
    result = runner.invoke(app, ["show", str(EXAMPLE / "as-is.yaml"), "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    steps = {s["step"]: s for s in payload["steps"]}
    assert "転記" in steps["data-entry"]["facts"]
    assert "押印" in steps["approval"]["facts"]
    assert payload["sha256"] and payload["version"] == "as-is"


def test_console_script_is_installed() -> None:
    exe = Path(sys.executable).with_name("tetsuzuki")
    completed = subprocess.run([str(exe), "validate", str(EXAMPLE)], capture_output=True, text=True,
                               check=False)
    assert completed.returncode == 0, completed.stderr


def test_validate_refuses_an_unsound_model_and_names_the_path(tmp_path: Path) -> None:
    from tests.bpr.analysis.test_soundness import LOW_EXIT_LOOP, XOR_INTO_JOIN, model_yaml

    bad = tmp_path / "bad.yaml"
    bad.write_text(model_yaml(*XOR_INTO_JOIN), encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:15:5: error [procedure t, step check]" in result.output
    assert f"(path: start ({bad}:10:5) → check ({bad}:15:5)" in result.output
    loop = tmp_path / "loop.yaml"
    loop.write_text(model_yaml(*LOW_EXIT_LOOP), encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(loop)])
    assert result.exit_code == 0, result.output
    assert f"{loop}:15:5: warning" in result.output and "valid (1 warning)" in result.output
