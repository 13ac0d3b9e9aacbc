"""The catalog held to the national survey (デジタル庁「行政手続等の悉皆調査結果等」).

Every catalog entry names the survey rows that are its procedure (``survey_ids``, the
survey's 手続ID; the 介護 and 介護予防 rows of one benefit are both listed). For each:

* the row exists, is submitted to local governments (``3 地方等``), and its law and
  article appear in the entry's ``legal_basis``;
* when the survey gives counts, the entry's volume is within ``FACTOR`` of their sum scaled
  to the reference population (÷ 1,240 for 100,000 residents), or the entry says in
  ``volume_departure_reason`` why not, citing the 手続ID. A reason on a volume that agrees
  with the survey is stale and fails too.

``FACTOR`` is 2. Local-government counts in the survey are estimates extrapolated from a
sample of municipalities (the survey's own note), and a catalog volume is a rounded
derivation for an average municipality whose age structure and car ownership differ from
the national mean; a factor of 2 tolerates both, while still catching what matters: a
missing sub-procedure, a wrong unit or scale, or a count that covers online filings only
(the 児童手当 rows, about 1/5 to 1/50 of the municipal figures).

The survey is read from ``../shared/data/procedures-survey/``; the tests skip with a reason
when it is absent (the project never copies it).
"""

from __future__ import annotations

import re
import unicodedata

import pytest

from bpr.model.catalog import CatalogEntry, load_catalog
from bpr.planning.survey import SurveyProcedure, label, parse_survey, read_survey
from tests.conftest import SHARED

SURVEY_FILE = SHARED / "data" / "procedures-survey" / "procedures_data.parquet"
NATIONAL_POPULATION = 124_000_000
"""Residents of Japan the survey's counts are scaled from (the catalog's convention)."""
FACTOR = 2.0
"""Largest tolerated ratio between a catalog volume and the scaled survey count."""

CATALOG = load_catalog()
MAPPED = [e for e in CATALOG.procedures if e.survey_ids]
NOT_IN_SURVEY = {
    # No row of the survey is this procedure (searched by name and by article).
    "child-allowance-unpaid-claim", "child-allowance-donation-change",
    "school-fee-collection-change", "nursery-application", "nursery-status-report",
    "care-plan-request", "cost-share-certificate-reissue", "car-tax-address-change",
}


@pytest.fixture(scope="module")
def survey() -> dict[str, SurveyProcedure]:
    if not SURVEY_FILE.is_file():
        pytest.skip(f"the national survey is not present at {SURVEY_FILE}")
    return {p.id: p for p in parse_survey(read_survey(SURVEY_FILE))}


def _article(text: str) -> str:
    """The article part of a reference: '第83条の4第1項' → '83条の4'."""
    found = re.search(r"(\d+)条(の\d+)*", unicodedata.normalize("NFKC", text))
    assert found, text
    return found.group(0)


def legal_references(legal_basis: str) -> set[tuple[str, str]]:
    """(law, article) pairs of a catalog legal basis; a law name carries over to the
    articles after it: '介護保険法51条, 61条' → {(介護保険法, 51条), (介護保険法, 61条)}."""
    pairs: set[tuple[str, str]] = set()
    law = ""
    for part in re.split(r"[,、]\s*", unicodedata.normalize("NFKC", legal_basis)):
        found = re.match(r"^\s*(?P<law>\D*?)\s*(?P<article>\d+条(?:の\d+)*)", part)
        if not found:
            continue
        law = found.group("law") or law
        pairs.add((law, found.group("article")))
    return pairs


def scaled(count: int) -> float:
    return count * CATALOG.reference_population / NATIONAL_POPULATION


def test_legal_references_are_parsed_with_the_law_carried_over() -> None:
    assert legal_references("介護保険法51条, 61条, 介護保険法施行規則83条の4, 97条の2") == {
        ("介護保険法", "51条"), ("介護保険法", "61条"), ("介護保険法施行規則", "83条の4"),
        ("介護保険法施行規則", "97条の2")}
    assert _article("第12条の9第1項") == "12条の9"


