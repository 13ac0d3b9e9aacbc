"""The look-ups of :class:`models.procedure.ProcedureVersion` (step, actor, outgoing,
incoming) and the indexes behind them: answers as a scan in file order would give, and
never visible as model state."""

from __future__ import annotations

import copy
import pickle

import pytest

from bpr.model.canonical import canonical_json, content_hash
from bpr.model.load import load_procedure
from models.procedure import ProcedureVersion
from tests.conftest import EXAMPLE


@pytest.fixture
def model() -> ProcedureVersion:
    return load_procedure(EXAMPLE / "as-is.yaml")


def test_lookups_answer_as_a_scan_in_file_order(model: ProcedureVersion) -> None:
    for step in model.steps:
        assert model.step(step.id) is step
        assert model.outgoing(step.id) == [f for f in model.flows if f.source == step.id]
        assert model.incoming(step.id) == [f for f in model.flows if f.target == step.id]
    for actor in model.actors:
        assert model.actor(actor.id) is actor
    assert model.outgoing("no-such-step") == []


def test_unknown_ids_raise_key_error_naming_them(model: ProcedureVersion) -> None:
    with pytest.raises(KeyError, match="no-such-step"):
        model.step("no-such-step")
    with pytest.raises(KeyError, match="no-such-actor"):
        model.actor("no-such-actor")


def test_returned_lists_are_the_callers_own(model: ProcedureVersion) -> None:
    first = model.steps[0].id
    model.outgoing(first).clear()
    assert model.outgoing(first)


def test_indexes_change_neither_equality_nor_canonical_form(model: ProcedureVersion) -> None:
    fresh = load_procedure(EXAMPLE / "as-is.yaml")
    text, digest = canonical_json(fresh), content_hash(fresh)
    model.step(model.steps[0].id)  # builds the indexes of one of the two
    assert model == fresh and fresh == model
    assert canonical_json(model) == text and content_hash(model) == digest
    assert model.model_dump() == fresh.model_dump()
    assert pickle.loads(pickle.dumps(model)) == fresh
    assert copy.deepcopy(model) == fresh


def test_a_copy_with_other_flows_does_not_use_stale_indexes(model: ProcedureVersion) -> None:
    first = model.flows[0]
    model.outgoing(first.source)  # indexes built, then copied with the instance's dict
    copied = model.model_copy(update={"flows": model.flows[1:]})
    assert first not in copied.outgoing(first.source)
    assert first in model.outgoing(first.source)
