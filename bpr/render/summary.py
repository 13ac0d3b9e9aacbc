"""The report's summary page: the catalog's totals as-is → to-be, the ranking, the city's
year and the provenance of every figure, with its charts.

The figures are those of ``tetsuzuki plan`` (:func:`bpr.planning.catalog_plan.catalog_plan`,
the one computation both call) and ``tetsuzuki rank --no-store``
(:func:`bpr.planning.ranking.rank` with the procedures folder's ``weights.yaml``); the
city's months are those of ``plan``'s peak month (:func:`bpr.planning.catalog_plan.simulate_city_pair`
with the city scenario's seed, fewer replications). Everything is a pure function of the
report's sources and :class:`SummaryOptions`, which the manifest records so that ``verify``
re-derives the same bytes.

Pairs are the report's loaded models, checked as ``plan`` checks them (version labels, lineage,
catalog id and volume: :func:`bpr.model.lineage.pair_problems`,
:func:`bpr.model.lineage.catalog_problems`); a procedure that fails them is left out of
the totals and named on the page (``plan`` refuses the whole catalog instead).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from jinja2 import Environment
from markupsafe import Markup

from bpr.errors import TetsuzukiError
from bpr.i18n import translator
from bpr.model.canonical import content_hash
from bpr.model.catalog import CATALOG_FILE, CatalogEntry
from bpr.model.lineage import catalog_problems, pair_problems, sort_problems
from bpr.planning.catalog_plan import (
    CitySimulation,
    Pair,
    at_online_share,
    catalog_plan,
    monthly_series,
    share_curve,
    simulate_city_pair,
)
from bpr.planning.figures import DEFAULT_FTE_HOURS, FIGURES, FigureSet
from bpr.planning.plan import Plan, peak_month, peak_rows
from bpr.planning.ranking import candidate, rank
from bpr.planning.ranking_rows import rank_rows
from bpr.planning.weights import WEIGHTS_FILE, Weights, load_weights_text
from bpr.render.text import number
from bpr.sim.city import load_city_scenario_text


class SourceLike(Protocol):
    """A source file of the report (:class:`bpr.render.report.SourceFile`)."""

    @property
    def path(self) -> str:
        """Relative to the procedures folder, ``/`` separated."""

    @property
    def data(self) -> bytes:
        """The file's bytes."""

__all__ = ["CITY_FILE", "DEFAULT_CITY_REPLICATIONS", "SETTINGS_FILES", "SHARES", "Summary",
           "SummaryOptions", "build_summary", "chart_caption", "checked_pair", "page_translator",
           "render_summary"]

CITY_FILE = "scenarios/city.yaml"
"""The city scenario the summary simulates, relative to the procedures folder."""

SETTINGS_FILES = (WEIGHTS_FILE, CITY_FILE)
"""Files of the procedures folder besides the catalog and the models that the summary reads
(each a source of the report when present)."""

SHARES = tuple(i / 5 for i in range(6))
"""Online shares of the paper-against-share chart."""

DEFAULT_CITY_REPLICATIONS = 2
"""Paired city replications of the report's monthly chart (a city year of the catalog
takes a few seconds per replication and version)."""

FIGURE_LABELS = {
    "paper_applications": "Paper application forms", "paper_notices": "Paper notices",
    "sheets": "Sheets of paper", "seals": "Seals", "transcriptions": "Re-typings",
    "counter_visits": "Counter visits", "home_visits": "Home visits", "staff_hours": "Staff hours",
    "fte": "Full-time equivalents", "resident_hours": "Resident hours",
}
"""Message ids of the figures' labels (``summary.po``)."""

GROUP_LABELS = {"municipal": "Municipal", "prefectural": "Prefectural", "total": "Total"}

PEAK_LABELS = {"arrivals": "Applications arrived", "counter_wait_mean": "Counter waiting, mean (min)",
               "counter_wait_p90": "Counter waiting, 90th percentile (min)",
               "backlog_end": "Cases open at month end"}

PROCEDURE_FIGURES = ("paper_applications", "paper_notices", "sheets", "seals", "transcriptions",
                     "counter_visits", "staff_hours", "resident_hours")
