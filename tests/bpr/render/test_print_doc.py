"""The report for paper without a browser: running headers, the print document, the
diagram PDF on one A3 page (bpr.render.print_doc, bpr.render.pdf)."""

from __future__ import annotations

import functools
import io
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html
from pypdf import PdfReader
from typer.testing import CliRunner

from bpr.cli import app
from bpr.render.pdf import A3_LANDSCAPE, ChromiumError, fit_page, pdf_facts
from bpr.render.print_doc import (
    PRINT_DOCUMENT,
    SHORT_HASH,
    PrintedProcedure,
    css_string,
    page_rules,
    print_document,
)
from bpr.render.report import ReportSources, build_report, read_sources
from tests.bpr.render.test_output_files import run
from tests.bpr.render.test_report import EXAMPLE, make_procedures


def css_unescape(literal: str) -> str:
    assert literal.startswith('"') and literal.endswith('"')
    return re.sub(r"\\([0-9a-f]{6})", lambda m: chr(int(m.group(1), 16)), literal[1:-1])


@given(st.text())
def test_css_string_keeps_any_text_inside_the_string(text: str) -> None:
    literal = css_string(text)
    inner = literal[1:-1]
    assert not set(inner) & set("\"'<>\n\r\f{};@") - {";"}
    assert "\\" not in re.sub(r"\\[0-9a-f]{6}", "", inner)  # every backslash starts an escape
    assert css_unescape(literal) == text


@pytest.fixture(scope="module")
def sources(test_catalog: Path) -> ReportSources:
    return read_sources(test_catalog)


@pytest.fixture(scope="module")
def site(test_catalog_report: dict[str, bytes]) -> dict[str, bytes]:
    """``build_report(sources)``, built once for the session (conftest.py); this module's copy."""
    return dict(test_catalog_report)


def test_procedure_pages_carry_their_running_headers(site: dict[str, bytes]) -> None:
    page = site["procedures/child-allowance-claim.html"].decode("utf-8")
    head = page.split("</head>")[0]
    style = head.split("<style>")[1]
    sources = dict(re.findall(r"<tr><td><code>([^<]*)</code></td><td><code>([0-9a-f]{64})</code>", page))
    as_is = sources["childcare/child-allowance-claim/as-is.yaml"]
    to_be = sources["childcare/child-allowance-claim/to-be.yaml"]
    found = re.search(r'@page procedure \{ @top-left \{ content: ("[^"]*")', style)
    assert found, style
    text_header = css_unescape(found.group(1))
    assert text_header.startswith("手続ID: child-allowance-claim")
    assert as_is[:SHORT_HASH] in text_header and to_be[:SHORT_HASH] in text_header
    assert as_is in page and to_be in page  # the full hashes are on the page
    # The as-is diagram's pages name the as-is version only, on A3 landscape.
    assert re.search(r"body #diagram-as-is \{ page: procedure-as-is; \}", style)
    as_is_rule = re.search(r"@page procedure-as-is \{([^\n]*)\}", style)
    assert as_is_rule and "A3 landscape" in as_is_rule.group(1)
    assert to_be[:SHORT_HASH] not in css_unescape(re.findall(r'("[^"]*")', as_is_rule.group(1))[0])


def test_print_document_holds_every_page_in_order_with_links_inside(
        site: dict[str, bytes], sources: ReportSources) -> None:
    text = site[PRINT_DOCUMENT].decode("utf-8")
    doc = lxml_html.fromstring(text)
    sections = doc.xpath("//section[@class='print-section']")
    assert [s.get("id") for s in sections] == ["page-index", "proc-0", "proc-1", "proc-2", "proc-3"]
    assert sections[0].findtext(".//h1") == "手続BPR 監査報告"
    shown = [s.xpath(".//p[@class='crumbs']/code")[0].text for s in sections[1:]]
    assert shown == [p.id for p in sources.procedures]  # report order: catalog, then folders
    assert doc.get("lang") == "ja"
    ids = doc.xpath("//*[not(ancestor-or-self::svg)]/@id")  # Graphviz repeats its own in each drawing
    assert len(ids) == len(set(ids)), "the pages' ids are unique in the print document"
    links = doc.xpath("//a/@href")
    assert all(h.startswith("#") for h in links), "links stay inside the document"
    for href in (h for h in links if h.startswith("#")):
        assert doc.xpath(f"//*[@id='{href[1:]}']"), f"{href} leads nowhere"
    assert "#proc-0" in links  # the index links to the procedure's section
    files = doc.xpath("//a/@data-file")  # files of the report: their path, relative to it
    assert "diagrams/child-allowance-claim.as-is.svg" in files
    assert not doc.xpath("//script")
    # two modelled pairs: as-is, to-be, change map, diff; each an image of its file in the
    # report (the same bytes as the drawing inline on the procedure's page)
    drawings = doc.xpath("//figure[contains(@class, 'diagram')]//img[@class='drawing']")
    assert len(drawings) == 2 * 4 and "<svg" not in text
    for img in drawings:
        src = img.get("src")
        assert img.getparent().get("data-file") == src and src in site
        pages = "".join(site[p].decode("utf-8") for p in site if p.startswith("procedures/"))
        inline = re.search(rf'<a class="fit" href="../{re.escape(src)}">(<svg.*?</svg>)', pages, re.S)
        assert inline is not None
        file_texts = re.findall(r"<text\b.*?</text>", site[src].decode("utf-8"), re.S)
        assert len(file_texts) > 10 and file_texts == re.findall(r"<text\b.*?</text>", inline.group(1), re.S)


