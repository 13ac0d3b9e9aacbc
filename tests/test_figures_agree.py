"""One definition per figure: a figure that two outputs show for the same procedure and
inputs is the same number there, after the same rounding.

For every catalog procedure with both versions (expected counts, default weights, no
results store), as users get them:

* ``tetsuzuki metrics --format json`` of each version: the per-year totals
  (``per_year_hours``). As-is minus to-be of these is the reference saving;
* ``tetsuzuki diff --format json``: the TOTAL row (``total_savings_per_year``) and the two
  versions' per-year totals;
* ``tetsuzuki rank --no-store --format json``: the savings columns, staff hours per actor,
  resident minutes per case and the annual volume;
* ``tetsuzuki plan --format json``: each procedure's as-is and to-be figures;
* the auditors' report (:func:`bpr.render.report.build_site`, what ``tetsuzuki report``
  writes): the index's savings columns and the procedure page's per-year metrics table
  (as-is, to-be, difference), for six representative procedures (drawing the diagrams is
  the slow part of a report);
* the report's summary page: its totals per group are the sums of ``plan``'s procedures'
  figures (at each model's own share, and at ``--online-share 0.5`` against a report built
  with that share), and its ranking is ``rank``'s order.

A change to how one output computes a figure (e.g. resident hours without the modelled
travel steps, or a travel time per visit added) makes these tests fail for that output.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bpr.cli import app
from bpr.model import lineage
from bpr.model import load as model_load
from bpr.model.catalog import catalog_versions, load_catalog
from bpr.render.report import ReportSources, build_site, read_sources
from tests.conftest import PROCEDURES

pytestmark = pytest.mark.slow  # about 45 s: every output of every catalog procedure

runner = CliRunner()

PROCEDURE_IDS = [e.id for e, a, t in catalog_versions(load_catalog()) if a.is_file() and t.is_file()]
"""Every catalog procedure with both versions."""

REPORTED = ("car-tax-declaration", "parking-certificate", "child-allowance-claim",
            "nursery-application", "care-certification", "disaster-certificate")
"""Procedures whose report pages are built (cars, childcare, long-term care, disaster)."""

RANK_COLUMNS = {"resident_hours_saved": "resident_hours", "staff_hours_saved": "staff_hours_total",
                "counter_visits_avoided": "counter_visits", "paper_steps_removed": "paper_steps",
                "seals_removed": "seals", "transcriptions_removed": "transcriptions"}
"""``rank`` saving column -> the ``metrics`` per-year figure it is the saving of."""

PLAN_FIGURES = {"resident_hours": "resident_hours", "staff_hours": "staff_hours_total",
                "counter_visits": "counter_visits", "sheets": "sheets", "seals": "seals",
                "transcriptions": "transcriptions", "home_visits": "home_visits"}
"""``plan`` figure -> the ``metrics`` per-year figure (``home_visits`` where metrics has it)."""

REPORT_INDEX = {"resident_hours": "resident_hours", "staff_hours": "staff_hours_total",
                "visits": "counter_visits"}
"""The report index's savings columns (in order) -> the ``metrics`` per-year figure."""

REPORT_PAGE = {"申請者の作業時間": "resident_hours", "うち移動時間": "travel_hours",
               "職員の作業時間": "staff_hours_total", "来庁回数": "counter_visits",
               "紙の作業": "paper_steps", "用紙": "sheets", "押印": "seals", "自署": "signatures",
               "転記": "transcriptions", "添付書類": "attachments"}
"""Rows of the procedure page's metrics table -> the ``metrics`` per-year figure."""


def _shows(shown: float, reference: float, digits: int) -> bool:
    """``shown``, an output's figure rounded to ``digits`` decimals, is ``reference`` rounded
    the same way (at an exact tie either neighbour: the two sides may round 0.5 apart)."""
    return abs(shown - reference) <= 0.5 * 10.0 ** -digits + 1e-9


def _equal(shown: float, reference: float) -> bool:
    """Two unrounded outputs' figures agree to floating-point error."""
    return math.isclose(shown, reference, rel_tol=1e-9, abs_tol=1e-9)


