"""BPMN 2.0 interchange: safe import, export with Graphviz-laid-out diagram interchange.

See ``docs/readme/bpmn.md`` for the mapping between BPMN elements and the procedure model.
"""

from __future__ import annotations

from bpr.interop.bpmn.bpmn_export import export_bpmn
from bpr.interop.bpmn.bpmn_import import BpmnImport, ImportNote, import_bpmn, import_bpmn_bytes
from bpr.interop.bpmn.secure_xml import MAX_BPMN_BYTES, MAX_XML_DEPTH, parse_xml_bytes

__all__ = [
    "MAX_BPMN_BYTES",
    "MAX_XML_DEPTH",
    "BpmnImport",
    "ImportNote",
    "export_bpmn",
    "import_bpmn",
    "import_bpmn_bytes",
    "parse_xml_bytes",
]
