"""The report for paper: running headers of printed pages, and one print document.

Printed, every page of the report carries the procedure's id, the versions shown with the
SHA-256 of their model files (short form; the full hashes are in the page's 出典モデル
table) and the page number. Chromium (131 and later) prints CSS ``@page`` margin boxes,
and a page takes the margin boxes of its *named page*; so each procedure gets named pages
of its own, A4 portrait for text and A3 landscape for each diagram (``style.css`` has the
generic rules: ``@page`` A4, ``@page diagram`` A3 landscape). :func:`page_rules` writes
those rules; :func:`with_page_rules` adds them to a page of the site (a ``<style>``
element in its head, which the pages' content security policy allows), so that a page
printed from the browser carries them too.

:func:`print_document` joins the pages of the site into ``print.html``: the index (and
any other top-level page) first, then every procedure in report order, each starting on
a new sheet, with in-document links instead of links between pages. ``tetsuzuki report
--pdf`` prints it with headless Chromium (:mod:`bpr.render.pdf`).

Pure functions of the built site: identical input gives identical bytes. Text from models
(ids, names) only reaches CSS as escaped CSS strings and HTML only as it was already
escaped by the templates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bpr.i18n import translator

__all__ = [
    "PRINT_DOCUMENT",
    "PrintedProcedure",
    "common_rules",
    "css_string",
    "page_rules",
    "print_document",
    "with_page_rules",
]

PRINT_DOCUMENT = "print.html"
"""Name of the print document in the report folder."""

SHORT_HASH = 12
"""Hex digits of a SHA-256 shown in a running header."""

_DIAGRAMS = (("as-is", "diagram-as-is"), ("to-be", "diagram-to-be"), ("diff", "diagram-diff"),
             ("changes", "diagram-changes"))
"""The figures of a procedure page that get an A3 page of their own (a missing one is no
matter: its rule matches nothing)."""


@dataclass(frozen=True)
class PrintedProcedure:
    """What the running headers of one procedure's printed pages name.

    Attributes:
        id: the procedure id.
        versions: (version label, SHA-256 of the model file) of the versions there are.
    """

    id: str
    versions: tuple[tuple[str, str], ...]


def css_string(text: str) -> str:
    """``text`` as a CSS string literal: only letters, digits, spaces and a few marks are
    kept as they are, everything else is a hex escape (so no quote, backslash, ``<`` or
    line break of user text can end the string, the rule or the ``<style>`` element)."""
    out = []
    for char in text:
        if char.isalnum() or char in " -_.,:;()（）・｜/":
            out.append(char)
        else:
            out.append(f"\\{ord(char):06x}")
    return '"' + "".join(out) + '"'


def _header(proc: PrintedProcedure, only: str | None = None) -> str:
    _ = translator("ja")
    labels = {"as-is": _("as-is version"), "to-be": _("to-be version")}
    parts = [f"{_('Procedure ID')}: {proc.id}"]
    for version, digest in proc.versions:
        if only in (None, "diff", "changes") or only == version:
            parts.append(f"{labels.get(version, version)} SHA-256: {digest[:SHORT_HASH]}")
    if only == "diff":
        parts.append(_("diff diagram"))
    return " ｜ ".join(parts)


_A3 = "size: A3 landscape; margin: 14mm 12mm 12mm;"


def common_rules(generator: str) -> str:
    """CSS for every printed page of the report: the report's name at the top left (a
    procedure's pages replace it with theirs) and, at the bottom left, ``generator`` (the
    tetsuzuki version) and how to check the files; the page number is ``style.css``'s."""
    _ = translator("ja")
    footer = f"{generator} ・ {_('every file is checked against its SHA-256 in manifest.json')}"
    title = _("BPR auditors' report")
    return (f"@page {{ @top-left {{ content: {css_string(title)}; }} "
            f"@bottom-left {{ content: {css_string(footer)}; }} }}\n")


def page_rules(proc: PrintedProcedure, name: str, scope: str, ids: str = "") -> str:
    """CSS giving the printed pages of one procedure their running headers.

    Args:
        proc: the procedure.
        name: a CSS identifier for its named pages (``name``, ``name-as-is``, ...).
        scope: a selector of the element holding the procedure's page (``body`` on its own
            page, its section in the print document).
        ids: the prefix of the element ids inside ``scope`` (in the print document).
    """
    top = "@top-left {{ content: {}; }}"
    rules = [f"{scope} {{ page: {name}; }}",
             f"@page {name} {{ {top.format(css_string(_header(proc)))} }}"]
    for version, element in _DIAGRAMS:
        rules.append(f"{scope} #{ids}{element} {{ page: {name}-{version}; }}")
        rules.append(f"@page {name}-{version} {{ {_A3} {top.format(css_string(_header(proc, version)))} }}")
    return "\n".join(rules) + "\n"


def with_page_rules(page: str, rules: str) -> str:
    """The HTML ``page`` with ``rules`` in a ``<style>`` element at the end of its head."""
    return page.replace("</head>", f"<style>\n{rules}</style>\n</head>", 1)


