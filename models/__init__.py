"""Domain types (pydantic) and, later, storage (SQLAlchemy). No analysis lives here."""

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
