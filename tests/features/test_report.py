"""Steps of features/report.feature: an auditor makes the report and verifies it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from pytest_bdd import given, parsers, scenarios, then, when
from typer.testing import CliRunner

from bpr.cli import app
from tests.conftest import EXAMPLE

scenarios("report.feature")


@given("児童手当の認定請求の現行と見直し後のモデルがある手続フォルダ", target_fixture="folders")
def procedures_folder(tmp_path: Path) -> dict[str, Path]:
    procedures = tmp_path / "procedures"
    shutil.copytree(EXAMPLE, procedures / "childcare" / "child-allowance-claim")
    return {"procedures": procedures, "report": tmp_path / "report"}


@given('"tetsuzuki report" で報告を作成した')
def make_report(folders: dict[str, Path]) -> None:
    result = CliRunner().invoke(app, ["report", str(folders["report"]),
                                      "--procedures", str(folders["procedures"])])
    assert result.exit_code == 0, result.output


def flip_one_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x20
    path.write_bytes(bytes(data))


@given(parsers.parse('報告の "{name}" を1バイト書き換えた'))
def tamper_report(folders: dict[str, Path], name: str) -> None:
    flip_one_byte(folders["report"] / name)


@given(parsers.parse('モデル "{name}" を1バイト書き換えた'))
def tamper_source(folders: dict[str, Path], name: str) -> None:
    flip_one_byte(folders["procedures"] / name)


@when('"tetsuzuki verify" で報告を照合する', target_fixture="result")
def verify(folders: dict[str, Path]) -> Any:
    return CliRunner().invoke(app, ["verify", str(folders["report"]),
                                    "--procedures", str(folders["procedures"])])


@then(parsers.parse("終了コードは {code:d} である"))
def exit_code(result: Any, code: int) -> None:
    assert result.exit_code == code, result.output


@then(parsers.parse('出力に "{text}" と示される'))
def shown(result: Any, text: str) -> None:
    assert text in result.output
