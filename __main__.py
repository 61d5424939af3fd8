"""Pulumi entry point: everything lives in components/ (see README)."""

from components.program import main

main()
