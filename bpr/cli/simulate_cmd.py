"""``tetsuzuki simulate``: a year of applications through a procedure, in this process."""

from __future__ import annotations

import importlib.resources
import json
import math
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bpr.cli.app import app
from bpr.cli.output import Format, emit, say
from bpr.errors import SimulationError
from bpr.model.load import iter_model_files, load_procedure
from bpr.render.text import json_safe
from models.procedure import ProcedureVersion

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from bpr.sim import Estimate, ReplicationResult, Scenario, Summary


__all__ = [
    "MAX_UNFINISHED_SHARE",
    "check_scenario",
    "city_models",
    "comparison_rows",
    "default_scenario",
    "model_files",
    "paired_heading",
    "scenarios_for",
    "simulate",
    "strict_json",
    "unfinished_report",
]

MAX_UNFINISHED_SHARE = 0.01
"""Default of ``--max-unfinished-share``: the share of the observed period's cases that may
never finish before ``simulate`` exits 1 (see :func:`unfinished_report`)."""

_VERSION_ORDER = {"as-is": 0, "to-be": 1}


def default_scenario() -> Scenario:
    """The packaged ``procedures/scenarios/default.yaml``."""
    from bpr.sim import load_scenario

    resource = importlib.resources.files("procedures") / "scenarios" / "default.yaml"
    with importlib.resources.as_file(resource) as path:
        return load_scenario(path)


def model_files(target: Path) -> list[Path]:
    """The model files to simulate: the file itself, or the versions in a procedure folder
    (as-is first, then to-be, then others by name).

    Raises:
        SimulationError: the folder holds no model file.
    """
    if not target.is_dir():
        return [target]
    files = [f for f in iter_model_files([target]) if f.parent == target]
    if not files:
        raise SimulationError(f"no model files in {target}")
    return sorted(files, key=lambda f: (_VERSION_ORDER.get(f.stem, 2), f.name))


def _cell(e: Estimate | None) -> str:
    """``mean ± half-width``; blank when the mean is undefined (e.g. no case finished)."""
    if e is None or e.mean is None or not math.isfinite(e.mean):
        return ""
    digits = 3 if abs(e.mean) < 10 else 1
    text = f"{e.mean:,.{digits}f}"
    return text + (f" ± {e.half_width:,.{digits}f}" if e.half_width is not None else "")


def _change(a: Estimate | None, b: Estimate | None) -> str:
    if a is None or b is None or a.mean is None or b.mean is None or not a.mean \
            or not math.isfinite(a.mean) or not math.isfinite(b.mean):
        return ""
    return f"{(b.mean - a.mean) / abs(a.mean):+.0%}"


def strict_json(payload: Any) -> str:
    """``payload`` as JSON text with no NaN or Infinity tokens (which are not JSON).

    Raises:
        SimulationError: a non-finite number slipped into the payload (a bug: undefined
            statistics are ``None``).
    """
    try:
        return json_safe(json.dumps(payload, ensure_ascii=False, indent=2, allow_nan=False)) + "\n"
    except ValueError as exc:
        raise SimulationError(f"internal error: a result is not a finite number ({exc})") from None


def comparison_rows(summaries: list[Summary],
                    paired: dict[str, Estimate] | None = None) -> list[dict[str, Any]]:
    """One row per metric with each version's mean ± 95% half-width side by side and, for
    two versions, the relative change of the second against the first and, when given,
    the paired difference (second − first) with its own 95% half-width."""
    from bpr.sim import METRICS

    names: list[str] = []
    for s in summaries:
        names += [k for k in s.metrics if k not in names]
    ordered = [k for k in METRICS if k in names] + [k for k in names if k not in METRICS]
    rows = []
    for name in ordered:
        row: dict[str, Any] = {"metric": name}
        for s in summaries:
            row[s.version] = _cell(s.metrics.get(name))
        if len(summaries) == 2:
            row["change"] = _change(*(s.metrics.get(name) for s in summaries))
            if paired is not None:
                row[paired_heading(summaries[0].version, summaries[1].version)] = \
                    _cell(paired.get(name))
        rows.append(row)
    return rows


