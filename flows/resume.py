"""The parameters of a simulation run: recorded in full at creation, taken back on resume.

A run stores everything that decides its results: procedures, online shares,
replications, years, seed, the scenario (file and content hash), the batching target and
a hash of the task plan. ``--resume ID`` takes these from the store. An option given on
the command line that contradicts them is refused (it would mix two different sweeps in
one run), and so is a catalog or scenario that changed since the run started (its task
plan would differ). Options that do not change results (workers, task runner) may differ.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from bpr.errors import TetsuzukiError

__all__ = ["RESULT_OPTIONS", "ResumeError", "plan_hash", "resolve_options", "scenario_hash"]

RESULT_OPTIONS = ("procedures", "online_shares", "replications", "years", "seed",
                  "scenario_file", "target_cases_per_task")
"""Options that decide a simulation run's results (and so cannot change on resume)."""

_FLAGS = {"procedures": "--procedure", "online_shares": "--online-share",
          "replications": "--replications", "years": "--years", "seed": "--seed",
          "scenario_file": "--scenario", "target_cases_per_task": "--target-cases-per-task"}


class ResumeError(TetsuzukiError):
    """A run cannot be resumed with the options or catalog given."""


def _normal(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "procedures":
        return sorted(value)
    if name == "online_shares":
        return [float(v) for v in value]
    if name == "years":
        return float(value)
    return value


def resolve_options(given: dict[str, Any], defaults: dict[str, Any],
                    stored: dict[str, Any] | None, run_id: int | None) -> dict[str, Any]:
    """The options a run uses.

    Args:
        given: options as given by the user; ``None`` means not given.
        defaults: the value of each option when neither given nor stored.
        stored: the parameters stored with the run being resumed, or None for a new run.
        run_id: the run being resumed (for messages).

    Raises:
        ResumeError: resuming, an option was given that differs from the run's own, or the
            run was recorded without its full parameters (by an older tetsuzuki).
    """
    if stored is None:
        return {name: _normal(name, given[name]) if given.get(name) is not None
                else _normal(name, defaults.get(name)) for name in RESULT_OPTIONS}
    missing = [n for n in (*RESULT_OPTIONS, "scenario_sha256", "plan_sha256") if n not in stored]
    if missing:
        raise ResumeError(f"run {run_id} was recorded without its full parameters "
                          f"({', '.join(missing)} missing): it cannot be resumed exactly; "
                          "start a new run")
    conflicts = []
    for name in RESULT_OPTIONS:
        value = _normal(name, given.get(name))
        if value is not None and value != stored[name]:
            conflicts.append(f"{_FLAGS[name]} {_show(value)} (the run has {_show(stored[name])})")
    if conflicts:
        raise ResumeError(f"run {run_id} is resumed with its own options; these contradict "
                          f"them: {'; '.join(conflicts)}. Leave them out, or start a new run")
    return {name: stored[name] for name in RESULT_OPTIONS}


def _show(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value) if value else "(none)"
    return "(all)" if value is None else str(value)


def plan_hash(keys: Sequence[tuple[str, str, int, Sequence[int]]]) -> str:
    """SHA-256 of a task plan: (version hash, scenario, batch, replications) per task."""
    text = json.dumps(sorted([k[0], k[1], k[2], list(k[3])] for k in keys),
                      separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def scenario_hash(scenario_json: str) -> str:
    """SHA-256 of a scenario's JSON form (after the run's overrides)."""
    return hashlib.sha256(scenario_json.encode()).hexdigest()
