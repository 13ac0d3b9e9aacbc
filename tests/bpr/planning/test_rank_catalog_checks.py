"""`tetsuzuki rank` checks the models against the catalog (:func:`bpr.model.lineage.load_catalog_pair`)
and refuses options that cannot apply."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bpr.cli import app
from bpr.errors import InvalidModelError
from bpr.model.catalog import load_catalog
from bpr.model.lineage import catalog_problems, load_catalog_pair
from bpr.model.load import load_located
from tests.conftest import EXAMPLE, PROCEDURES

runner = CliRunner()

CATALOG = """\
reference_population: 100000
procedures:
  - no: 1
    id: child-allowance-claim
    path: childcare/child-allowance-claim
    name: 児童手当等の受給資格及び児童手当の額についての認定請求
    name_en: Claim
    category: childcare
    level: municipal
    life_events: [birth]
    annual_volume: VOLUME
    volume_source: "assumption: test"
"""


@pytest.fixture(autouse=True)
def no_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TETSUZUKI_DATABASE_URL", f"sqlite:///{tmp_path / 'none' / 'x.db'}")


def _catalog(tmp_path: Path, volume: str, name: str = "cat-vol.yaml") -> Path:
    root = tmp_path / "procedures"
    shutil.copytree(EXAMPLE, root / "childcare" / "child-allowance-claim")
    file = root / name
    file.write_text(CATALOG.replace("VOLUME", volume), encoding="utf-8")
    return file


def test_a_catalog_volume_that_differs_from_the_models_is_an_error(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path, "999")
    result = runner.invoke(app, ["rank", "--catalog", str(catalog), "--no-store"])
    assert result.exit_code == 1
    assert isinstance(result.exception, InvalidModelError)
    folder = catalog.parent / "childcare" / "child-allowance-claim"
    problems = result.exception.problems
    assert [(Path(p.file).name, p.field) for p in problems] == \
        [("as-is.yaml", "annual_volume"), ("to-be.yaml", "annual_volume")]
    for problem, name in zip(problems, ("as-is.yaml", "to-be.yaml"), strict=True):
        line = next(i for i, ln in enumerate((folder / name).read_text("utf-8").splitlines(), 1)
                    if ln.startswith("annual_volume:"))
        assert problem.line == line
        assert f"999 in {catalog}, 410 here" in problem.message      # both files, both values
    assert result.stdout == ""


def test_a_matching_catalog_ranks(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path, "410")
    result = runner.invoke(app, ["rank", "--catalog", str(catalog), "--no-store",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output


def test_a_model_of_another_procedure_is_named(tmp_path: Path) -> None:
    catalog = load_catalog()
    entry = catalog.entry("nursery-application")
    model, located = load_located(EXAMPLE / "as-is.yaml")
    problems = catalog_problems(entry, "catalog.yaml", model, located)
    assert [p.field for p in problems] == ["id", "annual_volume"]
    assert "is not the id 'nursery-application' of its catalog entry in catalog.yaml" in \
        problems[0].message


def test_the_built_in_catalog_agrees_with_its_models() -> None:
    catalog = load_catalog()
    for entry in catalog.procedures:
        folder = PROCEDURES.joinpath(*entry.path.split("/"))
        as_is, to_be = load_catalog_pair(entry, "catalog.yaml", folder / "as-is.yaml",
                                         folder / "to-be.yaml")
        assert as_is.annual_volume == to_be.annual_volume == entry.annual_volume


def test_online_share_without_the_store_is_refused() -> None:
    result = runner.invoke(app, ["rank", "--online-share", "0.5", "--no-store"])
    assert result.exit_code == 2
    assert "--online-share" in result.output and "--no-store" in result.output
