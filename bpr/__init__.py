"""Pure analysis of procedure models: load, structure, canonical form, metrics, diff, ...

Nothing in this package (except :mod:`bpr.cli`) does I/O beyond reading model files in
:mod:`bpr.load`, touches a database or imports Prefect.
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
