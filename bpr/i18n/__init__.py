"""Messages in the reader's language: gettext catalogs read with Babel.

Every text a reader sees that is not taken from a model (headings, table labels, ECRS
descriptions, findings, simulation labels, notes) is written in the code as an English
message id and translated through the catalogs in ``bpr/i18n/locale/<lang>/LC_MESSAGES/``
(one ``.po`` file per domain: ``report``, ``analysis``, ``cli``, ...). The ``.po`` files are
the source of truth and are read directly (Babel parses them and the result is cached per
language), so no compiled ``.mo`` file is kept in the repository or has to be rebuilt.

Use::

    from bpr.i18n import translator
    _ = translator("ja")
    _("Counter visits")            # -> "来庁回数"
    _("{n} step(s)").format(n=3)   # placeholders are formatted after translation

``translator("en")`` returns the message ids unchanged. A message missing from a catalog
falls back to its id; ``tests/bpr/test_i18n.py`` fails when a message used by the code
has no Japanese translation.
"""

from __future__ import annotations

import functools
import gettext as _gettext
from collections.abc import Callable
from importlib.resources import files
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

__all__ = ["LANGUAGES", "catalog_domains", "translator"]

LANGUAGES = ("ja", "en")
"""Languages a reader can choose (``--lang``); ``ja`` is the report's language."""

Translate = Callable[[str], str]


def _locale_dir(lang: str):  # type: ignore[no-untyped-def]
    return files("bpr.i18n") / "locale" / lang / "LC_MESSAGES"


def catalog_domains(lang: str) -> list[str]:
    """The domains (``.po`` file stems) that exist for ``lang``, sorted."""
    folder = _locale_dir(lang)
    if not folder.is_dir():
        return []
    return sorted(p.name[:-3] for p in folder.iterdir() if p.name.endswith(".po"))


@functools.cache
def _translations(lang: str) -> _gettext.NullTranslations:
    merged: _gettext.NullTranslations = _gettext.NullTranslations()
    for domain in catalog_domains(lang):
        with (_locale_dir(lang) / f"{domain}.po").open("rb") as handle:
            catalog = read_po(handle, locale=lang, domain=domain)
        buffer = BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        translations = _gettext.GNUTranslations(buffer)
        if isinstance(merged, _gettext.GNUTranslations):
            merged._catalog.update(translations._catalog)  # type: ignore[attr-defined]
        else:
            merged = translations
    return merged


def translator(lang: str = "ja") -> Translate:
    """A function translating an English message id into ``lang`` (``en``: unchanged)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: choose one of {', '.join(LANGUAGES)}")
    if lang == "en":
        return lambda message: message
    return _translations(lang).gettext
