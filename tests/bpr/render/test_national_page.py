"""The report's national page: a national run's totals, the figures `tetsuzuki national`
shows, in Japanese, re-derived by `tetsuzuki verify`; no page without a national run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import html as lxml_html
from typer.testing import CliRunner

from bpr.cli import app
from bpr.model.catalog import builtin_root
from bpr.planning.national import NationalSummary, national_summary, national_table
from bpr.render.national_page import NATIONAL_PAGE
from bpr.sim.national import load_national_scenario
from flows.common import code_version, load_catalog_versions
from flows.national import BUILTIN_NATIONAL, plan_items, run_in_process
from flows.national_store import NATIONAL_TOTALS_KIND
from models.store.database import RunStatus, Store
from tests.bpr.render.test_report import make_procedures
from tests.bpr.render.test_report_japanese import _ids, english_runs, visible_text

BANDS = ["p0-5k", "p10k-30k"]
COLUMNS = ("municipalities", "applications", "paper_sheets", "paper_steps", "staff_fte",
           "resident_hours", "peak_wait_p90_min")


def _store_national_run(url: str) -> tuple[int, NationalSummary]:
    """A tiny national run (two bands, one procedure, two replications), simulated here and
    stored as the flow stores it: its totals as an analysis result of a completed run."""
    national = load_national_scenario(BUILTIN_NATIONAL)
    items = plan_items(national, load_catalog_versions(["child-allowance-claim"]), (0.5,), 2,
                       bands=BANDS, seed=5, horizon_days=30)
    summary = national_summary(national, run_in_process(national, items))
    store = Store(url)
    try:
        run_id = store.start_run("national", {"bands": BANDS}, seed=5, code_version=code_version())
        store.put_analysis_result(run_id, NATIONAL_TOTALS_KIND, "summary",
                                  summary.model_dump(mode="json"))
        store.finish_run(run_id, RunStatus.COMPLETED)
    finally:
        store.close()
    return run_id, summary


def _number(text: str) -> float | None:
    return None if text == "—" else float(text.replace(",", ""))


def _page_rows(page: bytes) -> list[dict[str, object]]:
    """The rows of the page's two tables: band, version label, share and the figures."""
    doc = lxml_html.fromstring(page.decode("utf-8"))
    rows = []
    for tr in doc.xpath("//table[contains(@class, 'national-')]/tbody/tr"):
        cells = [" ".join(c.itertext()).strip() for c in tr.xpath("th|td")]
        label, municipalities, version, share, *figures, where = cells
        rows.append({"band": tr.get("data-band"), "label": label, "version": version,
                     "share": share, "where": where,
                     **dict(zip(COLUMNS, [_number(municipalities), *map(_number, figures)],
                                strict=True))})
    return rows


@pytest.fixture(scope="module")
def procedures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_procedures(tmp_path_factory.mktemp("procedures"), golden=False, broken=False)


@pytest.fixture(scope="module")
def with_national(procedures: Path, tmp_path_factory: pytest.TempPathFactory
                  ) -> tuple[Path, str, int, NationalSummary]:
    """A report written by `tetsuzuki report` from a store holding a national run."""
    folder = tmp_path_factory.mktemp("national")
    url = f"sqlite:///{folder / 'store.db'}"
    run_id, summary = _store_national_run(url)
    out = folder / "report"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TETSUZUKI_DATABASE_URL", url)
        result = CliRunner().invoke(app, ["report", str(out), "--procedures", str(procedures),
                                          "--city-replications", "0", "--workers", "1"])
    assert result.exit_code == 0, result.output
    return out, url, run_id, summary


def test_the_page_shows_the_totals_tetsuzuki_national_shows(
        with_national: tuple[Path, str, int, NationalSummary], monkeypatch: pytest.MonkeyPatch) -> None:
    out, url, run_id, summary = with_national
    monkeypatch.setenv("TETSUZUKI_DATABASE_URL", url)
    result = CliRunner().invoke(app, ["national", "--format", "json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["run"] == run_id
    page = _page_rows((out / NATIONAL_PAGE).read_bytes())
    expected = national_table(summary)
    assert len(page) == len(expected) == len(shown["rows"]) > 2
    by_key = {(r["band"], r["share"]): r for r in page if r["version"] == "見直し後"}
    assert {band for band, _ in by_key} == {*BANDS, "total"}
    for row in expected:
        if row["version"] != "to-be":
            continue
        found = by_key[(row["band"], row["online_share"] or "—")]
        for column in COLUMNS:
            assert found[column] == row[column], (row["band"], column)
    # The same figures as the JSON of `tetsuzuki national` (the stored run, summed here).
    total = summary.row("total", "to-be", 0.5)
    json_total = next(r for r in shown["rows"] if r["band"] == "total" and r["version"] == "to-be")
    assert json_total["total"]["fte"]["mean"] == pytest.approx(total.total["fte"].mean)
    assert by_key[("total", "0.5")]["staff_fte"] == round(json_total["total"]["fte"]["mean"], 1)
    assert by_key[("total", "0.5")]["municipalities"] == 269 + 455


def test_the_index_links_the_page_and_the_manifest_names_the_run(
        with_national: tuple[Path, str, int, NationalSummary]) -> None:
    out, _, run_id, _summary = with_national
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f'href="{NATIONAL_PAGE}"' in index and "全国集計" in index
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["national"]["run"] == run_id
    assert NATIONAL_PAGE in manifest["files"]


def test_the_page_is_in_japanese(with_national: tuple[Path, str, int, NationalSummary]) -> None:
    out = with_national[0]
    ids = _ids(builtin_root()) | set(BANDS) | {"total", "child-allowance-claim"}
    for page in (NATIONAL_PAGE, "index.html"):
        text = visible_text((out / page).read_bytes())
        assert english_runs(text, ids) == [], page
    assert "全国の合計（年あたり）" in (out / NATIONAL_PAGE).read_text(encoding="utf-8")


def test_verify_rederives_the_page_from_the_run_and_finds_an_edit(
        with_national: tuple[Path, str, int, NationalSummary], procedures: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    out, url, _, _summary = with_national
    monkeypatch.setenv("TETSUZUKI_DATABASE_URL", url)
    verify = ["verify", str(out), "--procedures", str(procedures), "--workers", "1"]
    result = CliRunner().invoke(app, verify)
    assert result.exit_code == 0, result.output
    page = out / NATIONAL_PAGE
    original = page.read_bytes()
    try:
        page.write_bytes(original.replace(b"data-band=\"total\"", b"data-band=\"totl\"", 1))
        result = CliRunner().invoke(app, verify)
        assert result.exit_code == 1
        assert f"changed: {NATIONAL_PAGE}" in result.output
    finally:
        page.write_bytes(original)


def test_without_a_national_run_there_is_no_page_and_the_index_says_so(
        procedures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TETSUZUKI_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["report", str(out), "--procedures", str(procedures),
                                      "--city-replications", "0", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert not (out / NATIONAL_PAGE).exists()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "全国実行がないため" in index and f'href="{NATIONAL_PAGE}"' not in index
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["national"] is None
    result = CliRunner().invoke(app, ["verify", str(out), "--procedures", str(procedures),
                                      "--workers", "1"])
    assert result.exit_code == 0, result.output
