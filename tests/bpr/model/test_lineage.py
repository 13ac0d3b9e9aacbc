"""Lineage: every as-is step of the example is kept, replaced or eliminated."""

from __future__ import annotations

import pytest

from bpr.model.lineage import lineage, lineage_problems
from bpr.model.load import load_procedure, read_yaml
from tests.conftest import EXAMPLE


def test_example_lineage_is_complete() -> None:
    as_is = load_procedure(EXAMPLE / "as-is.yaml")
    to_be = load_procedure(EXAMPLE / "to-be.yaml")
    result = lineage(as_is, to_be)
    assert result.complete
    assert result.replaced["data-entry"] == ("import-data",)
    assert "prepare-attachments" in result.eliminated
    accounted = set(result.kept) | set(result.replaced) | set(result.eliminated)
    assert accounted == {s.id for s in as_is.steps}


@pytest.mark.parametrize(("old", "new", "message"), [
    ("replaces: [data-entry]", "replaces: [data-entyr]", "did you mean 'data-entry'"),
    ("  - step: prepare-attachments", "  - step: prepare-attachment", "did you mean 'prepare-attachments'"),
])
def test_bad_lineage_references_are_located(old: str, new: str, message: str) -> None:
    as_is = load_procedure(EXAMPLE / "as-is.yaml")
    text = (EXAMPLE / "to-be.yaml").read_text("utf-8")
    assert old in text
    text = text.replace(old, new)
    located = read_yaml(text, "to-be.yaml")
    from bpr.model.load import validate_located

    to_be = validate_located(located)
    problems = lineage_problems(as_is, to_be, located)
    hit = [p for p in problems if message in str(p)]
    assert hit, [str(p) for p in problems]
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if new in ln)
    assert hit[0].line == line