def _json(args: list[str]) -> Any:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, (args, result.output)
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def outputs() -> Iterator[dict[str, Any]]:
    """Every output's JSON, once for the module: ``metrics`` (pid -> version -> payload),
    ``diff`` (pid -> payload), ``rank`` (pid -> row), ``plan`` (pid -> procedure)."""
    cache: dict[tuple[Path, str], Any] = {}
    original = model_load.load_located

    def load_once(path: str | Path) -> Any:
        # Every command parses the same files: parse each once (YAML is the slow part;
        # validated models are frozen, so sharing them is safe).
        key = (Path(path).resolve(), str(path))
        if key not in cache:
            cache[key] = original(path)
        return cache[key]

    folders = {e.id: a.parent for e, a, t in catalog_versions(load_catalog())}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lineage, "load_located", load_once)
        patch.setattr(model_load, "load_located", load_once)
        rank = {r["procedure"]: r for r in _json(["rank", "--no-store", "--format", "json"])
                ["ranking"]}
        plan = {p["procedure"]: p for p in _json(["plan", "--format", "json"])["procedures"]}
        metrics = {pid: {v: _json(["metrics", str(folders[pid] / f"{v}.yaml"), "--format",
                                   "json"]) for v in ("as-is", "to-be")} for pid in PROCEDURE_IDS}
        diff = {pid: _json(["diff", str(folders[pid]), "--format", "json"])
                for pid in PROCEDURE_IDS}
    yield {"metrics": metrics, "diff": diff, "rank": rank, "plan": plan}


def _per_year(outputs: dict[str, Any], pid: str, version: str) -> dict[str, float]:
    values: dict[str, float] = outputs["metrics"][pid][version]["per_year_hours"]
    return values


def _saved(outputs: dict[str, Any], pid: str) -> dict[str, float]:
    """The reference savings: ``metrics`` as-is minus to-be, per year."""
    before, after = _per_year(outputs, pid, "as-is"), _per_year(outputs, pid, "to-be")
    return {k: before.get(k, 0.0) - after.get(k, 0.0) for k in before.keys() | after.keys()}


def test_every_catalog_procedure_is_in_every_output(outputs: dict[str, Any]) -> None:
    assert len(PROCEDURE_IDS) >= 6 and set(REPORTED) <= set(PROCEDURE_IDS)
    assert sorted(outputs["rank"]) == sorted(PROCEDURE_IDS)
    assert sorted(outputs["plan"]) == sorted(PROCEDURE_IDS)


@pytest.mark.parametrize("pid", PROCEDURE_IDS)
def test_diff_total_is_metrics_as_is_minus_to_be(outputs: dict[str, Any], pid: str) -> None:
    payload = outputs["diff"][pid]
    saved = _saved(outputs, pid)
    total = payload["total_savings_per_year"]
    assert set(total) == set(saved)
    # diff prints 6 decimals
    assert {k: (v, saved[k]) for k, v in total.items() if not _shows(v, saved[k], 6)} == {}
    for side, version in (("as_is", "as-is"), ("to_be", "to-be")):
        shown = payload[side]["per_year"]
        reference = _per_year(outputs, pid, version)
        assert {k: v for k, v in shown.items() if not _shows(v, reference[k], 6)} == {}, side


@pytest.mark.parametrize("pid", PROCEDURE_IDS)
def test_rank_savings_are_metrics_as_is_minus_to_be(outputs: dict[str, Any], pid: str) -> None:
    row = outputs["rank"][pid]
    saved = _saved(outputs, pid)
    # rank prints 2 decimals
    wrong = {column: (row[column], saved[figure]) for column, figure in RANK_COLUMNS.items()
             if not _shows(row[column], saved[figure], 2)}
    wrong.update({f"staff_hours_saved_by_actor[{actor}]": (hours, saved[f"staff_hours[{actor}]"])
                  for actor, hours in row["staff_hours_saved_by_actor"].items()
                  if not _shows(hours, saved[f"staff_hours[{actor}]"], 2)})
    assert wrong == {}
    as_is, to_be = (outputs["metrics"][pid][v] for v in ("as-is", "to-be"))
    assert row["annual_volume"] == as_is["annual_volume"]
    per_case = as_is["per_case"]["resident_minutes"] - to_be["per_case"]["resident_minutes"]
    assert _shows(row["resident_minutes_saved_per_case"], per_case, 2)
    assert row["waiting_hours_saved"] is None   # simulated only; --no-store
    assert row["source"] == "expected counts"


