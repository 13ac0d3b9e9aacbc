"""Rendering: diagrams, the auditors' report, its publication and verification, safe output files."""
