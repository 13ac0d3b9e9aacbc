"""Text of the user's (names, ids, rationale, paths) is printed as it is written: never
read as rich markup, never sent raw to the terminal as control characters, never written
as a live spreadsheet formula; and standard output that cannot be written is one clean
error line (bpr.cli.output, bpr.render.text, bpr.cli.spreadsheet, bpr.cli.streams)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from bpr.cli import error_lines
from bpr.errors import InvalidModelError, Problem, TetsuzukiError
from tests.bpr.planning.test_survey import HEADER, ROWS, _csv
from tests.bpr.render.test_output_files import run
from tests.conftest import EXAMPLE, MINIMAL, PROCEDURES


def _marked_model(folder: Path) -> Path:
    text = (MINIMAL.replace("name: 最小の手続", 'name: "手続 [red]x [/]"')
            .replace("id: clerk, name: 窓口", 'id: clerk, name: "[approver]"')
            .replace("name: 申請書を書く", 'name: "申請[/]書"'))
    path = folder / "v[red]x as-is.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def marked(tmp_path: Path) -> Path:
    folder = tmp_path / "[approver]"
    folder.mkdir()
    return _marked_model(folder)


@pytest.mark.parametrize("command", [["show"], ["metrics", "--steps"], ["validate"],
                                     ["simulate", "--replications", "1", "--years", "0.05"]])
def test_names_and_paths_are_printed_as_written(
        marked: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        command: list[str]) -> None:
    code, out, err = run([*command, str(marked)], capsys, monkeypatch)
    assert code in (0, 1) and "Traceback" not in err and "MarkupError" not in err, err
    if command[0] == "validate":
        assert str(marked) in out  # the folder [approver] and the file v[red]x as-is.yaml
    else:
        assert "手続 [red]x [/]" in out  # the title
    if command[0] == "show":
        assert "[approver]" in out and "申請[/]書" in out


def test_metrics_labels_every_staff_row(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(["metrics", str(EXAMPLE / "as-is.yaml")], capsys, monkeypatch)
    assert code == 0
    labels = [line.split("│")[1].strip() for line in out.splitlines()
              if line.startswith("│") and "staff_hours" in line]
    assert len(labels) == len(set(labels)) and any("[" in label for label in labels), labels


def test_diff_prints_bracketed_rationale(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "p[/]"
    shutil.copytree(EXAMPLE, folder)
    to_be = folder / "to-be.yaml"
    text = to_be.read_text(encoding="utf-8")
    to_be.write_text(text.replace('rationale: "カード', 'rationale: "[/] [red]x [approver] カード', 1),
                     encoding="utf-8")
    assert "[/] [red]x" in to_be.read_text(encoding="utf-8")
    code, out, err = run(["diff", str(folder)], capsys, monkeypatch)
    assert code == 0, err
    assert all(text in out for text in ("[/]", "[red]x", "[approver]"))  # folded in its column


CONTROLS = "\x1b]0;pwn\x07\x1b[2J\u202e\x9b31m\x08"


def test_control_characters_are_shown_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    model = tmp_path / "m.yaml"
    escaped = CONTROLS.encode("unicode_escape").decode("ascii").replace("\\\\", "\\")
    model.write_text(MINIMAL.replace("name: 最小の手続", f'name: "最小{escaped}"')
                     .replace("name: 申請書を書く", f'name: "書く{escaped}"'), encoding="utf-8")
    for command in (["show"], ["metrics"], ["metrics", "--format", "markdown"],
                    ["metrics", "--format", "json"], ["show", "--format", "json"]):
        code, out, err = run([*command, str(model)], capsys, monkeypatch)
        assert code == 0, err
        assert not any(ch in out for ch in "\x1b\x07\x08\u202e\x9b"), (command, out)
        if command[-1] == "json":
            assert json.loads(out)  # still the same JSON
        else:
            assert "最小\\x1b]0;pwn\\x07\\x1b[2J\\u202e\\x9b31m\\x08" in out.replace("\n", "")


# --------------------------------------------------------------------------- formulas

FORMULA = '=HYPERLINK("http://evil.example","x")'


def _formula_catalog(tmp_path: Path) -> Path:
    root = tmp_path / "procedures"
    shutil.copytree(PROCEDURES, root)
    catalog = root / "catalog.yaml"
    text = catalog.read_text(encoding="utf-8")
    name = "児童手当等の受給資格及び児童手当の額についての認定請求"
    catalog.write_text(text.replace(f"name: {name}", f"name: '{FORMULA}'", 1), encoding="utf-8")
    as_is = root / "childcare" / "child-allowance-claim" / "as-is.yaml"
    text = as_is.read_text(encoding="utf-8")
    as_is.write_text(text.replace(f"name: {name}", f"name: '{FORMULA}'", 1), encoding="utf-8")
    return catalog


def _cells(path: Path) -> list[object]:
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path)
        return [c.value for sheet in book for row in sheet.iter_rows() for c in row]
    return [c for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))) for c in row]


def _no_live_formula(cells: list[object]) -> None:
    assert f"'{FORMULA}" in cells
    assert not [c for c in cells if isinstance(c, str) and c.startswith(("=", "+", "@", "\t", "\r"))]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_rank_writes_names_as_text_not_formulas(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:
    out = tmp_path / f"rank{suffix}"
    code, _, err = run(["rank", "--no-store", "--catalog", str(_formula_catalog(tmp_path)),
                        "--format", suffix[1:], "-o", str(out)], capsys, monkeypatch)
    assert code == 0, err
    cells = _cells(out)
    _no_live_formula(cells)
    assert any(isinstance(c, float | int) and not isinstance(c, bool) for c in cells) or suffix == ".csv"
    if suffix == ".xlsx":
        book = openpyxl.load_workbook(out)
        assert all(c.data_type != "f" for sheet in book for row in sheet.iter_rows() for c in row)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_survey_rank_writes_names_as_text(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:
    rows = [[FORMULA, *ROWS[0][1:]], ["-2+3", *ROWS[1][1:]], ["@SUM(A1)", *ROWS[2][1:]]]
    survey = _csv(tmp_path, "utf-8-sig", rows, HEADER)
    out = tmp_path / f"survey{suffix}"
    code, _, err = run(["survey", "rank", str(survey), "--format", suffix[1:], "-o", str(out)],
                       capsys, monkeypatch)
    assert code == 0, err
    cells = _cells(out)
    _no_live_formula(cells)
    assert "'-2+3" in cells and "'@SUM(A1)" in cells


def test_csv_on_standard_output_is_neutralised_too(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = _formula_catalog(tmp_path)
    for command in (["plan", "--catalog", str(catalog), "--no-simulation"],
                    ["catalog", "--catalog", str(catalog)]):
        code, out, err = run([*command, "--format", "csv"], capsys, monkeypatch)
        assert code == 0, err
        cells = [c for row in csv.reader(io.StringIO(out)) for c in row]
        if command[0] == "catalog":
            _no_live_formula(cells)
        assert not [c for c in cells if c.startswith(("=", "@"))]


# --------------------------------------------------------------------------- closed stdout


def _cli(args: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "from bpr.cli import main; main()", *args],
                            stderr=subprocess.PIPE, **kwargs)  # type: ignore[call-overload]


COMMANDS = [["show", str(EXAMPLE / "as-is.yaml")],
            ["metrics", str(EXAMPLE / "as-is.yaml"), "--format", "json"],
            ["validate", str(EXAMPLE)],
            ["diff", str(EXAMPLE)],
            ["catalog", "--format", "csv"],
            ["diagram", str(EXAMPLE / "as-is.yaml"), "-o", "-"]]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_a_full_standard_output_is_one_error_line(args: list[str]) -> None:
    with open("/dev/full", "wb") as full:
        proc = _cli(args, stdout=full)
        _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert err.decode() == "error: cannot write to standard output: No space left on device\n"


@pytest.mark.parametrize("args", COMMANDS[:3], ids=lambda a: a[0])
def test_a_closed_pipe_ends_quietly(args: list[str]) -> None:
    proc = _cli(args, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.close()  # the reader is gone before the first write, as after `head -1`
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert err.decode() == ""


# --------------------------------------------------------------------------- messages


def test_a_located_error_says_error_once() -> None:
    located = Problem("m.yaml", 3, 5, "unknown field", procedure="p", field="seel")
    whole = Problem("m.yaml", 0, 0, "cannot read: No such file or directory")
    assert error_lines(InvalidModelError([located, whole])) == [
        "m.yaml:3:5: error [procedure p] field 'seel': unknown field",
        "error: m.yaml: cannot read: No such file or directory"]
    assert error_lines(TetsuzukiError(f"{located}")) == [str(located)]
    assert error_lines(TetsuzukiError("no procedure matches\nsecond \x1b line")) == [
        "error: no procedure matches", "second \\x1b line"]


def test_the_cli_prints_a_located_error_once(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    model = tmp_path / "m.yaml"
    model.write_text(MINIMAL.replace("paper: true", "paper: true, seel: true"), encoding="utf-8")
    code, _, err = run(["show", str(model)], capsys, monkeypatch)
    assert code == 1
    assert err.startswith(f"{model}:") and err.count("error") == 1, err


def test_messages_show_control_characters_of_paths_escaped(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.bpr.render.test_report import make_procedures

    procedures = make_procedures(tmp_path / "procedures", broken=False)
    out = tmp_path / "rep"
    args = ["--procedures", str(procedures), "--workers", "1"]
    assert run(["report", str(out), *args, "--simulation", "none"], capsys, monkeypatch)[0] == 0
    (out / "x\x1b[2J\u202ey.txt").write_text("mine", encoding="utf-8")
    code, out_text, err = run(["verify", str(out), *args], capsys, monkeypatch)
    assert code == 1
    assert "added: x\\x1b[2J\\u202ey.txt\n" in out_text
    assert not any(ch in out_text + err for ch in "\x1b\u202e")
    code, _, err = run(["report", str(out), *args, "--simulation", "none"], capsys, monkeypatch)
    assert code == 0 and "x\\x1b[2J\\u202ey.txt is not part of the report" in err
