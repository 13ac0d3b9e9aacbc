"""The built-in catalog's reader-facing texts are Japanese and cite real sources.

The report shows these texts to a Japanese 市役所: every description, volume source, step
and actor name, rationale and attachment name of every as-is.yaml and to-be.yaml and of
catalog.yaml contains Japanese (English stays only in ``name_en``), and none cites a file of
this repository (``DOMAIN.md``, ``docs/...``) that the reader has never seen.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from bpr.model.catalog import AS_IS_FILE, TO_BE_FILE, builtin_root, load_catalog
from bpr.model.load import load_procedure

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
REPOSITORY_FILE = re.compile(
    r"DOMAIN\.md|\b(?:docs|procedures|bpr|tests|shared)/[\w./-]+|\b[\w-]+\.(?:md|py|yaml)\b",
    re.IGNORECASE)
ENGLISH_RUN = re.compile(r"\b[A-Za-z][A-Za-z'’-]*(?:[\s,;:()]+[A-Za-z][A-Za-z'’-]*){2,}")
"""Three or more English words in a row: an English sentence, not a term (OSS, AI-OCR)."""
ROOT = builtin_root()
CATALOG = load_catalog(ROOT / "catalog.yaml")


def catalog_texts() -> Iterator[tuple[str, str]]:
    for entry in CATALOG.procedures:
        where = f"catalog.yaml {entry.id}"
        yield f"{where} name", entry.name
        yield f"{where} volume_source", entry.volume_source
        if entry.volume_departure_reason:
            yield f"{where} volume_departure_reason", entry.volume_departure_reason
        for i, source in enumerate(entry.sources):
            yield f"{where} sources[{i}].title", source.title
            yield f"{where} sources[{i}].taken", source.taken


def model_texts(path: str) -> Iterator[tuple[str, str]]:
    model = load_procedure(ROOT / path)
    yield f"{path} name", model.name
    yield f"{path} volume_source", model.volume_source
    if model.description:
        yield f"{path} description", model.description
    for actor in model.actors:
        yield f"{path} actor {actor.id}", actor.name
    for step in model.steps:
        yield f"{path} step {step.id}", step.name
        if step.rationale:
            yield f"{path} step {step.id} rationale", step.rationale
        for attachment in step.attachments:
            yield f"{path} step {step.id} attachment", attachment.name
    for eliminated in model.eliminated:
        yield f"{path} eliminated {eliminated.step}", eliminated.rationale


MODEL_FILES = sorted(f"{entry.path}/{name}" for entry in CATALOG.procedures
                     for name in (AS_IS_FILE, TO_BE_FILE) if (ROOT / entry.path / name).is_file())


def test_every_model_file_of_the_catalog_is_checked() -> None:
    on_disk = {p.relative_to(ROOT).as_posix() for name in (AS_IS_FILE, TO_BE_FILE)
               for p in ROOT.rglob(name)}
    assert on_disk == set(MODEL_FILES)


@pytest.mark.parametrize("path", ["catalog.yaml", *MODEL_FILES])
def test_reader_facing_texts_are_japanese_and_cite_no_repository_file(path: str) -> None:
    texts = list(catalog_texts() if path == "catalog.yaml" else model_texts(path))
    assert texts
    not_japanese = [where for where, text in texts if not JAPANESE.search(text)]
    repository = [f"{where}: {m.group(0)}" for where, text in texts
                  if (m := REPOSITORY_FILE.search(text))]
    english = [f"{where}: {m.group(0)}" for where, text in texts if (m := ENGLISH_RUN.search(text))]
    assert not not_japanese, f"texts without Japanese: {not_japanese}"
    assert not english, f"texts with an English sentence: {english}"
    assert not repository, f"texts citing a file of the repository: {repository}"


def test_the_check_catches_english_and_a_repository_file() -> None:
    assert not JAPANESE.search("assumption: about 5% of owners move")
    assert ENGLISH_RUN.search("市は the city checks its records で確認する")
    assert not ENGLISH_RUN.search("マイナンバーカードで OSS と AI-OCR を使う（JPKI）")
    assert REPOSITORY_FILE.search("（DOMAIN.md）") and REPOSITORY_FILE.search("see docs/readme/x.md")
    assert not REPOSITORY_FILE.search("厚生労働省『令和5年度 介護保険事業状況報告（年報）』")
