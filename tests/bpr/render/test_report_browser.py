"""The report in a real browser: headless Chromium renders the index and a procedure page.

Needs Debian's ``chromium`` (installed by ``scripts/setup.sh``): the session fixture
``chromium`` of ``conftest.py``, skipped with a reason when it is absent. The screenshots
are kept in pytest's temporary folder (printed with ``-s``; ``TETSUZUKI_SCREENSHOTS=DIR``
copies them to DIR for a look).
"""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from lxml import html as lxml_html

from bpr.render.publish import write_report
from tests.bpr.render.conftest import RunChromium


def png_pixels(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and the decompressed scanlines of a PNG (enough to tell it is not blank)."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, zlib.decompress(idat)


@pytest.fixture(scope="module")
def site(valid_catalog_report: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of the small test catalog without its invalid model, written."""
    out = tmp_path_factory.mktemp("site")
    write_report(out, valid_catalog_report)
    return out


def test_index_renders_with_japanese_text(site: Path, chromium: RunChromium) -> None:
    dom = chromium(["--dump-dom", (site / "index.html").as_uri()]).decode()
    doc = lxml_html.fromstring(dom)
    assert doc.findtext(".//h1") == "手続BPR 監査報告"
    names = [a.text_content() for a in doc.xpath("//table[@class='index']//a")]
    assert "児童手当等の受給資格及び児童手当の額についての認定請求" in names
    assert "図の検査用の手続" in names


def test_procedure_page_renders_its_svg_diagrams(site: Path, chromium: RunChromium) -> None:
    url = (site / "procedures" / "child-allowance-claim.html").as_uri()
    dom = chromium(["--dump-dom", url]).decode()
    doc = lxml_html.fromstring(dom)
    figures = doc.xpath("//figure[contains(@class, 'diagram')]")
    assert [f.get("id") for f in figures] == ["diagram-as-is", "diagram-to-be", "diagram-changes",
                                              "diagram-diff"]
    for figure in figures:
        svg = figure.xpath(".//svg")
        assert len(svg) == 1
        texts = " ".join(svg[0].itertext())
        assert "児童手当等の受給資格及び児童手当の額についての認定請求" in texts
        if figure.get("id") != "diagram-changes":  # the change map has no footer
            assert "SHA-256" in texts


def test_screenshots_are_not_blank(site: Path, tmp_path: Path, chromium: RunChromium) -> None:
    keep = os.environ.get("TETSUZUKI_SCREENSHOTS")
    for name, page in [("index", "index.html"), ("procedure", "procedures/child-allowance-claim.html")]:
        shot = tmp_path / f"{name}.png"
        chromium([f"--screenshot={shot}", "--window-size=1400,1800", (site / page).as_uri()])
        width, height, pixels = png_pixels(shot.read_bytes())
        assert (width, height) == (1400, 1800)
        # A blank page decompresses to a handful of byte values; a rendered one to many.
        assert len(set(pixels)) > 50, f"{name} screenshot looks blank"
        print(f"screenshot: {shot}")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(shot, Path(keep) / shot.name)
