"""Write a procedure version as a YAML model file (the inverse of :mod:`bpr.model.load`).

Used by importers (BPMN, Prosimos) to hand users a file they can edit: fields in the
model's order, defaults left out, distributions and flows on one line each, as the
hand-written catalog files are. Loading the text gives back an equal model (same
canonical hash).
"""

from __future__ import annotations

import io
from typing import Any

from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from models.procedure import ProcedureVersion

__all__ = ["procedure_yaml"]

_ONE_LINE = {"duration", "delay", "channel_choice"}


def _plain(obj: BaseModel, *, keep_defaults: bool = False) -> CommentedMap:
    out = CommentedMap()
    dumped = obj.model_dump(mode="json", by_alias=True)
    for name, field in type(obj).model_fields.items():
        value = getattr(obj, name)
        key = field.alias or name
        if not keep_defaults and not field.is_required() and \
                value == field.get_default(call_default_factory=True):
            continue
        out[key] = _convert(value, dumped[key], key)
    return out


def _convert(value: Any, dumped: Any, key: str) -> Any:
    if isinstance(value, BaseModel):
        # Distributions keep their `dist` even where it is the default (fixed).
        node = _plain(value, keep_defaults=key in ("duration", "delay"))
        if key in _ONE_LINE:
            node.fa.set_flow_style()
        return node
    if isinstance(value, tuple):
        seq = CommentedSeq(_convert(v, d, key) for v, d in zip(value, dumped, strict=True))
        if key in ("seasonality", "replaces"):
            seq.fa.set_flow_style()
        for item in seq:
            if key == "flows" and isinstance(item, CommentedMap):
                item.fa.set_flow_style()
        return seq
    if isinstance(dumped, float) and dumped.is_integer() and abs(dumped) < 2**53:
        return int(dumped)  # 410, not 410.0, as people write it
    return dumped


def procedure_yaml(model: ProcedureVersion, header: str | None = None) -> str:
    """The model as YAML text.

    Args:
        model: a validated procedure version.
        header: comment lines put at the top (without ``#``), e.g. where it came from.

    Returns:
        YAML text that :func:`bpr.model.load.load_procedure_text` reads back into an equal model.
    """
    yaml = YAML(typ="rt", pure=True)
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.allow_unicode = True
    buf = io.StringIO()
    if header:
        for line in header.splitlines():
            buf.write(f"# {line}\n".replace("# \n", "#\n"))
    yaml.dump(_plain(model), buf)
    return buf.getvalue()
