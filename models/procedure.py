"""The procedure model: one version (as-is, to-be, ...) of an administrative procedure.

A procedure version is a directed graph of *steps* joined by *flows*. Each step is done
by an *actor* (a swimlane) and carries the facts BPR cares about (paper, seal, in-person
presence, re-typing, ...). Several flows leaving one step form an exclusive choice whose
probabilities sum to 1; an ``and-split`` step runs all its outgoing branches and an
``and-join`` step waits for all its incoming ones.

These are plain pydantic v2 models. Structural checks that need the whole graph
(reachability, references, probabilities) live in :mod:`bpr.model.load` so that the errors can
carry file, line and column.

Every field is documented with ``Field(description=...)``; the README's YAML reference is
the human-readable version of the same text.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

__all__ = [
    "BPMN_NOTATION",
    "MAX_ANNUAL_VOLUME",
    "MAX_ATTRIBUTE_COMBINATIONS",
    "MAX_DELAY_DAYS",
    "MAX_DURATION_MINUTES",
    "MAX_SEASONALITY_WEIGHT",
    "Actor",
    "ActorKind",
    "Attachment",
    "AttributeName",
    "AttributeValue",
    "Category",
    "Channel",
    "ChannelChoice",
    "Distribution",
    "Elimination",
    "Exponential",
    "Fixed",
    "Flow",
    "HeldBy",
    "LogNormal",
    "ProcedureVersion",
    "Source",
    "Step",
    "StepKind",
    "Triangular",
    "Uniform",
    "VisitKind",
    "number_text_message",
]


MAX_ANNUAL_VOLUME = 10_000_000
"""Largest ``annual_volume``: 100 applications a year per resident of the reference
municipality of 100,000 (the largest catalog volume is 8,610)."""
MAX_DURATION_MINUTES = 365 * 24 * 60
"""Largest value of a ``duration`` distribution: one year of working minutes for one step
(the largest catalog duration is 600 minutes)."""
MAX_DELAY_DAYS = 3_650
"""Largest value of a ``delay`` distribution: ten years (the largest catalog delay is 90
days)."""
MAX_SEASONALITY_WEIGHT = 1_000_000
"""Largest monthly ``seasonality`` weight; weights are relative, so this still lets one
month have a million times another's demand (the largest catalog weight is 10)."""


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be blank: write the text (only spaces were given)")
    return text


_NonBlank = Annotated[str, AfterValidator(_not_blank)]
"""Text with at least one character that is not a space (full-width spaces count as spaces)."""