def paired_heading(first: str, second: str) -> str:
    """The column heading of paired differences, e.g. ``to-be − as-is (paired)``."""
    return f"{second} − {first} (paired)"


def scenarios_for(scenario: Scenario, models: list[ProcedureVersion]) -> list[Scenario]:
    """The scenario each model is simulated under: the online share applies to versions
    with a ``channel`` attribute (or a legacy channel choice) only; an ``auto`` warm-up
    and drain are chosen for all the models together (:mod:`bpr.sim.periods`).

    When the scenario sets an online share and some of several versions have no channel
    (a paper as-is beside an online to-be), the share applies to the others only, and a
    note on standard error says so.

    Raises:
        ScenarioError: the scenario sets an online share and no version can take it
            (names the version).
    """
    from bpr.sim.compiled import channel_kind, online_share_of
    from bpr.sim.periods import resolve_periods

    # One warm-up and drain for all the versions: they are compared on the same applicants.
    scenario = resolve_periods(scenario, models)
    if scenario.online_share is None:
        return [scenario] * len(models)
    takes = [channel_kind(m) is not None for m in models]
    if not any(takes) or len(models) == 1:
        for model in models:
            online_share_of(model, scenario)  # raises, naming the version
    without = scenario.model_copy(update={"online_share": None})
    skipped = [m for m, t in zip(models, takes, strict=True) if not t]
    if skipped:
        say(f"note: the online share {scenario.online_share:g} applies to "
              f"{', '.join(m.version for m, t in zip(models, takes, strict=True) if t)} only; "
              f"{', '.join(f'{m.id} ({m.version})' for m in skipped)} has no channel attribute "
              "and keeps its own routes", file=sys.stderr)
    return [scenario if t else without for t in takes]


def check_scenario(scenario: Scenario, models: list[ProcedureVersion]) -> None:
    """Check the scenario against the models and the catalog before simulating.

    The burst's procedure ids must be catalog procedures (or the models' own ids), and
    headcount overrides must name pools of every model. A burst that applies to none of
    the models is noted on standard error.

    Raises:
        ScenarioError: a mistake, located in the scenario file.
    """
    from bpr.sim.compiled import check_fits

    if scenario.burst is not None and scenario.burst.procedures:
        from bpr.model.catalog import load_catalog

        known = {e.id for e in load_catalog().procedures} | {m.id for m in models}
        scenario.check_procedures(known)
        if not any(m.id in scenario.burst.procedures for m in models):
            say(f"note: the burst of scenario '{scenario.name}' applies to "
                  f"{', '.join(scenario.burst.procedures)} only, not to "
                  f"{', '.join(sorted({m.id for m in models}))}", file=sys.stderr)
    for model in models:
        check_fits(model, scenario)


