"""Parameters of the rankings: weights, read from a YAML file.

The planners' priorities are data, not code: :class:`Weights` holds every weight of the
catalog ranking (:mod:`bpr.planning.ranking`) and of the national survey ranking
(:mod:`bpr.planning.survey`). The defaults are in ``procedures/weights.yaml`` (installed with the package);
:func:`load_weights` reads that file or any other, and reports problems with file, line,
field and the bad value, as the model loader does.

A field left out of a weights file keeps its default, so a file may override one weight.
A field that was removed (:data:`REMOVED`) is refused with the reason, so that an old file
does not silently mean something else.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bpr.errors import InvalidModelError, Problem
from bpr.model.catalog import builtin_root
from bpr.model.files import read_text_limited
from bpr.model.load import MAX_FILE_BYTES, pydantic_message, read_yaml, suggest

__all__ = [
    "MAX_WEIGHT",
    "REMOVED",
    "WEIGHTS_FILE",
    "BenefitWeights",
    "EffortWeights",
    "FeasibilityWeights",
    "SurveyWeights",
    "Weights",
    "load_weights",
    "load_weights_text",
]

WEIGHTS_FILE = "weights.yaml"
"""Name of the default weights file in the procedures folder."""


MAX_WEIGHT = 1_000_000
"""Largest value of any weight: a million resident-hour equivalents per unit is far beyond
any judgement, and keeps every score a finite number."""

REMOVED: dict[str, str] = {
    "travel_minutes_per_visit": "resident hours now include the modelled travel steps; weight "
                                "counter visits with benefit.counter_visits",
}
"""Fields that weights files used to have -> why they were removed and what to use instead."""


_Weight = Annotated[float, Field(ge=0, le=MAX_WEIGHT)]


class _Params(BaseModel):
    """Every weight is a finite number between 0 and :data:`MAX_WEIGHT`."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class BenefitWeights(_Params):
    """Value of one unit saved per year, in resident-hour equivalents."""

    resident_hours: _Weight = Field(1.0, description="Per resident hour saved (the model's "
                                    "resident working time, its travel steps included).")
    waiting_hours: _Weight = Field(1.0, description="Per resident hour of counter waiting "
                                   "saved (simulated; counts only with simulation results).")
    staff_hours: _Weight = Field(1.0, description="Per staff or approver hour saved.")
    counter_visits: _Weight = Field(0.5, description="Per counter visit avoided, on top of "
                                    "its modelled time (taking time off work during office "
                                    "hours).")
    paper_steps: _Weight = Field(0.05, description="Per step handling paper removed.")
    seals: _Weight = Field(0.1, description="Per seal (押印) removed.")
    transcriptions: _Weight = Field(0.1, description="Per re-typing (転記) removed.")


class FeasibilityWeights(_Params):
    """Penalty per legal constraint that the to-be keeps: feasibility = 1 / (1 + Σ w·n)."""

    legal_in_person: _Weight = Field(0.3, description="Per to-be step the law keeps in "
                                     "person (legally_required and in_person).")
    legal_original_paper: _Weight = Field(0.3, description="Per to-be step the law keeps "
                                          "on original paper (legally_required and original_paper).")
    fixed_attachments: _Weight = Field(0.1, description="Per to-be attachment that cannot "
                                       "be dropped (legally_required).")


class EffortWeights(_Params):
    """Effort per change of the change set: effort = 1 + Σ w·n."""

    eliminate: _Weight = Field(0.05, description="Per E (eliminated step).")
    combine: _Weight = Field(0.15, description="Per C (combined steps).")
    rearrange: _Weight = Field(0.1, description="Per R (moved to another actor or order).")
    simplify: _Weight = Field(0.05, description="Per S (simplified step).")
    added: _Weight = Field(0.2, description="Per A (new step, usually new system work).")
    modified: _Weight = Field(0.05, description="Per M (other modification).")


class SurveyWeights(_Params):
    """Friction of a survey procedure: friction = identity + attachments terms."""

    seal_with_certificate: _Weight = Field(3.0, description="本人確認手法 1 押印＋印鑑証明.")
    seal: _Weight = Field(2.0, description="本人確認手法 2 押印.")
    signature: _Weight = Field(1.0, description="本人確認手法 3 署名.")
    identity_document: _Weight = Field(1.0, description="本人確認手法 4 本人確認書類の提示・提出.")
    other_identity: _Weight = Field(0.5, description="本人確認手法 5 その他.")
    per_attachment: _Weight = Field(0.5, description="Per kind of attachment listed "
                                    "(添付書類なし counts none).")
    attachments_not_droppable: _Weight = Field(1.0, description="When 添付書類等提出の撤廃/"
                                               "省略状況 is 3 撤廃・省略不可.")


