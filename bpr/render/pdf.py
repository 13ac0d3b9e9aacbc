"""The report as one PDF: ``print.html`` printed with headless Chromium, made reproducible.

:func:`print_report` writes the print document (:mod:`bpr.render.print_doc`) and the style
sheet into a temporary folder, prints it with Debian's ``chromium`` (``--headless
--print-to-pdf --no-pdf-header-footer``, its own temporary profile, a timeout) and
normalises the result (:func:`normalise`): Chromium writes the time of printing
(``/CreationDate``, ``/ModDate``) and ids of tagged-PDF structure elements that shift from
run to run; they are fixed in place, and an incremental update appended to the PDF gives
it a file identifier derived from its content and two entries of its own in the document
information: ``/TetsuzukiPrintDocument`` (the SHA-256 of the ``print.html`` it was printed
from) and ``/TetsuzukiPrinter`` (Chromium's version). Printing the same document twice with
the same Chromium gives the same bytes. ``tetsuzuki diagram --format pdf`` puts Graphviz's
drawing on one A3 page with pypdf (:func:`fit_page`).

The manifest lists ``report.pdf`` among the files and describes it in a ``pdf`` object
(:func:`pdf_entry`: file, SHA-256, pages, print document and its SHA-256, printer), every
field read from the PDF itself. ``tetsuzuki verify`` does not print again (the bytes
depend on Chromium's version and the fonts installed): it checks that ``report.pdf`` is
the file the manifest lists, that it is a PDF with the recorded number of pages, and that
it was printed from the ``print.html`` re-derived from the sources (:func:`check_pdf`).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bpr.errors import TetsuzukiError
from bpr.render.print_doc import PRINT_DOCUMENT

__all__ = [
    "A3_LANDSCAPE",
    "PDF_FILE",
    "ChromiumError",
    "PdfCheck",
    "PdfFacts",
    "check_pdf",
    "chromium_executable",
    "chromium_version",
    "fit_page",
    "normalise",
    "pdf_entry",
    "pdf_facts",
    "print_html",
    "print_report",
    "with_pdf",
]

PDF_FILE = "report.pdf"
"""Name of the PDF in the report folder."""

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
PRINT_TIMEOUT = 300.0
"""Seconds Chromium may take to print (the built-in catalog: a few seconds)."""

_FIXED_DATE = "D:20000101000000Z"
_PRINT_KEY = "/TetsuzukiPrintDocument"
_PRINTER_KEY = "/TetsuzukiPrinter"


class ChromiumError(TetsuzukiError):
    """Chromium is missing, failed or took too long; or a PDF cannot be read."""


def chromium_executable() -> str:
    """The path of the Chromium executable.

    Raises:
        ChromiumError: naming what is missing and how to install it.
    """
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise ChromiumError(
        "Chromium is not installed (none of " + ", ".join(CHROMIUM_NAMES) + " is on PATH): the PDF "
        "is printed with headless Chromium; install it (Debian: apt-get install chromium; "
        "scripts/setup.sh does) or write the report without --pdf")


def chromium_version(executable: str | None = None) -> str:
    """Chromium's ``--version`` line, e.g. ``Chromium 156.0.8078.114 built on Debian ...``."""
    exe = executable or chromium_executable()
    try:
        done = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ChromiumError(f"{exe} --version failed: {exc}") from None
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0 or not lines:
        raise ChromiumError(f"{exe} --version failed (exit {done.returncode}): {done.stderr.strip()[:300]}")
    return lines[-1]


BROWSER_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--hide-scrollbars", "--mute-audio",
)
"""Flags of every headless Chromium run (no network, no first-run UI, no sandbox: it
runs as root in containers)."""


def print_html(page: Path, *, timeout: float = PRINT_TIMEOUT, executable: str | None = None) -> bytes:
    """Print the HTML file ``page`` to PDF with headless Chromium; the raw bytes.

    Raises:
        ChromiumError: Chromium is missing, failed, timed out or wrote no PDF.
    """
    exe = executable or chromium_executable()
    with tempfile.TemporaryDirectory(prefix="tetsuzuki-chromium-") as work:
        out = Path(work) / "out.pdf"
        command = [exe, *BROWSER_FLAGS, f"--user-data-dir={Path(work) / 'profile'}",
                   f"--print-to-pdf={out}", "--no-pdf-header-footer", "--virtual-time-budget=10000",
                   page.resolve().as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, check=False,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise ChromiumError(f"Chromium did not finish printing {page} within {timeout:.0f} s") from None
        except OSError as exc:
            raise ChromiumError(f"cannot run {exe}: {exc}") from None
        if done.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise ChromiumError(f"Chromium failed to print {page} (exit {done.returncode}): "
                                + (" / ".join(tail) or "no PDF written"))
        return out.read_bytes()


_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:(\d{14})([^)]*)\)")
_NODE_ID = re.compile(rb"(?<=[\s\[])\(node(\d{8})\)")
_TRAILER = re.compile(rb"trailer\s*<<(?P<body>.*?)>>\s*startxref\s*(?P<xref>\d+)\s*%%EOF\s*$", re.S)


