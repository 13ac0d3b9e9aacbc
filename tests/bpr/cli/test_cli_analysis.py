"""`tetsuzuki metrics`, `check` and `diff` as users call them, over the whole catalog."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bpr.analysis.diff import diff
from bpr.analysis.payloads import changeset_payload, metrics_payload
from bpr.cli import app
from bpr.cli.analysis_cmd import print_diff
from bpr.cli.output import Format
from bpr.errors import DiffError, InvalidModelError
from bpr.model.load import load_procedure
from tests.conftest import EXAMPLE, PROCEDURES, ROOT

runner = CliRunner()

PAIRS = sorted(p.parent for p in PROCEDURES.rglob("to-be.yaml") if (p.parent / "as-is.yaml").is_file())


def _json(args: list[str]) -> dict[str, object]:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert isinstance(data, dict)
    return data


def test_catalog_has_the_example_pair() -> None:
    assert EXAMPLE in PAIRS


def _table_rows(output: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("|")[1:-1]] for line in output.splitlines()
            if line.startswith("| ")]


def test_the_commands_agree_on_the_example() -> None:
    """`diff` JSON totals = `metrics` of the as-is minus `metrics` of the to-be, and the
    change table's TOTAL row = its difference row, all through the command line."""
    total = _json(["diff", str(EXAMPLE), "--format", "json"])["total_savings_per_year"]
    before = _json(["metrics", str(EXAMPLE / "as-is.yaml"), "--format", "json"])["per_year_hours"]
    after = _json(["metrics", str(EXAMPLE / "to-be.yaml"), "--format", "json"])["per_year_hours"]
    assert isinstance(before, dict) and isinstance(after, dict) and isinstance(total, dict)
    for key in set(before) | set(after):
        assert total.get(key, 0.0) == pytest.approx(before.get(key, 0.0) - after.get(key, 0.0),
                                                    abs=1e-4), key
    table = runner.invoke(app, ["diff", str(EXAMPLE), "--format", "markdown"])
    rows = _table_rows(table.output)
    total_row = next(r for r in rows if r[2] == "TOTAL")
    difference_row = next(r for r in rows if r[0] == "difference")
    assert total_row[3:3 + len(difference_row) - 1] == difference_row[1:]


