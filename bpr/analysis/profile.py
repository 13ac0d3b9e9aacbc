"""A procedure's ECRS profile: where the savings of a change set come from, by kind.

The savings are split at the level of facts (:func:`bpr.analysis.ecrs.split_savings`), so
every hour saved lands in exactly one of E, C, R, S and the four add up to the total.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from bpr.analysis.diff import ChangeSet
from bpr.analysis.ecrs import ECRS_KINDS, ChangeKind

__all__ = ["EcrsProfile", "ecrs_profile"]


@dataclass(frozen=True)
class EcrsProfile:
    """Where a redesign's savings come from.

    Attributes:
        hours: resident + staff hours saved per year, by kind (every kind present; A, M
            and U are always 0, and E + C + R + S is the total).
        share: each ECRS kind's share of the gross savings in hours:
            ``max(hours_k, 0) / Σ_{E,C,R,S} max(hours, 0)``; all 0 when nothing is saved.
            When no kind is negative, ``share_k × total = hours_k``.
        total_hours: resident + staff hours saved per year by the whole change set.
        by_measure: per-year savings of every measure (``Measures.as_dict(hours=True)``
            names), by kind.
    """

    hours: Mapping[ChangeKind, float]
    share: Mapping[ChangeKind, float]
    by_measure: Mapping[str, Mapping[ChangeKind, float]]
    total_hours: float = 0.0


def ecrs_profile(changeset: ChangeSet) -> EcrsProfile:
    """The ECRS profile of a change set (see :class:`EcrsProfile`)."""
    by_kind = changeset.by_kind()
    hours = {k: (m.resident_minutes + m.staff_minutes_total) / 60 for k, m in by_kind.items()}
    gross = math.fsum(max(hours[k], 0.0) for k in ECRS_KINDS)
    share = {k: (max(hours[k], 0.0) / gross if gross > 0 else 0.0) for k in ECRS_KINDS}
    by_measure: dict[str, dict[ChangeKind, float]] = {}
    for kind, measures in by_kind.items():
        for name, value in measures.as_dict(hours=True).items():
            by_measure.setdefault(name, {})[kind] = value
    total = changeset.total_savings()
    return EcrsProfile(hours, share, by_measure,
                       (total.resident_minutes + total.staff_minutes_total) / 60)
