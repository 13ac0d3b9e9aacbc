"""The content hash depends on meaning only: not on key order, comments, whitespace or
number spelling; and any change of meaning changes it."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpr.model.canonical import canonical_json, content_hash
from bpr.model.load import load_procedure, load_procedure_text, read_yaml
from tests.conftest import EXAMPLE

SOURCE = (EXAMPLE / "to-be.yaml").read_text(encoding="utf-8")
DATA: dict[str, Any] = read_yaml(SOURCE, "to-be.yaml").data
HASH = content_hash(load_procedure(EXAMPLE / "to-be.yaml"))


def _number(value: float, style: int) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if style == 0 or (float(value) != int(value) and style == 2):
        return repr(value)
    if style == 1:
        return repr(float(value))  # 10 -> 10.0
    if float(value) == int(value):
        return f"{float(value):e}"  # 10 -> 1.000000e+01
    return repr(value)


class Emitter:
    """Writes data as block YAML with choices drawn by hypothesis."""

    def __init__(self, draw: Any) -> None:
        self.draw = draw
        self.indent = draw(st.sampled_from([2, 3, 4]))

    def scalar(self, value: Any) -> str:
        if isinstance(value, bool):
            return self.draw(st.sampled_from(["true", "True"])) if value else "false"
        if isinstance(value, int | float):
            return _number(value, self.draw(st.integers(0, 2)))
        if value is None:
            return self.draw(st.sampled_from(["null", "~"]))
        return json.dumps(value, ensure_ascii=False)

    def emit(self, value: Any, depth: int) -> list[str]:
        pad = " " * (self.indent * depth)
        lines: list[str] = []
        if self.draw(st.booleans()):
            lines.append(f"{pad}# コメント {self.draw(st.integers(0, 9))}")
        if isinstance(value, dict):
            keys = self.draw(st.permutations(list(value)))
            for key in keys:
                item = value[key]
                if isinstance(item, dict | list) and item:
                    lines.append(f"{pad}{key}:")
                    lines += self.emit(item, depth + 1)
                else:
                    spaces = " " * self.draw(st.integers(1, 3))
                    text = self.scalar(item) if not isinstance(item, dict | list) else (
                        "{}" if isinstance(item, dict) else "[]")
                    lines.append(f"{pad}{key}:{spaces}{text}")
        else:
            for item in value:
                if isinstance(item, dict | list):
                    inner = self.emit(item, depth + 1)
                    first = inner[0].lstrip()
                    while first.startswith("#"):
                        inner = inner[1:]
                        first = inner[0].lstrip()
                    lines.append(f"{pad}- {first}")
                    # continuation lines of a mapping inside a sequence item
                    lines += [(" " * (len(pad) + 2)) + ln[len(" " * (self.indent * (depth + 1))):]
                              for ln in inner[1:]]
                else:
                    lines.append(f"{pad}- {self.scalar(item)}")
        return lines


@st.composite
def reformatted(draw: Any) -> str:
    return "\n".join(Emitter(draw).emit(DATA, 0)) + "\n"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reformatted())
def test_hash_is_stable_under_reformatting(text: str) -> None:
    assert content_hash(load_procedure_text(text, "reformatted.yaml")) == HASH


def _mutations() -> st.SearchStrategy[tuple[str, int, Any]]:
    steps = DATA["steps"]
    tasks = [i for i, s in enumerate(steps) if s.get("kind", "task") == "task"]
    return st.one_of(
        st.tuples(st.just("name"), st.sampled_from(tasks),
                  st.text(st.characters(categories=["L", "N", "P"]), min_size=1, max_size=5)),
        st.tuples(st.just("duration"), st.sampled_from(tasks), st.integers(1, 500)),
        st.tuples(st.sampled_from(["paper", "seal", "in_person", "transcription"]),
                  st.sampled_from(tasks), st.none()),
    )


@settings(max_examples=40, deadline=None)
@given(_mutations())
def test_hash_changes_when_meaning_changes(mutation: tuple[str, int, Any]) -> None:
    field, index, value = mutation
    data = json.loads(json.dumps(DATA))
    step = data["steps"][index]
    if field == "name":
        step["name"] = step["name"] + value
    elif field == "duration":
        old = load_procedure(EXAMPLE / "to-be.yaml").steps[index].duration
        step["duration"] = {"dist": "fixed", "value": value}
        if old.dist == "fixed" and old.mean == value:
            step["duration"]["value"] = value + 1
    else:
        step[field] = not step.get(field, False)
        if field == "paper" and not step["paper"]:
            step.pop("sheets", None)
    text = json.dumps(data, ensure_ascii=False)  # JSON is YAML
    assert content_hash(load_procedure_text(text, "changed.yaml")) != HASH


def test_shorthand_and_explicit_fixed_duration_hash_the_same() -> None:
    a = SOURCE.replace("    duration: 1\n    channel: system", "    duration: {dist: fixed, value: 1.0}\n"
                       "    channel: system")
    assert a != SOURCE
    assert content_hash(load_procedure_text(a)) == HASH


def test_canonical_json_is_compact_sorted_utf8() -> None:
    text = canonical_json(load_procedure(EXAMPLE / "to-be.yaml"))
    data = json.loads(text)
    assert list(data) == sorted(data)
    assert "児童手当" in text and ": " not in text.split('"')[0]