class _Strict(BaseModel):
    """Base for all model types: unknown fields are errors, never ignored, and every number
    must be finite (``.inf`` and ``.nan`` are refused wherever a number is expected)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              allow_inf_nan=False)


# --------------------------------------------------------------------------- sources

_REPOSITORY_FILE = re.compile(r"[\w./-]+\.(?:md|ya?ml|py|parquet|csv|json)\b", re.IGNORECASE)


class Source(_Strict):
    """A published source a figure or a rule of the model rests on, citable in a report.

    Names the publisher and the title as published (never a file of this repository), the
    year, and what was taken from it. ``holds_from`` dates an assumption that holds only
    from a given day (e.g. a national system rolled out from FY2026).
    """

    publisher: str = Field(min_length=1, description="Who published it, e.g. デジタル庁, 呉市.")
    title: str = Field(min_length=1, description="Title as published, e.g. 行政手続等の悉皆調査.")
    year: int = Field(ge=1900, le=2100, description="Year of publication or of the figures.")
    taken: str = Field(min_length=1, description="What was taken from it (a figure, a rule).")
    holds_from: date | None = Field(
        None, description="For a dated assumption: the first day it holds (e.g. 2026-04-01).")

    @field_validator("publisher", "title", "taken")
    @classmethod
    def _cited_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        found = _REPOSITORY_FILE.search(value)
        if found:
            raise ValueError(f"cite the publisher and title, not a file ('{found.group(0)}')")
        return value


# --------------------------------------------------------------------------- distributions


class Fixed(_Strict):
    """Always the same value."""

    dist: Literal["fixed"] = Field("fixed", description="Distribution name.")
    value: float = Field(ge=0, description="The value (minutes for durations, days for delays).")

    @property
    def mean(self) -> float:
        return self.value


class Uniform(_Strict):
    """Any value between ``low`` and ``high`` equally likely."""

    dist: Literal["uniform"] = Field(description="Distribution name.")
    low: float = Field(ge=0, description="Smallest value.")
    high: float = Field(ge=0, description="Largest value; at least `low`.")

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"uniform needs low <= high, got low={self.low}, high={self.high}")
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2


class Triangular(_Strict):
    """Triangular distribution: a minimum, a most likely value and a maximum."""

    dist: Literal["triangular"] = Field(description="Distribution name.")
    low: float = Field(ge=0, description="Minimum.")
    mode: float = Field(ge=0, description="Most likely value; low <= mode <= high.")
    high: float = Field(ge=0, description="Maximum.")

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high):
            raise ValueError(
                "triangular needs low <= mode <= high, "
                f"got low={self.low}, mode={self.mode}, high={self.high}"
            )
        if self.low == self.high:
            raise ValueError(f"triangular needs low < high (use fixed for a constant), got {self.low}")
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3


class Exponential(_Strict):
    """Exponential distribution given by its mean (memoryless service times)."""

    dist: Literal["exponential"] = Field(description="Distribution name.")
    mean_value: float = Field(gt=0, alias="mean", description="Mean; must be > 0.")

    @property
    def mean(self) -> float:
        return self.mean_value


class LogNormal(_Strict):
    """Log-normal distribution given by the mean and standard deviation of the value itself
    (not of its logarithm), which is how workload surveys report times."""

    dist: Literal["lognormal"] = Field(description="Distribution name.")
    mean_value: float = Field(gt=0, alias="mean", description="Mean of the value; > 0.")
    sd: float = Field(gt=0, description="Standard deviation of the value; > 0.")

    @property
    def mean(self) -> float:
        return self.mean_value


Distribution = Annotated[
    Fixed | Uniform | Triangular | Exponential | LogNormal,
    Field(discriminator="dist"),
]
"""A duration (minutes) or delay (days) distribution, chosen by its ``dist`` key."""


def _parameters(dist: Fixed | Uniform | Triangular | Exponential | LogNormal
                ) -> list[tuple[str, float]]:
    """(name as written in YAML, value) of a distribution's numeric parameters."""
    # The fields themselves, not model_dump (the same names and order, a tenth of the time:
    # this runs for every step's duration and delay).
    return [(info.alias or name, float(getattr(dist, name)))
            for name, info in type(dist).model_fields.items() if name != "dist"]


def _bounded(dist: Fixed | Uniform | Triangular | Exponential | LogNormal | None, limit: float,
             unit: str) -> None:
    """Refuse a distribution with a parameter above ``limit``.

    Raises:
        PydanticCustomError: ``too_large``; its context names the ``parameter`` so that the
            loader can point at it.
    """
    if dist is None:
        return
    for name, value in _parameters(dist):
        if value > limit:
            raise PydanticCustomError(
                "too_large", "must be at most {limit} {unit}",
                {"parameter": name, "limit": f"{limit:,}", "unit": unit, "value": value})


def number_text_message(text: str, what: str = "a number") -> str:
    """What to say of ``text`` written where a number belongs: full-width digits (``３０``)
    and quoted or separated numbers (``"1,000"``) are named with the number to write."""
    plain = unicodedata.normalize("NFKC", text).strip().replace(",", "")
    try:
        float(plain)
    except ValueError:
        return f"{what} is expected here, not text"
    if any(not c.isascii() for c in text):
        return f"{what} is expected: the text has full-width digits; write {plain}"
    return f"{what} is expected: write {plain} as a number, without quotes or separators"


def _number_is_fixed(value: Any) -> Any:
    """Accept a bare number as shorthand for ``{dist: fixed, value: N}``; text is refused with
    :func:`number_text_message`."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return {"dist": "fixed", "value": value}
    if isinstance(value, str):
        raise ValueError(number_text_message(value, "a number (or a distribution such as "
                                             "{dist: triangular, low: 3, mode: 5, high: 10})"))
    return value


# --------------------------------------------------------------------------- enums


class Category(StrEnum):
    """Category of the national list."""

    CHILDCARE = "childcare"
    LONG_TERM_CARE = "long-term-care"
    DISASTER = "disaster"
    CAR = "car"
    OTHER = "other"


AttributeName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
"""A case attribute's name: lower-case ASCII, digits and ``_`` (e.g. ``channel``)."""
AttributeValue = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=40)]
"""A value of a case attribute (e.g. ``online``)."""
MAX_ATTRIBUTE_COMBINATIONS = 4096
"""Largest number of attribute combinations of a version (the product of the numbers of
values): the exact analysis solves one linear system per combination."""


