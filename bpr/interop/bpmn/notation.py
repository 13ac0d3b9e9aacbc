"""Which BPMN element a step is drawn as, and the step's ``bpmn`` field that overrides it.

The export draws a step from its kind, channel and actor (:func:`default_element`). A step
imported from another modeler keeps what it was drawn as (a ``businessRuleTask``, an
``intermediateCatchEvent`` with a timer, an ``eventBasedGateway``) in its ``bpmn`` field
when that differs, so export -> import -> export gives the same elements.
"""

from __future__ import annotations

__all__ = ["ELEMENTS_OF_KIND", "default_element", "drawn_as", "split_notation"]

_TASKS = frozenset({"task", "userTask", "manualTask", "sendTask", "receiveTask", "serviceTask",
                    "scriptTask", "businessRuleTask", "callActivity", "subProcess",
                    "transaction", "adHocSubProcess", "intermediateCatchEvent",
                    "intermediateThrowEvent"})
ELEMENTS_OF_KIND: dict[str, frozenset[str]] = {
    "task": _TASKS,
    "start": frozenset({"startEvent"}),
    "end": frozenset({"endEvent"}),
    "choice": frozenset({"exclusiveGateway", "inclusiveGateway", "eventBasedGateway",
                         "complexGateway"}),
    "and-split": frozenset({"parallelGateway"}),
    "and-join": frozenset({"parallelGateway"}),
}
"""The elements a step of each kind may be drawn as."""


def default_element(kind: str, channel: str, actor_kind: str | None) -> str:
    """The element the export draws a step as without a ``bpmn`` field.

    Returns:
        ``serviceTask`` for systems, ``sendTask`` for mail, ``userTask`` for online and
        internal work, ``manualTask`` for counter, phone and on-site work, else ``task``;
        events and gateways by kind.
    """
    by_kind = {"start": "startEvent", "end": "endEvent", "choice": "exclusiveGateway",
               "and-split": "parallelGateway", "and-join": "parallelGateway"}
    if kind in by_kind:
        return by_kind[kind]
    if channel == "system" or actor_kind == "system":
        return "serviceTask"
    if channel == "mail":
        return "sendTask"
    if channel in ("online", "internal"):
        return "userTask"
    if channel in ("counter", "phone", "on-site"):
        return "manualTask"
    return "task"


def split_notation(notation: str) -> tuple[str, str | None]:
    """``"intermediateCatchEvent:timer"`` -> ``("intermediateCatchEvent", "timer")``."""
    element, _, event = notation.partition(":")
    return element, event or None


def drawn_as(kind: str, channel: str, actor_kind: str | None,
             notation: str | None) -> tuple[str, str | None]:
    """The element and event definition to draw: the ``bpmn`` field's when it fits the
    step's kind, else :func:`default_element` and none."""
    if notation:
        element, event = split_notation(notation)
        if element in ELEMENTS_OF_KIND.get(kind, frozenset()):
            return element, event
    return default_element(kind, channel, actor_kind), None