def test_every_entry_is_mapped_or_known_to_be_absent() -> None:
    unmapped = {e.id for e in CATALOG.procedures if not e.survey_ids}
    assert unmapped == NOT_IN_SURVEY


@pytest.mark.parametrize("entry", MAPPED, ids=[e.id for e in MAPPED])
def test_survey_rows_exist_and_go_to_local_government(
        entry: CatalogEntry, survey: dict[str, SurveyProcedure]) -> None:
    for survey_id in entry.survey_ids:
        assert survey_id in survey, f"{entry.id}: no survey row {survey_id}"
        assert label(survey[survey_id].receiver) == "地方等", (entry.id, survey_id)


@pytest.mark.parametrize("entry", MAPPED, ids=[e.id for e in MAPPED])
def test_legal_basis_agrees_with_the_survey(
        entry: CatalogEntry, survey: dict[str, SurveyProcedure]) -> None:
    ours = legal_references(entry.legal_basis)
    for survey_id in entry.survey_ids:
        row = survey[survey_id]
        theirs = (unicodedata.normalize("NFKC", row.law).strip(), _article(row.article))
        assert theirs in ours, (f"{entry.id}: the survey's {survey_id} rests on "
                                f"{row.law} {row.article}, not in '{entry.legal_basis}'")


@pytest.mark.parametrize("entry", MAPPED, ids=[e.id for e in MAPPED])
def test_volume_agrees_with_the_survey_or_says_why_not(
        entry: CatalogEntry, survey: dict[str, SurveyProcedure]) -> None:
    counts = [survey[i].total for i in entry.survey_ids if survey[i].total is not None]
    if not counts:
        assert entry.volume_departure_reason is None, f"{entry.id}: the survey has no count"
        return
    expected = scaled(sum(counts))
    within = expected / FACTOR <= entry.annual_volume <= expected * FACTOR
    reason = entry.volume_departure_reason
    if within:
        assert reason is None, f"{entry.id}: volume agrees with the survey; the reason is stale"
        return
    assert reason, (f"{entry.id}: volume {entry.annual_volume:g} is not within ×{FACTOR:g} of "
                    f"the survey's {expected:.0f} per {CATALOG.reference_population:,} residents")
    assert any(i in reason for i in entry.survey_ids), f"{entry.id}: the reason cites no 手続ID"
    assert any(s.publisher == "デジタル庁" for s in entry.sources), entry.id


@pytest.mark.parametrize("procedure_id", ["high-cost-care-benefit", "cost-limit-certification"])
def test_care_benefits_count_the_prevention_part_too(
        procedure_id: str, survey: dict[str, SurveyProcedure]) -> None:
    # 高額介護サービス費 and 高額介護予防サービス費 (and the two 負担限度額 rows) are one desk's
    # procedure: the volume is the sum of both rows, not the 介護 row alone.
    entry = CATALOG.entry(procedure_id)
    assert len(entry.survey_ids) == 2
    total = sum(survey[i].total or 0 for i in entry.survey_ids)
    assert entry.annual_volume == pytest.approx(scaled(total), abs=1)


def test_names_taken_from_the_survey_are_its_names(survey: dict[str, SurveyProcedure]) -> None:
    entry = CATALOG.entry("child-allowance-donation")
    assert entry.name == survey["40189"].name == "児童手当に係る寄附の申出"


def test_survey_citations_name_the_publisher_not_a_file() -> None:
    for entry in CATALOG.procedures:
        text = " ".join([entry.volume_source, entry.volume_departure_reason or ""]
                        + [f"{s.publisher} {s.title} {s.taken}" for s in entry.sources])
        assert "DOMAIN.md" not in text, entry.id
        if "悉皆調査" in entry.volume_source:
            assert any(s.publisher == "デジタル庁" for s in entry.sources), entry.id