class VisitKind(StrEnum):
    """How an in-person step meets the resident."""

    WALK_IN = "walk-in"
    APPOINTMENT = "appointment"
    HOME = "home"


class ActorKind(StrEnum):
    """What kind of participant an actor (swimlane) is."""

    RESIDENT = "resident"
    STAFF = "staff"
    APPROVER = "approver"
    SYSTEM = "system"
    EXTERNAL = "external"


class StepKind(StrEnum):
    """Role of a step in the graph."""

    START = "start"
    END = "end"
    TASK = "task"
    CHOICE = "choice"
    AND_SPLIT = "and-split"
    AND_JOIN = "and-join"


class Channel(StrEnum):
    """Where or through what a step happens."""

    COUNTER = "counter"
    MAIL = "mail"
    PHONE = "phone"
    ONLINE = "online"
    SYSTEM = "system"
    ON_SITE = "on-site"
    INTERNAL = "internal"
    NONE = "none"


class HeldBy(StrEnum):
    """Who already holds the information in an attachment."""

    RESIDENT = "resident"
    MUNICIPALITY = "municipality"
    OTHER_GOVERNMENT = "other-government"
    THIRD_PARTY = "third-party"


# --------------------------------------------------------------------------- parts


class Actor(_Strict):
    """A participant and swimlane: the resident, a staff team, an approver, a system or an
    external party."""

    id: str = Field(min_length=1, description="Identifier used by steps' `actor`.")
    name: str = Field(min_length=1, description="Display name, e.g. 申請者, 子育て支援課 窓口.")
    kind: ActorKind = Field(description="resident, staff, approver, system or external.")
    headcount: int = Field(
        1, ge=1, le=10_000, description="Parallel capacity (people) for staff and approvers."
    )
    calendar: Literal["office", "always"] | None = Field(
        None,
        description="When the actor works: `office` hours or `always`. "
        "Default: office for staff and approvers, always for the others.",
    )

    @property
    def works_office_hours(self) -> bool:
        if self.calendar is not None:
            return self.calendar == "office"
        return self.kind in (ActorKind.STAFF, ActorKind.APPROVER)


class Attachment(_Strict):
    """A document the applicant must attach (添付書類)."""

    name: str = Field(min_length=1, description="What the document is, e.g. 課税証明書.")
    held_by: HeldBy = Field(
        description="Who already holds its information: resident, municipality, "
        "other-government or third-party."
    )
    original: bool = Field(False, description="The original paper is required (not a copy).")
    legally_required: bool = Field(
        False, description="Law or regulation requires it; it cannot simply be dropped."
    )


BPMN_NOTATION = (
    r"^(task|userTask|manualTask|sendTask|receiveTask|serviceTask|scriptTask|businessRuleTask|"
    r"callActivity|subProcess|transaction|adHocSubProcess|intermediateCatchEvent|"
    r"intermediateThrowEvent|startEvent|endEvent|exclusiveGateway|inclusiveGateway|"
    r"eventBasedGateway|complexGateway|parallelGateway)"
    r"(:(timer|message|signal|conditional|escalation|error|compensate|terminate|cancel))?$")
"""The values of a step's ``bpmn`` field: a BPMN flow-node type, optionally with the kind of
its event definition (``intermediateCatchEvent:timer``)."""


