"""Flat memory: arrivals handed to the compiled kernel in blocks, lead times and counter
waits kept exactly up to a cap and then in a histogram (:mod:`bpr.sim.quantiles`).

Forcing tiny blocks and a tiny cap exercises on a small model what only runs of millions
of cases meet otherwise: every result must stay what one block gives, and past the cap
the counts and means stay exact and the percentiles within the histogram's stated error.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import bpr.sim.packing as packing
import bpr.sim.quantiles as quantiles
from bpr.cli import app
from bpr.model.load import load_procedure
from bpr.sim import Scenario, simulate_replication
from bpr.sim.city import load_city_scenario, simulate_city
from bpr.sim.quantiles import ALPHA, method
from bpr.sim.results import ReplicationResult
from models.procedure import ProcedureVersion
from tests.conftest import EXAMPLE, PROCEDURES

runner = CliRunner()
SCENARIO = Scenario(name="stream", warmup_days=10, horizon_days=60, drain_days=30)


def _example(volume: float = 6000.0) -> ProcedureVersion:
    return load_procedure(EXAMPLE / "to-be.yaml").model_copy(update={"annual_volume": volume})


def _run(kernel: str, keep_cases: bool = True) -> ReplicationResult:
    return simulate_replication(_example(), SCENARIO, 3, keep_cases=keep_cases, kernel=kernel)


# -- arrivals in blocks ----------------------------------------------------------------

def test_arrivals_in_tiny_blocks_give_the_results_of_one_block(
        monkeypatch: pytest.MonkeyPatch) -> None:
    whole = _run("compiled")
    assert whole.cases > 1000
    monkeypatch.setattr(packing, "ARRIVAL_BLOCK", 7)   # hundreds of refills within a month
    monkeypatch.setattr(packing, "STAGE", 5)           # and the lead times taken over often
    assert _run("compiled") == whole
    assert _run("python") == whole


def test_a_city_in_tiny_blocks_gives_the_results_of_one_block(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Several procedures' arrivals merged block by block, month chunks cut mid-way."""
    city = load_city_scenario(PROCEDURES / "scenarios" / "city.yaml")
    city = city.model_copy(update={"scenario": city.scenario.with_overrides(horizon_days=45)})
    catalog = sorted(p for p in PROCEDURES.glob("**/to-be.yaml"))
    models = [load_procedure(p) for p in catalog]
    whole = simulate_city(models, city, range(1), "to-be", kernel="compiled")
    monkeypatch.setattr(packing, "ARRIVAL_BLOCK", 3)
    monkeypatch.setattr(packing, "STAGE", 2)
    assert simulate_city(models, city, range(1), "to-be", kernel="compiled") == whole
    assert whole[0].cases > 500


def _chunks(draw: st.DrawFn) -> list[list[np.ndarray]]:
    """Per source, sorted arrival times cut into chunks (ties within and across sources)."""
    sources = draw(st.integers(1, 4))
    out = []
    for _ in range(sources):
        times = sorted(draw(st.lists(st.integers(0, 30).map(float), max_size=40)))
        cuts = sorted(draw(st.lists(st.integers(0, len(times)), max_size=5)))
        bounds = [0, *cuts, len(times)]
        out.append([np.asarray(times[a:b]) for a, b in itertools.pairwise(bounds)])
    return out


def _source(chunks: list[np.ndarray], tag: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    for times in chunks:
        yield times, np.zeros(times.size, np.bool_), np.full(times.size, tag, np.int64)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), block=st.integers(1, 9))
def test_the_feeder_merges_blocks_in_the_order_of_one_sort(data: st.DataObject, block: int) -> None:
    """Whatever the chunks and blocks: the order of a stable sort by (time, start step)
    over all the arrivals, each with its own combination."""
    chunks = data.draw(st.composite(_chunks)())
    starts = data.draw(st.lists(st.integers(0, 3), min_size=len(chunks), max_size=len(chunks)))
    times = np.concatenate([np.concatenate([np.zeros(0), *c]) for c in chunks])
    source = np.concatenate([np.full(sum(x.size for x in c), i) for i, c in enumerate(chunks)])
    start = np.asarray(starts)[source]
    order = np.lexsort((start, times))
    feeder = packing._Feeder([_source(c, 10 + i) for i, c in enumerate(chunks)], starts)
    original = packing.ARRIVAL_BLOCK
    packing.ARRIVAL_BLOCK = block
    try:
        got = []
        while (b := feeder.block()) is not None:
            assert 0 < b[0].size <= block
            got.append(b)
    finally:
        packing.ARRIVAL_BLOCK = original
    n = len(chunks)
    got_times = np.concatenate([np.zeros(0), *(b[0] for b in got)])
    got_start = np.concatenate([np.zeros(0, np.int64), *(b[1] for b in got)])
    keys = np.asarray(feeder.keys, dtype=np.int64)
    got_source = keys[np.concatenate([np.zeros(0, np.int64), *(b[3] for b in got)])] % n \
        if got else np.zeros(0, np.int64)
    got_combination = keys[np.concatenate([np.zeros(0, np.int64), *(b[3] for b in got)])] // n \
        if got else np.zeros(0, np.int64)
    assert got_times.tolist() == times[order].tolist()
    assert got_start.tolist() == start[order].tolist()
    assert got_source.tolist() == source[order].tolist()
    assert got_combination.tolist() == (source[order] + 10).tolist()


