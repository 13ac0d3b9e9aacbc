"""The report's national page (``national.html``): a national run's totals per year.

Shown when the results store holds a completed national run (``tetsuzuki run national``):
the nation's totals (``band`` ``total``) and each population band's, per version and
online share — applications, sheets of paper, paper-handling steps, staff full-time
equivalents, resident hours and the peak counter wait — the rows of
:func:`bpr.planning.national.national_table`, the same computation as
``tetsuzuki national``. Without a national run there is no page, and the index says so.
Texts are Japanese through the ``national`` message domain.

The caller reads the run from the store (``tetsuzuki report`` and ``verify``, through
:func:`flows.national_store.national_payload`); the manifest records the run's id and the
SHA-256 of its totals, so ``verify`` re-derives the page from the same run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from bpr.i18n import translator
from bpr.planning.national import NationalSummary, national_table

__all__ = ["NATIONAL_PAGE", "NationalPage", "build_national_page", "national_manifest",
           "page_translator"]

NATIONAL_PAGE = "national.html"
"""The page's path in the report folder."""

National = tuple[int, NationalSummary]
"""A national run's id and its stored totals."""

_COLUMNS = ("applications", "paper_sheets", "paper_steps", "staff_fte", "resident_hours",
            "peak_wait_p90_min")


def page_translator() -> Callable[[str], str]:
    """The page's Japanese: ``national.po`` first, the other catalogs for the rest."""
    return translator("ja", "national")


def national_manifest(national: National | None) -> dict[str, Any] | None:
    """What the manifest records of the national run shown: its id and the SHA-256 of its
    totals (canonical JSON); ``None`` without one."""
    if national is None:
        return None
    run_id, summary = national
    digest = hashlib.sha256(summary.model_dump_json().encode("utf-8")).hexdigest()
    return {"run": run_id, "sha256": digest}


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def _rows(summary: NationalSummary, _: Callable[[str], str], *, total: bool) -> list[dict[str, Any]]:
    versions = {"as-is": _("As-is"), "to-be": _("To-be")}
    out = []
    for row in national_table(summary):
        if (row["band"] == "total") != total:
            continue
        out.append({"band": row["band"], "label": row["label"],
                    "municipalities": f"{row['municipalities']:,}",
                    "version": versions.get(row["version"], row["version"]),
                    "share": row["online_share"] or "—",
                    "where": row["peak_wait_procedure"] or "—",
                    **{name: _number(row[name]) for name in _COLUMNS}})
    return out


@dataclass(frozen=True)
class NationalPage:
    """The national page's files (none without a run), the index's note about it and what
    the manifest records."""

    files: dict[str, bytes]
    note: Markup
    manifest: dict[str, Any] | None


def build_national_page(env: Environment, national: National | None,
                        generator: dict[str, str]) -> NationalPage:
    """The national page of ``national`` (none when ``None``) and the index's note.

    Args:
        env: the report's template environment.
        national: the run's id and totals, or ``None`` when the store holds no national run.
        generator: the versions in the footer (:func:`bpr.render.report.generator_versions`).
    """
    _ = page_translator()
    files: dict[str, bytes] = {}
    context: dict[str, Any] = {"run": None, "path": NATIONAL_PAGE}
    if national is not None:
        run_id, summary = national
        context = {
            "run": run_id, "path": NATIONAL_PAGE, "name": summary.name,
            "publisher": summary.source_publisher, "title": summary.source_title,
            "verified": summary.source_verified,
            "municipalities": f"{summary.municipalities:,}",
            "replications": summary.replications, "fte_hours": f"{summary.fte_hours:g}",
            "totals": _rows(summary, _, total=True), "bands": _rows(summary, _, total=False)}
        page = env.get_template("national.html").render(**context, generator=generator, root="", _=_)
        files[NATIONAL_PAGE] = page.encode("utf-8")
    note = Markup(env.get_template("national_note.html").render(**context, _=_))
    return NationalPage(files, note, national_manifest(national))
