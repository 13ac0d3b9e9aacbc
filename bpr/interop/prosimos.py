"""Prosimos models: export a procedure and scenario, import a Prosimos/Simod model.

A Prosimos model is a BPMN file with plain tasks, gateways and events, plus a JSON file
of simulation parameters in seconds (arrival distribution and calendar, resource pools
and calendars, task durations per resource, branching probabilities, event durations).

Export choices (each listed in :attr:`ProsimosExport.warnings` when it applies):

* each actor is a resource pool; staff and approvers get ``headcount`` members on the
  scenario's office calendar, unlimited actors (resident, system, external)
  :data:`UNLIMITED_AMOUNT` members on an always-open calendar;
* several end steps are merged into one end event after an exclusive merge gateway
  (Prosimos 2.1.0 supports one end event);
* a step's ``delay`` becomes a timer intermediate event after it, with the delay as the
  event's duration (elapsed time, no resource);
* triangular durations, which Prosimos does not read, become a normal distribution with
  the same mean and standard deviation truncated to [low, high];
* arrivals are Poisson at the annual volume's mean rate at any hour: Prosimos has no
  hourly profile or seasonality, and no public holidays in its calendars;
* the scenario's online share and travel time replace the model's, as in our engine (a
  share the version has no ``channel`` attribute or channel choice for is refused, as by
  the simulation);
* case attributes do not exist in Prosimos: a choice guarded by them (``when``) branches
  with its marginal probabilities over the attribute distribution (see :func:`_marginals`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from bpr.errors import InvalidModelError, Problem, TetsuzukiError
from bpr.interop.bpmn.bpmn_import import BPMN_NS, TASK_TYPES, import_bpmn_bytes
from bpr.interop.bpmn.extension import TZ_NS, encode_value
from bpr.interop.bpmn.names import bpmn_id
from bpr.interop.bpmn.secure_xml import parse_xml_file
from bpr.interop.prosimos_json import DistributionSpec, Period, read_parameters
from bpr.model.attributes import (
    CHANNEL_ATTRIBUTE,
    attribute_combinations,
    guard_admits,
    routing_attributes,
    with_online_share,
)
from bpr.sim.compiled import online_share_of
from bpr.sim.scenario import OfficeHours, Scenario
from models.procedure import (
    ActorKind,
    Channel,
    Distribution,
    Exponential,
    Fixed,
    LogNormal,
    ProcedureVersion,
    StepKind,
    Triangular,
    Uniform,
)

__all__ = [
    "MERGED_END_ID",
    "UNLIMITED_AMOUNT",
    "ProsimosExport",
    "ProsimosImport",
    "export_prosimos",
    "import_prosimos",
    "prosimos_distribution",
    "scenario_yaml",
]

UNLIMITED_AMOUNT = 100
"""Pool size standing for an actor of unlimited capacity (resident, system, external)."""

MERGED_END_ID = "End_merged"
"""Id of the merge gateway before the single end event when a model has several ends."""

_DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
_ALWAYS = [{"from": "MONDAY", "to": "SUNDAY", "beginTime": "00:00:00", "endTime": "23:59:59"}]
_YEAR_S = 365 * 86400.0


@dataclass(frozen=True)
class ProsimosExport:
    """The two files of a Prosimos model and what could not be represented."""

    bpmn: bytes
    parameters: dict[str, Any]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProsimosImport:
    """A procedure version and scenario read from a Prosimos model."""

    model: ProcedureVersion
    scenario: Scenario
    warnings: tuple[str, ...] = field(default_factory=tuple)


def _param(*values: float) -> list[dict[str, float]]:
    return [{"value": float(v)} for v in values]


def prosimos_distribution(dist: Distribution, scale: float) -> dict[str, Any]:
    """A Prosimos distribution (``distribution_name`` and ``distribution_params``).

    Args:
        dist: our distribution.
        scale: seconds per unit (60 for minutes, 86400 for days).

    Returns:
        The Prosimos dictionary; triangular becomes a truncated normal with equal mean
        and standard deviation.
    """
    if isinstance(dist, Fixed):
        return {"distribution_name": "fix", "distribution_params": _param(dist.value * scale)}
    if isinstance(dist, Uniform):
        if dist.low == dist.high:
            return {"distribution_name": "fix", "distribution_params": _param(dist.low * scale)}
        return {"distribution_name": "uniform",
                "distribution_params": _param(dist.low * scale, dist.high * scale)}
    if isinstance(dist, Exponential):
        return {"distribution_name": "expon",
                "distribution_params": _param(dist.mean * scale, 0, dist.mean * scale * 50)}
    if isinstance(dist, LogNormal):
        return {"distribution_name": "lognorm",
                "distribution_params": _param(dist.mean * scale, (dist.sd * scale) ** 2, 0,
                                              dist.mean * scale * 50)}
    assert isinstance(dist, Triangular)
    a, c, b = dist.low, dist.mode, dist.high
    sd = math.sqrt((a * a + b * b + c * c - a * b - a * c - b * c) / 18)
    return {"distribution_name": "norm",
            "distribution_params": _param(dist.mean * scale, sd * scale, a * scale, b * scale)}


def _from_prosimos(spec: DistributionSpec, scale: float, warnings: list[str], what: str
                   ) -> Distribution:
    """Our distribution for a checked Prosimos one whose values are in seconds; ``scale`` is
    seconds per unit of the result (60: minutes, 86400: days)."""
    values = [v / scale for v in spec.values]
    if spec.name == "fix":
        return Fixed(value=values[0])
    if spec.name == "uniform":
        if values[0] == values[1]:
            return Fixed(value=values[0])
        return Uniform(dist="uniform", low=values[0], high=values[1])
    mean = values[0]
    if mean == 0:
        return Fixed(value=0)
    if spec.name == "expon":
        if values[1] > 0:
            warnings.append(f"{what}: the minimum of {spec.values[1]:g} s of the exponential is "
                            "not represented; imported as an exponential with the same mean")
        return Exponential.model_validate({"dist": "exponential", "mean": mean})
    # norm: [mean, std, min, max]; lognorm and gamma: [mean, variance, min, max].
    sd = values[1] if spec.name == "norm" else math.sqrt(spec.values[1]) / scale
    if spec.name != "lognorm":
        warnings.append(f"{what}: {spec.name} distribution imported as lognormal with the same "
                        "mean and standard deviation")
    if sd <= 0:
        return Fixed(value=mean)
    return LogNormal.model_validate({"dist": "lognormal", "mean": mean, "sd": sd})


def _calendar(hours: OfficeHours) -> list[dict[str, str]]:
    return [{"from": _DAYS[d], "to": _DAYS[d], "beginTime": f"{hours.open}:00",
             "endTime": "23:59:59" if hours.close == "24:00" else f"{hours.close}:00"}
            for d in sorted(hours.weekdays)]


def _marginals(model: ProcedureVersion, step_id: str) -> dict[tuple[str, str], float]:
    """Marginal probability of each flow leaving ``step_id``, whose flows are guarded:
    P(flow) = Σ over the combinations c of the attributes its guards name of
    P(c) × P(flow | c), where P(flow | c) is the flow's probability when its guard admits c
    (1 when it is the only open flow and has none) and 0 otherwise."""
    flows = model.outgoing(step_id)
    names = [n for n in model.attributes if any(f.when and n in f.when for f in flows)]
    out = {(f.source, f.target): 0.0 for f in flows}
    for combination, weight in attribute_combinations(model, names):
        for flow in flows:
            if guard_admits(flow.when, combination):
                given = 1.0 if flow.probability is None else flow.probability
                out[(flow.source, flow.target)] += weight * given
    return out


def _probabilities(model: ProcedureVersion, scenario: Scenario, warnings: list[str]
                   ) -> dict[tuple[str, str], float]:
    """Probability of each flow leaving a choice, with the scenario's online share.

    Prosimos draws each branch independently of the case, so a choice whose flows are
    guarded by case attributes gets its marginal branching probabilities over the attribute
    distribution (:func:`_marginals`), after the scenario's online share is applied to the
    ``channel`` attribute.
    """
    share = online_share_of(model, scenario) if scenario.online_share is not None else None
    guarded = {f.source for f in model.flows if f.when}
    weights: dict[tuple[str, str], float] = {}
    if guarded:
        routed = model
        if share is not None and CHANNEL_ATTRIBUTE in model.attributes:
            routed = with_online_share(model, share)
        for step_id in guarded:
            weights.update(_marginals(routed, step_id))
    out: dict[tuple[str, str], float] = {}
    for step in model.steps:
        flows = model.outgoing(step.id)
        if len(flows) < 2 or step.kind is StepKind.AND_SPLIT:
            continue
        for flow in flows:
            key = (flow.source, flow.target)
            out[key] = weights[key] if step.id in guarded else flow.probability or 0.0
        choice = model.channel_choice
        if choice is not None and choice.step == step.id and share is not None \
                and step.id not in guarded and CHANNEL_ATTRIBUTE not in model.attributes:
            rest = sum(p for (s, t), p in out.items() if s == step.id and t != choice.online)
            for flow in flows:
                key = (flow.source, flow.target)
                if flow.target == choice.online:
                    out[key] = share
                else:
                    part = out[key] / rest if rest > 0 else 1 / (len(flows) - 1)
                    out[key] = (1 - share) * part
    if guarded:
        names = ", ".join(routing_attributes(model))
        steps = ", ".join(s.id for s in model.steps if s.id in guarded)
        warnings.append(f"case attributes ({names}): Prosimos has none, so the choices guarded "
                        f"by them ({steps}) branch with their marginal probabilities over the "
                        "attribute distribution"
                        + (f" (online share {share:g})" if share is not None else "")
                        + "; one case's choices no longer depend on each other")
    return out


def export_prosimos(model: ProcedureVersion, scenario: Scenario) -> ProsimosExport:
    """Export a procedure version under a scenario as a Prosimos model.

    Args:
        model: a validated procedure version.
        scenario: the simulation conditions (calendar, online share, travel, headcount).

    Returns:
        The BPMN bytes, the JSON parameters (as data) and the approximations made.
    """
    warnings: list[str] = []
    actors = {a.id: a for a in model.actors}
    ids = {s.id: bpmn_id(s.id) for s in model.steps}
    root = etree.Element(f"{{{BPMN_NS}}}definitions", nsmap={None: BPMN_NS, "tz": TZ_NS})
    root.set("id", f"Definitions_{model.id}")
    root.set("targetNamespace", f"urn:tetsuzuki:prosimos:{model.id}")
    process = etree.SubElement(root, f"{{{BPMN_NS}}}process", id=f"Process_{model.id}",
                               isExecutable="false", name=model.name)
    _annotate(process, _model_annotations(model))
    probabilities = _probabilities(model, scenario, warnings)
    params: dict[str, Any] = {"model_type": "CRISP", "resource_profiles": [],
                              "task_resource_distribution": [], "gateway_branching_probabilities": [],
                              "event_distribution": []}
    assigned: dict[str, list[str]] = {a.id: [] for a in model.actors}
    flow_counter = 0
    flows: list[tuple[str, str, str]] = []

    def add_flow(source: str, target: str) -> str:
        nonlocal flow_counter
        flow_counter += 1
        fid = f"Flow_{flow_counter}"
        flows.append((fid, source, target))
        return fid

    exits: dict[str, str] = {}  # step id -> element the step's outgoing flows leave from
    ends = [s for s in model.steps if s.kind is StepKind.END]
    if len(ends) > 1:
        # Prosimos 2.1.0 refuses a process with several end events ("Temporarily not
        # supporting multiple end events"): the flows into each former end go into one
        # exclusive merge gateway before a single end event. A case still ends as soon as
        # it reaches any of them, so probabilities and lead times are unchanged.
        merge = etree.SubElement(process, f"{{{BPMN_NS}}}exclusiveGateway", id=MERGED_END_ID)
        single = etree.SubElement(process, f"{{{BPMN_NS}}}endEvent", id=f"{MERGED_END_ID}_end",
                                  name=" / ".join(s.name for s in ends))
        add_flow(merge.get("id", ""), single.get("id", ""))
        for end in ends:
            ids[end.id] = MERGED_END_ID
        warnings.append(f"end steps {', '.join(s.id for s in ends)}: merged into one end event "
                        f"({MERGED_END_ID}_end, after the merge gateway {MERGED_END_ID}), as "
                        "Prosimos supports a single end event")
    for step in model.steps:
        sid = ids[step.id]
        outs = model.outgoing(step.id)
        if step.kind is StepKind.START:
            etree.SubElement(process, f"{{{BPMN_NS}}}startEvent", id=sid, name=step.name)
        elif step.kind is StepKind.END:
            if len(ends) == 1:
                etree.SubElement(process, f"{{{BPMN_NS}}}endEvent", id=sid, name=step.name)
            if step.duration.mean > 0:
                warnings.append(f"step {step.id}: duration of an end step is not exported")
        elif step.kind is StepKind.CHOICE:
            etree.SubElement(process, f"{{{BPMN_NS}}}exclusiveGateway", id=sid, name=step.name)
        elif step.kind in (StepKind.AND_SPLIT, StepKind.AND_JOIN):
            etree.SubElement(process, f"{{{BPMN_NS}}}parallelGateway", id=sid, name=step.name)
        else:
            task = etree.SubElement(process, f"{{{BPMN_NS}}}task", id=sid, name=step.name)
            if step.channel is not Channel.NONE:
                _annotate(task, {"channel": step.channel.value})
            actor = actors[step.actor or ""]
            duration: Distribution = step.duration
            if step.travel and scenario.travel_minutes is not None:
                duration = scenario.travel_minutes
            if isinstance(duration, Triangular):
                warnings.append(f"step {step.id}: triangular duration exported as a truncated normal "
                                "with the same mean and standard deviation")
            params["task_resource_distribution"].append({"task_id": sid, "resources": [
                {"resource_id": actor.id, **prosimos_distribution(duration, 60.0)}]})
            assigned[actor.id].append(sid)
        exits[step.id] = sid
        if step.delay is not None and step.kind is not StepKind.END:
            timer = etree.SubElement(process, f"{{{BPMN_NS}}}intermediateCatchEvent",
                                     id=f"{sid}_delay", name=f"{step.name}（待ち）")
            etree.SubElement(timer, f"{{{BPMN_NS}}}timerEventDefinition")
            add_flow(sid, timer.get("id", ""))
            params["event_distribution"].append({"event_id": timer.get("id"),
                                                 **prosimos_distribution(step.delay, 86400.0)})
            exits[step.id] = timer.get("id", "")
        if len(outs) > 1 and (step.kind not in (StepKind.CHOICE, StepKind.AND_SPLIT)
                              or exits[step.id] != sid):
            kind = "parallelGateway" if step.kind is StepKind.AND_SPLIT else "exclusiveGateway"
            gateway = etree.SubElement(process, f"{{{BPMN_NS}}}{kind}", id=f"{sid}_split")
            add_flow(exits[step.id], gateway.get("id", ""))
            exits[step.id] = gateway.get("id", "")
    guarded: dict[str, dict[str, Any]] = {}
    for flow in model.flows:
        fid = add_flow(exits[flow.source], ids[flow.target])
        if flow.when is not None:
            guarded[fid] = {"when": flow.model_dump(mode="json")["when"],
                            "probability": flow.probability}
        key = (flow.source, flow.target)
        if key in probabilities:
            gateway_id = exits[flow.source]
            entry = next((g for g in params["gateway_branching_probabilities"]
                          if g["gateway_id"] == gateway_id), None)
            if entry is None:
                entry = {"gateway_id": gateway_id, "probabilities": []}
                params["gateway_branching_probabilities"].append(entry)
            entry["probabilities"].append({"path_id": fid, "value": probabilities[key]})
    for fid, source, target in flows:
        element = etree.SubElement(process, f"{{{BPMN_NS}}}sequenceFlow", id=fid,
                                   sourceRef=source, targetRef=target)
        if fid in guarded:
            _annotate(element, guarded[fid])

    calendars = [{"id": "office", "name": "office", "time_periods": _calendar(scenario.calendar)},
                 {"id": "always", "name": "always", "time_periods": _ALWAYS}]
    for actor in model.actors:
        limited = actor.kind in (ActorKind.STAFF, ActorKind.APPROVER)
        amount = scenario.headcount.get(actor.id, actor.headcount) if limited else UNLIMITED_AMOUNT
        params["resource_profiles"].append({"id": f"pool_{actor.id}", "name": actor.name,
                                            "resource_list": [{
                                                "id": actor.id, "name": actor.name, "amount": amount,
                                                "cost_per_hour": 0,
                                                "calendar": "office" if actor.works_office_hours
                                                else "always",
                                                "assignedTasks": assigned[actor.id]}]})
    params["resource_calendars"] = calendars
    interarrival = _YEAR_S / model.annual_volume if model.annual_volume > 0 else _YEAR_S
    params["arrival_time_distribution"] = prosimos_distribution(
        Exponential.model_validate({"dist": "exponential", "mean": interarrival}), 1.0)
    params["arrival_time_calendar"] = _ALWAYS
    warnings.append("arrivals: Poisson at the mean annual rate at any hour (no hourly profile, "
                    "seasonality or office-hours-only counter arrivals in Prosimos)")
    if scenario.calendar.public_holidays or scenario.calendar.year_end or scenario.calendar.closed_dates:
        warnings.append("calendar: public holidays, the year-end closure and closed dates are not "
                        "represented (Prosimos calendars are weekly)")
    bpmn = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return ProsimosExport(bpmn, params, tuple(warnings))


def _model_annotations(model: ProcedureVersion) -> dict[str, Any]:
    """What Prosimos has no place for and a round trip must keep: the actors (kind,
    headcount, calendar), the case attributes and the legacy channel choice."""
    out: dict[str, Any] = {"actors": [a.model_dump(mode="json", exclude_none=True)
                                      for a in model.actors]}
    if model.attributes:
        out["attributes"] = model.model_dump(mode="json")["attributes"]
    if model.channel_choice is not None:
        out["channel_choice"] = model.channel_choice.model_dump(mode="json")
    return out


def _annotate(element: etree._Element, values: dict[str, Any]) -> None:
    """Our facts on an element of the Prosimos BPMN, in ``tz:properties`` (Prosimos reads
    no extension elements, and ``prosimos import`` reads them back)."""
    if not values:
        return
    ext = etree.SubElement(element, f"{{{BPMN_NS}}}extensionElements")
    group = etree.SubElement(ext, f"{{{TZ_NS}}}properties")
    for name, value in values.items():
        etree.SubElement(group, f"{{{TZ_NS}}}property", name=name, value=encode_value(value))


def _annotation(element: etree._Element | None, name: str) -> Any:
    """The JSON value of our property ``name`` on ``element``, or None."""
    if element is None:
        return None
    for prop in element.iterfind(f"{{{BPMN_NS}}}extensionElements/{{{TZ_NS}}}properties/"
                                 f"{{{TZ_NS}}}property[@name='{name}']"):
        try:
            return json.loads(prop.get("value") or "null")
        except ValueError:
            return None
    return None


def _hhmm(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _office_hours(periods: tuple[Period, ...], warnings: list[str], what: str) -> OfficeHours | None:
    """Office hours when a calendar is one daily window on some weekdays, else None."""
    windows = {(p.begin, p.end) for p in periods}
    if len(windows) != 1:
        return None
    begin, end = next(iter(windows))
    days: set[int] = set()
    for p in periods:
        days |= set(range(p.first, p.last + 1)) if p.last >= p.first else \
            set(range(p.first, 7)) | set(range(0, p.last + 1))
    close = "24:00" if end >= 86340 else _hhmm(end)
    if begin == 0 and close == "24:00" and len(days) == 7:
        return None
    try:
        return OfficeHours(open=_hhmm(begin), close=close, weekdays=tuple(sorted(days)),
                           public_holidays=False, year_end=False)
    except (ValueError, TetsuzukiError) as exc:
        warnings.append(f"{what}: not read as office hours ({exc}); the lane works at any hour")
        return None


_BPMN_TASKS = tuple(f"{{{BPMN_NS}}}{tag}" for tag in TASK_TYPES)


def import_prosimos(bpmn: str | Path, parameters: str | Path) -> ProsimosImport:
    """Import a Prosimos (or Simod-discovered) model as a procedure version and scenario.

    Resource pools become staff actors (lanes), each task's first resource gives its actor
    and duration, branching probabilities go on the flows, timer event durations become
    the delay of a step, and the arrival rate and the first office-like calendar become
    the annual volume and the scenario's office hours.

    Raises:
        InvalidModelError: a file is refused (the parameter file is checked whole first, see
            :mod:`bpr.interop.prosimos_json`), or the result is not a valid procedure.
    """
    tree = parse_xml_file(bpmn)
    root = tree.getroot()
    process = root.find(f"{{{BPMN_NS}}}process")
    if process is None:
        raise InvalidModelError([Problem(str(bpmn), 0, 0, "no <process> element")])
    task_ids = [str(e.get("id")) for e in process.iter(*_BPMN_TASKS) if e.get("id")]
    params = read_parameters(parameters, task_ids=task_ids)
    warnings: list[str] = list(params.warnings)

    def props(element: etree._Element, values: dict[str, Any]) -> None:
        ext = element.find(f"{{{BPMN_NS}}}extensionElements")
        if ext is None:
            ext = etree.Element(f"{{{BPMN_NS}}}extensionElements")
            element.insert(0, ext)
        group = etree.SubElement(ext, f"{{{TZ_NS}}}properties")
        for name, value in values.items():
            etree.SubElement(group, f"{{{TZ_NS}}}property", name=name, value=encode_value(value))

    by_id = {e.get("id"): e for e in process.iter() if isinstance(e.tag, str) and e.get("id")}
    office: OfficeHours | None = None
    lane_of: dict[str, str] = {}
    for task in params.tasks:
        element = by_id[task.task_id]
        if task.resources > 1:
            warnings.append(f"task {task.task_id}: {task.resources} resources can do it; the "
                            f"first ({task.resource_id}) is its actor and gives its duration")
        duration = _from_prosimos(task.duration, 60.0, warnings, f"task {task.task_id}")
        props(element, {"duration": duration.model_dump(mode="json", by_alias=True)})
        lane_of[task.task_id] = task.resource_id
    for event_id, spec in params.events:
        element = by_id.get(event_id)
        if element is not None:
            delay = _from_prosimos(spec, 86400.0, warnings, f"event {event_id}")
            props(element, {"delay": delay.model_dump(mode="json", by_alias=True)})
    for _gateway, branches in params.gateways:
        for path_id, value in branches:
            element = by_id.get(path_id)
            # A guarded flow of our export keeps its guard and own probability (annotated):
            # the branching probability in the JSON is its marginal.
            if element is not None and value is not None and \
                    _annotation(element, "when") is None:
                props(element, {"probability": value})
    annotated = _annotation(process, "actors")
    known_actors = {a.get("id"): a for a in annotated if isinstance(a, dict)} \
        if isinstance(annotated, list) else {}
    # Lanes: one per resource that does some task.
    lane_set = etree.Element(f"{{{BPMN_NS}}}laneSet", id="LaneSet_prosimos")
    for rid in dict.fromkeys(lane_of.values()):
        resource = params.resources[rid]  # every resource id is in a pool (checked)
        periods = params.calendars.get(resource.calendar or "", ())
        hours = _office_hours(periods, warnings, f"resource {rid}") if periods else None
        if hours is not None and office is None:
            office = hours
        lane = etree.SubElement(lane_set, f"{{{BPMN_NS}}}lane", id=f"Lane_{bpmn_id(rid)}",
                                name=resource.name)
        ours = known_actors.get(rid)
        if ours is not None:
            # Our export's actor: its kind, headcount and calendar as they were (an
            # unlimited actor's pool of 100 is not its headcount).
            props(lane, {k: v for k, v in ours.items() if k != "name"})
        else:
            props(lane, {"id": rid, "kind": "staff", "headcount": resource.amount,
                         "calendar": "always" if hours is None else "office"})
        for tid, owner in lane_of.items():
            if owner == rid:
                etree.SubElement(lane, f"{{{BPMN_NS}}}flowNodeRef").text = tid
    process.insert(0, lane_set)

    if params.arrival.name != "expon":
        warnings.append(f"arrivals: only the mean time between arrivals ({params.arrival.mean:g} s) "
                        f"of the {params.arrival.name} distribution is used (our arrivals are Poisson)")
    props(process, {"annual_volume": params.annual_volume,
                    "volume_source": f"assumption: Prosimos arrival rate in {Path(parameters).name}",
                    "version": "as-is"})
    result = import_bpmn_bytes(etree.tostring(root), str(bpmn))
    # The notes' positions are in the BPMN rebuilt above, not in the user's file: name the
    # element of the user's model instead.
    warnings += [f"{Path(bpmn).name}: {w.element}: {w.message}" for w in result.warnings
                 if "no annual volume" not in w.message]
    warnings += [f"{Path(bpmn).name}: ignored: {w.element}: {w.message}" for w in result.ignored]
    scenario = Scenario(name=f"prosimos-{result.model.id}",
                        description=f"Read from {Path(parameters).name} by tetsuzuki prosimos import.",
                        calendar=office or OfficeHours(public_holidays=False, year_end=False),
                        counter_profile=(1.0,) * 24, online_profile=(1.0,) * 24)
    return ProsimosImport(result.model, scenario, tuple(warnings))


def scenario_yaml(scenario: Scenario) -> str:
    """A scenario as YAML text that :func:`bpr.sim.load_scenario_text` reads back."""
    import io

    from ruamel.yaml import YAML

    data = scenario.model_dump(mode="json", exclude_defaults=True)
    data["name"] = scenario.name
    buf = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = None
    yaml.allow_unicode = True
    yaml.dump(data, buf)
    return buf.getvalue()
