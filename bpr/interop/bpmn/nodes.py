"""The pieces of a BPMN process while it is read: notes, nodes and element helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from lxml import etree
from pydantic import BaseModel

from bpr.errors import InvalidModelError
from bpr.interop.bpmn.edges import Edge

__all__ = ["BPMN_NS", "GraphReader", "ImportNote", "Node", "is_bpmn", "line_of", "local"]

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


@dataclass(frozen=True)
class ImportNote:
    """Something about one BPMN element the user should know.

    Attributes:
        element: the BPMN element id (or tag when it has none).
        line: line of the element's start tag in the BPMN file, 0 when unknown.
        message: what was done or left out.
        column: column of the start tag's ``<``, 1-based (0 when the line is unknown).

    ``str(note)`` is ``LINE:COLUMN: ELEMENT: MESSAGE``, so that ``f"{file}:{note}"`` reads
    ``file:line:column: ...`` like every other located message.
    """

    element: str
    line: int
    message: str
    column: int = 1

    def __str__(self) -> str:
        column = self.column if self.line else 0
        return f"{self.line}:{column}: {self.element}: {self.message}"


@dataclass
class Node:
    """A flow node while the process is rewritten into our model's shape.

    Attributes:
        bpmn: the element id (or an id the import made up).
        tag: the BPMN element type.
        kind: our step kind (``task``, ``start``, ...; ``gateway``/``subprocess`` until
            classified).
        lane: the leaf lane holding it; ``pool``: the process holding it.
        passthrough: removed at contraction, its flows joined.
        unlimited: held by an actor of unlimited capacity (events, hand-offs).
        event: the kind of its event definition (``timer``, ``message``, ...).
    """

    bpmn: str
    tag: str
    element: etree._Element
    kind: str = "task"
    lane: str | None = None
    passthrough: bool = False
    props: dict[str, Any] = field(default_factory=dict)
    channel: str = "none"
    actor_kind: str = "staff"
    pool: str = ""
    unlimited: bool = False
    event: str | None = None


def local(element: etree._Element) -> str:
    """The element's local name ("" for comments and processing instructions)."""
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def is_bpmn(element: etree._Element) -> bool:
    """The element is in the BPMN model namespace."""
    return isinstance(element.tag, str) and etree.QName(element).namespace == BPMN_NS


def line_of(element: etree._Element | None) -> int:
    """The element's line, 0 when unknown."""
    return (element.sourceline or 0) if element is not None else 0


class GraphReader(Protocol):
    """What the rewriting steps (collaboration, events, shares, termination, build) use of
    the reader of :mod:`.bpmn_import`: the graph being rewritten and the notes."""

    nodes: dict[str, Node]
    edges: list[Edge]
    inserted: dict[str, list[Node]]
    lanes: list[etree._Element]
    lanes_of_pool: dict[str, list[etree._Element]]
    ours: bool

    def where(self, element: etree._Element | None) -> tuple[int, int]: ...

    def warn(self, element: etree._Element | None, message: str,
             ident: str | None = None) -> None: ...

    def ignore(self, element: etree._Element, message: str) -> None: ...

    def properties(self, element: etree._Element, model: type[BaseModel]) -> dict[str, Any]: ...

    def fail(self, element: etree._Element, message: str) -> InvalidModelError: ...

    def edge_index(self) -> tuple[dict[str, list[Edge]], dict[str, list[Edge]]]: ...

    def insert_after(self, node: Node, new: Node, outs: list[Edge]) -> None: ...

    def place_inserted(self) -> None: ...

    def contract(self) -> None: ...
