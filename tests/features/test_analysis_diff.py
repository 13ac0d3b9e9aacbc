"""Steps of features/analysis_diff.feature: a working group diffs as-is and to-be."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_bdd import given, parsers, scenarios, then, when
from typer.testing import CliRunner

from bpr.cli import app
from bpr.model.load import load_procedure
from tests.conftest import EXAMPLE

scenarios("analysis_diff.feature")


def _rows(output: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("|")[1:-1]] for line in output.splitlines()
            if line.startswith("| ")]


@given("児童手当の認定請求の現行フローと見直し後フローがある", target_fixture="folder")
def example_folder() -> Path:
    assert (EXAMPLE / "as-is.yaml").is_file() and (EXAMPLE / "to-be.yaml").is_file()
    return EXAMPLE


@given(parsers.parse('見直し後フローから "{key}" の記載を消した'), target_fixture="files")
def without_eliminated(tmp_path: Path, key: str) -> tuple[Path, Path]:
    text = (EXAMPLE / "to-be.yaml").read_text(encoding="utf-8")
    marker = f"\n{key}:"
    assert marker in text
    to_be = tmp_path / "to-be.yaml"
    to_be.write_text(text.split(marker)[0] + "\n", encoding="utf-8")
    return EXAMPLE / "as-is.yaml", to_be


@when('"tetsuzuki diff" で手続のフォルダを比較する', target_fixture="result")
def diff_folder(folder: Path) -> Any:
    return CliRunner().invoke(app, ["diff", str(folder), "--format", "markdown"])


@when('"tetsuzuki diff" で現行と見直し後のファイルを比較する', target_fixture="result")
def diff_files(files: tuple[Path, Path]) -> Any:
    return CliRunner().invoke(app, ["diff", str(files[0]), str(files[1]), "--format", "markdown"])


@then(parsers.parse("終了コードは {code:d} である"))
def exit_code(result: Any, code: int) -> None:
    assert result.exit_code == code, result.output


@then(parsers.parse('廃止した手順はすべて "{letter}" と表示され、その理由が示される'))
def eliminated_marked(result: Any, folder: Path, letter: str) -> None:
    to_be = load_procedure(folder / "to-be.yaml")
    assert to_be.eliminated, "the example eliminates at least one step"
    rows = _rows(result.output)
    for elimination in to_be.eliminated:
        row = next(r for r in rows if r[2].split(" → ")[0] == elimination.step)
        assert row[0] == letter, row
        assert " ".join(elimination.rationale.split()) in row, row


@then("変更の合計の行は現行と見直し後の年間合計の差に等しい")
def total_is_difference(result: Any) -> None:
    rows = _rows(result.output)
    total = next(r for r in rows if r[2] == "TOTAL")
    difference = next(r for r in rows if r[0] == "difference")
    assert total[3:3 + len(difference) - 1] == difference[1:]


@then(parsers.parse('手順 "{step_id}" は "{letter}" と表示される'), target_fixture="row")
def step_marked(result: Any, step_id: str, letter: str) -> list[str]:
    row = next(r for r in _rows(result.output) if r[2].split(" → ")[0] == step_id)
    assert row[0] == letter, row
    return row


@then(parsers.parse('その行に警告 "{text}" が示される'))
def row_warned(row: list[str], text: str) -> None:
    assert text in row[-1], row
