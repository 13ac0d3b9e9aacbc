"""Steps of features/validate.feature: a working-group member validates a model with a typo."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pytest_bdd import given, parsers, scenarios, then, when
from typer.testing import CliRunner

from bpr.cli import app
from tests.conftest import EXAMPLE, PROCEDURES

scenarios("validate.feature")


@given(parsers.parse('児童手当の認定請求の現行フローで "{right}" を "{wrong}" と書き間違えた'),
       target_fixture="model_file")
def model_with_typo(tmp_path: Path, right: str, wrong: str) -> dict[str, Any]:
    text = (EXAMPLE / "as-is.yaml").read_text(encoding="utf-8")
    assert right in text
    lines = text.splitlines()
    line_no = next(i for i, line in enumerate(lines) if right in line)
    lines[line_no] = lines[line_no].replace(right, wrong)
    path = tmp_path / "as-is.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    column = lines[line_no].index(wrong) + 1
    return {"path": path, "line": line_no + 1, "column": column, "key": wrong.split(":")[0]}


@when('"tetsuzuki validate" でそのファイルを検証する', target_fixture="result")
def validate_file(model_file: dict[str, Any]) -> Any:
    return CliRunner().invoke(app, ["validate", str(model_file["path"])])


@when('"tetsuzuki validate" で procedures フォルダを検証する', target_fixture="result")
def validate_catalog() -> Any:
    return CliRunner().invoke(app, ["validate", str(PROCEDURES)])


@then(parsers.parse("終了コードは {code:d} である"))
def exit_code(result: Any, code: int) -> None:
    assert result.exit_code == code, result.output


@then(parsers.parse('出力に "{key}" の行と列が "ファイル:行:列" の形で示される'))
def located(result: Any, model_file: dict[str, Any], key: str) -> None:
    where = f"{model_file['path']}:{model_file['line']}:{model_file['column']}:"
    lines = [ln for ln in result.output.splitlines() if ln.startswith(where)]
    assert lines, result.output
    assert re.search(rf"field '[^']*{key}'", lines[0])


@then(parsers.parse('出力に "{hint}" と候補が示される'))
def hinted(result: Any, hint: str) -> None:
    assert hint in result.output