@pytest.mark.parametrize("pid", PROCEDURE_IDS)
def test_plan_figures_are_the_metrics_totals(outputs: dict[str, Any], pid: str) -> None:
    procedure = outputs["plan"][pid]
    for side, version in (("as_is", "as-is"), ("to_be", "to-be")):
        reference = _per_year(outputs, pid, version)
        shown = procedure[side]
        wrong = {figure: (shown[figure], reference[key]) for figure, key in PLAN_FIGURES.items()
                 if key in reference and not _equal(shown[figure], reference[key])}
        assert wrong == {}, side
    # and the savings the plan sums are the rank's
    row = outputs["rank"][pid]
    for column, figure in (("resident_hours_saved", "resident_hours"),
                           ("staff_hours_saved", "staff_hours"),
                           ("counter_visits_avoided", "counter_visits"),
                           ("seals_removed", "seals"), ("transcriptions_removed", "transcriptions")):
        saving = procedure["as_is"][figure] - procedure["to_be"][figure]
        assert _shows(row[column], saving, 2), (column, row[column], saving)


# --------------------------------------------------------------------------- the report


@pytest.fixture(scope="module")
def drawn_once() -> Iterator[None]:
    """Each diagram drawn once for the module: the two reports built here (at the models'
    own shares and at :data:`PLAN_SHARE`) have the same diagrams, and drawing them with
    Graphviz is most of a build. ``render_source`` is deterministic (same DOT text, same
    bytes), so a second drawing would give what the first did; these tests read figures."""
    from bpr.render import dot_run

    drawn: dict[tuple[Any, ...], bytes] = {}
    original = dot_run.render_source

    def render_once(source: str, fmt: Any = dot_run.DiagramFormat.SVG, *, dpi: int = 110) -> bytes:
        key = (source, str(fmt), dpi)
        if key not in drawn:
            drawn[key] = original(source, fmt, dpi=dpi)
        return drawn[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dot_run, "render_source", render_once)
        yield


@pytest.fixture(scope="module")
def report(drawn_once: None) -> dict[str, bytes]:
    """The report site of the :data:`REPORTED` procedures."""
    sources = read_sources(PROCEDURES)
    chosen = ReportSources(sources.catalog, sources.catalog_error,
                           tuple(p for p in sources.procedures if p.id in REPORTED),
                           tuple(s for s in sources.settings if s.path == "weights.yaml"))
    built = build_site(chosen)
    assert built.errors == {}
    return built.files


_CELL = r'<td class="num">(.*?)</td>'


def _read(cell: str) -> float:
    """A number as the report prints it (``number``: thousands separators, 1 decimal)."""
    return float(html.unescape(cell).replace(",", ""))


def _index_savings(index: str, pid: str) -> list[float]:
    """The index's three savings cells of ``pid`` (resident h, staff h, visits)."""
    row = next(r for r in index.split("<tr") if f"<code>{pid}</code>" in r)
    cells = re.findall(_CELL, row)
    return [_read(c) for c in cells[1:4]]   # after the number of changes


def _page_rows(page: str) -> dict[str, tuple[float, float, float]]:
    """The procedure page's metrics table: label -> (as-is, to-be, difference) per year."""
    pattern = (rf"<tr><th>(.*?)</th>{_CELL}{_CELL}{_CELL}<td>.*?</td>\s*"
               rf"{_CELL}{_CELL}{_CELL}<td>")
    return {html.unescape(m[0]): (_read(m[4]), _read(m[5]), _read(m[6]))
            for m in re.findall(pattern, page)}


