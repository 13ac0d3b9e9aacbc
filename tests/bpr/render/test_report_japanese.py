"""The report is read by a Japanese 市役所: its visible text has no English sentence."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from lxml import html as lxml_html

from bpr.model.catalog import builtin_root, load_catalog
from bpr.model.load import load_procedure
from bpr.render.report import build_report, read_sources

ENGLISH_RUN = re.compile(r"\b[A-Za-z][A-Za-z'’-]*(?:[\s,;:()]+[A-Za-z][A-Za-z'’-]*){2,}")
"""Three or more English words in a row."""
IDENTIFIER = re.compile(r"\b[a-z0-9]+(?:[-_][a-z0-9]+)+\b")
PROCEDURES = ("child-allowance-claim", "home-modification")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The report of two built-in procedures, with the catalog (its real texts)."""
    root = builtin_root()
    catalog = load_catalog(root / "catalog.yaml")
    out = tmp_path_factory.mktemp("procedures")
    shutil.copy(root / "catalog.yaml", out / "catalog.yaml")
    for entry in catalog.procedures:
        if entry.id in PROCEDURES:
            shutil.copytree(root / entry.path, out / entry.path)
    return build_report(read_sources(out))


def _ids(root: Path) -> set[str]:
    """Ids of the procedures' steps and actors, and the version labels: texts a reader may
    see that are identifiers, not English."""
    found = {"as-is", "to-be"}
    for path in root.rglob("*.yaml"):
        if path.name in ("as-is.yaml", "to-be.yaml"):
            model = load_procedure(path)
            found |= {model.id} | {s.id for s in model.steps} | {a.id for a in model.actors}
    return found


def visible_text(page: bytes) -> str:
    """What a reader sees: no tags, scripts, styles, code, diagrams (drawn separately) or the
    English name (name_en)."""
    doc = lxml_html.fromstring(page.decode("utf-8"))
    for element in doc.xpath("//script|//style|//code|//pre|//svg|//title"):
        element.drop_tree()
    for dd in doc.xpath("//dt[normalize-space()='英語名']/following-sibling::dd[1]"):
        dd.drop_tree()
    return " ".join(" ".join(doc.itertext()).split())


def english_runs(text: str, ids: set[str]) -> list[str]:
    """Runs of English words in ``text``, ignoring ids and units or letters joined by slashes."""
    text = re.sub(r"[^\s/]*/[^\s/]*(?:/[^\s/]*)*", " · ", text)
    text = IDENTIFIER.sub(lambda m: " · " if m.group(0) in ids else m.group(0), text)
    for identifier in sorted(ids, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(identifier)}(?![\w-])", " · ", text)
    return [m.group(0) for m in ENGLISH_RUN.finditer(text)]


def test_the_pages_of_the_report_have_no_english_sentence(site: dict[str, bytes]) -> None:
    ids = _ids(builtin_root())
    pages = ["index.html", *(f"procedures/{p}.html" for p in PROCEDURES)]
    found = {page: english_runs(visible_text(site[page]), ids) for page in pages}
    assert not any(found.values()), found


def test_the_check_finds_an_english_sentence_where_there_is_one() -> None:
    page = (b"<html><body><h1>\xe6\x89\x8b\xe7\xb6\x9a</h1><p>a seal is required</p>"
            b"<code>not shown text here</code><p>E/C/R/S</p><p>prepare-attachments</p></body></html>")
    assert english_runs(visible_text(page), {"prepare-attachments"}) == ["a seal is required"]


def test_the_pages_show_the_japanese_texts_of_the_analysis(site: dict[str, bytes]) -> None:
    page = site["procedures/child-allowance-claim.html"].decode("utf-8")
    for text in ("デジタル原則・アナログ規制の指摘", "押印が求められている", "ECRS の変更表",
                 "指標（期待値）"):
        assert text in page
