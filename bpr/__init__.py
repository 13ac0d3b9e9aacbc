"""Pure analysis of procedure models, in subpackages by what they do:

* ``bpr.model``: reading YAML, validating, canonical form, lineage, the catalog;
* ``bpr.analysis``: graph and expected counts, metrics, principles, diff, ECRS;
* ``bpr.sim``: the discrete-event simulation engine and its scenarios;
* ``bpr.planning``: ranking for onlining, weights, the national survey;
* ``bpr.render``: diagrams, the auditors' report, its publication and verification;
* ``bpr.interop``: BPMN 2.0 and Prosimos;
* ``bpr.cli``: the command line, an edge that nothing else imports.

The computing functions take models and return plain result objects; they do no I/O,
touch no database and import no Prefect. Reading input files is confined to the loaders;
writing files and opening the store happen only in the command line and in
``bpr.render.publish``. ``tests/test_layers.py`` enforces which subpackage may import which.
"""

from bpr.errors import InvalidModelError, Problem, TetsuzukiError
from bpr.model.canonical import canonical_json, content_hash
from bpr.model.load import load_procedure, load_procedure_text

__all__ = [
    "InvalidModelError",
    "Problem",
    "TetsuzukiError",
    "canonical_json",
    "content_hash",
    "load_procedure",
    "load_procedure_text",
]
