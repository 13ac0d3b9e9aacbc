"""The lane rule: 申請者 → 窓口 → 担当 → 決裁 → システム → 外部, then model order."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bpr.render.lanes import LaneRole, lane_order, lane_role
from models.procedure import ProcedureVersion

KINDS = ["external", "system", "approver", "staff", "resident"]


def model(actors: list[dict[str, Any]], counter_actor: str | None = None) -> ProcedureVersion:
    first = actors[0]["id"]
    steps: list[dict[str, Any]] = [{"id": "start", "name": "開始", "kind": "start", "actor": first}]
    for index, actor in enumerate(actors):
        channel = "counter" if actor["id"] == counter_actor else "internal"
        steps.append({"id": f"s{index}", "name": f"作業{index}", "actor": actor["id"], "duration": 1,
                      "channel": channel})
    steps.append({"id": "end", "name": "終了", "kind": "end", "actor": actors[0]["id"]})
    flows = [{"from": a["id"], "to": b["id"]} for a, b in itertools.pairwise(steps)]
    return ProcedureVersion.model_validate({
        "id": "lanes", "name": "レーン", "version": "as-is", "category": "other", "annual_volume": 1,
        "volume_source": "assumption: test", "actors": actors, "steps": steps, "flows": flows})


def test_counter_staff_is_recognised_by_its_steps_not_its_name() -> None:
    m = model([{"id": "desk", "name": "市民課 戸籍住民係", "kind": "staff"},
               # named 窓口 but never at the counter:
               {"id": "back", "name": "子育て支援課 窓口", "kind": "staff"},
               {"id": "boss", "name": "課長", "kind": "approver"},
               {"id": "sys", "name": "システム", "kind": "system"},
               {"id": "out", "name": "他市", "kind": "external"},
               {"id": "me", "name": "申請者", "kind": "resident"}], counter_actor="desk")
    assert lane_role(m.actor("desk"), m) is LaneRole.COUNTER
    assert lane_role(m.actor("back"), m) is LaneRole.STAFF
    assert [a.id for a in lane_order(m)] == ["me", "desk", "back", "boss", "sys", "out"]


def test_an_approver_at_the_counter_stays_an_approver() -> None:
    m = model([{"id": "boss", "name": "課長", "kind": "approver"},
               {"id": "me", "name": "申請者", "kind": "resident"}], counter_actor="boss")
    assert lane_role(m.actor("boss"), m) is LaneRole.APPROVER
    assert [a.id for a in lane_order(m)] == ["me", "boss"]


@given(st.lists(st.sampled_from(KINDS), min_size=1, max_size=8), st.data())
def test_lane_order_is_by_role_then_model_order(kinds: list[str], data: st.DataObject) -> None:
    actors = [{"id": f"a{i}", "name": f"担当{i}", "kind": k} for i, k in enumerate(kinds)]
    counter = data.draw(st.sampled_from([None, *[a["id"] for a in actors]]))
    m = model(actors, counter_actor=counter)
    order = lane_order(m)
    assert sorted(a.id for a in order) == sorted(a["id"] for a in actors)
    keys = [(lane_role(a, m), int(a.id[1:])) for a in order]
    assert keys == sorted(keys)
    assert lane_order(m) == order  # deterministic


def test_lanes_already_in_order_are_left_to_dot_and_others_are_moved() -> None:
    import graphviz

    from bpr.render.lane_layout import parse_layout, placed_source

    # written as the graphviz package writes DOT: one statement a line, tab-indented
    source = ("digraph g {\n\tnewrank=true\n\tsubgraph cluster_lane0 {\n\t\ta\n\t\tc\n\t}\n"
              "\tsubgraph cluster_lane1 {\n\t\tb\n\t}\n\t{ rank=same; a; b }\n\ta -> c\n}\n")
    layout = parse_layout(graphviz.Source(source).pipe(format="json", engine="dot"))
    xs = {o["name"]: float(o["bb"].split(",")[0]) for o in layout["objects"] if "lane" in o["name"]}
    order = sorted(xs, key=lambda name: xs[name])
    assert placed_source(source, layout, order) is None  # dot's order is kept as drawn
    moved = placed_source(source, layout, order[::-1])
    assert moved is not None
    drawn = parse_layout(graphviz.Source(moved).pipe(format="json", engine="neato", neato_no_op=2))
    new_x = {o["name"]: float(o["bb"].split(",")[0]) for o in drawn["objects"] if "lane" in o["name"]}
    assert sorted(new_x, key=lambda name: new_x[name]) == order[::-1]
    (edge,) = drawn["edges"]  # the edge inside a lane keeps dot's route, moved with the lane
    assert edge["pos"] != next(e["pos"] for e in layout["edges"]) or xs[order[0]] == new_x[order[0]]
