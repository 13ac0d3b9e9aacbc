"""The auditors' report (bpr.render.report) and its verification (bpr.render.verify): content,
determinism, manifest, verify, CLI, whole catalog."""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from pathlib import Path

import pytest
from lxml import html as lxml_html
from typer.testing import CliRunner

from bpr.analysis.diff import diff
from bpr.cli import app
from bpr.i18n import localize, translator
from bpr.model.catalog import builtin_root, load_catalog
from bpr.model.load import load_procedure
from bpr.render.publish import read_folder, write_report
from bpr.render.report import MANIFEST, ReportError, build_report, read_sources, sha256
from bpr.render.verify import verify_report
from tests.bpr.render.test_diagram import GOLDEN
from tests.conftest import EXAMPLE

CATALOG = """\
reference_population: 100000
procedures:
  - no: 1
    id: child-allowance-claim
    path: childcare/child-allowance-claim
    name: 児童手当等の受給資格及び児童手当の額についての認定請求
    name_en: Claim for child allowance
    category: childcare
    level: municipal
    annual_volume: 410
    volume_source: "assumption: test"
  - no: 2
    id: not-modelled-yet
    path: childcare/not-modelled-yet
    name: まだモデルのない手続
    name_en: Not modelled yet
    category: childcare
    level: municipal
    annual_volume: 10
    volume_source: "assumption: test"
"""


