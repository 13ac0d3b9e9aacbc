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

Texts made where the reader's language is not known yet (the analysis in ``bpr/analysis``
builds ECRS details, findings and measure evidence for the CLI, the flows and the report
alike) are :class:`Message` values, made with :func:`N_`: a ``str`` holding the English
text, that also keeps its message id and arguments, so that the caller that knows the
language translates it with :func:`localize`::

    text = N_("minutes: {before} → {after}", before="10", after="5")
    str(text)                        # "minutes: 10 → 5" (English, as before)
    localize(text, translator("ja")) # "所要時間（分）: 10 → 5"

Arguments that are messages themselves are translated too.

``translator("en")`` returns the message ids unchanged. A message missing from a catalog
falls back to its id; ``tests/bpr/test_i18n.py`` fails when a message used by the code
has no Japanese translation.
"""

from __future__ import annotations

import functools
import gettext as _gettext
from collections.abc import Callable, Mapping, Sequence
from importlib.resources import files
from io import BytesIO
from typing import Any, Self

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

__all__ = ["LANGUAGES", "N_", "Message", "catalog_domains", "join", "localize", "localize_all", "translator"]

LANGUAGES = ("ja", "en")
"""Languages a reader can choose (``--lang``); ``ja`` is the report's language."""

Translate = Callable[[str], str]

SHARED_DOMAINS = ("report", "analysis")
"""Catalogs whose wording wins in the merged catalog (``translator(lang)`` without a
domain); a part's own catalog (``diagram``, ``summary``, ...) adds the ids these lack and
is asked first only by ``translator(lang, domain)``."""


def _locale_dir(lang: str):  # type: ignore[no-untyped-def]
    return files("bpr.i18n") / "locale" / lang / "LC_MESSAGES"


def catalog_domains(lang: str) -> list[str]:
    """The domains (``.po`` file stems) that exist for ``lang``, sorted."""
    folder = _locale_dir(lang)
    if not folder.is_dir():
        return []
    return sorted(p.name[:-3] for p in folder.iterdir() if p.name.endswith(".po"))


def _read_domain(lang: str, domain: str) -> _gettext.GNUTranslations:
    with (_locale_dir(lang) / f"{domain}.po").open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=domain)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


@functools.cache
def _translations(lang: str, domain: str | None = None) -> _gettext.NullTranslations:
    """All of ``lang``'s domains merged (later domains win on a shared id); with ``domain``,
    that domain's own entries first and the merged catalog for the rest."""
    if domain is not None:
        if domain not in catalog_domains(lang):
            raise ValueError(f"no {lang} message catalog named {domain!r}")
        own = _read_domain(lang, domain)
        own.add_fallback(_translations(lang))
        return own
    merged: _gettext.NullTranslations = _gettext.NullTranslations()
    names = catalog_domains(lang)
    for name in [*(d for d in SHARED_DOMAINS if d in names), *(d for d in names if d not in SHARED_DOMAINS)]:
        translations = _read_domain(lang, name)
        if isinstance(merged, _gettext.GNUTranslations):
            for key, text in translations._catalog.items():  # type: ignore[attr-defined]
                merged._catalog.setdefault(key, text)  # type: ignore[attr-defined]
        else:
            merged = translations
    return merged


class _Translator:
    """A :data:`Translate` function that knows its language (see :class:`Term`)."""

    def __init__(self, lang: str, gettext: Translate | None) -> None:
        self.lang, self._gettext = lang, gettext

    def __call__(self, message: str) -> str:
        # gettext("") is the catalog's header: an empty text stays empty
        return self._gettext(message) if self._gettext and message else message


def translator(lang: str = "ja", domain: str | None = None) -> Translate:
    """A function translating an English message id into ``lang`` (``en``: unchanged).

    With ``domain`` (a ``.po`` file stem such as ``diagram``), that catalog's entries win
    over another domain's translation of the same id, so one part's wording (a diagram
    legend) cannot be changed by another's; ids it lacks come from the merged catalogs.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: choose one of {', '.join(LANGUAGES)}")
    return _Translator(lang, None if lang == "en" else _translations(lang, domain).gettext)


class Message(str):
    """An English text that keeps its message id and arguments, to be translated later.

    It is the English text (``str(message)``, comparisons, JSON), so code that reads texts
    in English is unchanged; :meth:`in_language` gives it in another language
    (``str.translate`` keeps its meaning).
    """

    msgid: str
    params: Mapping[str, object]

    def __new__(cls, msgid: str, params: Mapping[str, object] | None = None) -> Self:
        arguments = dict(params or {})
        self = super().__new__(cls, msgid.format(**arguments) if arguments else msgid)
        self.msgid = msgid
        self.params = arguments
        return self

    def __getnewargs__(self) -> tuple[str, Mapping[str, object]]:  # type: ignore[override]
        return self.msgid, self.params

    def in_language(self, _: Translate) -> str:
        """The text in the language of ``_`` (a :func:`translator`), arguments included."""
        text = _(self.msgid)
        if not self.params:
            return text
        return text.format(**{k: localize(v, _) if isinstance(v, str) else v
                              for k, v in self.params.items()})


class Term(Message):
    """An identifier of a model (an actor's id) that a reader sees as its name: the id in
    English (as the CLI always printed it), the model's name in any other language."""

    name: str

    def __new__(cls, msgid: str, params: Mapping[str, object] | None = None) -> Self:
        self = super().__new__(cls, msgid)
        self.name = str((params or {}).get("name", msgid))
        self.params = {"name": self.name}
        return self

    def in_language(self, _: Translate) -> str:
        return str(self) if getattr(_, "lang", "en") == "en" else self.name


def N_(msgid: str, **params: object) -> Message:
    """A :class:`Message` with English id ``msgid`` and ``{name}`` arguments ``params``.

    Babel's extraction knows ``N_`` as a keyword, so every id is checked for a translation.
    """
    return Message(msgid, params)


def localize(text: str, _: Translate) -> str:
    """``text`` in the language of ``_``: a :class:`Message` is translated, any other text
    (a name from a model, a number) is returned as it is."""
    return text.in_language(_) if isinstance(text, Message) else text


def join(separator: str, texts: Sequence[str]) -> Message:
    """``separator.join(texts)`` as one :class:`Message` whose parts are translated."""
    return Message(separator.join(f"{{t{i}}}" for i in range(len(texts))),
                   {f"t{i}": t for i, t in enumerate(texts)})


def localize_all(value: object, _: Translate) -> Any:
    """``value`` with every :class:`Message` in it translated: inside mappings (values),
    lists and tuples, at any depth; other values are returned as they are."""
    if isinstance(value, Message):
        return value.in_language(_)
    if isinstance(value, Mapping):
        return {k: localize_all(v, _) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(localize_all(v, _) for v in value) if isinstance(value, list) \
            else tuple(localize_all(v, _) for v in value)
    return value