_MAIN = re.compile(r"<main>\n?(.*)</main>", re.S)
_ID = re.compile(r'(\s)id="([^"]*)"')
_HASH_REF = re.compile(r'((?:\s|:)href="#|url\(#)')
_HREF = re.compile(r'(\shref=")([^"#]*)(#[^"]*)?"')
_SRC = re.compile(r'(\ssrc=")([^"]*)"')
_INLINE_DRAWING = re.compile(r'(<a class="fit" href="([^"#]+\.svg)">)\s*<svg\b.*?</svg>', re.S)
_SVG_TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def _section(page: str, key: str, anchors: Mapping[str, str], root: str) -> str:
    """The ``<main>`` content of ``page`` with ids made unique (prefixed with ``key``),
    links to other pages of the site replaced by links into the print document, and links
    to other files of the report (diagrams, the manifest) by their path relative to the
    report, as ``data-file`` (printed after the link text; a link would become an
    absolute ``file://`` address of wherever the document was printed). The inline
    diagrams become images of their files first (:func:`_drawings_as_images`), so that
    their text is not rewritten only to be dropped."""
    found = _MAIN.search(page)
    body = _drawings_as_images(found.group(1) if found else "")
    body = _ID.sub(lambda m: f'{m.group(1)}id="{key}--{m.group(2)}"', body)
    body = _HASH_REF.sub(lambda m: f"{m.group(1)}{key}--", body)

    def link(match: re.Match[str]) -> str:
        target = match.group(2)
        if not target or "://" in target or target.startswith("mailto:"):
            return match.group(0)
        resolved = target[len(root):] if root and target.startswith(root) else target
        if resolved in anchors:
            inner = (match.group(3) or "#")[1:]
            anchor = f"{anchors[resolved]}--{inner}" if inner else anchors[resolved]
            return f'{match.group(1)}#{anchor}"'
        return f' data-file="{resolved}{match.group(3) or ""}"'

    def source(match: re.Match[str]) -> str:  # images (charts): relative to the report
        target = match.group(2)
        resolved = target[len(root):] if root and target.startswith(root) else target
        return f'{match.group(1)}{resolved}"'

    return _SRC.sub(source, _HREF.sub(link, body))


def _drawings_as_images(body: str) -> str:
    """Each diagram drawn inline (``<a class="fit">`` around Graphviz's ``<svg>``, on the
    site's pages for their tooltips) as an ``<img>`` of the report's SVG file of the same
    drawing instead: the same vector drawing and searchable text in the PDF, and Chromium
    prints the report in about two thirds of the time (a few thousand elements per
    diagram in the document's own tree make its layout of every page slower)."""
    def image(match: re.Match[str]) -> str:
        title = _SVG_TITLE.search(match.group(0))
        alt = title.group(1) if title else ""  # already escaped by Graphviz
        return f'{match.group(1)}<img class="drawing" src="{match.group(2)}" alt="{alt}">'

    return _INLINE_DRAWING.sub(image, body)


def _css_name(index: int) -> str:
    return f"s{index}"


def print_document(files: Mapping[str, bytes], procedures: Sequence[PrintedProcedure],
                   title: str | None = None, common: str = "") -> bytes:
    """The whole report as one HTML document for printing.

    Args:
        files: the site's files (:func:`bpr.render.report.build_site`): ``index.html`` and
            any other top-level page, ``procedures/<id>.html`` and ``style.css``.
        procedures: the procedures in report order (those without a page are skipped).
        title: the document's title (the PDF's title); default: the report's.
        common: CSS for every page (:func:`common_rules`).
    """
    _ = translator("ja")
    title = title or _("BPR auditors' report")
    top = sorted(p for p in files if "/" not in p and p.endswith(".html") and p != PRINT_DOCUMENT)
    pages = [p for p in ("index.html", *top) if p in files]
    pages = list(dict.fromkeys(pages))
    keys = {page: f"page-{page.removesuffix('.html')}" for page in pages}
    procs = [p for p in procedures if f"procedures/{p.id}.html" in files]
    for i, proc in enumerate(procs):
        keys[f"procedures/{proc.id}.html"] = f"proc-{i}"
    rules = [common, ".print-section { break-before: page; }",
             ".print-section:first-child { break-before: auto; }"]
    sections = []
    for path in pages:
        body = _section(files[path].decode("utf-8"), keys[path], keys, "")
        sections.append(f'<section class="print-section" id="{keys[path]}">\n{body}</section>\n')
    for i, proc in enumerate(procs):
        path = f"procedures/{proc.id}.html"
        rules.append(page_rules(proc, _css_name(i), f"#{keys[path]}", f"{keys[path]}--"))
        body = _section(files[path].decode("utf-8"), keys[path], keys, "../")
        sections.append(f'<section class="print-section" id="{keys[path]}">\n{body}</section>\n')
    css = "\n".join(rules)
    head = ('<!DOCTYPE html>\n<html lang="ja">\n<head>\n<meta charset="utf-8">\n'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            'style-src \'self\' \'unsafe-inline\'; img-src \'self\' data:">\n'
            f"<title>{_escape(title)}</title>\n"
            '<link rel="stylesheet" href="style.css">\n'
            f"<style>\n{css}</style>\n</head>\n")
    body = '<body class="print-document">\n<main>\n' + "".join(sections) + "</main>\n</body>\n</html>\n"
    return (head + body).encode("utf-8")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
