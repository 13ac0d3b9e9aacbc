"""Canonical JSON form of a procedure version and its SHA-256 content hash.

The canonical form is what diagrams, reports and the store cite. It depends only on the
meaning of the model: mapping key order, comments, whitespace, omitted defaults and
equivalent number spellings (``10``, ``10.0``, ``1e1``; ``duration: 10`` versus
``{dist: fixed, value: 10}``) give the same bytes. Sequence order (steps, flows) is kept:
it is the reading order users chose and diagrams follow it.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from models.procedure import ProcedureVersion

__all__ = ["canonical_data", "canonical_json", "content_hash"]


def _normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalise(v) for v in value]
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"non-finite number {value!r} has no canonical form")
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        return float(repr(value))
    return value


_ADDED_EMPTY = ("attributes", "sources")


def canonical_data(model: ProcedureVersion) -> dict[str, Any]:
    """The model as plain JSON-ready data with all defaults filled in."""
    data = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    # Fields added after models were first hashed are left out while empty, so that a
    # model that does not use them keeps its content hash.
    for added in _ADDED_EMPTY:
        if data.get(added) in ({}, []):
            del data[added]
    result: dict[str, Any] = _normalise(data)
    return result


def canonical_json(model: ProcedureVersion) -> str:
    """Canonical JSON text: sorted keys, no insignificant whitespace, UTF-8 characters."""
    return json.dumps(canonical_data(model), sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"), allow_nan=False)


def content_hash(model: ProcedureVersion) -> str:
    """SHA-256 (hex) of the canonical JSON, encoded as UTF-8."""
    return hashlib.sha256(canonical_json(model).encode("utf-8")).hexdigest()
