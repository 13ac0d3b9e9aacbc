"""`tetsuzuki diff` and `validate` refuse pairs that are not two versions of one procedure.

One check for "two different procedures" (:func:`bpr.analysis.diff.require_same_procedure`), one
for a folder's pair (:func:`bpr.model.lineage.load_pair`): diff, the diff diagram and validate
agree.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bpr.analysis.diff import diff
from bpr.cli import app
from bpr.cli.analysis_cmd import load_diff_pair
from bpr.errors import DiffError, InvalidModelError
from bpr.model.lineage import load_pair
from bpr.model.load import load_procedure
from bpr.render.diagram_diff import diff_diagram
from tests.conftest import EXAMPLE, PROCEDURES

runner = CliRunner()
OTHER = PROCEDURES / "childcare" / "nursery-application"


def _line_of(file: Path, prefix: str) -> int:
    return next(i for i, ln in enumerate(file.read_text("utf-8").splitlines(), 1)
                if ln.startswith(prefix))


@pytest.fixture
def mix(tmp_path: Path) -> Path:
    """A folder with the as-is of one procedure and the to-be of another."""
    folder = tmp_path / "mix"
    folder.mkdir()
    shutil.copy(EXAMPLE / "as-is.yaml", folder / "as-is.yaml")
    shutil.copy(OTHER / "to-be.yaml", folder / "to-be.yaml")
    return folder


@pytest.fixture
def two_as_is(tmp_path: Path) -> Path:
    """A folder whose to-be.yaml is a copy of the as-is (labelled `version: as-is`)."""
    folder = tmp_path / "twoasis"
    folder.mkdir()
    shutil.copy(EXAMPLE / "as-is.yaml", folder / "as-is.yaml")
    shutil.copy(EXAMPLE / "as-is.yaml", folder / "to-be.yaml")
    return folder


def test_diff_of_two_procedures_is_refused_before_any_table() -> None:
    result = runner.invoke(app, ["diff", str(EXAMPLE / "as-is.yaml"), str(OTHER / "to-be.yaml")])
    assert result.exit_code == 1
    assert isinstance(result.exception, DiffError)
    message = str(result.exception)
    assert "cannot diff two different procedures" in message
    assert "'child-allowance-claim' (as-is)" in message and "'nursery-application' (to-be)" in message
    assert str(OTHER / "to-be.yaml") in message          # names the files
    assert result.stdout == ""                           # no table was printed


def test_the_library_and_the_diagram_share_the_refusal() -> None:
    as_is, other = load_procedure(EXAMPLE / "as-is.yaml"), load_procedure(OTHER / "to-be.yaml")
    with pytest.raises(DiffError, match="cannot diff two different procedures") as from_diff:
        diff(as_is, other)
    with pytest.raises(DiffError, match="cannot diff two different procedures") as from_diagram:
        diff_diagram(as_is, other)
    assert str(from_diff.value) == str(from_diagram.value)


def test_diff_of_a_mixed_folder_fails_like_validate(mix: Path) -> None:
    result = runner.invoke(app, ["diff", str(mix)])
    assert result.exit_code == 1
    assert isinstance(result.exception, InvalidModelError)
    line = _line_of(mix / "to-be.yaml", "id:")
    assert f"{mix / 'to-be.yaml'}:{line}:" in str(result.exception)
    assert "procedure id differs from the as-is 'child-allowance-claim'" in str(result.exception)
    assert result.stdout == ""
    validated = runner.invoke(app, ["validate", str(mix), "--format", "json"])
    assert validated.exit_code == 1
    problems = [p for f in json.loads(validated.stdout)["files"] for p in f["problems"]]
    # the root cause only: lineage against another procedure's steps would be noise (the
    # files' own warnings are still reported)
    assert [(p["line"], p["field"]) for p in problems if p["severity"] == "error"] == \
        [(line, "id")]


def test_a_to_be_file_labelled_as_is_is_refused_at_its_version_line(two_as_is: Path) -> None:
    to_be = two_as_is / "to-be.yaml"
    line = _line_of(to_be, "version:")
    validated = runner.invoke(app, ["validate", str(two_as_is)])
    assert validated.exit_code == 1
    assert f"{to_be}:{line}:10: error" in validated.output
    assert "a file named to-be.yaml must hold the to-be version" in validated.output
    for args in (["diff", str(two_as_is)], ["diff", str(two_as_is / "as-is.yaml"), str(to_be)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1, args
        assert f"{to_be}:{line}:10:" in str(result.exception), args
    with pytest.raises(InvalidModelError, match="must hold the to-be version"):
        load_pair(two_as_is / "as-is.yaml", to_be)


def test_an_as_is_file_labelled_to_be_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    shutil.copy(EXAMPLE / "to-be.yaml", folder / "as-is.yaml")
    result = runner.invoke(app, ["validate", str(folder / "as-is.yaml")])
    assert result.exit_code == 1
    assert "a file named as-is.yaml must hold the as-is version (version: as-is) (got 'to-be')" \
        in result.output
    # another name may hold any label
    shutil.copy(EXAMPLE / "to-be.yaml", folder / "variant.yaml")
    assert runner.invoke(app, ["validate", str(folder / "variant.yaml")]).exit_code == 0


def test_reversed_pair_is_refused_unless_allowed() -> None:
    args = ["diff", str(EXAMPLE / "to-be.yaml"), str(EXAMPLE / "as-is.yaml"), "--format", "json"]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 1
    assert "is the to-be" in str(refused.exception) and "--allow-any-order" in str(refused.exception)
    assert refused.stdout == ""
    allowed = runner.invoke(app, [*args, "--allow-any-order"])
    assert allowed.exit_code == 0, allowed.output
    payload = json.loads(allowed.stdout)
    forward = json.loads(runner.invoke(app, ["diff", str(EXAMPLE), "--format", "json"]).stdout)
    assert payload != forward                   # really compared the other way round
    assert "warning" not in allowed.stderr


def test_two_variants_are_compared_with_a_warning_first(tmp_path: Path) -> None:
    variant = tmp_path / "to-be-b.yaml"
    variant.write_text((EXAMPLE / "to-be.yaml").read_text("utf-8").replace(
        "\nversion: to-be\n", "\nversion: to-be-b\n"), "utf-8")
    result = runner.invoke(app, ["diff", str(EXAMPLE / "to-be.yaml"), str(variant),
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("warning: comparing 'to-be'")
    assert "'to-be-b'" in result.stderr
    json.loads(result.stdout)                   # the warning stays out of the JSON
    old, new = load_diff_pair(EXAMPLE / "to-be.yaml", variant, allow_any_order=True)
    assert (old.version, new.version) == ("to-be", "to-be-b")


@pytest.mark.parametrize("args", [["nope.yaml"], ["AS_IS", "nope.yaml"], ["nope.yaml", "TO_BE"]])
def test_diff_of_a_missing_path_says_so(args: list[str], tmp_path: Path) -> None:
    real = {"AS_IS": str(EXAMPLE / "as-is.yaml"), "TO_BE": str(EXAMPLE / "to-be.yaml")}
    argv = [real.get(a, str(tmp_path / a)) for a in args]
    result = runner.invoke(app, ["diff", *argv])
    assert result.exit_code == 1
    assert str(result.exception) == f"no such file or folder: {tmp_path / 'nope.yaml'}"


def test_the_correct_pair_still_diffs_without_warning() -> None:
    result = runner.invoke(app, ["diff", str(EXAMPLE), "--format", "json"])
    assert result.exit_code == 0
    assert result.stderr == ""
    assert json.loads(result.stdout)["procedure"] == "child-allowance-claim"