"""The figures of each procedure's own before/after chart."""


@dataclass(frozen=True)
class SummaryOptions:
    """The settings of the summary page (recorded in the manifest).

    Attributes:
        online_share: share of applications made online in every to-be with an online
            channel; ``None``: each model's own (as ``tetsuzuki plan``).
        city_replications: paired replications of the city simulation; 0 leaves it out.
        fte_hours: working hours of one full-time equivalent per year.
    """

    online_share: float | None = None
    city_replications: int = DEFAULT_CITY_REPLICATIONS
    fte_hours: float = DEFAULT_FTE_HOURS

    def manifest(self) -> dict[str, Any]:
        """The options as the manifest records them."""
        return {"online_share": self.online_share, "city_replications": self.city_replications,
                "fte_hours": self.fte_hours}

    @classmethod
    def from_manifest(cls, recorded: Any) -> SummaryOptions:
        """The options a manifest's ``summary`` recorded (defaults for what it lacks)."""
        data = recorded.get("options") if isinstance(recorded, dict) else None
        if not isinstance(data, dict):
            return cls()
        share = data.get("online_share")
        reps = data.get("city_replications")
        fte = data.get("fte_hours")
        return cls(float(share) if isinstance(share, int | float) and 0 <= share <= 1 else None,
                   int(reps) if isinstance(reps, int) and 0 <= reps <= 1000 else DEFAULT_CITY_REPLICATIONS,
                   float(fte) if isinstance(fte, int | float) and fte > 0 else DEFAULT_FTE_HOURS)


@dataclass(frozen=True)
class Summary:
    """The summary page's template context, its chart files and its manifest record."""

    context: dict[str, Any]
    files: dict[str, bytes]
    manifest: dict[str, Any]
    plan: Plan
    pairs: tuple[Pair, ...] = ()
    excluded: dict[str, str] = field(default_factory=dict)
    pending: dict[str, Callable[[], bytes]] = field(default_factory=dict)
    """Charts still being drawn elsewhere (``build_summary(draw=...)``): path -> a call
    that waits for the bytes; :meth:`chart_files` gives them with :attr:`files`."""

    def chart_files(self) -> dict[str, bytes]:
        """Every chart file of the page, waiting for those drawn elsewhere."""
        return {**self.files, **{path: wait() for path, wait in self.pending.items()}}


ChartDraw = Callable[..., Callable[[], bytes]]
"""``draw(chart_function, *args, **kwargs)`` -> a call that gives the chart's bytes
(:meth:`bpr.render.drawing.Drawings.chart`: drawn in the chart process)."""


def _draw_here(chart: Callable[..., bytes], *args: Any, **kwargs: Any) -> Callable[[], bytes]:
    data = chart(*args, **kwargs)
    return lambda: data


def page_translator() -> Callable[[str], str]:
    """The page's Japanese: ``summary.po`` first (its wording wins over another catalog's
    for a shared id such as "Counter visits"), the other catalogs for the rest."""
    return translator("ja", "summary")


def checked_pair(entry: CatalogEntry | None, as_is_file: str, to_be_file: str, as_is: Any, to_be: Any
                 ) -> tuple[Pair | None, str | None]:
    """A catalog procedure's pair for the summary, checked as ``plan`` checks it (version
    labels, lineage, catalog id and volume), or why it is left out of the totals (``None``,
    ``None`` for a procedure the catalog does not list or that lacks a version).

    Args:
        entry: the procedure's catalog entry, if the catalog lists it.
        as_is_file: the as-is file's path in the procedures folder (named in problems).
        to_be_file: the same for the to-be.
        as_is: its loaded as-is (the report's loaded version: ``model``, ``located``,
            ``errors``), or ``None``.
        to_be: the same for the to-be.
    """
    if entry is None or as_is is None or to_be is None:
        return None, None
    if as_is.model is None or to_be.model is None or as_is.located is None or to_be.located is None:
        return None, "model errors (see its page)"
    loaded = [(as_is.model, as_is.located), (to_be.model, to_be.located)]
    problems = pair_problems(as_is_file, loaded[0], to_be_file, loaded[1])
    for model, located in loaded:
        problems += catalog_problems(entry, CATALOG_FILE, model, located)
    if problems:
        return None, str(sort_problems(problems)[0])
    return (entry.id, entry.name, entry.level.value, as_is.model, to_be.model), None


