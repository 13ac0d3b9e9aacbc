"""`--format csv` of validate, show, metrics and diff (one table each), the order of
validate's problems, other kinds of YAML files given to validate, and the --help texts."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bpr.cli import app
from bpr.cli.models_cmd import PROBLEM_COLUMNS
from tests.conftest import EXAMPLE, PROCEDURES, ROOT

runner = CliRunner()
BROKEN = ROOT / "tests" / "fixtures" / "broken"


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_validate_csv_has_one_row_per_problem(tmp_path: Path) -> None:
    broken = BROKEN / "unknown-field.yaml"
    result = runner.invoke(app, ["validate", str(EXAMPLE), str(broken), "--format", "csv"])
    assert result.exit_code == 1
    rows = _csv(result.stdout)
    assert list(rows[0]) == list(PROBLEM_COLUMNS)
    expected = json.loads(runner.invoke(app, ["validate", str(broken), "--format", "json"])
                          .stdout)["files"][0]["problems"]
    assert len(rows) == len(expected) >= 1
    first = rows[0]
    assert (first["file"], first["line"], first["column"], first["field"]) == \
        (str(broken), "15", "5", "steps[1].sael")
    assert first["hint"] == "did you mean 'seal'?"
    assert "┃" not in result.stdout                 # not the terminal table


def test_validate_csv_of_valid_files_is_a_header_only() -> None:
    result = runner.invoke(app, ["validate", str(EXAMPLE), "--format", "csv"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [",".join(PROBLEM_COLUMNS)]


def test_validate_sorts_each_files_problems_by_position(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    shutil.copy(EXAMPLE / "as-is.yaml", folder / "as-is.yaml")
    text = (EXAMPLE / "to-be.yaml").read_text("utf-8")
    # a lineage problem near the end and a label problem at the top of the same file
    text = text.replace("\nversion: to-be\n", "\nversion: draft\n")
    text = text.replace("replaces: [data-entry]", "replaces: [data-entyr]")
    (folder / "to-be.yaml").write_text(text, "utf-8")
    result = runner.invoke(app, ["validate", str(folder), "--format", "json"])
    problems = [p for f in json.loads(result.stdout)["files"] for p in f["problems"]]
    positions = [(p["line"], p["column"]) for p in problems]
    assert len(positions) >= 2
    assert positions == sorted(positions)
    assert problems[0]["field"] == "version"


@pytest.mark.parametrize(("file", "kind"), [
    (PROCEDURES / "scenarios" / "default.yaml", "a simulation scenario"),
    (PROCEDURES / "catalog.yaml", "a catalog"),
    (PROCEDURES / "weights.yaml", "a ranking weights file"),
])
def test_validate_names_other_kinds_of_file(file: Path, kind: str) -> None:
    result = runner.invoke(app, ["validate", str(file), "--format", "json"])
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["files"][0]["problems"]
    assert len(problems) == 1
    assert problems[0]["message"].startswith(f"this looks like {kind} (it has ")
    assert "not a procedure model" in problems[0]["message"]


def test_a_model_with_a_typo_is_not_taken_for_another_kind() -> None:
    broken = BROKEN / "unknown-field.yaml"
    result = runner.invoke(app, ["validate", str(broken)])
    assert "this looks like" not in result.output


def test_show_csv_is_one_table_of_steps() -> None:
    result = runner.invoke(app, ["show", str(EXAMPLE / "as-is.yaml"), "--format", "csv"])
    assert result.exit_code == 0
    rows = _csv(result.stdout)
    payload = json.loads(runner.invoke(app, ["show", str(EXAMPLE / "as-is.yaml"),
                                             "--format", "json"]).stdout)
    assert [r["step"] for r in rows] == [s["step"] for s in payload["steps"]]
    assert set(rows[0]) == set(payload["steps"][0])      # a single header, the steps'
    names = {a["name"] for a in payload["actors"]}
    assert {r["actor"] for r in rows if r["actor"]} <= names


def test_diff_and_metrics_csv_are_single_tables() -> None:
    diffed = runner.invoke(app, ["diff", str(EXAMPLE), "--format", "csv"])
    assert diffed.exit_code == 0
    rows = _csv(diffed.stdout)
    assert rows[0]["kind"] and rows[-1]["change"] == "TOTAL"
    assert all(set(r) == set(rows[0]) for r in rows)
    assert sum(1 for ln in diffed.stdout.splitlines() if ln.startswith("kind,")) == 1
    measures = _csv(runner.invoke(app, ["metrics", str(EXAMPLE / "as-is.yaml"),
                                        "--format", "csv"]).stdout)
    assert list(measures[0]) == ["measure", "per_case", "per_year"]
    steps = _csv(runner.invoke(app, ["metrics", str(EXAMPLE / "as-is.yaml"), "--steps",
                                     "--format", "csv"]).stdout)
    assert next(iter(steps[0])) == "step" and not any(r.get("measure") for r in steps)


def _help(*command: str) -> str:
    result = runner.invoke(app, [*command, "--help"], terminal_width=200)
    assert result.exit_code == 0
    return re.sub(r"[\s│]+", " ", result.output)


@pytest.mark.parametrize("command", [("validate",), ("show",), ("metrics",), ("check",),
                                     ("diff",), ("runs",)])
def test_help_lists_every_format(command: tuple[str, ...]) -> None:
    text = _help(*command)
    for fmt in ("table", "json", "markdown", "csv"):
        assert fmt in text.split("--format", 1)[1], (command, fmt)


@pytest.mark.parametrize("limit", ["0", "-5"])
def test_runs_limit_must_be_positive(limit: str) -> None:
    result = runner.invoke(app, ["runs", "--limit", limit])
    assert result.exit_code == 2
    assert "--limit" in result.output
