"""No command writes its output over one of its inputs: the same path, a symbolic link to
it, a path with ``..`` or a hard link are all refused with exit status 1 and the input
left byte for byte as it was (bpr.render.input_guard)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bpr.render.input_guard import refuse_inputs, same_file
from bpr.render.output_files import OutputError
from tests.bpr.planning.test_survey import _csv
from tests.bpr.render.test_output_files import run
from tests.bpr.render.test_report import make_procedures
from tests.conftest import EXAMPLE, PROCEDURES

ALIASES: dict[str, Callable[[Path], Path]] = {
    "same path": lambda p: p,
    "with ..": lambda p: p.parent / ".." / p.parent.name / p.name,
    "symbolic link": lambda p: _link(p, "link"),
    "hard link": lambda p: _link(p, "hard"),
}


def _link(target: Path, kind: str) -> Path:
    alias = target.parent / f"{kind}-to-{target.name}"
    if kind == "link":
        alias.symlink_to(target)
    else:
        os.link(target, alias)
    return alias


def _refused(args: list[str], victim: Path, capsys: pytest.CaptureFixture[str],
             monkeypatch: pytest.MonkeyPatch) -> str:
    before = victim.read_bytes()
    code, _, err = run(args, capsys, monkeypatch)
    assert code == 1, err
    assert err.startswith("error: cannot write ") and "it is the input file" in err, err
    assert "Traceback" not in err
    assert victim.read_bytes() == before
    return err


@pytest.fixture
def model(tmp_path: Path) -> Path:
    path = tmp_path / "work" / "M.yaml"
    path.parent.mkdir()
    shutil.copy(EXAMPLE / "to-be.yaml", path)
    return path


@pytest.mark.parametrize("alias", sorted(ALIASES))
@pytest.mark.parametrize("command", [["bpmn", "export"], ["diagram", "--format", "svg"]])
def test_model_commands_refuse_to_write_over_the_model(
        model: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        alias: str, command: list[str]) -> None:
    out = ALIASES[alias](model)
    _refused([*command, str(model), "-o", str(out)], model, capsys, monkeypatch)


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_imports_refuse_to_write_over_their_input(
        model: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        alias: str) -> None:
    base = model.parent / "sim"
    assert run(["prosimos", "export", str(model), "-o", str(base)], capsys, monkeypatch)[0] == 0
    bpmn, params = base.with_suffix(".bpmn"), base.with_suffix(".json")
    _refused(["bpmn", "import", str(bpmn), "-o", str(ALIASES[alias](bpmn))], bpmn, capsys, monkeypatch)
    _refused(["prosimos", "import", str(bpmn), str(params), "-o", str(model.parent / "new.yaml"),
              "--scenario-output", str(params)], params, capsys, monkeypatch)
    _refused(["prosimos", "import", str(bpmn), str(params), "-o", str(bpmn)], bpmn, capsys, monkeypatch)


def test_prosimos_import_refuses_one_file_for_both_outputs(
        model: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    base = model.parent / "sim"
    assert run(["prosimos", "export", str(model), "-o", str(base)], capsys, monkeypatch)[0] == 0
    out = model.parent / "both.yaml"
    code, _, err = run(["prosimos", "import", str(base) + ".bpmn", str(base) + ".json", "-o", str(out),
                        "--scenario-output", str(out)], capsys, monkeypatch)
    assert code == 1 and "it is also the output" in err
    assert not out.exists()


def test_prosimos_export_refuses_to_write_over_its_scenario(
        model: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = model.parent / "s.json"  # YAML is read whatever the suffix
    shutil.copy(PROCEDURES / "scenarios" / "default.yaml", scenario)
    _refused(["prosimos", "export", str(model), "--scenario", str(scenario), "-o",
              str(model.parent / "s")], scenario, capsys, monkeypatch)


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    root = tmp_path / "procedures"
    shutil.copytree(PROCEDURES, root)
    return root


@pytest.mark.parametrize("which", ["catalog.yaml", "weights.yaml",
                                   "childcare/child-allowance-claim/as-is.yaml"])
def test_rank_refuses_to_write_over_what_it_read(
        catalog: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        which: str) -> None:
    victim = catalog / which
    _refused(["rank", "--no-store", "--catalog", str(catalog / "catalog.yaml"), "--weights",
              str(catalog / "weights.yaml"), "--format", "json", "-o", str(victim)],
             victim, capsys, monkeypatch)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_survey_rank_refuses_to_write_over_the_survey(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        fmt: str) -> None:
    survey = _csv(tmp_path, "utf-8-sig")
    _refused(["survey", "rank", str(survey), "--format", fmt, "-o", str(ALIASES["hard link"](survey))],
             survey, capsys, monkeypatch)


def test_report_refuses_a_report_file_that_is_a_source(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # The small test catalog: the command reads its sources and builds the report before it
    # writes (and refuses), and building the whole catalog's report takes about a minute
    # (that build is tested in tests/bpr/render/test_report.py).
    catalog = make_procedures(tmp_path / "procedures", broken=False)
    out = tmp_path / "rep"
    out.mkdir()
    os.link(catalog / "catalog.yaml", out / "style.css")  # a hard link: the same file
    (out / "manifest.json").write_text(
        '{"format": "tetsuzuki-report/1", "files": {}, "sources": {}}', encoding="utf-8")
    _refused(["report", str(out), "--procedures", str(catalog), "--workers", "1",
              "--simulation", "none"], catalog / "catalog.yaml", capsys, monkeypatch)
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "style.css"]


def test_distinct_files_pass(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("a", encoding="utf-8")
    b.write_text("a", encoding="utf-8")  # same content, other file
    refuse_inputs([b, tmp_path / "new.yaml", "-", None], [a, None])
    assert not same_file(a, b) and same_file(a, tmp_path / "." / "a.yaml")
    with pytest.raises(OutputError, match=r"cannot write .*a\.yaml: it is the input file"):
        refuse_inputs([tmp_path / "x" / ".." / "a.yaml"], [a])
