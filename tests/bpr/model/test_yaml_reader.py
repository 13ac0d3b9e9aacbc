"""Every YAML reader refuses what YAML can do beyond plain data, located, and never crashes.

The readers of models, scenarios and city scenarios share :func:`bpr.model.yaml_reader.read_yaml`;
the property tests feed each of them arbitrary text and structures.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from bpr.errors import InvalidModelError, Problem
from bpr.model.load import load_procedure, load_procedure_text
from bpr.model.yaml_reader import MAX_FILE_BYTES, read_yaml
from bpr.sim.city import load_city_scenario
from bpr.sim.scenario import load_scenario

# text -> (line, column, words of the message)
REFUSED: dict[str, tuple[str, int, int, str]] = {
    "merge key": ("a: 1\nb:\n  <<: {y: 2}\n  z: 3\n", 3, 3, "merge keys ('<<') are not allowed"),
    "merge key list": ("b:\n  <<: [{y: 2}]\n", 2, 3, "merge keys ('<<') are not allowed"),
    "custom tag": ("a: !custom [a]\n", 1, 4, "YAML tags are not allowed"),
    "omap tag": ("a: 1\nb: !!omap [a: 1]\n", 2, 4, "YAML tags are not allowed"),
    "binary tag": ("a: !!binary aGVsbG8=\n", 1, 4, "YAML tags are not allowed"),
    "long integer": ("a: 1\nb: " + "9" * 5000 + "\n", 2, 4, "a number of 5000 characters"),
    "long hex": ("b: 0x" + "f" * 5000 + "\n", 1, 4, "a number of 5002 characters"),
    "list as key": ("[1, 2]: 3\n", 1, 1, "a mapping key must be a plain value"),
    "map as key": ("x: 1\n? {a: 1}\n: 3\n", 2, 3, "a mapping key must be a plain value"),
    "deep nesting": ("a: " + "[" * 100_000, 1, 23, "nesting deeper than 20 levels"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_yaml_beyond_plain_data_is_refused_located(case: str) -> None:
    text, line, column, words = REFUSED[case]
    with pytest.raises(InvalidModelError) as caught:
        read_yaml(text, "f.yaml")
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.column) == ("f.yaml", line, column)
    assert words in problem.message


def test_a_number_as_long_as_a_real_one_is_read() -> None:
    assert read_yaml("a: " + "9" * 100 + "\n", "f").data == {"a": int("9" * 100)}
    assert read_yaml("a: '" + "9" * 5000 + "'\n", "f").data == {"a": "9" * 5000}


def test_billion_laughs_is_refused_quickly() -> None:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    started = time.process_time()
    with pytest.raises(InvalidModelError, match="aliases are not allowed"):
        read_yaml("\n".join(lines) + "\n", "bomb.yaml")
    assert time.process_time() - started < 1


def test_scenario_files_are_size_limited(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"# x\n" * (MAX_FILE_BYTES // 4 + 1))
    for load in (load_scenario, load_city_scenario):
        with pytest.raises(InvalidModelError, match="over the limit of 1048576 bytes"):
            load(path)


# --------------------------------------------------------------------------- never a traceback

_KEYS = st.sampled_from(["id", "name", "version", "steps", "flows", "actors", "from", "to",
                         "kind", "duration", "dist", "mean", "<<", "annual_volume",
                         "replications", "pools", "rules", "travel_minutes", "calendar"]) \
    | st.text(max_size=6)
_SCALARS = (st.none() | st.booleans() | st.integers() | st.floats()
            | st.sampled_from(["start", "end", "staff", "fixed", "0x1F", "1e999", "３０", ""])
            | st.text(max_size=10))
_DATA = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(_KEYS, inner, max_size=5), max_leaves=25)
_FRAGMENTS = st.sampled_from(["<<: ", "!t ", "&a ", "*a ", "? ", "[", "]", "{", "}", "- ", ": ",
                              "\n  ", "\n", "'", '"', "9" * 200, "#", "---\n", "\t", "\x00",
                              "id: x", "steps:", "%YAML 1.1\n"])
_TEXT = st.lists(_FRAGMENTS | st.text(max_size=5), max_size=30).map("".join)


def _dump(data: Any) -> str:
    from io import StringIO

    out = StringIO()
    YAML(typ="safe", pure=True).dump(data, out)
    return out.getvalue()


def _located_or_valid(call: Callable[[], object], file: str) -> None:
    try:
        call()
    except InvalidModelError as error:
        assert error.problems
        for problem in error.problems:
            assert isinstance(problem, Problem)
            assert problem.file == file and problem.message
            assert problem.line >= 0 and problem.column >= 0


READERS: dict[str, Callable[[Path], object]] = {
    "model": load_procedure, "scenario": load_scenario, "city scenario": load_city_scenario}


@pytest.mark.parametrize("reader", list(READERS))
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=_TEXT | _DATA.map(_dump), raw=st.binary(max_size=60))
def test_any_text_gives_located_problems_or_a_result(tmp_path: Path, reader: str, text: str,
                                                     raw: bytes) -> None:
    path = tmp_path / "in.yaml"
    for content in (text.encode("utf-8", errors="replace"), raw):
        path.write_bytes(content)
        _located_or_valid(lambda: READERS[reader](path), str(path))
    _located_or_valid(lambda: load_procedure_text(text, "t.yaml"), "t.yaml")
