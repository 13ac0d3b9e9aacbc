"""Parameters of the rankings: weights and travel time, read from a YAML file.

The planners' priorities are data, not code: :class:`Weights` holds every weight of the
catalog ranking (:mod:`bpr.ranking`) and of the national survey ranking
(:mod:`bpr.survey`), and the travel time that turns an avoided counter visit into resident
hours. The defaults are in ``procedures/weights.yaml`` (installed with the package);
:func:`load_weights` reads that file or any other, and reports problems with file, line,
field and the bad value, as the model loader does.

A field left out of a weights file keeps its default, so a file may override one weight.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bpr.catalog import builtin_root
from bpr.errors import InvalidModelError, Problem
from bpr.load import read_yaml, suggest

__all__ = [
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


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BenefitWeights(_Params):
    """Value of one unit saved per year, in resident-hour equivalents."""

    resident_hours: float = Field(1.0, ge=0, description="Per resident hour saved (travel "
                                  "included through the travel time).")
    staff_hours: float = Field(1.0, ge=0, description="Per staff or approver hour saved.")
    counter_visits: float = Field(0.5, ge=0, description="Per counter visit avoided, on top of "
                                  "its travel time (taking time off work during office hours).")
    paper_steps: float = Field(0.05, ge=0, description="Per step handling paper removed.")
    seals: float = Field(0.1, ge=0, description="Per seal (押印) removed.")
    transcriptions: float = Field(0.1, ge=0, description="Per re-typing (転記) removed.")


class FeasibilityWeights(_Params):
    """Penalty per legal constraint that the to-be keeps: feasibility = 1 / (1 + Σ w·n)."""

    legal_in_person: float = Field(0.3, ge=0, description="Per to-be step the law keeps in "
                                   "person (legally_required and in_person).")
    legal_original_paper: float = Field(0.3, ge=0, description="Per to-be step the law keeps "
                                        "on original paper (legally_required and original_paper).")
    fixed_attachments: float = Field(0.1, ge=0, description="Per to-be attachment that cannot "
                                     "be dropped (legally_required).")


class EffortWeights(_Params):
    """Effort per change of the change set: effort = 1 + Σ w·n."""

    eliminate: float = Field(0.05, ge=0, description="Per E (eliminated step).")
    combine: float = Field(0.15, ge=0, description="Per C (combined steps).")
    rearrange: float = Field(0.1, ge=0, description="Per R (moved to another actor or order).")
    simplify: float = Field(0.05, ge=0, description="Per S (simplified step).")
    added: float = Field(0.2, ge=0, description="Per A (new step, usually new system work).")
    modified: float = Field(0.05, ge=0, description="Per M (other modification).")


class SurveyWeights(_Params):
    """Friction of a survey procedure: friction = identity + attachments terms."""

    seal_with_certificate: float = Field(3.0, ge=0, description="本人確認手法 1 押印＋印鑑証明.")
    seal: float = Field(2.0, ge=0, description="本人確認手法 2 押印.")
    signature: float = Field(1.0, ge=0, description="本人確認手法 3 署名.")
    identity_document: float = Field(1.0, ge=0, description="本人確認手法 4 本人確認書類の提示・提出.")
    other_identity: float = Field(0.5, ge=0, description="本人確認手法 5 その他.")
    per_attachment: float = Field(0.5, ge=0, description="Per kind of attachment listed "
                                  "(添付書類なし counts none).")
    attachments_not_droppable: float = Field(1.0, ge=0, description="When 添付書類等提出の撤廃/"
                                             "省略状況 is 3 撤廃・省略不可.")


class Weights(_Params):
    """All ranking parameters."""

    travel_minutes_per_visit: float = Field(
        50.0, ge=0, description="Resident's round trip per counter visit, minutes; replaces the "
        "modelled travel steps when resident hours are compared.")
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
            ``("travel_minutes_per_visit", v)`` then ``("benefit.resident_hours", v)``, ...
        """
        yield "travel_minutes_per_visit", self.travel_minutes_per_visit
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
        if not field:
            if group not in type(self).model_fields or group in ("benefit", "feasibility",
                                                                 "effort", "survey"):
                raise KeyError(name)
            return self.model_copy(update={group: value})
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
            negative or not a number; every problem is located.
    """
    located = read_yaml(text, file)
    data = located.data if located.data is not None else {}
    if not isinstance(data, dict):
        raise InvalidModelError([Problem(file, 1, 1, "a weights file must be a YAML mapping, got "
                                         f"{type(data).__name__}")])
    try:
        return Weights.model_validate(data)
    except ValidationError as error:
        problems: list[Problem] = []
        for err in error.errors(include_url=False):
            loc = tuple(err["loc"])
            if err["type"] == "extra_forbidden":
                model: type[BaseModel] = _GROUPS.get(str(loc[0]), Weights) if len(loc) > 1 \
                    else Weights
                hint = suggest(str(loc[-1]), list(model.model_fields))
                problems.append(located.problem(loc, f"unknown weight '{loc[-1]}'",
                                                show_value=False, hint=hint, key=True))
            else:
                problems.append(located.problem(loc, str(err["msg"])))
        problems.sort(key=lambda p: (p.line, p.column))
        raise InvalidModelError(problems) from None


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
    try:
        text = file_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidModelError([Problem(str(file_path), 0, 0,
                                         f"cannot read weights: {exc.strerror}")]) from None
    except UnicodeDecodeError:
        raise InvalidModelError([Problem(str(file_path), 0, 0, "weights file is not UTF-8 text")]
                                ) from None
    return load_weights_text(text, str(file_path))
