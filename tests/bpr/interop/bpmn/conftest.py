"""Fixtures for the BPMN tests: small hand-written BPMN documents."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

import pytest

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:tz="urn:tetsuzuki:bpmn:1.0" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
        'id="defs" targetNamespace="urn:test">\n')


@pytest.fixture
def bpmn_doc() -> Callable[[str], bytes]:
    """Wrap process XML (dedented) in a BPMN ``definitions`` element; returns bytes."""

    def make(body: str) -> bytes:
        return (HEAD + textwrap.dedent(body) + "</bpmn:definitions>\n").encode("utf-8")

    return make
