"""Shared fixtures: run the real program under the recording mocks with a stack config."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from components import offline, program
from components.config import NAMESPACE

#: Minimal valid stacks; tests copy and change them.
ACI_STACK: dict[str, Any] = {
    "eula": "accept",
    "host": "aci",
    "location": "eastus",
    "aci": {"dnsNameLabelPrefix": "contoso-speech"},
    "containers": {
        "speech-to-text": {"locale": "en-us", "version": "5.1.0"},
        "neural-text-to-speech": {"voice": "jenny"},
    },
}

AKS_STACK: dict[str, Any] = {
    "eula": "accept",
    "host": "aks",
    "location": "eastus",
    "aks": {"pool": {"zones": ["1", "2", "3"]}},
    "containers": {
        "speech-to-text": {"replicas": 2, "maxReplicas": 4},
        "neural-text-to-speech": {},
    },
}

PlanStack = Callable[..., offline.Plan]


def namespaced(values: dict[str, Any]) -> dict[str, Any]:
    return {f"{NAMESPACE}:{key}": value for key, value in values.items()}


def plan_program(values: dict[str, Any], stack: str = "test") -> offline.Plan:
    """Run the whole program offline with these `speech-containers` values."""
    return offline.run(program.main, namespaced(values), stack=stack)


def with_changes(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of `base` with top-level keys replaced (None removes the key)."""
    values = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    return values


@pytest.fixture(scope="session")
def aci_plan() -> offline.Plan:
    """The ACI sample stack, planned once per session (plans are pure, so sharing is safe)."""
    return plan_program(ACI_STACK)


@pytest.fixture(scope="session")
def aks_plan() -> offline.Plan:
    return plan_program(AKS_STACK)
