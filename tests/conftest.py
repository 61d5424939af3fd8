"""Shared fixtures: the sample stacks planned once per session (plans are read-only)."""

from __future__ import annotations

import pytest

from plan import offline
from tests.sample_stacks import ACI_STACK, AKS_STACK, plan_program


@pytest.fixture(scope="session")
def aci_plan() -> offline.Plan:
    """The ACI sample stack, planned once per session."""
    return plan_program(ACI_STACK)


@pytest.fixture(scope="session")
def aks_plan() -> offline.Plan:
    return plan_program(AKS_STACK)