def normalise(data: bytes, print_sha256: str, printer: str) -> bytes:
    """The PDF ``data`` made reproducible: the dates Chromium writes (the time of printing)
    and the ids of its structure elements fixed in place (same length, so the
    cross-reference offsets stay valid), then an
    incremental update appended that gives the document information the print document's
    SHA-256 and the printer, and the file a content-derived identifier. Appending a few
    hundred bytes costs nothing, where rewriting a 20 MB PDF with pypdf takes about 14 s of
    CPU and 700 MB; a PDF whose trailer is not the classic one Chromium writes is rewritten
    with pypdf all the same (:func:`_rewrite`).

    Raises:
        ChromiumError: ``data`` is not a readable PDF.
    """
    fixed = _DATE.sub(lambda m: b"/" + m.group(1) + b" (D:20000101000000" + m.group(3) + b")", data)
    # Tagged PDF: structure elements carry ids from Chromium's DOM node counter, which
    # differs between runs by an offset; renumbered by rank (same length, same order, so
    # the /IDTree stays sorted and valid).
    ranks = {old: i for i, old in enumerate(sorted(set(_NODE_ID.findall(fixed)), key=int))}
    fixed = _NODE_ID.sub(lambda m: b"(node%0*d)" % (len(m.group(1)), ranks[m.group(1)]), fixed)
    trailer = _TRAILER.search(fixed[-4096:])
    body = trailer.group("body") if trailer else b""
    size, root = re.search(rb"/Size (\d+)", body), re.search(rb"/Root (\d+ \d+ R)", body)
    info = re.search(rb"/Info (\d+) (\d+) R", body)
    old = None
    if info is not None:
        pattern = rb"(?:^|\n)%s %s obj\s*<<(.*?)>>\s*endobj" % (info.group(1), info.group(2))
        old = re.search(pattern, fixed, re.S)
    if trailer is None or size is None or root is None or info is None or old is None \
            or b"/Prev" in body or b"/Encrypt" in body:
        return _rewrite(fixed, print_sha256, printer)
    if not fixed.endswith(b"\n"):
        fixed += b"\n"
    number, generation = int(info.group(1)), int(info.group(2))
    entries = old.group(1).rstrip() + b"\n" + _PRINT_KEY.encode() + b" (" + print_sha256.encode("ascii") + \
        b")\n" + _PRINTER_KEY.encode() + b" " + _pdf_text(printer)
    obj = b"%d %d obj\n<<%s>>\nendobj\n" % (number, generation, entries)
    xref_at = len(fixed) + len(obj)
    xref = b"xref\n0 1\n0000000000 65535 f \n%d 1\n%010d %05d n \n" % (number, len(fixed), generation)
    head = b"trailer\n<</Size %s\n/Root %s\n/Info %d %d R\n/Prev %s" % (
        size.group(1), root.group(1), number, generation, trailer.group("xref"))
    digest = hashlib.md5(fixed + obj + xref + head, usedforsecurity=False).hexdigest().encode()
    tail = b"\n/ID [<%s> <%s>]>>\nstartxref\n%d\n%%%%EOF\n" % (digest, digest, xref_at)
    return fixed + obj + xref + head + tail


def _pdf_text(text: str) -> bytes:
    """``text`` as a PDF text string (UTF-16BE with byte order mark, in hex)."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def _rewrite(data: bytes, print_sha256: str, printer: str) -> bytes:
    """:func:`normalise` by rewriting the whole PDF with pypdf (slow, for unknown layouts)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    try:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    except (PyPdfError, ValueError, KeyError) as exc:
        raise ChromiumError(f"Chromium wrote no readable PDF: {exc}") from None
    info = {str(k): str(v) for k, v in (writer.metadata or {}).items()}
    info.update({"/CreationDate": _FIXED_DATE, "/ModDate": _FIXED_DATE,
                 _PRINT_KEY: print_sha256, _PRINTER_KEY: printer})
    writer.metadata = None
    writer.add_metadata(info)
    return _with_content_id(writer)


