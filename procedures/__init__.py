"""The built-in catalog of procedures (data only)."""
