"""Case attributes: guards, attribute combinations and overrides of their distributions.

A case draws its attributes once at arrival, independently (``ProcedureVersion.attributes``);
a flow's ``when`` guard opens it only to cases with the listed values. Only attributes that
some guard mentions change the routing, so the exact analysis enumerates the combinations of
those *routing attributes* alone: a combination's probability is the product of its values'
probabilities.

The guard test works on raw YAML data too (:func:`guard_admits` takes plain mappings), so the
structural checks in :mod:`bpr.model.structure` and the analysis share one definition.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from bpr.errors import AnalysisError
from models.procedure import ProcedureVersion

__all__ = [
    "CHANNEL_ATTRIBUTE",
    "ONLINE_VALUE",
    "Combination",
    "attribute_combinations",
    "describe_combination",
    "guard_admits",
    "guard_values",
    "routing_attributes",
    "with_attribute_overrides",
    "with_online_share",
]

CHANNEL_ATTRIBUTE = "channel"
"""The attribute whose value :data:`ONLINE_VALUE` a scenario's online share sets."""
ONLINE_VALUE = "online"
"""The value of :data:`CHANNEL_ATTRIBUTE` for cases that apply online."""

Combination = dict[str, str]
"""Values of some attributes of a case: ``{"channel": "online", "consent": "yes"}``."""

_SUM_TOLERANCE = 1e-6


def guard_values(value: Any) -> tuple[str, ...]:
    """The values a guard admits for one attribute (a value or a list of values).

    Non-string entries are dropped (the shape validation reports them).
    """
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def guard_admits(when: Mapping[str, Any] | None, combination: Mapping[str, str]) -> bool:
    """True when a flow guarded by ``when`` is open to a case with ``combination``.

    Args:
        when: the flow's guard (``None`` or empty: open to every case).
        combination: the case's values; it must give every attribute the guard names.
    """
    if not when:
        return True
    return all(combination[name] in guard_values(value) for name, value in when.items())


def routing_attributes(model: ProcedureVersion) -> list[str]:
    """Attributes that some flow's guard mentions, in the order ``attributes`` declares them."""
    used = {name for flow in model.flows if flow.when for name in flow.when}
    return [name for name in model.attributes if name in used]


def attribute_combinations(model: ProcedureVersion, names: Sequence[str] | None = None,
                           *, include_impossible: bool = False
                           ) -> Iterator[tuple[Combination, float]]:
    """Every combination of values of ``names`` with its probability.

    Args:
        model: the version whose ``attributes`` give the distributions.
        names: the attributes to combine; default: :func:`routing_attributes`. With no
            names there is one empty combination of probability 1.
        include_impossible: also yield combinations of probability 0.

    Yields:
        ``(combination, probability)`` in the order of the declared values.
    """
    names = routing_attributes(model) if names is None else list(names)
    choices = [list(model.attributes[name].items()) for name in names]
    for picked in itertools.product(*choices):
        probability = math.prod(p for _, p in picked)
        if probability > 0 or include_impossible:
            yield {name: value for name, (value, _) in zip(names, picked, strict=True)}, probability


def describe_combination(combination: Mapping[str, str]) -> str:
    """``channel=counter, consent=no`` (``any case`` for the empty combination)."""
    return ", ".join(f"{k}={v}" for k, v in combination.items()) or "any case"


def _where(model: ProcedureVersion) -> str:
    return f"procedure '{model.id}' ({model.version})"


def with_attribute_overrides(model: ProcedureVersion,
                             overrides: Mapping[str, Mapping[str, float]] | None
                             ) -> ProcedureVersion:
    """A copy of ``model`` whose attributes in ``overrides`` have the given distributions.

    Args:
        model: a validated procedure version (not modified).
        overrides: ``attribute -> {value: probability}``; values left out get probability
            0; each attribute's probabilities must sum to 1.

    Returns:
        ``model`` itself when there is nothing to override, else a copy.

    Raises:
        AnalysisError: an attribute or value the version does not have, a probability
            outside [0, 1], or probabilities that do not sum to 1; the message names the
            version.
    """
    if not overrides:
        return model
    attributes = {name: dict(values) for name, values in model.attributes.items()}
    for name, values in overrides.items():
        if name not in attributes:
            known = ", ".join(attributes) or "none"
            raise AnalysisError(f"{_where(model)} has no case attribute '{name}' to override "
                                f"(its attributes: {known})")
        unknown = [v for v in values if v not in attributes[name]]
        if unknown:
            raise AnalysisError(f"{_where(model)}: attribute '{name}' has no value "
                                f"'{unknown[0]}' (its values: {', '.join(attributes[name])})")
        bad = [p for p in values.values() if not (0 <= p <= 1)]
        if bad:
            raise AnalysisError(f"{_where(model)}: override of '{name}' has probability {bad[0]}, "
                                "outside [0, 1]")
        total = math.fsum(values.values())
        if abs(total - 1) > _SUM_TOLERANCE:
            raise AnalysisError(f"{_where(model)}: the override of '{name}' sums to {total:.6g}, "
                                "not 1")
        attributes[name] = {value: float(values.get(value, 0.0)) for value in attributes[name]}
    return model.model_copy(update={"attributes": attributes})


def with_online_share(model: ProcedureVersion, share: float) -> ProcedureVersion:
    """A copy of ``model`` in which a share ``share`` of cases have ``channel=online``.

    The other values of ``channel`` keep their proportions among themselves (equal shares
    when they all had probability 0).

    Raises:
        AnalysisError: ``share`` is outside [0, 1], or the version has no attribute
            ``channel`` with the value ``online``.
    """
    if not 0 <= share <= 1:
        raise AnalysisError(f"online share must be between 0 and 1, got {share}")
    values = model.attributes.get(CHANNEL_ATTRIBUTE)
    if values is None or ONLINE_VALUE not in values:
        raise AnalysisError(f"{_where(model)} has no case attribute '{CHANNEL_ATTRIBUTE}' with "
                            f"the value '{ONLINE_VALUE}': an online share cannot be set")
    others = {v: p for v, p in values.items() if v != ONLINE_VALUE}
    rest = math.fsum(others.values())
    if others:
        scaled = {v: (1 - share) * (p / rest if rest > 0 else 1 / len(others))
                  for v, p in others.items()}
    elif share < 1:
        raise AnalysisError(f"{_where(model)}: '{CHANNEL_ATTRIBUTE}' has no value besides "
                            f"'{ONLINE_VALUE}', so the online share can only be 1")
    else:
        scaled = {}
    return with_attribute_overrides(model, {CHANNEL_ATTRIBUTE: {ONLINE_VALUE: share, **scaled}})
