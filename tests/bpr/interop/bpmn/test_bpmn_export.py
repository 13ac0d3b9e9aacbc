"""Exporting BPMN 2.0: XSD-valid, readable layout, and a lossless round trip."""

from __future__ import annotations

import functools
import itertools
from pathlib import Path

import pytest
from lxml import etree

from bpr.interop.bpmn.bpmn_export import BPMNDI_NS, DC_NS, DI_NS, export_bpmn
from bpr.interop.bpmn.bpmn_import import BPMN_NS, import_bpmn_bytes
from bpr.interop.bpmn.extension import CAMUNDA_NS, TZ_NS
from bpr.model.canonical import content_hash
from bpr.model.load import iter_model_files, load_procedure, load_procedure_text
from models.procedure import Channel, ProcedureVersion
from tests.conftest import EXAMPLE, PROCEDURES

# Every as-is/to-be file of the catalog that exists now (others are being written).
CATALOG = [p for p in iter_model_files([PROCEDURES]) if p.name in ("as-is.yaml", "to-be.yaml")]


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@functools.cache
def _exported(path: Path) -> tuple[ProcedureVersion, bytes]:
    model = load_procedure(path)
    return model, export_bpmn(model)


def test_the_catalog_is_not_empty() -> None:
    assert len(CATALOG) >= 2


@pytest.mark.parametrize("path", CATALOG, ids=_id)
def test_catalog_round_trips_yaml_bpmn_yaml_with_equal_hash(path: Path) -> None:
    model, xml = _exported(path)
    back = import_bpmn_bytes(xml, f"{path}.bpmn")
    assert back.warnings == () and back.ignored == ()
    # The YAML text `tetsuzuki bpmn import -o OUT.yaml` writes is checked in test_dump.py
    # (loading YAML is the slow part, so it is not repeated for every catalog file here).
    assert content_hash(back.model) == content_hash(model)


@pytest.mark.parametrize("path", CATALOG, ids=_id)
def test_catalog_exports_validate_against_the_omg_xsd(shared_dir: Path, path: Path) -> None:
    schema = _schema(shared_dir)
    schema.assertValid(etree.fromstring(_exported(path)[1]))


@functools.cache
def _schema(shared: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(shared / "bpmn" / "xsd" / "BPMN20.xsd")))


def _bounds(root: etree._Element) -> dict[str, tuple[float, float, float, float]]:
    out = {}
    for shape in root.iter(f"{{{BPMNDI_NS}}}BPMNShape"):
        b = shape.find(f"{{{DC_NS}}}Bounds")
        assert b is not None
        out[shape.get("bpmnElement", "")] = tuple(float(b.get(k, "nan"))
                                                 for k in ("x", "y", "width", "height"))
    return out  # type: ignore[return-value]


def test_every_step_is_drawn_inside_its_lane_without_overlaps() -> None:
    model, xml = _exported(EXAMPLE / "to-be.yaml")
    root = etree.fromstring(xml)
    bounds = _bounds(root)
    steps = [s for s in model.steps]
    for step in steps:
        x, y, w, h = bounds[step.id]
        if step.actor is not None:
            lx, ly, lw, lh = bounds[f"Lane_{step.actor}"]
            assert lx <= x and x + w <= lx + lw and ly <= y and y + h <= ly + lh, step.id
    boxes = [bounds[s.id] for s in steps]
    for i, (x1, y1, w1, h1) in enumerate(boxes):
        for x2, y2, w2, h2 in boxes[i + 1:]:
            assert x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1


def test_lanes_are_stacked_bands_inside_the_pool() -> None:
    model, xml = _exported(EXAMPLE / "to-be.yaml")
    bounds = _bounds(etree.fromstring(xml))
    lanes = [bounds[f"Lane_{a.id}"] for a in model.actors]
    for upper, lower in itertools.pairwise(lanes):
        assert upper[1] + upper[3] == pytest.approx(lower[1])
    pool = bounds[f"Participant_{model.id}"]
    assert lanes[0][1] == pool[1] and lanes[-1][1] + lanes[-1][3] == pytest.approx(pool[1] + pool[3])


