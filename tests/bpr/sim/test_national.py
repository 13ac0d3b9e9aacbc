"""The national scenario: the built-in file, located errors, the scaling rules."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from bpr.errors import InvalidModelError, Problem
from bpr.model.load import load_procedure
from bpr.sim.national import (
    band_model,
    load_national_scenario,
    load_national_text,
    scale_headcount,
)
from bpr.sim.scenario import ScenarioError
from models.procedure import ActorKind
from tests.conftest import ROOT

NATIONAL = ROOT / "procedures" / "scenarios" / "national.yaml"
TEXT = NATIONAL.read_text(encoding="utf-8")


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_built_in_file_counts_every_municipality_of_japan() -> None:
    national = load_national_scenario(NATIONAL)
    assert national.municipalities == 1741
    assert sum(b.municipalities for b in national.bands) == 1741
    # Recalled counts are never presented as verified; the source is named.
    assert national.source.verified is False
    assert national.source.publisher == "総務省"
    populations = sum(b.municipalities * b.population for b in national.bands)
    assert 110_000_000 < populations < 130_000_000  # Japan's ~124 million residents


def test_band_counts_that_do_not_add_up_are_refused_at_the_total() -> None:
    text = TEXT.replace("municipalities: 269", "municipalities: 270")
    with pytest.raises(ScenarioError) as info:
        load_national_text(text, "n.yaml")
    (problem,) = info.value.problems
    assert problem.line == _line_of(text, "municipalities: 1741")
    assert "1742" in problem.message and "1741" in problem.message


def test_a_representative_population_outside_its_band_is_located() -> None:
    text = TEXT.replace("municipalities: 240, population: 70000", "municipalities: 240, population: 120000")
    with pytest.raises(ScenarioError) as info:
        load_national_text(text, "n.yaml")
    (problem,) = info.value.problems
    assert problem.line == _line_of(text, "population: 120000")
    assert problem.field == "bands[4].population"


def test_overlapping_bands_and_unknown_fields_are_located() -> None:
    text = TEXT.replace("min: 200000, max: 300000", "min: 180000, max: 300000")
    with pytest.raises(ScenarioError) as info:
        load_national_text(text, "n.yaml")
    assert [p.field for p in info.value.problems] == ["bands[2].min"]
    assert "overlaps" in info.value.problems[0].message
    text = TEXT.replace("  rule: proportional", "  rule: proportional\n  rounding: up")
    with pytest.raises(ScenarioError) as info:
        load_national_text(text, "n.yaml")
    (problem,) = info.value.problems
    assert problem.line == _line_of(text, "rounding: up") and "rounding" in problem.message


def test_headcounts_scale_with_population_rounded_half_up_at_least_the_minimum() -> None:
    assert scale_headcount(3, 1.0) == 3
    assert scale_headcount(3, 0.5) == 2  # 1.5 rounds up
    assert scale_headcount(4, 0.029) == 1  # a village keeps one person per desk
    assert scale_headcount(4, 0.029, minimum=2) == 2
    assert scale_headcount(5, 10.0) == 50


@given(headcount=st.integers(1, 1000), ratio=st.floats(0.0, 50.0), minimum=st.integers(1, 5))
def test_scaled_headcount_is_the_rounded_product_never_below_the_minimum(
        headcount: int, ratio: float, minimum: int) -> None:
    scaled = scale_headcount(headcount, ratio, minimum)
    assert scaled >= minimum
    assert scaled == max(minimum, min(10_000, math.floor(headcount * ratio + 0.5)))


def test_a_band_model_scales_volume_and_staff_not_the_resident() -> None:
    national = load_national_scenario(NATIONAL)
    model = load_procedure(ROOT / "procedures" / "childcare" / "child-allowance-claim" / "as-is.yaml")
    band = national.band("p500k-plus")
    scaled = band_model(model, national, band)
    assert scaled.annual_volume == pytest.approx(model.annual_volume * 10)
    for before, after in zip(model.actors, scaled.actors, strict=True):
        if before.kind in (ActorKind.STAFF, ActorKind.APPROVER):
            assert after.headcount == scale_headcount(before.headcount, 10.0)
        else:
            assert after.headcount == before.headcount
    # The index of actors follows the copy, not the original.
    staff = next(a for a in scaled.actors if a.kind is ActorKind.STAFF)
    assert scaled.actor(staff.id).headcount == staff.headcount


# --------------------------------------------------------------------------- never a traceback

_BAND_FIELDS = st.sampled_from(["id", "label", "min", "max", "municipalities", "population", "extra"])
_VALUES = (st.none() | st.booleans() | st.integers(-10, 10**9) | st.floats()
           | st.text(max_size=8) | st.lists(st.integers(), max_size=2))
_TOP_FIELDS = st.sampled_from(["name", "source", "reference_population", "municipalities",
                               "staffing", "scenario", "bands", "other"])


def _dump(data: Any) -> str:
    from io import StringIO

    out = StringIO()
    YAML(typ="safe", pure=True).dump(data, out)
    return out.getvalue()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(band=st.integers(0, 8), field=_BAND_FIELDS, value=_VALUES, top=_TOP_FIELDS, top_value=_VALUES,
       text=st.text(max_size=40))
def test_any_edit_gives_located_problems_or_a_scenario(tmp_path: Path, band: int, field: str,
                                                       value: Any, top: str, top_value: Any,
                                                       text: str) -> None:
    data = YAML(typ="safe", pure=True).load(TEXT)
    data["bands"][band][field] = value
    data[top] = top_value
    path = tmp_path / "national.yaml"
    for content in (_dump(data), text, _dump(data)[: len(text)]):
        path.write_text(content, encoding="utf-8")
        try:
            load_national_scenario(path)
        except InvalidModelError as error:
            assert error.problems
            for problem in error.problems:
                assert isinstance(problem, Problem) and problem.message
                assert problem.file == str(path) and problem.line >= 0


def test_validate_names_a_national_scenario_as_such() -> None:
    from typer.testing import CliRunner

    from bpr.cli import app

    result = CliRunner().invoke(app, ["validate", str(NATIONAL)])
    assert result.exit_code == 1
    assert "looks like a national scenario" in result.output
    assert "tetsuzuki run national --national FILE" in result.output


def test_an_unknown_band_is_a_clean_error_naming_the_bands() -> None:
    from typer.testing import CliRunner

    from bpr.cli import app
    from bpr.errors import TetsuzukiError

    result = CliRunner().invoke(app, ["run", "national", "--band", "p1m"])
    assert isinstance(result.exception, TetsuzukiError)
    assert "unknown band id(s): p1m" in str(result.exception) and "p0-5k" in str(result.exception)
    result = CliRunner().invoke(app, ["run", "national", "--national", str(ROOT / "README.md")])
    assert isinstance(result.exception, InvalidModelError)
