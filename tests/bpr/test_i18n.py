"""The message catalogs (bpr/i18n): Japanese for the reader, English ids unchanged."""

from __future__ import annotations

import pickle
import re
from importlib.resources import files
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from bpr.i18n import LANGUAGES, N_, Term, catalog_domains, join, localize, translator


def test_japanese_translates_a_known_message_and_falls_back_to_the_id() -> None:
    _ = translator("ja")
    assert _("Counter visits") == "来庁回数"
    assert _("a message nobody translated") == "a message nobody translated"


def test_an_empty_text_stays_empty_not_the_catalog_header() -> None:
    assert translator("ja")("") == ""


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


# --------------------------------------------------------------------------- extraction

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
"""The gettext keywords the code and the templates use (``N_``: a :class:`bpr.i18n.Message`)."""
METHODS = [("bpr/**.py", "python"), ("bpr/render/templates/**.html", "jinja2.ext:babel_extract"),
           ("flows/**.py", "python")]


def _used_messages() -> dict[str, str]:
    """Every message id Babel extracts from bpr/ (code and report templates) and flows/,
    with where it was found."""
    found: dict[str, str] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), METHODS, keywords=KEYWORDS, options_map={"bpr/render/templates/**.html": {
                "extensions": "jinja2.ext.i18n", "trimmed": "false"}}):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                found.setdefault(msgid, f"{filename}:{_lineno}")
    return found


def _japanese_catalog() -> set[str]:
    ids: set[str] = set()
    for domain in catalog_domains("ja"):
        path = files("bpr.i18n") / "locale" / "ja" / "LC_MESSAGES" / f"{domain}.po"
        with path.open("rb") as handle:
            ids |= {m.id for m in read_po(handle, locale="ja") if m.id and m.string}
    return ids


def test_extraction_finds_the_report_templates_and_the_analysis() -> None:
    used = _used_messages()
    # one id from each place the extraction must reach (a template, report.py, bpr/analysis)
    assert "Procedure BPR audit report" in used
    assert "(whole procedure)" in used
    assert "a seal (押印) is required" in used
    assert "minutes: {before} → {after}" in used


def test_every_message_used_has_a_japanese_translation() -> None:
    used = _used_messages()
    missing = sorted(f"{where}: {msgid!r}" for msgid, where in used.items()
                     if msgid not in _japanese_catalog())
    assert not missing, "no Japanese translation (add it to a .po file):\n" + "\n".join(missing)


def test_a_translation_keeps_the_placeholders_of_its_id() -> None:
    _ = translator("ja")
    names = re.compile(r"\{([a-z_0-9]*)[^}]*\}")
    wrong = [msgid for msgid in _used_messages()
             if sorted(names.findall(msgid)) != sorted(names.findall(_(msgid)))
             or msgid.count("%(") != _(msgid).count("%(")]
    assert not wrong, f"placeholders differ between id and translation: {wrong}"


# --------------------------------------------------------------------------- messages


def test_a_message_is_its_english_text_and_translates_with_its_arguments() -> None:
    text = N_("minutes: {before} → {after}", before="10", after="5")
    assert text == "minutes: 10 → 5"
    assert localize(text, translator("ja")) == "所要時間（分）: 10 → 5"
    assert localize(text, translator("en")) == "minutes: 10 → 5"
    assert localize("a name from a model", translator("ja")) == "a name from a model"


def test_arguments_that_are_messages_are_translated_too() -> None:
    text = N_("lost: {facts}", facts=join(", ", [N_("seal"), N_("paper")]))
    assert text == "lost: seal, paper"
    assert localize(text, translator("ja")) == "なくなったもの: 押印, 紙"


def test_a_message_survives_pickling_for_worker_processes() -> None:
    text = N_("{message} by {law}", message=N_("a seal (押印) is required"), law="法1条")
    again = pickle.loads(pickle.dumps(text))
    assert again == text and localize(again, translator("ja")) == localize(text, translator("ja"))


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_model_text_in_an_argument_is_never_read_as_a_format(name: str) -> None:
    text = N_("attachment '{name}' is already held by {holder}", name=name,
              holder=N_("the municipality"))
    assert name in localize(text, translator("ja"))
    assert name in text


def test_a_term_is_its_id_in_english_and_its_name_in_japanese() -> None:
    text = N_("actor: {before} → {after}", before=join(", ", [Term("clerk", {"name": "窓口担当"})]),
              after=Term("system", {"name": "システム"}))
    assert text == "actor: clerk → system"
    assert localize(text, translator("en")) == "actor: clerk → system"
    assert localize(text, translator("ja")) == "担当: 窓口担当 → システム"
    assert pickle.loads(pickle.dumps(text)) == text


def test_a_domain_keeps_its_own_wording_and_falls_back_to_the_others() -> None:
    diagram = translator("ja", "diagram")
    # the diagram legend's wording, whatever another catalog says for the same id
    assert diagram("Other change") == "その他の変更（要確認）"
    assert diagram("Counter visits") == translator("ja")("Counter visits")  # from report.po
    with pytest.raises(ValueError, match="no ja message catalog named 'nope'"):
        translator("ja", "nope")