def test_edges_run_from_their_source_shape_to_their_target_shape() -> None:
    _, xml = _exported(EXAMPLE / "to-be.yaml")
    root = etree.fromstring(xml)
    bounds = _bounds(root)
    flows = {f.get("id"): f for f in root.iter(f"{{{BPMN_NS}}}sequenceFlow")}

    def near(point: tuple[float, float], box: tuple[float, float, float, float]) -> bool:
        x, y, w, h = box
        return x - 15 <= point[0] <= x + w + 15 and y - 15 <= point[1] <= y + h + 15

    edges = list(root.iter(f"{{{BPMNDI_NS}}}BPMNEdge"))
    assert len(edges) == len(flows)
    for edge in edges:
        points = [(float(p.get("x", "nan")), float(p.get("y", "nan")))
                  for p in edge.iter(f"{{{DI_NS}}}waypoint")]
        flow = flows[edge.get("bpmnElement")]
        assert len(points) >= 2
        assert near(points[0], bounds[flow.get("sourceRef", "")]), edge.get("id")
        assert near(points[-1], bounds[flow.get("targetRef", "")]), edge.get("id")


def test_facts_are_in_our_extension_and_mirrored_for_camunda() -> None:
    _, xml = _exported(EXAMPLE / "as-is.yaml")
    root = etree.fromstring(xml)
    for element in root.iter(f"{{{BPMN_NS}}}*"):
        ours = element.find(f"{{{BPMN_NS}}}extensionElements/{{{TZ_NS}}}properties")
        if ours is None:
            continue
        mirror = element.find(f"{{{BPMN_NS}}}extensionElements/{{{CAMUNDA_NS}}}properties")
        assert mirror is not None
        assert [p.get("name") for p in ours] == [p.get("name") for p in mirror]
    seal_steps = [s for s in load_procedure(EXAMPLE / "as-is.yaml").steps if s.seal]
    assert seal_steps
    task = root.find(f".//*[@id='{seal_steps[0].id}']")
    assert task is not None
    assert task.find(f".//{{{TZ_NS}}}property[@name='seal']").get("value") == "true"


def test_a_choice_on_a_task_gets_an_exclusive_gateway_that_imports_back_away() -> None:
    model, xml = _exported(EXAMPLE / "to-be.yaml")
    root = etree.fromstring(xml)
    # online-check has two outgoing flows (a choice) but is a task.
    assert len(model.outgoing("online-check")) == 2
    gateway = root.find(f".//{{{BPMN_NS}}}exclusiveGateway[@id='online-check_choice']")
    assert gateway is not None
    back = import_bpmn_bytes(xml).model
    assert "online-check_choice" not in {s.id for s in back.steps}


def test_export_is_byte_identical_for_identical_input() -> None:
    model = load_procedure(EXAMPLE / "as-is.yaml")
    assert export_bpmn(model) == export_bpmn(model)


def test_names_that_import_would_normalise_survive_the_round_trip(minimal_yaml: str) -> None:
    text = minimal_yaml.replace("name: 申請書を書く", "name: \"申請書を  書く \"")
    model = load_procedure_text(text)
    assert model.step("apply").name == "申請書を  書く "
    back = import_bpmn_bytes(export_bpmn(model)).model
    assert back.step("apply").name == "申請書を  書く "
    assert content_hash(back) == content_hash(model)


def test_a_system_step_without_channel_keeps_no_channel(minimal_yaml: str) -> None:
    text = minimal_yaml.replace(
        "  - {id: clerk, name: 窓口, kind: staff, headcount: 2}\n",
        "  - {id: clerk, name: 窓口, kind: staff, headcount: 2}\n"
        "  - {id: registry, name: 住基システム, kind: system}\n").replace(
        "  - {id: end, name: 終了, kind: end, actor: resident}\n",
        "  - {id: lookup, name: 照会する, actor: registry, duration: 1}\n"
        "  - {id: end, name: 終了, kind: end, actor: resident}\n").replace(
        "  - {from: check, to: end}\n", "  - {from: check, to: lookup}\n  - {from: lookup, to: end}\n")
    model = load_procedure_text(text)
    assert model.step("lookup").channel is Channel.NONE
    xml = export_bpmn(model)
    assert b'<bpmn:serviceTask id="lookup"' in xml
    back = import_bpmn_bytes(xml).model
    assert back.step("lookup").channel is Channel.NONE
    assert content_hash(back) == content_hash(model)
