"""Pure analysis of procedure models: load, structure, canonical form, metrics, diff, ECRS,
ranking, diagrams, report, BPMN and the simulation engine (``bpr.sim``).

The computing functions take models and return plain result objects; they do no I/O,
touch no database and import no Prefect. Reading input files is confined to the loaders
(``bpr.load``, ``bpr.catalog``, ``bpr.weights``, ``bpr.survey``, ``bpr.report.read_sources``,
``bpr.bpmn``); writing files and opening the store happen only in the command line (the
``cli`` subpackage, an edge: nothing else in ``bpr``, nor ``flows`` or ``models``, imports it)
and in ``bpr.publish`` (the report folder and the simulation results it shows, for the
command line and the flows).
"""

from bpr.canonical import canonical_json, content_hash
from bpr.errors import InvalidModelError, Problem, TetsuzukiError
from bpr.load import load_procedure, load_procedure_text

__all__ = [
    "InvalidModelError",
    "Problem",
    "TetsuzukiError",
    "canonical_json",
    "content_hash",
    "load_procedure",
    "load_procedure_text",
]