def make_procedures(root: Path, *, golden: bool = True, broken: bool = True) -> Path:
    """A small procedures folder: a catalog with the example and an unmodelled entry, the
    golden pair in a folder the catalog does not list, and a folder with an invalid model."""
    (root / "childcare").mkdir(parents=True)
    (root / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    shutil.copytree(EXAMPLE, root / "childcare" / "child-allowance-claim")
    if golden:
        (root / "other" / "golden-lanes").mkdir(parents=True)
        for version in ("as-is", "to-be"):
            shutil.copy(GOLDEN / f"lanes.{version}.yaml", root / "other" / "golden-lanes" / f"{version}.yaml")
    if broken:
        (root / "other" / "broken").mkdir(parents=True)
        (root / "other" / "broken" / "as-is.yaml").write_text(textwrap.dedent("""\
            id: broken
            name: 壊れた手続
            version: as-is
            category: other
            annual_volume: 1
            volume_source: "assumption: test"
            actors: [{id: clerk, name: 窓口, kind: staff}]
            steps:
              - {id: start, name: 開始, kind: start, actor: clerk}
              - {id: end, name: 終了, kind: end, actor: clerk, seel: true}
            flows: [{from: start, to: end}]
            """), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def procedures(test_catalog: Path) -> Path:
    """``make_procedures()``, made once for the session (conftest.py): read only."""
    return test_catalog


@pytest.fixture(scope="module")
def site(test_catalog_report: dict[str, bytes]) -> dict[str, bytes]:
    """Its report (``build_report``, built once for the session; this module's copy)."""
    return dict(test_catalog_report)


@pytest.fixture
def written(site: dict[str, bytes], tmp_path: Path) -> Path:
    out = tmp_path / "report"
    write_report(out, site)
    return out


def page(site: dict[str, bytes], path: str) -> str:
    return site[path].decode("utf-8")


# --------------------------------------------------------------------------- content


def test_site_has_an_index_a_page_per_procedure_and_the_diagrams(site: dict[str, bytes]) -> None:
    expected = {
        "index.html", "style.css", MANIFEST, "print.html",
        "procedures/child-allowance-claim.html", "procedures/not-modelled-yet.html",
        "procedures/golden-lanes.html", "procedures/broken.html",
        *(f"diagrams/{p}.{v}.svg" for p in ("child-allowance-claim", "golden-lanes")
          for v in ("as-is", "to-be", "diff", "changes")),
        # the summary's charts (bpr/render/summary.py; no city scenario here) and each pair's own
        "charts/staff-hours.svg", "charts/paper-by-share.svg", "charts/pareto-staff-hours.svg",
        "charts/procedures/child-allowance-claim.svg", "charts/procedures/golden-lanes.svg",
    }
    assert set(site) == expected


def test_diagrams_fit_the_page_width_and_link_to_the_full_size_file(site: dict[str, bytes]) -> None:
    doc = lxml_html.fromstring(page(site, "procedures/child-allowance-claim.html"))
    figures = doc.xpath("//figure[contains(@class, 'diagram')]")
    assert [f.get("id") for f in figures] == ["diagram-as-is", "diagram-to-be", "diagram-changes",
                                              "diagram-diff"]
    for figure in figures:
        (link,) = figure.xpath(".//a[@class='fit']")
        target = link.get("href").removeprefix("../")
        assert target in site and target.endswith(".svg")
        (svg,) = link.xpath(".//svg")
        assert svg.get("viewbox") or svg.get("viewBox")  # scaled by CSS, so the viewBox must stay
        assert figure.xpath(f".//figcaption/a[@href='../{target}']")  # and a visible link to it
    css = page(site, "style.css")
    assert re.search(r"figure\.diagram a\.fit svg \{ width: 100%; height: auto; \}", css)
    assert "<script" not in page(site, "procedures/child-allowance-claim.html")


def test_index_lists_catalog_order_then_other_folders(site: dict[str, bytes]) -> None:
    index = page(site, "index.html").split('<table class="index">', 1)[1]  # after the summary
    links = re.findall(r'href="procedures/([a-z0-9-]+)\.html"', index)
    assert links == ["child-allowance-claim", "not-modelled-yet", "broken", "golden-lanes"]
    row = index[index.index("not-modelled-yet.html"):].split("</tr>")[0]
    assert "未作成" in row


def test_procedure_page_shows_diagrams_metrics_and_the_change_table(site: dict[str, bytes]) -> None:
    text = page(site, "procedures/child-allowance-claim.html")
    doc = lxml_html.fromstring(text)
    assert len(doc.xpath("//figure//svg")) == 4  # as-is, to-be, change map, diff
    assert "児童手当等の受給資格及び児童手当の額についての認定請求" in doc.findtext(".//h1")
    assert "申請者の作業時間" in text and "来庁回数" in text
    changes = diff(load_procedure(EXAMPLE / "as-is.yaml"), load_procedure(EXAMPLE / "to-be.yaml"))
    table_text = " ".join(doc.xpath("//table[@class='changes']")[0].itertext())
    for change in changes.changes:
        for step in change.as_is_steps + change.to_be_steps:
            assert f"（{step}）" in table_text
        for warning in change.warnings:
            assert localize(warning, translator("ja")) in table_text
    # A rationale written in the to-be model is shown next to its change.
    to_be = load_procedure(EXAMPLE / "to-be.yaml")
    rationale = next(s.rationale for s in to_be.steps if s.rationale and s.replaces)
    assert " ".join(rationale.split())[:40] in " ".join(table_text.split())


def test_source_hashes_are_shown_and_recorded(site: dict[str, bytes], procedures: Path) -> None:
    manifest = json.loads(site[MANIFEST])
    source = "childcare/child-allowance-claim/to-be.yaml"
    digest = sha256((procedures / source).read_bytes())
    assert manifest["sources"][source] == digest
    assert digest in page(site, "procedures/child-allowance-claim.html")
    assert set(manifest["sources"]) == {
        "catalog.yaml", "childcare/child-allowance-claim/as-is.yaml", source,
        "other/golden-lanes/as-is.yaml", "other/golden-lanes/to-be.yaml", "other/broken/as-is.yaml"}


def test_manifest_hashes_every_file_it_wrote(site: dict[str, bytes]) -> None:
    manifest = json.loads(site[MANIFEST])
    assert set(manifest["files"]) == set(site) - {MANIFEST}
    for path, digest in manifest["files"].items():
        assert sha256(site[path]) == digest
    assert manifest["simulation_sha256"] is None
    assert not re.search(r"20\d\d-\d\d-\d\d", site[MANIFEST].decode())  # no timestamps


def test_an_invalid_model_is_reported_not_fatal(site: dict[str, bytes]) -> None:
    text = page(site, "procedures/broken.html")
    assert "モデルの誤り" in text and "unknown field &#39;seel&#39;" in text and "seal" in text
    index = page(site, "index.html")
    assert "モデルに誤り" in index[index.index("broken.html"):].split("</tr>")[0]


def test_building_twice_gives_identical_bytes(procedures: Path, site: dict[str, bytes]) -> None:
    assert build_report(read_sources(procedures)) == site


def test_parallel_workers_give_the_same_bytes(procedures: Path, site: dict[str, bytes]) -> None:
    assert build_report(read_sources(procedures), workers=2) == site


def test_simulation_results_are_optional_and_hashed(procedures: Path) -> None:
    simulation = {"child-allowance-claim": [
        {"version": "as-is", "lead_time_days": 12.3456, "note": "<b>95% CI</b>"},
        {"version": "to-be", "lead_time_days": 4.5, "note": None}]}
    files = build_report(read_sources(procedures), simulation)
    text = page(files, "procedures/child-allowance-claim.html")
    sim = text[text.index('id="simulation"'):]
    assert "lead_time_days" in sim and "12.35" in sim and "&lt;b&gt;95% CI&lt;/b&gt;" in sim
    assert "この手続のシミュレーション結果はありません" in page(files, "procedures/golden-lanes.html")
    assert json.loads(files[MANIFEST])["simulation_sha256"] is not None


def test_hostile_names_are_escaped_everywhere(tmp_path: Path) -> None:
    root = make_procedures(tmp_path / "p", golden=False, broken=False)
    hostile = '<script>alert("x")</script> & "]; evil ['
    for version in ("as-is", "to-be"):
        path = root / "childcare" / "child-allowance-claim" / f"{version}.yaml"
        text = path.read_text(encoding="utf-8").replace(
            "name: 市役所へ行く（往復）", f"name: '{hostile}'")
        path.write_text(text, encoding="utf-8")
    files = build_report(read_sources(root))
    for name, data in files.items():
        if name.endswith((".html", ".svg")):
            assert b"<script" not in data, name
    assert "&lt;script&gt;" in page(files, "procedures/child-allowance-claim.html")


# --------------------------------------------------------------------------- verify


def test_verify_passes_on_a_fresh_report(written: Path, procedures: Path) -> None:
    result = verify_report(read_folder(written), read_sources(procedures))
    assert result.ok, result.lines()


VICTIMS = ["index.html", "style.css", MANIFEST, "procedures/child-allowance-claim.html",
           "diagrams/golden-lanes.diff.svg"]


@pytest.mark.parametrize("victim", VICTIMS)
def test_verify_names_a_file_changed_by_one_byte(written: Path, procedures: Path, victim: str) -> None:
    path = written / victim
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    result = verify_report(read_folder(written), read_sources(procedures))
    assert not result.ok
    assert result.changed == (victim,)


def test_verify_names_added_and_removed_files(written: Path, procedures: Path) -> None:
    (written / "diagrams" / "child-allowance-claim.diff.svg").unlink()
    (written / "extra.html").write_text("<p>not ours</p>", encoding="utf-8")
    result = verify_report(read_folder(written), read_sources(procedures))
    assert result.removed == ("diagrams/child-allowance-claim.diff.svg",)
    assert result.added == ("extra.html",)
    assert not result.changed


def test_verify_names_a_source_changed_by_one_byte(written: Path, tmp_path: Path) -> None:
    root = make_procedures(tmp_path / "p")
    write_report(written, build_report(read_sources(root)))
    source = root / "childcare" / "child-allowance-claim" / "as-is.yaml"
    source.write_bytes(source.read_bytes().replace(b"# ", b"#!", 1))  # a comment: same model
    result = verify_report(read_folder(written), read_sources(root))
    assert not result.ok
    assert result.sources_changed == ("childcare/child-allowance-claim/as-is.yaml",)
    assert not result.changed  # nobody edited the report; it is only stale
    assert MANIFEST in result.stale


def test_verify_when_a_model_changes_meaning(written: Path, tmp_path: Path) -> None:
    root = make_procedures(tmp_path / "p")
    write_report(written, build_report(read_sources(root)))
    source = root / "other" / "golden-lanes" / "to-be.yaml"
    text = source.read_text(encoding="utf-8").replace("自動チェック", "自動点検")
    source.write_text(text, encoding="utf-8")
    result = verify_report(read_folder(written), read_sources(root))
    assert result.sources_changed == ("other/golden-lanes/to-be.yaml",)
    assert "procedures/golden-lanes.html" in result.stale
    assert "diagrams/golden-lanes.to-be.svg" in result.stale
    assert "procedures/child-allowance-claim.html" not in result.stale


def test_verify_without_manifest(written: Path, procedures: Path) -> None:
    (written / MANIFEST).unlink()
    result = verify_report(read_folder(written), read_sources(procedures))
    assert result.removed == (MANIFEST,)


def test_write_report_refuses_a_folder_that_is_not_a_report(tmp_path: Path, site: dict[str, bytes]) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ReportError, match=r"holds no manifest\.json"):
        write_report(tmp_path, site)


def test_write_report_replaces_an_earlier_report(written: Path, site: dict[str, bytes]) -> None:
    smaller = {k: v for k, v in site.items() if "golden-lanes" not in k}
    write_report(written, smaller)
    assert not (written / "procedures" / "golden-lanes.html").exists()


# --------------------------------------------------------------------------- CLI


def test_cli_report_then_verify_then_tamper(tmp_path: Path) -> None:
    procedures = make_procedures(tmp_path / "procedures", broken=False)
    runner = CliRunner()
    out = tmp_path / "site"
    result = runner.invoke(app, ["report", str(out), "--procedures", str(procedures), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert (out / "index.html").is_file()
    result = runner.invoke(app, ["verify", str(out), "--procedures", str(procedures), "--workers", "1"])
    assert result.exit_code == 0, result.output
    page_path = out / "procedures" / "golden-lanes.html"
    page_path.write_bytes(page_path.read_bytes().replace(b"</h1>", b" </h1>", 1))
    result = runner.invoke(app, ["verify", str(out), "--procedures", str(procedures), "--workers", "1"])
    assert result.exit_code == 1
    assert "changed: procedures/golden-lanes.html" in result.output


@pytest.mark.parametrize("fmt, magic", [("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_cli_diagram_formats(tmp_path: Path, fmt: str, magic: bytes) -> None:
    out = tmp_path / f"d.{fmt}"
    result = CliRunner().invoke(app, ["diagram", str(EXAMPLE / "as-is.yaml"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(magic)


def test_cli_diff_diagram_orders_versions(tmp_path: Path) -> None:
    out1, out2 = tmp_path / "a.svg", tmp_path / "b.svg"
    runner = CliRunner()
    assert runner.invoke(app, ["diagram", str(EXAMPLE / "as-is.yaml"), "--diff", str(EXAMPLE / "to-be.yaml"),
                               "-o", str(out1)]).exit_code == 0
    assert runner.invoke(app, ["diagram", str(EXAMPLE / "to-be.yaml"), "--diff", str(EXAMPLE / "as-is.yaml"),
                               "--format", "svg", "-o", str(out2)]).exit_code == 0
    assert out1.read_bytes() == out2.read_bytes()
    assert b"<title>as&#45;is/prepare&#45;attachments</title>" in out1.read_bytes()


# --------------------------------------------------------------------------- the whole catalog


@pytest.mark.slow
def test_report_for_the_whole_catalog() -> None:
    sources = read_sources(builtin_root())
    catalog = load_catalog()
    assert [p.id for p in sources.procedures][:len(catalog.ids)] == list(catalog.ids)
    files = build_report(sources, workers=2)
    for entry in catalog.procedures:
        assert f"procedures/{entry.id}.html" in files
        proc = next(p for p in sources.procedures if p.id == entry.id)
        if proc.as_is and proc.to_be:
            assert f"diagrams/{entry.id}.diff.svg" in files, entry.id
    manifest = json.loads(files[MANIFEST])
    assert set(manifest["files"]) == set(files) - {MANIFEST}
    assert set(manifest["sources"]) == set(sources.files) and "catalog.yaml" in manifest["sources"]
    # verify on a fresh report is covered by the small-folder tests; `tetsuzuki verify`
    # on the whole catalog takes as long again as building it.
