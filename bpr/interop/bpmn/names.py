"""Labels and identifiers crossing between BPMN and our model.

BPMN tools write labels with line breaks and trailing spaces (``"Collapsed&#10;Sub-Process"``,
``"Task 1 "``) and identifiers our model does not accept (``_93c4...``, ``sid-5F0F...``);
these helpers turn them into the model's forms, and back.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

__all__ = [
    "bpmn_id",
    "kebab_id",
    "normalise_label",
    "step_id",
]

_ASCII_SPACE = re.compile(r"[ \t\r\n]+")
_STEP_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def normalise_label(text: str | None) -> str:
    """A label as users read it: Unicode NFC, ASCII whitespace runs (line breaks, tabs)
    folded into one space, no leading or trailing spaces.

    Full-width spaces (U+3000) are kept: they are part of Japanese names.
    """
    if not text:
        return ""
    return _ASCII_SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip(" ")


def _unique(candidate: str, taken: Iterable[str]) -> str:
    # A set or a dict is searched as it is: copying it per call would make naming n
    # elements take n² steps.
    if not isinstance(taken, set | frozenset | dict):
        taken = set(taken)
    if candidate not in taken:
        return candidate
    n = 2
    while f"{candidate}-{n}" in taken:
        n += 1
    return f"{candidate}-{n}"


def step_id(bpmn: str, taken: Iterable[str] = ()) -> str:
    """Our step/actor id for a BPMN id: a leading ``_`` (which :func:`bpmn_id` adds to ids
    that are not XML names) is dropped, other characters the model refuses become ``-``,
    and a suffix keeps it unique among ``taken``."""
    text = bpmn[1:] if bpmn.startswith("_") else bpmn
    text = re.sub(r"[^A-Za-z0-9_.\-]", "-", text)
    text = re.sub(r"^[^A-Za-z0-9]+", "", text) or "x"
    if not _STEP_ID.match(text):  # pragma: no cover - the substitutions above guarantee it
        text = "x-" + text
    return _unique(text, taken)


def bpmn_id(our_id: str) -> str:
    """A BPMN element id (an XML NCName) for one of our ids: unchanged when it already is
    a valid NCName, else prefixed with ``_`` (our ids never start with ``_``)."""
    return our_id if _NCNAME.match(our_id) else "_" + our_id


def kebab_id(*candidates: str | None) -> str:
    """A procedure id (lower-case kebab) from the first candidate with ASCII letters or
    digits; ``imported`` when none has any."""
    for text in candidates:
        if not text:
            continue
        slug = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKC", text).lower()).strip("-")
        if slug:
            return slug
    return "imported"