def _number(value: float | None, digits: int = 1) -> str:
    """A number for people as the report prints it (:func:`bpr.render.text.number`:
    thousands separators, ``digits`` decimals, no ``-0``); ``—`` for none."""
    return "—" if value is None else number(value, digits)


def figure_digits(name: str) -> int:
    return 2 if name == "fte" else (0 if name in ("paper_applications", "paper_notices", "sheets", "seals",
                                                  "transcriptions", "counter_visits", "home_visits") else 1)


def _totals(plan: Plan) -> list[dict[str, Any]]:
    _ = page_translator()
    rows = []
    groups = {g.group: g for g in plan.groups}
    for name in FIGURES:
        row: dict[str, Any] = {"figure": name, "label": _(FIGURE_LABELS[name]), "groups": []}
        for group in ("municipal", "prefectural", "total"):
            g = groups.get(group)
            if g is None:
                row["groups"].append(None)
                continue
            before, after = g.as_is[name], g.to_be[name]
            digits = figure_digits(name)
            row["groups"].append({
                "as_is": _number(before, digits), "to_be": _number(after, digits),
                "saved": _number(before - after, digits),
                "share": _number(100 * (before - after) / before, 0) + "%" if before else "—"})
        rows.append(row)
    return rows


def _weights(settings: Sequence[SourceLike]) -> tuple[Weights, str | None]:
    source = next((s for s in settings if s.path == WEIGHTS_FILE), None)
    if source is None:
        return Weights(), None
    return load_weights_text(source.data.decode("utf-8"), source.path), source.path


def _ranking(pairs: list[Pair], weights: Weights) -> list[dict[str, Any]]:
    candidates = [candidate(as_is, to_be, annual_volume=as_is.annual_volume)
                  for _pid, _name, _level, as_is, to_be in pairs]
    rows = rank_rows(rank(candidates, weights))
    return [{"rank": r["rank"], "procedure": r["procedure"], "name": r["name"],
             "score": _number(r["score"], 2), "benefit": _number(r["benefit"], 0),
             "feasibility": _number(r["feasibility"], 3), "effort": _number(r["effort"], 2),
             "staff_hours": _number(r["staff_hours_saved"], 0),
             "resident_hours": _number(r["resident_hours_saved"], 0),
             "visits": _number(r["counter_visits_avoided"], 0),
             "paper": _number(r["paper_steps_removed"], 0),
             "legal": r["legal_in_person"] + r["legal_original_paper"] + r["fixed_attachments"],
             "changes": r["changes"] or "—", "measures": r["measures"] or "—"} for r in rows]


def _city(settings: Sequence[SourceLike], pairs: list[Pair], options: SummaryOptions
          ) -> tuple[CitySimulation | None, str | None, str | None]:
    """The paired city simulation, the city file's path, and why there is none."""
    _ = page_translator()
    source = next((s for s in settings if s.path == CITY_FILE), None)
    if source is None:
        return None, None, _("no {file} in the procedures folder").format(file=CITY_FILE)
    if options.city_replications < 2 or not pairs:
        return None, source.path, _("city simulation not asked for")
    try:
        city = load_city_scenario_text(source.data.decode("utf-8"), source.path)
        return simulate_city_pair(pairs, city, options.city_replications), source.path, None
    except (TetsuzukiError, UnicodeDecodeError, ValueError) as exc:
        return None, source.path, str(exc)


