"""Interoperability: BPMN 2.0 and Prosimos."""