def test_ids_and_names_from_a_folder_stay_text(tmp_path: Path) -> None:
    root = make_procedures(tmp_path / "procedures", golden=False, broken=False)
    hostile = 'x"};<script>alert(1)<'  # a folder name: the procedure's id
    shutil.copytree(EXAMPLE, root / "other" / hostile)
    files = build_report(read_sources(root))
    document = files[PRINT_DOCUMENT].decode("utf-8")
    assert "<script>" not in document
    style = document.split("<style>")[1].split("</style>")[0]
    assert any(hostile in css_unescape(h) for h in re.findall(r'content: ("[^"]*")', style))


def test_page_rules_give_every_diagram_its_own_a3_page() -> None:
    proc = PrintedProcedure("p", (("as-is", "a" * 64), ("to-be", "b" * 64)))
    rules = page_rules(proc, "s1", "#sec", "sec--")
    for version in ("as-is", "to-be", "diff"):
        assert f"#sec #sec--diagram-{version} {{ page: s1-{version}; }}" in rules
        assert re.search(rf"@page s1-{version} \{{ size: A3 landscape;", rules)


@pytest.mark.parametrize("diff", [False, True])
def test_diagram_pdf_is_one_a3_page_and_reproducible(tmp_path: Path, diff: bool) -> None:
    outputs = []
    for name in ("a.pdf", "b.pdf"):
        args = ["diagram", str(EXAMPLE / "as-is.yaml"), "-o", str(tmp_path / name)]
        if diff:
            args += ["--diff", str(EXAMPLE / "to-be.yaml")]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]
    facts = pdf_facts(outputs[0])
    assert facts.pages == 1
    width, height = facts.page_sizes[0]
    assert sorted((width, height)) == pytest.approx(sorted(A3_LANDSCAPE), abs=0.5)  # A3, 297 × 420 mm
    assert "SHA-256" in PdfReader(io.BytesIO(outputs[0])).pages[0].extract_text()  # the drawing is on it


def test_report_pdf_without_chromium_names_what_is_missing_and_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_procedures(tmp_path / "procedures", golden=False, broken=False)
    monkeypatch.setattr("bpr.render.pdf.CHROMIUM_NAMES", ("no-such-chromium",))  # none on PATH
    out = tmp_path / "report"
    code, _, err = run(["report", str(out), "--pdf", "--procedures", str(root), "--simulation", "none"],
                       capsys, monkeypatch)
    assert code == 1
    assert "Chromium is not installed (none of no-such-chromium is on PATH)" in err
    assert "apt-get install chromium" in err
    assert "Traceback" not in err
    assert not out.exists()


@functools.cache
def small_pdf() -> bytes:
    from bpr.model.load import load_procedure
    from bpr.render.diagram import diagram, render

    return fit_page(render(diagram(load_procedure(EXAMPLE / "as-is.yaml")), "pdf"))


def spliced(pdf: bytes, cut: int, length: int, junk: bytes) -> bytes:
    """``pdf`` with ``length`` bytes at ``cut`` replaced by ``junk``."""
    cut %= len(pdf)
    return pdf[:cut] + junk + pdf[cut + length:]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(
    st.binary(max_size=600),
    st.builds(lambda cut, at, junk: spliced(small_pdf(), cut, at, junk),
              st.integers(0, 10**6), st.integers(0, 64), st.binary(max_size=16)),
))
def test_a_pdf_in_the_folder_is_read_or_refused_by_name(data: bytes) -> None:
    """`verify` reads report.pdf from a folder anyone may have edited: any bytes give its
    facts or a ChromiumError saying it is no readable PDF, never another exception."""
    try:
        facts = pdf_facts(data)
    except ChromiumError as exc:
        assert str(exc).startswith("not a readable PDF")
    else:
        assert facts.pages == len(facts.page_sizes) >= 0


def test_images_and_links_of_a_page_resolve_from_the_print_document() -> None:
    """A procedure page's image (a chart) and file links point one folder up; in the print
    document, which sits at the top of the report, they are relative to the report."""
    page = ('<html><head></head><body><main>\n<figure class="chart"><img src="../charts/p.svg" alt="x">'
            '<figcaption><a href="../charts/p.svg">SVG</a> <a href="../index.html">一覧</a></figcaption>'
            '</figure>\n</main></body></html>')
    files = {"index.html": b"<html><head></head><body><main>\n<h1>i</h1>\n</main></body></html>",
             "procedures/p.html": page.encode()}
    doc = lxml_html.fromstring(print_document(files, [PrintedProcedure("p", ())]))
    assert doc.xpath("//section[@id='proc-0']//img/@src") == ["charts/p.svg"]
    assert doc.xpath("//section[@id='proc-0']//a/@data-file") == ["charts/p.svg"]
    assert doc.xpath("//section[@id='proc-0']//a/@href") == ["#page-index"]
