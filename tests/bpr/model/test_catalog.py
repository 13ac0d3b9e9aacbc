"""The catalog (`procedures/catalog.yaml`) and every procedure model it lists.

The per-procedure tests are parametrised by catalog entry, so a missing or broken folder
fails under its own id.
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

import procedures
from bpr.errors import InvalidModelError
from bpr.model.catalog import (
    Catalog,
    CatalogEntry,
    LifeEvent,
    builtin_root,
    catalog_versions,
    load_catalog,
    load_catalog_text,
)
from bpr.model.lineage import lineage, lineage_problems
from bpr.model.load import Located, load_located
from models.procedure import ProcedureVersion
from tests.conftest import EXAMPLE, PROCEDURES

CATALOG = load_catalog()
ENTRIES = {e.id: e for e in CATALOG.procedures}
IDS = list(ENTRIES)


def _one_entry(**changes: object) -> str:
    """A one-entry catalog as YAML text, with fields changed or added."""
    fields: dict[str, object] = {
        "no": 1, "id": "mini", "path": "other/mini", "name": "最小の手続", "name_en": "Minimal",
        "category": "other", "level": "municipal", "legal_basis": "unconfirmed",
        "life_events": "[birth]", "annual_volume": 100, "volume_source": '"assumption: test"',
    }
    fields.update(changes)
    body = "".join(f"    {k}: {v}\n" for k, v in fields.items())
    return "reference_population: 100000\nprocedures:\n  - " + body[4:]


# --------------------------------------------------------------------------- the catalog


def test_builtin_catalog_is_read_from_the_installed_package() -> None:
    assert builtin_root() == Path(procedures.__file__).parent
    assert load_catalog(PROCEDURES / "catalog.yaml") == CATALOG


def test_catalog_has_the_31_procedures_numbered_in_order() -> None:
    assert CATALOG.reference_population == 100_000
    assert [e.no for e in CATALOG.procedures] == list(range(1, 32))
    assert len(set(IDS)) == 31


def test_categories_and_levels_match_the_national_list() -> None:
    # 自治体DX推進計画: 子育て15, 介護11, 被災者支援1 by municipalities; 自動車保有4 by prefectures.
    assert Counter(e.category.value for e in CATALOG.procedures) == {
        "childcare": 15, "long-term-care": 11, "disaster": 1, "car": 4}
    assert Counter(e.level.value for e in CATALOG.procedures) == {"municipal": 27, "prefectural": 4}
    prefectural = [e.no for e in CATALOG.procedures if e.level.value == "prefectural"]
    assert prefectural == [28, 29, 30, 31]
    assert all(ENTRIES[i].category.value == "car" for i in IDS if ENTRIES[i].no in prefectural)


def test_every_folder_is_category_slash_id() -> None:
    for entry in CATALOG.procedures:
        assert entry.path == f"{entry.category.value}/{entry.id}", entry.id


def test_no_procedure_folder_is_missing_from_the_catalog() -> None:
    listed = {(PROCEDURES / e.path).resolve() for e in CATALOG.procedures}
    folders = {f.parent.resolve() for f in PROCEDURES.rglob("*.yaml")
               if f.name in ("as-is.yaml", "to-be.yaml")}
    assert folders - listed == set()


def test_volumes_are_positive_and_sourced() -> None:
    for entry in CATALOG.procedures:
        assert entry.annual_volume > 0, entry.id
        source = entry.volume_source
        assert entry.is_assumption or re.search(r"\d", source), entry.id
        if entry.is_assumption:
            # An assumption states its derivation, not just a label.
            assert len(source.split(":", 1)[1]) > 30 and re.search(r"\d", source), entry.id


@pytest.mark.parametrize(("procedure_id", "national_fy2023"), [
    ("insurance-card-reissue", 321_000),
    ("high-cost-care-benefit", 556_000),  # 高額介護 465,000 + 高額介護予防 91,000
    ("cost-limit-certification", 770_450),  # 766,950 + 居宅要支援 3,500
    ("parking-certificate", 7_500_000),
    ("car-tax-declaration", 15_420_190),
])
def test_survey_volumes_are_scaled_by_population(procedure_id: str, national_fy2023: int) -> None:
    # デジタル庁「行政手続等の悉皆調査結果等」 counts, scaled by 100,000 / 124,000,000.
    entry = ENTRIES[procedure_id]
    assert entry.annual_volume == pytest.approx(national_fy2023 * 100_000 / 124_000_000, abs=1)
    assert f"{national_fy2023:,}" in entry.volume_source


@pytest.mark.parametrize(("procedure_id", "kure_fy2022"), [
    ("child-allowance-claim", 815),
    ("child-allowance-revision", 466),
    ("child-allowance-termination", 268),
])
def test_kure_volumes_are_halved(procedure_id: str, kure_fy2022: int) -> None:
    # 呉市 (about 200,000 residents) FY2022.
    entry = ENTRIES[procedure_id]
    assert entry.annual_volume == pytest.approx(kure_fy2022 / 2, rel=0.01)  # rounded: 815 / 2 ≈ 410
    assert "呉市" in entry.volume_source


def test_the_example_keeps_its_volume() -> None:
    assert ENTRIES["child-allowance-claim"].annual_volume == 410


def _national_list(shared: Path) -> dict[int, tuple[str, str]]:
    rows: dict[int, tuple[str, str]] = {}
    in_list = False
    for line in (shared / "DOMAIN.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            in_list = "national list" in line
            continue
        match = re.match(r"^\|\s*(\d+)\s*\|[^|]*\|([^|]*)\|([^|]*)\|\s*$", line)
        if in_list and match:
            rows[int(match.group(1))] = (match.group(2).strip(), match.group(3).strip())
    return rows


NAMES_FROM_THE_SURVEY = {6: "児童手当に係る寄附の申出"}
"""Names the national survey publishes differently from the list (手続ID 40189); the
catalog follows the survey, which names the procedure of the law."""


def test_official_names_are_those_of_the_national_list(shared_dir: Path) -> None:
    national = _national_list(shared_dir)
    assert sorted(national) == list(range(1, 32))
    for entry in CATALOG.procedures:
        # The list's notes in parentheses, e.g. "支給認定の申請 (教育・保育給付認定)", are
        # not part of the name.
        published = re.sub(r"\s*\([^)]*\)$", "", national[entry.no][0])
        assert entry.name == NAMES_FROM_THE_SURVEY.get(entry.no, published), entry.id


CONFIRMED_SINCE_THE_LIST = {5: "12条1項", 12: "24条"}
"""Legal bases the list leaves open (?) that the catalog confirms, with the article a
source of the entry must name."""


def test_unconfirmed_legal_bases_are_said_so(shared_dir: Path) -> None:
    national = _national_list(shared_dir)
    for entry in CATALOG.procedures:
        unconfirmed_in_list = national[entry.no][1] == "(?)"
        if entry.no in CONFIRMED_SINCE_THE_LIST:
            article = CONFIRMED_SINCE_THE_LIST[entry.no]
            assert unconfirmed_in_list and article in entry.legal_basis, entry.id
            assert any(article in s.taken for s in entry.sources), entry.id
            continue
        assert (entry.legal_basis == "unconfirmed") == unconfirmed_in_list, entry.id


def test_life_events_use_the_vocabulary() -> None:
    vocabulary = {"pregnancy", "birth", "moving-in", "moving-out", "name-change", "nursery-entry",
                  "school", "income-change", "death", "turning-65", "needing-care", "care-at-home",
                  "disaster", "car-purchase", "car-change"}
    assert {e.value for e in LifeEvent} == vocabulary
    used = {ev.value for e in CATALOG.procedures for ev in e.life_events}
    assert used <= vocabulary
    # Every category has procedures triggered by a life event (connected one-stop needs them).
    for category in ("childcare", "long-term-care", "disaster", "car"):
        assert any(e.life_events for e in CATALOG.procedures if e.category.value == category)


def test_catalog_versions_yields_both_files_in_catalog_order() -> None:
    triples = list(catalog_versions(CATALOG))
    assert [t[0].id for t in triples] == IDS
    _, as_is, to_be = triples[0]
    assert (as_is, to_be) == (EXAMPLE / "as-is.yaml", EXAMPLE / "to-be.yaml")
    other = list(catalog_versions(CATALOG, "/somewhere"))[30]
    assert other[1] == Path("/somewhere/car/parking-certificate/as-is.yaml")


# --------------------------------------------------------------------------- every procedure


@cache
def _load(path: Path) -> tuple[ProcedureVersion, Located]:
    """Each model file is read once per test session (the models are frozen)."""
    return load_located(path)


@pytest.mark.parametrize("procedure_id", IDS)
def test_version_files_validate_with_complete_lineage(procedure_id: str) -> None:
    entry = ENTRIES[procedure_id]
    folder = PROCEDURES / entry.path
    as_is, _ = _load(folder / "as-is.yaml")
    to_be, to_be_located = _load(folder / "to-be.yaml")
    assert (as_is.version, to_be.version) == ("as-is", "to-be")
    assert lineage(as_is, to_be).missing == ()
    assert lineage_problems(as_is, to_be, to_be_located) == []


@pytest.mark.parametrize("procedure_id", IDS)
def test_version_files_agree_with_the_catalog(procedure_id: str) -> None:
    entry = ENTRIES[procedure_id]
    for name in ("as-is.yaml", "to-be.yaml"):
        model, _ = _load(PROCEDURES / entry.path / name)
        facts = (model.id, model.annual_volume, model.volume_source, model.category, model.name,
                 model.legal_basis)
        assert facts == (entry.id, entry.annual_volume, entry.volume_source, entry.category,
                         entry.name, entry.legal_basis), name


def test_every_folder_exists_when_required() -> None:
    catalog = load_catalog(require_folders=True)
    assert catalog == CATALOG


# --------------------------------------------------------------------------- bad catalogs


def test_a_minimal_catalog_loads() -> None:
    catalog = load_catalog_text(_one_entry())
    assert isinstance(catalog, Catalog)
    assert catalog.entry("mini") == catalog.procedures[0]
    assert isinstance(catalog.procedures[0], CatalogEntry)
    assert catalog.procedures[0].is_assumption
    with pytest.raises(KeyError, match="nope"):
        catalog.entry("nope")


def test_unknown_field_is_located_with_a_hint() -> None:
    text = _one_entry(levle="municipal")
    with pytest.raises(InvalidModelError, match=r"cat\.yaml:\d+:5: .*unknown field 'levle'; "
                       r"did you mean 'level'\?") as info:
        load_catalog_text(text, "cat.yaml")
    problem = next(p for p in info.value.problems if "levle" in p.message)
    assert text.splitlines()[problem.line - 1].strip().startswith("levle:")
    assert problem.procedure == "mini"
    assert problem.field == "procedures[0].levle"


def test_unknown_life_event_and_level_get_a_hint() -> None:
    with pytest.raises(InvalidModelError, match=r"life_events\[0\]'.*\(got 'brith'\); did you mean "
                       r"'birth'\?"):
        load_catalog_text(_one_entry(life_events="[brith]"))
    with pytest.raises(InvalidModelError, match=r"'procedures\[0\]\.level'.*did you mean 'prefectural'"):
        load_catalog_text(_one_entry(level="prefectoral"))


def test_duplicate_id_and_number_are_located() -> None:
    second = textwrap.indent(_one_entry(path="other/mini").split("procedures:\n")[1], "")
    text = _one_entry() + second
    with pytest.raises(InvalidModelError) as info:
        load_catalog_text(text, "cat.yaml")
    messages = [str(p) for p in info.value.problems]
    assert any(re.search(r"^cat\.yaml:1\d:\d+: .*'procedures\[1\]\.id': duplicate procedure id "
                         r"\(first used at line 4\) \(got 'mini'\)", m) for m in messages), messages
    assert any("'procedures[1].no': duplicate procedure no (first used at line 3)" in m
               for m in messages), messages


def test_path_must_end_with_the_id_and_stay_inside() -> None:
    with pytest.raises(InvalidModelError, match=r"path must end with the procedure id 'mini'"):
        load_catalog_text(_one_entry(path="other/maxi"))
    with pytest.raises(InvalidModelError, match=r"path must be relative"):
        load_catalog_text(_one_entry(path="../mini"))


def test_missing_folder_is_an_error_only_when_required(tmp_path: Path) -> None:
    file = tmp_path / "catalog.yaml"
    file.write_text(_one_entry(), encoding="utf-8")
    assert load_catalog(file).ids == ("mini",)
    with pytest.raises(InvalidModelError, match=r"catalog\.yaml:5:\d+: .*'procedures\[0\]\.path': "
                       r"no such folder"):
        load_catalog(file, require_folders=True)
    (tmp_path / "other" / "mini").mkdir(parents=True)
    assert load_catalog(file, require_folders=True).ids == ("mini",)


def test_volume_needs_a_figure_or_an_assumption() -> None:
    with pytest.raises(InvalidModelError, match=r"volume_source.*start with 'assumption:'"):
        load_catalog_text(_one_entry(volume_source="a guess"))
    with pytest.raises(InvalidModelError, match=r"annual_volume.*greater than 0"):
        load_catalog_text(_one_entry(annual_volume=0))


def test_unreadable_and_non_mapping_catalogs(tmp_path: Path) -> None:
    with pytest.raises(InvalidModelError) as info:
        load_catalog(tmp_path / "absent.yaml")
    assert str(info.value) == f"{tmp_path / 'absent.yaml'}: cannot read: No such file or directory"
    with pytest.raises(InvalidModelError) as info:
        load_catalog(tmp_path)
    assert str(info.value) == f"{tmp_path}: cannot read: is a folder, not a catalog file"
    with pytest.raises(InvalidModelError, match=r"a catalog must be a YAML mapping, got list"):
        load_catalog_text("- 1\n- 2\n")
    with pytest.raises(InvalidModelError, match=r"'procedures': required field is missing"):
        load_catalog_text("reference_population: 100000\n")


@pytest.mark.parametrize(("volume", "message", "shown"), [
    (".inf", "must be a finite number", "inf"),
    (".nan", "must be a finite number", "nan"),
    ("1e309", "must be a finite number", "inf"),
    ("10000001", "Input should be less than or equal to 10000000", "10000001"),
])
def test_volume_must_be_finite_and_bounded(volume: str, message: str, shown: str) -> None:
    text = _one_entry(annual_volume=volume)
    with pytest.raises(InvalidModelError) as info:
        load_catalog_text(text, "cat.yaml")
    (problem,) = info.value.problems
    assert (problem.field, problem.message, problem.value) == (
        "procedures[0].annual_volume", message, shown)
    line = text.splitlines()[problem.line - 1]
    assert line[problem.column - 1:] == volume
    assert load_catalog_text(_one_entry(annual_volume=10_000_000)).procedures[0].annual_volume == 1e7


# --------------------------------------------------------------------------- sources


def _source(**changes: object) -> str:
    fields: dict[str, object] = {"publisher": "デジタル庁", "title": "行政手続等の悉皆調査結果等",
                                 "year": 2025, "taken": "件数"}
    fields.update(changes)
    return "[{" + ", ".join(f"{k}: {v}" for k, v in fields.items()) + "}]"


def test_sources_survey_ids_and_departure_reason_load() -> None:
    catalog = load_catalog_text(_one_entry(sources=_source(holds_from="2026-04-01"),
                                           survey_ids='["44988", "44989"]',
                                           volume_departure_reason='"調査の件数は過少（手続ID 44988）"'))
    entry = catalog.procedures[0]
    assert entry.survey_ids == ("44988", "44989")
    assert entry.sources[0].publisher == "デジタル庁"
    assert str(entry.sources[0].holds_from) == "2026-04-01"
    assert entry.volume_departure_reason == "調査の件数は過少（手続ID 44988）"


@pytest.mark.parametrize(("changes", "message"), [
    ({"sources": _source(publisher='" "')}, "must not be blank"),
    ({"sources": _source(title='"DOMAIN.md"')}, "cite the publisher and title, not a file ('DOMAIN.md')"),
    ({"sources": _source(year=1800)}, "greater than or equal to 1900"),
    ({"survey_ids": '["1", "1"]'}, "survey ids must not repeat"),
    ({"volume_departure_reason": '"  "'}, "must not be blank"),
])
def test_bad_sources_are_located(changes: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidModelError) as caught:
        load_catalog_text(_one_entry(**changes), "catalog.yaml")
    text = str(caught.value)
    assert message in text
    assert "[procedure mini]" in text


def test_unknown_source_field_gets_a_hint() -> None:
    with pytest.raises(InvalidModelError, match="unknown field 'publsher'; did you mean 'publisher'"):
        load_catalog_text(_one_entry(sources="[{publsher: x, title: y, year: 2020, taken: z}]"))


def test_every_catalog_source_is_cited_by_publisher_and_title() -> None:
    cited = [s for e in CATALOG.procedures for s in e.sources]
    assert len(cited) >= 20
    for source in cited:
        assert source.publisher.strip() and source.title.strip() and source.taken.strip()
        assert "DOMAIN" not in f"{source.publisher}{source.title}{source.taken}"


def test_models_cite_publishers_not_files_of_this_repository() -> None:
    # A report cites "publisher「title」"; a file of this repository (or of ../shared)
    # means nothing to a reader of the report.
    for _entry, as_is, to_be in catalog_versions(CATALOG):
        for path in (as_is, to_be):
            assert "DOMAIN.md" not in path.read_text(encoding="utf-8"), path


_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
RATIONALES_STILL_IN_ENGLISH: set[str] = set()
"""To-be models whose rationales have not been written in Japanese yet (the report is in
Japanese); empty when every one is."""


def _english_rationales(model: ProcedureVersion) -> list[str]:
    texts = [(s.id, s.rationale) for s in model.steps if s.rationale]
    texts += [(e.step, e.rationale) for e in model.eliminated]
    return [step for step, text in texts
            if len(_JAPANESE.findall(text)) < len(re.findall(r"[A-Za-z]", text))]


@pytest.mark.parametrize("procedure_id", IDS)
def test_rationales_are_written_in_japanese(procedure_id: str) -> None:
    model, _ = _load(PROCEDURES / ENTRIES[procedure_id].path / "to-be.yaml")
    english = _english_rationales(model)
    if procedure_id in RATIONALES_STILL_IN_ENGLISH:
        assert english, f"{procedure_id} is in Japanese now: drop it from the list"
    else:
        assert english == [], f"{procedure_id}: rationales in English at {english}"


@pytest.mark.parametrize("number", [0, 32])
def test_a_number_outside_the_national_list_is_refused_located(number: int) -> None:
    with pytest.raises(InvalidModelError) as info:
        load_catalog_text(_one_entry(no=number), "cat.yaml")
    (problem,) = info.value.problems
    assert (problem.line, problem.column, problem.field) == (3, 9, "procedures[0].no")
    assert ("less than or equal to 31" if number else "greater than or equal to 1") in \
        problem.message
