"""Benchmark (not a test): BPMN import time against file size, to show it is linear.

A generated BPMN file is one process with a lane, a start event, tasks in a chain with an
exclusive choice every tenth task (one branch skips the next task, each with a
probability), and an end event. Its size is counted in BPMN elements: flow nodes, sequence
flows and the lane's ``flowNodeRef`` (3.4 a task); 50,000 elements is 2.6 MB, under the
5 MiB limit of a BPMN file. Each size is written twice: one element per line, and the whole
document on one line (where a column search per element over the line would be quadratic).

What is measured, for each size and layout, ``--repeat`` times (min and median printed):
CPU and wall seconds of :func:`bpr.interop.bpmn.import_bpmn_bytes` (parse, graph
rewriting, validation of the resulting model). The last column is the CPU time per element
over that of the first size of the same layout: about 1 means linear, growing with size
means worse than linear.

A third file kind, ``events`` (one element a line), is the same chain where every fifth
task has a non-interrupting timer boundary event (``P7D``) leading to a reminder task and
an end event (each rewritten into a parallel side branch), every fifth task after it is
followed by a timer intermediate event (``PT2H``), and every tenth by a parallel split and
join around two tasks (about 3.3 elements a task): the rewriting of events and parallel
ends must stay linear as well.

Usage::

    .venv/bin/python benchmarks/bpmn_import.py [--sizes 1000 10000 50000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

from bpr.interop.bpmn import import_bpmn_bytes

NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
TZ = "urn:tetsuzuki:bpmn:1.0"


def generate(elements: int, *, one_line: bool = False) -> bytes:
    """A BPMN document of about ``elements`` elements (see the module docstring)."""
    tasks = max(1, round(elements / 3.4))
    nodes = ['<startEvent id="s"/>']
    flows: list[str] = []
    refs = ["s"]
    previous = "s"
    number = 0

    def flow(source: str, target: str, probability: float | None = None) -> None:
        nonlocal number
        number += 1
        if probability is None:
            flows.append(f'<sequenceFlow id="f{number}" sourceRef="{source}" targetRef="{target}"/>')
        else:
            flows.append(f'<sequenceFlow id="f{number}" sourceRef="{source}" targetRef="{target}">'
                         f'<extensionElements><tz:properties><tz:property name="probability" '
                         f'value="{probability}"/></tz:properties></extensionElements>'
                         "</sequenceFlow>")

    for i in range(1, tasks + 1):
        task = f"t{i}"
        nodes.append(f'<task id="{task}" name="作業{i}"/>')
        refs.append(task)
        if i % 10 == 0 and i < tasks:
            gateway = f"g{i}"
            nodes.append(f'<exclusiveGateway id="{gateway}"/>')
            refs.append(gateway)
            flow(previous, gateway)
            flow(gateway, task, 0.7)
            flow(gateway, f"t{i + 1}", 0.3)
        else:
            flow(previous, task)
        previous = task
    nodes.append('<endEvent id="e"/>')
    refs.append("e")
    flow(previous, "e")
    lane = ('<laneSet id="ls"><lane id="staff" name="担当">'
            + "".join(f"<flowNodeRef>{r}</flowNodeRef>" for r in refs) + "</lane></laneSet>")
    parts = [f'<definitions xmlns="{NS}" xmlns:tz="{TZ}" id="d" targetNamespace="x">',
             '<process id="p" name="benchmark">', lane, *nodes, *flows, "</process>",
             "</definitions>"]
    return (("" if one_line else "\n").join(parts)).encode("utf-8")


def generate_events(elements: int) -> bytes:
    """A BPMN document of about ``elements`` elements with events (see the module docstring)."""
    tasks = max(1, round(elements / 3.3))
    lines = ['<startEvent id="s"/>']
    previous = "s"
    number = 0

    def flow(source: str, target: str) -> None:
        nonlocal number
        number += 1
        lines.append(f'<sequenceFlow id="f{number}" sourceRef="{source}" targetRef="{target}"/>')

    for i in range(1, tasks + 1):
        task = f"t{i}"
        lines.append(f'<task id="{task}" name="作業{i}"/>')
        flow(previous, task)
        previous = task
        if i % 5 == 0:
            lines.append(f'<boundaryEvent id="b{i}" attachedToRef="{task}" cancelActivity="false">'
                         '<timerEventDefinition><timeDuration>P7D</timeDuration>'
                         "</timerEventDefinition></boundaryEvent>"
                         f'<sendTask id="r{i}" name="督促"/><endEvent id="re{i}"/>')
            flow(f"b{i}", f"r{i}")
            flow(f"r{i}", f"re{i}")
        elif i % 5 == 1:
            lines.append(f'<intermediateCatchEvent id="w{i}"><timerEventDefinition>'
                         "<timeDuration>PT2H</timeDuration></timerEventDefinition>"
                         "</intermediateCatchEvent>")
            flow(previous, f"w{i}")
            previous = f"w{i}"
        elif i % 10 == 3:
            lines.append(f'<parallelGateway id="ps{i}"/><task id="pa{i}" name="並行A"/>'
                         f'<task id="pb{i}" name="並行B"/><parallelGateway id="pj{i}"/>')
            for a, b in ((previous, f"ps{i}"), (f"ps{i}", f"pa{i}"), (f"ps{i}", f"pb{i}"),
                         (f"pa{i}", f"pj{i}"), (f"pb{i}", f"pj{i}")):
                flow(a, b)
            previous = f"pj{i}"
    lines.append('<endEvent id="e"/>')
    flow(previous, "e")
    parts = [f'<definitions xmlns="{NS}" xmlns:tz="{TZ}" id="d" targetNamespace="x">',
             '<process id="p" name="benchmark">', *lines, "</process>", "</definitions>"]
    return "\n".join(parts).encode("utf-8")


def _time(data: bytes, repeat: int) -> tuple[list[float], list[float]]:
    cpu, wall = [], []
    for _ in range(repeat):
        gc.collect()
        c0, w0 = time.process_time(), time.perf_counter()
        import_bpmn_bytes(data, "bench.bpmn")
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'layout':<9} {'elements':>8} {'bytes':>10} {'cpu min':>8} {'cpu med':>8} "
          f"{'wall min':>8} {'wall med':>8} {'vs linear':>9}")
    for layout in ("lines", "one line", "events"):
        base: float | None = None
        for size in args.sizes:
            data = generate_events(size) if layout == "events" else \
                generate(size, one_line=layout == "one line")
            cpu, wall = _time(data, args.repeat)
            per_element = min(cpu) / size
            base = base if base is not None else per_element
            print(f"{layout:<9} {size:>8,} {len(data):>10,} "
                  f"{min(cpu):>8.2f} {statistics.median(cpu):>8.2f} {min(wall):>8.2f} "
                  f"{statistics.median(wall):>8.2f} {per_element / base:>8.2f}x", flush=True)


if __name__ == "__main__":
    main()
