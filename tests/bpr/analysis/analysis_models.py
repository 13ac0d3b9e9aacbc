"""Small literal procedure models for the analysis tests (graph, metrics, principles, diff).

``build`` validates like the loader does (shape and structure), so every fixture is a
model a user could have written.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from bpr.model.load import Located, validate_located
from models.procedure import ProcedureVersion

ACTORS: list[dict[str, Any]] = [
    {"id": "resident", "name": "申請者", "kind": "resident"},
    {"id": "clerk", "name": "窓口", "kind": "staff", "headcount": 2},
    {"id": "office", "name": "給付係", "kind": "staff"},
    {"id": "boss", "name": "課長", "kind": "approver"},
    {"id": "sys", "name": "基幹システム", "kind": "system"},
    {"id": "doctor", "name": "医師", "kind": "external"},
]


def step(step_id: str, actor: str = "clerk", minutes: float = 10, **facts: Any) -> dict[str, Any]:
    """A task step as YAML data; ``facts`` are extra fields (paper=True, ...)."""
    return {"id": step_id, "name": facts.pop("name", f"{step_id} を行う"), "actor": actor,
            "duration": minutes, **facts}


def gateway(step_id: str, kind: str = "choice") -> dict[str, Any]:
    """A gateway (choice, and-split, and-join) step."""
    return {"id": step_id, "name": f"{step_id}", "kind": kind, "actor": "clerk"}


Flow = tuple[str, str] | tuple[str, str, float] | dict[str, Any]


def build(steps: list[dict[str, Any]], flows: list[Flow],
          *, version: str = "as-is", volume: float = 100, **extra: Any) -> ProcedureVersion:
    """A validated model with a start step before ``steps`` and an end step after them.

    Args:
        steps: the steps between ``start`` and ``end``.
        flows: ``(from, to)``, ``(from, to, probability)`` or a flow as YAML data
            (``{"from": ..., "to": ..., "when": ...}``); ``start`` and ``end`` are
            available as step ids.
        version: the version label.
        volume: annual volume.
        extra: other top-level fields (``eliminated``, ``channel_choice``, ...).
    """
    data: dict[str, Any] = {
        "id": "fixture", "name": "テスト手続", "version": version, "category": "other",
        "annual_volume": volume, "volume_source": "assumption: test",
        "actors": ACTORS,
        "steps": [{"id": "start", "name": "開始", "kind": "start", "actor": "resident"}, *steps,
                  {"id": "end", "name": "終了", "kind": "end", "actor": "resident"}],
        "flows": [f if isinstance(f, dict) else
                  {"from": f[0], "to": f[1], **({"probability": f[2]} if len(f) == 3 else {})}
                  for f in flows],
        **extra,
    }
    return validate_located(Located(data, {(): (1, 1)}, "<fixture>"))


def guarded(source: str, target: str, probability: float | None = None,
            **when: str | list[str]) -> dict[str, Any]:
    """A flow guarded by case attributes: ``guarded("notify", "post", channel="counter")``."""
    return {"from": source, "to": target, "when": when,
            **({"probability": probability} if probability is not None else {})}


def chain(*ids: str) -> list[tuple[str, str]]:
    """Flows start → ids... → end."""
    path = ["start", *ids, "end"]
    return list(pairwise(path))