class Step(_Strict):
    """One step of the procedure, done by one actor."""

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$",
                    description="Identifier, unique in the version (ASCII letters, digits, - _ .).")
    name: str = Field(min_length=1, description="What happens, in the users' language.")
    kind: StepKind = Field(StepKind.TASK, description="start, end, task, choice, and-split, and-join.")
    actor: str | None = Field(None, description="Id of the actor doing it; required for tasks.")
    duration: Distribution = Field(
        default_factory=lambda: Fixed(value=0),
        description="Working minutes of the actor, as a distribution (a number means fixed).",
    )
    delay: Distribution | None = Field(
        None,
        description="Elapsed calendar days after the work that consume nobody "
        "(postal transit, waiting for a doctor's opinion).",
    )
    channel: Channel = Field(Channel.NONE, description="counter, mail, phone, online, system, on-site, "
                             "internal or none.")
    paper: bool = Field(False, description="A paper document is written or handled.")
    sheets: int = Field(0, ge=0, le=10_000, description="Sheets of paper used (with `paper`).")
    seal: bool = Field(False, description="A seal (押印) is required.")
    signature: bool = Field(False, description="A handwritten signature (自署) is required.")
    in_person: bool = Field(False, description="The resident must be present (対面/来庁).")
    transcription: bool = Field(False, description="Data is re-typed from one medium to another (転記).")
    cash: bool = Field(False, description="Cash is paid.")
    travel: bool = Field(
        False,
        description="The resident travels to or from an office; the duration is the modelled "
        "round trip, which a simulation scenario's travel time may replace.",
    )
    original_paper: bool = Field(False, description="An original paper document must be presented.")
    legally_required: bool = Field(
        False, description="Law keeps this step as it is (in person, on paper, on site)."
    )
    required_by: str | None = Field(
        None, min_length=1,
        description="The law that requires this step's seal, signature, in-person presence or "
        "original paper, as 法令名 条 (e.g. 介護保険法施行規則83条の6); only such steps are "
        "reported as アナログ規制.")
    attachments: tuple[Attachment, ...] = Field((), description="Documents attached at this step.")
    visit: VisitKind | None = Field(
        None,
        description="How an in-person step meets the resident: `walk-in` (queues at the counter; "
        "the default for in-person steps), `appointment` (a booked slot in office hours, no queue "
        "beyond the slot) or `home` (staff travel to the resident: no resident travel, not a "
        "counter visit).",
    )
    resident: Literal["waits"] | None = Field(
        None,
        description="`waits`: the resident stays (at the counter, or at home for a home visit) "
        "while this step is done, so it belongs to the same visit as the in-person steps around it.",
    )
    replaces: tuple[str, ...] = Field(
        (), description="To-be only: ids of the as-is steps this step takes over."
    )
    rationale: _NonBlank | None = Field(None, description="Why this step is as it is, or why it "
                                       "changed.")
    source: str | None = Field(None, description="Where the duration/delay figures come from, or "
                               "'assumption: ...'.")
    bpmn: str | None = Field(
        None, pattern=BPMN_NOTATION,
        description="How the step is drawn in BPMN when that is not what its kind, channel and "
        "actor give: the element type, and an event definition after ':' "
        "(`businessRuleTask`, `intermediateCatchEvent:timer`, `eventBasedGateway`). Set by "
        "`bpmn import`, used by `bpmn export`; no effect on analysis or simulation.")

    _coerce_duration = field_validator("duration", "delay", mode="before")(_number_is_fixed)

    @field_validator("duration")
    @classmethod
    def _duration_bounded(cls, value: Distribution) -> Distribution:
        _bounded(value, MAX_DURATION_MINUTES, "minutes (one year)")
        return value

    @field_validator("delay")
    @classmethod
    def _delay_bounded(cls, value: Distribution | None) -> Distribution | None:
        _bounded(value, MAX_DELAY_DAYS, "days (ten years)")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Step:
        if self.sheets and not self.paper:
            raise ValueError("`sheets` is set but `paper` is false")
        if self.visit is not None and not self.in_person:
            raise ValueError("`visit` is set but `in_person` is false (only in-person steps are visits)")
        if self.visit is VisitKind.HOME and self.travel:
            raise ValueError("a home visit (`visit: home`) has no resident travel: remove `travel`")
        return self

    @property
    def is_activity(self) -> bool:
        """True for work steps (tasks), false for events and gateways."""
        return self.kind is StepKind.TASK


