"""The YAML read cache (bpr.model.yaml_cache): a cached read is the read, never a stale one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import bpr.model.yaml_cache as cache
from bpr.errors import InvalidModelError
from bpr.model.yaml_reader import _read, read_yaml
from tests.bpr.model.test_yaml_reader import _DATA, _TEXT, _dump


def _outcome(text: str) -> str:
    """What a read gives, as text (``repr``: a NaN read equals a NaN read)."""
    try:
        located = read_yaml(text, "f.yaml")
    except InvalidModelError as exc:
        return repr(("error", [str(p) for p in exc.problems]))
    return repr(("ok", located.data, located.positions))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_TEXT | _DATA.map(_dump))
def test_a_cached_read_equals_a_fresh_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         text: str) -> None:
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    cache._MEMORY.clear()
    try:
        fresh = repr(("ok", *_read(text, "f.yaml", "tetsuzuki input file")))
    except InvalidModelError as exc:
        fresh = repr(("error", [str(p) for p in exc.problems]))
    assert _outcome(text) == fresh  # first read: parsed (and stored when it succeeded)
    assert _outcome(text) == fresh  # from memory
    cache._MEMORY.clear()
    assert _outcome(text) == fresh  # from the cache folder, in a "new process"


def test_hits_skip_parsing_and_are_fresh_copies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                ) -> None:
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path))
    cache._MEMORY.clear()
    calls: list[int] = []

    def read() -> Any:
        calls.append(1)
        return {"a": [1, 2]}, {("a",): (1, 1)}

    first = cache.cached("a: [1, 2]", "x.yaml", "model file", read)
    first[0]["a"].append(3)  # a caller changing what it got does not change the cache
    cache._MEMORY.clear()
    again = cache.cached("a: [1, 2]", "x.yaml", "model file", read)
    assert again == ({"a": [1, 2]}, {("a",): (1, 1)}) and calls == [1]
    # another file name (it appears in messages) or text is another entry
    cache.cached("a: [1, 2]", "y.yaml", "model file", read)
    assert calls == [1, 1]


def test_a_damaged_cache_file_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path))
    cache._MEMORY.clear()
    read_yaml("a: 1\n", "d.yaml")
    (entry,) = [p for p in tmp_path.rglob("*") if p.is_file()]
    entry.write_bytes(b"\x00garbage")
    cache._MEMORY.clear()
    assert read_yaml("a: 1\n", "d.yaml").data == {"a": 1}


def test_the_cache_folder_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    monkeypatch.setenv(cache.CACHE_ENV, "off")
    assert cache.cache_dir() is None
    monkeypatch.setenv("HOME", str(tmp_path))
    assert read_yaml("a: 1\n", "o.yaml").data == {"a": 1}
    assert not any(tmp_path.rglob("*"))