def _charts(plan: Plan, pairs: list[Pair], sim: CitySimulation | None,
            options: SummaryOptions, draw: ChartDraw = _draw_here
            ) -> tuple[dict[str, Callable[[], bytes]], list[dict[str, str]]]:
    from bpr.render import charts  # matplotlib: imported when a report is built

    _ = page_translator()
    files: dict[str, Callable[[], bytes]] = {}
    shown: list[dict[str, str]] = []
    legend = (_("As-is"), _("To-be"))
    procedures = sorted(plan.procedures, key=lambda p: (-p.as_is["staff_hours"], p.procedure))
    if procedures:
        files["charts/staff-hours.svg"] = draw(charts.bars_chart,
            [p.name for p in procedures], [p.as_is["staff_hours"] for p in procedures],
            [p.to_be["staff_hours"] for p in procedures], title=_("Staff hours per year by procedure"),
            axis=_("Staff hours per year"), legend=legend)
        shown.append({"path": "charts/staff-hours.svg", "caption": _(
            "Staff hours per year of each procedure, as-is (grey) and to-be (blue), largest first.")})
        curve = share_curve(pairs, SHARES, fte_hours=options.fte_hours)
        groups = [g for g in ("total", "municipal", "prefectural") if g in curve[0].groups]

        def paper(figures: FigureSet) -> float:
            return figures["paper_applications"] + figures["paper_notices"]

        files["charts/paper-by-share.svg"] = draw(charts.share_chart,
            SHARES, [(_("To-be: ") + _(GROUP_LABELS[g]), [paper(p.groups[g][1]) for p in curve])
                     for g in groups],
            [(_("As-is: ") + _(GROUP_LABELS[g]), paper(curve[0].groups[g][0])) for g in groups],
            current=options.online_share, title=_("Paper forms and notices remaining per year"),
            axis_x=_("Online share of applications (%)"), axis_y=_("Paper forms and notices per year"),
            current_label=_("This report's share"))
        shown.append({"path": "charts/paper-by-share.svg", "caption": _(
            "Paper application forms and paper notices per year if every to-be with an online "
            "channel had the online share on the horizontal axis (0 to 100% in steps of 20%), "
            "against the as-is (dashed).")})
        saved = sorted(plan.procedures, key=lambda p: (-(p.as_is["staff_hours"] - p.to_be["staff_hours"]),
                                                       p.procedure))
        files["charts/pareto-staff-hours.svg"] = draw(charts.pareto_chart,
            [p.name for p in saved], [p.as_is["staff_hours"] - p.to_be["staff_hours"] for p in saved],
            title=_("Staff hours saved per year: Pareto"), axis=_("Staff hours saved per year"),
            cumulative_axis=_("Cumulative share of the hours saved (%)"))
        shown.append({"path": "charts/pareto-staff-hours.svg", "caption": _(
            "Staff hours saved per year by procedure, largest first, with the cumulative share of "
            "the total saved (dotted line: 80%).")})
    if sim is not None:
        series = monthly_series(sim)
        files["charts/city-months.svg"] = draw(charts.monthly_chart,
            series.months, (series.as_is["arrivals"], series.to_be["arrivals"]),
            (series.as_is["counter_wait_mean"], series.to_be["counter_wait_mean"]),
            title=_("The city's year: applications and counter waiting by month"),
            arrivals_axis=_("Applications per month"), waiting_axis=_("Counter waiting, mean (min)"),
            legend=(_("Applications (as-is)"), _("Applications (to-be)"), _("Waiting (as-is)"),
                    _("Waiting (to-be)")))
        shown.append({"path": "charts/city-months.svg", "caption": _(
            "Applications arrived per month and the mean counter waiting of the walk-in services "
            "started in the month, mean of the paired replications.")})
    return files, shown


def procedure_chart_data(as_is: FigureSet, to_be: FigureSet) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The arguments of :func:`bpr.render.charts.procedure_chart` for one procedure's
    before/after chart (its page's), from its versions' figures: plain data, so that the
    chart can be drawn in another process."""
    _ = page_translator()
    return (([_(FIGURE_LABELS[n]) for n in PROCEDURE_FIGURES], [as_is[n] for n in PROCEDURE_FIGURES],
             [to_be[n] for n in PROCEDURE_FIGURES]),
            {"title": _("Per year: to-be against as-is"),
             "axis": _("To-be as a percentage of the as-is (as-is = 100)"),
             "legend": (_("As-is"), _("To-be"))})


def procedure_chart(as_is: FigureSet, to_be: FigureSet) -> bytes:
    """One procedure's before/after chart (its page's), from its versions' figures."""
    from bpr.render import charts

    args, kwargs = procedure_chart_data(as_is, to_be)
    return charts.procedure_chart(*args, **kwargs)