class Flow(_Strict):
    """A sequence flow from one step to another."""

    source: str = Field(alias="from", description="Id of the step the flow leaves.")
    target: str = Field(alias="to", description="Id of the step the flow enters.")
    probability: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Share of cases taking this flow when several leave an exclusive choice; "
        "must sum to 1 per step. Omitted for a single flow or an and-split.",
    )
    label: str | None = Field(None, description="Condition shown on the arrow, e.g. 不備あり.")
    when: dict[AttributeName, AttributeValue | tuple[AttributeValue, ...]] | None = Field(
        None,
        description="Guard on case attributes: the flow is open only to cases whose attributes "
        "have these values (a value or a list of values per attribute), e.g. "
        "`{channel: online}`. Among the flows open to a case, `probability` still splits it.",
    )


class ChannelChoice(_Strict):
    """Marks the exclusive choice between the online route and the paper/counter route."""

    step: str = Field(description="Id of the choice step.")
    online: str = Field(description="Id of the step the online route starts with.")


class Elimination(_Strict):
    """To-be only: an as-is step that is no longer done, and why."""

    step: _NonBlank = Field(description="Id of the as-is step.")
    rationale: _NonBlank = Field(description="Why it can go (law, 情報連携, ...).")


class ProcedureVersion(_Strict):
    """One version of a procedure: a directed graph of steps."""

    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9\-]*$",
                    description="Procedure id (kebab-case), the same in as-is and to-be.")
    name: str = Field(min_length=1, description="Official Japanese name of the procedure.")
    name_en: str | None = Field(None, description="English name.")
    version: str = Field(min_length=1, description="`as-is`, `to-be` or another label.")
    category: Category = Field(description="childcare, long-term-care, disaster, car or other.")
    legal_basis: str = Field("unconfirmed", description="Article(s) of law, or 'unconfirmed'.")
    annual_volume: float = Field(ge=0, le=MAX_ANNUAL_VOLUME,
                                 description="Applications per year in the reference "
                                 "municipality (100,000 residents); at most 10,000,000.")
    volume_source: str = Field(min_length=1, description="Source of the volume, or 'assumption: ...'.")
    seasonality: tuple[Annotated[float, Field(ge=0, le=MAX_SEASONALITY_WEIGHT)], ...] | None = Field(
        None, description="12 monthly weights, January first, each at most 1,000,000; they are "
        "normalised to mean 1."
    )
    description: str | None = Field(None, description="Free text for readers.")
    actors: tuple[Actor, ...] = Field(min_length=1, description="Participants (swimlanes).")
    steps: tuple[Step, ...] = Field(min_length=2, description="Steps, in reading order.")
    flows: tuple[Flow, ...] = Field(min_length=1, description="Sequence flows between steps.")
    attributes: dict[AttributeName, dict[AttributeValue, Annotated[float, Field(ge=0, le=1)]]] = Field(
        default_factory=dict,
        description="Case attributes drawn once per case at arrival, independently: for each "
        "attribute its values and their probabilities (summing to 1), e.g. "
        "`channel: {online: 0.6, counter: 0.4}`. Flows are guarded by them with `when`. The "
        "attribute `channel` with the value `online` is what a scenario's online share overrides.",
    )
    channel_choice: ChannelChoice | None = Field(
        None, description="The online-or-paper choice a scenario may override (to-be)."
    )
    eliminated: tuple[Elimination, ...] = Field(
        (), description="To-be only: as-is steps no longer done, each with a rationale."
    )
    sources: tuple[Source, ...] = Field(
        (), description="Published sources of the volume and of dated assumptions of the model "
        "(publisher, title, year, what was taken), for reports to cite.")

    @field_validator("attributes")
    @classmethod
    def _attribute_distributions(cls, value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        combinations = 1
        for name, values in value.items():
            if not values:
                raise ValueError(f"attribute '{name}' has no values")
            total = sum(values.values())
            if abs(total - 1.0) > 1e-6:
                raise ValueError(f"the probabilities of attribute '{name}' sum to {total:.6g}, not 1")
            combinations *= len(values)
        if combinations > MAX_ATTRIBUTE_COMBINATIONS:
            raise ValueError(f"{combinations} attribute combinations: at most "
                             f"{MAX_ATTRIBUTE_COMBINATIONS} are allowed")
        return value

    @field_validator("seasonality")
    @classmethod
    def _twelve_months(cls, value: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if value is None:
            return value
        if len(value) != 12:
            raise ValueError(f"seasonality needs 12 monthly weights, got {len(value)}")
        if any(w < 0 for w in value) or sum(value) <= 0:
            raise ValueError("seasonality weights must be >= 0 and not all 0")
        return value

    # Convenience look-ups. The model is frozen, so the indexes are built once on first use
    # and kept in the instance's ``__dict__`` beside the fields (not a field: never dumped,
    # hashed or compared; see :class:`_Lookup`).
    def _lookup(self) -> _Lookup:
        lookup = self.__dict__.get("_lookup_index")
        if lookup is None or not lookup.indexes(self):
            lookup = _Lookup(self)
            # Written past the frozen __setattr__ on purpose: a cache, not model state.
            self.__dict__["_lookup_index"] = lookup
        return lookup

    def __getstate__(self) -> dict[Any, Any]:
        # Pickles (process pools) carry the fields only; the indexes are rebuilt on demand.
        state = super().__getstate__()
        if "_lookup_index" in state["__dict__"]:
            state["__dict__"] = {k: v for k, v in state["__dict__"].items() if k != "_lookup_index"}
        return state

    def step(self, step_id: str) -> Step:
        """Return the step with ``step_id``.

        Raises:
            KeyError: no such step.
        """
        try:
            return self._lookup().steps[step_id]
        except KeyError:
            raise KeyError(step_id) from None

    def actor(self, actor_id: str) -> Actor:
        """Return the actor with ``actor_id``.

        Raises:
            KeyError: no such actor.
        """
        try:
            return self._lookup().actors[actor_id]
        except KeyError:
            raise KeyError(actor_id) from None

    def outgoing(self, step_id: str) -> list[Flow]:
        """Flows leaving ``step_id`` in file order (a new list each call)."""
        return list(self._lookup().outgoing.get(step_id, ()))

    def incoming(self, step_id: str) -> list[Flow]:
        """Flows entering ``step_id`` in file order (a new list each call)."""
        return list(self._lookup().incoming.get(step_id, ()))

    @property
    def start(self) -> Step:
        """The start step (validated models have exactly one)."""
        return next(s for s in self.steps if s.kind is StepKind.START)


class _Lookup:
    """Indexes of one :class:`ProcedureVersion`, each built on first use: steps and actors by
    id (the first of a duplicated id, as a scan in file order finds it) and flows by source
    and by target in file order.

    It remembers the tuples it indexes: ``model_copy(update=...)`` copies the instance's
    ``__dict__`` and with it this object, so a copy with other steps, flows or actors
    rebuilds its own instead of using a stale one. Equality is identity, so two models that
    both hold one still compare by their fields only.
    """

    __slots__ = ("_actors", "_flows", "_steps", "source")

    def __init__(self, model: ProcedureVersion) -> None:
        self.source = (model.steps, model.flows, model.actors)
        self._steps: dict[str, Step] | None = None
        self._actors: dict[str, Actor] | None = None
        self._flows: tuple[dict[str, list[Flow]], dict[str, list[Flow]]] | None = None

    def indexes(self, model: ProcedureVersion) -> bool:
        """True when built from ``model``'s current steps, flows and actors."""
        steps, flows, actors = self.source
        return steps is model.steps and flows is model.flows and actors is model.actors

    @property
    def steps(self) -> dict[str, Step]:
        if self._steps is None:
            self._steps = {}
            for step in reversed(self.source[0]):  # the first of a duplicated id wins
                self._steps[step.id] = step
        return self._steps

    @property
    def actors(self) -> dict[str, Actor]:
        if self._actors is None:
            self._actors = {}
            for actor in reversed(self.source[2]):
                self._actors[actor.id] = actor
        return self._actors

    @property
    def outgoing(self) -> dict[str, list[Flow]]:
        return self._flow_indexes()[0]

    @property
    def incoming(self) -> dict[str, list[Flow]]:
        return self._flow_indexes()[1]

    def _flow_indexes(self) -> tuple[dict[str, list[Flow]], dict[str, list[Flow]]]:
        if self._flows is None:
            outgoing: dict[str, list[Flow]] = {}
            incoming: dict[str, list[Flow]] = {}
            for flow in self.source[1]:
                outgoing.setdefault(flow.source, []).append(flow)
                incoming.setdefault(flow.target, []).append(flow)
            self._flows = (outgoing, incoming)
        return self._flows
