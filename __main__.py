"""Pulumi entry point: the stack config becomes one SpeechContainers component (components/program.py)."""

from components.program import main

main()
