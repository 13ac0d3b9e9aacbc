"""`tetsuzuki rank` and `tetsuzuki survey rank` as users call them, in every format."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from bpr.cli import app
from bpr.cli.rank_cmd import ONESTOP_COLUMNS
from bpr.errors import TetsuzukiError
from bpr.model import lineage
from bpr.model.catalog import catalog_versions, load_catalog
from bpr.model.load import Located, load_located
from bpr.planning.ranking_rows import RANK_COLUMNS, simulated_waiting
from models.procedure import ProcedureVersion
from tests.bpr.planning.test_survey import HEADER, ROWS
from tests.conftest import PROCEDURES

runner = CliRunner()

CATALOG = """\
reference_population: 100000
procedures:
  - no: 1
    id: child-allowance-claim
    path: childcare/child-allowance-claim
    name: 児童手当等の受給資格及び児童手当の額についての認定請求
    name_en: Claim
    category: childcare
    level: municipal
    life_events: [birth, moving-in]
    annual_volume: 410
    volume_source: "assumption: test"
  - no: 2
    id: disaster-certificate
    path: disaster/disaster-certificate
    name: 罹災証明書の発行申請
    name_en: Disaster certificate
    category: disaster
    level: municipal
    life_events: [disaster]
    annual_volume: 5000
    volume_source: "assumption: a year with a large disaster"
  - no: 3
    id: not-modelled
    path: other/not-modelled
    name: 未作成の手続
    name_en: Not modelled yet
    category: other
    level: municipal
    life_events: [birth]
    annual_volume: 10
    volume_source: "assumption: test"
"""


_MODELS: dict[Path, tuple[ProcedureVersion, Located]] = {}


@pytest.fixture(autouse=True)
def models_loaded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parse each model file once per test session: YAML parsing is the slow part of `rank`
    (validated models are frozen, so sharing them between tests is safe)."""
    def load(path: str | Path) -> tuple[ProcedureVersion, Located]:
        key = Path(path).resolve()
        if key not in _MODELS:
            _MODELS[key] = load_located(key)
        model, located = _MODELS[key]
        located = Located(located.data, located.positions, str(path))  # messages name `path`
        return model, located

    monkeypatch.setattr(lineage, "load_located", load)