@dataclass(frozen=True)
class PdfFacts:
    """What a report PDF says about itself.

    Attributes:
        pages: number of pages.
        print_sha256: SHA-256 of the print document it was printed from (``None`` when
            the PDF does not say: not one of ours).
        printer: the Chromium that printed it.
        page_sizes: (width, height) of every page in PostScript points.
    """

    pages: int
    print_sha256: str | None
    printer: str | None
    page_sizes: tuple[tuple[float, float], ...]


_LAST_FACTS: dict[str, PdfFacts] = {}
"""The facts of the PDF read last, by its SHA-256: ``report --pdf`` and ``verify`` ask
twice for the same 20 MB file (about 0.6 s of pypdf each time)."""


def pdf_facts(data: bytes) -> PdfFacts:
    """Read :class:`PdfFacts` from PDF bytes.

    Raises:
        ChromiumError: not a readable PDF.
    """
    key = hashlib.sha256(data).hexdigest()
    if key not in _LAST_FACTS:
        facts = _read_facts(data)
        _LAST_FACTS.clear()
        _LAST_FACTS[key] = facts
    return _LAST_FACTS[key]


def _read_facts(data: bytes) -> PdfFacts:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        info: Mapping[str, Any] = reader.metadata or {}
        sizes = tuple((round(float(p.mediabox.width), 1), round(float(p.mediabox.height), 1))
                      for p in reader.pages)
    except (PyPdfError, ArithmeticError, LookupError, TypeError, ValueError, AttributeError,
            AssertionError, RecursionError, OSError) as exc:
        # A PDF from the report folder is input: whatever pypdf trips over, say so.
        raise ChromiumError(f"not a readable PDF: {type(exc).__name__}: {exc}") from None
    sha = info.get(_PRINT_KEY)
    printer = info.get(_PRINTER_KEY)
    return PdfFacts(len(sizes), str(sha) if sha is not None else None,
                    str(printer) if printer is not None else None, sizes)


def pdf_entry(data: bytes) -> dict[str, Any]:
    """The manifest's ``pdf`` object for the PDF ``data`` (every field read from it)."""
    facts = pdf_facts(data)
    return {"file": PDF_FILE, "sha256": hashlib.sha256(data).hexdigest(), "pages": facts.pages,
            "print_document": PRINT_DOCUMENT, "print_document_sha256": facts.print_sha256,
            "printer": facts.printer}


