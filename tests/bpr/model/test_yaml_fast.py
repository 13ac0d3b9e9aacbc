"""The libyaml fast path of :func:`bpr.model.yaml_reader.read_yaml` reads what ruamel reads.

Valid plain data is read by libyaml (:mod:`bpr.model.yaml_fast`), everything else by
ruamel; on any text, both paths give the same data at the same positions, or the same
located problems.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpr.errors import InvalidModelError
from bpr.model import yaml_fast
from bpr.model.yaml_reader import read_yaml
from tests.bpr.model.test_yaml_reader import _DATA, _TEXT, _dump


def _outcome(text: str, *, fast: bool) -> tuple[str, Any, Any]:
    try:
        located = read_yaml(text, "f.yaml", fast=fast)
    except InvalidModelError as error:
        return "error", error.problems, None
    return "data", _comparable(located.data), located.positions


def _comparable(value: Any) -> Any:
    """NaN made equal to itself (and types kept: 1 and 1.0 and True are told apart)."""
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    if value is None or isinstance(value, str | int | float):
        return (type(value).__name__, value)
    return (type(value).__name__, repr(value))  # e.g. ruamel's value for a plain '='



# YAML-ish text: the fragments of the reader's own property test, block and flow dumps
# of arbitrary data, and scalars of every YAML 1.1/1.2 disagreement.
_TRICKY = st.sampled_from(["yes", "no", "on", "off", "y", "010", "0o17", "0x1F", "1_000",
                           "1:20", "0b101", "+1", ".5", "1e3", "1.0e+3", ".inf", "-.inf",
                           ".nan", "~", "null", "Null", "NULL", "TRUE", "True", "2025-04-01",
                           "2025-02-30", "2001-12-14t21:59:43.10-05:00", "=", "<<", "申請",
                           "'q'", '"\\u00e9\\/"', "|\n  a\n  b\n", ">-\n  a\n  b\n", "- ",
                           "a: ", "\n", "  ", "'", '"', ": ", "{", "}", "[", "]", ",", "#x",
                           "\t", "\\", "%YAML 1.2\n---\n", "---\n", "...\n", "? "])
_YAMLISH = (_TEXT | _DATA.map(_dump)
            | _DATA.map(lambda d: _dump({"k": d}).replace("\n", "\n  "))
            | st.lists(_TRICKY | st.text(max_size=4), max_size=25).map("".join)
            | st.lists(st.tuples(st.sampled_from(["", "  ", "    "]), _TRICKY,
                                 st.sampled_from([": ", ":", "- ", ""]), _TRICKY),
                       max_size=8).map(lambda ls: "".join(f"{i}{a}{s}{b}\n" for i, a, s, b in ls))
            .flatmap(lambda text: st.sampled_from(["", "%YAML 1.1\n---\n", "%YAML 1.2\n---\n",
                                                   "%TAG !e! tag:e.com,2000:\n---\n"])
                     .map(lambda directive: directive + text)))


@pytest.mark.skipif(not yaml_fast.AVAILABLE, reason="PyYAML built without libyaml")
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_YAMLISH)
def test_both_paths_give_the_same_data_or_the_same_problems(text: str) -> None:
    assert _outcome(text, fast=True) == _outcome(text, fast=False)


@pytest.mark.skipif(not yaml_fast.AVAILABLE, reason="PyYAML built without libyaml")
def test_valid_plain_data_takes_the_fast_path() -> None:
    text = "id: 申請\nsteps:\n  - {id: a, duration: 5}\n  - id: b\n    paper: yes\n"
    read = yaml_fast.read_fast(text, lambda v: v, lambda v: v, max_depth=20,
                               long_number=lambda v: False)
    assert read is not None
    assert read_yaml(text, "f").data == {"id": "申請", "steps": [{"id": "a", "duration": 5},
                                                               {"id": "b", "paper": "yes"}]}
    # Anything ruamel must report is left to it.
    # A %YAML 1.1 directive makes ruamel read yes as true: ruamel reads such a file.
    assert read_yaml("%YAML 1.1\n---\na: yes\n", "f").data == {"a": True}
    for refused in ("a: &x 1\nb: *x\n", "a: !t 1\n", "a: 1\na: 2\n", "<<: {a: 1}\n",
                    "[a]: 1\n", "a: [\n", "a: 1\n---\nb: 2\n"):
        assert yaml_fast.read_fast(refused, lambda v: v, lambda v: v, max_depth=20,
                                   long_number=lambda v: False) is None
