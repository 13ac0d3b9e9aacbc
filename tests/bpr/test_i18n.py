"""The message catalogs (bpr/i18n): Japanese for the reader, English ids unchanged."""

from __future__ import annotations

from importlib.resources import files

import pytest
from babel.messages.pofile import read_po

from bpr.i18n import LANGUAGES, catalog_domains, translator


def test_japanese_translates_a_known_message_and_falls_back_to_the_id() -> None:
    _ = translator("ja")
    assert _("Counter visits") == "来庁回数"
    assert _("a message nobody translated") == "a message nobody translated"


def test_english_is_the_message_id() -> None:
    assert translator("en")("Counter visits") == "Counter visits"


def test_an_unknown_language_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"'fr'.*ja, en"):
        translator("fr")


@pytest.mark.parametrize("domain", catalog_domains("ja"))
def test_every_japanese_entry_is_translated_and_not_fuzzy(domain: str) -> None:
    path = files("bpr.i18n") / "locale" / "ja" / "LC_MESSAGES" / f"{domain}.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="ja")
    empty = [m.id for m in catalog if m.id and not m.string]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not empty, f"{domain}.po: untranslated: {empty[:5]}"
    assert not fuzzy, f"{domain}.po: fuzzy: {fuzzy[:5]}"


def test_languages_offered_are_ja_and_en() -> None:
    assert set(LANGUAGES) == {"ja", "en"}
    assert "report" in catalog_domains("ja")
