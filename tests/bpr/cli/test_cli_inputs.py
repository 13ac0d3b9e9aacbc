"""Bad input paths and values through the commands: a located error and exit 1, never a
traceback, and nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bpr.cli import app
from bpr.errors import InvalidModelError
from tests.conftest import EXAMPLE, PROCEDURES

runner = CliRunner()
FOLDER_HINT = "give a version file such as as-is.yaml; `validate DIR` and `diff DIR` take a folder"


def _commands(out: Path) -> dict[str, list[str]]:
    folder, as_is = str(EXAMPLE), str(EXAMPLE / "as-is.yaml")
    return {
        "show": ["show", folder],
        "metrics": ["metrics", folder],
        "check": ["check", folder],
        "diff two folders": ["diff", folder, folder],
        "diff file and folder": ["diff", as_is, folder],
        "bpmn export": ["bpmn", "export", folder, "-o", str(out / "x.bpmn")],
        "prosimos export": ["prosimos", "export", folder, "-o", str(out / "sim")],
    }


@pytest.mark.parametrize("name", sorted(_commands(Path())))
def test_a_folder_for_a_model_file_is_a_file_level_error(name: str, tmp_path: Path) -> None:
    result = runner.invoke(app, _commands(tmp_path)[name])
    assert result.exit_code == 1
    assert isinstance(result.exception, InvalidModelError), result.exception
    # diff of two folders names both
    assert set(str(result.exception).splitlines()) == {
        f"{EXAMPLE}: cannot read: is a folder, not a model file; {FOLDER_HINT}"}
    assert list(tmp_path.iterdir()) == []


def test_a_folder_for_a_bpmn_file_is_a_file_level_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["bpmn", "import", str(PROCEDURES), "-o", str(tmp_path / "x.yaml")])
    assert result.exit_code == 1
    assert str(result.exception) == f"{PROCEDURES}: cannot read: is a folder, not a BPMN file"
    assert list(tmp_path.iterdir()) == []


def test_the_printed_message_has_no_traceback_and_no_fake_position(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    proc = subprocess.run([sys.executable, "-c", "from bpr.cli import main; main()", "show",
                           str(EXAMPLE)], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 1
    assert proc.stderr == f"error: {EXAMPLE}: cannot read: is a folder, not a model file; " \
                          f"{FOLDER_HINT}\n"
    proc = subprocess.run([sys.executable, "-c", "from bpr.cli import main; main()", "metrics",
                           str(missing)], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 1
    assert proc.stderr == f"error: {missing}: cannot read: No such file or directory\n"


@pytest.mark.parametrize("command", [["metrics"], ["check"], ["show"], ["validate"],
                                     ["simulate", "--replications", "1", "--years", "0.02"]])
def test_an_infinite_volume_stops_every_command(command: list[str], tmp_path: Path) -> None:
    path = tmp_path / "as-is.yaml"
    text = (EXAMPLE / "as-is.yaml").read_text(encoding="utf-8")
    path.write_text(text.replace("annual_volume: 410", "annual_volume: .inf"), encoding="utf-8")
    result = runner.invoke(app, [command[0], str(path), *command[1:]])
    assert result.exit_code == 1
    line = f"{path}:10:16: error [procedure child-allowance-claim] field 'annual_volume': must " \
           "be a finite number (got inf)"
    shown = str(result.exception) if result.exception and not isinstance(
        result.exception, SystemExit) else result.output
    assert line in shown.splitlines()
    assert "inf cases" not in result.output and "nan" not in result.output
