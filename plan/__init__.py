"""Tooling: the offline engine (Pulumi's mocks, recording every registration) and the offline plan command."""
