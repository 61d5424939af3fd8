"""Sizing and planning: pure functions over the catalog, no Pulumi resources."""
