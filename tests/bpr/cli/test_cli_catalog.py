"""`tetsuzuki catalog` as users call it, in every output format."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from bpr.cli import app
from bpr.errors import InvalidModelError
from tests.conftest import EXAMPLE

runner = CliRunner()

HEADER = "no,id,name,category,level,volume,life_events,as_is,to_be"

TWO_ENTRIES = """\
reference_population: 50000
procedures:
  - no: 1
    id: child-allowance-claim
    path: childcare/child-allowance-claim
    name: 児童手当等の受給資格及び児童手当の額についての認定請求
    name_en: Claim
    category: childcare
    level: municipal
    life_events: [birth, moving-in]
    annual_volume: 205
    volume_source: "assumption: half of 410"
  - no: 2
    id: not-modelled
    path: other/not-modelled
    name: 未作成の手続
    name_en: Not modelled yet
    category: other
    level: prefectural
    annual_volume: 12.5
    volume_source: "assumption: 1 a month"
"""


def _catalog_beside_the_example(tmp_path: Path) -> Path:
    folder = tmp_path / "childcare" / "child-allowance-claim"
    folder.mkdir(parents=True)
    (folder / "as-is.yaml").write_text((EXAMPLE / "as-is.yaml").read_text(encoding="utf-8"),
                                       encoding="utf-8")
    file = tmp_path / "catalog.yaml"
    file.write_text(TWO_ENTRIES, encoding="utf-8")
    return file


def test_json_lists_all_31_procedures_with_their_fields() -> None:
    result = runner.invoke(app, ["catalog", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 31
    assert [r["no"] for r in rows] == list(range(1, 32))
    first = rows[0]
    assert first["id"] == "child-allowance-claim"
    assert first["volume"] == first["annual_volume"] == 410
    assert first["life_events"] == ["birth", "moving-in"]
    assert first["as_is"] is True and first["to_be"] is True
    assert {r["level"] for r in rows if r["category"] == "car"} == {"prefectural"}


def test_csv_has_the_documented_header_and_one_row_per_procedure() -> None:
    result = runner.invoke(app, ["catalog", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == HEADER
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 31
    assert rows[30]["id"] == "parking-certificate"
    assert rows[0]["life_events"] == "birth, moving-in"


def test_markdown_is_a_table_with_a_title() -> None:
    result = runner.invoke(app, ["catalog", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("## 31 procedures, ")
    assert "100,000 residents" in lines[0]
    table = [line for line in lines if line.startswith("|")]
    assert table[0] == "| " + " | ".join(HEADER.split(",")) + " |"
    assert len(table) == 2 + 31


def test_table_is_the_default() -> None:
    result = runner.invoke(app, ["catalog"])
    assert result.exit_code == 0, result.output
    assert "parking-certificate" in result.output
    assert "31 procedures" in result.output


def test_another_catalog_shows_which_models_exist(tmp_path: Path) -> None:
    file = _catalog_beside_the_example(tmp_path)
    result = runner.invoke(app, ["catalog", "--catalog", str(file), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["id"], r["as_is"], r["to_be"]) for r in rows] == [
        ("child-allowance-claim", "yes", "no"), ("not-modelled", "no", "no")]
    assert [r["volume"] for r in rows] == ["205", "12.5"]
    md = runner.invoke(app, ["catalog", "--catalog", str(file), "--format", "markdown"]).output
    assert "2 procedures, 0 with as-is and to-be (volumes per year for 50,000 residents)" in md


def test_a_broken_catalog_is_reported_with_its_location(tmp_path: Path) -> None:
    file = tmp_path / "catalog.yaml"
    file.write_text(TWO_ENTRIES.replace("level: prefectural", "levl: prefectural"), encoding="utf-8")
    result = runner.invoke(app, ["catalog", "--catalog", str(file)])
    assert result.exit_code != 0
    assert isinstance(result.exception, InvalidModelError)
    assert f"{file}:19:5:" in str(result.exception)  # the line of `levl:`
    assert "did you mean 'level'?" in str(result.exception)
