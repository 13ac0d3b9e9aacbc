"""Procedure models: reading YAML, validating, canonical form, lineage, the catalog."""
