"""Large generated models: validation, metrics and diff work at 20,000 steps.

Correctness only (time and memory are measured in ``benchmarks/analysis_scale.py``): a
chain of 20,000 steps with rework loops, guarded choices and parallel branches is far
deeper than Python's recursion limit, so any recursive walk would fail here; the figures
checked are the ones a user reads.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

from bpr.analysis.diff import diff
from bpr.analysis.ecrs import ChangeKind
from bpr.analysis.metrics import measure
from bpr.analysis.soundness import check_soundness
from bpr.model.load import validate_located
from bpr.model.yaml_reader import Located

BLOCKS = 2_600  # 7 steps each, 4 more every fifth: 20,282 steps


def generated(*, rework: float = 0.2, swap_block: int | None = None) -> dict[str, Any]:
    """A chain of blocks: write → check → choice (rework loop back to write) → guarded
    route (online or post) → merge, and every fifth block an and-split of two tasks.
    ``swap_block``: in that block, the check comes before the write (a rearranged to-be)."""
    steps: list[dict[str, Any]] = [{"id": "start", "name": "開始", "kind": "start"}]
    flows: list[dict[str, Any]] = []
    last = "start"
    for b in range(BLOCKS):
        first, second = (f"b{b}-write", f"b{b}-check")
        if b == swap_block:
            first, second = second, first
        steps += [{"id": f"b{b}-write", "name": "記入", "actor": "resident", "duration": 5,
                   "paper": True},
                  {"id": f"b{b}-check", "name": "確認", "actor": "clerk", "duration": 3},
                  {"id": f"b{b}-ok", "name": "不備?", "kind": "choice"},
                  {"id": f"b{b}-route", "name": "経路", "kind": "choice"},
                  {"id": f"b{b}-online", "name": "電子", "actor": "clerk", "duration": 1,
                   "channel": "online"},
                  {"id": f"b{b}-post", "name": "郵送", "actor": "clerk", "duration": 2,
                   "channel": "mail"},
                  {"id": f"b{b}-merge", "name": "合流", "actor": "clerk", "duration": 1}]
        flows += [{"from": last, "to": first}, {"from": first, "to": second},
                  {"from": second, "to": f"b{b}-ok"},
                  {"from": f"b{b}-ok", "to": first, "probability": rework},
                  {"from": f"b{b}-ok", "to": f"b{b}-route", "probability": 1 - rework},
                  {"from": f"b{b}-route", "to": f"b{b}-online", "when": {"channel": "online"}},
                  {"from": f"b{b}-route", "to": f"b{b}-post", "when": {"channel": "counter"}},
                  {"from": f"b{b}-online", "to": f"b{b}-merge"},
                  {"from": f"b{b}-post", "to": f"b{b}-merge"}]
        last = f"b{b}-merge"
        if b % 5 == 4:
            steps += [{"id": f"b{b}-split", "name": "並行", "kind": "and-split"},
                      {"id": f"b{b}-x", "name": "照会", "actor": "clerk", "duration": 4},
                      {"id": f"b{b}-y", "name": "審査", "actor": "clerk", "duration": 4}]
            flows += [{"from": last, "to": f"b{b}-split"}, {"from": f"b{b}-split", "to": f"b{b}-x"},
                      {"from": f"b{b}-split", "to": f"b{b}-y"}]
            steps.append({"id": f"b{b}-join", "name": "待合せ", "kind": "and-join"})
            flows += [{"from": f"b{b}-x", "to": f"b{b}-join"}, {"from": f"b{b}-y", "to": f"b{b}-join"}]
            last = f"b{b}-join"
    steps.append({"id": "end", "name": "終了", "kind": "end"})
    flows.append({"from": last, "to": "end"})
    return {"id": "scale", "name": "規模試験", "version": "as-is", "category": "other",
            "annual_volume": 1000, "volume_source": "assumption: test",
            "attributes": {"channel": {"online": 0.6, "counter": 0.4}},
            "actors": [{"id": "resident", "name": "申請者", "kind": "resident"},
                       {"id": "clerk", "name": "窓口", "kind": "staff"}],
            "steps": steps, "flows": flows}


@pytest.fixture(scope="module")
def as_is() -> Any:
    return validate_located(Located(generated(), {}, "<generated>"))


def test_a_20000_step_chain_with_loops_validates_far_past_the_recursion_limit(as_is: Any) -> None:
    assert len(as_is.steps) > 20 * sys.getrecursionlimit()
    assert len(as_is.steps) == 20_282


def test_its_metrics_are_the_exact_expected_counts(as_is: Any) -> None:
    result = measure(as_is)
    # Each rework loop is taken with probability 0.2: its steps run 1 / 0.8 times.
    assert result.visits[f"b{BLOCKS - 1}-write"] == pytest.approx(1.25)
    assert result.visits[f"b{BLOCKS - 1}-post"] == pytest.approx(0.4)
    assert result.visits["end"] == pytest.approx(1.0)
    assert result.per_case.paper_steps == pytest.approx(BLOCKS * 1.25)
    assert result.fully_digital_share == 0.0  # every path writes on paper


def test_its_diff_finds_exactly_the_changes_made(as_is: Any) -> None:
    to_be = validate_located(Located({**generated(rework=0.1, swap_block=BLOCKS // 2),
                                      "version": "to-be"}, {}, "<generated>"))
    changes = diff(as_is, to_be).changes
    assert len(changes) == len(as_is.steps)  # every step matched by id
    moved = {c.as_is_steps[0] for c in changes if c.kind is ChangeKind.REARRANGE}
    assert moved == {f"b{BLOCKS // 2}-write", f"b{BLOCKS // 2}-check"}
    assert all(c.kind in (ChangeKind.UNCHANGED, ChangeKind.REARRANGE) for c in changes)
    # Less rework: the paper written per year goes down by the change of visits.
    saved = sum(c.savings.paper_steps for c in changes)
    assert saved == pytest.approx(BLOCKS * (1.25 - 1 / 0.9) * 1000)


def test_its_workflow_net_is_explored_completely_and_found_sound(as_is: Any) -> None:
    report = check_soundness(as_is)
    assert report.exhaustive
    assert report.findings == ()