class Weights(_Params):
    """All ranking parameters."""

    benefit: BenefitWeights = Field(default_factory=BenefitWeights,
                                    description="Value of each saving.")
    feasibility: FeasibilityWeights = Field(default_factory=FeasibilityWeights,
                                            description="Penalties for legal constraints.")
    effort: EffortWeights = Field(default_factory=EffortWeights,
                                  description="Effort per change kind.")
    survey: SurveyWeights = Field(default_factory=SurveyWeights,
                                  description="Friction weights of the national survey ranking.")

    def ranking_parameters(self) -> Iterator[tuple[str, float]]:
        """The catalog ranking's parameters as (dotted name, value): what sensitivity varies.

        Yields:
            ``("benefit.resident_hours", v)``, ``("benefit.waiting_hours", v)``, ...
        """
        for group in ("benefit", "feasibility", "effort"):
            params: BaseModel = getattr(self, group)
            for name in type(params).model_fields:
                yield f"{group}.{name}", float(getattr(params, name))

    def with_parameter(self, name: str, value: float) -> Weights:
        """A copy with the parameter ``name`` (dotted, as in :meth:`ranking_parameters`) set.

        Raises:
            KeyError: no such parameter.
        """
        group, _, field = name.partition(".")
        params = getattr(self, group, None)
        if not isinstance(params, _Params) or field not in type(params).model_fields:
            raise KeyError(name)
        return self.model_copy(update={group: params.model_copy(update={field: value})})


_GROUPS: dict[str, type[BaseModel]] = {"benefit": BenefitWeights, "feasibility": FeasibilityWeights,
                                       "effort": EffortWeights, "survey": SurveyWeights}


def load_weights_text(text: str, file: str = "<string>") -> Weights:
    """Read weights from YAML text; missing fields keep their defaults.

    Args:
        text: the YAML document (an empty document means all defaults).
        file: the name to use in error messages.

    Returns:
        The validated weights.

    Raises:
        InvalidModelError: the text is not YAML, not a mapping, or a weight is unknown,
            removed (:data:`REMOVED`, the message says why), negative or not a number; every
            problem is located.
    """
    located = read_yaml(text, file, kind="weights file")
    data = located.data if located.data is not None else {}
    if not isinstance(data, dict):
        raise InvalidModelError([Problem(file, 1, 1, "a weights file must be a YAML mapping, got "
                                         f"{type(data).__name__}")])
    problems = [located.problem((name,), f"this weight was removed: {why}", show_value=False,
                                key=True) for name, why in REMOVED.items() if name in data]
    try:
        weights = Weights.model_validate({k: v for k, v in data.items() if k not in REMOVED})
    except ValidationError as error:
        for err in error.errors(include_url=False):
            loc = tuple(err["loc"])
            if err["type"] == "extra_forbidden":
                model: type[BaseModel] = _GROUPS.get(str(loc[0]), Weights) if len(loc) > 1 \
                    else Weights
                hint = suggest(str(loc[-1]), list(model.model_fields))
                problems.append(located.problem(loc, f"unknown weight '{loc[-1]}'",
                                                show_value=False, hint=hint, key=True))
            else:
                problems.append(located.problem(loc, pydantic_message(err)))
    if problems:
        problems.sort(key=lambda p: (p.line, p.column))
        raise InvalidModelError(problems) from None
    return weights


def load_weights(path: str | Path | None = None) -> Weights:
    """Read a weights file: the built-in ``procedures/weights.yaml`` by default.

    Args:
        path: a YAML weights file, or ``None`` for the defaults shipped with the package.

    Returns:
        The validated weights.

    Raises:
        InvalidModelError: the file cannot be read or is not a valid weights file.
    """
    file_path = builtin_root() / WEIGHTS_FILE if path is None else Path(path)
    text = read_text_limited(file_path, kind="weights file", limit=MAX_FILE_BYTES)
    return load_weights_text(text, str(file_path))
