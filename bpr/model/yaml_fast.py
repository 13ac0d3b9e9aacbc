"""The fast path of :func:`bpr.model.yaml_reader.read_yaml`: libyaml's event parser.

ruamel.yaml (pure Python) took 76 s CPU to read a 50,000-step model (7 MB); libyaml (the C
parser PyYAML binds, ``yaml.CParser``) gives the same events, with the same 0-based
line and column marks, in 1.8 s. :func:`read_fast` builds the plain data
and positions straight from those events (an explicit stack: deep nesting cannot exhaust
Python's), and **declines** (returns ``None``) on anything that is not plain, valid data:
a syntax error, a tab or a Unicode line break anywhere (:data:`_APART`), an empty
node (the two place it apart), a ``%YAML`` or ``%TAG`` directive, an anchor, an alias,
a tag, a merge key, a key that is a list or a mapping, a duplicate key, a number over the
length limit, nesting over the depth limit, or more than one document. The caller then
reads the text with ruamel, whose messages and positions are therefore exactly those users
had before; only valid files take this path.

Scalars are resolved as ruamel resolves them (YAML 1.2: ``yes`` is text, ``0o17`` an
integer; dates stay text) by the ``scalar`` function the caller passes, which builds each
distinct plain scalar once with ruamel's own resolver and constructor; quoted and block
scalars are text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml

__all__ = ["AVAILABLE", "read_fast"]

try:
    from yaml.cyaml import CParser as _Parser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _Parser = None
AVAILABLE = _Parser is not None
"""PyYAML was built with libyaml (without it, every text goes through ruamel)."""

_SCALAR = yaml.ScalarEvent
_SEQ = yaml.SequenceStartEvent
_MAP = yaml.MappingStartEvent
_END = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
_DOC_END = yaml.DocumentEndEvent
_DOC_START = yaml.DocumentStartEvent
_STREAM_END = yaml.StreamEndEvent


_APART = re.compile("[\t\x85\u2028\u2029]")
"""Characters the two parsers treat apart: tabs (ruamel refuses some that libyaml takes)
and the Unicode line breaks (which move the lines libyaml counts)."""


class _Decline(Exception):
    """The text holds something the ruamel path reports (or reads) itself."""


def read_fast(text: str, scalar: Callable[[str], Any], plain: Callable[[Any], Any],
              *, max_depth: int, long_number: Callable[[str], bool]
              ) -> tuple[Any, dict[tuple[str | int, ...], tuple[int, int]]] | None:
    """Plain data and positions of ``text``, or ``None`` when the ruamel path must read it.

    Args:
        text: the YAML text.
        scalar: builds the value of a plain scalar (as ruamel's constructor would).
        plain: turns such a value into plain data (as for ruamel's values).
        max_depth: deepest nesting accepted.
        long_number: a plain scalar that is an overlong number (refused by the caller).

    Returns:
        ``(data, positions)`` as :class:`bpr.model.yaml_reader.Located` holds them, or
        ``None``.
    """
    if not AVAILABLE or _APART.search(text):
        return None
    try:
        return _build(_Parser(text), scalar, plain, max_depth, long_number)
    except Exception:  # declining is always safe: ruamel reads the text as before
        return None  # (a syntax error, or ruamel's constructor refusing a scalar, e.g.)


def _build(parser: Any, scalar: Callable[[str], Any], plain: Callable[[Any], Any],
           max_depth: int, long_number: Callable[[str], bool]
           ) -> tuple[Any, dict[tuple[str | int, ...], tuple[int, int]]]:
    get = parser.get_event
    positions: dict[tuple[str | int, ...], tuple[int, int]] = {(): (1, 1)}
    # One frame per open collection:
    # [container, path, is a mapping, pending key (None: next node is a key), key mark,
    #  keys seen as ruamel builds them (for duplicates)].
    stack: list[list[Any]] = []
    root: Any = None
    documents = 0
    cache: dict[str, Any] = {}
    while True:
        event = get()
        kind = type(event)
        if kind is _SCALAR or kind is _SEQ or kind is _MAP:
            if event.anchor is not None or event.tag is not None:
                raise _Decline
            mark = event.start_mark
            where = (mark.line + 1, mark.column + 1)
            is_plain = kind is _SCALAR and not event.style
            if kind is _SCALAR:
                text_value = event.value
                if not text_value and event.end_mark.index == mark.index:
                    raise _Decline  # an empty node: libyaml and ruamel place it apart
                if is_plain:
                    if text_value in cache:
                        raw = cache[text_value]
                    else:
                        if long_number(text_value):
                            raise _Decline
                        raw = cache[text_value] = scalar(text_value)
                else:
                    raw = text_value
            top = stack[-1] if stack else None
            if top is not None and top[2] and top[3] is None:  # a mapping key
                if kind is not _SCALAR or (is_plain and text_value == "<<"):
                    raise _Decline
                seen = top[5]
                if raw in seen and raw == raw:  # nan is never equal, hence never a duplicate
                    raise _Decline
                seen.add(raw)
                top[3] = raw if isinstance(raw, str) else str(raw)
                top[4] = where
                continue
            if kind is _SCALAR:
                value = plain(raw) if is_plain else raw
            else:
                value = {} if kind is _MAP else []
            if top is None:
                if documents:
                    raise _Decline  # a second document: ruamel refuses it
                root = value
                path: tuple[str | int, ...] = ()
            elif top[2]:
                key = top[3]
                path = (*top[1], key)
                top[0][key] = value
                positions[path] = where
                positions[("key", *path)] = top[4]
                top[3] = None
            else:
                path = (*top[1], len(top[0]))
                top[0].append(value)
                positions[path] = where
            if kind is not _SCALAR:
                if len(stack) >= max_depth:
                    raise _Decline
                stack.append([value, path, kind is _MAP, None, None, set()])
        elif kind in _END:
            stack.pop()
        elif kind is _DOC_END:
            documents += 1
        elif kind is _DOC_START:
            if documents or event.version is not None or event.tags:
                raise _Decline  # a second document, or directives (%YAML 1.1 reads yes as true)
        elif kind is _STREAM_END:
            return root, positions
        else:  # an alias, or an event this reader does not know
            if kind is not yaml.StreamStartEvent:
                raise _Decline