@pytest.mark.parametrize("folder", PAIRS, ids=lambda p: p.name)
def test_diff_totals_equal_the_difference_of_metrics(folder: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """For every catalog procedure, through the functions the commands print with (each
    model loaded once to keep the run fast): JSON totals of `diff` = `metrics` as-is minus
    `metrics` to-be, and the table's TOTAL row = the difference row."""
    try:
        as_is, to_be = load_procedure(folder / "as-is.yaml"), load_procedure(folder / "to-be.yaml")
    except InvalidModelError as exc:
        pytest.skip(f"{folder.name} is not valid yet: {exc.problems[0]}")
    changeset = diff(as_is, to_be)
    total = changeset_payload(changeset)["total_savings_per_year"]
    before = metrics_payload(as_is)["per_year_hours"]
    after = metrics_payload(to_be)["per_year_hours"]
    for key in set(before) | set(after):
        expected = before.get(key, 0.0) - after.get(key, 0.0)
        assert total.get(key, 0.0) == pytest.approx(expected, abs=1e-4), key
    capsys.readouterr()
    print_diff(changeset, Format.MARKDOWN)
    rows = _table_rows(capsys.readouterr().out)
    total_row = next(r for r in rows if r[2] == "TOTAL")
    difference_row = next(r for r in rows if r[0] == "difference")
    assert total_row[3:3 + len(difference_row) - 1] == difference_row[1:]


def test_metrics_table_and_json() -> None:
    result = runner.invoke(app, ["metrics", str(EXAMPLE / "as-is.yaml")])
    assert result.exit_code == 0, result.output
    assert "resident_hours" in result.output and "counter_visits" in result.output
    data = _json(["metrics", str(EXAMPLE / "as-is.yaml"), "--format", "json"])
    assert data["annual_volume"] == 410
    visits = data["visits"]
    assert isinstance(visits, dict)
    assert visits["reception"] == pytest.approx(1 / 0.85)


def test_metrics_markdown_with_steps() -> None:
    result = runner.invoke(app, ["metrics", str(EXAMPLE / "to-be.yaml"), "--format", "markdown",
                                 "--steps"])
    assert result.exit_code == 0, result.output
    assert "| measure | per_case | per_year |" in result.output
    assert "| apply-online |" in result.output


def test_check_reports_stage_and_findings() -> None:
    data = _json(["check", str(EXAMPLE / "as-is.yaml"), "--format", "json"])
    assert data["stage"] == "digitization"
    findings = data["findings"]
    assert isinstance(findings, list)
    assert {"step": "approval", "rule": "seal"}.items() <= next(
        f for f in findings if f["step"] == "approval" and f["rule"] == "seal").items()
    table = runner.invoke(app, ["check", str(EXAMPLE / "to-be.yaml")])
    assert table.exit_code == 0 and "digitalization" in table.output


def test_diff_with_two_files_matches_diff_of_the_folder() -> None:
    two = _json(["diff", str(EXAMPLE / "as-is.yaml"), str(EXAMPLE / "to-be.yaml"), "--format", "json"])
    one = _json(["diff", str(EXAMPLE), "--format", "json"])
    assert two == one


def test_diff_markdown_shows_each_elimination_with_its_rationale() -> None:
    result = runner.invoke(app, ["diff", str(EXAMPLE), "--format", "markdown"])
    assert result.exit_code == 0, result.output
    line = next(ln for ln in result.output.splitlines() if "prepare-attachments" in ln)
    assert line.startswith("| E |")
    assert "公金受取口座" in line


def test_diff_of_a_folder_without_a_to_be_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "as-is.yaml").write_text((EXAMPLE / "as-is.yaml").read_text(encoding="utf-8"),
                                         encoding="utf-8")
    result = runner.invoke(app, ["diff", str(tmp_path)])
    assert result.exit_code != 0
    assert isinstance(result.exception, DiffError)
    assert "to-be.yaml" in str(result.exception)


def test_readme_commands_run() -> None:
    """Every command in docs/readme/analysis.md's shell block runs and exits 0."""
    text = (ROOT / "docs" / "readme" / "analysis.md").read_text(encoding="utf-8")
    block = text.split("```sh\n", 1)[1].split("```", 1)[0].replace("\\\n", " ")
    commands = [shlex.split(line.split("#", 1)[0]) for line in block.splitlines() if line.strip()]
    assert len(commands) >= 5
    for command in commands:
        assert command[0] == "tetsuzuki"
        args = [str(ROOT / a) if a.startswith("procedures/") else a for a in command[1:]]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (command, result.output)


def _md_rows(output: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("|")[1:-1]] for line in output.splitlines()
            if line.startswith("| ")]


def _number(cell: str) -> float:
    return float(cell.replace(",", ""))


def test_diff_splits_every_row_into_e_c_r_s_hours() -> None:
    result = runner.invoke(app, ["diff", str(EXAMPLE), "--format", "markdown"])
    assert result.exit_code == 0, result.output
    rows = _md_rows(result.output)
    header = rows[0]
    for column in ("E_h", "C_h", "R_h", "S_h"):
        assert column in header
    at = {name: header.index(name) for name in header}
    for row in rows[1:]:
        if len(row) != len(header) or row[0] == "kind":
            break
        split = sum(_number(row[at[k]]) for k in ("E_h", "C_h", "R_h", "S_h"))
        assert split == pytest.approx(_number(row[at["resident_h"]]) + _number(row[at["staff_h"]]),
                                      abs=0.03), row
    # The data entry replaced by an import is an elimination of the re-typing.
    data_entry = next(r for r in rows if r[2] == "data-entry → import-data")
    assert _number(data_entry[at["E_h"]]) == pytest.approx(68.33)
    # The trip kept for counter applicants saves for those who went online: E, not U.
    travel = next(r for r in rows if r[2] == "travel")
    assert _number(travel[at["E_h"]]) == pytest.approx(_number(travel[at["resident_h"]]))