def unfinished_report(results: Sequence[ReplicationResult], max_share: float,
                      drain_days: int, *, low_exit_loop: bool = False) -> tuple[str | None, bool]:
    """Judge the cases of the observed period that did not finish.

    Every case of the observed period had at least ``drain_days`` after it to finish; the
    engine counts those still open when it stopped (``unfinished``) and, among them, those
    that can never finish because every branch waits at an and-join (``stuck``). A sound
    model with a long-tailed lead time legitimately leaves a few cases open (the catalog's
    largest share is 3.5%, a payment loop), so the share judged is:

    * the stuck cases, always;
    * all unfinished cases when the model has a loop that is almost never left
      (``low_exit_loop``, see :mod:`bpr.analysis.soundness`): those cases never finish
      either.

    Args:
        results: the replications of one procedure version.
        max_share: the largest acceptable share of cases that never finish.
        drain_days: the scenario's drain period (named in the message).
        low_exit_loop: the model has a loop whose exit probability is below 1/1,000.

    Returns:
        (the line to print on standard error, or ``None`` when every case finished; whether
        the share judged is above ``max_share``).
    """
    if not results:
        return None, False
    n = len(results)
    arrived = sum(r.metrics.get("arrived") or 0.0 for r in results) / n * results[0].years
    unfinished = sum(r.metrics.get("unfinished") or 0.0 for r in results) / n
    stuck = sum(r.metrics.get("stuck") or 0.0 for r in results) / n
    if unfinished <= 0 or arrived <= 0:
        return None, False
    judged = unfinished if low_exit_loop else stuck
    too_many = judged / arrived > max_share
    name = f"{results[0].procedure} {results[0].version}"
    why = []
    if stuck:
        why.append(f"{stuck:,.1f} ({stuck / arrived:.1%}) stuck for ever: every branch waits at an "
                   "and-join")
    if low_exit_loop:
        why.append("the model has a loop that is almost never left")
    because = f" — {'; '.join(why)}" if why else " (long lead times; a longer drain_days " \
        "lets them finish)"
    limit = (f"; more than --max-unfinished-share {max_share:.1%} never finish, check the model "
             "with `tetsuzuki validate`") if too_many else ""
    return (f"{'error' if too_many else 'warning'}: {name}: {unfinished:,.1f} of {arrived:,.1f} "
            f"cases per replication ({unfinished / arrived:.1%}) did not finish within the "
            f"{drain_days} drain days after the observed period{because}{limit}"), too_many


def _advance(progress: Progress, task: TaskID, _replication: int) -> None:
    progress.advance(task)


