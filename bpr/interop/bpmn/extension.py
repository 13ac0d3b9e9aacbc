"""Our facts inside BPMN: the ``tz:properties`` extension element and its Camunda mirror.

Every field of a step, actor, flow or procedure that BPMN has no element or attribute for
travels as one property, generically: the list of fields comes from the pydantic model,
so a field added to the model later round-trips without touching this code.

.. code-block:: xml

   <bpmn:extensionElements>
     <tz:properties xmlns:tz="urn:tetsuzuki:bpmn:1.0">
       <tz:property name="duration" value='{"dist":"triangular","low":3,"mode":5,"high":8}'/>
       <tz:property name="paper" value="true"/>
     </tz:properties>
     <camunda:properties xmlns:camunda="http://camunda.org/schema/1.0/bpmn">
       <camunda:property name="duration" value='{"dist":"triangular","low":3,"mode":5,"high":8}'/>
       <camunda:property name="paper" value="true"/>
     </camunda:properties>
   </bpmn:extensionElements>

``tz:property/@value`` is always JSON. The Camunda mirror writes text fields as plain
text (what a Camunda Modeler user expects to edit) and everything else as JSON. On import
a Camunda property overrides the ``tz`` one of the same name, since that is the one users
edit in Camunda Modeler. Camunda properties that are not such a mirror (the users' own
key/value pairs, e.g. from a Camunda Modeler file) and extensions in other namespaces are
ignored with a note, never validated.
"""

from __future__ import annotations

import json
import types
import typing
from typing import Any

from lxml import etree
from pydantic import BaseModel

__all__ = [
    "CAMUNDA_NS",
    "TZ_NS",
    "add_properties",
    "encode_value",
    "model_properties",
    "read_properties",
]

TZ_NS = "urn:tetsuzuki:bpmn:1.0"
"""Namespace of our extension element (``tz:``)."""

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
"""Namespace of Camunda's extension elements (``camunda:properties``)."""


def _is_text_field(model: type[BaseModel], name: str) -> bool:
    """True when the field (by name or alias) holds text, so Camunda shows it unquoted."""
    for field_name, field in model.model_fields.items():
        if name in (field_name, field.alias):
            annotation = field.annotation
            args = typing.get_args(annotation) if isinstance(
                annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union \
                else (annotation,)
            # Constrained text (``Annotated[str, ...]``) is text too.
            args = tuple(typing.get_args(a)[0] if typing.get_origin(a) is typing.Annotated
                         else a for a in args)
            return all(a is str or a is type(None) for a in args) and str in args
    return False


def model_properties(obj: BaseModel, exclude: set[str]) -> dict[str, Any]:
    """The fields of ``obj`` that differ from their defaults, as JSON-ready values.

    Args:
        obj: a pydantic model instance (step, actor, flow, procedure version).
        exclude: field names (not aliases) carried by BPMN itself (id, name, ...).

    Returns:
        ``{alias or name: value}`` in the model's field order.
    """
    out: dict[str, Any] = {}
    dumped = obj.model_dump(mode="json", by_alias=True)
    for name, field in type(obj).model_fields.items():
        if name in exclude:
            continue
        value = getattr(obj, name)
        if not field.is_required() and value == field.get_default(call_default_factory=True):
            continue
        key = field.alias or name
        out[key] = dumped[key]
    return out


def encode_value(value: Any) -> str:
    """JSON text of a property value (compact, UTF-8 characters kept)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def add_properties(extension: etree._Element, model: type[BaseModel],
                   properties: dict[str, Any]) -> None:
    """Append ``tz:properties`` and its ``camunda:properties`` mirror to ``extension``.

    Args:
        extension: the ``bpmn:extensionElements`` element.
        model: the pydantic class the properties belong to (decides text vs JSON).
        properties: name -> JSON-ready value.
    """
    if not properties:
        return
    ours = etree.SubElement(extension, f"{{{TZ_NS}}}properties")
    camunda = etree.SubElement(extension, f"{{{CAMUNDA_NS}}}properties")
    for name, value in properties.items():
        etree.SubElement(ours, f"{{{TZ_NS}}}property", name=name, value=encode_value(value))
        text = value if isinstance(value, str) and _is_text_field(model, name) else encode_value(value)
        etree.SubElement(camunda, f"{{{CAMUNDA_NS}}}property", name=name, value=text)


def _field_names(model: type[BaseModel]) -> set[str]:
    """Names and aliases of the model's fields: the property names that are ours."""
    return {n for name, f in model.model_fields.items() for n in (name, f.alias) if n}


def read_properties(element: etree._Element, model: type[BaseModel],
                    ignored: list[str] | None = None) -> dict[str, Any]:
    """Properties stored on ``element`` by :func:`add_properties` (or edited in Camunda).

    Only tetsuzuki's own properties are read: every ``tz:property``, and a
    ``camunda:property`` when it mirrors ours, that is when it names a field of ``model``
    on an element that carries ``tz:properties`` (a file we exported, edited in Camunda
    Modeler). Camunda's key/value properties are otherwise the users' own (``priority``,
    an ISO ``duration`` such as ``PT5M``): they are ignored, as is any extension in another
    namespace, and listed in ``ignored``.

    Args:
        element: a BPMN element that may have ``extensionElements``.
        model: the pydantic class the properties are for.
        ignored: receives one message per foreign property or extension not read.

    Returns:
        name -> value; values that are not valid JSON are kept as text, for the model's
        validation to accept or report.
    """
    found: dict[str, Any] = {}
    ours = _field_names(model)
    notes: list[str] = []
    for ext in element:
        if not isinstance(ext.tag, str) or etree.QName(ext).localname != "extensionElements":
            continue
        mirrored = ext.find(f"{{{TZ_NS}}}properties") is not None
        for child in ext:
            if not isinstance(child.tag, str):
                continue
            qname = etree.QName(child)
            if qname.namespace not in (TZ_NS, CAMUNDA_NS):
                notes.append(f"extension {child.prefix or qname.namespace}:{qname.localname} "
                             "ignored (not a tetsuzuki extension)")
            elif qname.namespace == CAMUNDA_NS and qname.localname != "properties":
                notes.append(f"extension camunda:{qname.localname} ignored (not a tetsuzuki "
                             "extension)")
        for ns in (TZ_NS, CAMUNDA_NS):  # Camunda last: it overrides
            for prop in ext.iterfind(f"{{{ns}}}properties/{{{ns}}}property"):
                name = prop.get("name")
                raw = prop.get("value")
                if not name or raw is None:
                    continue
                if ns == CAMUNDA_NS:
                    if name not in ours or not mirrored:
                        notes.append(f"Camunda property {name}={raw!r} ignored (the user's own "
                                     "key/value, not a tetsuzuki property)")
                        continue
                    if _is_text_field(model, name):
                        found[name] = raw
                        continue
                try:
                    found[name] = json.loads(raw)
                except ValueError:
                    found[name] = raw
    if ignored is not None:
        ignored.extend(notes)
    return found
