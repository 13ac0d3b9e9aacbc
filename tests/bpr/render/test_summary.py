"""The report's summary page and charts (bpr.render.summary, bpr.render.charts): what an
auditor relies on — the page's settings are recorded and re-derived by ``verify``, the
charts are the same bytes in another process, user text in a chart is never interpreted,
and every text of the page is in Japanese."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from babel.messages.extract import extract_python
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from typer.testing import CliRunner

from bpr.cli import app
from bpr.render import charts
from bpr.render.publish import read_folder, write_report
from bpr.render.report import MANIFEST, build_report, read_sources
from bpr.render.summary import (
    FIGURE_LABELS,
    GROUP_LABELS,
    PEAK_LABELS,
    SummaryOptions,
)
from bpr.render.verify import verify_report
from tests.bpr.render.test_report import make_procedures

ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()

CITY = """\
name: test-city
scenario:
  name: test-city
  start: 2025-04-01
  horizon_days: 365
  warmup_days: 30
  drain_days: 120
  replications: 10
  seed: 777
pools:
  - {id: kosodate-counter, name: 子育て支援課 窓口, headcount: 2}
rules:
  - {actor_name: 子育て支援課 窓口, pool: kosodate-counter}
"""


@pytest.fixture(scope="module")
def procedures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_procedures(tmp_path_factory.mktemp("procedures"), golden=False, broken=False)
    (root / "scenarios").mkdir()
    (root / "scenarios" / "city.yaml").write_text(CITY, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def site(procedures: Path) -> dict[str, bytes]:
    return build_report(read_sources(procedures), summary=SummaryOptions(online_share=0.3))


def _svg(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


def test_summary_is_on_the_index_with_its_charts(site: dict[str, bytes]) -> None:
    index = site["index.html"].decode("utf-8")
    assert "概要: 全手続の現行 → 見直し後" in index
    assert "オンライン化の優先順位" in index and "年間の合計" in index
    for chart in ("charts/staff-hours.svg", "charts/paper-by-share.svg",
                  "charts/pareto-staff-hours.svg", "charts/city-months.svg"):
        assert chart in site, chart
        assert f'<img src="{chart}"' in index
        assert _svg(site[chart]).tag == "{http://www.w3.org/2000/svg}svg"
    page = site["procedures/child-allowance-claim.html"].decode("utf-8")
    assert '<img src="../charts/procedures/child-allowance-claim.svg"' in page
    assert "charts/procedures/child-allowance-claim.svg" in site
    # no script anywhere, and the content security policy stays
    for path, data in site.items():
        if path.endswith((".html", ".svg")):
            assert b"<script" not in data, path
    assert "default-src 'none'" in index


def test_manifest_records_the_settings_seed_and_replications(site: dict[str, bytes]) -> None:
    manifest = json.loads(site[MANIFEST])
    summary = manifest["summary"]
    assert summary["options"]["online_share"] == 0.3
    assert summary["city"] == {"city": "test-city", "seed": 777, "replications": 2,
                               "file": "scenarios/city.yaml"}
    assert summary["procedures"] == ["child-allowance-claim"]
    assert "scenarios/city.yaml" in manifest["sources"]
    assert set(manifest["files"]) == set(site) - {MANIFEST}
    index = site["index.html"].decode("utf-8")
    assert "乱数シード 777" in index and "2 回の対応のある反復" in index
    assert "30%" in index  # the share the page shows


def test_verify_re_derives_the_summary_from_the_recorded_settings(site: dict[str, bytes],
                                                                    procedures: Path,
                                                                    tmp_path: Path) -> None:
    out = tmp_path / "report"
    write_report(out, site)
    present = read_folder(out)
    recorded = json.loads(present[MANIFEST])
    options = SummaryOptions.from_manifest(recorded["summary"])
    assert verify_report(present, read_sources(procedures), summary=options).ok
    # another share is another report: the defaults do not verify this one
    other = verify_report(present, read_sources(procedures))
    assert not other.ok and "index.html" in other.changed


def test_report_and_verify_commands_take_the_online_share(procedures: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = runner.invoke(app, ["report", str(out), "--procedures", str(procedures), "--simulation",
                                 "none", "--online-share", "0.6", "--city-replications", "0"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["summary"]["options"]["online_share"] == 0.6
    assert manifest["summary"]["city"] is None and "charts/city-months.svg" not in manifest["files"]
    result = runner.invoke(app, ["verify", str(out), "--procedures", str(procedures)])
    assert result.exit_code == 0, result.output


def test_charts_are_the_same_bytes_in_another_process(site: dict[str, bytes], procedures: Path) -> None:
    script = textwrap.dedent(f"""
        import hashlib, json, sys
        from bpr.render.report import build_report, read_sources
        from bpr.render.summary import SummaryOptions
        files = build_report(read_sources({str(procedures)!r}), summary=SummaryOptions(online_share=0.3))
        print(json.dumps({{p: hashlib.sha256(d).hexdigest() for p, d in files.items()
                          if p.startswith("charts/") or p in ("index.html", "manifest.json")}}))
        """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          cwd=ROOT, timeout=600)
    other = json.loads(done.stdout)
    from bpr.render.report import sha256

    assert len(other) >= 6
    assert other == {p: sha256(site[p]) for p in other}


HOSTILE = "$\\frac{1}{0}$ <script>alert(1)</script> & --> ]]> 申請"


def test_user_text_in_a_chart_is_never_interpreted() -> None:
    svg = charts.bars_chart([HOSTILE, "普通の手続"], [10.0, 5.0], [4.0, 1.0], title=HOSTILE, axis="時間",
                            legend=("現行", "見直し後"))
    tree = _svg(svg)  # well-formed XML whatever the name holds
    assert not tree.xpath("//*[local-name()='script']")
    assert b"<script" not in svg
    # '$' is drawn: mathtext would read "$$" as an empty formula and draw nothing
    def drawn(title: str) -> bytes:
        chart = charts.bars_chart(["a"], [1.0], [0.5], title=title, axis="x", legend=("a", "b"))
        return re.sub(rb"<!--.*?-->", b"", chart, flags=re.S)

    assert drawn("$$") != drawn("")
    assert drawn("$\\alpha$") != drawn("α")
    assert charts.bars_chart([HOSTILE, "普通の手続"], [10.0, 5.0], [4.0, 1.0], title=HOSTILE,
                             axis="時間", legend=("現行", "見直し後")) == svg


def test_japanese_labels_are_drawn_with_the_cjk_font() -> None:
    if charts.chart_font() == "DejaVuSans.ttf":
        pytest.skip("no CJK font installed (scripts/setup.sh installs fonts-ipafont-gothic)")
    svg = charts.procedure_chart(["紙の申請書（件）"], [100.0], [20.0], title="年間", axis="割合",
                                 legend=("現行", "見直し後"))
    # glyphs are defined once per font and glyph (id "<font>-<glyph>"): every one from IPA
    # Gothic, none from the fallback font (which has no kanji: its glyphs would be tofu)
    fonts = {i.rsplit("-", 1)[0] for i in re.findall(r'<path id="([^"]+-[0-9a-f]+)"', svg.decode())}
    assert fonts == {"IPAGothic"}, fonts


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(["options", "online_share", "city_replications",
                                                       "fte_hours", "x"]), inner, max_size=4),
                    max_leaves=12))
def test_options_from_any_manifest_are_valid(recorded: object) -> None:
    options = SummaryOptions.from_manifest(recorded)
    assert options.online_share is None or 0 <= options.online_share <= 1
    assert 0 <= options.city_replications <= 1000
    assert options.fte_hours > 0


def test_every_text_of_the_page_is_translated() -> None:
    with (ROOT / "bpr/i18n/locale/ja/LC_MESSAGES/summary.po").open("rb") as handle:
        catalog = read_po(handle, locale="ja")
    translated = {m.id for m in catalog if m.id and m.string}
    template = (ROOT / "bpr/render/templates/summary.html").read_text(encoding="utf-8")
    used = set(re.findall(r'_\("((?:[^"\\]|\\.)*)"\)', template))
    with (ROOT / "bpr/render/summary.py").open("rb") as handle:
        used |= {m[2] for m in extract_python(handle, {"_": None}, [], {})
                 if isinstance(m[2], str)}
    used |= set(FIGURE_LABELS.values()) | set(GROUP_LABELS.values()) | set(PEAK_LABELS.values())
    used.discard("ja")
    assert used and not used - translated, sorted(used - translated)


def test_a_bad_city_scenario_or_a_model_at_odds_with_the_catalog_is_named_not_a_traceback(
        tmp_path: Path) -> None:
    root = make_procedures(tmp_path / "procedures", golden=False, broken=False)
    catalog = root / "catalog.yaml"
    catalog.write_text(catalog.read_text(encoding="utf-8").replace("annual_volume: 410",
                                                                   "annual_volume: 411"),
                       encoding="utf-8")
    (root / "scenarios").mkdir()
    (root / "scenarios" / "city.yaml").write_text(CITY.replace("headcount: 2", "headcount: -1"),
                                                  encoding="utf-8")
    files = build_report(read_sources(root))
    index = files["index.html"].decode("utf-8")
    summary = index.split('id="summary"', 1)[1].split('<table class="index">', 1)[0]
    # the pair disagrees with the catalog: left out of the totals, named with its location
    assert "child-allowance-claim" in summary and "annual_volume" in summary
    assert "childcare/child-allowance-claim/as-is.yaml:" in summary
    manifest = json.loads(files[MANIFEST])
    assert manifest["summary"]["procedures"] == []
    assert manifest["summary"]["excluded"] == ["child-allowance-claim"]
    assert manifest["summary"]["city"] is None and "charts/city-months.svg" not in files
    assert "charts/staff-hours.svg" not in files  # nothing to chart
    assert "Traceback" not in index
    # with the catalog right again, the invalid city scenario is named with its location
    catalog.write_text(catalog.read_text(encoding="utf-8").replace("annual_volume: 411",
                                                                   "annual_volume: 410"),
                       encoding="utf-8")
    files = build_report(read_sources(root))
    summary = files["index.html"].decode("utf-8").split('id="summary"', 1)[1]
    assert json.loads(files[MANIFEST])["summary"]["procedures"] == ["child-allowance-claim"]
    assert "scenarios/city.yaml:" in summary and "headcount" in summary
    assert "charts/city-months.svg" not in files and "charts/staff-hours.svg" in files
