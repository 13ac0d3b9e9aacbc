"""Domain types (pydantic). Storage lives in :mod:`models.store`; domain types never import it."""

from models.procedure import (
    Actor,
    ActorKind,
    Attachment,
    Category,
    Channel,
    ChannelChoice,
    Elimination,
    Flow,
    HeldBy,
    ProcedureVersion,
    Step,
    StepKind,
)

__all__ = [
    "Actor",
    "ActorKind",
    "Attachment",
    "Category",
    "Channel",
    "ChannelChoice",
    "Elimination",
    "Flow",
    "HeldBy",
    "ProcedureVersion",
    "Step",
    "StepKind",
]