def test_diff_shows_steps_per_case_the_profile_total_and_the_measures() -> None:
    result = runner.invoke(app, ["diff", str(EXAMPLE), "--format", "markdown"])
    text = result.output
    assert "## steps: in the model and per case (path-weighted)" in text
    assert "| to-be | 12 | 6.86 | 2 | 0.80 |" in text
    profile = text.split("## ECRS profile")[1].split("##")[0]
    rows = {r[0]: r for r in _md_rows(profile)}
    assert set(rows) >= {"E", "C", "R", "S", "TOTAL"} and "U" not in rows
    assert sum(_number(rows[k][1]) for k in "ECRS") == pytest.approx(_number(rows["TOTAL"][1]),
                                                                   abs=0.2)
    assert "## BPR measures applied" in text and "| 書かない窓口 | no-handwriting-counter |" in text


def test_diff_json_has_the_split_the_facts_and_the_measures() -> None:
    data = _json(["diff", str(EXAMPLE), "--format", "json"])
    changes = data["changes"]
    assert isinstance(changes, list)
    data_entry = next(c for c in changes if c["label"] == "data-entry → import-data")
    assert data_entry["kind"] == "R"  # the step-level kind is kept
    assert data_entry["eliminated_facts"] == {"transcription": 410.0}
    assert set(data_entry["hours_by_kind"]) <= {"E", "C", "R", "S"}
    as_is, to_be = data["as_is"], data["to_be"]
    assert isinstance(as_is, dict) and isinstance(to_be, dict)
    assert as_is["step_counts"]["tasks_per_case"] > to_be["step_counts"]["tasks_per_case"]
    measures = data["measures_applied"]
    assert isinstance(measures, list)
    assert {m["key"] for m in measures} >= {"data-import", "e-approval", "online-application"}
    assert all(set(m) == {"key", "label", "steps", "evidence"} for m in measures)


def test_metrics_show_steps_per_case() -> None:
    from bpr.analysis.graph import expected_visits
    from bpr.model.load import load_procedure
    from models.procedure import StepKind

    path = PROCEDURES / "long-term-care" / "care-certification-renewal" / "to-be.yaml"
    data = _json(["metrics", str(path), "--format", "json"])
    counts = data["step_counts"]
    assert isinstance(counts, dict)
    model = load_procedure(path)
    tasks = [s.id for s in model.steps if s.kind is StepKind.TASK]
    visits = expected_visits(model)
    # the path-weighted count is each task weighted by its expected executions per case
    assert counts["tasks"] == len(tasks)
    assert counts["tasks_per_case"] == pytest.approx(sum(visits[s] for s in tasks), abs=1e-4)
    assert counts["tasks_per_case"] < counts["tasks"]


def test_renewal_draws_more_steps_but_runs_fewer_per_case() -> None:
    folder = PROCEDURES / "long-term-care" / "care-certification-renewal"
    data = _json(["diff", str(folder), "--format", "json"])
    as_is, to_be = data["as_is"], data["to_be"]
    assert isinstance(as_is, dict) and isinstance(to_be, dict)
    assert to_be["step_counts"]["tasks"] > as_is["step_counts"]["tasks"]
    # the renewal's to-be draws a paper route beside the online one, yet a case runs fewer
    # steps (20.4 -> 19.1 per case with the home survey, the care offices' paper route and
    # the 5% online share of the catalog)
    assert round(as_is["step_counts"]["tasks_per_case"], 1) == 20.4
    assert round(to_be["step_counts"]["tasks_per_case"], 1) == 19.1