@app.command()
def simulate(
    target: Annotated[Path | None, typer.Argument(
        help="A model file, or a procedure folder (as-is and to-be side by side); with --city, "
        "the folder of procedures making up the city (default: the built-in catalog).",
        exists=True, show_default=False)] = None,
    scenario_file: Annotated[Path | None, typer.Option(
        "--scenario", help="Scenario YAML (default: procedures/scenarios/default.yaml).",
        exists=True, dir_okay=False)] = None,
    online_share: Annotated[float | None, typer.Option(
        help="Share of applications made online: overrides the scenario and the probability of "
        "the `channel: online` case attribute (or the legacy channel choice). A version without a "
        "channel is an error; in a folder, the share applies to the versions that have one.",
        min=0.0, max=1.0)] = None,
    replications: Annotated[int | None, typer.Option(
        help="Number of replications.", min=1, max=10_000,
        show_default="the scenario's replications, 10 in default.yaml")] = None,
    years: Annotated[float | None, typer.Option(
        help="Years observed (365 days each).", min=0.01, max=100,
        show_default="the scenario's horizon_days / 365, 1 in default.yaml")] = None,
    seed: Annotated[int | None, typer.Option(help="Base random seed.", min=0)] = None,
    fmt: Annotated[Format, typer.Option("--format", help="table or json (markdown, csv too).")]
    = Format.TABLE,
    city_file: Annotated[Path | None, typer.Option(
        "--city", help="City scenario YAML (e.g. procedures/scenarios/city.yaml): simulate every "
        "procedure's as-is, then to-be, through the city's shared pools in one event loop; "
        "monthly arrivals, counter waiting, utilisation per pool and backlog, paired.",
        exists=True, dir_okay=False)] = None,
    max_unfinished_share: Annotated[float, typer.Option(
        help="Exit 1 when a larger share of the observed period's cases never finishes: stuck "
        "at an and-join, or caught in a loop almost never left (unfinished after the drain "
        "period).", min=0.0, max=1.0)] = MAX_UNFINISHED_SHARE,
    workers: Annotated[int, typer.Option(
        help="Processes for the replications; 0: one per CPU when the expected work is large "
        "enough to be worth starting them (results are identical either way).", min=0,
        max=256)] = 0,
) -> None:
    """Simulate applications through a procedure and show each metric's mean and 95% CI; for
    a folder's two versions also the paired difference (same applicants in each replication).

    Cases of the observed period still open after the drain period are reported on standard
    error; when more than ``--max-unfinished-share`` of them can never finish (see
    :func:`unfinished_report`) the command exits 1 after showing the results."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from bpr.analysis.soundness import FindingKind, check_soundness
    from bpr.cli.parallel_sim import run_replications, workers_for
    from bpr.model.lineage import load_pair
    from bpr.sim import load_scenario, paired_differences, summarise
    from bpr.sim.periods import resolve_periods

    if city_file is not None:
        _simulate_city(city_file, target, replications, years, seed, fmt)
        return
    if target is None:
        raise SimulationError("give a model file or a procedure folder to simulate (or --city)")
    scenario = load_scenario(scenario_file) if scenario_file else default_scenario()
    scenario = scenario.with_overrides(
        online_share=online_share, replications=replications, seed=seed,
        horizon_days=max(1, round(years * 365)) if years is not None else None)
    files = model_files(target)
    if target.is_dir() and [f.stem for f in files[:2]] == ["as-is", "to-be"]:
        # A procedure folder's pair is checked as `validate` and `diff` check it (same
        # procedure, labels, lineage), so its two columns always compare one procedure.
        models: list[ProcedureVersion] = [*load_pair(files[0], files[1])]
        models += [load_procedure(f) for f in files[2:]]
    else:
        models = [load_procedure(f) for f in files]
    check_scenario(scenario, models)
    scenario = resolve_periods(scenario, models)  # `auto` periods: the numbers shown and used
    per_model = scenarios_for(scenario, models)
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=Console(stderr=True),
                        disable=fmt is not Format.TABLE)
    summaries: list[Summary] = []
    batches: list[list[ReplicationResult]] = []
    verdicts: list[tuple[str | None, bool]] = []
    with progress:
        for model, model_scenario in zip(models, per_model, strict=True):
            task = progress.add_task(f"{model.id} {model.version}", total=scenario.replications)
            cases = model.annual_volume * (model_scenario.horizon_days + model_scenario.warmup
                                           ) / 365
            results = run_replications(
                model, model_scenario, range(scenario.replications),
                workers_for(workers, scenario.replications, cases),
                progress=partial(_advance, progress, task))
            batches.append(results)
            summaries.append(summarise(results))
            loops = any(f.kind is FindingKind.LOW_EXIT_LOOP
                        for f in check_soundness(model).findings)
            verdicts.append(unfinished_report(results, max_unfinished_share,
                                              model_scenario.drain, low_exit_loop=loops))
    paired = paired_differences(batches[0], batches[1]) if len(batches) == 2 else None
    _report_unfinished(verdicts)
    if fmt is Format.JSON:
        payload: dict[str, Any] = {
            "scenario": scenario.model_dump(mode="json"),
            "summaries": [s.model_dump(mode="json") for s in summaries]}
        if paired is not None:
            payload["paired_differences"] = {
                "first": models[0].version, "second": models[1].version,
                "metrics": {k: v.model_dump(mode="json") for k, v in paired.items()}}
        sys.stdout.write(strict_json(payload))
    else:
        title = (f"{models[0].name} ({models[0].id}) — scenario {scenario.name}, "
                 f"{scenario.start} + {scenario.horizon_days} days (after a warm-up of "
                 f"{scenario.warmup_days} days), {scenario.replications} "
                 "replications, mean ± 95% CI half-width")
        estimated = sorted({s.percentiles for s in summaries} - {"exact"})
        if estimated:  # more values than kept exactly (bpr.sim.quantiles)
            title += f"; percentiles from a {', '.join(estimated)}"
        emit(comparison_rows(summaries, paired), fmt, title=title)
    if any(too_many for _, too_many in verdicts):
        raise typer.Exit(1)


def _report_unfinished(verdicts: list[tuple[str | None, bool]]) -> None:
    for line, _ in verdicts:
        if line is not None:
            say(line, file=sys.stderr)


def city_models(folder: Path) -> tuple[list[ProcedureVersion], list[ProcedureVersion]]:
    """The as-is and the to-be of every procedure folder under ``folder`` (a procedure
    with only one of them contributes that one to both sides: it is unchanged).

    Raises:
        SimulationError: no procedure found.
    """
    pairs: dict[Path, dict[str, Path]] = {}
    for f in iter_model_files([folder]):
        if f.stem in ("as-is", "to-be"):
            pairs.setdefault(f.parent, {})[f.stem] = f
    if not pairs:
        raise SimulationError(f"no as-is or to-be model files under {folder}")
    as_is, to_be = [], []
    for files in (pairs[k] for k in sorted(pairs)):
        first = load_procedure(files.get("as-is") or files["to-be"])
        as_is.append(first)
        to_be.append(load_procedure(files["to-be"]) if "to-be" in files else first)
    return as_is, to_be


def _simulate_city(city_file: Path, target: Path | None, replications: int | None,
                   years: float | None, seed: int | None, fmt: Format) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from bpr.sim.city import (
        CITY_MEASURES,
        city_paired_differences,
        city_summary,
        load_city_scenario,
        simulate_city_replication,
    )

    city = load_city_scenario(city_file)
    scenario = city.scenario.with_overrides(
        replications=replications, seed=seed,
        horizon_days=max(1, round(years * 365)) if years is not None else None)
    city = city.model_copy(update={"scenario": scenario})
    folder = target
    if folder is None:
        resource = importlib.resources.files("procedures")
        with importlib.resources.as_file(resource) as path:
            folder = Path(path)
    as_is_models, to_be_models = city_models(folder)
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=Console(stderr=True),
                        disable=fmt is not Format.TABLE)
    runs: dict[str, list[Any]] = {}
    with progress:
        for label, models in (("as-is", as_is_models), ("to-be", to_be_models)):
            task = progress.add_task(f"city {city.name} {label}", total=scenario.replications)
            runs[label] = []
            for r in range(scenario.replications):
                runs[label].append(simulate_city_replication(models, city, r, label))
                progress.advance(task)
    first, second = city_summary(runs["as-is"]), city_summary(runs["to-be"])
    paired = city_paired_differences(runs["as-is"], runs["to-be"])
    if fmt is Format.JSON:
        sys.stdout.write(strict_json({
            "city": city.model_dump(mode="json"),
            "procedures": [m.id for m in as_is_models],
            "measures": CITY_MEASURES,
            "as-is": {k: v.model_dump(mode="json") for k, v in first.items()},
            "to-be": {k: v.model_dump(mode="json") for k, v in second.items()},
            "paired_differences": {k: v.model_dump(mode="json") for k, v in paired.items()},
            "percentiles": _city_percentiles(runs)}))
        return
    rows = []
    for key in first:
        measure, month = key.split("@")
        rows.append({"month": month, "measure": measure, "as-is": _cell(first.get(key)),
                     "to-be": _cell(second.get(key)),
                     paired_heading("as-is", "to-be"): _cell(paired.get(key))})
    rows.sort(key=lambda row: (row["month"], list(first).index(f"{row['measure']}@{row['month']}")))
    title = (f"City {city.name}: {len(as_is_models)} procedures, {scenario.start} + "
             f"{scenario.horizon_days} days, {scenario.replications} replications, mean ± 95% CI "
             "half-width; paired: the same applicants in both versions")
    if _city_percentiles(runs) != "exact":  # more values than kept exactly (bpr.sim.quantiles)
        title += f"; percentiles from a {_city_percentiles(runs)}"
    emit(rows, fmt, title=title)


def _city_percentiles(runs: dict[str, list[Any]]) -> str:
    """How the city's percentiles were computed: ``exact`` if in every replication."""
    return next((r.percentiles for rs in runs.values() for r in rs if r.percentiles != "exact"),
                "exact")
