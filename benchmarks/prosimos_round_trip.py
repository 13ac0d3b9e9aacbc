"""Benchmark (not a test): mean lead time of a procedure before and after a Prosimos round
trip (``prosimos export`` then ``prosimos import``), with our annotations (actor kinds,
channels, attributes and guards) and without them (as a Prosimos file from Simod, or from
the export before the annotations, reads back).

Each model is simulated by our engine, default scenario, ``--replications`` replications
(mean of their mean lead times). What remains after a round trip with annotations comes
from the distributions Prosimos has (a triangular duration travels as a normal and comes
back as a lognormal with the same mean and standard deviation) and from the pooled
random numbers of a changed graph.

Usage::

    .venv/bin/python benchmarks/prosimos_round_trip.py [FILE ...] [--replications 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from lxml import etree

from bpr.interop.bpmn.bpmn_import import BPMN_NS
from bpr.interop.prosimos import export_prosimos, import_prosimos
from bpr.model.load import load_procedure
from bpr.sim import Scenario, simulate_replication

DEFAULT = ["procedures/childcare/child-allowance-claim/to-be.yaml",
           "procedures/childcare/nursery-application/to-be.yaml",
           "procedures/car/car-tax-address-change/to-be.yaml"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", default=DEFAULT)
    parser.add_argument("--replications", type=int, default=3)
    args = parser.parse_args()
    sc = Scenario(name="rt")
    tmp = Path(tempfile.mkdtemp())
    for f in args.files:
        _one(f, sc, tmp, args.replications)


def _one(file: str, scenario: Scenario, tmp: Path, replications: int) -> None:
    model = load_procedure(file)
    out = export_prosimos(model, scenario)
    (tmp / "m.json").write_text(json.dumps(out.parameters), encoding="utf-8")
    (tmp / "m.bpmn").write_bytes(out.bpmn)
    kept = import_prosimos(tmp / "m.bpmn", tmp / "m.json").model
    root = etree.fromstring(out.bpmn)
    for ext in list(root.iter(f"{{{BPMN_NS}}}extensionElements")):
        parent = ext.getparent()
        if parent is not None:
            parent.remove(ext)
    (tmp / "m.bpmn").write_bytes(etree.tostring(root))
    bare = import_prosimos(tmp / "m.bpmn", tmp / "m.json").model
    leads = []
    for version in (model, kept, bare):
        values = [simulate_replication(version, scenario, r).metrics.get("lead_time_days_mean")
                  for r in range(replications)]
        leads.append(statistics.mean(v for v in values if v is not None))
    original, round_trip, without = leads
    print(f"{Path(file).parent.name}/{Path(file).stem}: original {original:.2f} d, round trip "
          f"{round_trip:.2f} d ({round_trip / original - 1:+.1%}), without annotations "
          f"{without:.2f} d ({without / original - 1:+.1%})", flush=True)


if __name__ == "__main__":
    main()
