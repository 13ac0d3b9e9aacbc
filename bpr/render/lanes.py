"""The order of the swimlanes: one rule, so as-is, to-be and diff diagrams agree.

Lanes go left to right by the *role* of their actor, then by the order of the model:

1. 申請者 — actors of kind ``resident``;
2. 窓口 — counter staff: actors of kind ``staff`` with at least one task on the ``counter``
   channel (they meet the resident at the counter). The rule reads the steps, not the
   actor's name, so a lane called 窓口 that never serves at the counter is not one, and a
   desk named otherwise (市民課 戸籍住民係, おくやみコーナー) is;
3. 担当 — the other ``staff`` actors;
4. 決裁 — ``approver``;
5. システム — ``system``;
6. 外部 — ``external`` (other offices, companies, agents).

Within a role, the lanes keep the order in which the model lists its actors. The role of
an actor depends only on its kind and its own steps, so the same model always gives the
same order, and an actor shared by both versions that keeps its role keeps its place
relative to the other shared actors (tested on the whole catalog).
"""

from __future__ import annotations

from enum import IntEnum

from models.procedure import Actor, ActorKind, Channel, ProcedureVersion

__all__ = ["LaneRole", "lane_order", "lane_role"]


class LaneRole(IntEnum):
    """Role of a lane; the value is its place from the left."""

    RESIDENT = 0
    COUNTER = 1
    STAFF = 2
    APPROVER = 3
    SYSTEM = 4
    EXTERNAL = 5


_BY_KIND = {
    ActorKind.RESIDENT: LaneRole.RESIDENT, ActorKind.STAFF: LaneRole.STAFF,
    ActorKind.APPROVER: LaneRole.APPROVER, ActorKind.SYSTEM: LaneRole.SYSTEM,
    ActorKind.EXTERNAL: LaneRole.EXTERNAL,
}


def lane_role(actor: Actor, model: ProcedureVersion) -> LaneRole:
    """The role of ``actor``'s lane in ``model`` (see the module docstring)."""
    role = _BY_KIND[actor.kind]
    if role is LaneRole.STAFF and any(
            s.actor == actor.id and s.is_activity and s.channel is Channel.COUNTER for s in model.steps):
        return LaneRole.COUNTER
    return role


def lane_order(model: ProcedureVersion) -> list[Actor]:
    """The actors of ``model`` in lane order: by role, then model order."""
    indexed = list(enumerate(model.actors))
    indexed.sort(key=lambda pair: (lane_role(pair[1], model), pair[0]))
    return [actor for _, actor in indexed]
