"""The report laid out by a real browser, on screen and on paper, and its PDF.

Headless Chromium (the session fixture of ``conftest.py``; skipped when absent) opens a
copy of each page with a measuring script appended (the report itself has no script and
a content security policy that forbids one; the copy drops the policy) and reports what it
measured in the DOM it dumps: at 1,400 px and at the width of an A4 page's text area
with the print rules of ``style.css`` applied. The PDF is read with pypdf.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html
from pypdf import PdfReader

from bpr.render.pdf import A3_LANDSCAPE, PDF_FILE, normalise, pdf_facts, print_html, print_report
from bpr.render.print_doc import PRINT_DOCUMENT
from bpr.render.publish import read_folder
from bpr.render.report import MANIFEST, read_sources
from bpr.render.verify import verify_report
from tests.bpr.render.conftest import RunChromium
from tests.bpr.render.test_output_files import run

MEASURE = """
<script>
(function () {
  const de = document.documentElement;
  const out = {lang: de.lang, scrollWidth: de.scrollWidth, clientWidth: de.clientWidth,
               diagrams: [], cells: []};
  for (const f of document.querySelectorAll("figure.diagram")) {
    const svg = f.querySelector("svg").getBoundingClientRect();
    const box = (f.querySelector(".scroll") || f).getBoundingClientRect();
    out.diagrams.push({id: f.id, svg: [svg.left, svg.right, svg.width, svg.height],
                       box: [box.left, box.right, box.width]});
  }
  for (const cell of document.querySelectorAll("td, th")) {
    if (cell.scrollWidth > cell.clientWidth + 1) {
      out.cells.push({text: cell.textContent.slice(0, 80), scroll: cell.scrollWidth,
                      client: cell.clientWidth});
    }
  }
  // Width of the ECRS table's columns, in characters of their own font size.
  out.changeColumns = Array.from(document.querySelectorAll("table.changes thead th"), (th) => [
    th.textContent, th.getBoundingClientRect().width / parseFloat(getComputedStyle(th).fontSize)]);
  const pre = document.createElement("pre");
  pre.id = "tetsuzuki-measure";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""

A4_TEXT_WIDTH_PX = round((210 - 24) / 25.4 * 96)
"""The text width of an A4 portrait page (12 mm margins) in CSS pixels."""

PAGES = ["index.html", "procedures/child-allowance-claim.html", "procedures/golden-lanes.html",
         "procedures/not-modelled-yet.html"]

DIAGRAMS_PER_PAIR = 4
"""Drawings on the page of a procedure with both versions: as-is, to-be, change map, diff."""


def measurable_copy(site: Path, folder: Path, *, print_rules: bool) -> Path:
    """A copy of the site whose pages run :data:`MEASURE`; with ``print_rules`` the style
    sheet's ``@media print`` rules apply on screen."""
    shutil.copytree(site, folder)
    for page in folder.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text)
        page.write_text(text.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    if print_rules:
        css = folder / "style.css"
        rules = css.read_text(encoding="utf-8").replace("@media print", "@media all")
        css.write_text(rules, encoding="utf-8")
    return folder


def measure(chromium: RunChromium, page: Path, width: int) -> dict[str, Any]:
    dom = chromium(["--dump-dom", f"--window-size={width},1000", page.as_uri()]).decode("utf-8")
    found = lxml_html.fromstring(dom).xpath("//pre[@id='tetsuzuki-measure']")
    assert found, f"the measuring script did not run on {page}"
    result: dict[str, Any] = json.loads(found[0].text_content())
    return result


@pytest.fixture(scope="module", params=[("screen-1400", 1400, False), ("a4-print", A4_TEXT_WIDTH_PX, True)],
                ids=lambda p: p[0])
def measured(request: pytest.FixtureRequest, printed_site: Path, chromium: RunChromium,
             tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    name, width, print_rules = request.param
    copy = measurable_copy(printed_site, tmp_path_factory.mktemp(name) / "site", print_rules=print_rules)
    return {page: measure(chromium, copy / page, width) for page in PAGES}


def test_pages_are_japanese_and_have_no_horizontal_scroll(measured: dict[str, dict[str, Any]]) -> None:
    for page, m in measured.items():
        assert m["lang"] == "ja", page
        assert m["scrollWidth"] <= m["clientWidth"], f"{page}: {m['scrollWidth']} > {m['clientWidth']}"


def test_every_diagram_fits_its_box(measured: dict[str, dict[str, Any]]) -> None:
    seen = 0
    for page, m in measured.items():
        for d in m["diagrams"]:
            left, right, width, height = d["svg"]
            box_left, box_right, _ = d["box"]
            assert width > 100 and height > 100, f"{page} {d['id']} is drawn too small: {d}"
            assert box_left - 0.5 <= left and right <= box_right + 0.5, f"{page} {d['id']} overflows: {d}"
            seen += 1
    assert seen == 2 * DIAGRAMS_PER_PAIR  # the two modelled procedures


def test_no_table_cell_overflows(measured: dict[str, dict[str, Any]]) -> None:
    for page, m in measured.items():
        assert m["cells"] == [], f"{page}: cells overflow: {m['cells'][:3]}"


def test_the_ecrs_audit_notes_column_is_not_squeezed(measured: dict[str, dict[str, Any]]) -> None:
    columns = dict(measured["procedures/child-allowance-claim.html"]["changeColumns"])
    # 監査上の注意 was one character wide; now room for at least six per line, and so
    # for the reasons (理由) and what changed (内容).
    for name in ("監査上の注意", "理由", "内容"):
        assert columns[name] >= 6, columns


# --------------------------------------------------------------------------- the PDF

HEADER_FOOTER = re.compile(r"手続\s*ID:.*|手続\s*BPR 監査報告|(\d+ / \d+)?tetsuzuki \S+ ・.*")
"""Lines of the running header and footer in a page's extracted text."""


def test_pdf_pages_a4_text_a3_diagrams_none_blank(printed_site: Path) -> None:
    data = (printed_site / PDF_FILE).read_bytes()
    manifest = json.loads((printed_site / MANIFEST).read_text(encoding="utf-8"))
    reader = PdfReader(printed_site / PDF_FILE)
    assert manifest["pdf"]["pages"] == len(reader.pages) == pdf_facts(data).pages
    sizes = [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages]
    a3 = (round(A3_LANDSCAPE[0]), round(A3_LANDSCAPE[1]))
    assert sizes.count(a3) == 2 * DIAGRAMS_PER_PAIR  # one A3 landscape page per diagram
    assert set(sizes) == {(595, 842), a3}  # everything else A4 portrait
    # Index (1+), and per procedure: text, its diagrams, text for the modelled ones.
    assert len(sizes) >= 1 + 2 * (DIAGRAMS_PER_PAIR + 2) + 2
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"{number} / {len(sizes)}" in text, f"page {number} has no page number"
        body = "\n".join(line for line in text.splitlines() if not HEADER_FOOTER.fullmatch(line.strip()))
        assert len(body.strip()) > 20, f"page {number} is blank: {text[:200]!r}"


def test_pdf_pages_of_a_procedure_name_it_its_versions_and_hashes(printed_site: Path) -> None:
    reader = PdfReader(printed_site / PDF_FILE)
    sources = json.loads((printed_site / MANIFEST).read_text(encoding="utf-8"))["sources"]
    as_is = sources["childcare/child-allowance-claim/as-is.yaml"][:12]
    to_be = sources["childcare/child-allowance-claim/to-be.yaml"][:12]
    pages = [re.sub(r"\s+", "", p.extract_text()) for p in reader.pages]
    mine = [t for t in pages if "手続ID:child-allowance-claim" in t]
    assert len(mine) >= 2 + DIAGRAMS_PER_PAIR  # its text pages and its diagram pages
    assert all(as_is in t or to_be in t for t in mine)
    assert any(as_is in t and to_be in t for t in mine)
    assert all("手続BPR監査報告" in pages[0] for _ in (0,))  # the index comes first
    # the diagram pages are drawings with their text, not pictures: every step's name (its
    # first line, as Graphviz breaks it) can be found in the PDF's A3 pages
    from bpr.model.load import load_procedure

    a3 = "".join(t for t, p in zip(pages, reader.pages, strict=True)
                 if float(p.mediabox.width) > float(p.mediabox.height) and "ID:child-allowance-claim" in t)
    folder = printed_site.parent / "procedures" / "childcare" / "child-allowance-claim"
    model = load_procedure(folder / "as-is.yaml")
    assert "凡例" in a3
    assert all(re.sub(r"\s+", "", step.name)[:6] in a3 for step in model.steps), a3[:300]


def test_pdf_is_reproducible_and_names_its_print_document(printed_site: Path) -> None:
    files = read_folder(printed_site)
    again = print_report(files)
    assert again == files[PDF_FILE]  # printed twice, the same bytes
    facts = pdf_facts(again)
    assert facts.print_sha256 == hashlib.sha256(files[PRINT_DOCUMENT]).hexdigest()
    assert facts.printer is not None and facts.printer.startswith("Chromium")


def test_verify_accepts_the_pdf_and_names_a_changed_or_missing_one(printed_site: Path) -> None:
    sources = read_sources(printed_site.parent / "procedures")
    present = read_folder(printed_site)
    result = verify_report(present, sources)
    assert result.ok, result.lines()
    data = present[PDF_FILE]
    edited = data.replace(b"/Count ", b"/Count  ", 1) if b"/Count " in data else data + b"%\n"
    result = verify_report({**present, PDF_FILE: edited}, sources)
    assert PDF_FILE in result.changed and not result.ok
    missing = {k: v for k, v in present.items() if k != PDF_FILE}
    result = verify_report(missing, sources)
    assert PDF_FILE in result.removed and not result.ok


def test_verify_names_a_pdf_printed_from_another_document(
        printed_site: Path, valid_catalog_report: dict[str, bytes]) -> None:
    """A PDF printed from an older print document is stale, even with a manifest edited to match."""
    present = read_folder(printed_site)
    files = dict(valid_catalog_report)  # build_report of printed_site's procedures
    files[PRINT_DOCUMENT] = files[PRINT_DOCUMENT].replace(b"</main>", b"<p>older</p></main>")
    other = print_report(files)
    from bpr.render.pdf import with_pdf

    forged = with_pdf({k: v for k, v in present.items() if k != PDF_FILE}, other, MANIFEST)
    result = verify_report(forged, read_sources(printed_site.parent / "procedures"))
    assert PDF_FILE in result.stale and not result.ok


def test_report_command_writes_the_pdf_and_verify_passes(
        printed_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = printed_site.parent / "procedures"
    out = tmp_path / "report"
    code, said, err = run(["report", str(out), "--pdf", "--procedures", str(root), "--simulation", "none"],
                          capsys, monkeypatch)
    assert code == 0, err
    pages = pdf_facts((out / PDF_FILE).read_bytes()).pages
    assert f"wrote {out / PDF_FILE} ({pages} pages" in said
    assert (out / PDF_FILE).read_bytes() == (printed_site / PDF_FILE).read_bytes()  # same sources, same PDF
    code, said, err = run(["verify", str(out), "--procedures", str(root)], capsys, monkeypatch)
    assert code == 0, said + err
    (out / PDF_FILE).write_bytes((out / PDF_FILE).read_bytes() + b"\n%edited\n")
    code, said, err = run(["verify", str(out), "--procedures", str(root)], capsys, monkeypatch)
    assert code == 1 and f"changed: {PDF_FILE}" in said


def test_normalise_removes_what_differs_between_two_printings(printed_site: Path, tmp_path: Path) -> None:
    """Chromium writes the time of printing and DOM node counters (which differ by an offset
    from run to run) into the PDF: the normalised bytes do not depend on them."""
    raw = print_html(printed_site / PRINT_DOCUMENT)
    assert re.search(rb"/CreationDate \(D:\d{14}", raw) and re.search(rb"\(node\d{8}\)", raw)
    later = re.sub(rb"/(CreationDate|ModDate) \(D:\d{14}", rb"/\1 (D:20991231235959", raw)
    later = re.sub(rb"\(node(\d{8})\)", lambda m: b"(node%08d)" % (int(m.group(1)) + 7), later)
    assert later != raw and len(later) == len(raw)
    digest = "0" * 64
    first, second = normalise(raw, digest, "Chromium"), normalise(later, digest, "Chromium")
    assert first == second
    facts = pdf_facts(first)
    assert (facts.print_sha256, facts.printer) == (digest, "Chromium")
    assert facts.pages == len(PdfReader(printed_site / PDF_FILE).pages)


def test_a_procedure_page_printed_from_the_browser_has_the_same_layout(printed_site: Path) -> None:
    """Printing one page (Ctrl+P in the browser) gives A4 text pages, one A3 page per
    diagram, and the procedure's running header on every page."""
    reader = PdfReader(io.BytesIO(print_html(printed_site / "procedures" / "child-allowance-claim.html")))
    wide = [float(p.mediabox.width) > float(p.mediabox.height) for p in reader.pages]
    assert sum(wide) == DIAGRAMS_PER_PAIR and wide[0] is False
    for page in reader.pages:
        assert "手続ID:child-allowance-claim" in re.sub(r"\s+", "", page.extract_text())