# -- percentiles past the cap -----------------------------------------------------------

def test_past_the_cap_a_run_keeps_its_counts_and_means_and_says_percentiles_are_estimated(
        monkeypatch: pytest.MonkeyPatch) -> None:
    exact = _run("compiled")
    assert exact.percentiles == "exact" == method(True)
    monkeypatch.setattr(quantiles, "EXACT_CAP", 50)   # thousands of cases: the histogram
    sketched = _run("compiled")
    assert _run("python") == sketched                  # both kernels fold the same groups
    assert sketched.percentiles == method(False) == "histogram (DDSketch, relative error 0.1%)"
    assert sketched.case_table == exact.case_table     # asked-for columns are kept whole
    for name in ("arrived", "completed", "backlog_end", "unfinished", "stuck", "wip_mean",
                 "resident_minutes_mean", "counter_visits_mean", "staff_hours"):
        assert sketched.metrics[name] == exact.metrics[name], name
    for name in ("lead_time_days_mean", "counter_wait_minutes_mean"):
        assert sketched.metrics[name] == pytest.approx(exact.metrics[name], rel=1e-12), name
    assert exact.case_table is not None
    lead = sorted(exact.case_table["lead_time_days"])
    for q, name in ((50, "lead_time_days_p50"), (90, "lead_time_days_p90")):
        x = lead[math.floor(q / 100 * (len(lead) - 1))]
        got = sketched.metrics[name]
        assert got is not None and abs(got - x) <= ALPHA * x, name
    got, want = sketched.metrics["counter_wait_minutes_p90"], exact.metrics["counter_wait_minutes_p90"]
    assert got is not None and want is not None
    assert got == pytest.approx(want, rel=0.05, abs=1.0)   # interpolation aside, within α


def test_past_the_cap_a_city_still_agrees_across_kernels(monkeypatch: pytest.MonkeyPatch) -> None:
    city = load_city_scenario(PROCEDURES / "scenarios" / "city.yaml")
    city = city.model_copy(update={"scenario": city.scenario.with_overrides(horizon_days=45)})
    models = [load_procedure(p) for p in sorted(PROCEDURES.glob("**/to-be.yaml"))]
    exact = simulate_city(models, city, range(1), "to-be", kernel="compiled")[0]
    monkeypatch.setattr(quantiles, "EXACT_CAP", 20)
    sketched = simulate_city(models, city, range(1), "to-be", kernel="compiled")
    assert simulate_city(models, city, range(1), "to-be", kernel="python") == sketched
    assert sketched[0].measures["counter_wait_p90"] != exact.measures["counter_wait_p90"]
    assert (exact.percentiles, sketched[0].percentiles) == ("exact", method(False))
    means, exact_means = (sketched[0].measures["counter_wait_mean"],
                          exact.measures["counter_wait_mean"])
    assert [m is None for m in means] == [m is None for m in exact_means]
    assert [m for m in means if m is not None] == pytest.approx(
        [m for m in exact_means if m is not None], rel=1e-12)


def test_the_simulate_command_says_when_percentiles_come_from_the_histogram(
        monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["simulate", str(EXAMPLE / "to-be.yaml"), "--years", "0.1", "--replications", "2",
            "--workers", "1"]
    exact = runner.invoke(app, [*args, "--format", "json"])
    assert exact.exit_code == 0, exact.output
    assert json.loads(exact.stdout)["summaries"][0]["percentiles"] == "exact"
    assert "percentiles from" not in runner.invoke(app, args).stdout
    monkeypatch.setattr(quantiles, "EXACT_CAP", 10)
    sketched = runner.invoke(app, [*args, "--format", "json"])
    assert json.loads(sketched.stdout)["summaries"][0]["percentiles"] == method(False)
    title = " ".join(runner.invoke(app, args).stdout.split())  # the table wraps its title
    assert "percentiles from a histogram (DDSketch, relative error 0.1%)" in title


@given(keys=st.lists(st.integers(0, 2**40), min_size=1, max_size=200)
       | st.lists(st.integers(0, 50), min_size=1, max_size=200))
def test_the_feeders_combination_index_is_numpys_unique(keys: list[int]) -> None:
    """Blocks index their (combination, procedure) keys by a table of their range when it
    is small: the same sorted keys and positions as ``np.unique``."""
    key = np.asarray(keys, dtype=np.int64)
    unique, inverse = packing._unique(key)
    expected, expected_inverse = np.unique(key, return_inverse=True)
    assert unique.tolist() == expected.tolist()
    assert inverse.tolist() == expected_inverse.tolist()
