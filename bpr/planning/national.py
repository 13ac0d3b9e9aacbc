"""National totals: a national run's band results × the band counts.

Pure: takes the per-band, per-procedure replication results of a national run
(:func:`bpr.sim.national.simulate_band`) and returns a :class:`NationalSummary`; the flow
stores it, ``tetsuzuki national`` shows it and the report's summary page can render it
(:func:`national_table`).

Rules:

* a band's *per-municipality* figure of a replication is the sum over the catalog's
  procedures of that procedure's figure per year in one municipality of the band;
* the *national* figure of a replication is Σ over bands of count × the band's figure
  (the same replication number in every band); means and 95% intervals are taken over
  replications;
* a version simulated at several online shares is summed at each share; a procedure
  version without a channel choice (a paper as-is) has one result, counted at every share;
* ``fte`` is ``staff_hours`` / ``fte_hours`` (1,600 hours a year by default);
* the *peak wait* of a band is the largest 90th-percentile counter wait (mean over
  replications) among its procedures, with the procedure it occurs in; waits are not summed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bpr.planning.figures import DEFAULT_FTE_HOURS
from bpr.sim.national import NationalScenario
from bpr.sim.results import Estimate, estimate

__all__ = [
    "NATIONAL_TOTALS",
    "BandRecord",
    "NationalRow",
    "NationalSummary",
    "national_savings",
    "national_summary",
    "national_table",
]

NATIONAL_TOTALS: dict[str, str] = {
    "arrived": "applications per year",
    "paper_steps": "paper-handling steps per year",
    "sheets": "sheets of paper per year",
    "seals": "seals per year",
    "transcriptions": "re-typings per year",
    "counter_visits": "counter visits per year",
    "staff_hours": "staff working hours per year",
    "fte": "staff full-time equivalents",
    "resident_hours": "resident hours per year (working, waiting, travel)",
}
"""The summed figures of a national summary."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BandRecord(_Frozen):
    """One procedure version's results in one band under one scenario."""

    band: str
    procedure: str
    version: str
    online_share: float | None = Field(description="The swept share, None for the base scenario.")
    replications: list[dict[str, Any]] = Field(
        description="Per replication: replication, cases, metrics (bpr.sim.national.simulate_band).")


class NationalRow(_Frozen):
    """A band's (or the nation's: band ``total``) figures of one version at one share."""

    band: str
    label: str
    municipalities: int
    population: int | None = Field(description="Representative population; None for the total.")
    version: str
    online_share: float | None
    per_municipality: dict[str, Estimate] = Field(description="Per municipality of the band, per year.")
    total: dict[str, Estimate] = Field(description="Band count × per municipality, per year.")
    peak_wait_p90: float | None = Field(description="Largest counter wait p90 (minutes) of a procedure.")
    peak_wait_procedure: str | None
    procedures: int = Field(description="Procedures summed.")


class NationalSummary(_Frozen):
    """The national totals of a run."""

    name: str
    source_publisher: str
    source_title: str
    source_verified: bool
    municipalities: int
    replications: int
    fte_hours: float
    rows: list[NationalRow]

    def row(self, band: str, version: str, online_share: float | None) -> NationalRow:
        """The row of a band (``total`` for the nation), version and share.

        Raises:
            KeyError: no such row.
        """
        for r in self.rows:
            if r.band == band and r.version == version and r.online_share == online_share:
                return r
        raise KeyError((band, version, online_share))


def _share_keys(records: Sequence[BandRecord]) -> dict[str, list[float | None]]:
    """Per version: the shares it was swept at (``[None]`` when never)."""
    shares: dict[str, set[float]] = defaultdict(set)
    versions: list[str] = []
    for r in records:
        if r.version not in versions:
            versions.append(r.version)
        if r.online_share is not None:
            shares[r.version].add(r.online_share)
    return {v: (sorted(shares[v]) if shares[v] else [None]) for v in sorted(versions)}  # type: ignore[misc]


def _metric(rep: dict[str, Any], name: str) -> float:
    value = rep["metrics"].get(name)
    return float(value) if value is not None else 0.0