def chart_caption() -> str:
    """The caption of a procedure page's own chart."""
    _ = page_translator()
    return _("Per year, each model's own online share: to-be against as-is "
             "(grey: as-is = 100%; the numbers: as-is → to-be).")


def build_summary(settings: Sequence[SourceLike], pairs: list[Pair], excluded: Mapping[str, str],
                  options: SummaryOptions, *, simulation_run: int | None = None,
                  draw: ChartDraw | None = None) -> Summary:
    """The summary page of a report.

    Args:
        settings: the report's settings sources (:data:`SETTINGS_FILES` present: weights,
            city scenario).
        pairs: the catalog procedures' checked pairs (:func:`checked_pair`), catalog order.
        excluded: procedure id -> why it is left out.
        options: online share, city replications, FTE hours.
        simulation_run: the results store's run shown on the procedure pages, if any.
        draw: draws the charts elsewhere (the report's chart process); they are then in
            :attr:`Summary.pending`, not yet in :attr:`Summary.files`. ``None``: drawn here.
    """
    _ = page_translator()
    excluded = dict(excluded)
    shared, skipped = at_online_share(pairs, options.online_share)
    sim, city_file, city_missing = _city(settings, shared, options)
    peak = peak_month(sim.city, sim.seed, sim.as_is, sim.to_be) if sim is not None else None
    plan = catalog_plan(pairs, online_share=options.online_share, fte_hours=options.fte_hours, peak=peak)
    weights, weights_file = _weights(settings)
    pending, shown = _charts(plan, pairs, sim, options, draw or _draw_here)
    files = {} if draw is not None else {path: wait() for path, wait in pending.items()}
    hashes = [{"procedure": pid, "name": name, "as_is": content_hash(a), "to_be": content_hash(b)}
              for pid, name, _level, a, b in pairs]
    peak_table = [] if plan.peak is None else [
        {"label": _(PEAK_LABELS[r["measure"]]),  # type: ignore[index]
         "as_is": _number(r["as_is"], 1), "to_be": _number(r["to_be"], 1),  # type: ignore[arg-type]
         "difference": _number(r["difference"], 1),  # type: ignore[arg-type]
         "interval": f"{_number(r['difference_low'], 1)} 〜 {_number(r['difference_high'], 1)}"}  # type: ignore[arg-type]
        for r in peak_rows(plan.peak)]
    city_record = None if sim is None else {"city": sim.city, "seed": sim.seed,
                                            "replications": sim.replications, "file": city_file}
    context = {
        "share": (_("each model's own online share") if options.online_share is None
                  else f"{_number(100 * options.online_share, 0)}%"),
        "fte_hours": _number(options.fte_hours, 0),
        "procedures": len(pairs), "excluded": excluded, "skipped": skipped,
        "groups": [(_(GROUP_LABELS[g]), next((x.procedures for x in plan.groups if x.group == g), 0))
                   for g in ("municipal", "prefectural", "total")],
        "totals": _totals(plan),
        "ranking": _ranking(shared, weights), "weights_file": weights_file,
        "peak": None if plan.peak is None else {"month": plan.peak.month, "rows": peak_table},
        "city": city_record, "city_missing": city_missing, "simulation_run": simulation_run,
        "charts": shown, "hashes": hashes,
    }
    manifest = {"options": options.manifest(), "city": city_record, "weights": weights_file,
                "procedures": [p[0] for p in pairs], "excluded": sorted(excluded)}
    return Summary(context, files, manifest, plan, tuple(pairs), excluded,
                   pending if draw is not None else {})


def render_summary(env: Environment, summary: Summary) -> Markup:
    """The summary section of the index (``summary.html``), its texts in Japanese."""
    return Markup(env.get_template("summary.html").render(**summary.context, _=page_translator()))

