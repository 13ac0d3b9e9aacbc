"""Pydantic errors of any reader point at the value in the user's file."""

from __future__ import annotations

from typing import Self

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from bpr.model.validation import DataError, Issue, pydantic_problems
from bpr.model.yaml_reader import read_yaml

TEXT = """\
limits:
  low: 5
  high: 3
  colour: red
"""


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid")

    low: float
    high: float
    size: int = 0

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.high < self.low:
            raise DataError(Issue(("high",), "high must be at least low", hint="swap them"),
                            Issue(("low",), "low must be at most high"))
        return self


class File(BaseModel):
    limits: Limits


def _problems(text: str) -> list[str]:
    located = read_yaml(text, "f.yaml")
    with pytest.raises(ValidationError) as info:
        File.model_validate(located.data)
    return [str(p) for p in pydantic_problems(located, info.value,
                                              fields_at=lambda path: ["low", "high", "size"])]


def test_a_validator_points_at_each_value_it_refuses() -> None:
    assert _problems(TEXT.replace("  colour: red\n", "")) == [
        "f.yaml:3:9: error field 'limits.high': high must be at least low (got 3); swap them",
        "f.yaml:2:8: error field 'limits.low': low must be at most high (got 5)"]


def test_unknown_and_missing_fields_are_located_with_a_hint() -> None:
    assert _problems(TEXT.replace("high: 3", "hihg: 3").replace("  colour: red\n", "")) == [
        "f.yaml:2:3: error field 'limits.high': required field is missing",
        "f.yaml:3:3: error field 'limits.hihg': unknown field 'hihg'; did you mean 'high'?"]