@pytest.fixture(autouse=True)
def no_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the store at a file that does not exist (the default for these tests)."""
    db = tmp_path / "store" / "tetsuzuki.db"
    monkeypatch.setenv("TETSUZUKI_DATABASE_URL", f"sqlite:///{db}")
    return db


@pytest.fixture
def small_catalog(tmp_path: Path) -> Path:
    """Two modelled procedures (copied from the catalog) and one not modelled; the
    disaster certificate in a year with a large disaster (its models say so too: a version
    file repeats its catalog entry's volume)."""
    root = tmp_path / "procedures"
    for folder in ("childcare/child-allowance-claim", "disaster/disaster-certificate"):
        shutil.copytree(PROCEDURES / folder, root / folder)
    for version in ("as-is.yaml", "to-be.yaml"):
        file = root / "disaster/disaster-certificate" / version
        text = file.read_text(encoding="utf-8")
        assert "\nannual_volume: 20\n" in text
        file.write_text(text.replace("\nannual_volume: 20\n", "\nannual_volume: 5000\n"),
                        encoding="utf-8")
    (root / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    return root / "catalog.yaml"


def _json(args: list[str]) -> dict[str, Any]:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def test_rank_json_shows_the_figures_behind_each_score(small_catalog: Path, no_store: Path) -> None:
    payload = _json(["rank", "--catalog", str(small_catalog), "--format", "json"])
    rows = payload["ranking"]
    assert [r["procedure"] for r in rows] == ["disaster-certificate", "child-allowance-claim"]
    assert [r["rank"] for r in rows] == [1, 2]
    for row in rows:
        assert set(RANK_COLUMNS) <= set(row)
        assert row["source"] == "expected counts"
        assert row["waiting_hours_saved"] is None        # simulated only
        assert row["score"] == pytest.approx(row["benefit"] * row["feasibility"] / row["effort"],
                                             rel=0.01)
        assert row["staff_hours_saved"] == pytest.approx(
            sum(row["staff_hours_saved_by_actor"].values()), abs=0.05)
    assert rows[0]["annual_volume"] == 5000          # the catalog's volume (the models repeat it)
    assert payload["weights"]["benefit"]["waiting_hours"] == 1.0
    assert "travel_minutes_per_visit" not in payload["weights"]
    events = {g["life_event"]: g for g in payload["life_events"]}
    assert events["birth"]["procedures"] == "child-allowance-claim"   # not-modelled left out
    assert events["disaster"]["applications_as_is"] == 1
    assert not no_store.exists() and not no_store.parent.exists()   # no store was created


def test_weights_file_changes_the_order(small_catalog: Path, tmp_path: Path) -> None:
    weights = tmp_path / "seals-only.yaml"
    weights.write_text("benefit: {resident_hours: 0, staff_hours: 0, counter_visits: 0, "
                       "paper_steps: 0, seals: 1, transcriptions: 0}\n"
                       "feasibility: {legal_in_person: 0, legal_original_paper: 0, "
                       "fixed_attachments: 0}\n"
                       "effort: {eliminate: 0, combine: 0, rearrange: 0, simplify: 0, added: 0, "
                       "modified: 0}\n", encoding="utf-8")
    rows = _json(["rank", "--catalog", str(small_catalog), "--format", "json", "--weights",
                  str(weights)])["ranking"]
    assert [r["score"] for r in rows] == [r["seals_removed"] for r in rows]
    assert rows[0]["seals_removed"] >= rows[1]["seals_removed"]


def test_sensitivity_gives_each_procedure_a_rank_range(small_catalog: Path) -> None:
    rows = _json(["rank", "--catalog", str(small_catalog), "--format", "json",
                  "--sensitivity"])["ranking"]
    for row in rows:
        assert 1 <= row["best_rank"] <= row["rank"] <= row["worst_rank"] <= len(rows)


def test_xlsx_reads_back_with_header_widths_and_both_tables(small_catalog: Path,
                                                           tmp_path: Path) -> None:
    out = tmp_path / "rank.xlsx"
    result = runner.invoke(app, ["rank", "--catalog", str(small_catalog), "--format", "xlsx",
                                 "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows = _json(["rank", "--catalog", str(small_catalog), "--format", "json"])["ranking"]
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["ranking", "one-stop by life event"]
    sheet = book["ranking"]
    header = [c.value for c in sheet[1]]
    assert header == list(RANK_COLUMNS)
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    name_col = sheet.column_dimensions["C"].width
    assert name_col is not None and name_col >= 2 * len(rows[0]["name"])   # full-width text
    values = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert [v[header.index("procedure")] for v in values] == [r["procedure"] for r in rows]
    assert [v[header.index("score")] for v in values] == [r["score"] for r in rows]
    assert [v[header.index("name")] for v in values] == [r["name"] for r in rows]
    assert [c.value for c in book["one-stop by life event"][1]] == list(ONESTOP_COLUMNS)


def test_csv_is_utf8_with_bom_and_needs_an_output(small_catalog: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["rank", "--catalog", str(small_catalog), "--format", "csv"])
    assert result.exit_code == 2
    assert "--output" in result.output
    out = tmp_path / "rank.csv"
    result = runner.invoke(app, ["rank", "--catalog", str(small_catalog), "--format", "csv",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == list(RANK_COLUMNS)
    assert rows[1]["name"] == "児童手当等の受給資格及び児童手当の額についての認定請求"


def test_markdown_and_table(small_catalog: Path) -> None:
    result = runner.invoke(app, ["rank", "--catalog", str(small_catalog), "--format", "markdown"])
    assert result.exit_code == 0, result.output
    assert "## ranking" in result.stdout and "## one-stop by life event" in result.stdout
    assert "| 1 | disaster-certificate |" in result.stdout
    result = runner.invoke(app, ["rank", "--catalog", str(small_catalog)])
    assert result.exit_code == 0, result.output
    assert "disaster-certificate" in result.stdout and "expected counts" in result.stdout


def test_by_life_event_csv(small_catalog: Path, tmp_path: Path) -> None:
    out = tmp_path / "events.csv"
    result = runner.invoke(app, ["rank", "--catalog", str(small_catalog), "--by-life-event",
                                 "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [r["life_event"] for r in rows] == ["birth", "moving-in", "disaster"]
    assert float(rows[0]["visits_as_is"]) > float(rows[0]["visits_to_be"])


def _replication(waiting_hours: float, staff: float) -> dict[str, Any]:
    """Stored replication metrics with ``waiting_hours`` of counter waiting per year (60
    arrivals a year waiting that many minutes each); the other figures must not be used."""
    return {"metrics": {"arrived": 60.0, "resident_waiting_minutes_mean": waiting_hours,
                        "resident_hours": 10 * waiting_hours, "resident_minutes_mean": 60.0,
                        "resident_travel_minutes_mean": 0.0, "counter_visits": 10.0,
                        "paper_steps": 5.0, "seals": 1.0, "transcriptions": 0.0,
                        "hours:clerk": staff}}


def test_simulation_results_of_the_latest_completed_run_are_used(small_catalog: Path,
                                                                  no_store: Path) -> None:
    from models.store.database import RunStatus, Store

    store = Store(f"sqlite:///{no_store}")
    for number, status in ((1, RunStatus.COMPLETED), (2, RunStatus.FAILED)):
        run = store.start_run("simulate", {}, seed=1, code_version="test")
        assert run == number
        for version, hours in (("as-is", 1000.0), ("to-be", 100.0)):
            store.put_simulation_result(
                run, version_hash=f"{version}-hash", procedure_id="child-allowance-claim",
                version=version, name="児童手当", canonical_json=f"{{\"v\": \"{version}\"}}",
                scenario_key="default", batch=0, replications=[0],
                results={"replications": [_replication(hours, hours / 2)]})
        store.finish_run(run, status)
    store.close()
    rows = {r["procedure"]: r for r in _json(["rank", "--catalog", str(small_catalog),
                                              "--format", "json"])["ranking"]}
    simulated = rows["child-allowance-claim"]
    # run 2 failed: not used
    assert simulated["source"] == "expected counts; waiting: simulation (run 1)"
    assert simulated["waiting_hours_saved"] == pytest.approx(900)
    assert rows["disaster-certificate"]["source"] == "expected counts"
    assert rows["disaster-certificate"]["waiting_hours_saved"] is None
    no_sim = {r["procedure"]: r for r in _json(["rank", "--catalog", str(small_catalog),
                                                "--format", "json", "--no-store"])["ranking"]}
    assert {r["source"] for r in no_sim.values()} == {"expected counts"}
    # the simulation adds its waiting hours and replaces none of the expected-count figures
    expected = no_sim["child-allowance-claim"]
    for column in ("resident_hours_saved", "staff_hours_saved", "counter_visits_avoided",
                   "paper_steps_removed", "seals_removed", "transcriptions_removed"):
        assert simulated[column] == expected[column], column
    assert simulated["benefit"] == pytest.approx(expected["benefit"] + 900, abs=0.01)


def test_simulated_figures_need_both_versions_in_one_run() -> None:
    class Row:
        def __init__(self, run_id: int, version: str, scenario: str, hours: float) -> None:
            self.run_id, self.version, self.scenario_key = run_id, version, scenario
            self.results = {"replications": [_replication(hours, 0)]}

    rows = [Row(5, "as-is", "default", 1), Row(4, "as-is", "burst", 2), Row(4, "to-be", "burst", 3),
            Row(4, "as-is", "default", 4), Row(4, "to-be", "default", 5)]
    found = simulated_waiting(rows)
    assert found is not None
    assert found.run == "simulation (run 4)"                # run 5 has no to-be
    assert (found.as_is, found.to_be) == (4, 5)             # default scenario first
    assert simulated_waiting([]) is None


def test_to_be_online_share_variants_pair_with_the_as_is() -> None:
    class Row:
        def __init__(self, version: str, scenario: str, hours: float) -> None:
            self.run_id, self.version, self.scenario_key = 3, version, scenario
            self.results = {"replications": [_replication(hours, 0)]}

    # what flows.simulate stores: a paper as-is once, a to-be per online share
    rows = [Row("as-is", "default", 1), Row("to-be", "default-online-0.3", 3),
            Row("to-be", "default-online-0.6", 6), Row("to-be", "default-online-0.9", 9)]
    found = simulated_waiting(rows)
    assert found is not None
    assert found.run == "simulation (run 3); to-be default-online-0.6"     # the median share
    assert found.to_be == 6
    chosen = simulated_waiting(rows, online_share=0.9)
    assert chosen is not None and chosen.to_be == 9
    assert simulated_waiting(rows, online_share=0.5) is None


def test_an_old_weights_file_is_refused_with_the_reason(small_catalog: Path,
                                                         tmp_path: Path) -> None:
    old = tmp_path / "old.yaml"
    old.write_text("travel_minutes_per_visit: 50\nbenefit: {seals: 0.2}\n", encoding="utf-8")
    result = runner.invoke(app, ["rank", "--catalog", str(small_catalog), "--weights", str(old)])
    assert result.exit_code == 1
    assert isinstance(result.exception, TetsuzukiError)
    assert str(result.exception) == (
        f"{old}:1:1: error field 'travel_minutes_per_visit': this weight was removed: "
        "resident hours now include the modelled travel steps; weight counter visits with "
        "benefit.counter_visits")


def test_rank_over_the_whole_catalog() -> None:
    payload = _json(["rank", "--format", "json", "--no-store"])
    modelled = [e.id for e, a, t in catalog_versions(load_catalog()) if a.is_file() and t.is_file()]
    rows = payload["ranking"]
    assert sorted(r["procedure"] for r in rows) == sorted(modelled)
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    events = {g["life_event"] for g in payload["life_events"]}
    assert {"birth", "moving-in", "needing-care", "disaster"} <= events


# --------------------------------------------------------------------------- survey


@pytest.fixture
def survey_csv(tmp_path: Path) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEADER)
    writer.writerows(ROWS)
    path = tmp_path / "survey.csv"
    path.write_bytes(buf.getvalue().encode("cp932"))
    return path


def test_survey_rank_filters_and_formats(survey_csv: Path, tmp_path: Path) -> None:
    payload = _json(["survey", "rank", str(survey_csv), "--receiver", "地方等", "--format", "json"])
    assert [r["id"] for r in payload["ranking"]] == ["1", "2", "3", "6"]
    assert payload["matched"] == 4 and payload["unknown_counts"] == 2
    assert payload["ranking"][2]["non_online"] is None and payload["ranking"][2]["score"] is None
    top = _json(["survey", "rank", str(survey_csv), "--event", "引越し", "--top", "1",
                 "--format", "json"])
    assert [r["id"] for r in top["ranking"]] == ["1"]
    out = tmp_path / "survey.xlsx"
    result = runner.invoke(app, ["survey", "rank", str(survey_csv), "--ministry", "総務省",
                                 "--format", "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out)["survey ranking"]
    assert [c.value for c in sheet[1]][:4] == ["rank", "id", "ministry", "name"]
    assert [r[1].value for r in sheet.iter_rows(min_row=2)] == ["1", "2", "5", "6"]
    result = runner.invoke(app, ["survey", "rank", str(survey_csv)])
    assert result.exit_code == 0 and "転入届" in result.stdout


def test_survey_rank_with_no_match_is_an_error(survey_csv: Path) -> None:
    result = runner.invoke(app, ["survey", "rank", str(survey_csv), "--ministry", "宮内庁"])
    assert result.exit_code == 1
    assert isinstance(result.exception, TetsuzukiError)
    assert str(result.exception) == f"no procedure of {survey_csv} matches --ministry=宮内庁"


def test_survey_rank_real_parquet(shared_dir: Path, tmp_path: Path) -> None:
    path = shared_dir / "data" / "procedures-survey" / "procedures_data.parquet"
    out = tmp_path / "local.xlsx"
    result = runner.invoke(app, ["survey", "rank", str(path), "--receiver", "地方等", "--top", "20",
                                 "--format", "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out)["survey ranking"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    header = [c.value for c in sheet[1]]
    assert len(rows) == 20
    assert {r[header.index("receiver")] for r in rows} == {"3 地方等"}
    scores = [r[header.index("score")] for r in rows]
    assert scores == sorted(scores, reverse=True)


def test_readme_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every `$ tetsuzuki ...` line of docs/readme/ranking.md runs and exits 0 (the
    simulation flow, which needs a Prefect server, is covered by tests/flows)."""
    import shlex

    from tests.conftest import ROOT, SHARED

    text = (ROOT / "docs" / "readme" / "ranking.md").read_text(encoding="utf-8")
    commands = [shlex.split(line[2:].split("#", 1)[0]) for line in text.splitlines()
                if line.startswith("$ tetsuzuki ")]
    assert len(commands) >= 4
    monkeypatch.chdir(tmp_path)
    ran = 0
    for command in commands:
        args = command[1:]
        if args[:2] == ["run", "simulate"]:
            continue
        if any(a.startswith("../shared/") for a in args):
            if not SHARED.is_dir():
                continue
            args = [str(ROOT / a) if a.startswith("../shared/") else a for a in args]
        result = runner.invoke(app, [*args, "--no-store"] if args[0] == "rank" else args)
        assert result.exit_code == 0, (command, result.output)
        ran += 1
    assert ran >= 3
    assert (tmp_path / "ranking.xlsx").is_file()
