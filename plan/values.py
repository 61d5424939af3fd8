"""Secret markers in recorded inputs: what the program marked secret stays visibly secret in a plan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pulumi.runtime import rpc


@dataclass(frozen=True)
class Secret:
    """An input value the program marked secret (so the engine encrypts it in state)."""

    value: Any


def mark_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return Secret(mark_secrets(value["value"]))
        return {k: mark_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mark_secrets(v) for v in value]
    return value


def reveal(value: Any) -> Any:
    """The plain value with every Secret unwrapped, for asserting on contents."""
    if isinstance(value, Secret):
        return reveal(value.value)
    if isinstance(value, dict):
        return {k: reveal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal(v) for v in value]
    return value