def with_pdf(files: Mapping[str, bytes], data: bytes,
             manifest_name: str = "manifest.json") -> dict[str, bytes]:
    """The report ``files`` with ``report.pdf`` added and the manifest listing and describing it."""
    manifest = json.loads(files[manifest_name].decode("utf-8"))
    manifest["files"][PDF_FILE] = hashlib.sha256(data).hexdigest()
    manifest["files"] = dict(sorted(manifest["files"].items()))
    manifest["pdf"] = pdf_entry(data)
    out = dict(files)
    out[PDF_FILE] = data
    out[manifest_name] = (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
    return dict(sorted(out.items()))


def print_report(files: Mapping[str, bytes], *, timeout: float = PRINT_TIMEOUT) -> bytes:
    """Print the report's ``print.html`` (with the report's other files beside it: the
    style sheet, images) to a reproducible PDF.

    Raises:
        ChromiumError: Chromium is missing or failed (the message names what).
    """
    exe = chromium_executable()
    printer = chromium_version(exe)
    document = files[PRINT_DOCUMENT]
    with tempfile.TemporaryDirectory(prefix="tetsuzuki-print-") as work:
        folder = Path(work)
        for name, data in files.items():
            parts = name.split("/")
            if name != PDF_FILE and not name.startswith("/") and ".." not in parts:
                target = folder.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
        raw = print_html(folder / PRINT_DOCUMENT, timeout=timeout, executable=exe)
    digest = hashlib.sha256(document).hexdigest()
    data = normalise(raw, digest, printer)
    if pdf_facts(data).print_sha256 != digest:  # the appended update was not read back
        data = _rewrite(data, digest, printer)
    return data


@dataclass(frozen=True)
class PdfCheck:
    """What :func:`check_pdf` found.

    Attributes:
        expected: the report files to compare with, ``report.pdf`` and the manifest's
            ``pdf`` object included when the folder's manifest lists a PDF.
        changed: ``report.pdf`` when it is not the file the manifest lists, or not a
            readable PDF, or its page count differs.
        stale: ``report.pdf`` when it was printed from another print document than the
            one re-derived from the sources.
        notes: explanations.
    """

    expected: dict[str, bytes]
    changed: tuple[str, ...] = ()
    stale: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def check_pdf(present: Mapping[str, bytes], recorded: Mapping[str, Any],
              rebuilt: Mapping[str, bytes], manifest_name: str = "manifest.json") -> PdfCheck:
    """Check the PDF of a report folder without printing again.

    Args:
        present: the folder's files.
        recorded: the folder's manifest (parsed), ``{}`` when unusable.
        rebuilt: the report re-derived from the sources (without PDF).
    """
    entry = recorded.get("pdf")
    if not isinstance(entry, dict):
        return PdfCheck(dict(rebuilt))
    data = present.get(PDF_FILE)
    if data is None:
        expected = dict(rebuilt)
        expected[PDF_FILE] = b""  # listed by the manifest: missing from the folder
        return PdfCheck(expected, notes=(f"the manifest lists {PDF_FILE} but the folder has none",))
    try:
        facts = pdf_facts(data)
    except ChromiumError as exc:
        expected = dict(rebuilt)
        expected[PDF_FILE] = b""
        return PdfCheck(expected, changed=(PDF_FILE,), notes=(f"{PDF_FILE}: {exc}",))
    expected = with_pdf(rebuilt, data, manifest_name)
    changed: list[str] = []
    stale: list[str] = []
    notes: list[str] = []
    listed = recorded.get("files", {}).get(PDF_FILE) if isinstance(recorded.get("files"), dict) else None
    if listed != hashlib.sha256(data).hexdigest() or entry.get("pages") != facts.pages:
        changed.append(PDF_FILE)
    printed_from = hashlib.sha256(rebuilt[PRINT_DOCUMENT]).hexdigest() if PRINT_DOCUMENT in rebuilt else None
    if facts.print_sha256 != printed_from:
        stale.append(PDF_FILE)
        notes.append(f"{PDF_FILE} was printed from a print document with SHA-256 {facts.print_sha256}, "
                     f"the sources give {printed_from}: write the report again with --pdf")
    return PdfCheck(expected, tuple(changed), tuple(stale), tuple(notes))


A3_LANDSCAPE = (1190.55, 841.89)
"""A3 landscape (420 × 297 mm) in PostScript points."""
_MARGIN = 28.35  # 10 mm


def fit_page(data: bytes, size: tuple[float, float] = A3_LANDSCAPE, *, turn: bool = True) -> bytes:
    """The PDF ``data`` (a Graphviz drawing) with each page of ``size`` points, the drawing
    scaled to fit inside 10 mm margins (never enlarged) and centred; with ``turn``, a
    drawing taller than wide goes on the page turned (A3 portrait), where it is drawn
    larger. Reproducible bytes (fixed dates, content-derived identifier).

    Raises:
        ChromiumError: ``data`` is not a readable PDF.
    """
    from pypdf import PdfReader, PdfWriter, Transformation
    from pypdf.errors import PyPdfError
    from pypdf.generic import RectangleObject

    try:
        reader = PdfReader(io.BytesIO(data))
        writer = PdfWriter(clone_from=reader)
        for page in writer.pages:
            box = page.mediabox
            left, bottom = float(box.left), float(box.bottom)
            w, h = float(box.width), float(box.height)
            width, height = size
            if turn and (h > w) != (height > width):
                width, height = height, width
            scale = min((width - 2 * _MARGIN) / w, (height - 2 * _MARGIN) / h, 1.0)
            dx = (width - w * scale) / 2 - left * scale
            dy = (height - h * scale) / 2 - bottom * scale
            page.add_transformation(Transformation().scale(scale, scale).translate(dx, dy))
            page.mediabox = RectangleObject([0, 0, width, height])
            page.cropbox = RectangleObject([0, 0, width, height])
        info = {str(k): str(v) for k, v in (reader.metadata or {}).items()}
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:
        raise ChromiumError(f"not a readable PDF: {exc}") from None
    info.update({"/CreationDate": _FIXED_DATE, "/ModDate": _FIXED_DATE})
    writer.add_metadata(info)
    return _with_content_id(writer)


def _with_content_id(writer: Any) -> bytes:
    """The bytes of a pypdf writer whose file identifier is a hash of everything else."""
    from pypdf.generic import ArrayObject, ByteStringObject

    writer._ID = ArrayObject([ByteStringObject(b"\0" * 16)] * 2)
    first = io.BytesIO()
    writer.write(first)
    digest = hashlib.md5(first.getvalue(), usedforsecurity=False).digest()
    writer._ID = ArrayObject([ByteStringObject(digest), ByteStringObject(digest)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