def national_summary(national: NationalScenario, records: Iterable[BandRecord], *,
                     fte_hours: float = DEFAULT_FTE_HOURS) -> NationalSummary:
    """Aggregate a national run's records to band and national totals.

    Args:
        national: the national scenario (band counts and labels).
        records: every (band, procedure version, scenario) result of the run.
        fte_hours: hours of a full-time equivalent per year.

    Returns:
        One row per band and per version and share, and the ``total`` rows, in band order.
    """
    records = list(records)
    index: dict[tuple[str, str, str, float | None], BandRecord] = {
        (r.band, r.procedure, r.version, r.online_share): r for r in records}
    procedures = sorted({r.procedure for r in records})
    replication_ids = sorted({rep["replication"] for r in records for rep in r.replications})
    bands = [b for b in national.bands if any(r.band == b.id for r in records)]
    rows: list[NationalRow] = []
    for version, shares in _share_keys(records).items():
        for share in shares:
            national_reps: dict[int, dict[str, float]] = {i: defaultdict(float) for i in replication_ids}
            band_rows = []
            for band in bands:
                per_rep: dict[int, dict[str, float]] = {i: defaultdict(float) for i in replication_ids}
                waits: list[tuple[float, str]] = []
                counted = 0
                for procedure in procedures:
                    record = (index.get((band.id, procedure, version, share))
                              or index.get((band.id, procedure, version, None)))
                    if record is None:
                        continue
                    counted += 1
                    for rep in record.replications:
                        row = per_rep[rep["replication"]]
                        for name in NATIONAL_TOTALS:
                            if name != "fte":
                                row[name] += _metric(rep, name)
                    wait = estimate([rep["metrics"].get("counter_wait_minutes_p90")
                                     for rep in record.replications]).mean
                    if wait is not None:
                        waits.append((wait, procedure))
                for i, row in per_rep.items():
                    row["fte"] = row["staff_hours"] / fte_hours
                    for name, value in row.items():
                        national_reps[i][name] += band.municipalities * value
                peak = max(waits, default=None)
                per_municipality = {n: estimate([per_rep[i][n] for i in replication_ids])
                                    for n in NATIONAL_TOTALS}
                total = {n: estimate([band.municipalities * per_rep[i][n] for i in replication_ids])
                         for n in NATIONAL_TOTALS}
                band_rows.append(NationalRow(
                    band=band.id, label=band.label, municipalities=band.municipalities,
                    population=band.population, version=version, online_share=share,
                    per_municipality=per_municipality, total=total,
                    peak_wait_p90=peak[0] if peak else None,
                    peak_wait_procedure=peak[1] if peak else None, procedures=counted))
            worst = max((r for r in band_rows if r.peak_wait_p90 is not None),
                        key=lambda r: r.peak_wait_p90 or 0.0, default=None)
            totals = {n: estimate([national_reps[i][n] for i in replication_ids]) for n in NATIONAL_TOTALS}
            count = sum(b.municipalities for b in bands)
            rows += band_rows
            rows.append(NationalRow(
                band="total", label="全国", municipalities=count, population=None, version=version,
                online_share=share, per_municipality={n: Estimate(
                    mean=None if e.mean is None or not count else e.mean / count, low=None, high=None,
                    half_width=None, sd=None, n=e.n) for n, e in totals.items()},
                total=totals, peak_wait_p90=worst.peak_wait_p90 if worst else None,
                peak_wait_procedure=f"{worst.band}/{worst.peak_wait_procedure}" if worst else None,
                procedures=len(procedures)))
    return NationalSummary(name=national.name, source_publisher=national.source.publisher,
                           source_title=national.source.title,
                           source_verified=national.source.verified,
                           municipalities=national.municipalities,
                           replications=len(replication_ids), fte_hours=fte_hours, rows=rows)


def national_table(summary: NationalSummary, *, band: str | None = None) -> list[dict[str, Any]]:
    """Flat rows for a table (the CLI, the report's summary page): per band (or only
    ``band``, e.g. ``total``), version and share, the band's totals per year (means over
    replications, rounded) and the peak wait."""
    out = []
    for r in summary.rows:
        if band is not None and r.band != band:
            continue

        def mean(name: str, row: NationalRow = r) -> float | None:
            value = row.total[name].mean
            return None if value is None else round(value, 1)

        out.append({"band": r.band, "label": r.label, "municipalities": r.municipalities,
                    "version": r.version,
                    "online_share": "" if r.online_share is None else f"{r.online_share:g}",
                    "applications": mean("arrived"), "paper_sheets": mean("sheets"),
                    "paper_steps": mean("paper_steps"), "staff_fte": mean("fte"),
                    "resident_hours": mean("resident_hours"),
                    "peak_wait_p90_min": None if r.peak_wait_p90 is None else round(r.peak_wait_p90, 1),
                    "peak_wait_procedure": r.peak_wait_procedure or ""})
    return out


def national_savings(summary: NationalSummary, *, before: str = "as-is", after: str = "to-be"
                     ) -> list[dict[str, Any]]:
    """The nation's headline per online share of ``after``: ``before`` − ``after`` per year
    (positive: removed or freed) for sheets, paper steps, staff FTE and resident hours
    (means over replications); ``before`` is taken at the same share when it was swept at
    it, else its single result."""
    out = []
    for row in summary.rows:
        if row.band != "total" or row.version != after:
            continue
        try:
            base = summary.row("total", before, row.online_share)
        except KeyError:
            try:
                base = summary.row("total", before, None)
            except KeyError:
                continue
        item: dict[str, Any] = {"online_share": row.online_share}
        for name in ("sheets", "paper_steps", "fte", "resident_hours"):
            a, b = base.total[name].mean, row.total[name].mean
            item[name] = None if a is None or b is None else a - b
        out.append(item)
    return out
