"""National totals: band results × band counts, per version and online share."""

from __future__ import annotations

from typing import Any

import pytest

from bpr.planning.national import BandRecord, national_savings, national_summary, national_table
from bpr.sim.national import load_national_text

NATIONAL = """
name: nat
source: {publisher: 総務省, title: テスト表, verified: false}
reference_population: 100000
municipalities: 5
scenario: {name: nat}
bands:
  - {id: small, label: 小, min: 0, max: 50000, municipalities: 3, population: 20000}
  - {id: large, label: 大, min: 50000, municipalities: 2, population: 200000}
"""


def _reps(*rows: dict[str, float | None]) -> list[dict[str, Any]]:
    return [{"replication": i, "cases": 1, "metrics": row} for i, row in enumerate(rows)]


def _rec(band: str, procedure: str, version: str, share: float | None,
         *rows: dict[str, float | None]) -> BandRecord:
    return BandRecord(band=band, procedure=procedure, version=version, online_share=share,
                      replications=_reps(*rows))


def _m(staff: float, sheets: float, wait: float | None = None) -> dict[str, float | None]:
    return {"staff_hours": staff, "sheets": sheets, "arrived": 10.0, "resident_hours": 1.0,
            "counter_wait_minutes_p90": wait}


RECORDS = [
    # as-is: no channel, one result per band and procedure
    _rec("small", "a", "as-is", None, _m(100, 10, 5), _m(300, 30, 7)),
    _rec("small", "b", "as-is", None, _m(50, 5, 20), _m(50, 5, 40)),
    _rec("large", "a", "as-is", None, _m(1000, 100), _m(1000, 100)),
    _rec("large", "b", "as-is", None, _m(400, 40, 9), _m(600, 60, 11)),
    # to-be: a swept at 0.5; b has no channel in its to-be either (counted at every share)
    _rec("small", "a", "to-be", 0.5, _m(10, 1), _m(30, 3)),
    _rec("small", "b", "to-be", None, _m(50, 5), _m(50, 5)),
    _rec("large", "a", "to-be", 0.5, _m(100, 10), _m(100, 10)),
    _rec("large", "b", "to-be", None, _m(500, 50), _m(500, 50)),
]


def test_national_totals_are_band_counts_times_band_results_summed_over_procedures() -> None:
    summary = national_summary(load_national_text(NATIONAL), RECORDS, fte_hours=100.0)
    # as-is per municipality: small = (100+50, 300+50) -> mean 250; large = (1400, 1600) -> 1500
    small = summary.row("small", "as-is", None)
    assert small.per_municipality["staff_hours"].mean == pytest.approx(250)
    assert small.total["staff_hours"].mean == pytest.approx(3 * 250)
    # national per replication: 3*150 + 2*1400 = 3250 and 3*350 + 2*1600 = 4250
    total = summary.row("total", "as-is", None)
    assert total.total["staff_hours"].mean == pytest.approx(3750)
    assert total.total["staff_hours"].half_width is not None  # an interval over replications
    assert total.total["fte"].mean == pytest.approx(37.5)
    assert total.total["sheets"].mean == pytest.approx(375)
    assert total.municipalities == 5
    # to-be at 0.5: b's only result is counted: 3*(10+50, 30+50) + 2*(600, 600) -> 3*70 + 1200
    to_be = summary.row("total", "to-be", 0.5)
    assert to_be.total["staff_hours"].mean == pytest.approx(3 * 70 + 2 * 600)
    with pytest.raises(KeyError):
        summary.row("total", "to-be", None)


def test_the_peak_wait_is_the_largest_procedure_wait_of_the_band_never_a_sum() -> None:
    summary = national_summary(load_national_text(NATIONAL), RECORDS)
    small = summary.row("small", "as-is", None)
    assert small.peak_wait_p90 == pytest.approx(30) and small.peak_wait_procedure == "b"
    large = summary.row("large", "as-is", None)
    assert large.peak_wait_p90 == pytest.approx(10) and large.peak_wait_procedure == "b"
    total = summary.row("total", "as-is", None)
    assert total.peak_wait_p90 == pytest.approx(30) and total.peak_wait_procedure == "small/b"
    assert summary.row("total", "to-be", 0.5).peak_wait_p90 is None


def test_the_table_has_a_row_per_band_version_and_share_with_the_totals() -> None:
    summary = national_summary(load_national_text(NATIONAL), RECORDS, fte_hours=100.0)
    rows = national_table(summary)
    assert [(r["band"], r["version"], r["online_share"]) for r in rows] == [
        ("small", "as-is", ""), ("large", "as-is", ""), ("total", "as-is", ""),
        ("small", "to-be", "0.5"), ("large", "to-be", "0.5"), ("total", "to-be", "0.5")]
    assert national_table(summary, band="total")[0]["staff_fte"] == pytest.approx(37.5)
    assert not summary.source_verified


def test_the_national_savings_are_as_is_minus_to_be_at_each_share() -> None:
    summary = national_summary(load_national_text(NATIONAL), RECORDS, fte_hours=100.0)
    (saved,) = national_savings(summary)
    assert saved["online_share"] == 0.5
    # staff hours: as-is 3750, to-be 3*70 + 2*600 = 1410 -> 23.4 FTE freed at 100 h
    assert saved["fte"] == pytest.approx((3750 - 1410) / 100)
    # sheets: as-is 375; to-be 3*(1+5, 3+5)/.. -> 3*7 + 2*60 = 141
    assert saved["sheets"] == pytest.approx(375 - 141)