@pytest.mark.parametrize("pid", REPORTED)
def test_report_shows_the_same_figures(outputs: dict[str, Any], report: dict[str, bytes],
                                       pid: str) -> None:
    # the report prints 1 decimal
    saved = _saved(outputs, pid)
    shown = _index_savings(report["index.html"].decode("utf-8"), pid)
    for value, key in zip(shown, REPORT_INDEX.values(), strict=True):
        assert _shows(value, saved[key], 1), (key, value, saved[key])
    rows = _page_rows(report[f"procedures/{pid}.html"].decode("utf-8"))
    assert set(REPORT_PAGE) <= set(rows)
    before, after = _per_year(outputs, pid, "as-is"), _per_year(outputs, pid, "to-be")
    for label, key in REPORT_PAGE.items():
        expected = (before[key], after[key], after[key] - before[key])
        assert all(_shows(v, e, 1) for v, e in zip(rows[label], expected, strict=True)), (
            label, rows[label], expected)


# --------------------------------------------------------------------------- the report's summary

PLAN_SHARE = 0.5
"""The online share of the summary checked against ``plan --online-share``."""


def _summary_totals(index: str) -> dict[str, list[float | None]]:
    """The summary page's totals table: figure label -> its cells (municipal as-is, to-be,
    prefectural as-is, to-be, total as-is, to-be, saved, share saved %)."""
    table = index.split('<table class="summary-totals">', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    rows = {}
    for label, cells in re.findall(r"<tr><th>(.*?)</th>(.*?)</tr>", body, re.S):
        rows[html.unescape(label)] = [None if c == "—" else _read(c.rstrip("%"))
                                      for c in re.findall(_CELL, cells)]
    return rows


def _summary_ranking(index: str) -> list[str]:
    table = index.split('<table class="summary-ranking">', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<a href="procedures/([^"]+)\.html">', table)


def _check_summary(index: str, plan: dict[str, Any]) -> None:
    """The summary's totals are the sums of ``plan``'s procedures' figures (as-is, to-be, per
    group), shown with the page's digits."""
    from bpr.planning.figures import FIGURES
    from bpr.render.summary import FIGURE_LABELS, figure_digits, page_translator

    _ = page_translator()
    shown = _summary_totals(index)
    chosen = [plan[pid] for pid in REPORTED]
    assert {p["level"] for p in chosen} == {"municipal", "prefectural"}
    for name in FIGURES:
        cells = shown[_(FIGURE_LABELS[name])]
        digits = figure_digits(name)
        expected: list[float] = []
        for group in ("municipal", "prefectural", "total"):
            members = [p for p in chosen if group == "total" or p["level"] == group]
            expected += [math.fsum(p["as_is"][name] for p in members),
                         math.fsum(p["to_be"][name] for p in members)]
        expected.append(expected[-2] - expected[-1])
        for value, reference in zip(cells[:7], expected, strict=True):
            assert value is not None and _shows(value, reference, digits), (name, cells, expected)


def test_report_summary_shows_the_plan_figures(outputs: dict[str, Any], report: dict[str, bytes]) -> None:
    index = report["index.html"].decode("utf-8")
    _check_summary(index, outputs["plan"])
    # the ranking is rank's order (scores do not depend on the other procedures)
    order = [pid for pid, _ in sorted(outputs["rank"].items(), key=lambda item: item[1]["rank"])]
    assert _summary_ranking(index) == [pid for pid in order if pid in REPORTED]


def test_report_summary_at_an_online_share_shows_plan_at_that_share(drawn_once: None) -> None:
    from bpr.render.summary import SummaryOptions

    plan = {p["procedure"]: p for p in _json(["plan", "--format", "json", "--no-simulation",
                                              "--online-share", str(PLAN_SHARE)])["procedures"]}
    sources = read_sources(PROCEDURES)
    chosen = ReportSources(sources.catalog, sources.catalog_error,
                           tuple(p for p in sources.procedures if p.id in REPORTED), sources.settings)
    built = build_site(chosen, summary=SummaryOptions(online_share=PLAN_SHARE, city_replications=0))
    index = built.files["index.html"].decode("utf-8")
    assert "50%" in index
    _check_summary(index, plan)
