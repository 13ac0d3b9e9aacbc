"""Writing a model back to YAML keeps it equal (same canonical hash)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bpr.model.canonical import content_hash
from bpr.model.dump import procedure_yaml
from bpr.model.load import iter_model_files, load_procedure, load_procedure_text
from tests.conftest import EXAMPLE, PROCEDURES

# The example pair and the first model of each category folder (loading YAML is slow; the
# writer is generic over the model's fields, so a sample with every kind of field is enough).
SAMPLE = [EXAMPLE / "as-is.yaml", EXAMPLE / "to-be.yaml"] + [
    next(iter_model_files([folder])) for folder in sorted(PROCEDURES.iterdir())
    if folder.is_dir() and folder.name not in ("scenarios", "__pycache__")
    and any(iter_model_files([folder]))]


@pytest.mark.parametrize("path", SAMPLE, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_written_yaml_loads_back_equal(path: Path) -> None:
    model = load_procedure(path)
    assert content_hash(load_procedure_text(procedure_yaml(model, "header"))) == content_hash(model)


def test_defaults_are_left_out_and_header_is_a_comment(minimal_yaml: str) -> None:
    text = procedure_yaml(load_procedure_text(minimal_yaml), "from a.bpmn")
    assert text.startswith("# from a.bpmn\n")
    assert "seal:" not in text and "legal_basis:" not in text
