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

from typing import TYPE_CHECKING, Any

from bpr.errors import InvalidModelError, Problem, TetsuzukiError

if TYPE_CHECKING:
    from bpr.model.canonical import canonical_json, content_hash
    from bpr.model.load import load_procedure, load_procedure_text

_LAZY = {"canonical_json": "bpr.model.canonical", "content_hash": "bpr.model.canonical",
         "load_procedure": "bpr.model.load", "load_procedure_text": "bpr.model.load"}
"""Re-exports imported on first use: importing any part of ``bpr`` (the command line
starting, say) does not load the model reader (networkx) unless it is used."""


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'bpr' has no attribute {name!r}")

__all__ = [
    "InvalidModelError",
    "Problem",
    "TetsuzukiError",
    "canonical_json",
    "content_hash",
    "load_procedure",
    "load_procedure_text",
]
